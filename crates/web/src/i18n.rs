//! Interface text in English and Spanish, and the choice between them.
//!
//! Every label and message of the pages is a [`Msg`]; [`t`] gives its text in a [`Lang`]. The
//! table is one macro invocation, so a message cannot exist in one language only, and a unit test
//! checks that no text is empty and that the Spanish is not a copy of the English (except for the
//! few words that are the same in both). Messages with numbers in them are functions below.
//!
//! Filter values and group names are not here: they are data ([`iop_core::Vocabulary`] and
//! [`iop_core::Group::label`]).

pub use iop_core::vocabulary::Lang;

macro_rules! messages {
    ($($(#[doc = $doc:literal])* $key:ident => $en:literal, $es:literal;)*) => {
        /// A piece of interface text (see [`t`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Msg {
            $($(#[doc = $doc])* #[doc = concat!("\"", $en, "\"")] $key,)*
        }

        impl Msg {
            /// Every message, for the completeness test.
            pub const ALL: &'static [Msg] = &[$(Msg::$key,)*];

            /// (English, Spanish).
            fn pair(self) -> (&'static str, &'static str) {
                match self {
                    $(Msg::$key => ($en, $es),)*
                }
            }
        }
    };
}

messages! {
    SiteName => "IOP Finder", "Buscador de IOP";
    Tagline => "Find intensive outpatient treatment for alcohol and drug use",
        "Encuentre tratamiento ambulatorio intensivo para el consumo de alcohol y drogas";
    SkipToMain => "Skip to main content", "Saltar al contenido principal";
    NavLabel => "Site", "Sitio";
    NavSearch => "Search", "Buscar";
    LanguageSwitch => "Español", "English";
    CrisisLabel => "Help now", "Ayuda ahora";
    CrisisIntro => "In crisis or thinking about suicide?", "¿En crisis o pensando en el suicidio?";
    CrisisCall988 => "Call 988", "Llame al 988";
    CrisisText988 => "Text 988", "Envíe un texto al 988";
    Crisis988Name => "Suicide & Crisis Lifeline, 24/7", "Línea de Prevención del Suicidio y Crisis, 24/7 (oprima 2 para español)";
    CrisisSamhsaName => "SAMHSA National Helpline", "Línea Nacional de Ayuda de SAMHSA";
    CrisisSamhsaNote => "free, confidential, 24/7, in English and Spanish",
        "gratuita, confidencial, las 24 horas, en inglés y español";
    FooterNoAds => "No listing pays for its place. Results are ordered by distance, relevance or name only.",
        "Ningún centro paga por su posición. Los resultados se ordenan solo por distancia, relevancia o nombre.";
    FooterPrivacy => "We set no cookies, store no searches and load nothing from other sites.",
        "No usamos cookies, no guardamos búsquedas y no cargamos nada de otros sitios.";
    FooterCheck => "Details change: call a program to confirm before you go.",
        "Los datos cambian: llame al programa para confirmar antes de ir.";
    FooterData => "Data: SAMHSA FindTreatment.gov (public domain), California DHCS (CC BY 4.0), GeoNames (CC BY 4.0), US Census Bureau (public domain).",
        "Datos: SAMHSA FindTreatment.gov (dominio público), DHCS de California (CC BY 4.0), GeoNames (CC BY 4.0), Oficina del Censo de EE. UU. (dominio público).";
    FooterApi => "Open data API", "API de datos abiertos";

    // The search form.
    SearchHeading => "Find a program", "Buscar un programa";
    SearchFormLabel => "Search for programs", "Buscar programas";
    LocationLabel => "Where", "Dónde";
    LocationHint => "ZIP code, city and state (Richmond, VA), or latitude,longitude",
        "Código postal, ciudad y estado (Richmond, VA), o latitud,longitud";
    UseMyLocation => "Use my location", "Usar mi ubicación";
    LocatingFailed => "Your location could not be found. Type a ZIP code or city instead.",
        "No se pudo obtener su ubicación. Escriba un código postal o una ciudad.";
    RadiusLabel => "Distance", "Distancia";
    TextLabel => "Words (optional)", "Palabras (opcional)";
    TextHint => "For example: suboxone, women, Spanish", "Por ejemplo: suboxone, mujeres, español";
    SortLabel => "Order", "Orden";
    SortAuto => "Automatic", "Automático";
    SortDistance => "Nearest first", "Más cercanos primero";
    SortRelevance => "Best match first", "Mejor coincidencia primero";
    SortName => "By name", "Por nombre";
    FiltersHeading => "Filters", "Filtros";
    FacetCountNote => "Numbers show how many programs each choice would give.",
        "Los números indican cuántos programas daría cada opción.";
    IncludeUnknown => "Include programs whose records do not say", "Incluir programas cuyos datos no lo indican";
    IncludeUnknownHint => "Many records are incomplete: this also shows programs that may match but whose details are not on file.",
        "Muchos registros están incompletos: así también verá programas que podrían coincidir pero cuyos datos no constan.";
    SubmitSearch => "Search", "Buscar";
    FormErrorHeading => "Please check the search", "Revise la búsqueda";
    DidYouMean => "Search instead for:", "Buscar en su lugar:";

    // Results.
    ResultsHeading => "Results", "Resultados";
    ResultsListLabel => "Programs found", "Programas encontrados";
    MapTitle => "Map of the results", "Mapa de los resultados";
    MapDesc => "Numbered pins match the numbered list of programs. The cross marks the place searched.",
        "Los marcadores numerados corresponden a la lista numerada de programas. La cruz marca el lugar buscado.";
    Approximate => "approximate location", "ubicación aproximada";
    Call => "Call", "Llamar";
    Main => "Main", "Principal";
    Intake => "Intake", "Admisión";
    Hotline => "Hotline", "Línea directa";
    Website => "Website", "Sitio web";
    Directions => "Directions", "Cómo llegar";
    OpenInMapsApp => "Open in a maps app", "Abrir en una app de mapas";
    NewTab => "(opens in a new tab)", "(se abre en otra pestaña)";
    NotOnFile => "Not on file", "No consta";
    NotOnFileHint => "the records we have say nothing about these: ask the program.",
        "los registros que tenemos no dicen nada sobre esto: pregunte al programa.";
    WhyMatched => "Why it matched", "Por qué aparece";
    MatchedFilters => "Matches", "Coincide con";
    MatchedWords => "Words found", "Palabras encontradas";
    ServesStateVirtually => "Serves your state virtually", "Atiende a su estado de forma virtual";
    DetailsUnknownFor => "Details unknown for", "Datos desconocidos sobre";
    AddToReferral => "Add to referral list", "Añadir a la lista de referencias";
    MakeReferral => "Make a referral sheet of the checked programs", "Crear una hoja de referencias con los programas marcados";
    ReferralHowTo => "Check programs to put them on a printable sheet. Nothing is stored.",
        "Marque programas para ponerlos en una hoja imprimible. No se guarda nada.";
    Stale => "A source that used to list this program no longer does: it may have closed.",
        "Una fuente que antes incluía este programa ya no lo hace: puede haber cerrado.";
    Accepting => "Accepting new clients", "Acepta nuevos pacientes";
    NotAccepting => "Not accepting new clients", "No acepta nuevos pacientes";
    PagesLabel => "Result pages", "Páginas de resultados";
    Previous => "Previous", "Anterior";
    Next => "Next", "Siguiente";
    PageWord => "Page", "Página";
    NoResults => "No programs match this search.", "Ningún programa coincide con esta búsqueda.";
    TryThis => "You could:", "Puede probar a:";
    TryIncludeUnknown => "include programs whose records do not say", "incluir programas cuyos datos no lo indican";
    TryRemoveFilters => "remove the filters", "quitar los filtros";
    TryRemoveWords => "search without the words", "buscar sin las palabras";
    StartHint => "Enter a ZIP code or a city to see programs near you.",
        "Escriba un código postal o una ciudad para ver programas cerca de usted.";
    AtLeast => "includes at least", "incluye al menos";
    PartlyOnFile => "Only partly on file", "Solo consta en parte";
    NoneListed => "None, according to the records", "Ninguno, según los registros";

    // The listing page.
    ListingDetails => "What the records say", "Lo que dicen los registros";
    Contact => "Contact", "Contacto";
    Address => "Address", "Dirección";
    ScheduleHeading => "Schedule", "Horario";
    Yes => "Yes", "Sí";
    No => "No", "No";
    Timetable => "Weekly timetable", "Horario semanal";
    SessionCol => "Session", "Sesión";
    ProgramSession => "Program session", "Sesión del programa";
    OfficeHours => "Office hours", "Horario de atención";
    InPerson => "in person", "presencial";
    VirtualFormat => "virtual", "virtual";
    Hybrid => "in person or virtual", "presencial o virtual";
    HoursPerWeek => "Hours per week", "Horas por semana";
    DurationWeeks => "Program length", "Duración del programa";
    HoursAsWritten => "Hours as the source wrote them", "Horario tal como lo escribió la fuente";
    Services => "Services named by the sources", "Servicios que nombran las fuentes";
    SourcesHeading => "Where this comes from", "De dónde vienen estos datos";
    SourceName => "Source", "Fuente";
    RecordId => "Record", "Registro";
    Retrieved => "Retrieved", "Obtenido";
    License => "License", "Licencia";
    LastVerified => "Last verified", "Última verificación";
    NeverVerified => "No verification date on file", "No consta fecha de verificación";
    ListingNotFound => "There is no program with this id. It may have been removed or merged with another listing.",
        "No hay ningún programa con este identificador. Puede haberse eliminado o unido a otro.";
    NotFoundTitle => "Not found", "No encontrado";
    BackToSearch => "Back to the search", "Volver a la búsqueda";
    AsamLevel => "ASAM level", "Nivel ASAM";
    /// Before the sources of one fact ("Sources: SAMHSA ..., retrieved 2019-05-30; ...").
    SourcesLabel => "Sources", "Fuentes";
    /// Before a source's retrieval date.
    RetrievedOn => "retrieved", "consultada el";
    /// Before a program sheet's confirmation date.
    ConfirmedOn => "confirmed", "confirmada el";
    /// The subject of the map point's source line.
    MapPoint => "Map point", "Punto en el mapa";
    DerivedZipCentroid => "centre of the ZIP code, computed by IOP Finder",
        "centro del código postal, calculado por Buscador de IOP";
    DerivedCityCentroid => "centre of the city, computed by IOP Finder",
        "centro de la ciudad, calculado por Buscador de IOP";
    DerivedStateFromZip => "state worked out from the ZIP code by IOP Finder",
        "estado deducido del código postal por Buscador de IOP";
    DerivedStateFromPoint => "state worked out from the map point by IOP Finder",
        "estado deducido del punto en el mapa por Buscador de IOP";
    VirtualStates => "Serves these states virtually", "Atiende virtualmente a estos estados";

    // Referral sheet.
    ReferralTitle => "Referral sheet", "Hoja de referencias";
    ReferralIntro => "Programs to contact. Call first: details change, and a program can tell you about openings and cost.",
        "Programas para contactar. Llame primero: los datos cambian y el programa puede informarle sobre plazas y costos.";
    CopyAsText => "Plain text version (to copy into a message)", "Versión en texto (para copiar en un mensaje)";
    SendByEmail => "Send by email", "Enviar por correo";
    PrintHint => "Print this page with your browser's Print command.", "Imprima esta página con la opción Imprimir de su navegador.";
    ReferralMissing => "Some programs on the list could not be found: they may have been removed.",
        "Algunos programas de la lista no se encontraron: pueden haberse eliminado.";
    ReferralEmpty => "Choose at least one program for the referral sheet.", "Elija al menos un programa para la hoja de referencias.";

    // Errors.
    ErrorTitle => "Something went wrong", "Algo salió mal";

    // Embed.
    EmbedPoweredBy => "Search by IOP Finder", "Búsqueda de Buscador de IOP";
}

/// The text of `msg` in `lang`.
pub fn t(lang: Lang, msg: Msg) -> &'static str {
    let (en, es) = msg.pair();
    match lang {
        Lang::En => en,
        Lang::Es => es,
    }
}

/// "12 programs found" / "Se encontraron 12 programas".
pub fn programs_found(lang: Lang, n: u64) -> String {
    let num = group_thousands(n);
    match (lang, n) {
        (Lang::En, 1) => "1 program found".to_owned(),
        (Lang::En, _) => format!("{num} programs found"),
        (Lang::Es, 1) => "Se encontró 1 programa".to_owned(),
        (Lang::Es, _) => format!("Se encontraron {num} programas"),
    }
}

/// "within 25 miles of X" / "a menos de 25 millas de X".
pub fn within_of(lang: Lang, miles: f64, place: &str) -> String {
    let m = miles_number(lang, miles);
    match lang {
        Lang::En => format!("within {m} miles of {place}"),
        Lang::Es => format!("a menos de {m} millas de {place}"),
    }
}

/// "in Virginia" / "en Virginia".
pub fn in_state(lang: Lang, state: &str) -> String {
    match lang {
        Lang::En => format!("in {state}"),
        Lang::Es => format!("en {state}"),
    }
}

/// "Within 25 miles" / "A menos de 25 millas" (radius select options).
pub fn within_miles(lang: Lang, miles: f64) -> String {
    let m = miles_number(lang, miles);
    match lang {
        Lang::En => format!("Within {m} miles"),
        Lang::Es => format!("A menos de {m} millas"),
    }
}

/// "2.3 miles" / "2,3 millas".
pub fn miles(lang: Lang, miles: f64) -> String {
    let m = miles_number(lang, miles);
    match (lang, miles == 1.0) {
        (Lang::En, true) => "1 mile".to_owned(),
        (Lang::En, false) => format!("{m} miles"),
        (Lang::Es, true) => "1 milla".to_owned(),
        (Lang::Es, false) => format!("{m} millas"),
    }
}

/// "search within 50 miles" / "buscar a menos de 50 millas".
pub fn try_wider(lang: Lang, miles: f64) -> String {
    let m = miles_number(lang, miles);
    match lang {
        Lang::En => format!("search within {m} miles"),
        Lang::Es => format!("buscar a menos de {m} millas"),
    }
}

/// "Not on file for 200 programs" (the `_unknown` facet count).
pub fn unknown_count(lang: Lang, n: u64) -> String {
    let num = group_thousands(n);
    match (lang, n) {
        (Lang::En, 1) => "Not on file for 1 program".to_owned(),
        (Lang::En, _) => format!("Not on file for {num} programs"),
        (Lang::Es, 1) => "No consta para 1 programa".to_owned(),
        (Lang::Es, _) => format!("No consta para {num} programas"),
    }
}

/// "2 chosen" / "2 elegidos" (beside a collapsed filter group).
pub fn chosen(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => format!("{n} chosen"),
        Lang::Es => format!("{n} elegidos"),
    }
}

/// "Show all 58" / "Mostrar los 58".
pub fn show_all(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => format!("Show all {n}"),
        Lang::Es => format!("Mostrar los {n}"),
    }
}

/// "2 records" / "2 registros" (records of one source behind one fact).
pub fn records(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::En, 1) => "1 record".to_owned(),
        (Lang::En, _) => format!("{n} records"),
        (Lang::Es, 1) => "1 registro".to_owned(),
        (Lang::Es, _) => format!("{n} registros"),
    }
}

/// "Page 3" / "Página 3".
pub fn page_n(lang: Lang, n: usize) -> String {
    format!("{} {n}", t(lang, Msg::PageWord))
}

/// "8 weeks" / "8 semanas".
pub fn weeks(lang: Lang, w: f32) -> String {
    let n = decimal(lang, f64::from(w));
    match lang {
        Lang::En => format!("{n} weeks"),
        Lang::Es => format!("{n} semanas"),
    }
}

/// "Too many programs: at most 30 on one referral sheet."
pub fn referral_too_many(lang: Lang, max: usize) -> String {
    match lang {
        Lang::En => format!("Too many programs: at most {max} fit on one referral sheet."),
        Lang::Es => {
            format!("Demasiados programas: caben como máximo {max} en una hoja de referencias.")
        }
    }
}

/// "Add Region Ten to the referral list" (the accessible name of a result's checkbox).
pub fn add_named_to_referral(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Add {name} to the referral list"),
        Lang::Es => format!("Añadir {name} a la lista de referencias"),
    }
}

/// A weekday's short name (Monday first), as in the timetable header.
pub fn weekday(lang: Lang, day: iop_core::Weekday) -> &'static str {
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const ES: [&str; 7] = ["Lun", "Mar", "Mié", "Jue", "Vie", "Sáb", "Dom"];
    match lang {
        Lang::En => EN[day as usize],
        Lang::Es => ES[day as usize],
    }
}

/// A weekday's full name, for screen readers (`abbr title`).
pub fn weekday_long(lang: Lang, day: iop_core::Weekday) -> &'static str {
    const EN: [&str; 7] =
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    const ES: [&str; 7] =
        ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"];
    match lang {
        Lang::En => EN[day as usize],
        Lang::Es => ES[day as usize],
    }
}

/// A distance or radius in miles, one decimal below 10 (`2.3`, Spanish `2,3`), whole above.
pub fn miles_number(lang: Lang, miles: f64) -> String {
    if miles < 10.0 && miles.fract() != 0.0 {
        decimal(lang, (miles * 10.0).round() / 10.0)
    } else {
        group_thousands(miles.round() as u64)
    }
}

/// A number with at most one decimal, with the language's decimal mark.
fn decimal(lang: Lang, x: f64) -> String {
    let s = if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.1}") };
    match lang {
        Lang::En => s,
        Lang::Es => s.replace('.', ","),
    }
}

/// `12345` -> `12,345` (the US form, also common in US Spanish).
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The page language: the `lang` parameter if it names one we have, else the best of the
/// `Accept-Language` header (by q-value, first listed on a tie), else English.
pub fn negotiate(lang_param: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = lang_param.and_then(Lang::parse) {
        return lang;
    }
    let Some(header) = accept_language else { return Lang::En };
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q.is_nan() || q <= 0.0 {
            continue;
        }
        let Some(lang) = Lang::parse(tag) else { continue };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::En, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words that are the same in both languages on purpose.
    const SAME_IN_BOTH: &[Msg] = &[Msg::No, Msg::VirtualFormat];

    #[test]
    fn every_message_has_both_languages() {
        for &m in Msg::ALL {
            let (en, es) = (t(Lang::En, m), t(Lang::Es, m));
            assert!(!en.trim().is_empty(), "{m:?} has no English");
            assert!(!es.trim().is_empty(), "{m:?} has no Spanish");
            if !SAME_IN_BOTH.contains(&m) {
                assert_ne!(en, es, "{m:?}: the Spanish is a copy of the English");
            }
        }
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(programs_found(Lang::En, 1), "1 program found");
        assert_eq!(programs_found(Lang::En, 12345), "12,345 programs found");
        assert_eq!(programs_found(Lang::Es, 2), "Se encontraron 2 programas");
        assert_eq!(miles(Lang::En, 2.34), "2.3 miles");
        assert_eq!(miles(Lang::Es, 2.34), "2,3 millas");
        assert_eq!(miles(Lang::En, 25.0), "25 miles");
        assert_eq!(miles(Lang::En, 1.0), "1 mile");
        assert_eq!(miles_number(Lang::En, 123.7), "124");
        assert_eq!(weeks(Lang::Es, 8.0), "8 semanas");
    }

    #[test]
    fn language_negotiation() {
        assert_eq!(negotiate(Some("es"), Some("en")), Lang::Es);
        assert_eq!(negotiate(Some("fr"), Some("es-MX,es;q=0.9")), Lang::Es, "bad param: header");
        assert_eq!(negotiate(None, Some("en-US,en;q=0.9,es;q=0.8")), Lang::En);
        assert_eq!(negotiate(None, Some("fr-FR, es;q=0.7, en;q=0.5")), Lang::Es);
        assert_eq!(negotiate(None, Some("en;q=0.2, es;q=0.9")), Lang::Es, "q-values, not order");
        assert_eq!(negotiate(None, Some("es;q=0")), Lang::En, "q=0 means not acceptable");
        assert_eq!(negotiate(None, Some("de, fr")), Lang::En);
        assert_eq!(negotiate(None, Some(";;,q=,")), Lang::En);
        assert_eq!(negotiate(None, None), Lang::En);
    }
}

//! Search parameters: parsing and validation shared by the API, the pages, the embed and the CLI.
//!
//! The query string is decoded here rather than by a serde extractor, so that every problem gets
//! a precise answer naming the parameter: a value that is not valid percent-encoded UTF-8, a
//! scalar given twice, a filter value that is not in the vocabulary (with a "did you mean"), a
//! number out of range. [`parse_query`] (or [`parse_pairs`], for the CLI) gives
//! [`SearchParams`]; [`resolve`] geocodes `near` and gives the index's
//! [`SearchRequest`]. Every failure is a [`ParamError`] with an English and a Spanish message.
//!
//! Rules (also in the OpenAPI document):
//! - Parameter names are case-sensitive; unknown parameters are ignored (partner sites may add
//!   their own), but unknown *values* of known parameters are rejected.
//! - An empty value (`level=`, `q=`, or only spaces) means the parameter was not given: HTML forms
//!   send every field, filled or not.
//! - Filter groups (`level`, `modality`, ...) take comma-separated values, OR'd; a repeated filter
//!   parameter (`level=iop&level=op`) adds its values (what HTML checkboxes send). Values are
//!   case-insensitive. A repeated scalar parameter (`radius_mi`, `page`, ...) is an error.
//! - `near` and `state` are alternatives: giving both is an error, since it is not clear which
//!   the user meant. `radius_mi` is ignored without `near` (the HTML form always sends it).
//! - Paging stops at [`MAX_RESULT_WINDOW`] results: deeper pages cost the index more than they
//!   could ever be worth to a person, and are refused as "out of range".

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use axum::http::StatusCode;
use iop_core::distance::miles_to_m;
use iop_core::listing::Filters;
use iop_core::search::{Area, SearchRequest, Sort};
use iop_core::vocabulary::{Group, Lang, Vocabulary};
use iop_geo::{GeocodeError, Geocoder, Place};

/// Default `radius_mi`.
pub const DEFAULT_RADIUS_MI: f64 = 25.0;
/// Smallest `radius_mi`.
pub const MIN_RADIUS_MI: f64 = 1.0;
/// Largest `radius_mi`.
pub const MAX_RADIUS_MI: f64 = 500.0;
/// Default `per_page`.
pub const DEFAULT_PER_PAGE: usize = 20;
/// Largest `per_page`.
pub const MAX_PER_PAGE: usize = 100;
/// How deep paging may go: `page * per_page` is at most this.
pub const MAX_RESULT_WINDOW: usize = 10_000;
/// Longest `q`, in characters.
pub const MAX_Q_CHARS: usize = 200;
/// Longest `near`, in characters.
pub const MAX_NEAR_CHARS: usize = 100;

/// The scalar parameters: each may be given once.
pub const SCALAR_PARAMS: [&str; 10] = [
    "near",
    "radius_mi",
    "state",
    "q",
    "include_unknown",
    "sort",
    "page",
    "per_page",
    "fields",
    "lang",
];

/// Every parameter name the search understands: the scalars plus one per filter group.
pub fn param_names() -> Vec<&'static str> {
    let mut names = SCALAR_PARAMS.to_vec();
    names.extend(Group::ALL.iter().map(|g| g.as_str()));
    names
}

/// A validated search, before its location is geocoded.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchParams {
    /// The location as typed (`22902`, `Charlottesville, VA`, `38.03,-78.48`), trimmed.
    pub near: Option<String>,
    /// Radius in miles (1 to 500; default 25). Only used with `near`.
    pub radius_mi: f64,
    /// A whole state (upper-case USPS code) instead of a radius.
    pub state: Option<String>,
    /// Free text, trimmed.
    pub q: Option<String>,
    /// Filter values per group, lower case, deduplicated, in the order given.
    pub filters: Filters,
    /// Also return listings whose record does not say either way.
    pub include_unknown: bool,
    /// Requested order (`Auto` when not given).
    pub sort: Sort,
    /// 1-based page.
    pub page: usize,
    /// Results per page.
    pub per_page: usize,
    /// Result fields to return; `None` for all.
    pub fields: Option<Vec<String>>,
    /// Language of labels and messages.
    pub lang: Lang,
}

impl Default for SearchParams {
    fn default() -> SearchParams {
        SearchParams {
            near: None,
            radius_mi: DEFAULT_RADIUS_MI,
            state: None,
            q: None,
            filters: Filters::new(),
            include_unknown: false,
            sort: Sort::Auto,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            fields: None,
            lang: Lang::En,
        }
    }
}

/// What is wrong with a parameter. The message in each language is made from this, so the two
/// can never say different things.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// The value is not valid percent-encoding, or decodes to invalid UTF-8.
    BadEncoding,
    /// A scalar parameter appears more than once.
    Repeated,
    /// Too long.
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// Not a number in the allowed range (`radius_mi`).
    NumberRange {
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// Not a whole number in the allowed range (`per_page`, `page`).
    IntegerRange {
        /// Smallest allowed.
        min: usize,
        /// Largest allowed, if any.
        max: Option<usize>,
    },
    /// `page` is a number, but paging cannot go that deep.
    PageOutOfRange,
    /// A filter value that is not in the vocabulary.
    UnknownValue {
        /// The value as given.
        value: String,
        /// The closest vocabulary value, if one is close.
        suggestion: Option<String>,
    },
    /// A value that is not one of a fixed list (`sort`, `lang`, `include_unknown`).
    NotOneOf {
        /// The value as given.
        value: String,
        /// The allowed values.
        allowed: &'static [&'static str],
    },
    /// A `fields` entry that is not a result field.
    UnknownField {
        /// The field as given.
        field: String,
        /// The closest field name, if one is close.
        suggestion: Option<String>,
    },
    /// `state` is not a USPS state, DC or territory code.
    BadState {
        /// The value as given.
        value: String,
    },
    /// `near` and `state` are both given.
    NearAndState,
    /// `near` looks like coordinates, but they are out of range or malformed.
    BadCoordinates {
        /// The geocoder's explanation (English).
        detail: String,
    },
    /// The location could not be found.
    UnknownLocation {
        /// The location as given.
        input: String,
        /// Places the user may have meant.
        suggestions: Vec<String>,
    },
    /// The location is outside the area this directory covers.
    OutsideUs {
        /// The location as given.
        input: String,
    },
}

/// A parameter the search cannot use, with the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamError {
    /// The parameter's name (`radius_mi`).
    pub param: String,
    /// What is wrong.
    pub problem: Problem,
}

impl ParamError {
    fn new(param: &str, problem: Problem) -> ParamError {
        ParamError { param: param.to_owned(), problem }
    }

    /// 400 for a bad parameter, 422 for a location that cannot be found.
    pub fn status(&self) -> StatusCode {
        match self.problem {
            Problem::UnknownLocation { .. } | Problem::OutsideUs { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The stable machine code: `bad_parameter` or `unknown_location`.
    pub fn code(&self) -> &'static str {
        match self.problem {
            Problem::UnknownLocation { .. } | Problem::OutsideUs { .. } => "unknown_location",
            _ => "bad_parameter",
        }
    }

    /// Places the user may have meant (for `unknown_location`), or the closest valid value.
    pub fn suggestions(&self) -> Vec<String> {
        match &self.problem {
            Problem::UnknownLocation { suggestions, .. } => suggestions.clone(),
            Problem::UnknownValue { suggestion: Some(s), .. }
            | Problem::UnknownField { suggestion: Some(s), .. } => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// One clear sentence saying what is wrong, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let p = &self.param;
        let es = lang == Lang::Es;
        match &self.problem {
            Problem::BadEncoding if es => {
                format!("{p} no es texto válido (codificación por porcentaje o UTF-8 incorrecta)")
            }
            Problem::BadEncoding => {
                format!("{p} is not valid text (bad percent-encoding or invalid UTF-8)")
            }
            Problem::Repeated if es => format!("{p} aparece más de una vez"),
            Problem::Repeated => format!("{p} is given twice"),
            Problem::TooLong { max } if es => format!("{p} admite como máximo {max} caracteres"),
            Problem::TooLong { max } => format!("{p} must be at most {max} characters"),
            Problem::NumberRange { min, max } if es => {
                format!("{p} debe ser un número del {min} al {max}")
            }
            Problem::NumberRange { min, max } => {
                format!("{p} must be a number from {min} to {max}")
            }
            Problem::IntegerRange { min, max: Some(max) } if es => {
                format!("{p} debe ser un número entero del {min} al {max}")
            }
            Problem::IntegerRange { min, max: Some(max) } => {
                format!("{p} must be a whole number from {min} to {max}")
            }
            Problem::IntegerRange { min, max: None } if es => {
                format!("{p} debe ser un número entero mayor o igual que {min}")
            }
            Problem::IntegerRange { min, max: None } => {
                format!("{p} must be a whole number of at least {min}")
            }
            Problem::PageOutOfRange if es => format!(
                "{p} está fuera de rango: solo se pueden recorrer los primeros \
                 {MAX_RESULT_WINDOW} resultados; afine la búsqueda"
            ),
            Problem::PageOutOfRange => format!(
                "{p} is out of range: only the first {MAX_RESULT_WINDOW} results can be paged \
                 through; narrow the search"
            ),
            Problem::UnknownValue { value, suggestion: Some(s) } if es => {
                format!("{p} no tiene el valor {value:?}; ¿quiso decir {s:?}?")
            }
            Problem::UnknownValue { value, suggestion: Some(s) } => {
                format!("{p} has no value {value:?}; did you mean {s:?}?")
            }
            Problem::UnknownValue { value, suggestion: None } if es => format!(
                "{p} no tiene el valor {value:?}; los valores válidos están en /api/v1/vocabulary"
            ),
            Problem::UnknownValue { value, suggestion: None } => {
                format!("{p} has no value {value:?}; the valid values are in /api/v1/vocabulary")
            }
            Problem::NotOneOf { value, allowed } if es => {
                format!("{p} no admite {value:?}; use {}", or_list(allowed, "o"))
            }
            Problem::NotOneOf { value, allowed } => {
                format!("{p} cannot be {value:?}; use {}", or_list(allowed, "or"))
            }
            Problem::UnknownField { field, suggestion: Some(s) } if es => {
                format!("{p}: no existe el campo {field:?}; ¿quiso decir {s:?}?")
            }
            Problem::UnknownField { field, suggestion: Some(s) } => {
                format!("{p} has no field {field:?}; did you mean {s:?}?")
            }
            Problem::UnknownField { field, suggestion: None } if es => {
                format!("{p}: no existe el campo {field:?}")
            }
            Problem::UnknownField { field, suggestion: None } => {
                format!("{p} has no field {field:?}")
            }
            Problem::BadState { value } if es => format!(
                "{p} debe ser el código de dos letras de un estado, como VA (se recibió {value:?})"
            ),
            Problem::BadState { value } => {
                format!("{p} must be a two-letter state code such as VA, not {value:?}")
            }
            Problem::NearAndState if es => {
                "indique near (un lugar) o state (un estado entero), no ambos".to_owned()
            }
            Problem::NearAndState => {
                "give either near (a place) or state (a whole state), not both".to_owned()
            }
            Problem::BadCoordinates { .. } if es => format!(
                "{p}: las coordenadas deben ser \"latitud,longitud\", con la latitud entre -90 \
                 y 90 y la longitud entre -180 y 180"
            ),
            Problem::BadCoordinates { detail } => format!(
                "{p}: coordinates must be \"lat,lon\" with latitude from -90 to 90 and \
                 longitude from -180 to 180 ({detail})"
            ),
            Problem::UnknownLocation { input, suggestions } if es => {
                let base = format!(
                    "No encontramos {input:?}. Escriba un código postal de 5 dígitos, \
                     \"Ciudad, ST\" o \"latitud,longitud\""
                );
                match suggestions.first() {
                    Some(s) => format!("{base}. ¿Quiso decir {s:?}?"),
                    None => format!("{base}."),
                }
            }
            Problem::UnknownLocation { input, suggestions } => {
                let base = format!(
                    "We could not find {input:?}. Try a 5-digit ZIP code, \"City, ST\" or \
                     \"lat,lon\""
                );
                match suggestions.first() {
                    Some(s) => format!("{base}. Did you mean {s:?}?"),
                    None => format!("{base}."),
                }
            }
            Problem::OutsideUs { input } if es => format!(
                "{input:?} está fuera de Estados Unidos; este directorio cubre los estados, DC \
                 y los territorios de EE. UU."
            ),
            Problem::OutsideUs { input } => format!(
                "{input:?} is outside the United States; this directory covers the US states, DC \
                 and territories"
            ),
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for ParamError {}

fn or_list(items: &[&str], or: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {or} {last}", init.join(", ")),
    }
}

/// Decodes a raw query string into `(name, value)` pairs, in order.
///
/// `+` is a space, `%XX` a byte; anything else after `%` is an error, and so is a value that is
/// not UTF-8, for the search's own parameters ([`param_names`]). Pairs of other parameters
/// that cannot be decoded are skipped, like any unknown parameter. Values are not trimmed here.
pub fn decode(raw: &str) -> Result<Vec<(String, String)>, ParamError> {
    decode_for(raw, &param_names())
}

/// [`decode`] for an API whose own parameters are `ours`: a value of one of them that cannot
/// be decoded is a [`Problem::BadEncoding`] naming it; anything else that cannot be decoded is
/// skipped. The one query-string decoder of the crate, so that the search API and the HSDS API
/// (`hsds_api`) read the same URL the same way.
pub fn decode_for(raw: &str, ours: &[&str]) -> Result<Vec<(String, String)>, ParamError> {
    let mut pairs = Vec::new();
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let Some(name) = percent_decode(k) else { continue };
        match percent_decode(v) {
            Some(value) => pairs.push((name, value)),
            None if ours.contains(&name.as_str()) => {
                return Err(ParamError::new(&name, Problem::BadEncoding));
            }
            // Not ours: ignored like any unknown parameter, whatever its value.
            None => {}
        }
    }
    Ok(pairs)
}

/// Strict `application/x-www-form-urlencoded` decoding of one name or value.
fn percent_decode(s: &str) -> Option<String> {
    String::from_utf8(form_decode_bytes(s, false)?).ok()
}

/// `application/x-www-form-urlencoded` decoding to bytes: `+` is a space, `%XX` a byte. A `%`
/// not followed by two hex digits makes it `None`, or with `keep_bad_escapes` stays as it is
/// (and then the answer is never `None`). The one byte loop behind the strict decoding of
/// parameters here and the lenient one of the pages' links (`pages::url::decode`).
pub(crate) fn form_decode_bytes(s: &str, keep_bad_escapes: bool) -> Option<Vec<u8>> {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match bytes.get(i + 1..i + 3).map(|h| (hex(h[0]), hex(h[1]))) {
                Some((Some(hi), Some(lo))) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ if keep_bad_escapes => out.push(b'%'),
                _ => return None,
            },
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

/// Parses a raw query string (`None` when the URL has none).
pub fn parse_query(raw: Option<&str>) -> Result<SearchParams, ParamError> {
    let pairs = decode(raw.unwrap_or(""))?;
    parse_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The `lang` of a query string, leniently: `en` unless a valid `lang` is given. For rendering
/// an error message in the user's language when the query itself is bad.
pub fn lang_of(raw: Option<&str>) -> Lang {
    decode(raw.unwrap_or(""))
        .ok()
        .and_then(|pairs| {
            pairs.into_iter().filter(|(k, _)| k == "lang").find_map(|(_, v)| Lang::parse(&v))
        })
        .unwrap_or_default()
}

/// Parses decoded `(name, value)` pairs: what the CLI calls with its flags.
pub fn parse_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<SearchParams, ParamError> {
    // Collect first so that checks run in a fixed order whatever the order of the URL.
    let mut scalars: BTreeMap<&'static str, &'a str> = BTreeMap::new();
    let mut filters: Filters = Filters::new();
    let vocab = Vocabulary::get();
    for (name, value) in pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if let Some(&scalar) = SCALAR_PARAMS.iter().find(|s| **s == name) {
            if scalars.insert(scalar, value).is_some() {
                return Err(ParamError::new(scalar, Problem::Repeated));
            }
        } else if let Ok(group) = name.parse::<Group>() {
            let list = filters.entry(group).or_default();
            for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let item = item.to_lowercase();
                if !vocab.contains(group, &item) {
                    let suggestion = closest(&item, vocab.values(group).iter().map(|v| &*v.value));
                    return Err(ParamError::new(
                        group.as_str(),
                        Problem::UnknownValue { value: item, suggestion },
                    ));
                }
                if !list.contains(&item) {
                    list.push(item);
                }
            }
        }
    }
    filters.retain(|_, values| !values.is_empty());

    let mut p = SearchParams { filters, ..SearchParams::default() };
    if let Some(v) = scalars.get("lang") {
        p.lang = Lang::parse(v).ok_or_else(|| {
            ParamError::new(
                "lang",
                Problem::NotOneOf { value: (*v).to_owned(), allowed: &["en", "es"] },
            )
        })?;
    }
    if let Some(v) = scalars.get("near") {
        if v.chars().count() > MAX_NEAR_CHARS {
            return Err(ParamError::new("near", Problem::TooLong { max: MAX_NEAR_CHARS }));
        }
        p.near = Some((*v).to_owned());
    }
    if let Some(v) = scalars.get("radius_mi") {
        let range = Problem::NumberRange { min: MIN_RADIUS_MI, max: MAX_RADIUS_MI };
        let r: f64 = v.parse().map_err(|_| ParamError::new("radius_mi", range.clone()))?;
        // NaN fails both comparisons, so it is rejected with the infinities.
        if !(MIN_RADIUS_MI..=MAX_RADIUS_MI).contains(&r) {
            return Err(ParamError::new("radius_mi", range));
        }
        p.radius_mi = r;
    }
    if let Some(v) = scalars.get("state") {
        let state = iop_core::states::by_code(v).filter(|_| v.len() == 2).ok_or_else(|| {
            ParamError::new("state", Problem::BadState { value: (*v).to_owned() })
        })?;
        if p.near.is_some() {
            return Err(ParamError::new("state", Problem::NearAndState));
        }
        p.state = Some(state.code.to_owned());
    }
    if let Some(v) = scalars.get("q") {
        if v.chars().count() > MAX_Q_CHARS {
            return Err(ParamError::new("q", Problem::TooLong { max: MAX_Q_CHARS }));
        }
        p.q = Some((*v).to_owned());
    }
    if let Some(v) = scalars.get("include_unknown") {
        p.include_unknown = match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "on" | "yes" => true,
            "false" | "0" | "off" | "no" => false,
            _ => {
                return Err(ParamError::new(
                    "include_unknown",
                    Problem::NotOneOf { value: (*v).to_owned(), allowed: &["true", "false"] },
                ));
            }
        };
    }
    if let Some(v) = scalars.get("sort") {
        p.sort = match v.to_ascii_lowercase().as_str() {
            "distance" => Sort::Distance,
            "relevance" => Sort::Relevance,
            "name" => Sort::Name,
            _ => {
                return Err(ParamError::new(
                    "sort",
                    Problem::NotOneOf {
                        value: (*v).to_owned(),
                        allowed: &["distance", "relevance", "name"],
                    },
                ));
            }
        };
    }
    if let Some(v) = scalars.get("per_page") {
        p.per_page = parse_int(v).filter(|n| (1..=MAX_PER_PAGE).contains(n)).ok_or_else(|| {
            ParamError::new("per_page", Problem::IntegerRange { min: 1, max: Some(MAX_PER_PAGE) })
        })?;
    }
    if let Some(v) = scalars.get("page") {
        let all_digits = v.bytes().all(|b| b.is_ascii_digit());
        p.page = match parse_int(v) {
            Some(n) if n >= 1 => n,
            // A run of digits too long for a usize is a page number, just far out of range.
            None if all_digits && v.bytes().any(|b| b != b'0') => {
                return Err(ParamError::new("page", Problem::PageOutOfRange));
            }
            _ => {
                return Err(ParamError::new("page", Problem::IntegerRange { min: 1, max: None }));
            }
        };
        if p.page.saturating_mul(p.per_page) > MAX_RESULT_WINDOW {
            return Err(ParamError::new("page", Problem::PageOutOfRange));
        }
    }
    if let Some(v) = scalars.get("fields") {
        let known = result_fields();
        let mut fields: Vec<String> = Vec::new();
        for f in v.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            if !known.iter().any(|k| k == f) {
                let suggestion = closest(f, known.iter().map(String::as_str));
                return Err(ParamError::new(
                    "fields",
                    Problem::UnknownField { field: f.to_owned(), suggestion },
                ));
            }
            if !fields.iter().any(|x| x == f) {
                fields.push(f.to_owned());
            }
        }
        p.fields = Some(fields).filter(|f| !f.is_empty());
    }
    Ok(p)
}

fn parse_int(v: &str) -> Option<usize> {
    // `usize::from_str` takes a leading `+`; we want digits only.
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// The closest candidate by edit distance, if it is close enough to be a plausible typo.
fn closest<'a>(input: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let input = input.to_lowercase();
    candidates
        .map(|c| (strsim::damerau_levenshtein(&input, c), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

/// The names a result object can have: the listing's JSON keys (taken from the one place that
/// defines them, the serialisation of [`iop_core::Listing`]) plus `distance_mi` and `matched`.
pub fn result_fields() -> &'static [String] {
    static FIELDS: OnceLock<Vec<String>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let listing = serde_json::to_value(iop_core::Listing::default())
            .expect("a default listing serialises");
        let mut fields: Vec<String> = listing
            .as_object()
            .expect("a listing serialises to an object")
            .keys()
            .cloned()
            .collect();
        fields.push("distance_mi".to_owned());
        fields.push("matched".to_owned());
        fields
    })
}

/// Geocodes `near` and builds the index's request.
///
/// With `near`, the area is a radius (metres) around the place, and the state used for virtual
/// programs is the ZIP's or city's state, or for `lat,lon` the state whose shape holds the point.
/// Returns the place too, for echoing back to the user.
pub fn resolve(
    params: &SearchParams,
    geocoder: &Geocoder,
) -> Result<(SearchRequest, Option<Place>), ParamError> {
    let place = match &params.near {
        Some(near) => Some(geocode(near, geocoder)?),
        None => None,
    };
    let area = match (&place, &params.state) {
        (Some(place), _) => Some(Area::Radius {
            lat: place.lat,
            lon: place.lon,
            radius_m: miles_to_m(params.radius_mi),
            state: place
                .state
                .clone()
                .or_else(|| geocoder.state_at(place.lat, place.lon).map(str::to_owned)),
        }),
        (None, Some(state)) => Some(Area::State(state.clone())),
        (None, None) => None,
    };
    let request = SearchRequest {
        area,
        text: params.q.clone(),
        filters: params.filters.clone(),
        include_unknown: params.include_unknown,
        sort: params.sort,
        page: params.page,
        per_page: params.per_page,
    };
    Ok((request, place))
}

fn geocode(near: &str, geocoder: &Geocoder) -> Result<Place, ParamError> {
    geocoder.geocode(near).map_err(|e| {
        let problem = match e {
            GeocodeError::NotFound { suggestions, .. } => Problem::UnknownLocation {
                input: near.to_owned(),
                suggestions: suggestions.into_iter().map(|s| s.to_string()).collect(),
            },
            GeocodeError::Empty => {
                Problem::UnknownLocation { input: near.to_owned(), suggestions: Vec::new() }
            }
            GeocodeError::OutsideUs { .. } => Problem::OutsideUs { input: near.to_owned() },
            other @ GeocodeError::BadCoordinates { .. } => {
                Problem::BadCoordinates { detail: other.to_string() }
            }
        };
        ParamError::new("near", problem)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<SearchParams, ParamError> {
        parse_query(Some(q))
    }

    #[test]
    fn defaults() {
        assert_eq!(parse_query(None).unwrap(), SearchParams::default());
        assert_eq!(parse("").unwrap(), SearchParams::default());
    }

    #[test]
    fn filters_merge_dedupe_and_ignore_case() {
        let p = parse("level=iop,OP&level=op&level=&modality=cbt&foo=bar").unwrap();
        assert_eq!(p.filters[&Group::Level], vec!["iop", "op"]);
        assert_eq!(p.filters[&Group::Modality], vec!["cbt"]);
        assert!(!p.filters.contains_key(&Group::Payment));
    }

    #[test]
    fn unknown_value_suggests() {
        let e = parse("modality=cbtt").unwrap_err();
        assert_eq!(e.param, "modality");
        assert_eq!(e.message(Lang::En), "modality has no value \"cbtt\"; did you mean \"cbt\"?");
        assert_eq!(
            e.message(Lang::Es),
            "modality no tiene el valor \"cbtt\"; ¿quiso decir \"cbt\"?"
        );
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn radius_message_matches_the_contract() {
        for bad in ["0", "501", "abc", "NaN", "inf", "-5"] {
            let e = parse(&format!("near=22902&radius_mi={bad}")).unwrap_err();
            assert_eq!(e.message(Lang::En), "radius_mi must be a number from 1 to 500", "{bad}");
        }
        assert_eq!(parse("radius_mi=2.5").unwrap().radius_mi, 2.5);
    }

    #[test]
    fn encoding() {
        assert_eq!(parse("q=a+b%20c").unwrap().q.as_deref(), Some("a b c"));
        assert_eq!(parse("q=%ZZ").unwrap_err().param, "q");
        assert_eq!(parse("q=%FF%FE").unwrap_err().problem, Problem::BadEncoding);
        assert_eq!(parse("q=%4").unwrap_err().param, "q");
        // Undecodable names are unknown parameters: ignored.
        assert!(parse("%FF=1").is_ok());
    }

    #[test]
    fn form_decoding_strict_and_lenient() {
        for keep in [false, true] {
            assert_eq!(form_decode_bytes("a+b%20c%4A%4a", keep).as_deref(), Some(&b"a b cJJ"[..]));
            assert_eq!(form_decode_bytes("%FF", keep).as_deref(), Some(&[0xFF][..]));
        }
        for bad in ["%", "%4", "%zz", "a%4g", "%\u{e9}9", "100%"] {
            assert_eq!(form_decode_bytes(bad, false), None, "{bad}");
            let kept = form_decode_bytes(bad, true).expect("lenient decoding cannot fail");
            assert_eq!(kept, bad.as_bytes(), "{bad}: a bad escape stays as it is");
        }
        assert_eq!(crate::pages::url::decode("%E2%9C%93+%zz%FF"), "\u{2713} %zz\u{FFFD}");
    }

    #[test]
    fn scalars_once() {
        let e = parse("radius_mi=5&radius_mi=6").unwrap_err();
        assert_eq!(e.message(Lang::En), "radius_mi is given twice");
        // An empty repeat is "not given" (HTML forms).
        assert!(parse("q=&q=x").is_ok());
    }

    #[test]
    fn paging() {
        assert_eq!(parse("page=1000000000000").unwrap_err().problem, Problem::PageOutOfRange);
        assert_eq!(
            parse("page=99999999999999999999999999").unwrap_err().problem,
            Problem::PageOutOfRange
        );
        assert!(parse("page=0").is_err());
        assert!(parse("page=%2B2").is_err());
        assert!(parse("per_page=0").is_err());
        assert!(parse("per_page=101").is_err());
        assert!(parse("per_page=100&page=100").is_ok());
        assert!(parse("per_page=100&page=101").is_err());
    }

    #[test]
    fn near_and_state() {
        assert_eq!(parse("near=22902&state=VA").unwrap_err().problem, Problem::NearAndState);
        assert_eq!(parse("state=va").unwrap().state.as_deref(), Some("VA"));
        assert!(parse("state=Virginia").is_err());
    }

    #[test]
    fn fields_are_the_listing_keys() {
        let p = parse("fields=id,name,distance_mi,id").unwrap();
        assert_eq!(p.fields.unwrap(), vec!["id", "name", "distance_mi"]);
        let e = parse("fields=id,nmae").unwrap_err();
        assert_eq!(e.message(Lang::En), "fields has no field \"nmae\"; did you mean \"name\"?");
        for f in ["levels", "unknown", "schedule", "phones", "matched"] {
            assert!(result_fields().iter().any(|k| k == f), "{f}");
        }
    }

    #[test]
    fn lang_of_is_lenient() {
        assert_eq!(lang_of(Some("lang=es&radius_mi=x")), Lang::Es);
        assert_eq!(lang_of(Some("lang=fr")), Lang::En);
        assert_eq!(lang_of(Some("q=%ZZ")), Lang::En);
    }
}

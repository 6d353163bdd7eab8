//! Text handling for user input: normalisation of place names, state names, ZIP codes and
//! `lat,lon` pairs.
//!
//! Everything here is total: any `&str` gives an answer, never a panic. Keys built by
//! [`normalize`] are what the lookup tables are indexed by, so data and queries must go through
//! the same function.

use std::collections::HashMap;
use std::sync::LazyLock;

use iop_core::states::STATES;

/// The `iop_core` state code for an exact uppercase USPS code, by hash rather than the linear
/// scan of `iop_core::states::by_code` (called for each of ~75,000 rows at load).
pub(crate) fn state_code(code: &str) -> Option<&'static str> {
    static CODES: LazyLock<HashMap<&'static str, &'static str>> =
        LazyLock::new(|| STATES.iter().map(|s| (s.code, s.code)).collect());
    CODES.get(code).copied()
}

/// Longest input, in bytes, that the geocoder looks at. Longer input is not a place name (the
/// longest US place name in the data is under 40 characters) and is refused before any work.
pub(crate) const MAX_INPUT_BYTES: usize = 200;

/// How much of the user's input an error message repeats.
const MAX_ECHO_CHARS: usize = 80;

/// Folds a lowercase letter with a diacritic to its ASCII base (`ñ` -> `n`), so that "Bayamon"
/// finds "Bayamón" and "Hagatna" finds "Hagåtña". Letters outside this table are kept as they are.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Characters dropped without leaving a gap: "O'Fallon" and "OFallon" are the same name, the
/// Hawaiian ʻokina is often left out, and "St." is "St".
fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | 'ʻ' | 'ʼ' | '.')
}

/// Abbreviations that both GeoNames and users write either way ("Mt Baldy" / "Mount Dora",
/// "St. Louis" / "Saint Louis"). Expanded on both sides so either spelling finds the other.
fn expand(token: &str) -> &str {
    match token {
        "st" => "saint",
        "ste" => "sainte",
        "ft" => "fort",
        "mt" => "mount",
        other => other,
    }
}

/// The lookup key for a place name: lowercase, diacritics folded, apostrophes and periods
/// dropped, other punctuation turned into spaces, abbreviations expanded, single spaces.
///
/// `normalize("St. Louis")` == `normalize("saint  louis")` == `"saint louis"`.
pub(crate) fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // The current word, before abbreviation expansion.
    let mut word = String::new();
    let end_word = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(expand(word));
            word.clear();
        }
    };
    for c in s.chars() {
        if is_joiner(c) {
            continue;
        }
        for lc in c.to_lowercase() {
            if let Some(f) = fold(lc) {
                word.push_str(f);
            } else if lc.is_alphanumeric() {
                word.push(lc);
            } else {
                end_word(&mut word, &mut out);
            }
        }
    }
    end_word(&mut word, &mut out);
    out
}

/// [`normalize`] split into words.
pub(crate) fn tokens(s: &str) -> Vec<String> {
    normalize(s).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// Words a user may add after the state that name the country, not a place.
const COUNTRY_SUFFIXES: &[&[&str]] =
    &[&["united", "states", "of", "america"], &["united", "states"], &["usa"], &["us"]];

/// Drops a trailing country name ("..., VA, USA") as long as something is left.
pub(crate) fn strip_country(tokens: &mut Vec<String>) {
    for suffix in COUNTRY_SUFFIXES {
        if tokens.len() > suffix.len() && ends_with(tokens, suffix) {
            tokens.truncate(tokens.len() - suffix.len());
            return;
        }
    }
}

/// Whether the words are only a country name ("USA", "United States").
pub(crate) fn is_country(tokens: &[String]) -> bool {
    COUNTRY_SUFFIXES.iter().any(|s| tokens.len() == s.len() && ends_with(tokens, s))
}

/// `ends_with` between owned tokens and a list of literals.
fn ends_with(tokens: &[String], suffix: &[&str]) -> bool {
    tokens.len() >= suffix.len()
        && tokens[tokens.len() - suffix.len()..].iter().zip(suffix).all(|(a, b)| a == b)
}

/// Normalised state spellings -> USPS code: codes, names, AP style abbreviations ("Fla.",
/// "Calif."), and a few common names for territories.
#[derive(Debug)]
pub(crate) struct StateNames {
    by_key: HashMap<String, &'static str>,
    /// The longest key, in words ("northern mariana islands" = 3).
    max_words: usize,
}

/// AP style and other common abbreviations that are not USPS codes.
const STATE_ALIASES: &[(&str, &str)] = &[
    ("Ala", "AL"),
    ("Ariz", "AZ"),
    ("Ark", "AR"),
    ("Calif", "CA"),
    ("Cal", "CA"),
    ("Colo", "CO"),
    ("Conn", "CT"),
    ("Del", "DE"),
    ("D C", "DC"),
    ("Washington DC", "DC"),
    ("Fla", "FL"),
    ("Ill", "IL"),
    ("Ind", "IN"),
    ("Kan", "KS"),
    ("Kans", "KS"),
    ("Mass", "MA"),
    ("Mich", "MI"),
    ("Minn", "MN"),
    ("Miss", "MS"),
    ("Mont", "MT"),
    ("Neb", "NE"),
    ("Nebr", "NE"),
    ("Nev", "NV"),
    ("Okla", "OK"),
    ("Ore", "OR"),
    ("Oreg", "OR"),
    ("Penn", "PA"),
    ("Penna", "PA"),
    ("Tenn", "TN"),
    ("Tex", "TX"),
    ("Wash", "WA"),
    ("W Va", "WV"),
    ("WVa", "WV"),
    ("Wis", "WI"),
    ("Wisc", "WI"),
    ("Wyo", "WY"),
    ("Virgin Islands", "VI"),
    ("US Virgin Islands", "VI"),
    ("USVI", "VI"),
    ("Northern Marianas", "MP"),
    ("CNMI", "MP"),
];

impl StateNames {
    pub(crate) fn new() -> StateNames {
        let mut by_key = HashMap::new();
        for s in STATES {
            by_key.insert(normalize(s.code), s.code);
            by_key.insert(normalize(s.name), s.code);
        }
        for (alias, code) in STATE_ALIASES {
            if let Some(s) = iop_core::states::by_code(code) {
                by_key.insert(normalize(alias), s.code);
            }
        }
        let max_words = by_key.keys().map(|k| k.split(' ').count()).max().unwrap_or(1);
        StateNames { by_key, max_words }
    }

    /// The USPS code for an already normalised state spelling.
    pub(crate) fn get(&self, normalized: &str) -> Option<&'static str> {
        self.by_key.get(normalized).copied()
    }

    /// The USPS code for any spelling ("va", "Virginia", "Fla.").
    pub(crate) fn parse(&self, raw: &str) -> Option<&'static str> {
        self.get(&normalize(raw))
    }

    pub(crate) fn max_words(&self) -> usize {
        self.max_words
    }

    /// States whose name is within a small edit distance of `normalized` (a misspelt state such
    /// as "Virgina"); codes are not matched this way (every two letters are close to some code).
    pub(crate) fn fuzzy(&self, normalized: &str) -> Vec<&'static str> {
        if normalized.chars().count() < 4 {
            return Vec::new();
        }
        let mut out: Vec<(usize, &'static str)> = STATES
            .iter()
            .filter_map(|s| {
                let d = strsim::levenshtein(&normalize(s.name), normalized);
                (d <= 2).then_some((d, s.code))
            })
            .collect();
        out.sort();
        out.into_iter().map(|(_, c)| c).collect()
    }
}

/// A normalised name prepared for fuzzy matching: its length in characters and the set of
/// characters it uses, so that most candidates are rejected without computing an edit
/// distance (suggestions scan all ~26,000 names).
#[derive(Debug, Clone)]
pub(crate) struct FuzzyKey {
    pub(crate) key: String,
    chars: usize,
    /// One bit per letter/digit/space, plus hashed bits for other characters.
    mask: u64,
}

impl FuzzyKey {
    pub(crate) fn new(key: String) -> FuzzyKey {
        let mut chars = 0;
        let mut mask = 0u64;
        for c in key.chars() {
            chars += 1;
            let bit = match c {
                'a'..='z' => u32::from(c) - u32::from('a'),
                '0'..='9' => 26 + u32::from(c) - u32::from('0'),
                ' ' => 36,
                other => 37 + u32::from(other) % 27,
            };
            mask |= 1 << bit;
        }
        FuzzyKey { key, chars, mask }
    }

    /// The number of characters.
    pub(crate) fn len(&self) -> usize {
        self.chars
    }

    /// The Levenshtein distance to `other` if it is at most `max`. One edit changes the length
    /// by at most one and the character set by at most two members, which rules most names
    /// out before the O(n*m) distance.
    pub(crate) fn distance_within(&self, other: &FuzzyKey, max: usize) -> Option<usize> {
        if self.chars.abs_diff(other.chars) > max
            || (self.mask ^ other.mask).count_ones() as usize > 2 * max
        {
            return None;
        }
        let d = strsim::levenshtein(&self.key, &other.key);
        (d <= max).then_some(d)
    }
}

/// A five-digit ZIP from "22902", "22902-1234", "22902 1234" or "229021234"; `None` for anything
/// else (including ZIPs that lost their leading zero: "6708" is not guessed to be "06708").
pub(crate) fn parse_zip(s: &str) -> Option<u32> {
    let s = s.trim();
    let b = s.as_bytes();
    let five = match b.len() {
        5 => b,
        9 if b.iter().all(u8::is_ascii_digit) => &b[..5],
        10 if (b[5] == b'-' || b[5] == b' ') && b[6..].iter().all(u8::is_ascii_digit) => &b[..5],
        _ => return None,
    };
    if !five.iter().all(u8::is_ascii_digit) {
        return None;
    }
    five.iter().try_fold(0u32, |acc, d| Some(acc * 10 + u32::from(d - b'0')))
}

/// Formats a ZIP key back to its five digits.
pub(crate) fn zip_string(zip: u32) -> String {
    format!("{zip:05}")
}

/// Whether `s` is a plain decimal number: optional sign, digits, at most one point. Rust's
/// `f64::from_str` also takes "NaN", "inf" and "1e5", none of which is a coordinate.
fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut digits = 0;
    let mut points = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1 && digits <= 20
}

/// Two numbers "a,b", "a, b" or "a b", optionally in parentheses or brackets. `None` when the
/// input is not shaped like a coordinate pair at all.
pub(crate) fn parse_pair(s: &str) -> Option<(f64, f64)> {
    let s = s.trim();
    let s = s.strip_prefix(['(', '[']).and_then(|r| r.strip_suffix([')', ']'])).unwrap_or(s).trim();
    let (a, b) = match s.split_once(',') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => {
            let mut parts = s.split_whitespace();
            let a = parts.next()?;
            let b = parts.next()?;
            if parts.next().is_some() {
                return None;
            }
            (a, b)
        }
    };
    if !is_decimal(a) || !is_decimal(b) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The user's input as an error message repeats it: trimmed, control characters replaced, and
/// cut at a character boundary so that a 10 kB paste does not come back in the message.
pub(crate) fn echo(input: &str) -> String {
    let mut out: String = input
        .trim()
        .chars()
        .take(MAX_ECHO_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if input.trim().chars().count() > MAX_ECHO_CHARS {
        out.push('…');
    }
    out
}

/// A coordinate for a label: at most five decimals (about a metre), trailing zeros dropped.
pub(crate) fn fmt_coord(v: f64) -> String {
    let s = format!("{v:.5}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_and_expands() {
        assert_eq!(normalize("  St. Louis "), "saint louis");
        assert_eq!(normalize("Saint   Louis"), "saint louis");
        assert_eq!(normalize("Bayamón"), "bayamon");
        assert_eq!(normalize("Hagåtña"), "hagatna");
        assert_eq!(normalize("O'Fallon"), "ofallon");
        assert_eq!(normalize("Winston-Salem"), "winston salem");
        assert_eq!(normalize("Mt Baldy"), normalize("Mount Baldy"));
        assert_eq!(normalize("ÅNGSTRÖM"), "angstrom");
        assert_eq!(normalize("!!!"), "");
    }

    #[test]
    fn states_by_any_spelling() {
        let s = StateNames::new();
        assert_eq!(s.parse("VA"), Some("VA"));
        assert_eq!(s.parse("virginia"), Some("VA"));
        assert_eq!(s.parse("Fla."), Some("FL"));
        assert_eq!(s.parse("W. Va."), Some("WV"));
        assert_eq!(s.parse("D.C."), Some("DC"));
        assert_eq!(s.parse("U.S. Virgin Islands"), Some("VI"));
        assert_eq!(s.parse("puerto rico"), Some("PR"));
        assert_eq!(s.parse("XX"), None);
        assert_eq!(s.max_words(), 3);
        assert_eq!(s.fuzzy("virgina"), vec!["VA"]);
        assert!(s.fuzzy("va").is_empty());
    }

    #[test]
    fn fuzzy_keys() {
        let k = |s: &str| FuzzyKey::new(normalize(s));
        assert_eq!(k("Charlottesville").distance_within(&k("Charlotesville"), 1), Some(1));
        assert_eq!(k("Springfield").distance_within(&k("Springfeld"), 2), Some(1));
        assert_eq!(k("Springfield").distance_within(&k("Sprignfield"), 2), Some(2));
        assert_eq!(k("Miami").distance_within(&k("Maimi"), 1), None);
        assert_eq!(k("Miami").distance_within(&k("Dallas"), 2), None);
        assert_eq!(k("Bayamón").len(), 7);
        // The prefilter never rejects a pair within the bound.
        for (a, b) in
            [("abc", "xyz"), ("ab", "ba"), ("kitten", "sitting"), ("a b", "ab"), ("ñu", "nu")]
        {
            let d = strsim::levenshtein(&normalize(a), &normalize(b));
            assert_eq!(k(a).distance_within(&k(b), d), Some(d), "{a} {b}");
        }
    }

    #[test]
    fn zips() {
        assert_eq!(parse_zip("22902"), Some(22902));
        assert_eq!(parse_zip(" 00901 "), Some(901));
        assert_eq!(parse_zip("22902-1234"), Some(22902));
        assert_eq!(parse_zip("22902 1234"), Some(22902));
        assert_eq!(parse_zip("229021234"), Some(22902));
        assert_eq!(parse_zip("2290"), None);
        assert_eq!(parse_zip("22902-12"), None);
        assert_eq!(parse_zip("2290a"), None);
        assert_eq!(parse_zip("٢٢٩٠٢"), None); // Arabic-Indic digits are not ASCII digits
        assert_eq!(zip_string(901), "00901");
    }

    #[test]
    fn pairs() {
        assert_eq!(parse_pair("38.03,-78.48"), Some((38.03, -78.48)));
        assert_eq!(parse_pair(" 38.03 , -78.48 "), Some((38.03, -78.48)));
        assert_eq!(parse_pair("38.03 -78.48"), Some((38.03, -78.48)));
        assert_eq!(parse_pair("(38.03, -78.48)"), Some((38.03, -78.48)));
        assert_eq!(parse_pair("+38,-78"), Some((38.0, -78.0)));
        assert_eq!(parse_pair("NaN,1"), None);
        assert_eq!(parse_pair("inf,1"), None);
        assert_eq!(parse_pair("1e5,1"), None);
        assert_eq!(parse_pair("1.2.3,4"), None);
        assert_eq!(parse_pair("1 2 3"), None);
        assert_eq!(parse_pair("38.03"), None);
        assert_eq!(parse_pair("-,1"), None);
    }

    #[test]
    fn echo_is_bounded() {
        assert_eq!(echo("  a\tb "), "a b");
        let long = "é".repeat(500);
        let e = echo(&long);
        assert_eq!(e.chars().count(), MAX_ECHO_CHARS + 1);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn coords_format() {
        assert_eq!(fmt_coord(38.03), "38.03");
        assert_eq!(fmt_coord(-78.480001), "-78.48");
        assert_eq!(fmt_coord(10.0), "10");
        assert_eq!(fmt_coord(-0.000001), "0");
    }
}

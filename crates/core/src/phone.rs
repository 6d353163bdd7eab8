//! North American phone numbers to E.164.

/// Why a phone number could not be normalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Not 10 digits (or 11 starting with 1) once punctuation and any extension are removed.
    #[error("{0:?} does not have 10 digits")]
    Length(String),
    /// The area code or exchange starts with 0 or 1, which NANP numbers never do.
    #[error("{0:?} is not a valid North American number")]
    Invalid(String),
}

/// Normalises a US, Canadian or territory number to E.164 (`+14349798871`).
///
/// Accepts the forms seen in the sources: `434-979-8871`, `(434) 979-8871`, `1-800-662-4357`,
/// `434.979.8871 x 12` (the extension is dropped: E.164 has none), `4349798871`, and vanity
/// letters (`1-800-NEW-LIFE`).
pub fn normalize(raw: &str) -> Result<String, PhoneError> {
    // A leading '#' is noise seen in NPPES ("#(770) 403-3124"); anywhere else it starts an
    // extension.
    let lower = raw.trim().trim_start_matches('#').to_ascii_lowercase();
    // Cut an extension off before counting digits.
    let main = ["ext", " x", "x ", "#"]
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .map_or(lower.as_str(), |i| &lower[..i]);
    let digits: String = main
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            'a'..='z' => Some(letter_digit(c)),
            _ => None,
        })
        .collect();
    let national = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('1') => &digits[1..],
        _ => return Err(PhoneError::Length(raw.to_owned())),
    };
    let b = national.as_bytes();
    if b[0] < b'2' || b[3] < b'2' {
        return Err(PhoneError::Invalid(raw.to_owned()));
    }
    Ok(format!("+1{national}"))
}

fn letter_digit(c: char) -> char {
    match c {
        'a'..='c' => '2',
        'd'..='f' => '3',
        'g'..='i' => '4',
        'j'..='l' => '5',
        'm'..='o' => '6',
        'p'..='s' => '7',
        't'..='v' => '8',
        _ => '9',
    }
}

/// Formats an E.164 NANP number for display: `(434) 979-8871`.
pub fn display(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(n) if n.len() == 10 => format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..]),
        _ => e164.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_seen_in_the_sources() {
        assert_eq!(normalize("434-979-8871").unwrap(), "+14349798871");
        assert_eq!(normalize("(434) 979-8871").unwrap(), "+14349798871");
        assert_eq!(normalize("1-800-662-4357").unwrap(), "+18006624357");
        assert_eq!(normalize("434.979.8871 x 12").unwrap(), "+14349798871");
        assert_eq!(normalize("434-979-8871 ext. 4").unwrap(), "+14349798871");
        assert_eq!(normalize("1-800-NEW-LIFE").unwrap(), "+18006395433");
        assert_eq!(normalize("#(770) 403-3124").unwrap(), "+17704033124");
        assert_eq!(normalize("770-403-3124 #12").unwrap(), "+17704033124");
        assert_eq!(display("+14349798871"), "(434) 979-8871");
    }

    #[test]
    fn bad_numbers_say_why() {
        assert!(matches!(normalize("979-8871"), Err(PhoneError::Length(_))));
        assert!(matches!(normalize("034-979-8871"), Err(PhoneError::Invalid(_))));
        assert!(matches!(normalize(""), Err(PhoneError::Length(_))));
    }
}

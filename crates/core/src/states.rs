//! US states, DC and territories: USPS codes, names and FIPS codes.

/// One state or territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// USPS code (`VA`).
    pub code: &'static str,
    /// English name.
    pub name: &'static str,
    /// FIPS code (`51`).
    pub fips: &'static str,
}

macro_rules! states {
    ($(($c:literal, $n:literal, $f:literal)),* $(,)?) => {
        /// The 50 states, DC, and the five inhabited territories.
        pub const STATES: &[State] = &[$(State { code: $c, name: $n, fips: $f }),*];
    };
}

states![
    ("AL", "Alabama", "01"),
    ("AK", "Alaska", "02"),
    ("AZ", "Arizona", "04"),
    ("AR", "Arkansas", "05"),
    ("CA", "California", "06"),
    ("CO", "Colorado", "08"),
    ("CT", "Connecticut", "09"),
    ("DE", "Delaware", "10"),
    ("DC", "District of Columbia", "11"),
    ("FL", "Florida", "12"),
    ("GA", "Georgia", "13"),
    ("HI", "Hawaii", "15"),
    ("ID", "Idaho", "16"),
    ("IL", "Illinois", "17"),
    ("IN", "Indiana", "18"),
    ("IA", "Iowa", "19"),
    ("KS", "Kansas", "20"),
    ("KY", "Kentucky", "21"),
    ("LA", "Louisiana", "22"),
    ("ME", "Maine", "23"),
    ("MD", "Maryland", "24"),
    ("MA", "Massachusetts", "25"),
    ("MI", "Michigan", "26"),
    ("MN", "Minnesota", "27"),
    ("MS", "Mississippi", "28"),
    ("MO", "Missouri", "29"),
    ("MT", "Montana", "30"),
    ("NE", "Nebraska", "31"),
    ("NV", "Nevada", "32"),
    ("NH", "New Hampshire", "33"),
    ("NJ", "New Jersey", "34"),
    ("NM", "New Mexico", "35"),
    ("NY", "New York", "36"),
    ("NC", "North Carolina", "37"),
    ("ND", "North Dakota", "38"),
    ("OH", "Ohio", "39"),
    ("OK", "Oklahoma", "40"),
    ("OR", "Oregon", "41"),
    ("PA", "Pennsylvania", "42"),
    ("RI", "Rhode Island", "44"),
    ("SC", "South Carolina", "45"),
    ("SD", "South Dakota", "46"),
    ("TN", "Tennessee", "47"),
    ("TX", "Texas", "48"),
    ("UT", "Utah", "49"),
    ("VT", "Vermont", "50"),
    ("VA", "Virginia", "51"),
    ("WA", "Washington", "53"),
    ("WV", "West Virginia", "54"),
    ("WI", "Wisconsin", "55"),
    ("WY", "Wyoming", "56"),
    ("AS", "American Samoa", "60"),
    ("GU", "Guam", "66"),
    ("MP", "Northern Mariana Islands", "69"),
    ("PR", "Puerto Rico", "72"),
    ("VI", "U.S. Virgin Islands", "78"),
];

/// Looks a state up by USPS code, case-insensitively.
pub fn by_code(code: &str) -> Option<&'static State> {
    STATES.iter().find(|s| s.code.eq_ignore_ascii_case(code.trim()))
}

/// Looks a state up by its English name, case-insensitively.
pub fn by_name(name: &str) -> Option<&'static State> {
    STATES.iter().find(|s| s.name.eq_ignore_ascii_case(name.trim()))
}

/// Whether `code` is a USPS state, DC or territory code.
pub fn is_state(code: &str) -> bool {
    by_code(code).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_six() {
        assert_eq!(STATES.len(), 56);
        assert_eq!(by_code("va").unwrap().name, "Virginia");
        assert_eq!(by_name("puerto rico").unwrap().code, "PR");
        assert!(!is_state("XX"));
    }
}

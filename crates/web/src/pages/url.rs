//! Query strings: read leniently, rewritten for links that keep the user's search.
//!
//! Pages never reject a query string for its encoding: a stray `%` or invalid UTF-8 is read as
//! literally as possible, and the search parameters themselves are validated by
//! [`crate::params`]. Links (pagination, language switch, suggestions) are built from the same
//! pairs with one key changed, so a user never loses the rest of the search.

/// Groups whose values may be given as repeated keys (`level=iop&level=op`, what an HTML form
/// sends for checkboxes) or comma lists (`level=iop,op`, the API form).
pub const LIST_KEYS: [&str; 8] =
    ["level", "modality", "medication", "schedule", "payment", "population", "language", "ids"];

/// At most this many pairs are read from one query string; the rest is ignored.
const MAX_PAIRS: usize = 200;

/// The key-value pairs of a query string, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    /// Reads `a=1&b=x+y&c=%C3%B1` (form encoding). Never fails.
    pub fn parse(raw: &str) -> QueryPairs {
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .take(MAX_PAIRS)
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        QueryPairs(pairs)
    }

    /// Pairs as given.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> QueryPairs {
        QueryPairs(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// The pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The first non-empty value of `key`, trimmed.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.trim()).find(|v| !v.is_empty())
    }

    /// Every value of a list key, from repeated keys and comma lists, trimmed, without empties
    /// or repeats.
    pub fn list(&self, key: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (_, v) in self.0.iter().filter(|(k, _)| k == key) {
            for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
        }
        out
    }

    /// Whether `key` appears with a non-empty value.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The canonical form: empty values dropped, list keys joined with commas into one pair
    /// (at the place of their first occurrence), everything else kept in order.
    pub fn normalized(&self) -> QueryPairs {
        let mut out: Vec<(String, String)> = Vec::new();
        for (k, v) in &self.0 {
            if v.trim().is_empty() {
                continue;
            }
            if LIST_KEYS.contains(&k.as_str()) {
                if out.iter().any(|(ok, _)| ok == k) {
                    continue;
                }
                out.push((k.clone(), self.list(k).join(",")));
            } else {
                out.push((k.clone(), v.trim().to_owned()));
            }
        }
        QueryPairs(out)
    }

    /// A copy with `key` set to `value` (replacing every occurrence), or removed when `None`.
    pub fn with(&self, key: &str, value: Option<&str>) -> QueryPairs {
        let mut out: Vec<(String, String)> = Vec::with_capacity(self.0.len() + 1);
        let mut placed = false;
        for (k, v) in &self.0 {
            if k == key {
                if let (Some(value), false) = (value, placed) {
                    out.push((k.clone(), value.to_owned()));
                    placed = true;
                }
            } else {
                out.push((k.clone(), v.clone()));
            }
        }
        if let (Some(value), false) = (value, placed) {
            out.push((key.to_owned(), value.to_owned()));
        }
        QueryPairs(out)
    }

    /// A copy without these keys.
    pub fn without(&self, keys: &[&str]) -> QueryPairs {
        QueryPairs(self.0.iter().filter(|(k, _)| !keys.contains(&k.as_str())).cloned().collect())
    }

    /// A copy keeping only these keys.
    pub fn only(&self, keys: &[&str]) -> QueryPairs {
        QueryPairs(self.0.iter().filter(|(k, _)| keys.contains(&k.as_str())).cloned().collect())
    }

    /// Whether any key other than these is present with a value.
    pub fn has_other_than(&self, keys: &[&str]) -> bool {
        self.0.iter().any(|(k, v)| !keys.contains(&k.as_str()) && !v.trim().is_empty())
    }

    /// `a=1&b=x+y` (form encoding).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.0 {
            if !out.is_empty() {
                out.push('&');
            }
            encode_into(&mut out, k);
            out.push('=');
            encode_into(&mut out, v);
        }
        out
    }

    /// `path?query`, or `path` alone when there are no pairs.
    pub fn href(&self, path: &str) -> String {
        if self.0.is_empty() { path.to_owned() } else { format!("{path}?{}", self.encode()) }
    }
}

/// Percent-decodes form encoding (`+` is a space). Invalid escapes are kept literally and
/// invalid UTF-8 becomes U+FFFD.
pub fn decode(s: &str) -> String {
    // Keeping bad escapes, the decoding cannot fail.
    let bytes = crate::params::form_decode_bytes(s, true).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Form-encodes `s` onto `out`. Commas and colons are left as they are: they are legal in a
/// query and keep `level=iop,op` and `near=38.03,-78.48` readable.
pub fn encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
}

/// Percent-encodes `s` for a `mailto:` body or subject (spaces as `%20`, as mail clients expect).
pub fn encode_mailto(s: &str) -> String {
    let mut out = String::new();
    encode_into(&mut out, s);
    out.replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_leniently() {
        let q = QueryPairs::parse("near=Richmond%2C+VA&level=iop&level=op&x=%zz&y=%E2%82&&q=");
        assert_eq!(q.get("near"), Some("Richmond, VA"));
        assert_eq!(q.list("level"), vec!["iop", "op"]);
        assert_eq!(q.get("x"), Some("%zz"));
        assert_eq!(q.get("y"), Some("\u{fffd}"));
        assert_eq!(q.get("q"), None);
        assert_eq!(QueryPairs::parse("a=%").get("a"), Some("%"));
        assert_eq!(QueryPairs::parse("a=%4").get("a"), Some("%4"));
        assert_eq!(QueryPairs::parse("a=%41").get("a"), Some("A"));
    }

    #[test]
    fn normalizes_and_rewrites() {
        let q = QueryPairs::parse("near=22902&level=iop&q=&level=op,iop&page=2");
        let n = q.normalized();
        assert_eq!(n.encode(), "near=22902&level=iop,op&page=2");
        assert_eq!(n.with("page", Some("3")).encode(), "near=22902&level=iop,op&page=3");
        assert_eq!(n.with("page", None).encode(), "near=22902&level=iop,op");
        assert_eq!(
            n.with("lang", Some("es")).href("/"),
            "/?near=22902&level=iop,op&page=2&lang=es"
        );
        assert_eq!(QueryPairs::default().href("/"), "/");
    }

    #[test]
    fn encoding_round_trips() {
        let s = "Coeur d'Alene, ID & <b>\"ñ\"</b>+";
        let q = QueryPairs::from_pairs([("near", s)]);
        assert_eq!(QueryPairs::parse(&q.encode()).get("near"), Some(s));
        assert_eq!(encode_mailto("a b"), "a%20b");
    }
}

//! A small JSON Schema checker for the subset the HSDS 3.0 schemas use.
//!
//! The HSDS 3.0 schema files (`service.json`, `location.json`, ...) use only `type`,
//! `properties`, `required`, `items`, `enum`, `format` (`uuid`, `uri`, `email`, `date-time`,
//! `date`) and `$ref` to a sibling file (`"attribute.json"`); `openapi.json` adds `allOf` and
//! `#/components/...` pointers. Everything else in them (`constraints`, `example`, `core`,
//! `datapackage_type`) is annotation. [`SchemaSet::validate`] checks exactly those keywords; a
//! keyword it does not know is ignored, as JSON Schema ignores unknown keywords.
//!
//! Why not the `jsonschema` crate: with default features off it still builds about 90 crates
//! (ICU through `idna`, `fancy-regex`, `referencing`), about a minute of one core, to check
//! six keywords. URLs that point at the published schemas
//! (`https://raw.githubusercontent.com/.../schema/compiled/service.json`) resolve to the file of
//! the same name in the local folder (`compiled/` dropped): no network.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Error, Result};

/// The schema files of one folder, loaded on first use.
#[derive(Debug)]
pub struct SchemaSet {
    dir: PathBuf,
    cache: RefCell<HashMap<String, Value>>,
}

impl SchemaSet {
    /// Schemas in `dir` (for HSDS 3.0: `shared/data/hsds_3_0/schema`).
    pub fn new(dir: &Path) -> SchemaSet {
        SchemaSet { dir: dir.to_owned(), cache: RefCell::new(HashMap::new()) }
    }

    fn load(&self, file: &str) -> Result<Value> {
        if let Some(v) = self.cache.borrow().get(file) {
            return Ok(v.clone());
        }
        let path = self.dir.join(file);
        let text = std::fs::read_to_string(&path)
            .map_err(|source| Error::Read { path: path.clone(), source })?;
        let v: Value = serde_json::from_str(&text).map_err(|e| Error::Line {
            path: path.clone(),
            line: e.line() as u64,
            message: e.to_string(),
        })?;
        self.cache.borrow_mut().insert(file.to_owned(), v.clone());
        Ok(v)
    }

    /// Checks `doc` against the schema `file#pointer` (`service.json`,
    /// `openapi.json#/components/schemas/Page`). Returns every violation as
    /// `"<path in doc>: <what>"`; empty when the document is valid. Errors only when a schema
    /// file cannot be read.
    pub fn validate(&self, schema_ref: &str, doc: &Value) -> Result<Vec<String>> {
        let mut errors = Vec::new();
        let (file, pointer) = split_ref(schema_ref, "");
        let schema = self.resolve(&file, &pointer)?;
        self.check(&schema, &file, doc, "$", &mut errors, 0)?;
        Ok(errors)
    }

    fn resolve(&self, file: &str, pointer: &str) -> Result<Value> {
        let root = self.load(file)?;
        if pointer.is_empty() {
            return Ok(root);
        }
        root.pointer(pointer).cloned().ok_or_else(|| Error::Field {
            path: self.dir.join(file),
            field: pointer.to_owned(),
            message: "no such pointer in the schema".into(),
        })
    }

    fn check(
        &self,
        schema: &Value,
        file: &str,
        doc: &Value,
        at: &str,
        errors: &mut Vec<String>,
        depth: usize,
    ) -> Result<()> {
        if depth > 64 {
            errors.push(format!("{at}: schema nesting deeper than 64"));
            return Ok(());
        }
        let Some(schema) = schema.as_object() else { return Ok(()) };
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let (f, p) = split_ref(r, file);
            let target = self.resolve(&f, &p)?;
            self.check(&target, &f, doc, at, errors, depth + 1)?;
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.check(s, file, doc, at, errors, depth + 1)?;
            }
        }
        if let Some(t) = schema.get("type") {
            let types: Vec<&str> = match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !types.is_empty() && !types.iter().any(|t| has_type(doc, t)) {
                errors.push(format!("{at}: expected {}, found {}", types.join(" or "), kind(doc)));
                return Ok(()); // the other keywords would only repeat the complaint
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(doc)
        {
            errors.push(format!("{at}: {doc} is not one of {}", Value::Array(options.clone())));
        }
        if let (Some(format), Some(s)) =
            (schema.get("format").and_then(Value::as_str), doc.as_str())
            && !format_ok(format, s)
        {
            errors.push(format!("{at}: {s:?} is not a valid {format}"));
        }
        if let Some(obj) = doc.as_object() {
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for r in required.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        errors.push(format!("{at}: required property {r:?} is missing"));
                    }
                }
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in obj {
                    if let Some(s) = props.get(k) {
                        self.check(s, file, v, &format!("{at}.{k}"), errors, depth + 1)?;
                    }
                }
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), doc.as_array()) {
            for (i, v) in arr.iter().enumerate() {
                self.check(items, file, v, &format!("{at}[{i}]"), errors, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// `"attribute.json"` -> (`attribute.json`, ``); `"#/components/schemas/Page"` -> (`current`,
/// pointer); published URLs -> the local file of the same name.
fn split_ref(r: &str, current: &str) -> (String, String) {
    let (file, pointer) = r.split_once('#').unwrap_or((r, ""));
    let file = if file.is_empty() {
        current.to_owned()
    } else {
        file.rsplit('/').next().unwrap_or(file).to_owned()
    };
    (file, pointer.to_owned())
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn format_ok(format: &str, s: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match format {
        "uuid" => {
            let parts: Vec<&str> = s.split('-').collect();
            parts.len() == 5
                && parts
                    .iter()
                    .zip([8, 4, 4, 4, 12])
                    .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        "uri" => s.split_once(':').is_some_and(|(scheme, rest)| {
            scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                && !rest.is_empty()
                && !s.contains(char::is_whitespace)
        }),
        "email" => s.split_once('@').is_some_and(|(a, b)| {
            !a.is_empty() && b.contains('.') && !s.contains(char::is_whitespace)
        }),
        "date" => is_date(s),
        "date-time" => s.split_once(['T', 't']).is_some_and(|(d, t)| {
            let (clock, zone_ok) = match t.find(['Z', 'z', '+', '-']) {
                Some(i) => {
                    let zone = &t[i..];
                    let ok = matches!(zone, "Z" | "z")
                        || (zone.len() == 6
                            && digits(&zone[1..3])
                            && &zone[3..4] == ":"
                            && digits(&zone[4..6]));
                    (&t[..i], ok)
                }
                None => (t, false),
            };
            let hms = clock.split('.').next().unwrap_or("");
            let parts: Vec<&str> = hms.split(':').collect();
            is_date(d)
                && zone_ok
                && parts.len() == 3
                && parts.iter().all(|p| p.len() == 2 && digits(p))
        }),
        _ => true,
    }
}

/// `YYYY-MM-DD` with a real month and day.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(_), Some(m), Some(d)) => (1..=12).contains(&m) && (1..=31).contains(&d),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(format_ok("uuid", "ac148810-d857-441c-9679-408f346de14b"));
        assert!(!format_ok("uuid", "m211-32f5123dff5bf4ee"));
        assert!(format_ok("uri", "http://example.com"));
        assert!(!format_ok("uri", "www.example.com"));
        assert!(format_ok("date-time", "2023-03-15T10:30:45.123Z"));
        assert!(format_ok("date-time", "2019-07-29T00:00:00+00:00"));
        assert!(!format_ok("date-time", "2019-07-29"));
        assert!(format_ok("email", "email@example.com"));
        assert!(is_date("2019-07-29") && !is_date("2019-13-01") && !is_date("2019-7-1"));
    }

    #[test]
    fn refs() {
        assert_eq!(
            split_ref("attribute.json", "service.json"),
            ("attribute.json".into(), "".into())
        );
        assert_eq!(
            split_ref("#/components/schemas/Page", "openapi.json"),
            ("openapi.json".into(), "/components/schemas/Page".into())
        );
        assert_eq!(
            split_ref("https://raw.githubusercontent.com/x/3.0/schema/compiled/service.json", ""),
            ("service.json".into(), "".into())
        );
    }
}

//! Repairs for the free text that Open Referral exports carry: escaped newlines, CP437 mojibake
//! and export markers.
//!
//! The 2-1-1 Miami export went through a UTF-8 -> CP437 round trip, so every `’` (UTF-8 `E2 80
//! 99`) reads `GÇÖ`: `G` for the lead byte, `Ç` for `0x80` and the CP437 letter for the last
//! byte. The repair below decodes any `GÇ` + CP437 letter back to `U+2000 + (byte - 0x80)`, which
//! covers every such sequence in the data (`GÇô` –, `GÇö` —, `GÇÖ` ’, `GÇ£` “, `GÇ¥` ”, `GÇª` …,
//! `GÇÿ` ‘, `GÇæ` non-breaking hyphen, `GÇï` zero-width space), not only the common ones.

/// CP437 bytes `0x80..=0xBF` as the characters they display.
const CP437_HIGH: [char; 64] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐',
];

/// Decodes `GÇ` + CP437 letter sequences back to the punctuation they were. Zero-width spaces
/// are dropped and non-breaking hyphens become `-`, since neither helps a reader or a parser.
/// A rarer variant of the same damage, `-Ç-£` (six times in the Miami export), is decoded too.
pub fn fix_mojibake(s: &str) -> String {
    if !s.contains("GÇ") && !s.contains("-Ç-") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let next = [("GÇ", rest.find("GÇ")), ("-Ç-", rest.find("-Ç-"))]
            .into_iter()
            .filter_map(|(m, i)| Some((i?, m)))
            .min();
        let Some((i, marker)) = next else { break };
        out.push_str(&rest[..i]);
        let after = &rest[i + marker.len()..];
        let decoded = after.chars().next().and_then(|c| {
            let byte = CP437_HIGH.iter().position(|&x| x == c)?;
            char::from_u32(0x2000 + byte as u32).map(|d| (d, c.len_utf8()))
        });
        match decoded {
            Some((d, len)) => {
                match d {
                    '\u{200B}' => {}
                    '\u{2010}' | '\u{2011}' => out.push('-'),
                    _ => out.push(d),
                }
                rest = &after[len..];
            }
            None => {
                out.push_str(marker);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Turns the two-character escapes `\n`, `\r` and `\t` into the characters they stand for
/// (`\r\n` becomes one newline).
pub fn unescape(s: &str) -> String {
    if !s.contains('\\') && !s.contains('\r') {
        return s.to_owned();
    }
    s.replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\\r", "\n")
        .replace("\\t", " ")
        .replace("\r\n", "\n")
        .replace('\r', "\n")
}

/// Removes export markers such as `###MON###` and `###COL###` (county tags of the 2-1-1 export).
pub fn strip_markers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("###") {
        let after = &rest[i + 3..];
        let tag_len = after.bytes().take_while(u8::is_ascii_uppercase).count();
        if tag_len > 0 && after[tag_len..].starts_with("###") {
            out.push_str(&rest[..i]);
            rest = &after[tag_len + 3..];
        } else {
            out.push_str(&rest[..i + 3]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Cleans a free-text field for display: escapes, mojibake and markers repaired, trailing
/// spaces on each line removed, runs of blank lines collapsed, and the whole trimmed. `None`
/// when nothing is left.
pub fn clean(s: &str) -> Option<String> {
    let s = strip_markers(&fix_mojibake(&unescape(s)));
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    let out = out.trim().to_owned();
    (!out.is_empty()).then_some(out)
}

/// Trims a field and turns an empty one into `None`.
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_sequences_from_the_miami_export() {
        assert_eq!(fix_mojibake("8:30amGÇô5:00pm, Mon-Fri"), "8:30am–5:00pm, Mon-Fri");
        assert_eq!(fix_mojibake("childrenGÇÖs GÇ£bestGÇ¥ GÇö ok GÇª"), "children’s “best” — ok …");
        assert_eq!(fix_mojibake("non\u{2011}GÇæbreak GÇïgone"), "non\u{2011}-break gone");
        assert_eq!(fix_mojibake("to -Ç-£identify-Ç-¥ a relapse-Ç-Ö"), "to “identify” a relapse’");
        // A lone "GÇ" that is not followed by a CP437 high letter stays as it is.
        assert_eq!(fix_mojibake("GÇx and GÇ"), "GÇx and GÇ");
    }

    #[test]
    fn escapes_markers_and_blank_lines() {
        assert_eq!(unescape("a\\nb\\r\\nc"), "a\nb\nc");
        assert_eq!(strip_markers("text\\n\\n###MON###"), "text\\n\\n");
        assert_eq!(strip_markers("keep ### this ###ok"), "keep ### this ###ok");
        assert_eq!(
            clean("Line one.  \\n\\n\\n\\nLine two\\n\\n###COL###").as_deref(),
            Some("Line one.\n\nLine two")
        );
        assert_eq!(clean("  \\n ###MON### "), None);
    }
}

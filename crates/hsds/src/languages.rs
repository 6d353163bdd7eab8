//! Language names as directories write them ("Spanish (limited)", "Creole", "Chinese
//! (Mandarin)", "American Sign Language") to the codes listings use: ISO 639-1 where there is
//! one, otherwise ISO 639-2/3, and `asl`.
//!
//! A free-text entry may name several languages ("English and Spanish") or none ("Translation
//! services available upon request"); every name found as a whole word counts. "Creole" is
//! read as Haitian Creole: it is what 2-1-1 Miami means, and the vocabulary's only creole.

use std::collections::BTreeSet;

/// Names (lower case) and codes, longest names first so that "american sign language" is found
/// before "sign language".
const NAMES: &[(&str, &str)] = &[
    ("american sign language", "asl"),
    ("sign languages", "asl"),
    ("sign language", "asl"),
    ("haitian creole", "ht"),
    ("haitian-creole", "ht"),
    ("serbo-croatian", "sh"),
    ("english", "en"),
    ("ingles", "en"),
    ("inglés", "en"),
    ("ingl+¬s", "en"),
    ("spanish", "es"),
    ("español", "es"),
    ("espanol", "es"),
    ("espa+¦ol", "es"),
    ("creole", "ht"),
    ("asl", "asl"),
    ("french", "fr"),
    ("portuguese", "pt"),
    ("hebrew", "he"),
    ("russian", "ru"),
    ("arabic", "ar"),
    ("italian", "it"),
    ("greek", "el"),
    ("yiddish", "yi"),
    ("german", "de"),
    ("japanese", "ja"),
    ("chinese", "zh"),
    ("mandarin", "zh"),
    ("cantonese", "zh"),
    ("taiwanese", "zh"),
    ("hindi", "hi"),
    ("hindu", "hi"),
    ("romanian", "ro"),
    ("dutch", "nl"),
    ("icelandic", "is"),
    ("norwegian", "no"),
    ("thai", "th"),
    ("urdu", "ur"),
    ("danish", "da"),
    ("swedish", "sv"),
    ("korean", "ko"),
    ("vietnamese", "vi"),
    ("sindhi", "sd"),
    ("gujarati", "gu"),
    ("tagalog", "tl"),
    ("filipino", "tl"),
    ("farsi", "fa"),
    ("persian", "fa"),
    ("samoan", "sm"),
    ("tongan", "to"),
    ("polish", "pl"),
    ("armenian", "hy"),
    ("amharic", "am"),
    ("panjabi", "pa"),
    ("punjabi", "pa"),
    ("croatian", "hr"),
    ("bosnian", "bs"),
    ("burmese", "my"),
    ("tamil", "ta"),
    ("laotian", "lo"),
    ("lao", "lo"),
    ("tigrinya", "ti"),
    ("ukrainian", "uk"),
    ("marathi", "mr"),
    ("telugu", "te"),
    ("indonesian", "id"),
    ("cambodian", "km"),
    ("khmer", "km"),
    ("hungarian", "hu"),
    ("sinhalese", "si"),
    ("czech", "cs"),
    ("tibetan", "bo"),
    ("gaelic", "ga"),
    ("bengali", "bn"),
    ("mongolian", "mn"),
    ("fulani", "ff"),
    ("hausa", "ha"),
    ("igbo", "ig"),
    ("kinyarwanda", "rw"),
    ("swahili", "sw"),
    ("yoruba", "yo"),
    ("somali", "so"),
    ("oromo", "om"),
    ("latvian", "lv"),
    ("finnish", "fi"),
    ("hmong", "hmn"),
    ("fijian", "fj"),
    ("maltese", "mt"),
    ("navajo", "nv"),
    ("aramaic", "arc"),
    ("assyrian", "syr"),
    ("cebuano", "ceb"),
    ("ilocano", "ilo"),
    ("krio", "kri"),
    ("mende", "men"),
    ("temne", "tem"),
];

/// The language codes named in a free-text entry.
pub fn codes_in(text: &str) -> BTreeSet<String> {
    let lower = text.to_lowercase();
    let mut found = BTreeSet::new();
    let mut taken = vec![false; lower.len()];
    for (name, code) in NAMES {
        for (i, _) in lower.match_indices(name) {
            let end = i + name.len();
            let before = lower[..i].chars().next_back();
            let after = lower[end..].chars().next();
            let boundary = |c: Option<char>| !c.is_some_and(char::is_alphabetic);
            if boundary(before) && boundary(after) && !taken[i..end].iter().any(|t| *t) {
                taken[i..end].iter_mut().for_each(|t| *t = true);
                found.insert((*code).to_owned());
            }
        }
    }
    found
}

/// The code of an ISO 639 code or a language name (`es`, `spa`, `Spanish`), for structured
/// sources such as HSDS 3.0 `languages[].code` / `name`.
pub fn code_of(code_or_name: &str) -> Option<String> {
    let t = code_or_name.trim().to_lowercase();
    let three = [
        ("eng", "en"),
        ("spa", "es"),
        ("fra", "fr"),
        ("fre", "fr"),
        ("zho", "zh"),
        ("chi", "zh"),
        ("vie", "vi"),
        ("hat", "ht"),
        ("por", "pt"),
        ("rus", "ru"),
        ("ara", "ar"),
        ("kor", "ko"),
        ("tgl", "tl"),
        ("urd", "ur"),
        ("deu", "de"),
        ("ger", "de"),
        ("ase", "asl"),
    ];
    if let Some((_, c)) = three.iter().find(|(k, _)| *k == t) {
        return Some((*c).to_owned());
    }
    if t.len() == 2 && t.chars().all(|c| c.is_ascii_lowercase()) || t == "asl" {
        return Some(t);
    }
    codes_in(&t).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(codes: &[&str]) -> BTreeSet<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn names_seen_in_the_data() {
        assert_eq!(codes_in("Spanish (limited)"), set(&["es"]));
        assert_eq!(codes_in("English and Spanish"), set(&["en", "es"]));
        assert_eq!(codes_in("Creole and American Sign Language"), set(&["asl", "ht"]));
        assert_eq!(codes_in("Chinese (Mandarin)"), set(&["zh"]));
        assert_eq!(codes_in("Filipino (Tagalog)"), set(&["tl"]));
        assert_eq!(codes_in("Espa+¦ol"), set(&["es"]));
        assert_eq!(codes_in("Translation services available upon request"), set(&[]));
        assert_eq!(codes_in("Laotian"), set(&["lo"]), "not also lao inside laotian");
    }

    #[test]
    fn structured_codes() {
        assert_eq!(code_of("ur").as_deref(), Some("ur"));
        assert_eq!(code_of("spa").as_deref(), Some("es"));
        assert_eq!(code_of("Urdu").as_deref(), Some("ur"));
        assert_eq!(code_of("Klingon"), None);
    }
}

//! Free text: the analyzer, synonyms, vocabulary labels, the query, and why a listing matched.
//!
//! A search text becomes a list of [`Unit`]s; EVERY unit must match (AND), and a unit matches
//! through any of (OR):
//! - the word itself in `name` (boosted) or `body`;
//! - a typo: 1 edit for words of 5 characters or more, 2 from 9 (`FuzzyTermQuery`);
//! - a prefix, for the last word when the text does not end with a space (search as you type);
//! - a synonym from `data/synonyms.csv` (`suboxone` -> `buprenorphine`), as a term or a phrase;
//! - a vocabulary label (English or Spanish) of a value the listing has: the label table is
//!   small and fixed, so a word is matched against it here and becomes a term query on `attr`
//!   (`level=iop`) instead of indexing the same label text into every listing.
//!
//! A unit is one word, or several when they form a multi-word synonym (`dual diagnosis`).
//! Stop words (`data/stopwords.txt`: "near", "me", "de"...) are dropped unless the text is made
//! of nothing else.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::OnceLock;

use iop_core::{Group, Listing, Vocabulary};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DfaWrapper, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};
use tantivy::{Searcher, Term};

use crate::schema::Fields;

/// Query-time weights. Exact words outrank synonyms, which outrank typos and prefixes; a match
/// in the name counts three times a match in the body.
const NAME_BOOST: f32 = 3.0;
const BODY_BOOST: f32 = 1.0;
const SYNONYM: f32 = 0.8;
const FUZZY: f32 = 0.3;
const PREFIX: f32 = 0.4;
const LABEL: f32 = 0.5;

/// At most this many units are searched; the rest of a very long text is ignored (it bounds the
/// work one request can ask for).
pub(crate) const MAX_UNITS: usize = 16;

/// Most terms a typo or a prefix expands to as term queries (beyond, see `expansions`).
const MAX_EXPANSIONS: usize = 32;

/// Shortest prefix expanded for search-as-you-type.
const MIN_PREFIX: usize = 3;

/// Longest token indexed (longer ones are noise: URLs, run-together text).
const MAX_TOKEN: usize = 40;

/// The analyzer of indexing: simple word split, drop overlong tokens, lower case, fold to ASCII.
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokenizer registered for the `name` and `body` fields. They receive text already
/// analysed by [`analyzer()`] (see [`Analysed`]), its tokens joined by single spaces, so
/// indexing only has to split it again: each text is analysed once, on the thread that builds
/// documents, for both its terms and its phrases, instead of a second time by tantivy. A token
/// never holds an ASCII space (letters and digits, lower-cased and folded to ASCII letters,
/// digits and punctuation), so the split gives back exactly the analyser's tokens.
///
/// It splits as tantivy's `WhitespaceTokenizer` does (on ASCII whitespace), but byte by byte:
/// that tokenizer decodes every character, and was a tenth of the segment writer's work.
pub(crate) fn indexing_tokenizer() -> SplitTokenizer<Spaces> {
    SplitTokenizer::default()
}

/// What joins the values of a keyword field (`attr`, `phrase`, `vstate`) into the one text a
/// listing gives that field (ASCII's unit separator, which no value holds: [`push_value`]
/// replaces it by a space).
pub(crate) const VALUE_SEPARATOR: char = '\u{1f}';

/// The tokenizer of the keyword fields: it splits the joined values back, each value one term,
/// as `STRING`'s raw tokenizer makes of a value given alone. One text per field instead of a
/// dozen values spares tantivy a token stream (an allocation and a dynamic call) per value:
/// about a tenth of its indexing work per listing (measured with callgrind).
pub(crate) fn values_tokenizer() -> SplitTokenizer<Values> {
    SplitTokenizer::default()
}

/// Which bytes separate tokens, for [`SplitTokenizer`]. Only ASCII bytes: they never occur
/// inside a multi-byte character, so every token is whole characters.
pub(crate) trait Separator: Clone + Default + Send + Sync + 'static {
    fn is(byte: u8) -> bool;
}

/// ASCII whitespace, as `char::is_ascii_whitespace` (and tantivy's `WhitespaceTokenizer`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Spaces;

impl Separator for Spaces {
    fn is(byte: u8) -> bool {
        byte.is_ascii_whitespace()
    }
}

/// [`VALUE_SEPARATOR`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Values;

impl Separator for Values {
    fn is(byte: u8) -> bool {
        byte == VALUE_SEPARATOR as u8
    }
}

/// Splits a text on separator bytes; empty pieces are no tokens.
#[derive(Clone, Default)]
pub(crate) struct SplitTokenizer<S> {
    token: Token,
    separator: PhantomData<S>,
}

pub(crate) struct SplitTokenStream<'a, S> {
    text: &'a str,
    /// Where the rest of the text starts.
    at: usize,
    token: &'a mut Token,
    separator: PhantomData<S>,
}

impl<S: Separator> Tokenizer for SplitTokenizer<S> {
    type TokenStream<'a> = SplitTokenStream<'a, S>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> SplitTokenStream<'a, S> {
        self.token.reset();
        SplitTokenStream { text, at: 0, token: &mut self.token, separator: PhantomData }
    }
}

impl<S: Separator> TokenStream for SplitTokenStream<'_, S> {
    fn advance(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        let mut from = self.at;
        while from < bytes.len() && S::is(bytes[from]) {
            from += 1;
        }
        if from >= bytes.len() {
            self.at = from;
            return false;
        }
        let mut to = from + 1;
        while to < bytes.len() && !S::is(bytes[to]) {
            to += 1;
        }
        self.at = to;
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Appends a value to a keyword field's joined text (see [`values_tokenizer`]). An empty value is
/// not indexed; a separator inside a value becomes a space, as it does in [`attr_term`], so a
/// query finds the value by the same term.
pub(crate) fn push_value(joined: &mut String, value: &str) {
    if value.is_empty() {
        return;
    }
    if !joined.is_empty() {
        joined.push(VALUE_SEPARATOR);
    }
    push_without_separator(joined, value);
}

fn push_without_separator(out: &mut String, value: &str) {
    match value.contains(VALUE_SEPARATOR) {
        false => out.push_str(value),
        true => out.extend(value.chars().map(|c| if c == VALUE_SEPARATOR { ' ' } else { c })),
    }
}

/// One text analysed for indexing: its tokens joined by single spaces (what `name` and `body`
/// receive, and the name's sort key) and where each token is. Reused from text to text.
pub(crate) struct Analysed {
    analyzer: TextAnalyzer,
    joined: String,
    spans: Vec<(usize, usize)>,
}

impl Analysed {
    pub(crate) fn new() -> Analysed {
        Analysed { analyzer: analyzer(), joined: String::new(), spans: Vec::new() }
    }

    /// Analyses `text`, replacing the previous one.
    pub(crate) fn analyse(&mut self, text: &str) {
        self.joined.clear();
        self.spans.clear();
        // Most listings' texts are ASCII: what the analyser does to them is split on what is
        // not a letter or a digit, drop the overlong and lower-case, which this does in a
        // third of the analyser's time (its stages pass each token along through dynamic
        // calls). The tests hold both ways to the same tokens.
        if text.is_ascii() {
            for token in text.split(|c: char| !c.is_ascii_alphanumeric()) {
                if token.is_empty() || token.len() >= MAX_TOKEN {
                    continue;
                }
                if !self.joined.is_empty() {
                    self.joined.push(' ');
                }
                let start = self.joined.len();
                self.joined.push_str(token);
                self.joined[start..].make_ascii_lowercase();
                self.spans.push((start, self.joined.len()));
            }
            return;
        }
        let mut stream = self.analyzer.token_stream(text);
        while let Some(t) = stream.next() {
            if !self.joined.is_empty() {
                self.joined.push(' ');
            }
            let start = self.joined.len();
            self.joined.push_str(&t.text);
            self.spans.push((start, self.joined.len()));
        }
    }

    /// The tokens, joined by single spaces.
    pub(crate) fn joined(&self) -> &str {
        &self.joined
    }

    fn token(&self, i: usize) -> &str {
        let (a, b) = self.spans[i];
        &self.joined[a..b]
    }

    /// Whether the tokens from `i` on start with `phrase`.
    fn starts_with_at(&self, i: usize, phrase: &[String]) -> bool {
        i + phrase.len() <= self.spans.len()
            && phrase.iter().enumerate().all(|(k, w)| self.token(i + k) == w)
    }
}

/// The analyzer of queries: the same, but an overlong word is kept, so that it matches nothing
/// instead of vanishing (a text of one such word must not match everything).
fn query_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn run(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// The tokens of `text`, as indexed.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    thread_local! {
        static ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(analyzer());
    }
    ANALYZER.with(|a| run(&mut a.borrow_mut(), text))
}

/// The words of a search text.
fn query_tokens(text: &str) -> Vec<String> {
    thread_local! {
        static ANALYZER: std::cell::RefCell<TextAnalyzer> =
            std::cell::RefCell::new(query_analyzer());
    }
    ANALYZER.with(|a| run(&mut a.borrow_mut(), text))
}

/// The folded form of a name, for sorting, from the name analysed (names without a word last).
pub(crate) fn sort_key(name: &Analysed) -> &str {
    if name.joined.is_empty() { "~" } else { &name.joined }
}

/// How many edits a word may carry and still match.
pub(crate) fn max_edits(word: &str) -> u8 {
    if word.bytes().any(|b| b.is_ascii_digit()) {
        return 0;
    }
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Optimal-string-alignment distance (an adjacent swap is one edit, as in tantivy's fuzzy
/// query with `transposition_cost_one`), or `None` when it exceeds `max`.
pub(crate) fn edits_within(a: &str, b: &str, max: usize) -> Option<usize> {
    // Cheap rejections first: this runs for every token of every hit when explaining matches.
    if a.len().abs_diff(b.len()) > max * 4 {
        return None;
    }
    if a.is_ascii() && b.is_ascii() {
        osa(a.as_bytes(), b.as_bytes(), max)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        osa(&a, &b, max)
    }
}

fn osa<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Three rows of the dynamic programme; on the stack for words of ordinary length.
    const STACK: usize = 48;
    let w = b.len() + 1;
    let mut stack = [[0usize; STACK]; 3];
    let mut heap: [Vec<usize>; 3];
    let [x, y, z] = if w <= STACK {
        let [x, y, z] = &mut stack;
        [&mut x[..w], &mut y[..w], &mut z[..w]]
    } else {
        heap = [vec![0; w], vec![0; w], vec![0; w]];
        let [x, y, z] = &mut heap;
        [x.as_mut_slice(), y.as_mut_slice(), z.as_mut_slice()]
    };
    let (mut prev2, mut prev, mut cur) = (x, y, z);
    for (j, p) in prev.iter_mut().enumerate() {
        *p = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= max)
}

/// The synonym table: source token sequence -> target token sequences.
#[derive(Debug)]
pub(crate) struct Synonyms {
    map: HashMap<Vec<String>, Vec<Vec<String>>>,
    longest: usize,
}

impl Synonyms {
    /// The compiled-in table (`data/synonyms.csv`).
    pub(crate) fn get() -> &'static Synonyms {
        static SYN: OnceLock<Synonyms> = OnceLock::new();
        SYN.get_or_init(|| {
            Synonyms::parse(include_str!("../data/synonyms.csv"))
                .expect("data/synonyms.csv is checked by text::tests")
        })
    }

    /// Parses `from,to` rows (a header line first).
    pub(crate) fn parse(csv: &str) -> Result<Synonyms, String> {
        let mut map: HashMap<Vec<String>, Vec<Vec<String>>> = HashMap::new();
        for (i, line) in csv.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let (from, to) =
                line.split_once(',').ok_or_else(|| format!("line {}: no comma", i + 1))?;
            let (from, to) = (tokens(from), tokens(to));
            if from.is_empty() || to.is_empty() {
                return Err(format!("line {}: empty side", i + 1));
            }
            let targets = map.entry(from).or_default();
            if !targets.contains(&to) {
                targets.push(to);
            }
        }
        let longest = map.keys().map(Vec::len).max().unwrap_or(1);
        Ok(Synonyms { map, longest })
    }

    fn targets(&self, words: &[String]) -> Option<&Vec<Vec<String>>> {
        self.map.get(words)
    }

    /// The targets of two words or more, by first word (what indexing looks for).
    /// Looked up for every token a build indexes, hence foldhash (std's SipHash was most of
    /// `phrase_terms`' work).
    fn phrases(&self) -> &foldhash::HashMap<String, Vec<Vec<String>>> {
        static PHRASES: OnceLock<foldhash::HashMap<String, Vec<Vec<String>>>> = OnceLock::new();
        PHRASES.get_or_init(|| {
            let mut out: foldhash::HashMap<String, Vec<Vec<String>>> = foldhash::HashMap::default();
            for t in self.map.values().flatten().filter(|t| t.len() > 1) {
                let list = out.entry(t[0].clone()).or_default();
                if !list.contains(t) {
                    list.push(t.clone());
                }
            }
            out
        })
    }

    /// Number of rows' sources.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

fn stopwords() -> &'static HashSet<String> {
    static STOP: OnceLock<HashSet<String>> = OnceLock::new();
    STOP.get_or_init(|| {
        include_str!("../data/stopwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .flat_map(tokens)
            .collect()
    })
}

/// One vocabulary value with the tokens of its English and Spanish labels.
#[derive(Debug)]
struct Label {
    group: Group,
    value: String,
    tokens: Vec<Vec<String>>,
}

fn labels() -> &'static [Label] {
    static LABELS: OnceLock<Vec<Label>> = OnceLock::new();
    LABELS.get_or_init(|| {
        let vocab = Vocabulary::get();
        let mut out = Vec::new();
        for g in Group::ALL {
            for v in vocab.values(g) {
                out.push(Label {
                    group: g,
                    value: v.value.clone(),
                    tokens: vec![tokens(&v.en), tokens(&v.es)],
                });
            }
        }
        out
    })
}

/// The `phrase` term of a synonym target found in the name (`n:`) or the body (`b:`).
pub(crate) fn phrase_term(in_name: bool, phrase: &[String]) -> String {
    format!("{}:{}", if in_name { "n" } else { "b" }, phrase.join(" "))
}

/// The `phrase` terms of an analysed text: every multi-word synonym target it contains.
pub(crate) fn phrase_terms(in_name: bool, text: &Analysed, out: &mut BTreeSet<String>) {
    let phrases = Synonyms::get().phrases();
    for i in 0..text.spans.len() {
        for p in phrases.get(text.token(i)).into_iter().flatten() {
            if text.starts_with_at(i, p) {
                out.insert(phrase_term(in_name, p));
            }
        }
    }
}

/// The `attr` term of a value that holds.
pub(crate) fn attr_term(group: Group, value: &str) -> String {
    let mut s = String::new();
    push_attr_key(&mut s, group, '=', value);
    s
}

/// The `attr` term of a schedule facet known not to hold.
pub(crate) fn attr_not_term(group: Group, value: &str) -> String {
    let mut s = String::new();
    push_attr_key(&mut s, group, '!', value);
    s
}

/// Appends to the `attr` field's joined text (see [`push_value`]) the term of a value: that it
/// holds ([`attr_term`]) or, with `holds` false, that it does not ([`attr_not_term`]). Written
/// in place: indexing writes dozens per listing.
pub(crate) fn push_attr_value(joined: &mut String, group: Group, holds: bool, value: &str) {
    // Never an empty value: the term starts with the group's name.
    if !joined.is_empty() {
        joined.push(VALUE_SEPARATOR);
    }
    push_attr_key(joined, group, if holds { '=' } else { '!' }, value);
}

fn push_attr_key(out: &mut String, group: Group, separator: char, value: &str) {
    out.push_str(group.as_str());
    out.push(separator);
    push_without_separator(out, value);
}

/// Whether `needle` occurs contiguously in `hay`.
fn contains_seq(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// How one word may match a token.
#[derive(Clone, Copy, Debug)]
struct WordRule {
    edits: u8,
    prefix: bool,
}

impl WordRule {
    /// The token that `word` matches under this rule, preferring exact, then typo, then prefix.
    fn best<'a>(
        &self,
        word: &str,
        toks: impl Iterator<Item = &'a String> + Clone,
    ) -> Option<Hit<'a>> {
        if toks.clone().any(|t| t.as_str() == word) {
            return Some(Hit::Exact);
        }
        if self.edits > 0 {
            let mut best: Option<(usize, &String)> = None;
            for t in toks.clone() {
                if let Some(d) = edits_within(word, t, self.edits as usize)
                    && best.is_none_or(|(bd, bt)| (d, t) < (bd, bt))
                {
                    best = Some((d, t));
                }
            }
            if let Some((_, t)) = best {
                return Some(Hit::Changed(t));
            }
        }
        if self.prefix {
            return toks.filter(|t| t.starts_with(word)).min().map(Hit::Changed);
        }
        None
    }
}

enum Hit<'a> {
    Exact,
    Changed(&'a String),
}

/// A part of the query text that must match.
#[derive(Clone, Debug)]
pub(crate) struct Unit {
    /// The words as typed (folded).
    words: Vec<String>,
    /// Synonym targets.
    expansions: Vec<Vec<String>>,
    /// The last word may match as a prefix.
    prefix_last: bool,
}

impl Unit {
    fn rule(&self, i: usize) -> WordRule {
        let w = &self.words[i];
        WordRule {
            edits: max_edits(w),
            prefix: self.prefix_last
                && i + 1 == self.words.len()
                && w.chars().count() >= MIN_PREFIX,
        }
    }
}

/// A parsed search text.
#[derive(Clone, Debug)]
pub(crate) struct TextPlan {
    pub units: Vec<Unit>,
}

impl TextPlan {
    /// Parses a search text; `None` when it has no words.
    pub(crate) fn parse(text: &str) -> Option<TextPlan> {
        let all = query_tokens(text);
        if all.is_empty() {
            return None;
        }
        let stop = stopwords();
        let syn = Synonyms::get();
        let kept: Vec<String> = all
            .iter()
            .filter(|t| !stop.contains(*t) || syn.targets(std::slice::from_ref(*t)).is_some())
            .cloned()
            .collect();
        let words = if kept.is_empty() { all } else { kept };
        // Search as you type: the last word is a prefix unless the text ends after it.
        let typing = text.chars().last().is_some_and(char::is_alphanumeric);
        let mut units = Vec::new();
        let mut i = 0;
        while i < words.len() && units.len() < MAX_UNITS {
            let mut n = syn.longest.min(words.len() - i);
            let unit = loop {
                if n == 0 {
                    break Unit {
                        words: vec![words[i].clone()],
                        expansions: vec![],
                        prefix_last: false,
                    };
                }
                if let Some(t) = syn.targets(&words[i..i + n]) {
                    break Unit {
                        words: words[i..i + n].to_vec(),
                        expansions: t.clone(),
                        prefix_last: false,
                    };
                }
                n -= 1;
            };
            i += unit.words.len();
            units.push(unit);
        }
        if typing
            && i == words.len()
            && let Some(last) = units.last_mut()
        {
            last.prefix_last = true;
        }
        Some(TextPlan { units })
    }

    /// The query: every unit must match.
    pub(crate) fn tree(&self, f: &Fields, searcher: &Searcher) -> tantivy::Result<Node> {
        let mut units = Vec::with_capacity(self.units.len());
        for u in &self.units {
            units.push(unit_node(u, f, searcher)?);
        }
        Ok(Node::All(units))
    }

    /// How each unit matched `listing` (for `Matched::text`): `word` when it is there as typed,
    /// `word→term` through a synonym, a typo or a prefix.
    pub(crate) fn explain(&self, listing: &Listing) -> Vec<String> {
        let pieces = listing_pieces(listing);
        // Duplicates are left in: scanning a hundred short tokens twice is cheaper than
        // hashing them to remove the repeats.
        let all: Vec<&String> = pieces.iter().flat_map(|p| p.iter()).collect();
        let mut out = Vec::new();
        for u in &self.units {
            // Literally, word by word.
            let literal: Option<Vec<String>> = (0..u.words.len())
                .map(|i| {
                    let w = &u.words[i];
                    u.rule(i).best(w, all.iter().copied()).map(|h| match h {
                        Hit::Exact => w.clone(),
                        Hit::Changed(t) => format!("{w}→{t}"),
                    })
                })
                .collect();
            let exact = literal.as_ref().is_some_and(|l| l.iter().all(|x| !x.contains('→')));
            if exact {
                out.extend(literal.unwrap_or_default());
                continue;
            }
            if let Some(e) = u.expansions.iter().find(|e| pieces.iter().any(|p| contains_seq(p, e)))
            {
                out.push(format!("{}→{}", u.words.join(" "), e.join(" ")));
                continue;
            }
            out.extend(literal.unwrap_or_default());
        }
        out
    }
}

/// The token sequences a listing can be matched on: its text fields and the labels of the
/// vocabulary values that hold for it (borrowed from the label table).
fn listing_pieces(l: &Listing) -> Vec<Cow<'static, [String]>> {
    let mut out: Vec<Cow<'static, [String]>> = vec![Cow::Owned(tokens(&l.name))];
    out.extend(l.alt_name.as_deref().map(|t| Cow::Owned(tokens(t))));
    out.extend(l.description.as_deref().map(|t| Cow::Owned(tokens(t))));
    out.extend(l.services.iter().map(|s| Cow::Owned(tokens(s))));
    let by_value = labels_by_value();
    let mut add = |g: Group, v: &str| {
        if let Some(label) = by_value.get(&(g, v)) {
            out.extend(label.tokens.iter().map(|t| Cow::Borrowed(t.as_slice())));
        }
    };
    for g in Group::ALL {
        match l.attr(g) {
            Some(attr) => attr.values().for_each(|v| add(g, v)),
            None => l.schedule.facets.iter().for_each(|v| add(g, v)),
        }
    }
    out
}

/// The label table by (group, value).
fn labels_by_value() -> &'static HashMap<(Group, &'static str), &'static Label> {
    static MAP: OnceLock<HashMap<(Group, &'static str), &'static Label>> = OnceLock::new();
    MAP.get_or_init(|| labels().iter().map(|l| ((l.group, l.value.as_str()), l)).collect())
}

/// `attr` terms of the values whose label matches `word` under `rule`.
fn label_terms_for_word(word: &str, rule: WordRule) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    for label in labels() {
        let toks = label.tokens.iter().flatten();
        if let Some(h) = rule.best(word, toks) {
            let weight = match h {
                Hit::Exact => LABEL,
                Hit::Changed(_) => LABEL * FUZZY,
            };
            out.push((attr_term(label.group, &label.value), weight));
        }
    }
    out
}

/// `attr` terms of the values whose label contains the phrase.
fn label_terms_for_phrase(phrase: &[String]) -> Vec<String> {
    labels()
        .iter()
        .filter(|l| l.tokens.iter().any(|t| contains_seq(t, phrase)))
        .map(|l| attr_term(l.group, &l.value))
        .collect()
}

/// A text query as a tree of tantivy leaf queries. It is kept apart from tantivy's own
/// `BooleanQuery` so that it can be run either way: as a tantivy query, a document at a time,
/// when an area narrows the search, or a term at a time (`dense`) when nothing does.
pub(crate) enum Node {
    /// A term of `name` or `body`, scored by BM25 with its frequencies (a `TermQuery`), times
    /// the boost. Most leaves are these; `dense` reads their postings itself.
    Term(Term, f32),
    /// A query scored by tantivy, its score times the boost.
    Leaf(Box<dyn Query>, f32),
    /// A query whose every match scores the same.
    Const(Box<dyn Query>, f32),
    /// Any child matches; the score is the sum of the matching children's.
    Any(Vec<Node>),
    /// Every child matches; the score is the sum of theirs.
    All(Vec<Node>),
}

impl Node {
    /// The same query for tantivy (scores as `BooleanQuery` and `BoostQuery` sum them).
    pub(crate) fn into_query(self) -> Box<dyn Query> {
        let clauses = |occur: Occur, nodes: Vec<Node>| {
            Box::new(BooleanQuery::new(
                nodes.into_iter().map(|n| (occur, n.into_query())).collect(),
            ))
        };
        match self {
            Node::Term(term, boost) => {
                Node::Leaf(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)), boost)
                    .into_query()
            }
            Node::Leaf(q, 1.0) => q,
            Node::Leaf(q, boost) => Box::new(BoostQuery::new(q, boost)),
            Node::Const(q, score) => Box::new(ConstScoreQuery::new(q, score)),
            Node::Any(nodes) => clauses(Occur::Should, nodes),
            Node::All(nodes) => clauses(Occur::Must, nodes),
        }
    }
}

fn attr_leaf(f: &Fields, term: &str, score: f32) -> Node {
    let q = TermQuery::new(Term::from_field_text(f.attr, term), IndexRecordOption::Basic);
    Node::Const(Box::new(q), score)
}

/// The terms of `field` other than `word` itself that `automaton` accepts, in every segment;
/// `None` when there are more than [`MAX_EXPANSIONS`].
fn expand(
    searcher: &Searcher,
    field: Field,
    word: &str,
    automaton: &DfaWrapper,
    skip: &BTreeSet<String>,
) -> tantivy::Result<Option<BTreeSet<String>>> {
    let mut out = BTreeSet::new();
    for seg in searcher.segment_readers() {
        let inverted = seg.inverted_index(field)?;
        let mut stream = inverted.terms().search(automaton).into_stream()?;
        while stream.advance() {
            let key = stream.key();
            if key == word.as_bytes() {
                continue;
            }
            let t = String::from_utf8_lossy(key);
            if !skip.contains(t.as_ref()) {
                out.insert(t.into_owned());
                if out.len() > MAX_EXPANSIONS {
                    return Ok(None);
                }
            }
        }
    }
    Ok(Some(out))
}

/// The automata of a word's typos and prefix, built once and run on each field.
struct Automata {
    fuzzy: Option<DfaWrapper>,
    prefix: Option<DfaWrapper>,
}

impl Automata {
    fn new(word: &str, rule: WordRule, f: &Fields) -> tantivy::Result<Automata> {
        // The automaton depends on the word only; the field of the term is irrelevant here.
        let term = Term::from_field_text(f.name, word);
        let fuzzy = match rule.edits {
            0 => None,
            d => Some(FuzzyTermQuery::new(term.clone(), d, true).automaton()?),
        };
        let prefix = match rule.prefix {
            true => Some(FuzzyTermQuery::new_prefix(term, 0, true).automaton()?),
            false => None,
        };
        Ok(Automata { fuzzy, prefix })
    }
}

/// Typo and prefix matches as plain term queries on the terms they reach (found in the term
/// dictionary once, here), so they score with BM25 and are skipped through like any term.
/// Too many terms (a short prefix): the automaton query, which reads them all into a bitset.
fn expansions(
    searcher: &Searcher,
    field: Field,
    word: &str,
    rule: WordRule,
    automata: &Automata,
    boost: f32,
    should: &mut Vec<Node>,
) -> tantivy::Result<()> {
    let mut seen = BTreeSet::new();
    for (kind, dfa) in [(FUZZY, &automata.fuzzy), (PREFIX, &automata.prefix)] {
        let Some(dfa) = dfa else { continue };
        match expand(searcher, field, word, dfa, &seen)? {
            Some(terms) => {
                for t in &terms {
                    should.push(Node::Term(Term::from_field_text(field, t), boost * kind));
                }
                seen.extend(terms);
            }
            None => {
                let term = Term::from_field_text(field, word);
                let q = if kind == FUZZY {
                    FuzzyTermQuery::new(term, rule.edits, true)
                } else {
                    FuzzyTermQuery::new_prefix(term, 0, true)
                };
                should.push(Node::Leaf(Box::new(q), boost * kind));
            }
        }
    }
    Ok(())
}

/// One word: exact in name or body, typo, prefix, label.
fn word_node(word: &str, rule: WordRule, f: &Fields, searcher: &Searcher) -> tantivy::Result<Node> {
    let mut should = Vec::new();
    let automata = Automata::new(word, rule, f)?;
    for (field, boost) in [(f.name, NAME_BOOST), (f.body, BODY_BOOST)] {
        should.push(Node::Term(Term::from_field_text(field, word), boost));
        expansions(searcher, field, word, rule, &automata, boost, &mut should)?;
    }
    for (term, score) in label_terms_for_word(word, rule) {
        should.push(attr_leaf(f, &term, score));
    }
    Ok(Node::Any(should))
}

/// A synonym target: a term in name or body, a phrase found there at indexing time (see
/// `phrase_terms`), or a label holding the phrase.
fn phrase_nodes(phrase: &[String], f: &Fields, labels_seen: &mut BTreeSet<String>) -> Vec<Node> {
    let mut should = Vec::new();
    for (field, in_name, boost) in [(f.name, true, NAME_BOOST), (f.body, false, BODY_BOOST)] {
        let term = if phrase.len() == 1 {
            Term::from_field_text(field, &phrase[0])
        } else {
            Term::from_field_text(f.phrase, &phrase_term(in_name, phrase))
        };
        should.push(Node::Term(term, boost * SYNONYM));
    }
    for term in label_terms_for_phrase(phrase) {
        if labels_seen.insert(term.clone()) {
            should.push(attr_leaf(f, &term, LABEL * SYNONYM));
        }
    }
    should
}

fn unit_node(u: &Unit, f: &Fields, searcher: &Searcher) -> tantivy::Result<Node> {
    let literal = if u.words.len() == 1 {
        word_node(&u.words[0], u.rule(0), f, searcher)?
    } else {
        let mut musts = Vec::with_capacity(u.words.len());
        for i in 0..u.words.len() {
            musts.push(word_node(&u.words[i], u.rule(i), f, searcher)?);
        }
        Node::All(musts)
    };
    if u.expansions.is_empty() {
        return Ok(literal);
    }
    let mut should = vec![literal];
    // A label reached both by the word and by its synonym is one clause, not two.
    let mut labels: BTreeSet<String> = match u.words.as_slice() {
        [w] => label_terms_for_word(w, u.rule(0)).into_iter().map(|(t, _)| t).collect(),
        _ => BTreeSet::new(),
    };
    for e in &u.expansions {
        should.extend(phrase_nodes(e, f, &mut labels));
    }
    Ok(Node::Any(should))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_folds_case_and_accents() {
        assert_eq!(tokens("Español, CO-OCCURRING  Niños"), ["espanol", "co", "occurring", "ninos"]);
    }

    #[test]
    fn synonym_table_parses_with_enough_rows() {
        assert!(Synonyms::get().len() >= 20);
        let t = Synonyms::get().targets(&["suboxone".to_owned()]).expect("suboxone");
        assert_eq!(t, &vec![vec!["buprenorphine".to_owned()]]);
        let t = Synonyms::get().targets(&["12".to_owned(), "step".to_owned()]).expect("12 step");
        assert_eq!(t, &vec![vec!["twelve".to_owned(), "step".to_owned()]]);
        assert!(Synonyms::parse("from,to\nno comma here\n").is_err());
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edits_within("bupernorphine", "buprenorphine", 2), Some(1));
        assert_eq!(edits_within("methadon", "methadone", 1), Some(1));
        assert_eq!(edits_within("abc", "xyz", 2), None);
        assert_eq!(edits_within("kitten", "sitting", 3), Some(3));
    }

    /// Textbook optimal-string-alignment distance, for checking the bounded one.
    fn osa_reference(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    proptest::proptest! {
        #[test]
        fn bounded_distance_agrees_with_the_textbook(
            a in "[abcñ]{0,12}|[a-e]{40,60}", b in "[abcñ]{0,12}|[a-e]{40,60}", max in 0usize..3,
        ) {
            let d = osa_reference(&a, &b);
            let expected = (d <= max).then_some(d);
            proptest::prop_assert_eq!(edits_within(&a, &b, max), expected);
        }
    }

    #[test]
    fn typo_allowance_grows_with_length() {
        assert_eq!(max_edits("iop"), 0);
        assert_eq!(max_edits("rehab"), 1);
        assert_eq!(max_edits("methadone"), 2);
        assert_eq!(max_edits("22902"), 0, "numbers are never fuzzy");
    }

    #[test]
    fn parse_groups_multiword_synonyms_and_drops_stop_words() {
        let p = TextPlan::parse("dual diagnosis near me").expect("words");
        assert_eq!(p.units.len(), 1);
        assert_eq!(p.units[0].words, ["dual", "diagnosis"]);
        assert_eq!(p.units[0].expansions, vec![vec!["co".to_owned(), "occurring".to_owned()]]);
        assert!(p.units[0].prefix_last, "the text ends in a word: search as you type");
        let p = TextPlan::parse("the ").expect("only stop words are kept");
        assert_eq!(p.units[0].words, ["the"]);
        assert!(!p.units[0].prefix_last, "a trailing space ends the word");
        assert!(TextPlan::parse(" ,;- ").is_none());
        let long = "x".repeat(60);
        let p = TextPlan::parse(&long).expect("an overlong word is still a word");
        assert_eq!(p.units[0].words, [long]);
    }

    #[test]
    fn phrases_are_found_for_indexing() {
        let mut out = BTreeSet::new();
        let mut text = Analysed::new();
        text.analyse("Intensive Outpatient and co-occurring care; intensive care");
        phrase_terms(false, &text, &mut out);
        let got: Vec<&str> = out.iter().map(String::as_str).collect();
        assert_eq!(got, ["b:co occurring", "b:intensive outpatient"]);
    }

    /// What `name` and `body` index: the analysed text split again by the indexing tokenizer.
    fn indexed_terms(text: &str) -> Vec<String> {
        let mut analysed = Analysed::new();
        analysed.analyse(text);
        run(&mut TextAnalyzer::from(indexing_tokenizer()), analysed.joined())
    }

    /// The phrases of a text as found before the text was analysed once for everything: on
    /// its tokens, by slices.
    fn phrases_by_tokens(in_name: bool, text: &str) -> BTreeSet<String> {
        let toks = tokens(text);
        let mut out = BTreeSet::new();
        for (i, t) in toks.iter().enumerate() {
            for p in Synonyms::get().phrases().get(t).into_iter().flatten() {
                if toks[i..].starts_with(p) {
                    out.insert(phrase_term(in_name, p));
                }
            }
        }
        out
    }

    #[test]
    fn indexing_splits_back_exactly_the_analysers_tokens() {
        let long = "x".repeat(45);
        let (longest, too_long) = (format!("a {} b", "Y".repeat(39)), "Y".repeat(40));
        for text in [
            "",
            longest.as_str(),
            too_long.as_str(),
            "  ",
            "Español, CO-OCCURRING  Niños",
            "Ærøskøbing ½ ﬁle ⑴ straße İstanbul ǅ",
            "tab\tnew\nline\u{a0}nbsp\u{2003}em",
            long.as_str(),
        ] {
            assert_eq!(indexed_terms(text), tokens(text), "{text:?}");
        }
    }

    /// The terms the keyword tokenizer makes of a field's joined text.
    fn keyword_terms(joined: &str) -> Vec<String> {
        let mut tokenizer = values_tokenizer();
        let mut stream = tokenizer.token_stream(joined);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn keyword_values_come_back_as_given() {
        let mut joined = String::new();
        for v in ["level=iop", "", "language=Haitian Creole", "x\u{1f}y", "é"] {
            push_value(&mut joined, v);
        }
        assert_eq!(keyword_terms(&joined), ["level=iop", "language=Haitian Creole", "x y", "é"]);
        // A value holding the separator is found by the term a filter on it makes.
        assert_eq!(attr_term(Group::Language, "x\u{1f}y"), "language=x y");
        assert!(keyword_terms("").is_empty());
    }

    proptest::proptest! {
        /// Whatever the values, the keyword tokenizer gives each back as one term (empty ones
        /// left out), as `STRING` indexed them one by one.
        #[test]
        fn keyword_values_are_one_term_each(
            values in proptest::collection::vec("\\PC{0,6}|\u{1f}|", 0..8),
        ) {
            let mut joined = String::new();
            for v in &values {
                push_value(&mut joined, v);
            }
            let expected: Vec<String> = values
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| v.replace(VALUE_SEPARATOR, " "))
                .collect();
            proptest::prop_assert_eq!(keyword_terms(&joined), expected);
        }

        /// The indexing tokenizer splits any text as tantivy's `WhitespaceTokenizer` does.
        #[test]
        fn splits_as_tantivys_whitespace_tokenizer(
            text in "(\\PC{0,6}|[ \t\n\r\u{c}\u{b}\u{a0}\u{2003}]{1,3}){0,10}",
        ) {
            let ours = run(&mut TextAnalyzer::from(indexing_tokenizer()), &text);
            let theirs =
                run(&mut TextAnalyzer::from(tantivy::tokenizer::WhitespaceTokenizer::default()), &text);
            proptest::prop_assert_eq!(ours, theirs);
        }

        /// ASCII text takes `Analysed`'s own path: still exactly the analyser's tokens, overlong
        /// ones (40 characters and more) dropped the same way.
        #[test]
        fn ascii_text_indexes_as_its_tokens(
            text in "([ -~]{0,12}|[a-zA-Z0-9]{38,42}|Intensive Outpatient|12-Step){0,8}",
        ) {
            proptest::prop_assert!(text.is_ascii());
            proptest::prop_assert_eq!(indexed_terms(&text), tokens(&text));
        }

        /// Whatever the text, `name` and `body` get exactly the analyser's tokens, and the
        /// phrases found on the analysed text are those found on its tokens.
        #[test]
        fn analysed_text_indexes_as_its_tokens(
            text in "(\\PC{0,12}|intensive outpatient|co-occurring|12 step| ){0,8}",
        ) {
            proptest::prop_assert_eq!(indexed_terms(&text), tokens(&text));
            let mut analysed = Analysed::new();
            analysed.analyse(&text);
            let mut found = BTreeSet::new();
            phrase_terms(true, &analysed, &mut found);
            proptest::prop_assert_eq!(found, phrases_by_tokens(true, &text));
        }
    }

    #[test]
    fn labels_match_in_both_languages() {
        let rule = WordRule { edits: 0, prefix: false };
        let terms: Vec<String> =
            label_terms_for_word("espanol", rule).into_iter().map(|(t, _)| t).collect();
        assert_eq!(terms, ["language=es"]);
        let terms = label_terms_for_phrase(&["intensive".to_owned(), "outpatient".to_owned()]);
        assert_eq!(terms, ["level=iop"]);
    }
}

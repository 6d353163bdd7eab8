//! Three-valued attributes packed into two `u64` fast fields.
//!
//! For every group, each vocabulary value gets one "yes" bit (the value holds). The schedule also
//! gets one "no" bit per facet (`facets_not_offered`), because its facets are known one by one.
//! Each group has two flag bits: `unknown` (the sources say nothing: [`Listing::is_unknown`])
//! and `known` (the group is described completely, so a value without its yes bit is a "no").
//! From these, every `Listing::has(group, value)` for a vocabulary value is recovered:
//! yes bit -> yes; else schedule no bit, or `known` -> no; else unknown.
//!
//! Why bits: disjunctive facet counts must visit every listing that fails at most one filter
//! group. Two words per listing make that a couple of fast-field reads and one bit-sliced add
//! per listing (see `collect`), whatever the number of values.
//!
//! The layout is computed from the compiled-in vocabulary; its fingerprint is stored with each
//! index generation, so an index built with another vocabulary is refused rather than misread.

use std::sync::OnceLock;

use iop_core::id::fnv1a64;
use iop_core::{Attr, Group, Listing, Vocabulary};

/// Words of bits per listing.
pub(crate) const WORDS: usize = 2;

/// Where one group's bits live.
#[derive(Debug)]
pub(crate) struct GroupBits {
    /// The vocabulary values of the group, in vocabulary order: value `i` is bit `shift + i`.
    pub values: Vec<String>,
    /// Word of the yes bits (and, for the schedule, of the no bits).
    pub word: usize,
    /// First yes bit.
    pub shift: u32,
    /// First no bit (schedule only).
    pub no_shift: Option<u32>,
    /// Word of the two flag bits.
    pub flag_word: usize,
    /// The `unknown` flag bit.
    pub unknown_bit: u32,
    /// The `known` flag bit.
    pub known_bit: u32,
}

impl GroupBits {
    /// All value bits, unshifted.
    pub fn all(&self) -> u64 {
        low_bits(self.values.len() as u32)
    }

    /// The value's bit index within the group.
    pub fn index_of(&self, value: &str) -> Option<u32> {
        self.values.iter().position(|v| v == value).map(|i| i as u32)
    }

    /// Values that hold (unshifted bits).
    #[inline]
    pub fn yes(&self, w: &[u64; WORDS]) -> u64 {
        (w[self.word] >> self.shift) & self.all()
    }

    /// Values known not to hold (unshifted bits).
    #[inline]
    pub fn no(&self, w: &[u64; WORDS]) -> u64 {
        match self.no_shift {
            Some(s) => (w[self.word] >> s) & self.all() & !self.yes(w),
            None if self.is_known(w) => self.all() & !self.yes(w),
            None => 0,
        }
    }

    /// The group is described completely.
    #[inline]
    pub fn is_known(&self, w: &[u64; WORDS]) -> bool {
        w[self.flag_word] >> self.known_bit & 1 == 1
    }

    /// The sources say nothing about the group.
    #[cfg(test)]
    pub fn is_unknown(&self, w: &[u64; WORDS]) -> bool {
        w[self.flag_word] >> self.unknown_bit & 1 == 1
    }

    /// The bits a facet count of this group reads: its yes bits and its unknown flag.
    pub fn count_mask(&self) -> [u64; WORDS] {
        let mut m = [0u64; WORDS];
        m[self.word] |= self.all() << self.shift;
        m[self.flag_word] |= 1 << self.unknown_bit;
        m
    }
}

/// The bit layout of every group.
#[derive(Debug)]
pub(crate) struct Layout {
    groups: Vec<GroupBits>,
    fingerprint: u64,
}

/// `n` low bits set.
fn low_bits(n: u32) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// The position of a group in [`Group::ALL`].
pub(crate) fn group_index(g: Group) -> usize {
    Group::ALL.iter().position(|x| *x == g).expect("Group::ALL lists every group")
}

impl Layout {
    /// The layout of the compiled-in vocabulary.
    pub(crate) fn get() -> &'static Layout {
        static LAYOUT: OnceLock<Layout> = OnceLock::new();
        LAYOUT.get_or_init(|| {
            Layout::new(Vocabulary::get())
                .expect("the compiled-in vocabulary fits the bit layout (tested in layout::tests)")
        })
    }

    /// Packs the groups of `vocab` into [`WORDS`] words, first fit by decreasing size.
    pub(crate) fn new(vocab: &Vocabulary) -> Result<Layout, String> {
        let mut used = [0u32; WORDS];
        let mut place = |bits: u32, what: &str| -> Result<(usize, u32), String> {
            let word = (0..WORDS)
                .find(|&w| used[w] + bits <= 64)
                .ok_or_else(|| format!("{what} ({bits} bits) does not fit in {WORDS} words"))?;
            let shift = used[word];
            used[word] += bits;
            Ok((word, shift))
        };
        let mut order: Vec<Group> = Group::ALL.to_vec();
        let width = |g: Group| {
            let n = vocab.values(g).len() as u32;
            if g == Group::Schedule { 2 * n } else { n }
        };
        order.sort_by_key(|g| std::cmp::Reverse(width(*g)));
        let mut slots: Vec<Option<(usize, u32)>> = vec![None; Group::ALL.len()];
        for g in &order {
            slots[group_index(*g)] = Some(place(width(*g), g.as_str())?);
        }
        let mut groups = Vec::new();
        let mut print = String::from("layout-1;");
        for g in Group::ALL {
            let (word, shift) = slots[group_index(g)].expect("every group was placed");
            let values: Vec<String> = vocab.values(g).iter().map(|v| v.value.clone()).collect();
            let n = values.len() as u32;
            let (flag_word, unknown_bit) = place(2, "flags")?;
            for v in &values {
                print.push_str(&format!("{g}={v},"));
            }
            groups.push(GroupBits {
                values,
                word,
                shift,
                no_shift: (g == Group::Schedule).then_some(shift + n),
                flag_word,
                unknown_bit,
                known_bit: unknown_bit + 1,
            });
        }
        Ok(Layout { groups, fingerprint: fnv1a64(print.as_bytes()) })
    }

    /// The bits of one group.
    pub(crate) fn group(&self, g: Group) -> &GroupBits {
        &self.groups[group_index(g)]
    }

    /// Identifies the vocabulary and layout an index was built with.
    pub(crate) fn fingerprint(&self) -> String {
        format!("{:016x}", self.fingerprint)
    }

    /// The words of one listing.
    pub(crate) fn encode(&self, l: &Listing) -> [u64; WORDS] {
        let mut w = [0u64; WORDS];
        for g in Group::ALL {
            let gb = self.group(g);
            let mut yes = 0u64;
            let mut no = 0u64;
            let (unknown, known) = match l.attr(g) {
                Some(attr) => {
                    for v in attr.values() {
                        if let Some(i) = gb.index_of(v) {
                            yes |= 1 << i;
                        }
                    }
                    (attr.is_unknown(), matches!(attr, Attr::Known(_)))
                }
                None => {
                    for v in &l.schedule.facets {
                        if let Some(i) = gb.index_of(v) {
                            yes |= 1 << i;
                        }
                    }
                    for v in &l.schedule.facets_not_offered {
                        if let Some(i) = gb.index_of(v) {
                            no |= 1 << i;
                        }
                    }
                    // Schedule facets are known one by one; "known" never speaks for the
                    // whole group.
                    (l.schedule.is_unknown(), false)
                }
            };
            w[gb.word] |= yes << gb.shift;
            if let Some(s) = gb.no_shift {
                w[gb.word] |= no << s;
            }
            if unknown {
                w[gb.flag_word] |= 1 << gb.unknown_bit;
            }
            if known {
                w[gb.flag_word] |= 1 << gb.known_bit;
            }
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use iop_core::listing::Tri;
    use iop_core::schedule::Schedule;

    use super::*;

    #[test]
    fn the_vocabulary_fits() {
        let layout = Layout::new(Vocabulary::get()).expect("fits");
        for (i, g) in Group::ALL.into_iter().enumerate() {
            assert_eq!(group_index(g), i);
            assert_eq!(layout.group(g).values.len(), Vocabulary::get().values(g).len());
        }
    }

    #[test]
    fn bits_overlap_nowhere() {
        let layout = Layout::get();
        let mut seen = [0u64; WORDS];
        for g in Group::ALL {
            let gb = layout.group(g);
            let mut mine = [0u64; WORDS];
            mine[gb.word] |= gb.all() << gb.shift;
            if let Some(s) = gb.no_shift {
                mine[gb.word] |= gb.all() << s;
            }
            mine[gb.flag_word] |= 0b11 << gb.unknown_bit;
            for w in 0..WORDS {
                assert_eq!(seen[w] & mine[w], 0, "{g} overlaps");
                seen[w] |= mine[w];
            }
        }
    }

    /// Decoding the words gives back `Listing::has` for every vocabulary value.
    #[test]
    fn decode_agrees_with_listing_has() {
        let mut schedule = Schedule::default();
        schedule.set_facet("evening");
        schedule.facets_not_offered.insert("day".into());
        let l = Listing {
            levels: Attr::known(["iop", "op"]),
            payments: Attr::known(Vec::<String>::new()),
            medications: Attr::partial(["methadone", "not-in-vocabulary"]),
            languages: Attr::known(["es", "oj"]),
            schedule,
            ..Listing::default()
        };
        let layout = Layout::get();
        let w = layout.encode(&l);
        for g in Group::ALL {
            let gb = layout.group(g);
            assert_eq!(gb.is_unknown(&w), l.is_unknown(g), "{g}");
            for (i, v) in gb.values.iter().enumerate() {
                let bit = 1u64 << i;
                let decoded = if gb.yes(&w) & bit != 0 {
                    Tri::Yes
                } else if gb.no(&w) & bit != 0 {
                    Tri::No
                } else {
                    Tri::Unknown
                };
                assert_eq!(decoded, l.has(g, v), "{g}={v}");
            }
        }
    }
}

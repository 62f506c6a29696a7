//! Build-time search index: page sections in, a set of small JavaScript files
//! out (see `static/search.js` for the reader).
//!
//! # Index format (version 3)
//!
//! Every file is a script that calls `__kourseSearch(kind, key, data)`, so the
//! index loads from file:// through injected `<script>` tags (no fetch).
//!
//! * `search/meta.js`, kind `"m"`: `{v, n, k, c, pages, shards}`: format
//!   version, number of sections, shard key length, pages per snippet file,
//!   number of sections of each page (section ids are global, in page
//!   order), and the shard keys that exist.
//! * `search/t/<hex>.js`, kind `"t"`: one shard per key (hex of its UTF-8
//!   bytes in the file name). Keys are word prefixes of 2 characters, or
//!   longer where a 2-character shard would be too big; a word lives in the
//!   shard of its longest prefix that is a key, `k` is the longest key. Data
//!   `{w, g, s, p}`: `w` the corpus' words with that prefix, space-separated
//!   and sorted; `g[i]` the stem group of word `i`; `s` the stems,
//!   space-separated; `p[j]` the postings of stem `j`, a string of varints
//!   (see [`encode`]): section-id delta, then weight, per section; `h`
//!   (left out when empty) maps a word's index in `w` to the sections whose
//!   heading (or, for a page's first section, its title) holds that very
//!   word, as varint section-id deltas. The reader ranks sections whose
//!   heading names a query word above those that only mention it.
//! * `search/p/<n>.js`, kind `"p"`: the snippet data of pages `n*c` to
//!   `n*c + c - 1`, one `{u, t, s: [[anchor, heading, text], ...]}` each:
//!   the page's URL, title and sections' text, loaded only for the pages of
//!   the hits. Pages share files because every file costs a site its own
//!   write and request, which at thousands of pages outweighs the bytes.
//!
//! The query side never stems: it matches typed words against the corpus'
//! words (exactly, as a prefix for the word being typed, or by a stem the
//! typed word extends), so any stemming language works without a JS port.

mod encode;
mod shards;
mod snippet;
mod words;

use shards::group_words;
pub use shards::{prefix, shard_file_name, shard_for};
pub use words::words;
use words::*;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

pub use encode::{decode_varints, encode_varint};
use snippet::{Snippet, sections_of, snippet, strip_glyphs};
pub use snippet::{code_lines, single_spaced_words};

/// One page, as the build hands it to the indexer: borrowed from the
/// rendered pages by a build, which would otherwise copy each section's
/// text once more.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchDocument<'a> {
    /// Page URL relative to the site root, e.g. `workloads/deployments.html`.
    pub url: Cow<'a, str>,
    pub page_title: Cow<'a, str>,
    pub sections: Cow<'a, [SearchSection]>,
}

/// A part of a page: the top (anchor `""`) or an h2/h3 and what follows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchSection {
    /// The heading's id, `""` for the top of the page.
    pub anchor: String,
    pub heading: String,
    /// Plain text of the prose.
    pub prose: String,
    /// Plain text of the code blocks.
    pub code: String,
    /// Kinds, apiVersions and keys of the manifests in this section.
    pub manifest_terms: Vec<String>,
}

/// `[search]` in book.toml.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    pub enabled: bool,
    /// Stemming language, an ISO 639-1 code (`"en"`). Languages the build
    /// does not support are indexed without stemming or stop words.
    pub language: String,
    pub boost_title: f32,
    pub boost_heading: f32,
    pub boost_body: f32,
    pub boost_code: f32,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            enabled: true,
            language: "en".to_string(),
            boost_title: 6.0,
            boost_heading: 4.0,
            boost_body: 1.0,
            boost_code: 0.5,
        }
    }
}

/// Format version written to `meta.js`.
pub const FORMAT_VERSION: u32 = 3;
/// Pages per snippet file (`search/p/<n>.js`).
pub const PAGES_PER_SNIPPET_FILE: usize = 8;
/// Shard key length in characters: words are first grouped by their first
/// `SHARD_KEY_CHARS`; a group over [`SHARD_SPLIT_BYTES`] is split by one more
/// character, up to [`MAX_SHARD_KEY_CHARS`].
pub const SHARD_KEY_CHARS: usize = 2;
pub const MAX_SHARD_KEY_CHARS: usize = 5;
/// Raw size above which a shard is split by a longer key.
pub const SHARD_SPLIT_BYTES: usize = 64 * 1024;
/// Words longer than this (hashes, base64 blobs) are not indexed.
pub const MAX_WORD_CHARS: usize = 40;
/// Snippet text kept per section, in characters.
const MAX_PROSE_CHARS: usize = 6_000;
const MAX_CODE_CHARS: usize = 600;
/// Weights are stored as `round(weight * WEIGHT_SCALE)`, at least 1.
const WEIGHT_SCALE: f32 = 8.0;
const MAX_WEIGHT: u32 = 4_095;
// BM25 parameters, per field.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// The fields of a section, in the order of [`Analyzer::field_boosts`].
const TITLE: usize = 0;
const HEADING: usize = 1;
const BODY: usize = 2;
const CODE: usize = 3;
const MANIFEST: usize = 4;
const FIELDS: usize = 5;

fn clean_boost(b: f32) -> f32 {
    if b.is_finite() && b > 0.0 { b } else { 0.0 }
}

/// Per section: term frequencies per field by stem id (sorted by id once
/// the section is counted: a list is a third of a map's memory, and
/// thousands of sections are held until the postings are made); and field
/// lengths.
struct SectionTerms {
    tf: Vec<(u32, [u16; FIELDS])>,
    len: [u32; FIELDS],
}

/// The words of a run of pages: each distinct word (lowercased) once, in
/// order of first use, and per section how often each occurs in each field.
struct WordCounts<'d> {
    words: Vec<Cow<'d, str>>,
    /// Per section: (index into `words`, count per field), in first use order.
    sections: Vec<Vec<(u32, [u16; FIELDS])>>,
}

impl<'d> WordCounts<'d> {
    fn of(docs: &'d [SearchDocument]) -> WordCounts<'d> {
        let mut ids: FxHashMap<Cow<'d, str>, u32> = FxHashMap::default();
        let mut folded = String::new();
        let mut sections = Vec::new();
        // The section being counted, by word id, and the ids it has touched.
        let mut counting: Vec<[u16; FIELDS]> = Vec::new();
        let mut touched: Vec<u32> = Vec::new();
        for doc in docs {
            for (i, sec) in sections_of(doc).iter().enumerate() {
                let mut add = |field: usize, text: &'d str| {
                    for_each_word(text, |word, lowercase| {
                        // A word with capitals is lowercased into a buffer
                        // and copied only when it is new.
                        let lower: &str = if lowercase {
                            word
                        } else {
                            folded.clear();
                            if word.is_ascii() {
                                folded.push_str(word);
                                folded.make_ascii_lowercase();
                            } else {
                                folded.push_str(&word.to_lowercase());
                            }
                            &folded
                        };
                        let id = match ids.get(lower) {
                            Some(&id) => id,
                            None => {
                                let id = ids.len() as u32;
                                let key = if lowercase {
                                    Cow::Borrowed(word)
                                } else {
                                    Cow::Owned(lower.to_owned())
                                };
                                ids.insert(key, id);
                                counting.push([0; FIELDS]);
                                id
                            }
                        };
                        let tf = &mut counting[id as usize];
                        if *tf == [0; FIELDS] {
                            touched.push(id);
                        }
                        tf[field] = tf[field].saturating_add(1);
                    });
                };
                if i == 0 {
                    add(TITLE, &doc.page_title);
                }
                add(HEADING, &sec.heading);
                add(BODY, &sec.prose);
                add(CODE, &sec.code);
                for term in &sec.manifest_terms {
                    add(MANIFEST, term);
                }
                let mut tf: Vec<(u32, [u16; FIELDS])> = touched
                    .drain(..)
                    .map(|id| (id, std::mem::take(&mut counting[id as usize])))
                    .collect();
                // The parts of `targetPort` count as manifest terms too,
                // and those of a heading's `HorizontalPodAutoscaler` as
                // heading words.
                let mut add_parts = |term: &str, field: usize| {
                    for part in camel_parts(term) {
                        for_each_word(&part, |word, _| {
                            let id = match ids.get(word) {
                                Some(&id) => id,
                                None => {
                                    let id = ids.len() as u32;
                                    ids.insert(Cow::Owned(word.to_owned()), id);
                                    counting.push([0; FIELDS]);
                                    id
                                }
                            };
                            let mut counts = [0; FIELDS];
                            counts[field] = 1;
                            tf.push((id, counts));
                        });
                    }
                };
                for term in &sec.manifest_terms {
                    add_parts(term, MANIFEST);
                }
                let mut headings = vec![(HEADING, sec.heading.as_str())];
                if i == 0 {
                    headings.push((TITLE, &*doc.page_title));
                }
                for (field, text) in headings {
                    for_each_word(text, |word, lowercase| {
                        if !lowercase && word.chars().skip(1).any(char::is_uppercase) {
                            add_parts(word, field);
                        }
                    });
                }
                sections.push(tf);
            }
        }
        // The words in order of first use: ids were given in that order.
        let mut words = vec![Cow::Borrowed(""); ids.len()];
        for (word, id) in ids {
            words[id as usize] = word;
        }
        WordCounts { words, sections }
    }

    /// Each section's counts summed by stem (`stem_of[word]`), sorted by
    /// stem id, with the field lengths in indexed words.
    fn by_stem<'a>(
        &'a self,
        stem_of: &'a [Option<u32>],
        stems: usize,
    ) -> impl Iterator<Item = SectionTerms> + 'a {
        let mut counting: Vec<[u16; FIELDS]> = vec![[0; FIELDS]; stems];
        let mut touched: Vec<u32> = Vec::new();
        self.sections.iter().map(move |words| {
            let mut len = [0u32; FIELDS];
            for &(word, counts) in words {
                let Some(id) = stem_of[word as usize] else {
                    continue;
                };
                let tf = &mut counting[id as usize];
                if *tf == [0; FIELDS] {
                    touched.push(id);
                }
                for f in 0..FIELDS {
                    tf[f] = tf[f].saturating_add(counts[f]);
                    len[f] += u32::from(counts[f]);
                }
            }
            touched.sort_unstable();
            let tf = touched
                .drain(..)
                .map(|id| (id, std::mem::take(&mut counting[id as usize])))
                .collect();
            SectionTerms { tf, len }
        })
    }
}

#[derive(Serialize)]
struct Meta<'a> {
    v: u32,
    n: usize,
    k: usize,
    c: usize,
    pages: Vec<usize>,
    shards: &'a [String],
}

#[derive(Serialize)]
struct Shard {
    w: String,
    g: Vec<usize>,
    s: String,
    p: Vec<String>,
    /// Word index → the sections whose heading holds that word.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    h: BTreeMap<usize, String>,
}

#[derive(Serialize)]
struct PageData<'a> {
    u: &'a str,
    t: Cow<'a, str>,
    s: Vec<Snippet<'a>>,
}

/// The script text that hands `data` to the loader in `search.js`.
fn script(kind: &str, key: &str, data: &impl Serialize) -> Vec<u8> {
    let json = serde_json::to_vec(data).unwrap_or_else(|_| b"null".to_vec());
    let key = serde_json::to_string(key).unwrap_or_else(|_| "\"\"".to_string());
    let mut out = Vec::with_capacity(json.len() + key.len() + 32);
    out.extend_from_slice(b"__kourseSearch(\"");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\",");
    out.extend_from_slice(key.as_bytes());
    out.push(b',');
    push_inline_safe(&json, &mut out);
    out.extend_from_slice(b");\n");
    out
}

/// Appends JSON text with `</` and U+2028/9 escaped as well (serde_json
/// escapes what a JS string needs), so the file is also safe to inline in
/// a page; in one pass, as the index is megabytes of JSON.
fn push_inline_safe(json: &[u8], out: &mut Vec<u8>) {
    let mut copied = 0;
    for i in memchr::memchr2_iter(b'<', 0xE2, json) {
        match &json[i..json.len().min(i + 3)] {
            [b'<', b'/', ..] => {
                out.extend_from_slice(&json[copied..=i]);
                out.push(b'\\');
                copied = i + 1;
            }
            [0xE2, 0x80, last @ (0xA8 | 0xA9)] => {
                out.extend_from_slice(&json[copied..i]);
                out.extend_from_slice(if *last == 0xA8 {
                    b"\\u2028"
                } else {
                    b"\\u2029"
                });
                copied = i + 3;
            }
            _ => {}
        }
    }
    out.extend_from_slice(&json[copied..]);
}

/// Build the index files. Returns `(path under the site root, contents)`;
/// empty when search is disabled.
pub fn build_index(docs: &[SearchDocument], opts: &SearchOptions) -> Vec<(PathBuf, Vec<u8>)> {
    if !opts.enabled {
        return Vec::new();
    }
    let boosts = [
        clean_boost(opts.boost_title),
        clean_boost(opts.boost_heading),
        clean_boost(opts.boost_body),
        clean_boost(opts.boost_code),
        // A manifest's keys say where a field is used; prose explains it.
        clean_boost(opts.boost_code),
    ];
    // Snippet files, in parallel: they need no term statistics.
    let snippets: Vec<PageData> = docs
        .par_iter()
        .map(|doc| PageData {
            u: &doc.url,
            t: strip_glyphs(&doc.page_title),
            s: sections_of(doc)
                .iter()
                .enumerate()
                .map(|(i, sec)| snippet(doc, sec, i))
                .collect(),
        })
        .collect();
    let mut out: Vec<(PathBuf, Vec<u8>)> = snippets
        .par_chunks(PAGES_PER_SNIPPET_FILE)
        .enumerate()
        .map(|(n, chunk)| {
            (
                PathBuf::from(format!("search/p/{n}.js")),
                script("p", &n.to_string(), &chunk),
            )
        })
        .collect();
    drop(snippets);

    // Term frequencies. Runs of pages are counted on all cores, by word;
    // then each distinct word is stemmed once, in page order; then each
    // section's counts are summed by stem.
    let runs: Vec<&[SearchDocument]> = docs
        .chunks(
            docs.len()
                .div_ceil(rayon::current_num_threads() * 2)
                .max(64),
        )
        .collect();
    let counted: Vec<WordCounts> = runs.par_iter().map(|run| WordCounts::of(run)).collect();
    let mut analyzer = Analyzer::new(&opts.language);
    let mut stem_ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut stems: Vec<String> = Vec::new();
    // surface word → stem id (None: not indexed)
    let mut vocab: FxHashMap<String, Option<u32>> = FxHashMap::default();
    let stem_of_word: Vec<Vec<Option<u32>>> = counted
        .iter()
        .map(|run| {
            run.words
                .iter()
                .map(|word| match vocab.get(word.as_ref()) {
                    Some(id) => *id,
                    None => {
                        let id = analyzer.stem(word).map(|stem| {
                            *stem_ids.entry(stem).or_insert_with_key(|s| {
                                stems.push(s.clone());
                                (stems.len() - 1) as u32
                            })
                        });
                        vocab.insert(word.to_string(), id);
                        id
                    }
                })
                .collect()
        })
        .collect();
    let sections: Vec<SectionTerms> = counted
        .par_iter()
        .zip(&stem_of_word)
        .flat_map_iter(|(run, stem_of)| run.by_stem(stem_of, stems.len()))
        .collect();
    // Per word, the sections whose heading (or page title) holds it as it
    // is: the reader ranks those first for that word, not for every word
    // of its stem ("ready" does not name a section for "readiness").
    let mut named: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    let mut sid = 0u32;
    for run in &counted {
        for words in &run.sections {
            for &(word, tf) in words {
                if tf[TITLE] > 0 || tf[HEADING] > 0 {
                    let list = named.entry(run.words[word as usize].as_ref()).or_default();
                    if list.last() != Some(&sid) {
                        list.push(sid);
                    }
                }
            }
            sid += 1;
        }
    }
    let named: FxHashMap<String, String> = named
        .into_iter()
        .map(|(w, ids)| {
            let mut s = String::new();
            let mut prev = 0;
            for id in ids {
                encode_varint(id - prev, &mut s);
                prev = id;
            }
            (w.to_owned(), s)
        })
        .collect();
    drop(counted);
    let pages: Vec<usize> = docs.iter().map(|d| sections_of(d).len()).collect();
    let vocab: Vec<(&str, u32)> = vocab
        .iter()
        .filter_map(|(w, id)| id.map(|id| (w.as_str(), id)))
        .collect();

    // Average field lengths over sections that have the field.
    let mut avg = [1.0f32; FIELDS];
    for (f, a) in avg.iter_mut().enumerate() {
        let (sum, n) = sections
            .iter()
            .filter(|s| s.len[f] > 0)
            .fold((0u64, 0u64), |(s, n), sec| {
                (s + u64::from(sec.len[f]), n + 1)
            });
        if n > 0 {
            *a = (sum as f32 / n as f32).max(1.0);
        }
    }

    // Postings per stem, in section order.
    let mut postings: Vec<Vec<(u32, u32)>> = vec![Vec::new(); stems.len()];
    for (sid, sec) in sections.iter().enumerate() {
        for &(id, ref tf) in &sec.tf {
            let mut w = 0.0f32;
            for f in 0..FIELDS {
                if tf[f] == 0 {
                    continue;
                }
                let tf_f = f32::from(tf[f]);
                let norm = 1.0 - B + B * sec.len[f] as f32 / avg[f];
                w += boosts[f] * tf_f * (K1 + 1.0) / (tf_f + K1 * norm);
            }
            let q = ((w * WEIGHT_SCALE).round() as u32).clamp(1, MAX_WEIGHT);
            postings[id as usize].push((sid as u32, q));
        }
    }
    let encoded: Vec<String> = postings
        .iter()
        .map(|list| {
            let mut s = String::new();
            let mut prev = 0u32;
            for &(sid, q) in list {
                encode_varint(sid - prev, &mut s);
                encode_varint(q, &mut s);
                prev = sid;
            }
            s
        })
        .collect();

    // Shards: words grouped by key, each shard with the stems its words use.
    let mut by_key: BTreeMap<String, Vec<(&str, u32)>> = BTreeMap::new();
    group_words(vocab, SHARD_KEY_CHARS, &encoded, &mut by_key);
    let by_key: Vec<(String, Vec<(&str, u32)>)> = by_key.into_iter().collect();
    let keys: Vec<String> = by_key.iter().map(|(k, _)| k.clone()).collect();
    let shard_files: Vec<(PathBuf, Vec<u8>)> = by_key
        .into_par_iter()
        .map(|(key, mut list)| {
            list.sort_unstable();
            let mut local: HashMap<u32, usize> = HashMap::new();
            let mut shard = Shard {
                w: String::new(),
                g: Vec::with_capacity(list.len()),
                s: String::new(),
                p: Vec::new(),
                h: BTreeMap::new(),
            };
            for (i, (w, id)) in list.iter().enumerate() {
                if i > 0 {
                    shard.w.push(' ');
                }
                shard.w.push_str(w);
                if let Some(ids) = named.get(*w) {
                    shard.h.insert(i, ids.clone());
                }
                let next = local.len();
                let g = *local.entry(*id).or_insert_with(|| {
                    if next > 0 {
                        shard.s.push(' ');
                    }
                    shard.s.push_str(&stems[*id as usize]);
                    shard.p.push(encoded[*id as usize].clone());
                    next
                });
                shard.g.push(g);
            }
            (
                PathBuf::from(format!("search/t/{}", shard_file_name(&key))),
                script("t", &key, &shard),
            )
        })
        .collect();
    out.extend(shard_files);

    let meta = Meta {
        v: FORMAT_VERSION,
        n: sections.len(),
        k: keys
            .iter()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(SHARD_KEY_CHARS),
        c: PAGES_PER_SNIPPET_FILE,
        pages,
        shards: &keys,
    };
    out.push((PathBuf::from("search/meta.js"), script("m", "", &meta)));
    out
}

#[cfg(test)]
mod tests;

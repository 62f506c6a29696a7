//! Words as the index sees them: split at punctuation, lower-cased,
//! stemmed and stopword-free, camelCase field names also by their parts.

use super::*;

/// Splits text into words the way `search.js` does: maximal runs of
/// alphanumeric characters, lowercased.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Calls `f` with each word of `text` as [`words`] splits it (runs of
/// alphanumeric characters), not lowercased, and whether it already is
/// lowercase ASCII (letters and digits). This runs over every word of the
/// site, so ASCII bytes (nearly all of them) are classified by a table,
/// without decoding a character.
pub(super) fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str, bool)) {
    /// Per byte: 0 not in a word, 1 a lowercase ASCII letter or digit, 2 an
    /// uppercase ASCII letter, 3 part of a character outside ASCII.
    const CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            t[b] = match b as u8 {
                b'a'..=b'z' | b'0'..=b'9' => 1,
                b'A'..=b'Z' => 2,
                0x80..=0xFF => 3,
                _ => 0,
            };
            b += 1;
        }
        t
    };
    let bytes = text.as_bytes();
    let n = bytes.len();
    // The class of the character at `i`, and its length: a table look-up
    // for ASCII, decoding only outside it.
    let class_at = |i: usize| match CLASS[usize::from(bytes[i])] {
        3 => {
            let (in_word, len) = char_at(text, i, char::is_alphanumeric);
            (if in_word { 3 } else { 0 }, len)
        }
        c => (c, 1),
    };
    let mut i = 0;
    while i < n {
        // Up to the next word: a tight loop over the ASCII between words.
        while i < n && CLASS[usize::from(bytes[i])] == 0 {
            i += 1;
        }
        if i == n {
            break;
        }
        let (class, len) = class_at(i);
        if class == 0 {
            i += len;
            continue;
        }
        let start = i;
        let mut plain = class == 1;
        i += len;
        loop {
            // The word's ASCII letters and digits, a byte at a time.
            while i < n && matches!(CLASS[usize::from(bytes[i])], 1 | 2) {
                plain &= CLASS[usize::from(bytes[i])] == 1;
                i += 1;
            }
            if i < n && CLASS[usize::from(bytes[i])] == 3 {
                let (class, len) = class_at(i);
                if class != 0 {
                    plain = false;
                    i += len;
                    continue;
                }
            }
            break;
        }
        f(&text[start..i], plain);
    }
}

/// Whether the character at byte `i` of `text` (a character boundary) is
/// one `test` accepts, and its length in bytes.
pub(super) fn char_at(text: &str, i: usize, test: impl Fn(char) -> bool) -> (bool, usize) {
    match text[i..].chars().next() {
        Some(c) => (test(c), c.len_utf8()),
        None => (false, 1),
    }
}

/// Splits `camelCase`/`PascalCase` identifiers into their parts
/// (`targetPort` → `target`, `port`), lowercased; empty for plain words.
pub(super) fn camel_parts(term: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for word in term.split(|c: char| !c.is_alphanumeric()) {
        let mut cur = String::new();
        let mut prev_lower = false;
        for c in word.chars() {
            if c.is_uppercase() && prev_lower && !cur.is_empty() {
                parts.push(std::mem::take(&mut cur).to_lowercase());
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            cur.push(c);
        }
        if !cur.is_empty() {
            parts.push(cur.to_lowercase());
        }
    }
    if parts.len() < 2 { Vec::new() } else { parts }
}

/// Word → stem (None for stop words and words too short or too long).
pub(super) struct Analyzer {
    pipeline: Option<elasticlunr::Pipeline>,
}

impl Analyzer {
    pub(super) fn new(language: &str) -> Analyzer {
        let pipeline = elasticlunr::lang::from_code(language.trim()).map(|lang| {
            let mut p = lang.make_pipeline();
            // The trimmers strip non-ASCII letters at word ends; our tokenizer
            // already yields clean words, and the browser must see the same.
            p.queue.retain(|f| !f.name().contains("trimmer"));
            p
        });
        Analyzer { pipeline }
    }

    /// The stem of an already-lowercased word, or None if it is not indexed.
    pub(super) fn stem(&mut self, word: &str) -> Option<String> {
        let n = word.chars().count();
        if !(2..=MAX_WORD_CHARS).contains(&n) {
            return None;
        }
        match &self.pipeline {
            Some(p) => p
                .run(vec![word.to_string()])
                .into_iter()
                .next()
                .filter(|s| !s.is_empty()),
            None => Some(word.to_string()),
        }
    }
}

//! Which shard file holds a word: shards keyed by a word's first letters,
//! split further when one grows past its size.

use super::*;

/// File name (without directory) of the shard for `key`: hex of its UTF-8.
pub fn shard_file_name(key: &str) -> String {
    let mut s: String = key.bytes().map(|b| format!("{b:02x}")).collect();
    s.push_str(".js");
    s
}

/// The first `n` characters of a word.
pub fn prefix(word: &str, n: usize) -> &str {
    match word.char_indices().nth(n) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

/// The shard holding `word`, given the shard keys in `meta.js`: its longest
/// prefix that is a key (this is what search.js does).
pub fn shard_for<'a>(word: &'a str, keys: &[String]) -> Option<&'a str> {
    (1..=MAX_SHARD_KEY_CHARS)
        .rev()
        .map(|n| prefix(word, n))
        .find(|p| keys.iter().any(|k| k == p))
}

/// Group `(word, stem)` pairs into shards: by `n`-character prefix, splitting
/// groups whose postings exceed [`SHARD_SPLIT_BYTES`] by one more character.
pub(super) fn group_words<'a>(
    list: Vec<(&'a str, u32)>,
    n: usize,
    encoded: &[String],
    out: &mut BTreeMap<String, Vec<(&'a str, u32)>>,
) {
    let mut by_key: BTreeMap<&str, Vec<(&str, u32)>> = BTreeMap::new();
    for (w, id) in list {
        by_key.entry(prefix(w, n)).or_default().push((w, id));
    }
    for (key, group) in by_key {
        let mut seen = std::collections::HashSet::new();
        let size: usize = group
            .iter()
            .map(|(w, id)| {
                w.len()
                    + 3
                    + if seen.insert(*id) {
                        encoded[*id as usize].len() + 12
                    } else {
                        0
                    }
            })
            .sum();
        if size <= SHARD_SPLIT_BYTES || n >= MAX_SHARD_KEY_CHARS {
            out.insert(key.to_string(), group);
            continue;
        }
        // Words no longer than the key stay; the rest go one level down.
        let (short, long): (Vec<_>, Vec<_>) =
            group.into_iter().partition(|(w, _)| w.chars().count() <= n);
        if !short.is_empty() {
            out.insert(key.to_string(), short);
        }
        group_words(long, n + 1, encoded, out);
    }
}

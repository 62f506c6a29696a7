//! Snippet text for the search index: section text cut to size (prose
//! single-spaced, code by lines), headings without anchor glyphs.

use std::borrow::Cow;

use super::{MAX_CODE_CHARS, MAX_PROSE_CHARS, SearchDocument, SearchSection};

/// `s` with runs of whitespace made single spaces, cut to `max` characters
/// (with `…` when cut). Stops reading at the cut: section texts can be long,
/// and this runs over every section of the site.
pub(super) fn truncate_chars(s: &str, max: usize) -> String {
    single_spaced_prefix(s, max).unwrap_or_else(|| collapse_and_cut(s, max))
}

/// [`truncate_chars`] of a text whose first `max` characters are already
/// single-spaced (as the build's prose is), found in one pass over them;
/// `None` when they are not.
fn single_spaced_prefix(s: &str, max: usize) -> Option<String> {
    let scan = scan_single_spaced(s, max)?;
    let i = scan.end;
    if i == s.len() {
        return (!scan.after_space || i == 0).then(|| s.to_owned());
    }
    // Cut: only if something other than whitespace follows.
    if s[i..].chars().all(char::is_whitespace) {
        return None;
    }
    let mut out = String::with_capacity(i + '…'.len_utf8());
    out.push_str(&s[..i]);
    out.push('…');
    Some(out)
}

/// The number of words of `s` if it is words separated by single ASCII
/// spaces, with no other whitespace and none at either end (text that
/// joining its words with spaces leaves as it is); `None` otherwise, and
/// for any text with a control character below U+0021 (for the caller to
/// split word by word).
pub fn single_spaced_words(s: &str) -> Option<usize> {
    let scan = scan_single_spaced(s, usize::MAX)?;
    (scan.end == s.len() && !s.is_empty() && !scan.after_space).then_some(scan.spaces + 1)
}

/// How far [`scan_single_spaced`] read.
struct SingleSpaced {
    /// Bytes read: all of the text, or its first `max` characters.
    end: usize,
    /// Spaces among them.
    spaces: usize,
    /// Whether the last character read is a space.
    after_space: bool,
}

/// Reads the first `max` characters of `s` (all of it, if shorter) while
/// they are words separated by single ASCII spaces, with none at the
/// start; `None` at the first whitespace that is not such a space.
fn scan_single_spaced(s: &str, max: usize) -> Option<SingleSpaced> {
    let bytes = s.as_bytes();
    // ASCII text (nearly all prose) is checked with whole-slice passes the
    // compiler turns into vector code: characters are bytes there.
    let head = &bytes[..bytes.len().min(max)];
    if head.is_ascii() {
        let (spaces, flaws) = ascii_spaces_and_flaws(head);
        if flaws || head.first() == Some(&b' ') {
            return None;
        }
        return Some(SingleSpaced {
            end: head.len(),
            spaces,
            after_space: head.last().is_none_or(|&b| b == b' '),
        });
    }
    let mut chars = 0;
    let mut spaces = 0;
    let mut after_space = true;
    let mut i = 0;
    while i < bytes.len() {
        // Eight ASCII bytes at a time, while the cut is not among them.
        if chars + 8 <= max
            && let Some(chunk) = bytes.get(i..i + 8)
        {
            const HIGH: u64 = 0x8080_8080_8080_8080;
            let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            if x & HIGH == 0 {
                // High bit of each byte below 0x21 (a space or control);
                // of each space. No byte carries into the next: all < 0x80.
                let low = !(x + 0x5F5F_5F5F_5F5F_5F5F) & HIGH;
                let y = x ^ 0x2020_2020_2020_2020;
                let space_bits = !(((y & !HIGH) + !HIGH) | y) & HIGH;
                if low != space_bits
                    || space_bits & (space_bits << 8) != 0
                    || (after_space && space_bits & 0x80 != 0)
                {
                    return None;
                }
                after_space = space_bits >> 63 != 0;
                spaces += space_bits.count_ones() as usize;
                chars += 8;
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        // Counting the bytes that start characters.
        if b & 0xC0 != 0x80 {
            if chars == max {
                break;
            }
            chars += 1;
            if b <= b' ' {
                if b != b' ' || after_space {
                    return None;
                }
                after_space = true;
                spaces += 1;
            } else {
                after_space = false;
                if b >= 0xC2 && unicode_space_at(bytes, i) {
                    return None;
                }
            }
        }
        i += 1;
    }
    Some(SingleSpaced {
        end: i,
        spaces,
        after_space,
    })
}

/// The spaces in ASCII text, and whether it has what single-spaced text
/// may not: a control character or two spaces in a row. Loops with no early
/// exit, counting in bytes per run of 255: vector code, a fraction of an
/// instruction per byte.
fn ascii_spaces_and_flaws(text: &[u8]) -> (usize, bool) {
    let mut spaces = 0;
    let mut flaws = 0u8;
    for run in text.chunks(255) {
        let mut n = 0u8;
        for &b in run {
            n += u8::from(b == b' ');
            flaws |= u8::from(b < b' ');
        }
        spaces += usize::from(n);
    }
    if let Some(next) = text.get(1..) {
        for (&a, &b) in text.iter().zip(next) {
            flaws |= u8::from(a == b' ') & u8::from(b == b' ');
        }
    }
    (spaces, flaws != 0)
}

/// Whether a whitespace character outside ASCII starts at byte `i`: U+0085,
/// U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
pub(super) fn unicode_space_at(bytes: &[u8], i: usize) -> bool {
    matches!(
        &bytes[i..bytes.len().min(i + 3)],
        [0xC2, 0x85 | 0xA0, ..]
            | [0xE1, 0x9A, 0x80]
            | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
            | [0xE2, 0x81, 0x9F]
            | [0xE3, 0x80, 0x80]
    )
}

/// [`truncate_chars`] of any text, a word at a time.
fn collapse_and_cut(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(max.min(s.len()) + 4);
    let mut chars = 0;
    for word in s.split_whitespace() {
        if chars > 0 {
            if chars == max {
                out.push('…');
                return out;
            }
            out.push(' ');
            chars += 1;
        }
        let n = word.chars().count();
        if chars + n <= max {
            out.push_str(word);
            chars += n;
            continue;
        }
        let end = word
            .char_indices()
            .nth(max - chars)
            .map_or(word.len(), |(i, _)| i);
        out.push_str(&word[..end]);
        out.push('…');
        return out;
    }
    out
}

/// A page's sections; a page without any is searched as one empty
/// section, under its title.
pub(super) fn sections_of<'d>(doc: &'d SearchDocument) -> &'d [SearchSection] {
    static TOP: SearchSection = SearchSection {
        anchor: String::new(),
        heading: String::new(),
        prose: String::new(),
        code: String::new(),
        manifest_terms: Vec::new(),
    };
    if doc.sections.is_empty() {
        std::slice::from_ref(&TOP)
    } else {
        &doc.sections
    }
}

/// The snippet of the `i`-th section of `doc`: anchor, heading, prose and
/// code (its lines kept, so YAML reads as YAML).
pub(super) fn snippet<'d>(
    doc: &'d SearchDocument,
    sec: &'d SearchSection,
    i: usize,
) -> Snippet<'d> {
    let heading = if sec.heading.is_empty() && i == 0 {
        &*doc.page_title
    } else {
        sec.heading.as_str()
    };
    (
        sec.anchor.as_str(),
        strip_glyphs(heading),
        truncate_chars(&sec.prose, MAX_PROSE_CHARS),
        code_lines(&sec.code, MAX_CODE_CHARS),
    )
}

/// A heading without the anchor glyphs a theme may have left in its text
/// ("Pods ¶", "Pods #").
pub(super) fn strip_glyphs(heading: &str) -> Cow<'_, str> {
    const GLYPHS: &[char] = &['¶', '§', '#', '🔗'];
    let trimmed = heading.trim_end_matches(|c: char| GLYPHS.contains(&c) || c.is_whitespace());
    if trimmed.contains('¶') {
        Cow::Owned(trimmed.replace('¶', ""))
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// Code as lines, for a snippet: trailing spaces and blank lines dropped,
/// indentation kept, cut after the last whole line within `max` characters
/// (a first line longer than that is cut with `…`).
pub fn code_lines(code: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for line in code.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let n = line.chars().count() + usize::from(!out.is_empty());
        if chars + n > max {
            if out.is_empty() {
                out = truncate_chars(line, max);
            }
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
        chars += n;
    }
    out
}

/// A section's snippet: anchor, heading, prose, code.
pub(super) type Snippet<'a> = (&'a str, Cow<'a, str>, String, String);

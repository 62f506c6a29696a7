//! Syntax highlighting with syntect, emitting CSS classes.
//!
//! Grammars come from two-face (bat's maintained set, which adds TOML,
//! Dockerfile and more to syntect's defaults) as a precompiled dump, loaded
//! once per process. Highlighting is the most expensive step of a build, so
//! results are cached by content hash ([`HighlightCache`]) and kept between
//! builds outside the output folder.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

pub mod palette;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// Maps the names authors write after ``` to a grammar.
fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let set = syntax_set();
    let lang = lang.trim().to_ascii_lowercase();
    let token = match lang.as_str() {
        "" | "text" | "plain" | "txt" => return None,
        "console" | "shell" | "sh" | "shell-session" | "zsh" => "bash",
        "yml" => "yaml",
        "dockerfile" | "containerfile" => "Dockerfile",
        "golang" => "go",
        "py" => "python",
        "rs" => "rust",
        "js" => "javascript",
        "ts" => "typescript",
        other => other,
    };
    set.find_syntax_by_token(token)
        .or_else(|| set.find_syntax_by_name(token))
        .or_else(|| {
            set.syntaxes()
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(token))
        })
}

/// Whether a language name has a grammar.
pub fn is_known(lang: &str) -> bool {
    find_syntax(lang).is_some()
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    push_escaped(&mut out, text);
    out
}

/// [`escape_html`], appended to `out`.
pub fn push_escaped(out: &mut String, text: &str) {
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut *out, text);
}

/// How many blocks one parallel task highlights, when many are highlighted
/// at once. A block takes tens of microseconds to a few milliseconds, so a
/// few per task keep the cores' queues stealable to the very end.
pub const BLOCKS_PER_TASK: usize = 4;

/// Highlights `code` as `lang`; returns the inner HTML of a `<code>` element.
/// An unknown language renders as escaped plain text.
pub fn highlight_uncached(code: &str, lang: &str) -> String {
    match syntect_html(code, lang) {
        Some(html) => keep_styled_spans(&html),
        None => escape_html(code),
    }
}

/// syntect's own classed HTML for `code`, every scope a span; `None` for
/// a language without a grammar or a grammar that fails on the text.
fn syntect_html(code: &str, lang: &str) -> Option<String> {
    let syntax = find_syntax(lang)?;
    let mut generator =
        ClassedHTMLGenerator::new_with_class_style(syntax, syntax_set(), CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

/// The class lists the stylesheet's selectors ask of one element: the
/// compound selectors (`.hl-entity.hl-name.hl-tag`) of every rule of both
/// themes, descendant parts (`.hl-source.hl-css .hl-string`) each on its
/// own.
fn styled_compounds() -> &'static [Box<[Box<str>]>] {
    static COMPOUNDS: OnceLock<Vec<Box<[Box<str>]>>> = OnceLock::new();
    COMPOUNDS.get_or_init(|| {
        let mut out: Vec<Box<[Box<str>]>> = selectors(&stylesheet())
            .into_iter()
            .flatten()
            .map(|part| part.into_iter().map(Box::from).collect())
            .collect();
        out.sort();
        out.dedup();
        out
    })
}

/// Every selector of `css`, as the `.hl-` classes of each of its
/// compound parts, outermost first. A part that names none (the dark
/// theme's `html[data-theme="dark"]`) is left out: it matches the root,
/// which is always there.
fn selectors(css: &str) -> Vec<Vec<Vec<&str>>> {
    let mut out = Vec::new();
    for (mut list, _) in css_rules(css) {
        // Comments sit between rules, before a selector.
        while let Some(end) = list.find("*/") {
            list = &list[end + 2..];
        }
        for selector in list.split(',') {
            let parts: Vec<Vec<&str>> = selector
                .split_whitespace()
                .map(|part| {
                    part.split('.')
                        .skip(1)
                        .filter(|class| class.starts_with("hl-"))
                        .collect::<Vec<_>>()
                })
                .filter(|part| !part.is_empty())
                .collect();
            if !parts.is_empty() {
                out.push(parts);
            }
        }
    }
    out
}

/// The rules of a flat stylesheet (as syntect writes them, or with a
/// group of them wrapped in one `@media`, as [`stylesheet`] writes the
/// dark theme): each one's selector list as written, with any comment
/// before it, and its block, braces included. The `@media` line and its
/// closing brace are skipped.
fn css_rules(css: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = css;
    std::iter::from_fn(move || {
        loop {
            let open = rest.find('{')?;
            let (selectors, after) = rest.split_at(open);
            let selectors = selectors.trim_start_matches(|c: char| c == '}' || c.is_whitespace());
            let last_part = selectors.rsplit("*/").next().unwrap_or_default();
            if last_part.trim_start().starts_with('@') {
                rest = &after[1..];
                continue;
            }
            let close = after.find('}').map_or(after.len(), |i| i + 1);
            rest = &after[close..];
            return Some((selectors, &after[..close]));
        }
    })
}

/// The classes of `classes` (a span's space-separated list) that some
/// compound selector needs: an atom only counts with the others of a
/// compound that the span has in full. `None` when none is left.
fn styled_part(classes: &str) -> Option<String> {
    let atoms: Vec<&str> = classes.split(' ').collect();
    let mut keep = vec![false; atoms.len()];
    for compound in styled_compounds() {
        let at: Option<Vec<usize>> = compound
            .iter()
            .map(|class| atoms.iter().position(|a| *a == &**class))
            .collect();
        for i in at.into_iter().flatten() {
            keep[i] = true;
        }
    }
    let kept: Vec<&str> = atoms
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(a, _)| *a)
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

/// Rewrites syntect's spans to the classes the stylesheet uses, and drops
/// the spans left with none, with their end tags: syntect gives each span
/// every scope atom (`hl-string hl-unquoted hl-plain hl-out hl-yaml`), and
/// a class no selector needs, or a span no rule matches, changes nothing a
/// reader sees. Measured on the benchmark course: leaving out the classes
/// halved a page; leaving out the spans then took off a further seventh,
/// and a third of the highlight cache.
///
/// HTML not of syntect's shape (only `<span class="…">`, `</span>` and
/// escaped text) is returned as it is.
fn keep_styled_spans(html: &str) -> String {
    thread_local! {
        /// Class list → what is kept of it: a few hundred lists recur on
        /// every page.
        static PARTS: std::cell::RefCell<FxHashMap<Box<str>, Option<Box<str>>>> =
            std::cell::RefCell::new(FxHashMap::default());
    }
    PARTS
        .with(|parts| prune_spans(html, &mut parts.borrow_mut()))
        .unwrap_or_else(|| html.to_owned())
}

fn prune_spans(html: &str, parts: &mut FxHashMap<Box<str>, Option<Box<str>>>) -> Option<String> {
    const OPEN: &str = "<span class=\"";
    const CLOSE: &str = "</span>";
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    // Per open span: whether its tag was kept.
    let mut open: Vec<bool> = Vec::new();
    let mut copied = 0;
    while let Some(off) = memchr::memchr(b'<', &bytes[copied..]) {
        let at = copied + off;
        out.push_str(&html[copied..at]);
        let rest = &html[at..];
        if rest.starts_with(CLOSE) {
            if open.pop()? {
                out.push_str(CLOSE);
            }
            copied = at + CLOSE.len();
            continue;
        }
        let after = rest.strip_prefix(OPEN)?;
        let end = memchr::memchr(b'"', after.as_bytes())?;
        if !after[end..].starts_with("\">") {
            return None;
        }
        let classes = &after[..end];
        let kept = match parts.get(classes) {
            Some(kept) => kept,
            None => parts
                .entry(classes.into())
                .or_insert_with(|| styled_part(classes).map(Box::from)),
        };
        match kept {
            Some(kept) => {
                out.push_str(OPEN);
                out.push_str(kept);
                out.push_str("\">");
                open.push(true);
            }
            None => open.push(false),
        }
        copied = at + OPEN.len() + end + 2;
    }
    if !open.is_empty() {
        return None;
    }
    out.push_str(&html[copied..]);
    Some(out)
}

/// Highlighting results keyed by a hash of language and code.
///
/// Shared between threads during a build; persisted as one file so a warm
/// build reads it in a single call. The entries read from the file stay in
/// the one buffer they were read into (a warm build of 2,000 pages loads
/// 6,000 of them, 49 MB: copying each into its own string was a twentieth
/// of the build), and are handed out borrowed, without a lock.
#[derive(Default, Debug)]
pub struct HighlightCache {
    /// The cache file's entries: their HTML, one after another.
    loaded_text: String,
    /// Key → index into `loaded_spans`.
    loaded_index: HashMap<[u8; 32], usize>,
    /// Per loaded entry: key, and byte range in `loaded_text`.
    loaded_spans: Vec<([u8; 32], std::ops::Range<usize>)>,
    /// Per loaded entry: whether this process has used it.
    loaded_used: Vec<AtomicBool>,
    /// Entries highlighted by this process (shared with the pages that
    /// show them, not copied: a cold build highlights tens of megabytes).
    added: Mutex<HashMap<[u8; 32], Arc<str>>>,
}

/// A highlighting result: borrowed from the cache file's buffer, or shared
/// with the cache.
#[derive(Debug, Clone)]
pub enum Highlighted<'a> {
    Loaded(&'a str),
    Added(Arc<str>),
}

impl std::ops::Deref for Highlighted<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Highlighted::Loaded(s) => s,
            Highlighted::Added(s) => s,
        }
    }
}

impl PartialEq for Highlighted<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// The cache file's format and what its entries hold: bumped when
/// highlighting output changes, so entries of an older kourse are not
/// reused.
const CACHE_MAGIC: &[u8; 8] = b"KRSHL003";

impl HighlightCache {
    pub fn new() -> Self {
        Self::default()
    }

    fn key(code: &str, lang: &str) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(lang.as_bytes());
        h.update(&[0]);
        h.update(code.as_bytes());
        *h.finalize().as_bytes()
    }

    /// Highlighted HTML for `code`, computed at most once per content.
    pub fn highlight(&self, code: &str, lang: &str) -> Highlighted<'_> {
        let key = Self::key(code, lang);
        if let Some(&i) = self.loaded_index.get(&key) {
            self.loaded_used[i].store(true, Ordering::Relaxed);
            return Highlighted::Loaded(&self.loaded_text[self.loaded_spans[i].1.clone()]);
        }
        if let Some(hit) = self
            .added
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Highlighted::Added(hit.clone());
        }
        let html: Arc<str> = Arc::from(highlight_uncached(code, lang));
        self.added
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, html.clone());
        Highlighted::Added(html)
    }

    /// Number of entries: read from the file, and highlighted since.
    pub fn len(&self) -> usize {
        self.loaded_spans.len() + self.added.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Loads a cache file; a missing or corrupt file gives an empty cache
    /// (the cache is only ever an optimisation).
    pub fn load(path: &Path) -> Self {
        let Ok(bytes) = std::fs::read(path) else {
            return Self::new();
        };
        Self::from_file_bytes(bytes).unwrap_or_default()
    }

    /// The entries of a cache file: records of key (32 bytes), length (u32,
    /// little-endian) and UTF-8 HTML. The records are moved together to
    /// the front of the buffer, which then holds their text and nothing
    /// else.
    fn from_file_bytes(mut bytes: Vec<u8>) -> Option<Self> {
        let body = bytes.strip_prefix(CACHE_MAGIC.as_slice())?.len();
        let mut read = CACHE_MAGIC.len();
        let mut write = 0;
        let mut spans = Vec::new();
        while read < CACHE_MAGIC.len() + body {
            let header = bytes.get(read..read + 36)?;
            let mut key = [0u8; 32];
            key.copy_from_slice(&header[..32]);
            let len = u32::from_le_bytes([header[32], header[33], header[34], header[35]]) as usize;
            let from = read + 36;
            std::str::from_utf8(bytes.get(from..from + len)?).ok()?;
            bytes.copy_within(from..from + len, write);
            spans.push((key, write..write + len));
            write += len;
            read = from + len;
        }
        bytes.truncate(write);
        // Each entry was checked to be UTF-8, and they are whole entries
        // back to back.
        let loaded_text = String::from_utf8(bytes).ok()?;
        let loaded_index = spans
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (*k, i))
            .collect();
        let loaded_used = spans.iter().map(|_| AtomicBool::new(false)).collect();
        Some(HighlightCache {
            loaded_text,
            loaded_index,
            loaded_spans: spans,
            loaded_used,
            added: Mutex::default(),
        })
    }

    /// Writes the entries used since loading (so the file does not grow
    /// without bound), through a temporary file renamed into place.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let added = self.added.lock().unwrap_or_else(|e| e.into_inner());
        let used_loaded = self
            .loaded_used
            .iter()
            .filter(|u| u.load(Ordering::Relaxed))
            .count();
        let unchanged =
            added.is_empty() && used_loaded == self.loaded_spans.len() && used_loaded > 0;
        if unchanged && path.is_file() {
            return Ok(());
        }
        let mut entries: Vec<(&[u8; 32], &str)> = self
            .loaded_spans
            .iter()
            .zip(&self.loaded_used)
            .filter(|(_, used)| used.load(Ordering::Relaxed))
            .map(|((key, range), _)| (key, &self.loaded_text[range.clone()]))
            .chain(added.iter().map(|(key, html)| (key, &**html)))
            .collect();
        entries.sort_unstable_by_key(|(key, _)| *key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            // Tens of megabytes after a cold build: written a megabyte at a
            // time, not in the default 8 KiB (thousands of system calls).
            let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
            w.write_all(CACHE_MAGIC)?;
            for (key, html) in entries {
                w.write_all(key)?;
                w.write_all(&(html.len() as u32).to_le_bytes())?;
                w.write_all(html.as_bytes())?;
            }
            w.flush()?;
        }
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// The stylesheet for highlighted code: a light theme, and a dark theme that
/// applies when the page is in dark mode.
pub fn stylesheet() -> String {
    let themes = two_face::theme::extra();
    let light = themes.get(two_face::theme::EmbeddedThemeName::InspiredGithub);
    let dark = themes.get(two_face::theme::EmbeddedThemeName::OneHalfDark);
    let light_css = css_for_theme_with_class_style(light, CLASS_STYLE).unwrap_or_default();
    let dark_css = css_for_theme_with_class_style(dark, CLASS_STYLE).unwrap_or_default();
    // The themes' colours, each moved as little as it takes to reach WCAG
    // AA contrast on the code box (the light palette is also the paper's).
    let light_css = palette::meet_contrast(&light_css, palette::LIGHT_BG);
    let dark_css = palette::meet_contrast(&dark_css, palette::DARK_BG);
    let mut out = String::from(
        "/* Generated by kourse from the InspiredGithub and OneHalfDark themes, colours adjusted to 4.5:1 contrast. */\n",
    );
    out.push_str(&light_css);
    // Dark on screens only: a page printed in dark mode prints light.
    out.push_str("\n/* Dark mode */\n@media not print {\n");
    out.push_str(&scope_css(&dark_css, "html[data-theme=\"dark\"]"));
    out.push_str("}\n");
    out
}

/// Prefixes every selector of a flat stylesheet with `scope`.
fn scope_css(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() * 2);
    for (selectors, block) in css_rules(css) {
        let scoped = selectors
            .split(',')
            .map(|s| {
                let s = s.trim();
                if s.starts_with("/*") {
                    // A comment before the selector: keep it, scope what follows.
                    match s.rfind("*/") {
                        Some(end) => format!("{}\n{scope} {}", &s[..end + 2], s[end + 2..].trim()),
                        None => s.to_owned(),
                    }
                } else {
                    format!("{scope} {s}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&scoped);
        out.push(' ');
        out.push_str(block);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;

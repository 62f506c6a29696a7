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

use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

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
    pulldown_cmark_escape::escape_html(&mut out, text).ok();
    out
}

/// Highlights `code` as `lang`; returns the inner HTML of a `<code>` element.
/// An unknown language renders as escaped plain text.
pub fn highlight_uncached(code: &str, lang: &str) -> String {
    let Some(syntax) = find_syntax(lang) else {
        return escape_html(code);
    };
    let mut generator =
        ClassedHTMLGenerator::new_with_class_style(syntax, syntax_set(), CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return escape_html(code);
        }
    }
    keep_styled_classes(&generator.finalize())
}

/// The class names the stylesheet uses. syntect gives each span every
/// scope atom (`hl-string hl-unquoted hl-plain hl-out hl-yaml`); atoms no
/// rule of either theme names cannot change how a span looks, and they were
/// half of a page's bytes.
fn styled_classes() -> &'static std::collections::HashSet<String> {
    static CLASSES: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let css = stylesheet();
        let mut out = std::collections::HashSet::new();
        let mut rest = css.as_str();
        while let Some(at) = rest.find(".hl-") {
            let name = &rest[at + 1..];
            let len = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(name.len());
            out.insert(name[..len].to_owned());
            rest = &name[len..];
        }
        out
    })
}

/// Rewrites the `<span class="…">` tags of syntect's output to the classes
/// the stylesheet uses; a span left with none keeps no attribute.
fn keep_styled_classes(html: &str) -> String {
    const OPEN: &str = "<span class=\"";
    let styled = styled_classes();
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let Some(end) = after.find('"') else {
            // Not syntect's shape: leave the rest as it is.
            out.push_str(&rest[at..]);
            return out;
        };
        let mut kept = after[..end]
            .split(' ')
            .filter(|c| styled.contains(*c))
            .peekable();
        if kept.peek().is_none() {
            out.push_str("<span");
        } else {
            out.push_str(OPEN);
            for (i, class) in kept.enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(class);
            }
            out.push('"');
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
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
    added: Mutex<HashMap<[u8; 32], Arc<String>>>,
}

/// A highlighting result: borrowed from the cache file's buffer, or shared
/// with the cache.
#[derive(Debug, Clone)]
pub enum Highlighted<'a> {
    Loaded(&'a str),
    Added(Arc<String>),
}

impl std::ops::Deref for Highlighted<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Highlighted::Loaded(s) => s,
            Highlighted::Added(s) => s.as_str(),
        }
    }
}

impl PartialEq for Highlighted<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

const CACHE_MAGIC: &[u8; 8] = b"KRSHL002";

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
        let html = Arc::new(highlight_uncached(code, lang));
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
            .chain(added.iter().map(|(key, html)| (key, html.as_str())))
            .collect();
        entries.sort_unstable_by_key(|(key, _)| *key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            let mut w = std::io::BufWriter::new(tmp.as_file_mut());
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
    let mut out =
        String::from("/* Generated by kourse from the InspiredGithub and OneHalfDark themes. */\n");
    out.push_str(&light_css);
    out.push_str("\n/* Dark mode */\n");
    out.push_str(&scope_css(&dark_css, "html[data-theme=\"dark\"]"));
    out
}

/// Prefixes every selector of a flat stylesheet with `scope`.
fn scope_css(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() * 2);
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let (selectors, after) = rest.split_at(open);
        let close = after.find('}').map_or(after.len(), |i| i + 1);
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
        out.push_str(&after[..close]);
        out.push('\n');
        rest = &after[close..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_languages_have_grammars() {
        for lang in [
            "yaml",
            "bash",
            "sh",
            "console",
            "dockerfile",
            "json",
            "toml",
            "go",
            "python",
            "rust",
        ] {
            assert!(is_known(lang), "no grammar for {lang}");
        }
    }

    #[test]
    fn yaml_gets_classes() {
        let html = highlight_uncached("kind: Pod\n", "yaml");
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(html.contains("Pod"));
    }

    #[test]
    fn spans_keep_only_the_classes_the_stylesheet_uses() {
        let html = highlight_uncached("kind: Pod # a comment\n", "yaml");
        let styled = styled_classes();
        assert!(styled.contains("hl-comment") && !styled.contains("hl-yaml"));
        let mut classes = Vec::new();
        let mut rest = html.as_str();
        while let Some(at) = rest.find("class=\"") {
            let value = &rest[at + 7..];
            let end = value.find('"').unwrap();
            classes.extend(value[..end].split(' ').map(str::to_owned));
            rest = &value[end..];
        }
        assert!(classes.iter().any(|c| c == "hl-comment"), "{html}");
        assert!(classes.iter().all(|c| styled.contains(c)), "{html}");
        assert_eq!(
            keep_styled_classes(
                "<span class=\"hl-yaml\">a</span><span class=\"hl-comment hl-yaml\">b</span>"
            ),
            "<span>a</span><span class=\"hl-comment\">b</span>"
        );
    }

    #[test]
    fn unknown_language_is_escaped_text() {
        assert_eq!(
            highlight_uncached("<b>&</b>", "nonesuch"),
            "&lt;b&gt;&amp;&lt;/b&gt;"
        );
    }

    #[test]
    fn cache_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hl.bin");
        let cache = HighlightCache::new();
        let a = cache.highlight("a: 1\n", "yaml");
        cache.save(&path).unwrap();
        let loaded = HighlightCache::load(&path);
        assert_eq!(loaded.len(), 1);
        assert!(matches!(
            loaded.highlight("a: 1\n", "yaml"),
            Highlighted::Loaded(_)
        ));
        assert_eq!(loaded.highlight("a: 1\n", "yaml"), a);
        assert_eq!(loaded.len(), 1, "a hit adds nothing");
    }

    #[test]
    #[cfg(unix)]
    fn cache_file_is_rewritten_only_when_its_content_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hl.bin");
        let first = HighlightCache::new();
        first.highlight("a: 1\n", "yaml");
        first.highlight("b: 2\n", "yaml");
        first.save(&path).unwrap();
        // Saving goes through a new file renamed into place: a new inode.
        use std::os::unix::fs::MetadataExt;
        let written = std::fs::metadata(&path).unwrap().ino();
        // The same blocks again: nothing to write.
        let same = HighlightCache::load(&path);
        same.highlight("a: 1\n", "yaml");
        same.highlight("b: 2\n", "yaml");
        same.save(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), written);
        // One block fewer: the file shrinks to what was used.
        let fewer = HighlightCache::load(&path);
        fewer.highlight("a: 1\n", "yaml");
        fewer.save(&path).unwrap();
        assert_eq!(HighlightCache::load(&path).len(), 1);
        // A new block: written.
        let more = HighlightCache::load(&path);
        more.highlight("c: 3\n", "yaml");
        more.save(&path).unwrap();
        let reloaded = HighlightCache::load(&path);
        assert_eq!(reloaded.len(), 1);
        assert!(matches!(
            reloaded.highlight("c: 3\n", "yaml"),
            Highlighted::Loaded(_)
        ));
    }

    #[test]
    fn a_damaged_cache_file_loads_as_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hl.bin");
        let cache = HighlightCache::new();
        cache.highlight("a: 1\n", "yaml");
        cache.highlight("b: 2\n", "yaml");
        cache.save(&path).unwrap();
        let good = std::fs::read(&path).unwrap();
        assert_eq!(HighlightCache::load(&path).len(), 2);
        for bad in [
            good[..good.len() - 3].to_vec(),
            good[..good.len() - 40].to_vec(),
            [b"KRSHL001".as_slice(), &good[8..]].concat(),
            {
                let mut b = good.clone();
                *b.last_mut().unwrap() = 0xff;
                b
            },
        ] {
            std::fs::write(&path, &bad).unwrap();
            let loaded = HighlightCache::load(&path);
            assert!(loaded.is_empty());
            assert_eq!(
                &*loaded.highlight("a: 1\n", "yaml"),
                highlight_uncached("a: 1\n", "yaml")
            );
        }
    }

    #[test]
    fn dark_css_is_scoped() {
        let css = stylesheet();
        assert!(
            css.contains("html[data-theme=\"dark\"] .hl-"),
            "{}",
            &css[..400.min(css.len())]
        );
    }
}

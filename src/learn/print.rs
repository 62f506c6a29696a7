//! The one-page edition, `print.html`: every page in reading order, with
//! ids prefixed per page so they stay unique and internal links rewritten
//! to in-page anchors.

use std::collections::HashMap;

use serde::Serialize;

use crate::content::Course;
use crate::markdown::links::{dir_of, is_external, resolve};

/// Where the one-page edition is published.
pub const PRINT_PAGE: &str = "print.html";

/// One page of the course inside print.html.
#[derive(Debug, Clone, Serialize)]
pub struct PrintChapter {
    /// The id of the page's section in print.html.
    pub id: String,
    pub title: String,
    /// A chapter (section) starts on a new printed page.
    pub is_chapter: bool,
    /// Nesting depth (0 for the home page).
    pub depth: usize,
    pub objectives: Vec<String>,
    /// The page's HTML with ids and links rewritten.
    pub content: String,
}

/// The id prefix of the `n`-th page in reading order.
pub fn page_id(n: usize) -> String {
    format!("c{n}")
}

/// Every page in reading order; `html[page.id]` is the page's rendered body.
pub fn chapters(course: &Course, html: &[&str]) -> Vec<PrintChapter> {
    let ids = page_prefixes(course);
    (0..course.order.len())
        .map(|n| {
            let mut c = chapter_frame(course, n);
            c.content = chapter_content(course, html, &ids, n);
            c
        })
        .collect()
}

/// Page URL → the id prefix of its part of print.html.
pub fn page_prefixes(course: &Course) -> HashMap<&str, String> {
    course
        .order
        .iter()
        .enumerate()
        .map(|(n, &id)| (course.pages[id].url.as_str(), page_id(n)))
        .collect()
}

/// The `n`-th page in reading order, without its content.
pub fn chapter_frame(course: &Course, n: usize) -> PrintChapter {
    let page = &course.pages[course.order[n]];
    PrintChapter {
        id: page_id(n),
        title: page.front.title.clone(),
        is_chapter: page.is_section && page.depth > 0,
        depth: page.depth,
        objectives: page.front.objectives.clone(),
        content: String::new(),
    }
}

/// The `n`-th page's body as it reads inside print.html.
pub fn chapter_content(
    course: &Course,
    html: &[&str],
    ids: &HashMap<&str, String>,
    n: usize,
) -> String {
    let id = course.order[n];
    rewrite(
        html.get(id).copied().unwrap_or(""),
        &course.pages[id].url,
        &page_id(n),
        ids,
    )
}

/// Attributes whose values are ids (or lists of ids).
const ID_ATTRS: &[&str] = &[
    "id",
    "for",
    "aria-describedby",
    "aria-labelledby",
    "aria-controls",
    "aria-owns",
    "list",
    "form",
];
/// Attributes whose values are URLs.
const URL_ATTRS: &[&str] = &["href", "src", "poster", "data"];

/// Rewrites a page's HTML for print.html: ids get `prefix-`, links to
/// pages become `#their-prefix[-anchor]`, other relative URLs become
/// relative to the site root. `pages` maps page URLs to their prefixes.
pub fn rewrite(html: &str, page_url: &str, prefix: &str, pages: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while let Some(off) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + off;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            i = memchr::memmem::find(&bytes[start..], b"-->").map_or(html.len(), |e| start + e + 3);
            continue;
        }
        let Some(&next) = bytes.get(start + 1) else {
            break;
        };
        if !next.is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        // Highlighted code holds only the highlighter's spans and the
        // field tooltips (no ids, no links) and is most of a page's tags:
        // copied up to its end tag, without the tooltips. On paper they
        // never show, and they were over a quarter of the edition.
        if rest.starts_with(HIGHLIGHTED) {
            let end = PRE_END
                .find(&bytes[start..])
                .map_or(html.len(), |e| start + e);
            out.push_str(&html[copied..start]);
            crate::manifests::push_without_tooltips(&mut out, &html[start..end]);
            copied = end;
            i = end;
            continue;
        }
        // Most other tags are spans with a class and nothing else: nothing
        // to rewrite.
        if let Some(len) = class_only_span(&rest.as_bytes()[..rest.len().min(256)]) {
            i = start + len;
            continue;
        }
        let end = tag_end(html, start);
        let tag = &html[start..end];
        let name_len = tag[1..]
            .bytes()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
        let name = &tag[1..1 + name_len];
        let rewritten = rewrite_tag(tag, page_url, prefix, pages);
        if let Some(t) = rewritten {
            out.push_str(&html[copied..start]);
            out.push_str(&t);
            copied = end;
        }
        i = end;
        // Raw text elements: skip to their end tag.
        if name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style") {
            i = find_end_tag(html, i, name);
        }
    }
    out.push_str(&html[copied..]);
    out
}

/// Where highlighted code ends; the finder is made once (making one costs
/// more than most of its searches).
static PRE_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"</pre>"));

/// How the highlighted code blocks of kourse's own rendering begin
/// (`markdown::code_figure`, `manifests::figure`).
const HIGHLIGHTED: &str = "<pre class=\"hl\"><code";

/// The length of the tag at the start of `bytes` if it is exactly
/// `<span class="…">` (no other attribute, no quote or `>` in the value).
fn class_only_span(bytes: &[u8]) -> Option<usize> {
    const OPEN: &[u8] = b"<span class=\"";
    let rest = bytes.strip_prefix(OPEN)?;
    let close = rest.iter().position(|&b| b == b'"' || b == b'>')?;
    (rest[close] == b'"' && rest.get(close + 1) == Some(&b'>')).then_some(OPEN.len() + close + 2)
}

/// Byte index of the `</name` (any case) that ends a raw text element whose
/// content starts at `from`; the end of `html` if there is none.
fn find_end_tag(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut at = from;
    while let Some(off) = html[at..].find("</") {
        let start = at + off;
        let tail = &bytes[start + 2..];
        if tail.len() >= name.len() && tail[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return start;
        }
        at = start + 2;
    }
    html.len()
}

/// Byte index just past the `>` closing the tag at `start` (quotes respected).
fn tag_end(html: &str, start: usize) -> usize {
    let bytes = html.as_bytes();
    let mut at = start;
    // From quote to quote: most tags here carry attributes.
    while let Some(k) = memchr::memchr3(b'>', b'"', b'\'', &bytes[at..]) {
        let b = bytes[at + k];
        if b == b'>' {
            return at + k + 1;
        }
        match memchr::memchr(b, &bytes[at + k + 1..]) {
            Some(close) => at += k + 1 + close + 1,
            None => return html.len(),
        }
    }
    html.len()
}

/// The tag with its id and URL attributes rewritten; `None` if unchanged.
fn rewrite_tag(
    tag: &str,
    page_url: &str,
    prefix: &str,
    pages: &HashMap<&str, String>,
) -> Option<String> {
    let b = tag.as_bytes();
    let mut k = 1;
    while k < b.len() && !b[k].is_ascii_whitespace() && b[k] != b'>' && b[k] != b'/' {
        k += 1;
    }
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    loop {
        while k < b.len() && (b[k].is_ascii_whitespace() || b[k] == b'/') {
            k += 1;
        }
        if k >= b.len() || b[k] == b'>' {
            break;
        }
        let name_start = k;
        while k < b.len()
            && !b[k].is_ascii_whitespace()
            && b[k] != b'='
            && b[k] != b'>'
            && b[k] != b'/'
        {
            k += 1;
        }
        let name = &tag[name_start..k];
        while k < b.len() && b[k].is_ascii_whitespace() {
            k += 1;
        }
        if k >= b.len() || b[k] != b'=' {
            continue;
        }
        k += 1;
        while k < b.len() && b[k].is_ascii_whitespace() {
            k += 1;
        }
        let (vs, ve) = if k < b.len() && (b[k] == b'"' || b[k] == b'\'') {
            let q = b[k];
            let vs = k + 1;
            let ve = tag[vs..].find(q as char).map_or(tag.len(), |e| vs + e);
            k = (ve + 1).min(b.len());
            (vs, ve)
        } else {
            let vs = k;
            while k < b.len() && !b[k].is_ascii_whitespace() && b[k] != b'>' {
                k += 1;
            }
            (vs, k)
        };
        let value = &tag[vs..ve];
        let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        let new = if is(ID_ATTRS) {
            Some(
                value
                    .split_whitespace()
                    .map(|id| format!("{prefix}-{id}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        } else if is(URL_ATTRS) {
            rewrite_url(value, page_url, prefix, pages)
        } else {
            None
        };
        if let Some(n) = new {
            if n != value {
                edits.push((vs, ve, n));
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(tag.len() + 32);
    let mut last = 0;
    for (s, e, n) in edits {
        out.push_str(&tag[last..s]);
        out.push_str(&n);
        last = e;
    }
    out.push_str(&tag[last..]);
    Some(out)
}

/// A URL of a page as it must read in print.html.
pub fn rewrite_url(
    value: &str,
    page_url: &str,
    prefix: &str,
    pages: &HashMap<&str, String>,
) -> Option<String> {
    if value.is_empty() || is_external(value) {
        return None;
    }
    if let Some(frag) = value.strip_prefix('#') {
        return Some(if frag.is_empty() {
            format!("#{prefix}")
        } else {
            format!("#{prefix}-{frag}")
        });
    }
    let (path, frag) = match value.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (value, None),
    };
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let target = resolve(dir_of(page_url), path)?;
    if let Some(tp) = pages.get(target.as_str()) {
        return Some(match frag {
            Some(f) if !f.is_empty() => format!("#{tp}-{f}"),
            _ => format!("#{tp}"),
        });
    }
    let mut out = target;
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = frag {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_only_spans_are_recognised_exactly() {
        assert_eq!(class_only_span(b"<span class=\"hl-a hl-b\">x"), Some(24));
        assert_eq!(class_only_span(b"<span class=\"a\" id=\"b\">"), None);
        assert_eq!(class_only_span(b"<span class=\"a>"), None);
        assert_eq!(class_only_span(b"<span id=\"a\">"), None);
        assert_eq!(class_only_span(b"<span class=\"unterminated"), None);
        let pages = HashMap::new();
        let html = "<span class=\"k\">a</span><span class=\"k\" id=\"x\">b</span>";
        assert_eq!(
            rewrite(html, "a.html", "c1", &pages),
            "<span class=\"k\">a</span><span class=\"k\" id=\"c1-x\">b</span>"
        );
    }

    #[test]
    fn highlighted_code_is_copied_without_tooltips_and_what_follows_it_rewritten() {
        let pages: HashMap<&str, String> = [("a/b.html", "c1".to_owned())].into_iter().collect();
        let code = "<pre class=\"hl\"><code class=\"language-yaml\"><span class=\"hl-k\">a</span>: <span class=\"field\" tabindex=\"0\">b<span class=\"field-doc\" role=\"tooltip\"><span class=\"field-path\">a.b</span> <span class=\"field-type\">string</span><br>A &lt;b&gt; id=\"x\"</span></span>\n<span class=\"field\" tabindex=\"0\">cut</span> <a id=\"kept\">\n</code></pre>";
        let printed = "<pre class=\"hl\"><code class=\"language-yaml\"><span class=\"hl-k\">a</span>: b\n<span>cut</span> <a id=\"kept\">\n</code></pre>";
        let html = format!("{code}<p id=\"after\"><a href=\"#after\">a</a></p>{code}");
        let out = rewrite(&html, "a/b.html", "c1", &pages);
        assert_eq!(
            out,
            format!("{printed}<p id=\"c1-after\"><a href=\"#c1-after\">a</a></p>{printed}")
        );
    }

    #[test]
    fn rewrites_ids_and_links() {
        let pages: HashMap<&str, String> = [
            ("a/b.html", "c1".to_owned()),
            ("index.html", "c0".to_owned()),
        ]
        .into_iter()
        .collect();
        let html = "<h2 id=\"x\">X<a class=\"anchor\" href=\"#x\">#</a></h2><p><a href=\"../index.html#top\">home</a> <a href=\"https://k8s.io\">k</a> <img src=\"../img/p.svg\" alt=\"a > b\"> <label for=\"q\">q</label></p><!-- <a href=\"#no\"> -->";
        let out = rewrite(html, "a/b.html", "c1", &pages);
        assert!(out.contains("id=\"c1-x\""), "{out}");
        assert!(out.contains("href=\"#c1-x\""), "{out}");
        assert!(out.contains("href=\"#c0-top\""), "{out}");
        assert!(out.contains("href=\"https://k8s.io\""), "{out}");
        assert!(out.contains("src=\"img/p.svg\""), "{out}");
        assert!(out.contains("for=\"c1-q\""), "{out}");
        assert!(out.contains("<!-- <a href=\"#no\"> -->"), "{out}");
        assert_eq!(
            rewrite_url("b.html", "a/b.html", "c1", &pages).as_deref(),
            Some("#c1")
        );
    }
}

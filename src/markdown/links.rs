//! Resolving the links an author writes by source path to output URLs.

/// Joins a relative path to a base folder and normalises `.` and `..`.
/// Returns `None` when the path climbs above the root.
pub fn resolve(base_dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base_dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Folder part of a `/`-separated path (`a/b/c.md` → `a/b`).
pub fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// A relative URL from the page at `from` to `to` (both relative to the
/// site root), so the site works from `file://` and under any base path.
pub fn relative_url(from: &str, to: &str) -> String {
    let mut out = String::with_capacity(to.len() + 12);
    push_relative_url(&mut out, from, to);
    out
}

/// [`relative_url`], appended to `out` (every page links to dozens of
/// others: no list of segments, no string of its own).
pub fn push_relative_url(out: &mut String, from: &str, to: &str) {
    let from_dirs = dir_of(from).split('/').filter(|s| !s.is_empty());
    let mut ups = from_dirs.clone().count();
    // Past the segments `to` shares with the folder of `from`.
    let mut tail_at = 0;
    for (dir, seg) in from_dirs.zip(to.split('/')) {
        if dir != seg {
            break;
        }
        ups -= 1;
        tail_at += seg.len() + 1;
    }
    let tail = to.get(tail_at..).unwrap_or("");
    if ups == 0 && tail.is_empty() {
        // `to` is a folder of `from`: its last segment.
        out.push_str(to.rsplit('/').next().unwrap_or(""));
        return;
    }
    for _ in 0..ups {
        out.push_str("../");
    }
    out.push_str(tail);
}

/// The relative path from a page to the site root: `""`, `"../"`, …
pub fn root_of(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// Whether a link destination has a scheme (`https:`, `mailto:`) or is
/// protocol-relative, and so is not ours to check.
pub fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.find(':') {
        Some(i) => {
            let scheme = &dest[..i];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !dest[..i].contains('/')
        }
        None => false,
    }
}

/// Why a link or image destination may not reach a page, if it may not:
/// only relative URLs, fragments, `http(s):` and `mailto:` (and `data:image/…`
/// for images) are let through. The scheme is read as a browser reads it:
/// tabs and newlines anywhere are dropped, leading spaces and control
/// characters are skipped, and case does not matter (entities are already
/// decoded by the Markdown parser).
pub fn refused_url(dest: &str, image: bool) -> Option<String> {
    // Most links (relative paths, anchors) have no colon: no scheme at all.
    if !dest.contains(':') {
        return None;
    }
    let cleaned: std::borrow::Cow<'_, str> = if dest.contains(['\t', '\n', '\r']) {
        dest.chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect::<String>()
            .into()
    } else {
        dest.into()
    };
    let cleaned = cleaned.trim_start_matches(|c: char| c <= ' ');
    let colon = cleaned.find(':')?;
    let scheme = &cleaned[..colon];
    let mut chars = scheme.chars();
    let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        // `a/b:c`, `:x`: a relative path, not a scheme.
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = cleaned[colon + 1..].trim_start().to_ascii_lowercase();
    match scheme.as_str() {
        "http" | "https" | "mailto" => None,
        "data" if image && rest.starts_with("image/") => None,
        _ => Some(format!(
            "`{scheme}:` URLs are not allowed here; links and images may be relative, #fragments, http(s): or mailto:{}",
            if image { " (or data:image/…)" } else { "" }
        )),
    }
}

/// `ev` with the destination of a link or image replaced by `f(dest,
/// is_image)`; other events as they are.
pub fn map_dest<'a>(
    ev: pulldown_cmark::Event<'a>,
    f: impl FnOnce(pulldown_cmark::CowStr<'a>, bool) -> pulldown_cmark::CowStr<'a>,
) -> pulldown_cmark::Event<'a> {
    use pulldown_cmark::{Event, Tag};
    match ev {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: f(dest_url, false),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: f(dest_url, true),
            title,
            id,
        }),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_urls_are_refused_in_every_spelling() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:x",
            "\u{1}javascript:x",
            "java\tscript:x",
            "java\nscript:x",
            "vbscript:msgbox",
            "data:text/html,<script>",
            "file:///etc/passwd",
        ] {
            assert!(refused_url(bad, false).is_some(), "{bad:?} let through");
        }
        assert!(refused_url("data:text/html,x", true).is_some());
        for ok in [
            "https://kubernetes.io",
            "HTTP://x",
            "mailto:a@b.c",
            "#top",
            "pods.md#x",
            "../a/b.md",
            "/img/x.svg",
            "a/b:c.md",
            "x.html?q=a:b",
        ] {
            assert_eq!(refused_url(ok, false), None, "{ok}");
        }
        assert_eq!(refused_url("data:image/png;base64,AAAA", true), None);
    }

    #[test]
    fn resolves_relative_paths() {
        assert_eq!(
            resolve("a/b", "../c/_index.md").as_deref(),
            Some("a/c/_index.md")
        );
        assert_eq!(resolve("a", "./x.md").as_deref(), Some("a/x.md"));
        assert_eq!(resolve("", "../x.md"), None);
        assert_eq!(resolve("a/b", "/img/x.svg").as_deref(), Some("img/x.svg"));
    }

    #[test]
    fn relative_urls() {
        assert_eq!(relative_url("a/b.html", "a/c.html"), "c.html");
        assert_eq!(relative_url("a/b.html", "d/index.html"), "../d/index.html");
        assert_eq!(relative_url("index.html", "d/index.html"), "d/index.html");
        assert_eq!(relative_url("a/b/c.html", "index.html"), "../../index.html");
        assert_eq!(relative_url("a/b.html", "a/b.html"), "b.html");
        assert_eq!(root_of("a/b/c.html"), "../../");
        assert_eq!(root_of("index.html"), "");
    }

    /// The way relative URLs were made before [`push_relative_url`]: from
    /// lists of segments.
    fn relative_url_by_segments(from: &str, to: &str) -> String {
        let from_dir: Vec<&str> = dir_of(from).split('/').filter(|s| !s.is_empty()).collect();
        let to_parts: Vec<&str> = to.split('/').collect();
        let common = from_dir
            .iter()
            .zip(to_parts.iter())
            .take_while(|(a, b)| a == b)
            .count();
        let mut out = "../".repeat(from_dir.len() - common);
        out.push_str(&to_parts[common..].join("/"));
        if out.is_empty() {
            to_parts.last().copied().unwrap_or("").to_owned()
        } else {
            out
        }
    }

    #[test]
    fn relative_urls_agree_with_segment_lists_on_every_pair() {
        let paths = [
            "",
            "index.html",
            "a.html",
            "a/index.html",
            "a/b.html",
            "a/b/c.html",
            "a/b/index.html",
            "a/c/d.html",
            "b/a.html",
            "a",
            "a/b",
            "a/",
            "/a/b.html",
            "a//b.html",
            "ab/c.html",
            "a/bc.html",
        ];
        let mut appended = String::from("x");
        for from in paths {
            for to in paths {
                let expected = relative_url_by_segments(from, to);
                assert_eq!(relative_url(from, to), expected, "{from:?} → {to:?}");
                push_relative_url(&mut appended, from, to);
                appended.push('|');
            }
        }
        let all: Vec<String> = paths
            .iter()
            .flat_map(|f| paths.iter().map(|t| relative_url_by_segments(f, t) + "|"))
            .collect();
        assert_eq!(appended, format!("x{}", all.concat()));
    }

    #[test]
    fn external_links() {
        assert!(is_external("https://k8s.io"));
        assert!(is_external("mailto:a@b"));
        assert!(!is_external("../a.md#x:y"));
        assert!(!is_external("a.md"));
    }
}

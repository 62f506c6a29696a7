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

#[cfg(test)]
mod tests {
    use super::*;

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

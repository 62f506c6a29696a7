//! The one path model: the course root resolved once, and every path that
//! content or configuration turns into a file name checked to stay inside
//! its folder.
//!
//! Whatever form the user typed (`.`, `./x/`, `x`, `/abs/x`, a path through
//! a symbolic link, from any working directory), [`course_root`] gives the
//! same canonical folder, so paths derived from it compare equal and are
//! shown the same way. A path that comes from content or configuration and
//! names something to write ([`output_relative`], [`slug`]) is relative,
//! normalised, and never climbs out: `..`, absolute paths, drive prefixes,
//! backslashes, control characters and NUL are refused with a message.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// The course folder as one canonical absolute path.
pub fn course_root(given: &Path) -> Result<PathBuf, Diagnostic> {
    let shown = if given.as_os_str().is_empty() {
        Path::new(".")
    } else {
        given
    };
    let canonical = std::fs::canonicalize(shown).map_err(|e| {
        Diagnostic::error("io", shown, format!("cannot open the course folder: {e}"))
    })?;
    if !canonical.is_dir() {
        return Err(Diagnostic::error(
            "io",
            shown,
            "the course folder is not a folder",
        ));
    }
    Ok(canonical)
}

/// Checks a relative path written in content or configuration that will
/// name a file or folder inside another folder, and returns it normalised
/// (`./a//b/` → `a/b`). Refused: an empty path, `..`, an absolute path or
/// drive prefix, a backslash, control characters (NUL among them).
pub fn output_relative(text: &str) -> Result<String, String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "`{}` holds the control character {c:?}; paths may not",
            text.escape_debug()
        ));
    }
    if text.contains('\\') {
        return Err(format!("`{text}` holds a backslash; write paths with `/`"));
    }
    if text.starts_with('/') || has_drive_prefix(text) {
        return Err(format!(
            "`{text}` is an absolute path; it must be relative to its folder"
        ));
    }
    let mut parts = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "`{text}` climbs out of its folder with `..`; it must stay inside"
                ));
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(format!("`{text}` names no file or folder"));
    }
    let normal = parts.join("/");
    // `./C:x` normalises to a drive path (found by the paths_urls fuzzer).
    if has_drive_prefix(&normal) {
        return Err(format!(
            "`{text}` is an absolute path; it must be relative to its folder"
        ));
    }
    Ok(normal)
}

/// True when `rel` is already a normal relative path that stays inside its
/// folder (what [`output_relative`] would return unchanged); checked without
/// allocating, for every file a build writes.
pub fn is_normal_relative(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !has_drive_prefix(rel)
        && !rel.chars().any(|c| c == '\\' || c.is_control())
        && rel.split('/').all(|s| !matches!(s, "" | "." | ".."))
}

/// `C:`, `c:\…`: a Windows drive prefix, absolute on Windows and never
/// meant as a relative path anywhere.
fn has_drive_prefix(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Checks a front-matter `slug`: one URL segment of letters, digits, `-`,
/// `_` and `.` (not first), so it names a file in its section's folder and
/// nothing else.
pub fn slug(text: &str) -> Result<(), String> {
    let normal = output_relative(text)?;
    if normal != text || text.contains('/') {
        return Err(format!(
            "`{}` is not one URL segment; a slug names one page, without `/`",
            text.escape_debug()
        ));
    }
    if text.starts_with('.') {
        return Err(format!(
            "`{text}` starts with `.`; such files are hidden and never published"
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "`{text}` holds {c:?}; a slug may hold letters, digits, `-`, `_` and `.`"
        ));
    }
    Ok(())
}

/// What a URL path segment made from a file name or slug may not hold as
/// it is: controls, space, quotes, delimiters and `:` (so that no segment
/// reads as a scheme, as `javascript:x.html` would). Non-ASCII is encoded
/// too, by the encoder itself.
const URL_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'\'')
    .add(b':')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A file name or slug as one segment of a site URL, percent-encoded.
pub fn url_segment(name: &str) -> std::borrow::Cow<'_, str> {
    percent_encoding::utf8_percent_encode(name, URL_SEGMENT).into()
}

/// A `/`-separated relative file path as a URL path, each segment encoded.
pub fn url_path(rel: &str) -> String {
    rel.split('/')
        .map(url_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// The output file a site URL made of [`url_segment`]s names.
pub fn file_of_url(url: &str) -> std::borrow::Cow<'_, str> {
    percent_encoding::percent_decode_str(url).decode_utf8_lossy()
}

/// True when a path relative to a published folder has a segment that
/// starts with `.` (`.git/config`, `img/.env`): hidden files are never
/// published or served.
pub fn is_hidden(rel: &str) -> bool {
    rel.split(['/', '\\'])
        .any(|s| s.starts_with('.') && s != "." && s != "..")
}

/// A path relative to `base`, with `/` separators, when `path` lies inside
/// it (both canonical).
pub fn inside(base: &Path, path: &Path) -> Option<String> {
    path.strip_prefix(base).ok().map(crate::content::slash_path)
}

/// Checks a destination named on the command line: it may lie anywhere,
/// but an existing one must be a real folder, never a file or a symbolic
/// link (replacing those would lose what they are).
pub fn destination(dest: &Path) -> Result<(), Diagnostic> {
    let Ok(meta) = std::fs::symlink_metadata(dest) else {
        return Ok(());
    };
    let refuse = |msg: &str| Err(Diagnostic::error("output-dir", dest, msg.to_owned()));
    if meta.file_type().is_symlink() {
        return refuse(
            "is a symbolic link; kourse writes a site only into a real folder (name the link's target instead)",
        );
    }
    if !meta.is_dir() {
        return refuse("exists and is not a folder; kourse will not replace it with a site");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_relative_normalises_and_refuses() {
        let ok = [
            ("public", "public"),
            ("./public/", "public"),
            ("a//b/./c", "a/b/c"),
            ("site.d/x", "site.d/x"),
        ];
        for (given, want) in ok {
            assert_eq!(output_relative(given).as_deref(), Ok(want), "{given}");
            assert!(is_normal_relative(want), "{want}");
            assert_eq!(is_normal_relative(given), given == want, "{given}");
        }
        for bad in [
            "",
            ".",
            "./",
            "..",
            "../x",
            "public/../../x",
            "a/../b",
            "/etc",
            "//x",
            "C:x",
            "./C:x",
            ".//t:.ipt:/t-",
            "c:\\x",
            "a\\..\\b",
            "a\0b",
            "a\nb",
            "\u{1b}[2J",
        ] {
            assert!(output_relative(bad).is_err(), "{bad:?} was accepted");
            assert!(!is_normal_relative(bad), "{bad:?} was accepted");
        }
    }

    #[test]
    fn slugs_are_one_safe_segment() {
        for ok in ["deployments", "pods-101", "v1.2", "ünïcode", "a_b"] {
            assert_eq!(slug(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../../../../x",
            "a/b",
            ".hidden",
            "<script>",
            "a b",
            "x\"y",
            "javascript:alert(1)",
            "a\\b",
        ] {
            assert!(slug(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn file_names_become_inert_url_segments() {
        for (name, url) in [
            ("pods", "pods"),
            ("javascript:alert(1)", "javascript%3Aalert(1)"),
            ("a b#c?d", "a%20b%23c%3Fd"),
            ("100%", "100%25"),
            ("ü", "%C3%BC"),
            ("<x>\"'", "%3Cx%3E%22%27"),
        ] {
            assert_eq!(url_segment(name), url, "{name}");
            assert_eq!(file_of_url(url), name, "{url}");
        }
    }

    #[test]
    fn hidden_segments() {
        assert!(is_hidden(".git/config"));
        assert!(is_hidden("img/.env"));
        assert!(is_hidden(".kourse-output"));
        assert!(!is_hidden("img/a.png"));
        assert!(!is_hidden("a.b/c"));
    }

    #[test]
    fn course_root_is_the_same_however_it_is_spelt() {
        let dir = tempfile::tempdir().unwrap();
        let course = dir.path().join("course");
        std::fs::create_dir_all(course.join("sub")).unwrap();
        let want = course.canonicalize().unwrap();
        assert_eq!(course_root(&course).unwrap(), want);
        assert_eq!(course_root(&course.join("sub/..")).unwrap(), want);
        assert_eq!(course_root(&course.join("./")).unwrap(), want);
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&course, &link).unwrap();
            assert_eq!(course_root(&link).unwrap(), want);
        }
        assert!(course_root(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn destinations_that_are_files_or_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert!(destination(&file).is_err());
        assert!(destination(dir.path()).is_ok());
        assert!(destination(&dir.path().join("new")).is_ok());
        #[cfg(unix)]
        {
            let link = dir.path().join("l");
            std::os::unix::fs::symlink(dir.path(), &link).unwrap();
            assert!(destination(&link).is_err());
        }
    }
}

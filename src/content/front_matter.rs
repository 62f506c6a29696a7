//! TOML front matter between `+++` lines.

use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::source::toml_error;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub draft: bool,
    /// What the reader will be able to do after the chapter.
    #[serde(default)]
    pub objectives: Vec<String>,
    /// Source paths of pages to read first (checked like links).
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// Reading time as the author states it; computed when absent.
    #[serde(default)]
    pub time: Option<String>,
    /// Old paths of this page (`old/page.html`, `old/section/`): each gets a
    /// redirect page, as Zola's and Hugo's `aliases` do.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `false` keeps the page out of the search index.
    #[serde(default = "yes")]
    pub search: bool,
    /// The walk: `"fresh"` starts this page from a fresh lab, `"skip"`
    /// leaves its commands out.
    #[serde(default)]
    pub walk: Option<String>,
    /// The walk starts this page from the state at the end of that page
    /// (a path relative to this page).
    #[serde(default, rename = "walk-from")]
    pub walk_from: Option<String>,
    /// Free-form values for templates.
    #[serde(default)]
    pub extra: toml::Table,
}

fn yes() -> bool {
    true
}

/// A page split into its front matter and body.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    /// Byte offset of `body` within the file text.
    pub body_offset: usize,
}

/// Splits and parses front matter. `file` is the path shown in diagnostics.
pub fn split<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Diagnostic> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[bom..];
    let first_line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest[..first_line_end].trim_end() != "+++" {
        return Err(Diagnostic::error(
            "front-matter",
            file,
            "missing front matter: a page must start with a `+++` line, a TOML table with at least `title`, and a closing `+++` line",
        )
        .at(text, 1, 1));
    }
    let toml_start = bom + first_line_end;
    let mut pos = toml_start;
    let close = loop {
        if pos >= text.len() {
            break None;
        }
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        if text[pos..end].trim_end() == "+++" {
            break Some((pos, end));
        }
        pos = end;
    };
    let Some((close_start, body_offset)) = close else {
        return Err(Diagnostic::error(
            "front-matter",
            file,
            "front matter is never closed: add a `+++` line after it",
        )
        .at(text, 1, 1)
        .with_len(3));
    };
    let toml_text = &text[toml_start..close_start];
    let front: FrontMatter = toml::from_str(toml_text).map_err(|e| {
        let mut d = toml_error(&e, toml_text, file);
        // Re-anchor the position from the TOML snippet to the whole file.
        let offset = crate::source::toml_error_offset(&e, toml_text);
        let at = toml_start + offset;
        let (line, col) = crate::diagnostic::line_col(text, at);
        d.rule = "front-matter".into();
        d = d.at(text, line, col);
        d
    })?;
    if front.title.trim().is_empty() {
        return Err(
            Diagnostic::error("front-matter", file, "`title` must not be empty").at(text, 2, 1),
        );
    }
    for alias in &front.aliases {
        let trimmed = alias.strip_prefix('/').unwrap_or(alias);
        if let Err(why) = crate::paths::output_relative(trimmed) {
            let at = toml_start + crate::source::key_offset(toml_text, "aliases");
            return Err(
                Diagnostic::error("front-matter", file, format!("`aliases`: {why}"))
                    .at_offset(text, at),
            );
        }
    }
    if let Some(slug) = &front.slug {
        if let Err(why) = crate::paths::slug(slug) {
            let at = toml_start + crate::source::key_offset(toml_text, "slug");
            return Err(
                Diagnostic::error("front-matter", file, format!("`slug`: {why}"))
                    .at_offset(text, at),
            );
        }
    }
    Ok(Split {
        front,
        body: &text[body_offset..],
        body_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter_and_body() {
        let s = split(
            "+++\ntitle = \"A\"\nweight = 3\n+++\n# Hi\n",
            Path::new("a.md"),
        )
        .unwrap();
        assert_eq!(s.front.title, "A");
        assert_eq!(s.front.weight, Some(3));
        assert_eq!(s.body, "# Hi\n");
        assert_eq!(s.body_offset, 31);
    }

    #[test]
    fn missing_title_is_an_error_at_the_table() {
        let e = split("+++\nweight = 1\n+++\n", Path::new("a.md")).unwrap_err();
        assert_eq!(e.rule, "front-matter");
        assert!(e.message.contains("title"), "{}", e.message);
        assert_eq!(e.line, 2);
    }

    #[test]
    fn slugs_that_would_leave_their_folder_are_refused_at_their_line() {
        for bad in ["../../../../x", "", "..", "a/b", "<b>x</b>", ".git"] {
            let text = format!("+++\ntitle = \"x\"\nslug = \"{bad}\"\n+++\n");
            let e = split(&text, Path::new("a.md")).unwrap_err();
            assert_eq!(
                (e.rule.as_str(), e.line, e.col),
                ("front-matter", 3, 1),
                "{bad}"
            );
            assert!(e.message.starts_with("`slug`"), "{}", e.message);
        }
        assert!(
            split(
                "+++\ntitle = \"x\"\nslug = \"ok-1\"\n+++\n",
                Path::new("a.md")
            )
            .is_ok()
        );
    }

    #[test]
    fn a_key_nested_too_deep_is_reported_at_its_line() {
        let key = vec!["a"; 100].join(".");
        let text = format!("+++\ntitle = \"x\"\n\n[extra]\n{key} = 1\n+++\n");
        let e = split(&text, Path::new("a.md")).unwrap_err();
        assert_eq!((e.line, e.col), (5, 1), "{e:?}");
    }

    #[test]
    fn unclosed_front_matter() {
        let e = split("+++\ntitle = \"x\"\n", Path::new("a.md")).unwrap_err();
        assert!(e.message.contains("never closed"));
    }

    #[test]
    fn bad_toml_points_into_the_file() {
        let e = split("+++\ntitle = \"x\"\nweight = \n+++\n", Path::new("a.md")).unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
    }

    #[test]
    fn unknown_key_suggests() {
        let e = split("+++\ntitle = \"x\"\nwieght = 2\n+++\n", Path::new("a.md")).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.notes[0].contains("weight"));
    }

    #[test]
    fn crlf_and_bom() {
        let s = split(
            "\u{feff}+++\r\ntitle = \"A\"\r\n+++\r\nbody",
            Path::new("a.md"),
        )
        .unwrap();
        assert_eq!(s.body, "body");
    }
}

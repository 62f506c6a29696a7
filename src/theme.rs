//! The default theme, embedded in the binary, and the course's overrides.
//!
//! The theme's templates live in `templates/` and its assets in
//! `static/kourse/` of this repository; both are compiled in so that
//! `kourse init` and `kourse build` work anywhere. A course overrides any
//! single file by putting a file of the same name in its own `templates/`
//! or `static/kourse/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::diagnostic::Diagnostic;

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");
static ASSETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static/kourse");

/// Where the theme's assets are published, relative to the site root.
pub const ASSET_DIR: &str = "kourse";

/// Templates and assets after applying the course's overrides.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Template name (`page.html`, `partials/search.html`) → source, and the
    /// file it came from for diagnostics.
    pub templates: BTreeMap<String, (String, PathBuf)>,
    /// Output path relative to the site root → bytes. Includes the course's
    /// whole `static/` folder.
    pub assets: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    /// The embedded theme overlaid with `root/templates` and `root/static`.
    pub fn load(root: &Path) -> Result<Theme, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut templates = BTreeMap::new();
        for file in embedded_files(&TEMPLATES) {
            if let Some(text) = file.contents_utf8() {
                let name = crate::content::slash_path(file.path());
                templates.insert(
                    name.clone(),
                    (
                        text.to_owned(),
                        PathBuf::from("templates").join(file.path()),
                    ),
                );
            }
        }
        let mut assets = BTreeMap::new();
        for file in embedded_files(&ASSETS) {
            assets.insert(
                format!("{ASSET_DIR}/{}", crate::content::slash_path(file.path())),
                file.contents().to_vec(),
            );
        }
        for (rel, path) in course_files(&root.join("templates"), &mut diags) {
            match crate::source::read_text(&path, &Path::new("templates").join(&rel)) {
                Ok(text) => {
                    templates.insert(rel.clone(), (text, Path::new("templates").join(&rel)));
                }
                Err(d) => diags.push(d),
            }
        }
        for (rel, path) in course_files(&root.join("static"), &mut diags) {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    assets.insert(rel, bytes);
                }
                Err(e) => diags.push(Diagnostic::error(
                    "io",
                    Path::new("static").join(&rel),
                    format!("cannot read: {e}"),
                )),
            }
        }
        if diags.iter().any(Diagnostic::is_error) {
            Err(diags)
        } else {
            Ok(Theme { templates, assets })
        }
    }

    /// Whether the templates are the embedded theme's, none overridden or
    /// added by the course.
    pub fn templates_are_default(&self) -> bool {
        let embedded = embedded_files(&TEMPLATES);
        embedded.len() == self.templates.len()
            && embedded.iter().all(|file| {
                let name = crate::content::slash_path(file.path());
                self.templates.get(&name).map(|(text, _)| text.as_str()) == file.contents_utf8()
            })
    }

    /// A template engine with every template loaded. Template syntax errors
    /// are reported with the template's file.
    pub fn tera(&self) -> Result<tera::Tera, Vec<Diagnostic>> {
        let mut tera = tera::Tera::new();
        tera.autoescape_on([".html", ".xml"]);
        let items: Vec<(&str, &str)> = self
            .templates
            .iter()
            .map(|(n, (t, _))| (n.as_str(), t.as_str()))
            .collect();
        tera.add_raw_templates(items)
            .map_err(|e| vec![self.template_error(&e, None)])?;
        Ok(tera)
    }

    /// A diagnostic for a tera error, placed at the template and position
    /// the error names (tera 2 reports a file name and a span).
    pub fn template_error(&self, err: &tera::Error, rendering: Option<&str>) -> Diagnostic {
        use tera::ErrorKind;
        let (message, name, position) = match err.kind() {
            ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
                let span = r.span();
                (
                    r.message().to_owned(),
                    Some(r.filename().to_owned()),
                    Some((span.start_line, span.start_col + 1)),
                )
            }
            ErrorKind::CircularExtend {
                tpl,
                inheritance_chain,
            } => (
                format!(
                    "templates extend each other in a loop: {}",
                    inheritance_chain.join(" → ")
                ),
                Some(tpl.clone()),
                None,
            ),
            ErrorKind::CircularInclude { tpl, include_chain } => (
                format!(
                    "templates include each other in a loop: {}",
                    include_chain.join(" → ")
                ),
                Some(tpl.clone()),
                None,
            ),
            ErrorKind::MissingParent { current, parent } => (
                format!("extends `{parent}`, which does not exist"),
                Some(current.clone()),
                None,
            ),
            ErrorKind::TemplateNotFound(t) => (
                format!("template `{t}` not found"),
                rendering.map(str::to_owned),
                None,
            ),
            _ => {
                let text = error_chain(err);
                match parse_report(&text) {
                    Some((msg, name, line, col)) => (msg, Some(name), Some((line, col))),
                    None => (text, rendering.map(str::to_owned), None),
                }
            }
        };
        let name = name
            .filter(|n| self.templates.contains_key(n))
            .or_else(|| rendering.map(str::to_owned));
        let entry = name.as_ref().and_then(|n| self.templates.get(n));
        let file = entry
            .map(|(_, f)| f.clone())
            .unwrap_or_else(|| PathBuf::from("templates"));
        let mut d = Diagnostic::error("template", file, message);
        if let (Some((line, col)), Some((src, _))) = (position, entry) {
            d = d.at(src, line, col);
        }
        d
    }
}

/// Reads the first error of a tera report: `error: MESSAGE` followed by
/// ` --> NAME:LINE:COL` (1-based).
/// Stands in for the `n`-th piece of content while a template renders, so
/// the output can be written around the content instead of holding a copy
/// of it (print.html holds the whole course; a page, its body). Control
/// characters: no Markdown output contains them; and a `&`, so that a
/// template that escapes the content misses it.
pub fn content_marker(n: usize) -> String {
    format!("\u{1}kourse-content-{n}&\u{1}")
}

/// Splits a template's output at the content markers `0..pieces`:
/// `frame[n]` is the text before piece `n`, the last the text after the
/// last piece. `None` unless every marker appears once and in order (a
/// template that escapes, repeats or drops the content is rendered again
/// with the content itself).
pub fn split_frame(rendered: &str, pieces: usize) -> Option<Vec<&str>> {
    let mut frame = Vec::with_capacity(pieces + 1);
    let mut rest = rendered;
    for n in 0..pieces {
        let marker = content_marker(n);
        let at = rest.find(&marker)?;
        frame.push(&rest[..at]);
        rest = &rest[at + marker.len()..];
    }
    frame.push(rest);
    // No trace of another use of a marker (an escaped one, say).
    if frame.iter().any(|piece| piece.contains('\u{1}')) {
        return None;
    }
    Some(frame)
}

fn parse_report(text: &str) -> Option<(String, String, usize, usize)> {
    let mut lines = text.lines();
    let message = lines
        .by_ref()
        .find_map(|l| l.trim().strip_prefix("error: "))?
        .to_owned();
    let location = lines.find_map(|l| l.trim().strip_prefix("--> "))?;
    let mut parts = location.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let name = parts.next()?.to_owned();
    Some((message, name, line, col))
}

fn error_chain(err: &tera::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn embedded_files(dir: &'static Dir<'static>) -> Vec<&'static include_dir::File<'static>> {
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        out.extend(d.files());
        stack.extend(d.dirs());
    }
    out
}

/// Regular files below `dir` as (relative `/` path, full path); skips
/// editor backups and refuses symlinks that leave the folder.
fn course_files(dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return out;
    }
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    // Hidden folders are not descended into (`static/.git/` would publish
    // the repository), hidden files and editor leftovers are skipped.
    let skipped = |e: &walkdir::DirEntry| {
        let name = e.file_name().to_string_lossy();
        e.depth() > 0 && (name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp"))
    };
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skipped(e))
    {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        let ft = entry.file_type();
        if ft.is_symlink() {
            match path.canonicalize() {
                Ok(t) if t.starts_with(&canonical) && t.is_file() => {}
                _ => {
                    diags.push(Diagnostic::error(
                        "symlink",
                        path.to_path_buf(),
                        "symbolic link points outside its folder or to nothing",
                    ));
                    continue;
                }
            }
        } else if !ft.is_file() {
            continue;
        }
        let rel = path.strip_prefix(dir).unwrap_or(path);
        out.push((crate::content::slash_path(rel), path.to_path_buf()));
    }
    out
}

/// The embedded starter files for `kourse init`, as (path, contents).
pub fn default_templates() -> Vec<(String, &'static [u8])> {
    embedded_files(&TEMPLATES)
        .into_iter()
        .map(|f| (crate::content::slash_path(f.path()), f.contents()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_splits_only_where_each_piece_is_used_once_unescaped() {
        let (m0, m1) = (content_marker(0), content_marker(1));
        let good = format!("<a>{m0}<b>{m1}<c>");
        assert_eq!(split_frame(&good, 2), Some(vec!["<a>", "<b>", "<c>"]));
        let escaped = |m: &str| m.replace('&', "&amp;");
        for bad in [
            format!("<a>{m0}<b>{}{m1}<c>", escaped(&m0)),
            format!("<a>{}<b>{}<c>", escaped(&m0), escaped(&m1)),
            format!("<a>{m0}{m0}<b>{m1}<c>"),
            format!("<a>{m1}<b>{m0}<c>"),
            format!("<a>{m0}<c>"),
        ] {
            assert_eq!(split_frame(&bad, 2), None, "{bad:?}");
        }
    }

    /// Pages are written around their body when the templates are the
    /// theme's own (`site::Templating::page_output`): right only while
    /// those use the body nowhere but once, as it is.
    #[test]
    fn the_themes_templates_use_the_page_body_only_as_it_is() {
        let mut uses = 0;
        for file in embedded_files(&TEMPLATES) {
            let text = file.contents_utf8().unwrap_or_default();
            let name = file.path().display();
            let as_is = text.matches("{{ page.content | safe }}").count();
            assert_eq!(
                text.matches("page.content").count(),
                as_is,
                "{name}: the page body used another way"
            );
            assert!(as_is <= 1, "{name}");
            // Nor is the page handed on whole, where its body could be read.
            for whole in ["page[", "page |", "page|", "= page", "(page"] {
                assert!(!text.contains(whole), "{name}: `{whole}`");
            }
            uses += as_is;
        }
        assert_eq!(uses, 2, "page.html and section.html");
        assert!(
            Theme::load(Path::new("/nonexistent-course"))
                .unwrap()
                .templates_are_default()
        );
    }
}

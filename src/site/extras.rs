//! Course-wide files besides the pages: `[output.html] additional-css`/`additional-js` and the examples index.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Config;
use crate::content::Course;
use crate::diagnostic::Diagnostic;
use crate::theme::Theme;

use super::nav;

/// Publishes `[output.html] additional-css` and `additional-js` at their
/// own paths; a missing one is an error at its book.toml line.
pub(super) fn additional_files(
    root: &Path,
    config: &Config,
    files: &mut BTreeMap<String, Vec<u8>>,
    diags: &mut Vec<Diagnostic>,
) {
    let html = &config.output.html;
    for (key, list) in [
        ("additional-css", &html.additional_css),
        ("additional-js", &html.additional_js),
    ] {
        for f in list {
            let Ok(rel) = crate::paths::output_relative(f) else {
                continue;
            };
            let found = root
                .join(&rel)
                .canonicalize()
                .ok()
                .filter(|p| p.starts_with(root) && p.is_file());
            match found.map(|p| crate::content::read_text(&p, Path::new(&rel))) {
                Some(Ok(text)) => {
                    files.insert(rel, text.into_bytes());
                }
                Some(Err(d)) => diags.push(d),
                None => {
                    let text = std::fs::read_to_string(root.join(crate::config::CONFIG_FILE))
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::error(
                            "config",
                            crate::config::CONFIG_FILE,
                            format!("output.html.{key}: no file `{f}` in the course"),
                        )
                        .at_offset(&text, crate::config::key_offset(&text, key)),
                    );
                }
            }
        }
    }
}

/// `examples/index.html`: every example file by kind, with the pages that
/// explain it and a download link. Every example is published, used or not.
#[allow(clippy::too_many_arguments)]
pub(super) fn examples_index(
    root: &Path,
    exclude: &[String],
    tera: &tera::Tera,
    theme: &Theme,
    base_ctx: &tera::Context,
    course: &Course,
    usages: &BTreeMap<String, Vec<(String, String)>>,
    versions: &str,
    files: &mut BTreeMap<String, Vec<u8>>,
    diags: &mut Vec<Diagnostic>,
) {
    let dir = root.join(crate::blocks::EXAMPLES_DIR);
    if !dir.is_dir() {
        return;
    }
    let mut groups: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if !entry.file_type().is_file()
            || !path.extension().is_some_and(|e| e == "yaml" || e == "yml")
        {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        let shown = crate::content::slash_path(rel);
        if exclude
            .iter()
            .any(|g| crate::check::cli::glob_match(g, &shown))
        {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let kinds = crate::blocks::kinds_of(&text);
        let used: Vec<serde_json::Value> = usages
            .get(&shown)
            .map(|u| u.iter().map(|(url, title)| serde_json::json!({ "url": format!("../{url}"), "title": title })).collect())
            .unwrap_or_default();
        let in_examples = shown.strip_prefix("examples/").unwrap_or(&shown).to_owned();
        let group = kinds
            .first()
            .cloned()
            .unwrap_or_else(|| "Other files".to_owned());
        groups.entry(group).or_default().push(serde_json::json!({
            "path": in_examples,
            "raw": in_examples,
            "kinds": kinds.join(", "),
            "used": used,
        }));
        files.entry(shown).or_insert_with(|| text.into_bytes());
    }
    let groups: Vec<serde_json::Value> = groups
        .into_iter()
        .map(|(kind, files)| serde_json::json!({ "kind": kind, "id": crate::markdown::slugify(&kind), "files": files }))
        .collect();
    let mut ctx = base_ctx.clone();
    ctx.insert("root", "../");
    ctx.insert(
        "sidebar",
        &nav::sidebar_outside(course, "examples/index.html"),
    );
    ctx.insert("groups", &groups);
    ctx.insert("versions", versions);
    ctx.insert("page", &serde_json::json!({ "title": "Examples", "description": "Every manifest of the course, by kind", "toc": [] }));
    match tera.render("examples.html", &ctx) {
        Ok(html) => {
            files.insert("examples/index.html".to_owned(), html.into_bytes());
        }
        Err(e) => diags.push(theme.template_error(&e, Some("examples.html"))),
    }
}

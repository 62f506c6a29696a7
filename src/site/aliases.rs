//! Redirect pages for moved pages: each front-matter `aliases` entry
//! becomes a small HTML page at the old path that sends the reader on.

use std::collections::BTreeMap;

use crate::content::Course;
use crate::diagnostic::Diagnostic;
use crate::markdown::links::relative_url;

/// The output file an alias names: `old/page.html` as it is, a folder
/// (`old/section/`) as its `index.html`, a leading `/` dropped. `None` when
/// it would not stay inside the site (front matter refuses those first).
pub fn file_of(alias: &str) -> Option<String> {
    let trimmed = alias.strip_prefix('/').unwrap_or(alias);
    let rel = crate::paths::output_relative(trimmed).ok()?;
    Some(if trimmed.ends_with('/') || !rel.ends_with(".html") {
        format!("{rel}/index.html")
    } else {
        rel
    })
}

/// Adds a redirect page for every alias of every page to `files`; an alias
/// that names a page, a file of the site or another alias is an error at
/// the page that declares it.
pub fn write(course: &Course, files: &mut BTreeMap<String, Vec<u8>>, diags: &mut Vec<Diagnostic>) {
    let pages: BTreeMap<String, usize> = course
        .pages
        .iter()
        .map(|p| (crate::paths::file_of_url(&p.url).into_owned(), p.id))
        .collect();
    let mut made: BTreeMap<String, usize> = BTreeMap::new();
    for page in &course.pages {
        for alias in &page.front.aliases {
            let Some(file) = file_of(alias) else { continue };
            let at = crate::config::key_offset(&page.text, "aliases");
            let clash = if let Some(&other) = pages.get(&file) {
                Some(format!(
                    "is the page {}",
                    course.pages[other].file.display()
                ))
            } else if let Some(&other) = made.get(&file) {
                Some(format!(
                    "is already an alias of {}",
                    course.pages[other].file.display()
                ))
            } else if files.contains_key(&file) {
                Some("is already a file of the site".to_owned())
            } else {
                None
            };
            if let Some(why) = clash {
                diags.push(
                    Diagnostic::error(
                        "alias",
                        page.file.clone(),
                        format!("alias `{alias}` names `{file}`, which {why}"),
                    )
                    .at_offset(&page.text, at),
                );
                continue;
            }
            let target = relative_url(&file, &page.url);
            let href = crate::highlight::escape_html(&target);
            let title = crate::highlight::escape_html(&page.front.title);
            let html = format!(
                "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\
                 <link rel=\"canonical\" href=\"{href}\"><meta name=\"robots\" content=\"noindex\">\
                 <meta http-equiv=\"refresh\" content=\"0; url={href}\"></head>\
                 <body><p>This page has moved to <a href=\"{href}\">{title}</a>.</p></body></html>\n"
            );
            made.insert(file.clone(), page.id);
            files.insert(file, html.into_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_files() {
        assert_eq!(file_of("old/page.html").as_deref(), Some("old/page.html"));
        assert_eq!(
            file_of("/old/section/").as_deref(),
            Some("old/section/index.html")
        );
        assert_eq!(
            file_of("old/section").as_deref(),
            Some("old/section/index.html")
        );
        assert_eq!(file_of("../x.html"), None);
        assert_eq!(file_of(""), None);
    }
}

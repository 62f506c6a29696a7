//! Course features for learners: quizzes, the glossary, progress marks and
//! the one-page edition.
//!
//! [`Learn`] is the build's state for them; [`crate::blocks::CourseBlocks`]
//! forwards `quiz` blocks, the `{{#glossary}}` directive, prose and
//! `glossary:` links to it.

pub mod glossary;
pub mod print;
pub mod quiz;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::content::{Course, Page, PageId};
use crate::diagnostic::Diagnostic;
use crate::markdown::links::relative_url;
use crate::markdown::{BlockOutput, BlockPlace};
use glossary::Glossary;

/// The glossary directive's name: `{{#glossary}}`.
pub const GLOSSARY_DIRECTIVE: &str = "glossary";

/// Learner features' state for one build.
#[derive(Debug, Default)]
pub struct Learn {
    glossary: Option<Arc<Glossary>>,
    /// Problems found loading the glossary and locating its page.
    load_diags: Vec<Diagnostic>,
    /// The page with `{{#glossary}}`: (id, url).
    glossary_page: Option<(PageId, String)>,
    /// Whether each term is used somewhere (auto-linked or referenced).
    used: Vec<AtomicBool>,
}

impl Learn {
    /// Loads `content/glossary.toml` if there is one.
    pub fn load(root: &Path) -> Learn {
        let mut l = Learn::default();
        if let Some((g, diags)) = Glossary::load(root) {
            l.used = g.terms.iter().map(|_| AtomicBool::new(false)).collect();
            l.glossary = Some(Arc::new(g));
            l.load_diags = diags;
        }
        l
    }

    /// A glossary given directly (tests, tools).
    pub fn with_glossary(g: Glossary) -> Learn {
        Learn {
            used: g.terms.iter().map(|_| AtomicBool::new(false)).collect(),
            glossary: Some(Arc::new(g)),
            ..Default::default()
        }
    }

    pub fn glossary(&self) -> Option<&Glossary> {
        self.glossary.as_deref()
    }

    /// The same glossary and glossary page, with no term marked used yet:
    /// a per-page handler for incremental rebuilds, whose
    /// [`Learn::used_terms`] are merged back with [`Learn::mark_terms_used`].
    pub fn fork(&self) -> Learn {
        Learn {
            glossary: self.glossary.clone(),
            load_diags: self.load_diags.clone(),
            glossary_page: self.glossary_page.clone(),
            used: self.used.iter().map(|_| AtomicBool::new(false)).collect(),
        }
    }

    /// Indices of the glossary terms used so far (auto-linked or referenced).
    pub fn used_terms(&self) -> Vec<usize> {
        self.used
            .iter()
            .enumerate()
            .filter(|(_, u)| u.load(Ordering::Relaxed))
            .map(|(i, _)| i)
            .collect()
    }

    /// Marks terms used, as rendering a page that uses them would.
    pub fn mark_terms_used(&self, terms: &[usize]) {
        for &i in terms {
            self.mark_used(i);
        }
    }

    /// Finds the page holding `{{#glossary}}` (outside code fences).
    pub fn attach(&mut self, course: &Course) {
        self.glossary_page = None;
        // Every page's text is searched (on every rebuild of `serve`): on all cores.
        let offsets: Vec<Option<usize>> = course
            .order
            .par_iter()
            .map(|&id| directive_offset(&course.pages[id]))
            .collect();
        for (&id, offset) in course.order.iter().zip(offsets) {
            let page = &course.pages[id];
            if let Some(offset) = offset {
                match &self.glossary_page {
                    None => self.glossary_page = Some((id, page.url.clone())),
                    Some((first, _)) => self.load_diags.push(
                        Diagnostic::error(
                            "glossary",
                            &page.file,
                            format!(
                                "a second `{{{{#glossary}}}}`: the glossary is already on {}",
                                course.pages[*first].file.display()
                            ),
                        )
                        .at_offset(&page.text, page.body_offset + offset),
                    ),
                }
            }
        }
        if self.glossary_page.is_none() {
            if let Some(g) = &self.glossary {
                if !g.terms.is_empty() {
                    self.load_diags.push(Diagnostic::warning(
                        "glossary",
                        &g.file,
                        "no page contains `{{#glossary}}`, so the terms are not linked; add it to the glossary page",
                    ));
                }
            }
        }
    }

    /// The glossary page's URL (relative to the site root).
    pub fn glossary_url(&self) -> Option<&str> {
        self.glossary_page.as_ref().map(|(_, u)| u.as_str())
    }

    /// Renders a ```quiz block; errors are placed at their Markdown line.
    pub fn quiz_block(&self, place: BlockPlace<'_>, text: &str) -> BlockOutput {
        let page = place.page;
        match quiz::parse(text) {
            Ok(q) => BlockOutput {
                html: quiz::render(&q, &place.line.to_string()),
                ..Default::default()
            },
            Err(errors) => BlockOutput {
                diagnostics: errors
                    .into_iter()
                    .map(|e| {
                        let line = place.line + e.line;
                        Diagnostic::error("quiz", &page.file, e.message).at(
                            &page.text,
                            line,
                            e.col + place.col.saturating_sub(1),
                        )
                    })
                    .collect(),
                ..Default::default()
            },
        }
    }

    /// Renders `{{#glossary}}`.
    pub fn glossary_directive(&self, place: BlockPlace<'_>, args: &str) -> BlockOutput {
        let page = place.page;
        let err = |msg: String| BlockOutput {
            diagnostics: vec![
                Diagnostic::error("glossary", &page.file, msg)
                    .at(&page.text, place.line, place.col),
            ],
            ..Default::default()
        };
        if !args.is_empty() {
            return err(format!(
                "`{{{{#glossary}}}}` takes no arguments (got `{args}`)"
            ));
        }
        if self
            .glossary_page
            .as_ref()
            .is_some_and(|(_, u)| u != &page.url)
        {
            // Reported once by `attach`.
            return BlockOutput::default();
        }
        match &self.glossary {
            Some(g) => BlockOutput {
                html: g.render_list(),
                ..Default::default()
            },
            None => err(format!(
                "`{{{{#glossary}}}}` needs {}/{}, which does not exist",
                crate::content::CONTENT_DIR,
                glossary::GLOSSARY_FILE
            )),
        }
    }

    /// Links the first occurrence of each term in a run of prose.
    pub fn prose(&self, page: &Page, text: &str, seen: &mut HashSet<usize>) -> Option<String> {
        let g = self.glossary.as_ref()?;
        let (_, url) = self.glossary_page.as_ref()?;
        if url == &page.url {
            return None;
        }
        let href = relative_url(&page.url, url);
        g.link_prose(text, &href, seen, |i| self.mark_used(i))
    }

    fn mark_used(&self, i: usize) {
        if let Some(u) = self.used.get(i) {
            u.store(true, Ordering::Relaxed);
        }
    }

    /// Resolves `glossary:Term` links: `(url, title)` or an error at the link.
    pub fn link(
        &self,
        place: BlockPlace<'_>,
        dest: &str,
    ) -> Option<Result<(String, Option<String>), Diagnostic>> {
        let name = dest.strip_prefix("glossary:")?;
        let page = place.page;
        let name = percent_encoding::percent_decode_str(name)
            .decode_utf8_lossy()
            .into_owned();
        let error = |msg: String| {
            Some(Err(Diagnostic::error("glossary", &page.file, msg)
                .at(&page.text, place.line, place.col)))
        };
        let Some(g) = &self.glossary else {
            return error(format!(
                "`{name}` is not in the glossary: there is no {}/{}",
                crate::content::CONTENT_DIR,
                glossary::GLOSSARY_FILE
            ));
        };
        let Some(i) = g.lookup(&name) else {
            let mut d = Diagnostic::error(
                "glossary",
                &page.file,
                format!("`{name}` is not defined in {}", g.file.display()),
            )
            .at(&page.text, place.line, place.col);
            let names = g.terms.iter().flat_map(|t| {
                std::iter::once(t.term.as_str()).chain(t.aliases.iter().map(String::as_str))
            });
            if let Some(best) = crate::source::closest(&name, names) {
                d = d.with_note(format!("did you mean `{best}`?"));
            }
            return Some(Err(d));
        };
        let Some((_, url)) = &self.glossary_page else {
            return error(
                "no page contains `{{#glossary}}`, so glossary links have no target".into(),
            );
        };
        self.mark_used(i);
        let t = &g.terms[i];
        let base = if url == &page.url {
            String::new()
        } else {
            relative_url(&page.url, url)
        };
        Some(Ok((
            format!("{base}#{}", t.anchor),
            Some(t.definition.clone()),
        )))
    }

    /// Glossary problems, and a warning per term used on no page. Call
    /// after every page is rendered.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.load_diags.clone();
        if let (Some(g), Some(_)) = (&self.glossary, &self.glossary_page) {
            for (t, used) in g.terms.iter().zip(&self.used) {
                if !used.load(Ordering::Relaxed) {
                    out.push(
                        Diagnostic::warning(
                            "glossary-unused",
                            &g.file,
                            format!("glossary term `{}` is used on no page", t.term),
                        )
                        .at(&g.source, t.line, 1),
                    );
                }
            }
        }
        out
    }
}

/// Byte offset in the page body of a `{{#glossary}}` line outside code fences.
fn directive_offset(page: &Page) -> Option<usize> {
    let body = page.body();
    // Every page is looked at on every rebuild of `serve`; almost none has
    // the directive, and a vectorised substring search is far cheaper than
    // the line scan below.
    let needle = format!("{{{{#{GLOSSARY_DIRECTIVE}");
    memchr::memmem::find(body.as_bytes(), needle.as_bytes())?;
    let mut fence: Option<(char, usize)> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let t = line.trim_start();
        let ch = t.chars().next().unwrap_or(' ');
        if ch == '`' || ch == '~' {
            let n = t.chars().take_while(|&c| c == ch).count();
            if n >= 3 {
                match fence {
                    None => fence = Some((ch, n)),
                    Some((c, m)) if c == ch && n >= m && t.trim().chars().all(|x| x == ch) => {
                        fence = None
                    }
                    _ => {}
                }
            }
        } else if fence.is_none()
            && crate::markdown::parse_directive(t).is_some_and(|(n, _)| n == GLOSSARY_DIRECTIVE)
        {
            return Some(offset + (line.len() - t.len()));
        }
        offset += line.len();
    }
    None
}

/// What templates get as `learn`: the course's page list for progress.
#[derive(Debug, Clone, Serialize)]
pub struct LearnContext {
    /// Query string that changes when the page list does.
    pub pages_version: String,
    pub total_pages: usize,
}

/// The file listing every page for the progress bar, and its context.
pub fn progress_script(course: &Course, site_title: &str) -> (String, LearnContext) {
    let pages: Vec<&str> = course
        .order
        .iter()
        .map(|&id| course.pages[id].url.as_str())
        .collect();
    let js = format!(
        "// Written by kourse build: the course's pages, for the progress bar.\nwindow.kourseCourse = {};\n",
        serde_json::json!({ "key": site_title, "pages": pages })
    );
    let version = blake3::hash(js.as_bytes()).to_hex()[..10].to_owned();
    (
        js,
        LearnContext {
            pages_version: version,
            total_pages: pages.len(),
        },
    )
}

/// Where the page list is published.
pub const PAGES_SCRIPT: &str = "kourse/pages.js";

/// The glossary file path shown in diagnostics.
pub fn glossary_file() -> PathBuf {
    Path::new(crate::content::CONTENT_DIR).join(glossary::GLOSSARY_FILE)
}

/// print.html, rendered but not yet assembled: the template's text around
/// the chapters, and the pages whose rewritten bodies go between.
pub struct PrintEdition<'a> {
    course: &'a Course,
    html: Vec<&'a str>,
    ids: std::collections::HashMap<&'a str, String>,
    /// `frame[n]` precedes chapter `n`; one piece more than chapters.
    frame: Vec<String>,
}

/// Chapters rewritten at a time when print.html is written: enough to keep
/// every core busy, few enough that memory holds only a slice of the course.
const PRINT_BATCH: usize = 64;

impl PrintEdition<'_> {
    /// Writes the whole document. Chapters are rewritten in parallel, a
    /// batch at a time, and written in order.
    pub fn write_to(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        use rayon::prelude::*;
        let chapters = self.frame.len() - 1;
        let mut n = 0;
        while n < chapters {
            let end = (n + PRINT_BATCH).min(chapters);
            let bodies: Vec<String> = (n..end)
                .into_par_iter()
                .map(|k| print::chapter_content(self.course, &self.html, &self.ids, k))
                .collect();
            for (k, body) in (n..end).zip(bodies) {
                w.write_all(self.frame[k].as_bytes())?;
                w.write_all(body.as_bytes())?;
            }
            n = end;
        }
        w.write_all(self.frame[chapters].as_bytes())
    }

    /// The whole document in memory.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out)
            .expect("writing to memory cannot fail");
        out
    }
}

/// Renders print.html, the one-page edition. `ctx` is a site-level template
/// context (the 404 page's). `None` when it is not built (a page took its
/// name, or the template failed: the diagnostic says which).
pub fn print_edition<'a, R: std::borrow::Borrow<crate::markdown::Rendered>>(
    tera: &tera::Tera,
    theme: &crate::theme::Theme,
    ctx: &tera::Context,
    course: &'a Course,
    rendered: &'a [R],
    diags: &mut Vec<Diagnostic>,
) -> Option<PrintEdition<'a>> {
    if let Some(p) = course.pages.iter().find(|p| p.url == print::PRINT_PAGE) {
        diags.push(Diagnostic::warning(
            "duplicate-slug",
            p.file.clone(),
            format!(
                "this page is published as {}, so the one-page edition is not built",
                print::PRINT_PAGE
            ),
        ));
        return None;
    }
    let html: Vec<&str> = rendered.iter().map(|r| r.borrow().html.as_str()).collect();
    let ids = print::page_prefixes(course);
    let mut ctx = ctx.clone();
    ctx.insert("page", &serde_json::json!({ "title": "One-page edition", "description": "", "toc": [], "url": print::PRINT_PAGE }));
    let count = course.order.len();
    // First with markers in place of the chapters' bodies, so the document
    // can be streamed; a template that does not place each body once, as
    // is, gets the bodies themselves.
    let frames: Vec<print::PrintChapter> = (0..count)
        .map(|n| print::PrintChapter {
            content: crate::theme::content_marker(n),
            ..print::chapter_frame(course, n)
        })
        .collect();
    ctx.insert("chapters", &frames);
    let render = |ctx: &tera::Context| {
        tera.render("print.html", ctx)
            .map_err(|e| theme.template_error(&e, Some("print.html")))
    };
    let text = match render(&ctx) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let frame = match crate::theme::split_frame(&text, count) {
        Some(pieces) => pieces.into_iter().map(str::to_owned).collect(),
        None => {
            ctx.insert("chapters", &print::chapters(course, &html));
            match render(&ctx) {
                Ok(t) => vec![t],
                Err(d) => {
                    diags.push(d);
                    return None;
                }
            }
        }
    };
    Some(PrintEdition {
        course,
        html,
        ids,
        frame,
    })
}

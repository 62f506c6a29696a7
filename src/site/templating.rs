//! The template step, shared by `kourse build` and `serve`: a page's HTML, print.html and the other course-wide files.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Serialize;

use crate::config::Config;
use crate::content::{Course, Page};
use crate::diagnostic::Diagnostic;
use crate::markdown::links::{relative_url, root_of};
use crate::markdown::{Rendered, TocEntry};
use crate::theme::Theme;

use super::extras::{additional_files, examples_index};
use super::{BuildOptions, PageOutput, aliases, nav};

#[derive(Serialize)]
struct SiteContext<'a> {
    title: &'a str,
    description: &'a str,
    language: &'a str,
    authors: String,
    repository: Option<&'a str>,
    search: bool,
    /// `[output.html] additional-css` and `additional-js`: paths from the
    /// site root, linked on every page after the theme's own.
    additional_css: &'a [String],
    additional_js: &'a [String],
}

#[derive(Serialize)]
struct ChildLink {
    title: String,
    url: String,
    description: Option<String>,
    reading_time: String,
}

#[derive(Serialize)]
struct PageContext<'a> {
    title: &'a str,
    description: String,
    url: &'a str,
    permalink: Option<String>,
    content: &'a str,
    toc: &'a [TocEntry],
    is_section: bool,
    objectives: &'a [String],
    prerequisites: Vec<nav::NavLink>,
    reading_time: String,
    edit_url: Option<String>,
    children: Vec<ChildLink>,
    extra: &'a toml::Table,
}
/// The template step, shared by the full build and `serve`'s incremental
/// rebuild: everything a page's HTML needs besides its own rendered Markdown.
pub struct Templating<'a> {
    config: &'a Config,
    course: &'a Course,
    theme: &'a Theme,
    tera: &'a tera::Tera,
    root: PathBuf,
    site: SiteContext<'a>,
    version: String,
    inject: String,
    prereqs: HashMap<usize, Vec<usize>>,
    /// The page list for progress (`kourse/pages.js`) and what templates
    /// get as `learn`.
    pages_js: String,
    learn: crate::learn::LearnContext,
    /// Pages are rendered around a marker for their body
    /// ([`Templating::page_output`]): only with the theme's own templates,
    /// which use the body once, as it is. A course's template might test
    /// it, measure it or search it.
    body_by_marker: bool,
}

impl<'a> Templating<'a> {
    pub fn new(
        opts: &BuildOptions,
        config: &'a Config,
        course: &'a Course,
        theme: &'a Theme,
        tera: &'a tera::Tera,
        prereqs: HashMap<usize, Vec<usize>>,
    ) -> Self {
        let site = SiteContext {
            title: &config.book.title,
            description: config.book.description.as_deref().unwrap_or(""),
            language: &config.book.language,
            authors: config.book.authors.join(", "),
            repository: config.book.repository.as_deref(),
            search: config.search.enable,
            additional_css: &config.output.html.additional_css,
            additional_js: &config.output.html.additional_js,
        };
        let (pages_js, learn) = crate::learn::progress_script(course, &config.book.title);
        Templating {
            config,
            course,
            theme,
            tera,
            root: opts.root.clone(),
            site,
            version: assets_version(theme),
            inject: opts.inject.clone().unwrap_or_default(),
            prereqs,
            pages_js,
            learn,
            body_by_marker: theme.templates_are_default(),
        }
    }

    /// What templates get as `learn` (it changes with the page list).
    pub fn learn(&self) -> &crate::learn::LearnContext {
        &self.learn
    }

    /// One page's output path and HTML. `rendered` is indexed by page id.
    pub fn page<R: Borrow<Rendered>>(
        &self,
        rendered: &[R],
        page: &Page,
    ) -> Result<(String, Vec<u8>), Diagnostic> {
        let out = self.page_output(rendered, page)?;
        let bytes = out.parts().concat();
        Ok((crate::paths::file_of_url(&out.url).into_owned(), bytes))
    }

    /// One page's output. With the theme's own templates the page body is
    /// not copied into the template's output: the template is rendered with
    /// a marker for the body (they use it once, as `{{ page.content | safe
    /// }}`), and the output is written around the body. Copying a page's
    /// body into the template's context, through `safe` and into its output
    /// was three copies of most of the site. A course's templates get the
    /// body itself.
    pub fn page_output<'r, R: Borrow<Rendered>>(
        &self,
        rendered: &'r [R],
        page: &Page,
    ) -> Result<PageOutput<'r>, Diagnostic> {
        let body: &'r str = &rendered[page.id].borrow().html;
        if self.body_by_marker {
            let framed = self.render_page(rendered, page, &crate::theme::content_marker(0))?;
            if let Some(frame) = crate::theme::split_frame(&framed, 1) {
                let marker = frame[0].len()..framed.len() - frame[1].len();
                return Ok(PageOutput {
                    url: page.url.clone(),
                    html: framed,
                    body: Some((marker, body)),
                });
            }
        }
        Ok(PageOutput {
            url: page.url.clone(),
            html: self.render_page(rendered, page, body)?,
            body: None,
        })
    }

    /// The page's template rendered with `content` as the page body.
    fn render_page<R: Borrow<Rendered>>(
        &self,
        rendered: &[R],
        page: &Page,
        content: &str,
    ) -> Result<String, Diagnostic> {
        let (config, course, tera, theme) = (self.config, self.course, self.tera, self.theme);
        let (site, version, inject, prereqs) =
            (&self.site, &self.version, &self.inject, &self.prereqs);
        let r: &Rendered = rendered[page.id].borrow();
        let mut ctx = tera::Context::new();
        ctx.insert("site", site);
        ctx.insert("root", &root_of(&page.url));
        ctx.insert("assets", &serde_json::json!({ "version": version }));
        ctx.insert("sidebar", &nav::sidebar(course, page.id));
        ctx.insert("breadcrumbs", &nav::breadcrumbs(course, page.id));
        let (prev, next) = nav::prev_next(course, page.id);
        ctx.insert("prev", &prev);
        ctx.insert("next", &next);
        ctx.insert("live_reload", inject);
        ctx.insert("learn", &self.learn);
        let children = page
            .children
            .iter()
            .map(|&c| {
                let child = &course.pages[c];
                ChildLink {
                    title: child.front.title.clone(),
                    url: relative_url(&page.url, &child.url),
                    description: child.front.description.clone(),
                    reading_time: reading_time(child, rendered[c].borrow().words),
                }
            })
            .collect();
        let pc = PageContext {
            title: &page.front.title,
            description: page
                .front
                .description
                .clone()
                .or_else(|| config.book.description.clone())
                .unwrap_or_default(),
            url: &page.url,
            permalink: config
                .book
                .base_url
                .as_ref()
                .map(|b| format!("{}/{}", b.trim_end_matches('/'), page.url)),
            content,
            toc: &r.toc,
            is_section: page.is_section,
            objectives: &page.front.objectives,
            prerequisites: prereqs
                .get(&page.id)
                .map(|v| {
                    v.iter()
                        .map(|&t| nav::NavLink {
                            title: course.pages[t].front.title.clone(),
                            url: relative_url(&page.url, &course.pages[t].url),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            reading_time: reading_time(page, r.words),
            edit_url: config
                .book
                .edit_url
                .as_ref()
                .map(|t| t.replace("{path}", &page.file.display().to_string())),
            children,
            extra: &page.front.extra,
        };
        ctx.insert("page", &pc);
        let template = if page.is_section {
            "section.html"
        } else {
            "page.html"
        };
        tera.render(template, &ctx)
            .map_err(|e| theme.template_error(&e, Some(template)))
    }

    /// The context of site-level pages (404, print.html, the examples index).
    fn site_ctx(&self) -> tera::Context {
        let mut ctx = tera::Context::new();
        ctx.insert("site", &self.site);
        ctx.insert("root", "");
        ctx.insert("assets", &serde_json::json!({ "version": self.version }));
        ctx.insert("sidebar", &nav::sidebar(self.course, self.course.home));
        ctx.insert("breadcrumbs", &Vec::<nav::NavLink>::new());
        ctx.insert("prev", &None::<nav::NavLink>);
        ctx.insert("next", &None::<nav::NavLink>);
        ctx.insert("live_reload", &self.inject);
        ctx.insert("learn", &self.learn);
        ctx.insert(
            "page",
            &serde_json::json!({ "title": "Page not found", "description": "", "toc": [] }),
        );
        ctx
    }

    /// print.html, the one-page edition: every page's Markdown in reading
    /// order (`rendered` is indexed by page id). Kept apart from
    /// [`Templating::extras`] because it depends on every page's content:
    /// `serve` makes it after announcing a change, like the search index.
    pub fn print_edition<R: Borrow<Rendered>>(
        &self,
        rendered: &[R],
        files: &mut BTreeMap<String, Vec<u8>>,
        diags: &mut Vec<Diagnostic>,
    ) {
        if let Some(doc) = self.print_document(rendered, diags) {
            files.insert(crate::learn::print::PRINT_PAGE.to_owned(), doc.to_bytes());
        }
    }

    /// print.html, ready to be written piece by piece.
    pub fn print_document<'r, R: Borrow<Rendered>>(
        &'r self,
        rendered: &'r [R],
        diags: &mut Vec<Diagnostic>,
    ) -> Option<crate::learn::PrintEdition<'r>> {
        crate::learn::print_edition(
            self.tera,
            self.theme,
            &self.site_ctx(),
            self.course,
            rendered,
            diags,
        )
    }

    /// Every output besides the pages, print.html, the example files pages
    /// include and the search index: the 404 page, the page list for
    /// progress, the examples index, the sitemap, theme assets,
    /// highlight.css and nav.js. `usages` and `versions` are the block
    /// handler's (see [`CourseBlocks::usages`]).
    pub fn extras(
        &self,
        usages: &BTreeMap<String, Vec<(String, String)>>,
        versions: &str,
        files: &mut BTreeMap<String, Vec<u8>>,
        diags: &mut Vec<Diagnostic>,
    ) {
        let (config, course, theme, tera) = (self.config, self.course, self.theme, self.tera);
        let ctx = self.site_ctx();
        // The 404 page is served for missing addresses at any depth: its
        // links start at the site root, and it marks no page as current.
        let mut not_found = ctx.clone();
        let root = nav::not_found_root(config.book.base_url.as_deref(), !self.inject.is_empty());
        not_found.insert("sidebar", &nav::sidebar_at_root(course, &root));
        not_found.insert("root", &root);
        match tera.render("404.html", &not_found) {
            Ok(html) => {
                files.insert("404.html".to_owned(), html.into_bytes());
            }
            Err(e) => diags.push(theme.template_error(&e, Some("404.html"))),
        }
        files.insert(
            crate::learn::PAGES_SCRIPT.to_owned(),
            self.pages_js.as_bytes().to_vec(),
        );
        examples_index(
            &self.root,
            &config.kubernetes.exclude,
            tera,
            theme,
            &ctx,
            course,
            usages,
            versions,
            files,
            diags,
        );
        if let Some(base) = &config.book.base_url {
            let entries: Vec<String> = course
                .order
                .iter()
                .map(|&id| format!("{}/{}", base.trim_end_matches('/'), course.pages[id].url))
                .collect();
            let mut ctx = tera::Context::new();
            ctx.insert("entries", &entries);
            match tera.render("sitemap.xml", &ctx) {
                Ok(xml) => {
                    files.insert("sitemap.xml".to_owned(), xml.into_bytes());
                }
                Err(e) => diags.push(theme.template_error(&e, Some("sitemap.xml"))),
            }
        }
        for (path, bytes) in &theme.assets {
            if let Some(existing) = course
                .pages
                .iter()
                .find(|p| crate::paths::file_of_url(&p.url) == path.as_str())
            {
                diags.push(Diagnostic::error(
                    "duplicate-slug",
                    existing.file.clone(),
                    format!("this page is published as `{path}`, which is also a file in static/"),
                ));
                continue;
            }
            files.insert(path.clone(), bytes.clone());
        }
        // Generated, unless the course brings its own.
        files
            .entry(format!("{}/highlight.css", crate::theme::ASSET_DIR))
            .or_insert_with(|| crate::highlight::stylesheet().into_bytes());
        files.insert(
            format!("{}/nav.js", crate::theme::ASSET_DIR),
            nav::nav_script(course).into_bytes(),
        );
        additional_files(&self.root, config, files, diags);
        aliases::write(course, files, diags);
    }
}

/// Author's `time`, or the word count at 200 words a minute.
pub fn reading_time(page: &Page, words: usize) -> String {
    if let Some(t) = &page.front.time {
        return t.clone();
    }
    if words < 50 {
        return String::new();
    }
    format!("{} min", words.div_ceil(200))
}

fn assets_version(theme: &Theme) -> String {
    let mut h = blake3::Hasher::new();
    for (k, v) in &theme.assets {
        h.update(k.as_bytes());
        h.update(v);
    }
    h.finalize().to_hex()[..10].to_owned()
}

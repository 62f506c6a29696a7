//! `kourse build`: config → content → render → write.
//!
//! [`build`] hands every output file, as it is made, to a staging folder
//! that replaces the output folder whole; [`render_site`] runs the same
//! steps into memory, as `serve` does, so a served site and a built one are
//! identical.

pub mod aliases;
pub mod nav;
pub mod output;

use std::borrow::{Borrow, Cow};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::blocks::CourseBlocks;
use crate::config::Config;
use crate::content::{self, Course, LoadOptions, Page};
use crate::diagnostic::Diagnostic;
use crate::highlight::HighlightCache;
use crate::markdown::links::{relative_url, root_of};
use crate::markdown::{PageRenderer, Rendered, TocEntry};
use crate::search::{SearchDocument, SearchOptions, build_index};
use crate::theme::Theme;
use output::Sink;

/// Options of one build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The course folder (holds book.toml).
    pub root: PathBuf,
    /// Output folder given on the command line (overrides book.toml).
    pub dest: Option<PathBuf>,
    /// Include draft pages.
    pub drafts: bool,
    /// Fail on warnings.
    pub deny_warnings: bool,
    /// HTML appended to every page (the live-reload script of `serve`).
    pub inject: Option<String>,
}

/// A site rendered in memory: output path (relative, `/`) → bytes.
#[derive(Debug, Default, Clone)]
pub struct SiteFiles {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Warnings of the build (errors make the build fail instead).
    pub warnings: Vec<Diagnostic>,
    pub pages: usize,
}

/// What a finished build reports.
#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    pub pages: usize,
    pub files: usize,
    pub warnings: Vec<Diagnostic>,
    pub elapsed_ms: u128,
}

/// Builds the course and writes it to the output folder.
///
/// Pages go to the staging folder as soon as each is rendered and are not
/// kept: memory holds the pages' Markdown output (print.html and the search
/// index need all of it), not the site.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Vec<Diagnostic>> {
    let start = Instant::now();
    let mut clock = Stages::start();
    // One root, however it was typed: every path below derives from it.
    let opts = &BuildOptions {
        root: crate::paths::course_root(&opts.root).map_err(|d| vec![d])?,
        ..opts.clone()
    };
    let config = Config::load(&opts.root)?;
    let (out, explicit) = match &opts.dest {
        Some(d) => {
            crate::paths::destination(d).map_err(|d| vec![d])?;
            (d.clone(), true)
        }
        None => (opts.root.join(&config.build.output_dir), false),
    };
    output::check_destination(&opts.root, &out, explicit).map_err(|d| vec![d])?;
    let cache_path = opts
        .root
        .join(&config.build.cache_dir)
        .join("highlight.bin");
    let (cache, inputs) = rayon::join(
        || HighlightCache::load(&cache_path),
        || Inputs::load(opts, &config),
    );
    let inputs = inputs?;
    clock.lap("load");
    let (rendered, diags) = inputs.render_markdown(&cache, &mut clock);
    clock.lap("markdown, highlighting, manifest checks");
    let staging = output::Staging::new(&out).map_err(|e| vec![io_error(&out, e)]);
    // The cache is saved whatever the outcome (a failing build still warms
    // it), on one core while the pages take the other, and then dropped.
    // It is an optimisation: failing to save it is not a failure. Its
    // memory stays with the allocator, for the pages and the search index
    // to reuse: handed back to the system (malloc_trim), it was faulted in
    // again at once, 7,000 page faults in a 2,000-page build.
    let ((), published) = rayon::join(
        || {
            let _ = cache.save(&cache_path);
            drop(cache);
        },
        || {
            let staging = staging?;
            let warnings = publish(
                opts, &config, &inputs, &rendered, diags, &staging, &mut clock,
            )?;
            Ok::<_, Vec<Diagnostic>>((staging, warnings))
        },
    );
    let (staging, warnings) = published?;
    let files = staging.files();
    staging.commit().map_err(|e| vec![io_error(&out, e)])?;
    clock.lap("swap");
    let pages = inputs.course.pages.len();
    // Freeing a course's worth of small allocations takes a while and
    // nobody waits for it: the site is already in place.
    std::thread::spawn(move || drop((inputs, rendered)));
    Ok(BuildReport {
        output: out,
        pages,
        files,
        warnings,
        elapsed_ms: start.elapsed().as_millis(),
    })
}

fn io_error(path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error("io", path.to_path_buf(), format!("cannot write: {e}"))
}

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

/// A page's output: the template's HTML, with the page's body to go in
/// place of the bytes `start..end` of it (where the marker stood), or the
/// whole page.
pub struct PageOutput<'r> {
    pub url: String,
    html: String,
    body: Option<(std::ops::Range<usize>, &'r str)>,
}

impl PageOutput<'_> {
    /// The page's bytes, in the pieces to write one after another.
    pub fn parts(&self) -> Vec<&[u8]> {
        let html = self.html.as_bytes();
        match &self.body {
            Some((marker, body)) => {
                vec![&html[..marker.start], body.as_bytes(), &html[marker.end..]]
            }
            None => vec![html],
        }
    }
}

/// How many pages one parallel task renders. Pages cost from microseconds
/// to milliseconds each; left to split only on demand, rayon hands each
/// core runs of hundreds, and the last run keeps one core busy while the
/// other waits.
const PAGES_PER_TASK: usize = 4;

/// Renders the whole course into memory. Every error of the build is
/// collected and returned together.
pub fn render_site(
    opts: &BuildOptions,
    config: &Config,
    cache: &HighlightCache,
) -> Result<SiteFiles, Vec<Diagnostic>> {
    let mut clock = Stages::start();
    let inputs = Inputs::load(opts, config)?;
    clock.lap("load");
    let (rendered, diags) = inputs.render_markdown(cache, &mut clock);
    clock.lap("markdown, highlighting, manifest checks");
    let sink = output::MemorySink::default();
    let warnings = publish(opts, config, &inputs, &rendered, diags, &sink, &mut clock)?;
    Ok(SiteFiles {
        files: sink.into_files(),
        warnings,
        pages: inputs.course.pages.len(),
    })
}

/// What a build reads before rendering: the pages, the theme and its
/// compiled templates, and the block handler with its manifest checker.
struct Inputs {
    course: Course,
    theme: Theme,
    tera: tera::Tera,
    handler: CourseBlocks,
}

impl Inputs {
    /// The three loads are independent and run side by side; their errors
    /// are reported together.
    fn load(opts: &BuildOptions, config: &Config) -> Result<Inputs, Vec<Diagnostic>> {
        let ((course, theme), handler) = rayon::join(
            || {
                rayon::join(
                    || {
                        content::load(
                            &opts.root,
                            LoadOptions {
                                drafts: opts.drafts || config.build.drafts,
                            },
                        )
                    },
                    || {
                        let theme = Theme::load(&opts.root)?;
                        let tera = theme.tera()?;
                        Ok::<_, Vec<Diagnostic>>((theme, tera))
                    },
                )
            },
            || CourseBlocks::new(&opts.root, config),
        );
        let (course, (theme, tera), mut handler) = match (course, theme, handler) {
            (Ok(c), Ok(t), Ok(h)) => (c, t, h),
            (c, t, h) => {
                let mut errors = Vec::new();
                errors.extend(c.err().unwrap_or_default());
                errors.extend(t.err().unwrap_or_default());
                errors.extend(h.err().unwrap_or_default());
                return Err(errors);
            }
        };
        handler.attach_course(&course);
        Ok(Inputs {
            course,
            theme,
            tera,
            handler,
        })
    }

    /// Every page's Markdown, in parallel (indexed by page id), and the
    /// diagnostics so far.
    fn render_markdown(
        &self,
        cache: &HighlightCache,
        clock: &mut Stages,
    ) -> (Vec<Rendered>, Vec<Diagnostic>) {
        let asset_exists = |p: &str| self.theme.assets.contains_key(p);
        let renderer = PageRenderer {
            course: &self.course,
            highlighter: cache,
            asset_exists: &asset_exists,
            blocks: &self.handler,
        };
        if cache.is_empty() {
            renderer.highlight_ahead(&self.course.pages);
            clock.lap("highlighting ahead (cold cache)");
        }
        let rendered: Vec<Rendered> = self
            .course
            .pages
            .par_iter()
            .with_max_len(PAGES_PER_TASK)
            .map(|p| renderer.render(p))
            .collect();
        let mut diags = self.course.warnings.clone();
        for r in &rendered {
            diags.extend(r.diagnostics.iter().cloned());
        }
        (rendered, diags)
    }
}

/// Everything after Markdown: templates, print.html, the extra pages and
/// assets, the search index, each file handed to `sink` as it is made.
/// Returns the warnings, or every diagnostic if the build fails.
fn publish(
    opts: &BuildOptions,
    config: &Config,
    inputs: &Inputs,
    rendered: &[Rendered],
    mut diags: Vec<Diagnostic>,
    sink: &dyn Sink,
    clock: &mut Stages,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let Inputs {
        course,
        theme,
        tera,
        handler,
    } = inputs;
    check_anchors(course, rendered, &mut diags);
    diags.extend(handler.learn().diagnostics());
    let prereqs = resolve_prerequisites(course, &mut diags);
    diags.extend(crate::check::walk::for_build(&opts.root, config, course));
    // Once the build is known to fail, pages are still rendered (for their
    // template errors) but not written.
    let sink: &dyn Sink = if diags.iter().any(Diagnostic::is_error) {
        &output::Discard
    } else {
        sink
    };
    let put = |path: &str, bytes: &[u8]| {
        sink.put(path, bytes)
            .map_err(|e| io_error(Path::new(path), e))
    };

    let templating = Templating::new(opts, config, course, theme, tera, prereqs);
    // The pages, print.html and the search index read the same Markdown
    // output and nothing of each other, so they are made side by side: the
    // pages split across every core, while print.html (written in one
    // stream) and the search index's one-thread steps fill the gaps. Those
    // go first (rayon runs a join's first half at once and offers the
    // second to idle cores), or they end up last, with one core waiting.
    // Made one after another, a core sat idle for a fifth of the time.
    let ((print_diags, search_diags), page_errors) = rayon::join(
        || {
            rayon::join(
                || {
                    let mut diags = Vec::new();
                    if let Some(doc) = templating.print_document(rendered, &mut diags) {
                        if let Err(e) =
                            sink.put_with(crate::learn::print::PRINT_PAGE, &|w| doc.write_to(w))
                        {
                            diags.push(io_error(Path::new(crate::learn::print::PRINT_PAGE), e));
                        }
                    }
                    diags
                },
                || {
                    if !config.search.enable {
                        return Vec::new();
                    }
                    search_index(course, rendered, config)
                        .into_par_iter()
                        .filter_map(|(path, bytes)| put(&path, &bytes).err())
                        .collect::<Vec<_>>()
                },
            )
        },
        || {
            let results: Vec<Result<(), Diagnostic>> = course
                .pages
                .par_iter()
                .with_max_len(PAGES_PER_TASK)
                .map(|page| {
                    let out = templating.page_output(rendered, page)?;
                    let file = crate::paths::file_of_url(&out.url);
                    sink.put_parts(&file, &out.parts())
                        .map_err(|e| io_error(Path::new(&*file), e))
                })
                .collect();
            let mut page_errors = Vec::new();
            for r in results {
                if let Err(d) = r {
                    push_template_error(&mut page_errors, d);
                }
            }
            page_errors
        },
    );
    diags.extend(page_errors);
    diags.extend(print_diags);
    diags.extend(search_diags);
    clock.lap("pages, print edition and search index");

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    templating.extras(
        &handler.usages(),
        &handler.version_range(),
        &mut files,
        &mut diags,
    );
    for (path, bytes) in handler.published_files() {
        files.insert(path, bytes);
    }
    let written: Vec<Result<(), Diagnostic>> = files
        .par_iter()
        .map(|(path, bytes)| put(path, bytes))
        .collect();
    diags.extend(written.into_iter().filter_map(Result::err));
    clock.lap("writing the other files");
    decide(opts, config, diags)
}

/// Stage timings on stderr when `KOURSE_TIMINGS` is set: where a build's
/// time goes, for benchmarks and bug reports.
struct Stages {
    on: bool,
    last: Instant,
    last_cpu: f64,
}

impl Stages {
    fn start() -> Self {
        Stages {
            on: std::env::var_os("KOURSE_TIMINGS").is_some(),
            last: Instant::now(),
            last_cpu: cpu_seconds(),
        }
    }

    fn lap(&mut self, stage: &str) {
        if self.on {
            let cpu = cpu_seconds();
            eprintln!(
                "timing: {stage}: {} ms (cpu {:.0} ms; resident {} MiB, peak {} MiB)",
                self.last.elapsed().as_millis(),
                (cpu - self.last_cpu) * 1000.0,
                memory_kib("VmRSS:") / 1024,
                memory_kib("VmHWM:") / 1024
            );
            self.last_cpu = cpu;
        }
        self.last = Instant::now();
    }
}

/// User and system CPU time of this process so far, all threads: a stage's
/// cost that a busy machine does not inflate the way it does wall time.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// A memory figure of this process from /proc (0 where there is none).
fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Keeps one diagnostic per distinct template error message (a broken
/// template fails every page that uses it).
pub fn push_template_error(errors: &mut Vec<Diagnostic>, d: Diagnostic) {
    if !errors.iter().any(|e| e.message == d.message) {
        errors.push(d);
    }
}

/// Sorts the diagnostics and decides: errors (or warnings under
/// `deny_warnings`) fail the build.
pub fn finish(
    opts: &BuildOptions,
    config: &Config,
    files: BTreeMap<String, Vec<u8>>,
    diags: Vec<Diagnostic>,
    pages: usize,
) -> Result<SiteFiles, Vec<Diagnostic>> {
    let warnings = decide(opts, config, diags)?;
    Ok(SiteFiles {
        files,
        warnings,
        pages,
    })
}

/// The warnings of a build that succeeds, or all its diagnostics, sorted.
fn decide(
    opts: &BuildOptions,
    config: &Config,
    mut diags: Vec<Diagnostic>,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    crate::diagnostic::sort(&mut diags);
    let has_errors = diags.iter().any(Diagnostic::is_error)
        || (opts.deny_warnings || config.build.deny_warnings) && !diags.is_empty();
    if has_errors { Err(diags) } else { Ok(diags) }
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

/// Publishes `[output.html] additional-css` and `additional-js` at their
/// own paths; a missing one is an error at its book.toml line.
fn additional_files(
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
fn examples_index(
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

/// The search index of every page that does not opt out with `search = false`.
pub fn search_index<R: Borrow<Rendered> + Sync>(
    course: &Course,
    rendered: &[R],
    config: &Config,
) -> Vec<(String, Vec<u8>)> {
    let docs: Vec<SearchDocument> = course
        .order
        .par_iter()
        .map(|&id| &course.pages[id])
        .filter(|p| p.front.search)
        .map(|p| SearchDocument {
            url: Cow::Borrowed(&p.url),
            page_title: Cow::Borrowed(&p.front.title),
            sections: Cow::Borrowed(&rendered[p.id].borrow().sections),
        })
        .collect();
    let opts = SearchOptions {
        enabled: true,
        language: config.search.language.clone(),
        boost_title: config.search.boost_title,
        boost_heading: config.search.boost_heading,
        boost_body: config.search.boost_body,
        boost_code: config.search.boost_code,
    };
    build_index(&docs, &opts)
        .into_iter()
        .map(|(path, bytes)| (crate::content::slash_path(&path), bytes))
        .collect()
}

/// Checks every `page.md#anchor` link against the ids the target page got.
/// Public for `serve`, which calls it with cached results.
pub fn check_anchors<R: Borrow<Rendered>>(
    course: &Course,
    rendered: &[R],
    diags: &mut Vec<Diagnostic>,
) {
    let by_url: HashMap<&str, usize> = course
        .pages
        .iter()
        .map(|p| (p.url.as_str(), p.id))
        .collect();
    for (page, r) in course.pages.iter().zip(rendered) {
        let r: &Rendered = r.borrow();
        for a in &r.anchor_refs {
            let Some(&target) = by_url.get(a.target_url.as_str()) else {
                continue;
            };
            if !rendered[target].borrow().ids.contains(&a.anchor) {
                let mut d = Diagnostic::error(
                    "broken-anchor",
                    page.file.clone(),
                    format!("{} has no heading with id `{}`", a.target_file, a.anchor),
                )
                .at(&page.text, a.line, a.col);
                if let Some(best) = crate::config::closest(
                    &a.anchor,
                    rendered[target].borrow().ids.iter().map(String::as_str),
                ) {
                    d = d.with_note(format!("did you mean `#{best}`?"));
                }
                diags.push(d);
            }
        }
    }
}

/// Front matter `prerequisites` are source paths like links; they must exist.
pub fn resolve_prerequisites(
    course: &Course,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<usize, Vec<usize>> {
    let mut out = HashMap::new();
    for page in &course.pages {
        for pre in &page.front.prerequisites {
            let base = crate::markdown::links::dir_of(&page.source);
            let target =
                crate::markdown::links::resolve(base, pre).and_then(|s| course.by_source(&s));
            match target {
                Some(t) => out.entry(page.id).or_insert_with(Vec::new).push(t.id),
                None => {
                    let at = page.text.find(pre.as_str()).unwrap_or(0);
                    diags.push(
                        Diagnostic::error(
                            "broken-link",
                            page.file.clone(),
                            format!("prerequisite `{pre}` is not a page"),
                        )
                        .at_offset(&page.text, at),
                    );
                }
            }
        }
    }
    out
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

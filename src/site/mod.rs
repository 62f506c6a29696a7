//! `kourse build`: config → content → render → write.
//!
//! [`build`] hands every output file, as it is made, to a staging folder
//! that replaces the output folder whole; [`render_site`] runs the same
//! steps into memory, as `serve` does, so a served site and a built one are
//! identical.

pub mod aliases;
mod extras;
pub mod nav;
pub mod output;
mod stages;
mod templating;

use std::borrow::{Borrow, Cow};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::blocks::CourseBlocks;
use crate::config::Config;
use crate::content::{self, Course, LoadOptions};
use crate::diagnostic::Diagnostic;
use crate::highlight::HighlightCache;
use crate::markdown::{PageRenderer, Rendered};
use crate::search::{SearchDocument, SearchOptions, build_index};
use crate::theme::Theme;
use output::Sink;
use stages::Stages;
pub use templating::{Templating, reading_time};

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

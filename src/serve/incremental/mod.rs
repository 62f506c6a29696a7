//! Incremental rebuilds for `serve`.
//!
//! Every rebuild reloads the course's inputs (config, theme, content; page
//! files only when their size or modification time changed, or the watcher
//! named them) and
//! re-runs only the stages whose inputs changed. Each cached result carries
//! the key of everything it was computed from, so dependencies are explicit
//! rather than special cases:
//!
//! * **Markdown** of a page depends on its source text, its source path,
//!   URL and file, the link map of the whole course (every page's source and
//!   URL, for links and "did you mean"), the set of theme asset paths (image
//!   links are checked against it), the config, and the contents of every
//!   `examples/` file its directives included together with the other
//!   files of that file's folder (a folder is checked as one set, so an
//!   example's diagnostics depend on its siblings), the glossary
//!   (`content/glossary.toml`) and which page holds `{{#glossary}}`, the
//!   custom schemas of `[kubernetes] schemas`, and the contents of every
//!   file it `{{#include}}`s or publishes beside itself (`img/x.png`),
//!   hashed afresh on each rebuild (an included file may lie outside the
//!   watched folders; `serve` watches it by [`Engine::file_dependencies`]).
//! * **Per-page contributions to course-wide state** are kept with the
//!   page's Markdown result and merged on every rebuild, exactly as the full
//!   build's single handler accumulates them: the example files it
//!   publishes, where it shows each example (the examples index), and the
//!   glossary terms it uses (the "term used on no page" warnings).
//! * **Page HTML** depends on the page's Markdown result, its children's
//!   Markdown results (a section lists their descriptions and reading
//!   times), the navigation structure (every page's title, URL, parent and
//!   children, and the reading order: sidebar, breadcrumbs, prev/next,
//!   prerequisites), the templates, the asset version, the config, the
//!   injected reload script and the page list of `kourse/pages.js` (its
//!   version is in every page).
//! * **Everything else** (404, print.html, pages.js, nav.js, the examples
//!   index, sitemap, assets) is made by [`Templating::extras`] on every
//!   rebuild, from the merged state: it is cheap and has no stale inputs.
//!
//! The template and final steps are the same functions `kourse build` uses
//! ([`crate::site::Templating`]), so the two paths produce byte-identical
//! output (tested in `tests/serve_incremental.rs`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::blocks::{CourseBlocks, EXAMPLES_DIR};
use crate::config::Config;
use crate::content::{self, Course, LoadOptions};
use crate::diagnostic::Diagnostic;
use crate::highlight::HighlightCache;
use crate::markdown::Rendered;
use crate::site::{self, BuildOptions, Templating};
use crate::theme::Theme;

mod deferred;
mod keys;
mod pages;

use keys::{Clock, hash_str, nav_key};

type Key = [u8; 32];
/// Output files as (path, bytes), shared between rebuilds without copying
/// (an unchanged file is then told apart by pointer, not by its bytes).
type FileList = Vec<(String, Arc<Vec<u8>>)>;

fn shared_list(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> FileList {
    files.into_iter().map(|(p, b)| (p, Arc::new(b))).collect()
}
/// A page's output path and HTML, or the template error.
type PageHtml = Result<(String, Vec<u8>), Diagnostic>;

/// A served site: output path → bytes, shared without copying.
pub type Files = HashMap<String, Arc<Vec<u8>>>;

/// What a successful rebuild produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub files: Arc<Files>,
    /// Output paths whose bytes differ from the previous good build
    /// (added, changed or removed), sorted.
    pub changed: Vec<String>,
    pub warnings: Vec<Diagnostic>,
    pub pages: usize,
    /// How many pages had their Markdown / their template re-rendered.
    pub markdown_rendered: usize,
    pub templated: usize,
    pub search_rebuilt: bool,
    /// Wall time of each stage, in milliseconds, for the terminal and the benchmark.
    pub timings: Vec<(&'static str, f64)>,
}

/// Which inputs may have changed since the last rebuild.
#[derive(Debug, Clone, Default)]
pub enum Hint {
    /// Unknown: re-read everything (still reuses what is provably unchanged).
    #[default]
    All,
    /// These files (absolute or relative to the root) changed.
    Paths(Vec<PathBuf>),
}

struct MdEntry {
    /// Key of everything except the included example files.
    base: Key,
    /// Included example files (relative to `examples/`) and their content hash.
    deps: Vec<(String, Key)>,
    /// Other files the page read: `{{#include}}`d files and files published
    /// beside it (as looked for, canonical when they exist), with their
    /// content hash.
    files: Vec<(PathBuf, Key)>,
    /// The page used a directive whose file dependencies we do not know.
    opaque: bool,
    rendered: Arc<Rendered>,
    published: FileList,
    /// Where this page shows example files: file → (page URL, page title).
    usages: Vec<(String, (String, String))>,
    /// Indices of the glossary terms this page uses.
    terms: Vec<usize>,
}

impl MdEntry {
    fn full_key(&self) -> Key {
        let mut h = blake3::Hasher::new();
        h.update(&self.base);
        for (p, k) in &self.deps {
            h.update(p.as_bytes());
            h.update(&[0]);
            h.update(k);
        }
        for (p, k) in &self.files {
            hash_str(&mut h, &p.to_string_lossy());
            h.update(k);
        }
        *h.finalize().as_bytes()
    }
}

struct PrintEntry {
    key: Key,
    tpl: Key,
    files: FileList,
    diags: Vec<Diagnostic>,
}

/// The course-wide files [`Templating::extras`] makes, and its diagnostics.
struct ExtrasEntry {
    key: Key,
    files: FileList,
    diags: Vec<Diagnostic>,
}

struct HtmlEntry {
    key: Key,
    url: String,
    bytes: Arc<Vec<u8>>,
}

/// The state kept between rebuilds.
pub struct Engine {
    opts: BuildOptions,
    cache: Arc<HighlightCache>,
    /// By page source path.
    markdown: FxHashMap<String, MdEntry>,
    html: FxHashMap<String, HtmlEntry>,
    /// Content hash of example files (relative to `examples/`), invalidated by hints.
    examples: Mutex<HashMap<String, Key>>,
    /// Counts the invalidations of `examples`: what depends on the whole
    /// `examples/` folder (its index page) is keyed on it.
    examples_epoch: u64,
    /// Content hash of the other files pages read, for one rebuild.
    file_hashes: Mutex<HashMap<PathBuf, Key>>,
    extras: Option<ExtrasEntry>,
    /// Page files read by the previous rebuild, re-read only when changed.
    loads: content::LoadCache,
    /// Text hash by source, to avoid rehashing unchanged pages.
    texts: FxHashMap<String, Key>,
    /// The course of the previous rebuild (its texts back `texts`).
    prev_course: Option<Course>,
    /// The search index files and the key of their inputs.
    search: Option<(Key, FileList)>,
    /// A search index made stale by a deferred rebuild: its key and config.
    pending_search: Option<(Key, Config)>,
    /// print.html, its diagnostics, the key of its inputs and of its
    /// template-wide inputs alone.
    print: Option<PrintEntry>,
    /// A print.html made stale by a deferred rebuild: its key and what
    /// rendering it needs.
    pending_print: Option<(Key, Config, Theme, tera::Tera)>,
    last_good: Option<Arc<Files>>,
}

impl Engine {
    pub fn new(opts: BuildOptions, cache: Arc<HighlightCache>) -> Engine {
        Engine {
            opts,
            cache,
            markdown: FxHashMap::default(),
            html: FxHashMap::default(),
            examples: Mutex::new(HashMap::new()),
            examples_epoch: 0,
            file_hashes: Mutex::default(),
            extras: None,
            loads: content::LoadCache::default(),
            texts: FxHashMap::default(),
            prev_course: None,
            search: None,
            pending_search: None,
            print: None,
            pending_print: None,
            last_good: None,
        }
    }

    pub fn options(&self) -> &BuildOptions {
        &self.opts
    }

    /// The last successful build, if any.
    pub fn last_good(&self) -> Option<Arc<Files>> {
        self.last_good.clone()
    }

    /// Files outside `content/` pages and `examples/` that the pages of the
    /// last rebuild read (`{{#include}}`d files, files beside pages): a
    /// watcher must report their changes too.
    pub fn file_dependencies(&self) -> HashSet<PathBuf> {
        self.markdown
            .values()
            .flat_map(|e| e.files.iter().map(|(p, _)| p.clone()))
            .collect()
    }

    /// Rebuilds the site, re-rendering only what changed. On failure the
    /// diagnostics are returned and the last good build stays as it was.
    pub fn rebuild(&mut self, hint: &Hint) -> Result<Outcome, Vec<Diagnostic>> {
        self.rebuild_with(hint, false)
    }

    /// Like [`Engine::rebuild`], but a search index made stale by the
    /// change is not rebuilt yet: the pages are ready (and can be announced)
    /// first, with the previous index; [`Engine::finish_deferred`] then brings
    /// the index up to date. The index is the slowest stage by far (it reads
    /// every page's text), and no open page shows it.
    pub fn rebuild_deferred(&mut self, hint: &Hint) -> Result<Outcome, Vec<Diagnostic>> {
        self.rebuild_with(hint, true)
    }

    fn rebuild_with(
        &mut self,
        hint: &Hint,
        defer_search: bool,
    ) -> Result<Outcome, Vec<Diagnostic>> {
        self.apply_hint(hint);
        // Files pages read are hashed afresh: they may lie where no watcher
        // looks, and hashing the few there are is cheap.
        self.file_hashes
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        // This rebuild supersedes what an earlier one left to finish (a good
        // one defers it again: the cached outputs' keys still differ).
        self.pending_search = None;
        self.pending_print = None;
        let root = self.opts.root.clone();
        let mut clock = Clock::new();
        let config = Config::load(&root)?;
        clock.lap("config");
        let theme = Theme::load(&root)?;
        clock.lap("theme");
        let tera = theme.tera()?;
        clock.lap("tera");
        // The course's handler, as the full build makes it (this also checks
        // the config the same way). Pages render with forks of it.
        let mut handler = CourseBlocks::new(&root, &config)?;
        clock.lap("handler");
        let course = content::load_cached(
            &root,
            LoadOptions {
                drafts: self.opts.drafts || config.build.drafts,
            },
            &mut self.loads,
        )?;
        handler.attach_course(&course);
        clock.lap("content");

        let (config_key, md_global, tpl_global) =
            keys::global_keys(&root, &self.opts, &config, &theme, &course, &handler);
        let markdown_rendered =
            self.render_pages(&root, &course, &handler, &theme, &md_global, &mut clock);
        let live: HashSet<String> = course.pages.iter().map(|p| p.source.clone()).collect();

        let entries: Vec<&MdEntry> = course
            .pages
            .iter()
            .map(|p| &self.markdown[&p.source])
            .collect();
        let rendered: Vec<Arc<Rendered>> = entries.iter().map(|e| e.rendered.clone()).collect();
        let md_keys: Vec<Key> = entries.par_iter().map(|e| e.full_key()).collect();

        // Diagnostics in the order the full build collects them.
        let mut diags: Vec<Diagnostic> = course.warnings.clone();
        diags.par_extend(
            rendered
                .par_iter()
                .flat_map_iter(|r| r.diagnostics.iter().cloned()),
        );
        let rendered_refs: Vec<&Rendered> = rendered.iter().map(|r| &**r).collect();
        site::check_anchors(&course, &rendered_refs, &mut diags);
        // Course-wide handler state, merged from the pages' contributions.
        let mut usages: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for e in &entries {
            handler.learn().mark_terms_used(&e.terms);
            for (file, u) in &e.usages {
                usages.entry(file.clone()).or_default().push(u.clone());
            }
        }
        for list in usages.values_mut() {
            list.sort();
            list.dedup();
        }
        diags.extend(handler.learn().diagnostics());
        let prereqs = site::resolve_prerequisites(&course, &mut diags);
        diags.extend(crate::check::walk::for_build(
            &self.opts.root,
            &config,
            &course,
        ));
        clock.lap("markdown");
        let templating = Templating::new(&self.opts, &config, &course, &theme, &tera, prereqs);
        let tpl_global = {
            let mut h = blake3::Hasher::new();
            h.update(&tpl_global);
            hash_str(&mut h, &templating.learn().pages_version);
            *h.finalize().as_bytes()
        };

        // Page HTML.
        let tpl_keys: Vec<Key> = course
            .pages
            .par_iter()
            .map(|p| {
                let mut h = blake3::Hasher::new();
                h.update(&tpl_global);
                h.update(&md_keys[p.id]);
                for &c in &p.children {
                    h.update(&md_keys[c]);
                }
                *h.finalize().as_bytes()
            })
            .collect();
        let to_template: Vec<usize> = course
            .pages
            .iter()
            .filter(|p| !matches!(self.html.get(&p.source), Some(e) if e.key == tpl_keys[p.id] && e.url == crate::paths::file_of_url(&p.url)))
            .map(|p| p.id)
            .collect();
        let templated_results: Vec<(usize, PageHtml)> = to_template
            .par_iter()
            .map(|&id| (id, templating.page(&rendered_refs, &course.pages[id])))
            .collect();
        let templated = templated_results.len();
        let mut template_errors = Vec::new();
        for (id, res) in templated_results {
            let source = course.pages[id].source.clone();
            match res {
                Ok((url, bytes)) => {
                    self.html.insert(
                        source,
                        HtmlEntry {
                            key: tpl_keys[id],
                            url,
                            bytes: Arc::new(bytes),
                        },
                    );
                }
                Err(d) => {
                    self.html.remove(&source);
                    site::push_template_error(&mut template_errors, d);
                }
            }
        }
        self.html.retain(|k, _| live.contains(k.as_str()));
        diags.extend(template_errors);
        clock.lap("templates");
        let mut extras = BTreeMap::new();
        let mut search_rebuilt = false;
        let mut pending_search = None;
        // print.html depends on every page's Markdown; when only that changed
        // it is made after the announcement (like the search index).
        let print_key = {
            let mut h = blake3::Hasher::new();
            h.update(&tpl_global);
            for k in &md_keys {
                h.update(k);
            }
            *h.finalize().as_bytes()
        };
        let mut pending_print = false;
        match &self.print {
            Some(p) if p.key == print_key => {}
            Some(p) if defer_search && p.tpl == tpl_global && p.diags.is_empty() => {
                pending_print = true;
            }
            _ => {
                let mut out = BTreeMap::new();
                let mut print_diags = Vec::new();
                templating.print_edition(&rendered_refs, &mut out, &mut print_diags);
                self.print = Some(PrintEntry {
                    key: print_key,
                    tpl: tpl_global,
                    files: shared_list(out),
                    diags: print_diags,
                });
            }
        }
        if let Some(p) = &self.print {
            take_made(&p.files, &p.diags, &mut extras, &mut diags);
        }
        // The other course-wide files depend on the template-wide inputs
        // (navigation included), where pages show examples, and examples/.
        let extras_key = {
            let mut h = blake3::Hasher::new();
            h.update(&tpl_global);
            for (file, list) in &usages {
                hash_str(&mut h, file);
                for (url, title) in list {
                    hash_str(&mut h, url);
                    hash_str(&mut h, title);
                }
            }
            hash_str(&mut h, &handler.version_range());
            h.update(&self.examples_epoch.to_le_bytes());
            *h.finalize().as_bytes()
        };
        if !matches!(&self.extras, Some(e) if e.key == extras_key) {
            let mut out = BTreeMap::new();
            let mut extras_diags = Vec::new();
            templating.extras(
                &usages,
                &handler.version_range(),
                &mut out,
                &mut extras_diags,
            );
            self.extras = Some(ExtrasEntry {
                key: extras_key,
                files: shared_list(out),
                diags: extras_diags,
            });
        }
        if let Some(e) = &self.extras {
            take_made(&e.files, &e.diags, &mut extras, &mut diags);
        }
        for e in &entries {
            for (path, bytes) in &e.published {
                extras.insert(path.clone(), bytes.clone());
            }
        }
        clock.lap("extras");
        if config.search.enable {
            // The index depends on every page's sections, title and URL.
            let key = {
                let mut h = blake3::Hasher::new();
                h.update(&config_key);
                h.update(&nav_key(&course));
                for k in &md_keys {
                    h.update(k);
                }
                *h.finalize().as_bytes()
            };
            if !matches!(&self.search, Some((k, _)) if *k == key) {
                if defer_search && self.search.is_some() {
                    pending_search = Some((key, config.clone()));
                } else {
                    self.search = Some((
                        key,
                        shared_list(site::search_index(&course, &rendered_refs, &config)),
                    ));
                    search_rebuilt = true;
                }
            }
            if let Some((_, files)) = &self.search {
                for (path, bytes) in files {
                    extras.insert(path.clone(), bytes.clone());
                }
            }
        }
        drop(templating);
        let pending_print = pending_print.then(|| (print_key, config.clone(), theme, tera));
        drop(rendered_refs);
        drop(rendered);
        drop(entries);
        let pages = course.pages.len();
        let urls: Vec<(String, String)> = course
            .pages
            .iter()
            .map(|p| (p.source.clone(), p.url.clone()))
            .collect();
        self.prev_course = Some(course);
        clock.lap("search");
        let checked = site::finish(&self.opts, &config, BTreeMap::new(), diags, pages)?;
        // Only a good build leaves an index to finish.
        self.pending_search = pending_search;
        self.pending_print = pending_print;

        // Assemble and diff against the last good build.
        let mut files: Files = HashMap::with_capacity(pages + extras.len());
        for (source, _url) in &urls {
            if let Some(e) = self.html.get(source) {
                files.insert(e.url.clone(), e.bytes.clone());
            }
        }
        let old = self.last_good.clone();
        for (path, bytes) in extras {
            // Keep sharing unchanged extras with the previous build.
            let shared = match old.as_ref().and_then(|o| o.get(&path)) {
                Some(prev) if Arc::ptr_eq(prev, &bytes) || **prev == *bytes => prev.clone(),
                _ => bytes,
            };
            files.insert(path, shared);
        }
        let mut changed: Vec<String> = match &old {
            None => files.keys().cloned().collect(),
            Some(old) => {
                let mut c: Vec<String> = files
                    .iter()
                    .filter(|(k, v)| old.get(*k).is_none_or(|o| !Arc::ptr_eq(o, v) && o != *v))
                    .map(|(k, _)| k.clone())
                    .collect();
                c.extend(old.keys().filter(|k| !files.contains_key(*k)).cloned());
                c
            }
        };
        changed.sort();
        let files = Arc::new(files);
        self.last_good = Some(files.clone());
        Ok(Outcome {
            files,
            changed,
            warnings: checked.warnings,
            pages: checked.pages,
            markdown_rendered,
            templated,
            search_rebuilt,
            timings: {
                clock.lap("assemble");
                clock.laps
            },
        })
    }
}

/// Adds cached course-wide files and their diagnostics to this rebuild's.
fn take_made(
    files: &FileList,
    made_diags: &[Diagnostic],
    extras: &mut BTreeMap<String, Arc<Vec<u8>>>,
    diags: &mut Vec<Diagnostic>,
) {
    diags.extend(made_diags.iter().cloned());
    for (path, bytes) in files {
        extras.insert(path.clone(), bytes.clone());
    }
}

fn is_examples_path(root: &Path, p: &Path) -> bool {
    p.starts_with(root.join(EXAMPLES_DIR)) || p.starts_with(EXAMPLES_DIR)
}

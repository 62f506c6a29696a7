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
use crate::markdown::{BlockHandler, BlockOutput, BlockPlace, PageRenderer, Rendered};
use crate::site::{self, BuildOptions, Templating};
use crate::theme::Theme;

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

fn hash_str(h: &mut blake3::Hasher, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
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

    /// [`file_key`] of a file a page read, once per rebuild.
    fn file_hash(&self, path: &Path) -> Key {
        let mut known = self.file_hashes.lock().unwrap_or_else(|e| e.into_inner());
        *known
            .entry(path.to_path_buf())
            .or_insert_with(|| file_key(path))
    }

    fn example_hash(&self, rel: &str) -> Key {
        if let Some(k) = self
            .examples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(rel)
        {
            return *k;
        }
        let path = self.opts.root.join(EXAMPLES_DIR).join(rel);
        // The file, and every file checked with it: its folder's set.
        let mut h = blake3::Hasher::new();
        match std::fs::read(&path) {
            Ok(bytes) => h.update(blake3::hash(&bytes).as_bytes()),
            Err(_) => h.update(&[0; 32]),
        };
        if let Some(dir) = path.canonicalize().ok().as_deref().and_then(Path::parent) {
            for sibling in crate::check::expect::folder_set(dir) {
                hash_str(&mut h, &sibling.to_string_lossy());
                match std::fs::read(&sibling) {
                    Ok(bytes) => h.update(blake3::hash(&bytes).as_bytes()),
                    Err(_) => h.update(&[1; 32]),
                };
            }
        }
        let key = *h.finalize().as_bytes();
        self.examples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel.to_owned(), key);
        key
    }

    /// Forgets cached example hashes the hint says may have changed. Any
    /// change below `examples/` forgets them all: re-hashing the included
    /// files is cheap and covers symlinks and renamed folders.
    fn apply_hint(&mut self, hint: &Hint) {
        let root = self.opts.root.clone();
        let examples = self.examples.get_mut().unwrap_or_else(|e| e.into_inner());
        match hint {
            Hint::All => {
                examples.clear();
                self.examples_epoch += 1;
                self.loads.clear();
            }
            Hint::Paths(paths) => {
                for p in paths {
                    self.loads.forget(&root, p);
                }
                if paths.iter().any(|p| is_examples_path(&root, p)) {
                    examples.clear();
                    self.examples_epoch += 1;
                }
            }
        }
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

    /// Brings the outputs left stale by [`Engine::rebuild_deferred`] (the
    /// search index, print.html) up to date; returns the new site and the
    /// paths that changed, or `None` when there was nothing to do. After
    /// this the site is byte-identical to a full build.
    pub fn finish_deferred(&mut self) -> Option<(Arc<Files>, Vec<String>)> {
        let search = self.pending_search.take();
        let print = self.pending_print.take();
        if search.is_none() && print.is_none() {
            return None;
        }
        let course = self.prev_course.as_ref()?;
        let rendered: Vec<&Rendered> = course
            .pages
            .iter()
            .map(|p| self.markdown.get(&p.source).map(|e| &*e.rendered))
            .collect::<Option<_>>()?;
        let mut files: Files = (**self.last_good.as_ref()?).clone();
        let mut changed = Vec::new();
        let mut replace = |old: &FileList, fresh: &FileList| {
            for (path, _) in old {
                if files.remove(path).is_some() {
                    changed.push(path.clone());
                }
            }
            for (path, bytes) in fresh {
                files.insert(path.clone(), bytes.clone());
                changed.push(path.clone());
            }
        };
        if let Some((key, config)) = search {
            let fresh = shared_list(site::search_index(course, &rendered, &config));
            if let Some((_, old)) = &self.search {
                replace(old, &fresh);
            }
            self.search = Some((key, fresh));
        }
        if let (Some((key, config, theme, tera)), Some(old)) = (print, self.print.take()) {
            let templating =
                Templating::new(&self.opts, &config, course, &theme, &tera, HashMap::new());
            let mut out = BTreeMap::new();
            let mut diags = Vec::new();
            templating.print_edition(&rendered, &mut out, &mut diags);
            let fresh = shared_list(out);
            replace(&old.files, &fresh);
            // Reported by the next rebuild if there are any (there are none
            // unless the template-wide inputs changed, which is not deferred).
            self.print = Some(PrintEntry {
                key,
                tpl: old.tpl,
                files: fresh,
                diags,
            });
        }
        changed.sort();
        changed.dedup();
        let files = Arc::new(files);
        self.last_good = Some(files.clone());
        Some((files, changed))
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

        let config_key = {
            let mut h = blake3::Hasher::new();
            hash_str(&mut h, &format!("{config:?}"));
            h.update(&[self.opts.drafts as u8, self.opts.deny_warnings as u8]);
            *h.finalize().as_bytes()
        };
        // Markdown-wide inputs: config, asset paths, the link map, the
        // glossary and its page, custom schemas.
        let md_global = {
            let mut h = blake3::Hasher::new();
            h.update(&config_key);
            h.update(&file_key(&root.join(crate::learn::glossary_file())));
            hash_str(&mut h, handler.learn().glossary_url().unwrap_or(""));
            for dir in &config.kubernetes.schemas {
                h.update(&tree_key(&root.join(dir)));
            }
            for k in theme.assets.keys() {
                hash_str(&mut h, k);
            }
            h.update(b"|");
            for p in &course.pages {
                hash_str(&mut h, &p.source);
                hash_str(&mut h, &p.url);
            }
            *h.finalize().as_bytes()
        };
        // Template-wide inputs: config, templates, assets, reload script, navigation.
        let tpl_global = {
            let mut h = blake3::Hasher::new();
            h.update(&config_key);
            for (name, (text, file)) in &theme.templates {
                hash_str(&mut h, name);
                hash_str(&mut h, text);
                hash_str(&mut h, &file.to_string_lossy());
            }
            for (k, v) in &theme.assets {
                hash_str(&mut h, k);
                h.update(blake3::hash(v).as_bytes());
            }
            hash_str(&mut h, self.opts.inject.as_deref().unwrap_or(""));
            h.update(&nav_key(&course));
            *h.finalize().as_bytes()
        };

        // Text hashes, reusing those of unchanged texts.
        let texts: FxHashMap<String, Key> = course
            .pages
            .par_iter()
            .map(|p| {
                let old = self
                    .prev_course
                    .as_ref()
                    .and_then(|c| c.by_source(&p.source))
                    .filter(|o| Arc::ptr_eq(&o.text, &p.text) || o.text == p.text);
                let key = match old.and_then(|_| self.texts.get(&p.source)) {
                    Some(k) => *k,
                    None => *blake3::hash(p.text.as_bytes()).as_bytes(),
                };
                (p.source.clone(), key)
            })
            .collect();

        clock.lap("keys");
        // Markdown: reuse entries whose inputs are unchanged.
        let bases: Vec<Key> = course
            .pages
            .par_iter()
            .map(|p| {
                let mut h = blake3::Hasher::new();
                h.update(&md_global);
                hash_str(&mut h, &p.source);
                hash_str(&mut h, &p.url);
                hash_str(&mut h, &p.file.to_string_lossy());
                h.update(&texts[&p.source]);
                *h.finalize().as_bytes()
            })
            .collect();
        let dirty: Vec<usize> = course
            .pages
            .iter()
            .filter(|p| match self.markdown.get(&p.source) {
                Some(e) if e.base == bases[p.id] => {
                    e.opaque
                        || e.deps.iter().any(|(rel, k)| self.example_hash(rel) != *k)
                        || e.files.iter().any(|(f, k)| self.file_hash(f) != *k)
                }
                _ => true,
            })
            .map(|p| p.id)
            .collect();
        let asset_exists = |p: &str| theme.assets.contains_key(p);
        let examples_canonical = root.join(EXAMPLES_DIR).canonicalize().ok();
        let root_canonical = root.canonicalize().unwrap_or_else(|_| root.clone());
        let fresh: Vec<(usize, MdEntry)> = dirty
            .par_iter()
            .map(|&id| {
                let page = &course.pages[id];
                // One handler per page, so that what it publishes, shows and
                // uses is this page's.
                let blocks = Recording {
                    inner: handler.fork(),
                    examples: examples_canonical.as_deref(),
                    root: &root_canonical,
                    deps: Mutex::default(),
                    files: Mutex::default(),
                    opaque: Mutex::new(false),
                };
                let renderer = PageRenderer {
                    course: &course,
                    highlighter: &self.cache,
                    asset_exists: &asset_exists,
                    blocks: &blocks,
                };
                let rendered = renderer.render(page);
                let deps: Vec<(String, Key)> = {
                    let mut d = blocks.deps.into_inner().unwrap_or_else(|e| e.into_inner());
                    d.sort();
                    d.dedup();
                    d.into_iter()
                        .map(|rel| {
                            let k = self.example_hash(&rel);
                            (rel, k)
                        })
                        .collect()
                };
                let files: Vec<(PathBuf, Key)> = {
                    let mut f = blocks.files.into_inner().unwrap_or_else(|e| e.into_inner());
                    f.sort();
                    f.dedup();
                    f.into_iter()
                        .map(|p| {
                            let k = self.file_hash(&p);
                            (p, k)
                        })
                        .collect()
                };
                let opaque = blocks
                    .opaque
                    .into_inner()
                    .unwrap_or_else(|e| e.into_inner());
                let published = shared_list(blocks.inner.published_files());
                let usages = blocks
                    .inner
                    .usages()
                    .into_iter()
                    .flat_map(|(file, list)| list.into_iter().map(move |u| (file.clone(), u)))
                    .collect();
                let terms = blocks.inner.learn().used_terms();
                (
                    id,
                    MdEntry {
                        base: bases[id],
                        deps,
                        files,
                        opaque,
                        rendered: Arc::new(rendered),
                        published,
                        usages,
                        terms,
                    },
                )
            })
            .collect();
        let markdown_rendered = fresh.len();
        for (id, entry) in fresh {
            self.markdown.insert(course.pages[id].source.clone(), entry);
        }
        let live: HashSet<&str> = course.pages.iter().map(|p| p.source.as_str()).collect();
        self.markdown.retain(|k, _| live.contains(k.as_str()));
        self.texts = texts;
        let live: HashSet<String> = live.into_iter().map(str::to_owned).collect();

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

/// Everything navigation shows about every page: titles, URLs, the tree and
/// the reading order.
fn nav_key(course: &Course) -> Key {
    let mut h = blake3::Hasher::new();
    for p in &course.pages {
        hash_str(&mut h, &p.source);
        hash_str(&mut h, &p.url);
        hash_str(&mut h, &p.front.title);
        h.update(&[p.is_section as u8]);
        h.update(&(p.parent.map_or(u64::MAX, |x| x as u64)).to_le_bytes());
        h.update(&(p.children.len() as u64).to_le_bytes());
        for &c in &p.children {
            h.update(&(c as u64).to_le_bytes());
        }
    }
    h.update(&(course.home as u64).to_le_bytes());
    for &o in &course.order {
        h.update(&(o as u64).to_le_bytes());
    }
    *h.finalize().as_bytes()
}

/// Wraps the course's block handler and records which `examples/` files a
/// page's directives include, and which other files it reads.
struct Recording<'a> {
    inner: CourseBlocks,
    /// `examples/`, canonical: includes resolving elsewhere (symlinks) are
    /// not tracked.
    examples: Option<&'a Path>,
    /// The course root, canonical.
    root: &'a Path,
    deps: Mutex<Vec<String>>,
    /// `{{#include}}`d files and files published beside the page.
    files: Mutex<Vec<PathBuf>>,
    opaque: Mutex<bool>,
}

impl BlockHandler for Recording<'_> {
    // Every method forwards to the course's handler; a method left to its
    // default here would render differently from the full build.
    fn begin_page(
        &self,
        page: &crate::content::Page,
        events: &[(pulldown_cmark::Event<'_>, std::ops::Range<usize>)],
    ) {
        self.inner.begin_page(page, events);
    }

    fn code_block(
        &self,
        place: BlockPlace<'_>,
        lang: &str,
        info: &str,
        text: &str,
    ) -> Option<BlockOutput> {
        self.inner.code_block(place, lang, info, text)
    }

    fn highlighted_as<'l>(&self, lang: &'l str) -> Option<&'l str> {
        self.inner.highlighted_as(lang)
    }

    fn prose(
        &self,
        page: &crate::content::Page,
        text: &str,
        seen: &mut HashSet<usize>,
    ) -> Option<String> {
        self.inner.prose(page, text, seen)
    }

    fn link(
        &self,
        place: BlockPlace<'_>,
        dest: &str,
    ) -> Option<Result<(String, Option<String>), Diagnostic>> {
        self.inner.link(place, dest)
    }

    fn page_asset(&self, page: &crate::content::Page, path: &str) -> Option<Result<(), String>> {
        let out = self.inner.page_asset(page, path);
        let source_dir = crate::markdown::links::dir_of(&page.source);
        self.read_file(
            self.root
                .join(crate::content::CONTENT_DIR)
                .join(source_dir)
                .join(path),
        );
        out
    }

    fn directive(&self, place: BlockPlace<'_>, name: &str, args: &str) -> Option<BlockOutput> {
        let out = self.inner.directive(place, name, args);
        if out.is_some() {
            match (name, crate::blocks::parse_example_args(args)) {
                ("example", Ok(a)) => match crate::markdown::links::resolve("", &a.path) {
                    Some(rel) if self.inside_examples(&rel) => self
                        .deps
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(rel),
                    // Climbs out of examples/: depends on a file we do not track.
                    _ => *self.opaque.lock().unwrap_or_else(|e| e.into_inner()) = true,
                },
                ("example", Err(_)) => {}
                ("include", _) => {
                    if let Some(file) = crate::include::dependency(self.root, place.page, args) {
                        self.read_file(file);
                    }
                }
                // Depends on the glossary and its page only: both in the key.
                (crate::learn::GLOSSARY_DIRECTIVE, _) => {}
                _ => *self.opaque.lock().unwrap_or_else(|e| e.into_inner()) = true,
            }
        }
        out
    }
}

impl Recording<'_> {
    /// Records a file the page read: canonical when it exists (that is
    /// the path a watcher reports), as looked for when it does not.
    fn read_file(&self, path: PathBuf) {
        let path = path.canonicalize().unwrap_or(path);
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path);
    }

    /// Whether `examples/rel` and its folder really are below `examples/`
    /// (a symlink may point elsewhere, where changes are not tracked).
    fn inside_examples(&self, rel: &str) -> bool {
        let Some(examples) = self.examples else {
            return false;
        };
        match examples.join(rel).canonicalize() {
            Ok(c) => c.starts_with(examples),
            // A missing file: its error depends on the name only.
            Err(_) => true,
        }
    }
}

/// Hash of a file's bytes (zeros when it cannot be read).
fn file_key(path: &Path) -> Key {
    match std::fs::read(path) {
        Ok(bytes) => *blake3::hash(&bytes).as_bytes(),
        Err(_) => [0; 32],
    }
}

/// Hash of every file below `dir`: names and contents.
fn tree_key(dir: &Path) -> Key {
    let mut h = blake3::Hasher::new();
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        hash_str(&mut h, &entry.path().to_string_lossy());
        h.update(&file_key(entry.path()));
    }
    *h.finalize().as_bytes()
}

struct Clock {
    last: std::time::Instant,
    laps: Vec<(&'static str, f64)>,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            last: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.laps
            .push((name, (now - self.last).as_secs_f64() * 1000.0));
        self.last = now;
    }
}

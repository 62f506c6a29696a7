//! The Markdown stage of the incremental rebuild: pages whose inputs
//! changed are rendered again, each with a handler that records which
//! files it reads.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::blocks::{CourseBlocks, EXAMPLES_DIR};
use crate::content::Course;
use crate::diagnostic::Diagnostic;
use crate::markdown::{BlockHandler, BlockOutput, BlockPlace, PageRenderer};
use crate::theme::Theme;

use super::keys::{Clock, hash_str};
use super::{Engine, Key, MdEntry, shared_list};

impl Engine {
    /// Renders the Markdown of every page whose inputs changed (its text,
    /// `md_global`, the examples and other files it read) and keeps the
    /// others' results; forgets pages that are gone. Returns how many
    /// pages were rendered.
    pub(super) fn render_pages(
        &mut self,
        root: &Path,
        course: &Course,
        handler: &CourseBlocks,
        theme: &Theme,
        md_global: &Key,
        clock: &mut Clock,
    ) -> usize {
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
                h.update(md_global);
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
        let root_canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
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
                    course,
                    highlighter: &self.cache,
                    asset_exists: &asset_exists,
                    blocks: &blocks,
                };
                let rendered = renderer.render(page);
                let deps = keyed(blocks.deps, |rel: &String| self.example_hash(rel));
                let files = keyed(blocks.files, |p: &PathBuf| self.file_hash(p));
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
        markdown_rendered
    }
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

/// What a page read, each once, in order, with its key.
fn keyed<T: Ord>(read: Mutex<Vec<T>>, key: impl Fn(&T) -> Key) -> Vec<(T, Key)> {
    let mut read = read.into_inner().unwrap_or_else(|e| e.into_inner());
    read.sort();
    read.dedup();
    read.into_iter()
        .map(|t| {
            let k = key(&t);
            (t, k)
        })
        .collect()
}

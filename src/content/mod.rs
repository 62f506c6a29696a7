//! Loads `content/` into a tree of pages.
//!
//! Every `.md` file is a page; every folder is a section whose `_index.md`
//! holds its title and introduction. The tree gives the sidebar, the
//! breadcrumbs and the reading order used for previous/next links.

pub mod front_matter;
mod tree;

use tree::{build_tree, last_segment};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::diagnostic::Diagnostic;
pub use front_matter::FrontMatter;

pub const CONTENT_DIR: &str = "content";
pub const SECTION_FILE: &str = "_index.md";

/// Index of a page in [`Course::pages`].
pub type PageId = usize;

#[derive(Debug, Clone)]
pub struct Page {
    pub id: PageId,
    pub is_section: bool,
    /// Path relative to `content/`, with `/` separators: `03-workloads/pods.md`.
    pub source: String,
    /// Path shown in diagnostics, relative to the course root.
    pub file: PathBuf,
    /// The whole file. Shared with the load cache of `serve`, which keeps
    /// unchanged pages between rebuilds without copying them.
    pub text: Arc<str>,
    pub front: FrontMatter,
    /// Byte offset of the Markdown body in `text`.
    pub body_offset: usize,
    /// Output path relative to the site root, with `/` separators:
    /// `workloads/pods.html`, `workloads/index.html`, `index.html`.
    pub url: String,
    pub parent: Option<PageId>,
    /// For sections: pages and subsections, in order.
    pub children: Vec<PageId>,
    pub depth: usize,
}

impl Page {
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }
}

#[derive(Debug, Clone)]
pub struct Course {
    pub pages: Vec<Page>,
    /// The home page (`content/_index.md`).
    pub home: PageId,
    /// Reading order: depth-first, a section before its children.
    pub order: Vec<PageId>,
    /// Problems that did not stop loading: skipped special files, and the
    /// front-matter errors of pages that stand in with their file name as
    /// title (so one page's error hides no other page's, and its folder
    /// keeps its section). Errors here still fail the build, at its end.
    pub warnings: Vec<Diagnostic>,
    by_source: FxHashMap<String, PageId>,
}

impl Course {
    pub fn by_source(&self, source: &str) -> Option<&Page> {
        self.by_source.get(source).map(|&id| &self.pages[id])
    }

    /// Position of a page in the reading order.
    pub fn position(&self, id: PageId) -> Option<usize> {
        self.order.iter().position(|&p| p == id)
    }

    /// The chain of sections from the home page down to `id`'s parent.
    pub fn ancestors(&self, id: PageId) -> Vec<PageId> {
        let mut chain = Vec::new();
        let mut cur = self.pages[id].parent;
        while let Some(p) = cur {
            chain.push(p);
            cur = self.pages[p].parent;
        }
        chain.reverse();
        chain
    }
}

/// Options that change which pages are loaded.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    pub drafts: bool,
}

/// Pages read by a previous [`load_cached`], reused while their file's size
/// and modification time are unchanged (and it was not [`LoadCache::forget`]
/// -ten): `serve` re-reads only the files that changed. The list of files
/// is kept too, and walked again only when a forgotten path was not a known
/// page (a new file or folder) or is no longer a regular file (deleted or
/// replaced): an edit is noticed by its size or time even if nobody
/// reports it, a new or removed page only when [`LoadCache::forget`] is
/// told (as `serve`'s watcher does).
#[derive(Debug, Default)]
pub struct LoadCache {
    /// By path relative to `content/`, `/` separated.
    files: FxHashMap<String, CachedFile>,
    listing: Option<Listing>,
}

/// The result of walking `content/`: the page files, in order, and what
/// the walk reported.
#[derive(Debug, Clone)]
struct Listing {
    files: Vec<PathBuf>,
    diags: Vec<Diagnostic>,
}

#[derive(Debug)]
struct CachedFile {
    len: u64,
    modified: Option<std::time::SystemTime>,
    text: Arc<str>,
    front: FrontMatter,
    body_offset: usize,
}

impl LoadCache {
    /// Forces a re-read of `path` (absolute, or relative to `root`).
    pub fn forget(&mut self, root: &Path, path: &Path) {
        let rel = path.strip_prefix(root).unwrap_or(path);
        if let Ok(rel) = rel.strip_prefix(CONTENT_DIR) {
            let source = slash_path(rel);
            let known = self.files.remove(&source).is_some();
            let full = if path.is_absolute() {
                path.to_path_buf()
            } else {
                root.join(path)
            };
            let regular = std::fs::symlink_metadata(&full).is_ok_and(|m| m.is_file());
            if !known || !regular {
                self.listing = None;
            }
        } else if rel.is_absolute() {
            // Not below this root as given (e.g. a canonical path): be safe.
            self.clear();
        }
    }

    pub fn clear(&mut self) {
        self.files.clear();
        self.listing = None;
    }
}

/// Loads every page below `root/content`. All problems are collected and
/// returned together.
pub fn load(root: &Path, opts: LoadOptions) -> Result<Course, Vec<Diagnostic>> {
    load_cached(root, opts, &mut LoadCache::default())
}

/// [`load`], reusing the pages of `cache` whose files did not change.
pub fn load_cached(
    root: &Path,
    opts: LoadOptions,
    cache: &mut LoadCache,
) -> Result<Course, Vec<Diagnostic>> {
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        return Err(vec![Diagnostic::error(
            "io",
            CONTENT_DIR,
            format!("no `{CONTENT_DIR}/` folder in {}", root.display()),
        )]);
    }
    let (mut listing, mut walked) = match cache.listing.take() {
        Some(l) => (l, false),
        None => (walk(root, &content), true),
    };
    let loaded = loop {
        // Files are independent: read (or take from the cache) on all cores,
        // since `serve` looks at every page of the course on every rebuild.
        let loaded: Vec<Result<Loaded, Diagnostic>> = listing
            .files
            .par_iter()
            .map(|path| load_file(root, &content, path, &cache.files, opts))
            .collect();
        // A kept list that names a file now gone: nobody said it was
        // deleted; walk again rather than report it unreadable.
        let stale = !walked
            && loaded
                .iter()
                .zip(&listing.files)
                .any(|(r, path)| r.is_err() && std::fs::symlink_metadata(path).is_err());
        if !stale {
            break loaded;
        }
        listing = walk(root, &content);
        walked = true;
    };
    let mut diags = listing.diags.clone();
    let mut pages = Vec::with_capacity(loaded.len());
    let mut sources = Vec::with_capacity(loaded.len());
    let mut stand_in_errors = Vec::new();
    for result in loaded {
        match result {
            Ok(l) => {
                if let Some(entry) = l.read {
                    cache.files.insert(l.source.clone(), entry);
                }
                sources.push(l.source);
                pages.extend(l.page);
                stand_in_errors.extend(l.error);
            }
            Err(d) => diags.push(d),
        }
    }
    // Entries of files that are gone (or no longer readable).
    if cache.files.len() != sources.len() {
        let live: rustc_hash::FxHashSet<&str> = sources.iter().map(String::as_str).collect();
        cache.files.retain(|k, _| live.contains(k.as_str()));
    }
    cache.listing = Some(listing);

    match build_tree(pages, &mut diags) {
        Some(mut c) if !diags.iter().any(Diagnostic::is_error) => {
            // Warnings (skipped special files) do not stop a build, and
            // front-matter errors stop it only once every page was seen.
            diags.extend(stand_in_errors);
            c.warnings = diags;
            Ok(c)
        }
        _ => {
            diags.extend(stand_in_errors);
            Err(diags)
        }
    }
}

/// The page files below `content/` in file-name order, and the problems met:
/// unreadable folders, links out of `content/`, special files.
fn walk(root: &Path, content: &Path) -> Listing {
    let mut diags = Vec::new();
    let mut files = Vec::new();
    let canonical_content = content
        .canonicalize()
        .unwrap_or_else(|_| content.to_path_buf());
    // Symbolic links are followed when they stay inside content/: a linked
    // folder is read like a real one. A link that leaves content/ (or leads
    // nowhere) is an error at the link and is not entered; a loop is an
    // error at the link that closes it.
    let refused = std::cell::RefCell::new(Vec::new());
    let stays_inside = |e: &walkdir::DirEntry| {
        if !e.path_is_symlink() {
            return true;
        }
        let path = e.path();
        let message = match path.canonicalize() {
            Ok(target) if target.starts_with(&canonical_content) => return true,
            Ok(_) => {
                "symbolic link points outside content/; kourse only reads files inside the course"
                    .to_owned()
            }
            Err(e) => format!("broken symbolic link: {e}"),
        };
        // Only links that matter: pages and folders (a link named x.png is
        // not read at all).
        if e.file_type().is_dir()
            || path.extension().is_some_and(|x| x == "md")
            || path.canonicalize().is_err()
        {
            refused
                .borrow_mut()
                .push(Diagnostic::error("symlink", shown(root, path), message));
        }
        false
    };
    for entry in walkdir::WalkDir::new(content)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(stays_inside)
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| shown(root, p))
                    .unwrap_or_else(|| PathBuf::from(CONTENT_DIR));
                let is_link = e
                    .path()
                    .and_then(|p| std::fs::symlink_metadata(p).ok())
                    .is_some_and(|m| m.file_type().is_symlink());
                let cause = e
                    .io_error()
                    .map_or_else(|| e.to_string(), ToString::to_string);
                let (rule, message) = match e.loop_ancestor() {
                    Some(a) => (
                        "symlink",
                        format!(
                            "symbolic link loop: it leads back to {}, which contains it",
                            shown(root, a).display()
                        ),
                    ),
                    None if is_link => ("symlink", format!("broken symbolic link: {cause}")),
                    None => ("io", format!("cannot read: {cause}")),
                };
                diags.push(Diagnostic::error(rule, path, message));
                continue;
            }
        };
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        if !ft.is_file() {
            diags.push(Diagnostic::warning(
                "not-a-file",
                shown(root, path),
                "not a regular file (a FIFO, socket or device); skipped",
            ));
            continue;
        }
        files.push(path.to_path_buf());
    }
    diags.extend(refused.into_inner());
    Listing { files, diags }
}

/// One content file: its page (none for a draft left out), and its new
/// load-cache entry if it was read rather than taken from the cache.
struct Loaded {
    source: String,
    read: Option<CachedFile>,
    page: Option<Page>,
    /// The page's front matter could not be read: `page` stands in for it.
    error: Option<Diagnostic>,
}

fn load_file(
    root: &Path,
    content: &Path,
    path: &Path,
    previous: &FxHashMap<String, CachedFile>,
    opts: LoadOptions,
) -> Result<Loaded, Diagnostic> {
    let file = shown(root, path);
    let rel = path.strip_prefix(content).unwrap_or(path);
    let source = slash_path(rel);
    let meta = std::fs::metadata(path).ok();
    let stamp = meta.as_ref().map(|m| (m.len(), m.modified().ok()));
    let cached = previous
        .get(&source)
        .filter(|c| stamp == Some((c.len, c.modified)));
    let mut read = None;
    let mut error = None;
    let (text, front, body_offset) = match cached {
        Some(c) => (c.text.clone(), c.front.clone(), c.body_offset),
        None => {
            let text: Arc<str> = Arc::from(read_text(path, &file)?);
            let (front, body_offset) = match front_matter::split(&text, &file) {
                Ok(split) => (split.front, split.body_offset),
                Err(d) => {
                    // A stand-in with no body, never cached: the error is
                    // reported on every build until the file is fixed.
                    error = Some(d);
                    let title = slug_of(last_segment(&source));
                    let front = front_matter::FrontMatter {
                        title,
                        search: false,
                        ..Default::default()
                    };
                    return Ok(Loaded {
                        page: Some(page_of(rel, &source, file, text.clone(), front, text.len())),
                        source,
                        read: None,
                        error,
                    });
                }
            };
            read = stamp.map(|(len, modified)| CachedFile {
                len,
                modified,
                text: text.clone(),
                front: front.clone(),
                body_offset,
            });
            (text, front, body_offset)
        }
    };
    let page = (!front.draft || opts.drafts)
        .then(|| page_of(rel, &source, file, text, front, body_offset));
    Ok(Loaded {
        source,
        read,
        page,
        error,
    })
}

fn page_of(
    rel: &Path,
    source: &str,
    file: PathBuf,
    text: Arc<str>,
    front: front_matter::FrontMatter,
    body_offset: usize,
) -> Page {
    Page {
        id: 0,
        is_section: rel.file_name().is_some_and(|n| n == SECTION_FILE),
        source: source.to_owned(),
        file,
        text,
        front,
        body_offset,
        url: String::new(),
        parent: None,
        children: Vec::new(),
        depth: 0,
    }
}

pub use crate::source::{MAX_FILE_BYTES, read_text};

fn shown(root: &Path, path: &Path) -> PathBuf {
    crate::diagnostic::display_path(path, root)
}

/// A relative path written with `/` separators, as page sources and output
/// paths are, whatever the platform.
pub fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `03-workloads` → `workloads`; `10-faq.md` → `faq`.
pub fn slug_of(name: &str) -> String {
    let stem = name.strip_suffix(".md").unwrap_or(name);
    let bytes = stem.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0
        && digits < bytes.len()
        && (bytes[digits] == b'-' || bytes[digits] == b'_')
        && digits + 1 < bytes.len()
    {
        stem[digits + 1..].to_owned()
    } else {
        stem.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_drop_order_prefix() {
        assert_eq!(slug_of("03-workloads"), "workloads");
        assert_eq!(slug_of("10_faq.md"), "faq");
        assert_eq!(slug_of("1999.md"), "1999");
        assert_eq!(slug_of("pods.md"), "pods");
    }

    fn page(source: &str, weight: Option<i64>) -> Page {
        Page {
            id: 0,
            is_section: source.ends_with(SECTION_FILE),
            source: source.to_owned(),
            file: PathBuf::from(format!("content/{source}")),
            text: Arc::from(""),
            front: FrontMatter {
                title: source.to_owned(),
                weight,
                ..Default::default()
            },
            body_offset: 0,
            url: String::new(),
            parent: None,
            children: Vec::new(),
            depth: 0,
        }
    }

    #[test]
    fn tree_orders_by_weight_then_name_and_assigns_urls() {
        let pages = vec![
            page("_index.md", None),
            page("02-b/_index.md", Some(20)),
            page("02-b/y.md", None),
            page("02-b/x.md", None),
            page("01-a/_index.md", Some(10)),
            page("01-a/z.md", Some(1)),
            page("01-a/w.md", Some(2)),
        ];
        let mut diags = Vec::new();
        let c = build_tree(pages, &mut diags).unwrap();
        assert!(diags.is_empty());
        let urls: Vec<_> = c.order.iter().map(|&i| c.pages[i].url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "index.html",
                "a/index.html",
                "a/z.html",
                "a/w.html",
                "b/index.html",
                "b/x.html",
                "b/y.html"
            ]
        );
    }

    #[test]
    fn duplicate_slug_is_an_error() {
        let mut p = page("b.md", None);
        p.front.slug = Some("a".into());
        let pages = vec![page("_index.md", None), page("a.md", None), p];
        let mut diags = Vec::new();
        assert!(build_tree(pages, &mut diags).is_none());
        assert_eq!(diags[0].rule, "duplicate-slug");
        assert!(diags[0].line > 0, "{:?}", diags[0]);
    }

    #[test]
    fn folder_without_index_is_an_error() {
        let pages = vec![page("_index.md", None), page("a/x.md", None)];
        let mut diags = Vec::new();
        assert!(build_tree(pages, &mut diags).is_none());
        assert_eq!(diags[0].rule, "missing-section");
    }

    #[test]
    fn load_cache_keeps_its_file_list_until_told_of_new_or_removed_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, title: &str| {
            let p = root.join("content").join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, format!("+++\ntitle = \"{title}\"\n+++\nText.\n")).unwrap();
        };
        write("_index.md", "Home");
        write("a.md", "A");
        let opts = LoadOptions::default();
        let mut cache = LoadCache::default();
        let titles = |c: &Course| -> Vec<String> {
            c.order
                .iter()
                .map(|&i| c.pages[i].front.title.clone())
                .collect()
        };
        let course = load_cached(root, opts, &mut cache).unwrap();
        assert_eq!(titles(&course), ["Home", "A"]);

        // An edit nobody reports is still seen (its size changed).
        write("a.md", "A, edited");
        assert_eq!(
            titles(&load_cached(root, opts, &mut cache).unwrap()),
            ["Home", "A, edited"]
        );

        // A new page is seen once the watcher names it...
        write("b.md", "B");
        assert_eq!(
            titles(&load_cached(root, opts, &mut cache).unwrap()).len(),
            2
        );
        cache.forget(root, Path::new("content/b.md"));
        assert_eq!(
            titles(&load_cached(root, opts, &mut cache).unwrap()),
            ["Home", "A, edited", "B"]
        );

        // ...and so is a new folder of pages (named by its folder).
        write("c/_index.md", "C");
        cache.forget(root, Path::new("content/c"));
        assert_eq!(
            titles(&load_cached(root, opts, &mut cache).unwrap()),
            ["Home", "A, edited", "B", "C"]
        );

        // A deleted page is dropped, named or not, never "cannot read".
        std::fs::remove_file(root.join("content/b.md")).unwrap();
        assert_eq!(
            titles(&load_cached(root, opts, &mut cache).unwrap()),
            ["Home", "A, edited", "C"]
        );
        std::fs::remove_file(root.join("content/a.md")).unwrap();
        cache.forget(root, Path::new("content/a.md"));
        assert_eq!(
            titles(&load_cached(root, opts, &mut cache).unwrap()),
            ["Home", "C"]
        );
        assert_eq!(cache.files.len(), 2, "entries of deleted files are dropped");
    }
}

//! Content keys of the incremental rebuild's inputs (hashes of what a
//! result was computed from), and the clock of its stages.

use std::path::Path;

use crate::blocks::{CourseBlocks, EXAMPLES_DIR};
use crate::config::Config;
use crate::content::Course;
use crate::site::BuildOptions;
use crate::theme::Theme;

use super::{Engine, Hint, Key, is_examples_path};

pub(super) fn hash_str(h: &mut blake3::Hasher, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// The course-wide keys: the config alone, what every page's Markdown
/// depends on, and what every page's template step depends on.
pub(super) fn global_keys(
    root: &Path,
    opts: &BuildOptions,
    config: &Config,
    theme: &Theme,
    course: &Course,
    handler: &CourseBlocks,
) -> (Key, Key, Key) {
    let config_key = {
        let mut h = blake3::Hasher::new();
        hash_str(&mut h, &format!("{config:?}"));
        h.update(&[opts.drafts as u8, opts.deny_warnings as u8]);
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
        hash_str(&mut h, opts.inject.as_deref().unwrap_or(""));
        h.update(&nav_key(course));
        *h.finalize().as_bytes()
    };

    (config_key, md_global, tpl_global)
}

/// Everything navigation shows about every page: titles, URLs, the tree and
/// the reading order.
pub(super) fn nav_key(course: &Course) -> Key {
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

/// Hash of a file's bytes (zeros when it cannot be read).
pub(super) fn file_key(path: &Path) -> Key {
    match std::fs::read(path) {
        Ok(bytes) => *blake3::hash(&bytes).as_bytes(),
        Err(_) => [0; 32],
    }
}

/// Hash of every file below `dir`: names and contents.
pub(super) fn tree_key(dir: &Path) -> Key {
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

pub(super) struct Clock {
    last: std::time::Instant,
    pub(super) laps: Vec<(&'static str, f64)>,
}

impl Clock {
    pub(super) fn new() -> Clock {
        Clock {
            last: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    pub(super) fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.laps
            .push((name, (now - self.last).as_secs_f64() * 1000.0));
        self.last = now;
    }
}

impl Engine {
    /// [`file_key`] of a file a page read, once per rebuild.
    pub(super) fn file_hash(&self, path: &Path) -> Key {
        let mut known = self.file_hashes.lock().unwrap_or_else(|e| e.into_inner());
        *known
            .entry(path.to_path_buf())
            .or_insert_with(|| file_key(path))
    }

    pub(super) fn example_hash(&self, rel: &str) -> Key {
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
    pub(super) fn apply_hint(&mut self, hint: &Hint) {
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
}

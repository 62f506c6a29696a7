//! Watching the course's inputs, debounced so that an editor's save burst
//! (write a temporary file, rename it over the original, touch metadata)
//! arrives as one batch.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use notify::{EventHandler, EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{Config, DebounceEventResult, Debouncer, new_debouncer_opt};

/// The folders below the course root whose changes trigger a rebuild.
pub const WATCHED_DIRS: &[&str] = &["content", "examples", "templates", "static"];
pub const CONFIG_FILE: &str = "book.toml";

/// Editor swap, backup, lock and temporary files.
pub fn is_editor_noise(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    let n = name.as_ref();
    n.starts_with(".#")                               // emacs lock
        || (n.starts_with('#') && n.ends_with('#'))   // emacs auto-save
        || n.ends_with('~')                           // emacs, gedit, kate backups
        || [".swp", ".swo", ".swx", ".swn", ".tmp", ".bak", ".kate-swp", "___jb_tmp___", "___jb_old___", ".crswap"]
            .iter()
            .any(|s| n.ends_with(s))
        || n == "4913"                                // vim's write test
        || n == ".DS_Store"
        || n.starts_with(".goutputstream")
        || n.starts_with(".~lock.")
}

/// Whether a changed path is one of the course's inputs.
pub fn is_input(root: &Path, path: &Path) -> bool {
    if is_editor_noise(path) {
        return false;
    }
    let rel = match path.strip_prefix(root) {
        Ok(r) => r,
        Err(_) => return false,
    };
    let mut comps = rel.components();
    match comps.next().map(|c| c.as_os_str().to_string_lossy()) {
        Some(first) if first == CONFIG_FILE => comps.next().is_none(),
        Some(first) => WATCHED_DIRS.contains(&first.as_ref()),
        None => false,
    }
}

/// The platform watcher without read events: inotify reports every open of
/// a file, and the rebuild itself opens every input, which would trigger the
/// next rebuild forever. notify-debouncer-mini drops the event kind, so the
/// filter has to sit below it.
pub struct ChangesOnly(RecommendedWatcher);

impl notify::Watcher for ChangesOnly {
    fn new<F: EventHandler>(mut handler: F, config: notify::Config) -> notify::Result<Self> {
        RecommendedWatcher::new(
            move |e: notify::Result<notify::Event>| match &e {
                Ok(ev) if matches!(ev.kind, EventKind::Access(_)) => {}
                _ => handler.handle_event(e),
            },
            config,
        )
        .map(ChangesOnly)
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn kind() -> notify::WatcherKind {
        RecommendedWatcher::kind()
    }
}

pub type Watcher = Debouncer<ChangesOnly>;

/// Files outside the watched folders that the course reads (an
/// `{{#include}}` may name any file of the course), canonical.
pub type Extra = Arc<RwLock<HashSet<PathBuf>>>;

/// Starts watching `root`. Batches of changed inputs (and of the `extra`
/// files, once [`watch_extra`] has added their folders) go to `tx`.
pub fn watch(
    root: &Path,
    debounce: Duration,
    tx: Sender<Vec<PathBuf>>,
    extra: Extra,
) -> notify::Result<Watcher> {
    let root_cb = root.to_path_buf();
    let config = Config::default()
        .with_timeout(debounce)
        .with_batch_mode(true);
    let mut debouncer =
        new_debouncer_opt::<_, ChangesOnly>(config, move |res: DebounceEventResult| {
            if let Ok(events) = res {
                let paths: Vec<PathBuf> = events
                    .into_iter()
                    .map(|e| e.path)
                    .filter(|p| {
                        is_input(&root_cb, p)
                            || (!is_editor_noise(p)
                                && extra.read().unwrap_or_else(|e| e.into_inner()).contains(p))
                    })
                    .collect();
                if !paths.is_empty() {
                    let _ = tx.send(paths);
                }
            }
        })?;
    // The root itself, not recursively: book.toml (editors replace it by
    // renaming, which a watch on the file would lose) and folders that appear.
    debouncer
        .watcher()
        .watch(root, RecursiveMode::NonRecursive)?;
    for dir in WATCHED_DIRS {
        let p = root.join(dir);
        if p.is_dir() {
            debouncer.watcher().watch(&p, RecursiveMode::Recursive)?;
        }
    }
    Ok(debouncer)
}

/// Starts watching a folder that appeared after the server started.
pub fn watch_new_dirs(w: &mut Watcher, root: &Path, changed: &[PathBuf]) {
    for p in changed {
        if p.parent() == Some(root) && p.is_dir() {
            let _ = w.watcher().watch(p, RecursiveMode::Recursive);
        }
    }
}

/// Makes the watcher report changes of `files` (canonical paths of files
/// the last build read) that lie outside the watched folders: their
/// folders are watched, not recursively (an editor replaces a file by
/// renaming, which a watch on the file itself would lose). `dirs` holds
/// the folders watched so far; a file no longer read stops counting.
pub fn watch_extra(
    w: &mut Watcher,
    root: &Path,
    files: HashSet<PathBuf>,
    extra: &Extra,
    dirs: &mut HashSet<PathBuf>,
) {
    let outside: HashSet<PathBuf> = files
        .into_iter()
        .filter(|f| f.starts_with(root) && !is_input(root, f))
        .collect();
    for dir in outside.iter().filter_map(|f| f.parent()) {
        if dir.is_dir()
            && !dirs.contains(dir)
            && w.watcher().watch(dir, RecursiveMode::NonRecursive).is_ok()
        {
            dirs.insert(dir.to_path_buf());
        }
    }
    *extra.write().unwrap_or_else(|e| e.into_inner()) = outside;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_and_inputs() {
        let root = Path::new("/c");
        assert!(is_input(root, Path::new("/c/content/a.md")));
        assert!(is_input(root, Path::new("/c/book.toml")));
        assert!(is_input(root, Path::new("/c/static")));
        assert!(!is_input(root, Path::new("/c/public/a.html")));
        assert!(!is_input(root, Path::new("/c/content/.a.md.swp")));
        assert!(!is_input(root, Path::new("/c/content/a.md~")));
        assert!(!is_input(root, Path::new("/c/content/4913")));
        assert!(!is_input(root, Path::new("/c/content/#a.md#")));
        assert!(!is_input(root, Path::new("/elsewhere/content/a.md")));
    }
}

//! Writing the site: everything goes to a temporary folder next to the
//! output folder, which is swapped in whole at the end. A failed or killed
//! build leaves the previous site as it was, and nothing outside the output
//! folder (and its temporary sibling) is ever written or deleted.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::diagnostic::Diagnostic;

/// Where a build puts its files: the staging folder of `kourse build`, or
/// memory (`serve`, tests). Files arrive from the rendering threads as soon
/// as each is made, so a build never holds the whole site.
pub trait Sink: Sync {
    /// Stores one file (relative `/` path).
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// Stores one file that `write` produces piece by piece.
    fn put_with(
        &self,
        rel: &str,
        write: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
}

/// A site in memory.
#[derive(Debug, Default)]
pub struct MemorySink {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemorySink {
    pub fn into_files(self) -> BTreeMap<String, Vec<u8>> {
        self.files.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Sink for MemorySink {
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn put_with(
        &self,
        rel: &str,
        write: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        write(&mut bytes)?;
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel.to_owned(), bytes);
        Ok(())
    }
}

/// Keeps nothing: where pages go once a build is known to fail (they are
/// still rendered, for their template errors).
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _: &str, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }

    fn put_with(
        &self,
        _: &str,
        _: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        Ok(())
    }
}

/// Marks a folder as kourse output, so an existing folder of the same name
/// that kourse did not write is never deleted.
pub const MARKER: &str = ".kourse-output";

/// Checks that `out` is a safe place to write a site for the course at `root`.
/// `explicit` is true when the user named it with `--dest`.
pub fn check_destination(root: &Path, out: &Path, explicit: bool) -> Result<(), Diagnostic> {
    let root_c = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let out_c = canonical_maybe_missing(out);
    let refuse = |msg: String| Err(Diagnostic::error("output-dir", out.to_path_buf(), msg));
    if out_c == root_c {
        return refuse(
            "the output folder is the course root; choose a folder inside it such as `public`"
                .into(),
        );
    }
    if root_c.starts_with(&out_c) {
        return refuse(
            "the output folder contains the course; choose a folder inside the course".into(),
        );
    }
    if out_c.join("content").exists() || out_c.join(crate::config::CONFIG_FILE).exists() {
        return refuse(
            "the output folder contains content/ or book.toml; it looks like a course, not a site"
                .into(),
        );
    }
    if !out_c.starts_with(&root_c) && !explicit {
        return refuse(
            "the output folder lies outside the course; name it with --dest to confirm".into(),
        );
    }
    for protected in ["content", "templates", "static", "examples"] {
        if out_c.starts_with(root_c.join(protected)) {
            return refuse(format!(
                "the output folder is inside {protected}/, which holds the course's sources"
            ));
        }
    }
    if out_c.is_dir()
        && !out_c.join(MARKER).exists()
        && std::fs::read_dir(&out_c).is_ok_and(|mut d| d.next().is_some())
    {
        return refuse(format!(
            "{} exists, is not empty and was not written by kourse; kourse will not delete it",
            out.display()
        ));
    }
    Ok(())
}

fn canonical_maybe_missing(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => canonical_maybe_missing(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })
        .join(name),
        _ => p.to_path_buf(),
    }
}

/// A folder being filled with a new site.
pub struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
    files: std::sync::atomic::AtomicUsize,
}

impl Staging {
    /// Creates the temporary folder beside `out` (same filesystem, so the
    /// final rename is atomic).
    pub fn new(out: &Path) -> std::io::Result<Staging> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".into());
        remove_stale(&parent, &name);
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-{}-", std::process::id()))
            .tempdir_in(&parent)?;
        std::fs::write(
            dir.path().join(MARKER),
            b"This folder is written by kourse build and replaced whole on every build.\n",
        )?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            files: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes one file (relative `/` path), creating its folders.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::write(self.create_parent(rel)?, bytes)
    }

    /// How many files have been written.
    pub fn files(&self) -> usize {
        self.files.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn create_parent(&self, rel: &str) -> std::io::Result<PathBuf> {
        self.files
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(path)
    }

    /// Replaces the output folder with the staged one. The old site is moved
    /// aside first and removed only after the new one is in place.
    pub fn commit(self) -> std::io::Result<()> {
        let staged = self.dir.keep();
        let result = swap_in(&staged, &self.out);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staged);
        }
        result
    }
}

impl Sink for Staging {
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write(rel, bytes)
    }

    fn put_with(
        &self,
        rel: &str,
        write: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let file = std::fs::File::create(self.create_parent(rel)?)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut w)?;
        w.flush()
    }
}

fn swap_in(staged: &Path, out: &Path) -> std::io::Result<()> {
    // Two attempts: another build may create or replace `out` between the
    // existence test and the rename.
    for _ in 0..2 {
        if out.exists() {
            // One atomic step where the kernel offers it: at every instant
            // `out` is either the previous site or the new one, even if the
            // process is killed here.
            if exchange(staged, out)? {
                // `staged` now holds the previous site.
                let _ = std::fs::remove_dir_all(staged);
                return Ok(());
            }
            return swap_by_renames(staged, out);
        }
        match std::fs::rename(staged, out) {
            Ok(()) => return Ok(()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::DirectoryNotEmpty
                ) => {}
            Err(e) => return Err(e),
        }
    }
    swap_by_renames(staged, out)
}

/// Without an atomic exchange: the previous site is moved aside, the new one
/// renamed in, and the previous one removed. A kill between the two renames
/// leaves the previous site in `.NAME.old-PID-…`, which the next build
/// removes.
fn swap_by_renames(staged: &Path, out: &Path) -> std::io::Result<()> {
    let parent = staged.parent().unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let old = tempfile::Builder::new()
        .prefix(&format!(".{name}.old-{}-", std::process::id()))
        .tempdir_in(parent)?
        .keep();
    // `old` exists as an empty folder; rename over it (allowed for an
    // empty destination folder on Unix).
    std::fs::rename(out, &old)?;
    if let Err(e) = std::fs::rename(staged, out) {
        // Put the previous site back.
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Swaps two folders atomically (Linux `renameat2(RENAME_EXCHANGE)`).
/// `Ok(false)` when the kernel or filesystem cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings that outlive
    // the call; the system call only reads them.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENOSYS | libc::EINVAL | libc::ENOTSUP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Removes the staging and set-aside folders (`.NAME.tmp-PID-…`,
/// `.NAME.old-PID-…`) that builds killed before they finished left beside
/// the output folder: only folders kourse wrote (they hold [`MARKER`]) and
/// whose process is gone, so a build running at the same time keeps its own.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-")];
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(rest) = prefixes
            .iter()
            .find_map(|p| file_name.strip_prefix(p.as_str()))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let path = entry.path();
        if pid != std::process::id() && !process_alive(pid) && path.join(MARKER).is_file() {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_alive(_: u32) -> bool {
    // Unknown: keep the folder.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_dangerous_destinations() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("content")).unwrap();
        assert!(check_destination(root, root, true).is_err());
        assert!(check_destination(root, &root.join("content/x"), true).is_err());
        assert!(check_destination(root, &root.join("public"), false).is_ok());
        let outside = tempfile::tempdir().unwrap();
        assert!(check_destination(root, &outside.path().join("site"), false).is_err());
        assert!(check_destination(root, &outside.path().join("site"), true).is_ok());
        std::fs::create_dir(root.join("mine")).unwrap();
        std::fs::write(root.join("mine/keep.txt"), "x").unwrap();
        assert!(check_destination(root, &root.join("mine"), false).is_err());
    }

    #[test]
    fn staging_swaps_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let s = Staging::new(&out).unwrap();
        s.write("a/b.html", b"one").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read(out.join("a/b.html")).unwrap(), b"one");
        let s = Staging::new(&out).unwrap();
        s.write("c.html", b"two").unwrap();
        s.commit().unwrap();
        assert!(!out.join("a/b.html").exists());
        assert_eq!(std::fs::read(out.join("c.html")).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }
}

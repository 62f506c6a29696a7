//! Writing the site: everything goes to a temporary folder next to the
//! output folder, which is swapped in whole at the end. A failed or killed
//! build leaves the previous site as it was, and nothing outside the output
//! folder (and its temporary siblings) is ever written or deleted.
//!
//! The site a build replaces is not deleted but kept beside the output as
//! `.NAME.spare`, and the next build stages into it: it overwrites the files
//! that are there and deletes the ones it did not write. Creating thousands
//! of files costs the filesystem far more than rewriting them (ext4, for
//! one, searches for a free inode and avoids those freed in the last
//! minutes, which every rebuild's deleted site has just freed): at 2,000
//! pages that was a quarter of a rebuild's time.
//!
//! A fresh staging folder (no spare: the first build, or the output was
//! deleted) is marked as the top of a folder tree, so ext4 places its
//! section folders, and the pages in them, in block groups of their own
//! rather than beside the inodes the deleted site has just freed.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

mod destination;
mod swap;

pub use destination::check_destination;
use destination::mark_tree_top;

use swap::{remove_site_dir, remove_stale, swap_in};

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
    /// Stores one file made of `parts`, one after another (a page: its
    /// template's output with the page's body between the halves).
    fn put_parts(&self, rel: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        self.put(rel, &parts.concat())
    }
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

    fn put_parts(&self, _: &str, _: &[&[u8]]) -> std::io::Result<()> {
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

/// A folder being filled with a new site.
pub struct Staging {
    dir: StagingDir,
    out: PathBuf,
    files: std::sync::atomic::AtomicUsize,
    /// Files a reused spare held (relative `/` paths), and which of them
    /// this build has written: the others are deleted before the swap.
    existing: HashSet<String>,
    written: Mutex<HashSet<String>>,
}

/// The staging folder, removed when dropped unless kept.
struct StagingDir {
    path: PathBuf,
    keep: bool,
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = remove_site_dir(&self.path);
        }
    }
}

fn spare_name(name: &str) -> String {
    format!(".{name}.spare")
}

/// Claims the spare beside the output: renamed to `staging` (atomic, so of
/// two builds at once only one gets it) and checked to hold only folders
/// and regular files (a link in it could make a write land elsewhere).
/// Returns the files it holds, or `None` when there is no usable spare.
fn claim_spare(parent: &Path, name: &str, staging: &Path) -> Option<HashSet<String>> {
    let spare = parent.join(spare_name(name));
    if !spare.join(MARKER).is_file() || std::fs::rename(&spare, staging).is_err() {
        return None;
    }
    let unusable = || {
        let _ = remove_site_dir(staging);
        let _ = std::fs::create_dir(staging);
        None
    };
    let mut files = HashSet::new();
    for entry in walkdir::WalkDir::new(staging)
        .follow_links(false)
        .min_depth(1)
    {
        let Ok(entry) = entry else {
            return unusable();
        };
        let ft = entry.file_type();
        if ft.is_file() {
            let Ok(rel) = entry.path().strip_prefix(staging) else {
                return unusable();
            };
            files.insert(crate::content::slash_path(rel));
        } else if !ft.is_dir() {
            return unusable();
        }
    }
    Some(files)
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
        let fresh = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-{}-", std::process::id()))
            .tempdir_in(&parent)?;
        // The spare takes the fresh folder's name (renaming a folder over
        // an empty one is allowed), so a killed build's leftover is still
        // recognised as a staging folder by its name.
        let dir = StagingDir {
            path: fresh.keep(),
            keep: false,
        };
        let existing = match claim_spare(&parent, &name, &dir.path) {
            Some(files) => files,
            None => {
                mark_tree_top(&dir.path);
                HashSet::new()
            }
        };
        std::fs::write(
            dir.path.join(MARKER),
            b"This folder is written by kourse build and replaced whole on every build.\n",
        )?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            files: Default::default(),
            existing,
            written: Mutex::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir.path
    }

    /// Writes one file (relative `/` path), creating its folders.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write_parts(rel, &[bytes])
    }

    /// Writes `parts` one after another into one file, in one call where
    /// the kernel takes them all.
    pub fn write_parts(&self, rel: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        let path = self.create_parent(rel)?;
        match write_file(&path, parts) {
            // A reused spare may hold a folder where this build has a file.
            Err(_) if path.is_dir() => {
                std::fs::remove_dir_all(&path)?;
                write_file(&path, parts)
            }
            r => r,
        }
    }

    /// How many files have been written.
    pub fn files(&self) -> usize {
        self.files.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn create_parent(&self, rel: &str) -> std::io::Result<PathBuf> {
        // Every output path was checked where content or configuration made
        // it; this is the last line: nothing is written outside the folder.
        if !crate::paths::is_normal_relative(rel) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "`{}` is not a path inside the output folder; not written",
                    rel.escape_debug()
                ),
            ));
        }
        self.files
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !self.existing.is_empty() {
            self.written
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(rel.to_owned());
        }
        let path = self.dir.path.join(rel);
        if let Some(parent) = path.parent() {
            if std::fs::create_dir_all(parent).is_err() {
                // A reused spare may hold a file where this build has a
                // folder: remove it and try again.
                let mut at = parent;
                while at.starts_with(&self.dir.path) && at != self.dir.path {
                    if at.is_file() {
                        std::fs::remove_file(at)?;
                        break;
                    }
                    at = at.parent().unwrap_or(&self.dir.path);
                }
                std::fs::create_dir_all(parent)?;
            }
        }
        Ok(path)
    }

    /// Deletes what a reused spare held that this build did not write.
    fn prune(&self) -> std::io::Result<()> {
        if self.existing.is_empty() {
            return Ok(());
        }
        let written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let mut folders = HashSet::new();
        for rel in self.existing.difference(&written) {
            if rel == MARKER {
                continue;
            }
            let path = self.dir.path.join(rel);
            // Already replaced by a folder of this build, or removed with one.
            if path.is_file() {
                std::fs::remove_file(&path)?;
            }
            let mut at = Path::new(rel.as_str()).parent();
            while let Some(p) = at.filter(|p| !p.as_os_str().is_empty()) {
                folders.insert(p.to_path_buf());
                at = p.parent();
            }
        }
        // Folders left empty, deepest first.
        let mut folders: Vec<PathBuf> = folders.into_iter().collect();
        folders.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        for f in folders {
            let _ = std::fs::remove_dir(self.dir.path.join(f));
        }
        Ok(())
    }

    /// Replaces the output folder with the staged one. The previous site
    /// becomes the spare the next build stages into.
    pub fn commit(mut self) -> std::io::Result<()> {
        self.prune()?;
        let result = swap_in(&self.dir.path, &self.out);
        if result.is_ok() {
            self.dir.keep = true;
        }
        result
    }
}

impl Sink for Staging {
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write(rel, bytes)
    }

    fn put_parts(&self, rel: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        self.write_parts(rel, parts)
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

/// Creates (or truncates) `path` and writes `parts` into it.
fn write_file(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    let mut slices: Vec<std::io::IoSlice<'_>> =
        parts.iter().map(|p| std::io::IoSlice::new(p)).collect();
    let mut rest = &mut slices[..];
    std::io::IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
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
        // A missing folder's `..` climbs for real: these lead out of the
        // course, or into content/.
        assert!(check_destination(root, &root.join("public/../../x"), false).is_err());
        assert!(check_destination(root, &root.join("missing/../content"), true).is_err());
        assert!(check_destination(root, &root.join("a/b/../../public"), false).is_ok());
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
        let mut leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        leftovers.sort();
        assert_eq!(leftovers, [".public.spare", "public"]);
    }

    fn files_of(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if e.file_type().is_dir() {
                    format!("{rel}/")
                } else {
                    rel
                }
            })
            .collect();
        v.sort();
        v
    }

    #[cfg(unix)]
    #[test]
    fn the_replaced_site_is_the_next_staging_folder_and_keeps_only_what_is_written() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let build = |files: &[(&str, &[u8])]| {
            let s = Staging::new(&out).unwrap();
            for (rel, bytes) in files {
                s.write(rel, bytes).unwrap();
            }
            s.commit().unwrap();
        };
        build(&[
            ("a/b.html", b"one"),
            ("c.html", b"one"),
            ("x/y/z.html", b"one"),
        ]);
        let first_inode = std::fs::metadata(out.join("a/b.html")).unwrap().ino();
        build(&[("c.html", b"two"), ("d/e.html", b"two")]);
        assert_eq!(files_of(&out), [MARKER, "c.html", "d/", "d/e.html"]);
        // The first site is the spare now; the third build stages into it:
        // the file it rewrites keeps its inode, what it does not write is
        // gone (empty folders too), and a file becomes a folder and back.
        build(&[
            ("a/b.html", b"three"),
            ("c.html/inner.html", b"three"),
            ("x", b"three"),
        ]);
        assert_eq!(
            files_of(&out),
            [
                MARKER,
                "a/",
                "a/b.html",
                "c.html/",
                "c.html/inner.html",
                "x"
            ]
        );
        assert_eq!(std::fs::read(out.join("a/b.html")).unwrap(), b"three");
        assert_eq!(
            std::fs::metadata(out.join("a/b.html")).unwrap().ino(),
            first_inode
        );
        assert_eq!(
            files_of(&dir.path().join(".public.spare")),
            [MARKER, "c.html", "d/", "d/e.html"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn leftovers_of_killed_builds_are_removed_only_when_marked_or_empty() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let make = |suffix: &str, files: &[&str]| {
            let d = dir.path().join(format!(".public.tmp-{dead}-{suffix}"));
            std::fs::create_dir(&d).unwrap();
            for f in files {
                std::fs::write(d.join(f), b"x").unwrap();
            }
            d
        };
        let empty = make("empty", &[]);
        let marked = make("marked", &[MARKER, "a.html"]);
        let foreign = make("foreign", &["notes.txt"]);
        Staging::new(&out).unwrap().commit().unwrap();
        assert!(!empty.exists() && !marked.exists());
        assert!(foreign.join("notes.txt").exists(), "not kourse's: kept");
        // A removal cut short keeps the marker until last.
        let site = make("site", &[MARKER, "b.html"]);
        std::fs::create_dir(site.join("sub")).unwrap();
        remove_site_dir(&site).unwrap();
        assert!(!site.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_spare_holding_a_link_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("victim.html");
        std::fs::write(&target, b"keep me").unwrap();
        let out = dir.path().join("public");
        let spare = dir.path().join(".public.spare");
        std::fs::create_dir(&spare).unwrap();
        std::fs::write(spare.join(MARKER), b"").unwrap();
        std::os::unix::fs::symlink(&target, spare.join("page.html")).unwrap();
        let s = Staging::new(&out).unwrap();
        s.write("page.html", b"new").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
        assert!(
            std::fs::symlink_metadata(out.join("page.html"))
                .unwrap()
                .is_file()
        );
        assert_eq!(files_of(&out), [MARKER, "page.html"]);
    }

    /// The flag is asserted where it is known to be kept: on ext4, which
    /// this project's machines use (elsewhere the hint may be refused).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_fresh_staging_folder_is_marked_as_a_tree_top_on_ext4() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let s = Staging::new(&out).unwrap();
        let folder = std::fs::File::open(s.path()).unwrap();
        // SAFETY: statfs and the ioctl write only into the values given.
        let (fs_type, flags) = unsafe {
            let mut st: libc::statfs = std::mem::zeroed();
            assert_eq!(libc::fstatfs(folder.as_raw_fd(), &mut st), 0);
            let mut flags: libc::c_int = 0;
            libc::ioctl(folder.as_raw_fd(), libc::FS_IOC_GETFLAGS, &mut flags);
            (st.f_type, flags)
        };
        const EXT4_SUPER_MAGIC: i64 = 0xEF53;
        // f_type is an i64 here but of another width on other targets.
        #[allow(clippy::unnecessary_cast)]
        let fs_type = fs_type as i64;
        if fs_type != EXT4_SUPER_MAGIC {
            eprintln!("not ext4 (f_type {fs_type:#x}): the tree-top flag is not checked");
            return;
        }
        assert_ne!(flags & 0x0002_0000, 0, "FS_TOPDIR_FL not set: {flags:#x}");
        s.commit().unwrap();
        // The replaced site becomes the spare; staging into it needs no flag.
        let s = Staging::new(&out).unwrap();
        assert!(s.path().join(MARKER).is_file());
    }
}

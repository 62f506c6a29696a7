//! Where a site may be written: never onto the course, its sources or a
//! folder kourse did not write; and how a fresh staging folder is marked.

use std::path::{Path, PathBuf};

use super::MARKER;
use crate::diagnostic::Diagnostic;

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

/// Where `p` leads, as the kernel would resolve it once the missing part
/// is created: the longest existing prefix canonicalised, then the rest
/// applied by its text (`..` of a missing folder is just its parent). A
/// missing part appended as text, `..` and all, once let
/// `…/course/public/../../x` pass for a folder inside the course.
pub(super) fn canonical_maybe_missing(p: &Path) -> PathBuf {
    use std::path::Component;
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let parts: Vec<Component<'_>> = abs.components().collect();
    let mut at = parts.len();
    let mut base = PathBuf::from("/");
    while at > 0 {
        if let Ok(c) = parts[..at].iter().collect::<PathBuf>().canonicalize() {
            base = c;
            break;
        }
        at -= 1;
    }
    for part in &parts[at..] {
        match part {
            Component::ParentDir => {
                base.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::Normal(name) => base.push(name),
        }
    }
    base
}

/// Sets the "top of directory hierarchy" flag (`chattr +T`) on `dir`, where
/// the filesystem has it: ext4 then spreads `dir`'s subfolders over block
/// groups with free inodes to spare, as it does for folders in `/`. On an
/// ext4 without a journal that matters: allocating an inode skips over
/// every inode freed in the last minute, one by one, so writing 2,500 files
/// right after deleting a site of that size spent a fifth of a 2,000-page
/// build in the kernel. Only a hint: any failure is ignored.
pub(super) fn mark_tree_top(dir: &Path) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        /// FS_TOPDIR_FL of linux/fs.h (not in the libc crate).
        const FS_TOPDIR_FL: libc::c_int = 0x0002_0000;
        let Ok(folder) = std::fs::File::open(dir) else {
            return;
        };
        let fd = folder.as_raw_fd();
        let mut flags: libc::c_int = 0;
        // SAFETY: both ioctls read or write one int through the pointer
        // given, on a descriptor owned by `folder` for the whole call.
        unsafe {
            if libc::ioctl(fd, libc::FS_IOC_GETFLAGS, &mut flags) == 0 {
                flags |= FS_TOPDIR_FL;
                libc::ioctl(fd, libc::FS_IOC_SETFLAGS, &flags);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
}

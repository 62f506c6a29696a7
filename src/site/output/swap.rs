//! Putting a staged site in place of the output folder (an atomic exchange
//! where the platform has one, renames otherwise), keeping the old one as
//! the spare, and clearing what killed builds left behind.

use std::path::Path;

use super::{MARKER, spare_name};

pub(super) fn swap_in(staged: &Path, out: &Path) -> std::io::Result<()> {
    // Two attempts: another build may create or replace `out` between the
    // existence test and the rename.
    for _ in 0..2 {
        if out.exists() {
            // One atomic step where the kernel offers it: at every instant
            // `out` is either the previous site or the new one, even if the
            // process is killed here.
            if exchange(staged, out)? {
                // `staged` now holds the previous site: the next spare.
                keep_as_spare(staged, out);
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
    keep_as_spare(&old, out);
    Ok(())
}

/// Keeps a replaced site (a folder kourse wrote) as the spare beside `out`,
/// or removes it if there is one already (another build's).
fn keep_as_spare(previous: &Path, out: &Path) {
    let parent = previous.parent().unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let spare = parent.join(spare_name(&name));
    let kept = previous.join(MARKER).is_file()
        && !spare.exists()
        && std::fs::rename(previous, &spare).is_ok();
    if !kept {
        let _ = remove_site_dir(previous);
    }
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
pub(super) fn remove_stale(parent: &Path, name: &str) {
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
        // An empty one is a build killed before it wrote anything.
        let empty = std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none());
        if pid != std::process::id()
            && !process_alive(pid)
            && (path.join(MARKER).is_file() || empty)
        {
            let _ = remove_site_dir(&path);
        }
    }
}

/// Removes a folder kourse wrote, its [`MARKER`] last: a removal cut short
/// (the process killed) leaves a folder still marked as kourse's, which the
/// next build then removes, rather than one it must leave alone.
pub(super) fn remove_site_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == MARKER {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    match std::fs::remove_file(dir.join(MARKER)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::remove_dir(dir)
}

#[cfg(unix)]
pub(super) fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
pub(super) fn process_alive(_: u32) -> bool {
    // Unknown: keep the folder.
    true
}

//! Built sites for browser tests: the bundled course and the starter
//! course of `kourse init`, each built once by the real binary, and the
//! list of their pages.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Build the course at `root` into a fresh folder with `kourse build`.
pub fn build(root: &Path) -> tempfile::TempDir {
    let dest = tempfile::Builder::new()
        .prefix("kourse-site-")
        .tempdir()
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .arg("build")
        .arg("--dest")
        .arg(dest.path())
        .current_dir(root)
        .output()
        .expect("run kourse build");
    assert!(
        out.status.success(),
        "kourse build of {} failed:\n{}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    dest
}

/// The bundled course (this repository's content/), built.
pub fn bundled_course() -> tempfile::TempDir {
    build(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// The starter course of `kourse init`, built; the first folder holds the
/// course, the second the site.
pub fn starter_course() -> (tempfile::TempDir, tempfile::TempDir) {
    let course = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .arg("init")
        .arg(course.path())
        .output()
        .expect("run kourse init");
    assert!(out.status.success(), "kourse init failed: {out:?}");
    let site = build(course.path());
    (course, site)
}

/// Every HTML page of a built site a reader opens from file:// (all but
/// the 404 page, whose links start at a server's root), sorted.
pub fn pages(site: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "html") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(site, &mut out);
    out.retain(|p| p != &site.join("404.html"));
    out.sort();
    out
}

//! The stages depend one way (config → content → check → render → write):
//! a module must not name a later stage, or a sibling that names it back.
//! Read from the source text, so a new import that closes a cycle fails here.

use std::path::{Path, PathBuf};

/// (files, what they must not name, why)
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "src/source.rs",
        &[
            "crate::config",
            "crate::content",
            "crate::check",
            "crate::site",
        ],
        "source.rs is the ground floor every stage reads files through",
    ),
    (
        "src/diagnostic.rs",
        &[
            "crate::check",
            "crate::diagnostic_formats",
            "crate::config",
            "crate::content",
        ],
        "a diagnostic is a value every stage makes; the formats that need the rule catalogue live in diagnostic_formats",
    ),
    (
        "src/config.rs",
        &[
            "crate::content",
            "crate::check",
            "crate::site",
            "crate::serve",
        ],
        "config is read before content",
    ),
    (
        "src/content",
        &[
            "crate::config",
            "crate::check",
            "crate::site",
            "crate::serve",
        ],
        "content is read without the config module (shared TOML helpers are in source.rs)",
    ),
    (
        "src/check/expect.rs",
        &["cli::", "crate::check::cli"],
        "the command line calls the expectation check, not the other way round",
    ),
    (
        "src/check/files.rs",
        &["cli::", "crate::check::cli"],
        "which files are manifests is shared by the command line and the checks",
    ),
];

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out
}

/// The lines (1-based) of `text` whose code, before any `//` comment, names
/// one of `forbidden`.
fn offending<'a>(text: &str, forbidden: &[&'a str]) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for name in forbidden {
            if code.contains(name) {
                out.push((n + 1, *name));
            }
        }
    }
    out
}

#[test]
fn stages_depend_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    for (files, forbidden, why) in RULES {
        let found = rust_files(&root.join(files));
        assert!(!found.is_empty(), "{files}: no Rust files");
        for file in found {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, name) in offending(&text, forbidden) {
                broken.push(format!(
                    "{}:{line}: names `{name}` ({why})",
                    file.strip_prefix(root).unwrap().display(),
                ));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_scan_finds_a_forbidden_name_outside_comments() {
    let text =
        "//! names crate::check in a comment\nuse crate::check::rules; // crate::site\nfn f() {}\n";
    assert_eq!(
        offending(text, &["crate::check", "crate::site"]),
        vec![(2, "crate::check")]
    );
}

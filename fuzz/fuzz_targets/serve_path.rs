//! The dev server's request-target normaliser (`kourse serve`): any target
//! either is refused or becomes a site path that cannot leave the site
//! (no `..`, `.`, empty or drive segments, no separators or ASCII control
//! bytes inside a segment), normalises to itself when sent again, and looks up
//! only files that exist and are not dot-files or in a dot-folder.
#![no_main]

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use kourse::serve::http::{Lookup, SitePath, hidden, lookup, site_path};
use libfuzzer_sys::fuzz_target;

fn files() -> &'static HashMap<String, Arc<Vec<u8>>> {
    static F: OnceLock<HashMap<String, Arc<Vec<u8>>>> = OnceLock::new();
    F.get_or_init(|| {
        [
            "index.html",
            "404.html",
            "first-steps/index.html",
            "first-steps/first-pod.html",
            "kourse/style.css",
            "café/index.html",
            ".env",
            ".git/config",
            "kourse/.secret.css",
            ".well-known/index.html",
        ]
        .into_iter()
        .map(|p| (p.to_owned(), Arc::new(Vec::new())))
        .collect()
    })
}

/// Percent-encodes every byte but ASCII letters and digits.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn check(target: &str) {
    let Ok(p) = site_path(target) else {
        return;
    };
    assert!(!p.path.starts_with('/'), "{target:?} -> {p:?}");
    assert!(!p.path.contains('\\'), "{target:?} -> {p:?}");
    if !p.path.is_empty() {
        for seg in p.path.split('/') {
            assert!(!seg.is_empty(), "{target:?} -> {p:?}");
            assert!(seg != "." && seg != "..", "{target:?} -> {p:?}");
            assert!(!seg.contains(':'), "{target:?} -> {p:?}");
            assert!(
                !seg.bytes().any(|b| b < 0x20 || b == 0x7f),
                "{target:?} -> {p:?}"
            );
        }
    }
    // Sent again, encoded, it is the same path.
    let again: Vec<String> = if p.path.is_empty() {
        Vec::new()
    } else {
        p.path.split('/').map(encode).collect()
    };
    let mut t = format!("/{}", again.join("/"));
    if p.dir && !p.path.is_empty() {
        t.push('/');
    }
    // (Encoding can take a target past the server's length limit.)
    if t.len() <= 4096 {
        assert_eq!(
            site_path(&t),
            Ok(SitePath {
                path: p.path.clone(),
                dir: p.dir || p.path.is_empty(),
            }),
            "{target:?} -> {p:?} -> {t:?}"
        );
    }
    match lookup(files(), &p) {
        Lookup::File(f) => {
            assert!(files().contains_key(&f), "{target:?} -> {f:?}");
            assert!(!hidden(&f), "{target:?} -> {f:?}");
        }
        Lookup::Redirect(to) => {
            assert!(to.starts_with('/') && to.ends_with('/') && !to.starts_with("//"));
            assert!(!hidden(&to[1..]), "{target:?} -> {to:?}");
        }
        Lookup::NotFound => {}
    }
}

fuzz_target!(|data: &[u8]| {
    // The server sees the target as text (tiny_http refuses non-ASCII
    // heads); feed it lossily so every input counts.
    let text = String::from_utf8_lossy(data);
    check(&text);
    check(&format!("/{text}"));
});

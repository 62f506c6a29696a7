//! The embedded schema bundle matches its PROVENANCE record, is small, and
//! covers 1.29 through the newest version.

use kourse::check::bundle::{BUNDLE_GZ, PROVENANCE, bundled_versions};

#[path = "support/sha256.rs"]
mod sha256;
use sha256::sha256_hex;

fn field<'a>(key: &str) -> &'a str {
    PROVENANCE
        .lines()
        .find_map(|l| {
            l.strip_prefix(key)
                .and_then(|r| r.trim_start().strip_prefix('='))
                .map(str::trim)
        })
        .unwrap_or_else(|| panic!("PROVENANCE has no {key}"))
}

#[test]
fn bundle_checksum_matches_provenance() {
    assert_eq!(field("package"), "kubernetes-validate");
    assert_eq!(field("wheel_sha256").len(), 64);
    assert_eq!(sha256_hex(BUNDLE_GZ), field("bundle_sha256"));
}

#[test]
fn bundle_is_small_and_covers_the_versions() {
    assert!(
        BUNDLE_GZ.len() < 1 << 20,
        "bundle is {} bytes",
        BUNDLE_GZ.len()
    );
    let v = bundled_versions();
    assert_eq!(v.first().map(String::as_str), Some("1.29"));
    assert_eq!(v.join(" "), field("kubernetes_versions"));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check/data");
    assert!(root.join("NOTICE").is_file() && root.join("LICENSE-kubernetes-validate").is_file());
}

#[test]
fn sha256_known_answer() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

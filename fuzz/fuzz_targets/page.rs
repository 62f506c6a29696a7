//! A page's source: front matter, the yaml blocks the checker reads, and the
//! directive lines, then the whole page through a real build in a scratch
//! course (front matter + Markdown rendering + course blocks).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kourse::site::{BuildOptions, render_site};
use libfuzzer_sys::fuzz_target;

struct Scratch {
    root: PathBuf,
    config: kourse::config::Config,
    cache: kourse::highlight::HighlightCache,
}

fn scratch() -> &'static Scratch {
    static S: OnceLock<Scratch> = OnceLock::new();
    S.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("kourse-fuzz-page-{}", std::process::id()));
        std::fs::create_dir_all(root.join("content")).unwrap();
        std::fs::create_dir_all(root.join("examples")).unwrap();
        std::fs::write(root.join("book.toml"), "[book]\ntitle = \"Fuzz\"\n").unwrap();
        std::fs::write(
            root.join("examples/pod.yaml"),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n",
        )
        .unwrap();
        let config = kourse::config::Config::load(&root).unwrap();
        let cache = kourse::highlight::HighlightCache::new();
        Scratch { root, config, cache }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = kourse::content::front_matter::split(text, Path::new("content/_index.md"));
    let _ = kourse::check::markdown::yaml_blocks(text);
    for line in text.lines() {
        let _ = kourse::markdown::parse_directive(line);
    }
    let s = scratch();
    std::fs::write(s.root.join("content/_index.md"), text).unwrap();
    let opts = BuildOptions {
        root: s.root.clone(),
        ..Default::default()
    };
    let _ = render_site(&opts, &s.config, &s.cache);
});

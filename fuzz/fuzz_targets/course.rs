//! A whole course as input, through the real loader and page renderer:
//! the input is cut at `\n%%\n` into the home page, a section's `_index.md`,
//! a page of it and an example file, which are written to a scratch course,
//! loaded (front matter, slugs, the page tree) and rendered page by page
//! (Markdown, links, callouts, `{{#example}}`, inline manifests, quizzes).
//! The checker, theme and highlighter are made once, so an input costs a
//! load and a render, not a build (the `page` target's 95 runs a second).
//! Every page URL must name a file inside the output folder.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kourse::blocks::CourseBlocks;
use kourse::content::LoadOptions;
use kourse::highlight::HighlightCache;
use kourse::markdown::PageRenderer;
use libfuzzer_sys::fuzz_target;

struct Scratch {
    root: PathBuf,
    blocks: CourseBlocks,
    cache: HighlightCache,
}

const FILES: [&str; 4] = [
    "content/_index.md",
    "content/01-a/_index.md",
    "content/01-a/page.md",
    "examples/x.yaml",
];

fn scratch() -> &'static Scratch {
    static S: OnceLock<Scratch> = OnceLock::new();
    S.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("kourse-fuzz-course-{}", std::process::id()));
        std::fs::create_dir_all(root.join("content/01-a")).unwrap();
        std::fs::create_dir_all(root.join("examples")).unwrap();
        std::fs::write(root.join("book.toml"), "[book]\ntitle = \"Fuzz\"\n").unwrap();
        let root = kourse::paths::course_root(&root).unwrap();
        let config = kourse::config::Config::load(&root).unwrap();
        let blocks = CourseBlocks::new(&root, &config).unwrap();
        Scratch {
            root,
            blocks,
            cache: HighlightCache::new(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let s = scratch();
    let mut parts = text.splitn(FILES.len(), "\n%%\n");
    for file in FILES {
        std::fs::write(s.root.join(file), parts.next().unwrap_or("")).unwrap();
    }
    let Ok(course) = kourse::content::load(&s.root, LoadOptions::default()) else {
        return;
    };
    for page in &course.pages {
        let file = kourse::paths::file_of_url(&page.url);
        assert!(kourse::paths::is_normal_relative(&file), "{:?}", page.url);
        assert!(!page.url.contains(':'), "{:?}", page.url);
    }
    let mut blocks = s.blocks.fork();
    blocks.attach_course(&course);
    let renderer = PageRenderer {
        course: &course,
        highlighter: &s.cache,
        asset_exists: &|_| true,
        blocks: &blocks,
    };
    for page in &course.pages {
        let _ = renderer.render(page);
    }
});

//! The path and URL parsers of issue 18: whatever text content or
//! configuration holds, an accepted output path stays inside its folder, a
//! slug is one inert segment, a file name becomes a URL segment that no
//! browser reads as a scheme and decodes back to itself, and a link that
//! the URL filter lets through has an allowed scheme or none.
#![no_main]

use kourse::markdown::links::refused_url;
use kourse::paths;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rel) = paths::output_relative(text) {
        assert!(paths::is_normal_relative(&rel), "{rel:?}");
        assert_eq!(paths::output_relative(&rel).as_deref(), Ok(rel.as_str()));
        // Joined to a folder, it never climbs out of it.
        let joined = std::path::Path::new("/base").join(&rel);
        let mut depth = 0i32;
        for c in joined.components() {
            match c {
                std::path::Component::ParentDir => depth -= 1,
                std::path::Component::Normal(_) => depth += 1,
                _ => {}
            }
            assert!(depth >= 0, "{rel:?}");
        }
        assert!(joined.starts_with("/base"), "{rel:?}");
    } else {
        assert!(!paths::is_normal_relative(text), "{text:?}");
    }
    if paths::slug(text).is_ok() {
        assert!(!text.contains('/') && !text.starts_with('.'), "{text:?}");
        assert!(!text.contains(':') && !text.contains('<'), "{text:?}");
    }
    let seg = paths::url_segment(text);
    // Nothing in it ends an attribute, starts a scheme, a query or a fragment.
    assert!(!seg.contains([':', '<', '>', '"', '\'', '#', '?', ' ']), "{seg}");
    assert_eq!(paths::file_of_url(&seg), text);
    for image in [false, true] {
        if refused_url(text, image).is_none() {
            // What passes has no scheme a browser would run.
            let cleaned: String = text
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect();
            let lower = cleaned
                .trim_start_matches(|c: char| c <= ' ')
                .to_ascii_lowercase();
            for bad in ["javascript:", "vbscript:", "file:"] {
                assert!(!lower.starts_with(bad), "{text:?} passed");
            }
            if lower.starts_with("data:") {
                assert!(image, "{text:?} passed as a link");
            }
        }
    }
});

//! The `{{#example …}}` directive: recognising it on a line, parsing its
//! arguments, and cutting the excerpt (lines, region, doc) out of a file.
#![no_main]

use kourse::blocks::{excerpt, parse_example_args};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: a directive; the rest: the file it shows.
    let (line, file) = text.split_once('\n').unwrap_or((text, ""));
    if let Some((name, args)) = kourse::markdown::parse_directive(line)
        && name == "example"
        && let Ok(args) = parse_example_args(args)
    {
        let _ = excerpt(file, &args);
    }
    if let Ok(args) = parse_example_args(line) {
        let _ = excerpt(file, &args);
    }
});

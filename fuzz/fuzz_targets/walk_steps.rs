//! The walk's step parser: a shell block (first line: its language) split
//! into commands and parsed as kubectl steps, and the same text as a page
//! body. Every command's place must lie inside the block.
#![no_main]

use kourse::check::walk::shell::shell_commands;
use kourse::check::walk::steps::{action, page_steps};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (lang, block) = text.split_once('\n').unwrap_or(("console", text));
    let lines = block.lines().count();
    for cmd in shell_commands(lang.trim(), block, 1, 1) {
        assert!(cmd.line >= 1 && cmd.line <= lines.max(1), "line {} of {lines}", cmd.line);
        assert!(cmd.col >= 1);
        let _ = action(&cmd);
    }
    let _ = page_steps(text, 0);
});

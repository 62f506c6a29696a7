//! The YAML checker (parse + validate + rules + cross-checks) on any text.
#![no_main]

use std::sync::OnceLock;

use kourse::check::{CheckOptions, Checker, Source};
use libfuzzer_sys::fuzz_target;

fn checker() -> &'static Checker {
    static C: OnceLock<Checker> = OnceLock::new();
    C.get_or_init(|| Checker::new(&CheckOptions::default()).expect("bundle loads"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = checker().check(&[Source::new("fuzz.yaml", text)]);
    }
});

//! Programs some tests need (kubectl, helm): found on PATH, else the test
//! skips loudly, or fails when `KOURSE_REQUIRE_TOOLS=1` (as CI sets it).

#![allow(dead_code)] // each test binary uses a different subset

/// Whether `program` is on PATH; prints `SKIPPED: …` when it is not, and
/// panics instead when `KOURSE_REQUIRE_TOOLS=1`.
pub fn require(program: &str, test: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(program).is_file()));
    if !found {
        if std::env::var("KOURSE_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("{test}: `{program}` is not on PATH and KOURSE_REQUIRE_TOOLS=1");
        }
        eprintln!(
            "SKIPPED: {test}: `{program}` is not on PATH (set KOURSE_REQUIRE_TOOLS=1 to fail instead)"
        );
    }
    found
}

#!/bin/sh
# Live-reload latency of `kourse serve` on a synthetic 2,000-page course:
# write → reload event (SSE), and with Chromium write → new text in the DOM.
# KOURSE_BENCH_PAGES=N changes the size.
set -e
cd "$(dirname "$0")/.."
exec cargo test --release --test serve_bench -- --ignored --nocapture "$@"

#!/bin/sh
# Search benchmark: index size and (with Chromium) query times on a synthetic
# 2,000-page course. KOURSE_BENCH_PAGES=N changes the size.
set -e
cd "$(dirname "$0")/.."
exec cargo test --release --test search_bench -- --ignored --nocapture "$@"

//! `cargo bench --bench check`: documents per second of `kourse check`.
//!
//! Builds a corpus of ≥ 1,000 documents from the valid manifests under
//! tests/check/valid (copies with renamed objects, one set per copy, as a
//! course folder would be checked), then prints documents/s for:
//! - the parse-only floor (saphyr, no checks), single-threaded;
//! - the full check (schemas for the oldest and newest bundled versions,
//!   apiserver rules, lints, cross-object checks), single-threaded and with
//!   all cores;
//!   and the ratio of the floor to the single-threaded full check.
//!
//! With `KV_BENCH=1` and `kubernetes-validate` on PATH it also times
//! `kubernetes-validate --strict` on a sample of 50 documents.

use std::path::Path;
use std::time::Instant;

use kourse::check::{CheckOptions, Checker, Source, yaml};
use rayon::prelude::*;

fn corpus() -> Vec<Vec<Source>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/valid");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/check/valid")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let docs_per_copy: usize = files.iter().map(|(_, t)| count_docs(t)).sum();
    let copies = 1000usize.div_ceil(docs_per_copy.max(1)).max(1) + 1;
    (0..copies)
        .map(|i| {
            files
                .iter()
                .map(|(n, t)| {
                    Source::new(
                        format!("copy{i}/{n}"),
                        t.replace("name: web", &format!("name: web{i}")),
                    )
                })
                .collect()
        })
        .collect()
}

fn count_docs(t: &str) -> usize {
    yaml::parse(t)
        .docs
        .iter()
        .filter(|d| d.root.as_ref().is_some_and(|r| !r.is_null()))
        .count()
}

fn rate(docs: usize, f: impl Fn()) -> f64 {
    f(); // warm-up (compiles schemas, fills caches)
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    docs as f64 / best
}

fn main() {
    let sets = corpus();
    let all: Vec<&Source> = sets.iter().flatten().collect();
    let docs: usize = all.iter().map(|s| count_docs(&s.text)).sum();
    let checker = Checker::new(&CheckOptions::default()).expect("checker");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .unwrap();

    let diags: usize = sets
        .iter()
        .map(|s| checker.check(s).iter().filter(|d| d.is_error()).count())
        .sum();
    assert_eq!(diags, 0, "the bench corpus should be valid");

    let floor = one.install(|| {
        rate(docs, || {
            for s in &all {
                std::hint::black_box(yaml::parse(&s.text));
            }
        })
    });
    let single = one.install(|| {
        rate(docs, || {
            for s in &sets {
                std::hint::black_box(checker.check(s));
            }
        })
    });
    let floor_all = many.install(|| {
        rate(docs, || {
            all.par_iter().for_each(|s| {
                std::hint::black_box(yaml::parse(&s.text));
            });
        })
    });
    let multi = many.install(|| {
        rate(docs, || {
            sets.par_iter().for_each(|s| {
                std::hint::black_box(checker.check(s));
            });
        })
    });
    println!(
        "corpus: {docs} documents in {} files, {} sets; versions {}",
        all.len(),
        sets.len(),
        checker.versions().join(", ")
    );
    println!("parse only (floor), 1 thread:   {floor:>10.0} docs/s");
    println!("parse only, {cores} threads:          {floor_all:>10.0} docs/s");
    println!("full check, 1 thread:           {single:>10.0} docs/s");
    println!("full check, {cores} threads:          {multi:>10.0} docs/s");
    println!(
        "ratio floor / full check (1 thread): {:.2}x",
        floor / single
    );

    if std::env::var_os("KV_BENCH").is_some() {
        kubernetes_validate(&all);
    }
}

fn kubernetes_validate(all: &[&Source]) {
    let dir = std::env::temp_dir().join("kourse-kv-bench");
    let _ = std::fs::create_dir_all(&dir);
    let mut paths = Vec::new();
    let mut n = 0;
    for (i, s) in all.iter().enumerate() {
        if n >= 50 {
            break;
        }
        let p = dir.join(format!("{i}.yaml"));
        if std::fs::write(&p, &s.text).is_ok() {
            n += count_docs(&s.text);
            paths.push(p);
        }
    }
    let t = Instant::now();
    let status = std::process::Command::new("kubernetes-validate")
        .arg("--strict")
        .arg("--quiet")
        .args(&paths)
        .status();
    let secs = t.elapsed().as_secs_f64();
    match status {
        Ok(_) => println!(
            "kubernetes-validate --strict: {n} documents in {secs:.2}s = {:.0} docs/s ({:.1} ms/doc)",
            n as f64 / secs,
            secs * 1000.0 / n as f64
        ),
        Err(e) => println!("kubernetes-validate not run: {e}"),
    }
}

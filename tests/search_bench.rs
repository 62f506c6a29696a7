//! Search benchmark on a synthetic 2,000-page course (ignored by default).
//!
//!     cargo test --release --test search_bench -- --ignored --nocapture
//!
//! (`benches/search.sh` runs exactly that.) `KOURSE_BENCH_PAGES` changes the
//! page count. Prints index bytes (raw, gzip), bytes per page, the bytes a
//! typical query downloads before its first results, and, when Chromium is
//! present, first-query and typical-query times in headless Chromium.

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use kourse::search::{SearchDocument, SearchOptions, SearchSection, build_index};
use support::browser::{self, WAIT};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const K8S: &[&str] = &[
    "pod",
    "pods",
    "deployment",
    "deployments",
    "service",
    "services",
    "nodeport",
    "clusterip",
    "loadbalancer",
    "ingress",
    "namespace",
    "configmap",
    "secret",
    "volume",
    "persistentvolume",
    "statefulset",
    "daemonset",
    "replicaset",
    "container",
    "containers",
    "image",
    "kubelet",
    "kubectl",
    "scheduler",
    "etcd",
    "node",
    "nodes",
    "cluster",
    "label",
    "selector",
    "probe",
    "readiness",
    "liveness",
    "rollout",
    "rolling",
    "update",
    "replicas",
    "port",
    "ports",
    "targetport",
    "crashloopbackoff",
    "imagepullbackoff",
    "taint",
    "toleration",
    "affinity",
    "helm",
    "operator",
    "controller",
    "manifest",
    "yaml",
    "network",
    "policy",
    "storage",
];

/// Zipf-distributed pseudo-English vocabulary plus Kubernetes terms.
struct Corpus {
    vocab: Vec<String>,
    cdf: Vec<f64>,
}

impl Corpus {
    fn new(rng: &mut Rng) -> Corpus {
        const SYL: &[&str] = &[
            "ka", "ro", "ti", "men", "al", "dor", "sen", "pre", "con", "ver", "ing", "ed", "ly",
            "tion", "ab", "ex", "in", "ter", "mo", "ra", "lu", "ne", "sta", "por", "de", "vi",
            "ple", "com", "ist", "ment",
        ];
        let mut vocab: Vec<String> = [
            "the", "a", "of", "to", "and", "is", "in", "that", "it", "for",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        vocab.extend(K8S.iter().map(|s| s.to_string()));
        while vocab.len() < 20_000 {
            let n = 1 + rng.below(4);
            let w: String = (0..n).map(|_| SYL[rng.below(SYL.len())]).collect();
            vocab.push(w);
        }
        let mut cdf = Vec::with_capacity(vocab.len());
        let mut acc = 0.0;
        for i in 0..vocab.len() {
            acc += 1.0 / (i as f64 + 1.0);
            cdf.push(acc);
        }
        Corpus { vocab, cdf }
    }
    fn word(&self, rng: &mut Rng) -> &str {
        let total = *self.cdf.last().unwrap();
        let x = (rng.next() as f64 / u64::MAX as f64) * total;
        let i = self
            .cdf
            .partition_point(|&c| c < x)
            .min(self.vocab.len() - 1);
        &self.vocab[i]
    }
    fn text(&self, rng: &mut Rng, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(if rng.below(12) == 0 { '.' } else { ' ' });
                if s.ends_with('.') {
                    s.push(' ');
                }
            }
            s.push_str(self.word(rng));
        }
        s
    }
}

fn manifest(rng: &mut Rng, corpus: &Corpus) -> (String, Vec<String>) {
    let kinds = [
        "Deployment",
        "Service",
        "StatefulSet",
        "ConfigMap",
        "Ingress",
        "DaemonSet",
    ];
    let kind = kinds[rng.below(kinds.len())];
    let name = corpus.word(rng).to_string();
    let code = format!(
        "apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  \
         replicas: 3\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    spec:\n      \
         containers:\n      - name: {name}\n        image: ghcr.io/kourse-bench/{name}:1.2\n        ports:\n        \
         - containerPort: 8080\n          targetPort: 8080\n"
    );
    let terms = [
        "apps/v1",
        kind,
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "labels",
        "spec",
        "replicas",
        "selector",
        "matchLabels",
        "template",
        "containers",
        "image",
        "ports",
        "containerPort",
        "targetPort",
    ];
    (code, terms.iter().map(|s| s.to_string()).collect())
}

fn synthetic_course(pages: usize) -> Vec<SearchDocument<'static>> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let corpus = Corpus::new(&mut rng);
    (0..pages)
        .map(|p| {
            let title = format!("{} {}", corpus.word(&mut rng), corpus.word(&mut rng));
            let mut sections = vec![SearchSection {
                anchor: String::new(),
                heading: title.clone(),
                prose: corpus.text(&mut rng, 100),
                ..SearchSection::default()
            }];
            // 8 sections of ~150 words: ~1,300 words per page with the intro.
            for s in 0..8 {
                let heading = format!("{} {}", corpus.word(&mut rng), corpus.word(&mut rng));
                let (code, manifest_terms) = if s % 3 == 0 {
                    manifest(&mut rng, &corpus)
                } else if s % 3 == 1 {
                    (
                        format!(
                            "kubectl get pods -n {}\nkubectl describe pod {}\n",
                            corpus.word(&mut rng),
                            corpus.word(&mut rng)
                        ),
                        Vec::new(),
                    )
                } else {
                    (String::new(), Vec::new())
                };
                sections.push(SearchSection {
                    anchor: format!("s{s}-{}", heading.replace(' ', "-")),
                    heading,
                    prose: corpus.text(&mut rng, 150),
                    code,
                    manifest_terms,
                });
            }
            SearchDocument {
                url: format!("chapter-{}/page-{p}.html", p / 50).into(),
                page_title: title.into(),
                sections: sections.into(),
            }
        })
        .collect()
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

#[test]
#[ignore = "benchmark: cargo test --release --test search_bench -- --ignored --nocapture"]
fn search_index_benchmark() {
    let pages: usize = std::env::var("KOURSE_BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let docs = synthetic_course(pages);
    let words: usize = docs
        .iter()
        .flat_map(|d| d.sections.iter())
        .map(|s| s.prose.split_whitespace().count() + s.code.split_whitespace().count())
        .sum();
    let sections: usize = docs.iter().map(|d| d.sections.len()).sum();
    let t = Instant::now();
    let files = build_index(&docs, &SearchOptions::default());
    let build = t.elapsed();

    let sizes: HashMap<PathBuf, (usize, usize)> = files
        .iter()
        .map(|(p, b)| (p.clone(), (b.len(), gzip_len(b))))
        .collect();
    let sum = |pred: &dyn Fn(&PathBuf) -> bool| {
        sizes
            .iter()
            .filter(|(p, _)| pred(p))
            .fold((0, 0, 0), |(n, r, g), (_, (a, b))| (n + 1, r + a, g + b))
    };
    let (n_all, raw, gz) = sum(&|_| true);
    let (n_t, raw_t, gz_t) = sum(&|p| p.starts_with("search/t"));
    let (n_p, raw_p, gz_p) = sum(&|p| p.starts_with("search/p"));
    let meta = sizes[&PathBuf::from("search/meta.js")];
    let biggest = sizes
        .iter()
        .filter(|(p, _)| p.starts_with("search/t"))
        .max_by_key(|(_, s)| s.0)
        .map(|(p, s)| format!("{} ({} B raw, {} B gzip)", p.display(), s.0, s.1))
        .unwrap_or_default();
    println!("== kourse search benchmark: {pages} pages, {sections} sections, {words} words ==");
    println!("build_index: {build:.2?}");
    println!(
        "index total: {n_all} files, {raw} B raw, {gz} B gzip; per page {} B raw, {} B gzip",
        raw / pages.max(1),
        gz / pages.max(1)
    );
    println!("  meta.js: {} B raw, {} B gzip", meta.0, meta.1);
    println!("  term shards: {n_t} files, {raw_t} B raw, {gz_t} B gzip; largest {biggest}");
    println!("  page text (snippets): {n_p} files, {raw_p} B raw, {gz_p} B gzip");

    let Some(b) = browser::browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (p, bytes) in &files {
        let p = dir.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    std::fs::write(
        dir.path().join("search.js"),
        include_str!("../static/kourse/search.js"),
    )
    .unwrap();
    let html = format!(
        "<!doctype html><html data-root=\"\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">\
         <script src=\"search.js\" defer></script></head><body>{}</body></html>",
        include_str!("../templates/partials/search.html")
    );
    std::fs::write(dir.path().join("index.html"), html).unwrap();
    let page = b.new_page();
    page.goto_file(&dir.path().join("index.html"));
    page.wait_for("#kourse-search-input", WAIT);

    let loaded_bytes = |page: &support::browser::Page| -> (usize, usize, Vec<String>) {
        let srcs = page.eval_json("[...document.querySelectorAll('script[src^=\"search/\"]')].map(s => s.getAttribute('src'))");
        let srcs: Vec<String> = srcs
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect();
        let (mut r, mut g) = (0, 0);
        for s in &srcs {
            if let Some((a, b)) = sizes.get(&PathBuf::from(s)) {
                r += a;
                g += b;
            }
        }
        (r, g, srcs)
    };
    let time = |q: &str| -> (f64, f64, usize) {
        let v = page.eval_json(&format!(
            "(async () => {{ const t = performance.now(); await window.kourseSearch.search({}); \
               return [performance.now() - t, window.__kourseSearchTiming.query, \
               document.querySelectorAll('#kourse-search-results [role=option]').length]; }})()",
            browser::js_string(q)
        ));
        (
            v[0].as_f64().unwrap(),
            v[1].as_f64().unwrap(),
            v[2].as_u64().unwrap() as usize,
        )
    };
    let (first, _, hits) = time("nodeport");
    let (r, g, srcs) = loaded_bytes(&page);
    println!(
        "first query \"nodeport\" (cold, file://, incl. loading index): {first:.1} ms, {hits} results; \
         downloaded before first results: {r} B raw, {g} B gzip in {} files",
        srcs.len()
    );
    for q in [
        "service port",
        "targetPort",
        "container image",
        "deploym",
        "crashloopbackoff",
    ] {
        let (cold, _, hits) = time(q);
        let (warm, query, _) = time(q);
        let (r2, g2, _) = loaded_bytes(&page);
        println!(
            "query {q:?}: {hits} results; first {cold:.1} ms; again {warm:.1} ms (ranking {query:.2} ms); \
             total downloaded so far {r2} B raw, {g2} B gzip"
        );
    }
    let mut times = Vec::new();
    for q in [
        "pod",
        "nodes",
        "service",
        "replicas",
        "kubectl get",
        "image",
        "etcd",
    ] {
        time(q);
        times.push(time(q).1);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "typical query after load (ranking, 7 queries): median {:.2} ms, max {:.2} ms",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    page.assert_no_errors();
}

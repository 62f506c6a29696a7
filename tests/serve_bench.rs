//! `kourse serve` latency on a synthetic course (ignored by default).
//!
//!     cargo test --release --test serve_bench -- --ignored --nocapture
//!
//! (`benches/serve.sh` runs exactly that.) `KOURSE_BENCH_PAGES` changes the
//! page count (default 2,000: 20 chapters of 100 pages of ~1,300 words and
//! three code blocks each). Measures, from the moment a changed chapter is
//! written to disk:
//! * the time until the reload event naming the page arrives at an SSE
//!   listener (watcher + debounce + incremental rebuild + broadcast);
//! * with Chromium, the time until the reloaded page's new text is in the DOM;
//! * the same for a title edit (every page's sidebar changes) and a CSS edit.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kourse::serve::{ServeOptions, start};

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

const WORDS: &[&str] = &[
    "the",
    "a",
    "pod",
    "runs",
    "one",
    "or",
    "more",
    "containers",
    "deployment",
    "keeps",
    "replicas",
    "service",
    "routes",
    "traffic",
    "to",
    "ready",
    "pods",
    "kubelet",
    "starts",
    "node",
    "cluster",
    "label",
    "selector",
    "matches",
    "probe",
    "checks",
    "readiness",
    "rollout",
    "updates",
    "image",
    "namespace",
    "isolates",
    "names",
    "volume",
    "mounts",
    "data",
    "controller",
    "reconciles",
    "desired",
    "state",
    "with",
    "actual",
    "and",
    "is",
    "in",
    "of",
    "when",
    "then",
];

fn page(rng: &mut Rng, title: &str, weight: usize, marker: &str) -> String {
    let mut s = format!("+++\ntitle = \"{title}\"\nweight = {weight}\n+++\n\n{marker}\n\n");
    for section in 0..4 {
        s.push_str(&format!("## Part {section}\n\n"));
        for _ in 0..3 {
            for _ in 0..108 {
                s.push_str(WORDS[rng.below(WORDS.len())]);
                s.push(' ');
            }
            s.push_str("\n\n");
        }
        match section {
            0 => s.push_str(&format!(
                "```yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{weight}\nspec:\n  replicas: {}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          ports:\n            - containerPort: 80\n```\n\n",
                1 + weight % 5
            )),
            1 => s.push_str(&format!("```bash\nkubectl apply -f web-{weight}.yaml\nkubectl rollout status deployment/web-{weight}\nkubectl get pods -l app=web -o wide\n```\n\n")),
            2 => s.push_str(&format!("```rust\nfn main() {{\n    let replicas = {weight};\n    println!(\"{{replicas}}\");\n}}\n```\n\n")),
            _ => {}
        }
    }
    s
}

fn generate(root: &Path, pages: usize) {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    std::fs::write(
        root.join("book.toml"),
        "[book]\ntitle = \"Bench\"\n\n[search]\nenable = true\n",
    )
    .unwrap();
    let content = root.join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("_index.md"),
        "+++\ntitle = \"Home\"\n+++\n\nWelcome.\n",
    )
    .unwrap();
    let chapters = pages.div_ceil(100).max(1);
    let mut made = 0;
    for c in 0..chapters {
        let dir = content.join(format!("{c:02}-chapter-{c}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("_index.md"),
            format!("+++\ntitle = \"Chapter {c}\"\nweight = {c}\n+++\n\nChapter {c}.\n"),
        )
        .unwrap();
        for p in 0..100 {
            if made >= pages {
                break;
            }
            let text = page(&mut rng, &format!("Page {c}.{p}"), p, "Marker start.");
            std::fs::write(dir.join(format!("{p:03}-page-{p}.md")), text).unwrap();
            made += 1;
        }
    }
}

struct Listener {
    r: BufReader<TcpStream>,
}

impl Listener {
    fn connect(addr: SocketAddr) -> Listener {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        s.write_all(b"GET /__kourse/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut l = Listener {
            r: BufReader::new(s),
        };
        l.next(|e, _| e == "hello", Duration::from_secs(30))
            .unwrap();
        l
    }

    fn next(&mut self, want: impl Fn(&str, &str) -> bool, within: Duration) -> Option<Instant> {
        let deadline = Instant::now() + within;
        let (mut event, mut line) = (String::new(), String::new());
        while Instant::now() < deadline {
            line.clear();
            match self.r.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(_) => continue,
            }
            let l = line.trim_end();
            if let Some(e) = l.strip_prefix("event: ") {
                event = e.to_owned();
            } else if let Some(d) = l.strip_prefix("data: ") {
                if want(&event, d) {
                    return Some(Instant::now());
                }
            }
        }
        None
    }
}

fn stats(name: &str, mut v: Vec<f64>) {
    if v.is_empty() {
        return;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<46} n={:<3} median {:>7.1} ms   p90 {:>7.1} ms   max {:>7.1} ms",
        v.len(),
        pick(0.5),
        pick(0.9),
        v[v.len() - 1]
    );
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

#[test]
#[ignore = "benchmark: cargo test --release --test serve_bench -- --ignored --nocapture"]
fn serve_latency() {
    let pages: usize = std::env::var("KOURSE_BENCH_PAGES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, pages);
    // KOURSE_BENCH_ENGINE_RUNS=N: only the engine's stages, over N edits
    // (for a profiler).
    let engine_runs: Option<usize> = std::env::var("KOURSE_BENCH_ENGINE_RUNS")
        .ok()
        .and_then(|s| s.parse().ok());
    if let Some(runs) = engine_runs {
        engine_stages(root, runs);
        return;
    }
    let t = Instant::now();
    let server = start(ServeOptions {
        root: root.to_path_buf(),
        port: 0,
        quiet: true,
        ..Default::default()
    })
    .unwrap();
    println!(
        "\nkourse serve on {pages} synthetic pages: first build {} ms",
        t.elapsed().as_millis()
    );
    let addr = server.addr();
    let mut l = Listener::connect(addr);
    let mut rng = Rng(42);

    let edit = |l: &mut Listener, c: usize, p: usize, marker: &str, rng: &mut Rng| -> f64 {
        let path = root.join(format!("content/{c:02}-chapter-{c}/{p:03}-page-{p}.md"));
        let url = format!("\"chapter-{c}/page-{p}.html\"");
        let text = page(rng, &format!("Page {c}.{p}"), p, marker);
        let start = Instant::now();
        std::fs::write(&path, text).unwrap();
        let got = l
            .next(
                |e, d| e == "reload" && d.contains(&url),
                Duration::from_secs(30),
            )
            .expect("reload event");
        (got - start).as_secs_f64() * 1000.0
    };

    // Warm-up: the first edit pays for cold caches.
    edit(&mut l, 0, 1, "Warm up.", &mut rng);
    std::thread::sleep(Duration::from_millis(300));

    // Saves closer together than the search index takes to rebuild (~0.5 s
    // at 2,000 pages) queue behind it: KOURSE_BENCH_GAP_MS sets the spacing.
    let gap_ms: u64 = std::env::var("KOURSE_BENCH_GAP_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let mut event_ms = Vec::new();
    let chapters = pages.div_ceil(100).max(1);
    for i in 0..20 {
        let c = rng.below(chapters);
        let p = rng.below(pages.min(100));
        event_ms.push(edit(&mut l, c, p, &format!("Edit number {i}."), &mut rng));
        std::thread::sleep(Duration::from_millis(gap_ms));
    }
    stats(
        &format!("single-chapter edit → reload event ({gap_ms} ms apart)"),
        event_ms,
    );

    // A title edit: every page's sidebar shows it.
    let mut title_ms = Vec::new();
    for i in 0..3 {
        let path = root.join("content/00-chapter-0/_index.md");
        let start = Instant::now();
        std::fs::write(
            &path,
            format!("+++\ntitle = \"Chapter zero v{i}\"\nweight = 0\n+++\n\nChapter 0.\n"),
        )
        .unwrap();
        let got = l
            .next(|e, _| e == "reload", Duration::from_secs(60))
            .expect("reload event");
        title_ms.push((got - start).as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(300));
    }
    stats("chapter title edit (all pages) → reload event", title_ms);

    // CSS only.
    std::fs::create_dir_all(root.join("static/kourse")).unwrap();
    std::fs::write(root.join("static/kourse/extra.css"), "p{}\n").unwrap();
    let _ = l.next(|e, _| e == "reload" || e == "css", Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(300));
    let mut css_ms = Vec::new();
    for i in 0..3 {
        let start = Instant::now();
        std::fs::write(
            root.join("static/kourse/extra.css"),
            format!("p{{margin:{i}px}}\n"),
        )
        .unwrap();
        let got = l
            .next(|e, _| e == "css", Duration::from_secs(60))
            .expect("css event");
        css_ms.push((got - start).as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(300));
    }
    stats("CSS edit → css event", css_ms);

    // Headless Chromium: write → new text in the DOM of the open page.
    if let Some(browser) = support::browser::browser() {
        let tab = browser.new_page();
        let c = 3.min(chapters - 1);
        let target = format!("{}chapter-{c}/page-0.html", server.url());
        tab.goto(&target);
        tab.wait_until(
            "window.__kourseLiveReload && document.readyState === 'complete'",
            Duration::from_secs(30),
        );
        std::thread::sleep(Duration::from_millis(500));
        let mut dom_ms = Vec::new();
        for i in 0..10 {
            let marker = format!("Browser marker {i}.");
            let path = root.join(format!("content/{c:02}-chapter-{c}/000-page-0.md"));
            let text = page(&mut rng, &format!("Page {c}.0"), 0, &marker);
            let t_write = epoch_ms();
            std::fs::write(&path, text).unwrap();
            tab.wait_until(
                &format!(
                    "document.body && document.body.innerText.includes({:?})",
                    marker
                ),
                Duration::from_secs(30),
            );
            let t_dom = tab.eval_json(
                "performance.timeOrigin + performance.getEntriesByType('navigation')[0].domInteractive",
            );
            if let Some(t) = t_dom.as_f64() {
                dom_ms.push(t - t_write);
            }
            std::thread::sleep(Duration::from_millis(gap_ms));
        }
        stats(
            &format!("single-chapter edit → new text in the DOM ({gap_ms} ms apart)"),
            dom_ms,
        );
    } else {
        println!("(no Chromium: DOM latency not measured)");
    }
    server.stop();
    engine_stages(root, 5);
}

/// Where the time of a single-chapter rebuild goes (the engine alone).
fn engine_stages(root: &Path, runs: usize) {
    let mut rng = Rng(7);
    let mut engine = kourse::serve::incremental::Engine::new(
        kourse::site::BuildOptions {
            root: root.to_path_buf(),
            inject: Some(kourse::serve::reload::inject()),
            ..Default::default()
        },
        std::sync::Arc::new(kourse::highlight::HighlightCache::new()),
    );
    engine
        .rebuild(&kourse::serve::incremental::Hint::All)
        .unwrap();
    let mut sums: Vec<(&'static str, f64)> = Vec::new();
    let mut deferred_ms = 0.0;
    for i in 0..runs {
        let rel = format!("content/01-chapter-1/{:03}-page-{}.md", i % 100, i % 100);
        std::fs::write(
            root.join(&rel),
            page(
                &mut rng,
                &format!("Page 1.{}", i % 100),
                i % 100,
                "Engine edit.",
            ),
        )
        .unwrap();
        // As serve does it: the pages first, the search index and print.html after.
        let o = engine
            .rebuild_deferred(&kourse::serve::incremental::Hint::Paths(vec![rel.into()]))
            .unwrap();
        let t = Instant::now();
        engine.finish_deferred();
        deferred_ms += t.elapsed().as_secs_f64() * 1000.0;
        for (j, (name, ms)) in o.timings.iter().enumerate() {
            if sums.len() <= j {
                sums.push((name, 0.0));
            }
            sums[j].1 += ms;
        }
    }
    let laps: Vec<String> = sums
        .iter()
        .map(|(n, ms)| format!("{n} {:.1}", ms / runs as f64))
        .collect();
    println!(
        "engine stages of a single-chapter rebuild (mean ms): {}; after the announcement: search index and print.html {:.1}",
        laps.join(", "),
        deferred_ms / runs as f64
    );
}

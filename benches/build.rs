//! Build benchmark: a clean build (no highlight cache), a warm build
//! (cache kept, output removed) and a rebuild (cache kept, output in place)
//! of a synthetic course of 500 and 2,000 pages,
//! with wall time, time per page, peak RSS and output size; and the
//! highlighting floor (highlighting all code blocks once, on all cores).
//!
//! Each is taken in several rounds (KOURSE_BENCH_RUNS, default 3), and the
//! median printed with the range; the ratio of a cold build to the floor is
//! taken per round, against the mean of the floors measured right before
//! and right after that build.
//!
//! Run: `cargo bench --bench build` (set KOURSE_BENCH_PAGES=500,2000 to choose).

mod synth;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn dir_size(p: &Path) -> u64 {
    walkdir::WalkDir::new(p)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Child mode: build once, print "wall_ms peak_rss_kib".
fn child(root: &str) {
    let start = Instant::now();
    let opts = kourse::site::BuildOptions {
        root: root.into(),
        ..Default::default()
    };
    match kourse::site::build(&opts) {
        Ok(_) => println!("{} {}", start.elapsed().as_millis(), peak_rss_kib()),
        Err(d) => {
            kourse::diagnostic::emit_human(&d);
            std::process::exit(1);
        }
    }
}

fn run_child(root: &Path) -> (u128, u64) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .env("KOURSE_BENCH_CHILD", root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With KOURSE_TIMINGS set, the build's stage timings, after the floor
    // the bench printed for the same round.
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    (
        parts.next().unwrap().parse().unwrap(),
        parts.next().unwrap().parse().unwrap(),
    )
}

/// Every fenced block of the course: (language, code).
fn code_blocks(root: &Path) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    for e in walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.path().extension().is_some_and(|x| x == "md") {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let mut lang = None;
            let mut code = String::new();
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("```") {
                    match lang.take() {
                        None => lang = Some(rest.to_owned()),
                        Some(l) => blocks.push((l, std::mem::take(&mut code))),
                    }
                } else if lang.is_some() {
                    code.push_str(line);
                    code.push('\n');
                }
            }
        }
    }
    blocks
}

/// Waits until the files written and deleted so far are on disk, so that
/// the kernel's writeback of one step does not run (on the same cores)
/// during the next, timed one: the first floor of a round ran 10–20 %
/// slower than the second, right after deleting the last round's sites.
fn settle() {
    #[cfg(unix)]
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe {
        libc::sync();
    }
}

/// Highlights every block once, on all cores, with no cache: the floor
/// under any build.
fn highlight_floor(blocks: &[(String, String)]) -> u128 {
    use rayon::prelude::*;
    // Load the grammars and compile each language's first regexes on every
    // thread first, as a build does once per process: the floor is the
    // highlighting itself.
    rayon::broadcast(|_| {
        for (lang, code) in [
            ("yaml", "a: 1\n"),
            ("bash", "echo hi\n"),
            ("rust", "fn main() {}\n"),
        ] {
            std::hint::black_box(kourse::highlight::highlight_uncached(code, lang));
        }
    });
    let start = Instant::now();
    // Split as finely as a build splits them, so that neither waits on
    // one core's long last run.
    blocks
        .par_iter()
        .with_max_len(kourse::highlight::BLOCKS_PER_TASK)
        .for_each(|(l, c)| {
            std::hint::black_box(kourse::highlight::highlight_uncached(c, l));
        });
    start.elapsed().as_millis()
}

/// The median of some figures, and their range, as "median (min–max)".
fn spread(mut xs: Vec<f64>, unit: &str, digits: usize) -> String {
    xs.sort_by(f64::total_cmp);
    let median = xs[xs.len() / 2];
    if xs.len() == 1 {
        return format!("{median:.digits$}{unit}");
    }
    format!(
        "{median:.digits$}{unit} ({:.digits$}–{:.digits$})",
        xs[0],
        xs[xs.len() - 1]
    )
}

/// Writes the files of the site in `site` again, into a fresh folder
/// beside it, on all cores, right after a build wrote them: what creating
/// and writing that many files costs on this filesystem, with no rendering.
fn write_floor(site: &Path) -> (u128, usize) {
    use rayon::prelude::*;
    let files: Vec<(std::path::PathBuf, Vec<u8>)> = walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(site).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    let copy = site.with_file_name("write-floor");
    let start = Instant::now();
    files.par_iter().for_each(|(rel, bytes)| {
        let p = copy.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    });
    let ms = start.elapsed().as_millis();
    std::fs::remove_dir_all(&copy).unwrap();
    (ms, files.len())
}

fn main() {
    if let Ok(root) = std::env::var("KOURSE_BENCH_CHILD") {
        child(&root);
        return;
    }
    let sizes: Vec<usize> = std::env::var("KOURSE_BENCH_PAGES")
        .unwrap_or_else(|_| "500,2000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!(
        "kourse build benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // Each figure is taken in several rounds, a floor and the builds right
    // after it, so that a ratio compares runs made close together: this
    // machine's speed drifts by ±20 % over minutes.
    let rounds: usize = std::env::var("KOURSE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        synth::write_course(dir.path(), n);
        let src = dir_size(&dir.path().join("content"));
        let blocks = code_blocks(dir.path());
        let code_lines: usize = blocks.iter().map(|(_, c)| c.lines().count()).sum();
        let site = dir.path().join("public");
        let (mut floor, mut cold, mut ratio, mut warm, mut rebuild) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut rss: Vec<u64> = vec![];
        let mut out_bytes = 0;
        for _ in 0..rounds {
            for leftover in [".kourse-cache", "public", ".public.spare"] {
                let _ = std::fs::remove_dir_all(dir.path().join(leftover));
            }
            // The floor right before the cold build and right after it: the
            // build is compared with their mean, so that the machine's drift
            // over the seconds of a round cancels instead of landing on the
            // ratio.
            settle();
            let before_ms = highlight_floor(&blocks);
            let (cold_ms, cold_rss) = run_child(dir.path());
            settle();
            let after_ms = highlight_floor(&blocks);
            let floor_ms = (before_ms + after_ms) as f64 / 2.0;
            if std::env::var_os("KOURSE_TIMINGS").is_some() {
                eprintln!("round: highlight floor {before_ms} ms before, {after_ms} ms after");
            }
            out_bytes = dir_size(&site);
            std::fs::remove_dir_all(&site).unwrap();
            settle();
            let (warm_ms, warm_rss) = run_child(dir.path());
            // What an author's rebuilds cost: the output in place, and
            // beside it the site before it, which kourse keeps as the
            // folder it stages into (so the second of these is the steady
            // state).
            let _ = run_child(dir.path());
            settle();
            let (rebuild_ms, rebuild_rss) = run_child(dir.path());
            floor.extend([before_ms as f64, after_ms as f64]);
            cold.push(cold_ms as f64);
            ratio.push(cold_ms as f64 / floor_ms.max(1.0));
            warm.push(warm_ms as f64);
            rebuild.push(rebuild_ms as f64);
            rss.extend([cold_rss, warm_rss, rebuild_rss]);
        }
        // After the builds: the copy's files, removed, would otherwise
        // slow the builds' own file creation on some filesystems.
        let (write_ms, out_files) = write_floor(&site);
        let per_page = |xs: &[f64]| xs.iter().map(|x| x / n as f64).collect::<Vec<_>>();
        println!(
            "N = {n} pages ({:.1} MB of Markdown, {code_lines} code lines); median of {rounds} rounds (min–max)",
            src as f64 / 1e6
        );
        println!(
            "  highlight floor : {} ({} lines/s)",
            spread(floor.clone(), " ms", 0),
            spread(
                floor
                    .iter()
                    .map(|ms| code_lines as f64 / (ms.max(1.0) / 1000.0))
                    .collect(),
                "",
                0
            )
        );
        println!(
            "  cold build      : {}  {} per page  ratio to the floor {}",
            spread(cold.clone(), " ms", 0),
            spread(per_page(&cold), " ms", 2),
            spread(ratio, "x", 2)
        );
        println!(
            "  warm build      : {}  {} per page  (cache kept, output removed)",
            spread(warm.clone(), " ms", 0),
            spread(per_page(&warm), " ms", 2)
        );
        println!(
            "  rebuild         : {}  {} per page  (cache kept, output in place)",
            spread(rebuild.clone(), " ms", 0),
            spread(per_page(&rebuild), " ms", 2)
        );
        println!(
            "  peak RSS        : {} MiB at most (of every build above)",
            rss.iter().max().copied().unwrap_or(0) / 1024
        );
        println!(
            "  output          : {:.1} MB ({:.1} KB/page) in {out_files} files",
            out_bytes as f64 / 1e6,
            out_bytes as f64 / n as f64 / 1e3
        );
        println!(
            "  write floor     : {write_ms:>6} ms (writing those files again, all cores, no rendering)"
        );
        if std::env::var_os("KOURSE_BENCH_KEEP").is_some() {
            println!("  kept in         : {}", dir.keep().display());
        }
    }
}

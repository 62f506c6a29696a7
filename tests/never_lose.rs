//! Never lose work (issue 9, requirement 4), against the built binary:
//! a build killed with SIGKILL at random points leaves the previous site
//! complete; a build writes nothing outside its output folder; concurrent
//! builds leave one complete, consistent site.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// A course of 10 sections × 40 pages (about 26 MB of output), so that a
/// build spends long enough writing to be killed in the middle of it.
fn generate(root: &Path) {
    let w = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w("book.toml", "[book]\ntitle = \"Generated\"\n");
    w(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
    );
    let sentence = "Pods run containers and a Deployment keeps replicas running while a Service routes traffic. ";
    for s in 0..10 {
        w(
            &format!("content/{s:02}-sec{s}/_index.md"),
            &format!("+++\ntitle = \"Section {s}\"\n+++\nIntro.\n"),
        );
        for p in 0..40 {
            let mut body = format!("+++\ntitle = \"Page {s}.{p}\"\n+++\n");
            for h in 0..6 {
                body.push_str(&format!("## Heading {h}\n\n{}\n\n", sentence.repeat(30)));
                body.push_str("```bash\nkubectl get pods -n demo\n```\n\n");
            }
            w(&format!("content/{s:02}-sec{s}/p{p:02}.md"), &body);
        }
    }
}

fn kourse(root: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kourse"));
    c.arg("build")
        .arg("-C")
        .arg(root)
        .args(extra)
        .arg("--quiet")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn wait(mut child: Child, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kourse build still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn build_ok(root: &Path, extra: &[&str]) {
    let out = wait(
        kourse(root, extra).spawn().unwrap(),
        Duration::from_secs(120),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file below `dir`: relative path → contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Folders beside the output folder that a build left behind (the spare,
/// the site the last build replaced, is kept on purpose: the next build
/// stages into it).
fn strays(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.") && n != ".public.spare")
        .collect()
}

fn same_site(expected: &BTreeMap<PathBuf, Vec<u8>>, dir: &Path, when: &str) {
    let got = snapshot(dir);
    let missing: Vec<_> = expected.keys().filter(|k| !got.contains_key(*k)).collect();
    assert!(missing.is_empty(), "{when}: missing {missing:?}");
    for (k, v) in expected {
        assert!(got[k] == *v, "{when}: {} differs", k.display());
    }
    assert_eq!(got.len(), expected.len(), "{when}: extra files");
}

/// A small deterministic generator (no dependency on `rand`).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn sigkill_during_a_build_keeps_the_previous_site() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root);
    build_ok(root, &[]);
    build_ok(root, &[]);
    // Time a build like the ones killed below: warm, with the highlight
    // cache of the first and the spare folder the second left (a cold
    // build is several times slower, and kills timed from it would land
    // after the build had finished).
    let start = Instant::now();
    build_ok(root, &[]);
    let full = start.elapsed();
    let site = root.join("public");
    let expected = snapshot(&site);
    assert!(expected.len() > 400, "{}", expected.len());

    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("seed {seed}, full build {full:?}");
    let mut rng = Lcg(seed);
    let mut killed_while_running = 0;
    for round in 0..8 {
        // Anywhere in the build, with half the kills in its last 40 %
        // (writing and swapping).
        let span = full.as_micros() as u64;
        let at = if round % 2 == 0 {
            rng.next() % span.max(1)
        } else {
            span * 6 / 10 + rng.next() % (span * 4 / 10).max(1)
        };
        let mut child = kourse(root, &[]).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(at));
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        child.kill().unwrap_or(()); // SIGKILL
        let _ = child.wait();
        same_site(
            &expected,
            &site,
            &format!("round {round}, killed after {at} µs"),
        );
    }
    eprintln!("{killed_while_running} of 8 builds killed while running");
    assert!(killed_while_running > 0);
    // Staging folders of killed builds do not break the next build, which
    // removes them.
    build_ok(root, &[]);
    same_site(&expected, &site, "after the kills");
    let left = strays(root);
    let inside: Vec<Vec<String>> = left
        .iter()
        .map(|d| {
            std::fs::read_dir(root.join(d))
                .map(|r| {
                    r.take(5)
                        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        left,
        Vec::<String>::new(),
        "holding (first entries) {inside:?}"
    );
}

/// Every file and folder below `root` outside the excluded top-level
/// names: path → (modification time, contents; folders have none).
fn tree_state(root: &Path, exclude: &[&str]) -> BTreeMap<PathBuf, (SystemTime, Option<Vec<u8>>)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| {
            let rel = e.path().strip_prefix(root).unwrap();
            !exclude.iter().any(|x| rel.starts_with(x))
        })
        .map(Result::unwrap)
        .map(|e| {
            let meta = e.metadata().unwrap();
            let contents = meta.is_file().then(|| std::fs::read(e.path()).unwrap());
            (
                e.path().strip_prefix(root).unwrap().to_path_buf(),
                (meta.modified().unwrap(), contents),
            )
        })
        .collect()
}

#[test]
fn a_build_writes_nothing_outside_its_output_folder() {
    use std::os::unix::fs::PermissionsExt;
    // The course is made read-only and the site goes to another folder
    // (`--dest`): the staging folder is created beside the output folder, so
    // that one must be writable. As an ordinary user the permissions alone
    // prove the point. CI runs as root, which writes through any
    // permission, so the proof is the comparison: every file and folder of
    // the course (contents and modification times) is the same after the
    // build. The highlight cache (`.kourse-cache/`) is the one thing a build
    // may write in the course, and is left out.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("course");
    generate(&root);
    // Create the cache once, so the read-only run has nothing to create.
    let out_dir = tempfile::tempdir().unwrap();
    let dest = out_dir.path().join("site");
    build_ok(&root, &["--dest", dest.to_str().unwrap()]);
    let before = tree_state(&root, &[".kourse-cache"]);
    let set_mode = |mode_dirs: u32, mode_files: u32| {
        for e in walkdir::WalkDir::new(&root).contents_first(true) {
            let e = e.unwrap();
            let mode = if e.file_type().is_dir() {
                mode_dirs
            } else {
                mode_files
            };
            std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        }
    };
    set_mode(0o555, 0o444);
    let out = wait(
        kourse(&root, &["--dest", dest.to_str().unwrap()])
            .spawn()
            .unwrap(),
        Duration::from_secs(120),
    );
    set_mode(0o755, 0o644);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = tree_state(&root, &[".kourse-cache"]);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files appeared or disappeared in the course"
    );
    for (k, v) in &before {
        // Folder modification times change when an entry is added or removed.
        assert!(after[k] == *v, "{} changed", k.display());
    }
    assert!(dest.join("index.html").is_file());
    assert_eq!(strays(out_dir.path()), Vec::<String>::new());
}

#[test]
fn concurrent_builds_leave_a_complete_site() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root);
    build_ok(root, &[]);
    let site = root.join("public");
    let expected = snapshot(&site);
    for round in 0..3 {
        let children: Vec<Child> = (0..3).map(|_| kourse(root, &[]).spawn().unwrap()).collect();
        for c in children {
            let out = wait(c, Duration::from_secs(120));
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        same_site(&expected, &site, &format!("round {round}"));
        assert_eq!(strays(root), Vec::<String>::new(), "round {round}");
    }
}

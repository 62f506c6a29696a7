//! The invocation matrix (issue 18, requirement 2): the real binary run on
//! fixture courses the ways people run it — from inside the course, with
//! `-C` relative, `./rel/`, absolute and through a symbolic link — gives the
//! same exit code and the same diagnostics every time, for `build`, `check`
//! and `serve`'s first build. A build that skipped included manifests when
//! the root was spelt `.` passed every test that used absolute paths.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kourse");
const PAGE: &str = "content/01-first-steps/first-pod.md";

/// A folder holding `course/` (the starter course, changed by `edit`) and
/// `link`, a symbolic link to it.
fn fixture(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let course = dir.path().join("course");
    kourse::init::init(&course).unwrap();
    edit(&course);
    std::os::unix::fs::symlink(&course, dir.path().join("link")).unwrap();
    dir
}

/// How the course root is named: the working directory and the `-C` value
/// (none: run from inside the course).
fn forms(top: &Path) -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let course = top.join("course");
    vec![
        ("inside the course".into(), course.clone(), None),
        ("-C .".into(), course.clone(), Some(".".into())),
        ("-C course".into(), top.to_path_buf(), Some("course".into())),
        (
            "-C ./course/".into(),
            top.to_path_buf(),
            Some("./course/".into()),
        ),
        (
            "-C .. from content/".into(),
            course.join("content"),
            Some("..".into()),
        ),
        ("-C /abs".into(), top.join("course/examples"), Some(course)),
        ("-C link".into(), top.to_path_buf(), Some("link".into())),
        (
            "-C /abs/link/".into(),
            Path::new("/").to_path_buf(),
            Some(top.join("link/")),
        ),
    ]
}

/// Exit code and the diagnostic headlines (`file:line:col: level[rule]: …`)
/// of one run; `stop_at` ends reading (and the process) at a line.
fn run(
    cwd: &Path,
    args: &[&str],
    root: Option<&Path>,
    stop_at: Option<&str>,
) -> (i32, Vec<String>) {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(r) = root {
        cmd.arg("-C").arg(r);
    }
    let mut child = cmd.spawn().unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut heads = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if stop_at.is_some_and(|s| line.starts_with(s)) {
                    let _ = child.kill();
                    let _ = child.wait();
                    return (-1, heads);
                }
                if is_headline(&line) {
                    heads.push(line);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("kourse {args:?} in {} did not finish", cwd.display());
            }
        }
    }
    let status = child.wait().unwrap();
    heads.sort();
    (status.code().unwrap_or(-1), heads)
}

fn is_headline(line: &str) -> bool {
    ["error[", "warning["]
        .iter()
        .any(|l| line.contains(&format!(": {l}")))
        && !line.starts_with(' ')
}

/// Runs `args` in every form and asserts one outcome; returns it.
fn same_everywhere(top: &Path, args: &[&str], stop_at: Option<&str>) -> (i32, Vec<String>) {
    let mut first: Option<(String, (i32, Vec<String>))> = None;
    for (name, cwd, root) in forms(top) {
        let got = run(&cwd, args, root.as_deref(), stop_at);
        match &first {
            None => first = Some((name, got)),
            Some((first_name, want)) => assert_eq!(
                &got,
                want,
                "`kourse {}` {name} differs from {first_name}",
                args.join(" ")
            ),
        }
    }
    first.unwrap().1
}

fn include_error(course: &Path) {
    std::fs::write(
        course.join("examples/first-pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      imagePullPolicy: Sometimes\n      resources:\n        requests: {cpu: 10m, memory: 16Mi}\n        limits: {memory: 32Mi}\n",
    )
    .unwrap();
}

fn broken_link(course: &Path) {
    let page = course.join(PAGE);
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\nSee [the next page](next.md).\n")).unwrap();
}

#[test]
fn a_clean_course_is_clean_however_it_is_named() {
    let top = fixture(|_| {});
    assert_eq!(
        same_everywhere(top.path(), &["build", "-q"], None),
        (0, vec![])
    );
    assert_eq!(
        same_everywhere(top.path(), &["check", "-q"], None),
        (0, vec![])
    );
    assert_eq!(
        same_everywhere(top.path(), &["serve", "--port", "0"], Some("serving ")),
        (-1, vec![])
    );
}

#[test]
fn an_error_in_an_included_manifest_fails_every_form() {
    let top = fixture(include_error);
    let want = "examples/first-pod.yaml:9:24: error[invalid-value]";
    let (code, heads) = same_everywhere(top.path(), &["build", "-q"], None);
    assert_eq!(code, 1, "{heads:#?}");
    assert!(heads.iter().any(|h| h.starts_with(want)), "{heads:#?}");
    // The page still shows no "checked" badge for it: nothing was published.
    assert!(
        !top.path()
            .join("course/public/first-steps/first-pod.html")
            .exists()
    );
    let (code, heads) = same_everywhere(top.path(), &["check", "-q"], None);
    assert_eq!(code, 1, "{heads:#?}");
    assert!(heads.iter().any(|h| h.starts_with(want)), "{heads:#?}");
    let (_, heads) = same_everywhere(top.path(), &["serve", "--port", "0"], Some("serving "));
    assert!(heads.iter().any(|h| h.starts_with(want)), "{heads:#?}");
}

#[test]
fn a_broken_link_fails_every_form_at_its_line() {
    let top = fixture(broken_link);
    let page = std::fs::read_to_string(top.path().join("course").join(PAGE)).unwrap();
    let line = page.lines().position(|l| l.contains("(next.md)")).unwrap() + 1;
    let want = format!(
        "{PAGE}:{line}:5: error[broken-link]: link to a page that does not exist: `next.md`"
    );
    let (code, heads) = same_everywhere(top.path(), &["build", "-q"], None);
    assert_eq!(code, 1);
    assert!(heads.iter().any(|h| h.starts_with(&want)), "{heads:#?}");
    let (_, heads) = same_everywhere(top.path(), &["serve", "--port", "0"], Some("serving "));
    assert!(heads.iter().any(|h| h.starts_with(&want)), "{heads:#?}");
}

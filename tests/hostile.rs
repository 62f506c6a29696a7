//! The hostile input table (issue 9, requirement 1): one test per row.
//!
//! Every row ends in a clear diagnostic (rule, file and, where it means
//! something, line and column) or a correct result, never a panic, and within
//! a bounded time: each operation runs on its own thread and the test fails
//! if it takes longer than [`LIMIT`] (debug build), so a hang fails the test
//! instead of stalling the suite.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use kourse::check::{CheckOptions, Checker, Source};
use kourse::diagnostic::Diagnostic;
use kourse::site::{BuildOptions, BuildReport, build};

/// Longest any row may take.
const LIMIT: Duration = Duration::from_secs(30);

/// Runs `f` on a thread; fails the test if it panics or outlives [`LIMIT`].
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let start = Instant::now();
    std::thread::Builder::new()
        .name(what.to_owned())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    match rx.recv_timeout(LIMIT) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {:?}", start.elapsed())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{what}: panicked (see above)")
        }
    }
}

/// A minimal course in a temporary folder.
struct Course {
    dir: tempfile::TempDir,
}

impl Course {
    fn new() -> Course {
        let c = Course {
            dir: tempfile::tempdir().unwrap(),
        };
        c.write("book.toml", "[book]\ntitle = \"Hostile\"\n");
        c.write(
            "content/_index.md",
            "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
        );
        c
    }

    fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn build(&self) -> Result<BuildReport, Vec<Diagnostic>> {
        let root = self.root();
        bounded("build", move || {
            build(&BuildOptions {
                root,
                ..Default::default()
            })
        })
    }

    /// Builds, expecting failure; returns the errors.
    fn errors(&self) -> Vec<Diagnostic> {
        match self.build() {
            Ok(r) => panic!("the build should have failed; warnings: {:?}", r.warnings),
            Err(d) => d.into_iter().filter(Diagnostic::is_error).collect(),
        }
    }

    fn site(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path("public").join(rel)).unwrap()
    }
}

fn page(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\n+++\n{body}")
}

/// The one diagnostic with `rule`, with a readable failure otherwise.
fn find<'a>(diags: &'a [Diagnostic], rule: &str) -> &'a Diagnostic {
    diags
        .iter()
        .find(|d| d.rule == rule)
        .unwrap_or_else(|| panic!("no `{rule}` diagnostic in {:#?}", headlines(diags)))
}

fn headlines(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().map(Diagnostic::headline).collect()
}

fn checker() -> &'static Checker {
    static C: OnceLock<Checker> = OnceLock::new();
    C.get_or_init(|| Checker::new(&CheckOptions::default()).unwrap())
}

/// Checks one YAML text through the library, bounded.
fn check_yaml(name: &str, text: String) -> Vec<Diagnostic> {
    let name = name.to_owned();
    bounded("check", move || checker().check(&[Source::new(name, text)]))
}

/// Runs the built binary with a time limit; returns (exit code, stdout, stderr).
fn kourse(args: &[&str], dir: &Path) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kourse {args:?}: still running after {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `kourse check --format json` diagnostics.
fn check_cli(dir: &Path, paths: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(paths);
    let (code, out, err) = kourse(&args, dir);
    assert!(!err.contains("panicked"), "{err}");
    let diags = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (code, diags)
}

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  a: b\n";

// ---------------------------------------------------------------- size

#[test]
fn markdown_of_50_mb_is_refused_quickly() {
    let c = Course::new();
    let para = "Pods run containers. A Deployment keeps replicas running, and a Service routes traffic to them.\n\n";
    let mut text = page("Big", "");
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(para);
    }
    c.write("content/big.md", &text);
    let start = Instant::now();
    let errors = c.errors();
    let d = find(&errors, "too-large");
    assert_eq!(d.file, Path::new("content/big.md"));
    assert!(d.message.contains("limit"), "{}", d.message);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn markdown_page_one_mb_line_builds() {
    let c = Course::new();
    let line = "word ".repeat(200_000);
    c.write("content/line.md", page("Line", &format!("{line}\n")));
    let r = c.build().unwrap_or_else(|d| panic!("{:#?}", headlines(&d)));
    assert_eq!(r.pages, 2);
    assert!(c.site("line.html").contains("word word"));
}

#[test]
fn yaml_one_mb_line_checks_with_the_right_column() {
    // One annotation value of 1 MB, then an unknown field on the same line
    // (flow mapping): the error must point at its column.
    let long = "x".repeat(1 << 20);
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ok, annotations: {{a: \"{long}\"}}, bogus: 1}}\n"
    );
    let col = text.lines().nth(2).unwrap().find("bogus").unwrap() + 1;
    let diags = check_yaml("long.yaml", text);
    let d = find(&diags, "unknown-field");
    assert_eq!((d.line, d.col), (3, col), "{}", d.headline());
    // Rendering the 1 MB source line stays bounded too.
    let d = d.clone();
    let shown = bounded("render", move || {
        kourse::diagnostic::render_human(&d, false)
    });
    assert!(shown.contains("bogus"));
}

#[test]
fn yaml_over_the_size_limit_is_refused() {
    let text = format!("# {}\n", "x".repeat(kourse::check::yaml::MAX_BYTES));
    let diags = check_yaml("huge.yaml", text);
    let d = find(&diags, "yaml-limit");
    assert_eq!(d.file, Path::new("huge.yaml"));
}

// ---------------------------------------------------------------- YAML bombs

#[test]
fn billion_laughs_is_stopped() {
    let mut y = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n");
    y.push_str(
        "  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10u8 {
        let p = (b'a' + i - 1) as char;
        let n = (b'a' + i) as char;
        y.push_str(&format!(
            "  {n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    let diags = check_yaml("lol.yaml", y);
    let d = find(&diags, "yaml-limit");
    assert_eq!(d.file, Path::new("lol.yaml"));
    assert!(d.line >= 6, "{}", d.headline());
    assert!(d.message.contains("nodes"), "{}", d.message);
}

#[test]
fn nesting_10000_levels_is_refused() {
    for (what, text) in [
        ("flow sequences", "[".repeat(10_000) + &"]".repeat(10_000)),
        (
            "flow mappings",
            "{a: ".repeat(10_000) + "1" + &"}".repeat(10_000),
        ),
        ("block sequences", "- ".repeat(10_000) + "x\n"),
    ] {
        let diags = check_yaml("deep.yaml", text);
        let d = find(&diags, "yaml-limit");
        assert_eq!(d.line, 1, "{what}: {}", d.headline());
        assert!(d.message.contains("nesting"), "{what}: {}", d.message);
    }
}

#[test]
fn ten_thousand_documents_check() {
    let mut y = String::new();
    for i in 0..10_000 {
        y.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  a: b\n"
        ));
    }
    // One mistake in the last document, to prove all were read.
    y.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n");
    let lines = y.lines().count();
    let diags = check_yaml("many.yaml", y);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{:#?}", headlines(&diags));
    assert_eq!(errors[0].line, lines, "{}", errors[0].headline());
}

// ---------------------------------------------------------------- encodings

#[test]
fn invalid_utf8_in_a_chapter() {
    let c = Course::new();
    let mut raw = b"+++\ntitle = \"Bad\"\n+++\nfine line\nbroken ".to_vec();
    raw.push(0xFF);
    raw.extend_from_slice(b" here\n");
    c.write("content/bad.md", raw);
    let errors = c.errors();
    let d = find(&errors, "encoding");
    assert_eq!(d.file, Path::new("content/bad.md"));
    assert_eq!((d.line, d.col), (5, 8), "{}", d.headline());
}

#[test]
fn invalid_utf8_in_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let mut raw = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x".to_vec();
    raw.push(0xC3);
    raw.extend_from_slice(b"\n");
    std::fs::write(dir.path().join("bad.yaml"), raw).unwrap();
    let (code, diags) = check_cli(dir.path(), &["bad.yaml"]);
    assert_eq!(code, 1, "{diags:#?}");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["rule"], "encoding");
    assert_eq!(diags[0]["file"], "bad.yaml");
    assert_eq!(
        (diags[0]["line"].as_u64(), diags[0]["column"].as_u64()),
        (Some(4), Some(10))
    );
}

#[test]
fn byte_order_mark_is_ignored() {
    let c = Course::new();
    c.write(
        "content/bom.md",
        format!("\u{feff}{}", page("Bom", "See [home](_index.md).\n")),
    );
    c.write("examples/bom.yaml", format!("\u{feff}{CONFIGMAP}"));
    c.write("content/uses.md", page("Uses", "{{#example bom.yaml}}\n"));
    c.build().unwrap_or_else(|d| panic!("{:#?}", headlines(&d)));
    assert!(c.site("bom.html").contains("<title>Bom"));
    // A schema error after a BOM keeps its line and column.
    let diags = check_yaml(
        "bom.yaml",
        "\u{feff}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  bogus: 1\n".into(),
    );
    let d = find(&diags, "unknown-field");
    assert_eq!((d.line, d.col), (5, 3), "{}", d.headline());
}

#[test]
fn crlf_positions_are_right() {
    let c = Course::new();
    c.write(
        "content/crlf.md",
        "+++\r\ntitle = \"Crlf\"\r\n+++\r\nline one\r\n\r\nSee [x](nowhere.md) here.\r\n",
    );
    let errors = c.errors();
    let d = find(&errors, "broken-link");
    assert_eq!(d.file, Path::new("content/crlf.md"));
    assert_eq!((d.line, d.col), (6, 5), "{}", d.headline());
    assert_eq!(d.source_line.as_deref(), Some("See [x](nowhere.md) here."));

    let diags = check_yaml(
        "crlf.yaml",
        "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: ok\r\n  bogus: 1\r\n".into(),
    );
    let d = find(&diags, "unknown-field");
    assert_eq!((d.line, d.col), (5, 3), "{}", d.headline());
    assert_eq!(d.source_line.as_deref(), Some("  bogus: 1"));
}

// ---------------------------------------------------------------- odd files

#[cfg(unix)]
#[test]
fn symlink_loop_and_escape_in_content() {
    use std::os::unix::fs::symlink;
    let c = Course::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), page("Secret", "secret\n")).unwrap();
    symlink(c.path("content/loop.md"), c.path("content/loop.md")).unwrap();
    symlink(outside.path().join("secret.md"), c.path("content/out.md")).unwrap();
    // A folder that links to its parent: walking it must not loop.
    symlink(c.path("content"), c.path("content/again")).unwrap();
    let errors = c.errors();
    let files: Vec<_> = errors
        .iter()
        .filter(|d| d.rule == "symlink")
        .map(|d| d.file.clone())
        .collect();
    assert!(
        files.contains(&PathBuf::from("content/loop.md")),
        "{:#?}",
        headlines(&errors)
    );
    assert!(
        files.contains(&PathBuf::from("content/out.md")),
        "{:#?}",
        headlines(&errors)
    );
    // The folder link that leads back to its parent is a loop, at the link.
    let again = errors
        .iter()
        .find(|d| d.file == Path::new("content/again"))
        .unwrap_or_else(|| panic!("{:#?}", headlines(&errors)));
    assert_eq!(again.rule, "symlink");
    assert!(again.message.contains("loop"), "{}", again.message);
    assert!(!c.path("public").exists());
}

#[cfg(unix)]
#[test]
fn symlink_loop_and_escape_in_examples() {
    use std::os::unix::fs::symlink;
    let c = Course::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), CONFIGMAP).unwrap();
    c.write("examples/ok.yaml", CONFIGMAP);
    symlink(c.path("examples/loop.yaml"), c.path("examples/loop.yaml")).unwrap();
    symlink(
        outside.path().join("secret.yaml"),
        c.path("examples/out.yaml"),
    )
    .unwrap();
    symlink(c.path("examples"), c.path("examples/again")).unwrap();
    c.write(
        "content/uses.md",
        page(
            "Uses",
            "{{#example ok.yaml}}\n\n{{#example loop.yaml}}\n\n{{#example out.yaml}}\n",
        ),
    );
    let errors = c.errors();
    let ex: Vec<_> = errors.iter().filter(|d| d.rule == "example").collect();
    assert_eq!(ex.len(), 2, "{:#?}", headlines(&errors));
    assert_eq!(ex[0].file, Path::new("content/uses.md"));
    assert_eq!(ex[0].line, 6, "{}", ex[0].headline());
    assert!(ex[0].message.contains("loop.yaml"), "{}", ex[0].message);
    assert_eq!(ex[1].line, 8, "{}", ex[1].headline());
    assert!(
        ex[1].message.contains("outside examples/"),
        "{}",
        ex[1].message
    );
    // The whole-course check walks examples/ without following the links.
    let (_, diags) = check_cli(&c.root(), &[]);
    assert!(
        diags.iter().all(|d| d["file"] != "examples/out.yaml"),
        "{diags:#?}"
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn fifo_and_socket_in_content_are_skipped() {
    let c = Course::new();
    mkfifo(&c.path("content/pipe.md"));
    let _sock = std::os::unix::net::UnixListener::bind(c.path("content/sock.md")).unwrap();
    let r = c.build().unwrap_or_else(|d| panic!("{:#?}", headlines(&d)));
    let skipped: Vec<_> = r
        .warnings
        .iter()
        .filter(|d| d.rule == "not-a-file")
        .map(|d| d.file.clone())
        .collect();
    assert!(
        skipped.contains(&PathBuf::from("content/pipe.md")),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&PathBuf::from("content/sock.md")),
        "{skipped:?}"
    );
    // The whole-course check skips them too.
    let (code, diags) = check_cli(&c.root(), &[]);
    assert_eq!(code, 0, "{diags:#?}");
}

#[cfg(unix)]
#[test]
fn fifo_as_book_toml_or_example_does_not_hang() {
    let c = Course::new();
    std::fs::create_dir(c.path("examples")).unwrap();
    mkfifo(&c.path("examples/pipe.yaml"));
    c.write("content/uses.md", page("Uses", "{{#example pipe.yaml}}\n"));
    let errors = c.errors();
    let d = find(&errors, "example");
    assert_eq!(
        (d.file.as_path(), d.line),
        (Path::new("content/uses.md"), 4)
    );
    let (code, diags) = check_cli(&c.root(), &["examples/pipe.yaml"]);
    assert_ne!(code, 0, "{diags:#?}");

    std::fs::remove_file(c.path("examples/pipe.yaml")).unwrap();
    std::fs::remove_file(c.path("content/uses.md")).unwrap();
    mkfifo(&c.path("content/glossary.toml"));
    let errors = c.errors();
    let d = find(&errors, "not-a-file");
    assert_eq!(d.file, Path::new("content/glossary.toml"));

    std::fs::remove_file(c.path("book.toml")).unwrap();
    mkfifo(&c.path("book.toml"));
    let errors = c.errors();
    let d = find(&errors, "not-a-file");
    assert_eq!(d.file, Path::new("book.toml"));
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let c = Course::new();
    c.write("content/locked.md", page("Locked", "text\n"));
    let p = c.path("content/locked.md");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&p).is_ok();
    let result = c.build();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    if readable {
        // Running as root (as CI does): permissions do not stop reading, so
        // the file must simply be read.
        eprintln!("unreadable_file: running as root, chmod 000 does not prevent reading");
        result.unwrap_or_else(|d| panic!("{:#?}", headlines(&d)));
        assert!(c.site("locked.html").contains("text"));
    } else {
        let errors: Vec<_> = result.unwrap_err();
        let d = find(&errors, "io");
        assert_eq!(d.file, Path::new("content/locked.md"));
        assert!(d.message.contains("cannot read"), "{}", d.message);
    }
}

// ---------------------------------------------------------------- configuration and pages

#[test]
fn empty_book_toml_builds_with_defaults() {
    let c = Course::new();
    c.write("book.toml", "");
    let r = c.build().unwrap_or_else(|d| panic!("{:#?}", headlines(&d)));
    assert_eq!(r.pages, 1);
    assert!(c.site("index.html").contains("Welcome."));
}

#[test]
fn front_matter_that_never_closes() {
    let c = Course::new();
    c.write(
        "content/open.md",
        "+++\ntitle = \"Open\"\nBody text\nmore\n",
    );
    let errors = c.errors();
    let d = find(&errors, "front-matter");
    assert_eq!(d.file, Path::new("content/open.md"));
    assert_eq!((d.line, d.col), (1, 1));
    assert!(d.message.contains("never closed"), "{}", d.message);
}

#[test]
fn template_that_includes_itself() {
    let c = Course::new();
    c.write(
        "templates/page.html",
        "<p>{% include \"page.html\" %}</p>\n",
    );
    c.write("content/a.md", page("A", "text\n"));
    let errors = c.errors();
    let d = find(&errors, "template");
    assert_eq!(d.file, Path::new("templates/page.html"));
    assert!(
        d.message.contains("loop") || d.message.contains("include"),
        "{}",
        d.headline()
    );
}

#[test]
fn templates_that_include_each_other() {
    let c = Course::new();
    c.write("templates/a.html", "{% include \"b.html\" %}");
    c.write("templates/b.html", "{% include \"a.html\" %}");
    c.write("templates/page.html", "{% include \"a.html\" %}");
    c.write("content/a.md", page("A", "text\n"));
    let errors = c.errors();
    let d = find(&errors, "template");
    assert!(d.file.starts_with("templates"), "{}", d.headline());
}

#[test]
fn component_that_recurses_forever() {
    // Run in a child process: unbounded recursion would abort the whole
    // process (stack overflow), and the test must see an error, not a crash.
    // tera 2 stops component recursion at depth 20.
    let c = Course::new();
    c.write(
        "templates/page.html",
        "{% component r(n) %}x{{<r n={n}/>}}{% endcomponent r %}{{<r n={0}/>}}",
    );
    c.write("content/a.md", page("A", "text\n"));
    let (code, _, err) = kourse(&["build"], &c.root());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("templates/page.html: error[template]"),
        "{err}"
    );
    assert!(err.contains("recursion"), "{err}");
}

#[test]
fn example_that_includes_its_own_page() {
    // An include reads only inside examples/: a page that includes its own
    // source (or any of content/) is an error at the directive, and nothing
    // of content/ is copied into the site.
    let c = Course::new();
    std::fs::create_dir(c.path("examples")).unwrap();
    c.write(
        "content/self.md",
        page("Self", "{{#example ../content/self.md}}\n"),
    );
    let errors = c.errors();
    let d = find(&errors, "example");
    assert_eq!(
        (d.file.as_path(), d.line, d.col),
        (Path::new("content/self.md"), 4, 1)
    );
    assert!(d.message.contains("outside examples/"), "{}", d.message);
    assert!(!c.path("public").exists());
}

#[test]
fn slug_colliding_with_a_static_asset() {
    let c = Course::new();
    c.write("static/guide.html", "<p>static</p>");
    c.write("content/guide.md", page("Guide", "text\n"));
    let errors = c.errors();
    let d = find(&errors, "duplicate-slug");
    assert_eq!(d.file, Path::new("content/guide.md"));
    assert!(d.message.contains("static/"), "{}", d.message);
}

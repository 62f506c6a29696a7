//! `kourse::check::run_cli` end to end: inputs, Markdown blocks, exit codes.

use std::fs;
use std::path::Path;
use std::process::Command;

use kourse::check::{CheckArgs, CheckOptions, Checker, RuleLevel, Source, markdown, run_cli};
use kourse::diagnostic::Format;

fn args(root: &std::path::Path, paths: &[&str]) -> CheckArgs {
    CheckArgs {
        paths: paths.iter().map(|p| root.join(p)).collect(),
        format: Format::Json,
        deny: Vec::new(),
        deny_warnings: false,
        root: root.to_path_buf(),
        ..Default::default()
    }
}

const GOOD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  a: b\n";
const BAD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n";
const WARN: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n";

#[test]
fn exit_codes() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("good.yaml"), GOOD).unwrap();
    fs::write(d.path().join("bad.yaml"), BAD).unwrap();
    fs::write(d.path().join("warn.yaml"), WARN).unwrap();
    assert_eq!(run_cli(&args(d.path(), &["good.yaml"])), 0);
    assert_eq!(run_cli(&args(d.path(), &["bad.yaml"])), 1);
    assert_eq!(run_cli(&args(d.path(), &["warn.yaml"])), 0);
    let mut deny = args(d.path(), &["warn.yaml"]);
    deny.deny = vec!["warnings".into()];
    assert_eq!(run_cli(&deny), 1);
    assert_eq!(run_cli(&args(d.path(), &["missing.yaml"])), 2);
}

#[test]
fn book_toml_rules_and_whole_course() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join("examples/app")).unwrap();
    fs::create_dir_all(d.path().join("content")).unwrap();
    fs::write(d.path().join("examples/app/pod.yaml"), WARN).unwrap();
    fs::write(
        d.path().join("content/page.md"),
        format!("# Page\n\n```yaml\n{GOOD}```\n\n```yaml not-manifest\nfoo: bar\n```\n"),
    )
    .unwrap();
    fs::write(d.path().join("book.toml"), "[kubernetes]\nversions = [\"1.33\", \"1.35\"]\n[kubernetes.rules]\nno-resources = \"error\"\n").unwrap();
    assert_eq!(run_cli(&args(d.path(), &[])), 1);
    fs::write(
        d.path().join("book.toml"),
        "[kubernetes]\nexclude = [\"examples/**\"]\n",
    )
    .unwrap();
    assert_eq!(run_cli(&args(d.path(), &[])), 0);
    fs::write(
        d.path().join("book.toml"),
        "[kubernetes]\nversions = [\"1.2\"]\n",
    )
    .unwrap();
    assert_eq!(run_cli(&args(d.path(), &[])), 2);
}

#[test]
fn markdown_positions_map_into_the_page() {
    let c = Checker::new(&CheckOptions::default()).unwrap();
    let md = format!(
        "# T\n\nText.\n\n> ```yaml\n> {}\n> ```\n",
        BAD.trim_end().replace('\n', "\n> ")
    );
    let diags = markdown::check_page(&c, std::path::Path::new("page.md"), &md);
    let d = diags
        .iter()
        .find(|d| d.rule == "invalid-name")
        .expect("invalid-name");
    assert_eq!((d.line, d.col), (9, 11), "{d:?}");
    assert!(
        d.source_line
            .as_deref()
            .unwrap()
            .ends_with("name: Bad_Name")
    );
}

#[test]
fn expect_error_blocks() {
    let c = Checker::new(&CheckOptions::default()).unwrap();
    let ok = format!("```yaml expect-error=invalid-name\n{BAD}```\n");
    assert!(markdown::check_page(&c, "p.md".as_ref(), &ok).is_empty());
    let wrong = format!("```yaml expect-error=latest-tag\n{BAD}```\n");
    let d = markdown::check_page(&c, "p.md".as_ref(), &wrong);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].rule.as_str(), d[0].line), ("expect-error", 1));
}

#[test]
fn allow_comments_rule_levels_and_offsets() {
    let mut opts = CheckOptions::default();
    opts.rules.insert("latest-tag".into(), RuleLevel::Off);
    let c = Checker::new(&opts).unwrap();
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c # kourse:allow no-resources demo\n    image: nginx\n";
    let d = c.check(&[Source {
        path: "x.yaml".into(),
        text: text.into(),
        line_offset: 10,
        col_offset: 2,
    }]);
    assert!(
        d.iter()
            .all(|d| d.rule != "latest-tag" && d.rule != "no-resources"),
        "{d:?}"
    );
    let mut bad = CheckOptions::default();
    bad.rules.insert("lastest-tag".into(), RuleLevel::Off);
    let e = Checker::new(&bad).err().unwrap();
    assert!(e[0].notes[0].contains("latest-tag"));
}

#[test]
fn bom_crlf_and_versions() {
    let c = Checker::new(&CheckOptions::default()).unwrap();
    assert_eq!(c.versions(), ["1.29", "1.37"]);
    let text = "\u{feff}apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: Bad_Name\r\n";
    let d = c.check(&[Source::new("x.yaml", text)]);
    assert_eq!(
        (d[0].rule.as_str(), d[0].line, d[0].col),
        ("invalid-name", 4, 9)
    );
    assert_eq!(d[0].source_line.as_deref(), Some("  name: Bad_Name"));
}

#[test]
fn field_docs_for_tooltips() {
    let c = Checker::new(&CheckOptions::default()).unwrap();
    let docs = c.field_docs(WARN);
    let img = docs
        .iter()
        .find(|d| d.path == "spec.containers[].image")
        .expect("image doc");
    assert_eq!((img.line, img.col), (8, 5));
    assert_eq!(img.type_name, "string");
    assert!(
        img.description.starts_with("Container image name"),
        "{}",
        img.description
    );
}

// ---------------------------------------------------------------------------
// The `kourse` binary end to end: folders as one set, book.toml promotion,
// output formats, colour and usage errors.

/// Runs `kourse check ARGS` in `dir` with colour variables cleared (plus
/// `env`); returns (exit code, stdout, stderr).
fn kourse(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kourse"));
    cmd.arg("check").args(args).current_dir(dir);
    for v in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR"] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run kourse");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The `--format json` diagnostics of a run, as (rule, file, line, column, severity).
fn json_diags(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn of_rule<'a>(diags: &'a [serde_json::Value], rule: &str) -> Vec<&'a serde_json::Value> {
    diags.iter().filter(|d| d["rule"] == rule).collect()
}

/// `versions` as the summary line prints them.
fn versions() -> String {
    Checker::new(&CheckOptions::default())
        .unwrap()
        .versions()
        .join(", ")
}

/// The diagnostics of one rule.
fn with_rule<'a>(
    d: &'a [kourse::diagnostic::Diagnostic],
    rule: &str,
) -> Vec<&'a kourse::diagnostic::Diagnostic> {
    d.iter().filter(|x| x.rule == rule).collect()
}

const SVC: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
";

const DEPLOY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 8080
";

#[test]
fn a_folder_is_checked_as_one_set() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("app")).unwrap();
    fs::write(d.path().join("app/svc.yaml"), SVC).unwrap();
    fs::write(d.path().join("app/deploy.yaml"), DEPLOY).unwrap();

    // The Service in svc.yaml selects the Deployment in deploy.yaml, by label and port name.
    let (code, out, err) = kourse(d.path(), &["--format", "json", "app"], &[]);
    assert_eq!(code, 0, "{err}");
    let diags = json_diags(&out);
    assert!(
        diags.iter().all(|d| d["severity"] == "warning"
            && d["rule"] != "service-no-match"
            && d["rule"] != "target-port-missing"),
        "{out}"
    );

    // Without the Deployment, the selector matches nothing, in svc.yaml at the selector.
    fs::remove_file(d.path().join("app/deploy.yaml")).unwrap();
    let (code, out, err) = kourse(d.path(), &["--format", "json", "app"], &[]);
    assert_eq!(
        code, 0,
        "a cross-object check is a warning by default: {err}"
    );
    let diags = json_diags(&out);
    assert_eq!(diags.len(), 1, "{out}");
    let w = &diags[0];
    assert_eq!(
        (
            w["rule"].as_str(),
            w["severity"].as_str(),
            w["file"].as_str(),
            w["line"].as_u64(),
            w["column"].as_u64()
        ),
        (
            Some("service-no-match"),
            Some("warning"),
            Some("app/svc.yaml"),
            Some(7),
            Some(5)
        )
    );
    assert_eq!(
        w["message"],
        "Service selector {app=web} matches no Pod template here"
    );
    assert!(err.ends_with(&format!(
        "checked 1 file against Kubernetes {}: 0 errors, 1 warning\n",
        versions()
    )));

    // A file named alone is a set of its own, even when its folder holds the other object.
    fs::write(d.path().join("app/deploy.yaml"), DEPLOY).unwrap();
    let (_, out, _) = kourse(d.path(), &["--format", "json", "app/svc.yaml"], &[]);
    assert_eq!(
        of_rule(&json_diags(&out), "service-no-match").len(),
        1,
        "{out}"
    );
}

#[test]
fn mismatches_name_the_other_objects_location() {
    let c = Checker::new(&CheckOptions::default()).unwrap();
    let check = |svc: &str| {
        c.check(&[
            Source::new("app/deploy.yaml", DEPLOY),
            Source::new("app/svc.yaml", svc),
        ])
    };

    // The selected Pods have no port named `metrics`: the note shows their ports and where.
    let d = check(&SVC.replace("targetPort: http", "targetPort: metrics"));
    let t = with_rule(&d, "target-port-missing");
    assert_eq!(t.len(), 1, "{d:?}");
    assert_eq!(
        (t[0].file.to_str(), t[0].line, t[0].col, t[0].len),
        (Some("app/svc.yaml"), 10, 19, 7)
    );
    assert_eq!(
        t[0].message,
        "targetPort \"metrics\" is not a port of Deployment `web`"
    );
    assert_eq!(
        t[0].notes,
        ["its container ports: http (8080) (at app/deploy.yaml:15:11)"]
    );

    // A numeric targetPort that no container declares.
    let d = check(&SVC.replace("targetPort: http", "targetPort: 9090"));
    let t = with_rule(&d, "target-port-missing");
    assert_eq!(t.len(), 1, "{d:?}");
    assert_eq!(
        t[0].message,
        "targetPort 9090 is not a port of Deployment `web`"
    );

    // The selector names a different app: the note shows the Pod labels there are, and where.
    let d = check(&SVC.replace("app: web", "app: frontend"));
    let s = with_rule(&d, "service-no-match");
    assert_eq!(s.len(), 1, "{d:?}");
    assert_eq!(
        (s[0].file.to_str(), s[0].line, s[0].col),
        (Some("app/svc.yaml"), 7, 5)
    );
    assert_eq!(
        s[0].message,
        "Service selector {app=frontend} matches no Pod template here"
    );
    assert_eq!(
        s[0].notes,
        ["Deployment `web` has Pod labels {app=web} at app/deploy.yaml:12:9"]
    );
    assert!(d.iter().all(|d| d.rule != "target-port-missing"), "{d:?}");

    // An Ingress naming a port the Service in another file does not have.
    let ing = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  defaultBackend:\n    service:\n      name: web\n      port:\n        number: 8080\n";
    let d = c.check(&[
        Source::new("app/deploy.yaml", DEPLOY),
        Source::new("app/ing.yaml", ing),
        Source::new("app/svc.yaml", SVC),
    ]);
    let i = with_rule(&d, "ingress-missing-service");
    assert_eq!(i.len(), 1, "{d:?}");
    assert_eq!(
        (i[0].file.to_str(), i[0].line, i[0].col),
        (Some("app/ing.yaml"), 10, 17)
    );
    assert_eq!(i[0].message, "Service `web` has no port 8080");
    assert_eq!(i[0].notes, ["its ports are at app/svc.yaml:9:5"]);
}

#[test]
fn mismatch_notes_in_markdown_point_into_the_page() {
    // The Deployment in a quoted block (lines 4.., content at column 3), the
    // Service in a later block: the note must name the Deployment's line and
    // column in the page, not in its block.
    let quoted = DEPLOY.trim_end().replace('\n', "\n> ");
    let md = format!(
        "# Page\n\n> ```yaml\n> {quoted}\n> ```\n\nText.\n\n```yaml\n{}```\n",
        SVC.replace("app: web", "app: frontend")
    );
    let c = Checker::new(&CheckOptions::default()).unwrap();
    let d = markdown::check_page(&c, Path::new("content/page.md"), &md);
    let s = with_rule(&d, "service-no-match");
    assert_eq!(s.len(), 1, "{d:?}");
    let svc_line = 1 + md.lines().position(|l| l == "    app: frontend").unwrap();
    let labels_line = 1 + md.lines().position(|l| l == ">         app: web").unwrap();
    assert_eq!((s[0].line, s[0].col), (svc_line, 5));
    assert_eq!(
        s[0].notes,
        [format!(
            "Deployment `web` has Pod labels {{app=web}} at content/page.md:{labels_line}:11"
        )]
    );
}

#[test]
fn book_toml_promotes_a_cross_object_check_to_an_error() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("svc.yaml"), SVC).unwrap();
    let want = |sev: &str| {
        format!(
            "svc.yaml:7:5: {sev}[service-no-match]: Service selector {{app=web}} matches no Pod template here\n"
        )
    };

    let (code, _, err) = kourse(d.path(), &["svc.yaml"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with(&want("warning")), "{err}");
    assert!(err.contains(": 0 errors, 1 warning\n"), "{err}");

    fs::write(
        d.path().join("book.toml"),
        "[kubernetes.rules]\nservice-no-match = \"error\"\n",
    )
    .unwrap();
    let (code, _, err) = kourse(d.path(), &["svc.yaml"], &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with(&want("error")), "{err}");
    assert!(err.contains(": 1 error, 0 warnings\n"), "{err}");

    // And `-C` finds the book.toml from elsewhere.
    let (code, _, err) = kourse(
        d.path().parent().unwrap(),
        &[
            "-C",
            d.path().to_str().unwrap(),
            d.path().join("svc.yaml").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[service-no-match]"), "{err}");
}

#[test]
fn human_output_source_line_caret_and_summary() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("bad.yaml"), BAD).unwrap();
    fs::write(d.path().join("svc.yaml"), SVC).unwrap();
    let (code, out, err) = kourse(d.path(), &["bad.yaml", "svc.yaml"], &[]);
    assert_eq!(code, 1);
    assert_eq!(out, "", "human output goes to stderr");
    let expected = format!(
        "\
bad.yaml:4:9: error[invalid-name]: {BAD_NAME}
  |
4 |   name: Bad_Name
  |         ^^^^^^^^

svc.yaml:7:5: warning[service-no-match]: Service selector {{app=web}} matches no Pod template here
  |
7 |     app: web
  |     ^

checked 2 files against Kubernetes {v}: 1 error, 1 warning
",
        v = versions()
    );
    assert_eq!(err, expected);
}

/// The message of BAD's diagnostic.
const BAD_NAME: &str = "ConfigMap name `Bad_Name` must consist of lower-case letters, digits, `-` and `.`, and start and end with a letter or digit";

#[test]
fn no_color_is_honoured_and_clicolor_force_forces_colour() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("bad.yaml"), BAD).unwrap();
    // Not a terminal: plain.
    let (_, _, plain) = kourse(d.path(), &["bad.yaml"], &[]);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    // CLICOLOR_FORCE colours even a pipe...
    let (_, _, forced) = kourse(d.path(), &["bad.yaml"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains("\x1b["), "{forced:?}");
    // ...but NO_COLOR wins over it.
    let (code, _, no_color) = kourse(
        d.path(),
        &["bad.yaml"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert_eq!(code, 1);
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
    assert_eq!(no_color, plain);
}

#[test]
fn github_format_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("app")).unwrap();
    fs::write(d.path().join("app/bad.yaml"), BAD).unwrap();
    fs::write(
        d.path().join("app/svc.yaml"),
        SVC.replace("app: web", "app: frontend"),
    )
    .unwrap();
    fs::write(d.path().join("app/deploy.yaml"), DEPLOY).unwrap();
    let (code, out, err) = kourse(d.path(), &["--format", "github", "app"], &[]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let want_bad = format!("::error file=app/bad.yaml,line=4,col=9,title=invalid-name::{BAD_NAME}");
    assert!(lines.contains(&want_bad.as_str()), "{out}");
    // Notes follow the message after an escaped newline; colons in the data stay.
    assert!(
        lines.contains(
            &"::warning file=app/svc.yaml,line=7,col=5,title=service-no-match::Service selector {app=frontend} matches no Pod template here%0ADeployment `web` has Pod labels {app=web} at app/deploy.yaml:12:9"
        ),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("::error file=app/") || l.starts_with("::warning file=app/")),
        "{out}"
    );
    // The summary still goes to stderr, nothing else does.
    assert_eq!(
        err,
        format!(
            "checked 3 files against Kubernetes {}: 1 error, {} warnings\n",
            versions(),
            lines.len() - 1
        )
    );
}

#[test]
fn usage_errors_exit_2() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("good.yaml"), GOOD).unwrap();
    for args in [
        &["--format", "nope", "good.yaml"][..],
        &["--bogus", "good.yaml"],
        &["--deny", "errors", "good.yaml"],
        &["missing.yaml"],
    ] {
        let (code, out, err) = kourse(d.path(), args, &[]);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
    let (_, _, err) = kourse(d.path(), &["--format", "nope", "good.yaml"], &[]);
    assert!(
        err.contains("invalid value 'nope' for '--format <FORMAT>'"),
        "{err}"
    );
    let (code, _, err) = kourse(d.path(), &["good.yaml"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        format!(
            "checked 1 file against Kubernetes {}: 0 errors, 0 warnings\n",
            versions()
        )
    );
}

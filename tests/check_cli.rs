//! `kourse::check::run_cli` end to end: inputs, Markdown blocks, exit codes.

use std::fs;

use kourse::check::{CheckArgs, CheckOptions, Checker, RuleLevel, Source, markdown, run_cli};
use kourse::diagnostic::Format;

fn args(root: &std::path::Path, paths: &[&str]) -> CheckArgs {
    CheckArgs {
        paths: paths.iter().map(|p| root.join(p)).collect(),
        format: Format::Json,
        deny: Vec::new(),
        root: root.to_path_buf(),
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

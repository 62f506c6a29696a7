//! Kustomize and Helm folders: rendered by `kubectl kustomize` and `helm
//! template`, checked, and each diagnostic mapped back to the file and line
//! the object came from.
//!
//! The programs run with a time limit and with every proxy variable pointing
//! at a closed local port, so a remote base or chart dependency fails instead
//! of being downloaded. Kustomize gets `buildMetadata: [originAnnotations]`
//! through a wrapper kustomization in a temporary folder, so every object
//! says which file it came from; Helm marks each document with a
//! `# Source: chart/templates/x.yaml` comment.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::yaml::{self, Node, Value};
use super::{Checker, Source};
use crate::diagnostic::{self, Diagnostic};

/// How long a render may take before it is stopped.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The kind of tool folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Kustomize,
    Helm,
}

/// The program that renders a folder, with its arguments.
#[derive(Debug, Clone, Copy)]
pub enum Tool<'a> {
    Kustomize,
    /// `--helm-values` files, in order.
    Helm(&'a [PathBuf]),
}

const KUSTOMIZATION: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether a folder is a Helm chart or a Kustomize folder.
pub fn tool_folder(dir: &Path) -> Option<Folder> {
    if dir.join("Chart.yaml").is_file() {
        Some(Folder::Helm)
    } else if KUSTOMIZATION.iter().any(|k| dir.join(k).is_file()) {
        Some(Folder::Kustomize)
    } else {
        None
    }
}

/// Renders a folder and checks the result; returns the files the
/// diagnostics may name and the diagnostics.
pub fn check_rendered(
    checker: &Checker,
    tool: Tool,
    dir: &Path,
    root: &Path,
) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let config = match tool {
        Tool::Helm(_) => dir.join("Chart.yaml"),
        Tool::Kustomize => KUSTOMIZATION
            .iter()
            .map(|k| dir.join(k))
            .find(|p| p.is_file())
            .unwrap_or_else(|| dir.join(KUSTOMIZATION[0])),
    };
    let shown_config = diagnostic::display_path(&config, root);
    let (program, what) = match tool {
        Tool::Helm(_) => ("helm", "the Helm chart"),
        Tool::Kustomize => ("kubectl", "the Kustomize folder"),
    };
    let Some(exe) = find_program(program) else {
        let d = Diagnostic::warning(
            "tool-missing",
            shown_config.clone(),
            format!(
                "{what} {} was not checked: `{program}` is not on PATH",
                diagnostic::display_path(dir, root).display()
            ),
        )
        .with_note(match tool {
            Tool::Helm(_) => "install Helm (https://helm.sh/docs/intro/install/) to check the manifests `helm template` renders",
            Tool::Kustomize => "install kubectl (https://kubernetes.io/docs/tasks/tools/) to check the manifests `kubectl kustomize` renders",
        });
        return (vec![shown_config], vec![d]);
    };
    let failed = |message: String| {
        let d = Diagnostic::error("render-failed", shown_config.clone(), message);
        (vec![shown_config.clone()], vec![d])
    };
    let mut cmd = Command::new(&exe);
    let wrapper = match tool {
        Tool::Kustomize => match origin_wrapper(dir) {
            Ok(w) => {
                cmd.arg("kustomize").arg(w.path());
                Some(w)
            }
            Err(e) => return failed(format!("cannot prepare `kubectl kustomize`: {e}")),
        },
        Tool::Helm(values) => {
            cmd.arg("template").arg(dir);
            for v in values {
                cmd.arg("--values").arg(v);
            }
            None
        }
    };
    let command_line = match tool {
        Tool::Helm(_) => format!("helm template {}", dir.display()),
        Tool::Kustomize => format!("kubectl kustomize {}", dir.display()),
    };
    let text = match run(cmd) {
        Ok(text) => text,
        Err(e) => return failed(format!("`{command_line}` failed: {e}")),
    };
    let source = Source::new(shown_config.clone(), text);
    let rendered = checker.check(std::slice::from_ref(&source));
    let stream = source.parse();
    let mut files = vec![shown_config.clone()];
    let canon_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut out = Vec::new();
    for mut d in rendered {
        let doc = stream
            .docs
            .iter()
            .rfind(|doc| d.line > 0 && doc.first_line as usize <= d.line);
        let origin = doc.and_then(|doc| {
            let from = match tool {
                Tool::Kustomize => kustomize_origin(doc.root.as_ref()?, wrapper.as_ref()?.path()),
                Tool::Helm(_) => helm_origin(&source.text, d.line, dir),
            }?;
            Some((doc, from))
        });
        let rendered_line = d.line;
        match origin.and_then(|(doc, from)| map_into(&d, doc.root.as_ref()?, &from)) {
            Some(m) => {
                if m.allowed {
                    continue;
                }
                let shown = match m.file.strip_prefix(&canon_root) {
                    Ok(rel) => rel.to_path_buf(),
                    Err(_) => diagnostic::display_path(&m.file, root),
                };
                if !files.contains(&shown) {
                    files.push(shown.clone());
                }
                d.file = shown;
                d.line = m.line;
                d.col = m.col;
                d.len = m.len;
                d.source_line = m.text;
            }
            None => {
                d.line = 0;
                d.col = 0;
                d.len = 0;
                d.source_line = None;
            }
        }
        if rendered_line > 0 {
            d.notes.push(format!(
                "found in line {rendered_line} of the output of `{command_line}`"
            ));
        }
        out.push(d);
    }
    (files, out)
}

/// A program on PATH.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs a render with a time limit and no network; its standard output, or
/// its standard error as the error.
fn run(mut cmd: Command) -> Result<String, String> {
    const NO_PROXY: &str = "http://127.0.0.1:9";
    for v in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env(v, NO_PROXY);
    }
    for v in ["NO_PROXY", "no_proxy"] {
        cmd.env_remove(v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start it: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let out = out.join().unwrap_or_default();
    let err = String::from_utf8_lossy(&err.join().unwrap_or_default())
        .trim()
        .to_string();
    match status {
        None => Err(format!("stopped after {} s", TIME_LIMIT.as_secs())),
        Some(s) if !s.success() => Err(if err.is_empty() { s.to_string() } else { err }),
        Some(_) => String::from_utf8(out).map_err(|_| "its output is not UTF-8".to_string()),
    }
}

/// A temporary kustomization that includes `dir` and adds origin annotations.
fn origin_wrapper(dir: &Path) -> std::io::Result<tempfile::TempDir> {
    let tmp = tempfile::tempdir()?;
    let target = std::fs::canonicalize(dir)?;
    let base = std::fs::canonicalize(tmp.path())?;
    let rel = relative(&base, &target);
    let text = format!(
        "resources:\n  - {}\nbuildMetadata: [originAnnotations]\n",
        serde_json::to_string(&rel.to_string_lossy()).unwrap_or_default()
    );
    std::fs::write(tmp.path().join("kustomization.yaml"), text)?;
    Ok(tmp)
}

/// `to` relative to `from` (both absolute).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut p = PathBuf::new();
    for _ in common..a.len() {
        p.push("..");
    }
    for c in &b[common..] {
        p.push(c);
    }
    p
}

/// `base/rel` with `..` and `.` resolved lexically.
fn normalize(base: &Path, rel: &str) -> PathBuf {
    let mut p = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            Component::ParentDir => {
                p.pop();
            }
            Component::CurDir => {}
            c => p.push(c),
        }
    }
    p
}

/// Where a rendered object came from.
struct Origin {
    file: PathBuf,
    /// The object's source file holds it as YAML (Kustomize); else a template.
    yaml: bool,
    /// Kustomize generators: the key in the kustomization that made it.
    generator: Option<&'static str>,
}

fn kustomize_origin(root: &Node, wrapper: &Path) -> Option<Origin> {
    let text = root
        .path(&["metadata", "annotations", "config.kubernetes.io/origin"])?
        .as_str()?;
    let origin = yaml::parse(text).docs.into_iter().next()?.root?;
    let base = std::fs::canonicalize(wrapper).ok()?;
    if let Some(path) = origin.get("path").and_then(Node::as_str) {
        return Some(Origin {
            file: normalize(&base, path),
            yaml: true,
            generator: None,
        });
    }
    let configured = origin.get("configuredIn").and_then(Node::as_str)?;
    let generator = match origin
        .path(&["configuredBy", "kind"])
        .and_then(Node::as_str)
    {
        Some("ConfigMapGenerator") => Some("configMapGenerator"),
        Some("SecretGenerator") => Some("secretGenerator"),
        _ => None,
    };
    Some(Origin {
        file: normalize(&base, configured),
        yaml: false,
        generator,
    })
}

/// The template of a rendered line, from the `# Source: chart/…` comment
/// that heads its document.
fn helm_origin(text: &str, line: usize, chart: &Path) -> Option<Origin> {
    let lines: Vec<&str> = text.lines().take(line).collect();
    let src = lines
        .iter()
        .rev()
        .find_map(|l| l.trim().strip_prefix("# Source: "))?;
    let (_, rest) = src.split_once('/')?;
    Some(Origin {
        file: chart.join(rest),
        yaml: false,
        generator: None,
    })
}

/// One step of a path from a document's root to a node.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// The steps to the node (key or value) at a line and column.
/// `key` tells whether the node found is a mapping key.
fn path_to(node: &Node, line: u32, col: u32, path: &mut Vec<Step>, key: &mut bool) -> bool {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let name = k.scalar_text().unwrap_or_default();
                path.push(Step::Key(name));
                if k.pos.line == line && k.pos.col == col {
                    *key = true;
                    return true;
                }
                if path_to(v, line, col, path, key) {
                    return true;
                }
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Step::Index(i));
                if path_to(v, line, col, path, key) {
                    return true;
                }
                path.pop();
            }
        }
        _ => {}
    }
    node.pos.line == line && node.pos.col == col
}

/// Where a rendered diagnostic lands in its source.
struct Mapped {
    file: PathBuf,
    line: usize,
    col: usize,
    len: usize,
    text: Option<String>,
    /// A `# kourse:allow` comment of the source document allows the rule
    /// (Kustomize drops comments, so the rendered text no longer has it).
    allowed: bool,
}

/// The file, line, column and line text a rendered diagnostic maps to.
fn map_into(d: &Diagnostic, rendered: &Node, from: &Origin) -> Option<Mapped> {
    let text = std::fs::read_to_string(&from.file).ok()?;
    let (mut steps, mut key) = (Vec::new(), false);
    path_to(rendered, d.line as u32, d.col as u32, &mut steps, &mut key);
    let (line, col, len) = if from.yaml {
        let stream = yaml::parse(yaml::strip_bom(&text));
        let kind = rendered.get("kind").and_then(Node::as_str);
        let name = rendered.path(&["metadata", "name"]).and_then(Node::as_str);
        let docs: Vec<&Node> = stream.docs.iter().filter_map(|d| d.root.as_ref()).collect();
        let same_kind: Vec<&Node> = docs
            .iter()
            .copied()
            .filter(|n| n.get("kind").and_then(Node::as_str) == kind)
            .collect();
        let doc = same_kind
            .iter()
            .copied()
            .find(|n| {
                let src = n.path(&["metadata", "name"]).and_then(Node::as_str);
                src.is_some_and(|s| name.is_some_and(|r| r.contains(s)))
            })
            .or_else(|| same_kind.first().copied())
            .or_else(|| docs.first().copied())?;
        let n = follow(doc, &steps, key);
        (n.pos.line as usize, n.pos.col as usize, n.pos.len as usize)
    } else if let Some(key) = from.generator {
        let (l, c) = find_keys(&text, &[Step::Key(key.to_string())]);
        (l, c, key.len())
    } else {
        let (l, mut c) = find_keys(&text, &steps);
        // A value's diagnostic points after its key, where the template writes it.
        if let (false, Some(Step::Key(k))) = (key, steps.last()) {
            let line_text = diagnostic::source_line(&text, l).unwrap_or("");
            if line_text.chars().count() > c + k.chars().count() + 1 {
                c += k.chars().count() + 2;
            }
        }
        (l, c, 0)
    };
    Some(Mapped {
        file: from.file.clone(),
        line,
        col,
        len,
        text: diagnostic::source_line(&text, line).map(str::to_owned),
        allowed: allowed_in_document(&text, line, &d.rule),
    })
}

/// Whether a `# kourse:allow RULE` comment in the YAML document holding
/// `line` names `rule` (or `all`).
fn allowed_in_document(text: &str, line: usize, rule: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let is_sep = |l: &&str| l.trim_end() == "---";
    let start = lines[..line.min(lines.len())]
        .iter()
        .rposition(is_sep)
        .map_or(0, |i| i + 1);
    let end = lines[start..]
        .iter()
        .position(is_sep)
        .map_or(lines.len(), |i| start + i);
    lines[start..end].iter().any(|l| {
        let Some(pos) = l.find("kourse:allow") else {
            return false;
        };
        l[..pos].contains('#')
            && l[pos + "kourse:allow".len()..]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .split(',')
                .any(|r| r == rule || r == "all")
    })
}

/// The deepest node of `steps` that exists below `node`.
/// With `key`, the last step's key rather than its value.
fn follow<'a>(mut node: &'a Node, steps: &[Step], key: bool) -> &'a Node {
    for (i, s) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let next = match s {
            Step::Key(k) => node
                .entries()
                .iter()
                .find(|(name, _)| name.scalar_text().as_deref() == Some(k))
                .map(|(name, v)| if last && key { name } else { v }),
            Step::Index(i) => node.seq().get(*i),
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// A template's line and column of a path of keys, found as text: each key
/// is searched from the line of the one before it (list indices are
/// skipped). The first line when no key is found.
fn find_keys(text: &str, steps: &[Step]) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let (mut at, mut col) = (0usize, 0usize);
    for s in steps {
        let Step::Key(k) = s else { continue };
        let want = format!("{k}:");
        let found = lines.iter().enumerate().skip(at).find_map(|(i, l)| {
            let t = l.trim_start();
            let t2 = t.strip_prefix("- ").unwrap_or(t);
            t2.starts_with(&want).then(|| (i, l.len() - t2.len()))
        });
        match found {
            Some((i, c)) => {
                at = i;
                col = c + 1;
            }
            None => break,
        }
    }
    if col == 0 { (1, 1) } else { (at + 1, col) }
}

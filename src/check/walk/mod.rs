//! The walk: the course applied in reading order to a model of the learner's cluster.
//!
//! - [`shell`]: shell blocks to simple commands;
//! - [`steps`]: kubectl commands and `{{#example … apply}}` directives of a page;
//! - [`lab`]: what kind, minikube or k3s start with;
//! - [`state`]: the modelled cluster;
//! - [`exec`]: one step against the model;
//! - [`rules`]: what the apiserver, the admission plugins, the kubelet and the
//!   scheduler would refuse.

pub mod exec;
mod inputs;
pub mod kustomize;
pub mod lab;
pub mod node_steps;
pub mod nodes;
mod page_scan;
pub mod rules;
pub mod shell;
pub mod state;
pub mod steps;
mod trace;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::check::Checker;
use crate::config::Config;
use crate::content::{Course, PageId};
use crate::diagnostic::{Diagnostic, Severity};
use state::State;
use steps::Step;
use trace::{describe, summarize};

/// The walk's rule ids, default severities and descriptions.
pub const RULES: &[(&str, Severity, &str)] = {
    use Severity::{Error as E, Warning as W};
    &[
        (
            "walk-already-exists",
            E,
            "`kubectl create` of an object an earlier step made",
        ),
        (
            "walk-not-found",
            W,
            "a command names an object no earlier step made",
        ),
        (
            "walk-immutable-field",
            E,
            "an update changes a field the apiserver keeps",
        ),
        (
            "walk-namespace-missing",
            E,
            "an object in a namespace no earlier step created",
        ),
        (
            "walk-namespace-mismatch",
            E,
            "a manifest's namespace differs from the command's -n",
        ),
        (
            "walk-crd-missing",
            E,
            "a custom resource applied before its CRD",
        ),
        (
            "walk-cr-invalid",
            E,
            "a custom resource its CRD's schema rejects",
        ),
        (
            "walk-pod-security",
            E,
            "a Pod (or a workload's Pods) the namespace's Pod Security level rejects",
        ),
        (
            "walk-pod-security-label",
            E,
            "a Namespace whose Pod Security level or version label does not parse",
        ),
        (
            "walk-pod-security-warn",
            W,
            "a Pod the namespace's Pod Security `warn` level warns about",
        ),
        (
            "walk-pod-needs",
            E,
            "a Pod refers to an object its namespace lacks when it starts",
        ),
        (
            "walk-pvc-pending",
            E,
            "a PersistentVolumeClaim no StorageClass of the lab provisions",
        ),
        ("walk-default-storageclass", W, "two default StorageClasses"),
        (
            "walk-unschedulable",
            E,
            "a Pod no node of the lab can take (Pending)",
        ),
        (
            "walk-quota",
            E,
            "a Pod a ResourceQuota or LimitRange of its namespace rejects",
        ),
        (
            "walk-label-exists",
            E,
            "`kubectl label` changes a label without --overwrite",
        ),
        (
            "walk-no-container",
            E,
            "`kubectl set image` names a container the object lacks",
        ),
        (
            "walk-taint",
            E,
            "`kubectl taint` adds a taint the node has without --overwrite, or removes one it lacks",
        ),
        (
            "walk-file-missing",
            E,
            "a command names a file that does not exist",
        ),
        (
            "walk-not-walked",
            W,
            "a step the walk cannot model (remote manifest, kustomize without kubectl)",
        ),
        (
            "walk-expect",
            E,
            "a step marked to fail does not fail that way",
        ),
        (
            "walk-front-matter",
            E,
            "an invalid `walk` or `walk-from` in front matter",
        ),
    ]
};

/// A problem a step causes, before it is placed in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub rule: &'static str,
    pub message: String,
    pub notes: Vec<String>,
    /// True of the step's moment only (a Pod Pending now that a later step
    /// may let the scheduler place): it satisfies an `expect` mark and is
    /// otherwise no finding.
    pub soft: bool,
}

impl Issue {
    pub fn new(rule: &'static str, message: impl Into<String>) -> Issue {
        Issue {
            rule,
            message: message.into(),
            notes: Vec::new(),
            soft: false,
        }
    }

    /// Marks the issue as true of this moment only.
    pub fn soft(mut self) -> Issue {
        self.soft = true;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Issue {
        self.notes.push(note.into());
        self
    }

    /// Adds the manifest's place as a note.
    pub fn manifest(self, manifest: &Option<String>) -> Issue {
        match manifest {
            Some(m) => self.note(format!("manifest: {m}")),
            None => self,
        }
    }
}

/// What a walk found, and its trace (`--walk-trace`).
#[derive(Debug, Default)]
pub struct Walk {
    pub diagnostics: Vec<Diagnostic>,
    pub trace: String,
}

/// Whether book.toml leaves the walk on.
pub fn enabled(config: &Config) -> bool {
    config.lab.walk
}

/// Walks the course if book.toml leaves the walk on.
pub fn walk_course(
    root: &Path,
    config: &Config,
    course: &Course,
    checker: &Checker,
    trace: bool,
) -> Walk {
    if !enabled(config) {
        return Walk::default();
    }
    let kind_config = match &config.lab.kind_config {
        Some(p) => {
            let shown = p.clone();
            match crate::content::read_text(&root.join(p), &shown) {
                Ok(t) => Some((t, shown)),
                Err(d) => {
                    return Walk {
                        diagnostics: vec![d],
                        trace: String::new(),
                    };
                }
            }
        }
        None => None,
    };
    let lab = match lab::profile(
        &config.lab.cluster,
        kind_config.as_ref().map(|(t, p)| (t.as_str(), p.as_path())),
    ) {
        Ok(l) => l,
        Err(diagnostics) => {
            return Walk {
                diagnostics,
                trace: String::new(),
            };
        }
    };
    let mut w = Walker {
        root,
        checker,
        kubectl: find_on_path("kubectl"),
        cache: Some(root.join(&config.build.cache_dir)),
        files: HashMap::new(),
        page_idx: 0,
        page_file: PathBuf::new(),
        trace: trace.then(String::new),
        lab: lab.name,
    };
    let diagnostics = w.walk(course, &lab);
    Walk {
        diagnostics,
        trace: w.trace.unwrap_or_default(),
    }
}

/// The walk of `kourse check` on a whole course: loads book.toml and the
/// pages (a course that does not load is left to `kourse build` to report);
/// the trace goes to stderr.
pub fn from_cli(root: &Path, checker: &Checker, trace: bool) -> Vec<Diagnostic> {
    if !root.join(crate::config::CONFIG_FILE).exists() {
        return Vec::new();
    }
    let Ok(config) = Config::load(root) else {
        return Vec::new();
    };
    let opts = crate::content::LoadOptions {
        drafts: config.build.drafts,
    };
    let Ok(course) = crate::content::load(root, opts) else {
        return Vec::new();
    };
    let walk = walk_course(root, &config, &course, checker, trace);
    if trace {
        eprint!("{}", walk.trace);
    }
    walk.diagnostics
}

/// The walk of `kourse build` and `serve`: its findings are diagnostics of
/// the build. A checker that cannot be made was reported by the build.
pub fn for_build(root: &Path, config: &Config, course: &Course) -> Vec<Diagnostic> {
    if !enabled(config) {
        return Vec::new();
    }
    let opts = crate::check::CheckOptions::from_config(&config.kubernetes, root);
    match Checker::new(&opts) {
        Ok(checker) => walk_course(root, config, course, &checker, false).diagnostics,
        Err(_) => Vec::new(),
    }
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The walk's working state besides the cluster.
pub struct Walker<'a> {
    root: &'a Path,
    checker: &'a Checker,
    kubectl: Option<PathBuf>,
    /// The build cache folder (rendered kustomizations).
    cache: Option<PathBuf>,
    /// Manifest files read and parsed so far, by path.
    files: HashMap<PathBuf, inputs::FileDocs>,
    /// Index in reading order of the page being walked.
    page_idx: usize,
    page_file: PathBuf,
    trace: Option<String>,
    /// The lab's name, for messages.
    lab: &'static str,
}

impl Walker<'_> {
    fn at(&self, step: &Step) -> String {
        format!("{}:{}:{}", self.page_file.display(), step.line, step.col)
    }

    /// A built-in kind the target Kubernetes versions serve.
    fn serves(&self, api: &str, kind: &str) -> bool {
        // A built-in group that no longer serves a kind is the per-file
        // check's finding (removed-api), not a missing CRD.
        self.checker.serves(api, kind) || !state::group_of(api).contains('.')
    }

    fn trace_line(&mut self, line: String) {
        if let Some(t) = &mut self.trace {
            t.push_str(&line);
            t.push('\n');
        }
    }

    /// The steps of every page, and the manifest files they name read and
    /// parsed, on all cores: both depend on the text alone.
    fn prepare(&mut self, course: &Course) -> Vec<Vec<Step>> {
        use rayon::prelude::*;
        let all: Vec<Vec<Step>> = course
            .order
            .par_iter()
            .map(|&id| {
                let page = &course.pages[id];
                if page.front.walk.as_deref() == Some("skip") {
                    Vec::new()
                } else {
                    steps::page_steps(&page.text, page.body_offset)
                }
            })
            .collect();
        let mut paths: Vec<PathBuf> = all
            .iter()
            .flatten()
            .filter_map(|s| match &s.action {
                steps::Action::Files { inputs, .. } => Some(inputs),
                _ => None,
            })
            .flatten()
            .filter_map(|i| match i {
                steps::Input::Path(p) => Some(self.root.join(p)),
                _ => None,
            })
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        paths.dedup();
        let root = self.root;
        let loaded: Vec<(PathBuf, inputs::FileDocs)> = paths
            .into_par_iter()
            .map(|p| {
                let docs = inputs::load_docs(&p, root);
                (p, docs)
            })
            .collect();
        self.files.extend(loaded);
        all
    }

    fn walk(&mut self, course: &Course, lab: &lab::Lab) -> Vec<Diagnostic> {
        let mut all_steps = self.prepare(course).into_iter();
        let mut diags = Vec::new();
        let mut state = State::fresh(lab);
        let mut ends: HashMap<PageId, State> = HashMap::new();
        for (idx, &id) in course.order.iter().enumerate() {
            let page = &course.pages[id];
            self.page_idx = idx;
            self.page_file = page.file.clone();
            let front_err = |msg: String| {
                Diagnostic::error("walk-front-matter", page.file.clone(), msg).at(&page.text, 2, 1)
            };
            let mut how = "continues";
            let mut skip = false;
            match page.front.walk.as_deref() {
                None => {}
                Some("fresh") => {
                    state = State::fresh(lab);
                    how = "starts from a fresh lab";
                }
                Some("skip") => skip = true,
                Some(other) => diags.push(front_err(format!(
                    "walk = \"{other}\": use \"fresh\" (start from a fresh lab) or \"skip\" (do not walk this page)"
                ))),
            }
            if let Some(from) = &page.front.walk_from {
                let dir = page.source.rsplit_once('/').map_or("", |(d, _)| d);
                let target =
                    crate::markdown::links::resolve(dir, from).and_then(|s| course.by_source(&s));
                match target.and_then(|p| ends.get(&p.id).map(|s| (p, s))) {
                    Some((p, s)) => {
                        state = s.clone();
                        self.trace_line(format!(
                            "== {} starts from the end of {}",
                            page.file.display(),
                            p.file.display()
                        ));
                        how = "";
                    }
                    None if target.is_some() => diags.push(front_err(format!(
                        "walk-from = \"{from}\" names a page that comes later in reading order"
                    ))),
                    None => diags.push(front_err(format!(
                        "walk-from = \"{from}\" names no page (paths are relative to this page)"
                    ))),
                }
            }
            let steps = all_steps.next().unwrap_or_default();
            let steps = if skip { Vec::new() } else { steps };
            if !steps.is_empty() && !how.is_empty() {
                self.trace_line(format!("== {} {how}", page.file.display()));
            }
            let mut issues: Vec<(usize, Issue)> = Vec::new();
            for (si, step) in steps.iter().enumerate() {
                if self.trace.is_some() {
                    let at = self.at(step);
                    self.trace_line(format!("  {at} {}", describe(&step.action)));
                }
                let found = self.run(&mut state, step, si);
                if self.trace.is_some() {
                    for i in &found {
                        let now = if i.soft { " (at this step)" } else { "" };
                        self.trace_line(format!("    {}: {}{now}", i.rule, i.message));
                    }
                }
                issues.extend(found.into_iter().map(|i| (si, i)));
            }
            if !steps.is_empty() {
                let end = rules::page_end(&state, idx, lab, self.checker);
                for (si, i) in &end {
                    if self.trace.is_some() {
                        self.trace_line(format!(
                            "    at the end of the page, step {}: {}: {}",
                            steps[*si].line, i.rule, i.message
                        ));
                    }
                }
                issues.extend(end);
                if self.trace.is_some() {
                    let summary = summarize(&state);
                    self.trace_line(summary);
                }
            }
            diags.extend(self.place(page, &steps, issues));
            ends.insert(id, state.clone());
        }
        diags
    }

    /// Diagnostics at the steps' lines, with `expect` marks resolved.
    fn place(
        &self,
        page: &crate::content::Page,
        steps: &[Step],
        mut issues: Vec<(usize, Issue)>,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut done: Vec<usize> = Vec::new();
        for step in steps {
            let Some(want) = &step.expect else { continue };
            if done.contains(&step.group) {
                continue;
            }
            done.push(step.group);
            let rule = if want.starts_with("walk-") {
                want.clone()
            } else {
                format!("walk-{want}")
            };
            let in_group = |s: usize| steps[s].group == step.group && steps[s].expect.is_some();
            let mine: Vec<&Issue> = issues
                .iter()
                .filter(|(s, _)| in_group(*s))
                .map(|(_, i)| i)
                .collect();
            if mine.iter().any(|i| i.rule == rule) {
                // The failure taught here is expected; others still count.
                issues.retain(|(s, i)| !(in_group(*s) && i.rule == rule));
            } else {
                let got: Vec<String> = mine.iter().map(|i| i.rule.to_owned()).collect();
                out.push(
                    Diagnostic::error(
                        "walk-expect",
                        page.file.clone(),
                        format!("this step is marked to fail with `{rule}`, but on the walked cluster it does not"),
                    )
                    .at(&page.text, step.line, step.col)
                    .with_note(if got.is_empty() {
                        "the step succeeds".to_owned()
                    } else {
                        format!("it reports: {}", got.join(", "))
                    }),
                );
            }
        }
        for (si, i) in issues {
            // Audit-mode findings are for the trace only; a moment's state
            // only counts for a mark.
            if i.rule == rules::AUDIT || i.soft {
                continue;
            }
            let Some(severity) = self.checker.rule_level(i.rule) else {
                continue;
            };
            let step = &steps[si];
            let mut d = Diagnostic::new(severity, i.rule, page.file.clone(), i.message)
                .at(&page.text, step.line, step.col);
            d.notes = i.notes;
            out.push(d);
        }
        out
    }
}

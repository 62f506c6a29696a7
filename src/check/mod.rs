//! `kourse check`: the Kubernetes manifest checker.
//!
//! One module per job:
//! - [`yaml`]: YAML to a tree with positions, with limits against bombs;
//! - [`bundle`]: the embedded schema bundle, compiled per version;
//! - [`validate`]: structural validation of a tree against a schema;
//! - [`rules`]: the rule registry and the apiserver rules;
//! - [`deprecations`]: removed and deprecated apiVersions;
//! - [`cross`]: references between the objects of a set;
//! - [`lints`]: best-practice warnings;
//! - [`custom`]: extra JSON schemas for custom resources;
//! - [`markdown`]: fenced yaml blocks of Markdown pages;
//! - `options`: what a check runs against; `objects`: the objects of a source;
//! - [`files`]: which files of a folder are manifests;
//! - [`walk`]: the course applied in reading order to a model of the cluster;
//! - [`cli`]: `kourse check` itself.

pub mod bundle;
pub mod cli;
pub mod cross;
pub mod custom;
pub mod deprecations;
pub mod docs;
pub mod expect;
pub mod files;
pub mod flags;
pub mod input;
pub mod lints;
pub mod markdown;
mod objects;
mod options;
pub mod render;
pub mod rules;
pub mod validate;
pub mod walk;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

/// Every rule: the manifest rules, then the walk's (id, default level, what
/// it finds).
pub fn all_rules() -> impl Iterator<Item = &'static (&'static str, Severity, &'static str)> {
    rules::RULES.iter().chain(walk::RULES)
}

/// A rule's one-line description by id (for the SARIF rule list).
pub fn describe_rule(id: &str) -> Option<&'static str> {
    all_rules().find(|r| r.0 == id).map(|r| r.2)
}

pub use cli::{CheckArgs, run_cli};
pub use docs::FieldDoc;
pub use objects::Obj;
use objects::{Parsed, Raw, collect_objects, diagnostic_at, parse_source};
pub use options::{CheckOptions, RuleLevel};

use crate::diagnostic::{Diagnostic, Severity};
use bundle::Schemas;
use rules::Out;
use validate::Finding;
use yaml::{Node, Pos};

/// A YAML text to check.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// The path shown in diagnostics.
    pub path: PathBuf,
    pub text: String,
    /// Added to every line (for a block inside a Markdown file).
    pub line_offset: usize,
    /// Added to every column.
    pub col_offset: usize,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Source {
        Source {
            path: path.into(),
            text: text.into(),
            line_offset: 0,
            col_offset: 0,
        }
    }

    /// The source's YAML stream (a leading byte-order mark skipped), as
    /// [`Checker::check_parsed`] expects it.
    pub fn parse(&self) -> yaml::Stream {
        yaml::parse(yaml::strip_bom(&self.text))
    }
}

/// The checker: target versions, compiled schemas and rule levels. `Send + Sync`.
pub struct Checker {
    versions: Vec<String>,
    schemas: Vec<&'static Schemas>,
    custom: Schemas,
    rules: BTreeMap<String, RuleLevel>,
    pub(crate) exclude: Vec<String>,
    skip: Vec<String>,
    reject: Vec<String>,
}

impl Checker {
    pub fn new(opts: &CheckOptions) -> Result<Checker, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let bundled = bundle::bundled_versions();
        if bundled.is_empty() {
            errors.push(Diagnostic::error(
                "schema-bundle",
                "kourse",
                "the embedded schema bundle does not load",
            ));
            return Err(errors);
        }
        let versions: Vec<String> = if opts.versions.is_empty() {
            let mut v = vec![bundled[0].clone()];
            if bundled.len() > 1 {
                v.push(bundled[bundled.len() - 1].clone());
            }
            v
        } else {
            let mut v = Vec::new();
            for want in &opts.versions {
                let norm = deprecations::parse_version(want).map(|(a, b)| format!("{a}.{b}"));
                match norm.filter(|n| bundled.contains(n)) {
                    Some(n) if !v.contains(&n) => v.push(n),
                    Some(_) => {}
                    None => errors.push(
                        Diagnostic::error(
                            "config",
                            "book.toml",
                            format!("no schemas for Kubernetes version `{want}`"),
                        )
                        .with_note(format!("bundled versions: {}", bundled.join(", "))),
                    ),
                }
            }
            v.sort_by_key(|s| deprecations::parse_version(s));
            v
        };
        for rule in opts.rules.keys() {
            if rules::default_severity(rule).is_none() {
                let mut d = Diagnostic::error(
                    "config",
                    "book.toml",
                    format!("unknown rule `{rule}` in [kubernetes.rules]"),
                );
                if let Some(b) = validate::did_you_mean(
                    rule,
                    rules::RULES.iter().chain(walk::RULES).map(|r| r.0),
                ) {
                    d = d.with_note(format!("did you mean `{b}`?"));
                }
                errors.push(d);
            }
        }
        let custom = match custom::load(&opts.schema_dirs) {
            Ok(c) => c,
            Err(mut e) => {
                errors.append(&mut e);
                Schemas::default()
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let schemas = versions.iter().filter_map(|v| bundle::version(v)).collect();
        Ok(Checker {
            versions,
            schemas,
            custom,
            rules: opts.rules.clone(),
            exclude: opts.exclude.clone(),
            skip: opts.skip.clone(),
            reject: opts.reject.clone(),
        })
    }

    /// Whether the bundled schemas of a target version serve `api` `kind`
    /// (a built-in kind, not a custom resource).
    pub fn serves(&self, api: &str, kind: &str) -> bool {
        let key = (api.to_string(), kind.to_string());
        self.schemas.iter().any(|s| s.by_gvk.contains_key(&key))
    }

    /// A rule's severity after book.toml's overrides; `None` when off.
    pub fn rule_level(&self, rule: &str) -> Option<Severity> {
        self.level(rule)
    }

    /// The resolved target versions, oldest first.
    pub fn versions(&self) -> &[String] {
        &self.versions
    }

    /// Checks a set of sources together: cross-object checks span the whole set.
    pub fn check(&self, sources: &[Source]) -> Vec<Diagnostic> {
        let streams: Vec<yaml::Stream> = if sources.len() > 1 {
            sources.par_iter().map(Source::parse).collect()
        } else {
            sources.iter().map(Source::parse).collect()
        };
        let streams: Vec<&yaml::Stream> = streams.iter().collect();
        self.check_parsed(sources, &streams)
    }

    /// [`Checker::check`] of sources already parsed: `streams[i]` is
    /// [`Source::parse`] of `sources[i]`. The build parses a page's
    /// manifests once for the check and the figure that shows them.
    pub fn check_parsed(&self, sources: &[Source], streams: &[&yaml::Stream]) -> Vec<Diagnostic> {
        debug_assert_eq!(sources.len(), streams.len());
        let parsed: Vec<Parsed> = sources
            .iter()
            .zip(streams)
            .map(|(s, stream)| parse_source(s, stream))
            .collect();
        let mut objs: Vec<Obj> = Vec::new();
        let mut raws: Vec<Raw> = Vec::new();
        for (i, p) in parsed.iter().enumerate() {
            collect_objects(i, p, &mut objs, &mut raws);
        }
        // CustomResourceDefinitions of the set validate its custom resources.
        let crds: Vec<&Node> = objs
            .iter()
            .filter(|o| o.api == "apiextensions.k8s.io/v1" && o.kind == "CustomResourceDefinition")
            .map(|o| o.node)
            .collect();
        let inline = (!crds.is_empty()).then(|| custom::from_objects(&crds));
        let inline = inline.as_ref();
        for o in &mut objs {
            let key = (o.api.to_string(), o.kind.to_string());
            o.known = self.schemas.iter().any(|s| s.by_gvk.contains_key(&key))
                || custom::find(&self.custom, o.api, o.kind).is_some()
                || inline.is_some_and(|s| custom::find(s, o.api, o.kind).is_some());
        }
        if !self.skip.is_empty() || !self.reject.is_empty() {
            self.skip_and_reject(&mut objs, &mut raws);
        }
        let per_obj: Vec<Vec<Raw>> = if objs.len() > 8 {
            objs.par_iter()
                .map(|o| self.check_object(o, inline))
                .collect()
        } else {
            objs.iter().map(|o| self.check_object(o, inline)).collect()
        };
        raws.extend(per_obj.into_iter().flatten());
        for (i, f) in cross::check(&objs, sources) {
            raws.push(Raw {
                src: objs[i].src,
                lines: objs[i].lines,
                finding: f,
                version: None,
            });
        }
        let mut out: Vec<Diagnostic> = raws
            .into_iter()
            .filter_map(|r| self.to_diagnostic(&sources[r.src], &parsed[r.src], r))
            .collect();
        crate::diagnostic::sort(&mut out);
        out.dedup();
        out
    }

    /// Drops the objects of `--skip` kinds, and those of `--reject` kinds
    /// with an error each.
    fn skip_and_reject(&self, objs: &mut Vec<Obj>, raws: &mut Vec<Raw>) {
        let matches =
            |list: &[String], o: &Obj| list.iter().any(|e| flags::kind_matches(e, o.api, o.kind));
        objs.retain(|o| {
            if matches(&self.skip, o) {
                return false;
            }
            if matches(&self.reject, o) {
                raws.push(Raw {
                    src: o.src,
                    lines: o.lines,
                    finding: Finding {
                        rule: "rejected-kind",
                        pos: o.node.get("kind").map_or(o.node.pos, |n| n.pos),
                        message: format!("{} {} is rejected by --reject", o.api, o.kind),
                        notes: Vec::new(),
                    },
                    version: None,
                });
                return false;
            }
            true
        });
    }

    /// `inline`: the schemas of the set's own CustomResourceDefinitions.
    fn check_object(&self, o: &Obj, inline: Option<&Schemas>) -> Vec<Raw> {
        let mut findings = Vec::new();
        let mut versioned: Vec<(Finding, Vec<usize>)> = Vec::new();
        let retired = deprecations::lookup(o.api, o.kind);
        let oldest = self
            .versions
            .first()
            .and_then(|v| deprecations::parse_version(v))
            .unwrap_or((1, 0));
        let newest = self
            .versions
            .last()
            .and_then(|v| deprecations::parse_version(v))
            .unwrap_or((1, 0));
        let api_pos = o.node.get("apiVersion").map_or(o.node.pos, |n| n.pos);
        let mut removed = false;
        if let Some(r) = retired {
            let rep = if r.replacement.is_empty() {
                "it has no replacement".to_string()
            } else {
                format!("use `{}`", r.replacement)
            };
            let mut notes: Vec<String> = r
                .changes
                .iter()
                .map(|c| format!("migration: {c}"))
                .collect();
            match r.removed_in {
                Some(rem) if rem <= newest => {
                    removed = true;
                    let when = if rem <= oldest {
                        String::new()
                    } else {
                        format!(" (still served before {}.{})", rem.0, rem.1)
                    };
                    notes.insert(0, rep.clone());
                    findings.push(Finding {
                        rule: "removed-api",
                        pos: api_pos,
                        message: format!(
                            "{} {} was removed in Kubernetes {}.{}{when}; {rep}",
                            o.api, o.kind, rem.0, rem.1
                        ),
                        notes,
                    });
                }
                _ if r.deprecated_in.is_some_and(|dep| dep <= newest) => {
                    let dep = r.deprecated_in.unwrap_or_default();
                    let until = r
                        .removed_in
                        .map_or(String::new(), |x| format!(", removed in {}.{}", x.0, x.1));
                    findings.push(Finding {
                        rule: "deprecated-api",
                        pos: api_pos,
                        message: format!(
                            "{} {} is deprecated since Kubernetes {}.{}{until}; {rep}",
                            o.api, o.kind, dep.0, dep.1
                        ),
                        notes,
                    });
                }
                _ => {}
            }
        }
        let key = (o.api.to_string(), o.kind.to_string());
        let ids: Vec<Option<u32>> = self
            .schemas
            .iter()
            .map(|s| s.by_gvk.get(&key).copied())
            .collect();
        if ids.iter().any(Option::is_some) {
            // The previous version's schema key and findings: a kind
            // unchanged between two versions is validated once.
            let mut last: Option<([u8; 32], Vec<Finding>)> = None;
            for (vi, (s, id)) in self.schemas.iter().zip(&ids).enumerate() {
                match id {
                    Some(id) => {
                        let shape = s.shape(*id);
                        let fs = match last.take() {
                            Some((k, fs)) if k == shape => fs,
                            _ => {
                                let mut fs = Vec::new();
                                validate::validate(s, *id, o.node, &mut fs);
                                fs
                            }
                        };
                        for f in &fs {
                            match versioned.iter_mut().find(|(g, _)| g == f) {
                                Some((_, vs)) => vs.push(vi),
                                None => versioned.push((f.clone(), vec![vi])),
                            }
                        }
                        last = Some((shape, fs));
                    }
                    None if !removed => findings.push(Finding {
                        rule: "removed-api",
                        pos: api_pos,
                        message: format!(
                            "{} {} is not served by Kubernetes {}",
                            o.api, o.kind, self.versions[vi]
                        ),
                        notes: vec![format!(
                            "it is served by {}",
                            ids.iter()
                                .zip(&self.versions)
                                .filter(|(i, _)| i.is_some())
                                .map(|(_, v)| v.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )],
                    }),
                    None => {}
                }
            }
        } else if let Some(id) = custom::find(&self.custom, o.api, o.kind) {
            validate::validate(&self.custom, id, o.node, &mut findings);
        } else if let Some((s, id)) =
            inline.and_then(|s| custom::find(s, o.api, o.kind).map(|id| (s, id)))
        {
            validate::validate(s, id, o.node, &mut findings);
        } else if !removed {
            findings.push(self.unknown_kind(o, api_pos));
        }
        if !removed {
            let mut out = Out {
                findings: &mut findings,
            };
            rules::apiserver::check(o.api, o.kind, o.node, &mut out);
            lints::check(o.kind, o.node, &mut out);
        }
        // A specific rule at the same place says it better than the schema's missing-field.
        let specific: Vec<Pos> = findings
            .iter()
            .filter(|f| f.rule == "ingress-path-type")
            .map(|f| f.pos)
            .collect();
        versioned.retain(|(f, _)| !(f.rule == "missing-field" && specific.contains(&f.pos)));
        let all = self.schemas.len();
        let mut raws: Vec<Raw> = findings
            .into_iter()
            .map(|f| Raw {
                src: o.src,
                lines: o.lines,
                finding: f,
                version: None,
            })
            .collect();
        for (mut f, vs) in versioned {
            let version = Some(
                vs.iter()
                    .map(|&i| self.versions[i].as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            if vs.len() < all {
                let ok: Vec<&str> = (0..all)
                    .filter(|i| !vs.contains(i) && ids[*i].is_some())
                    .map(|i| self.versions[i].as_str())
                    .collect();
                if !ok.is_empty() {
                    f.notes.push(format!(
                        "only in Kubernetes {}; valid in {}",
                        version.as_deref().unwrap_or(""),
                        ok.join(", ")
                    ));
                }
            }
            raws.push(Raw {
                src: o.src,
                lines: o.lines,
                finding: f,
                version,
            });
        }
        raws
    }

    fn unknown_kind(&self, o: &Obj, api_pos: Pos) -> Finding {
        let group = o.api.rsplit_once('/').map_or("", |(g, _)| g);
        let builtin = group.is_empty() || !group.contains('.') || group.ends_with(".k8s.io");
        let newest = self.schemas.last();
        if builtin && let Some(s) = newest {
            let kinds_here: Vec<&str> = s
                .by_gvk
                .keys()
                .filter(|(a, _)| a == o.api)
                .map(|(_, k)| k.as_str())
                .collect();
            let apis_for_kind: Vec<&str> = s
                .by_gvk
                .keys()
                .filter(|(_, k)| k == o.kind)
                .map(|(a, _)| a.as_str())
                .collect();
            if !kinds_here.is_empty() || !apis_for_kind.is_empty() {
                let kind_pos = o.node.get("kind").map_or(o.node.pos, |n| n.pos);
                let (pos, note) = if !apis_for_kind.is_empty() {
                    (
                        api_pos,
                        format!("{} is served as {}", o.kind, apis_for_kind.join(", ")),
                    )
                } else {
                    let mut ks = kinds_here.clone();
                    ks.sort_unstable();
                    match validate::did_you_mean(o.kind, ks.iter().copied()) {
                        Some(b) => (kind_pos, format!("did you mean `{b}`?")),
                        None => (kind_pos, format!("{} serves: {}", o.api, ks.join(", "))),
                    }
                };
                return Finding {
                    rule: "unknown-kind",
                    pos,
                    message: format!("Kubernetes has no {} {}", o.api, o.kind),
                    notes: vec![note],
                };
            }
        }
        Finding {
            rule: "no-schema",
            pos: api_pos,
            message: format!("no schema for {} {}", o.api, o.kind),
            notes: vec!["add its JSON schema to a directory listed in [kubernetes] schemas".into()],
        }
    }

    fn level(&self, rule: &str) -> Option<Severity> {
        match self.rules.get(rule) {
            Some(RuleLevel::Error) => Some(Severity::Error),
            Some(RuleLevel::Warning) => Some(Severity::Warning),
            Some(RuleLevel::Off) => None,
            None => Some(rules::default_severity(rule).unwrap_or(Severity::Error)),
        }
    }

    fn to_diagnostic(&self, src: &Source, p: &Parsed, r: Raw) -> Option<Diagnostic> {
        let f = r.finding;
        let severity = self.level(f.rule)?;
        if p.allows.iter().any(|(line, rules)| {
            *line >= r.lines.0
                && *line <= r.lines.1
                && rules.iter().any(|x| x == f.rule || x == "all")
        }) {
            return None;
        }
        Some(diagnostic_at(src, p.text, severity, f, r.version))
    }

    /// Field documentation for each key of `text` whose schema is known (for tooltips).
    pub fn field_docs(&self, text: &str) -> Vec<FieldDoc<'_>> {
        docs::field_docs(self.schemas.last().copied(), yaml::strip_bom(text))
    }

    /// [`Checker::field_docs`] of a text already parsed (BOM stripped).
    pub fn field_docs_in(&self, stream: &yaml::Stream) -> Vec<FieldDoc<'_>> {
        docs::field_docs_in(self.schemas.last().copied(), stream)
    }
}

/// Counts of documents in sources (for benchmarks and summaries).
pub fn count_documents(sources: &[Source]) -> usize {
    sources
        .iter()
        .map(|s| {
            yaml::parse(yaml::strip_bom(&s.text))
                .docs
                .iter()
                .filter(|d| d.root.is_some())
                .count()
        })
        .sum()
}

//! The options of `kourse check` for manifests outside a course (kubeconform's
//! conventions), and how they override book.toml's `[kubernetes]`.

use std::path::PathBuf;

use super::{CheckOptions, RuleLevel, bundle, deprecations, rules};

/// Flags that set, for one run, what book.toml's `[kubernetes]` would.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunFlags {
    /// Kubernetes minor version to check against (repeatable; overrides book.toml).
    #[arg(long = "kubernetes-version", value_name = "X.Y")]
    pub kubernetes_version: Vec<String>,
    /// A folder of JSON schemas or CustomResourceDefinitions for custom kinds (repeatable).
    #[arg(long = "schema-location", value_name = "DIR")]
    pub schema_location: Vec<PathBuf>,
    /// Do not warn about kinds that have no schema.
    #[arg(long = "ignore-missing-schemas")]
    pub ignore_missing_schemas: bool,
    /// Kinds not to check: `Kind` or `group/version/Kind`, comma-separated.
    #[arg(long, value_name = "KIND[,KIND…]", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Kinds refused with an error: `Kind` or `group/version/Kind`, comma-separated.
    #[arg(long, value_name = "KIND[,KIND…]", value_delimiter = ',')]
    pub reject: Vec<String>,
    /// Sets a rule's level for this run, like book.toml `[kubernetes.rules]` (repeatable).
    #[arg(long = "rule", value_name = "ID=off|warning|error")]
    pub rule: Vec<String>,
    /// A values file for the Helm charts checked (repeatable, in order).
    #[arg(long = "helm-values", value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,
    /// Print only the counts, not the diagnostics.
    #[arg(long)]
    pub summary: bool,
}

impl RunFlags {
    /// Applies the flags to options read from book.toml (or the defaults);
    /// returns a usage error's message when a flag's value is wrong.
    pub fn apply(&self, opts: &mut CheckOptions) -> Result<(), String> {
        if !self.kubernetes_version.is_empty() {
            let bundled = bundle::bundled_versions();
            let mut versions = Vec::new();
            for want in &self.kubernetes_version {
                let norm = deprecations::parse_version(want).map(|(a, b)| format!("{a}.{b}"));
                match norm.filter(|n| bundled.contains(n)) {
                    Some(n) => versions.push(n),
                    None => {
                        return Err(format!(
                            "--kubernetes-version {want}: no schemas for that version; the bundled ones are {}",
                            bundled.join(", ")
                        ));
                    }
                }
            }
            opts.versions = versions;
        }
        for dir in &self.schema_location {
            let s = dir.to_string_lossy();
            if s.contains("{{") || s.contains("://") {
                return Err(format!(
                    "--schema-location {s}: kourse reads schemas from local folders only (it never downloads); \
                     pass a folder that holds {{kind}}-{{group}}-{{version}}.json or {{group}}/{{kind}}_{{version}}.json files"
                ));
            }
            if s == "default" {
                // kubeconform's name for its built-in schemas: kourse's are always bundled.
                continue;
            }
            opts.schema_dirs.push(dir.clone());
        }
        if self.ignore_missing_schemas {
            opts.rules.insert("no-schema".into(), RuleLevel::Off);
        }
        for r in &self.rule {
            let Some((id, level)) = r.split_once('=') else {
                return Err(format!("--rule {r}: write ID=off, ID=warning or ID=error"));
            };
            if rules::default_severity(id).is_none() {
                let ids: Vec<&str> = rules::RULES.iter().map(|r| r.0).collect();
                let hint = super::validate::did_you_mean(id, ids.iter().copied())
                    .map_or(String::new(), |b| format!(" (did you mean `{b}`?)"));
                return Err(format!("--rule {r}: no rule `{id}`{hint}"));
            }
            let Some(level) = RuleLevel::parse(level) else {
                return Err(format!(
                    "--rule {r}: the level is off, warning or error, not `{level}`"
                ));
            };
            opts.rules.insert(id.to_string(), level);
        }
        for k in self.skip.iter().chain(&self.reject) {
            if k.trim().is_empty() {
                return Err(
                    "--skip and --reject take kinds such as Secret or apps/v1/Deployment".into(),
                );
            }
        }
        opts.skip = self.skip.iter().map(|k| k.trim().to_string()).collect();
        opts.reject = self.reject.iter().map(|k| k.trim().to_string()).collect();
        Ok(())
    }
}

/// Whether an object matches a `--skip`/`--reject` entry: its kind
/// (`Deployment`) or apiVersion and kind (`apps/v1/Deployment`, `v1/Secret`).
pub fn kind_matches(entry: &str, api: &str, kind: &str) -> bool {
    match entry.rsplit_once('/') {
        Some((a, k)) => a == api && k == kind,
        None => entry == kind,
    }
}

//! What a check runs against: target versions, schema folders and rule
//! levels, from book.toml `[kubernetes]` or the command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What to check against; built from book.toml `[kubernetes]`.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Target Kubernetes minor versions, e.g. `["1.33", "1.35"]`; empty means
    /// the oldest and newest in the bundle.
    pub versions: Vec<String>,
    /// Directories of extra JSON schemas for custom resources (absolute paths).
    pub schema_dirs: Vec<PathBuf>,
    /// Per-rule severity overrides.
    pub rules: BTreeMap<String, RuleLevel>,
    /// Globs, relative to the course root, that the whole-course check skips.
    pub exclude: Vec<String>,
    /// Kinds not checked (`--skip`): `Kind` or `apiVersion/Kind`.
    pub skip: Vec<String>,
    /// Kinds refused (`--reject`).
    pub reject: Vec<String>,
}

impl CheckOptions {
    /// Options from book.toml's `[kubernetes]` table; paths are resolved
    /// against the course root.
    pub fn from_config(k: &crate::config::KubernetesConfig, root: &Path) -> CheckOptions {
        use crate::config::RuleSetting;
        CheckOptions {
            versions: k.versions.clone(),
            schema_dirs: k.schemas.iter().map(|d| root.join(d)).collect(),
            rules: k
                .rules
                .iter()
                .map(|(rule, level)| {
                    let level = match level {
                        RuleSetting::Error => RuleLevel::Error,
                        RuleSetting::Warning => RuleLevel::Warning,
                        RuleSetting::Off => RuleLevel::Off,
                    };
                    (rule.clone(), level)
                })
                .collect(),
            exclude: k.exclude.clone(),
            ..CheckOptions::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLevel {
    Error,
    Warning,
    Off,
}

impl RuleLevel {
    pub fn parse(s: &str) -> Option<RuleLevel> {
        match s.to_ascii_lowercase().as_str() {
            "error" | "deny" => Some(RuleLevel::Error),
            "warning" | "warn" => Some(RuleLevel::Warning),
            "off" | "allow" | "none" => Some(RuleLevel::Off),
            _ => None,
        }
    }
}

//! Removed and deprecated apiVersions.
//!
//! The table is `data/api-lifecycle.tsv`, written by
//! `scripts/gen-api-lifecycle.py` from kubernetes/api's lifecycle files (when
//! given), the kubernetes-validate schemas of Kubernetes 1.10 onwards (the
//! releases that stopped serving a kind) and `scripts/api-lifecycle-guide.toml`
//! (facts from the deprecated API migration guide, and the field changes a
//! migration needs). It is embedded and parsed on first use.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One retired (or retiring) apiVersion of a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retired {
    pub api_version: &'static str,
    /// `*` for every kind of the apiVersion.
    pub kind: &'static str,
    /// `None` when no source dates it (alpha versions are removed without
    /// a deprecation).
    pub deprecated_in: Option<(u32, u32)>,
    /// `None` while still served.
    pub removed_in: Option<(u32, u32)>,
    /// The apiVersion to use instead; empty when there is none.
    pub replacement: &'static str,
    /// What else changes in the migration.
    pub changes: Vec<&'static str>,
    /// Which source gave `deprecated_in` and `removed_in`
    /// (`k8s-api`, `kubernetes-validate`, `guide`; `-` for none).
    pub deprecated_source: &'static str,
    pub removed_source: &'static str,
}

/// The generated table, as committed.
pub const DATA: &str = include_str!("data/api-lifecycle.tsv");

static TABLE: LazyLock<Vec<Retired>> = LazyLock::new(|| parse(DATA));

/// Row of each (apiVersion, kind), `*` included: every object of a check
/// is looked up, most of them in no row.
static INDEX: LazyLock<HashMap<(&'static str, &'static str), usize>> = LazyLock::new(|| {
    let mut index = HashMap::new();
    for (i, r) in TABLE.iter().enumerate() {
        // The first row of a pair wins, as a scan would find it.
        index.entry((r.api_version, r.kind)).or_insert(i);
    }
    index
});

/// Every row of the embedded table.
pub fn table() -> &'static [Retired] {
    &TABLE
}

fn parse(text: &'static str) -> Vec<Retired> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let f: Vec<&'static str> = line.split('\t').collect();
            // The file is generated and checked by a test; a malformed row is a build defect.
            assert!(f.len() >= 7, "api-lifecycle.tsv: short row {line:?}");
            let version = |s: &str| if s == "-" { None } else { parse_version(s) };
            Retired {
                api_version: f[0],
                kind: f[1],
                deprecated_in: version(f[2]),
                removed_in: version(f[3]),
                replacement: if f[4] == "-" { "" } else { f[4] },
                deprecated_source: f[5],
                removed_source: f[6],
                changes: f[7..].to_vec(),
            }
        })
        .collect()
}

pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (a, b) = v.trim_start_matches('v').split_once('.')?;
    Some((a.parse().ok()?, b.split('.').next()?.parse().ok()?))
}

pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Retired> {
    let table = table();
    INDEX
        .get(&(api_version, kind))
        .or_else(|| INDEX.get(&(api_version, "*")))
        .map(|&i| &table[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ingress_and_parses_versions() {
        let ingress = lookup("extensions/v1beta1", "Ingress").unwrap();
        assert_eq!(ingress.removed_in, Some((1, 22)));
        assert_eq!(ingress.deprecated_in, Some((1, 14)));
        assert_eq!(
            lookup("apps/v1beta2", "StatefulSet").unwrap().replacement,
            "apps/v1"
        );
        assert!(lookup("apps/v1", "Deployment").is_none());
        assert_eq!(parse_version("1.29"), Some((1, 29)));
        assert_eq!(parse_version("v1.9.3"), Some((1, 9)));
        assert_eq!(parse_version("1"), None);
    }

    #[test]
    fn rows_keep_their_changes_and_sources() {
        let rows = parse(
            "# header\nx/v1beta1\tW\t1.9\t-\t-\tguide\t-\ta change\tanother\n\
             y/v1alpha1\t*\t-\t1.20\ty/v1\t-\tkubernetes-validate\n",
        );
        assert_eq!(
            rows,
            vec![
                Retired {
                    api_version: "x/v1beta1",
                    kind: "W",
                    deprecated_in: Some((1, 9)),
                    removed_in: None,
                    replacement: "",
                    changes: vec!["a change", "another"],
                    deprecated_source: "guide",
                    removed_source: "-",
                },
                Retired {
                    api_version: "y/v1alpha1",
                    kind: "*",
                    deprecated_in: None,
                    removed_in: Some((1, 20)),
                    replacement: "y/v1",
                    changes: vec![],
                    deprecated_source: "-",
                    removed_source: "kubernetes-validate",
                },
            ]
        );
    }
}

//! Extra JSON schemas for custom resources (`[kubernetes] schemas = ["dir"]`).
//!
//! Each `*.json` file of a directory is one JSON schema of one kind. Its
//! apiVersion and kind come from `x-kubernetes-group-version-kind`, from
//! single-value enums of `properties.apiVersion`/`properties.kind`, or from
//! the file name: the CRDs-catalog layout `<group>/<kind>_<version>.json`,
//! or kubeconform's `<kind>-<group>-<version>.json` / `<kind>-<version>.json`
//! (both write the kind in lower case: such kinds match any case).
//! Definitions under `$defs`/`definitions` can be referenced with `$ref`.
//!
//! Each `*.yaml`/`*.yml` file holds CustomResourceDefinitions
//! (`apiextensions.k8s.io/v1`), as a cluster would get them: every served
//! version contributes its `schema.openAPIV3Schema`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use super::bundle::Schemas;
use super::yaml::{self, Node, Value};
use crate::diagnostic::Diagnostic;

/// The schema of a custom kind: an exact match, else a kubeconform file
/// name's lower-case kind, else kubeconform's `{kind}-{group}-{version}.json`
/// name, which keeps only the group's first label (`cert-manager` of
/// `cert-manager.io`).
pub fn find(s: &Schemas, api: &str, kind: &str) -> Option<u32> {
    let lower = kind.to_ascii_lowercase();
    s.by_gvk
        .get(&(api.to_string(), kind.to_string()))
        .or_else(|| s.by_gvk.get(&(api.to_string(), lower.clone())))
        .or_else(|| {
            let (group, version) = api.rsplit_once('/')?;
            let first = group.split('.').next().unwrap_or(group);
            s.by_gvk.get(&(first_label_api(first, version), lower))
        })
        .copied()
}

/// The key of a schema named `{kind}-{group}-{version}.json`: the first
/// label of the group, marked as a prefix.
fn first_label_api(first: &str, version: &str) -> String {
    format!("{first}.*/{version}")
}

pub fn load(dirs: &[PathBuf]) -> Result<Schemas, Vec<Diagnostic>> {
    let mut defs: Vec<(String, Json)> = Vec::new();
    let mut gvks: Vec<(String, String, String)> = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            errors.push(Diagnostic::error(
                "config",
                dir.clone(),
                "schema directory does not exist",
            ));
            continue;
        }
        for entry in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            match path.extension().and_then(|e| e.to_str()) {
                Some("json") => match std::fs::read_to_string(path)
                    .map_err(|e| e.to_string())
                    .and_then(|t| serde_json::from_str::<Json>(&t).map_err(|e| e.to_string()))
                {
                    Ok(json) => add(path, json, &mut defs, &mut gvks, &mut errors),
                    Err(e) => errors.push(Diagnostic::error(
                        "config",
                        path.to_path_buf(),
                        format!("bad JSON schema: {e}"),
                    )),
                },
                Some("yaml" | "yml") => add_crds(path, &mut defs, &mut gvks, &mut errors),
                _ => {}
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(compile(&defs, gvks))
}

/// Compiles named schemas and indexes them by (apiVersion, kind).
fn compile(defs: &[(String, Json)], gvks: Vec<(String, String, String)>) -> Schemas {
    let refs: Vec<(&str, &Json)> = defs.iter().map(|(n, j)| (n.as_str(), j)).collect();
    let mut s = Schemas::compile(&refs);
    for (api, kind, name) in gvks {
        if let Some(&id) = s.by_name.get(&name) {
            s.by_gvk.insert((api, kind), id);
        }
    }
    s
}

fn single_enum(json: &Json, prop: &str) -> Option<String> {
    let e = json.get("properties")?.get(prop)?.get("enum")?.as_array()?;
    if e.len() == 1 {
        e[0].as_str().map(str::to_owned)
    } else {
        None
    }
}

fn add(
    path: &Path,
    mut json: Json,
    defs: &mut Vec<(String, Json)>,
    gvks: &mut Vec<(String, String, String)>,
    errors: &mut Vec<Diagnostic>,
) {
    let name = path.display().to_string();
    for key in ["$defs", "definitions"] {
        if let Some(Json::Object(d)) = json.get_mut(key).map(std::mem::take) {
            for (k, v) in d {
                defs.push((k, v));
            }
        }
    }
    let mut found: Vec<(String, String)> = Vec::new();
    if let Some(Json::Array(list)) = json.get("x-kubernetes-group-version-kind") {
        for g in list {
            let group = g.get("group").and_then(Json::as_str).unwrap_or("");
            let version = g.get("version").and_then(Json::as_str).unwrap_or("");
            let kind = g.get("kind").and_then(Json::as_str).unwrap_or("");
            let api = if group.is_empty() {
                version.to_string()
            } else {
                format!("{group}/{version}")
            };
            found.push((api, kind.to_string()));
        }
    }
    if found.is_empty()
        && let (Some(api), Some(kind)) =
            (single_enum(&json, "apiVersion"), single_enum(&json, "kind"))
    {
        found.push((api, kind));
    }
    if found.is_empty() {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let group = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or("");
        let kind_in_title = json.get("title").and_then(Json::as_str).map(str::to_owned);
        if let Some((kind, version)) = stem.rsplit_once('_') {
            // The CRDs-catalog layout `{group}/{kind}_{version}.json`;
            // `find` looks lower-case kinds up case-insensitively.
            let kind = kind_in_title.unwrap_or_else(|| kind.to_ascii_lowercase());
            found.push((format!("{group}/{version}"), kind));
        } else if let Some((kind, rest)) = stem.split_once('-') {
            // kubeconform's `{kind}-{group}-{version}.json` and `{kind}-{version}.json`.
            let kind = kind.to_ascii_lowercase();
            match rest.rsplit_once('-') {
                Some((first, version)) => found.push((first_label_api(first, version), kind)),
                None => found.push((rest.to_string(), kind)),
            }
        }
    }
    if found.is_empty() {
        errors.push(
            Diagnostic::error(
                "config",
                path.to_path_buf(),
                "cannot tell which apiVersion and kind this schema is for",
            )
            .with_note(
                "add x-kubernetes-group-version-kind, or name it <group>/<kind>_<version>.json or <kind>-<group>-<version>.json",
            ),
        );
        return;
    }
    for (api, kind) in found {
        gvks.push((api, kind, name.clone()));
    }
    defs.push((name, json));
}

/// The served versions of the CustomResourceDefinitions of one YAML file.
fn add_crds(
    path: &Path,
    defs: &mut Vec<(String, Json)>,
    gvks: &mut Vec<(String, String, String)>,
    errors: &mut Vec<Diagnostic>,
) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(Diagnostic::error(
                "config",
                path.to_path_buf(),
                format!("cannot read: {e}"),
            ));
            return;
        }
    };
    let stream = yaml::parse(&text);
    if let Some(e) = &stream.error {
        let mut d = Diagnostic::error(
            "config",
            path.to_path_buf(),
            format!("bad CustomResourceDefinition YAML: {}", e.message),
        );
        d.line = e.line as usize;
        d.col = e.col as usize;
        errors.push(d);
        return;
    }
    let (gvks_before, errors_before) = (gvks.len(), errors.len());
    for root in stream.docs.iter().filter_map(|d| d.root.as_ref()) {
        let at = |n: &Node, message: String| {
            let mut d = Diagnostic::error("config", path.to_path_buf(), message);
            d.line = n.pos.line as usize;
            d.col = n.pos.col as usize;
            d
        };
        let api = root.get("apiVersion").and_then(Node::as_str);
        let kind = root.get("kind").and_then(Node::as_str);
        if kind != Some("CustomResourceDefinition") || api != Some("apiextensions.k8s.io/v1") {
            errors.push(at(
                root,
                format!(
                    "a schema directory's YAML files hold apiextensions.k8s.io/v1 CustomResourceDefinitions, not {} {}",
                    api.unwrap_or("(no apiVersion)"),
                    kind.unwrap_or("(no kind)")
                ),
            ));
            continue;
        }
        let Some((group, crd_kind, versions)) = served_versions(root) else {
            errors.push(at(
                root,
                "CustomResourceDefinition without spec.group or spec.names.kind".into(),
            ));
            continue;
        };
        for (v, version, schema) in versions {
            let Some(schema) = schema else {
                errors.push(at(
                    v,
                    format!("{group}/{version} {crd_kind} has no schema.openAPIV3Schema"),
                ));
                continue;
            };
            let name = format!("{}#{group}/{version}/{crd_kind}", path.display());
            gvks.push((
                format!("{group}/{version}"),
                crd_kind.to_string(),
                name.clone(),
            ));
            defs.push((name, structural(schema)));
        }
    }
    if gvks.len() == gvks_before && errors.len() == errors_before {
        errors.push(Diagnostic::error(
            "config",
            path.to_path_buf(),
            "no served version of a CustomResourceDefinition in this file",
        ));
    }
}

/// A served version of a CRD: its node, name and `openAPIV3Schema`.
type Served<'a> = (&'a Node, &'a str, Option<&'a Node>);

/// A CustomResourceDefinition's group, kind and served versions.
fn served_versions(root: &Node) -> Option<(&str, &str, Vec<Served<'_>>)> {
    let group = root.path(&["spec", "group"]).and_then(Node::as_str)?;
    let kind = root
        .path(&["spec", "names", "kind"])
        .and_then(Node::as_str)?;
    let versions = root
        .path(&["spec", "versions"])
        .map_or(&[][..], Node::seq)
        .iter()
        .filter(|v| v.get("served").and_then(Node::as_bool) != Some(false))
        .filter_map(|v| {
            let name = v.get("name").and_then(Node::as_str)?;
            Some((v, name, v.path(&["schema", "openAPIV3Schema"])))
        })
        .collect();
    Some((group, kind, versions))
}

/// A CRD version's schema as the apiserver applies it: unknown fields closed.
fn structural(schema: &Node) -> Json {
    let mut json = to_json(schema);
    close(&mut json, true);
    json
}

/// The served versions of one CustomResourceDefinition object, compiled
/// (the walk validates custom resources against the CRD applied before them).
pub fn compile_crd(crd: &Node) -> Schemas {
    from_objects(&[crd])
}

/// The schemas of the CustomResourceDefinitions found among the checked
/// objects (`apiextensions.k8s.io/v1`): each served version validates the
/// custom resources of its group and kind, as the apiserver would once the
/// CRD is applied. Versions without a schema are left out.
pub fn from_objects(crds: &[&Node]) -> Schemas {
    let mut defs: Vec<(String, Json)> = Vec::new();
    let mut gvks: Vec<(String, String, String)> = Vec::new();
    for (i, root) in crds.iter().enumerate() {
        let Some((group, kind, versions)) = served_versions(root) else {
            continue;
        };
        for (_, version, schema) in versions {
            let Some(schema) = schema else { continue };
            let name = format!("crd#{i}/{group}/{version}/{kind}");
            gvks.push((format!("{group}/{version}"), kind.to_string(), name.clone()));
            defs.push((name, structural(schema)));
        }
    }
    compile(&defs, gvks)
}

fn to_json(n: &Node) -> Json {
    match &n.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.scalar_text().unwrap_or_default(), to_json(v)))
                .collect::<Map<String, Json>>(),
        ),
    }
}

/// The apiserver rejects fields a CRD's structural schema does not declare
/// (field validation is strict by default since 1.27), but the schema says so
/// only by omission: spell it out as `additionalProperties: false`, except
/// where `x-kubernetes-preserve-unknown-fields` keeps them. The fields every
/// object has (apiVersion, kind, metadata) are declared at the root and in
/// embedded resources.
fn close(json: &mut Json, resource: bool) {
    let Json::Object(o) = json else {
        return;
    };
    let preserve = o.get("x-kubernetes-preserve-unknown-fields") == Some(&Json::Bool(true));
    let embedded = resource || o.get("x-kubernetes-embedded-resource") == Some(&Json::Bool(true));
    if embedded {
        let props = o
            .entry("properties")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Json::Object(p) = props {
            for (field, ty) in [
                ("apiVersion", "string"),
                ("kind", "string"),
                ("metadata", "object"),
            ] {
                p.entry(field)
                    .or_insert_with(|| serde_json::json!({ "type": ty }));
            }
        }
    }
    if let Some(Json::Object(props)) = o.get_mut("properties") {
        for p in props.values_mut() {
            close(p, false);
        }
    }
    if let Some(items) = o.get_mut("items") {
        close(items, false);
    }
    if let Some(extra @ Json::Object(_)) = o.get_mut("additionalProperties") {
        close(extra, false);
    }
    if o.contains_key("properties") && !preserve && !o.contains_key("additionalProperties") {
        o.insert("additionalProperties".into(), Json::Bool(false));
    }
}

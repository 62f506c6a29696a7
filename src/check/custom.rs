//! Extra JSON schemas for custom resources (`[kubernetes] schemas = ["dir"]`).
//!
//! Each `*.json` file of a directory is one JSON schema of one kind. Its
//! apiVersion and kind come from `x-kubernetes-group-version-kind`, from
//! single-value enums of `properties.apiVersion`/`properties.kind`, or from
//! the file name in kubeconform's layout: `<group>/<kind>_<version>.json`
//! (kubeconform writes the kind in lower case: such kinds match any case).
//! Definitions under `$defs`/`definitions` can be referenced with `$ref`.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::bundle::Schemas;
use crate::diagnostic::Diagnostic;

/// The schema of a custom kind: an exact match, else a kubeconform file
/// name's lower-case kind.
pub fn find(s: &Schemas, api: &str, kind: &str) -> Option<u32> {
    s.by_gvk
        .get(&(api.to_string(), kind.to_string()))
        .or_else(|| s.by_gvk.get(&(api.to_string(), kind.to_ascii_lowercase())))
        .copied()
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
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            match std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Json>(&t).map_err(|e| e.to_string()))
            {
                Ok(json) => add(path, json, &mut defs, &mut gvks, &mut errors),
                Err(e) => errors.push(Diagnostic::error(
                    "config",
                    path.to_path_buf(),
                    format!("bad JSON schema: {e}"),
                )),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let refs: Vec<(&str, &Json)> = defs.iter().map(|(n, j)| (n.as_str(), j)).collect();
    let mut s = Schemas::compile(&refs);
    for (api, kind, name) in gvks {
        if let Some(&id) = s.by_name.get(&name) {
            s.by_gvk.insert((api, kind), id);
        }
    }
    Ok(s)
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
            // `find` looks lower-case kinds up case-insensitively.
            let kind = kind_in_title.unwrap_or_else(|| kind.to_ascii_lowercase());
            found.push((format!("{group}/{version}"), kind));
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
                "add x-kubernetes-group-version-kind, or name it <group>/<kind>_<version>.json",
            ),
        );
        return;
    }
    for (api, kind) in found {
        gvks.push((api, kind, name.clone()));
    }
    defs.push((name, json));
}

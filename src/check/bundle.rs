//! The embedded Kubernetes schema bundle and its compiled per-version form.
//!
//! `data/k8s-schemas.json.gz` is written by `scripts/gen-schema-bundle.py`
//! from PyPI `kubernetes-validate` (see `data/PROVENANCE`). Definitions are
//! stored once across versions; each version is compiled into a
//! [`Schemas`] arena on first use and cached for the life of the process.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{OnceLock, RwLock};

use serde::Deserialize;
use serde_json::Value as Json;

pub static BUNDLE_GZ: &[u8] = include_bytes!("data/k8s-schemas.json.gz");
pub static PROVENANCE: &str = include_str!("data/PROVENANCE");

#[derive(Deserialize)]
struct RawBundle {
    versions: Vec<String>,
    pool: Vec<Json>,
    index: HashMap<String, HashMap<String, usize>>,
    gvk: HashMap<String, Vec<(String, String, String)>>,
}

struct Bundle {
    raw: RawBundle,
    compiled: Vec<OnceLock<Schemas>>,
}

fn bundle() -> Result<&'static Bundle, String> {
    static B: OnceLock<Result<Bundle, String>> = OnceLock::new();
    B.get_or_init(|| {
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(BUNDLE_GZ)
            .read_to_end(&mut json)
            .map_err(|e| format!("schema bundle: {e}"))?;
        let raw: RawBundle =
            serde_json::from_slice(&json).map_err(|e| format!("schema bundle: {e}"))?;
        let compiled = raw.versions.iter().map(|_| OnceLock::new()).collect();
        Ok(Bundle { raw, compiled })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The Kubernetes versions the bundle holds, oldest first.
pub fn bundled_versions() -> Vec<String> {
    bundle().map(|b| b.raw.versions.clone()).unwrap_or_default()
}

/// The compiled schemas of one bundled version.
pub fn version(v: &str) -> Option<&'static Schemas> {
    let b = bundle().ok()?;
    let i = b.raw.versions.iter().position(|x| x == v)?;
    Some(b.compiled[i].get_or_init(|| {
        let index = &b.raw.index[v];
        let mut defs: Vec<(&str, &Json)> = index
            .iter()
            .map(|(n, &id)| (n.as_str(), &b.raw.pool[id]))
            .collect();
        defs.sort_by_key(|(n, _)| *n);
        let mut s = Schemas::compile(&defs);
        s.add_enums(crate::check::rules::enums::ENUMS);
        for (api, kind, name) in b.raw.gvk.get(v).into_iter().flatten() {
            if let Some(&id) = s.by_name.get(name.as_str()) {
                s.by_gvk.insert((api.clone(), kind.clone()), id);
            }
        }
        s
    }))
}

pub const T_NULL: u8 = 1;
pub const T_BOOL: u8 = 2;
pub const T_INT: u8 = 4;
pub const T_NUM: u8 = 8;
pub const T_STR: u8 = 16;
pub const T_ARR: u8 = 32;
pub const T_OBJ: u8 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Additional {
    Any,
    Deny,
    Schema(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    None,
    Int32,
    Byte,
}

/// One compiled schema node.
#[derive(Debug, Clone)]
pub struct S {
    /// Allowed types as `T_*` bits; 0 allows any.
    pub types: u8,
    /// Sorted by name.
    pub props: Vec<(Box<str>, u32)>,
    pub required: Vec<Box<str>>,
    pub items: Option<u32>,
    pub additional: Additional,
    pub enumeration: Vec<String>,
    pub one_of: Vec<u32>,
    pub format: Format,
    pub reference: Option<u32>,
    pub desc: Box<str>,
    /// Name of the definition, for definitions.
    pub name: Box<str>,
    /// A resource.Quantity: a string that must parse as a quantity.
    pub quantity: bool,
    /// `minimum`, `maximum` and `pattern` (custom resource schemas set them).
    pub bounds: Option<Box<Bounds>>,
}

/// A schema's limits on a value.
#[derive(Debug, Clone, Default)]
pub struct Bounds {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    /// The pattern as written, and compiled (a pattern the regex crate
    /// cannot compile is not checked).
    pub pattern: Option<(String, Option<regex::Regex>)>,
}

impl S {
    fn empty() -> S {
        S {
            types: 0,
            props: Vec::new(),
            required: Vec::new(),
            items: None,
            additional: Additional::Any,
            enumeration: Vec::new(),
            one_of: Vec::new(),
            format: Format::None,
            reference: None,
            desc: "".into(),
            name: "".into(),
            quantity: false,
            bounds: None,
        }
    }

    pub fn prop(&self, name: &str) -> Option<u32> {
        self.props
            .binary_search_by(|(n, _)| (**n).cmp(name))
            .ok()
            .map(|i| self.props[i].1)
    }
}

/// Compiled schemas of one version (or one set of custom schemas).
#[derive(Debug, Default)]
pub struct Schemas {
    pub nodes: Vec<S>,
    pub by_name: HashMap<String, u32>,
    pub by_gvk: HashMap<(String, String), u32>,
    /// [`Schemas::shape`] of the roots asked for so far.
    shapes: RwLock<HashMap<u32, [u8; 32]>>,
}

impl Schemas {
    /// Compiles named definitions; `$ref`s name other definitions (a bare
    /// name, or `#/$defs/NAME` / `#/definitions/NAME`).
    pub fn compile(defs: &[(&str, &Json)]) -> Schemas {
        let mut s = Schemas::default();
        for (i, (name, _)) in defs.iter().enumerate() {
            s.by_name.insert((*name).to_string(), i as u32);
            let mut node = S::empty();
            node.name = (*name).into();
            s.nodes.push(node);
        }
        for (i, (name, json)) in defs.iter().enumerate() {
            let mut node = s.build(json, 0);
            node.name = (*name).into();
            node.quantity = name.ends_with("pkg.api.resource.Quantity");
            s.nodes[i] = node;
        }
        s
    }

    pub fn get(&self, id: u32) -> &S {
        &self.nodes[id as usize]
    }

    /// Follows `$ref`s to the schema that has the content.
    /// A key of everything validation reads in the schema graph reachable
    /// from `root` (descriptions aside). Two versions whose kind has the
    /// same key validate every document alike, so the checker validates
    /// once for both: most kinds are unchanged across the versions a course
    /// targets.
    pub fn shape(&self, root: u32) -> [u8; 32] {
        if let Some(k) = self
            .shapes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&root)
        {
            return *k;
        }
        // The shape is written out whole and hashed once: fed piece by
        // piece (a few bytes each, for thousands of nodes per kind) the
        // hasher took most of the time.
        let mut shape = Vec::with_capacity(64 * 1024);
        self.write_shape(root, &mut rustc_hash::FxHashMap::default(), &mut shape);
        let key = *blake3::hash(&shape).as_bytes();
        self.shapes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(root, key);
        key
    }

    /// Writes the graph out depth first; a node seen before is written as
    /// its place in that order, so cycles end and equal graphs read alike.
    fn write_shape(&self, id: u32, seen: &mut rustc_hash::FxHashMap<u32, u32>, out: &mut Vec<u8>) {
        fn text(out: &mut Vec<u8>, s: &str) {
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        if let Some(&at) = seen.get(&id) {
            out.extend_from_slice(b"@");
            out.extend_from_slice(&at.to_le_bytes());
            return;
        }
        seen.insert(id, seen.len() as u32);
        let Some(s) = self.nodes.get(id as usize) else {
            out.extend_from_slice(b"?");
            return;
        };
        out.extend_from_slice(b"{");
        out.extend_from_slice(&[s.types, s.quantity as u8]);
        text(out, &s.name);
        text(out, &format!("{:?}", s.format));
        if let Some(b) = &s.bounds {
            let pattern = b.pattern.as_ref().map(|p| p.0.as_str());
            text(
                out,
                &format!(
                    "{:?}{:?}{}{}{pattern:?}",
                    b.minimum, b.maximum, b.exclusive_minimum, b.exclusive_maximum
                ),
            );
        }
        out.extend_from_slice(&(s.props.len() as u64).to_le_bytes());
        for (name, p) in &s.props {
            text(out, name);
            self.write_shape(*p, seen, out);
        }
        out.extend_from_slice(&(s.required.len() as u64).to_le_bytes());
        for r in &s.required {
            text(out, r);
        }
        out.extend_from_slice(&(s.enumeration.len() as u64).to_le_bytes());
        for e in &s.enumeration {
            text(out, e);
        }
        for child in [s.items, s.reference] {
            match child {
                Some(c) => {
                    out.extend_from_slice(b"+");
                    self.write_shape(c, seen, out);
                }
                None => {
                    out.extend_from_slice(b"-");
                }
            }
        }
        match s.additional {
            Additional::Any => {
                out.extend_from_slice(b"a");
            }
            Additional::Deny => {
                out.extend_from_slice(b"d");
            }
            Additional::Schema(a) => {
                out.extend_from_slice(b"s");
                self.write_shape(a, seen, out);
            }
        }
        out.extend_from_slice(&(s.one_of.len() as u64).to_le_bytes());
        for &alt in &s.one_of {
            self.write_shape(alt, seen, out);
        }
        out.extend_from_slice(b"}");
    }

    pub fn resolve(&self, mut id: u32) -> &S {
        for _ in 0..32 {
            match self.nodes[id as usize].reference {
                Some(r) => id = r,
                None => break,
            }
        }
        &self.nodes[id as usize]
    }

    /// Adds allowed values to properties (or to their items, for lists).
    pub fn add_enums(&mut self, table: &[(&str, &str, &[&str])]) {
        for (def, prop, values) in table {
            let Some(&id) = self.by_name.get(*def) else {
                continue;
            };
            let Some(p) = self.nodes[id as usize].prop(prop) else {
                continue;
            };
            let target = match self.nodes[p as usize].items {
                Some(items) => items,
                None => p,
            };
            let node = &mut self.nodes[target as usize];
            if node.reference.is_none() {
                node.enumeration = values.iter().map(|v| (*v).to_string()).collect();
            }
        }
    }

    fn add(&mut self, json: &Json, depth: usize) -> u32 {
        let node = self.build(json, depth);
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }

    fn build(&mut self, json: &Json, depth: usize) -> S {
        let mut n = S::empty();
        let Json::Object(o) = json else {
            if json == &Json::Bool(false) {
                n.types = 0x80; // nothing matches
            }
            return n;
        };
        if depth > 64 {
            return n;
        }
        if let Some(r) = o.get("$ref").and_then(Json::as_str) {
            let name = r.rsplit('/').next().unwrap_or(r);
            n.reference = self.by_name.get(name).copied();
        }
        match o.get("type") {
            Some(Json::String(t)) => n.types = type_bit(t),
            Some(Json::Array(ts)) => {
                n.types = ts
                    .iter()
                    .filter_map(Json::as_str)
                    .map(type_bit)
                    .fold(0, |a, b| a | b)
            }
            _ => {}
        }
        if o.get("x-kubernetes-int-or-string") == Some(&Json::Bool(true)) {
            n.types = T_INT | T_STR | T_NULL;
        }
        if let Some(d) = o
            .get("d")
            .or_else(|| o.get("description"))
            .and_then(Json::as_str)
        {
            n.desc = d.into();
        }
        if let Some(Json::Object(props)) = o.get("properties") {
            let mut v: Vec<(Box<str>, u32)> = props
                .iter()
                .map(|(k, p)| (k.as_str().into(), self.add(p, depth + 1)))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            n.props = v;
        }
        if let Some(Json::Array(req)) = o.get("required") {
            n.required = req
                .iter()
                .filter_map(Json::as_str)
                .map(Into::into)
                .collect();
        }
        if let Some(items) = o.get("items")
            && items.is_object()
        {
            n.items = Some(self.add(items, depth + 1));
        }
        let preserve = o.get("x-kubernetes-preserve-unknown-fields") == Some(&Json::Bool(true));
        n.additional = match o.get("additionalProperties") {
            Some(Json::Bool(false)) if !preserve => Additional::Deny,
            Some(a @ Json::Object(_)) => Additional::Schema(self.add(a, depth + 1)),
            _ => Additional::Any,
        };
        if let Some(Json::Array(e)) = o.get("enum") {
            n.enumeration = e
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Json::Array(alts)) = o.get(key) {
                n.one_of = alts.iter().map(|a| self.add(a, depth + 1)).collect();
            }
        }
        let minimum = o.get("minimum").and_then(Json::as_f64);
        let maximum = o.get("maximum").and_then(Json::as_f64);
        let pattern = o.get("pattern").and_then(Json::as_str);
        if minimum.is_some() || maximum.is_some() || pattern.is_some() {
            n.bounds = Some(Box::new(Bounds {
                minimum,
                maximum,
                exclusive_minimum: o.get("exclusiveMinimum") == Some(&Json::Bool(true)),
                exclusive_maximum: o.get("exclusiveMaximum") == Some(&Json::Bool(true)),
                pattern: pattern.map(|p| (p.to_string(), regex::Regex::new(p).ok())),
            }));
        }
        n.format = match o.get("format").and_then(Json::as_str) {
            Some("int32") => Format::Int32,
            Some("byte") => Format::Byte,
            _ => Format::None,
        };
        n
    }
}

fn type_bit(t: &str) -> u8 {
    match t {
        "null" => T_NULL,
        "boolean" => T_BOOL,
        "integer" => T_INT,
        "number" => T_NUM | T_INT,
        "string" => T_STR,
        "array" => T_ARR,
        "object" => T_OBJ,
        _ => 0,
    }
}

/// Names the types of a `T_*` set, for messages.
pub fn type_names(bits: u8) -> std::borrow::Cow<'static, str> {
    let mut v = Vec::new();
    for (b, n) in [
        (T_OBJ, "object"),
        (T_ARR, "array"),
        (T_STR, "string"),
        (T_INT, "integer"),
        (T_BOOL, "boolean"),
    ] {
        if bits & b != 0 {
            if b == T_INT && bits & T_NUM != 0 {
                v.push("number");
            } else {
                v.push(n);
            }
        }
    }
    match v.len() {
        0 => "nothing".into(),
        1 => v[0].into(),
        _ => {
            let last = v.pop().unwrap_or_default();
            format!("{} or {last}", v.join(", ")).into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_keys_tell_apart_exactly_what_validation_reads() {
        let compile = |spec: serde_json::Value| {
            let defs: Vec<(String, Json)> = spec
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let refs: Vec<(&str, &Json)> = defs.iter().map(|(k, v)| (k.as_str(), v)).collect();
            Schemas::compile(&refs)
        };
        let base = serde_json::json!({
            "Thing": {"type": "object", "additionalProperties": false,
                      "required": ["spec"],
                      "properties": {"spec": {"$ref": "#/$defs/Spec"},
                                     "child": {"$ref": "#/$defs/Thing"}}},
            "Spec": {"type": "object", "properties": {"port": {"type": "integer"}},
                     "description": "one text"}
        });
        let mut described = base.clone();
        described["Spec"]["description"] = "another text".into();
        let mut typed = base.clone();
        typed["Spec"]["properties"]["port"]["type"] = "string".into();
        let mut more = base.clone();
        more["Spec"]["properties"]["host"] = serde_json::json!({"type": "string"});
        let key = |s: &Schemas| s.shape(s.by_name["Thing"]);
        let (a, b, c, d) = (
            compile(base),
            compile(described),
            compile(typed),
            compile(more),
        );
        // Descriptions are not validated; a type or a new field is. The
        // cycle (Thing.child is a Thing) ends.
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
        assert_ne!(key(&a), key(&d));
        assert_eq!(key(&a), key(&a), "cached");
        // Kinds that did not change between the bundled versions share a key.
        let (old, new) = (version("1.29").unwrap(), version("1.37").unwrap());
        let gvk =
            |s: &Schemas, api: &str, kind: &str| s.by_gvk[&(api.to_string(), kind.to_string())];
        let cm = |s: &Schemas| s.shape(gvk(s, "v1", "ConfigMap"));
        assert_eq!(cm(old), cm(new));
    }

    #[test]
    fn bundle_loads_and_resolves_kinds() {
        let vs = bundled_versions();
        assert!(vs.first().map(String::as_str) == Some("1.29"), "{vs:?}");
        let s = version(vs.last().unwrap()).unwrap();
        let id = s.by_gvk[&("apps/v1".to_string(), "Deployment".to_string())];
        let d = s.resolve(id);
        assert!(d.prop("spec").is_some());
        assert_eq!(d.additional, Additional::Deny);
    }
}

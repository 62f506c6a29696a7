//! Runs one step against the model, as the apiserver would: creates,
//! updates or deletes by identity, refusing what a real cluster refuses.
//! Mirrors kubectl's apply/create/replace/delete (kubernetes/kubernetes
//! staging/src/k8s.io/kubectl/pkg/cmd/{apply,create,replace,delete}) and the
//! registry's create/update (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go:
//! AlreadyExists on create, NotFound on update and delete).

use std::sync::Arc;

use super::inputs::Doc;
use super::rules;
use super::state::{Key, Obj, Origin, State, key, labels_of};
use super::steps::{Action, Mode, Nodes, Step};
use super::{Issue, Walker};
use crate::check::yaml::Node;

impl Walker<'_> {
    /// Runs a step; returns what the learner would see go wrong.
    pub(super) fn run(&mut self, state: &mut State, step: &Step, step_idx: usize) -> Vec<Issue> {
        let mut out = Vec::new();
        let at = self.at(step);
        let origin = |manifest: Option<String>| Origin {
            step: at.clone(),
            manifest,
        };
        match &step.action {
            Action::Files {
                mode,
                inputs,
                namespace,
                recursive,
            } => {
                let mut docs = Vec::new();
                for input in inputs {
                    self.read_input(input, *recursive, state, &mut docs, &mut out);
                }
                // kubectl deletes in file order, but a namespace only starts
                // terminating: the objects after it in the file are still
                // there to delete.
                if mode.deletes() {
                    docs.sort_by_key(|d| {
                        d.node.get("kind").and_then(Node::as_str) == Some("Namespace")
                    });
                }
                for d in docs {
                    let o = origin(d.manifest.clone());
                    self.object(state, *mode, d, namespace.as_deref(), o, step_idx, &mut out);
                }
            }
            Action::CreateNamed {
                kind,
                name,
                namespace,
                keys,
                secret_type,
            } => {
                let text = named_object(kind, name, namespace.as_deref(), keys, secret_type);
                let Some(text) = text else { return out };
                let doc = Doc {
                    node: Arc::new(super::state::synthetic(&text)),
                    manifest: None,
                    source: None,
                };
                let stub = !matches!(
                    kind.as_str(),
                    "Namespace" | "ConfigMap" | "Secret" | "ServiceAccount"
                );
                let o = origin(None);
                let before = state.objs.len();
                self.object(state, Mode::Create, doc, None, o, step_idx, &mut out);
                if stub && state.objs.len() > before {
                    // Only its identity is known.
                    let k = key(
                        api_of(kind).unwrap_or("v1"),
                        kind,
                        if state.namespaced(api_of(kind).unwrap_or("v1"), kind) {
                            Some(namespace.as_deref().unwrap_or("default"))
                        } else {
                            None
                        },
                        name,
                    );
                    if let Some(obj) = state.objs.get_mut(&k) {
                        Arc::make_mut(obj).stub = true;
                    }
                }
            }
            Action::DeleteNamed {
                kind,
                names,
                namespace,
                ignore_missing,
            } => {
                for name in names {
                    let ns = namespace.as_deref().unwrap_or("default");
                    match state.lookup(kind, Some(ns), name) {
                        Some(k) => state.delete(&k),
                        None if *ignore_missing => {}
                        // A Namespace, Node or StorageClass is in no namespace.
                        None if !state.namespaced("", kind) => out.push(not_found(kind, name, "")),
                        None => out.push(not_found(kind, name, ns)),
                    }
                }
            }
            Action::Label {
                annotate,
                kind,
                names,
                all,
                namespace,
                changes,
                overwrite,
            } => self.label(
                state, *annotate, kind, names, *all, namespace, changes, *overwrite, &mut out,
            ),
            Action::Scale {
                kind,
                name,
                namespace,
                ..
            } => {
                let ns = namespace.as_deref().unwrap_or("default");
                if state.lookup(kind, Some(ns), name).is_none() {
                    out.push(not_found(kind, name, ns));
                }
            }
            Action::SetImage {
                kind,
                name,
                namespace,
                images,
            } => {
                let ns = namespace.as_deref().unwrap_or("default");
                match state.lookup(kind, Some(ns), name) {
                    None => out.push(not_found(kind, name, ns)),
                    Some(k) => {
                        let obj = &state.objs[&k];
                        if !obj.stub
                            && let Some(spec) = crate::check::rules::pod_spec(&obj.kind, &obj.node)
                        {
                            let names: Vec<&str> = crate::check::rules::containers(spec)
                                .filter_map(|c| c.get("name").and_then(Node::as_str))
                                .collect();
                            for (c, _) in images {
                                if c != "*" && !names.contains(&c.as_str()) {
                                    out.push(Issue::new(
                                        "walk-no-container",
                                        format!(
                                            "{} has no container named `{c}`: kubectl says `unable to find container named \"{c}\"`",
                                            obj.show()
                                        ),
                                    ).note(format!("its containers: {}", names.join(", "))).note(format!("made at {}", obj.origin.describe())));
                                }
                            }
                        }
                    }
                }
            }
            Action::AwaitCreate {
                kind,
                names,
                namespace,
            } => {
                let ns = namespace.as_deref().unwrap_or("default");
                for name in names {
                    if state.lookup(kind, Some(ns), name).is_none() {
                        let made = Step {
                            action: Action::CreateNamed {
                                kind: kind.clone(),
                                name: name.clone(),
                                namespace: namespace.clone(),
                                keys: Vec::new(),
                                secret_type: None,
                            },
                            ..step.clone()
                        };
                        out.extend(self.run(state, &made, step_idx));
                        // Only its identity is known.
                        if let Some(k) = state.lookup(kind, Some(ns), name)
                            && let Some(obj) = state.objs.get_mut(&k)
                        {
                            Arc::make_mut(obj).stub = true;
                        }
                    }
                }
            }
            Action::Taint {
                nodes,
                changes,
                overwrite,
            } => super::nodes::taint(state, nodes, changes, *overwrite, &mut out),
            Action::Cordon {
                nodes,
                unschedulable,
                ..
            } => super::nodes::cordon(state, nodes, *unschedulable, &mut out),
            Action::Opaque(what) => {
                state.opaque = true;
                self.trace_line(format!("  (not walked: `{what}`)"));
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn object(
        &mut self,
        state: &mut State,
        mode: Mode,
        d: Doc,
        flag_ns: Option<&str>,
        origin: Origin,
        step_idx: usize,
        out: &mut Vec<Issue>,
    ) {
        let n = &d.node;
        let (Some(api), Some(kind)) = (
            n.get("apiVersion").and_then(Node::as_str),
            n.get("kind").and_then(Node::as_str),
        ) else {
            return;
        };
        let Some(name) = n.path(&["metadata", "name"]).and_then(Node::as_str) else {
            return;
        };
        let builtin = self.serves(api, kind);
        let group = super::state::group_of(api);
        if !builtin
            && !mode.deletes()
            && let Some(crd) = state.crd(group, kind)
        {
            let crd = crd.clone();
            if !rules::crd::valid(&crd, n, &d.source, out) {
                return;
            }
        }
        if !builtin && state.crd(group, kind).is_none() {
            if !state.opaque && !mode.deletes() {
                out.push(
                    Issue::new(
                        "walk-crd-missing",
                        format!(
                            "no CustomResourceDefinition serves {kind} in {api} at this step: kubectl says `no matches for kind \"{kind}\" in version \"{api}\"`"
                        ),
                    )
                    .note("apply the CRD in an earlier step (the apiserver needs a moment to serve it)")
                    .manifest(&d.manifest),
                );
            }
            return;
        }
        let meta_ns = n.path(&["metadata", "namespace"]).and_then(Node::as_str);
        let namespace = if state.namespaced(api, kind) {
            if let (Some(m), Some(f)) = (meta_ns, flag_ns)
                && m != f
            {
                out.push(
                    Issue::new(
                        "walk-namespace-mismatch",
                        format!("{kind} {name} says namespace `{m}` but the command says `-n {f}`: kubectl refuses it (`the namespace from the provided object \"{m}\" does not match the namespace \"{f}\"`)"),
                    )
                    .manifest(&d.manifest),
                );
                return;
            }
            Some(meta_ns.or(flag_ns).unwrap_or("default").to_owned())
        } else {
            None
        };
        let k = key(api, kind, namespace.as_deref(), name);
        let existing = state.objs.get(&k).cloned();
        if mode.deletes() {
            match existing {
                Some(_) => state.delete(&k),
                None if mode == Mode::DeleteIfPresent => {}
                None => out.push(
                    not_found(kind, name, namespace.as_deref().unwrap_or("")).manifest(&d.manifest),
                ),
            }
            return;
        }
        if let Some(ns) = &namespace
            && state.namespace(ns).is_none()
        {
            out.push(
                Issue::new(
                    "walk-namespace-missing",
                    format!(
                        "{kind} {name} goes in namespace `{ns}`, which does not exist at this step: the apiserver says `namespaces \"{ns}\" not found`"
                    ),
                )
                .note(format!("create it in an earlier step (`kubectl create namespace {ns}` or a Namespace manifest)"))
                .manifest(&d.manifest),
            );
            return;
        }
        let mut labels = labels_of(n);
        match (&existing, mode) {
            (Some(old), Mode::Create) => {
                out.push(
                    Issue::new(
                        "walk-already-exists",
                        format!(
                            "{} already exists: `kubectl create` fails with AlreadyExists",
                            old.show()
                        ),
                    )
                    .note(format!("made at {}", old.origin.describe()))
                    .note("use `kubectl apply` to update it, or delete it first")
                    .manifest(&d.manifest),
                );
                return;
            }
            (None, Mode::Replace) => {
                out.push(
                    not_found(kind, name, namespace.as_deref().unwrap_or("")).manifest(&d.manifest),
                );
                return;
            }
            (Some(old), _) => {
                if !old.stub {
                    let found = rules::immutable::check(old, n, state);
                    if !found.is_empty() {
                        out.extend(found.into_iter().map(|i| {
                            i.note(format!("made at {}", old.origin.describe()))
                                .manifest(&d.manifest)
                        }));
                        return;
                    }
                }
                // Labels set by `kubectl label` survive an apply; those the
                // last manifest set and this one drops go.
                if mode == Mode::Apply {
                    let before = labels_of(&old.node);
                    for (lk, lv) in &old.labels {
                        if !before.contains_key(lk) {
                            labels.entry(lk.clone()).or_insert_with(|| lv.clone());
                        }
                    }
                }
            }
            (None, _) => {}
        }
        let obj = Obj {
            api: api.to_owned(),
            kind: kind.to_owned(),
            namespace,
            name: name.to_owned(),
            node: d.node,
            labels,
            origin,
            stub: false,
            page: self.page_idx,
            step: step_idx,
            source: d.source,
        };
        let admitted = rules::admit(&obj, state, out);
        // The scheduler's answer now; the end of the page decides whether
        // the Pods stay Pending.
        if admitted
            && let Some(spec) = crate::check::rules::pod_spec(&obj.kind, &obj.node)
            && let Some(i) = rules::needs::schedule(&obj, spec, state, self.lab)
        {
            out.push(i.soft());
        }
        if admitted {
            let claims = template_claims(&obj);
            let o = obj.origin.clone();
            state.objs.insert(k, Arc::new(obj));
            // The StatefulSet controller makes them; they outlive it.
            for text in claims {
                let claim = super::state::synthetic(&text);
                let name = claim.path(&["metadata", "name"]).and_then(Node::as_str);
                let ns = claim
                    .path(&["metadata", "namespace"])
                    .and_then(Node::as_str);
                if state
                    .lookup("PersistentVolumeClaim", ns, name.unwrap_or_default())
                    .is_some()
                {
                    continue;
                }
                let made = state.put_synthetic(&text, &o).key();
                if let Some(obj) = state.objs.get_mut(&made) {
                    Arc::make_mut(obj).stub = true;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn label(
        &mut self,
        state: &mut State,
        annotate: bool,
        kind: &str,
        names: &[String],
        all: bool,
        namespace: &Option<String>,
        changes: &[(String, Option<String>)],
        overwrite: bool,
        out: &mut Vec<Issue>,
    ) {
        let what = if annotate { "annotation" } else { "label" };
        let check_overwrite = |have: &std::collections::BTreeMap<String, String>,
                               target: &str,
                               out: &mut Vec<Issue>|
         -> bool {
            for (k, v) in changes {
                if let (Some(v), Some(old)) = (v, have.get(k))
                    && v != old
                    && !overwrite
                {
                    out.push(Issue::new(
                        "walk-label-exists",
                        format!("{target} already has {what} `{k}={old}`: kubectl refuses to change it without --overwrite"),
                    ));
                    return false;
                }
            }
            true
        };
        if kind == "Node" {
            let nodes = if all {
                Nodes::All
            } else {
                Nodes::Names(names.to_vec())
            };
            let targets = super::nodes::select(state, &nodes, out);
            if annotate {
                return;
            }
            for i in targets {
                let node = &mut state.nodes[i];
                if !check_overwrite(&node.labels, &format!("node {}", node.name), out) {
                    continue;
                }
                apply_changes(&mut node.labels, changes);
            }
            return;
        }
        let ns = namespace.as_deref().unwrap_or("default");
        let keys: Vec<Key> = if all {
            state
                .objs
                .iter()
                .filter(|(_, o)| {
                    o.kind == kind && (o.namespace.is_none() || o.namespace.as_deref() == Some(ns))
                })
                .map(|(k, _)| k.clone())
                .collect()
        } else {
            let mut v = Vec::new();
            for name in names {
                match state.lookup(kind, Some(ns), name) {
                    Some(k) => v.push(k),
                    None => out.push(not_found(kind, name, ns)),
                }
            }
            v
        };
        if annotate {
            return;
        }
        for k in keys {
            let Some(obj) = state.objs.get_mut(&k) else {
                continue;
            };
            if !check_overwrite(&obj.labels, &obj.show(), out) {
                continue;
            }
            let mut labels = obj.labels.clone();
            apply_changes(&mut labels, changes);
            if obj.kind == "Namespace" && !rules::namespace_labels(&obj.show(), &labels, out) {
                continue;
            }
            Arc::make_mut(obj).labels = labels;
        }
    }
}

fn apply_changes(
    labels: &mut std::collections::BTreeMap<String, String>,
    changes: &[(String, Option<String>)],
) {
    for (k, v) in changes {
        match v {
            Some(v) => {
                labels.insert(k.clone(), v.clone());
            }
            None => {
                labels.remove(k);
            }
        }
    }
}

fn not_found(kind: &str, name: &str, ns: &str) -> Issue {
    let place = if ns.is_empty() {
        String::new()
    } else {
        format!(" in namespace `{ns}`")
    };
    Issue::new(
        "walk-not-found",
        format!("there is no {kind} `{name}`{place} at this step: the apiserver answers NotFound"),
    )
}

/// The claims a StatefulSet's `volumeClaimTemplates` make, one per template
/// and Pod ordinal (`TEMPLATE-STATEFULSET-ORDINAL`), that do not exist yet.
fn template_claims(sts: &Obj) -> Vec<String> {
    if sts.kind != "StatefulSet" {
        return Vec::new();
    }
    let spec = sts.node.get("spec");
    let int = |path: &[&str]| spec.and_then(|s| s.path(path)).and_then(Node::as_int);
    let replicas = int(&["replicas"]).unwrap_or(1).max(0);
    let start = int(&["ordinals", "start"]).unwrap_or(0).max(0);
    let ns = sts.namespace.as_deref().unwrap_or("default");
    let mut out = Vec::new();
    let templates = spec.and_then(|s| s.get("volumeClaimTemplates"));
    for t in templates.map(Node::seq).unwrap_or_default() {
        let Some(tname) = t.path(&["metadata", "name"]).and_then(Node::as_str) else {
            continue;
        };
        for i in start..start + replicas {
            let mut text = format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: \"{tname}-{}-{i}\"\n  namespace: {ns:?}\n",
                sts.name
            );
            if let Some(sc) = t.path(&["spec", "storageClassName"]).and_then(Node::as_str) {
                text.push_str(&format!("spec:\n  storageClassName: {sc:?}\n"));
            }
            out.push(text);
        }
    }
    out
}

/// The apiVersion of kinds kubectl creates from the command line.
fn api_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Namespace" | "ConfigMap" | "Secret" | "ServiceAccount" | "Service" | "Pod"
        | "ResourceQuota" => "v1",
        "Deployment" => "apps/v1",
        "Job" | "CronJob" => "batch/v1",
        "Ingress" => "networking.k8s.io/v1",
        "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => {
            "rbac.authorization.k8s.io/v1"
        }
        "PriorityClass" => "scheduling.k8s.io/v1",
        "PodDisruptionBudget" => "policy/v1",
        _ => return None,
    })
}

/// YAML for an object `kubectl create KIND NAME` (or `run`) makes.
fn named_object(
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    keys: &[String],
    secret_type: &Option<String>,
) -> Option<String> {
    let api = api_of(kind)?;
    let mut t = format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name:?}\n");
    if let Some(ns) = namespace
        && kind != "Namespace"
    {
        t.push_str(&format!("  namespace: {ns:?}\n"));
    }
    if let Some(st) = secret_type {
        t.push_str(&format!("type: {st:?}\n"));
    }
    if matches!(kind, "ConfigMap" | "Secret") && !keys.is_empty() {
        t.push_str("data:\n");
        for k in keys {
            t.push_str(&format!("  {k:?}: \"\"\n"));
        }
    }
    Some(t)
}

//! The model of the learner's cluster: the objects the steps made, keyed by
//! (group, kind, namespace, name), the namespaces' labels and the nodes.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::lab::{Lab, LabNode};
use crate::check::yaml::{self, Node};

/// Where an object's state came from: the step (page:line:col) and, for a
/// manifest, its file and line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// `content/x.md:12:1`, or `the kind lab` for what the lab starts with.
    pub step: String,
    /// `examples/x.yaml:3`.
    pub manifest: Option<String>,
}

impl Origin {
    pub fn describe(&self) -> String {
        match &self.manifest {
            Some(m) => format!("{} ({m})", self.step),
            None => self.step.clone(),
        }
    }
}

/// (API group, kind, namespace or "", name).
pub type Key = (String, String, String, String);

#[derive(Debug, Clone)]
pub struct Obj {
    pub api: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub node: Arc<Node>,
    /// The labels it has now (the manifest's, plus `kubectl label`).
    pub labels: BTreeMap<String, String>,
    pub origin: Origin,
    /// Made from a command line (`kubectl create deployment`, `run`):
    /// only its identity is known.
    pub stub: bool,
    /// The walked page (index in reading order) whose step made it.
    pub page: usize,
    /// The step (index in its page) that made it.
    pub step: usize,
    /// The shown path of the manifest and the line offsets of the block it is
    /// in (for cross-object checks).
    pub source: Option<Arc<SourceRef>>,
}

/// The manifest text an object was read from, to turn node positions into
/// `file:line` notes.
#[derive(Debug)]
pub struct SourceRef {
    pub path: std::path::PathBuf,
    pub text: String,
    pub line_offset: usize,
}

impl Obj {
    pub fn group(&self) -> &str {
        group_of(&self.api)
    }

    pub fn key(&self) -> Key {
        key(&self.api, &self.kind, self.namespace.as_deref(), &self.name)
    }

    /// `Kind ns/name` or `Kind name`.
    pub fn show(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

pub fn group_of(api: &str) -> &str {
    api.rsplit_once('/').map_or("", |(g, _)| g)
}

pub fn key(api: &str, kind: &str, namespace: Option<&str>, name: &str) -> Key {
    (
        group_of(api).to_owned(),
        kind.to_owned(),
        namespace.unwrap_or("").to_owned(),
        name.to_owned(),
    )
}

/// Labels of a node's `metadata.labels`.
pub fn labels_of(node: &Node) -> BTreeMap<String, String> {
    node.path(&["metadata", "labels"])
        .map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.scalar_text().unwrap_or_default())))
        .collect()
}

/// Built-in kinds that are not namespaced (kubernetes/kubernetes
/// pkg/registry/*/rest storage: `NamespaceScoped() false` strategies).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "VolumeAttachment",
    "CSIDriver",
    "CSINode",
    "VolumeAttributesClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "APIService",
    "IngressClass",
    "PriorityClass",
    "RuntimeClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "CertificateSigningRequest",
    "ClusterTrustBundle",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ComponentStatus",
    "IPAddress",
    "ServiceCIDR",
    "DeviceClass",
    "StorageVersionMigration",
];

/// The walked cluster.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub objs: BTreeMap<Key, Arc<Obj>>,
    pub nodes: Vec<LabNode>,
    /// Node names are the host's: any name is the one node.
    pub host_named: bool,
    /// A step the walk cannot see changed the cluster (a remote manifest,
    /// `helm install`): custom resources are not checked for a CRD.
    pub opaque: bool,
}

impl State {
    /// A fresh lab.
    pub fn fresh(lab: &Lab) -> State {
        let mut s = State {
            nodes: lab.nodes.clone(),
            host_named: lab.host_named,
            ..State::default()
        };
        let origin = Origin {
            step: format!("the {} lab", lab.name),
            manifest: None,
        };
        for ns in &lab.namespaces {
            s.put_synthetic(
                &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
                &origin,
            );
        }
        if let Some(sc) = &lab.storage_class {
            s.put_synthetic(
                &format!(
                    "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: {}\n  annotations:\n    storageclass.kubernetes.io/is-default-class: \"true\"\nprovisioner: {}\nreclaimPolicy: Delete\nvolumeBindingMode: {}\n",
                    sc.name, sc.provisioner, sc.binding_mode
                ),
                &origin,
            );
        }
        for ic in &lab.ingress_classes {
            s.put_synthetic(
                &format!(
                    "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: {ic}\nspec:\n  controller: traefik.io/ingress-controller\n"
                ),
                &origin,
            );
        }
        s
    }

    /// Stores an object written as YAML text (lab objects, `kubectl create
    /// configmap`…).
    pub fn put_synthetic(&mut self, text: &str, origin: &Origin) -> Arc<Obj> {
        let node = synthetic(text);
        let obj = Arc::new(Obj {
            api: str_at(&node, &["apiVersion"]),
            kind: str_at(&node, &["kind"]),
            namespace: node
                .path(&["metadata", "namespace"])
                .and_then(Node::as_str)
                .map(str::to_owned),
            name: str_at(&node, &["metadata", "name"]),
            labels: labels_of(&node),
            node: Arc::new(node),
            origin: origin.clone(),
            stub: false,
            page: usize::MAX,
            step: 0,
            source: None,
        });
        self.objs.insert(obj.key(), obj.clone());
        obj
    }

    pub fn namespace(&self, name: &str) -> Option<&Arc<Obj>> {
        self.objs.get(&key("v1", "Namespace", None, name))
    }

    /// Whether `kind` of `api` is namespaced: built-ins by their table,
    /// custom resources by their CRD's `scope`.
    pub fn namespaced(&self, api: &str, kind: &str) -> bool {
        let group = group_of(api);
        if let Some(crd) = self.crd(group, kind) {
            return crd.node.path(&["spec", "scope"]).and_then(Node::as_str) != Some("Cluster");
        }
        !CLUSTER_SCOPED.contains(&kind)
    }

    /// The CRD serving `kind` in `group`.
    pub fn crd(&self, group: &str, kind: &str) -> Option<&Arc<Obj>> {
        self.objs
            .range(
                (
                    "apiextensions.k8s.io".to_owned(),
                    "CustomResourceDefinition".to_owned(),
                    String::new(),
                    String::new(),
                )..,
            )
            .take_while(|(k, _)| k.0 == "apiextensions.k8s.io" && k.1 == "CustomResourceDefinition")
            .map(|(_, o)| o)
            .find(|o| {
                let spec = o.node.get("spec");
                spec.and_then(|s| s.get("group")).and_then(Node::as_str) == Some(group)
                    && spec
                        .and_then(|s| s.path(&["names", "kind"]))
                        .and_then(Node::as_str)
                        == Some(kind)
            })
    }

    /// Objects a kubectl resource word and name point at: `kind` is a Kind
    /// (from [`super::steps::kind_of`]) or a lowercase custom resource word.
    pub fn lookup(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<Key> {
        let lower = kind.to_ascii_lowercase();
        self.objs
            .iter()
            .find(|(k, o)| {
                k.3 == name
                    && (o.kind == kind
                        || o.kind.to_ascii_lowercase() == lower
                        || format!("{}s", o.kind.to_ascii_lowercase()) == lower)
                    && (k.2.is_empty() || Some(k.2.as_str()) == namespace)
            })
            .map(|(k, _)| k.clone())
    }

    /// All objects of one kind in a namespace.
    pub fn of_kind<'a>(
        &'a self,
        kind: &'a str,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a Arc<Obj>> + 'a {
        self.objs
            .values()
            .filter(move |o| o.kind == kind && o.namespace.as_deref() == Some(namespace))
    }

    /// Deletes an object; a namespace takes what is in it along.
    pub fn delete(&mut self, k: &Key) {
        if self.objs.remove(k).is_some() && k.1 == "Namespace" && k.0.is_empty() {
            let ns = k.3.clone();
            self.objs.retain(|key, _| key.2 != ns);
        }
    }
}

fn str_at(node: &Node, path: &[&str]) -> String {
    node.path(path)
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A node from YAML text kourse writes itself.
pub fn synthetic(text: &str) -> Node {
    yaml::parse(text)
        .docs
        .into_iter()
        .next()
        .and_then(|d| d.root)
        .unwrap_or(Node {
            value: yaml::Value::Null,
            pos: Default::default(),
            plain: true,
        })
}

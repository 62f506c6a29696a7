//! Lab profiles: the cluster a learner starts from (namespaces, storage,
//! ingress classes, nodes) for kind, minikube, k3s/k3d, or none.

use std::collections::BTreeMap;
use std::path::Path;

use crate::check::yaml::{self, Node};
use crate::diagnostic::Diagnostic;

/// A StorageClass the lab installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageClass {
    pub name: &'static str,
    pub provisioner: &'static str,
    pub binding_mode: &'static str,
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabNode {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// `spec.unschedulable` (`kubectl cordon`).
    pub unschedulable: bool,
}

/// The state of a fresh lab cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lab {
    pub name: &'static str,
    pub namespaces: Vec<&'static str>,
    /// The default StorageClass, if the lab installs one.
    pub storage_class: Option<StorageClass>,
    pub ingress_classes: Vec<&'static str>,
    pub nodes: Vec<LabNode>,
    /// Node names are the host's (k3s): `kubectl label node NAME` names the
    /// one node whatever NAME is.
    pub host_named: bool,
}

/// Namespaces every cluster starts with, made by kube-apiserver's
/// system-namespaces controller (kubernetes/kubernetes
/// pkg/controlplane/controller/systemnamespaces/system_namespaces_controller.go:
/// kube-system, kube-public, kube-node-lease, default).
const BUILT_IN: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Labels the kubelet puts on every node it registers
/// (kubernetes/kubernetes pkg/kubelet/kubelet_node_status.go initialNode:
/// hostname, os, arch and their beta twins). The architecture is the
/// host's; amd64 is assumed.
fn kubelet_labels(name: &str) -> BTreeMap<String, String> {
    [
        ("kubernetes.io/hostname", name),
        ("kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("beta.kubernetes.io/os", "linux"),
        ("beta.kubernetes.io/arch", "amd64"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A kubeadm control-plane node: kubeadm's mark-control-plane phase adds
/// the role label and the exclude-from-load-balancers label
/// (kubernetes/kubernetes cmd/kubeadm/app/phases/markcontrolplane,
/// constants.LabelNodeRoleControlPlane, LabelExcludeFromExternalLB) and the
/// `node-role.kubernetes.io/control-plane:NoSchedule` taint
/// (constants.ControlPlaneTaint).
fn kubeadm_control_plane(name: &str, tainted: bool) -> LabNode {
    let mut labels = kubelet_labels(name);
    labels.insert(
        "node-role.kubernetes.io/control-plane".into(),
        String::new(),
    );
    labels.insert(
        "node.kubernetes.io/exclude-from-external-load-balancers".into(),
        String::new(),
    );
    LabNode {
        name: name.to_owned(),
        labels,
        unschedulable: false,
        taints: if tainted {
            vec![Taint {
                key: "node-role.kubernetes.io/control-plane".into(),
                value: String::new(),
                effect: "NoSchedule".into(),
            }]
        } else {
            Vec::new()
        },
    }
}

/// The lab book.toml names. `kind_config` is the text and shown path of
/// `[lab] kind-config`, for kind.
pub fn profile(cluster: &str, kind_config: Option<(&str, &Path)>) -> Result<Lab, Vec<Diagnostic>> {
    match cluster {
        "kind" => kind(kind_config),
        // minikube: one node named after the profile (`minikube`), no
        // control-plane taint (kubernetes/minikube pkg/minikube/bootstrapper/kubeadm
        // removes it for a single node), labels minikube.k8s.io/* set by
        // `minikube start` (pkg/minikube/bootstrapper/kubeadm/kubeadm.go
        // applyNodeLabels); the `standard` StorageClass of the
        // default-storageclass addon (deploy/addons/storageclass/storageclass.yaml:
        // provisioner k8s.io/minikube-hostpath, is-default-class "true").
        "minikube" => {
            let mut node = kubeadm_control_plane("minikube", false);
            node.labels
                .insert("minikube.k8s.io/name".into(), "minikube".into());
            node.labels
                .insert("minikube.k8s.io/primary".into(), "true".into());
            Ok(Lab {
                name: "minikube",
                namespaces: BUILT_IN.to_vec(),
                storage_class: Some(StorageClass {
                    name: "standard",
                    provisioner: "k8s.io/minikube-hostpath",
                    binding_mode: "Immediate",
                }),
                ingress_classes: Vec::new(),
                nodes: vec![node],
                host_named: false,
            })
        }
        // k3s (and k3d, which runs k3s in containers): the packaged
        // manifests (k3s-io/k3s manifests/local-storage.yaml: StorageClass
        // `local-path`, provisioner rancher.io/local-path, WaitForFirstConsumer,
        // default; manifests/traefik.yaml: the Traefik chart, IngressClass
        // `traefik`). A server node carries node-role labels
        // control-plane/master = "true" and no taint (pkg/agent/run.go,
        // pkg/daemons/agent); its name is the host's (k3d:
        // k3d-CLUSTER-server-0).
        "k3s" | "k3d" => {
            let name = if cluster == "k3d" {
                "k3d-k3s-default-server-0"
            } else {
                "k3s"
            };
            let mut labels = kubelet_labels(name);
            labels.insert(
                "node-role.kubernetes.io/control-plane".into(),
                "true".into(),
            );
            labels.insert("node-role.kubernetes.io/master".into(), "true".into());
            Ok(Lab {
                name: if cluster == "k3d" { "k3d" } else { "k3s" },
                namespaces: BUILT_IN.to_vec(),
                storage_class: Some(StorageClass {
                    name: "local-path",
                    provisioner: "rancher.io/local-path",
                    binding_mode: "WaitForFirstConsumer",
                }),
                ingress_classes: vec!["traefik"],
                nodes: vec![LabNode {
                    name: name.to_owned(),
                    labels,
                    taints: Vec::new(),
                    unschedulable: false,
                }],
                host_named: cluster == "k3s",
            })
        }
        // Only what the apiserver creates: no storage, no ingress, nodes unknown.
        "none" => Ok(Lab {
            name: "none",
            namespaces: BUILT_IN.to_vec(),
            storage_class: None,
            ingress_classes: Vec::new(),
            nodes: Vec::new(),
            host_named: true,
        }),
        other => Err(vec![
            Diagnostic::error(
                "config",
                "book.toml",
                format!("[lab] cluster = \"{other}\" is not a lab kourse knows"),
            )
            .with_note("use \"kind\", \"minikube\", \"k3s\", \"k3d\" or \"none\""),
        ]),
    }
}

/// kind: the `local-path-storage` namespace and the `standard` default
/// StorageClass (kubernetes-sigs/kind pkg/build/nodeimage/const_storage.go:
/// provisioner rancher.io/local-path, WaitForFirstConsumer,
/// is-default-class "true"); nodes named CLUSTER-control-plane,
/// CLUSTER-worker, CLUSTER-worker2… (pkg/cluster/internal/providers/common/namer.go,
/// cluster name `kind` unless the config's `name:` says otherwise), with
/// the config's `labels:` (pkg/apis/config/v1alpha4/types.go Node.Labels).
/// A lone control-plane node loses its taint
/// (pkg/cluster/internal/create/actions/kubeadminit/init.go: "if we are
/// only provisioning one node, remove the control plane taint").
fn kind(config: Option<(&str, &Path)>) -> Result<Lab, Vec<Diagnostic>> {
    let mut roles: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut cluster = "kind".to_owned();
    if let Some((text, shown)) = config {
        let stream = yaml::parse(yaml::strip_bom(text));
        let root = stream.docs.first().and_then(|d| d.root.as_ref());
        let bad = |msg: &str| {
            vec![Diagnostic::error(
                "config",
                shown,
                format!("[lab] kind-config: {msg}"),
            )]
        };
        let Some(root) = root.filter(|r| r.get("kind").and_then(Node::as_str) == Some("Cluster"))
        else {
            return Err(bad("not a kind Cluster configuration (kind: Cluster)"));
        };
        if let Some(n) = root.get("name").and_then(Node::as_str) {
            cluster = n.to_owned();
        }
        for n in root.get("nodes").map(Node::seq).unwrap_or(&[]) {
            let role = n
                .get("role")
                .and_then(Node::as_str)
                .unwrap_or("control-plane");
            let labels = n
                .get("labels")
                .map(Node::entries)
                .unwrap_or(&[])
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.scalar_text()?)))
                .collect();
            roles.push((role.to_owned(), labels));
        }
    }
    if roles.is_empty() {
        roles.push(("control-plane".into(), BTreeMap::new()));
    }
    let mut counter: BTreeMap<String, usize> = BTreeMap::new();
    let lone = roles.len() == 1;
    let nodes = roles
        .into_iter()
        .map(|(role, labels)| {
            let count = counter.entry(role.clone()).or_insert(0);
            *count += 1;
            let suffix = if *count == 1 {
                String::new()
            } else {
                count.to_string()
            };
            let name = format!("{cluster}-{role}{suffix}");
            let mut node = if role == "control-plane" {
                kubeadm_control_plane(&name, !lone)
            } else {
                LabNode {
                    name: name.clone(),
                    labels: kubelet_labels(&name),
                    taints: Vec::new(),
                    unschedulable: false,
                }
            };
            node.labels.extend(labels);
            node
        })
        .collect();
    let mut namespaces = BUILT_IN.to_vec();
    namespaces.push("local-path-storage");
    Ok(Lab {
        name: "kind",
        namespaces,
        storage_class: Some(StorageClass {
            name: "standard",
            provisioner: "rancher.io/local-path",
            binding_mode: "WaitForFirstConsumer",
        }),
        ingress_classes: Vec::new(),
        nodes,
        host_named: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_nodes_from_a_config() {
        let cfg = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n  - role: worker\n    labels:\n      disk: ssd\n  - role: worker\n";
        let lab = profile("kind", Some((cfg, Path::new("k.yaml")))).unwrap();
        let names: Vec<&str> = lab.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["kind-control-plane", "kind-worker", "kind-worker2"]);
        assert_eq!(lab.nodes[1].labels["disk"], "ssd");
        assert_eq!(lab.nodes[0].taints.len(), 1);
        let lone = profile("kind", None).unwrap();
        assert!(lone.nodes[0].taints.is_empty());
    }
}

//! The steps of a page: kubectl commands of its shell blocks and the
//! examples it asks the learner to apply, parsed into [`Action`]s.

pub use super::node_steps::{Nodes, SelectorOp, TaintChange};
pub use super::page_scan::{Found, page_steps};
use super::shell::Command;

/// One thing the learner does, at a place in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based line and column in the page of the command (or directive).
    pub line: usize,
    pub col: usize,
    pub action: Action,
    /// The rule the step is marked to trip (`expect-error=RULE` on the
    /// block, or `# kourse:expect RULE` on the command line).
    pub expect: Option<String>,
    /// Steps marked together (one block, or one line) share this number:
    /// one of them must trip the rule.
    pub group: usize,
}

/// What `-f`/`-k` apply-like commands do with the objects they read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    Create,
    Replace,
    Delete,
    /// `delete --ignore-not-found`: what is missing is no error.
    DeleteIfPresent,
}

impl Mode {
    /// Whether the objects read are deleted rather than written.
    pub fn deletes(self) -> bool {
        matches!(self, Mode::Delete | Mode::DeleteIfPresent)
    }
}

/// Where objects come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file or folder path as written (relative to the course root).
    Path(String),
    /// A kustomization folder (`-k`).
    Kustomize(String),
    /// A heredoc given on standard input (`-f - <<EOF`).
    Stdin(String),
    /// `-f https://…`: not walked.
    Remote(String),
}

/// A kubectl command the walk models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `apply|create|replace|delete -f/-k …`.
    Files {
        mode: Mode,
        inputs: Vec<Input>,
        namespace: Option<String>,
        recursive: bool,
    },
    /// `create namespace|configmap|secret|serviceaccount|deployment… NAME`,
    /// `run NAME`: an object made from the command line.
    CreateNamed {
        kind: String,
        name: String,
        namespace: Option<String>,
        /// Keys of a ConfigMap or Secret (`--from-literal`, `--from-file`).
        keys: Vec<String>,
        /// A Secret's type (`generic` → Opaque, `tls`, `docker-registry`).
        secret_type: Option<String>,
    },
    /// `delete KIND NAME…` or `delete KIND/NAME`.
    DeleteNamed {
        kind: String,
        names: Vec<String>,
        namespace: Option<String>,
        /// `--ignore-not-found`: a missing object is no warning.
        ignore_missing: bool,
    },
    /// `label|annotate KIND NAME… key=value key-`.
    Label {
        annotate: bool,
        kind: String,
        names: Vec<String>,
        all: bool,
        namespace: Option<String>,
        changes: Vec<(String, Option<String>)>,
        overwrite: bool,
    },
    /// `scale KIND NAME --replicas=N`.
    Scale {
        kind: String,
        name: String,
        namespace: Option<String>,
        replicas: Option<i64>,
    },
    /// `set image KIND/NAME container=image…`.
    SetImage {
        kind: String,
        name: String,
        namespace: Option<String>,
        images: Vec<(String, String)>,
    },
    /// `wait --for=create KIND/NAME…`: something outside kubectl (the
    /// kubelet's static Pods, an etcd restore) makes the objects; once the
    /// wait succeeds they exist, known by name only.
    AwaitCreate {
        kind: String,
        names: Vec<String>,
        namespace: Option<String>,
    },
    /// `taint nodes NAME… KEY[=VALUE]:EFFECT… KEY[:EFFECT]-…`.
    Taint {
        nodes: Nodes,
        changes: Vec<TaintChange>,
        overwrite: bool,
    },
    /// `cordon`, `drain` (`unschedulable: true`) or `uncordon` NODE….
    Cordon {
        nodes: Nodes,
        unschedulable: bool,
        /// `drain`: also evicts the node's Pods (not modelled: the walk
        /// does not place Pods on nodes).
        drain: bool,
    },
    /// A program that changes the cluster in ways the walk cannot see
    /// (`helm install`, `helm upgrade`): custom resources are no longer
    /// checked for a CRD after it.
    Opaque(String),
}

/// kubectl flags that take a value (as a separate word when not `--f=v`).
const VALUE_FLAGS: &[&str] = &[
    "-f",
    "--filename",
    "-k",
    "--kustomize",
    "-n",
    "--namespace",
    "-l",
    "--selector",
    "--pod-selector",
    "-o",
    "--output",
    "-c",
    "--container",
    "--context",
    "--cluster",
    "--kubeconfig",
    "--user",
    "-s",
    "--server",
    "--as",
    "--from-literal",
    "--from-file",
    "--from-env-file",
    "--type",
    "--replicas",
    "--current-replicas",
    "--image",
    "--schedule",
    "--class",
    "--rule",
    "--docker-server",
    "--docker-username",
    "--docker-password",
    "--docker-email",
    "--cert",
    "--key",
    "--field-manager",
    "--grace-period",
    "--timeout",
    "--for",
    "--port",
    "--field-selector",
    "--cascade",
    "--from",
    "--resource-version",
    "--template",
    "--dry-run",
    "--prune-allowlist",
    "--selector-key",
    "--clusterrole",
    "--role",
    "--serviceaccount",
    "--verb",
    "--resource",
    "--value",
    "--description",
    "--tcp",
    "--hard",
    "--min-available",
    "--max-unavailable",
    "--env",
    "--labels",
    "--restart",
    "--overrides",
    "--duration",
    "--audience",
];

/// Parsed flags and positional words of a kubectl command.
#[derive(Debug, Default)]
pub(super) struct Args {
    pos: Vec<String>,
    flags: Vec<(String, String)>,
}

impl Args {
    pub(super) fn get(&self, names: &[&str]) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, names: &[&str]) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub(super) fn has(&self, names: &[&str]) -> bool {
        self.get(names).is_some_and(|v| v != "false")
    }

    fn namespace(&self) -> Option<String> {
        self.get(&["-n", "--namespace"]).map(str::to_owned)
    }
}

fn parse_args(words: &[String]) -> Args {
    let mut a = Args::default();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w == "--" {
            break;
        }
        if let Some(long) = w.strip_prefix("--") {
            match long.split_once('=') {
                Some((k, v)) => a.flags.push((format!("--{k}"), v.to_owned())),
                None if VALUE_FLAGS.contains(&w.as_str()) && w != "--dry-run" => {
                    a.flags
                        .push((w.clone(), words.get(i + 1).cloned().unwrap_or_default()));
                    i += 1;
                }
                None => a.flags.push((w.clone(), "true".into())),
            }
        } else if w.len() >= 2 && w.starts_with('-') && w.is_char_boundary(2) {
            let short = &w[..2];
            if VALUE_FLAGS.contains(&short) {
                if w.len() > 2 {
                    let v = w[2..].strip_prefix('=').unwrap_or(&w[2..]);
                    a.flags.push((short.to_owned(), v.to_owned()));
                } else {
                    a.flags
                        .push((w.clone(), words.get(i + 1).cloned().unwrap_or_default()));
                    i += 1;
                }
            } else {
                for ch in w[1..].chars() {
                    a.flags.push((format!("-{ch}"), "true".into()));
                }
            }
        } else {
            a.pos.push(w.clone());
        }
        i += 1;
    }
    a
}

/// The Kind a kubectl resource word names (`deploy`, `pods`,
/// `deployments.apps`), or the word itself for others (custom resources).
pub fn kind_of(resource: &str) -> String {
    let r = resource.split('.').next().unwrap_or(resource);
    let r = r.to_ascii_lowercase();
    let k = match r.as_str() {
        "po" | "pod" | "pods" => "Pod",
        "deploy" | "deployment" | "deployments" => "Deployment",
        "rs" | "replicaset" | "replicasets" => "ReplicaSet",
        "sts" | "statefulset" | "statefulsets" => "StatefulSet",
        "ds" | "daemonset" | "daemonsets" => "DaemonSet",
        "job" | "jobs" => "Job",
        "cj" | "cronjob" | "cronjobs" => "CronJob",
        "svc" | "service" | "services" => "Service",
        "cm" | "configmap" | "configmaps" => "ConfigMap",
        "secret" | "secrets" => "Secret",
        "sa" | "serviceaccount" | "serviceaccounts" => "ServiceAccount",
        "ns" | "namespace" | "namespaces" => "Namespace",
        "no" | "node" | "nodes" => "Node",
        "pvc" | "persistentvolumeclaim" | "persistentvolumeclaims" => "PersistentVolumeClaim",
        "pv" | "persistentvolume" | "persistentvolumes" => "PersistentVolume",
        "sc" | "storageclass" | "storageclasses" => "StorageClass",
        "ing" | "ingress" | "ingresses" => "Ingress",
        "ingressclass" | "ingressclasses" => "IngressClass",
        "netpol" | "networkpolicy" | "networkpolicies" => "NetworkPolicy",
        "role" | "roles" => "Role",
        "rolebinding" | "rolebindings" => "RoleBinding",
        "clusterrole" | "clusterroles" => "ClusterRole",
        "clusterrolebinding" | "clusterrolebindings" => "ClusterRoleBinding",
        "hpa" | "horizontalpodautoscaler" | "horizontalpodautoscalers" => "HorizontalPodAutoscaler",
        "pdb" | "poddisruptionbudget" | "poddisruptionbudgets" => "PodDisruptionBudget",
        "quota" | "resourcequota" | "resourcequotas" => "ResourceQuota",
        "limits" | "limitrange" | "limitranges" => "LimitRange",
        "crd" | "crds" | "customresourcedefinition" | "customresourcedefinitions" => {
            "CustomResourceDefinition"
        }
        "priorityclass" | "priorityclasses" | "pc" => "PriorityClass",
        "ep" | "endpoints" => "Endpoints",
        _ => return r,
    };
    k.to_owned()
}

/// `TYPE/NAME` or `TYPE NAME…`: the kind and names.
fn kind_and_names(pos: &[String]) -> Option<(String, Vec<String>)> {
    let first = pos.first()?;
    if let Some((t, n)) = first.split_once('/') {
        let mut names = vec![n.to_owned()];
        names.extend(
            pos[1..]
                .iter()
                .filter_map(|p| p.split_once('/').map(|x| x.1.to_owned())),
        );
        return Some((kind_of(t), names));
    }
    Some((kind_of(first), pos[1..].to_vec()))
}

/// The action of a command, if it is one the walk models.
pub fn action(cmd: &Command) -> Option<Action> {
    let mut words: &[String] = &cmd.words;
    // `sudo`, `VAR=value` prefixes, `k3s kubectl`, `minikube kubectl --`.
    while let Some(first) = words.first() {
        if first == "sudo" || (first.contains('=') && !first.starts_with('-')) {
            words = &words[1..];
        } else {
            break;
        }
    }
    match words.first().map(String::as_str) {
        Some("kubectl") => words = &words[1..],
        Some("k3s") if words.get(1).is_some_and(|w| w == "kubectl") => words = &words[2..],
        Some("minikube") if words.get(1).is_some_and(|w| w == "kubectl") => {
            words = &words[2..];
            if words.first().is_some_and(|w| w == "--") {
                words = &words[1..];
            }
        }
        Some("helm")
            if words
                .get(1)
                .is_some_and(|w| matches!(w.as_str(), "install" | "upgrade")) =>
        {
            return Some(Action::Opaque(words.join(" ")));
        }
        _ => return None,
    }
    let a = parse_args(words);
    if a.get(&["--dry-run"])
        .is_some_and(|v| v != "none" && v != "false")
    {
        return None;
    }
    let verb = a.pos.first()?.as_str();
    let rest = &a.pos[1..];
    let namespace = a.namespace();
    let inputs = |a: &Args| -> Vec<Input> {
        let mut v: Vec<Input> = a
            .all(&["-f", "--filename"])
            .into_iter()
            .map(|f| {
                if f == "-" {
                    Input::Stdin(cmd.stdin.clone().unwrap_or_default())
                } else if f.starts_with("http://") || f.starts_with("https://") {
                    Input::Remote(f.to_owned())
                } else {
                    Input::Path(f.to_owned())
                }
            })
            .collect();
        v.extend(
            a.all(&["-k", "--kustomize"])
                .into_iter()
                .map(|k| Input::Kustomize(k.to_owned())),
        );
        v
    };
    let files = |mode: Mode, a: &Args| -> Option<Action> {
        let inputs = inputs(a);
        if inputs.is_empty() {
            return None;
        }
        // Standard input from a pipe is unknown.
        if cmd.piped && inputs.iter().any(|i| matches!(i, Input::Stdin(_))) {
            return None;
        }
        Some(Action::Files {
            mode,
            inputs,
            namespace: a.namespace(),
            recursive: a.has(&["-R", "--recursive"]),
        })
    };
    match verb {
        "apply" => {
            if rest.first().is_some_and(|w| w.ends_with("-last-applied")) {
                return None;
            }
            files(Mode::Apply, &a)
        }
        "replace" => files(Mode::Replace, &a),
        "create" => {
            if let Some(f) = files(Mode::Create, &a) {
                return Some(f);
            }
            create_named(rest, &a, namespace)
        }
        "run" => Some(Action::CreateNamed {
            kind: "Pod".into(),
            name: rest.first()?.clone(),
            namespace,
            keys: Vec::new(),
            secret_type: None,
        }),
        "delete" => {
            let ignore_missing = a.has(&["--ignore-not-found"]);
            let mode = if ignore_missing {
                Mode::DeleteIfPresent
            } else {
                Mode::Delete
            };
            if let Some(f) = files(mode, &a) {
                return Some(f);
            }
            if a.get(&["-l", "--selector"]).is_some() || a.has(&["--all"]) {
                return None;
            }
            let (kind, names) = kind_and_names(rest)?;
            if names.is_empty() {
                return None;
            }
            Some(Action::DeleteNamed {
                kind,
                names,
                namespace,
                ignore_missing,
            })
        }
        "label" | "annotate" => {
            let mut targets = Vec::new();
            let mut changes = Vec::new();
            for w in rest {
                if let Some((k, v)) = w.split_once('=') {
                    changes.push((k.to_owned(), Some(v.to_owned())));
                } else if let Some(k) = w.strip_suffix('-').filter(|_| !targets.is_empty()) {
                    changes.push((k.to_owned(), None));
                } else {
                    targets.push(w.clone());
                }
            }
            let (kind, names) = kind_and_names(&targets)?;
            let all = a.has(&["--all"]);
            if (names.is_empty() && !all) || a.get(&["-l", "--selector"]).is_some() {
                return None;
            }
            Some(Action::Label {
                annotate: verb == "annotate",
                kind,
                names,
                all,
                namespace,
                changes,
                overwrite: a.has(&["--overwrite"]),
            })
        }
        "scale" => {
            let (kind, names) = kind_and_names(rest)?;
            Some(Action::Scale {
                kind,
                name: names.first()?.clone(),
                namespace,
                replicas: a.get(&["--replicas"]).and_then(|r| r.parse().ok()),
            })
        }
        // `wait --for=delete` succeeds whether or not the object is there.
        "wait" if matches!(a.get(&["--for"]), Some("create" | "delete")) => {
            let (kind, names) = kind_and_names(rest)?;
            if names.is_empty() || a.has(&["--all"]) {
                return None;
            }
            Some(if a.get(&["--for"]) == Some("create") {
                Action::AwaitCreate {
                    kind,
                    names,
                    namespace,
                }
            } else {
                Action::DeleteNamed {
                    kind,
                    names,
                    namespace,
                    ignore_missing: true,
                }
            })
        }
        "taint" => super::node_steps::taint(rest, &a),
        "cordon" | "uncordon" | "drain" => super::node_steps::cordon(verb, rest, &a),
        "set" if rest.first().is_some_and(|w| w == "image") => {
            let mut targets = Vec::new();
            let mut images = Vec::new();
            for w in &rest[1..] {
                match w.split_once('=') {
                    Some((c, i)) => images.push((c.to_owned(), i.to_owned())),
                    None => targets.push(w.clone()),
                }
            }
            let (kind, names) = kind_and_names(&targets)?;
            Some(Action::SetImage {
                kind,
                name: names.first()?.clone(),
                namespace,
                images,
            })
        }
        _ => None,
    }
}

fn create_named(rest: &[String], a: &Args, namespace: Option<String>) -> Option<Action> {
    let what = rest.first()?.as_str();
    let (kind, name, secret_type) = match what {
        "secret" => {
            let t = match rest.get(1)?.as_str() {
                "generic" => a.get(&["--type"]).unwrap_or("Opaque").to_owned(),
                "tls" => "kubernetes.io/tls".to_owned(),
                "docker-registry" => "kubernetes.io/dockerconfigjson".to_owned(),
                _ => return None,
            };
            ("Secret".to_owned(), rest.get(2)?, Some(t))
        }
        "service" | "svc" => ("Service".to_owned(), rest.get(2)?, None),
        "token" => return None,
        w => (kind_of(w), rest.get(1)?, None),
    };
    let mut keys = Vec::new();
    for v in a.all(&["--from-literal"]) {
        keys.push(v.split_once('=').map_or(v, |x| x.0).to_owned());
    }
    for v in a.all(&["--from-file"]) {
        let key = match v.split_once('=') {
            Some((k, _)) => k,
            None => v.rsplit('/').next().unwrap_or(v),
        };
        keys.push(key.to_owned());
    }
    if secret_type.as_deref() == Some("kubernetes.io/tls") {
        keys.extend(["tls.crt".to_owned(), "tls.key".to_owned()]);
    } else if secret_type.as_deref() == Some("kubernetes.io/dockerconfigjson") {
        keys.push(".dockerconfigjson".to_owned());
    }
    Some(Action::CreateNamed {
        kind,
        name: name.clone(),
        namespace,
        keys,
        secret_type,
    })
}

#[cfg(test)]
#[path = "steps_tests.rs"]
mod tests;

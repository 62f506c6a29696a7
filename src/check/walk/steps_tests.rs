//! The kubectl command parser: a table of shell lines and the steps they are.

use super::*;
use crate::check::walk::page_scan::may_have_commands;
use crate::check::walk::shell::shell_commands;

/// A parsed step: line, column, action, expect mark.
type Parsed = (usize, usize, Action, Option<String>);

fn steps_of(lang: &str, text: &str) -> Vec<Parsed> {
    shell_commands(lang, text, 10, 1)
        .into_iter()
        .filter(|c| !c.unknown)
        .filter_map(|c| Some((c.line, c.col, action(&c)?, c.expect.clone())))
        .collect()
}

fn files(mode: Mode, paths: &[&str], ns: Option<&str>) -> Action {
    Action::Files {
        mode,
        inputs: paths.iter().map(|p| Input::Path((*p).to_owned())).collect(),
        namespace: ns.map(str::to_owned),
        recursive: false,
    }
}

#[test]
fn table() {
    let cases: Vec<(&str, &str, Vec<Parsed>)> = vec![
        // Prompts: output lines are not commands.
        (
            "console",
            "$ kubectl apply -f a.yaml\ndeployment.apps/web created\n",
            vec![(10, 3, files(Mode::Apply, &["a.yaml"], None), None)],
        ),
        // Continuations keep the first line's place; -n after the files.
        (
            "bash",
            "kubectl create \\\n  -f a.yaml \\\n  -n shop\n",
            vec![(10, 1, files(Mode::Create, &["a.yaml"], Some("shop")), None)],
        ),
        // `&&` chains, comments, --namespace=, and the mark on the line.
        (
            "sh",
            "kubectl replace --filename=x/ --namespace=a && kubectl delete -f y.yaml # kourse:expect walk-not-found\n",
            vec![
                (
                    10,
                    1,
                    files(Mode::Replace, &["x/"], Some("a")),
                    Some("walk-not-found".into()),
                ),
                (
                    10,
                    48,
                    files(Mode::Delete, &["y.yaml"], None),
                    Some("walk-not-found".into()),
                ),
            ],
        ),
        // Other programs and verbs are ignored; dry runs change nothing.
        (
            "bash",
            "kubectl get pods\nhelm repo add x y\nkubectl apply -f a.yaml --dry-run=server\necho hi\n",
            vec![],
        ),
        // Variables and placeholders leave a command unknown.
        (
            "bash",
            "kubectl label node $NODE a=b\nkubectl delete pod <pod>\n",
            vec![],
        ),
        (
            "bash",
            "kubectl create namespace shop\nkubectl create secret generic db -n shop --from-literal=user=u --from-file=key=./k.pem --from-file=conf/app.ini\n",
            vec![
                (
                    10,
                    1,
                    Action::CreateNamed {
                        kind: "Namespace".into(),
                        name: "shop".into(),
                        namespace: None,
                        keys: vec![],
                        secret_type: None,
                    },
                    None,
                ),
                (
                    11,
                    1,
                    Action::CreateNamed {
                        kind: "Secret".into(),
                        name: "db".into(),
                        namespace: Some("shop".into()),
                        keys: vec!["user".into(), "key".into(), "app.ini".into()],
                        secret_type: Some("Opaque".into()),
                    },
                    None,
                ),
            ],
        ),
        (
            "bash",
            "kubectl label ns shop pod-security.kubernetes.io/enforce=restricted old- --overwrite\n",
            vec![(
                10,
                1,
                Action::Label {
                    annotate: false,
                    kind: "Namespace".into(),
                    names: vec!["shop".into()],
                    all: false,
                    namespace: None,
                    changes: vec![
                        (
                            "pod-security.kubernetes.io/enforce".into(),
                            Some("restricted".into()),
                        ),
                        ("old".into(), None),
                    ],
                    overwrite: true,
                },
                None,
            )],
        ),
        (
            "bash",
            "kubectl delete deploy/web svc/web -n shop\nkubectl scale deployment web --replicas=3\nkubectl set image deployment/web web=nginx:1.27.4\n",
            vec![
                (
                    10,
                    1,
                    Action::DeleteNamed {
                        kind: "Deployment".into(),
                        names: vec!["web".into(), "web".into()],
                        namespace: Some("shop".into()),
                        ignore_missing: false,
                    },
                    None,
                ),
                (
                    11,
                    1,
                    Action::Scale {
                        kind: "Deployment".into(),
                        name: "web".into(),
                        namespace: None,
                        replicas: Some(3),
                    },
                    None,
                ),
                (
                    12,
                    1,
                    Action::SetImage {
                        kind: "Deployment".into(),
                        name: "web".into(),
                        namespace: None,
                        images: vec![("web".into(), "nginx:1.27.4".into())],
                    },
                    None,
                ),
            ],
        ),
        // Remote files, kustomize, and a heredoc on standard input.
        (
            "bash",
            "kubectl apply -f https://example.com/x.yaml -k overlays/dev\nkubectl apply -f - <<'EOF'\nkind: Namespace\nEOF\n",
            vec![
                (
                    10,
                    1,
                    Action::Files {
                        mode: Mode::Apply,
                        inputs: vec![
                            Input::Remote("https://example.com/x.yaml".into()),
                            Input::Kustomize("overlays/dev".into()),
                        ],
                        namespace: None,
                        recursive: false,
                    },
                    None,
                ),
                (
                    11,
                    1,
                    Action::Files {
                        mode: Mode::Apply,
                        inputs: vec![Input::Stdin("kind: Namespace\n".into())],
                        namespace: None,
                        recursive: false,
                    },
                    None,
                ),
            ],
        ),
        // A pipe into `-f -` is unknown input.
        (
            "bash",
            "kubectl get cm -o yaml | kubectl apply -f -\n",
            vec![],
        ),
        // A short flag of a non-ASCII letter (a fuzzing find) is a word, not a panic.
        ("bash", "kubectl -\u{4db} apply -f a.yaml\n", vec![]),
        (
            "bash",
            "helm upgrade --install seek ./chart\n",
            vec![(
                10,
                1,
                Action::Opaque("helm upgrade --install seek ./chart".into()),
                None,
            )],
        ),
    ];
    for (lang, text, want) in cases {
        assert_eq!(steps_of(lang, text), want, "{text}");
    }
}

#[test]
fn taint_cordon_and_drain() {
    let names = |n: &[&str]| Nodes::Names(n.iter().map(|s| (*s).to_owned()).collect());
    let add = |k: &str, v: &str, e: &str| TaintChange::Add {
        key: k.into(),
        value: v.into(),
        effect: e.into(),
    };
    let remove = |k: &str, e: Option<&str>| TaintChange::Remove {
        key: k.into(),
        effect: e.map(str::to_owned),
    };
    let one = |text: &str| -> Option<Action> {
        let mut s = steps_of("bash", text);
        assert!(s.len() <= 1, "{text}");
        s.pop().map(|p| p.2)
    };
    let cases: Vec<(&str, Option<Action>)> = vec![
        (
            "kubectl taint nodes a b pool=search:NoSchedule gpu:NoExecute\n",
            Some(Action::Taint {
                nodes: names(&["a", "b"]),
                changes: vec![
                    add("pool", "search", "NoSchedule"),
                    add("gpu", "", "NoExecute"),
                ],
                overwrite: false,
            }),
        ),
        (
            "kubectl taint node/a pool=search:NoSchedule- gpu- dedicated:NoExecute- --overwrite\n",
            Some(Action::Taint {
                nodes: names(&["a"]),
                changes: vec![
                    remove("pool", Some("NoSchedule")),
                    remove("gpu", None),
                    remove("dedicated", Some("NoExecute")),
                ],
                overwrite: true,
            }),
        ),
        (
            "kubectl taint no -l disk=ssd,!spot,zone!=b x=y:PreferNoSchedule\n",
            Some(Action::Taint {
                nodes: Nodes::Selector(vec![
                    ("disk".into(), SelectorOp::Equals("ssd".into())),
                    ("spot".into(), SelectorOp::NotExists),
                    ("zone".into(), SelectorOp::NotEquals("b".into())),
                ]),
                changes: vec![add("x", "y", "PreferNoSchedule")],
                overwrite: false,
            }),
        ),
        (
            "kubectl taint nodes -l 'zone in (a, b),tier notin (db),gpu' x=y:NoSchedule\n",
            Some(Action::Taint {
                nodes: Nodes::Selector(vec![
                    ("zone".into(), SelectorOp::In(vec!["a".into(), "b".into()])),
                    ("tier".into(), SelectorOp::NotIn(vec!["db".into()])),
                    ("gpu".into(), SelectorOp::Exists),
                ]),
                changes: vec![add("x", "y", "NoSchedule")],
                overwrite: false,
            }),
        ),
        (
            "kubectl taint nodes --all x-\n",
            Some(Action::Taint {
                nodes: Nodes::All,
                changes: vec![remove("x", None)],
                overwrite: false,
            }),
        ),
        // An effect kubectl does not know, a selector kubectl refuses, a
        // taint without an effect, a Pod: not modelled.
        ("kubectl taint nodes a x=y:Sometimes\n", None),
        (
            "kubectl taint nodes -l 'zone within (a,b)' x=y:NoSchedule\n",
            None,
        ),
        ("kubectl taint nodes a x=y\n", None),
        ("kubectl taint pods a x=y:NoSchedule\n", None),
        (
            "kubectl drain node/w --ignore-daemonsets --pod-selector app=web --timeout=30s\n",
            Some(Action::Cordon {
                nodes: names(&["w"]),
                unschedulable: true,
                drain: true,
            }),
        ),
        (
            "kubectl uncordon w\n",
            Some(Action::Cordon {
                nodes: names(&["w"]),
                unschedulable: false,
                drain: false,
            }),
        ),
        ("kubectl cordon\n", None),
    ];
    for (text, want) in cases {
        assert_eq!(one(text), want, "{text}");
    }
}

#[test]
fn page_steps_find_blocks_directives_and_marks() {
    let page = "+++\ntitle = \"x\"\n+++\n\n```console expect-error=already-exists\n$ kubectl create -f a.yaml\n```\n\n{{#example b.yaml apply}}\n\n{{#example c.yaml}}\n\n- item\n\n  ```bash\n  kubectl delete -f a.yaml\n  ```\n";
    let body = page.find("\n\n").unwrap();
    let steps = page_steps(page, body);
    let places: Vec<(usize, usize, Option<&str>)> = steps
        .iter()
        .map(|s| (s.line, s.col, s.expect.as_deref()))
        .collect();
    assert_eq!(
        places,
        [(6, 3, Some("already-exists")), (9, 1, None), (16, 3, None)]
    );
    assert_eq!(
        steps[1].action,
        files(Mode::Apply, &["examples/b.yaml"], None)
    );
}

#[test]
fn pages_without_modelled_commands_are_not_parsed() {
    // Only `kubectl get` and commands with variables: no steps, no parse.
    assert!(!may_have_commands(
        "```bash\nkubectl get pods\nkubectl apply -n \"$NS\" -f \"$f\"\n```\n"
    ));
    // A continuation in a list item, behind a quote mark, and helm.
    for page in [
        "1. Apply:\n\n   ```console\n   $ kubectl \\\n     apply -f a.yaml\n   ```\n",
        "> ```bash\n> kubectl delete ns shop\n> ```\n",
        "```sh\nhelm install seek ./chart\n```\n",
    ] {
        assert!(may_have_commands(page), "{page}");
        assert_eq!(page_steps(page, 0).len(), 1, "{page}");
    }
}

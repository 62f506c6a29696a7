//! `kourse init DIR`: a small starter course that builds without edits.

use std::path::Path;

use crate::diagnostic::Diagnostic;

const FILES: &[(&str, &str)] = &[
    (
        "book.toml",
        r#"[book]
title = "My Kubernetes course"
description = "A course written with kourse"
authors = []
language = "en"

[build]
output-dir = "public"

[kubernetes]
# Kubernetes versions every manifest is checked against. Empty: the oldest
# and newest versions kourse knows.
versions = []

[search]
enable = true
"#,
    ),
    (
        "content/_index.md",
        r#"+++
title = "Welcome"
description = "What this course covers"
+++

This course teaches Kubernetes one small, checked example at a time.
Start with [First steps](01-first-steps/_index.md).
"#,
    ),
    (
        "content/01-first-steps/_index.md",
        r#"+++
title = "First steps"
weight = 10
description = "Run a first Pod"
objectives = ["Describe what a Pod is", "Apply a manifest with kubectl"]
+++

In this chapter you run a single container on Kubernetes.
"#,
    ),
    (
        "content/01-first-steps/first-pod.md",
        r#"+++
title = "A first Pod"
weight = 10
+++

## The manifest

A Pod wraps one or more containers. This one runs a web server:

{{#example first-pod.yaml}}

Apply it and watch it start:

```console
kubectl apply -f examples/first-pod.yaml
kubectl get pods --watch
```

> [!TIP]
> `kubectl describe pod hello` shows the events of the Pod when it does not start.

Back to [the chapter introduction](_index.md).
"#,
    ),
    (
        "examples/first-pod.yaml",
        r#"# A single Pod running a web server.
apiVersion: v1
kind: Pod
metadata:
  name: hello
  labels:
    app.kubernetes.io/name: hello
spec:
  containers:
    - name: web
      image: nginxinc/nginx-unprivileged:1.27
      ports:
        - name: http
          containerPort: 8080
      resources:
        requests:
          cpu: 50m
          memory: 64Mi
        limits:
          memory: 128Mi
      readinessProbe:
        httpGet:
          path: /
          port: http
      livenessProbe:
        httpGet:
          path: /
          port: http
      securityContext:
        runAsNonRoot: true
        allowPrivilegeEscalation: false
        capabilities:
          drop: ["ALL"]
        seccompProfile:
          type: RuntimeDefault
"#,
    ),
    ("static/img/.keep", ""),
    (".gitignore", "/public\n/.public.spare\n/.kourse-cache\n"),
];

/// Writes the starter course into `dir`. Refuses to overwrite any existing
/// file: nothing is written unless every file is new.
pub fn init(dir: &Path) -> Result<Vec<String>, Vec<Diagnostic>> {
    let existing: Vec<Diagnostic> = FILES
        .iter()
        .filter(|(p, _)| dir.join(p).exists())
        .map(|(p, _)| {
            Diagnostic::error(
                "init",
                dir.join(p),
                "already exists; kourse init never overwrites files",
            )
        })
        .collect();
    if !existing.is_empty() {
        return Err(existing);
    }
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                vec![Diagnostic::error(
                    "io",
                    parent,
                    format!("cannot create: {e}"),
                )]
            })?;
        }
        std::fs::write(&path, text)
            .map_err(|e| vec![Diagnostic::error("io", &path, format!("cannot write: {e}"))])?;
        written.push((*rel).to_owned());
    }
    Ok(written)
}

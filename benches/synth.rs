//! A synthetic course for benchmarks: N realistic pages in sections of 20.
//! Shared by the build benchmark; kept free of kourse internals so it
//! measures what an author's course would cost.

use std::fmt::Write as _;
use std::path::Path;

const WORDS: &[&str] = &[
    "cluster",
    "node",
    "pod",
    "container",
    "scheduler",
    "controller",
    "replica",
    "service",
    "endpoint",
    "volume",
    "claim",
    "storage",
    "network",
    "policy",
    "label",
    "selector",
    "namespace",
    "secret",
    "config",
    "probe",
    "readiness",
    "liveness",
    "rollout",
    "image",
    "registry",
    "kernel",
    "cgroup",
    "memory",
    "request",
    "limit",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "when",
    "each",
    "every",
    "runs",
    "keeps",
    "starts",
    "stops",
    "watches",
    "reconciles",
    "schedules",
    "mounts",
    "exposes",
    "routes",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn word(&mut self) -> &'static str {
        WORDS[self.next() % WORDS.len()]
    }
    fn sentence(&mut self, out: &mut String, words: usize) {
        for i in 0..words {
            let w = self.word();
            if i == 0 {
                let mut c = w.chars();
                if let Some(f) = c.next() {
                    out.extend(f.to_uppercase());
                    out.push_str(c.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(w);
            }
        }
        out.push_str(". ");
    }
}

pub const PAGES_PER_SECTION: usize = 20;

fn page_path(i: usize) -> (String, String) {
    let section = i / PAGES_PER_SECTION;
    (
        format!("part-{:03}", section),
        format!("page-{:02}.md", i % PAGES_PER_SECTION),
    )
}

fn manifest(rng: &mut Rng, i: usize) -> String {
    let mut y = String::new();
    let _ = write!(
        y,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  labels:\n    app.kubernetes.io/name: app-{i}\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: app-{i}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: app-{i}\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/kourse-bench/app:{}.{}\n          ports:\n            - name: http\n              containerPort: 8080\n          env:\n            - name: MODE\n              value: \"{}\"\n          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n            limits:\n              memory: 256Mi\n          readinessProbe:\n            httpGet:\n              path: /ready\n              port: http\n          livenessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-{i}\nspec:\n  selector:\n    app.kubernetes.io/name: app-{i}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n",
        rng.next() % 9,
        rng.next() % 20,
        rng.word()
    );
    y
}

fn page(rng: &mut Rng, i: usize, n: usize) -> String {
    let mut s = format!(
        "+++\ntitle = \"Page {i}: {} {}\"\nweight = {}\n+++\n\n",
        rng.word(),
        rng.word(),
        i % PAGES_PER_SECTION
    );
    let (dir, _) = page_path(i);
    for h2 in 0..4 {
        let _ = writeln!(s, "## Topic {h2} {}\n", rng.word());
        for _ in 0..3 {
            for _ in 0..5 {
                rng.sentence(&mut s, 14);
            }
            s.push_str("\n\n");
        }
        let _ = writeln!(s, "### Detail {h2}\n");
        for _ in 0..4 {
            s.push_str("- ");
            rng.sentence(&mut s, 8);
            s.push('\n');
        }
        s.push('\n');
        // Two links per h2 to other pages' anchors.
        for _ in 0..2 {
            let t = rng.next() % n;
            let (tdir, tfile) = page_path(t);
            let href = if tdir == dir {
                tfile
            } else {
                format!("../{tdir}/{tfile}")
            };
            let _ = writeln!(
                s,
                "See [page {t}]({href}#detail-{}) for more.\n",
                rng.next() % 4
            );
        }
        match h2 {
            0 => {
                s.push_str("| field | meaning |\n|---|---|\n");
                for _ in 0..4 {
                    let _ = writeln!(s, "| `{}` | {} {} |", rng.word(), rng.word(), rng.word());
                }
                s.push('\n');
            }
            1 => {
                s.push_str("```yaml\n");
                s.push_str(&manifest(rng, i));
                s.push_str("```\n\n");
            }
            2 => {
                let _ = write!(
                    s,
                    "```bash\n#!/usr/bin/env bash\nset -euo pipefail\nNS=demo-{i}\nkubectl create namespace \"$NS\" || true\nfor f in manifests/*.yaml; do\n  kubectl apply -n \"$NS\" -f \"$f\"\ndone\nkubectl rollout status deployment/app-{i} -n \"$NS\" --timeout=120s\nkubectl get pods -n \"$NS\" -o wide\nif ! kubectl get svc app-{i} -n \"$NS\"; then\n  echo \"service missing\" >&2\n  exit 1\nfi\nkubectl logs deployment/app-{i} -n \"$NS\" --tail=20\n```\n\n"
                );
            }
            _ => {
                let _ = write!(
                    s,
                    "```rust\nuse std::collections::HashMap;\n\n/// Counts pods per node.\nfn count(pods: &[(&str, &str)]) -> HashMap<String, usize> {{\n    let mut m = HashMap::new();\n    for (_, node) in pods {{\n        *m.entry(node.to_string()).or_insert(0) += 1;\n    }}\n    m\n}}\n\nfn main() {{\n    let pods = [(\"a\", \"n1\"), (\"b\", \"n2\"), (\"c\", \"n1\")];\n    let counts = count(&pods);\n    for (node, n) in &counts {{\n        println!(\"{{node}}: {{n}} ({i})\");\n    }}\n    assert_eq!(counts[\"n1\"], 2);\n}}\n```\n\n"
                );
            }
        }
    }
    s
}

/// Writes a course of `n` pages into `dir` (which must be empty).
pub fn write_course(dir: &Path, n: usize) {
    let mut rng = Rng(42);
    std::fs::write(
        dir.join("book.toml"),
        "[book]\ntitle = \"Synthetic course\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("content")).unwrap();
    std::fs::write(
        dir.join("content/_index.md"),
        "+++\ntitle = \"Home\"\n+++\nA synthetic course.\n",
    )
    .unwrap();
    for i in 0..n {
        let (d, f) = page_path(i);
        let folder = dir.join("content").join(&d);
        if i % PAGES_PER_SECTION == 0 {
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(
                folder.join("_index.md"),
                format!(
                    "+++\ntitle = \"Part {}\"\n+++\nPart intro.\n",
                    i / PAGES_PER_SECTION
                ),
            )
            .unwrap();
        }
        std::fs::write(folder.join(f), page(&mut rng, i, n)).unwrap();
    }
}

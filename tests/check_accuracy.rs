//! What the apiserver-mirroring rules say, beyond the corpus's rule and
//! place: the template-variable hint, the selector's note, the duplicate
//! env var's note.

use kourse::check::{CheckOptions, Checker, Source};
use kourse::diagnostic::Diagnostic;

fn check(text: &str) -> Vec<Diagnostic> {
    let c = Checker::new(&CheckOptions::default()).unwrap();
    c.check(&[Source::new("x.yaml", text)])
}

fn one<'a>(diags: &'a [Diagnostic], rule: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = diags.iter().filter(|d| d.rule == rule).collect();
    assert_eq!(found.len(), 1, "{rule}: {diags:#?}");
    found[0]
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {NAME}\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      resources:\n        limits:\n          memory: {MEM}\n";

#[test]
fn unexpanded_template_variables_are_named() {
    for (name, mem, rule, var) in [
        ("web", "\"${MEMORY}\"", "invalid-quantity", "${MEMORY}"),
        (
            "web",
            "<MEMORY_LIMIT>",
            "invalid-quantity",
            "<MEMORY_LIMIT>",
        ),
        (
            "\"{{ .Values.name }}\"",
            "64Mi",
            "invalid-name",
            "{{ .Values.name }}",
        ),
    ] {
        let text = POD.replace("{NAME}", name).replace("{MEM}", mem);
        let diags = check(&text);
        let d = one(&diags, rule);
        assert!(
            d.message.contains(&format!(
                "`{var}` looks like an unexpanded template variable"
            )),
            "{}",
            d.message
        );
    }
    // A plain mistake gets no such hint.
    let diags = check(&POD.replace("{NAME}", "web").replace("{MEM}", "64MB"));
    let d = one(&diags, "invalid-quantity");
    assert!(!d.message.contains("template variable"), "{}", d.message);
}

#[test]
fn selector_mismatch_points_at_the_value_and_notes_the_template_labels() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n      tier: front\n  template:\n    metadata:\n      labels:\n        app: web\n        tier: back\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n";
    let diags = check(text);
    let d = one(&diags, "selector-mismatch");
    assert_eq!((d.line, d.col), (9, 13), "{d:?}");
    assert_eq!(d.notes, vec!["template labels at line 13:9".to_string()]);
    // A label the template lacks: the key is the place.
    let diags = check(&text.replace("        tier: back\n", ""));
    let d = one(&diags, "selector-mismatch");
    assert_eq!((d.line, d.col), (9, 7), "{d:?}");
}

#[test]
fn a_duplicate_env_var_is_a_warning_naming_the_hidden_one() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      env:\n        - name: A\n          value: \"1\"\n        - name: A\n          value: \"2\"\n";
    let diags = check(text);
    let d = one(&diags, "duplicate-env");
    assert!(!d.is_error());
    assert_eq!((d.line, d.col), (12, 17));
    assert_eq!(d.notes, vec!["the one it hides is at line 10".to_string()]);
    // Extending the earlier value through $(A) is what the apiserver allows.
    let diags = check(&text.replace("value: \"2\"", "value: \"$(A):more\""));
    assert!(
        diags.iter().all(|d| d.rule != "duplicate-env"),
        "{diags:#?}"
    );
}

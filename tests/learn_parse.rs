//! Parsing of the learner syntaxes: every quiz and glossary form, and every
//! malformed case with the line it is reported at.

use std::collections::HashSet;
use std::path::Path;

use kourse::learn::glossary::Glossary;
use kourse::learn::quiz::{self, QuizError};

/// Errors of a quiz as (1-based line in the block, message).
fn quiz_errors(text: &str) -> Vec<(usize, String)> {
    match quiz::parse(text) {
        Ok(q) => panic!("should fail: {q:?}"),
        Err(e) => e
            .into_iter()
            .map(|QuizError { line, message, .. }| (line + 1, message))
            .collect(),
    }
}

fn has(errors: &[(usize, String)], line: usize, needle: &str) {
    assert!(
        errors.iter().any(|(l, m)| *l == line && m.contains(needle)),
        "expected `{needle}` at line {line}, got {errors:?}"
    );
}

const GOOD: &str = "? Which object keeps Pods running?
- [ ] A ConfigMap
  : A ConfigMap stores configuration.
- [x] A ReplicaSet
  : It compares the Pods its selector matches
    with `replicas`.

? Which of these are namespaced?
(several answers)
- [X] Pod
  : Pods live in a namespace.
- [ ] Node
* [x] Service
";

#[test]
fn quiz_single_and_multiple() {
    let q = quiz::parse(GOOD).unwrap();
    assert_eq!(q.questions.len(), 2);
    let a = &q.questions[0];
    assert_eq!(a.text, "Which object keeps Pods running?");
    assert_eq!(a.line, 0);
    assert!(!a.is_multiple());
    assert_eq!(a.options.len(), 2);
    assert!(!a.options[0].correct && a.options[1].correct);
    assert_eq!(
        a.options[0].explanation,
        "A ConfigMap stores configuration."
    );
    assert_eq!(
        a.options[1].explanation,
        "It compares the Pods its selector matches with `replicas`."
    );
    assert_eq!(a.options[1].line, 3);
    let b = &q.questions[1];
    assert_eq!(b.text, "Which of these are namespaced? (several answers)");
    assert!(b.is_multiple());
    assert_eq!(b.options.iter().filter(|o| o.correct).count(), 2);
    assert_eq!(b.options[1].explanation, "");
    assert_eq!(b.line, 7);
}

#[test]
fn quiz_renders_accessible_form() {
    let html = quiz::render(&quiz::parse(GOOD).unwrap(), "7");
    assert!(html.contains("<fieldset><legend>"));
    assert!(html.contains("type=\"radio\" name=\"q7-1\""));
    assert!(html.contains("type=\"checkbox\" name=\"q7-2\""));
    assert!(html.contains("<label for=\"q7-1-1\">A ConfigMap</label>"));
    assert!(html.contains("<code>replicas</code>"));
    assert_eq!(html.matches("<details class=\"quiz-answer\">").count(), 2);
    assert!(html.contains("data-correct=\"true\""));
}

#[test]
fn quiz_markup_is_escaped() {
    let q = quiz::parse("? Is <script> bad?\n- [x] <b>yes</b>\n- [ ] # no\n").unwrap();
    let html = quiz::render(&q, "1");
    assert!(
        !html.contains("<script>") && !html.contains("<b>"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("# no"), "{html}");
}

#[test]
fn quiz_no_correct_answer() {
    let e = quiz_errors("? Q one\n- [ ] a\n- [x] b\n\n? Q two\n- [ ] a\n- [ ] b\n");
    assert_eq!(e.len(), 1, "{e:?}");
    has(&e, 5, "without a correct answer");
}

#[test]
fn quiz_duplicate_options() {
    let e = quiz_errors("? Q\n- [x] Pod\n- [ ] Service\n- [ ]  pod\n");
    assert_eq!(e.len(), 1, "{e:?}");
    has(&e, 4, "duplicate answer");
}

#[test]
fn quiz_empty_question() {
    let e = quiz_errors("?\n- [x] a\n- [ ] b\n");
    has(&e, 1, "empty question");
    let e = quiz_errors("?   \n- [x] a\n- [ ] b\n");
    has(&e, 1, "empty question");
}

#[test]
fn quiz_option_without_question() {
    let e = quiz_errors("- [x] a\n? Q\n- [x] b\n- [ ] c\n");
    assert_eq!(e.len(), 1, "{e:?}");
    has(&e, 1, "answer without a question");
}

#[test]
fn quiz_question_without_answers() {
    let e = quiz_errors("? Q\n\n? R\n- [x] a\n- [ ] b\n");
    has(&e, 1, "without answers");
}

#[test]
fn quiz_single_answer() {
    let e = quiz_errors("? Q\n- [x] a\n");
    has(&e, 1, "single answer");
}

#[test]
fn quiz_list_item_without_checkbox() {
    let e = quiz_errors("? Q\n- a\n- [x] b\n- [ ] c\n");
    has(&e, 2, "`- [ ]`");
}

#[test]
fn quiz_empty_answer() {
    let e = quiz_errors("? Q\n- [x]\n- [ ] c\n");
    has(&e, 2, "empty answer");
}

#[test]
fn quiz_explanation_without_answer() {
    let e = quiz_errors("  : why\n? Q\n- [x] b\n- [ ] c\n");
    has(&e, 1, "explanation without an answer");
    let e = quiz_errors("? Q\n  : why\n- [x] b\n- [ ] c\n");
    has(&e, 2, "explanation without an answer");
}

#[test]
fn quiz_empty_explanation() {
    let e = quiz_errors("? Q\n- [x] b\n  :\n- [ ] c\n");
    has(&e, 3, "empty explanation");
}

#[test]
fn quiz_unexpected_line() {
    let e = quiz_errors("? Q\n- [x] b\n- [ ] c\nstray text\n");
    has(&e, 4, "unexpected line");
}

#[test]
fn quiz_empty_block() {
    let e = quiz_errors("\n\n");
    has(&e, 1, "empty quiz");
}

#[test]
fn quiz_reports_every_error_with_column() {
    let e = quiz::parse("? Q\n- [ ] a\n- [ ] a\n  x? \n").unwrap_err();
    assert!(e.len() >= 3, "{e:?}");
    let dup = e.iter().find(|e| e.message.contains("duplicate")).unwrap();
    assert_eq!((dup.line, dup.col), (2, 1));
    let stray = e.iter().find(|e| e.message.contains("unexpected")).unwrap();
    assert_eq!((stray.line, stray.col), (3, 3));
}

// Glossary --------------------------------------------------------------

const GLOSSARY: &str = r#"[[term]]
term = "Pod"
aliases = ["Pods"]
definition = "The smallest deployable unit."

[[term]]
term = "kubelet"
definition = """The agent
on each node."""

[[term]]
term = "Persistent Volume"
aliases = ["PV"]
definition = "Storage in the cluster."

[[term]]
term = "Volume"
definition = "A directory a container can use."
"#;

fn glossary(text: &str) -> (Glossary, Vec<(usize, String, bool)>) {
    let (g, d) = Glossary::parse(text, Path::new("content/glossary.toml"));
    (
        g,
        d.into_iter()
            .map(|d| (d.line, d.message.clone(), d.is_error()))
            .collect(),
    )
}

#[test]
fn glossary_parses_terms() {
    let (g, d) = glossary(GLOSSARY);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(g.terms.len(), 4);
    assert_eq!(g.terms[0].anchor, "pod");
    assert_eq!(g.terms[0].aliases, ["Pods"]);
    assert_eq!(g.terms[0].line, 2);
    assert_eq!(g.terms[1].definition, "The agent on each node.");
    assert_eq!(g.terms[2].anchor, "persistent-volume");
    assert_eq!(g.lookup("pods"), Some(0));
    assert_eq!(g.lookup("PV"), Some(2));
    assert_eq!(g.lookup("Deployment"), None);
}

#[test]
fn glossary_list_is_alphabetical_with_anchors() {
    let (g, _) = glossary(GLOSSARY);
    let html = g.render_list();
    let order: Vec<usize> = [
        "id=\"kubelet\"",
        "id=\"persistent-volume\"",
        "id=\"pod\"",
        "id=\"volume\"",
    ]
    .iter()
    .map(|s| html.find(s).unwrap_or_else(|| panic!("{s} in {html}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{html}");
    assert!(html.contains("Also: Pods"));
}

fn linked(g: &Glossary, text: &str, seen: &mut HashSet<usize>) -> Vec<String> {
    g.find_first(text, seen)
        .into_iter()
        .map(|(r, _)| text[r].to_owned())
        .collect()
}

#[test]
fn glossary_matches_first_word_bounded_occurrence() {
    let (g, _) = glossary(GLOSSARY);
    let mut seen = HashSet::new();
    // Not inside other words; the alias counts as the term; only the first.
    assert_eq!(
        linked(
            &g,
            "Podcasts and PodSpec are not Pods. A Pod is.",
            &mut seen
        ),
        ["Pods"]
    );
    assert_eq!(linked(&g, "Another Pod.", &mut seen), Vec::<String>::new());
    // The longest name wins; a lower-case term also matches capitalised.
    let mut seen = HashSet::new();
    assert_eq!(
        linked(
            &g,
            "Kubelet mounts a Persistent Volume, then a Volume.",
            &mut seen
        ),
        ["Kubelet", "Persistent Volume", "Volume"]
    );
    let mut seen = HashSet::new();
    assert_eq!(linked(&g, "the kubelet's job", &mut seen), ["kubelet"]);
    // Case matters otherwise.
    let mut seen = HashSet::new();
    assert_eq!(
        linked(&g, "a pod, a KUBELET", &mut seen),
        Vec::<String>::new()
    );
}

#[test]
fn glossary_link_html_has_tooltip() {
    let (g, _) = glossary(GLOSSARY);
    let mut seen = HashSet::new();
    let mut used = Vec::new();
    let html = g
        .link_prose("A Pod & <b>", "../glossary/index.html", &mut seen, |i| {
            used.push(i)
        })
        .unwrap();
    assert_eq!(used, [0]);
    assert!(html.starts_with("A <span class=\"term-wrap\"><a class=\"term\" href=\"../glossary/index.html#pod\" aria-describedby=\"term-tip-pod\">Pod</a>"), "{html}");
    assert!(
        html.contains("role=\"tooltip\" id=\"term-tip-pod\">The smallest deployable unit.</span>")
    );
    assert!(html.ends_with(" &amp; &lt;b&gt;"), "{html}");
    assert!(
        g.link_prose("No terms here", "x", &mut HashSet::new(), |_| {})
            .is_none()
    );
}

#[test]
fn glossary_many_terms_is_linear() {
    let mut text = String::new();
    for i in 0..60 {
        text.push_str(&format!(
            "[[term]]\nterm = \"Term{i}\"\ndefinition = \"d\"\n"
        ));
    }
    let (g, d) = glossary(&text);
    assert!(d.is_empty());
    let prose = "word ".repeat(200_000) + "Term59";
    let start = std::time::Instant::now();
    assert_eq!(linked(&g, &prose, &mut HashSet::new()), ["Term59"]);
    assert!(start.elapsed().as_secs() < 2);
}

#[test]
fn glossary_duplicates_are_errors_at_their_line() {
    let (g, d) = glossary(
        "[[term]]\nterm = \"Pod\"\ndefinition = \"a\"\n\n[[term]]\nterm = \"pod\"\ndefinition = \"b\"\n",
    );
    assert_eq!(g.terms.len(), 1);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, 6);
    assert!(d[0].1.contains("duplicate glossary term `pod`"), "{d:?}");
    let (_, d) = glossary(
        "[[term]]\nterm = \"Pod\"\ndefinition = \"a\"\n\n[[term]]\nterm = \"Service\"\naliases = [\"svc\", \"Pods\", \"pod\"]\ndefinition = \"b\"\n",
    );
    assert!(
        d.iter().any(|(l, m, _)| *l == 7
            && m.contains("`pod`")
            && m.contains("already defined by `Pod`")),
        "{d:?}"
    );
    let (_, d) = glossary("[[term]]\nterm = \"Pod\"\naliases = [\"pod\"]\ndefinition = \"a\"\n");
    assert!(
        d.iter()
            .any(|(l, m, _)| *l == 3 && m.contains("same entry")),
        "{d:?}"
    );
}

#[test]
fn glossary_bad_entries_are_errors_at_their_line() {
    let (_, d) =
        glossary("[[term]]\nterm = \"Pod\"\n\n[[term]]\nterm = \"X\"\ndefinition = \"x\"\n");
    assert_eq!(d.len(), 1);
    assert!(d[0].1.contains("missing field `definition`"), "{d:?}");
    assert_eq!(d[0].0, 1);
    let (_, d) = glossary("[[term]]\nterm = \"\"\ndefinition = \"x\"\n");
    assert_eq!((d[0].0, d[0].1.as_str()), (2, "empty `term`"));
    let (_, d) = glossary("[[term]]\nterm = \"Pod\"\ndefinition = \"  \"\n");
    assert_eq!(d[0].0, 3);
    assert!(d[0].1.contains("empty definition"));
    let (_, d) = glossary("[[term]]\nterm = \"Pod\"\ndefintion = \"x\"\n");
    assert_eq!(d[0].0, 3);
    assert!(d[0].1.contains("unknown key `defintion`"), "{d:?}");
    let (_, d) = glossary("[[term]]\nterm = \"Pod\"\naliases = [\"\"]\ndefinition = \"x\"\n");
    assert_eq!(d[0].0, 3);
    let (_, d) = glossary(
        "[[term]]\nterm = \"Pod\"\ndefinition = \"x\"\n[[term]]\nterm = \"Pod!\"\ndefinition = \"y\"\n",
    );
    assert!(
        d.iter()
            .any(|(l, m, _)| *l == 5 && m.contains("same anchor")),
        "{d:?}"
    );
    let (_, d) = glossary("term = 3\n");
    assert!(d[0].2 && d[0].0 == 1, "{d:?}");
    let (_, d) = glossary("[[term]\n");
    assert!(d[0].2 && d[0].0 == 1, "{d:?}");
}

//! The text the search index keeps for snippets, from a real build: the
//! source's spaces around inline code and links, words of separate blocks
//! kept apart, code blocks as lines.

mod support;

use std::process::Command;

fn snippet_pages(site: &std::path::Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(site.join("search/p")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let inner = text
            .trim_end()
            .strip_prefix("__kourseSearch(")
            .and_then(|s| s.strip_suffix(");"))
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&format!("[{inner}]")).unwrap();
        out.extend(v[2].as_array().unwrap().iter().cloned());
    }
    out
}

#[test]
fn snippets_keep_the_spaces_of_the_source() {
    let course = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_kourse"))
        .arg("init")
        .arg(course.path())
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let page = course.path().join("content/01-first-steps/first-pod.md");
    let mut md = std::fs::read_to_string(&page).unwrap();
    md.push_str(
        "\n## Spacing check {#spacing}\n\nRun the `kubectl` command, then `kubectl get pods`; \
         a *stressed* word,\nacross a line break and **bold**.\n\n- one item\n- `two`\n\n\
         ```yaml not-manifest\nspec:\n  containers:\n    - name: web\n```\n",
    );
    std::fs::write(&page, md).unwrap();
    let site = support::sites::build(course.path());
    let pages = snippet_pages(site.path());
    let sec = pages
        .iter()
        .flat_map(|p| p["s"].as_array().unwrap())
        .find(|s| s[0] == "spacing")
        .expect("the section is indexed");
    assert_eq!(sec[1], "Spacing check");
    assert_eq!(
        sec[2],
        "Run the kubectl command, then kubectl get pods; a stressed word, across a line break \
         and bold. one item two"
    );
    assert_eq!(sec[3], "spec:\n  containers:\n    - name: web");
}

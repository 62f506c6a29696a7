//! Tests of highlighting, the cache and the stylesheet.
use super::*;

#[test]
fn required_languages_have_grammars() {
    for lang in [
        "yaml",
        "bash",
        "sh",
        "console",
        "dockerfile",
        "json",
        "toml",
        "go",
        "python",
        "rust",
    ] {
        assert!(is_known(lang), "no grammar for {lang}");
    }
}

#[test]
fn yaml_gets_classes() {
    let html = highlight_uncached("kind: Pod\n", "yaml");
    assert!(html.contains("class=\"hl-"), "{html}");
    assert!(html.contains("Pod"));
}

#[test]
fn spans_keep_the_classes_a_selector_needs_and_no_other() {
    let compounds = styled_compounds();
    let has = |c: &[&str]| {
        compounds
            .iter()
            .any(|k| k.iter().map(|s| &**s).eq(c.iter().copied()))
    };
    assert!(has(&["hl-comment"]) && has(&["hl-entity", "hl-name", "hl-tag"]));
    assert!(!compounds.iter().flatten().any(|c| &**c == "hl-yaml"));
    assert_eq!(
        styled_part("hl-entity hl-name hl-tag hl-yaml").as_deref(),
        Some("hl-entity hl-name hl-tag")
    );
    assert_eq!(styled_part("hl-yaml hl-plain"), None);
    // A span no selector matches goes, with its end tag; the text stays.
    assert_eq!(
        keep_styled_spans(
            "<span class=\"hl-yaml\">a<span class=\"hl-comment hl-yaml\">b</span>c</span>"
        ),
        "a<span class=\"hl-comment\">b</span>c"
    );
    // Not syntect's shape: left alone rather than unbalanced.
    for odd in [
        "<span class=\"hl-yaml\">a",
        "a</span>",
        "<b>a</b>",
        "<span class=\"hl-yaml\" id=\"x\">a</span>",
    ] {
        assert_eq!(keep_styled_spans(odd), odd);
    }
}

/// For each character of `html` (a fragment of spans and escaped
/// text): the selectors of `rules` that match each of its ancestors,
/// from the outermost, leaving out ancestors no selector matches.
/// Equal for two fragments, every character is styled alike in both.
fn matched_selectors(html: &str, rules: &[Vec<Vec<&str>>]) -> Vec<(char, Vec<Vec<usize>>)> {
    let matches = |chain: &[Vec<&str>], sel: &[Vec<&str>]| {
        let has = |el: &Vec<&str>, compound: &Vec<&str>| compound.iter().all(|c| el.contains(c));
        let (last, before) = sel.split_last().unwrap();
        if !has(chain.last().unwrap(), last) {
            return false;
        }
        let mut want = before.iter().rev().peekable();
        for el in chain[..chain.len() - 1].iter().rev() {
            if want.peek().is_some_and(|c| has(el, c)) {
                want.next();
            }
        }
        want.peek().is_none()
    };
    let mut stack: Vec<Vec<&str>> = Vec::new();
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("<span class=\"") {
            let end = after.find('"').unwrap();
            stack.push(after[..end].split(' ').collect());
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix("</span>") {
            stack.pop().unwrap();
            rest = after;
        } else {
            let len = if c == '&' {
                rest.find(';').unwrap() + 1
            } else {
                c.len_utf8()
            };
            let chain = (1..=stack.len())
                .map(|d| {
                    (0..rules.len())
                        .filter(|&r| matches(&stack[..d], &rules[r]))
                        .collect::<Vec<_>>()
                })
                .filter(|m| !m.is_empty())
                .collect();
            out.push((c, chain));
            rest = &rest[len..];
        }
    }
    out
}

#[test]
fn pruned_spans_style_every_character_as_syntect_did() {
    let css = stylesheet();
    let rules = selectors(&css);
    assert!(rules.len() > 100, "{}", rules.len());
    let samples = [
        (
            "yaml",
            // A manifest with the YAML forms courses use (kept here, not
            // read from the course, which changes on its own schedule).
            "# A Deployment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app.kubernetes.io/name: web}\n  annotations:\n    note: >-\n      folded text\nspec:\n  replicas: 3\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"nginx:1.27\"\n          args: ['--port', \"8080\"]\n          env:\n            - {name: DEBUG, value: \"false\"}\n          ports: [{containerPort: 8080}]\n...\n",
        ),
        (
            "yaml",
            "a: \"q\" # c\nb: |\n  x\nc: [1, 'two', 3.5, true, null]\nd: &x {e: *x}\n",
        ),
        (
            "bash",
            "#!/usr/bin/env bash\nset -euo pipefail\nfor p in $(kubectl get pods -o name); do\n  echo \"${p#pod/}\" >&2 # note\ndone\n",
        ),
        (
            "rust",
            "use std::fmt;\n/// Doc.\nfn f<'a>(x: &'a str) -> Result<u8, String> { let n = 0x1F; Ok(n as u8) }\n",
        ),
        (
            "go",
            "package main\nimport \"fmt\"\nfunc main() { fmt.Println(`raw`, 42) }\n",
        ),
        (
            "python",
            "def f(x: int) -> str:\n    return f\"{x!r}\"  # c\n",
        ),
        (
            "dockerfile",
            "FROM debian:12 AS build\nRUN apt-get update && echo \"$HOME\"\nCMD [\"x\"]\n",
        ),
        ("json", "{\"a\": [1, true, null, \"s\\n\"]}\n"),
        (
            "toml",
            "[book]\ntitle = \"x\" # c\nn = 1979-05-27T07:32:00Z\n",
        ),
    ];
    for (lang, code) in samples {
        let raw = syntect_html(code, lang).unwrap();
        let pruned = highlight_uncached(code, lang);
        assert!(pruned.len() < raw.len(), "{lang}: nothing pruned");
        let (before, after) = (
            matched_selectors(&raw, &rules),
            matched_selectors(&pruned, &rules),
        );
        assert_eq!(before.len(), after.len(), "{lang}: text changed");
        if let Some(at) = (0..before.len()).find(|&i| before[i] != after[i]) {
            panic!(
                "{lang}: character {at} ({:?}) matched {:?} and now {:?}",
                before[at].0, before[at].1, after[at].1
            );
        }
    }
}

#[test]
fn unknown_language_is_escaped_text() {
    assert_eq!(
        highlight_uncached("<b>&</b>", "nonesuch"),
        "&lt;b&gt;&amp;&lt;/b&gt;"
    );
}

#[test]
fn cache_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hl.bin");
    let cache = HighlightCache::new();
    let a = cache.highlight("a: 1\n", "yaml");
    cache.save(&path).unwrap();
    let loaded = HighlightCache::load(&path);
    assert_eq!(loaded.len(), 1);
    assert!(matches!(
        loaded.highlight("a: 1\n", "yaml"),
        Highlighted::Loaded(_)
    ));
    assert_eq!(loaded.highlight("a: 1\n", "yaml"), a);
    assert_eq!(loaded.len(), 1, "a hit adds nothing");
}

#[test]
#[cfg(unix)]
fn cache_file_is_rewritten_only_when_its_content_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hl.bin");
    let first = HighlightCache::new();
    first.highlight("a: 1\n", "yaml");
    first.highlight("b: 2\n", "yaml");
    first.save(&path).unwrap();
    // Saving goes through a new file renamed into place: a new inode.
    use std::os::unix::fs::MetadataExt;
    let written = std::fs::metadata(&path).unwrap().ino();
    // The same blocks again: nothing to write.
    let same = HighlightCache::load(&path);
    same.highlight("a: 1\n", "yaml");
    same.highlight("b: 2\n", "yaml");
    same.save(&path).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().ino(), written);
    // One block fewer: the file shrinks to what was used.
    let fewer = HighlightCache::load(&path);
    fewer.highlight("a: 1\n", "yaml");
    fewer.save(&path).unwrap();
    assert_eq!(HighlightCache::load(&path).len(), 1);
    // A new block: written.
    let more = HighlightCache::load(&path);
    more.highlight("c: 3\n", "yaml");
    more.save(&path).unwrap();
    let reloaded = HighlightCache::load(&path);
    assert_eq!(reloaded.len(), 1);
    assert!(matches!(
        reloaded.highlight("c: 3\n", "yaml"),
        Highlighted::Loaded(_)
    ));
}

#[test]
fn a_damaged_cache_file_loads_as_an_empty_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hl.bin");
    let cache = HighlightCache::new();
    cache.highlight("a: 1\n", "yaml");
    cache.highlight("b: 2\n", "yaml");
    cache.save(&path).unwrap();
    let good = std::fs::read(&path).unwrap();
    assert_eq!(HighlightCache::load(&path).len(), 2);
    for bad in [
        good[..good.len() - 3].to_vec(),
        good[..good.len() - 40].to_vec(),
        [b"KRSHL001".as_slice(), &good[8..]].concat(),
        {
            let mut b = good.clone();
            *b.last_mut().unwrap() = 0xff;
            b
        },
    ] {
        std::fs::write(&path, &bad).unwrap();
        let loaded = HighlightCache::load(&path);
        assert!(loaded.is_empty());
        assert_eq!(
            &*loaded.highlight("a: 1\n", "yaml"),
            highlight_uncached("a: 1\n", "yaml")
        );
    }
}

#[test]
fn every_token_colour_meets_aa_in_light_and_dark() {
    let css = stylesheet();
    let dark_at = css.find("/* Dark mode */").unwrap();
    for (part, bg) in [
        (&css[..dark_at], palette::LIGHT_BG),
        (&css[dark_at..], palette::DARK_BG),
    ] {
        let mut checked = 0;
        for (selectors, block) in css_rules(part) {
            let colour = |prop: &str| {
                block
                    .split(['{', ';', '}', '\n'])
                    .filter_map(|d| d.split_once(':'))
                    .find(|(p, _)| p.trim() == prop)
                    .and_then(|(_, v)| palette::parse_hex(v.trim()))
            };
            let Some(fg) = colour("color") else { continue };
            let on = colour("background-color")
                .filter(|_| !selectors.trim_end().ends_with(".hl-code"))
                .unwrap_or(bg);
            let ratio = palette::contrast(fg, on);
            assert!(ratio >= 4.5, "{selectors} {block}: {ratio:.2}:1");
            checked += 1;
        }
        assert!(checked > 20, "only {checked} colours found");
    }
}

#[test]
fn dark_css_is_scoped() {
    let css = stylesheet();
    assert!(
        css.contains("html[data-theme=\"dark\"] .hl-"),
        "{}",
        &css[..400.min(css.len())]
    );
}

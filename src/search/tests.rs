use super::snippet::{truncate_chars, unicode_space_at};
use super::*;

fn sec(anchor: &str, heading: &str, prose: &str, code: &str, terms: &[&str]) -> SearchSection {
    SearchSection {
        anchor: anchor.into(),
        heading: heading.into(),
        prose: prose.into(),
        code: code.into(),
        manifest_terms: terms.iter().map(|s| s.to_string()).collect(),
    }
}

fn doc(url: &str, title: &str, sections: Vec<SearchSection>) -> SearchDocument<'static> {
    SearchDocument {
        url: url.to_owned().into(),
        page_title: title.to_owned().into(),
        sections: sections.into(),
    }
}

/// Parse one index file back into (kind, key, data).
fn parse(bytes: &[u8]) -> (String, String, serde_json::Value) {
    let s = std::str::from_utf8(bytes).unwrap();
    let inner = s
        .trim_end()
        .strip_prefix("__kourseSearch(")
        .and_then(|s| s.strip_suffix(");"))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&format!("[{inner}]")).unwrap();
    (
        v[0].as_str().unwrap().into(),
        v[1].as_str().unwrap().into(),
        v[2].clone(),
    )
}

fn file<'a>(files: &'a [(PathBuf, Vec<u8>)], path: &str) -> Option<&'a [u8]> {
    files
        .iter()
        .find(|(p, _)| p == &PathBuf::from(path))
        .map(|(_, b)| b.as_slice())
}

/// A minimal reader with the scoring of search.js for exact words:
/// returns "url#anchor" ordered best first.
fn search(files: &[(PathBuf, Vec<u8>)], query: &str) -> Vec<String> {
    let (_, _, meta) = parse(file(files, "search/meta.js").unwrap());
    let n = meta["n"].as_u64().unwrap() as f32;
    let keys: Vec<String> = serde_json::from_value(meta["shards"].clone()).unwrap();
    let mut scores: HashMap<u32, (u32, f32)> = HashMap::new();
    for word in words(query) {
        let Some(key) = shard_for(&word, &keys) else {
            continue;
        };
        let path = format!("search/t/{}", shard_file_name(key));
        let Some(bytes) = file(files, &path) else {
            continue;
        };
        let (_, _, shard) = parse(bytes);
        let ws: Vec<&str> = shard["w"].as_str().unwrap().split(' ').collect();
        let Some(i) = ws.iter().position(|w| *w == word) else {
            continue;
        };
        let g = shard["g"][i].as_u64().unwrap() as usize;
        let list = decode_varints(shard["p"][g].as_str().unwrap()).unwrap();
        let df = (list.len() / 2) as f32;
        let idf = (1.0 + n / df).ln();
        let mut sid = 0;
        for pair in list.chunks(2) {
            sid += pair[0];
            let e = scores.entry(sid).or_insert((0, 0.0));
            e.0 += 1;
            e.1 += idf * pair[1] as f32;
        }
    }
    let mut hits: Vec<(u32, (u32, f32))> = scores.into_iter().collect();
    hits.sort_by(|a, b| {
        b.1.0
            .cmp(&a.1.0)
            .then(b.1.1.total_cmp(&a.1.1))
            .then(a.0.cmp(&b.0))
    });
    let pages: Vec<u64> = meta["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    hits.into_iter()
        .map(|(sid, _)| {
            let (mut page, mut local) = (0usize, sid as u64);
            while local >= pages[page] {
                local -= pages[page];
                page += 1;
            }
            let (_, _, chunk) = parse(
                file(
                    files,
                    &format!("search/p/{}.js", page / PAGES_PER_SNIPPET_FILE),
                )
                .unwrap(),
            );
            let p = &chunk[page % PAGES_PER_SNIPPET_FILE];
            let s = &p["s"][local as usize];
            format!("{}#{}", p["u"].as_str().unwrap(), s[0].as_str().unwrap())
        })
        .collect()
}

fn corpus() -> Vec<SearchDocument<'static>> {
    vec![
        doc(
            "networking/services.html",
            "Services",
            vec![
                sec(
                    "",
                    "Services",
                    "A Service exposes pods on the network.",
                    "",
                    &[],
                ),
                sec(
                    "nodeport",
                    "NodePort",
                    "A NodePort service opens a port on every node, in the range 30000-32767.",
                    "kind: Service\nspec:\n  type: NodePort\n  ports:\n  - targetPort: 8080",
                    &["Service", "v1", "spec", "type", "ports", "targetPort"],
                ),
                sec(
                    "clusterip",
                    "ClusterIP",
                    "The default type. Clients reach pods through a virtual IP; deployments running behind it.",
                    "",
                    &[],
                ),
            ],
        ),
        doc(
            "workloads/deployments.html",
            "Deployments",
            vec![
                sec(
                    "",
                    "Deployments",
                    "A Deployment manages ReplicaSets. It mentions nodeport once.",
                    "",
                    &[],
                ),
                sec(
                    "troubleshooting",
                    "Troubleshooting",
                    "A pod in ImagePullBackOff cannot pull its image. CrashLoopBackOff means the container keeps crashing.",
                    "kubectl describe pod web",
                    &[],
                ),
                sec(
                    "code-only",
                    "Example",
                    "Nothing here.",
                    "etcdctl get /registry nodeport nodeport",
                    &[],
                ),
            ],
        ),
    ]
}

#[test]
fn disabled_search_writes_nothing() {
    let opts = SearchOptions {
        enabled: false,
        ..SearchOptions::default()
    };
    assert!(build_index(&corpus(), &opts).is_empty());
}

#[test]
fn files_are_meta_shards_and_snippet_files_of_several_pages() {
    let files = build_index(&corpus(), &SearchOptions::default());
    assert!(file(&files, "search/meta.js").is_some());
    let (_, key, chunk) = parse(file(&files, "search/p/0.js").unwrap());
    assert_eq!(key, "0");
    assert_eq!(
        chunk.as_array().unwrap().len(),
        2,
        "both pages share one file"
    );
    assert!(file(&files, "search/p/1.js").is_none());
    let many: Vec<SearchDocument> = (0..PAGES_PER_SNIPPET_FILE * 2 + 1)
        .map(|i| doc(&format!("p{i}.html"), &format!("Page {i}"), vec![]))
        .collect();
    let files_many = build_index(&many, &SearchOptions::default());
    let (_, _, last) = parse(file(&files_many, "search/p/2.js").unwrap());
    assert_eq!(last.as_array().unwrap().len(), 1);
    assert_eq!(
        last[0]["u"],
        format!("p{}.html", PAGES_PER_SNIPPET_FILE * 2)
    );
    assert!(file(&files_many, "search/p/3.js").is_none());
    for (p, _) in &files {
        assert!(p.starts_with("search/"), "{p:?}");
        assert!(p.is_relative());
    }
    let (kind, _, meta) = parse(file(&files, "search/meta.js").unwrap());
    assert_eq!(kind, "m");
    assert_eq!(meta["v"], FORMAT_VERSION);
    assert_eq!(meta["c"], PAGES_PER_SNIPPET_FILE);
    assert_eq!(meta["n"], 6);
    assert_eq!(meta["pages"], serde_json::json!([3, 3]));
    let shards = meta["shards"].as_array().unwrap();
    assert!(shards.iter().any(|k| k == "no"));
    assert_eq!(
        shards.len(),
        files
            .iter()
            .filter(|(p, _)| p.starts_with("search/t"))
            .count()
    );
}

#[test]
fn sectioning_keeps_anchors_headings_and_text_for_snippets() {
    let files = build_index(&corpus(), &SearchOptions::default());
    let (_, key, chunk) = parse(file(&files, "search/p/0.js").unwrap());
    assert_eq!(key, "0");
    let page = &chunk[0];
    assert_eq!(page["u"], "networking/services.html");
    assert_eq!(page["t"], "Services");
    assert_eq!(page["s"][1][0], "nodeport");
    assert_eq!(page["s"][1][1], "NodePort");
    let text = page["s"][1][2].as_str().unwrap();
    assert_eq!(
        text,
        "A NodePort service opens a port on every node, in the range 30000-32767."
    );
    // Code keeps its lines and indentation: YAML reads as YAML.
    assert_eq!(
        page["s"][1][3],
        "kind: Service\nspec:\n  type: NodePort\n  ports:\n  - targetPort: 8080"
    );
    assert_eq!(page["s"][0][3], "");
}

#[test]
fn code_lines_keep_indentation_and_cut_at_whole_lines() {
    assert_eq!(
        code_lines("a: 1\n\n  b:   \n    c: 2\n", 100),
        "a: 1\n  b:\n    c: 2"
    );
    assert_eq!(code_lines("first: 1\nsecond: 2", 12), "first: 1");
    assert_eq!(code_lines("abcdefghij", 4), "abcd…");
    assert_eq!(code_lines("", 10), "");
}

#[test]
fn snippets_carry_no_anchor_glyphs() {
    let docs = vec![doc(
        "a.html",
        "Alpha ¶",
        vec![
            sec("", "", "Intro text.", "", &[]),
            sec("b", "Beta #", "Body.", "", &[]),
            sec("c", "Gamma¶ delta", "Body.", "", &[]),
        ],
    )];
    let files = build_index(&docs, &SearchOptions::default());
    let (_, _, chunk) = parse(file(&files, "search/p/0.js").unwrap());
    assert_eq!(chunk[0]["t"], "Alpha");
    assert_eq!(chunk[0]["s"][0][1], "Alpha");
    assert_eq!(chunk[0]["s"][1][1], "Beta");
    assert_eq!(chunk[0]["s"][2][1], "Gamma delta");
}

/// The sections a shard says are headed with `word`.
fn named(files: &[(PathBuf, Vec<u8>)], word: &str) -> Vec<u64> {
    let (_, _, meta) = parse(file(files, "search/meta.js").unwrap());
    let keys: Vec<String> = serde_json::from_value(meta["shards"].clone()).unwrap();
    let key = shard_for(word, &keys).unwrap();
    let (_, _, shard) = parse(file(files, &format!("search/t/{}", shard_file_name(key))).unwrap());
    let i = shard["w"]
        .as_str()
        .unwrap()
        .split(' ')
        .position(|w| w == word)
        .unwrap();
    let Some(list) = shard["h"][i.to_string()].as_str() else {
        return Vec::new();
    };
    let mut sid = 0;
    decode_varints(list)
        .unwrap()
        .into_iter()
        .map(|d| {
            sid += u64::from(d);
            sid
        })
        .collect()
}

#[test]
fn shards_list_the_sections_each_word_heads() {
    let docs = vec![
        doc(
            "probes.html",
            "Probes",
            vec![
                sec(
                    "",
                    "",
                    "Probes tell the kubelet about a container.",
                    "",
                    &[],
                ),
                sec(
                    "readiness",
                    "Readiness",
                    "Whether it may get traffic.",
                    "",
                    &[],
                ),
                sec("hpa", "The HorizontalPodAutoscaler", "Scales.", "", &[]),
            ],
        ),
        doc(
            "ready.html",
            "Running but not Ready",
            vec![sec(
                "",
                "",
                "readiness readiness readiness probe",
                "",
                &["readinessProbe"],
            )],
        ),
    ];
    let files = build_index(&docs, &SearchOptions::default());
    // Per word, not per stem: "ready" heads section 3, "readiness" section 1.
    assert_eq!(named(&files, "readiness"), [1]);
    assert_eq!(named(&files, "ready"), [3]);
    // The page title heads the page's first section.
    assert_eq!(named(&files, "probes"), [0]);
    // The parts of a camelCase heading word head it too.
    assert_eq!(named(&files, "horizontal"), [2]);
    assert_eq!(named(&files, "autoscaler"), [2]);
    assert_eq!(named(&files, "kubelet"), Vec::<u64>::new());
}

#[test]
fn a_page_without_sections_is_one_top_section() {
    let docs = vec![doc("a.html", "Alpha page", vec![])];
    let files = build_index(&docs, &SearchOptions::default());
    assert_eq!(search(&files, "alpha"), ["a.html#"]);
}

#[test]
fn heading_hits_rank_above_body_and_body_above_code() {
    let files = build_index(&corpus(), &SearchOptions::default());
    let hits = search(&files, "nodeport");
    assert_eq!(hits[0], "networking/services.html#nodeport", "{hits:?}");
    let body = hits
        .iter()
        .position(|h| h == "workloads/deployments.html#")
        .unwrap();
    let code = hits
        .iter()
        .position(|h| h == "workloads/deployments.html#code-only")
        .unwrap();
    assert!(body < code, "{hits:?}");
}

#[test]
fn title_hits_rank_first() {
    let files = build_index(&corpus(), &SearchOptions::default());
    assert_eq!(
        search(&files, "deployments")[0],
        "workloads/deployments.html#"
    );
}

#[test]
fn manifest_terms_and_error_states_are_findable() {
    let files = build_index(&corpus(), &SearchOptions::default());
    assert_eq!(
        search(&files, "targetPort")[0],
        "networking/services.html#nodeport"
    );
    assert_eq!(
        search(&files, "ImagePullBackOff")[0],
        "workloads/deployments.html#troubleshooting"
    );
    assert_eq!(
        search(&files, "crashloopbackoff")[0],
        "workloads/deployments.html#troubleshooting"
    );
    assert_eq!(
        search(&files, "etcdctl")[0],
        "workloads/deployments.html#code-only"
    );
    // camelCase parts of manifest keys are words too
    assert!(search(&files, "target").contains(&"networking/services.html#nodeport".to_string()));
}

#[test]
fn stemming_groups_word_forms_and_drops_stop_words() {
    let files = build_index(&corpus(), &SearchOptions::default());
    let shard = parse(file(&files, "search/t/6465.js").unwrap()).2; // "de"
    let ws: Vec<&str> = shard["w"].as_str().unwrap().split(' ').collect();
    let gi = |w: &str| shard["g"][ws.iter().position(|x| *x == w).unwrap()].clone();
    assert_eq!(gi("deployment"), gi("deployments"));
    assert!(file(&files, "search/t/7468.js").is_some()); // "th": "there"? no: "through"
    let th = parse(file(&files, "search/t/7468.js").unwrap()).2;
    assert!(!th["w"].as_str().unwrap().split(' ').any(|w| w == "the"));
}

#[test]
fn unknown_language_indexes_words_unstemmed() {
    let opts = SearchOptions {
        language: "xx".into(),
        ..SearchOptions::default()
    };
    let files = build_index(&corpus(), &opts);
    let shard = parse(file(&files, "search/t/6465.js").unwrap()).2;
    assert!(
        shard["s"]
            .as_str()
            .unwrap()
            .split(' ')
            .any(|s| s == "deployments")
    );
}

#[test]
fn excluded_pages_are_simply_absent() {
    let mut docs = corpus();
    docs.remove(1);
    let files = build_index(&docs, &SearchOptions::default());
    assert!(search(&files, "imagepullbackoff").is_empty());
    let (_, _, chunk) = parse(file(&files, "search/p/0.js").unwrap());
    assert_eq!(chunk.as_array().unwrap().len(), 1);
}

#[test]
fn hostile_input_never_panics_and_stays_data() {
    let evil =
        "<script>alert(1)</script> <img src=x onerror=alert(1)> </script> \u{2028} \"quote\" é x"
            .repeat(3);
    let long = "a".repeat(100_000);
    let docs = vec![
        doc(
            &evil,
            &evil,
            vec![sec(&evil, &evil, &evil, &long, &[&evil, "", "ÉtatFoo"])],
        ),
        doc("", "", vec![sec("", "", "", "", &[])]),
    ];
    let opts = SearchOptions {
        boost_title: f32::NAN,
        boost_code: -3.0,
        ..SearchOptions::default()
    };
    let files = build_index(&docs, &opts);
    for (_, bytes) in &files {
        let s = std::str::from_utf8(bytes).unwrap();
        assert!(!s.contains("</script"), "{s}");
        assert!(!s.contains('\u{2028}'));
        parse(bytes);
    }
    assert_eq!(search(&files, "onerror"), [format!("{evil}#{evil}")]);
}

#[test]
fn varints_round_trip() {
    let values = [0u32, 1, 31, 32, 1023, 1024, 32_767, 32_768, u32::MAX];
    let mut s = String::new();
    for v in values {
        encode_varint(v, &mut s);
    }
    assert_eq!(decode_varints(&s).unwrap(), values);
    assert_eq!(decode_varints("_"), None);
    assert_eq!(decode_varints("!"), None);
}

#[test]
fn big_shards_are_split_by_longer_prefixes() {
    // Many distinct "co…" words in many sections make the "co" shard big.
    let docs: Vec<SearchDocument> = (0..400)
        .map(|i| {
            let prose: String = (0..300)
                .map(|j| format!("co{}x{} ", (i * 7 + j) % 97, j % 13))
                .collect();
            doc(
                &format!("p{i}.html"),
                "Page",
                vec![sec(
                    "",
                    "Page",
                    &format!("{prose} cobalt container co"),
                    "",
                    &[],
                )],
            )
        })
        .collect();
    let files = build_index(&docs, &SearchOptions::default());
    let (_, _, meta) = parse(file(&files, "search/meta.js").unwrap());
    let keys: Vec<String> = serde_json::from_value(meta["shards"].clone()).unwrap();
    assert!(keys.iter().any(|k| k.chars().count() > 2), "{keys:?}");
    assert!(meta["k"].as_u64().unwrap() > 2);
    for (p, b) in &files {
        if p.starts_with("search/t") {
            assert!(b.len() < 3 * SHARD_SPLIT_BYTES, "{p:?} {}", b.len());
        }
    }
    assert_eq!(search(&files, "container").len(), 400);
    assert_eq!(search(&files, "cobalt").len(), 400);
    assert_eq!(search(&files, "co").len(), 400);
}

#[test]
fn camel_case_parts() {
    assert_eq!(camel_parts("targetPort"), ["target", "port"]);
    assert_eq!(camel_parts("StatefulSet"), ["stateful", "set"]);
    assert!(camel_parts("apps/v1").len() == 2);
    assert!(camel_parts("spec").is_empty());
}

#[test]
fn other_languages_are_stemmed_too() {
    let opts = SearchOptions {
        language: "de".into(),
        ..SearchOptions::default()
    };
    let sec = SearchSection {
        anchor: "dienste".into(),
        heading: "Dienste".into(),
        prose: "Ein Dienst verteilt Anfragen. Mehrere Dienste teilen sich die Arbeit.".into(),
        ..Default::default()
    };
    let docs = vec![SearchDocument {
        url: "a.html".into(),
        page_title: "Netz".into(),
        sections: vec![sec].into(),
    }];
    let files = build_index(&docs, &opts);
    let shard = parse(file(&files, "search/t/6469.js").unwrap()).2;
    let ws: Vec<&str> = shard["w"].as_str().unwrap().split(' ').collect();
    let gi = |w: &str| shard["g"][ws.iter().position(|x| *x == w).unwrap()].clone();
    // German stemming puts "dienst" and "dienste" in one group.
    assert_eq!(gi("dienst"), gi("dienste"));
}

#[test]
fn index_scripts_can_be_inlined_in_a_page() {
    let data = ["</script><!-- a\u{2028}b\u{2029}c ’ <b> </", "plain"];
    let text = String::from_utf8(script("p", "k</", &data)).unwrap();
    assert_eq!(
        text,
        "__kourseSearch(\"p\",\"k</\",[\"<\\/script><!-- a\\u2028b\\u2029c ’ <b> <\\/\",\"plain\"]);\n"
    );
}

#[test]
fn words_are_split_the_same_way_in_ascii_and_unicode_text() {
    for text in [
        "",
        "a",
        "Pod-to-pod, via kube-proxy: 10.0.0.1:80!",
        "  targetPort\tAPI_version\n",
        "naïve café über-fast Pods",
        "it’s\u{a0}a “quote”\u{3000}ünï2 ½",
        "Ωmega ab’cd é é2é 日本語テキスト x—y ñ",
        "ÉCOLE Über-Fast ß",
    ] {
        let mut got = Vec::new();
        for_each_word(text, |w, lowercase| {
            assert_eq!(
                lowercase,
                w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "{w:?}"
            );
            got.push(w.to_lowercase());
        });
        assert_eq!(got, words(text).collect::<Vec<_>>(), "{text:?}");
    }
}

#[test]
fn the_space_characters_outside_ascii_are_all_known() {
    for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        assert_eq!(unicode_space_at(bytes, 0), c.is_whitespace(), "{c:?}");
    }
}

/// What [`truncate_chars`] must give, said plainly: whitespace runs made
/// single spaces, ends trimmed, cut at `max` characters with `…`.
fn truncation_reference(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Texts of up to 31 pieces: mostly words and single spaces (the fast
/// paths), with now and then a double space, a newline, a tab, a control
/// character, a non-ASCII letter or space.
fn generated_texts() -> Vec<String> {
    let pieces = [
        "kube", "a", "Pod", "proxy", " ", " ", " ", "  ", "\n", "\t", "\u{1}", "é", "“", "\u{a0}",
        "\u{2009}",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    (0..3000)
        .map(|_| {
            let mut text = String::new();
            let n = (seed >> 59) as usize;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let k = (seed % 1000) as usize;
                text.push_str(pieces[if k < 700 { k % 5 } else { k % pieces.len() }]);
            }
            text
        })
        .collect()
}

#[test]
fn single_spaced_words_agrees_with_splitting_on_generated_texts() {
    // Words (some of them non-ASCII, some eight bytes or longer) joined
    // mostly by single spaces, now and then by other whitespace, with now
    // and then whitespace at an end.
    let words = [
        "kube",
        "a",
        "Pod",
        "containers",
        "é",
        "“quoted”",
        "x1234567",
        "½",
    ];
    let gaps = [
        " ", " ", " ", " ", " ", " ", " ", " ", "  ", "\n", "\t", "\u{a0}", "\u{2009}",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut single_spaced = 0;
    for _ in 0..3000 {
        let mut text = String::new();
        if next(10) == 0 {
            text.push_str(gaps[next(gaps.len())]);
        }
        for i in 0..next(12) {
            if i > 0 {
                text.push_str(if next(4) == 0 {
                    gaps[next(gaps.len())]
                } else {
                    " "
                });
            }
            text.push_str(words[next(words.len())]);
        }
        if next(10) == 0 {
            text.push_str(gaps[next(gaps.len())]);
        }
        let split: Vec<&str> = text.split_whitespace().collect();
        let expected = (!split.is_empty() && split.join(" ") == text).then_some(split.len());
        assert_eq!(single_spaced_words(&text), expected, "{text:?}");
        single_spaced += usize::from(expected.is_some());
    }
    // Both answers are common among the texts.
    assert!((600..2400).contains(&single_spaced), "{single_spaced}");
    // A control character is left to the caller's split.
    assert_eq!(single_spaced_words("a\u{1}b"), None);
    // ASCII texts take a path of their own; long ones cross its runs.
    let long = vec!["word"; 300].join(" ");
    for (text, words) in [
        ("a b c", Some(3)),
        ("a  b", None),
        ("a\tb", None),
        (" a", None),
        ("a ", None),
        ("", None),
        (long.as_str(), Some(300)),
        (&format!("{long}  x"), None),
        (&format!("{long}\n"), None),
    ] {
        assert_eq!(single_spaced_words(text), words, "{text:?}");
    }
}

#[test]
fn truncation_agrees_with_the_reference_on_generated_texts() {
    for text in generated_texts() {
        for max in [0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 40, 200] {
            assert_eq!(
                truncate_chars(&text, max),
                truncation_reference(&text, max),
                "{text:?} {max}"
            );
        }
    }
}

#[test]
fn truncation_collapses_whitespace_and_cuts_at_a_character_count() {
    for text in [
        "",
        "  a  ",
        "one two\tthree\n four",
        "héllo wörld ünïcode",
        "ab cd",
        "a\u{b}b c",
        "a\u{c}b\rc  \n",
        "it’s\u{a0}a “quote”\u{3000}and\u{2028} more ",
        "single spaced “text” ünï",
        "single spaced ",
        " leading",
        "two  spaces",
        "cut here   ",
        "é",
    ] {
        for max in 0..30 {
            assert_eq!(
                truncate_chars(text, max),
                truncation_reference(text, max),
                "{text:?} {max}"
            );
        }
    }
}

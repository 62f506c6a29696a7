//! The bundled course: it builds with warnings denied, every chapter the
//! course promises exists with objectives, a summary, an exercise and a
//! quiz, and its examples are checked.

use std::path::{Path, PathBuf};

use scraper::{Html, Selector};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The chapters the course's plan requires, by folder under content/.
const CHAPTERS: &[&str] = &[
    "00-why-containers",
    "01-docker-to-kubernetes",
    "02-architecture",
    "03-workloads",
    "04-services-networking",
    "05-storage",
    "06-configuration-secrets",
    "07-health-resources-scaling",
    "08-security",
    "09-observability",
    "10-packaging-delivery",
    "11-deployment-scenarios",
    "12-troubleshooting",
    "13-when-not-to-use",
    "075-scheduling",
    "076-pod-lifecycle",
    "085-extending-the-api",
    "115-running-the-cluster",
];

fn build_into(dest: &Path) -> kourse::site::BuildReport {
    let opts = kourse::site::BuildOptions {
        root: repo(),
        dest: Some(dest.to_path_buf()),
        deny_warnings: true,
        ..Default::default()
    };
    match kourse::site::build(&opts) {
        Ok(r) => r,
        Err(diags) => {
            let text: Vec<String> = diags
                .iter()
                .map(|d| kourse::diagnostic::render_human(d, false))
                .collect();
            panic!(
                "the bundled course must build cleanly:\n{}",
                text.join("\n")
            );
        }
    }
}

fn select(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

#[test]
fn bundled_course_builds_with_warnings_denied_and_every_chapter_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let report = build_into(&site);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(report.pages >= 60, "{} pages", report.pages);
    for chapter in CHAPTERS {
        let folder = repo().join("content").join(chapter);
        let slug = kourse::content::slug_of(chapter);
        let index = Html::parse_document(
            &std::fs::read_to_string(site.join(&slug).join("index.html")).unwrap(),
        );
        assert!(
            !select(&index, ".objectives li").is_empty(),
            "{chapter}: no objectives"
        );
        // The chapter's pages, as published (pictures beside them are skipped).
        let pages: Vec<Html> = std::fs::read_dir(site.join(&slug))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "html"))
            .map(|p| Html::parse_document(&std::fs::read_to_string(p).unwrap()))
            .collect();
        let any = |css: &str, want: &dyn Fn(&str) -> bool| {
            pages.iter().any(|p| select(p, css).iter().any(|t| want(t)))
        };
        assert!(
            any("article h2", &|t| t.starts_with("Summary")),
            "{chapter}: no Summary section"
        );
        assert!(
            any("section.exercise .exercise-title", &|_| true),
            "{chapter}: no exercise"
        );
        assert!(
            any("details.solution summary", &|_| true),
            "{chapter}: no solution"
        );
        assert!(
            any("form.quiz-question legend", &|_| true),
            "{chapter}: no quiz"
        );
        // Every chapter ends the running example in a known state, with a
        // "Checkpoint" section holding the commands that reach it from a
        // fresh lab.
        assert!(
            any("article h2, article h3", &|t| t.contains("Checkpoint")),
            "{chapter}: no Checkpoint section"
        );
        assert!(folder.join("_index.md").is_file());
    }
    // The glossary chapter lists the course's terms.
    let glossary =
        Html::parse_document(&std::fs::read_to_string(site.join("glossary/index.html")).unwrap());
    assert!(
        select(&glossary, "article dt").len() >= 40,
        "glossary too small"
    );
}

#[test]
fn bundled_examples_are_many_checked_and_some_wrong_on_purpose() {
    let yaml: Vec<PathBuf> = walkdir::WalkDir::new(repo().join("examples"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    assert!(yaml.len() >= 35, "{} example files", yaml.len());
    let mut expect_errors = 0;
    for entry in walkdir::WalkDir::new(repo().join("content"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|x| x == "md") {
            expect_errors += std::fs::read_to_string(entry.path())
                .unwrap()
                .matches("expect-error=")
                .count();
        }
    }
    assert!(
        expect_errors >= 6,
        "{expect_errors} deliberately broken examples"
    );
    // `kourse check` on the whole course, warnings denied: exit code 0.
    let args = kourse::check::CheckArgs {
        paths: Vec::new(),
        format: kourse::diagnostic::Format::Json,
        deny: Vec::new(),
        deny_warnings: true,
        root: repo(),
        ..Default::default()
    };
    assert_eq!(kourse::check::run_cli(&args), 0);
}

/// The ladder chapter draws every rung: each of the ten rungs has a picture
/// beside its page, with alt text and a list that says the same in words,
/// and every picture is drawn for the site's dark mode (which inverts SVG
/// images) rather than with a colour-scheme query of its own.
#[test]
fn every_ladder_rung_has_a_diagram_with_alt_text_and_words() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build_into(&site);
    let chapter = site.join(kourse::content::slug_of("11-deployment-scenarios"));
    let img = Selector::parse("article img").unwrap();
    let mut drawn = Vec::new();
    for page in [
        "rungs-1-2",
        "rungs-3-4",
        "rungs-5-6",
        "rungs-7-8",
        "rungs-9-10",
    ] {
        let html = std::fs::read_to_string(chapter.join(format!("{page}.html"))).unwrap();
        let doc = Html::parse_document(&html);
        for e in doc.select(&img) {
            let src = e.value().attr("src").unwrap_or_default();
            let Some(n) = src
                .strip_prefix("img/rung-")
                .and_then(|s| s.strip_suffix(".svg"))
            else {
                continue;
            };
            let alt = e.value().attr("alt").unwrap_or_default();
            assert!(
                alt.starts_with(&format!("Rung {n}")),
                "{page}: rung {n} alt {alt:?}"
            );
            let svg = std::fs::read_to_string(chapter.join(src)).unwrap();
            assert!(svg.contains("<title id=\"t\">") && svg.contains("<desc id=\"d\">"));
            assert!(
                !svg.contains("prefers-color-scheme"),
                "{src}: the site's dark mode inverts SVG images already"
            );
            drawn.push(n.parse::<u32>().unwrap());
        }
        assert!(
            html.matches("What the picture shows, in words").count() >= 2,
            "{page}: a text equivalent per picture"
        );
    }
    drawn.sort_unstable();
    assert_eq!(drawn, (1..=10).collect::<Vec<_>>());
}

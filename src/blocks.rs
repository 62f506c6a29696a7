//! The course's block extensions: manifests (inline and included from
//! `examples/`), and the directives pages use. Implements
//! [`BlockHandler`] for the build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::check::{CheckOptions, Checker};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::manifests::{Figure, ManifestChecks};

use crate::markdown::links::root_of;
use crate::markdown::{BlockHandler, BlockOutput, BlockPlace};

mod example_args;

pub use example_args::{ExampleArgs, excerpt, parse_example_args};

pub const EXAMPLES_DIR: &str = "examples";

pub struct CourseBlocks {
    root: PathBuf,
    root_canonical: PathBuf,
    /// Example files to publish beside the pages: output path → bytes.
    published: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Where each example file is shown: file → (page URL, page title).
    usages: Mutex<BTreeMap<String, Vec<(String, String)>>>,
    /// Shared with [`CourseBlocks::fork`]s: one check per set and build.
    checks: Arc<ManifestChecks>,
    /// Quizzes, the glossary and the other learner features.
    learn: crate::learn::Learn,
}

/// Words a reader may search for in a manifest: kinds, apiVersions and
/// every mapping key (`targetPort`, `volumeClaimTemplates`).
pub fn manifest_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    // A manifest repeats its keys (`name:` on every container and port):
    // a set, not a scan of the terms so far for every line.
    let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    // Byte tests and prefix strips, not string searches: this runs over
    // every line of every manifest.
    for line in text.lines() {
        let mut t = line.trim_start();
        while let Some(rest) = t.strip_prefix("- ") {
            t = rest;
        }
        let t = t.trim_start();
        if t.starts_with('#') {
            continue;
        }
        let Some(colon) = memchr::memchr(b':', t.as_bytes()) else {
            continue;
        };
        let (key, value) = (&t[..colon], &t[colon + 1..]);
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/'))
        {
            continue;
        }
        if seen.insert(key) {
            terms.push(key.to_owned());
        }
        if key == "kind" || key == "apiVersion" {
            let v = value.trim().trim_matches(['"', '\'']);
            if !v.is_empty() && seen.insert(v) {
                terms.push(v.to_owned());
            }
        }
    }
    terms
}

/// The top-level `kind:` values of a manifest, in order.
pub fn kinds_of(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("kind:"))
        .map(|k| k.trim().trim_matches(['"', '\'']).to_owned())
        .filter(|k| !k.is_empty())
        .collect()
}

impl CourseBlocks {
    pub fn new(root: &Path, config: &Config) -> Result<CourseBlocks, Vec<Diagnostic>> {
        let checker = Checker::new(&CheckOptions::from_config(&config.kubernetes, root))?;
        Ok(CourseBlocks {
            root: root.to_path_buf(),
            root_canonical: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            published: Mutex::new(BTreeMap::new()),
            usages: Mutex::new(BTreeMap::new()),
            checks: Arc::new(ManifestChecks::new(checker, root)),
            learn: crate::learn::Learn::load(root),
        })
    }

    /// Lets the learner features see the whole course (the glossary page).
    pub fn attach_course(&mut self, course: &crate::content::Course) {
        self.learn.attach(course);
    }

    /// A handler sharing this one's checker, check results and glossary,
    /// with nothing published, used or shown yet: `serve` renders each page
    /// with its own fork to learn what that page contributes.
    pub fn fork(&self) -> CourseBlocks {
        CourseBlocks {
            root: self.root.clone(),
            root_canonical: self.root_canonical.clone(),
            published: Mutex::default(),
            usages: Mutex::default(),
            checks: self.checks.clone(),
            learn: self.learn.fork(),
        }
    }

    pub fn learn(&self) -> &crate::learn::Learn {
        &self.learn
    }

    /// Example files referenced by pages, to copy into the site.
    /// "1.29–1.37": the Kubernetes versions manifests are checked against.
    pub fn version_range(&self) -> String {
        self.checks.version_range()
    }

    /// The pages that show each example file, in a stable order.
    pub fn usages(&self) -> BTreeMap<String, Vec<(String, String)>> {
        let mut u = self
            .usages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for list in u.values_mut() {
            list.sort();
            list.dedup();
        }
        u
    }

    pub fn published_files(&self) -> Vec<(String, Vec<u8>)> {
        self.published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Resolves an example path inside examples/, refusing anything that
    /// escapes the course root (`..`, absolute paths, symlinks).
    fn resolve_example(&self, rel: &str) -> Result<(PathBuf, String), String> {
        if rel.starts_with('/') || Path::new(rel).is_absolute() {
            return Err(format!(
                "`{rel}` is an absolute path; example paths are relative to {EXAMPLES_DIR}/"
            ));
        }
        // `..` is resolved by the path's text first, so a path that climbs
        // out of the course is refused even when its target does not exist.
        if crate::markdown::links::resolve(EXAMPLES_DIR, rel).is_none() {
            return Err(format!(
                "`{rel}` resolves outside the course folder; includes must stay inside it"
            ));
        }
        let joined = self.root.join(EXAMPLES_DIR).join(rel);
        let canonical = joined
            .canonicalize()
            .map_err(|_| format!("no file {EXAMPLES_DIR}/{rel}"))?;
        // Only what examples/ really holds is published: never content/,
        // book.toml, templates/ or .git/ by way of `..` or a link.
        let Some(inside) =
            crate::paths::inside(&self.root_canonical.join(EXAMPLES_DIR), &canonical)
        else {
            return Err(format!(
                "`{rel}` resolves outside {EXAMPLES_DIR}/; examples must be files inside it (not through links that leave it)"
            ));
        };
        if crate::paths::is_hidden(&inside) {
            return Err(format!(
                "`{rel}` is a hidden file (a name starting with `.`); hidden files are never published"
            ));
        }
        if !canonical.is_file() {
            return Err(format!("{EXAMPLES_DIR}/{rel} is not a file"));
        }
        Ok((canonical, format!("{EXAMPLES_DIR}/{inside}")))
    }

    /// Checks a file a page links to by a path relative to its own folder
    /// (`img/x.png`) and publishes it at the same place beside the page's
    /// output. It must lie at or below the page's folder in content/ (a
    /// path with `..` would land elsewhere once folders lose their `NN-`
    /// prefixes), be a regular file and not hidden.
    fn publish_beside(&self, page: &crate::content::Page, path: &str) -> Result<(), String> {
        let rel = crate::paths::output_relative(path).map_err(|why| {
            format!("{why}; a file a page links to must lie beside it or below (or use a site path such as /img/x.png for static/)")
        })?;
        if crate::paths::is_hidden(&rel) {
            return Err(format!(
                "`{path}` is a hidden file (a name starting with `.`); hidden files are never published"
            ));
        }
        let source_dir = crate::markdown::links::dir_of(&page.source);
        let content = self.root_canonical.join(crate::content::CONTENT_DIR);
        let shown = if source_dir.is_empty() {
            format!("content/{rel}")
        } else {
            format!("content/{source_dir}/{rel}")
        };
        let missing = || format!("`{path}` is not a file beside this page (looked for {shown})");
        let found = content
            .join(source_dir)
            .join(&rel)
            .canonicalize()
            .map_err(|_| missing())?;
        if crate::paths::inside(&content, &found).is_none() {
            return Err(format!(
                "`{path}` leads outside content/ through a symbolic link"
            ));
        }
        let meta = std::fs::metadata(&found).map_err(|_| missing())?;
        if !meta.is_file() {
            return Err(missing());
        }
        if meta.len() > crate::source::MAX_FILE_BYTES {
            return Err(format!(
                "`{path}` is {} bytes; a file published from content/ may be at most {}",
                meta.len(),
                crate::source::MAX_FILE_BYTES
            ));
        }
        let bytes = std::fs::read(&found).map_err(|e| format!("cannot read {shown}: {e}"))?;
        let page_dir = crate::paths::file_of_url(crate::markdown::links::dir_of(&page.url));
        let out = if page_dir.is_empty() {
            rel
        } else {
            format!("{page_dir}/{rel}")
        };
        self.published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(out, bytes);
        Ok(())
    }

    fn example(&self, place: BlockPlace<'_>, args: &str) -> BlockOutput {
        let page = place.page;
        let err = |msg: String| BlockOutput {
            diagnostics: vec![
                Diagnostic::error("example", &page.file, msg).at(&page.text, place.line, place.col),
            ],
            ..Default::default()
        };
        let args = match parse_example_args(args) {
            Ok(a) => a,
            Err(m) => return err(m),
        };
        let (path, shown) = match self.resolve_example(&args.path) {
            Ok(p) => p,
            Err(m) => return err(m),
        };
        let text = match crate::source::read_text(&path, Path::new(&shown)) {
            Ok(t) => t,
            Err(d) => {
                return BlockOutput {
                    diagnostics: vec![d],
                    ..Default::default()
                };
            }
        };
        let (visible, line_numbers) = match excerpt(&text, &args) {
            Ok(v) => v,
            Err(m) => return err(format!("{}: {m}", args.path)),
        };
        self.published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(shown.clone(), text.as_bytes().to_vec());
        self.usages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(shown.clone())
            .or_default()
            .push((page.url.clone(), page.front.title.clone()));
        let title = args.title.clone().unwrap_or_else(|| args.path.clone());
        let download = format!("{}{}", root_of(&page.url), crate::paths::url_path(&shown));
        let kinds = kinds_of(&text);
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        let not_manifest = !is_yaml
            || crate::check::files::is_tool_config(&path)
            || crate::check::files::is_helm_template(&path)
            || self.checks.excluded(&shown);
        if not_manifest {
            let html = crate::markdown::code_figure(
                place.highlighter,
                if is_yaml { "yaml" } else { "" },
                &visible,
                Some(&title),
                "",
            );
            return BlockOutput {
                html,
                search_code: visible,
                ..Default::default()
            };
        }
        let at = format!("{}:{}", page.file.display(), place.line);
        let verdict =
            self.checks
                .example_file(&path, &shown, &text, &at, args.expect_error.as_deref());
        let expect = args
            .expect_error
            .clone()
            .or_else(|| crate::check::expect::expected_rule(&text).map(|(r, _)| r));
        // One parse for the field docs and the diagram.
        let parsed = crate::check::yaml::parse(crate::check::yaml::strip_bom(&text));
        let docs = self.checks.field_docs_in(&parsed);
        let html = crate::manifests::figure(
            place.highlighter,
            &Figure {
                title: &title,
                kinds: &kinds,
                download: Some(&download),
                visible: &visible,
                line_numbers: &line_numbers,
                full: &text,
                versions: &self.checks.version_range(),
                verdict: &verdict,
                expect: expect.as_deref(),
                docs: &docs,
            },
        );
        let graph = crate::diagram::graph_of(&parsed);
        let html = if crate::diagram::worth_drawing(&graph) {
            html + &crate::diagram::render(&graph, &format!("How the objects in {title} connect"))
        } else {
            html
        };
        BlockOutput {
            html,
            diagnostics: verdict.diagnostics,
            search_code: visible,
            search_terms: manifest_terms(&text),
        }
    }

    fn inline_manifest(&self, place: BlockPlace<'_>, info: &str, text: &str) -> BlockOutput {
        let (_, attrs) = crate::check::markdown::parse_fence_info(info);
        let title = attrs.title.clone().unwrap_or_default();
        if attrs.not_manifest {
            let html = crate::markdown::code_figure(
                place.highlighter,
                "yaml",
                text,
                (!title.is_empty()).then_some(title.as_str()),
                "",
            );
            return BlockOutput {
                html,
                search_code: text.to_owned(),
                ..Default::default()
            };
        }
        let page = place.page;
        let (verdict, parsed) = self.checks.inline_block(
            &page.file,
            &page.text,
            place.line,
            place.col,
            text,
            attrs.expect_error.as_deref(),
        );
        let line_numbers: Vec<usize> = (1..=text.lines().count()).collect();
        let docs = self.checks.field_docs_in(&parsed);
        let kinds = kinds_of(text);
        let html = crate::manifests::figure(
            place.highlighter,
            &Figure {
                title: &title,
                kinds: &kinds,
                download: None,
                visible: text,
                line_numbers: &line_numbers,
                full: text,
                versions: &self.checks.version_range(),
                verdict: &verdict,
                expect: attrs.expect_error.as_deref(),
                docs: &docs,
            },
        );
        let graph = crate::diagram::graph_of(&parsed);
        let html = if crate::diagram::worth_drawing(&graph) {
            html + &crate::diagram::render(&graph, "How the objects in this manifest connect")
        } else {
            html
        };
        BlockOutput {
            html,
            diagnostics: verdict.diagnostics,
            search_code: text.to_owned(),
            search_terms: manifest_terms(text),
        }
    }
}

impl BlockHandler for CourseBlocks {
    fn begin_page(
        &self,
        page: &crate::content::Page,
        events: &[(pulldown_cmark::Event<'_>, std::ops::Range<usize>)],
    ) {
        self.checks
            .begin_page(&page.file, &page.text, page.body_offset, events);
    }

    fn code_block(
        &self,
        place: BlockPlace<'_>,
        lang: &str,
        info: &str,
        text: &str,
    ) -> Option<BlockOutput> {
        match lang {
            "yaml" | "yml" => Some(self.inline_manifest(place, info, text)),
            "quiz" => Some(self.learn.quiz_block(place, text)),
            _ => None,
        }
    }

    fn highlighted_as<'l>(&self, lang: &'l str) -> Option<&'l str> {
        // As `code_block`: manifests are highlighted as YAML (whichever
        // name the fence uses), quizzes are not code.
        match lang {
            "yaml" | "yml" => Some("yaml"),
            "quiz" => None,
            other => Some(other),
        }
    }

    fn prose(
        &self,
        page: &crate::content::Page,
        text: &str,
        seen: &mut std::collections::HashSet<usize>,
    ) -> Option<String> {
        self.learn.prose(page, text, seen)
    }

    fn link(
        &self,
        place: BlockPlace<'_>,
        dest: &str,
    ) -> Option<Result<(String, Option<String>), Diagnostic>> {
        self.learn.link(place, dest)
    }

    fn page_asset(&self, page: &crate::content::Page, path: &str) -> Option<Result<(), String>> {
        Some(self.publish_beside(page, path))
    }

    fn directive(&self, place: BlockPlace<'_>, name: &str, args: &str) -> Option<BlockOutput> {
        match name {
            "example" => Some(self.example(place, args)),
            "include" => Some(crate::include::render(&self.root_canonical, place, args)),
            crate::learn::GLOSSARY_DIRECTIVE => Some(self.learn.glossary_directive(place, args)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_terms_are_each_key_once_in_order_with_kinds_and_api_versions() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n# kind: Comment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          ports:\n            - name: http\n              containerPort: 80\n---\napiVersion: v1\nkind: \"Service\"\nmetadata:\n  name: web\n  bad key: x\n";
        assert_eq!(
            manifest_terms(text),
            [
                "apiVersion",
                "apps/v1",
                "kind",
                "Deployment",
                "metadata",
                "name",
                "spec",
                "template",
                "containers",
                "ports",
                "containerPort",
                "v1",
                "Service",
            ]
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(
            kinds_of("apiVersion: v1\nkind: Service\n---\nkind: Deployment\n  kind: nested\n"),
            ["Service", "Deployment"]
        );
    }
}

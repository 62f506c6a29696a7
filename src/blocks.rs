//! The course's block extensions: manifests (inline and included from
//! `examples/`), and the directives pages use. Implements
//! [`BlockHandler`] for the build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::highlight::{HighlightCache, escape_html};
use crate::markdown::links::root_of;
use crate::markdown::{BlockHandler, BlockOutput, BlockPlace};

pub const EXAMPLES_DIR: &str = "examples";

pub struct CourseBlocks {
    root: PathBuf,
    root_canonical: PathBuf,
    /// Example files to publish beside the pages: output path → bytes.
    published: Mutex<BTreeMap<String, Vec<u8>>>,
    _config: Config,
    /// Quizzes, the glossary and the other learner features.
    learn: crate::learn::Learn,
}

/// The parsed arguments of `{{#example path key=value…}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExampleArgs {
    pub path: String,
    pub lines: Option<(usize, usize)>,
    pub region: Option<String>,
    pub doc: Option<usize>,
    pub expect_error: Option<String>,
    pub title: Option<String>,
}

/// Parses directive arguments; errors name the offending argument.
pub fn parse_example_args(args: &str) -> Result<ExampleArgs, String> {
    let mut words = split_args(args)?.into_iter();
    let path = words
        .next()
        .ok_or("`{{#example}}` needs a file path, e.g. `{{#example workloads/pod.yaml}}`")?;
    if path.contains('=') {
        return Err(format!(
            "the first argument must be a file path, not `{path}`"
        ));
    }
    let mut out = ExampleArgs {
        path,
        ..Default::default()
    };
    for w in words {
        let (k, v) = w
            .split_once('=')
            .ok_or_else(|| format!("`{w}` is not of the form key=value"))?;
        match k {
            "lines" => {
                let (a, b) = v.split_once('-').unwrap_or((v, v));
                let a: usize = a
                    .parse()
                    .map_err(|_| format!("lines=`{v}` must be a range such as 5-20"))?;
                let b: usize = b
                    .parse()
                    .map_err(|_| format!("lines=`{v}` must be a range such as 5-20"))?;
                if a == 0 || b < a {
                    return Err(format!("lines=`{v}` must be a range such as 5-20"));
                }
                out.lines = Some((a, b));
            }
            "region" => out.region = Some(v.to_owned()),
            "doc" => {
                out.doc = Some(
                    v.parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("doc=`{v}` must be a document number from 1"))?,
                )
            }
            "expect-error" => out.expect_error = Some(v.to_owned()),
            "title" => out.title = Some(v.to_owned()),
            other => {
                let hint = crate::config::closest(
                    other,
                    ["lines", "region", "doc", "expect-error", "title"],
                );
                return Err(match hint {
                    Some(h) => format!("unknown option `{other}` (did you mean `{h}`?)"),
                    None => format!("unknown option `{other}`"),
                });
            }
        }
    }
    Ok(out)
}

/// Splits on whitespace, keeping `"quoted values"` together.
fn split_args(args: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in args.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unclosed quote".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// The part of a file an example shows. `Err` explains what was not found.
pub fn excerpt(text: &str, args: &ExampleArgs) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let selected: Vec<&str> = if let Some((a, b)) = args.lines {
        if a > lines.len() {
            return Err(format!(
                "lines={a}-{b}: the file has only {} lines",
                lines.len()
            ));
        }
        lines[a - 1..b.min(lines.len())].to_vec()
    } else if let Some(region) = &args.region {
        let start = lines
            .iter()
            .position(|l| region_marker(l, "region:").is_some_and(|n| n == region))
            .ok_or_else(|| format!("no `# region: {region}` marker in the file"))?;
        let end = lines[start + 1..]
            .iter()
            .position(|l| region_marker(l, "endregion").is_some())
            .map(|i| start + 1 + i)
            .ok_or_else(|| format!("region `{region}` has no `# endregion`"))?;
        lines[start + 1..end].to_vec()
    } else if let Some(n) = args.doc {
        let docs = split_documents(text);
        let doc = docs
            .get(n - 1)
            .ok_or_else(|| format!("doc={n}: the file has only {} documents", docs.len()))?;
        return Ok(doc.clone());
    } else {
        lines
    };
    let shown: Vec<&str> = selected
        .into_iter()
        .filter(|l| {
            region_marker(l, "region:").is_none() && region_marker(l, "endregion").is_none()
        })
        .collect();
    let mut out = shown.join("\n");
    out.push('\n');
    Ok(out)
}

fn region_marker<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let rest = line
        .trim()
        .strip_prefix('#')?
        .trim_start()
        .strip_prefix(word)?;
    Some(rest.trim())
}

/// YAML documents of a file, split at `---` lines (leading comments stay
/// with the document they precede).
pub fn split_documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push(String::new());
            continue;
        }
        let cur = docs.last_mut().expect("non-empty");
        cur.push_str(line);
        cur.push('\n');
    }
    docs.into_iter()
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

/// Words a reader may search for in a manifest: kinds, apiVersions and
/// every mapping key (`targetPort`, `volumeClaimTemplates`).
pub fn manifest_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for line in text.lines() {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        if t.starts_with('#') {
            continue;
        }
        let Some((key, value)) = t.split_once(':') else {
            continue;
        };
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
        {
            continue;
        }
        if !terms.iter().any(|k| k == key) {
            terms.push(key.to_owned());
        }
        if key == "kind" || key == "apiVersion" {
            let v = value.trim().trim_matches(['"', '\'']).to_owned();
            if !v.is_empty() && !terms.contains(&v) {
                terms.push(v);
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

/// Attributes after the language of a ```yaml fence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FenceAttrs {
    pub not_manifest: bool,
    pub expect_error: Option<String>,
    pub title: Option<String>,
}

impl FenceAttrs {
    pub fn parse(info: &str) -> FenceAttrs {
        let mut attrs = FenceAttrs::default();
        let words = split_args(info).unwrap_or_default();
        for w in words.iter().skip(1) {
            match w.split_once('=') {
                None if w == "not-manifest" => attrs.not_manifest = true,
                Some(("expect-error", v)) => attrs.expect_error = Some(v.to_owned()),
                Some(("title", v)) => attrs.title = Some(v.to_owned()),
                _ => {}
            }
        }
        attrs
    }
}

impl CourseBlocks {
    pub fn new(root: &Path, config: &Config) -> Result<CourseBlocks, Vec<Diagnostic>> {
        Ok(CourseBlocks {
            root: root.to_path_buf(),
            root_canonical: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            published: Mutex::new(BTreeMap::new()),
            _config: config.clone(),
            learn: crate::learn::Learn::load(root),
        })
    }

    /// Lets the learner features see the whole course (the glossary page).
    pub fn attach_course(&mut self, course: &crate::content::Course) {
        self.learn.attach(course);
    }

    pub fn learn(&self) -> &crate::learn::Learn {
        &self.learn
    }

    /// Example files referenced by pages, to copy into the site.
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
        let joined = self.root.join(EXAMPLES_DIR).join(rel);
        let canonical = joined
            .canonicalize()
            .map_err(|_| format!("no file {EXAMPLES_DIR}/{rel}"))?;
        if !canonical.starts_with(&self.root_canonical) {
            return Err(format!(
                "`{rel}` resolves outside the course folder; includes must stay inside it"
            ));
        }
        if !canonical.is_file() {
            return Err(format!("{EXAMPLES_DIR}/{rel} is not a file"));
        }
        let shown = canonical
            .strip_prefix(&self.root_canonical)
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_else(|_| rel.to_owned());
        Ok((canonical, shown))
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
        let text = match crate::content::read_text(&path, Path::new(&shown)) {
            Ok(t) => t,
            Err(d) => {
                return BlockOutput {
                    diagnostics: vec![d],
                    ..Default::default()
                };
            }
        };
        let visible = match excerpt(&text, &args) {
            Ok(v) => v,
            Err(m) => return err(format!("{}: {m}", args.path)),
        };
        self.published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(shown.clone(), text.as_bytes().to_vec());
        let lang = if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            "yaml"
        } else {
            ""
        };
        let title = args.title.clone().unwrap_or_else(|| args.path.clone());
        let download = format!("{}{shown}", root_of(&page.url));
        let html = manifest_figure(
            place.highlighter,
            &title,
            &kinds_of(&text),
            Some(&download),
            &visible,
            &text,
            lang,
        );
        BlockOutput {
            html,
            search_code: visible,
            search_terms: kinds_of(&text),
            ..Default::default()
        }
    }
}

/// A code figure for a manifest: title bar (name, kinds, download link),
/// copy button, highlighted excerpt, and the full file for the copy button.
pub fn manifest_figure(
    highlighter: &HighlightCache,
    title: &str,
    kinds: &[String],
    download: Option<&str>,
    visible: &str,
    full: &str,
    lang: &str,
) -> String {
    let body = crate::markdown::code_figure(highlighter, lang, visible, None, "manifest");
    let mut bar = String::from("<figcaption class=\"code-title\">");
    if !title.is_empty() {
        bar.push_str("<span class=\"file\">");
        bar.push_str(&escape_html(title));
        bar.push_str("</span>");
    }
    if !kinds.is_empty() {
        bar.push_str("<span class=\"kinds\">");
        bar.push_str(&escape_html(&kinds.join(", ")));
        bar.push_str("</span>");
    }
    if let Some(href) = download {
        bar.push_str(&format!(
            "<a class=\"download\" href=\"{}\" download>Download</a>",
            escape_html(href)
        ));
    }
    bar.push_str("</figcaption>");
    let full_tpl = format!(
        "<template class=\"full-source\">{}</template>",
        escape_html(full)
    );
    body.replacen("<button", &format!("{bar}{full_tpl}<button"), 1)
}

impl BlockHandler for CourseBlocks {
    fn code_block(
        &self,
        place: BlockPlace<'_>,
        lang: &str,
        _info: &str,
        text: &str,
    ) -> Option<BlockOutput> {
        match lang {
            "quiz" => Some(self.learn.quiz_block(place, text)),
            _ => None,
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

    fn directive(&self, place: BlockPlace<'_>, name: &str, args: &str) -> Option<BlockOutput> {
        match name {
            "example" => Some(self.example(place, args)),
            crate::learn::GLOSSARY_DIRECTIVE => Some(self.learn.glossary_directive(place, args)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_args() {
        let a =
            parse_example_args("web/app.yaml lines=3-9 expect-error=selector-mismatch").unwrap();
        assert_eq!(a.path, "web/app.yaml");
        assert_eq!(a.lines, Some((3, 9)));
        assert_eq!(a.expect_error.as_deref(), Some("selector-mismatch"));
        assert!(
            parse_example_args("a.yaml lnes=1-2")
                .unwrap_err()
                .contains("did you mean `lines`")
        );
        assert!(parse_example_args("").is_err());
        assert!(parse_example_args("a.yaml lines=5-2").is_err());
    }

    #[test]
    fn excerpts() {
        let text = "a: 1\n# region: x\nb: 2\n# endregion\nc: 3\n---\nkind: Service\n";
        let r = |a: ExampleArgs| excerpt(text, &a).unwrap();
        assert_eq!(
            r(ExampleArgs {
                region: Some("x".into()),
                ..Default::default()
            }),
            "b: 2\n"
        );
        assert_eq!(
            r(ExampleArgs {
                lines: Some((1, 1)),
                ..Default::default()
            }),
            "a: 1\n"
        );
        assert_eq!(
            r(ExampleArgs {
                doc: Some(2),
                ..Default::default()
            }),
            "kind: Service\n"
        );
        assert!(
            excerpt(
                text,
                &ExampleArgs {
                    region: Some("nope".into()),
                    ..Default::default()
                }
            )
            .is_err()
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

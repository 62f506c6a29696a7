//! `book.toml`: the course configuration.
//!
//! Follows mdBook's `[book]` table where the two overlap. Unknown keys are an
//! error that names the key, its line and the closest valid key, because a
//! misspelt option that is silently ignored costs an author an afternoon.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::Diagnostic;
pub use crate::source::{closest, key_offset, toml_error};

pub const CONFIG_FILE: &str = "book.toml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub book: BookConfig,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub kubernetes: KubernetesConfig,
    #[serde(default)]
    pub search: SearchConfig,
    /// mdBook's `[output.html]`, for the keys kourse shares with it.
    #[serde(default)]
    pub output: OutputConfig,
    #[serde(default)]
    pub lab: LabConfig,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    #[serde(default)]
    pub html: HtmlConfig,
}

/// Extra stylesheets and scripts for every page, without overriding the
/// theme: files of the course (relative to its root), published at the
/// same path and linked after the theme's own.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HtmlConfig {
    #[serde(default, rename = "additional-css")]
    pub additional_css: Vec<String>,
    #[serde(default, rename = "additional-js")]
    pub additional_js: Vec<String>,
}

/// `[lab]`: the cluster the learner follows the course on (see the walk,
/// `check::walk`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LabConfig {
    /// `kind` (default), `minikube`, `k3s`, `k3d` or `none`.
    #[serde(default = "default_cluster")]
    pub cluster: String,
    /// Walk the course in reading order on a model of the lab.
    #[serde(default = "yes")]
    pub walk: bool,
    /// A kind cluster configuration (relative to the course root) whose nodes the lab has.
    #[serde(default, rename = "kind-config")]
    pub kind_config: Option<PathBuf>,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig {
            cluster: default_cluster(),
            walk: true,
            kind_config: None,
        }
    }
}

fn default_cluster() -> String {
    "kind".to_owned()
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BookConfig {
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default = "default_language")]
    pub language: String,
    /// Absolute URL the site is published at; used for sitemap.xml and Open Graph.
    #[serde(default, rename = "base-url")]
    pub base_url: Option<String>,
    /// Link to the course's source repository, shown in the header.
    #[serde(default)]
    pub repository: Option<String>,
    /// "Edit this page" URL template; `{path}` is replaced by the page's source
    /// path relative to the course root, e.g.
    /// `https://github.com/me/course/edit/main/{path}`.
    #[serde(default, rename = "edit-url")]
    pub edit_url: Option<String>,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: default_title(),
            description: None,
            authors: Vec::new(),
            language: default_language(),
            base_url: None,
            repository: None,
            edit_url: None,
        }
    }
}

fn default_title() -> String {
    "Untitled course".to_owned()
}

fn default_language() -> String {
    "en".to_owned()
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BuildConfig {
    /// Where the site is written, relative to the course root.
    #[serde(default = "default_output_dir", rename = "output-dir")]
    pub output_dir: PathBuf,
    /// Build pages marked `draft = true`.
    #[serde(default)]
    pub drafts: bool,
    /// Fail the build on warnings too.
    #[serde(default, rename = "deny-warnings")]
    pub deny_warnings: bool,
    /// Highlight cache, relative to the course root; kept between builds.
    #[serde(default = "default_cache_dir", rename = "cache-dir")]
    pub cache_dir: PathBuf,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            output_dir: default_output_dir(),
            drafts: false,
            deny_warnings: false,
            cache_dir: default_cache_dir(),
        }
    }
}

fn default_output_dir() -> PathBuf {
    PathBuf::from("public")
}

fn default_cache_dir() -> PathBuf {
    PathBuf::from(".kourse-cache")
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KubernetesConfig {
    /// Kubernetes minor versions to validate against, e.g. `["1.33", "1.35"]`.
    /// Empty: the oldest and newest versions the schema bundle holds.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Folders of extra JSON schemas for custom resources.
    #[serde(default)]
    pub schemas: Vec<PathBuf>,
    /// Globs (relative to the course root) that `kourse check` skips.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Per-rule level: `"error"`, `"warning"` or `"off"`.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSetting>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Error,
    Warning,
    Off,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    #[serde(default = "yes")]
    pub enable: bool,
    /// Stemming language (`en` or `none`).
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "boost_title", rename = "boost-title")]
    pub boost_title: f32,
    #[serde(default = "boost_heading", rename = "boost-heading")]
    pub boost_heading: f32,
    #[serde(default = "one", rename = "boost-body")]
    pub boost_body: f32,
    #[serde(default = "boost_code", rename = "boost-code")]
    pub boost_code: f32,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enable: true,
            language: default_language(),
            boost_title: boost_title(),
            boost_heading: boost_heading(),
            boost_body: one(),
            boost_code: boost_code(),
        }
    }
}

fn yes() -> bool {
    true
}
fn one() -> f32 {
    1.0
}
fn boost_title() -> f32 {
    6.0
}
fn boost_heading() -> f32 {
    4.0
}
fn boost_code() -> f32 {
    0.5
}

impl Config {
    /// Loads `book.toml` from the course root. A missing file is an error:
    /// it is what marks a folder as a course.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        if !path.exists() {
            return Err(vec![Diagnostic::error(
                "io",
                CONFIG_FILE,
                format!("cannot read {}: no such file", path.display()),
            )]);
        }
        let text = crate::source::read_text(&path, Path::new(CONFIG_FILE)).map_err(|d| vec![d])?;
        Config::parse(&text, Path::new(CONFIG_FILE))
    }

    /// Parses configuration text; `file` is the path shown in diagnostics.
    pub fn parse(text: &str, file: &Path) -> Result<Config, Vec<Diagnostic>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut config: Config =
            toml::from_str(text).map_err(|e| vec![toml_error(&e, text, file)])?;
        config.validate(text, file)?;
        // Validated above: relative, inside the course, normalised.
        for dir in [&mut config.build.output_dir, &mut config.build.cache_dir] {
            if let Some(normal) = dir
                .to_str()
                .and_then(|d| crate::paths::output_relative(d).ok())
            {
                *dir = PathBuf::from(normal);
            }
        }
        Ok(config)
    }

    fn validate(&self, text: &str, file: &Path) -> Result<(), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let at_key = |key: &str, message: String| {
            Diagnostic::error("config", file, message).at_offset(text, key_offset(text, key))
        };
        let out = &self.build.output_dir;
        if out.as_os_str().is_empty() || out == Path::new(".") || out == Path::new("./") {
            diags.push(at_key(
                "output-dir",
                "build.output-dir must name a folder inside the course, not the course root".into(),
            ));
        }
        for (key, dir) in [
            ("output-dir", &self.build.output_dir),
            ("cache-dir", &self.build.cache_dir),
        ] {
            // TOML strings are UTF-8, so every configured path is.
            let text_of = dir.to_str().unwrap_or_default();
            if let Err(why) = crate::paths::output_relative(text_of) {
                diags.push(at_key(
                    key,
                    format!("build.{key} must be a folder inside the course: {why}"),
                ));
            }
        }
        if let Some(kind) = &self.lab.kind_config {
            if let Err(why) = crate::paths::output_relative(kind.to_str().unwrap_or_default()) {
                diags.push(at_key(
                    "kind-config",
                    format!("lab.kind-config names a file of the course: {why}"),
                ));
            }
        }
        for (key, files) in [
            ("additional-css", &self.output.html.additional_css),
            ("additional-js", &self.output.html.additional_js),
        ] {
            for f in files {
                let why = match crate::paths::output_relative(f) {
                    Ok(rel) if crate::paths::is_hidden(&rel) => {
                        Some(format!("`{f}` is hidden; hidden files are never published"))
                    }
                    Ok(_) => None,
                    Err(why) => Some(why),
                };
                if let Some(why) = why {
                    diags.push(at_key(
                        key,
                        format!("output.html.{key} names files of the course: {why}"),
                    ));
                }
            }
        }
        for (key, url) in [
            ("base-url", &self.book.base_url),
            ("repository", &self.book.repository),
            ("edit-url", &self.book.edit_url),
        ] {
            let Some(url) = url else { continue };
            let scheme_ok = ["https://", "http://"].iter().any(|s| {
                url.get(..s.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(s))
            });
            if !scheme_ok || url.chars().any(char::is_control) {
                diags.push(at_key(
                    key,
                    format!(
                        "book.{key} must be an http:// or https:// URL, not `{}`",
                        url.escape_debug()
                    ),
                ));
            }
        }
        for version in &self.kubernetes.versions {
            let ok = version.split_once('.').is_some_and(|(maj, min)| {
                maj == "1" && !min.is_empty() && min.bytes().all(|b| b.is_ascii_digit())
            });
            if !ok {
                let at = text.find(&format!("\"{version}\"")).unwrap_or(0);
                diags.push(
                    Diagnostic::error(
                        "config",
                        file,
                        format!("kubernetes.versions: `{version}` is not a Kubernetes minor version such as \"1.33\""),
                    )
                    .at_offset(text, at + 1),
                );
            }
        }
        if diags.is_empty() { Ok(()) } else { Err(diags) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply() {
        let c = Config::parse("[book]\ntitle = \"K\"\n", Path::new("book.toml")).unwrap();
        assert_eq!(c.book.title, "K");
        assert_eq!(c.build.output_dir, PathBuf::from("public"));
        assert!(c.search.enable);
    }

    #[test]
    fn unknown_key_names_key_line_and_suggestion() {
        let err = Config::parse(
            "[book]\ntitle = \"K\"\ndescriptoin = \"x\"\n",
            Path::new("book.toml"),
        )
        .unwrap_err();
        let d = &err[0];
        assert_eq!(d.message, "unknown key `descriptoin`");
        assert_eq!((d.line, d.col), (3, 1));
        assert!(d.notes[0].contains("`description`"), "{:?}", d.notes);
    }

    #[test]
    fn unknown_table_is_reported() {
        let err =
            Config::parse("[kubernetis]\nversions = []\n", Path::new("book.toml")).unwrap_err();
        assert_eq!(err[0].message, "unknown key `kubernetis`");
        assert!(err[0].notes[0].contains("`kubernetes`"));
    }

    #[test]
    fn bad_version_is_reported() {
        let err = Config::parse(
            "[kubernetes]\nversions = [\"1.x\"]\n",
            Path::new("book.toml"),
        )
        .unwrap_err();
        assert_eq!(err[0].line, 2);
    }

    #[test]
    fn rules_accept_levels() {
        let c = Config::parse(
            "[kubernetes.rules]\nlatest-tag = \"off\"\n",
            Path::new("book.toml"),
        )
        .unwrap();
        assert_eq!(c.kubernetes.rules["latest-tag"], RuleSetting::Off);
    }

    #[test]
    fn output_and_cache_dirs_stay_inside_the_course() {
        for bad in ["public/../../x", "../x", "/tmp/x", "C:x", ""] {
            for key in ["output-dir", "cache-dir"] {
                let text = format!("[book]\ntitle = \"K\"\n\n[build]\n{key} = \"{bad}\"\n");
                let err = Config::parse(&text, Path::new("book.toml")).unwrap_err();
                let d = err
                    .iter()
                    .find(|d| d.message.starts_with(&format!("build.{key}")))
                    .unwrap_or_else(|| panic!("{key} = {bad:?} accepted: {err:?}"));
                assert_eq!((d.line, d.col), (5, 1), "{key} = {bad:?}");
            }
        }
        let c = Config::parse(
            "[build]\noutput-dir = \"./site//\"\ncache-dir = \"a/./b\"\n",
            Path::new("book.toml"),
        )
        .unwrap();
        assert_eq!(c.build.output_dir, PathBuf::from("site"));
        assert_eq!(c.build.cache_dir, PathBuf::from("a/b"));
    }

    #[test]
    fn book_urls_are_http() {
        for key in ["repository", "edit-url", "base-url"] {
            for bad in [
                "javascript:alert(1)",
                "JaVaScRiPt:x",
                " javascript:x",
                "data:text/html,x",
                "ftp://x",
            ] {
                let text = format!("[book]\ntitle = \"K\"\n{key} = \"{bad}\"\n");
                let err = Config::parse(&text, Path::new("book.toml")).unwrap_err();
                assert_eq!(err.len(), 1, "{key} = {bad}");
                assert_eq!(err[0].line, 3);
                assert!(
                    err[0].message.contains(&format!("book.{key}")),
                    "{}",
                    err[0].message
                );
            }
            let text = format!("[book]\n{key} = \"HTTPS://example.org/x\"\n");
            assert!(
                Config::parse(&text, Path::new("book.toml")).is_ok(),
                "{key}"
            );
        }
    }
}

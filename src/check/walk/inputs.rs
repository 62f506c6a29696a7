//! The manifests a step names, read and parsed once a walk: files, folders
//! (`-R`), rendered Kustomize overlays, and remote URLs that are not walked.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::state::{SourceRef, State};
use super::steps::Input;
use super::{Issue, Walker};
use crate::check::yaml::{self, Node, Value};

/// One object read from a manifest.
#[derive(Clone)]
pub(super) struct Doc {
    pub(super) node: Arc<Node>,
    pub(super) manifest: Option<String>,
    pub(super) source: Option<Arc<SourceRef>>,
}

/// The documents of a manifest file (read and parsed once a walk), or why
/// it cannot be read.
pub(super) type FileDocs = Result<Arc<[Doc]>, String>;

/// Reads and parses a manifest file.
pub(super) fn load_docs(path: &Path, root: &Path) -> FileDocs {
    let shown = crate::diagnostic::display_path(path, root);
    let text = crate::content::read_text(path, &shown).map_err(|d| d.message)?;
    let src = Arc::new(SourceRef {
        path: shown.clone(),
        text: text.clone(),
        line_offset: 0,
    });
    let mut docs = Vec::new();
    push_docs(&text, Some(&shown.display().to_string()), src, &mut docs);
    Ok(docs.into())
}

impl Walker<'_> {
    pub(super) fn read_input(
        &mut self,
        input: &Input,
        recursive: bool,
        state: &mut State,
        docs: &mut Vec<Doc>,
        out: &mut Vec<Issue>,
    ) {
        match input {
            // A pinned remote manifest installs an add-on, like `helm
            // install`: not walked, and nothing the author could change.
            Input::Remote(url) => {
                state.opaque = true;
                self.trace_line(format!("  (not walked: `{url}` is remote)"));
            }
            Input::Stdin(text) => {
                let src = Arc::new(SourceRef {
                    path: PathBuf::from("-"),
                    text: text.clone(),
                    line_offset: 0,
                });
                push_docs(text, None, src, docs);
            }
            Input::Path(p) => {
                let full = self.root.join(p);
                if full.is_dir() {
                    let mut files = Vec::new();
                    let walker = walkdir::WalkDir::new(&full)
                        .sort_by_file_name()
                        .max_depth(if recursive { usize::MAX } else { 1 });
                    for e in walker.into_iter().filter_map(Result::ok) {
                        let f = e.path();
                        let ext = f.extension().and_then(|x| x.to_str());
                        if e.file_type().is_file()
                            && matches!(ext, Some("yaml" | "yml" | "json"))
                            && !crate::check::cli::is_tool_config(f)
                        {
                            files.push(f.to_path_buf());
                        }
                    }
                    for f in files {
                        self.read_file(&f, docs, out);
                    }
                } else if full.is_file() {
                    self.read_file(&full, docs, out);
                } else {
                    out.push(Issue::new(
                        "walk-file-missing",
                        format!("the path \"{p}\" does not exist (paths are relative to the course root)"),
                    ));
                }
            }
            Input::Kustomize(dir) => match super::kustomize::render(
                self.root,
                dir,
                self.kubectl.as_deref(),
                self.cache.as_deref(),
            ) {
                Ok(text) => {
                    let src = Arc::new(SourceRef {
                        path: PathBuf::from(format!("{dir} (kustomize)")),
                        text: text.clone(),
                        line_offset: 0,
                    });
                    push_docs(&text, Some(&format!("kubectl kustomize {dir}")), src, docs);
                }
                Err(super::kustomize::NotRendered::Failed(msg)) => {
                    out.push(Issue::new("walk-not-walked", msg))
                }
                Err(super::kustomize::NotRendered::Missing) => out.push(Issue::new(
                    "walk-file-missing",
                    format!("the kustomization folder \"{dir}\" does not exist (paths are relative to the course root)"),
                )),
            },
        }
    }

    pub(super) fn read_file(&mut self, path: &Path, docs: &mut Vec<Doc>, out: &mut Vec<Issue>) {
        let loaded = match self.files.get(path) {
            Some(l) => l.clone(),
            None => {
                let l = load_docs(path, self.root);
                self.files.insert(path.to_path_buf(), l.clone());
                l
            }
        };
        match loaded {
            Ok(d) => docs.extend(d.iter().cloned()),
            Err(message) => out.push(Issue::new("walk-file-missing", message)),
        }
    }
}

/// The documents of a manifest text, List items expanded.
fn push_docs(text: &str, shown: Option<&str>, src: Arc<SourceRef>, docs: &mut Vec<Doc>) {
    let stream = yaml::parse(yaml::strip_bom(text));
    for d in stream.docs {
        let Some(root) = d.root else { continue };
        let line = d.first_line;
        let is_list = root
            .get("kind")
            .and_then(Node::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && root.get("items").is_some();
        let items: Vec<Node> = if is_list {
            match root.value {
                Value::Map(entries) => entries
                    .into_iter()
                    .find(|(k, _)| k.as_str() == Some("items"))
                    .map(|(_, v)| match v.value {
                        Value::Seq(items) => items,
                        _ => Vec::new(),
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            }
        } else {
            vec![root]
        };
        for node in items {
            let l = if node.pos.line > 0 {
                node.pos.line
            } else {
                line
            };
            docs.push(Doc {
                manifest: shown.map(|s| format!("{s}:{l}")),
                node: Arc::new(node),
                source: Some(src.clone()),
            });
        }
    }
}

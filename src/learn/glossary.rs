//! The glossary: `content/glossary.toml` defines each term once.
//!
//! ```toml
//! [[term]]
//! term = "Pod"
//! aliases = ["Pods"]
//! definition = "The smallest deployable unit."
//! ```
//!
//! Matching a page's prose against every term is one pass over the text:
//! terms are indexed by their first word, so the cost is linear in the
//! text and independent of the number of terms. A term matches as written
//! and, when it starts with a lower-case letter, capitalised (at the start
//! of a sentence); matches are word-bounded.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Diagnostic;
use crate::highlight::escape_html;
use crate::markdown::slugify;

/// The glossary file, relative to `content/`.
pub const GLOSSARY_FILE: &str = "glossary.toml";

/// One defined term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub term: String,
    pub aliases: Vec<String>,
    pub definition: String,
    /// The entry's id on the glossary page.
    pub anchor: String,
    /// 1-based line of `term = ...` in the glossary file.
    pub line: usize,
}

/// A parsed glossary with its index for matching prose.
#[derive(Debug, Clone, Default)]
pub struct Glossary {
    pub terms: Vec<Term>,
    /// The file's path for diagnostics (`content/glossary.toml`).
    pub file: PathBuf,
    /// The file's text, to show lines in diagnostics.
    pub source: String,
    /// First word of a name → (name, term), longest name first.
    by_first_word: HashMap<String, Vec<(String, usize)>>,
    /// Lower-cased term or alias → term, for explicit references.
    by_name: HashMap<String, usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDe {
    #[serde(default)]
    term: Vec<Spanned<EntryDe>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryDe {
    term: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    definition: Spanned<String>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn first_word(name: &str) -> &str {
    let end = name.find(|c: char| !is_word(c)).unwrap_or(name.len());
    &name[..end]
}

fn capitalised(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first = chars.next()?;
    if !first.is_lowercase() {
        return None;
    }
    Some(first.to_uppercase().chain(chars).collect())
}

impl Glossary {
    /// Parses the glossary file's text. Bad entries are reported at their
    /// line and left out; the rest is usable.
    pub fn parse(text: &str, file: &Path) -> (Glossary, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut g = Glossary {
            file: file.to_path_buf(),
            source: text.to_owned(),
            ..Default::default()
        };
        let de: FileDe = match toml::from_str(text) {
            Ok(d) => d,
            Err(e) => {
                let mut d = crate::source::toml_error(&e, text, file);
                d.rule = "glossary".into();
                diags.push(d);
                return (g, diags);
            }
        };
        let at = |span: std::ops::Range<usize>, msg: String| {
            Diagnostic::error("glossary", file, msg).at_offset(text, span.start)
        };
        // Lower-cased name → (term index, where it was defined).
        let mut names: HashMap<String, String> = HashMap::new();
        let mut anchors: HashMap<String, String> = HashMap::new();
        for entry in de.term {
            let entry = entry.into_inner();
            let term = entry.term.get_ref().trim().to_owned();
            if term.is_empty() {
                diags.push(at(entry.term.span(), "empty `term`".into()));
                continue;
            }
            if entry.definition.get_ref().trim().is_empty() {
                diags.push(at(
                    entry.definition.span(),
                    format!("`{term}` has an empty definition"),
                ));
                continue;
            }
            let mut ok = true;
            let mut all = vec![(term.clone(), entry.term.span())];
            for a in &entry.aliases {
                let a_text = a.get_ref().trim();
                if a_text.is_empty() {
                    diags.push(at(a.span(), format!("`{term}` has an empty alias")));
                    ok = false;
                    continue;
                }
                all.push((a_text.to_owned(), a.span()));
            }
            let mut own = HashSet::new();
            for (name, span) in &all {
                let key = name.to_lowercase();
                let what = match names.get(&key) {
                    Some(owner) => Some(format!("already defined by `{owner}`")),
                    None if !own.insert(key) => Some("twice in the same entry".to_owned()),
                    None => None,
                };
                if let Some(what) = what {
                    diags.push(at(
                        span.clone(),
                        format!("duplicate glossary term `{name}`: {what}"),
                    ));
                    ok = false;
                }
            }
            let anchor = slugify(&term);
            let anchor = if anchor.is_empty() {
                "term".to_owned()
            } else {
                anchor
            };
            if let Some(owner) = anchors.get(&anchor).filter(|_| ok) {
                diags.push(at(
                    entry.term.span(),
                    format!("`{term}` and `{owner}` get the same anchor `#{anchor}`; rename one"),
                ));
                ok = false;
            }
            if !ok {
                continue;
            }
            for (name, _) in &all {
                names.insert(name.to_lowercase(), term.clone());
            }
            anchors.insert(anchor.clone(), term.clone());
            let (line, _) = crate::diagnostic::line_col(text, entry.term.span().start);
            g.terms.push(Term {
                term,
                aliases: all.into_iter().skip(1).map(|(n, _)| n).collect(),
                definition: entry
                    .definition
                    .get_ref()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                anchor,
                line,
            });
        }
        g.index();
        (g, diags)
    }

    /// Reads `content/glossary.toml`; `None` when there is no such file.
    pub fn load(root: &Path) -> Option<(Glossary, Vec<Diagnostic>)> {
        let path = root.join(crate::content::CONTENT_DIR).join(GLOSSARY_FILE);
        if !path.exists() {
            return None;
        }
        let shown = Path::new(crate::content::CONTENT_DIR).join(GLOSSARY_FILE);
        match crate::source::read_text(&path, &shown) {
            Ok(text) => Some(Glossary::parse(&text, &shown)),
            Err(d) => Some((
                Glossary {
                    file: shown,
                    ..Default::default()
                },
                vec![d],
            )),
        }
    }

    fn index(&mut self) {
        for (i, t) in self.terms.iter().enumerate() {
            self.by_name.insert(t.term.to_lowercase(), i);
            for a in &t.aliases {
                self.by_name.insert(a.to_lowercase(), i);
            }
            for name in std::iter::once(&t.term).chain(&t.aliases) {
                for variant in std::iter::once(name.clone()).chain(capitalised(name)) {
                    let first = first_word(&variant);
                    if first.is_empty() {
                        // Starts with punctuation: only explicit references.
                        continue;
                    }
                    self.by_first_word
                        .entry(first.to_owned())
                        .or_default()
                        .push((variant.clone(), i));
                }
            }
        }
        for v in self.by_first_word.values_mut() {
            v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
            v.dedup();
        }
    }

    /// The term a name (term or alias, any case) refers to.
    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.trim().to_lowercase()).copied()
    }

    /// Occurrences of terms in `text` not yet in `seen`, as (byte range,
    /// term); each term at most once (its first occurrence), and `seen`
    /// is updated. Overlapping names: the longest wins.
    pub fn find_first(
        &self,
        text: &str,
        seen: &mut HashSet<usize>,
    ) -> Vec<(std::ops::Range<usize>, usize)> {
        let mut out = Vec::new();
        if self.terms.is_empty() || seen.len() >= self.terms.len() {
            return out;
        }
        let mut prev_word = false;
        let mut skip_to = 0;
        for (pos, c) in text.char_indices() {
            let word = is_word(c);
            let starts = word && !prev_word && pos >= skip_to;
            prev_word = word;
            if !starts {
                continue;
            }
            let token = first_word(&text[pos..]);
            let Some(cands) = self.by_first_word.get(token) else {
                continue;
            };
            for (name, idx) in cands {
                let rest = &text[pos..];
                if !rest.starts_with(name.as_str())
                    || rest[name.len()..].chars().next().is_some_and(is_word)
                {
                    continue;
                }
                if seen.insert(*idx) {
                    out.push((pos..pos + name.len(), *idx));
                }
                skip_to = pos + name.len();
                break;
            }
        }
        out
    }

    /// `text` as HTML with the first occurrence of each unseen term linked
    /// to `href_base#anchor` and its definition as a tooltip. `None` when
    /// nothing matched (the text stays as it is).
    pub fn link_prose(
        &self,
        text: &str,
        href_base: &str,
        seen: &mut HashSet<usize>,
        mut used: impl FnMut(usize),
    ) -> Option<String> {
        let found = self.find_first(text, seen);
        if found.is_empty() {
            return None;
        }
        let mut html = String::with_capacity(text.len() + 256 * found.len());
        let mut last = 0;
        for (range, idx) in found {
            used(idx);
            html.push_str(&escape_html(&text[last..range.start]));
            let t = &self.terms[idx];
            let _ = write!(
                html,
                "<span class=\"term-wrap\"><a class=\"term\" href=\"{}#{}\" aria-describedby=\"term-tip-{}\">{}</a><span class=\"term-tip\" role=\"tooltip\" id=\"term-tip-{}\">{}</span></span>",
                escape_html(href_base),
                escape_html(&t.anchor),
                escape_html(&t.anchor),
                escape_html(&text[range.clone()]),
                escape_html(&t.anchor),
                escape_html(&t.definition)
            );
            last = range.end;
        }
        html.push_str(&escape_html(&text[last..]));
        Some(html)
    }

    /// The glossary page's list: alphabetised, one anchor per term.
    pub fn render_list(&self) -> String {
        let mut order: Vec<&Term> = self.terms.iter().collect();
        order.sort_by_cached_key(|t| (t.term.to_lowercase(), t.term.clone()));
        let mut html = String::from("<dl class=\"glossary\">\n");
        for t in order {
            let _ = write!(
                html,
                "<dt id=\"{}\"><dfn>{}</dfn><a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this term\">#</a></dt><dd><p>{}</p>",
                escape_html(&t.anchor),
                escape_html(&t.term),
                escape_html(&t.anchor),
                escape_html(&t.definition)
            );
            if !t.aliases.is_empty() {
                let _ = write!(
                    html,
                    "<p class=\"aliases\">Also: {}</p>",
                    escape_html(&t.aliases.join(", "))
                );
            }
            html.push_str("</dd>\n");
        }
        html.push_str("</dl>\n");
        html
    }
}

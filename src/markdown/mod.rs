//! Markdown → HTML for one page.
//!
//! pulldown-cmark does the parsing; this module adds what a course needs on
//! top: unique heading ids with anchor links and a table of contents,
//! GitHub alerts as callouts, exercises and solutions, links written by
//! source path rewritten to output URLs (and checked), highlighted code, and
//! extension points ([`BlockHandler`]) for manifests, quizzes and directives.
//! It also collects each section's plain text for the search index.

mod code;
pub mod links;
mod rewrite;
mod state;

pub use code::{code_figure, line_ranges, mark_lines};
use state::*;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;

use crate::content::{Course, Page};
use crate::diagnostic::Diagnostic;
use crate::highlight::{HighlightCache, escape_html};
use crate::search::SearchSection;

/// One entry of a page's table of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A link to another page's anchor, checked once every page is rendered.
#[derive(Debug, Clone)]
pub struct AnchorRef {
    pub target_url: String,
    pub target_file: String,
    pub anchor: String,
    pub line: usize,
    pub col: usize,
}

/// The result of rendering one page.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub ids: HashSet<String>,
    pub anchor_refs: Vec<AnchorRef>,
    pub diagnostics: Vec<Diagnostic>,
    pub words: usize,
    pub sections: Vec<SearchSection>,
}

/// What a [`BlockHandler`] produces in place of a block.
#[derive(Debug, Clone, Default)]
pub struct BlockOutput {
    pub html: String,
    pub diagnostics: Vec<Diagnostic>,
    /// Text to index as code.
    pub search_code: String,
    /// Terms to index (manifest kinds, keys).
    pub search_terms: Vec<String>,
}

/// Where a block sits in its page, for diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct BlockPlace<'a> {
    pub page: &'a Page,
    pub highlighter: &'a HighlightCache,
    /// 1-based line of the block's first content line (or the directive's line).
    pub line: usize,
    /// 1-based column where the content starts.
    pub col: usize,
}

/// Extension point for fenced blocks and `{{#name args}}` directives.
pub trait BlockHandler: Sync {
    /// Called once per page before any of its blocks, with the parser's
    /// events of the page's body (offsets from `page.body_offset`), for a
    /// handler that needs all of a page's blocks at once.
    fn begin_page(&self, _page: &Page, _events: &[(Event<'_>, Range<usize>)]) {}
    /// Renders a fenced code block; `None` falls back to plain highlighting.
    fn code_block(
        &self,
        place: BlockPlace<'_>,
        lang: &str,
        info: &str,
        text: &str,
    ) -> Option<BlockOutput>;
    /// Renders a directive alone in its paragraph; `None` leaves the text as it is.
    fn directive(&self, place: BlockPlace<'_>, name: &str, args: &str) -> Option<BlockOutput>;
    /// The language a fenced block of language `lang` is highlighted as
    /// (`None`: not highlighted), so that a build can highlight its code
    /// ahead of its pages. The default is what [`code_figure`] does.
    fn highlighted_as<'l>(&self, lang: &'l str) -> Option<&'l str> {
        Some(lang)
    }
    /// Rewrites a run of prose (not in a heading, link, image or code) as
    /// HTML, e.g. to link glossary terms; `seen` is kept for the page.
    /// `None` keeps the text as it is.
    fn prose(&self, _page: &Page, _text: &str, _seen: &mut HashSet<usize>) -> Option<String> {
        None
    }
    /// Resolves a link destination this handler owns (`glossary:Pod`) to
    /// `(url, title)`, or an error placed at the link. `None`: not its own.
    fn link(
        &self,
        _place: BlockPlace<'_>,
        _dest: &str,
    ) -> Option<Result<(String, Option<String>), Diagnostic>> {
        None
    }
    /// Publishes a file that lies beside the page (`img/x.png` relative to
    /// its source folder, already percent-decoded) at the same place beside
    /// the page's output, or says why it cannot. `None`: not handled (the
    /// link is left as it is, unchecked).
    fn page_asset(&self, _page: &Page, _path: &str) -> Option<Result<(), String>> {
        None
    }
}

/// A handler that handles nothing: plain highlighting, no directives.
pub struct NoBlocks;

impl BlockHandler for NoBlocks {
    fn code_block(&self, _: BlockPlace<'_>, _: &str, _: &str, _: &str) -> Option<BlockOutput> {
        None
    }
    fn directive(&self, _: BlockPlace<'_>, _: &str, _: &str) -> Option<BlockOutput> {
        None
    }
}

/// Everything rendering one page needs to know about the rest of the site.
pub struct PageRenderer<'a> {
    pub course: &'a Course,
    pub highlighter: &'a HighlightCache,
    /// Whether a site-root-relative asset path (`img/x.svg`) will exist in the output.
    pub asset_exists: &'a (dyn Fn(&str) -> bool + Sync),
    pub blocks: &'a dyn BlockHandler,
}

pub fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_GFM
}

/// GitHub-style heading id: lower case, punctuation dropped, spaces to `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    out
}

/// Parses a `{{#name args}}` directive.
pub fn parse_directive(text: &str) -> Option<(&str, &str)> {
    let inner = text.trim().strip_prefix("{{#")?.strip_suffix("}}")?.trim();
    let (name, args) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    Some((name, args.trim()))
}

impl<'a> PageRenderer<'a> {
    /// Highlights the fenced blocks of `pages` into the cache, all at once
    /// on all cores, for pages about to be rendered with a cold cache. Then
    /// highlighting, most of such a build, runs in one tight loop: measured
    /// at 2,000 pages, that cost a tenth less CPU than highlighting each
    /// block in the middle of rendering its page.
    pub fn highlight_ahead(&self, pages: &[Page]) {
        use rayon::prelude::*;
        let blocks: Vec<(String, String)> = pages
            .par_iter()
            .flat_map_iter(|page| self.fenced_blocks(page))
            .collect();
        // Handed out a few at a time: left to split only on demand, rayon
        // gives each core runs of hundreds of blocks, and at the end one
        // core idled while the other finished its run (a quarter second,
        // in a 2,000-page course on two cores).
        blocks
            .par_iter()
            .with_max_len(crate::highlight::BLOCKS_PER_TASK)
            .for_each(|(lang, code)| {
                self.highlighter.highlight(code, lang);
            });
    }

    /// The fenced blocks of a page that will be highlighted: the language
    /// they are highlighted as, and their code.
    fn fenced_blocks(&self, page: &Page) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut open: Option<(Option<String>, String)> = None;
        for event in Parser::new_ext(page.body(), parser_options()) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    let lang = info.split_whitespace().next().unwrap_or("");
                    let lang = self.blocks.highlighted_as(lang).map(str::to_owned);
                    open = Some((lang, String::new()));
                }
                Event::Text(t) => {
                    if let Some((_, code)) = open.as_mut() {
                        code.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((Some(lang), code)) = open.take() {
                        out.push((lang, code));
                    }
                }
                _ => {}
            }
        }
        out
    }

    pub fn render(&self, page: &Page) -> Rendered {
        let body = page.body();
        let text = &page.text;
        let base = page.body_offset;
        let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(body, parser_options())
            .into_offset_iter()
            .collect();
        self.blocks.begin_page(page, &events);
        let mut st = State::new(page);
        let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
        let lines = crate::diagnostic::LineIndex::new(text);
        let pos = |offset: usize| lines.line_col(base + offset);
        let mut i = 0;
        // Close tags to emit at the matching End(BlockQuote).
        let mut quote_closers: Vec<&'static str> = Vec::new();
        let mut in_link = 0usize;
        let mut in_image = 0usize;
        while i < events.len() {
            let (ev, range) = &events[i];
            // Search text: words of different blocks, or across a line
            // break, are separated; inline runs keep the source's spacing.
            match ev {
                Event::Start(t) if !is_inline(t) => st.prose_gap(),
                Event::End(t) if !is_inline_end(t) => st.prose_gap(),
                Event::SoftBreak | Event::HardBreak | Event::Rule => st.prose_gap(),
                _ => {}
            }
            match ev {
                Event::Start(Tag::Paragraph) => {
                    if let Some(end) =
                        find_end(&events, i, |e| matches!(e, Event::End(TagEnd::Paragraph)))
                    {
                        let inner = &events[i + 1..end];
                        // A directive is read from its source, so markup in
                        // its arguments (`<script>`, `*x*`) makes it an error
                        // at the directive, never raw HTML in the page.
                        let source = body.get(range.clone()).unwrap_or("").trim();
                        let is_directive = source.starts_with("{{#")
                            && source.ends_with("}}")
                            && !source.contains('\n');
                        if !inner.is_empty()
                            && (is_directive
                                || inner.iter().all(|(e, _)| matches!(e, Event::Text(_))))
                        {
                            let joined = if is_directive {
                                source.to_owned()
                            } else {
                                text_of(inner)
                            };
                            if let Some((name, args)) = parse_directive(&joined) {
                                let (line, col) = pos(range.start);
                                let place = BlockPlace {
                                    page,
                                    highlighter: self.highlighter,
                                    line,
                                    col,
                                };
                                if let Some(o) = self.blocks.directive(place, name, args) {
                                    st.absorb(o, &mut out);
                                    i = end + 1;
                                    continue;
                                }
                                st.diags.push(
                                    Diagnostic::error(
                                        "unknown-directive",
                                        &page.file,
                                        format!("unknown directive `{{{{#{name}}}}}`"),
                                    )
                                    .at(text, line, col),
                                );
                            }
                        }
                    }
                    out.push(ev.clone());
                }
                Event::Start(Tag::Heading { level, id, .. }) => {
                    let end = find_end(&events, i, |e| matches!(e, Event::End(TagEnd::Heading(_))))
                        .unwrap_or(events.len() - 1);
                    let inner: Vec<Event<'_>> = events[i + 1..end]
                        .iter()
                        .map(|(e, r)| self.rewrite_inline(e.clone(), r, page, &pos, &mut st))
                        .collect();
                    let plain = plain_text(&inner);
                    let wanted = id
                        .as_ref()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| slugify(&plain));
                    let id = st.unique_id(wanted);
                    let lvl = heading_number(*level);
                    if lvl == 2 || lvl == 3 {
                        st.toc.push(TocEntry {
                            level: lvl,
                            id: id.clone(),
                            title: plain.clone(),
                        });
                        st.new_section(&id, &plain);
                    }
                    let mut inner_html = String::new();
                    pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
                    let esc_id = escape_html(&id);
                    out.push(Event::Html(CowStr::from(format!(
                        "<h{lvl} id=\"{esc_id}\">{inner_html}<a class=\"anchor\" href=\"#{esc_id}\" aria-label=\"Link to this section\">#</a></h{lvl}>\n"
                    ))));
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let end = find_end(&events, i, |e| matches!(e, Event::End(TagEnd::CodeBlock)))
                        .unwrap_or(events.len() - 1);
                    let code = text_of(&events[i + 1..end]);
                    let info = match kind {
                        CodeBlockKind::Fenced(info) => info.to_string(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    let lang = info.split_whitespace().next().unwrap_or("").to_owned();
                    let (fence_line, fence_col) = pos(range.start);
                    let content_line = if matches!(kind, CodeBlockKind::Fenced(_)) {
                        fence_line + 1
                    } else {
                        fence_line
                    };
                    let place = BlockPlace {
                        page,
                        highlighter: self.highlighter,
                        line: content_line,
                        col: fence_col,
                    };
                    match self.blocks.code_block(place, &lang, &info, &code) {
                        Some(o) => st.absorb(o, &mut out),
                        None => {
                            st.section().code.push_str(&code);
                            let (_, attrs) = crate::check::markdown::parse_fence_info(&info);
                            let marked = match attrs.hl_lines.as_deref().map(line_ranges) {
                                Some(Ok(r)) => r,
                                Some(Err(why)) => {
                                    st.diags.push(
                                        Diagnostic::error("code-block", &page.file, why)
                                            .at(text, fence_line, fence_col),
                                    );
                                    Vec::new()
                                }
                                None => Vec::new(),
                            };
                            let lang = lang.trim_end_matches(',');
                            let mut html = code_figure(
                                self.highlighter,
                                lang,
                                &code,
                                attrs.title.as_deref(),
                                "",
                            );
                            if !marked.is_empty() {
                                html = mark_lines(&html, &marked);
                            }
                            out.push(Event::Html(CowStr::from(html)));
                        }
                    }
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::BlockQuote(kind)) => match kind {
                    Some(k) => {
                        let (class, label) = alert_kind(*k);
                        out.push(Event::Html(CowStr::from(format!(
                                "<div class=\"callout callout-{class}\" role=\"note\"><p class=\"callout-title\">{label}</p>\n"
                            ))));
                        quote_closers.push("</div>\n");
                    }
                    None => {
                        if let Some((marker, title, next, reopen)) =
                            exercise_marker(&events, i, body)
                        {
                            if let Some(kind) = titled_alert(marker) {
                                let (class, label) = alert_kind(kind);
                                let title = if title.is_empty() {
                                    label.to_owned()
                                } else {
                                    escape_html(&title)
                                };
                                out.push(Event::Html(CowStr::from(format!(
                                    "<div class=\"callout callout-{class}\" role=\"note\"><p class=\"callout-title\">{title}</p>\n"
                                ))));
                                quote_closers.push("</div>\n");
                            } else if marker == "EXERCISE" {
                                let title = if title.is_empty() {
                                    String::new()
                                } else {
                                    format!(": {}", escape_html(&title))
                                };
                                out.push(Event::Html(CowStr::from(format!(
                                        "<section class=\"exercise\" aria-label=\"Exercise\"><p class=\"exercise-title\"><strong>Exercise</strong>{title}</p>\n"
                                    ))));
                                quote_closers.push("</section>\n");
                            } else {
                                let summary = if title.is_empty() {
                                    "Show the solution".to_owned()
                                } else {
                                    escape_html(&title)
                                };
                                out.push(Event::Html(CowStr::from(format!(
                                    "<details class=\"solution\"><summary>{summary}</summary>\n"
                                ))));
                                quote_closers.push("</details>\n");
                            }
                            if reopen {
                                out.push(Event::Start(Tag::Paragraph));
                            }
                            i = next;
                            continue;
                        }
                        out.push(ev.clone());
                        quote_closers.push("");
                    }
                },
                Event::End(TagEnd::BlockQuote(_)) => match quote_closers.pop() {
                    Some("") | None => out.push(ev.clone()),
                    Some(close) => out.push(Event::Html(CowStr::from(close))),
                },
                Event::Start(Tag::Link { .. }) => {
                    in_link += 1;
                    out.push(self.rewrite_inline(ev.clone(), range, page, &pos, &mut st));
                }
                Event::End(TagEnd::Link) => {
                    in_link = in_link.saturating_sub(1);
                    out.push(ev.clone());
                }
                Event::Start(Tag::Image { .. }) => {
                    in_image += 1;
                    out.push(self.rewrite_inline(ev.clone(), range, page, &pos, &mut st));
                }
                Event::End(TagEnd::Image) => {
                    in_image = in_image.saturating_sub(1);
                    out.push(ev.clone());
                }
                Event::InlineHtml(h) => {
                    // A raw `<a>` is a link too: its text is not prose to link.
                    let lower = h.trim_start().to_ascii_lowercase();
                    if lower.starts_with("<a ") || lower.starts_with("<a>") {
                        in_link += 1;
                    } else if lower.starts_with("</a") {
                        in_link = in_link.saturating_sub(1);
                    }
                    out.push(ev.clone());
                }
                Event::Text(t) => {
                    // Adjacent text events (split by smart punctuation) as one run.
                    let mut j = i + 1;
                    while matches!(events.get(j), Some((Event::Text(_), _))) {
                        j += 1;
                    }
                    let run: CowStr<'_> = if j == i + 1 {
                        t.clone()
                    } else {
                        let mut s = String::new();
                        for (e, _) in &events[i..j] {
                            if let Event::Text(x) = e {
                                s.push_str(x);
                            }
                        }
                        CowStr::from(s)
                    };
                    st.add_prose(&run);
                    let linked = if in_link == 0 && in_image == 0 {
                        self.blocks.prose(page, &run, &mut st.terms_seen)
                    } else {
                        None
                    };
                    match linked {
                        Some(html) => out.push(Event::InlineHtml(CowStr::from(html))),
                        None => out.push(Event::Text(run)),
                    }
                    i = j;
                    continue;
                }
                Event::Code(t) => {
                    st.add_prose(t);
                    out.push(ev.clone());
                }
                _ => out.push(self.rewrite_inline(ev.clone(), range, page, &pos, &mut st)),
            }
            i += 1;
        }
        let mut html = String::with_capacity(body.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, out.into_iter());
        st.finish(html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_like_github() {
        assert_eq!(
            slugify("NodePort and LoadBalancer"),
            "nodeport-and-loadbalancer"
        );
        assert_eq!(slugify("What's `kubectl`?"), "whats-kubectl");
        assert_eq!(slugify("  Pods & Services "), "pods--services");
    }

    #[test]
    fn directives_parse() {
        assert_eq!(
            parse_directive("{{#example a/b.yaml lines=1-3}}"),
            Some(("example", "a/b.yaml lines=1-3"))
        );
        assert_eq!(parse_directive("{{#glossary}}"), Some(("glossary", "")));
        assert_eq!(parse_directive("{{ not }}"), None);
    }
}

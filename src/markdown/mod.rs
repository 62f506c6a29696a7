//! Markdown → HTML for one page.
//!
//! pulldown-cmark does the parsing; this module adds what a course needs on
//! top: unique heading ids with anchor links and a table of contents,
//! GitHub alerts as callouts, exercises and solutions, links written by
//! source path rewritten to output URLs (and checked), highlighted code, and
//! extension points ([`BlockHandler`]) for manifests, quizzes and directives.
//! It also collects each section's plain text for the search index.

pub mod links;

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

/// Renders a code block as a figure with a copy button; `lang` selects the grammar.
pub fn code_figure(
    highlighter: &HighlightCache,
    lang: &str,
    text: &str,
    title: Option<&str>,
    extra_class: &str,
) -> String {
    let code = highlighter.highlight(text, lang);
    let mut html = String::with_capacity(code.len() + 256);
    html.push_str("<figure class=\"code-block");
    if !extra_class.is_empty() {
        html.push(' ');
        html.push_str(extra_class);
    }
    html.push_str("\">");
    if let Some(t) = title {
        html.push_str("<figcaption class=\"code-title\">");
        html.push_str(&escape_html(t));
        html.push_str("</figcaption>");
    }
    html.push_str(
        "<button type=\"button\" class=\"copy\" aria-label=\"Copy code\" hidden>Copy</button>",
    );
    let class_lang = escape_html(&lang.to_ascii_lowercase());
    html.push_str("<pre class=\"hl\"><code");
    if !lang.is_empty() {
        html.push_str(" class=\"language-");
        html.push_str(&class_lang);
        html.push('"');
    }
    html.push('>');
    html.push_str(&code);
    html.push_str("</code></pre></figure>\n");
    html
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

    /// Rewrites link and image destinations; other events pass through.
    fn rewrite_inline<'e>(
        &self,
        ev: Event<'e>,
        range: &Range<usize>,
        page: &Page,
        pos: &dyn Fn(usize) -> (usize, usize),
        st: &mut State<'_>,
    ) -> Event<'e> {
        match ev {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (line, col) = pos(range.start);
                let place = BlockPlace {
                    page,
                    highlighter: self.highlighter,
                    line,
                    col,
                };
                // The course's own link forms (`glossary:Term`) first; any
                // other scheme must be one a link may have.
                let (dest, title) = match self.blocks.link(place, &dest_url) {
                    Some(Ok((url, t))) => match t {
                        Some(t) if title.is_empty() => (url, CowStr::from(t)),
                        _ => (url, title),
                    },
                    Some(Err(d)) => {
                        st.diags.push(d);
                        ("#".to_owned(), title)
                    }
                    None => match links::refused_url(&dest_url, false) {
                        Some(why) => {
                            st.diags.push(
                                Diagnostic::error("unsafe-url", &page.file, why)
                                    .at(&page.text, line, col),
                            );
                            ("#".to_owned(), title)
                        }
                        None => (self.rewrite_link(&dest_url, page, line, col, st), title),
                    },
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(dest),
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (line, col) = pos(range.start);
                let dest = match links::refused_url(&dest_url, true) {
                    Some(why) => {
                        st.diags.push(
                            Diagnostic::error("unsafe-url", &page.file, why)
                                .at(&page.text, line, col),
                        );
                        "#".to_owned()
                    }
                    None => self.rewrite_asset(&dest_url, page, line, col, st),
                };
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: CowStr::from(dest),
                    title,
                    id,
                })
            }
            other => other,
        }
    }

    fn rewrite_link(
        &self,
        dest: &str,
        page: &Page,
        line: usize,
        col: usize,
        st: &mut State<'_>,
    ) -> String {
        if dest.is_empty() || links::is_external(dest) {
            return dest.to_owned();
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (dest, None),
        };
        if path.is_empty() {
            // Same-page anchor: checked when the page is done.
            if let Some(a) = anchor {
                st.local_anchors.push((a.to_owned(), line, col));
            }
            return dest.to_owned();
        }
        if !path.ends_with(".md") {
            return self.rewrite_asset(dest, page, line, col, st);
        }
        let base = links::dir_of(&page.source);
        let Some(target_source) = links::resolve(base, path) else {
            st.diags.push(
                Diagnostic::error(
                    "broken-link",
                    &page.file,
                    format!("link `{dest}` points above content/"),
                )
                .at(&page.text, line, col),
            );
            return dest.to_owned();
        };
        let Some(target) = self.course.by_source(&target_source) else {
            let mut d = Diagnostic::error(
                "broken-link",
                &page.file,
                format!("link to a page that does not exist: `{path}` (looked for content/{target_source})"),
            )
            .at(&page.text, line, col);
            let candidates = self.course.pages.iter().map(|p| p.source.as_str());
            if let Some(best) = crate::config::closest(&target_source, candidates) {
                d = d.with_note(format!("did you mean content/{best}?"));
            }
            st.diags.push(d);
            return dest.to_owned();
        };
        let mut url = links::relative_url(&page.url, &target.url);
        if let Some(a) = anchor {
            st.anchor_refs.push(AnchorRef {
                target_url: target.url.clone(),
                target_file: target.file.display().to_string(),
                anchor: a.to_owned(),
                line,
                col,
            });
            url.push('#');
            url.push_str(a);
        }
        url
    }

    /// Site-root paths (`/img/x.svg`) become relative; they must exist.
    fn rewrite_asset(
        &self,
        dest: &str,
        page: &Page,
        line: usize,
        col: usize,
        st: &mut State<'_>,
    ) -> String {
        if links::is_external(dest) || dest.starts_with('#') {
            return dest.to_owned();
        }
        let (path, suffix) = match dest.find(['#', '?']) {
            Some(i) => (&dest[..i], &dest[i..]),
            None => (dest, ""),
        };
        if let Some(abs) = path.strip_prefix('/') {
            if !(self.asset_exists)(abs) {
                st.diags.push(
                    Diagnostic::error(
                        "missing-asset",
                        &page.file,
                        format!("`{path}` is not in static/ or the theme"),
                    )
                    .at(&page.text, line, col),
                );
            }
            return format!("{}{abs}{suffix}", links::root_of(&page.url));
        }
        if !path.is_empty() {
            let file = crate::paths::file_of_url(path);
            if let Some(Err(why)) = self.blocks.page_asset(page, &file) {
                st.diags.push(
                    Diagnostic::error("missing-asset", &page.file, why).at(&page.text, line, col),
                );
            }
        }
        dest.to_owned()
    }
}

/// Mutable state while rendering one page.
struct State<'p> {
    page: &'p Page,
    used_ids: HashMap<String, usize>,
    toc: Vec<TocEntry>,
    sections: Vec<SearchSection>,
    diags: Vec<Diagnostic>,
    anchor_refs: Vec<AnchorRef>,
    local_anchors: Vec<(String, usize, usize)>,
    /// Glossary terms already linked on this page.
    terms_seen: HashSet<usize>,
    words: usize,
    /// Whether the next prose is separated from the last by a space.
    prose_gap: bool,
}

impl<'p> State<'p> {
    fn new(page: &'p Page) -> Self {
        State {
            page,
            used_ids: HashMap::new(),
            toc: Vec::new(),
            sections: vec![SearchSection::default()],
            diags: Vec::new(),
            anchor_refs: Vec::new(),
            local_anchors: Vec::new(),
            terms_seen: HashSet::new(),
            words: 0,
            prose_gap: false,
        }
    }

    fn unique_id(&mut self, wanted: String) -> String {
        let wanted = if wanted.is_empty() {
            "section".to_owned()
        } else {
            wanted
        };
        let mut id = wanted.clone();
        loop {
            let n = self.used_ids.entry(id.clone()).or_insert(0);
            if *n == 0 {
                *n = 1;
                return id;
            }
            let count = *self.used_ids.get(&wanted).unwrap_or(&1);
            self.used_ids.insert(wanted.clone(), count + 1);
            id = format!("{wanted}-{count}");
        }
    }

    fn section(&mut self) -> &mut SearchSection {
        self.sections.last_mut().expect("there is always a section")
    }

    fn new_section(&mut self, anchor: &str, heading: &str) {
        self.sections.push(SearchSection {
            anchor: anchor.to_owned(),
            heading: heading.to_owned(),
            ..Default::default()
        });
    }

    /// The next prose starts a new block (or follows a line break): it is
    /// separated from the text before it by a space.
    fn prose_gap(&mut self) {
        self.prose_gap = true;
    }

    /// Appends prose to the section's text, words separated by single
    /// spaces (so the search index can cut its snippets without scanning
    /// for whitespace again). Inline runs of one block join as the source
    /// wrote them: "the `kubectl` command" and "`kubectl`," keep their
    /// spaces, and add none.
    fn add_prose(&mut self, text: &str) {
        let gap =
            std::mem::take(&mut self.prose_gap) || text.starts_with(|c: char| c.is_whitespace());
        let trailing = text.ends_with(|c: char| c.is_whitespace());
        let s = self.sections.last_mut().expect("there is always a section");
        let mut sep = gap && !s.prose.is_empty() && !s.prose.ends_with(' ');
        // Most text is single-spaced already: copied whole, its words
        // counted by its spaces (splitting it word by word was a seventh
        // of rendering a page).
        if let Some(words) = crate::search::single_spaced_words(text) {
            if sep {
                s.prose.push(' ');
            }
            s.prose.push_str(text);
            self.words += words;
        } else {
            let mut words = 0;
            for word in text.split_whitespace() {
                if sep {
                    s.prose.push(' ');
                }
                s.prose.push_str(word);
                sep = true;
                words += 1;
            }
            self.words += words;
        }
        self.prose_gap = trailing;
    }

    fn absorb<'e>(&mut self, o: BlockOutput, out: &mut Vec<Event<'e>>) {
        let s = self.section();
        if !s.code.is_empty() && !s.code.ends_with('\n') {
            s.code.push('\n');
        }
        s.code.push_str(&o.search_code);
        s.manifest_terms.extend(o.search_terms);
        self.diags.extend(o.diagnostics);
        // Ids a block defines (glossary entries) are link targets too, and
        // headings after it must not reuse them.
        // memmem: a manifest figure is tens of kilobytes, mostly code.
        for k in memchr::memmem::find_iter(o.html.as_bytes(), b" id=\"") {
            let rest = &o.html[k + 5..];
            if let Some(end) = rest.find('"') {
                self.used_ids.entry(rest[..end].to_owned()).or_insert(1);
            }
        }
        out.push(Event::Html(CowStr::from(o.html)));
    }

    fn finish(mut self, html: String) -> Rendered {
        let ids: HashSet<String> = self.used_ids.keys().cloned().collect();
        for (anchor, line, col) in std::mem::take(&mut self.local_anchors) {
            if !ids.contains(&anchor) && !html.contains(&format!("id=\"{anchor}\"")) {
                self.diags.push(
                    Diagnostic::error(
                        "broken-anchor",
                        &self.page.file,
                        format!("no heading with id `{anchor}` on this page"),
                    )
                    .at(&self.page.text, line, col),
                );
            }
        }
        // Kept until the whole site is made: the slack that growing them
        // left goes back to the allocator now (shrinking moves nothing).
        let sections = self
            .sections
            .into_iter()
            .filter(|s| !(s.anchor.is_empty() && s.prose.is_empty() && s.code.is_empty()))
            .map(|mut s| {
                s.prose.shrink_to_fit();
                s.code.shrink_to_fit();
                s
            })
            .collect();
        let mut html = html;
        html.shrink_to_fit();
        Rendered {
            html,
            toc: self.toc,
            ids,
            anchor_refs: self.anchor_refs,
            diagnostics: self.diags,
            words: self.words,
            sections,
        }
    }
}

/// Whether a tag is inline (its text runs on with the text around it).
fn is_inline(t: &Tag<'_>) -> bool {
    matches!(
        t,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(t: &TagEnd) -> bool {
    matches!(
        t,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// The concatenated text events of a run of events (other events add nothing).
fn text_of(events: &[(Event<'_>, Range<usize>)]) -> String {
    events
        .iter()
        .filter_map(|(e, _)| {
            if let Event::Text(t) = e {
                Some(t.as_ref())
            } else {
                None
            }
        })
        .collect()
}

fn find_end(
    events: &[(Event<'_>, Range<usize>)],
    start: usize,
    is_end: impl Fn(&Event<'_>) -> bool,
) -> Option<usize> {
    (start + 1..events.len()).find(|&j| is_end(&events[j].0))
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn plain_text(events: &[Event<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.trim().to_owned()
}

fn alert_kind(k: BlockQuoteKind) -> (&'static str, &'static str) {
    match k {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// Recognises `> [!EXERCISE] Title` and `> [!SOLUTION]` blockquotes.
/// Returns the marker, the title on the marker's line, the index of the
/// event to continue from (past the title), and whether the paragraph goes
/// on after the title line (so it must be reopened).
/// `"2 4-5"` (or `2,4-5`) as inclusive 1-based ranges.
pub fn line_ranges(spec: &str) -> Result<Vec<(usize, usize)>, String> {
    spec.split([' ', ','])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let (a, b) = w.split_once('-').unwrap_or((w, w));
            match (a.parse::<usize>(), b.parse::<usize>()) {
                (Ok(a), Ok(b)) if a > 0 && a <= b => Ok((a, b)),
                _ => Err(format!(
                    "hl_lines: `{w}` is not a line or a range of lines such as 4-5"
                )),
            }
        })
        .collect()
}

/// Wraps the given lines of a code figure's `<code>` in `<mark
/// class="hl-line">`. Highlighting spans that run over a line end are
/// closed before it and opened again after it, so the marks nest.
pub fn mark_lines(figure: &str, ranges: &[(usize, usize)]) -> String {
    let Some(start) = figure
        .find("<code")
        .and_then(|i| figure[i..].find('>').map(|j| i + j + 1))
    else {
        return figure.to_owned();
    };
    let Some(end) = figure.rfind("</code>") else {
        return figure.to_owned();
    };
    let code = &figure[start..end];
    let mut out = String::with_capacity(figure.len() + 64);
    out.push_str(&figure[..start]);
    let mut open: Vec<&str> = Vec::new();
    let lines: Vec<&str> = code.split_inclusive('\n').collect();
    for (n, line) in lines.iter().enumerate() {
        let marked = ranges.iter().any(|&(a, b)| (a..=b).contains(&(n + 1)));
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (*line, ""),
        };
        if marked {
            for _ in &open {
                out.push_str("</span>");
            }
            out.push_str("<mark class=\"hl-line\">");
            for tag in &open {
                out.push_str(tag);
            }
        }
        // Track the spans this line opens and closes.
        let mut rest = body;
        while let Some(i) = rest.find('<') {
            let tail = &rest[i..];
            let close = tail.find('>').map_or(tail.len(), |j| j + 1);
            let tag = &tail[..close];
            if tag.starts_with("</span") {
                open.pop();
            } else if tag.starts_with("<span") {
                open.push(tag);
            }
            rest = &tail[close..];
        }
        out.push_str(body);
        if marked {
            for _ in &open {
                out.push_str("</span>");
            }
            out.push_str("</mark>");
            for tag in &open {
                out.push_str(tag);
            }
        }
        out.push_str(newline);
    }
    out.push_str(&figure[end..]);
    out
}

/// The alert a quote's `[!NOTE] Title` first line names, if any.
fn titled_alert(marker: &str) -> Option<BlockQuoteKind> {
    Some(match marker {
        "NOTE" => BlockQuoteKind::Note,
        "TIP" => BlockQuoteKind::Tip,
        "IMPORTANT" => BlockQuoteKind::Important,
        "WARNING" => BlockQuoteKind::Warning,
        "CAUTION" => BlockQuoteKind::Caution,
        _ => return None,
    })
}

fn exercise_marker(
    events: &[(Event<'_>, Range<usize>)],
    quote: usize,
    body: &str,
) -> Option<(&'static str, String, usize, bool)> {
    let (Event::Start(Tag::Paragraph), r) = events.get(quote + 1)? else {
        return None;
    };
    let src = body.get(r.start..r.end)?;
    // Exercises and solutions, and alerts with a title of their own
    // (`> [!NOTE] Custom title`), which the parser leaves as quotes.
    let marker = [
        "EXERCISE",
        "SOLUTION",
        "NOTE",
        "TIP",
        "IMPORTANT",
        "WARNING",
        "CAUTION",
    ]
    .into_iter()
    .find(|m| {
        src.strip_prefix("[!")
            .and_then(|rest| rest.strip_prefix(m))
            .is_some_and(|rest| rest.starts_with(']'))
    })?;
    let mut title = String::new();
    let mut j = quote + 2;
    while let Some((e, _)) = events.get(j) {
        match e {
            // Markup in a title is shown as written (and escaped).
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) => {
                title.push_str(t)
            }
            Event::SoftBreak | Event::HardBreak => {
                // The body continues in the same paragraph.
                let title = title
                    .trim_start_matches(&format!("[!{marker}]")[..])
                    .trim()
                    .to_owned();
                return Some((marker, title, j + 1, true));
            }
            Event::End(TagEnd::Paragraph) => {
                let title = title
                    .trim_start_matches(&format!("[!{marker}]")[..])
                    .trim()
                    .to_owned();
                return Some((marker, title, j + 1, false));
            }
            _ => {}
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_lines_keep_spans_nested() {
        let fig = "<figure><pre><code class=\"x\"><span class=\"a\">one\ntwo</span>\nthree\n</code></pre></figure>";
        let out = mark_lines(fig, &[(2, 3)]);
        assert_eq!(
            out,
            "<figure><pre><code class=\"x\"><span class=\"a\">one\n</span><mark class=\"hl-line\"><span class=\"a\">two</span></mark>\n<mark class=\"hl-line\">three</mark>\n</code></pre></figure>"
        );
        assert_eq!(line_ranges("2 4-5").unwrap(), [(2, 2), (4, 5)]);
        assert_eq!(line_ranges("1,3").unwrap(), [(1, 1), (3, 3)]);
        assert!(
            line_ranges("0").is_err() && line_ranges("5-2").is_err() && line_ranges("x").is_err()
        );
    }

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

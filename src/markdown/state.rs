//! The state of one page while it renders: heading ids and the table of
//! contents, search sections, callouts, exercises and the page's findings.

use super::*;

/// Mutable state while rendering one page.
pub(super) struct State<'p> {
    pub(super) page: &'p Page,
    pub(super) used_ids: HashMap<String, usize>,
    pub(super) toc: Vec<TocEntry>,
    pub(super) sections: Vec<SearchSection>,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) anchor_refs: Vec<AnchorRef>,
    pub(super) local_anchors: Vec<(String, usize, usize)>,
    /// Glossary terms already linked on this page.
    pub(super) terms_seen: HashSet<usize>,
    pub(super) words: usize,
    /// Whether the next prose is separated from the last by a space.
    pub(super) prose_gap: bool,
}

impl<'p> State<'p> {
    pub(super) fn new(page: &'p Page) -> Self {
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

    pub(super) fn unique_id(&mut self, wanted: String) -> String {
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

    pub(super) fn section(&mut self) -> &mut SearchSection {
        self.sections.last_mut().expect("there is always a section")
    }

    pub(super) fn new_section(&mut self, anchor: &str, heading: &str) {
        self.sections.push(SearchSection {
            anchor: anchor.to_owned(),
            heading: heading.to_owned(),
            ..Default::default()
        });
    }

    /// The next prose starts a new block (or follows a line break): it is
    /// separated from the text before it by a space.
    pub(super) fn prose_gap(&mut self) {
        self.prose_gap = true;
    }

    /// Appends prose to the section's text, words separated by single
    /// spaces (so the search index can cut its snippets without scanning
    /// for whitespace again). Inline runs of one block join as the source
    /// wrote them: "the `kubectl` command" and "`kubectl`," keep their
    /// spaces, and add none.
    pub(super) fn add_prose(&mut self, text: &str) {
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

    pub(super) fn absorb<'e>(&mut self, o: BlockOutput, out: &mut Vec<Event<'e>>) {
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

    pub(super) fn finish(mut self, html: String) -> Rendered {
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
pub(super) fn is_inline(t: &Tag<'_>) -> bool {
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

pub(super) fn is_inline_end(t: &TagEnd) -> bool {
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
pub(super) fn text_of(events: &[(Event<'_>, Range<usize>)]) -> String {
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

pub(super) fn find_end(
    events: &[(Event<'_>, Range<usize>)],
    start: usize,
    is_end: impl Fn(&Event<'_>) -> bool,
) -> Option<usize> {
    (start + 1..events.len()).find(|&j| is_end(&events[j].0))
}

pub(super) fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

pub(super) fn plain_text(events: &[Event<'_>]) -> String {
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

pub(super) fn alert_kind(k: BlockQuoteKind) -> (&'static str, &'static str) {
    match k {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// The alert a quote's `[!NOTE] Title` first line names, if any.
pub(super) fn titled_alert(marker: &str) -> Option<BlockQuoteKind> {
    Some(match marker {
        "NOTE" => BlockQuoteKind::Note,
        "TIP" => BlockQuoteKind::Tip,
        "IMPORTANT" => BlockQuoteKind::Important,
        "WARNING" => BlockQuoteKind::Warning,
        "CAUTION" => BlockQuoteKind::Caution,
        _ => return None,
    })
}

pub(super) fn exercise_marker(
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

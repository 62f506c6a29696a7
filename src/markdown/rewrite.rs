//! Link, image and asset destinations of a page rewritten to output URLs,
//! and checked on the way.

use super::*;

impl PageRenderer<'_> {
    /// Rewrites link and image destinations; other events pass through.
    pub(super) fn rewrite_inline<'e>(
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

    pub(super) fn rewrite_link(
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
            if let Some(best) = crate::source::closest(&target_source, candidates) {
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
    pub(super) fn rewrite_asset(
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

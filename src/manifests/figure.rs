//! The figure a manifest is shown in: title bar with the kinds, download
//! link, checked versions, per-line findings and field docs on every key.

use super::Verdict;
use crate::check::FieldDoc;
use crate::highlight::{HighlightCache, push_escaped};

/// Everything a manifest figure shows.
pub struct Figure<'a> {
    pub title: &'a str,
    pub kinds: &'a [String],
    pub download: Option<&'a str>,
    /// The lines shown (an excerpt of `full`), and for each shown line its
    /// 1-based line number in `full`.
    pub visible: &'a str,
    pub line_numbers: &'a [usize],
    pub full: &'a str,
    /// Checked against these versions (empty: not checked).
    pub versions: &'a str,
    pub verdict: &'a Verdict,
    pub expect: Option<&'a str>,
    pub docs: &'a [FieldDoc<'a>],
}

/// Renders a manifest as a figure with title bar, copy and download,
/// badge, per-line warnings, tooltips, and the expect-error callout.
/// Everything is written into one string sized up front: a page's figure
/// is tens of kilobytes, and growing it was a fifth of its cost.
pub fn figure(highlighter: &HighlightCache, f: &Figure<'_>) -> String {
    let code = highlighter.highlight(f.visible, "yaml");
    let tooltips: usize = f
        .docs
        .iter()
        .map(|d| d.path.len() + d.type_name.len() + d.description.len() * 9 / 8 + 160)
        .sum();
    let mut html = String::with_capacity(code.len() + f.full.len() * 9 / 8 + tooltips + 2048);
    let wrong = f.expect.is_some();
    html.push_str(if wrong {
        "<figure class=\"code-block manifest wrong-on-purpose\">"
    } else {
        "<figure class=\"code-block manifest\">"
    });
    html.push_str("<figcaption class=\"code-title\">");
    if !f.title.is_empty() {
        html.push_str("<span class=\"file\">");
        push_escaped(&mut html, f.title);
        html.push_str("</span>");
    }
    if !f.kinds.is_empty() {
        html.push_str("<span class=\"kinds\">");
        push_escaped(&mut html, &kind_counts(f.kinds));
        html.push_str("</span>");
    }
    if let Some(href) = f.download {
        html.push_str("<a class=\"download\" href=\"");
        push_escaped(&mut html, href);
        html.push_str("\" download>Download</a>");
    }
    if !f.versions.is_empty() && !wrong {
        html.push_str("<span class=\"badge\" title=\"kourse checked this manifest against the Kubernetes API schemas and apiserver rules\">checked against Kubernetes ");
        push_escaped(&mut html, f.versions);
        html.push_str("</span>");
    }
    html.push_str("</figcaption>");
    if wrong {
        html.push_str("<div class=\"callout callout-caution wrong-callout\" role=\"note\"><p class=\"callout-title\">This manifest is wrong, on purpose</p>");
        if f.verdict.expected.is_empty() {
            html.push_str("<p>It shows a mistake to learn from. Do not apply it.</p>");
        } else {
            html.push_str("<p>It shows a mistake to learn from. <code>kourse check</code> reports:</p><pre class=\"diagnostic\">");
            for d in &f.verdict.expected {
                push_escaped(&mut html, &d.headline());
                html.push('\n');
                for n in &d.notes {
                    push_escaped(&mut html, &format!("  = help: {n}"));
                    html.push('\n');
                }
            }
            html.push_str("</pre>");
        }
        html.push_str("</div>");
    }
    html.push_str("<template class=\"full-source\">");
    push_escaped(&mut html, f.full);
    html.push_str("</template>");
    html.push_str("<button type=\"button\" class=\"copy\" aria-label=\"Copy the manifest\" hidden>Copy</button>");
    html.push_str("<pre class=\"hl\"><code class=\"language-yaml\">");
    annotate_keys(&mut html, &code, f.docs, f.line_numbers);
    html.push_str("</code></pre>");
    let notes: Vec<&(usize, String)> = f
        .verdict
        .line_notes
        .iter()
        .filter(|(l, _)| f.line_numbers.contains(l))
        .collect();
    if !notes.is_empty() && !wrong {
        html.push_str("<ul class=\"line-notes\" aria-label=\"Checker warnings\">");
        for (line, msg) in notes {
            html.push_str(&format!("<li><span class=\"line-no\">line {line}</span> "));
            push_escaped(&mut html, msg);
            html.push_str("</li>");
        }
        html.push_str("</ul>");
    }
    html.push_str("</figure>\n");
    html
}

/// Appends the highlighted code with each documented key wrapped in a
/// focusable span holding its documentation as a tooltip. `docs`
/// positions are in the full file; `line_numbers` gives the full-file line
/// of each shown line.
fn annotate_keys(out: &mut String, html: &str, docs: &[FieldDoc<'_>], line_numbers: &[usize]) {
    if docs.is_empty() {
        out.push_str(html);
        return;
    }
    // By line, then column: each shown line's docs are one run, found by
    // binary search (no map, no list per line).
    let mut sorted: Vec<&FieldDoc<'_>> = docs.iter().collect();
    sorted.sort_by_key(|d| (d.line, d.col));
    // Line by line (memchr: a `split_inclusive('\n')` step costs more than
    // most lines here).
    let mut rest = html;
    let mut i = 0;
    while !rest.is_empty() {
        let end = memchr::memchr(b'\n', rest.as_bytes()).map_or(rest.len(), |k| k + 1);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        i += 1;
        let run = line_numbers.get(i - 1).map_or(&[][..], |&n| {
            let from = sorted.partition_point(|d| d.line < n);
            let to = from + sorted[from..].partition_point(|d| d.line == n);
            &sorted[from..to]
        });
        if run.is_empty() {
            out.push_str(line);
        } else {
            annotate_line(out, line, run);
        }
    }
}

/// How a documented key opens in highlighted code, and how its tooltip
/// opens. A tooltip holds two spans (path, type) and the description, all
/// text escaped, so its own end tag is the third `</span>` after its start;
/// the key's span closes right after it.
pub const FIELD_OPEN: &str = "<span class=\"field\" tabindex=\"0\">";
pub const TOOLTIP_OPEN: &str = "<span class=\"field-doc\" role=\"tooltip\">";

/// Appends highlighted code with its field tooltips left out: what
/// [`annotate_line`] added is taken away again, so the code reads as it was
/// highlighted. (A key that ran to the end of its line, which got no
/// tooltip, keeps a plain `<span>` for the end tag it was closed with.)
/// The one-page edition is for print, where a tooltip never shows.
pub fn push_without_tooltips(out: &mut String, code: &str) {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    const END: &[u8] = b"</span>";
    // Made once: a finder costs more to make than a search here.
    // The tail of a key's open tag, searched for, is rarer in highlighted
    // code than its head (`<span class="` begins every tag there): the
    // finder's rare-byte filter then seldom stops in vain.
    const FIELD_TAIL: &str = "field\" tabindex=\"0\">";
    const FIELD_HEAD: usize = FIELD_OPEN.len() - FIELD_TAIL.len();
    static FIELD: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(FIELD_TAIL.as_bytes()));
    static TOOLTIP: LazyLock<Finder<'static>> =
        LazyLock::new(|| Finder::new(TOOLTIP_OPEN.as_bytes()));
    let bytes = code.as_bytes();
    // Just past the `n`-th end tag from `from`. Tooltips are short, and
    // their few tags are found faster one `<` at a time than by a finder.
    let past_end_tags = |mut at: usize, mut n: usize| {
        while n > 0 {
            match memchr::memchr(b'<', &bytes[at..]) {
                Some(k) => {
                    at += k;
                    if bytes[at..].starts_with(END) {
                        at += END.len();
                        n -= 1;
                    } else {
                        at += 1;
                    }
                }
                None => return bytes.len(),
            }
        }
        at
    };
    let mut copied = 0;
    let mut from = copied;
    while let Some(off) = FIELD.find(&bytes[from..]) {
        let Some(at) = (from + off).checked_sub(FIELD_HEAD) else {
            from += off + 1;
            continue;
        };
        if at < copied || !code[at..].starts_with(FIELD_OPEN) {
            from += off + 1;
            continue;
        }
        out.push_str(&code[copied..at]);
        let key = at + FIELD_OPEN.len();
        // The tooltip follows the key on its line: most keys hold no tag,
        // so it is the next one.
        let next_tag = memchr::memchr(b'<', &bytes[key..]).map_or(bytes.len(), |k| key + k);
        let tip = if bytes[next_tag..].starts_with(TOOLTIP_OPEN.as_bytes()) {
            Some(next_tag)
        } else {
            let line_end = memchr::memchr(b'\n', &bytes[key..]).map_or(bytes.len(), |k| key + k);
            TOOLTIP.find(&bytes[key..line_end]).map(|k| key + k)
        };
        match tip {
            Some(tip) => {
                out.push_str(&code[key..tip]);
                // Its two spans' end tags and its own, then the key's.
                copied = past_end_tags(tip + TOOLTIP_OPEN.len(), 4);
            }
            None => {
                out.push_str("<span>");
                copied = key;
            }
        }
        from = copied;
    }
    out.push_str(&code[copied..]);
}

/// Appends one line of highlighted HTML with the tooltip spans inserted,
/// counting visible characters (tags skipped, entities counted as one).
/// Tags and entities are ASCII, so the line is walked by bytes and copied
/// in runs.
fn annotate_line(out: &mut String, line: &str, docs: &[&FieldDoc<'_>]) {
    let bytes = line.as_bytes();
    let past = |from: usize, end: u8| {
        memchr::memchr(end, &bytes[from..]).map_or(bytes.len(), |k| from + k + 1)
    };
    let mut col = 1;
    let mut pending = docs.iter().peekable();
    let mut open_until: Option<usize> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            i = past(i, b'>');
            continue;
        }
        if open_until.is_none() {
            if let Some(d) = pending.peek() {
                if d.col == col {
                    out.push_str(&line[copied..i]);
                    copied = i;
                    out.push_str(FIELD_OPEN);
                    open_until = Some(col + d.len);
                }
            }
        }
        i = match bytes[i] {
            b'&' => past(i, b';'),
            b if b < 0x80 => i + 1,
            b if b >= 0xF0 => i + 4,
            b if b >= 0xE0 => i + 3,
            _ => i + 2,
        }
        .min(bytes.len());
        col += 1;
        if open_until == Some(col) {
            let d = pending.next().expect("peeked");
            out.push_str(&line[copied..i]);
            copied = i;
            out.push_str(TOOLTIP_OPEN);
            out.push_str("<span class=\"field-path\">");
            push_escaped(out, &d.path);
            out.push_str("</span> <span class=\"field-type\">");
            push_escaped(out, &d.type_name);
            out.push_str("</span><br>");
            push_escaped(out, d.description);
            out.push_str("</span></span>");
            open_until = None;
        }
    }
    out.push_str(&line[copied..]);
    if open_until.is_some() {
        // The key ran to the end of the line: close it without a tooltip
        // rather than emit unbalanced markup.
        out.push_str("</span>");
    }
}

/// The kinds of a file's objects, each once, in order of first appearance,
/// with a count when there are several: `Deployment, Service ×2`.
pub fn kind_counts(kinds: &[String]) -> String {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for kind in kinds {
        match counted.iter_mut().find(|(k, _)| *k == kind.as_str()) {
            Some((_, n)) => *n += 1,
            None => counted.push((kind, 1)),
        }
    }
    counted
        .iter()
        .map(|(k, n)| {
            if *n > 1 {
                format!("{k} ×{n}")
            } else {
                (*k).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_bar_names_each_kind_once_with_a_count() {
        let kinds: Vec<String> = ["Pod", "Service", "Service", "ConfigMap", "Service"]
            .map(String::from)
            .into();
        assert_eq!(super::kind_counts(&kinds), "Pod, Service ×3, ConfigMap");
        assert_eq!(super::kind_counts(&["Pod".to_owned()]), "Pod");
    }

    fn doc(line: usize, col: usize, len: usize) -> FieldDoc<'static> {
        FieldDoc {
            line,
            col,
            len,
            path: "spec.replicas".into(),
            type_name: "integer".into(),
            description: "Number of <pods>.",
        }
    }

    #[test]
    fn wraps_the_key_inside_its_token() {
        let html = "  <span class=\"k\">replicas</span>: <span>3</span>\n";
        let mut out = String::new();
        annotate_line(&mut out, html, &[&doc(1, 3, 8)]);
        assert!(out.starts_with("  <span class=\"k\"><span class=\"field\" tabindex=\"0\">replicas<span class=\"field-doc\" role=\"tooltip\">"), "{out}");
        assert!(out.contains("Number of &lt;pods&gt;."), "{out}");
        assert!(
            out.ends_with("</span></span></span>: <span>3</span>\n"),
            "{out}"
        );
    }

    #[test]
    fn characters_count_as_one_column_whatever_their_length() {
        let mut out = String::new();
        annotate_line(&mut out, "é😀 <b>ke</b>y: 1", &[&doc(1, 4, 3)]);
        assert!(
            out.starts_with(
                "é😀 <b><span class=\"field\" tabindex=\"0\">ke</b>y<span class=\"field-doc\""
            ),
            "{out}"
        );
        assert!(out.ends_with("</span></span>: 1"), "{out}");
    }

    #[test]
    fn leaving_the_tooltips_out_gives_back_the_highlighted_line() {
        let html =
            "  <span class=\"k\">replicas</span>: <span>3</span> <span class=\"k\">x</span>\n";
        let mut annotated = String::new();
        annotate_line(&mut annotated, html, &[&doc(1, 3, 8), &doc(1, 15, 1)]);
        // A key that runs to the end of the line is closed with no tooltip.
        annotate_line(&mut annotated, "y", &[&doc(1, 1, 5)]);
        assert_eq!(annotated.matches(TOOLTIP_OPEN).count(), 2, "{annotated}");
        let mut printed = String::new();
        push_without_tooltips(&mut printed, &annotated);
        assert_eq!(printed, format!("{html}<span>y</span>"));
        let mut plain = String::new();
        push_without_tooltips(&mut plain, html);
        assert_eq!(plain, html);
    }

    #[test]
    fn entities_count_as_one_column() {
        let mut out = String::new();
        annotate_line(&mut out, "&amp; key: 1", &[&doc(1, 3, 3)]);
        assert!(out.starts_with("&amp; <span class=\"field\""), "{out}");
    }
}

//! Code blocks as figures: highlighted code with a title, a copy button and
//! marked lines (`hl_lines="2 4-5"`).

use crate::highlight::{HighlightCache, escape_html};

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
}

//! Quizzes: a fenced `quiz` block of single- and multiple-choice questions.
//!
//! ```text
//! ? Which object keeps a fixed number of identical Pods running?
//! - [ ] A ConfigMap
//!   : A ConfigMap stores configuration; it never starts Pods.
//! - [x] A ReplicaSet
//!   : It compares the Pods its selector matches with `replicas`.
//! ```
//!
//! A question starts with `?`; an answer is a list item whose `[x]` marks it
//! correct (one correct answer: single choice; several: multiple choice);
//! an indented line starting with `:` explains the answer above it.
//! Parsing keeps each item's line so errors point at the Markdown source.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::highlight::escape_html;

/// A whole quiz block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quiz {
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The question's text (inline Markdown).
    pub text: String,
    /// 0-based line in the block.
    pub line: usize,
    pub options: Vec<QuizOption>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuizOption {
    pub text: String,
    pub correct: bool,
    /// Explanation (inline Markdown); empty when none is given.
    pub explanation: String,
    /// 0-based line in the block.
    pub line: usize,
}

/// A syntax error in a quiz block: 0-based line and 1-based column in the
/// block's text, so the caller can place it in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuizError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl Question {
    /// Whether several answers are correct (checkboxes instead of radios).
    pub fn is_multiple(&self) -> bool {
        self.options.iter().filter(|o| o.correct).count() > 1
    }
}

fn err(line: usize, raw: &str, message: impl Into<String>) -> QuizError {
    let col = raw.chars().take_while(|c| c.is_whitespace()).count() + 1;
    QuizError {
        line,
        col,
        message: message.into(),
    }
}

/// Parses an answer marker: `- [ ] text`, `- [x] text`, `* [X] text`.
/// `None`: not a list item. `Some(Err)`: a list item without a checkbox.
fn parse_option(trimmed: &str) -> Option<Result<(bool, &str), &'static str>> {
    let rest = trimmed
        .strip_prefix("- ")
        .or_else(|| trimmed.strip_prefix("* "))
        .or_else(|| {
            // A lone dash: an empty list item.
            (trimmed == "-" || trimmed == "*").then_some("")
        })?;
    let rest = rest.trim_start();
    let (correct, text) = if let Some(t) = rest.strip_prefix("[ ]") {
        (false, t)
    } else if let Some(t) = rest
        .strip_prefix("[x]")
        .or_else(|| rest.strip_prefix("[X]"))
    {
        (true, t)
    } else {
        return Some(Err(
            "an answer starts with `- [ ]` (wrong) or `- [x]` (correct)",
        ));
    };
    Some(Ok((correct, text.trim())))
}

/// Parses a quiz block. Every problem is reported, each at its line.
pub fn parse(text: &str) -> Result<Quiz, Vec<QuizError>> {
    let mut questions: Vec<Question> = Vec::new();
    let mut errors = Vec::new();
    // Whether the line before was the question's first line (so a following
    // plain line continues the question's text).
    let mut question_open = false;
    for (n, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            question_open = false;
            continue;
        }
        if let Some(q) = trimmed.strip_prefix('?') {
            let q = q.trim();
            if q.is_empty() {
                errors.push(err(n, raw, "empty question: write the question after `?`"));
            }
            questions.push(Question {
                text: q.to_owned(),
                line: n,
                options: Vec::new(),
            });
            question_open = true;
            continue;
        }
        if let Some(parsed) = parse_option(trimmed) {
            question_open = false;
            let (correct, opt) = match parsed {
                Ok(v) => v,
                Err(m) => {
                    errors.push(err(n, raw, m));
                    continue;
                }
            };
            let Some(q) = questions.last_mut() else {
                errors.push(err(
                    n,
                    raw,
                    "answer without a question: start the question with `?` on the line above",
                ));
                continue;
            };
            if opt.is_empty() {
                errors.push(err(
                    n,
                    raw,
                    "empty answer: write the answer after the checkbox",
                ));
            }
            q.options.push(QuizOption {
                text: opt.to_owned(),
                correct,
                explanation: String::new(),
                line: n,
            });
            continue;
        }
        if let Some(expl) = trimmed.strip_prefix(':') {
            question_open = false;
            let expl = expl.trim();
            let Some(o) = questions.last_mut().and_then(|q| q.options.last_mut()) else {
                errors.push(err(
                    n,
                    raw,
                    "explanation without an answer: `:` lines go below the answer they explain",
                ));
                continue;
            };
            if expl.is_empty() {
                errors.push(err(n, raw, "empty explanation after `:`"));
                continue;
            }
            if !o.explanation.is_empty() {
                o.explanation.push(' ');
            }
            o.explanation.push_str(expl);
            continue;
        }
        // A plain line: continues the question's first line, or an
        // explanation when indented under one.
        if question_open {
            if let Some(q) = questions.last_mut() {
                if !q.text.is_empty() {
                    q.text.push(' ');
                    q.text.push_str(trimmed);
                    continue;
                }
            }
        }
        let continues_expl = raw.starts_with(char::is_whitespace)
            && questions
                .last()
                .and_then(|q| q.options.last())
                .is_some_and(|o| !o.explanation.is_empty());
        if continues_expl {
            if let Some(o) = questions.last_mut().and_then(|q| q.options.last_mut()) {
                o.explanation.push(' ');
                o.explanation.push_str(trimmed);
            }
            continue;
        }
        errors.push(err(
            n,
            raw,
            "unexpected line: a question starts with `?`, an answer with `- [ ]` or `- [x]`, an explanation with `:`",
        ));
    }
    if questions.is_empty() && errors.is_empty() {
        errors.push(QuizError {
            line: 0,
            col: 1,
            message: "empty quiz: add a question starting with `?`".into(),
        });
    }
    let lines: Vec<&str> = text.lines().collect();
    for q in &questions {
        check_question(q, &lines, &mut errors);
    }
    if errors.is_empty() {
        Ok(Quiz { questions })
    } else {
        errors.sort_by_key(|e| (e.line, e.col));
        errors.dedup();
        Err(errors)
    }
}

/// `lines` are the quiz's lines, split once: looking each question up by
/// number in the text made parsing quadratic.
fn check_question(q: &Question, lines: &[&str], errors: &mut Vec<QuizError>) {
    let raw = lines.get(q.line).copied().unwrap_or("");
    if q.options.is_empty() {
        errors.push(err(
            q.line,
            raw,
            "question without answers: list them below as `- [ ]` and `- [x]`",
        ));
        return;
    }
    let mut seen = HashSet::new();
    for o in &q.options {
        let key = o
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if !key.is_empty() && !seen.insert(key) {
            let oraw = lines.get(o.line).copied().unwrap_or("");
            errors.push(err(
                o.line,
                oraw,
                format!("duplicate answer `{}` in this question", o.text),
            ));
        }
    }
    if q.options.len() < 2 {
        errors.push(err(
            q.line,
            raw,
            "question with a single answer: give at least two",
        ));
    }
    if !q.options.iter().any(|o| o.correct) {
        errors.push(err(
            q.line,
            raw,
            "question without a correct answer: mark one or more with `[x]`",
        ));
    }
}

/// Inline Markdown (code spans, emphasis) of one line as HTML, without the
/// paragraph around it. Raw HTML is escaped.
pub fn inline_html(text: &str) -> String {
    use crate::markdown::links::{map_dest, refused_url};
    use pulldown_cmark::{CowStr, Event, Parser};
    let events = Parser::new_ext(text, crate::markdown::parser_options()).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        // A script URL in a quiz or glossary line goes nowhere.
        other => map_dest(other, |dest, image| match refused_url(&dest, image) {
            Some(_) => CowStr::from("#"),
            None => dest,
        }),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    // Anything but one paragraph (`# 3`, `1. x` read as blocks) is shown as it was written.
    match html
        .trim()
        .strip_prefix("<p>")
        .and_then(|t| t.strip_suffix("</p>"))
    {
        Some(t) if !t.contains("<p>") => t.to_owned(),
        _ => escape_html(text),
    }
}

/// Renders a quiz as forms, one fieldset per question. `id` makes names and
/// ids unique in the page (the block's line is a good one).
pub fn render(quiz: &Quiz, id: &str) -> String {
    let mut h = String::with_capacity(1024);
    let _ = write!(h, "<div class=\"quiz\" id=\"quiz-{id}\">");
    let total = quiz.questions.len();
    for (qi, q) in quiz.questions.iter().enumerate() {
        let qid = format!("q{id}-{}", qi + 1);
        let multiple = q.is_multiple();
        let (kind, hint) = if multiple {
            ("multiple", "Choose all the correct answers.")
        } else {
            ("single", "Choose one answer.")
        };
        let _ = write!(
            h,
            "<form class=\"quiz-question\" data-kind=\"{kind}\" id=\"{qid}\"><fieldset>"
        );
        let number = if total > 1 {
            format!("Question {} of {total}: ", qi + 1)
        } else {
            String::from("Question: ")
        };
        let _ = write!(
            h,
            "<legend><span class=\"quiz-number\">{number}</span>{}</legend><p class=\"quiz-hint\" id=\"{qid}-hint\">{hint}</p><ul class=\"quiz-options\">",
            inline_html(&q.text)
        );
        let input = if multiple { "checkbox" } else { "radio" };
        for (oi, o) in q.options.iter().enumerate() {
            let oid = format!("{qid}-{}", oi + 1);
            let _ = write!(
                h,
                "<li class=\"quiz-option\" data-correct=\"{}\"><input type=\"{input}\" name=\"{qid}\" id=\"{oid}\" value=\"{}\" aria-describedby=\"{qid}-hint\"><label for=\"{oid}\">{}</label>",
                o.correct,
                oi + 1,
                inline_html(&o.text)
            );
            if !o.explanation.is_empty() {
                let _ = write!(
                    h,
                    "<p class=\"quiz-explanation\" id=\"{oid}-why\" hidden>{}</p>",
                    inline_html(&o.explanation)
                );
            }
            h.push_str("</li>");
        }
        h.push_str("</ul><div class=\"quiz-actions\"><button type=\"submit\" class=\"quiz-check\" hidden>Check</button>");
        let _ = write!(
            h,
            "<p class=\"quiz-feedback\" role=\"status\" aria-live=\"polite\"></p></div>"
        );
        // Without JavaScript: the answer and the explanations in a details.
        h.push_str("<details class=\"quiz-answer\"><summary>Show the answer</summary><ul>");
        for o in &q.options {
            let mark = if o.correct {
                "<strong>Correct:</strong> "
            } else {
                "<strong>Wrong:</strong> "
            };
            let _ = write!(
                h,
                "<li class=\"{}\">{mark}{}",
                if o.correct { "right" } else { "wrong" },
                inline_html(&o.text)
            );
            if !o.explanation.is_empty() {
                let _ = write!(h, " — {}", inline_html(&o.explanation));
            }
            h.push_str("</li>");
        }
        h.push_str("</ul></details></fieldset></form>");
    }
    h.push_str("</div>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::inline_html;

    #[test]
    fn script_urls_in_quiz_lines_go_nowhere() {
        assert_eq!(
            inline_html("[x](JavaScript:alert(1)) ![i](data:text/html,x) [ok](https://k8s.io)"),
            "<a href=\"#\">x</a> <img src=\"#\" alt=\"i\" /> <a href=\"https://k8s.io\">ok</a>"
        );
    }
}

//! Shell blocks to simple commands: `$ ` prompts and output, `\`
//! continuations, `&&`/`||`/`;`/`|` chains, quoting, heredocs and
//! `# kourse:expect RULE` comments.

/// One simple command of a shell line, split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub line: usize,
    pub col: usize,
    pub words: Vec<String>,
    /// A heredoc's text.
    pub stdin: Option<String>,
    /// Standard input comes from a pipe.
    pub piped: bool,
    /// A word holds a variable, a command substitution or a `<placeholder>`:
    /// its value is unknown.
    pub unknown: bool,
    /// `# kourse:expect RULE` on its line.
    pub expect: Option<String>,
}

/// Languages whose blocks hold commands.
pub fn is_shell(lang: &str) -> bool {
    matches!(
        lang,
        "console" | "bash" | "sh" | "shell" | "zsh" | "shell-session"
    )
}

/// The commands of a shell block. `first_line` and `col` place its first
/// content line in the page. In a `console` block with `$ ` prompts only the
/// prompted lines (and their continuations) are commands; the rest is output.
pub fn shell_commands(lang: &str, text: &str, first_line: usize, col: usize) -> Vec<Command> {
    let lines: Vec<&str> = text.lines().collect();
    let prompted = lang == "console" || lang == "shell-session";
    let has_prompt = prompted
        && lines
            .iter()
            .any(|l| l.trim_start().starts_with("$ ") || l.trim() == "$");
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let trimmed = raw.trim_start();
        let mut start_col = raw.len() - trimmed.len();
        let mut body = trimmed;
        if let Some(rest) = trimmed.strip_prefix("$ ") {
            start_col += 2;
            body = rest;
        } else if has_prompt {
            i += 1;
            continue;
        }
        let lead = body.len() - body.trim_start().len();
        start_col += lead;
        let body = body.trim_start();
        // A logical line: continuations joined, with each piece's line.
        let mut logical = String::new();
        let mut pieces: Vec<(usize, usize, usize)> = vec![(0, i, start_col)];
        let mut cur = body.to_string();
        let mut j = i;
        while cur.ends_with('\\') && j + 1 < lines.len() {
            cur.pop();
            logical.push_str(&cur);
            logical.push(' ');
            j += 1;
            let next = lines[j];
            let t = next.trim_start();
            let t = t.strip_prefix("> ").unwrap_or(t);
            pieces.push((logical.len(), j, next.len() - t.len()));
            cur = t.to_string();
        }
        logical.push_str(&cur);
        let (segments, heredoc) = split_line(&logical);
        let mut next = j + 1;
        let mut stdin = None;
        if let Some(delim) = heredoc {
            let mut body = String::new();
            while next < lines.len() && lines[next].trim() != delim {
                body.push_str(lines[next]);
                body.push('\n');
                next += 1;
            }
            stdin = Some(body);
            next += 1;
        }
        for seg in segments {
            let (pl, line_idx, pcol) = pieces
                .iter()
                .rev()
                .find(|(off, _, _)| *off <= seg.offset)
                .copied()
                .unwrap_or((0, i, start_col));
            let c = pcol + (seg.offset - pl);
            out.push(Command {
                line: first_line + line_idx,
                col: col + char_count(lines[line_idx], c),
                words: seg.words,
                stdin: if seg.heredoc { stdin.clone() } else { None },
                piped: seg.piped,
                unknown: seg.unknown,
                expect: seg.expect,
            });
        }
        i = next.max(i + 1);
    }
    out
}

fn char_count(line: &str, byte: usize) -> usize {
    line.get(..byte.min(line.len()))
        .map_or(byte, |s| s.chars().count())
}

struct Segment {
    offset: usize,
    words: Vec<String>,
    piped: bool,
    heredoc: bool,
    unknown: bool,
    expect: Option<String>,
}

/// The split of one logical line in progress.
#[derive(Default)]
struct Splitter {
    segs: Vec<Segment>,
    words: Vec<String>,
    word: String,
    in_word: bool,
    offset: Option<usize>,
    unknown: bool,
    piped: bool,
    seg_heredoc: bool,
    want_delim: bool,
    heredoc: Option<String>,
}

impl Splitter {
    /// Starts (or continues) a word at byte `at`.
    fn begin(&mut self, at: usize) {
        if !self.want_delim {
            self.offset.get_or_insert(at);
        }
        self.in_word = true;
    }

    fn end_word(&mut self) {
        if self.in_word {
            let w = std::mem::take(&mut self.word);
            if self.want_delim {
                self.heredoc = Some(w);
                self.want_delim = false;
            } else {
                self.words.push(w);
            }
            self.in_word = false;
        }
    }

    /// Ends a simple command; `next_piped` says the next one reads a pipe.
    fn end_segment(&mut self, next_piped: bool) {
        self.end_word();
        if !self.words.is_empty() {
            self.segs.push(Segment {
                offset: self.offset.unwrap_or(0),
                words: std::mem::take(&mut self.words),
                piped: self.piped,
                heredoc: self.seg_heredoc,
                unknown: self.unknown,
                expect: None,
            });
        }
        self.offset = None;
        self.unknown = false;
        self.seg_heredoc = false;
        self.piped = next_piped;
    }
}

/// Splits a logical shell line into simple commands at `&&`, `||`, `;` and
/// `|`, with shell quoting; returns them and a heredoc's delimiter.
fn split_line(line: &str) -> (Vec<Segment>, Option<String>) {
    let mut s = Splitter::default();
    let mut expect = None;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (at, c) = chars[k];
        let peek = chars.get(k + 1).map(|x| x.1);
        match c {
            ' ' | '\t' => s.end_word(),
            '#' if !s.in_word => {
                let comment = &line[at + 1..];
                if let Some(rest) = comment.trim().strip_prefix("kourse:expect") {
                    expect = rest.split_whitespace().next().map(str::to_owned);
                }
                break;
            }
            '&' | '|' if peek == Some(c) => {
                s.end_segment(false);
                k += 1;
            }
            '|' => s.end_segment(true),
            ';' => s.end_segment(false),
            '<' if !s.in_word && peek == Some('<') => {
                s.end_word();
                k += 1;
                if chars.get(k + 1).map(|x| x.1) == Some('-') {
                    k += 1;
                }
                s.want_delim = true;
                s.seg_heredoc = true;
            }
            '\'' => {
                s.begin(at);
                k += 1;
                while k < chars.len() && chars[k].1 != '\'' {
                    s.word.push(chars[k].1);
                    k += 1;
                }
            }
            '"' => {
                s.begin(at);
                k += 1;
                while k < chars.len() && chars[k].1 != '"' {
                    match chars[k].1 {
                        '\\' if k + 1 < chars.len() => {
                            k += 1;
                            s.word.push(chars[k].1);
                        }
                        ch => {
                            s.unknown |= matches!(ch, '$' | '`');
                            s.word.push(ch);
                        }
                    }
                    k += 1;
                }
            }
            '\\' => {
                s.begin(at);
                if let Some(&(_, n)) = chars.get(k + 1) {
                    s.word.push(n);
                    k += 1;
                }
            }
            c => {
                // `$VAR`, `$(…)`, `<placeholder>`, globs: a value unknown here.
                s.unknown |= !s.want_delim && matches!(c, '$' | '`' | '<' | '>' | '*' | '(' | ')');
                s.begin(at);
                s.word.push(c);
            }
        }
        k += 1;
    }
    s.end_segment(false);
    // A trailing mark names the rule for every command of the line.
    if let Some(e) = expect {
        for seg in &mut s.segs {
            seg.expect = Some(e.clone());
        }
    }
    (s.segs, s.heredoc)
}

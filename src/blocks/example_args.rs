//! The arguments of `{{#example path key=value…}}` and the excerpt of the
//! file they select (lines, documents, anchors).

/// The parsed arguments of `{{#example path key=value…}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExampleArgs {
    pub path: String,
    pub lines: Option<(usize, usize)>,
    pub region: Option<String>,
    pub doc: Option<usize>,
    pub expect_error: Option<String>,
    pub title: Option<String>,
    /// `apply`: the learner applies the file here (the walk applies it).
    pub apply: bool,
}

/// Parses directive arguments; errors name the offending argument.
pub fn parse_example_args(args: &str) -> Result<ExampleArgs, String> {
    let mut words = split_args(args)?.into_iter();
    let path = words
        .next()
        .ok_or("`{{#example}}` needs a file path, e.g. `{{#example workloads/pod.yaml}}`")?;
    if path.contains('=') {
        return Err(format!(
            "the first argument must be a file path, not `{path}`"
        ));
    }
    let mut out = ExampleArgs {
        path,
        ..Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    for w in words {
        if w == "apply" {
            out.apply = true;
            continue;
        }
        let (k, v) = w
            .split_once('=')
            .ok_or_else(|| format!("`{w}` is not of the form key=value"))?;
        if !seen.insert(k.to_owned()) {
            return Err(format!(
                "option `{k}` is given twice; give each option once"
            ));
        }
        match k {
            "lines" => {
                let (a, b) = v.split_once('-').unwrap_or((v, v));
                let a: usize = a
                    .parse()
                    .map_err(|_| format!("lines=`{v}` must be a range such as 5-20"))?;
                let b: usize = b
                    .parse()
                    .map_err(|_| format!("lines=`{v}` must be a range such as 5-20"))?;
                if a == 0 || b < a {
                    return Err(format!("lines=`{v}` must be a range such as 5-20"));
                }
                out.lines = Some((a, b));
            }
            "region" => out.region = Some(v.to_owned()),
            "doc" => {
                out.doc = Some(
                    v.parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("doc=`{v}` must be a document number from 1"))?,
                )
            }
            "expect-error" => out.expect_error = Some(v.to_owned()),
            "title" => out.title = Some(v.to_owned()),
            other => {
                let hint = crate::source::closest(
                    other,
                    ["lines", "region", "doc", "expect-error", "title"],
                );
                return Err(match hint {
                    Some(h) => format!("unknown option `{other}` (did you mean `{h}`?)"),
                    None => format!("unknown option `{other}`"),
                });
            }
        }
    }
    Ok(out)
}

/// Splits on whitespace, keeping `"quoted values"` together.
fn split_args(args: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in args.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unclosed quote".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// The part of a file an example shows, and the 1-based file line of
/// each shown line. `Err` explains what was not found.
pub fn excerpt(text: &str, args: &ExampleArgs) -> Result<(String, Vec<usize>), String> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let selected: Vec<(usize, &str)> = if let Some((a, b)) = args.lines {
        if a > lines.len() {
            return Err(format!(
                "lines={a}-{b}: the file has only {} lines",
                lines.len()
            ));
        }
        lines[a - 1..b.min(lines.len())].to_vec()
    } else if let Some(region) = &args.region {
        let start = lines
            .iter()
            .position(|(_, l)| region_marker(l, "region:").is_some_and(|n| n == region))
            .ok_or_else(|| format!("no `# region: {region}` marker in the file"))?;
        let end = lines[start + 1..]
            .iter()
            .position(|(_, l)| region_marker(l, "endregion").is_some())
            .map(|i| start + 1 + i)
            .ok_or_else(|| format!("region `{region}` has no `# endregion`"))?;
        lines[start + 1..end].to_vec()
    } else if let Some(n) = args.doc {
        let docs = document_ranges(&lines);
        let range = docs
            .get(n - 1)
            .ok_or_else(|| format!("doc={n}: the file has only {} documents", docs.len()))?;
        lines[range.clone()].to_vec()
    } else {
        lines
    };
    let shown: Vec<(usize, &str)> = selected
        .into_iter()
        .filter(|(_, l)| {
            region_marker(l, "region:").is_none() && region_marker(l, "endregion").is_none()
        })
        .collect();
    let mut out = shown.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
    out.push('\n');
    Ok((out, shown.iter().map(|(n, _)| *n).collect()))
}

/// Index ranges of the YAML documents among `lines`, split at `---`;
/// documents with nothing but comments do not count.
fn document_ranges(lines: &[(usize, &str)]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for (i, (_, l)) in lines
        .iter()
        .enumerate()
        .chain(std::iter::once((lines.len(), &(0, "---"))))
    {
        if l.trim_end() == "---" || l.starts_with("--- ") {
            let content = lines[start..i]
                .iter()
                .any(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
            if content {
                ranges.push(start..i);
            }
            start = i + 1;
        }
    }
    ranges
}

fn region_marker<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let rest = line
        .trim()
        .strip_prefix('#')?
        .trim_start()
        .strip_prefix(word)?;
    Some(rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_args() {
        let a =
            parse_example_args("web/app.yaml lines=3-9 expect-error=selector-mismatch").unwrap();
        assert_eq!(a.path, "web/app.yaml");
        assert_eq!(a.lines, Some((3, 9)));
        assert_eq!(a.expect_error.as_deref(), Some("selector-mismatch"));
        assert!(
            parse_example_args("a.yaml lnes=1-2")
                .unwrap_err()
                .contains("did you mean `lines`")
        );
        assert!(parse_example_args("").is_err());
        assert!(parse_example_args("a.yaml lines=5-2").is_err());
    }

    #[test]
    fn excerpts() {
        let text = "a: 1\n# region: x\nb: 2\n# endregion\nc: 3\n---\nkind: Service\n";
        let r = |a: ExampleArgs| excerpt(text, &a).unwrap().0;
        assert_eq!(
            r(ExampleArgs {
                region: Some("x".into()),
                ..Default::default()
            }),
            "b: 2\n"
        );
        assert_eq!(
            r(ExampleArgs {
                lines: Some((1, 1)),
                ..Default::default()
            }),
            "a: 1\n"
        );
        assert_eq!(
            r(ExampleArgs {
                doc: Some(2),
                ..Default::default()
            }),
            "kind: Service\n"
        );
        assert!(
            excerpt(
                text,
                &ExampleArgs {
                    region: Some("nope".into()),
                    ..Default::default()
                }
            )
            .is_err()
        );
    }
}

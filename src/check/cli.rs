//! `kourse check [PATHS…]`: gathers sources, runs the checker, prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::flags::RunFlags;
use super::{CheckOptions, Checker, Source, input, markdown, render};
use crate::diagnostic::{self, Counts, Diagnostic, Format};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct CheckArgs {
    /// YAML files, directories (Kustomize and Helm ones are rendered) and Markdown files;
    /// `-` reads standard input; default: the whole course (examples/ and content/).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors (as `kourse build --deny-warnings`).
    #[arg(long)]
    pub deny_warnings: bool,
    /// `--deny warnings`: the older spelling of `--deny-warnings`.
    #[arg(long, value_name = "warnings")]
    pub deny: Vec<String>,
    /// Course root (where book.toml is).
    #[arg(long, short = 'C', default_value = ".")]
    pub root: PathBuf,
    /// Print each step of the walk and the state after each page (to stderr).
    #[arg(long)]
    pub walk_trace: bool,
    /// List every rule (id, default level, what it finds) and exit.
    #[arg(long)]
    pub list_rules: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

/// One set of sources checked together.
enum Set {
    Yaml(Vec<PathBuf>),
    Markdown(PathBuf),
    Stdin,
    /// A folder holding kustomization.yaml, rendered by `kubectl kustomize`.
    Kustomize(PathBuf),
    /// A folder holding Chart.yaml, rendered by `helm template`.
    Helm(PathBuf),
}

/// What a usage error of `kourse check` without paths says.
const NOTHING_TO_CHECK: &str = "nothing to check: pass manifest files or folders, `-` to read standard input \
(e.g. `helm template . | kourse check -`), or run it in a course (a folder with book.toml)";

/// Runs the check; returns the exit code: 0 clean, 1 errors, 2 usage or I/O error.
pub fn run_cli(args: &CheckArgs) -> i32 {
    if args.list_rules {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for (id, level, text) in super::all_rules() {
            let _ = writeln!(out, "{id:<28} {:<7} {text}", level.as_str());
        }
        return 0;
    }
    // One root, however it was typed (see crate::paths).
    let args = &match crate::paths::course_root(&args.root) {
        Ok(root) => CheckArgs {
            root,
            ..args.clone()
        },
        Err(d) => {
            emit(&[d], args.format, &[]);
            return 2;
        }
    };
    for d in &args.deny {
        if d != "warnings" {
            eprintln!("error: --deny takes `warnings`, not `{d}`");
            return 2;
        }
    }
    let in_course = args.root.join(crate::config::CONFIG_FILE).exists();
    let mut args = args.clone();
    if args.paths.is_empty() && !in_course {
        if input::stdin_is_piped() {
            args.paths.push(PathBuf::from("-"));
        } else {
            eprintln!("error: {NOTHING_TO_CHECK}");
            return 2;
        }
    }
    if args.paths.iter().filter(|p| input::is_stdin_arg(p)).count() > 1 {
        eprintln!("error: `-` (standard input) can be given once");
        return 2;
    }
    let args = &args;
    let (mut opts, deny_cfg) = match read_config(&args.root) {
        Ok(x) => x,
        Err(diags) => {
            emit(&diags, args.format, &[]);
            return 2;
        }
    };
    if let Err(message) = args.run.apply(&mut opts) {
        eprintln!("error: {message}");
        return 2;
    }
    let deny_warnings = deny_cfg || !args.deny.is_empty() || args.deny_warnings;
    let checker = match Checker::new(&opts) {
        Ok(c) => c,
        Err(mut diags) => {
            // Schema directories are absolute (joined to the root); show them as configured.
            for d in &mut diags {
                d.file = diagnostic::display_path(&d.file, &args.root);
            }
            emit(&diags, args.format, &[]);
            return 2;
        }
    };
    // The walk (a whole course only) loads the pages on its own: it runs
    // beside the per-file checks.
    let (mut diags, files, io_errors) = std::thread::scope(|scope| {
        let walk = args
            .paths
            .is_empty()
            .then(|| scope.spawn(|| super::walk::from_cli(&args.root, &checker, args.walk_trace)));
        let mut io_errors = Vec::new();
        let sets = gather(args, &checker, &mut io_errors);
        let mut diags: Vec<Diagnostic> = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        for set in &sets {
            match set {
                Set::Yaml(paths) => {
                    let mut sources = Vec::new();
                    for p in paths {
                        let shown = diagnostic::display_path(p, &args.root);
                        if let Some(text) = read(p, &shown, &mut diags, &mut io_errors) {
                            sources.push(Source::new(shown, text));
                        }
                    }
                    files.extend(sources.iter().map(|s| s.path.clone()));
                    diags.extend(super::expect::check_files(&checker, &sources));
                }
                Set::Markdown(p) => {
                    let shown = diagnostic::display_path(p, &args.root);
                    if let Some(text) = read(p, &shown, &mut diags, &mut io_errors) {
                        diags.extend(markdown::check_page(&checker, &shown, &text));
                        files.push(shown);
                    }
                }
                Set::Stdin => match input::read_stdin() {
                    Ok(text) => {
                        let source = Source::new(input::STDIN_NAME, text);
                        diags.extend(super::expect::check_files(&checker, &[source]));
                        files.push(PathBuf::from(input::STDIN_NAME));
                    }
                    Err(d) => io_errors.push(d),
                },
                Set::Kustomize(dir) | Set::Helm(dir) => {
                    let tool = if matches!(set, Set::Helm(_)) {
                        render::Tool::Helm(&args.run.helm_values)
                    } else {
                        render::Tool::Kustomize
                    };
                    let (checked, found) = render::check_rendered(&checker, tool, dir, &args.root);
                    files.extend(checked);
                    diags.extend(found);
                }
            }
        }
        if let Some(walk) = walk {
            diags.extend(walk.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        (diags, files, io_errors)
    });
    diagnostic::sort(&mut diags);
    // A base rendered alone and within each overlay reports its mistakes once.
    diags.dedup_by(|a, b| {
        (&a.file, a.line, a.col, &a.rule, &a.message)
            == (&b.file, b.line, b.col, &b.rule, &b.message)
    });
    diags.extend(io_errors.iter().cloned());
    if !args.run.summary {
        emit(&diags, args.format, &files);
    }
    let counts = Counts::of(&diags);
    let versions = checker.versions().join(", ");
    let n = files.len();
    eprintln!(
        "checked {n} file{} against Kubernetes {versions}: {} error{}, {} warning{}",
        if n == 1 { "" } else { "s" },
        counts.errors,
        if counts.errors == 1 { "" } else { "s" },
        counts.warnings,
        if counts.warnings == 1 { "" } else { "s" },
    );
    if !io_errors.is_empty() {
        2
    } else if counts.errors > 0 || (deny_warnings && counts.warnings > 0) {
        1
    } else {
        0
    }
}

/// Reads a file to check with the same limits as the build (size, UTF-8,
/// regular files only). A file that cannot be opened is an I/O error (exit
/// code 2); a file that is too large or not UTF-8 is a finding (exit code 1).
fn read(
    path: &Path,
    shown: &Path,
    diags: &mut Vec<Diagnostic>,
    io_errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    match crate::source::read_text(path, shown) {
        Ok(text) => Some(text),
        Err(d) if d.rule == "io" => {
            io_errors.push(d);
            None
        }
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

use super::files::is_yaml;
pub use super::files::{is_helm_template, is_tool_config};

/// Prints a run's diagnostics in the chosen format.
fn emit(diags: &[Diagnostic], format: diagnostic::Format, files: &[PathBuf]) {
    crate::diagnostic_formats::emit(diags, format, files, super::describe_rule);
}

fn is_md(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()) == Some("md")
}

fn gather(args: &CheckArgs, checker: &Checker, errors: &mut Vec<Diagnostic>) -> Vec<Set> {
    let mut sets = Vec::new();
    let whole = args.paths.is_empty();
    let roots: Vec<PathBuf> = if whole {
        vec![args.root.join("examples"), args.root.join("content")]
    } else {
        args.paths.clone()
    };
    for r in roots {
        if input::is_stdin_arg(&r) {
            sets.push(Set::Stdin);
        } else if r.is_file() {
            if is_md(&r) {
                sets.push(Set::Markdown(r));
            } else {
                sets.push(Set::Yaml(vec![r]));
            }
        } else if r.is_dir() {
            let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
            // Folders rendered by a tool: their own YAML files are its input.
            let mut rendered: Vec<PathBuf> = Vec::new();
            let mut walk = walkdir::WalkDir::new(&r).sort_by_file_name().into_iter();
            while let Some(e) = walk.next() {
                let Ok(e) = e else { continue };
                let p = e.path();
                let rel = p.strip_prefix(&args.root).unwrap_or(p);
                let excluded = || {
                    whole
                        && checker
                            .exclude
                            .iter()
                            .any(|g| glob_match(g, &rel.to_string_lossy()))
                };
                if e.file_type().is_dir() {
                    if excluded() {
                        walk.skip_current_dir();
                    } else if let Some(set) = render::tool_folder(p) {
                        rendered.push(p.to_path_buf());
                        if matches!(set, render::Folder::Helm) {
                            // A chart's templates are not YAML until Helm renders them.
                            walk.skip_current_dir();
                            sets.push(Set::Helm(p.to_path_buf()));
                        } else {
                            sets.push(Set::Kustomize(p.to_path_buf()));
                        }
                    }
                    continue;
                }
                if !e.file_type().is_file() || excluded() {
                    continue;
                }
                if is_md(p) {
                    sets.push(Set::Markdown(p.to_path_buf()));
                } else if is_yaml(p)
                    && !is_tool_config(p)
                    && !p.parent().is_some_and(|d| rendered.iter().any(|x| x == d))
                {
                    by_dir
                        .entry(p.parent().unwrap_or(&r).to_path_buf())
                        .or_default()
                        .push(p.to_path_buf());
                }
            }
            sets.extend(by_dir.into_values().map(Set::Yaml));
        } else if !whole {
            let message = if r.exists() {
                "not a regular file or folder (a FIFO, socket or device)"
            } else {
                "no such file or directory"
            };
            errors.push(Diagnostic::error("io", r.clone(), message));
        }
    }
    sets
}

/// Matches a glob with `*` (within a path segment), `**` (any depth) and `?`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn m(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                if rest.is_empty() {
                    return true;
                }
                (0..=s.len()).any(|i| (i == 0 || s[i - 1] == b'/') && m(rest, &s[i..]))
                    || m(rest, s)
            }
            Some(b'*') => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| m(&p[1..], &s[i..])),
            Some(b'?') => !s.is_empty() && s[0] != b'/' && m(&p[1..], &s[1..]),
            Some(c) => s.first() == Some(c) && m(&p[1..], &s[1..]),
        }
    }
    m(pattern.as_bytes(), path.as_bytes())
}

/// Reads `[kubernetes]` from book.toml (a stand-in until `config::Config` lands).
fn read_config(root: &Path) -> Result<(CheckOptions, bool), Vec<Diagnostic>> {
    // Loose files outside a course are checked with the defaults.
    if !root.join(crate::config::CONFIG_FILE).exists() {
        return Ok((CheckOptions::default(), false));
    }
    let config = crate::config::Config::load(root)?;
    Ok((
        CheckOptions::from_config(&config.kubernetes, root),
        config.build.deny_warnings,
    ))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("examples/broken/**", "examples/broken/a/b.yaml"));
        assert!(glob_match("**/*.yaml", "examples/x.yaml"));
        assert!(!glob_match("examples/*.yaml", "examples/a/x.yaml"));
        assert!(glob_match("content/??-intro.md", "content/01-intro.md"));
    }
}

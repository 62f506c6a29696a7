//! Command-line interface: parses arguments and dispatches to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diagnostic::{self, Counts, Diagnostic};

#[derive(Debug, Parser)]
#[command(
    name = "kourse",
    version,
    about = "Build and check a Kubernetes course website"
)]
pub struct Cli {
    /// Print only errors and warnings.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hoisted(args: &[&str]) -> Vec<String> {
        hoist_root(args.iter().map(Into::into).collect())
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_root_before_the_subcommand_goes_behind_it() {
        assert_eq!(
            hoisted(&["k", "-C", "x", "build"]),
            ["k", "build", "-C", "x"]
        );
        assert_eq!(
            hoisted(&["k", "-q", "--root=x", "check", "a.yaml"]),
            ["k", "-q", "check", "--root=x", "a.yaml"]
        );
        assert_eq!(
            hoisted(&["k", "-Cx", "serve", "--port", "0"]),
            ["k", "serve", "-Cx", "--port", "0"]
        );
        assert_eq!(
            hoisted(&["k", "build", "-C", "x"]),
            ["k", "build", "-C", "x"]
        );
        assert_eq!(hoisted(&["k", "-C"]), ["k", "-C"]);
    }

    #[test]
    fn build_and_serve_take_the_folder_as_an_argument() {
        let cli = Cli::parse_from(["k", "build", "course", "--deny", "warnings"]);
        let Command::Build(b) = cli.command else {
            panic!()
        };
        assert_eq!(b.dir.as_deref(), Some(std::path::Path::new("course")));
        assert_eq!(b.deny, ["warnings"]);
        assert!(Cli::try_parse_from(["k", "build", "a", "-C", "b"]).is_err());
        assert!(Cli::try_parse_from(["k", "build", "--deny", "errors"]).is_err());
        let cli = Cli::parse_from(["k", "check", "--deny-warnings"]);
        let Command::Check(c) = cli.command else {
            panic!()
        };
        assert!(c.deny_warnings);
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (default: public/).
    Build(BuildArgs),
    /// Serve the course with live reload while you edit it.
    Serve(ServeArgs),
    /// Check Kubernetes manifests (files, folders, Markdown; default: the whole course).
    Check(crate::check::CheckArgs),
    /// Write a small starter course into DIR.
    Init {
        /// Folder to create the course in (created if missing).
        dir: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The course folder (holds book.toml); the same as `-C DIR`.
    #[arg(value_name = "DIR", conflicts_with = "root")]
    pub dir: Option<PathBuf>,
    /// The course folder (holds book.toml).
    #[arg(long, short = 'C', default_value = ".")]
    pub root: PathBuf,
    /// Write the site here instead of book.toml's build.output-dir.
    #[arg(long, short)]
    pub dest: Option<PathBuf>,
    /// Include pages marked as drafts.
    #[arg(long)]
    pub drafts: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// `--deny warnings`, as `kourse check` also spells it.
    #[arg(long, value_name = "warnings", value_parser = ["warnings"])]
    pub deny: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The course folder (holds book.toml); the same as `-C DIR`.
    #[arg(value_name = "DIR", conflicts_with = "root")]
    pub dir: Option<PathBuf>,
    /// The course folder (holds book.toml).
    #[arg(long, short = 'C', default_value = ".")]
    pub root: PathBuf,
    /// Port to listen on (0: any free port).
    #[arg(long, short, default_value_t = 3000)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address exposes your
    /// drafts to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Include pages marked as drafts.
    #[arg(long)]
    pub drafts: bool,
}

/// Runs the command line; the exit code is 0 on success, 1 when the course
/// has errors, 2 for usage or I/O problems.
pub fn run() -> ExitCode {
    // A closed pipe (`kourse check | head`) ends the program quietly, as it
    // does any Unix filter, instead of failing every later write (and
    // panicking in print macros). Sockets are not affected: the standard
    // library sends with MSG_NOSIGNAL.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal, before any
    // thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse_from(hoist_root(std::env::args_os().collect()));
    let code = match cli.command {
        Command::Build(args) => build(&args, cli.quiet),
        Command::Serve(args) => serve(&args, cli.quiet),
        Command::Check(args) => crate::check::run_cli(&args).clamp(0, 255) as u8,
        Command::Init { dir } => init(&dir, cli.quiet),
    };
    ExitCode::from(code)
}

/// `kourse -C DIR build` (as with git, make and cargo) means `kourse build
/// -C DIR`: a `-C DIR`, `-CDIR`, `--root DIR` or `--root=DIR` given before
/// the subcommand is moved behind it.
fn hoist_root(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut i = 1;
    let mut hoisted = Vec::new();
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if a == "-C" || a == "--root" {
            if i + 1 >= args.len() {
                break;
            }
            hoisted.extend(args.drain(i..i + 2));
        } else if a.starts_with("--root=") || (a.starts_with("-C") && a.len() > 2) {
            hoisted.push(args.remove(i));
        } else if a.starts_with('-') {
            i += 1;
        } else {
            // The subcommand: what was hoisted goes right behind it.
            let at = i + 1;
            args.splice(at..at, hoisted);
            return args;
        }
    }
    args.extend(hoisted);
    args
}

/// The course folder a command names: its positional DIR, else `-C`.
fn course_dir(dir: &Option<PathBuf>, root: &std::path::Path) -> PathBuf {
    dir.clone().unwrap_or_else(|| root.to_path_buf())
}

fn report(diags: &[Diagnostic]) {
    diagnostic::emit_human(diags);
}

fn summary(counts: Counts) -> String {
    format!(
        "{} error{}, {} warning{}",
        counts.errors,
        if counts.errors == 1 { "" } else { "s" },
        counts.warnings,
        if counts.warnings == 1 { "" } else { "s" }
    )
}

fn build(args: &BuildArgs, quiet: bool) -> u8 {
    let opts = crate::site::BuildOptions {
        root: course_dir(&args.dir, &args.root),
        dest: args.dest.clone(),
        drafts: args.drafts,
        deny_warnings: args.deny_warnings || !args.deny.is_empty(),
        inject: None,
    };
    match crate::site::build(&opts) {
        Ok(report_) => {
            report(&report_.warnings);
            if !quiet {
                eprintln!(
                    "built {} pages ({} files) into {} in {} ms{}",
                    report_.pages,
                    report_.files,
                    report_.output.display(),
                    report_.elapsed_ms,
                    if report_.warnings.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", summary(Counts::of(&report_.warnings)))
                    }
                );
            }
            0
        }
        Err(diags) => {
            report(&diags);
            eprintln!("build failed: {}", summary(Counts::of(&diags)));
            exit_code_for(&diags)
        }
    }
}

/// 2 when every error is an I/O or usage problem, 1 otherwise.
fn exit_code_for(diags: &[Diagnostic]) -> u8 {
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty()
        && errors
            .iter()
            .all(|d| d.rule == "io" || d.rule == "output-dir")
    {
        2
    } else {
        1
    }
}

fn init(dir: &std::path::Path, quiet: bool) -> u8 {
    match crate::init::init(dir) {
        Ok(files) => {
            if !quiet {
                for f in files {
                    eprintln!("created {}", dir.join(f).display());
                }
                eprintln!(
                    "next: kourse serve {0}   (a live preview), or kourse build {0}",
                    dir.display()
                );
            }
            0
        }
        Err(diags) => {
            report(&diags);
            1
        }
    }
}

fn serve(args: &ServeArgs, quiet: bool) -> u8 {
    if !args.bind.is_loopback() {
        eprintln!(
            "warning: listening on {}, not a loopback address: anyone who can reach this machine can read the course, drafts included",
            args.bind
        );
    }
    let root = course_dir(&args.dir, &args.root);
    let opts = crate::serve::ServeOptions {
        root: root.clone(),
        bind: args.bind,
        port: args.port,
        drafts: args.drafts,
        quiet,
        ..Default::default()
    };
    crate::serve::interrupt::install();
    match crate::serve::start(opts) {
        Ok(server) => {
            let url = server.url();
            eprintln!("serving {} at {url} (Ctrl-C to stop)", root.display());
            if args.open {
                crate::serve::open_browser(&url);
            }
            while !crate::serve::interrupt::requested() {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            if !quiet {
                eprintln!("stopping");
            }
            server.stop();
            if !quiet {
                eprintln!("stopped");
            }
            0
        }
        Err(diags) => {
            report(&diags);
            2
        }
    }
}

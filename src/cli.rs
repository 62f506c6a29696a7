//! Command-line interface: parses arguments and dispatches to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diagnostic::{self, Counts, Diagnostic, Format};

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
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
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
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Build(args) => build(&args, cli.quiet),
        Command::Serve(args) => serve(&args, cli.quiet),
        Command::Check(args) => crate::check::run_cli(&args).clamp(0, 255) as u8,
        Command::Init { dir } => init(&dir, cli.quiet),
    };
    ExitCode::from(code)
}

fn report(diags: &[Diagnostic]) {
    diagnostic::emit(diags, Format::Human);
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
        root: args.root.clone(),
        dest: args.dest.clone(),
        drafts: args.drafts,
        deny_warnings: args.deny_warnings,
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
                eprintln!("next: kourse build -C {}", dir.display());
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
    let opts = crate::serve::ServeOptions {
        root: args.root.clone(),
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
            eprintln!("serving {} at {url} (Ctrl-C to stop)", args.root.display());
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

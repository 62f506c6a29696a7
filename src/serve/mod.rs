//! `kourse serve`: a live preview of the course.
//!
//! * [`incremental`] keeps the loaded course in memory and rebuilds only
//!   what a change touched, producing the same bytes as `kourse build`;
//! * [`watch`] turns file-system events into debounced batches of changed
//!   inputs;
//! * [`reload`] pushes "these pages changed" / "the build failed" to the
//!   open pages over Server-Sent Events;
//! * [`http`] serves the in-memory site.
//!
//! Threads: a few HTTP workers, one rebuild thread (which owns the engine
//! and the watcher), and one small thread per reload listener.

pub mod http;
pub mod incremental;
pub mod interrupt;
pub mod reload;
pub mod watch;

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tiny_http::{Method, Request};

use crate::config::Config;
use crate::diagnostic::{self, Diagnostic};
use crate::highlight::HighlightCache;
use crate::site::BuildOptions;
use http::{Body, Lookup};
use incremental::{Engine, Files, Hint};
use reload::Hub;

/// Options of `kourse serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub drafts: bool,
    /// Quiet period that ends a burst of file events.
    pub debounce: Duration,
    /// Interval of keep-alive comments to reload listeners (a vanished
    /// listener is noticed at the second comment after it left).
    pub keepalive: Duration,
    /// Print only diagnostics.
    pub quiet: bool,
    /// Watch the course for changes.
    pub watch: bool,
    pub workers: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            root: PathBuf::from("."),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 3000,
            drafts: false,
            // An editor's save (write a temporary file, rename it over the
            // page) is over within a millisecond or two.
            debounce: Duration::from_millis(10),
            // A closed tab's listener slot is free again within a second.
            keepalive: Duration::from_millis(500),
            quiet: false,
            watch: true,
            workers: 4,
        }
    }
}

/// What the HTTP workers serve.
#[derive(Default)]
struct Shared {
    /// The last good build; `None` until the course first builds.
    files: Option<Arc<Files>>,
}

/// A running server. Dropping it (or calling [`Server::stop`]) stops every
/// thread it started.
pub struct Server {
    addr: SocketAddr,
    http: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    hub: Arc<Hub>,
    threads: Vec<JoinHandle<()>>,
    /// Lets callers (tests, the benchmark) trigger a rebuild without the watcher.
    trigger: Sender<Vec<PathBuf>>,
    /// The highlight cache the rebuilds add to, and where it is kept: saved
    /// when the server stops, so the next build or serve starts warm.
    cache: Arc<HighlightCache>,
    cache_path: Option<PathBuf>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Live reload listeners right now.
    pub fn listeners(&self) -> usize {
        self.hub.active()
    }

    /// Asks for a rebuild as if these files had changed.
    pub fn rebuild(&self, paths: Vec<PathBuf>) {
        let _ = self.trigger.send(paths);
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.hub.close();
        for _ in 0..self.threads.len() {
            self.http.unblock();
        }
        for t in std::mem::take(&mut self.threads) {
            let _ = t.join();
        }
        if let Some(p) = &self.cache_path {
            // Best effort, like every write of the cache: it only saves time.
            let _ = self.cache.save(p);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.shutdown();
        }
    }
}

fn instance_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}-{:x}", nanos, std::process::id())
}

/// Builds the course, starts serving it and watching it. A course that does
/// not build yet is still served (every page shows the errors) so the author
/// can fix it with the preview open; only a missing or unusable root, or a
/// port that cannot be bound, is an error here.
pub fn start(opts: ServeOptions) -> Result<Server, Vec<Diagnostic>> {
    let root = crate::paths::course_root(&opts.root).map_err(|d| vec![d])?;
    if !root.join(watch::CONFIG_FILE).is_file() {
        return Err(vec![Diagnostic::error(
            "io",
            root.join(watch::CONFIG_FILE),
            format!(
                "no {} in {}; is this a course folder? (`kourse init DIR` makes one)",
                watch::CONFIG_FILE,
                root.display()
            ),
        )]);
    }
    let cache_path = Config::load(&root)
        .ok()
        .map(|c| root.join(&c.build.cache_dir).join("highlight.bin"));
    let cache = Arc::new(
        cache_path
            .as_deref()
            .map(HighlightCache::load)
            .unwrap_or_default(),
    );
    let build_opts = BuildOptions {
        root: root.clone(),
        drafts: opts.drafts,
        inject: Some(reload::inject()),
        ..Default::default()
    };
    let mut engine = Engine::new(build_opts, cache.clone());
    let instance = instance_id();
    let hub = Arc::new(Hub::new(format!("{instance}-0"), opts.keepalive));
    let shared = Arc::new(RwLock::new(Shared::default()));

    let t0 = Instant::now();
    let mut warnings = Warnings::default();
    match engine.rebuild(&Hint::All) {
        Ok(o) => {
            warnings.report(&o.warnings, opts.quiet);
            if !opts.quiet {
                eprintln!("built {} pages in {} ms", o.pages, t0.elapsed().as_millis());
            }
            shared.write().unwrap_or_else(|e| e.into_inner()).files = Some(o.files);
            if let Some(p) = &cache_path {
                let _ = cache.save(p);
            }
        }
        Err(diags) => {
            diagnostic::emit_human(&diags);
            eprintln!("the course does not build yet; serving the errors until it does");
            hub.failed(&diags);
        }
    }

    let http = tiny_http::Server::http(SocketAddr::new(opts.bind, opts.port)).map_err(|e| {
        vec![Diagnostic::error(
            "io",
            &root,
            format!("cannot listen on {}:{}: {e}", opts.bind, opts.port),
        )]
    })?;
    let addr = http
        .server_addr()
        .to_ip()
        .ok_or_else(|| vec![Diagnostic::error("io", &root, "not an IP listener")])?;
    let http = Arc::new(http);
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    let loopback_only = opts.bind.is_loopback();
    for i in 0..opts.workers.max(1) {
        let (http, stop, shared, hub) = (http.clone(), stop.clone(), shared.clone(), hub.clone());
        let t = std::thread::Builder::new()
            .name(format!("kourse-http-{i}"))
            .spawn(move || worker(&http, &stop, &shared, &hub, loopback_only))
            .map_err(|e| {
                vec![Diagnostic::error(
                    "io",
                    &root,
                    format!("cannot start a thread: {e}"),
                )]
            })?;
        threads.push(t);
    }

    let (tx, rx) = channel::<Vec<PathBuf>>();
    let extra = watch::Extra::default();
    let watcher = if opts.watch {
        let canonical = root.canonicalize().unwrap_or_else(|_| root.clone());
        match watch::watch(&canonical, opts.debounce, tx.clone(), extra.clone()) {
            Ok(w) => Some((w, canonical)),
            Err(e) => {
                eprintln!(
                    "warning: cannot watch {} for changes ({e}); the preview will not update",
                    root.display()
                );
                None
            }
        }
    } else {
        None
    };
    let rebuild = {
        let (stop, shared, hub, quiet) = (stop.clone(), shared.clone(), hub.clone(), opts.quiet);
        std::thread::Builder::new()
            .name("kourse-rebuild".into())
            .spawn(move || {
                let state = Rebuilds {
                    engine,
                    watcher,
                    extra,
                    warnings,
                    instance,
                    quiet,
                };
                rebuild_loop(state, &rx, &stop, &shared, &hub)
            })
            .map_err(|e| {
                vec![Diagnostic::error(
                    "io",
                    &root,
                    format!("cannot start a thread: {e}"),
                )]
            })?
    };
    threads.push(rebuild);
    Ok(Server {
        addr,
        http,
        stop,
        hub,
        threads,
        trigger: tx,
        cache,
        cache_path,
    })
}

/// Warnings already printed to the terminal: a rebuild prints only the new
/// ones (a course with hundreds of warnings would otherwise repeat them all
/// at every save) and counts the rest.
#[derive(Default)]
struct Warnings {
    shown: HashSet<Diagnostic>,
}

impl Warnings {
    /// The warnings of this build not printed before; the rest become
    /// "printed before".
    fn update(&mut self, warnings: &[Diagnostic]) -> Vec<Diagnostic> {
        let fresh = warnings
            .iter()
            .filter(|w| !self.shown.contains(*w))
            .cloned()
            .collect();
        self.shown = warnings.iter().cloned().collect();
        fresh
    }

    fn report(&mut self, warnings: &[Diagnostic], quiet: bool) {
        let fresh = self.update(warnings);
        diagnostic::emit_human(&fresh);
        let still = warnings.len() - fresh.len();
        if still > 0 && !quiet {
            eprintln!(
                "{still} warning{} shown before still appl{}",
                if still == 1 { "" } else { "s" },
                if still == 1 { "ies" } else { "y" }
            );
        }
    }
}

/// What the rebuild thread owns.
struct Rebuilds {
    engine: Engine,
    watcher: Option<(watch::Watcher, PathBuf)>,
    /// Files outside the watched folders that pages read, shared with the
    /// watcher's filter.
    extra: watch::Extra,
    warnings: Warnings,
    instance: String,
    quiet: bool,
}

/// After announcing a change, the deferred outputs (search index,
/// print.html) wait this long for the next save: meanwhile the open pages
/// reload without competing with them for the CPU.
const SETTLE: Duration = Duration::from_millis(300);

fn rebuild_loop(
    state: Rebuilds,
    rx: &Receiver<Vec<PathBuf>>,
    stop: &AtomicBool,
    shared: &RwLock<Shared>,
    hub: &Hub,
) {
    let Rebuilds {
        mut engine,
        mut watcher,
        extra,
        mut warnings,
        instance,
        quiet,
    } = state;
    let root = engine.options().root.clone();
    let mut generation = 0u64;
    let mut carry: Option<Vec<PathBuf>> = None;
    let mut extra_dirs = HashSet::new();
    let mut watch_read_files =
        |engine: &Engine, watcher: &mut Option<(watch::Watcher, PathBuf)>| {
            if let Some((w, canonical)) = watcher.as_mut() {
                watch::watch_extra(
                    w,
                    canonical,
                    engine.file_dependencies(),
                    &extra,
                    &mut extra_dirs,
                );
            }
        };
    watch_read_files(&engine, &mut watcher);
    while !stop.load(Ordering::SeqCst) {
        let next = match carry.take() {
            Some(b) => Ok(b),
            None => rx.recv_timeout(Duration::from_millis(100)),
        };
        let mut batch = match next {
            Ok(b) => b,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // Everything that queued up during the previous rebuild goes into this one.
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
        }
        let start = Instant::now();
        if let Some((w, canonical)) = watcher.as_mut() {
            watch::watch_new_dirs(w, canonical, &batch);
        }
        let rel: Vec<PathBuf> = batch
            .iter()
            .map(|p| relative_to(p, &root, watcher.as_ref().map(|(_, c)| c.as_path())))
            .collect();
        let css_only = !rel.is_empty()
            && rel
                .iter()
                .all(|p| p.starts_with("static") && p.extension().is_some_and(|e| e == "css"));
        match engine.rebuild_deferred(&Hint::Paths(rel.clone())) {
            Ok(o) => {
                generation += 1;
                let build = format!("{instance}-{generation}");
                shared.write().unwrap_or_else(|e| e.into_inner()).files = Some(o.files.clone());
                hub.built(
                    &build,
                    &o.changed,
                    css_only && o.changed.iter().any(|c| c.ends_with(".css")),
                );
                warnings.report(&o.warnings, quiet);
                if !quiet {
                    eprintln!(
                        "rebuilt in {} ms: {} changed file{} ({} page{} rendered, {} templated{})",
                        start.elapsed().as_millis(),
                        o.changed.len(),
                        if o.changed.len() == 1 { "" } else { "s" },
                        o.markdown_rendered,
                        if o.markdown_rendered == 1 { "" } else { "s" },
                        o.templated,
                        if o.search_rebuilt {
                            ", search index"
                        } else {
                            ""
                        }
                    );
                    if std::env::var_os("KOURSE_SERVE_TIMINGS").is_some() {
                        let laps: Vec<String> = o
                            .timings
                            .iter()
                            .map(|(n, ms)| format!("{n} {ms:.1}"))
                            .collect();
                        eprintln!("  stages (ms): {}", laps.join(", "));
                    }
                }
            }
            Err(diags) => {
                hub.failed(&diags);
                emit_failure(&diags);
            }
        }
        watch_read_files(&engine, &mut watcher);
        // The search index comes after the announcement, unless more changes
        // come first (the next rebuild defers it again).
        match rx.recv_timeout(SETTLE) {
            Ok(next) => carry = Some(next),
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                if let Some((files, _)) = engine.finish_deferred() {
                    shared.write().unwrap_or_else(|e| e.into_inner()).files = Some(files);
                }
            }
        }
    }
}

fn emit_failure(diags: &[Diagnostic]) {
    diagnostic::emit_human(diags);
    let c = diagnostic::Counts::of(diags);
    eprintln!(
        "rebuild failed ({} error{}); still serving the last good build",
        c.errors,
        if c.errors == 1 { "" } else { "s" }
    );
}

/// A watcher path relative to the course root (the watcher reports
/// canonical paths).
fn relative_to(p: &Path, root: &Path, canonical: Option<&Path>) -> PathBuf {
    canonical
        .and_then(|c| p.strip_prefix(c).ok())
        .or_else(|| p.strip_prefix(root).ok())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| p.to_path_buf())
}

fn worker(
    http: &tiny_http::Server,
    stop: &AtomicBool,
    shared: &RwLock<Shared>,
    hub: &Arc<Hub>,
    loopback_only: bool,
) {
    while !stop.load(Ordering::SeqCst) {
        match http.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(req)) => handle(req, shared, hub, loopback_only),
            Ok(None) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>kourse: the course does not build yet</title>\
<body><p>The course does not build yet. The errors are listed here and in the terminal; this page reloads when they are fixed.</p>";

fn handle(req: Request, shared: &RwLock<Shared>, hub: &Arc<Hub>, loopback_only: bool) {
    if loopback_only {
        let host = req
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str());
        if !http::loopback_host(host) {
            let msg = "this preview answers only to localhost, 127.0.0.1 and [::1] \
                       (another name pointing here could be a DNS rebinding attack); \
                       start kourse serve with --bind to serve other names\n";
            let _ = req.respond(http::text(403, msg, false));
            return;
        }
    }
    let head = match req.method() {
        Method::Get => false,
        Method::Head => true,
        _ => {
            let mut r = http::text(405, "method not allowed\n", false);
            if let Ok(h) = tiny_http::Header::from_bytes(&b"Allow"[..], &b"GET, HEAD"[..]) {
                r.add_header(h);
            }
            let _ = req.respond(r);
            return;
        }
    };
    let url = req.url().to_owned();
    let path_only = url.split(['?', '#']).next().unwrap_or("");
    if path_only == reload::EVENTS_PATH {
        if head {
            let _ = req.respond(http::response(
                200,
                "text/event-stream",
                Body(Arc::new(Vec::new())),
                true,
            ));
        } else if let Some(slot) = hub.slot() {
            hub.attach(slot, req.into_writer());
        } else {
            let _ = req.respond(http::text(503, "too many live-reload listeners\n", false));
        }
        return;
    }
    if path_only == reload::SCRIPT_PATH {
        let body = Body(Arc::new(reload::SCRIPT.as_bytes().to_vec()));
        let _ = req.respond(http::response(200, http::content_type("x.js"), body, head));
        return;
    }
    let sp = match http::site_path(&url) {
        Ok(p) => p,
        Err(http::PathError::BadRequest) => {
            let _ = req.respond(http::text(400, "bad request\n", head));
            return;
        }
    };
    let files = shared
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .files
        .clone();
    let Some(files) = files else {
        let page = format!("{NOT_BUILT}{}</body></html>", reload::inject());
        let _ = req.respond(http::response(
            503,
            http::content_type("x.html"),
            Body(Arc::new(page.into_bytes())),
            head,
        ));
        return;
    };
    let resp = match http::lookup(&files, &sp) {
        Lookup::File(p) => {
            http::response(200, http::content_type(&p), Body(files[&p].clone()), head)
        }
        Lookup::Redirect(to) => http::redirect(&to),
        Lookup::NotFound => match files.get("404.html") {
            Some(b) => http::response(404, http::content_type("404.html"), Body(b.clone()), head),
            None => http::text(404, "not found\n", head),
        },
    };
    let _ = req.respond(resp);
}

/// Opens a browser on `url`, best effort: the command in `$BROWSER` if set
/// (the convention of Python's webbrowser, git web--browse, xdg-utils; its
/// first word is the program, the rest its arguments), else the system's
/// opener.
pub fn open_browser(url: &str) {
    let from_env = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty());
    let words: Vec<String> = match &from_env {
        Some(b) => b.split_whitespace().map(str::to_owned).collect(),
        None if cfg!(target_os = "macos") => vec!["open".into()],
        None if cfg!(windows) => ["cmd", "/C", "start", ""].map(String::from).to_vec(),
        None => vec!["xdg-open".into()],
    };
    let spawned = std::process::Command::new(&words[0])
        .args(&words[1..])
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reaped on a thread of its own, so no zombie is left behind.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(_) => eprintln!("could not open a browser; open {url} yourself"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rebuild_prints_only_warnings_it_did_not_print_before() {
        let w = |line: usize| {
            Diagnostic::warning("latest-tag", "examples/a.yaml", "x").at("a\nb\nc\n", line, 1)
        };
        let mut shown = Warnings::default();
        assert_eq!(shown.update(&[w(1), w(2)]), vec![w(1), w(2)]);
        assert_eq!(shown.update(&[w(1), w(2)]), vec![]);
        // A fixed warning is forgotten: if it comes back it is printed again.
        assert_eq!(shown.update(&[w(2), w(3)]), vec![w(3)]);
        assert_eq!(shown.update(&[w(1), w(2), w(3)]), vec![w(1)]);
    }
}

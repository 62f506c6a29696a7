//! The reload channel: Server-Sent Events on `GET /__kourse/events`.
//!
//! Each listener gets its own small thread that owns the connection and
//! waits on a bounded channel; a broadcast only `try_send`s, so a slow or
//! dead listener never holds up a rebuild or an HTTP worker. A listener is
//! dropped when a write fails or when its queue is full. Between events
//! every listener gets a comment line each keep-alive interval (500 ms by
//! default): a client that went away is noticed at the second comment after
//! it left (the first only draws its reset), so its slot among the
//! [`MAX_LISTENERS`] is free again within about a second.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, render_human};

/// The script injected into every served page (never into `kourse build`).
pub const SCRIPT: &str = include_str!("live-reload.js");
/// Where the script is served.
pub const SCRIPT_PATH: &str = "/__kourse/live-reload.js";
pub const EVENTS_PATH: &str = "/__kourse/events";

/// The HTML appended to every page under serve.
pub fn inject() -> String {
    format!("<script src=\"{SCRIPT_PATH}\" defer></script>")
}

/// More listeners than this are refused with 503 rather than given a thread.
pub const MAX_LISTENERS: usize = 1024;
/// Messages queued for a listener before it counts as stuck and is dropped.
const QUEUE: usize = 16;
/// Above this many changed paths the event says "everything".
const MAX_LISTED: usize = 500;

#[derive(Serialize)]
struct Overlay<'a> {
    build: &'a str,
    diagnostics: Vec<OverlayDiagnostic<'a>>,
}

#[derive(Serialize)]
struct OverlayDiagnostic<'a> {
    #[serde(flatten)]
    d: &'a Diagnostic,
    headline: String,
    /// The terminal rendering without colours, for copy-paste.
    human: String,
}

#[derive(Default)]
struct State {
    build: String,
    /// The `failed` event while the last build fails.
    failing: Option<Arc<str>>,
}

/// One listener's place among the [`MAX_LISTENERS`], given back when dropped.
pub struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct Hub {
    listeners: Mutex<Vec<SyncSender<Arc<str>>>>,
    state: Mutex<State>,
    active: Arc<AtomicUsize>,
    keepalive: Duration,
}

fn event(name: &str, data: &str) -> Arc<str> {
    // `data` is single-line JSON, so one `data:` line suffices.
    Arc::from(format!("event: {name}\ndata: {data}\n\n"))
}

impl Hub {
    pub fn new(build: String, keepalive: Duration) -> Hub {
        Hub {
            listeners: Mutex::new(Vec::new()),
            state: Mutex::new(State {
                build,
                failing: None,
            }),
            active: Arc::new(AtomicUsize::new(0)),
            keepalive,
        }
    }

    /// Listener threads alive right now.
    pub fn active(&self) -> usize {
        self.active.load(Ordering::SeqCst)
    }

    /// A place for one more listener, or `None` when all
    /// [`MAX_LISTENERS`] are taken.
    pub fn slot(&self) -> Option<Slot> {
        self.active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_LISTENERS).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(self.active.clone()))
    }

    fn broadcast(&self, msg: Arc<str>) {
        let mut ls = self.listeners.lock().unwrap_or_else(|e| e.into_inner());
        ls.retain(|tx| match tx.try_send(msg.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => false,
        });
    }

    /// A good build: pages showing one of `changed` reload, an overlay goes away.
    pub fn built(&self, build: &str, changed: &[String], css_only: bool) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if changed.is_empty() && st.failing.is_none() {
            // Nothing to show (an editor's second event for one save, a
            // touch): no page reloads, and the build stays the one the
            // pages have.
            return;
        }
        st.build = build.to_owned();
        st.failing = None;
        drop(st);
        let all = changed.len() > MAX_LISTED;
        let listed: &[String] = if all { &[] } else { changed };
        let data = serde_json::json!({ "build": build, "changed": listed, "all": all });
        self.broadcast(event(
            if css_only { "css" } else { "reload" },
            &data.to_string(),
        ));
    }

    /// A failed build: every page shows the diagnostics.
    pub fn failed(&self, diags: &[Diagnostic]) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let overlay = Overlay {
            build: &st.build,
            diagnostics: diags
                .iter()
                .map(|d| OverlayDiagnostic {
                    d,
                    headline: d.headline(),
                    human: render_human(d, false),
                })
                .collect(),
        };
        let msg = event(
            "failed",
            &serde_json::to_string(&overlay).unwrap_or_default(),
        );
        st.failing = Some(msg.clone());
        drop(st);
        self.broadcast(msg);
    }

    /// Takes over a connection: writes the response head and serves events
    /// from a thread of its own until the listener goes away, then gives
    /// its slot back.
    pub fn attach(self: &Arc<Self>, slot: Slot, mut w: Box<dyn Write + Send + 'static>) {
        let (tx, rx) = sync_channel::<Arc<str>>(QUEUE);
        let hello = {
            let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let mut s = String::from(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\nX-Accel-Buffering: no\r\n\r\nretry: 1000\n\n",
            );
            s.push_str(&event(
                "hello",
                &serde_json::json!({ "build": st.build }).to_string(),
            ));
            if let Some(f) = &st.failing {
                s.push_str(f);
            }
            // Registered under the state lock, so no event falls between hello and the queue.
            self.listeners
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(tx);
            s
        };
        let keepalive = self.keepalive;
        // If the thread cannot start, the closure is dropped, slot and all.
        let _ = std::thread::Builder::new()
            .name("kourse-sse".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                if w.write_all(hello.as_bytes())
                    .and_then(|_| w.flush())
                    .is_ok()
                {
                    pump(&mut *w, &rx, keepalive);
                }
                drop(slot);
            });
    }

    /// Ends every listener (their threads exit at once).
    pub fn close(&self) {
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

fn pump(w: &mut dyn Write, rx: &Receiver<Arc<str>>, keepalive: Duration) {
    loop {
        let msg: Arc<str> = match rx.recv_timeout(keepalive) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => Arc::from(": ping\n\n"),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if w.write_all(msg.as_bytes()).and_then(|_| w.flush()).is_err() {
            return;
        }
    }
}

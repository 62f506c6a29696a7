//! A small harness for browser tests: Debian's Chromium, headless, driven
//! through the Chrome DevTools Protocol by the `headless_chrome` crate.
//!
//! ```ignore
//! mod support;
//! use support::browser;
//!
//! let Some(b) = browser::browser() else { return }; // prints "SKIPPED: ..."
//! let page = b.new_page();
//! page.goto(&browser::file_url(&path));
//! page.wait_for("#main", browser::WAIT);
//! assert_eq!(page.eval_json("document.title"), "Hello");
//! page.assert_no_errors();
//! ```
//!
//! * [`browser()`] returns `None` (after printing `SKIPPED: chromium not found`
//!   to stderr) when Chromium is missing, unless `KOURSE_REQUIRE_BROWSER=1`,
//!   in which case it panics. The binary is `$CHROME` or `/usr/bin/chromium`.
//! * Every wait is bounded: waits take an explicit timeout, and every DevTools
//!   call is bounded by [`CALL_TIMEOUT`], so no test can hang.
//! * Console errors (`console.error`), uncaught exceptions, unhandled promise
//!   rejections, browser log errors (e.g. a failed resource load) and
//!   JavaScript dialogs (`alert`, `confirm`, `prompt`, which are trapped and
//!   never block) are recorded per page: see [`Page::errors`],
//!   [`Page::dialogs`], [`Page::assert_no_errors`].
//! * Helpers panic with a clear message instead of returning `Result`: they
//!   are for tests.

#![allow(dead_code)] // each test binary uses a different subset

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::{Log, Page as CdpPage, Runtime};
use headless_chrome::{LaunchOptions, Tab};

/// A sensible default for waiting on something a page is expected to do.
pub const WAIT: Duration = Duration::from_secs(10);

/// Upper bound on any single DevTools call (navigation, evaluation, input).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the connection to Chromium may stay silent; above any call's bound.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(240);

/// Script installed in every document before its own scripts run: trap
/// dialogs so they never block the page, and record them.
const DIALOG_TRAP: &str = r#"(() => {
  const rec = (kind) => (msg) => {
    (window.__kourseDialogs = window.__kourseDialogs || []).push(kind + ": " + String(msg));
    return kind === "confirm" ? false : (kind === "prompt" ? null : undefined);
  };
  window.alert = rec("alert");
  window.confirm = rec("confirm");
  window.prompt = rec("prompt");
})();"#;

/// The Chromium binary to use: `$CHROME`, else `/usr/bin/chromium`.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("CHROME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn browser_required() -> bool {
    std::env::var("KOURSE_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// A running headless Chromium with its own throw-away profile.
/// Dropping it kills the browser and deletes the profile.
pub struct Browser {
    // Field order matters: the browser must die before its profile is removed.
    inner: headless_chrome::Browser,
    _profile: tempfile::TempDir,
}

/// Start headless Chromium, or return `None` (with a loud message on stderr)
/// when it is not installed. Panics if it is missing and
/// `KOURSE_REQUIRE_BROWSER=1`, or if it is installed but fails to start.
pub fn browser() -> Option<Browser> {
    let path = chromium_path();
    if !path.is_file() {
        if browser_required() {
            panic!(
                "KOURSE_REQUIRE_BROWSER=1 but chromium not found at {} \
                 (install it: apt-get install chromium, or set $CHROME)",
                path.display()
            );
        }
        // Written straight to fd 2 so that the test harness's output capture
        // cannot hide it.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: chromium not found at {} (set $CHROME, or install chromium; \
             KOURSE_REQUIRE_BROWSER=1 turns this into a failure) ***\n",
            path.display()
        );
        return None;
    }
    match launch(&path) {
        Ok(b) => Some(b),
        Err(e) => panic!("chromium at {} failed to start: {e:#}", path.display()),
    }
}

fn launch(path: &Path) -> Result<Browser, String> {
    let profile = tempfile::Builder::new()
        .prefix("kourse-chromium-")
        .tempdir()
        .map_err(|e| format!("cannot create a profile directory: {e}"))?;
    // The crate adds --remote-debugging-port, --user-data-dir (the fresh
    // profile below), --no-first-run, --verbose and --log-level=0 itself.
    let args: Vec<&OsStr> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    .into_iter()
    .map(OsStr::new)
    .collect();
    let options = LaunchOptions {
        // We pass our own flags; the crate still adds the debugging port
        // (and --headless/--no-sandbox/--disable-gpu, which we pass anyway).
        headless: true,
        sandbox: false,
        enable_gpu: false,
        disable_default_args: true,
        ignore_certificate_errors: false,
        path: Some(path.to_path_buf()),
        user_data_dir: Some(profile.path().to_path_buf()),
        window_size: Some((1280, 900)),
        // A long evaluation (an axe sweep) sends no events meanwhile; the
        // connection must outlive the longest call a test allows.
        idle_browser_timeout: IDLE_TIMEOUT,
        args,
        ..LaunchOptions::default()
    };
    let inner = headless_chrome::Browser::new(options).map_err(|e| format!("{e:#}"))?;
    Ok(Browser {
        inner,
        _profile: profile,
    })
}

impl Browser {
    /// A fresh tab, with console/exception/log capture and the dialog trap.
    pub fn new_page(&self) -> Page {
        let tab = self
            .inner
            .new_tab()
            .unwrap_or_else(|e| panic!("cannot open a tab: {e:#}"));
        Page::attach(tab)
    }

    /// The underlying `headless_chrome` browser, for anything not wrapped here.
    pub fn raw(&self) -> &headless_chrome::Browser {
        &self.inner
    }
}

/// One browser tab plus what it has reported.
pub struct Page {
    tab: Arc<Tab>,
    errors: Arc<Mutex<Vec<String>>>,
    console: Arc<Mutex<Vec<String>>>,
}

fn describe(obj: &Runtime::RemoteObject) -> String {
    if let Some(v) = &obj.value {
        return match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
    }
    obj.description
        .clone()
        .or_else(|| obj.unserializable_value.clone())
        .unwrap_or_else(|| format!("{:?}", obj.Type))
}

impl Page {
    fn attach(tab: Arc<Tab>) -> Page {
        tab.set_default_timeout(CALL_TIMEOUT);
        let errors = Arc::new(Mutex::new(Vec::new()));
        let console = Arc::new(Mutex::new(Vec::new()));
        let (errs, cons) = (Arc::clone(&errors), Arc::clone(&console));
        tab.add_event_listener(Arc::new(move |event: &Event| {
            let push = |v: &Mutex<Vec<String>>, s: String| {
                if let Ok(mut v) = v.lock() {
                    v.push(s);
                }
            };
            match event {
                Event::RuntimeConsoleAPICalled(e) => {
                    let text: Vec<String> = e.params.args.iter().map(describe).collect();
                    let line = format!("console.{:?}: {}", e.params.Type, text.join(" "));
                    if matches!(
                        e.params.Type,
                        Runtime::ConsoleAPICalledEventTypeOption::Error
                            | Runtime::ConsoleAPICalledEventTypeOption::Assert
                    ) {
                        push(&errs, line.clone());
                    }
                    push(&cons, line);
                }
                Event::RuntimeExceptionThrown(e) => {
                    let d = &e.params.exception_details;
                    let what = d.exception.as_ref().map(describe).unwrap_or_default();
                    let line = format!(
                        "uncaught exception: {} {} ({}:{}:{})",
                        d.text,
                        what,
                        d.url.as_deref().unwrap_or("?"),
                        d.line_number + 1,
                        d.column_number + 1
                    );
                    push(&cons, line.clone());
                    push(&errs, line);
                }
                Event::LogEntryAdded(e) => {
                    let entry = &e.params.entry;
                    let line = format!(
                        "log.{:?}: {} {}",
                        entry.level,
                        entry.text,
                        entry.url.as_deref().unwrap_or("")
                    );
                    if matches!(entry.level, Log::LogEntryLevel::Error) {
                        push(&errs, line.clone());
                    }
                    push(&cons, line);
                }
                _ => {}
            }
        }))
        .unwrap_or_else(|e| panic!("cannot listen to tab events: {e:#}"));
        tab.enable_runtime()
            .unwrap_or_else(|e| panic!("Runtime.enable failed: {e:#}"));
        tab.enable_log()
            .unwrap_or_else(|e| panic!("Log.enable failed: {e:#}"));
        tab.call_method(CdpPage::AddScriptToEvaluateOnNewDocument {
            source: DIALOG_TRAP.to_string(),
            world_name: None,
            include_command_line_api: None,
            run_immediately: None,
        })
        .unwrap_or_else(|e| panic!("cannot install the dialog trap: {e:#}"));
        Page {
            tab,
            errors,
            console,
        }
    }

    /// The underlying tab, for anything not wrapped here.
    pub fn tab(&self) -> &Arc<Tab> {
        &self.tab
    }

    /// Navigate to `url` (file://, http://, about:blank, ...) and wait for the
    /// load to finish (bounded by [`WAIT`]).
    pub fn goto(&self, url: &str) -> &Self {
        // The DevTools "navigated" event can fire before a waiter subscribes
        // when a local page loads fast, which made such waits hang until
        // their timeout. Instead, mark the current document, navigate, and
        // poll until a new document (or the same URL, for a hash change)
        // has finished loading.
        let current = self
            .tab
            .evaluate("window.__kourseOldDocument = true; location.href", false)
            .ok()
            .and_then(|r| r.value)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        self.tab
            .navigate_to(url)
            .unwrap_or_else(|e| panic!("navigating to {url} failed: {e:#}"));
        // Only a change of the fragment keeps the document.
        let same_document = url.contains('#') && url.split('#').next() == current.split('#').next();
        let loaded = if same_document {
            format!(
                "location.href === {} && document.readyState === 'complete'",
                js_string(url)
            )
        } else {
            "!window.__kourseOldDocument && document.readyState === 'complete'".to_owned()
        };
        if !self.try_wait_until(&loaded, CALL_TIMEOUT) {
            panic!("{url} did not finish loading within {CALL_TIMEOUT:?}");
        }
        self
    }

    /// Navigate to a local file through a file:// URL.
    pub fn goto_file(&self, path: &Path) -> &Self {
        self.goto(&file_url(path))
    }

    /// The current URL.
    pub fn url(&self) -> String {
        self.eval_json("location.href")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Wait until `selector` matches an element; false on timeout.
    pub fn try_wait_for(&self, selector: &str, timeout: Duration) -> bool {
        let probe = format!("!!document.querySelector({})", js_string(selector));
        self.try_wait_until(&probe, timeout)
    }

    /// Wait until `selector` matches an element; panics on timeout.
    pub fn wait_for(&self, selector: &str, timeout: Duration) -> &Self {
        if !self.try_wait_for(selector, timeout) {
            panic!(
                "timed out after {timeout:?} waiting for `{selector}` on {}\nerrors: {:#?}",
                self.url(),
                self.errors()
            );
        }
        self
    }

    /// Poll the JS expression `condition` (every 20 ms) until it is truthy;
    /// false on timeout. Exceptions in `condition` count as falsy.
    pub fn try_wait_until(&self, condition: &str, timeout: Duration) -> bool {
        let expr = format!(
            "(() => {{ try {{ return !!({condition}); }} catch (e) {{ return false; }} }})()"
        );
        let deadline = Instant::now() + timeout;
        loop {
            if self.eval_json(&expr) == serde_json::Value::Bool(true) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Like [`Page::try_wait_until`], panicking on timeout.
    pub fn wait_until(&self, condition: &str, timeout: Duration) -> &Self {
        if !self.try_wait_until(condition, timeout) {
            panic!(
                "timed out after {timeout:?} waiting for `{condition}` on {}\nerrors: {:#?}",
                self.url(),
                self.errors()
            );
        }
        self
    }

    /// Evaluate a JS expression and return its value as JSON (`undefined`
    /// becomes `null`). Promises are awaited. Panics if it throws.
    pub fn eval_json(&self, expression: &str) -> serde_json::Value {
        let wrapped = format!(
            "(async () => {{ const __v = await ({expression}); \
             return JSON.stringify(__v === undefined ? null : __v); }})()"
        );
        let result = self
            .tab
            .call_method(Runtime::Evaluate {
                expression: wrapped,
                return_by_value: Some(true),
                generate_preview: None,
                silent: Some(true),
                await_promise: Some(true),
                include_command_line_api: None,
                user_gesture: Some(true),
                object_group: None,
                context_id: None,
                throw_on_side_effect: None,
                timeout: None,
                disable_breaks: None,
                repl_mode: None,
                allow_unsafe_eval_blocked_by_csp: None,
                unique_context_id: None,
                serialization_options: None,
            })
            .unwrap_or_else(|e| panic!("evaluating `{expression}` failed: {e:#}"));
        if let Some(ex) = result.exception_details {
            let what = ex.exception.as_ref().map(describe).unwrap_or_default();
            panic!("`{expression}` threw: {} {what}", ex.text);
        }
        match result.result.value {
            Some(serde_json::Value::String(s)) => serde_json::from_str(&s)
                .unwrap_or_else(|e| panic!("`{expression}` returned bad JSON: {e}")),
            _ => serde_json::Value::Null,
        }
    }

    /// Press one key, by its DOM `key` name: "Enter", "Escape", "ArrowDown",
    /// "Tab", "/", "s", ... (US layout). Goes to the focused element.
    pub fn press_key(&self, key: &str) -> &Self {
        self.tab
            .press_key(key)
            .unwrap_or_else(|e| panic!("pressing {key} failed: {e:#}"));
        self
    }

    /// Type text into the focused element, one key event per character.
    pub fn type_text(&self, text: &str) -> &Self {
        self.tab
            .type_str(text)
            .unwrap_or_else(|e| panic!("typing {text:?} failed: {e:#}"));
        self
    }

    /// Click the element `selector` matches (a real mouse click at its
    /// midpoint, after scrolling it into view), waiting up to [`WAIT`] for it.
    pub fn click(&self, selector: &str) -> &Self {
        self.wait_for(selector, WAIT);
        let el = self
            .tab
            .find_element(selector)
            .unwrap_or_else(|e| panic!("`{selector}` not found: {e:#}"));
        el.scroll_into_view()
            .and_then(|el| el.click())
            .unwrap_or_else(|e| panic!("clicking `{selector}` failed: {e:#}"));
        self
    }

    /// Focus the element `selector` matches.
    pub fn focus(&self, selector: &str) -> &Self {
        let ok = self.eval_json(&format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return false; e.focus(); return true; }})()",
            js_string(selector)
        ));
        assert_eq!(ok, serde_json::Value::Bool(true), "`{selector}` not found");
        self
    }

    /// `textContent` of the first match of `selector`, or None.
    pub fn text(&self, selector: &str) -> Option<String> {
        self.eval_json(&format!(
            "document.querySelector({})?.textContent ?? null",
            js_string(selector)
        ))
        .as_str()
        .map(str::to_string)
    }

    /// Number of elements matching `selector`.
    pub fn count(&self, selector: &str) -> usize {
        self.eval_json(&format!(
            "document.querySelectorAll({}).length",
            js_string(selector)
        ))
        .as_u64()
        .unwrap_or(0) as usize
    }

    /// Lay the page out at `width`×`height` CSS pixels, as a desktop
    /// window of that size would (`mobile: false`, scale 1: no zooming out
    /// to fit a page that is too wide). Media queries follow.
    pub fn set_viewport(&self, width: u32, height: u32) -> &Self {
        use headless_chrome::protocol::cdp::Emulation;
        let call: Emulation::SetDeviceMetricsOverride = serde_json::from_value(serde_json::json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false
        }))
        .expect("a valid Emulation.setDeviceMetricsOverride");
        self.tab
            .call_method(call)
            .unwrap_or_else(|e| panic!("setting the viewport to {width}x{height} failed: {e:#}"));
        self
    }

    /// Emulate the system colour scheme (`prefers-color-scheme`): "light"
    /// or "dark".
    pub fn set_color_scheme(&self, scheme: &str) -> &Self {
        use headless_chrome::protocol::cdp::Emulation;
        let call: Emulation::SetEmulatedMedia = serde_json::from_value(serde_json::json!({
            "features": [{ "name": "prefers-color-scheme", "value": scheme }]
        }))
        .expect("a valid Emulation.setEmulatedMedia");
        self.tab
            .call_method(call)
            .unwrap_or_else(|e| panic!("emulating prefers-color-scheme: {scheme} failed: {e:#}"));
        self
    }

    /// Console errors, uncaught exceptions and browser log errors so far.
    pub fn errors(&self) -> Vec<String> {
        self.errors.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Every console message and log entry so far (any level).
    pub fn console(&self) -> Vec<String> {
        self.console.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Dialogs (`alert`, `confirm`, `prompt`) the current document opened,
    /// as "alert: message". They are trapped and never shown.
    pub fn dialogs(&self) -> Vec<String> {
        match self.eval_json("window.__kourseDialogs || []") {
            serde_json::Value::Array(v) => v
                .into_iter()
                .map(|d| d.as_str().unwrap_or_default().to_string())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Panic if anything went wrong: errors, exceptions or dialogs.
    pub fn assert_no_errors(&self) {
        let errors = self.errors();
        let dialogs = self.dialogs();
        assert!(
            errors.is_empty() && dialogs.is_empty(),
            "page {} reported problems:\nerrors: {errors:#?}\ndialogs: {dialogs:#?}",
            self.url()
        );
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.tab.close(false);
    }
}

/// A file:// URL for a local path (made absolute; spaces and other unsafe
/// bytes percent-encoded).
pub fn file_url(path: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut url = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// Quote a Rust string as a JS string literal.
pub fn js_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

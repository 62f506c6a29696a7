//! Ctrl-C (SIGINT) and SIGTERM as a flag: `kourse serve` then stops its
//! threads and saves its highlight cache instead of dying wherever it was.
//! A second signal while stopping ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether a stop was asked for since [`install`].
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    // Only async-signal-safe work here: a lock-free atomic and _exit.
    if REQUESTED.swap(true, Ordering::SeqCst) {
        unsafe { libc::_exit(130) };
    }
}

/// Routes SIGINT and SIGTERM to [`requested`]. Elsewhere than on Unix the
/// default handling stays (the process ends; serve writes nothing that
/// could be left half-done).
pub fn install() {
    #[cfg(unix)]
    unsafe {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

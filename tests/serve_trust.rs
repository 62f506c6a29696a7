//! `kourse serve` against requests that try to be read two ways (request
//! smuggling), heads that are not ASCII, dot-files, and live-reload
//! listeners that leave: all over real loopback sockets.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kourse::serve::reload::MAX_LISTENERS;

#[path = "support/serve.rs"]
mod serve_support;
use serve_support::{Listener, course, exchange, get, raw, replies, serve};

/// A second request hidden in the first one's body; it must never be
/// answered.
const SMUGGLED: &str = "GET /smuggled.html HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// Sends `request` on one connection: the statuses of every reply, in
/// order, once the server closed the connection (panics if it did not).
fn statuses(addr: SocketAddr, request: &[u8]) -> Vec<u16> {
    let (buf, closed) = exchange(addr, request);
    let text = String::from_utf8_lossy(request);
    assert!(closed, "the server kept the connection open: {text:?}");
    let r = replies(&buf);
    assert!(
        r.iter().all(|r| !r.text().contains("Page not found")),
        "the smuggled request was answered: {text:?}"
    );
    r.iter().map(|r| r.status).collect()
}

#[test]
fn heads_that_frame_a_body_two_ways_get_one_400_and_a_closed_connection() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    let n = SMUGGLED.len();
    let h = "GET /index.html HTTP/1.1\r\nHost: localhost";
    // Two requests in a row on one connection are both answered: the
    // check below can see a second reply.
    assert_eq!(
        statuses(
            a,
            format!("{h}\r\n\r\n{h}\r\nConnection: close\r\n\r\n").as_bytes()
        ),
        [200, 200]
    );
    let cases = [
        // Which Content-Length counts decides where the next request starts.
        format!("{h}\r\nContent-Length: 0\r\nContent-Length: {n}\r\n\r\n{SMUGGLED}"),
        format!("{h}\r\nContent-Length: {n}\r\nContent-Length: 0\r\n\r\n{SMUGGLED}"),
        // Duplicates are refused even when they agree.
        format!("{h}\r\nContent-Length: {n}\r\ncontent-length: {n}\r\n\r\n{SMUGGLED}"),
        // Chunked for one reader, a length for another.
        format!(
            "{h}\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{SMUGGLED}",
            n + 5
        ),
        format!(
            "{h}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n{SMUGGLED}"
        ),
        format!("{h}\r\nTransfer-Encoding: identity\r\n\r\n{SMUGGLED}"),
        // Lengths that one reader takes for a number and another for none.
        format!("{h}\r\nContent-Length: +{n}\r\n\r\n{SMUGGLED}"),
        format!("{h}\r\nContent-Length: 99999999999999999999999\r\n\r\n{SMUGGLED}"),
        format!("{h}\r\nContent-Length : {n}\r\n\r\n{SMUGGLED}"),
        format!("{h}\r\nX-Folded: a\r\n Content-Length: {n}\r\n\r\n{SMUGGLED}"),
        format!("{h}\r\nX-Bare-LF: a\nContent-Length: {n}\r\n\r\n{SMUGGLED}"),
        // HTTP/1.1 needs exactly one Host.
        format!("GET /index.html HTTP/1.1\r\n\r\n{SMUGGLED}"),
        format!("{h}\r\nHost: localhost\r\n\r\n{SMUGGLED}"),
        format!("{h}\r\nHost: attacker.example\r\n\r\n{SMUGGLED}"),
    ];
    for case in &cases {
        assert_eq!(statuses(a, case.as_bytes()), [400], "{case:?}");
    }
    // HTTP/1.0 without a Host is still answered (curl -0, old tools).
    assert_eq!(raw(a, b"GET /index.html HTTP/1.0\r\n\r\n").status, 200);
    assert_eq!(get(a, "/").status, 200);
}

#[test]
fn a_head_with_bytes_that_are_not_ascii_gets_400() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    for head in [
        "GET /caf\u{e9}.html HTTP/1.1\r\nHost: localhost\r\n\r\n".as_bytes(),
        b"GET /\xff\xfe HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET /\x80 HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Name: J\u{fc}rgen\r\n\r\n".as_bytes(),
        b"GET /\x00 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    ] {
        let with_smuggled = [head, SMUGGLED.as_bytes()].concat();
        assert_eq!(
            statuses(a, &with_smuggled),
            [400],
            "{}",
            String::from_utf8_lossy(head)
        );
    }
    assert_eq!(get(a, "/").status, 200);
}

#[test]
fn dot_files_and_dot_folders_are_never_served() {
    let dir = course();
    let root = dir.path();
    for (path, text) in [
        ("static/.env", "SECRET=1"),
        ("static/.git/config", "[core]"),
        ("static/kourse/.secret.css", "body{}"),
        ("static/.well-known/index.html", "<p>x</p>"),
        ("static/visible.txt", "visible"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let server = serve(root);
    let a = server.addr();
    assert_eq!(get(a, "/visible.txt").text(), "visible");
    for path in [
        "/.env",
        "/.git/config",
        "/.git/",
        "/.git",
        "/%2egit/config",
        "/kourse/.secret.css",
        "/.well-known/",
        "/.well-known",
        "/.env?x=1",
    ] {
        let r = get(a, path);
        assert_eq!(r.status, 404, "{path}");
        assert!(r.header("location").is_none(), "{path}");
        let t = r.text();
        assert!(!t.contains("SECRET") && !t.contains("[core]"), "{path}");
    }
}

#[test]
fn closed_live_reload_listeners_free_their_slots_within_about_a_second() {
    if !enough_file_descriptors(4 * MAX_LISTENERS) {
        return;
    }
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    let first: Vec<Listener> = (0..200).map(|_| Listener::connect(a)).collect();
    drop(first);
    let closed = Instant::now();
    // The 200 slots may stay taken a moment (the server learns of a
    // closed client when it next writes to it), but not past this.
    let grace = Duration::from_secs(2);
    let mut open = Vec::new();
    while open.len() < MAX_LISTENERS {
        match Listener::try_connect(a) {
            Ok(l) => open.push(l),
            Err(503) => {
                assert!(
                    closed.elapsed() < grace,
                    "listener {} refused {:?} after 200 others closed",
                    open.len() + 1,
                    closed.elapsed()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(status) => panic!("listener {}: status {status}", open.len() + 1),
        }
    }
    // The limit still holds.
    assert_eq!(Listener::try_connect(a).err(), Some(503));
    assert_eq!(get(a, "/").status, 200);
    drop(open);
    server.stop();
}

/// Raises this process's soft limit of open files to at least `want`
/// (client and server ends are both in it); says so loudly when it cannot.
#[cfg(unix)]
fn enough_file_descriptors(want: usize) -> bool {
    let want = want as libc::rlim_t;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `lim`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < want {
            lim.rlim_cur = lim.rlim_max.min(want);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        }
    }
    if lim.rlim_cur < want {
        eprintln!(
            "SKIPPED: needs {want} open files, the hard limit allows {}",
            lim.rlim_max
        );
        return false;
    }
    true
}

#[cfg(not(unix))]
fn enough_file_descriptors(_: usize) -> bool {
    true
}

#[test]
fn requests_pipelined_behind_the_reload_stream_do_not_hold_the_workers() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    // Twice as many as the server has HTTP workers: each pipelined request
    // used to hold one until its stream ended.
    let mut held: Vec<Listener> = (0..8)
        .map(|_| Listener::with_request(a, SMUGGLED.as_bytes()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(a, "/").status, 200);
    // The streams go on, with nothing but events in them.
    for l in &mut held {
        let mut rest = String::new();
        let until = Instant::now() + Duration::from_millis(1200);
        while let Some(line) = l.line(until.saturating_duration_since(Instant::now())) {
            rest.push_str(&line);
        }
        assert!(rest.contains(": ping"), "{rest:?}");
        assert!(!rest.contains("HTTP/1.1"), "{rest:?}");
    }
}

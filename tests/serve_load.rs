//! `kourse serve` against clients that misbehave: connections that send one
//! byte a second, connections that send nothing, requests that declare a
//! body that never comes or one far too large to hold, endless header
//! lines. None of them may stall the other clients or end the server.
//! (Requests per second and latency: benches/serve-load.sh.)

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kourse::serve::{ServeOptions, Server, start};

const PAGE_URL: &str = "/first-steps/first-pod.html";
/// What a well-behaved request may take while the others misbehave.
const QUICK: Duration = Duration::from_secs(2);

fn course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kourse::init::init(dir.path()).unwrap();
    dir
}

fn serve(root: &Path) -> Server {
    start(ServeOptions {
        root: root.to_path_buf(),
        port: 0,
        quiet: true,
        watch: false,
        ..Default::default()
    })
    .unwrap_or_else(|d| panic!("{d:?}"))
}

/// Sends one request and reads the whole reply: (status, time taken).
fn timed(addr: SocketAddr, request: &[u8]) -> (u16, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let head = String::from_utf8_lossy(&buf[..buf.len().min(64)]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, t.elapsed())
}

fn get(addr: SocketAddr, path: &str) -> (u16, Duration) {
    timed(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// A page and a 404 each answer within [`QUICK`].
fn assert_served(addr: SocketAddr, when: &str) {
    let (status, took) = get(addr, PAGE_URL);
    assert_eq!(status, 200, "page {when}");
    assert!(took < QUICK, "page took {took:?} {when}");
    let (status, took) = get(addr, "/no/such/page.html");
    assert_eq!(status, 404, "404 {when}");
    assert!(took < QUICK, "404 took {took:?} {when}");
}

/// A client that connects, sends `head` at once, then `trickle` one byte a
/// second until told to stop (or the server hangs up).
fn trickler(
    addr: SocketAddr,
    head: &'static [u8],
    trickle: &'static [u8],
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    std::thread::spawn(move || {
        if s.write_all(head).is_err() {
            return;
        }
        if trickle.is_empty() {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
            }
            return;
        }
        for b in trickle.iter().cycle() {
            for _ in 0..10 {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if s.write_all(std::slice::from_ref(b)).is_err() {
                return;
            }
        }
    })
}

struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn slow_and_silent_clients_do_not_stall_others() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    assert_served(a, "before the slow clients");

    let stop = Arc::new(AtomicBool::new(false));
    // Dropped before the server, also when an assertion fails: the slow
    // clients go away, so a server stuck on them can still be stopped.
    let _stop = StopOnDrop(stop.clone());
    let mut clients = Vec::new();
    // More of each kind than the server has workers (4).
    for _ in 0..8 {
        // A request line and headers, one byte a second.
        clients.push(trickler(
            a,
            b"",
            b"GET /first-steps/first-pod.html HTTP/1.1\r\nHost: localhost\r\n\r\n",
            stop.clone(),
        ));
        // Connects and sends nothing.
        clients.push(trickler(a, b"", b"", stop.clone()));
        // A whole request head that declares a body, then the body one
        // byte a second (the request reaches a worker at once).
        clients.push(trickler(
            a,
            b"GET /first-steps/first-pod.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n",
            b"x",
            stop.clone(),
        ));
        clients.push(trickler(
            a,
            b"GET /no/such/page.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000\r\n\r\n",
            b"x",
            stop.clone(),
        ));
    }
    // Let every slow client get its connection and its first bytes in.
    std::thread::sleep(Duration::from_millis(1500));
    let t = Instant::now();
    let mut rounds = 0;
    while t.elapsed() < Duration::from_secs(8) {
        assert_served(a, &format!("with 32 slow clients, round {rounds}"));
        rounds += 1;
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(rounds >= 5, "only {rounds} rounds in 8 s");

    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    assert_served(a, "after the slow clients left");
    server.stop();
}

#[test]
fn a_huge_declared_body_neither_aborts_nor_blocks_the_server() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    // tiny_http 0.12 drained an unread body into a buffer of the declared
    // size when the request was dropped: this request aborted the process.
    for length in ["99999999999999", "18446744073709551615", "1000000000"] {
        let req = format!(
            "GET {PAGE_URL} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {length}\r\n\r\nabc"
        );
        let mut s = TcpStream::connect_timeout(&a, Duration::from_secs(5)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(req.as_bytes()).unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200", "Content-Length: {length}");
        drop(s);
        assert_served(a, &format!("after Content-Length: {length}"));
    }
    // A POST with a body it will never read gets its 405 and the server
    // goes on.
    let mut s = TcpStream::connect_timeout(&a, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut req = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000\r\n\r\n".to_vec();
    req.extend_from_slice(&[b'x'; 2000]);
    s.write_all(&req).unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 405");
    drop(s);
    assert_served(a, "after a POST with a body");
    server.stop();
}

#[test]
fn endless_or_endlessly_many_header_lines_are_refused() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();

    // A request line that never ends: refused after 8 KiB, not buffered
    // for ever.
    let mut s = TcpStream::connect_timeout(&a, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0usize;
    while sent < 64 * 1024 * 1024 {
        if s.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    assert!(
        sent < 64 * 1024 * 1024,
        "the server took 64 MiB of request line"
    );
    assert_served(a, "after an endless request line");

    // An endless header line.
    let (status, _) = timed(
        a,
        format!(
            "GET / HTTP/1.1\r\nHost: localhost\r\nX-Long: {}\r\n\r\n",
            "b".repeat(16 * 1024)
        )
        .as_bytes(),
    );
    assert!(status == 400 || status == 0, "long header: {status}");

    // Endlessly many headers.
    let mut req = String::from("GET / HTTP/1.1\r\nHost: localhost\r\n");
    for i in 0..1000 {
        req.push_str(&format!("X-{i}: y\r\n"));
    }
    req.push_str("\r\n");
    let (status, _) = timed(a, req.as_bytes());
    assert!(status == 400 || status == 0, "1000 headers: {status}");

    // Ordinary requests still pass, with ordinary headers.
    assert_served(a, "after the long headers");
    server.stop();
}

#[test]
fn many_listeners_connecting_at_once_all_get_their_hello() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    // tiny_http's thread pool could leave a new connection queued behind
    // long-lived ones (here: until its 30 s connection timeout).
    let mut streams: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect_timeout(&a, Duration::from_secs(5)).unwrap();
            s.write_all(b"GET /__kourse/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            s
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    for (i, s) in streams.iter_mut().enumerate() {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&got).contains("event: hello") {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "listener {i} got no hello within 10 s");
            s.set_read_timeout(Some(left)).unwrap();
            match s.read(&mut buf) {
                Ok(0) => panic!("listener {i} closed"),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => panic!("listener {i}: {e}"),
            }
        }
    }
    assert_served(a, "with 200 listeners");
    drop(streams);
    server.stop();
}

//! Raw-socket helpers for the `kourse serve` tests: a server on a free
//! loopback port, requests sent byte for byte, live-reload listeners.
//! Use with `#[path = "support/serve.rs"] mod serve_support;`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use kourse::serve::{ServeOptions, Server, start};

pub fn course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kourse::init::init(dir.path()).unwrap();
    dir
}

/// The server with its default options, on a free port, quiet.
pub fn serve(root: &Path) -> Server {
    start(ServeOptions {
        root: root.to_path_buf(),
        port: 0,
        quiet: true,
        ..Default::default()
    })
    .unwrap_or_else(|d| panic!("{d:?}"))
}

pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends raw bytes on a new connection and reads until the server closes
/// it (at most 10 s): everything it sent, and whether it closed.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> (Vec<u8>, bool) {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    let closed = s.read_to_end(&mut buf).is_ok();
    (buf, closed)
}

/// The head at the start of `buf` (up to its blank line, or all of `buf`)
/// as a reply without its body, and the head's length.
fn head_of(buf: &[u8]) -> (Reply, usize) {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(buf.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let reply = Reply {
        status,
        head,
        body: Vec::new(),
    };
    (reply, split)
}

/// Splits what a server sent into replies, using their `Content-Length`
/// (a reply without one takes the rest).
pub fn replies(mut buf: &[u8]) -> Vec<Reply> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let (mut reply, split) = head_of(buf);
        let rest = buf.len() - split;
        let len = reply
            .header("content-length")
            .and_then(|l| l.parse().ok())
            .map_or(rest, |l: usize| l.min(rest));
        reply.body = buf[split..split + len].to_vec();
        buf = &buf[split + len..];
        out.push(reply);
    }
    out
}

/// Sends raw bytes (so nothing normalises the path) and reads the reply.
pub fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let (buf, _) = exchange(addr, request);
    let (mut reply, split) = head_of(&buf);
    reply.body = buf[split..].to_vec();
    reply
}

pub fn get(addr: SocketAddr, path: &str) -> Reply {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// A raw SSE listener.
pub struct Listener {
    r: BufReader<TcpStream>,
}

impl Listener {
    pub fn connect(addr: SocketAddr) -> Listener {
        Listener::try_connect(addr).unwrap_or_else(|status| panic!("listener refused: {status}"))
    }

    /// A listener that got its `hello`, or the status it was refused with.
    pub fn try_connect(addr: SocketAddr) -> Result<Listener, u16> {
        Listener::with_request(addr, b"")
    }

    /// A listener that sent `more` right after its request (pipelined).
    pub fn with_request(addr: SocketAddr, more: &[u8]) -> Result<Listener, u16> {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let request = b"GET /__kourse/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n";
        s.write_all(&[&request[..], more].concat()).unwrap();
        let mut l = Listener {
            r: BufReader::new(s),
        };
        let status = l
            .line(Duration::from_secs(10))
            .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0);
        if status != 200 {
            return Err(status);
        }
        l.next("hello", Duration::from_secs(10));
        Ok(l)
    }

    /// The next line, waiting at most `within`; `None` at the end.
    pub fn line(&mut self, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        let mut line = String::new();
        while Instant::now() < deadline {
            match self.r.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) if line.ends_with('\n') => return Some(line),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// The data of the next event named `name`, skipping others.
    pub fn next(&mut self, name: &str, within: Duration) -> String {
        self.try_next(name, within)
            .unwrap_or_else(|| panic!("no `{name}` event within {within:?}"))
    }

    pub fn try_next(&mut self, name: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        let mut event = String::new();
        while let Some(line) = self.line(deadline.saturating_duration_since(Instant::now())) {
            let l = line.trim_end();
            if let Some(e) = l.strip_prefix("event: ") {
                event = e.to_owned();
            } else if let Some(d) = l.strip_prefix("data: ") {
                if event == name {
                    return Some(d.to_owned());
                }
            }
        }
        None
    }
}

pub fn wait_until(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

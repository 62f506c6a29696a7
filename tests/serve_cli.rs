//! The `kourse serve` command as a user runs it: `--open` starts the
//! browser named by `$BROWSER` on the served URL, and Ctrl-C (SIGINT) stops
//! the server cleanly, saving the highlight cache it added to.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const PAGE: &str = "content/01-first-steps/first-pod.md";

fn course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kourse::init::init(dir.path()).unwrap();
    dir
}

struct Running {
    child: Child,
    addr: SocketAddr,
    /// Lines of its standard error, read by a thread.
    stderr: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(root: &Path, extra: &[&str], env: &[(&str, &str)]) -> Running {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kourse"));
        cmd.arg("serve")
            .arg("-C")
            .arg(root)
            .args(["--port", "0"])
            .args(extra)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let (tx, rx) = channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut r = Running {
            child,
            addr: "127.0.0.1:1".parse().unwrap(),
            stderr: rx,
            seen: Vec::new(),
        };
        let line = r.wait_line(|l| l.starts_with("serving "), Duration::from_secs(60));
        let url = line
            .rsplit(" at ")
            .next()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap();
        r.addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        r
    }

    fn wait_line(&mut self, want: impl Fn(&str) -> bool, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no such line within {within:?}; stderr so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = String::new();
        let _ = s.read_to_string(&mut buf);
        let status = buf
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, buf)
    }

    fn interrupt(&self) {
        let pid = self.child.id() as libc::pid_t;
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    }

    /// Waits for the process to end, at most `within`.
    fn exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "still running after {within:?}; stderr:\n{}",
                    self.seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn ctrl_c_stops_the_server_and_saves_what_it_highlighted() {
    let dir = course();
    let root = dir.path();
    let listed_before = listing(root);
    let mut s = Running::start(root, &[], &[]);
    assert_eq!(s.get("/index.html").0, 200);
    let cache = root.join(".kourse-cache/highlight.bin");
    let before = std::fs::read(&cache).expect("the first build saved the cache");

    // A code block the cache has never seen, highlighted by a rebuild.
    let mut text = std::fs::read_to_string(root.join(PAGE)).unwrap();
    text.push_str("\n```rust\nfn only_in_this_test() -> u32 { 4242 }\n```\n");
    std::fs::write(root.join(PAGE), text).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !s
        .get("/first-steps/first-pod.html")
        .1
        .contains("only_in_this_test")
    {
        assert!(Instant::now() < deadline, "the edit never showed");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        std::fs::read(&cache).unwrap(),
        before,
        "not saved on every rebuild"
    );

    s.interrupt();
    let status = s.exit(Duration::from_secs(15));
    assert!(
        status.success(),
        "{status:?}; stderr:\n{}",
        s.seen.join("\n")
    );
    let rest: Vec<String> = s.stderr.try_iter().collect();
    s.seen.extend(rest);
    assert!(
        s.seen.iter().any(|l| l == "stopped"),
        "{}",
        s.seen.join("\n")
    );
    let after = std::fs::read(&cache).unwrap();
    let has = |bytes: &[u8]| bytes.windows(17).any(|w| w == b"only_in_this_test");
    assert!(
        !has(&before) && has(&after),
        "the new block's highlighting was saved"
    );
    // Nothing else was left in the course: no public/, no staging folder.
    let mut expected = listed_before;
    expected.push(".kourse-cache".to_owned());
    expected.sort();
    assert_eq!(listing(root), expected);
    // And the port is closed.
    assert!(TcpStream::connect_timeout(&s.addr, Duration::from_secs(2)).is_err());
}

#[test]
fn open_starts_the_browser_named_by_browser_on_the_served_url() {
    let dir = course();
    let tools = tempfile::tempdir().unwrap();
    let opened = tools.path().join("opened.txt");
    let script = tools.path().join("fake-browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" > '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    // `$BROWSER` may carry arguments before the URL.
    let browser = format!("{} --new-window", script.display());
    let mut s = Running::start(dir.path(), &["--open"], &[("BROWSER", &browser)]);
    let deadline = Instant::now() + Duration::from_secs(15);
    let text = loop {
        match std::fs::read_to_string(&opened) {
            Ok(t) if t.ends_with('\n') => break t,
            _ if Instant::now() > deadline => panic!("the browser was not started"),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    assert_eq!(text, format!("--new-window http://{}/\n", s.addr));
    s.interrupt();
    assert!(s.exit(Duration::from_secs(15)).success());
}

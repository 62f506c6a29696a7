//! A minimal static file server on a loopback port, for browser tests that
//! need a site over HTTP. It serves files below one folder and nothing else.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

/// Serves `root` on 127.0.0.1 on a free port; returns the port. The server
/// thread ends after 30 s without a request, so no test leaves it behind.
pub fn serve(root: PathBuf) -> u16 {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind a loopback port");
    let port = server.server_addr().to_ip().expect("an IP address").port();
    std::thread::spawn(move || {
        while let Ok(Some(req)) = server.recv_timeout(Duration::from_secs(30)) {
            let path = req
                .url()
                .split(['?', '#'])
                .next()
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_owned();
            let file = root.join(if path.is_empty() { "index.html" } else { &path });
            let resp = match std::fs::read(&file) {
                Ok(bytes) if !path.split('/').any(|s| s == "..") => {
                    let ct = match file.extension().and_then(|e| e.to_str()) {
                        Some("html") => "text/html; charset=utf-8",
                        Some("js") => "text/javascript; charset=utf-8",
                        Some("css") => "text/css; charset=utf-8",
                        Some("svg") => "image/svg+xml",
                        _ => "application/octet-stream",
                    };
                    tiny_http::Response::from_data(bytes)
                        .with_header(
                            tiny_http::Header::from_bytes("Content-Type", ct)
                                .expect("valid header"),
                        )
                        .boxed()
                }
                _ => tiny_http::Response::empty(404).boxed(),
            };
            let _ = req.respond(resp);
        }
    });
    port
}

//! A minimal static file server on a loopback port, for browser tests that
//! need a site over HTTP. It serves files below one folder and nothing else.

#![allow(dead_code)]

use std::path::PathBuf;

/// Serves `root` on 127.0.0.1 on a free port; returns the port. The server
/// thread lives as long as the test process. (`recv_timeout` is not used:
/// with it, requests were seen to wait unserved under load.)
pub fn serve(root: PathBuf) -> u16 {
    serve_with(root, false)
}

/// Like [`serve`], answering a missing file with the site's `404.html`
/// (status 404), as a web server configured for it does.
pub fn serve_with_not_found_page(root: PathBuf) -> u16 {
    serve_with(root, true)
}

fn serve_with(root: PathBuf, not_found_page: bool) -> u16 {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind a loopback port");
    let port = server.server_addr().to_ip().expect("an IP address").port();
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            // One thread per request: a response stuck on one connection
            // must not hold up the others.
            let root = root.clone();
            std::thread::spawn(move || respond(&root, req, not_found_page));
        }
    });
    port
}

fn respond(root: &std::path::Path, req: tiny_http::Request, not_found_page: bool) {
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
                    tiny_http::Header::from_bytes("Content-Type", ct).expect("valid header"),
                )
                .boxed()
        }
        _ => match std::fs::read(root.join("404.html")) {
            Ok(page) if not_found_page => tiny_http::Response::from_data(page)
                .with_status_code(404)
                .with_header(
                    tiny_http::Header::from_bytes("Content-Type", "text/html; charset=utf-8")
                        .expect("valid header"),
                )
                .boxed(),
            _ => tiny_http::Response::empty(404).boxed(),
        },
    };
    let _ = req.respond(resp);
}

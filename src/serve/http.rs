//! Request handling: path normalisation, content types, headers.
//!
//! The site is served from memory, so the map of output files is the only
//! thing that can ever be served; on top of that every request path is
//! decoded and normalised, and anything suspicious (`..`, encoded slashes
//! or backslashes, NUL and control bytes, invalid UTF-8, drive letters) is
//! refused with 400 before it reaches the lookup. Dot-files and anything in
//! a dot-folder are not found (404), whatever the site holds.

use std::io::Cursor;
use std::sync::Arc;

use tiny_http::{Header, Response, StatusCode};

use super::incremental::Files;

/// Why a request path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// Malformed or hostile: 400.
    BadRequest,
}

/// A request target decoded into a site path: no leading slash, `/`
/// separated, no empty, `.` or `..` segments. `dir` is true when the target
/// named a folder (ended with `/` or was `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePath {
    pub path: String,
    pub dir: bool,
}

/// Whether a `Host` header names this machine's loopback: `localhost`
/// (or a `*.localhost` name, which resolves there too), `127.x.y.z` or
/// `[::1]`, with or without a port. A server bound to loopback answers only
/// those: a web page elsewhere could otherwise point a name of its own at
/// 127.0.0.1 (DNS rebinding) and read the preview, drafts included. A
/// request without the header (HTTP/1.0 tools) is not from a browser and is
/// let through.
pub fn loopback_host(host: Option<&str>) -> bool {
    let Some(host) = host.map(str::trim) else {
        return true;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, port)) if port.is_empty() || port.strip_prefix(':').is_some_and(is_port) => {
                return ip == "::1";
            }
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        }
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Decodes and normalises a request target (`/a/b.html?x#y`).
pub fn site_path(target: &str) -> Result<SitePath, PathError> {
    if !target.starts_with('/') || target.len() > 4096 {
        // Absolute-form (`http://…`), `*` and relative targets are not for us.
        return Err(PathError::BadRequest);
    }
    let end = target.find(['?', '#']).unwrap_or(target.len());
    let raw = &target[..end];
    if raw.contains('\\') {
        return Err(PathError::BadRequest);
    }
    let mut segments: Vec<String> = Vec::new();
    for seg in raw.split('/') {
        let bytes = percent_decode(seg)?;
        if bytes
            .iter()
            .any(|&b| b == b'/' || b == b'\\' || b < 0x20 || b == 0x7f)
        {
            // Encoded separators, NUL and control characters.
            return Err(PathError::BadRequest);
        }
        let seg = String::from_utf8(bytes).map_err(|_| PathError::BadRequest)?;
        match seg.as_str() {
            "" => {}
            "." | ".." => return Err(PathError::BadRequest),
            s if s.contains(':') || s.trim_end_matches(['.', ' ']).is_empty() => {
                return Err(PathError::BadRequest);
            }
            _ => segments.push(seg),
        }
    }
    let dir = raw.ends_with('/');
    Ok(SitePath {
        path: segments.join("/"),
        dir,
    })
}

/// Strict percent-decoding: a `%` must be followed by two hex digits.
fn percent_decode(s: &str) -> Result<Vec<u8>, PathError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => return Err(PathError::BadRequest),
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// What a site path resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    File(String),
    /// A folder requested without its trailing slash: redirect so that the
    /// page's relative links resolve.
    Redirect(String),
    NotFound,
}

/// Whether a site path names a dot-file or anything in a dot-folder
/// (`.git/config`, `static/.env`): never served, even when a course put one
/// in the site.
pub fn hidden(path: &str) -> bool {
    path.split('/').any(|seg| seg.starts_with('.'))
}

pub fn lookup(files: &Files, p: &SitePath) -> Lookup {
    if hidden(&p.path) {
        return Lookup::NotFound;
    }
    let index = if p.path.is_empty() {
        "index.html".to_owned()
    } else {
        format!("{}/index.html", p.path)
    };
    if p.dir || p.path.is_empty() {
        return if files.contains_key(&index) {
            Lookup::File(index)
        } else {
            Lookup::NotFound
        };
    }
    if files.contains_key(&p.path) {
        Lookup::File(p.path.clone())
    } else if files.contains_key(&index) {
        Lookup::Redirect(format!("/{}/", p.path))
    } else {
        Lookup::NotFound
    }
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "yaml" | "yml" => "text/yaml; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// Bytes shared with the site map, readable as a response body.
#[derive(Debug, Clone)]
pub struct Body(pub Arc<Vec<u8>>);

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A response with the headers every response of the preview carries:
/// never cached (a stale page is the one thing a preview must not show).
pub fn response(status: u16, content_type: &str, body: Body, head: bool) -> Response<Cursor<Body>> {
    let len = body.0.len();
    let body = if head {
        Body(Arc::new(Vec::new()))
    } else {
        body
    };
    let mut r = Response::new(
        StatusCode(status),
        Vec::new(),
        Cursor::new(body),
        Some(len),
        None,
    );
    for h in [
        header("Content-Type", content_type),
        header(
            "Cache-Control",
            "no-store, no-cache, must-revalidate, max-age=0",
        ),
        header("X-Content-Type-Options", "nosniff"),
    ]
    .into_iter()
    .flatten()
    {
        r.add_header(h);
    }
    r
}

pub fn text(status: u16, msg: &str, head: bool) -> Response<Cursor<Body>> {
    response(
        status,
        "text/plain; charset=utf-8",
        Body(Arc::new(msg.as_bytes().to_vec())),
        head,
    )
}

pub fn redirect(to: &str) -> Response<Cursor<Body>> {
    let mut r = text(301, "moved", false);
    if let Some(h) = header("Location", to) {
        r.add_header(h);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_only() {
        for ok in [
            None,
            Some("localhost"),
            Some("localhost:3000"),
            Some("LOCALHOST."),
            Some("docs.localhost:8080"),
            Some("127.0.0.1"),
            Some("127.0.0.1:3000"),
            Some("127.1.2.3:1"),
            Some("[::1]"),
            Some("[::1]:3000"),
        ] {
            assert!(loopback_host(ok), "{ok:?}");
        }
        for bad in [
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "10.0.0.1:3000",
            "0.0.0.0",
            "[::2]:3000",
            "[::1]x",
            "localhost:",
            "localhost:30000000",
            "localhost:3000:1",
            "",
        ] {
            assert!(!loopback_host(Some(bad)), "{bad}");
        }
    }

    #[test]
    fn normalises_and_refuses() {
        let ok = |t: &str| site_path(t).map(|p| p.path);
        assert_eq!(ok("/a/b.html?x=1#y"), Ok("a/b.html".into()));
        assert_eq!(ok("//a///b.html"), Ok("a/b.html".into()));
        assert_eq!(ok("/caf%C3%A9.html"), Ok("café.html".into()));
        for bad in [
            "/../x",
            "/a/%2e%2e/x",
            "/a%2fb",
            "/a%5cb",
            "/a\\b",
            "/%00",
            "/%zz",
            "/a%2",
            "x",
            "http://h/a",
            "/%ff",
            "/C:/x",
            "/a/./b",
        ] {
            assert_eq!(site_path(bad), Err(PathError::BadRequest), "{bad}");
        }
        assert!(site_path("/a/").unwrap().dir);
    }

    #[test]
    fn dot_files_are_not_found_even_in_the_site() {
        let files: Files = [
            ".env",
            ".git/config",
            "kourse/.x.css",
            ".w/index.html",
            "a.b/c",
        ]
        .into_iter()
        .map(|p| (p.to_owned(), Arc::new(Vec::new())))
        .collect();
        for target in ["/.env", "/.git/config", "/kourse/.x.css", "/.w/", "/.w"] {
            let p = site_path(target).unwrap();
            assert_eq!(lookup(&files, &p), Lookup::NotFound, "{target}");
        }
        let p = site_path("/a.b/c").unwrap();
        assert_eq!(lookup(&files, &p), Lookup::File("a.b/c".into()));
    }

    #[test]
    fn types() {
        assert_eq!(content_type("a/b.HTML"), "text/html; charset=utf-8");
        assert_eq!(content_type("kourse/style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}

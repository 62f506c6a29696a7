//! kourse patch: strict reading of a request head, one byte at a time, so
//! that the server and a fuzz target run the same code.
//!
//! Upstream trimmed lines, took the first of repeated headers, read a body
//! framed by `Transfer-Encoding` even when a `Content-Length` said
//! otherwise, took an unparsable `Content-Length` for "no body" and closed
//! the connection without an answer on a non-ASCII byte. Every such head
//! could frame its body differently from a proxy or a client library in
//! front of it, so a second request hidden in a body (request smuggling)
//! would be answered. A head is now refused (400, connection closed) when:
//!
//! * a line holds a byte that is not visible ASCII, space or tab, a CR not
//!   followed by LF, or a bare LF;
//! * the request line is not exactly `METHOD SP TARGET SP HTTP/x.y`;
//! * a header line starts with white space (obsolete line folding), has
//!   no `:`, or a name that is not a token;
//! * `Content-Length` appears more than once (even with equal values) or
//!   is not a decimal number that fits the machine's word;
//! * `Transfer-Encoding` appears more than once, with `Content-Length`, in
//!   an HTTP/1.0 request, or says anything but `chunked`;
//! * `Host` appears more than once, or not at all in an HTTP/1.1 request.

use std::str::FromStr;

use ascii::AsciiString;

use crate::common::{HTTPVersion, Header, HeaderField, Method};

/// Longest request line or header line, and most header lines.
pub const MAX_LINE: usize = 8 * 1024;
pub const MAX_HEADERS: usize = 100;

/// A request head that passed every check.
#[derive(Debug, Clone)]
pub struct Head {
    pub method: Method,
    pub target: String,
    pub version: HTTPVersion,
    pub headers: Vec<Header>,
}

impl PartialEq for Head {
    /// Equal heads: header names compare without case, as HTTP has it.
    fn eq(&self, other: &Head) -> bool {
        (&self.method, &self.target, &self.version)
            == (&other.method, &other.target, &other.version)
            && self.headers.len() == other.headers.len()
            && self
                .headers
                .iter()
                .zip(&other.headers)
                .all(|(a, b)| a.field == b.field && a.value == b.value)
    }
}

/// Why a head was refused: in its request line, or in a header (the
/// request line's version is known then, and used for the answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadError {
    RequestLine,
    Header(HTTPVersion),
}

/// Reads a head byte by byte: feed it bytes until it returns a [`Head`] or
/// an error. The byte after the head's blank line is the body's first.
#[derive(Default)]
pub struct HeadParser {
    line: Vec<u8>,
    after_cr: bool,
    request_line: Option<(Method, String, HTTPVersion)>,
    headers: Vec<Header>,
}

impl HeadParser {
    pub fn new() -> HeadParser {
        HeadParser::default()
    }

    fn error(&self) -> HeadError {
        match &self.request_line {
            None => HeadError::RequestLine,
            Some((_, _, v)) => HeadError::Header(v.clone()),
        }
    }

    /// Takes the next byte: `Ok(Some(head))` when it ended the head.
    pub fn push(&mut self, byte: u8) -> Result<Option<Head>, HeadError> {
        if self.after_cr {
            if byte != b'\n' {
                return Err(self.error());
            }
            self.after_cr = false;
            return self.end_line();
        }
        if byte == b'\r' {
            self.after_cr = true;
            return Ok(None);
        }
        if !(byte == b'\t' || (b' '..=b'~').contains(&byte)) || self.line.len() >= MAX_LINE {
            return Err(self.error());
        }
        self.line.push(byte);
        Ok(None)
    }

    fn end_line(&mut self) -> Result<Option<Head>, HeadError> {
        let err = self.error();
        // Only visible ASCII, space and tab were let in.
        let line = std::str::from_utf8(&self.line).map_err(|_| err.clone())?;
        let Some((_, _, version)) = &self.request_line else {
            let parsed = parse_request_line(line).ok_or(err)?;
            self.request_line = Some(parsed);
            self.line.clear();
            return Ok(None);
        };
        if !line.is_empty() {
            if self.headers.len() >= MAX_HEADERS {
                return Err(err);
            }
            let header = parse_header(line).ok_or(err)?;
            self.headers.push(header);
            self.line.clear();
            return Ok(None);
        }
        check_framing(version, &self.headers).map_err(|_| err)?;
        let (method, target, version) = self.request_line.take().ok_or(HeadError::RequestLine)?;
        Ok(Some(Head {
            method,
            target,
            version,
            headers: std::mem::take(&mut self.headers),
        }))
    }
}

/// Parses a whole head from the start of `bytes`, as the server does: the
/// head and how many bytes it took, or why it was refused. `Ok(None)` when
/// `bytes` ends before the head does.
#[doc(hidden)]
pub fn parse_head(bytes: &[u8]) -> Result<Option<(Head, usize)>, HeadError> {
    let mut p = HeadParser::new();
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(head) = p.push(b)? {
            return Ok(Some((head, i + 1)));
        }
    }
    Ok(None)
}

/// `tchar` of RFC 9110: what a method or a header name is made of.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn parse_request_line(line: &str) -> Option<(Method, String, HTTPVersion)> {
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !is_token(method) || target.is_empty() || target.contains('\t') {
        return None;
    }
    let version = match version {
        "HTTP/0.9" => HTTPVersion(0, 9),
        "HTTP/1.0" => HTTPVersion(1, 0),
        "HTTP/1.1" => HTTPVersion(1, 1),
        "HTTP/2.0" => HTTPVersion(2, 0),
        "HTTP/3.0" => HTTPVersion(3, 0),
        _ => return None,
    };
    Some((method.parse().ok()?, target.to_owned(), version))
}

fn parse_header(line: &str) -> Option<Header> {
    let (name, value) = line.split_once(':')?;
    if !is_token(name) {
        // Also refuses a line folded onto the previous one (leading white
        // space) and white space before the colon.
        return None;
    }
    Some(Header {
        field: HeaderField::from_str(name).ok()?,
        value: AsciiString::from_ascii(value.trim_matches([' ', '\t'])).ok()?,
    })
}

/// The checks that keep one request's body from hiding another request.
fn check_framing(version: &HTTPVersion, headers: &[Header]) -> Result<(), ()> {
    let all = |name: &'static str| headers.iter().filter(move |h| h.field.equiv(name));
    let one = |name: &'static str| -> Result<Option<&Header>, ()> {
        let mut found = all(name);
        let first = found.next();
        match found.next() {
            Some(_) => Err(()),
            None => Ok(first),
        }
    };
    let length = one("Content-Length")?;
    if let Some(h) = length {
        let v = h.value.as_str();
        if !v.bytes().all(|b| b.is_ascii_digit()) || v.parse::<usize>().is_err() {
            return Err(());
        }
    }
    if let Some(h) = one("Transfer-Encoding")? {
        if length.is_some()
            || *version < HTTPVersion(1, 1)
            || !h.value.as_str().eq_ignore_ascii_case("chunked")
        {
            return Err(());
        }
    }
    let host = one("Host")?;
    if host.is_none() && *version == HTTPVersion(1, 1) {
        return Err(());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &str) -> Result<Option<(Head, usize)>, HeadError> {
        parse_head(head.as_bytes())
    }

    #[test]
    fn a_plain_head() {
        let (h, n) = parse("GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: \t1 2 \r\n\r\nBODY")
            .unwrap()
            .unwrap();
        assert_eq!(
            n,
            "GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: \t1 2 \r\n\r\n".len()
        );
        assert_eq!((h.method, h.target.as_str()), (Method::Get, "/a?b"));
        assert_eq!(h.headers[1].value.as_str(), "1 2");
        assert_eq!(parse("GET / HTTP/1.1\r\nHost: x\r\n"), Ok(None));
        assert!(parse("GET / HTTP/1.0\r\n\r\n").unwrap().is_some());
    }

    #[test]
    fn refused_heads() {
        let v11 = Err(HeadError::Header(HTTPVersion(1, 1)));
        for bad in [
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n Content-Length: 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n: 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\nContent-Length: 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\rContent-Length: 5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: caf\u{e9}\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: \0\r\n\r\n",
        ] {
            assert_eq!(parse(bad), v11, "{bad:?}");
        }
        assert_eq!(
            parse("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Err(HeadError::Header(HTTPVersion(1, 0)))
        );
        for bad in [
            "GET /caf\u{e9} HTTP/1.1\r\n",
            "GET /\u{80} HTTP/1.1\r\n",
            "GET  / HTTP/1.1\r\n",
            "GET / HTTP/1.1 \r\n",
            "GET / HTTP/1.1\n",
            "GET /\tx HTTP/1.1\r\n",
            "G(T / HTTP/1.1\r\n",
            "GET / HTTP/1.2\r\n",
            "\r\n",
        ] {
            assert_eq!(parse(bad), Err(HeadError::RequestLine), "{bad:?}");
        }
        let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_LINE));
        assert_eq!(parse(&long), Err(HeadError::RequestLine));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(parse(&many), v11);
    }
}

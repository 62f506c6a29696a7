//! `kourse serve`'s request-head parser (vendor/tiny_http/src/head.rs): any
//! bytes are refused or give a head that frames its body one way only (at
//! most one `Content-Length`, a plain number, never with
//! `Transfer-Encoding`; one `Host`, present in HTTP/1.1), made of visible
//! ASCII, that ends at its blank line, is only "unfinished" when cut short,
//! and reads back the same when written out again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tiny_http::{Head, parse_head};

fn token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn write_out(h: &Head) -> String {
    let mut s = format!(
        "{} {} HTTP/{}.{}\r\n",
        h.method.as_str(),
        h.target,
        h.version.0,
        h.version.1
    );
    for header in &h.headers {
        s.push_str(&format!("{}: {}\r\n", header.field, header.value));
    }
    s.push_str("\r\n");
    s
}

fuzz_target!(|data: &[u8]| {
    let Ok(Some((head, n))) = parse_head(data) else {
        return;
    };
    let bytes = &data[..n];
    assert!(bytes.ends_with(b"\r\n\r\n"), "{bytes:?}");
    assert!(
        bytes
            .iter()
            .all(|&b| b == b'\t' || b == b'\r' || b == b'\n' || (b' '..=b'~').contains(&b)),
        "{bytes:?}"
    );
    assert!(token(head.method.as_str()) && !head.target.is_empty());
    let count = |name: &'static str| head.headers.iter().filter(|h| h.field.equiv(name)).count();
    let length = head.headers.iter().find(|h| h.field.equiv("Content-Length"));
    assert!(count("Content-Length") <= 1 && count("Transfer-Encoding") <= 1);
    assert!(!(count("Content-Length") == 1 && count("Transfer-Encoding") == 1));
    if let Some(l) = length {
        assert!(l.value.as_str().parse::<usize>().is_ok(), "{l:?}");
        assert!(l.value.as_str().bytes().all(|b| b.is_ascii_digit()));
    }
    assert!(count("Host") <= 1);
    if head.version == (1, 1) {
        assert_eq!(count("Host"), 1);
    }
    for h in &head.headers {
        let v = h.value.as_str();
        assert!(token(h.field.as_str().as_str()), "{h:?}");
        assert!(!v.starts_with([' ', '\t']) && !v.ends_with([' ', '\t']), "{h:?}");
    }
    // Cut short, it is unfinished, not refused.
    assert_eq!(parse_head(&bytes[..n - 1]), Ok(None));
    // Written out again, it reads back the same.
    let again = write_out(&head);
    assert_eq!(
        parse_head(again.as_bytes()),
        Ok(Some((head, again.len()))),
        "{again:?}"
    );
});

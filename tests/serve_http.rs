//! `kourse serve` over real sockets: content types, 404, hostile paths,
//! malformed requests, the reload channel, the error overlay, many listeners.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[path = "support/serve.rs"]
mod serve_support;
use serve_support::{Listener, course, get, raw, serve, wait_until};

const PAGE: &str = "content/01-first-steps/first-pod.md";

#[test]
fn content_types_headers_404_and_redirects() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    assert!(a.ip().is_loopback());

    let home = get(a, "/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(home.header("cache-control").unwrap().contains("no-store"));
    assert!(
        home.text().contains("/__kourse/live-reload.js"),
        "reload script injected"
    );
    for (path, ty) in [
        ("/index.html", "text/html; charset=utf-8"),
        ("/first-steps/first-pod.html", "text/html; charset=utf-8"),
        ("/kourse/style.css", "text/css; charset=utf-8"),
        ("/kourse/kourse.js", "text/javascript; charset=utf-8"),
        ("/__kourse/live-reload.js", "text/javascript; charset=utf-8"),
        ("/examples/first-pod.yaml", "text/yaml; charset=utf-8"),
        (
            "/first-steps/first-pod.html?x=1#top",
            "text/html; charset=utf-8",
        ),
    ] {
        let r = get(a, path);
        assert_eq!(r.status, 200, "{path}: {}", r.head);
        assert_eq!(r.header("content-type").as_deref(), Some(ty), "{path}");
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
    }
    let head = raw(
        a,
        b"HEAD /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    let missing = get(a, "/no/such/page.html");
    assert_eq!(missing.status, 404);
    assert!(
        missing.text().contains("Page not found"),
        "the site's own 404 page"
    );
    assert!(missing.text().contains("/__kourse/live-reload.js"));

    let dir_redirect = get(a, "/first-steps");
    assert_eq!(dir_redirect.status, 301);
    assert_eq!(
        dir_redirect.header("location").as_deref(),
        Some("/first-steps/")
    );
    assert_eq!(get(a, "/first-steps/").status, 200);

    assert_eq!(
        raw(
            a,
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .status,
        405
    );
}

#[test]
fn hostile_paths_never_reach_a_file() {
    let dir = course();
    // A secret next to the course and one inside it that is not published.
    std::fs::write(
        dir.path().parent().unwrap().join("kourse-secret.txt"),
        "TOP SECRET",
    )
    .ok();
    let server = serve(dir.path());
    let a = server.addr();
    let hostile = [
        "/../book.toml",
        "/../../../../etc/passwd",
        "/%2e%2e/book.toml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/first-steps/..%2f..%2fbook.toml",
        "/..%2fbook.toml",
        "/..%5cbook.toml",
        "/..\\book.toml",
        "/first-steps/%2e%2e/%2e%2e/book.toml",
        "/.%2e/book.toml",
        "/%252e%252e/book.toml",
        "//etc/passwd",
        "/book.toml",
        "/content/_index.md",
        "/index.html%00.txt",
        "/%00",
        "/C:/Windows/win.ini",
        "/c:%5cwindows%5cwin.ini",
        "/./index.html",
        "/%c0%ae%c0%ae/book.toml",
        "/%ff%fe",
        "/kourse/%",
        "http://evil.example/../../etc/passwd",
        "*",
        "/..;/book.toml",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    ];
    for path in hostile {
        let r = get(a, path);
        assert!(matches!(r.status, 400 | 404), "{path}: status {}", r.status);
        let t = r.text();
        assert!(
            !t.contains("[book]")
                && !t.contains("root:")
                && !t.contains("TOP SECRET")
                && !t.contains("+++"),
            "{path} leaked"
        );
    }
    // Still serving after all that.
    assert_eq!(get(a, "/").status, 200);
    let _ = std::fs::remove_file(dir.path().parent().unwrap().join("kourse-secret.txt"));
}

#[test]
fn malformed_requests_get_400_and_the_server_goes_on() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    for junk in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\nno-colon-header\r\n\r\n",
    ] {
        let r = raw(a, junk);
        assert!(
            r.status == 400 || r.status == 505 || r.status == 0,
            "{:?}: {}",
            String::from_utf8_lossy(junk),
            r.head
        );
    }
    // Half a request, then the connection drops.
    {
        let mut s = TcpStream::connect(a).unwrap();
        s.write_all(b"GET /index.ht").unwrap();
    }
    assert_eq!(get(a, "/").status, 200);
}

#[test]
fn edit_sends_an_event_naming_the_page_and_errors_show_an_overlay() {
    let dir = course();
    let root = dir.path();
    std::fs::create_dir_all(root.join("static/kourse")).unwrap();
    let server = serve(root);
    let a = server.addr();
    let mut l = Listener::connect(a);

    let text = std::fs::read_to_string(root.join(PAGE)).unwrap();
    std::fs::write(
        root.join(PAGE),
        text.replace("## The manifest", "## The manifest, edited"),
    )
    .unwrap();
    let ev = l.next("reload", Duration::from_secs(10));
    assert!(ev.contains("\"first-steps/first-pod.html\""), "{ev}");
    assert!(
        !ev.contains("\"index.html\""),
        "the home page did not change: {ev}"
    );
    assert!(
        get(a, "/first-steps/first-pod.html")
            .text()
            .contains("The manifest, edited")
    );

    // Broken front matter: an overlay with file, line, message and source line.
    std::fs::write(
        root.join(PAGE),
        "+++\ntitle = \"A first Pod\nweight = 10\n+++\nbody\n",
    )
    .unwrap();
    let ev = l.next("failed", Duration::from_secs(10));
    let v: serde_json::Value = serde_json::from_str(&ev).unwrap();
    let d = &v["diagnostics"][0];
    assert!(
        d["file"].as_str().unwrap().ends_with("first-pod.md"),
        "{ev}"
    );
    assert!(d["line"].as_u64().unwrap() >= 2, "{ev}");
    assert!(!d["message"].as_str().unwrap().is_empty());
    assert!(d["source_line"].as_str().unwrap().contains("title"), "{ev}");
    assert!(
        d["headline"].as_str().unwrap().contains("first-pod.md:"),
        "{ev}"
    );
    // The last good page is still served.
    let r = get(a, "/first-steps/first-pod.html");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("The manifest, edited"));
    // A listener that connects now gets the overlay at once.
    let mut late = Listener::connect(a);
    late.next("failed", Duration::from_secs(5));

    // The fix: a reload event naming the page (which removes the overlay).
    std::fs::write(root.join(PAGE), text.replace("## The manifest", "## Fixed")).unwrap();
    let ev = l.next("reload", Duration::from_secs(10));
    assert!(ev.contains("first-steps/first-pod.html"), "{ev}");
    late.next("reload", Duration::from_secs(5));
    assert!(
        get(a, "/first-steps/first-pod.html")
            .text()
            .contains("Fixed")
    );

    // CSS only: a `css` event, not a reload.
    std::fs::write(root.join("static/kourse/style.css"), "body{color:red}\n").unwrap();
    let ev = l.next("css", Duration::from_secs(10));
    assert!(ev.contains("kourse/style.css"), "{ev}");

    // Editor noise does not trigger a rebuild.
    std::fs::write(root.join("content/.first-pod.md.swp"), "x").unwrap();
    std::fs::write(root.join("content/first-pod.md~"), "x").unwrap();
    assert!(l.try_next("reload", Duration::from_millis(600)).is_none());

    // A save that changes nothing (the same bytes again) reloads no page.
    let same = std::fs::read(root.join(PAGE)).unwrap();
    std::fs::write(root.join(PAGE), &same).unwrap();
    assert!(l.try_next("reload", Duration::from_millis(600)).is_none());
    assert!(l.try_next("css", Duration::from_millis(10)).is_none());
}

#[test]
fn a_save_burst_ends_in_one_consistent_build() {
    let dir = course();
    let root = dir.path();
    let server = serve(root);
    let a = server.addr();
    let mut l = Listener::connect(a);
    let text = std::fs::read_to_string(root.join(PAGE)).unwrap();
    let start = Instant::now();
    for i in 0..100 {
        // Like an editor: write a temporary file, rename it over the page.
        let tmp = root.join("content/01-first-steps/.first-pod.md.tmp");
        std::fs::write(
            &tmp,
            text.replace("## The manifest", &format!("## Version {i}")),
        )
        .unwrap();
        std::fs::rename(&tmp, root.join(PAGE)).unwrap();
        std::thread::sleep(Duration::from_millis(8));
    }
    assert!(start.elapsed() < Duration::from_secs(3));
    let mut events = 0;
    while l.try_next("reload", Duration::from_millis(800)).is_some() {
        events += 1;
    }
    assert!(
        (1..100).contains(&events),
        "{events} reload events for 100 saves"
    );
    let page = get(a, "/first-steps/first-pod.html").text();
    assert!(
        page.contains("Version 99"),
        "final build shows the last save"
    );
    // Byte-identical to a full build of the final state.
    let config = kourse::config::Config::load(root).unwrap();
    let opts = kourse::site::BuildOptions {
        root: root.to_path_buf(),
        inject: Some(kourse::serve::reload::inject()),
        ..Default::default()
    };
    let full = kourse::site::render_site(&opts, &config, &kourse::highlight::HighlightCache::new())
        .unwrap();
    assert_eq!(
        page.as_bytes(),
        &full.files["first-steps/first-pod.html"][..]
    );
}

#[test]
fn many_listeners_do_not_slow_serving_and_leave_no_threads() {
    let dir = course();
    let root = dir.path();
    let server = serve(root);
    let a = server.addr();
    let mut listeners: Vec<Listener> = (0..200).map(|_| Listener::connect(a)).collect();
    wait_until("200 listeners", Duration::from_secs(10), || {
        server.listeners() == 200
    });

    let t = Instant::now();
    for _ in 0..50 {
        assert_eq!(get(a, "/first-steps/first-pod.html").status, 200);
    }
    let per_request = t.elapsed() / 50;
    assert!(
        per_request < Duration::from_millis(200),
        "{per_request:?} per request with 200 listeners"
    );

    // Every listener hears about an edit.
    let text = std::fs::read_to_string(root.join(PAGE)).unwrap();
    std::fs::write(
        root.join(PAGE),
        text.replace("## The manifest", "## Broadcast"),
    )
    .unwrap();
    for l in &mut listeners {
        l.next("reload", Duration::from_secs(10));
    }

    // Listeners that go away are dropped, with their threads.
    drop(listeners);
    wait_until("listener threads to exit", Duration::from_secs(10), || {
        server.listeners() == 0
    });
    assert_eq!(get(a, "/").status, 200);
    server.stop();
    // The port is closed shortly after stopping (tiny_http's accept thread
    // closes it asynchronously).
    wait_until("the port to close", Duration::from_secs(5), || {
        TcpStream::connect_timeout(&a, Duration::from_millis(200)).is_err()
    });
}

#[test]
fn a_course_that_does_not_build_is_served_with_its_errors() {
    let dir = course();
    let root = dir.path();
    let good = std::fs::read_to_string(root.join(PAGE)).unwrap();
    std::fs::write(root.join(PAGE), "+++\ntitle = \n+++\n").unwrap();
    let server = serve(root);
    let a = server.addr();
    let r = get(a, "/first-steps/first-pod.html");
    assert_eq!(r.status, 503);
    assert!(r.text().contains("/__kourse/live-reload.js"));
    let mut l = Listener::connect(a);
    l.next("failed", Duration::from_secs(5));
    std::fs::write(root.join(PAGE), good).unwrap();
    let ev = l.next("reload", Duration::from_secs(10));
    assert!(ev.contains("first-steps/first-pod.html"), "{ev}");
    assert_eq!(get(a, "/first-steps/first-pod.html").status, 200);
}

#[test]
fn a_loopback_server_answers_only_to_loopback_host_names() {
    let dir = course();
    let server = serve(dir.path());
    let a = server.addr();
    let with_host = |host: &str| {
        raw(
            a,
            format!("GET /index.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    for host in [
        "localhost",
        &format!("127.0.0.1:{}", a.port()),
        "[::1]:3000",
        "docs.localhost",
    ] {
        assert_eq!(with_host(host).status, 200, "{host}");
    }
    // A name that resolves here only because someone pointed it at
    // 127.0.0.1 (DNS rebinding), and the page's reload channel too.
    for host in [
        "attacker.example",
        "attacker.example:3000",
        "localhost.attacker.example",
        "192.168.1.9",
    ] {
        let r = with_host(host);
        assert_eq!(r.status, 403, "{host}");
        assert!(r.text().contains("--bind"), "{}", r.text());
    }
    let events = raw(
        a,
        b"GET /__kourse/events HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(events.status, 403);
    // HTTP/1.0 without a Host header: not a browser, let through.
    assert_eq!(raw(a, b"GET /index.html HTTP/1.0\r\n\r\n").status, 200);
    server.stop();
}

#[test]
fn a_change_to_an_included_file_or_an_image_beside_a_page_reloads_it() {
    let dir = course();
    let root = dir.path();
    // The script lies outside the folders serve watches as a whole.
    std::fs::create_dir_all(root.join("scripts")).unwrap();
    std::fs::write(root.join("scripts/setup.sh"), "echo first-version\n").unwrap();
    std::fs::create_dir_all(root.join("content/01-first-steps/pics")).unwrap();
    std::fs::write(
        root.join("content/01-first-steps/pics/layout.svg"),
        "<svg/>\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(root.join(PAGE)).unwrap();
    std::fs::write(
        root.join(PAGE),
        format!(
            "{text}\n{{{{#include ../../scripts/setup.sh}}}}\n\n![The layout](pics/layout.svg)\n"
        ),
    )
    .unwrap();
    let server = serve(root);
    let a = server.addr();
    let url = "/first-steps/first-pod.html";
    assert!(get(a, url).text().contains("first-version"));
    assert_eq!(get(a, "/first-steps/pics/layout.svg").body, b"<svg/>\n");
    let mut l = Listener::connect(a);

    std::fs::write(root.join("scripts/setup.sh"), "echo second-version\n").unwrap();
    let ev = l.next("reload", Duration::from_secs(10));
    assert!(ev.contains("\"first-steps/first-pod.html\""), "{ev}");
    assert!(get(a, url).text().contains("second-version"));

    std::fs::write(
        root.join("content/01-first-steps/pics/layout.svg"),
        "<svg><title>new</title></svg>\n",
    )
    .unwrap();
    let ev = l.next("reload", Duration::from_secs(10));
    assert!(ev.contains("first-steps/pics/layout.svg"), "{ev}");
    assert_eq!(
        get(a, "/first-steps/pics/layout.svg").body,
        b"<svg><title>new</title></svg>\n"
    );
}

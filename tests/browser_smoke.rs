//! Self-test of the browser harness: a tiny page opened through file://.

mod support;

use support::browser;

#[test]
fn harness_opens_a_file_url_and_reads_the_dom() {
    let Some(b) = browser::browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a page.html");
    std::fs::write(
        &path,
        r#"<!doctype html><html data-root=""><head><meta charset="utf-8"><title>Smoke</title></head>
<body><h1 id="t">Hello, <em>file</em></h1><input id="q"><button id="b">go</button><p id="out"></p>
<script>
  document.getElementById('b').addEventListener('click', () => {
    document.getElementById('out').textContent = 'clicked:' + document.getElementById('q').value;
  });
  document.getElementById('q').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') document.getElementById('out').textContent = 'enter';
  });
  setTimeout(() => { const d = document.createElement('div'); d.id = 'late'; document.body.append(d); }, 100);
</script></body></html>"#,
    )
    .unwrap();

    let page = b.new_page();
    page.goto_file(&path);
    assert!(page.url().starts_with("file://"), "{}", page.url());
    assert_eq!(page.eval_json("document.title"), "Smoke");
    assert_eq!(page.text("#t").as_deref(), Some("Hello, file"));
    assert_eq!(page.eval_json("document.documentElement.dataset.root"), "");
    page.wait_for("#late", browser::WAIT);
    assert!(!page.try_wait_for("#never", std::time::Duration::from_millis(100)));

    page.focus("#q").type_text("k8s");
    page.click("#b");
    assert_eq!(page.text("#out").as_deref(), Some("clicked:k8s"));
    page.focus("#q").press_key("Enter");
    assert_eq!(page.text("#out").as_deref(), Some("enter"));
    assert_eq!(page.count("p"), 1);
    page.assert_no_errors();

    // Errors and dialogs are recorded, and dialogs never block.
    page.eval_json("setTimeout(() => { throw new Error('boom') }, 0), console.error('bad', 42), alert('hi'), 1");
    page.wait_until("true", browser::WAIT);
    let deadline = std::time::Instant::now() + browser::WAIT;
    while page.errors().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let errors = page.errors();
    assert!(errors.iter().any(|e| e.contains("boom")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("bad 42")), "{errors:?}");
    assert_eq!(page.dialogs(), vec!["alert: hi".to_string()]);
}

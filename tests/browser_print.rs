//! Printing in dark mode: a page printed while the dark scheme is on
//! (from the ◐ toggle or from the system) prints with the light palette,
//! so body text and every highlighted token are readable on paper.
//! Measured in Chromium with print media emulated.

mod support;

use std::path::Path;

use support::browser::{self, Page, WAIT};
use support::sites;

/// JavaScript: the text of the page body and every highlighted token, each
/// with its computed colour, its contrast on white paper and on the
/// background it is drawn on (the nearest ancestor that paints one).
const MEASURE: &str = r#"(() => {
  const rgb = (c) => (c.match(/[\d.]+/g) || []).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const paint = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const measure = (what, el) => {
    const fg = rgb(getComputedStyle(el).color).slice(0, 3);
    return { what, colour: getComputedStyle(el).color,
      on_white: ratio(fg, [255, 255, 255]), on_background: ratio(fg, paint(el)) };
  };
  const out = [measure("body text", document.querySelector(".content p"))];
  for (const span of document.querySelectorAll("pre.hl code span[class]")) {
    if (span.textContent.trim()) out.push(measure(span.className + " " + JSON.stringify(span.textContent), span));
  }
  return out;
})()"#;

fn course() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w("book.toml", "[book]\ntitle = \"Print\"\n");
    w("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHome.\n");
    w(
        "content/page.md",
        "+++\ntitle = \"Page\"\n+++\nA paragraph of body text.\n\n```yaml\n# A comment.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: \"fast\"\n  replicas: \"3\"\n```\n\n```bash\n# Apply it.\nkubectl apply -f settings.yaml --dry-run=server && echo \"ok $HOME\"\n```\n",
    );
    dir
}

fn emulate_print(page: &Page, scheme: &str) {
    use headless_chrome::protocol::cdp::Emulation;
    let call: Emulation::SetEmulatedMedia = serde_json::from_value(serde_json::json!({
        "media": "print",
        "features": [{ "name": "prefers-color-scheme", "value": scheme }]
    }))
    .unwrap();
    page.tab().call_method(call).unwrap();
}

fn measured(page: &Page) -> Vec<(String, String, f64, f64)> {
    page.eval_json(MEASURE)
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["what"].as_str().unwrap().to_owned(),
                m["colour"].as_str().unwrap().to_owned(),
                m["on_white"].as_f64().unwrap(),
                m["on_background"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// Opens the page with dark mode on (from `how`: "toggle" or "system"),
/// checks it is really dark on screen, then prints it.
fn print_in_dark(page: &Page, file: &Path, how: &str) -> Vec<(String, String, f64, f64)> {
    let system = if how == "system" { "dark" } else { "light" };
    page.set_color_scheme(system);
    page.goto_file(file);
    page.wait_for(".theme-toggle", WAIT);
    if how == "toggle" {
        page.click(".theme-toggle");
    }
    assert_eq!(
        page.eval_json("document.documentElement.getAttribute('data-theme')"),
        "dark"
    );
    // On screen the text is light on dark: unreadable on white paper.
    let screen = measured(page);
    assert!(
        screen[0].2 < 4.5,
        "dark mode is not on the screen before printing: {screen:?}"
    );
    assert!(screen.len() > 10, "too few highlighted tokens: {screen:?}");
    emulate_print(page, system);
    let print = measured(page);
    assert_eq!(print.len(), screen.len());
    print
}

#[test]
fn a_page_printed_in_dark_mode_prints_light() {
    let Some(browser) = browser::browser() else {
        return;
    };
    let dir = course();
    let site = sites::build(dir.path());
    let file = site.path().join("page.html");
    for how in ["toggle", "system"] {
        let page = browser.new_page();
        let print = print_in_dark(&page, &file, how);
        let unreadable: Vec<String> = print
            .iter()
            .filter(|(_, _, white, back)| *white < 4.5 || *back < 4.5)
            .map(|(what, colour, white, back)| {
                format!("{what}: {colour}, {white:.2}:1 on white, {back:.2}:1 on its box")
            })
            .collect();
        assert!(
            unreadable.is_empty(),
            "printed with dark mode from the {how}:\n{}",
            unreadable.join("\n")
        );
        page.assert_no_errors();
    }
}

//! Navigation derived from the page tree: the sidebar, breadcrumbs and
//! previous/next links.
//!
//! Each page carries only its own part of the sidebar (the sections on the
//! path to it, and their pages), so a page's size does not grow with the
//! course and the output stays linear in the number of pages. The whole
//! tree is written once, to `kourse/nav.js`, from which the theme's script
//! draws the full sidebar; without JavaScript the inline part still works.

use serde::Serialize;

use crate::content::{Course, PageId};
use crate::highlight::push_escaped;
use crate::markdown::links::{push_relative_url, relative_url};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NavLink {
    pub title: String,
    pub url: String,
}

/// The sidebar of a generated page that is not part of the page tree (the
/// examples index): every chapter, none marked current.
pub fn sidebar_outside(course: &Course, here: &str) -> String {
    draw(course, None, here, &[], true)
}

/// Where the 404 page's links and assets start. A server shows it for a
/// missing address at any depth, so relative links would resolve against
/// the missing page's folder: they are absolute from `base-url` when the
/// course sets one, root-relative otherwise, and root-relative under
/// `kourse serve`, which serves the site at `/`.
pub fn not_found_root(base_url: Option<&str>, serving: bool) -> String {
    match base_url.map(str::trim).filter(|b| !b.is_empty()) {
        Some(base) if !serving => format!("{}/", base.trim_end_matches('/')),
        _ => "/".to_owned(),
    }
}

/// The sidebar of the 404 page: every chapter, none marked current, each
/// link starting with `root` (see [`not_found_root`]).
pub fn sidebar_at_root(course: &Course, root: &str) -> String {
    let relative = draw(course, None, "", &[], true);
    // Links drawn from the site root are relative to it (`a/b.html`): put
    // the root before each. The root is escaped like any attribute.
    let mut escaped_root = String::new();
    push_escaped(&mut escaped_root, root);
    relative.replace("<a href=\"", &format!("<a href=\"{escaped_root}"))
}

/// The sidebar HTML for the page `current`.
pub fn sidebar(course: &Course, current: PageId) -> String {
    let mut open: Vec<PageId> = course.ancestors(current);
    open.push(current);
    // Only the chapter on the path is listed inline (all of them on the
    // home page); nav.js adds the rest.
    draw(
        course,
        Some(current),
        &course.pages[current].url,
        &open,
        current == course.home,
    )
}

fn draw(
    course: &Course,
    current: Option<PageId>,
    here: &str,
    open: &[PageId],
    all_chapters: bool,
) -> String {
    let mut html = String::with_capacity(4096);
    html.push_str("<ul>");
    let home = &course.pages[course.home];
    item(
        &mut html,
        here,
        &home.url,
        &home.front.title,
        current == Some(course.home),
        home.id,
    );
    html.push_str("</li>");
    for &child in &home.children {
        if all_chapters || open.contains(&child) {
            entry(
                course,
                child,
                current.unwrap_or(usize::MAX),
                here,
                open,
                &mut html,
            );
        }
    }
    html.push_str("</ul>");
    html
}

/// The whole page tree as a script (`window.kourseNav`), loaded by every
/// page from one cached file. Each node: `t` title, `u` URL from the site
/// root, `c` children.
pub fn nav_script(course: &Course) -> String {
    fn node(course: &Course, id: PageId) -> serde_json::Value {
        let p = &course.pages[id];
        let mut v = serde_json::json!({ "t": p.front.title, "u": p.url });
        if !p.children.is_empty() {
            v["c"] = p.children.iter().map(|&c| node(course, c)).collect();
        }
        v
    }
    let home = &course.pages[course.home];
    let tree: Vec<serde_json::Value> =
        std::iter::once(serde_json::json!({ "t": home.front.title, "u": home.url }))
            .chain(home.children.iter().map(|&c| node(course, c)))
            .collect();
    // `</` is escaped so no title can close a script element.
    let json = serde_json::to_string(&tree)
        .unwrap_or_else(|_| "[]".into())
        .replace("</", "<\\/");
    format!("window.kourseNav = {json};\n")
}

fn entry(
    course: &Course,
    id: PageId,
    current: PageId,
    here: &str,
    open: &[PageId],
    html: &mut String,
) {
    let page = &course.pages[id];
    let has_children = page.is_section && !page.children.is_empty();
    let is_open = has_children && open.contains(&id);
    // A chapter is one link (one tab stop, nothing interactive nested in
    // another); the list of its pages follows it when the reader is inside
    // it. The marker is drawn by the stylesheet.
    html.push_str(match (has_children, is_open) {
        (true, true) => "<li class=\"section open\">",
        (true, false) => "<li class=\"section\">",
        _ => "<li>",
    });
    link(html, here, &page.url, &page.front.title, id == current, id);
    if is_open {
        html.push_str("<ul>");
        for &child in &page.children {
            entry(course, child, current, here, open, html);
        }
        html.push_str("</ul>");
    }
    html.push_str("</li>");
}

fn item(html: &mut String, here: &str, url: &str, title: &str, current: bool, id: PageId) {
    html.push_str("<li>");
    link(html, here, url, title, current, id);
}

fn link(html: &mut String, here: &str, url: &str, title: &str, current: bool, _id: PageId) {
    // Written straight into the sidebar: it has a link per page of the
    // open chapter, on every page.
    html.push_str("<a href=\"");
    let url_at = html.len();
    push_relative_url(html, here, url);
    if html[url_at..].contains(['&', '<', '>', '"', '\'']) {
        let relative = html.split_off(url_at);
        push_escaped(html, &relative);
    }
    html.push_str("\" data-page=\"");
    push_escaped(html, url);
    html.push('"');
    if current {
        html.push_str(" aria-current=\"page\"");
    }
    html.push('>');
    push_escaped(html, title);
    html.push_str("</a>");
}

/// Links to the sections above a page, from the home page down.
pub fn breadcrumbs(course: &Course, id: PageId) -> Vec<NavLink> {
    let here = &course.pages[id].url;
    course
        .ancestors(id)
        .into_iter()
        .map(|a| NavLink {
            title: course.pages[a].front.title.clone(),
            url: relative_url(here, &course.pages[a].url),
        })
        .collect()
}

/// The pages before and after `id` in reading order.
pub fn prev_next(course: &Course, id: PageId) -> (Option<NavLink>, Option<NavLink>) {
    let here = &course.pages[id].url;
    let Some(pos) = course.position(id) else {
        return (None, None);
    };
    let link = |p: PageId| NavLink {
        title: course.pages[p].front.title.clone(),
        url: relative_url(here, &course.pages[p].url),
    };
    let prev = pos.checked_sub(1).map(|i| link(course.order[i]));
    let next = course.order.get(pos + 1).map(|&p| link(p));
    (prev, next)
}

#[cfg(test)]
mod tests {
    use super::not_found_root;

    #[test]
    fn the_404_root_is_the_base_url_when_built_and_the_server_root_when_served() {
        assert_eq!(not_found_root(None, false), "/");
        assert_eq!(
            not_found_root(Some("https://example.org/course"), false),
            "https://example.org/course/"
        );
        assert_eq!(
            not_found_root(Some("https://example.org/course/"), false),
            "https://example.org/course/"
        );
        assert_eq!(not_found_root(Some("https://example.org/"), true), "/");
        assert_eq!(not_found_root(Some("  "), false), "/");
    }
}

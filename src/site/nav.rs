//! Navigation derived from the page tree: the sidebar, breadcrumbs and
//! previous/next links.
//!
//! The sidebar of a page lists the chapters and opens only the sections on
//! the path to that page, so its size does not grow with the whole course:
//! output stays linear in the number of pages.

use std::fmt::Write as _;

use serde::Serialize;

use crate::content::{Course, PageId};
use crate::highlight::escape_html;
use crate::markdown::links::relative_url;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NavLink {
    pub title: String,
    pub url: String,
}

/// The sidebar HTML for the page `current`.
pub fn sidebar(course: &Course, current: PageId) -> String {
    let here = &course.pages[current].url;
    let mut open: Vec<PageId> = course.ancestors(current);
    open.push(current);
    let mut html = String::with_capacity(4096);
    html.push_str("<ul>");
    let home = &course.pages[course.home];
    item(
        &mut html,
        here,
        &home.url,
        &home.front.title,
        current == course.home,
        home.id,
    );
    html.push_str("</li>");
    for &child in &course.pages[course.home].children {
        entry(course, child, current, here, &open, &mut html);
    }
    html.push_str("</ul>");
    html
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
    let is_open = page.is_section && open.contains(&id) && !page.children.is_empty();
    if is_open {
        html.push_str("<li class=\"section open\"><details open><summary>");
        link(html, here, &page.url, &page.front.title, id == current, id);
        html.push_str("</summary><ul>");
        for &child in &page.children {
            entry(course, child, current, here, open, html);
        }
        html.push_str("</ul></details></li>");
    } else {
        item(html, here, &page.url, &page.front.title, id == current, id);
        if page.is_section && !page.children.is_empty() {
            html.push_str("<span class=\"more\" aria-hidden=\"true\"> ›</span>");
        }
        html.push_str("</li>");
    }
}

fn item(html: &mut String, here: &str, url: &str, title: &str, current: bool, id: PageId) {
    html.push_str("<li>");
    link(html, here, url, title, current, id);
}

fn link(html: &mut String, here: &str, url: &str, title: &str, current: bool, _id: PageId) {
    let _ = write!(
        html,
        "<a href=\"{}\" data-page=\"{}\"{}>{}</a>",
        escape_html(&relative_url(here, url)),
        escape_html(url),
        if current {
            " aria-current=\"page\""
        } else {
            ""
        },
        escape_html(title)
    );
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

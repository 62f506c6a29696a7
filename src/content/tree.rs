//! The section tree of a course: parents and children from the folders,
//! depths, and the reading order used for previous/next links.

use super::*;

pub(super) fn build_tree(mut pages: Vec<Page>, diags: &mut Vec<Diagnostic>) -> Option<Course> {
    // Folder (relative to content/, "" for the root) → its section page.
    let mut section_of_dir: HashMap<String, usize> = HashMap::new();
    for (i, p) in pages.iter_mut().enumerate() {
        p.id = i;
        if p.is_section {
            section_of_dir.insert(parent_dir(&p.source).to_owned(), i);
        }
    }
    let Some(&home) = section_of_dir.get("") else {
        diags.push(Diagnostic::error(
            "missing-page",
            Path::new(CONTENT_DIR).join(SECTION_FILE),
            "the home page content/_index.md is missing",
        ));
        return None;
    };
    // Parents: a page's section is its own folder; a section's parent is
    // the folder above its own.
    for page in pages.iter_mut() {
        if page.id == home {
            continue;
        }
        let folder = parent_dir(&page.source);
        let parent_key = if page.is_section {
            parent_dir(folder)
        } else {
            folder
        };
        match section_of_dir.get(parent_key) {
            Some(&p) => page.parent = Some(p),
            None => {
                diags.push(Diagnostic::error(
                    "missing-section",
                    page.file.clone(),
                    format!(
                        "folder `content/{parent_key}` has no {SECTION_FILE}; every folder of pages is a section and needs one for its title"
                    ),
                ));
            }
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        return None;
    }
    // Children, ordered by weight then file name.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); pages.len()];
    for p in &pages {
        if let Some(parent) = p.parent {
            children[parent].push(p.id);
        }
    }
    for list in &mut children {
        list.sort_by(|&a, &b| {
            let key = |id: usize| {
                (
                    pages[id].front.weight.unwrap_or(0),
                    pages[id].source.as_str(),
                )
            };
            key(a).cmp(&key(b))
        });
    }
    for (i, list) in children.into_iter().enumerate() {
        pages[i].children = list;
    }
    // URLs and depth, top-down.
    let mut order = Vec::with_capacity(pages.len());
    assign(&mut pages, home, "", 0, &mut order);
    // Duplicate URLs.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for p in &pages {
        if let Some(&other) = seen.get(p.url.as_str()) {
            // At the `slug` line that made the clash when there is one, else
            // at the top of the later page.
            let (here, there) = match (&p.front.slug, &pages[other].front.slug) {
                (None, Some(_)) => (&pages[other], p),
                _ => (p, &pages[other]),
            };
            let at = match here.front.slug {
                Some(_) => crate::source::key_offset(&here.text, "slug"),
                None => 0,
            };
            diags.push(
                Diagnostic::error(
                    "duplicate-slug",
                    here.file.clone(),
                    format!(
                        "this page and {} are both published as `{}`",
                        there.file.display(),
                        crate::paths::file_of_url(&p.url)
                    ),
                )
                .at_offset(&here.text, at)
                .with_note("give one of them a different `slug` in its front matter"),
            );
        } else {
            seen.insert(&p.url, p.id);
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        return None;
    }
    let by_source = pages.iter().map(|p| (p.source.clone(), p.id)).collect();
    Some(Course {
        pages,
        home,
        order,
        warnings: Vec::new(),
        by_source,
    })
}

fn assign(pages: &mut [Page], id: usize, dir: &str, depth: usize, order: &mut Vec<usize>) {
    pages[id].depth = depth;
    order.push(id);
    let children = pages[id].children.clone();
    for child in children {
        let slug = pages[child].front.slug.clone().unwrap_or_else(|| {
            if pages[child].is_section {
                slug_of(last_segment(parent_dir(&pages[child].source)))
            } else {
                slug_of(last_segment(&pages[child].source))
            }
        });
        // A file name may hold anything; in a URL it is one inert segment.
        let slug = crate::paths::url_segment(&slug);
        if pages[child].is_section {
            let sub = format!("{dir}{slug}/");
            pages[child].url = format!("{sub}index.html");
            assign(pages, child, &sub, depth + 1, order);
        } else {
            pages[child].url = format!("{dir}{slug}.html");
            pages[child].depth = depth + 1;
            order.push(child);
        }
    }
    if depth == 0 {
        pages[id].url = "index.html".to_owned();
    }
}

/// `a/b/c.md` → `a/b`; `c.md` → ``.
fn parent_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

pub(super) fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

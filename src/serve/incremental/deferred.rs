//! The outputs a rebuild may leave stale so that the pages are announced
//! sooner (the search index, print.html), brought up to date afterwards.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::markdown::Rendered;
use crate::site::{self, Templating};

use super::{Engine, FileList, Files, PrintEntry, shared_list};

impl Engine {
    /// Brings the outputs left stale by [`Engine::rebuild_deferred`] (the
    /// search index, print.html) up to date; returns the new site and the
    /// paths that changed, or `None` when there was nothing to do. After
    /// this the site is byte-identical to a full build.
    pub fn finish_deferred(&mut self) -> Option<(Arc<Files>, Vec<String>)> {
        let search = self.pending_search.take();
        let print = self.pending_print.take();
        if search.is_none() && print.is_none() {
            return None;
        }
        let course = self.prev_course.as_ref()?;
        let rendered: Vec<&Rendered> = course
            .pages
            .iter()
            .map(|p| self.markdown.get(&p.source).map(|e| &*e.rendered))
            .collect::<Option<_>>()?;
        let mut files: Files = (**self.last_good.as_ref()?).clone();
        let mut changed = Vec::new();
        let mut replace = |old: &FileList, fresh: &FileList| {
            for (path, _) in old {
                if files.remove(path).is_some() {
                    changed.push(path.clone());
                }
            }
            for (path, bytes) in fresh {
                files.insert(path.clone(), bytes.clone());
                changed.push(path.clone());
            }
        };
        if let Some((key, config)) = search {
            let fresh = shared_list(site::search_index(course, &rendered, &config));
            if let Some((_, old)) = &self.search {
                replace(old, &fresh);
            }
            self.search = Some((key, fresh));
        }
        if let (Some((key, config, theme, tera)), Some(old)) = (print, self.print.take()) {
            let templating =
                Templating::new(&self.opts, &config, course, &theme, &tera, HashMap::new());
            let mut out = BTreeMap::new();
            let mut diags = Vec::new();
            templating.print_edition(&rendered, &mut out, &mut diags);
            let fresh = shared_list(out);
            replace(&old.files, &fresh);
            // Reported by the next rebuild if there are any (there are none
            // unless the template-wide inputs changed, which is not deferred).
            self.print = Some(PrintEntry {
                key,
                tpl: old.tpl,
                files: fresh,
                diags,
            });
        }
        changed.sort();
        changed.dedup();
        let files = Arc::new(files);
        self.last_good = Some(files.clone());
        Some((files, changed))
    }
}

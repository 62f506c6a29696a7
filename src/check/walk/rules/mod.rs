//! What a real cluster refuses or never runs: update rules, admission
//! (Pod Security, quotas), and what a Pod needs to start and be scheduled.

pub mod immutable;
pub mod same;

use super::Issue;
use super::lab::Lab;
use super::state::{Obj, State};

/// Admission of a new or updated object; `false` when the apiserver
/// refuses it (nothing changes).
pub fn admit(_obj: &Obj, _state: &State, _out: &mut Vec<Issue>) -> bool {
    true
}

/// Checks at the end of a page, for the objects its steps made: (step
/// index, issue).
pub fn page_end(_state: &State, _page: usize, _lab: &Lab) -> Vec<(usize, Issue)> {
    Vec::new()
}

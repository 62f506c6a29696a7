//! `kourse serve`: a live preview.

pub mod incremental;

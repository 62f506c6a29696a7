//! Shared helpers for integration tests. Use with `mod support;`.

pub mod browser;
pub mod sites;
pub mod static_server;
pub mod tools;

//! kourse: a static-site generator for Kubernetes courses whose examples are
//! checked against the real Kubernetes API.
//!
//! Data flows one way, one module per stage:
//! config → content → check → render → write.

// Diagnostics are returned as values on the cold error path; boxing them
// would cost every caller a layer of indirection for no measurable gain.
#![allow(clippy::result_large_err)]

pub mod blocks;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod diagnostic;
pub mod diagnostic_formats;
pub mod diagram;
pub mod highlight;
pub mod include;
pub mod init;
pub mod learn;
pub mod manifests;
pub mod markdown;
pub mod paths;
pub mod search;
pub mod serve;
pub mod site;
pub mod source;
pub mod theme;

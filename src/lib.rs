//! kourse: a static-site generator for Kubernetes courses whose examples are
//! checked against the real Kubernetes API.
//!
//! Data flows one way, one module per stage:
//! config → content → check → render → write.

pub mod check;
pub mod diagnostic;

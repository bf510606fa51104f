//! Switchyard's gateway as a library: build the state from config, build the router, and
//! `serve(listener, router, shutdown, grace)`. The server binary, the desktop shell and every
//! test use that one path.

pub mod cache;
pub mod config;
pub mod http;
pub mod scheduler;
pub mod secrets;
mod serve;
pub mod service;
pub mod state;
pub mod store;
pub mod tasks;
pub mod upstream;
pub mod usage;

/// Pure protocol translation, kept in its own crate so it builds and tests without I/O.
pub use gateway_protocol as protocol;

pub use http::build_router;
pub use serve::{serve, shutdown_signal};
pub use state::{build_state, build_state_with, AppState, StartupError};

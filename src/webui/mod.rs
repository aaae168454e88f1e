//! The web UI: `pprofx -http=[host]:port [options] source…` (or `pprofx
//! serve`), pprof's views and links over one loaded profile.
//!
//! The session is loaded once; every request turns its URL parameters into
//! a [`Config`](crate::engine::Config) with the engine's own option table
//! and asks the [`Engine`](crate::engine::Engine) for its view, so the UI
//! accepts exactly what the command line and the shell accept. The flame
//! graph is grown per request from the stacks kept in memory
//! ([`stacks`]), pruned to what the page can show; its caller/callee pivot
//! is computed from every sample.
//!
//! * [`server`]: binding, the security checks (loopback, `Host`), workers,
//!   the response cache;
//! * [`views`]: pprof's routes and their data;
//! * [`page`]: the HTML around each view, its CSS and script (embedded);
//! * [`stacks`]: flame graph trees, zoom, pivot and search share.
//!
//! Front ends call [`bind`] then [`Bound::serve`].

pub mod page;
pub mod server;
pub mod stacks;
pub mod views;

pub use server::{bind, Bound};

//! The engine every front end shares: a [`Session`] (the sources, loaded
//! once), one options value under pprof's names ([`Config`]), pprof's
//! command table ([`command`]) and one entry point that renders any report
//! ([`Engine::render`]).
//!
//! The subcommands (`pprofx top`), pprof's own command line (`pprofx -top`),
//! the `(pprof)` shell ([`shell`]) and the web UI are thin front ends: they
//! turn flags, shell lines or URL parameters into a [`Config`] and a command,
//! and call [`Engine::render`]. [`deliver`] decides where the bytes go.

pub mod command;
pub mod config;
pub mod deliver;
pub mod render;
pub mod session;
pub mod shell;

pub use command::Invocation;
pub use config::Config;
pub use render::{Engine, Format, RenderError};
pub use session::{Session, SessionError, SourceOptions};

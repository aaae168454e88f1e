//! The one entry point that turns (session, command, settings) into a
//! report: [`Engine::render`].
//!
//! Every front end ends here: the subcommands, pprof's command line, the
//! shell and the web UI. The engine keeps the last sample graph it built, so
//! commands that differ only in how they present it (`top 5` after `top`,
//! `-cum`, another unit) do not aggregate again: in the shell, the second
//! report on a large profile costs a trim and a print.

use std::cell::RefCell;
use std::io::{self, Write};

use super::command::{self, Invocation};
use super::config::Config;
use super::session::Session;
use crate::error::OptionError;
use crate::graph::analysis::{Analysis, ReportOptions};
use crate::report::{callgrind, comments, dot, list, proto, raw, tags, top, traces, tree, Render};
use crate::util::rawbytes::Unescape;

/// Text in pprof's layout, or the same data as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// pprof's text (or the command's own bytes: DOT, a profile, an image).
    #[default]
    Text,
    /// One JSON document (`schema_version` 1).
    Json,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A setting does not fit the profile (sample index, regex…).
    #[error(transparent)]
    Option(#[from] OptionError),
    /// The command's argument matched nothing or is not a valid regex.
    #[error(transparent)]
    Argument(#[from] tree::PeekError),
    /// No such command.
    #[error("unrecognized command: {0:?}")]
    Unknown(String),
    /// A command pprofx does not run, and why.
    #[error("{command} {why}")]
    Unavailable {
        /// The command.
        command: String,
        /// Why, as a sentence that follows the command's name.
        why: String,
    },
    /// JSON asked of a command that has no JSON form.
    #[error("{0} has no JSON form")]
    NoJson(String),
    /// Writing the report failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Renders reports of one session, keeping the last sample graph.
pub struct Engine<'s> {
    session: &'s Session,
    cache: RefCell<Option<(String, Analysis<'s>)>>,
}

impl<'s> Engine<'s> {
    /// An engine over `session`.
    pub fn new(session: &'s Session) -> Self {
        Engine {
            session,
            cache: RefCell::new(None),
        }
    }

    /// The session.
    pub fn session(&self) -> &'s Session {
        self.session
    }

    /// Runs `f` on the sample graph for `opts`, building it unless the last
    /// one was built from the same graph-shaping options. Messages of the
    /// filters ("focus expression matched no samples") go to `note`.
    pub fn with_analysis<R>(
        &self,
        opts: ReportOptions,
        note: &mut dyn FnMut(&str),
        f: impl FnOnce(&Analysis<'s>) -> R,
    ) -> Result<R, RenderError> {
        if opts.divide_by == 0.0 {
            return Err(OptionError::ZeroDivisor.into());
        }
        let key = graph_key(&opts);
        let mut cache = self.cache.borrow_mut();
        match cache.as_mut() {
            Some((k, an)) if *k == key => an.opts = opts,
            _ => {
                // Free the old graph before building the next one.
                *cache = None;
                let an = Analysis::new(&self.session.profile, opts)?;
                *cache = Some((key, an));
            }
        }
        let (_, an) = cache.as_ref().expect("just filled");
        for m in &an.messages {
            note(m);
        }
        Ok(f(an))
    }

    /// Writes the report of `inv` with settings `cfg` to `out`; messages for
    /// the user (pprof's stderr lines) go to `note`.
    pub fn render(
        &self,
        inv: &Invocation,
        cfg: &Config,
        format: Format,
        out: &mut dyn Write,
        note: &mut dyn FnMut(&str),
    ) -> Result<(), RenderError> {
        let spec =
            command::find(&inv.name).ok_or_else(|| RenderError::Unknown(inv.name.clone()))?;
        if let command::Output::Unavailable(why) = spec.output {
            return Err(RenderError::Unavailable {
                command: inv.name.clone(),
                why: why.to_string(),
            });
        }
        let param = inv.param.as_deref().unwrap_or("");
        let opts = cfg.report_options(spec.report);
        // Text prints names' original bytes (as pprof); JSON stays valid
        // UTF-8 (see util::rawbytes).
        let emit = |r: &dyn Render, out: &mut dyn Write| -> io::Result<()> {
            match format {
                Format::Text => {
                    let mut w = Unescape::raw(out);
                    r.write_text(&mut w)?;
                    w.flush()
                }
                Format::Json => {
                    let mut w = Unescape::valid(out);
                    serde_json::to_writer_pretty(&mut w, &r.to_json())?;
                    writeln!(w)?;
                    w.flush()
                }
            }
        };
        match spec.report {
            "comments" => {
                let r = comments::CommentsReport::build(&self.session.profile);
                Ok(emit(&r, out)?)
            }
            "top" => {
                Ok(self.with_analysis(opts, note, |an| emit(&top::TopReport::build(an), out))??)
            }
            "traces" => {
                Ok(self.with_analysis(opts, note, |an| {
                    emit(&traces::TracesReport::build(an), out)
                })??)
            }
            "tags" => {
                Ok(self.with_analysis(opts, note, |an| emit(&tags::TagsReport::build(an), out))??)
            }
            "raw" => {
                Ok(self.with_analysis(opts, note, |an| emit(&raw::RawReport::build(an), out))??)
            }
            "tree" => {
                Ok(self.with_analysis(opts, note, |an| emit(&tree::TreeReport::tree(an), out))??)
            }
            "peek" => {
                let r =
                    self.with_analysis(opts, note, |an| tree::TreeReport::peek(an, param))??;
                Ok(emit(&r, out)?)
            }
            "list" => {
                let r =
                    self.with_analysis(opts, note, |an| list::ListReport::build(an, param))??;
                if let Some(w) = &r.source_warning {
                    note(w);
                }
                Ok(emit(&r, out)?)
            }
            "proto" => {
                if format == Format::Json {
                    return Err(RenderError::NoJson(inv.name.clone()));
                }
                let bytes = self.with_analysis(opts, note, |an| {
                    let mut p = proto::filtered_profile(an);
                    crate::model::write_order::as_pprof_writes(&mut p);
                    crate::model::encode::gzipped(&p)
                })??;
                Ok(out.write_all(&bytes)?)
            }
            "dot" => {
                Ok(self.with_analysis(opts, note, |an| emit(&dot::DotReport::build(an), out))??)
            }
            "callgrind" => Ok(self.with_analysis(opts, note, |an| {
                emit(&callgrind::CallgrindReport::build(an), out)
            })??),
            "svg" | "png" | "pdf" => {
                if format == Format::Json {
                    // The graph as data: nodes, edges, labels.
                    return Ok(self.with_analysis(opts, note, |an| {
                        emit(&dot::DotReport::build(an), out)
                    })??);
                }
                let drawing = match spec.report {
                    "png" => crate::render::Format::Png,
                    "pdf" => crate::render::Format::Pdf,
                    _ => crate::render::Format::Svg,
                };
                let bytes = self
                    .with_analysis(opts, note, |an| {
                        crate::render::draw(&dot::DotReport::build(an).graph, drawing)
                    })?
                    .map_err(|why| RenderError::Unavailable {
                        command: inv.name.clone(),
                        why: format!("failed: {why}"),
                    })?;
                if drawing == crate::render::Format::Svg {
                    let mut w = Unescape::valid(out);
                    w.write_all(&bytes)?;
                    return Ok(w.flush()?);
                }
                Ok(out.write_all(&bytes)?)
            }
            _ => Err(RenderError::Unavailable {
                command: inv.name.clone(),
                why: "is not available yet".into(),
            }),
        }
    }
}

/// The options that shape the sample graph (what [`Analysis::new`] reads),
/// as a cache key: everything but the presentation settings, which each
/// report reads from the analysis' options at print time. Front ends that
/// keep data derived from a sample graph (the web UI's flame graph paths)
/// key it with this too.
pub fn graph_key(opts: &ReportOptions) -> String {
    let def = ReportOptions::default();
    let shaping = ReportOptions {
        nodecount: def.nodecount,
        nodefraction: def.nodefraction,
        edgefraction: def.edgefraction,
        trim: def.trim,
        cum: def.cum,
        compact_labels: def.compact_labels,
        unit: def.unit,
        divide_by: def.divide_by,
        drop_negative: def.drop_negative,
        ..opts.clone()
    };
    format!("{shaping:?}")
}

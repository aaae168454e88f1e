//! Running a command: sources to a session, settings to the engine, the
//! report to its destination; and the one place failures become a line on
//! stderr and an exit code.
//!
//! Exit codes, the same in every command: 0 success, 1 a runtime error (a
//! source that cannot be read, is not a profile or does not fit the others;
//! a setting the profile cannot satisfy; an output that cannot be written),
//! 2 a usage error (a flag or argument the command does not take), and, for
//! `diff` only, 3 when a `--fail_on_*` gate is crossed.

use std::io::{self, Write};
use std::process::ExitCode;

use pprofx::engine::deliver::{deliver, Delivery};
use pprofx::engine::{command, Config, Engine, Format, Invocation, Session, SourceOptions};

use super::{LoadArgs, TopArgs};

/// Exit code of a runtime error.
pub const ERROR: u8 = 1;
/// Exit code of a usage error.
pub const USAGE: u8 = 2;
/// Exit code of `diff` when a gate is crossed.
pub const GATE: u8 = 3;

/// A failure to report on stderr as `pprofx: SUBJECT: message`.
#[derive(Debug)]
pub struct Failure {
    /// What failed (a file, a flag), if one thing did.
    pub subject: Option<String>,
    /// What is wrong, in plain words.
    pub message: String,
    /// The exit code.
    pub code: u8,
}

impl Failure {
    /// A runtime error about `subject`.
    pub fn new(subject: &str, message: impl ToString) -> Self {
        Failure {
            subject: Some(subject.to_string()),
            message: message.to_string(),
            code: ERROR,
        }
    }

    /// A runtime error about nothing in particular.
    pub fn plain(message: impl ToString) -> Self {
        Failure {
            subject: None,
            message: message.to_string(),
            code: ERROR,
        }
    }

    /// A usage error about `subject` (a flag).
    pub fn usage(subject: &str, message: impl ToString) -> Self {
        Failure {
            code: USAGE,
            ..Failure::new(subject, message)
        }
    }

    /// Prints the failure and returns its exit code.
    pub fn report(&self) -> ExitCode {
        match &self.subject {
            Some(s) => pprofx::note!("pprofx: {s}: {}", self.message),
            None => pprofx::note!("pprofx: {}", self.message),
        }
        ExitCode::from(self.code)
    }
}

/// Writes to a buffered stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Failure> {
    pprofx::util::output::write_output("-", f).map_err(|e| Failure::new("stdout", e))
}

/// Loads the sources of a command line into a session.
pub fn load_session(opts: &SourceOptions) -> Result<Session, Failure> {
    use pprofx::combine::SourceError;
    use pprofx::engine::SessionError;
    Session::load(opts).map_err(|e| match e {
        SessionError::Source(SourceError::Load { source, error }) => Failure::new(&source, error),
        SessionError::Source(SourceError::Expand(e)) => Failure::new(e.subject(), e.reason()),
        // One source: name it; several: the message is about all of them.
        e => Failure {
            subject: (opts.spec.sources.len() == 1).then(|| opts.spec.sources[0].clone()),
            message: e.to_string(),
            code: ERROR,
        },
    })
}

/// Says once why a `debug=1` text profile's frames are `<unknown>`.
pub fn note_unsymbolized(session: &Session) {
    let p = &session.profile;
    let unnamed = !p.functions.is_empty() || p.locations.is_empty();
    if unnamed || p.samples.is_empty() {
        return;
    }
    pprofx::note!(
        "pprofx: {}: the profile has addresses but no function names, so frames show as <unknown> (as in pprof); `pprofx diff` reads the names from the `#` lines of Go's debug=1 text",
        session.name()
    );
}

/// Renders `inv` once and delivers it: stdout, `-o FILE`, a new file when
/// binary output would reach a terminal, or a viewer. Messages go to stderr.
pub fn render_once(
    engine: &Engine<'_>,
    inv: &Invocation,
    cfg: &Config,
    format: Format,
) -> Result<(), Failure> {
    let subject = engine.session().name();
    let spec = command::find(&inv.name)
        .ok_or_else(|| Failure::plain(format!("unknown report {}", inv.name)))?;
    if let command::Output::Unavailable(why) = spec.output {
        return Err(Failure::plain(format!("-{} {why}", inv.name)));
    }
    let stdout_tty = io::IsTerminal::is_terminal(&io::stdout());
    let target = deliver(spec, &cfg.output, stdout_tty, false);
    let mut note = |m: &str| pprofx::note!("{m}");
    let mut failure: Option<Failure> = None;
    let mut render = |w: &mut dyn Write| -> io::Result<()> {
        match engine.render(inv, cfg, format, w, &mut note) {
            Ok(()) => Ok(()),
            Err(pprofx::engine::RenderError::Io(e)) => Err(e),
            Err(e) => {
                failure = Some(Failure::new(&subject, e));
                Err(io::Error::other("report failed"))
            }
        }
    };
    let result = match &target {
        Delivery::Stdout => {
            pprofx::util::output::write_output("-", &mut render).map(|()| String::new())
        }
        other => other.write(&mut render),
    };
    if let Some(f) = failure {
        return Err(f);
    }
    let dest = match &target {
        Delivery::File(p) => p.clone(),
        _ => "stdout".into(),
    };
    match result {
        Ok(msg) if !msg.is_empty() && !matches!(target, Delivery::File(_)) => {
            pprofx::note!("{msg}");
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::new(&dest, e)),
    }
}

/// `pprofx top|traces|tags|raw|comments|tree|peek|list`: one report.
pub fn run_report(name: &str, param: Option<&str>, args: &TopArgs) -> Result<(), Failure> {
    let (cfg, warnings) = args.report.to_config(&args.out)?;
    for w in warnings {
        pprofx::note!("{w}");
    }
    let inv = if args.out.proto {
        if args.out.output.is_none() {
            return Err(Failure::usage("--proto", "needs -o FILE"));
        }
        if args.out.output.as_deref() == Some("-") && io::IsTerminal::is_terminal(&io::stdout()) {
            return Err(Failure::new(
                "-o -",
                "refusing to write a binary profile to a terminal",
            ));
        }
        Invocation {
            name: "proto".into(),
            param: None,
        }
    } else {
        Invocation {
            name: name.into(),
            param: param.map(String::from),
        }
    };
    let mut timer = pprofx::util::timing::Timer::from_env();
    let session = load_session(&args.load.source_options(&args.profiles))?;
    timer.lap("load");
    if name == "top" {
        note_unsymbolized(&session);
    }
    let engine = Engine::new(&session);
    let format = if args.json {
        Format::Json
    } else {
        Format::Text
    };
    let result = render_once(&engine, &inv, &cfg, format);
    timer.lap("report");
    // The process ends next: freeing the profile and its graph piece by
    // piece would only add time (milliseconds on large profiles).
    std::mem::forget(engine);
    std::mem::forget(session);
    result
}

/// `pprofx merge`: the merged profile, written as gzipped profile.proto.
pub fn run_merge(args: &super::MergeArgs) -> Result<(), Failure> {
    let mut timer = pprofx::util::timing::Timer::from_env();
    let mut session = load_session(&args.load.source_options(&args.profiles))?;
    timer.lap("load");
    pprofx::model::write_order::as_pprof_writes(&mut session.profile);
    timer.lap("strings");
    let out = args.output.display().to_string();
    let gz = pprofx::model::encode::Gzipped::of(&session.profile);
    // The profile is not needed any more: it is freed, and the allocator's
    // free memory handed back, on another thread while this one writes the
    // file and waits for the disk. Otherwise the kernel frees those pages
    // when the process exits, after the write (merge 2×200k: 190 MiB, 15–27
    // ms); and the file's page-cache pages can take the freed, warm ones.
    // The write allocates nothing, so the allocator's lock, held while the
    // memory is handed back, does not hold it up.
    let freeing = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || {
            drop(session);
            pprofx::util::alloc::release_free_memory();
        });
    let result = gz
        .write_file(&args.output)
        .map_err(|e| Failure::new(&out, e));
    timer.lap("write");
    if let Ok(t) = freeing {
        let _ = t.join();
    }
    timer.lap("freed");
    result
}

/// The source options of a subcommand's load flags and profiles.
impl LoadArgs {
    /// What to load for `profiles`.
    pub fn source_options(&self, profiles: &[String]) -> SourceOptions {
        SourceOptions {
            spec: self.spec(profiles),
            load: self.options(),
            raw_names: self.raw_names(),
            add_comment: self.add_comment.clone(),
        }
    }
}

//! The `(pprof)` shell's front end: reading lines.
//!
//! On a terminal (and `TERM` not `dumb`) lines are read with rustyline:
//! line editing, Tab completion of commands, options, option values and the
//! profile's function names, and a history kept across sessions in
//! `$XDG_STATE_HOME/pprofx/history` (else `~/.local/state/pprofx/history`).
//! Otherwise the prompt is printed to standard output and lines are read
//! from standard input as they come, exactly as `go tool pprof` does, so
//! `printf 'top\n' | pprofx cpu.pb.gz` prints what pprof prints. What a
//! line does is the library's [`pprofx::engine::shell`].

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;

use pprofx::engine::shell::{complete, Console, Flow, Shell};

const PROMPT: &str = "(pprof) ";

/// Standard output for reports, standard error for everything else.
struct Stdio {
    out: io::Stdout,
    tty: bool,
}

impl Console for Stdio {
    fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }
    fn message(&mut self, text: &str) {
        let mut err = io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = err.write_all(b"\n");
        }
    }
    fn stdout_is_terminal(&self) -> bool {
        self.tty
    }
}

/// Runs the shell until `quit` or the end of input.
pub fn run(mut shell: Shell<'_>) -> io::Result<()> {
    let mut console = Stdio {
        out: io::stdout(),
        tty: io::stdout().is_terminal(),
    };
    console.message(&shell.greeting());
    let dumb = std::env::var("TERM").map_or(true, |t| t.is_empty() || t == "dumb");
    if io::stdin().is_terminal() && !dumb {
        if let Ok(editor) = editor(&shell) {
            return run_editor(&mut shell, editor, &mut console);
        }
    }
    let mut stdin = io::stdin().lock();
    let mut line = String::new();
    loop {
        console.out.write_all(PROMPT.as_bytes())?;
        console.out.flush()?;
        line.clear();
        if stdin.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if timed(&mut shell, &line, &mut console) == Flow::Quit {
            return Ok(());
        }
    }
}

/// Runs a line; under `PPROFX_TIMINGS` says how long it took on stderr.
fn timed(shell: &mut Shell<'_>, line: &str, console: &mut Stdio) -> Flow {
    let (t0, cpu0) = (std::time::Instant::now(), cpu_time());
    let flow = shell.execute(line, console);
    if std::env::var_os("PPROFX_TIMINGS").is_some() && !line.trim().is_empty() {
        console.message(&format!(
            "pprofx: {:?} took {:.1} ms ({:.1} ms of CPU)",
            line.trim(),
            t0.elapsed().as_secs_f64() * 1000.0,
            (cpu_time() - cpu0) * 1000.0
        ));
    }
    flow
}

/// User and system CPU seconds of the process so far (all threads).
fn cpu_time() -> f64 {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Completion of what the shell understands, from the loaded profile.
struct Completion {
    sample_types: Vec<String>,
    functions: Vec<String>,
}

impl rustyline::completion::Completer for Completion {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(complete(&line[..pos], &self.sample_types, &self.functions))
    }
}

impl rustyline::hint::Hinter for Completion {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Completion {}
impl rustyline::validate::Validator for Completion {}
impl rustyline::Helper for Completion {}

type Editor = rustyline::Editor<Completion, rustyline::history::FileHistory>;

fn editor(shell: &Shell<'_>) -> rustyline::Result<Editor> {
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .auto_add_history(false)
        .max_history_size(2000)?
        .build();
    let mut ed = Editor::with_config(config)?;
    ed.set_helper(Some(Completion {
        sample_types: shell.sample_types().to_vec(),
        functions: shell.engine().session().function_names(),
    }));
    if let Some(path) = history_path() {
        // A missing or unreadable history is a fresh start, not an error.
        let _ = ed.load_history(&path);
    }
    Ok(ed)
}

fn run_editor(shell: &mut Shell<'_>, mut ed: Editor, console: &mut Stdio) -> io::Result<()> {
    use rustyline::error::ReadlineError;
    let history = history_path();
    loop {
        match ed.readline(PROMPT) {
            Ok(line) => {
                // Leaving is not worth recalling: Up in the next session
                // brings back the last report instead.
                if !matches!(line.trim(), "" | "q" | "quit" | "exit") {
                    let _ = ed.add_history_entry(line.trim());
                    if let Some(path) = &history {
                        save_history(&mut ed, path);
                    }
                }
                if timed(shell, &line, console) == Flow::Quit {
                    return Ok(());
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(io::Error::other(e.to_string())),
        }
    }
}

fn save_history(ed: &mut Editor, path: &PathBuf) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = ed.append_history(path);
}

/// `$XDG_STATE_HOME/pprofx/history`, else `~/.local/state/pprofx/history`.
pub fn history_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        })?;
    Some(state.join("pprofx").join("history"))
}

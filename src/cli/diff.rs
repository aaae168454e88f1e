//! `pprofx diff`: flags to options, profiles to a report, report to stdout
//! (or, with `--flame`/`--html`, the differential flame graph of the first
//! and last profile to `-o`). Exit codes are every command's (1 error,
//! 2 usage), plus diff's own 3 when a `--fail_on_*` gate is crossed.

use std::process::ExitCode;

use super::flame as flame_cmd;
use super::run::{write_stdout, Failure, ERROR, GATE};
use super::DiffArgs;

/// `pprofx diff`: exit 0 when no threshold is crossed, 3 when one is, 1 when
/// a profile cannot be read or the profiles cannot be compared, 2 on usage
/// errors.
pub fn run_diff(args: &DiffArgs) -> ExitCode {
    use pprofx::diff::{self, render, DiffOptions, Gates, Keying, Metric, Mode};
    let fail = |code: u8, subject: Option<&str>, msg: &dyn std::fmt::Display| {
        match subject {
            Some(s) => pprofx::note!("pprofx: {s}: {msg}"),
            None => pprofx::note!("pprofx: {msg}"),
        }
        ExitCode::from(code)
    };
    let (report_opts, warnings) = args.report.to_options();
    for w in warnings {
        pprofx::note!("{w}");
    }
    let mode = match args.mode.as_deref().map(|m| (m, Mode::parse(m))) {
        None => None,
        Some((_, Some(m))) => Some(m),
        Some((m, None)) => {
            return fail(
                2,
                None,
                &format!("invalid --mode {m:?}: expected absolute, share or interval"),
            )
        }
    };
    let by = match args.by.as_deref().map(|b| (b, Keying::parse(b))) {
        None => None,
        Some((_, Some(b))) => Some(b),
        Some((b, None)) => {
            return fail(
                2,
                None,
                &format!("invalid --by {b:?}: expected function or stack"),
            )
        }
    };
    let gates = match Gates::parse(
        args.fail_on_growth.as_deref(),
        args.fail_on_share.as_deref(),
        args.min_confidence.as_deref(),
    ) {
        Ok(g) => g,
        Err(e) => return fail(2, None, &e),
    };
    if let Some(Err(e)) = args.min_delta.as_deref().map(diff::gate::NoiseFloor::check) {
        return fail(2, None, &e);
    }
    let metric = if args.report.cum && !args.report.flat {
        Some(Metric::Cum)
    } else if args.report.flat {
        Some(Metric::Flat)
    } else {
        None
    };
    let opts = DiffOptions {
        report: report_opts.clone(),
        mode,
        by,
        metric,
        gates: gates.clone(),
        trim_runtime: args.trim_runtime,
    };
    let draw = &args.draw;
    let drawing = draw.flame || draw.html;
    match (&draw.output, drawing) {
        (None, true) => return fail(2, None, &"--flame and --html need -o FILE"),
        (Some(_), false) => return fail(2, None, &"-o is for --flame or --html"),
        _ => {}
    }
    if drawing {
        if let Err(f) = flame_cmd::check(draw.min_width, draw.width) {
            return f.report();
        }
    }
    if args.profiles.iter().filter(|p| *p == "-").count() > 1 {
        return fail(2, None, &"standard input (-) can be read only once");
    }
    // debug=1 text profiles: use Go's `#` symbol lines (pprof's reports
    // ignore them), so their rows have names like the proto and debug=2 ones.
    let load = pprofx::LoadOptions {
        text_symbols: true,
        ..args.load.options()
    };
    let mut profiles = Vec::with_capacity(args.profiles.len());
    for source in &args.profiles {
        match pprofx::load(source, &load) {
            Ok(mut p) => {
                args.load.symbolize(&mut p);
                profiles.push(p)
            }
            Err(e) => return fail(ERROR, Some(source), &e),
        }
    }
    let inputs: Vec<(&str, &pprofx::Profile)> = args
        .profiles
        .iter()
        .map(String::as_str)
        .zip(profiles.iter())
        .collect();
    let report = match diff::diff(&inputs, &opts) {
        Ok(r) => r,
        Err(e) => return fail(e.exit_code(), None, &e),
    };
    // The floor's unit must fit the sample unit, known only now.
    let min_delta = match args.min_delta.as_deref() {
        None => None,
        Some(text) => match diff::gate::NoiseFloor::parse(text, &report.unit) {
            Ok(floor) => Some((floor, text.to_string())),
            Err(e) => return fail(2, None, &e),
        },
    };
    // Inputs in the wrong time order: one line, whatever the output.
    if let Some(o) = &report.out_of_order {
        pprofx::note!("pprofx: warning: {}", o.message());
    }
    // The text lists the largest changes (20 unless -nodecount says); the
    // JSON and the HTML table every row unless -nodecount says.
    let nodecount = if args.json || drawing {
        report_opts.nodecount.filter(|&n| n > 0)
    } else if !args.report.trim {
        None
    } else {
        render::RenderOptions::text_nodecount(args.report.nodecount)
    };
    let render_opts = render::RenderOptions {
        unit: report_opts.unit.clone(),
        divide_by: report_opts.divide_by,
        show_same: args.show_same,
        growth_only: args.growth_only,
        nodecount,
        min_delta,
        wide: args.wide,
    };
    if drawing {
        let rows = render::visible_rows(&report, &render_opts).rows;
        if let Err(f) = draw_diff(args, &profiles, &report, rows) {
            return f.report();
        }
        return ExitCode::from(if report.crossed() { GATE } else { 0 });
    }
    let written = write_stdout(|w| {
        use pprofx::util::rawbytes::Unescape;
        use std::io::Write;
        if args.json {
            let mut w = Unescape::valid(w);
            serde_json::to_writer_pretty(&mut w, &render::to_json(&report, &render_opts, &gates))?;
            writeln!(w)?;
            w.flush()
        } else {
            let mut w = Unescape::raw(w);
            render::write_text(&mut w, &report, &render_opts)?;
            w.flush()
        }
    });
    if let Err(f) = written {
        return f.report();
    }
    ExitCode::from(if report.crossed() { GATE } else { 0 })
}

/// `diff --flame/--html`: draws the first and last profile as diff compared
/// them (the same sample type by name, report options and filters), with
/// `rows` as the HTML report's diff table.
fn draw_diff(
    args: &DiffArgs,
    profiles: &[pprofx::Profile],
    report: &pprofx::diff::DiffReport,
    rows: Vec<&pprofx::diff::DiffRow>,
) -> Result<(), Failure> {
    use pprofx::graph::analysis::Analysis;
    let (report_opts, _) = args.report.to_options();
    let analysis = |i: usize| -> Result<Analysis<'_>, Failure> {
        let p = &profiles[i];
        let source = &args.profiles[i];
        let index = p
            .sample_type_names()
            .iter()
            .position(|n| *n == report.sample_type)
            .ok_or_else(|| {
                Failure::new(source, format!("no sample type {:?}", report.sample_type))
            })?;
        let mut ro = report_opts.clone();
        ro.sample_index = index.to_string();
        ro.mean = false;
        Analysis::new(p, ro).map_err(|e| Failure::new(source, e))
    };
    let last = profiles.len() - 1;
    let (ab, an) = (analysis(0)?, analysis(last)?);
    let d = &args.draw;
    let o = flame_cmd::DrawOptions {
        output: d.output.as_deref().unwrap_or("-"),
        min_width: d.min_width,
        title: d.title.as_deref(),
        width: d.width,
        icicle: d.icicle,
        reverse: d.reverse,
        width_mode: pprofx::flame::diff::DiffWidth::parse(&d.diff_width).unwrap_or_default(),
        html: d.html,
    };
    let table = d.html.then_some((report, rows));
    flame_cmd::write_diff(
        &o,
        (&args.profiles[0], &ab),
        (&args.profiles[last], &an),
        table,
    )
}

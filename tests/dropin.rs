//! Drop-in parity: `alias pprof=pprofx` gives pprof's bytes.
//!
//! Every `go tool pprof` golden of the parity sources (this repository's
//! `tests/golden/`, `../shared/corpus/`, google/pprof's real-go and driver
//! goldens) is replayed with its exact arguments, in pprof's own command
//! shape (`pprofx -top -cum cpu.pb.gz`, no subcommand), and stdout must equal
//! the golden byte for byte; a command pprof fails on must fail. Left out,
//! with the reason printed: reports pprofx does not write yet or writes in
//! another form (the graph reports have their own tests) and goroutine `debug=2` dumps (pprof cannot read them; pprofx does).

#[macro_use]
mod common;

/// Why a pprof command line is not replayed, or `None` to replay it.
fn out_of_scope(args: &[String]) -> Option<String> {
    let flag = |a: &String| {
        let body = a.trim_start_matches('-');
        (a.starts_with('-') && a.len() > 1)
            .then(|| body.split('=').next().unwrap_or(body).to_string())
    };
    for a in args {
        match flag(a).as_deref() {
            Some(f @ ("svg" | "png" | "pdf" | "gif" | "ps" | "web")) => {
                return Some(format!("-{f}: Graphviz's drawing, not pprofx's own"))
            }
            Some(f @ ("disasm" | "weblist")) => {
                return Some(format!("-{f} needs the binary's machine code"))
            }
            Some(f @ ("proto" | "topproto")) => {
                return Some(format!(
                    "-{f}: a gzipped profile (compared through -raw elsewhere)"
                ))
            }
            Some("http") => return Some("-http starts a server".into()),
            _ => {}
        }
        if a.ends_with(".debug2.txt") {
            return Some("goroutine debug=2 dump: pprof cannot read it, pprofx can".into());
        }
    }
    None
}

/// Every golden command is this test's business; the arguments are pprof's, unchanged.
fn classify(args: &[String]) -> Option<Result<Vec<String>, String>> {
    Some(match out_of_scope(args) {
        Some(reason) => Err(reason),
        None => Ok(args.to_vec()),
    })
}

/// Every driver golden the other parity suites replay.
const DRIVER_CASES: &str = concat!(
    driver_top_rows!(),
    driver_report_rows!(),
    driver_graph_rows!()
);

/// Cases per report and source: every report of `parity_top` and
/// `parity_reports`, now through pprof's command shape.
const EXPECTED_CASES: &str = "
    report        own  corpus  real-go  driver
    top           149     150       58      16
    dot             0       0        1      12
    callgrind       0       0        1       3
    traces         14      26        5       3
    tags            8      22        3       6
    raw             7      22        5       –
    comments        2       –        1       2
    tree           11       –        2       4
    peek            5      15        4       1
    list            1      12        5       –
    several-reports 0     –        1       –
    out-of-scope    0       7        1       0
";

parity_tests!(classify, DRIVER_CASES, EXPECTED_CASES);

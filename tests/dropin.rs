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

/// Every `internal/driver` text golden that the report parity tests replay.
const DRIVER_CASES: &str = "
    pprof.cpu.flat.functions.text                   cpu.pb.gz  -text -functions -flat
    pprof.cpu.flat.functions.noinlines.text         cpu.pb.gz  -text -functions -noinlines -flat
    pprof.cpu.flat.filefunctions.noinlines.text     cpu.pb.gz  -text -filefunctions -noinlines -flat
    pprof.cpu.flat.addresses.noinlines.text         cpu.pb.gz  -text -addresses -noinlines -flat
    pprof.unknown.flat.functions.call_tree.text     cpu.pb.gz  -text -functions -flat -nodecount=5 -call_tree
    pprof.heap_alloc.flat.alloc_objects.text        heap_alloc.pb.gz  -text -alloc_objects -flat
    pprof.heap.flat.files.text                      heap.pb.gz -text -files -flat
    pprof.heap.flat.files.text.focus                heap.pb.gz -text -files -flat -focus=[12]00 -taghide=[X3]00
    pprof.heap.flat.inuse_objects.text              heap.pb.gz -text -inuse_objects -flat
    pprof.heap.flat.inuse_objects.text.all_frames   heap.pb.gz -text -inuse_objects -flat -all_frames
    pprof.cpu.cum.lines.text.hide                   cpu.pb.gz  -text -lines -cum -hide=line[X3]0
    pprof.cpu.cum.lines.text.show                   cpu.pb.gz  -text -lines -cum -show=[12]00
    pprof.cpu.cum.lines.text.focus.hide             cpu.pb.gz  -text -lines -cum -hide=line[X3]0 -focus=[12]00
    pprof.cpu.lines.topproto                        raw/cpu.topproto.pb.gz  -text -lines
    pprof.cpu.cum.lines.topproto.hide               raw/cpu.topproto.pb.gz  -text -lines -cum -hide=mangled[X3]0
    pprof.long_name_funcs.text                      long_name_funcs.pb.gz   -text
    pprof.cpu.traces                                cpu.pb.gz  -traces
    pprof.cpu.addresses.traces                      cpu.pb.gz  -traces -addresses
    pprof.heap_tags.traces                          heap_tags.pb.gz  -traces
    pprof.cpu.tags                                  cpu.pb.gz  -tags
    pprof.heap.tags                                 heap.pb.gz -tags
    pprof.heap.tags.unit                            heap.pb.gz -tags -unit=bytes
    pprof.cpu.comments                              cpu.pb.gz  -comments -add_comment=some-comment
    pprof.heap.comments                             heap.pb.gz -comments
    pprof.cpu.peek                                  cpu.pb.gz  -peek=line.*01
    pprof.cpusmall.flat.addresses.tree              cpusmall.pb.gz  -tree -addresses -flat -nodecount=4
    pprof.cpu.tags.focus.ignore                     cpu.pb.gz  -tags -tagignore=tag[13] -tagfocus=key[12]
    pprof.heap_request.tags.focus                   heap_request.pb.gz -tags -tagfocus=400kb:
    pprof.heap_request.relative_percentages.tags.focus heap_request.pb.gz -tags -relative_percentages -tagfocus=400kb:
    pprof.heap.cum.lines.tree.focus                 heap.pb.gz -tree -lines -cum -focus=[24]00
    pprof.heap.cum.relative_percentages.tree.focus  heap.pb.gz -tree -relative_percentages -cum -focus=[24]00
    pprof.cpu.cum.lines.tree.show_from              cpu.pb.gz  -tree -lines -cum -show_from=line2
    pprof.cpu.flat.functions.dot                     cpu.pb.gz -dot -functions -flat
    pprof.cpu.flat.functions.call_tree.dot           cpu.pb.gz -dot -functions -flat -call_tree
    pprof.heap.flat.lines.dot.focus                  heap.pb.gz -dot -lines -flat -focus=[12]00
    pprof.heap_sizetags.dot                          heap_sizetags.pb.gz -dot -unit=minimum
    pprof.contention.flat.addresses.dot.focus.ignore contention.pb.gz -dot -addresses -flat -ignore=[X3]002 -focus=[X1]000
    pprof.contention.cum.files.dot                   contention.pb.gz -dot -files -cum
    pprof.heap_alloc.flat.alloc_space.dot.focus      heap_alloc.pb.gz -dot -alloc_space -flat -focus=[234]00
    pprof.heap_alloc.flat.alloc_space.dot            heap_alloc.pb.gz -dot -alloc_space -flat -tagshow=[2]00
    pprof.heap_alloc.flat.alloc_space.dot.hide       heap_alloc.pb.gz -dot -alloc_space -flat -hide=line.*1?23?
    pprof.heap.flat.inuse_space.dot.focus            heap.pb.gz -dot -inuse_space -flat -tagfocus=1mb:2gb
    pprof.heap.flat.inuse_space.dot.focus.ignore     heap.pb.gz -dot -inuse_space -flat -tagfocus=30kb: -tagignore=1mb:2mb
    pprof.long_name_funcs.dot                        long_name_funcs.pb.gz -dot
    pprof.cpu.callgrind                              cpu.pb.gz -callgrind
    pprof.cpu.call_tree.callgrind                    cpu.pb.gz -callgrind -call_tree
    pprof.heap.callgrind                             heap.pb.gz -callgrind
";

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

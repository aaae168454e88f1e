//! Byte-for-byte parity of `pprofx traces|tags|raw|comments|tree|peek|list` with
//! `go tool pprof -traces|-tags|-raw|-comments|-tree|-peek=RX|-list=RX`.
//!
//! Every reference command that is one of these reports over one
//! `.pb`/`.pb.gz` profile, using only options pprofx implements, is replayed
//! as `pprofx REPORT [RX] FLAGS PROFILE` in the command's working directory
//! with `TZ=UTC`; stdout must equal the golden exactly. Other commands of
//! these reports (filters, several sources, legacy text profiles) are listed
//! as out of scope. Sources, one `#[test]` each: the shared corpus, google/pprof
//! `generated/real-go`, pprof's `internal/driver` goldens (README §1 of the
//! peer data), and this repository's `tests/golden/*/commands.txt`.
//! [`EXPECTED_CASES`] pins how many cases each report and source yields; the
//! README's compatibility table is checked against it. `../shared` is a
//! visible skip when absent and a failure under `PPROFX_CI=1`
//! (`$PPROFX_SHARED` relocates it).

#[macro_use]
mod common;

/// The report flags this test replays, as pprof spells them.
const REPORTS: &str = "traces tags raw comments tree peek list";

/// Boolean pprof options accepted (as `-flag` or `-flag=true|false`).
const BOOL_FLAGS: &str = "cum flat compact_labels trim inuse_space inuse_objects alloc_space \
    alloc_objects total_delay contentions mean_delay mean functions filefunctions lines addresses \
    noinlines all_frames call_tree relative_percentages drop_negative normalize";

/// Valued pprof options accepted (as `-flag=V` or `-flag V`); `symbolize` only as `none`.
const VALUE_FLAGS: &str =
    "nodecount nodefraction edgefraction sample_index divide_by unit symbolize add_comment trim_path \
    source_path focus ignore hide show show_from tagfocus tagignore tagshow taghide prune_from \
    base diff_base";

/// The driver goldens of these reports (peer README §1).
const DRIVER_CASES: &str = driver_report_rows!();

/// Cases per report and source (see `tests/common/counts.rs`); the README's
/// compatibility table quotes these numbers.
const EXPECTED_CASES: &str = "
    report        own  corpus  real-go  driver
    traces         14      26        5       3
    tags            8      22        3       6
    raw             7      22        5       –
    comments        2       –        1       2
    tree           11       –        2       4
    peek            5      15        4       1
    list            1      12        5       –
    out-of-scope    0       0        1       0
";

/// Whether the whitespace-separated `list` contains `word`.
fn has_word(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// Classifies pprof arguments (flags, then sources, as Go's flag parsing
/// reads them) into `pprofx REPORT [RX] FLAGS SOURCE`.
fn classify(args: &[String]) -> Option<Result<Vec<String>, String>> {
    let (mut reports, mut kept, mut sources, mut unsupported) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut others = 0;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if !sources.is_empty() || !arg.starts_with('-') || arg == "-" {
            sources.push(arg.as_str());
            continue;
        }
        let body = arg.trim_start_matches('-');
        let (key, value) = body
            .split_once('=')
            .map_or((body, None), |(k, v)| (k, Some(v)));
        let mut take_value = |value: Option<&str>, kept: &mut Vec<String>| match value {
            Some(v) => v.to_string(),
            None => it
                .next()
                .inspect(|v| kept.push(v.to_string()))
                .cloned()
                .unwrap_or_default(),
        };
        match key {
            "peek" | "list" => {
                let mut sink = Vec::new();
                let rx = take_value(value, &mut sink);
                reports.push(vec![key.to_string(), rx]);
            }
            k if has_word(REPORTS, k) && value.is_none() => reports.push(vec![k.to_string()]),
            "top" | "text" | "disasm" | "weblist" | "dot" | "svg" | "proto" | "callgrind"
            | "topproto" | "png" | "pdf" => others += 1,
            k if has_word(BOOL_FLAGS, k) && matches!(value, None | Some("true" | "false")) => {
                kept.push(arg.clone());
            }
            k if has_word(VALUE_FLAGS, k) => {
                kept.push(arg.clone());
                let v = take_value(value, &mut kept);
                if v.is_empty() || (k == "symbolize" && v != "none") {
                    unsupported.push(arg.as_str());
                }
            }
            _ => unsupported.push(arg.as_str()),
        }
    }
    if reports.is_empty() {
        return None;
    }
    Some(if reports.len() + others > 1 {
        Err("several report formats".to_string())
    } else if !unsupported.is_empty() {
        Err(format!("options {}", unsupported.join(" ")))
    } else if sources.is_empty() {
        Err("no source".to_string())
    } else if let Some(s) = sources
        .iter()
        .find(|s| !(s.ends_with(".pb.gz") || s.ends_with(".pb") || s.ends_with(".debug1.txt")))
    {
        Err(format!("source {s} is not .pb/.pb.gz/.debug1.txt"))
    } else {
        let mut out = reports.remove(0);
        out.extend(kept);
        out.extend(sources.iter().map(|s| s.to_string()));
        Ok(out)
    })
}

parity_tests!(classify, DRIVER_CASES, EXPECTED_CASES);

#[test]
fn classify_reads_pprof_command_lines() {
    let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    assert_eq!(
        classify(&args("-peek=a.*b -lines x.pb.gz")),
        Some(Ok(args("peek a.*b -lines x.pb.gz")))
    );
    assert_eq!(
        classify(&args("-traces -add_comment c x.pb")),
        Some(Ok(args("traces -add_comment c x.pb")))
    );
    assert_eq!(
        classify(&args("-list=main.f -source_path=src x.pb.gz")),
        Some(Ok(args("list main.f -source_path=src x.pb.gz")))
    );
    assert_eq!(classify(&args("-top x.pb")), None);
    assert_eq!(
        classify(&args("-tags -focus=a x.pb")),
        Some(Ok(args("tags -focus=a x.pb")))
    );
    assert!(matches!(
        classify(&args("-tags -list=a x.pb")),
        Some(Err(_))
    ));
    assert!(matches!(classify(&args("-raw x.txt")), Some(Err(_))));
}

//! Byte-for-byte parity of `pprofx traces|tags|raw|comments|tree|peek` with
//! `go tool pprof -traces|-tags|-raw|-comments|-tree|-peek=RX`.
//!
//! Every reference command that is one of these reports over one
//! `.pb`/`.pb.gz` profile, using only options pprofx implements, is replayed
//! as `pprofx REPORT [RX] FLAGS PROFILE` in the command's working directory
//! with `TZ=UTC`; stdout must equal the golden exactly. Other commands of
//! these reports (filters, several sources, legacy text profiles) are listed
//! as out of scope. Sources, one `#[test]` each: the shared corpus, google/pprof
//! `generated/real-go`, pprof's `internal/driver` goldens (README §1 of the
//! peer data), and this repository's `tests/golden/*/commands.txt`.
//! `../shared` is skipped with a message when absent (`$PPROFX_SHARED`
//! relocates it).

mod common;

use common::{pprof_args, repo_root, shared_or_skip, shell_split, Expect, Suite};

/// The report flags this test replays, as pprof spells them.
const REPORTS: &str = "traces tags raw comments tree peek";

/// Boolean pprof options accepted (as `-flag` or `-flag=true|false`).
const BOOL_FLAGS: &str = "cum flat compact_labels trim inuse_space inuse_objects alloc_space \
    alloc_objects total_delay contentions mean_delay mean functions filefunctions lines addresses \
    noinlines all_frames call_tree";

/// Valued pprof options accepted (as `-flag=V` or `-flag V`); `symbolize` only as `none`.
const VALUE_FLAGS: &str =
    "nodecount nodefraction edgefraction sample_index divide_by unit symbolize add_comment";

/// Flags every pprof `internal/driver` golden was made with (`baseFlags()`).
const DRIVER_BASE_FLAGS: &str =
    "-symbolize=none -nodecount=20 -nodefraction=0.05 -edgefraction=0.01 -compact_labels";

/// The driver goldens of these reports (peer README §1): `GOLDEN PROFILE OPTIONS...`.
/// Rows using filters are classified out of scope by [`classify`].
const DRIVER_CASES: &str = "
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
            "peek" => {
                let mut sink = Vec::new();
                let rx = take_value(value, &mut sink);
                reports.push(vec!["peek".to_string(), rx]);
            }
            k if has_word(REPORTS, k) && value.is_none() => reports.push(vec![k.to_string()]),
            "top" | "text" | "list" | "disasm" | "weblist" | "dot" | "svg" | "proto"
            | "callgrind" | "topproto" | "png" | "pdf" => others += 1,
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
    } else if sources.len() != 1 {
        Err(format!("{} sources", sources.len()))
    } else if !(sources[0].ends_with(".pb.gz") || sources[0].ends_with(".pb")) {
        Err(format!("source {} is not .pb/.pb.gz", sources[0]))
    } else {
        let mut out = reports.remove(0);
        out.extend(kept);
        out.push(sources[0].to_string());
        Ok(out)
    })
}

/// The shared corpus: real runtime profiles with `go tool pprof` outputs.
#[test]
fn corpus_goldens() {
    let Some(shared) = shared_or_skip("corpus") else {
        return;
    };
    let corpus = shared.join("corpus");
    let mut suite = Suite::new("corpus", classify);
    suite.add_commands_dirs(&corpus, ".golden", &corpus);
    suite.run();
}

/// google/pprof peer data: `generated/real-go/expected/INDEX.tsv` (error rows must fail).
#[test]
fn peer_real_go_goldens() {
    let Some(shared) = shared_or_skip("peer real-go") else {
        return;
    };
    let dir = shared.join("peer/pprof-testdata/generated/real-go");
    let index = dir.join("expected/INDEX.tsv");
    let text = std::fs::read_to_string(&index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
    let mut suite = Suite::new("peer real-go", classify);
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, exit, command] = fields[..] else {
            panic!("bad INDEX.tsv row: {line:?}")
        };
        let args = pprof_args(&shell_split(command))
            .unwrap_or_else(|| panic!("not a pprof command: {line:?}"));
        let golden = dir.join(format!("expected/{name}.txt"));
        let name = format!("real-go/{name}");
        let expect = if exit == "0" {
            Expect::Stdout(golden)
        } else {
            Expect::Failure
        };
        suite.add(name, &dir, &args, expect);
    }
    suite.run();
}

/// google/pprof `internal/driver` goldens of these reports, with that test's base flags.
#[test]
fn peer_driver_goldens() {
    let Some(shared) = shared_or_skip("peer driver") else {
        return;
    };
    let dir = shared.join("peer/pprof-testdata/internal/driver");
    let mut suite = Suite::new("peer driver", classify);
    for row in DRIVER_CASES.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = row.split_whitespace();
        let golden = words.next().expect("row starts with the golden name");
        let profile = words.next().expect("row has a profile");
        let source = format!("../../generated/driver-profiles/{profile}");
        let flags = DRIVER_BASE_FLAGS.split_whitespace().chain(words);
        let args: Vec<String> = flags.chain([source.as_str()]).map(String::from).collect();
        let expect = Expect::Stdout(dir.join("testdata").join(golden));
        suite.add(format!("driver/{golden}"), &dir, &args, expect);
    }
    suite.run();
}

/// This repository's goldens (`tests/golden/*/commands.txt`); always run.
#[test]
fn own_goldens() {
    let repo = repo_root();
    let mut suite = Suite::new("own", classify);
    suite.add_commands_dirs(
        &repo.join("tests/golden"),
        "",
        &repo.join("examples/profiles"),
    );
    suite.run();
}

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
    assert_eq!(classify(&args("-top x.pb")), None);
    assert!(matches!(
        classify(&args("-tags -focus=a x.pb")),
        Some(Err(_))
    ));
    assert!(matches!(classify(&args("-raw x.txt")), Some(Err(_))));
}

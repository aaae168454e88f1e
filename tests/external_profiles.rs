//! Parity on profiles written by third-party producers.
//!
//! Every profile in `../shared/external/profiles/` (Go runtime of several
//! versions, gperftools, Java, async-profiler/JFR, parca-agent, Pyroscope
//! eBPF, Node, .NET, pprof-rs, libdatadog, fgprof, py-spy, jemalloc) is run
//! through `top`, `top -cum`, `top -lines`, `top -files`, `traces`, `tags`,
//! `raw`, `peek .` and `top -sample_index=N` for each of its sample types,
//! and compared with `go tool pprof`'s output recorded under
//! `tests/golden/external/PROFILE/` (see `scripts/record-external.sh`, which
//! wrote them with Go 1.27.3, `TZ=UTC`, from the profiles folder). Where
//! pprof fails, pprofx must fail too.
//!
//! pprof sorts rows by value and name, so rows that tie on both come out in
//! a random order (seen with `-files`: several nodes print the same file
//! name, with or without `(inline)`; and with unsymbolized frames of one
//! binary): consecutive `top` rows, and peek blocks, with the same sort
//! value (flat, or cum under `-cum`) and name are compared as a set, their
//! `sum%` column ignored. Outputs too large to
//! commit are recorded as a digest (CRC-32 and length of the sorted lines,
//! `NAME.digest`) and compared the same way.
//!
//! Prints `external: P passed / T total` and fails unless all pass. Skipped
//! with a message when `../shared` is absent.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{line_diff, parse_commands_txt, read_golden, run_pprofx};

/// One recorded report.
struct Case {
    name: String,
    args: Vec<String>,
    /// The golden file (`.digest` for a digest), or `None` if pprof failed.
    golden: Option<PathBuf>,
}

/// pprofx arguments for pprof's: the report flag becomes the subcommand.
fn pprofx_args(pprof: &[String]) -> Vec<String> {
    let mut report = None;
    let mut rest = Vec::new();
    for a in pprof {
        match a.as_str() {
            "-top" | "-traces" | "-tags" | "-raw" => report = Some(vec![a[1..].to_string()]),
            _ => match a.strip_prefix("-peek=") {
                Some(rx) => report = Some(vec!["peek".to_string(), rx.to_string()]),
                None => rest.push(a.clone()),
            },
        }
    }
    let mut out = report.unwrap_or_else(|| panic!("no report flag in {pprof:?}"));
    out.extend(rest);
    out
}

/// A `top` or peek node row: its flat, cum and name (without the
/// ` (inline)` mark, which pprof's order ignores) and the row without its
/// `sum%` column; `None` for any other line.
fn row(line: &str) -> Option<(&str, &str, &str, String)> {
    let mut fields = Vec::new();
    let mut rest = line;
    for _ in 0..5 {
        rest = rest.trim_start();
        let end = rest.find(' ')?;
        fields.push(&rest[..end]);
        rest = &rest[end..];
    }
    let pct = |f: &str| f.ends_with('%');
    if !(pct(fields[1]) && pct(fields[2]) && pct(fields[4])) {
        return None;
    }
    let name = match rest.trim_start().strip_prefix("| ") {
        Some(n) => n,
        None => rest.strip_prefix("  ")?,
    };
    let bare = name
        .strip_suffix(" (inline)")
        .or_else(|| name.strip_suffix(" (partial-inline)"))
        .unwrap_or(name);
    let normalized = format!(
        "{} {} {} {} {rest}",
        fields[0], fields[1], fields[3], fields[4]
    );
    Some((fields[0], fields[3], bare, normalized))
}

/// The separator between peek blocks.
fn is_separator(line: &str) -> bool {
    line.starts_with("-----") && line.contains('+')
}

/// An output as a sequence of items (lines, or peek blocks) in which the
/// runs of items that tie in pprof's order (same sort value and name) are
/// sorted, so that two outputs differing only in the order of ties are
/// equal. `cum`: the rows are sorted by cum (`-cum`), else by flat.
fn canonical(text: &str, cum: bool) -> Vec<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    // (tie key, normalized text); `None` keys never tie.
    let mut items: Vec<(Option<(String, String)>, String)> = Vec::new();
    if lines.iter().any(|l| is_separator(l)) {
        // A block is its lines and the separator that ends it.
        let mut block: Vec<&str> = Vec::new();
        for l in lines {
            block.push(l);
            if !is_separator(l) {
                continue;
            }
            let node = block.iter().find_map(|l| row(l));
            let key = node.as_ref().map(|n| (n.0.to_string(), n.2.to_string()));
            let text: Vec<String> = block
                .iter()
                .map(|l| row(l).map_or_else(|| l.to_string(), |r| r.3))
                .collect();
            items.push((key, text.join("\n")));
            block.clear();
        }
        items.extend(block.iter().map(|l| (None, l.to_string())));
    } else {
        for l in lines {
            items.push(match row(l) {
                Some((flat, c, name, norm)) => {
                    let v = if cum { c } else { flat };
                    (Some((v.to_string(), name.to_string())), norm)
                }
                None => (None, l.to_string()),
            });
        }
    }
    let mut out = Vec::with_capacity(items.len());
    let mut i = 0;
    while i < items.len() {
        let mut j = i + 1;
        if items[i].0.is_some() {
            while j < items.len() && items[j].0 == items[i].0 {
                j += 1;
            }
        }
        let mut run: Vec<String> = items[i..j].iter().map(|it| it.1.clone()).collect();
        run.sort();
        out.extend(run);
        i = j;
    }
    out
}

/// Whether two outputs are equal up to the order of tied rows or blocks.
fn equal_up_to_ties(expected: &[u8], actual: &[u8], cum: bool) -> bool {
    if expected == actual {
        return true;
    }
    let (Ok(e), Ok(a)) = (std::str::from_utf8(expected), std::str::from_utf8(actual)) else {
        return false;
    };
    canonical(e, cum) == canonical(a, cum)
}

/// `CRC LEN` (hex) of the output's lines sorted bytewise, each ending in a
/// newline, as `LC_ALL=C sort | gzip | tail -c 8` gives them.
fn digest(output: &[u8]) -> String {
    let mut lines: Vec<&[u8]> = output.split(|&b| b == b'\n').collect();
    if output.ends_with(b"\n") {
        lines.pop();
    }
    lines.sort();
    let mut crc = flate2::Crc::new();
    for l in lines {
        crc.update(l);
        crc.update(b"\n");
    }
    format!("{:08x} {:08x}", crc.sum(), crc.amount())
}

/// Runs one case: `None` if it passes, else what differs.
fn check(case: &Case, cwd: &Path) -> Option<String> {
    let out = match run_pprofx(&case.args, cwd) {
        Ok(o) => o,
        Err(e) => return Some(format!("  cannot run: {e}")),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stderr_head: Vec<&str> = stderr.lines().take(3).collect();
    let Some(golden) = &case.golden else {
        return out
            .status
            .success()
            .then(|| "  pprof fails on this command, but pprofx exited 0".to_string());
    };
    if !out.status.success() {
        return Some(format!("  {}: {}", out.status, stderr_head.join(" | ")));
    }
    if golden.extension().is_some_and(|e| e == "digest") {
        let want = std::fs::read_to_string(golden).unwrap_or_default();
        let got = digest(&out.stdout);
        return (want.trim() != got).then(|| {
            format!(
                "  digest of sorted lines {got}, recorded {} (re-record with \
                 scripts/record-external.sh to see the text)",
                want.trim()
            )
        });
    }
    let expected = match read_golden(golden) {
        Ok(e) => e,
        Err(e) => return Some(format!("  cannot read {}: {e}", golden.display())),
    };
    let cum = case.args.iter().any(|a| a == "-cum");
    if equal_up_to_ties(&expected, &out.stdout, cum) {
        return None;
    }
    Some(line_diff(&expected, &out.stdout, 8))
}

/// The number of recorded external reports (60 profiles × their reports).
const EXTERNAL_CASES: usize = 594;

#[test]
fn external_profiles_match_pprof() {
    let Some(profiles) = common::shared_path("external/profiles") else {
        return;
    };
    let golden_dir = common::repo_root().join("tests/golden/external");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&golden_dir)
        .expect("tests/golden/external exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("commands.txt").is_file())
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in &dirs {
        let profile = dir.file_name().unwrap().to_string_lossy().to_string();
        for cmd in parse_commands_txt(&dir.join("commands.txt")) {
            cases.push(Case {
                name: format!("{profile}/{}", cmd.name),
                args: pprofx_args(&cmd.args),
                golden: cmd.dest.map(|d| golden_dir.join(d)),
            });
        }
    }
    assert!(
        !cases.is_empty(),
        "no reference in {}",
        golden_dir.display()
    );

    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let mut results: Vec<(usize, Option<String>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break done };
                        done.push((i, check(case, &profiles)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    results.sort_by_key(|r| r.0);
    let mut failed = Vec::new();
    for (i, failure) in &results {
        let case = &cases[*i];
        match failure {
            None => eprintln!("ok {}", case.name),
            Some(why) => {
                eprintln!(
                    "FAIL {}\n  $ cd {} && TZ=UTC pprofx {}\n{why}",
                    case.name,
                    profiles.display(),
                    case.args.join(" ")
                );
                failed.push(case.name.as_str());
            }
        }
    }
    let passed = cases.len() - failed.len();
    eprintln!("external: {passed} passed / {} total", cases.len());
    // Pinned: a reference that vanishes must not leave the run green.
    assert_eq!(
        cases.len(),
        EXTERNAL_CASES,
        "external reference count changed"
    );
    assert!(
        failed.is_empty(),
        "{} external report(s) differ from pprof: {}",
        failed.len(),
        failed.join(", ")
    );
}

#[test]
fn tied_rows_compare_as_a_set() {
    let e = "      flat  flat%   sum%        cum   cum%\n\
         10ms 10% 10% 20ms 20%  a.go\n\
         10ms 10% 20% 30ms 30%  a.go (inline)\n";
    let a = "      flat  flat%   sum%        cum   cum%\n\
         10ms 10% 10% 30ms 30%  a.go (inline)\n\
         10ms 10% 20% 20ms 20%  a.go\n";
    assert!(equal_up_to_ties(e.as_bytes(), a.as_bytes(), false));
    // Sorted by cum, these do not tie.
    assert!(!equal_up_to_ties(e.as_bytes(), a.as_bytes(), true));
    let b = a.replace("30ms 30%  a.go", "30ms 30%  b.go");
    assert!(!equal_up_to_ties(e.as_bytes(), b.as_bytes(), false));
    assert!(!equal_up_to_ties(b"x\ny\n", b"y\nx\n", false));
    let sep = "-----------+-------";
    let block = |cum: &str| {
        format!("  caller\n         0     0%   100%  {cum}  1%                | [php]\n")
    };
    let peek = |x: &str, y: &str| format!("h\n{sep}\n{}{sep}\n{}{sep}\n", block(x), block(y));
    assert!(equal_up_to_ties(
        peek("1ms", "2ms").as_bytes(),
        peek("2ms", "1ms").as_bytes(),
        false
    ));
    assert!(!equal_up_to_ties(
        peek("1ms", "2ms").as_bytes(),
        peek("2ms", "3ms").as_bytes(),
        false
    ));
    assert_eq!(digest(b"b\na\n"), digest(b"a\nb"));
    assert_ne!(digest(b"b\na\n"), digest(b"a\na\n"));
}

#[test]
fn pprof_flags_become_subcommands() {
    let v = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    assert_eq!(pprofx_args(&v("-top -cum x")), v("top -cum x"));
    assert_eq!(pprofx_args(&v("-peek=. x")), v("peek . x"));
}

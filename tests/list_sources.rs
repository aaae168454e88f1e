//! `pprofx list` source discovery beyond pprof's: GOROOT for the standard
//! library, the main module's go.mod, `vendor/`, the module cache (with its
//! `!` case escaping), and the one stderr message for files found nowhere.
//!
//! Nothing here needs Go: GOROOT, the module cache and `go` itself are faked
//! in temporary directories, and every run gets a controlled environment
//! (`GOROOT`, `GOMODCACHE`, `GOPATH`, `HOME`, `PATH`).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use pprofx::model::proto;
use prost::Message;

/// Runs pprofx in `cwd` with only the Go variables given in `env` (and an
/// empty `PATH` unless `env` sets one, so no real `go` is asked).
fn run(args: &[&str], cwd: &Path, env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(common::pprofx_bin());
    c.args(args)
        .current_dir(cwd)
        .env("TZ", "UTC")
        .env_remove("GOROOT")
        .env_remove("GOMODCACHE")
        .env_remove("GOPATH")
        .env("HOME", cwd)
        .env("PATH", "");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run pprofx")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One frame: function, file, line.
type Frame<'a> = (&'a str, &'a str, i64);

/// A CPU profile with one sample per stack; frames are
/// `(function, file, line)`, leaf first. No function has a start line (the
/// fake sources declare nothing, and a start line there would be judged
/// another version of the source).
fn profile(stacks: &[(&[Frame], i64)]) -> Vec<u8> {
    let mut p = proto::Profile::default();
    let mut strings: HashMap<String, i64> = HashMap::new();
    let mut s = |p: &mut proto::Profile, v: &str| -> i64 {
        *strings.entry(v.to_string()).or_insert_with(|| {
            p.string_table.push(v.to_string());
            p.string_table.len() as i64 - 1
        })
    };
    s(&mut p, "");
    let vt = proto::ValueType {
        r#type: s(&mut p, "cpu"),
        unit: s(&mut p, "nanoseconds"),
    };
    p.sample_type.push(vt);
    p.period_type = Some(vt);
    p.period = 10_000_000;
    let mut funcs: HashMap<(String, String), u64> = HashMap::new();
    for (frames, value) in stacks {
        let mut ids = Vec::new();
        for (f, file, line) in frames.iter() {
            let key = (f.to_string(), file.to_string());
            let fid = match funcs.get(&key) {
                Some(&id) => id,
                None => {
                    let id = p.function.len() as u64 + 1;
                    let (name, filename) = (s(&mut p, f), s(&mut p, file));
                    p.function.push(proto::Function {
                        id,
                        name,
                        system_name: name,
                        filename,
                        start_line: 0,
                    });
                    funcs.insert(key, id);
                    id
                }
            };
            let id = p.location.len() as u64 + 1;
            p.location.push(proto::Location {
                id,
                mapping_id: 0,
                address: 0,
                line: vec![proto::Line {
                    function_id: fid,
                    line: *line,
                    column: 0,
                }],
                is_folded: false,
            });
            ids.push(id);
        }
        p.sample.push(proto::Sample {
            location_id: ids,
            value: vec![*value * 10_000_000],
            label: vec![],
        });
    }
    p.encode_to_vec()
}

/// Writes a source file of `n` lines `// NAME line I`.
fn source(path: &Path, name: &str, n: usize) {
    source_with(path, name, n, &[]);
}

/// [`source`] with some lines replaced: `(line, text)`.
fn source_with(path: &Path, name: &str, n: usize, lines: &[(usize, &str)]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let body: String = (1..=n)
        .map(|i| match lines.iter().find(|l| l.0 == i) {
            Some((_, text)) => format!("{text}\n"),
            None => format!("// {name} line {i}\n"),
        })
        .collect();
    std::fs::write(path, body).unwrap();
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn standard_library_frame_found_through_goroot() {
    // The project's own fixture: built with -trimpath, so slices frames say
    // `slices/zsortordered.go`, a path pprof cannot find.
    let fixture = common::repo_root().join("examples/profiles/cpu.pb.gz");
    let work = tmp();
    let goroot = tmp();
    // The profile says the function starts at line 12: the file must
    // declare it there (else it is another version, see below).
    source_with(
        &goroot.path().join("src/slices/zsortordered.go"),
        "fake zsortordered",
        40,
        &[(
            12,
            "func insertionSortOrdered[E cmp.Ordered](data []E, a, b int) {",
        )],
    );
    let args = [
        "list",
        "slices.insertionSortOrdered",
        fixture.to_str().unwrap(),
    ];
    let out = run(&args, work.path(), &[("GOROOT", goroot.path())]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("ROUTINE ======================== slices.insertionSortOrdered[go.shape.int] in slices/zsortordered.go"),
        "{stdout}"
    );
    // Sampled line 14 (50ms in the committed profile) shows the fake text.
    assert!(
        stdout
            .lines()
            .any(|l| l.ends_with("    14:// fake zsortordered line 14") && l.contains("50ms")),
        "{stdout}"
    );
    assert!(!stdout.contains("Error:"), "{stdout}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));

    // Without GOROOT (and no go on PATH): pprof's error line, and the
    // stderr message names the file and says GOROOT was unknown.
    let out = run(&args, work.path(), &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains(&format!(
            " Error: could not find file slices/zsortordered.go on path {}",
            work.path().display()
        )),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("slices/zsortordered.go"), "{stderr}");
    assert!(
        stderr.contains("GOROOT (not set; no go on PATH)"),
        "{stderr}"
    );
}

#[test]
fn absolute_goroot_paths_from_another_machine() {
    let work = tmp();
    let goroot = tmp();
    source(&goroot.path().join("src/runtime/proc.go"), "proc", 30);
    let prof = profile(&[(
        &[
            ("runtime.schedule", "/usr/local/go/src/runtime/proc.go", 20),
            ("runtime.mstart", "$GOROOT/src/runtime/proc.go", 5),
        ],
        3,
    )]);
    std::fs::write(work.path().join("p.pb"), prof).unwrap();
    let out = run(
        &["list", "runtime\\.", "p.pb"],
        work.path(),
        &[("GOROOT", goroot.path())],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("     30ms       30ms     20:// proc line 20"),
        "{stdout}"
    );
    assert!(
        stdout.contains("         .       30ms      5:// proc line 5"),
        "{stdout}"
    );
    assert!(!stdout.contains("Error:"), "{stdout}");
}

#[test]
fn module_cache_with_case_escaping_and_gopath_fallback() {
    let work = tmp();
    let cache = tmp();
    let escaped = "github.com/!burnt!sushi/toml@v1.2.0";
    source(&cache.path().join(escaped).join("decode.go"), "decode", 20);
    source(&cache.path().join(escaped).join("lex.go"), "lex", 20);
    let prof = profile(&[(
        &[
            // A path from the build machine's module cache (already escaped).
            (
                "github.com/BurntSushi/toml.Decode",
                "/home/ci/go/pkg/mod/github.com/!burnt!sushi/toml@v1.2.0/decode.go",
                7,
            ),
            // A -trimpath module path: escaped by pprofx.
            (
                "github.com/BurntSushi/toml.lex",
                "github.com/BurntSushi/toml@v1.2.0/lex.go",
                9,
            ),
        ],
        2,
    )]);
    std::fs::write(work.path().join("p.pb"), prof).unwrap();
    let out = run(
        &["list", "toml", "p.pb"],
        work.path(),
        &[("GOMODCACHE", cache.path())],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("      7:// decode line 7"), "{stdout}");
    assert!(stdout.contains("      9:// lex line 9"), "{stdout}");
    assert!(!stdout.contains("Error:"), "{stdout}");

    // GOMODCACHE unset: $GOPATH/pkg/mod.
    let gopath = tmp();
    let mod_dir = gopath.path().join("pkg/mod").join(escaped);
    source(&mod_dir.join("decode.go"), "gopath decode", 20);
    source(&mod_dir.join("lex.go"), "gopath lex", 20);
    let out = run(
        &["list", "toml", "p.pb"],
        work.path(),
        &[("GOPATH", gopath.path())],
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("      7:// gopath decode line 7"),
        "{stdout}"
    );

    // Neither: $HOME/go/pkg/mod (HOME is the working directory here).
    let home_mod = work.path().join("go/pkg/mod").join(escaped);
    source(&home_mod.join("decode.go"), "home decode", 20);
    let out = run(&["list", "Decode", "p.pb"], work.path(), &[]);
    assert!(
        text(&out.stdout).contains("      7:// home decode line 7"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn vendor_directory_and_main_module() {
    let work = tmp();
    source(
        &work.path().join("vendor/github.com/foo/bar/x.go"),
        "vendored x",
        20,
    );
    std::fs::write(
        work.path().join("go.mod"),
        "module example.com/app\n\ngo 1.22\n",
    )
    .unwrap();
    source(&work.path().join("internal/run.go"), "app run", 20);
    std::fs::create_dir_all(work.path().join("cmd")).unwrap();
    let prof = profile(&[(
        &[
            ("github.com/foo/bar.X", "github.com/foo/bar/x.go", 4),
            // Module cache path on the build machine, vendored here.
            (
                "github.com/foo/bar.Y",
                "/root/go/pkg/mod/github.com/foo/bar@v1.0.0/x.go",
                6,
            ),
            (
                "example.com/app/internal.Run",
                "example.com/app/internal/run.go",
                8,
            ),
        ],
        1,
    )]);
    std::fs::write(work.path().join("p.pb"), prof).unwrap();
    // Run from a subdirectory: vendor/ and go.mod are found above it.
    let out = run(
        &["list", ".", "../p.pb"],
        &work.path().join("cmd"),
        &[("GOMODCACHE", &work.path().join("nocache"))],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("      4:// vendored x line 4"), "{stdout}");
    assert!(stdout.contains("      6:// vendored x line 6"), "{stdout}");
    assert!(stdout.contains("      8:// app run line 8"), "{stdout}");
    assert!(!stdout.contains("Error:"), "{stdout}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn missing_files_are_reported_once_with_the_places_searched() {
    let work = tmp();
    let goroot = tmp();
    let cache = tmp();
    let prof = profile(&[
        (
            &[
                ("runtime.park", "/usr/local/go/src/runtime/proc.go", 3),
                ("runtime.park", "/usr/local/go/src/runtime/proc.go", 4),
            ],
            1,
        ),
        (&[("github.com/a/b.F", "github.com/a/b@v1.0.0/f.go", 2)], 1),
    ]);
    std::fs::write(work.path().join("p.pb"), prof).unwrap();
    let out = run(
        &["list", ".", "p.pb"],
        work.path(),
        &[("GOROOT", goroot.path()), ("GOMODCACHE", cache.path())],
    );
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    // stdout keeps pprof's own message.
    assert!(
        stdout
            .contains(" Error: open /usr/local/go/src/runtime/proc.go: no such file or directory"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            " Error: could not find file github.com/a/b@v1.0.0/f.go on path {}",
            work.path().display()
        )),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("source not found").count(), 1, "{stderr}");
    assert!(stderr.contains("source not found for 2 files"), "{stderr}");
    assert!(
        stderr.contains("/usr/local/go/src/runtime/proc.go"),
        "{stderr}"
    );
    assert!(stderr.contains("github.com/a/b@v1.0.0/f.go"), "{stderr}");
    for place in [
        format!("GOROOT {}", goroot.path().join("src").display()),
        format!("module cache {}", cache.path().display()),
        format!("vendor/ of {}", work.path().display()),
        format!("{} and parent directories", work.path().display()),
    ] {
        assert!(stderr.contains(&place), "{place:?} not in {stderr}");
    }
    assert!(stderr.lines().count() <= 3, "{stderr}");
    // JSON carries the same.
    let out = run(
        &["list", "--json", ".", "p.pb"],
        work.path(),
        &[("GOROOT", goroot.path()), ("GOMODCACHE", cache.path())],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let missing = v["sources_not_found"]
        .as_array()
        .expect("sources_not_found");
    assert_eq!(missing.len(), 2);
    // In listing order: functions by name.
    assert_eq!(missing[0]["file"], "github.com/a/b@v1.0.0/f.go");
    assert_eq!(missing[1]["file"], "/usr/local/go/src/runtime/proc.go");
    assert!(missing[1]["looked_in"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p.as_str().unwrap().starts_with("GOROOT ")));
}

/// `go env GOROOT` is asked only when GOROOT is unset and a standard-library
/// file is missing, and only once per run.
#[cfg(unix)]
#[test]
fn go_env_goroot_is_run_lazily_and_once() {
    use std::os::unix::fs::PermissionsExt;
    let work = tmp();
    let bin = tmp();
    let goroot = tmp();
    source(&goroot.path().join("src/runtime/proc.go"), "proc", 30);
    source(&goroot.path().join("src/runtime/chan.go"), "chan", 30);
    let calls = bin.path().join("calls");
    let go = bin.path().join("go");
    std::fs::write(
        &go,
        format!(
            "#!/bin/sh\necho \"$@ $GOTOOLCHAIN\" >> '{}'\necho '{}'\n",
            calls.display(),
            goroot.path().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
    let prof = profile(&[(
        &[
            ("runtime.park", "runtime/proc.go", 3),
            ("runtime.chanrecv", "runtime/chan.go", 4),
        ],
        1,
    )]);
    std::fs::write(work.path().join("p.pb"), prof).unwrap();
    let path_env: &[(&str, &Path)] = &[("PATH", bin.path())];
    let out = run(&["list", "runtime", "p.pb"], work.path(), path_env);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("      3:// proc line 3"), "{stdout}");
    assert!(stdout.contains("      4:// chan line 4"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "env GOROOT local\n",
        "go env run once, with the local toolchain"
    );
    // Files pprof finds (or GOROOT set): go is never run.
    std::fs::remove_file(&calls).unwrap();
    source(&work.path().join("runtime/proc.go"), "local proc", 30);
    source(&work.path().join("runtime/chan.go"), "local chan", 30);
    let out = run(&["list", "runtime", "p.pb"], work.path(), path_env);
    assert!(text(&out.stdout).contains("      3:// local proc line 3"));
    assert!(!calls.exists(), "go was run although pprof found the files");
}

/// The fixture program's listing: found through its go.mod when run from
/// its directory, identical to pprof's golden (made with `-trim_path`) but
/// for the file name in the ROUTINE header.
#[test]
fn own_fixture_found_through_go_mod() {
    let root = common::repo_root();
    let golden = std::fs::read_to_string(root.join("tests/golden/cpu/list-main.fib.txt")).unwrap();
    let out = run(
        &["list", "main.fib", "../profiles/cpu.pb.gz"],
        &root.join("examples/go-workload"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let want = golden.replace(
        "main.fib in cpu.go",
        "main.fib in example.com/pprofx-workload/cpu.go",
    );
    assert_eq!(text(&out.stdout), want);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// Beyond pprof (whose `list` only takes a regex): an address lists the
/// functions at that address; a number that is no address still fails.
#[test]
fn address_argument_lists_the_functions_at_it() {
    let root = common::repo_root();
    let dir = root.join("examples/go-workload");
    // 0x4f4660 is main.fib's hottest address in the committed profile
    // (`pprofx top -addresses`).
    let by_addr = run(&["list", "0x4f4660", "../profiles/cpu.pb.gz"], &dir, &[]);
    let by_name = run(&["list", "^main.fib$", "../profiles/cpu.pb.gz"], &dir, &[]);
    assert!(by_addr.status.success(), "{}", text(&by_addr.stderr));
    assert!(text(&by_addr.stdout).contains("ROUTINE ======================== main.fib in"));
    assert_eq!(by_addr.stdout, by_name.stdout);
    let none = run(&["list", "0x1", "../profiles/cpu.pb.gz"], &dir, &[]);
    assert_eq!(none.status.code(), Some(1));
    assert!(text(&none.stderr).contains("no matches found for regexp: 0x1"));
}

/// Copies the fixture program into a temporary directory, its `cpu.go`
/// shifted down by `shift` lines (comments after the package clause).
fn shifted_workload(shift: usize) -> tempfile::TempDir {
    let src = common::repo_root().join("examples/go-workload");
    let dir = tmp();
    for e in std::fs::read_dir(&src).unwrap() {
        let path = e.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == "cpu.go" {
            let at = text.find('\n').unwrap() + 1;
            text.insert_str(at, &"// a line added later\n".repeat(shift));
        }
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

/// A source file of another version (here shifted by three lines): not
/// annotated at all, and one warning names the file, the line that should
/// declare the function and what is there.
#[test]
fn another_version_of_the_source_is_not_annotated() {
    let profile = common::repo_root().join("examples/profiles/cpu.pb.gz");
    let profile = profile.to_str().unwrap();
    let dir = shifted_workload(3);
    let out = run(&["list", "^main.fib$", profile], dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    // main.fib's start line in the real cpu.go: now three lines below.
    let real =
        std::fs::read_to_string(common::repo_root().join("examples/go-workload/cpu.go")).unwrap();
    let start = real
        .lines()
        .position(|l| l.starts_with("func fib("))
        .unwrap()
        + 1;
    let shifted: Vec<String> = std::fs::read_to_string(dir.path().join("cpu.go"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        stderr.trim_end(),
        format!(
            "pprofx: example.com/pprofx-workload/cpu.go: another version of the source: \
             line {start} should declare main.fib but it reads {:?}; not annotated",
            shifted[start - 1].trim()
        ),
    );
    assert!(
        stdout.contains(&format!(
            " Error: example.com/pprofx-workload/cpu.go is another version of the source \
             (line {start} does not declare main.fib)"
        )),
        "{stdout}"
    );
    // No source line at all: every listing line is a header or the error.
    for l in stdout.lines() {
        assert!(
            l.starts_with("Total:")
                || l.starts_with("ROUTINE")
                || l.contains("(flat, cum)")
                || l.starts_with(" Error:"),
            "annotated line {l:?} in\n{stdout}"
        );
    }
    // JSON names it too.
    let out = run(&["list", "--json", "^main.fib$", profile], dir.path(), &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let other = v["sources_other_version"].as_array().expect("array");
    assert_eq!(other.len(), 1);
    assert_eq!(other[0]["file"], "example.com/pprofx-workload/cpu.go");
    assert_eq!(other[0]["line"], start as i64);
    // Unshifted, the same listing is annotated (and matches pprof, see
    // own_fixture_found_through_go_mod).
    let dir = shifted_workload(0);
    let out = run(&["list", "^main.fib$", profile], dir.path(), &[]);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("Error:"));
}

/// The GOROOT fallback with another Go's sources: a standard-library
/// function whose start line holds other code is not annotated.
#[test]
fn goroot_of_another_go_version_is_not_annotated() {
    let fixture = common::repo_root().join("examples/profiles/cpu.pb.gz");
    let work = tmp();
    let goroot = tmp();
    // Line 12 is not insertionSortOrdered's declaration here.
    source(
        &goroot.path().join("src/slices/zsortordered.go"),
        "other zsortordered",
        40,
    );
    let args = [
        "list",
        "slices.insertionSortOrdered",
        fixture.to_str().unwrap(),
    ];
    let out = run(&args, work.path(), &[("GOROOT", goroot.path())]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("// other zsortordered"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("slices/zsortordered.go: another version of the source: line 12 should declare slices.insertionSortOrdered[go.shape.int] but it reads \"// other zsortordered line 12\""),
        "{stderr}"
    );
}

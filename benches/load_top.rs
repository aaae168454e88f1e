//! Wall-clock benchmarks of the `top` pipeline (divan).
//!
//! ```text
//! cargo bench --bench load_top                          # small + medium (150k samples)
//! PPROFX_BENCH_HUGE=1 cargo bench --bench load_top      # + the 1M-sample profile (slow)
//! ```
//!
//! Three stages, each on every available input:
//!
//! * `load`:   read + gunzip + decode (`pprofx::decode::load`);
//! * `decode`: decode only, from an already inflated buffer (`pprofx::decode::protobuf::decode`);
//! * `top`:    `Analysis::new` + `TopReport::build` + `write_text` into a `Vec`,
//!   from an already decoded profile.
//!
//! The values a stage returns (the decoded `Profile`, the text) are dropped
//! outside the timed region (divan defers drops), so teardown is not counted.
//!
//! Inputs. The small committed `examples/profiles/cpu.pb.gz` is always used
//! (plus `shared/corpus/real-cpu-merged.pb.gz` when present). The large
//! inputs are generated, never committed: they live in `$PPROFX_BENCH_DIR`
//! (default `target/bench-profiles/` under the crate root) and, when missing,
//! are created by `python3 $PPROFX_SHARED/tools/gen-large-profile.py` (default
//! `$PPROFX_SHARED` = `../shared` relative to the crate root):
//!
//! * `large-cpu.pb.gz` ("medium"): `--samples 150000 --stacks 100000 --functions 20000 --seed 1` (~30 s);
//! * `huge-cpu.pb.gz`: `--samples 1000000 --stacks 300000 --functions 50000 --seed 1`
//!   (~50 s), only with `PPROFX_BENCH_HUGE=1`.
//!
//! Profiles are only generated under `cargo bench` (the `--bench` flag); when
//! `cargo test` runs this target in test mode it uses whatever already exists.
//! Without python3 or the generator the large inputs are skipped with a message.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use divan::counter::BytesCount;
use divan::Bencher;
use pprofx::graph::analysis::{Analysis, ReportOptions};
use pprofx::report::top::TopReport;
use pprofx::LoadOptions;

fn main() {
    divan::main();
}

// ------------------------------------------------------------------ inputs

/// One benchmark input (a gzipped profile on disk).
struct Input {
    name: &'static str,
    path: PathBuf,
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A generated profile: file name and generator arguments.
struct Generated {
    name: &'static str,
    file: &'static str,
    args: &'static [&'static str],
    approx: &'static str,
}

const MEDIUM: Generated = Generated {
    name: "medium-150k",
    file: "large-cpu.pb.gz",
    args: &[
        "--samples",
        "150000",
        "--stacks",
        "100000",
        "--functions",
        "20000",
        "--seed",
        "1",
    ],
    approx: "~30 s",
};

const HUGE: Generated = Generated {
    name: "huge-1M",
    file: "huge-cpu.pb.gz",
    args: &[
        "--samples",
        "1000000",
        "--stacks",
        "300000",
        "--functions",
        "50000",
        "--seed",
        "1",
    ],
    approx: "~50 s, 1.3 GB RSS",
};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bench_dir() -> PathBuf {
    match std::env::var_os("PPROFX_BENCH_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => manifest_dir().join("target").join("bench-profiles"),
    }
}

fn shared_dir() -> PathBuf {
    match std::env::var_os("PPROFX_SHARED") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => manifest_dir().join("..").join("shared"),
    }
}

fn huge_enabled() -> bool {
    std::env::var("PPROFX_BENCH_HUGE").is_ok_and(|v| v == "1")
}

/// True when run by `cargo bench` (which passes `--bench`), false under `cargo test`.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Why large profiles cannot be generated here, if they cannot.
fn generator_problem(generator: &Path) -> Option<String> {
    if !generator.is_file() {
        return Some(format!(
            "generator {} not found (set PPROFX_SHARED to the shared folder)",
            generator.display()
        ));
    }
    match Command::new("python3").arg("--version").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("python3 is not available".to_string()),
    }
}

/// Returns the path of `g` in the bench dir, generating it if missing and allowed.
fn ensure(g: &Generated) -> Option<PathBuf> {
    let dir = bench_dir();
    let path = dir.join(g.file);
    if path.is_file() {
        return Some(path);
    }
    let skip = |why: &str| {
        eprintln!(
            "load_top: SKIPPING {} ({}): {why}; benchmarking the small inputs only",
            g.name,
            path.display()
        );
        None
    };
    if !benchmarking() {
        return skip("not generated (profiles are only generated under `cargo bench`)");
    }
    let generator = shared_dir().join("tools").join("gen-large-profile.py");
    if let Some(why) = generator_problem(&generator) {
        return skip(&why);
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return skip(&format!("cannot create {}: {e}", dir.display()));
    }
    eprintln!(
        "load_top: generating {} ({}) with {} {} ...",
        path.display(),
        g.approx,
        generator.display(),
        g.args.join(" ")
    );
    let tmp = dir.join(format!("{}.tmp{}", g.file, std::process::id()));
    let status = Command::new("python3")
        .arg(&generator)
        .args(g.args)
        .arg("-o")
        .arg(&tmp)
        .status();
    match status {
        Ok(s) if s.success() => match std::fs::rename(&tmp, &path) {
            Ok(()) => Some(path),
            Err(e) => skip(&format!("cannot rename {}: {e}", tmp.display())),
        },
        Ok(s) => {
            let _ = std::fs::remove_file(&tmp);
            skip(&format!("the generator failed ({s})"))
        }
        Err(e) => skip(&format!("cannot run python3: {e}")),
    }
}

fn small_inputs() -> &'static [Input] {
    static INPUTS: OnceLock<Vec<Input>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let mut v = vec![Input {
            name: "small-example-cpu",
            path: manifest_dir().join("examples/profiles/cpu.pb.gz"),
        }];
        let real = shared_dir().join("corpus/real-cpu-merged.pb.gz");
        if real.is_file() {
            v.push(Input {
                name: "real-cpu-merged",
                path: real,
            });
        }
        v
    })
}

fn medium_inputs() -> &'static [Input] {
    static INPUTS: OnceLock<Vec<Input>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        ensure(&MEDIUM)
            .map(|path| Input {
                name: MEDIUM.name,
                path,
            })
            .into_iter()
            .collect()
    })
}

fn huge_inputs() -> &'static [Input] {
    static INPUTS: OnceLock<Vec<Input>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        if !huge_enabled() {
            eprintln!("load_top: huge-1M skipped (set PPROFX_BENCH_HUGE=1 to include it)");
            return Vec::new();
        }
        ensure(&HUGE)
            .map(|path| Input {
                name: HUGE.name,
                path,
            })
            .into_iter()
            .collect()
    })
}

// ------------------------------------------------------------------ stages

fn path_str(input: &Input) -> &str {
    input
        .path
        .to_str()
        .expect("benchmark input path is not UTF-8")
}

fn file_len(input: &Input) -> usize {
    std::fs::metadata(&input.path)
        .map(|m| m.len() as usize)
        .unwrap_or(0)
}

fn inflate(input: &Input) -> Vec<u8> {
    let max = LoadOptions::default().max_size;
    let raw = pprofx::source::read_source(path_str(input), max).expect("read input");
    let data = pprofx::decode::gzip::decompress(raw, max).expect("gunzip");
    data.to_vec()
}

fn bench_load(bencher: Bencher, input: &Input) {
    let path = path_str(input);
    bencher
        .counter(BytesCount::new(file_len(input)))
        .bench_local(|| pprofx::decode::load(path, &LoadOptions::default()).expect("load"));
}

fn bench_decode(bencher: Bencher, input: &Input) {
    let bytes = inflate(input);
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench_local(|| pprofx::decode::protobuf::decode(&bytes).expect("decode"));
}

fn bench_top(bencher: Bencher, input: &Input) {
    let profile = pprofx::decode::load(path_str(input), &LoadOptions::default()).expect("load");
    bencher.bench_local(|| {
        let analysis = Analysis::new(&profile, ReportOptions::default()).expect("analysis");
        let report = TopReport::build(&analysis);
        let mut out = Vec::with_capacity(1 << 16);
        report.write_text(&mut out).expect("write_text");
        out
    });
}

// Each stage has three benches so that the big inputs get few samples
// (`sample_size = 1`: one call per sample) while the small ones get many.

/// Read + gunzip + decode.
mod load {
    use super::*;

    #[divan::bench(args = small_inputs())]
    fn small(bencher: Bencher, input: &Input) {
        bench_load(bencher, input);
    }

    #[divan::bench(args = medium_inputs(), sample_count = 10, sample_size = 1)]
    fn medium(bencher: Bencher, input: &Input) {
        bench_load(bencher, input);
    }

    #[divan::bench(args = huge_inputs(), sample_count = 3, sample_size = 1)]
    fn huge(bencher: Bencher, input: &Input) {
        bench_load(bencher, input);
    }
}

/// Decode only, from the inflated bytes.
mod decode {
    use super::*;

    #[divan::bench(args = small_inputs())]
    fn small(bencher: Bencher, input: &Input) {
        bench_decode(bencher, input);
    }

    #[divan::bench(args = medium_inputs(), sample_count = 10, sample_size = 1)]
    fn medium(bencher: Bencher, input: &Input) {
        bench_decode(bencher, input);
    }

    #[divan::bench(args = huge_inputs(), sample_count = 3, sample_size = 1)]
    fn huge(bencher: Bencher, input: &Input) {
        bench_decode(bencher, input);
    }
}

/// The `top` report (aggregate + trim + text) from a decoded profile.
mod top {
    use super::*;

    #[divan::bench(args = small_inputs())]
    fn small(bencher: Bencher, input: &Input) {
        bench_top(bencher, input);
    }

    #[divan::bench(args = medium_inputs(), sample_count = 10, sample_size = 1)]
    fn medium(bencher: Bencher, input: &Input) {
        bench_top(bencher, input);
    }

    #[divan::bench(args = huge_inputs(), sample_count = 3, sample_size = 1)]
    fn huge(bencher: Bencher, input: &Input) {
        bench_top(bencher, input);
    }
}

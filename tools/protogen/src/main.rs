//! Regenerates pprofx's checked-in prost types from `proto/profile.proto`.
//!
//! Needs nothing but cargo: the schema is compiled by `protox` (a pure-Rust
//! protobuf compiler) and the Rust code is produced by `prost-build` and
//! formatted with prettyplease, so the output is the same on every machine.
//!
//! ```text
//! cargo run --manifest-path tools/protogen/Cargo.toml              # rewrite the file
//! cargo run --manifest-path tools/protogen/Cargo.toml -- --check   # exit 1 if stale
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The schema, relative to the repository root.
const PROTO_DIR: &str = "proto";
const PROTO_FILE: &str = "profile.proto";
/// Where the generated code is checked in, relative to the repository root.
const OUTPUT: &str = "src/model/proto/perftools.profiles.rs";

fn repo_root() -> PathBuf {
    // tools/protogen -> repository root; independent of the current directory.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Compiles the schema and returns the generated Rust source.
fn generate(root: &Path) -> Result<String, String> {
    let proto_dir = root.join(PROTO_DIR);
    let fds = protox::compile([PROTO_FILE], [&proto_dir])
        .map_err(|e| format!("failed to compile {PROTO_DIR}/{PROTO_FILE}: {e}"))?;

    let requests: Vec<_> = fds
        .file
        .into_iter()
        .map(|file| {
            let module = prost_build::Module::from_protobuf_package_name(file.package());
            (module, file)
        })
        .collect();

    let mut modules = prost_build::Config::new()
        // Formatting with prettyplease (prost-build's `format` feature) is the
        // default; spelled out because the checked-in file depends on it.
        .format(true)
        .generate(requests)
        .map_err(|e| format!("prost-build failed: {e}"))?;

    if modules.len() != 1 {
        return Err(format!(
            "expected exactly one generated module, got {}",
            modules.len()
        ));
    }
    let (_, code) = modules.drain().next().expect("length checked above");
    Ok(code)
}

fn run(check: bool) -> Result<ExitCode, String> {
    let root = repo_root();
    let code = generate(&root)?;
    let output = root.join(OUTPUT);

    if check {
        let current = std::fs::read_to_string(&output).unwrap_or_default();
        if current == code {
            println!("{OUTPUT} is up to date with {PROTO_DIR}/{PROTO_FILE}");
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "error: {OUTPUT} is out of date with {PROTO_DIR}/{PROTO_FILE}.\n\
             Regenerate it with: cargo run --manifest-path tools/protogen/Cargo.toml"
        );
        return Ok(ExitCode::FAILURE);
    }

    let unchanged = std::fs::read_to_string(&output).is_ok_and(|current| current == code);
    if unchanged {
        println!("{OUTPUT} unchanged");
    } else {
        std::fs::write(&output, &code)
            .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
        println!("wrote {OUTPUT}");
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let mut check = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!(
                    "usage: protogen [--check]\n\n\
                     Regenerates {OUTPUT} from {PROTO_DIR}/{PROTO_FILE}.\n\
                     With --check, writes nothing and exits 1 if the file is stale."
                );
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("error: unknown argument `{other}` (expected --check)");
                return ExitCode::from(2);
            }
        }
    }
    match run(check) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

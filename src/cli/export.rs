//! `pprofx export --format=parquet -o OUT SOURCE…`: profiles as Parquet
//! rows ([`pprofx::export::parquet`]), one input at a time, into one file or
//! into a directory with one file per input.

use std::path::{Path, PathBuf};

use clap::Args;

use pprofx::export::parquet::ParquetWriter;

use super::run::{load_session, Failure};
use super::LoadArgs;

const EXPORT_HELP: &str = "\
Examples:
  pprofx export -o samples.parquet shard*.pb.gz        one table, a row per sample and type
  pprofx export -o out/ day1/*.pb.gz                   a directory: one file per input
  duckdb -c \"SELECT sample_type, sum(value) FROM 'samples.parquet' GROUP BY 1\"

The README gives the SQL for top, tags and comparisons, on DuckDB and on Spark or Trino.";

/// Output formats of `pprofx export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Apache Parquet (Snappy): one row per sample and sample type.
    Parquet,
}

/// Arguments of `pprofx export`.
#[derive(Debug, Args)]
#[command(after_help = EXPORT_HELP)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: ExportFormat,
    /// Output file, or a directory (existing, or ending in `/`) for one file
    /// per input named after it; written through a temporary file.
    #[arg(short = 'o', long, value_name = "FILE|DIR")]
    pub output: PathBuf,
    /// Loading options.
    #[command(flatten)]
    pub load: LoadArgs,
    /// The profiles (files, `-`, URLs).
    #[arg(value_name = "PROFILE", required = true)]
    pub profiles: Vec<String>,
}

/// Runs `pprofx export`.
pub fn run(args: &ExportArgs) -> Result<(), Failure> {
    let out = &args.output;
    let as_dir = out.is_dir() || out.as_os_str().to_string_lossy().ends_with('/');
    if as_dir {
        std::fs::create_dir_all(out).map_err(|e| Failure::new(&out.display().to_string(), e))?;
        for source in &args.profiles {
            let target = out.join(format!("{}.parquet", file_stem(source)));
            write(&target, std::slice::from_ref(source), &args.load)?;
        }
        return Ok(());
    }
    write(out, &args.profiles, &args.load)
}

/// Exports `sources`, loaded one at a time, into the file `target`.
fn write(target: &Path, sources: &[String], load: &LoadArgs) -> Result<(), Failure> {
    let shown = target.display().to_string();
    let mut failure = None;
    let result = pprofx::util::output::write_file_send(target, |w| {
        let mut pq = ParquetWriter::new(w).map_err(std::io::Error::other)?;
        for source in sources {
            let session = match load_session(&load.source_options(std::slice::from_ref(source))) {
                Ok(s) => s,
                Err(f) => {
                    failure = Some(f);
                    return Err(std::io::Error::other("input failed"));
                }
            };
            pq.add_profile(source, &session.profile)
                .map_err(std::io::Error::other)?;
        }
        pq.finish().map_err(std::io::Error::other)?;
        Ok(())
    });
    if let Some(f) = failure {
        return Err(f);
    }
    result.map_err(|e| Failure::new(&shown, e))
}

/// `shard-07.pb.gz` → `shard-07`; a URL or `-` gets a safe name.
fn file_stem(source: &str) -> String {
    let base = pprofx::util::go::go_base(source);
    let base = ["pb.gz", "pprof", "gz", "pb", "prof", "txt"]
        .iter()
        .find_map(|ext| base.strip_suffix(&format!(".{ext}")))
        .unwrap_or(base);
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() || safe == "-" || safe == "." {
        "stdin".into()
    } else {
        safe
    }
}

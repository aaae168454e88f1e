//! Profiles written for other tools, at the end of the pipeline beside the
//! reports: [`parquet`] writes one row per sample for query engines.

pub mod parquet;

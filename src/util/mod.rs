//! Infrastructure shared by every stage: the huge-page allocator, thread
//! splitting, stage timings, all-or-nothing output files and small Go
//! compatibility helpers, long names shown in little room. Nothing here
//! knows about profiles.

pub mod alloc;
pub mod go;
pub mod names;
pub mod output;
pub mod parallel;
pub mod timing;

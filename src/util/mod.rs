//! Infrastructure shared by every stage: the huge-page allocator, thread
//! splitting, stage timings, all-or-nothing output files, a progress bar
//! for long jobs and small Go compatibility helpers. Nothing here knows about profiles.

pub mod alloc;
pub mod go;
pub mod output;
pub mod parallel;
pub mod progress;
pub mod timing;

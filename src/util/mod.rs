//! Infrastructure shared by every stage: the huge-page allocator, the
//! bounded read buffer, thread splitting, stage timings, all-or-nothing
//! output files and small Go compatibility helpers. Nothing here knows about profiles.

pub mod alloc;
pub mod bounded;
pub mod go;
pub mod output;
pub mod parallel;
pub mod timing;

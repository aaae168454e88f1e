//! Infrastructure shared by every stage: the huge-page allocator, the
//! bounded read buffer, thread splitting, faulting a buffer's pages in on
//! another core ([`populate`]), gzip files of sized members, ISA-L's igzip
//! when the system has it,
//! stage timings, all-or-nothing output files, markup and URL escaping, a progress bar for long jobs,
//! strings that are not UTF-8 ([`rawbytes`]), long names shown in little
//! room ([`names`]) and small Go compatibility helpers. Nothing here knows
//! about profiles.

pub mod alloc;
pub mod bounded;
pub mod go;
pub mod gzmembers;
pub mod igzip;
pub mod markup;
pub mod names;
pub mod output;
pub mod parallel;
pub mod populate;
pub mod prefetch;
pub mod progress;
pub mod rawbytes;
pub mod timing;
pub mod url;

//! Arbitrary bytes → the decoder, and when it accepts them, the whole `top`
//! report (aggregation, trimming, text and JSON rendering). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pprofx::graph::Granularity;
use pprofx::report::top::TopReport;
use pprofx::graph::analysis::{Analysis, ReportOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(profile) = pprofx::decode::protobuf::decode(data) else {
        return;
    };
    // pprof's defaults, then a second set of options that takes the other
    // code paths (addresses, no inlines, cum order, mean, no trimming).
    let alternative = ReportOptions {
        granularity: Granularity::Addresses,
        noinlines: true,
        cum: true,
        mean: true,
        trim: false,
        all_frames: true,
        sample_index: "0".to_string(),
        ..ReportOptions::default()
    };
    for opts in [ReportOptions::default(), alternative] {
        let Ok(analysis) = Analysis::new(&profile, opts) else {
            continue;
        };
        let report = TopReport::build(&analysis);
        let mut out = Vec::new();
        report.write_text(&mut out).expect("writing to a Vec");
        let _ = report.to_json();
    }
});

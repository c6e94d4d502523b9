//! GPX files from navigators: any bytes give a track or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
    let _ = sweep::tracking::gpx::parse(data, now);
});

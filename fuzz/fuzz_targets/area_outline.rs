//! Search areas imported from KML and GPX files.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sweep::operations::outline::read(data);
});

//! OwnTracks messages.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = sweep::tracking::trackers::from_owntracks(&body);
    }
});

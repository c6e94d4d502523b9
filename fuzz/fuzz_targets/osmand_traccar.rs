//! OsmAnd / Traccar Client: a query string (or form body) and Traccar's JSON.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
    if let Ok(params) = serde_urlencoded::from_bytes::<HashMap<String, String>>(data) {
        let _ = sweep::tracking::trackers::from_osmand_params(&params, now);
    }
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = sweep::tracking::trackers::from_traccar_json(&body, now);
    }
});

//! The phone protocol's messages: parsed, then checked as the server checks them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mobile_api::ClientMessage;

fuzz_target!(|data: &[u8]| {
    let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
    let _ = sweep::error::has_escaped_nul(data);
    if let Ok(ClientMessage::Positions(batch)) = serde_json::from_slice::<ClientMessage>(data) {
        let _ = batch.check(now);
    }
});

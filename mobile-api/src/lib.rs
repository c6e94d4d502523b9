//! Sweep's phone wire protocol: the message types a phone, a tracker client or the simulator
//! exchanges with the server over WebSocket. Shared by the server, clients and `sweep-sim`, so
//! both ends always agree. The messages themselves arrive with the field-tracking work; what
//! stands already is the protocol's version and address.

/// Version of the protocol described by this crate.
pub const PROTOCOL_VERSION: u32 = 1;

/// Path of the phone protocol's WebSocket endpoint on a Sweep server.
pub const WEBSOCKET_PATH: &str = "/mobile/v1/ws";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_path_names_the_protocol_version() {
        assert!(WEBSOCKET_PATH.ends_with(&format!("/v{PROTOCOL_VERSION}/ws")));
    }
}

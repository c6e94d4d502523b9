//! What a volunteer needs to start sharing: the link to the phone app with the device token (and
//! its QR code), and the settings to type into OsmAnd, Traccar Client or OwnTracks.

use qrcode::render::svg;
use qrcode::QrCode;
use serde::Serialize;
use utoipa::ToSchema;

/// How to set up a device.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeviceSetup {
    /// The phone app, opened with this device's token (the token is after `#`, so it is never
    /// sent to the server in the address or kept in its logs).
    pub phone_app_link: String,
    /// The QR code of `phone_app_link`, as SVG.
    pub qr_svg: String,
    /// OsmAnd: Online tracking → web address.
    pub osmand_url: String,
    /// Traccar Client: server URL (the device identifier is the token).
    pub traccar_server_url: String,
    /// Traccar Client on the OsmAnd port, for versions that take only a host and port.
    pub traccar_port_url: Option<String>,
    /// OwnTracks (HTTP mode): URL; user name: anything, password: the token.
    pub owntracks_url: String,
}

/// The setup of a device with `token` on the server at `base` (`https://sweep.example.org`).
pub fn setup(base: &str, token: &str, osmand_port: Option<u16>) -> DeviceSetup {
    let base = base.trim_end_matches('/');
    let phone_app_link = format!("{base}/phone/#token={token}");
    let qr_svg = QrCode::new(phone_app_link.as_bytes())
        .map(|code| code.render::<svg::Color>().min_dimensions(240, 240).quiet_zone(true).build())
        .unwrap_or_default();
    let host_only = host_of(base);
    DeviceSetup {
        phone_app_link,
        qr_svg,
        osmand_url: format!(
            "{base}/ingest/osmand?id={token}&lat={{0}}&lon={{1}}&timestamp={{2}}&hdop={{3}}&altitude={{4}}&speed={{5}}&bearing={{6}}"
        ),
        traccar_server_url: format!("{base}/ingest/osmand"),
        traccar_port_url: osmand_port.map(|port| format!("http://{host_only}:{port}")),
        owntracks_url: format!("{base}/ingest/owntracks"),
    }
}

/// The host of an address (`https://[::1]:8443/sweep` → `[::1]`), without scheme, port or path.
fn host_of(base: &str) -> &str {
    let authority = base.split_once("://").map(|(_, rest)| rest).unwrap_or(base);
    let authority = authority.split('/').next().unwrap_or(authority);
    let authority = authority.rsplit_once('@').map(|(_, host)| host).unwrap_or(authority);
    match authority.find(']') {
        Some(end) => &authority[..=end],
        None => authority.split(':').next().unwrap_or(authority),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_carries_the_token_after_the_hash_and_the_qr_code_is_an_svg() {
        let setup = setup("https://sweep.example.org/", "dev_abc", Some(5055));
        assert_eq!(setup.phone_app_link, "https://sweep.example.org/phone/#token=dev_abc");
        assert!(setup.qr_svg.starts_with("<?xml") && setup.qr_svg.contains("<svg"), "{}", &setup.qr_svg[..80]);
        assert!(setup.osmand_url.starts_with("https://sweep.example.org/ingest/osmand?id=dev_abc&lat={0}&lon={1}"));
        assert_eq!(setup.traccar_port_url.as_deref(), Some("http://sweep.example.org:5055"));
        assert_eq!(setup.owntracks_url, "https://sweep.example.org/ingest/owntracks");
    }

    #[test]
    fn the_tracker_port_goes_on_the_host_whatever_the_address_looks_like() {
        assert_eq!(host_of("https://x.org/sweep"), "x.org");
        assert_eq!(host_of("http://[::1]"), "[::1]");
        assert_eq!(host_of("http://[::1]:8080/a"), "[::1]");
        assert_eq!(host_of("http://10.0.0.5:8080"), "10.0.0.5");
        assert_eq!(
            setup("https://x.org/sweep", "t", Some(5055)).traccar_port_url.as_deref(),
            Some("http://x.org:5055")
        );
    }
}

//! Tracker apps as they send today: OsmAnd and Traccar Client (query string, form, or the JSON
//! newer Traccar Client versions post) and OwnTracks (JSON). Each request carries one fix; the
//! device token identifies the volunteer.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use mobile_api::Fix;
use serde_json::Value;

/// Knots to metres per second.
const KNOT: f32 = 0.514_444;

/// A fix and the token that sent it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackerFix {
    /// The device token (the app's "device id").
    pub token: String,
    /// The fix.
    pub fix: Fix,
}

/// What is wrong with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable(pub String);

fn number(value: &str, name: &str) -> Result<f64, Unreadable> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| Unreadable(format!("{name} {value:?} is not a number")))
}

fn optional(params: &HashMap<String, String>, names: &[&str]) -> Result<Option<f32>, Unreadable> {
    match names.iter().find_map(|n| params.get(*n).filter(|v| !v.trim().is_empty()).map(|v| (n, v))) {
        Some((name, value)) => Ok(Some(number(value, name)? as f32)),
        None => Ok(None),
    }
}

/// Reads a time as OsmAnd and Traccar send it: Unix seconds, Unix milliseconds, or ISO 8601.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, Unreadable> {
    let text = text.trim();
    if let Some(number) = text.parse::<f64>().ok().filter(|n| n.is_finite()) {
        // Milliseconds are what a seconds value would be in the year 33658: tell them apart.
        let seconds = if number > 1e11 { number / 1000.0 } else { number };
        return Utc
            .timestamp_opt(seconds.trunc() as i64, ((seconds.fract()) * 1e9) as u32)
            .single()
            .ok_or_else(|| Unreadable(format!("timestamp {text} is out of range")));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").map(|t| t.and_utc()))
        .map_err(|_| Unreadable(format!("timestamp {text:?} is neither Unix time nor ISO 8601")))
}

/// The OsmAnd / Traccar Client query or form parameters.
pub fn from_osmand_params(params: &HashMap<String, String>, now: DateTime<Utc>) -> Result<TrackerFix, Unreadable> {
    let token = params
        .get("id")
        .or_else(|| params.get("deviceid"))
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Unreadable("id (the device token) is missing".into()))?
        .trim()
        .to_string();
    let (lat, lon) = match (params.get("lat"), params.get("lon"), params.get("location")) {
        (Some(lat), Some(lon), _) => (number(lat, "lat")?, number(lon, "lon")?),
        (_, _, Some(location)) => {
            let (lat, lon) =
                location.split_once(',').ok_or_else(|| Unreadable("location must be \"lat,lon\"".into()))?;
            (number(lat, "lat")?, number(lon, "lon")?)
        }
        _ => return Err(Unreadable("lat and lon (or location=lat,lon) are missing".into())),
    };
    let time = match params.get("timestamp").filter(|t| !t.trim().is_empty()) {
        Some(text) => parse_time(text)?,
        None => now,
    };
    // OsmAnd sends hdop; Traccar Client sends accuracy in metres.
    let accuracy = optional(params, &["accuracy"])?.or(optional(params, &["hdop"])?.map(|hdop| hdop * 5.0));
    Ok(TrackerFix {
        token,
        fix: Fix {
            time,
            lat,
            lon,
            accuracy,
            altitude: optional(params, &["altitude"])?,
            speed: optional(params, &["speed"])?.map(|knots| knots * KNOT),
            heading: optional(params, &["bearing", "heading"])?,
            battery: optional(params, &["batt", "battery"])?,
        },
    })
}

/// The JSON body newer Traccar Client versions post.
pub fn from_traccar_json(body: &Value, now: DateTime<Utc>) -> Result<TrackerFix, Unreadable> {
    let token = body
        .get("device_id")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Unreadable("device_id (the device token) is missing".into()))?
        .trim()
        .to_string();
    let location = body.get("location").ok_or_else(|| Unreadable("location is missing".into()))?;
    let coords = location.get("coords").ok_or_else(|| Unreadable("location.coords is missing".into()))?;
    let field = |name: &str| coords.get(name).and_then(Value::as_f64);
    let lat = field("latitude").ok_or_else(|| Unreadable("location.coords.latitude is missing".into()))?;
    let lon = field("longitude").ok_or_else(|| Unreadable("location.coords.longitude is missing".into()))?;
    let time = match location.get("timestamp") {
        Some(Value::String(text)) => parse_time(text)?,
        Some(Value::Number(n)) => parse_time(&n.to_string())?,
        _ => now,
    };
    // Speed and heading are -1 when unknown; the battery level is a fraction.
    let known = |v: Option<f64>| v.filter(|v| *v >= 0.0).map(|v| v as f32);
    let battery = location.get("battery").and_then(|b| b.get("level")).and_then(Value::as_f64).filter(|l| *l >= 0.0);
    Ok(TrackerFix {
        token,
        fix: Fix {
            time,
            lat,
            lon,
            accuracy: known(field("accuracy")),
            altitude: field("altitude").map(|a| a as f32),
            speed: known(field("speed")),
            heading: known(field("heading")),
            battery: battery.map(|l| if l <= 1.0 { l * 100.0 } else { l } as f32),
        },
    })
}

/// An OwnTracks message: `Some` for a location, `None` for the other kinds (which are answered
/// and not stored).
pub fn from_owntracks(body: &Value) -> Result<Option<Fix>, Unreadable> {
    if body.get("_type").and_then(Value::as_str) != Some("location") {
        return Ok(None);
    }
    let field = |name: &str| body.get(name).and_then(Value::as_f64);
    let lat = field("lat").ok_or_else(|| Unreadable("lat is missing".into()))?;
    let lon = field("lon").ok_or_else(|| Unreadable("lon is missing".into()))?;
    let tst =
        body.get("tst").and_then(Value::as_i64).ok_or_else(|| Unreadable("tst (Unix seconds) is missing".into()))?;
    let time = Utc.timestamp_opt(tst, 0).single().ok_or_else(|| Unreadable(format!("tst {tst} is out of range")))?;
    Ok(Some(Fix {
        time,
        lat,
        lon,
        accuracy: field("acc").map(|v| v as f32),
        altitude: field("alt").map(|v| v as f32),
        // OwnTracks reports km/h.
        speed: field("vel").filter(|v| *v >= 0.0).map(|v| (v / 3.6) as f32),
        heading: field("cog").filter(|v| *v >= 0.0).map(|v| v as f32),
        battery: field("batt").filter(|v| *v >= 0.0).map(|v| v as f32),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn times_in_seconds_milliseconds_and_iso_8601_agree() {
        let expected = Utc.with_ymd_and_hms(2026, 11, 22, 5, 41, 12).unwrap();
        assert_eq!(parse_time("1795326072").unwrap(), expected);
        assert_eq!(parse_time("1795326072000").unwrap(), expected);
        assert_eq!(parse_time("2026-11-22T05:41:12Z").unwrap(), expected);
        assert_eq!(parse_time("2026-11-22T08:41:12+03:00").unwrap(), expected);
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn osmand_parameters_become_a_fix_with_speed_in_metres_per_second() {
        let now = Utc::now();
        let got = from_osmand_params(
            &params(&[
                ("id", "dev_abc"),
                ("lat", "56.1"),
                ("lon", "36.8"),
                ("timestamp", "1795326072"),
                ("hdop", "2"),
                ("altitude", "180"),
                ("speed", "10"),
                ("bearing", "90"),
                ("batt", "77"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!(got.token, "dev_abc");
        assert_eq!((got.fix.lat, got.fix.lon), (56.1, 36.8));
        assert_eq!(got.fix.accuracy, Some(10.0));
        assert!((got.fix.speed.unwrap() - 5.14444).abs() < 1e-4);
        assert_eq!((got.fix.heading, got.fix.battery), (Some(90.0), Some(77.0)));
        let traccar =
            from_osmand_params(&params(&[("deviceid", "dev_x"), ("location", "55.75,37.62"), ("accuracy", "12")]), now)
                .unwrap();
        assert_eq!(
            (traccar.fix.lat, traccar.fix.lon, traccar.fix.accuracy, traccar.fix.time),
            (55.75, 37.62, Some(12.0), now)
        );
        assert!(from_osmand_params(&params(&[("lat", "1"), ("lon", "2")]), now).is_err(), "no id");
        assert!(from_osmand_params(&params(&[("id", "x"), ("lat", "north")]), now).is_err());
    }

    #[test]
    fn traccar_json_and_owntracks_json_become_fixes() {
        let now = Utc::now();
        let traccar: Value = serde_json::json!({
            "location": {"timestamp": "2026-11-22T05:41:12.250Z",
                         "coords": {"latitude": 56.1, "longitude": 36.8, "accuracy": 7.5, "speed": -1, "heading": 180, "altitude": 170},
                         "battery": {"level": 0.64, "is_charging": false}},
            "device_id": "dev_t"
        });
        let got = from_traccar_json(&traccar, now).unwrap();
        assert_eq!(
            (got.token.as_str(), got.fix.speed, got.fix.heading, got.fix.battery),
            ("dev_t", None, Some(180.0), Some(64.0))
        );
        assert_eq!(got.fix.time.timestamp_millis(), 1795326072250);

        let owntracks: Value = serde_json::json!({"_type": "location", "lat": 56.1, "lon": 36.8, "tst": 1795326072, "acc": 9, "alt": 160, "vel": 36, "batt": 55, "tid": "IS"});
        let fix = from_owntracks(&owntracks).unwrap().unwrap();
        assert_eq!((fix.accuracy, fix.speed, fix.battery), (Some(9.0), Some(10.0), Some(55.0)));
        assert_eq!(from_owntracks(&serde_json::json!({"_type": "transition", "event": "enter"})).unwrap(), None);
        assert!(from_owntracks(&serde_json::json!({"_type": "location", "lat": 1})).is_err());
    }
}

//! GPX 1.0 and 1.1 from navigators and apps (Garmin, OsmAnd, CalTopo...): tracks and their
//! segments become fixes; waypoints become clues. Routes (planned, not walked) and extensions
//! are ignored. Every track point is kept: a point without a time gets one between its timed
//! neighbours; repeated times are kept as they are.

use chrono::{DateTime, Duration, Utc};
use mobile_api::Fix;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// A parsed file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gpx {
    /// Tracks (`trk`).
    pub tracks: usize,
    /// Segments of all tracks, each a list of fixes in file order.
    pub segments: Vec<Vec<Fix>>,
    /// Waypoints (`wpt`).
    pub waypoints: Vec<Waypoint>,
}

/// A waypoint: a marked place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Waypoint {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// When it was marked.
    pub time: Option<DateTime<Utc>>,
    /// Its name.
    pub name: Option<String>,
    /// Its description.
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct Point {
    lat: f64,
    lon: f64,
    time: Option<DateTime<Utc>>,
    ele: Option<f64>,
    speed: Option<f64>,
    course: Option<f64>,
    hdop: Option<f64>,
}

/// Why a file cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpxError(pub String);

fn coordinates(element: &BytesStart) -> Result<(f64, f64), GpxError> {
    let mut lat = None;
    let mut lon = None;
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| GpxError(format!("a point's attributes are malformed: {e}")))?;
        let value = attribute.unescape_value().map_err(|e| GpxError(e.to_string()))?;
        match attribute.key.local_name().as_ref() {
            b"lat" => lat = value.trim().parse::<f64>().ok(),
            b"lon" => lon = value.trim().parse::<f64>().ok(),
            _ => {}
        }
    }
    match (lat, lon) {
        (Some(lat), Some(lon)) => Ok((lat, lon)),
        _ => Err(GpxError("a point has no valid lat and lon".into())),
    }
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&Utc))
}

/// Reads a GPX file. `now` stands in for the times of a segment that has none at all.
pub fn parse(bytes: &[u8], now: DateTime<Utc>) -> Result<Gpx, GpxError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut gpx = Gpx::default();
    let mut seen_root = false;
    let mut segment: Option<Vec<Point>> = None;
    let mut point: Option<Point> = None;
    let mut waypoint: Option<Waypoint> = None;
    let mut field: Option<Vec<u8>> = None;
    let mut extension_depth = 0usize;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| GpxError(format!("not well-formed XML near byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Start(ref element) | Event::Empty(ref element) => {
                let empty = matches!(event, Event::Empty(_));
                let name = element.local_name().as_ref().to_vec();
                if extension_depth > 0 || name == b"extensions" {
                    if !empty {
                        extension_depth += 1;
                    }
                } else {
                    match name.as_slice() {
                        b"gpx" => seen_root = true,
                        b"trk" => gpx.tracks += 1,
                        b"trkseg" => segment = Some(Vec::new()),
                        b"trkpt" if segment.is_some() => {
                            let (lat, lon) = coordinates(element)?;
                            point = Some(Point { lat, lon, ..Default::default() });
                            if empty {
                                segment.as_mut().expect("inside a segment").push(point.take().expect("just set"));
                            }
                        }
                        b"wpt" => {
                            let (lat, lon) = coordinates(element)?;
                            waypoint = Some(Waypoint { lat, lon, ..Default::default() });
                            if empty {
                                gpx.waypoints.push(waypoint.take().expect("just set"));
                            }
                        }
                        other if !empty && (point.is_some() || waypoint.is_some()) => field = Some(other.to_vec()),
                        _ => {}
                    }
                }
            }
            Event::Text(text) if extension_depth == 0 => {
                if let Some(name) = &field {
                    let value = text.unescape().map_err(|e| GpxError(e.to_string()))?.to_string();
                    if let Some(p) = point.as_mut() {
                        let number = || value.trim().parse::<f64>().ok();
                        match name.as_slice() {
                            b"time" => p.time = time(&value),
                            b"ele" => p.ele = number(),
                            b"speed" => p.speed = number(),
                            b"course" => p.course = number(),
                            b"hdop" => p.hdop = number(),
                            _ => {}
                        }
                    } else if let Some(w) = waypoint.as_mut() {
                        match name.as_slice() {
                            b"time" => w.time = time(&value),
                            b"name" => w.name = Some(value),
                            b"desc" | b"cmt" if w.description.is_none() => w.description = Some(value),
                            _ => {}
                        }
                    }
                }
            }
            Event::End(element) => {
                let name = element.local_name().as_ref().to_vec();
                if extension_depth > 0 {
                    extension_depth -= 1;
                } else {
                    match name.as_slice() {
                        b"trkpt" => {
                            if let (Some(segment), Some(done)) = (segment.as_mut(), point.take()) {
                                segment.push(done);
                            }
                        }
                        b"trkseg" => {
                            if let Some(done) = segment.take().filter(|s| !s.is_empty()) {
                                gpx.segments.push(with_times(done, now));
                            }
                        }
                        b"wpt" => gpx.waypoints.extend(waypoint.take()),
                        _ => field = None,
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !seen_root {
        return Err(GpxError("this is not a GPX file (no <gpx> element)".into()));
    }
    Ok(gpx)
}

/// Gives every point a time: between its timed neighbours in proportion to its position, or
/// the nearest timed one at the ends; `now` when the segment has no time at all.
fn with_times(points: Vec<Point>, now: DateTime<Utc>) -> Vec<Fix> {
    let timed: Vec<(usize, DateTime<Utc>)> =
        points.iter().enumerate().filter_map(|(i, p)| p.time.map(|t| (i, t))).collect();
    let time_at = |i: usize| -> DateTime<Utc> {
        let before = timed.iter().rev().find(|(j, _)| *j <= i);
        let after = timed.iter().find(|(j, _)| *j >= i);
        match (before, after) {
            (Some((a, ta)), Some((b, tb))) if b > a => {
                let span = (*tb - *ta).num_milliseconds() as f64;
                *ta + Duration::milliseconds((span * (i - a) as f64 / (b - a) as f64) as i64)
            }
            (Some((_, t)), _) | (None, Some((_, t))) => *t,
            (None, None) => now,
        }
    };
    points
        .iter()
        .enumerate()
        .map(|(i, p)| Fix {
            time: p.time.unwrap_or_else(|| time_at(i)),
            lat: p.lat,
            lon: p.lon,
            accuracy: p.hdop.map(|h| (h * 5.0) as f32),
            altitude: p.ele.map(|e| e as f32),
            speed: p.speed.map(|s| s as f32),
            heading: p.course.map(|c| c as f32),
            battery: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GARMIN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" version="1.1" creator="eTrex 32x">
  <wpt lat="56.1001" lon="36.8002"><time>2026-11-21T10:05:00Z</time><name>Следы</name><desc>следы сапог у ручья</desc></wpt>
  <rte><rtept lat="1" lon="1"/></rte>
  <trk><name>Утро</name>
    <trkseg>
      <trkpt lat="56.1000" lon="36.8000"><ele>180.5</ele><time>2026-11-21T10:00:00Z</time>
        <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>120</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt>
      <trkpt lat="56.1001" lon="36.8001"/>
      <trkpt lat="56.1002" lon="36.8002"><time>2026-11-21T10:00:10Z</time></trkpt>
      <trkpt lat="56.1003" lon="36.8003"><time>2026-11-21T10:00:10Z</time></trkpt>
    </trkseg>
    <trkseg>
      <trkpt lat="56.2000" lon="36.9000"><time>2026-11-21T11:00:00Z</time></trkpt>
    </trkseg>
  </trk>
  <trk><trkseg><trkpt lat="56.3" lon="36.7"></trkpt><trkpt lat="56.31" lon="36.71"></trkpt></trkseg></trk>
</gpx>"#;

    #[test]
    fn tracks_segments_waypoints_and_every_point_are_read() {
        let now = Utc::now();
        let gpx = parse(GARMIN.as_bytes(), now).unwrap();
        assert_eq!(gpx.tracks, 2);
        assert_eq!(gpx.segments.iter().map(Vec::len).collect::<Vec<_>>(), [4, 1, 2], "routes are not tracks");
        let first = &gpx.segments[0];
        assert_eq!(first[0].altitude, Some(180.5));
        assert_eq!(first[1].time, time("2026-11-21T10:00:05Z").unwrap(), "a missing time falls between its neighbours");
        assert_eq!(first[2].time, first[3].time, "repeated times are kept");
        assert!(gpx.segments[2].iter().all(|f| f.time == now), "a segment without times takes the import time");
        assert_eq!(gpx.waypoints.len(), 1);
        assert_eq!(gpx.waypoints[0].name.as_deref(), Some("Следы"));
        assert_eq!(gpx.waypoints[0].description.as_deref(), Some("следы сапог у ручья"));
    }

    #[test]
    fn gpx_1_0_speed_and_course_are_read() {
        let text = r#"<gpx version="1.0"><trk><trkseg><trkpt lat="1.5" lon="2.5"><time>2026-01-01T00:00:00Z</time><speed>1.4</speed><course>90</course><hdop>2</hdop></trkpt></trkseg></trk></gpx>"#;
        let fix = &parse(text.as_bytes(), Utc::now()).unwrap().segments[0][0];
        assert_eq!((fix.speed, fix.heading, fix.accuracy), (Some(1.4), Some(90.0), Some(10.0)));
    }

    #[test]
    fn what_is_not_gpx_is_refused() {
        assert!(parse(b"<kml></kml>", Utc::now()).is_err());
        assert!(parse(b"<gpx><trk><trkseg><trkpt lat=\"x\" lon=\"1\"/></trkseg></trk></gpx>", Utc::now()).is_err());
        assert!(parse(b"\x00\x01binary", Utc::now()).is_err());
    }
}

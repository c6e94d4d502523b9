//! Reading an area's outline from a file a coordinator has: KML (Google Earth, CalTopo, SAS.Planet)
//! or GPX (a route or a track walked around the area), closed into a ring.

use quick_xml::events::Event;
use quick_xml::Reader;

/// An outline read from a file.
#[derive(Debug, PartialEq)]
pub struct Outline {
    /// The name in the file, if any.
    pub name: Option<String>,
    /// The ring, `[lon, lat]`, closed (first = last).
    pub ring: Vec<[f64; 2]>,
}

/// Most points in an outline.
const MAX_POINTS: usize = 100_000;

/// Reads the first polygon of a KML file, or the first route (else track segment) of a GPX file.
pub fn read(bytes: &[u8]) -> Result<Outline, String> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut name: Option<String> = None;
    let mut kml_ring: Option<Vec<[f64; 2]>> = None;
    let mut kml_line: Option<Vec<[f64; 2]>> = None;
    let mut route: Vec<[f64; 2]> = Vec::new();
    let mut track: Vec<[f64; 2]> = Vec::new();
    let mut track_done = false;
    let mut kind: Option<&str> = None;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| format!("not XML: {e}"))?;
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                if local == "rtept" || local == "trkpt" {
                    let point = point_of(&e)?;
                    if local == "rtept" && kind != Some("route-done") {
                        route.push(point);
                    } else if local == "trkpt" && !track_done {
                        track.push(point);
                    }
                    if route.len() + track.len() > MAX_POINTS {
                        return Err(format!("more than {MAX_POINTS} points"));
                    }
                }
                if local == "kml" {
                    kind = Some("kml");
                }
                if opens {
                    path.push(local);
                }
            }
            Event::End(e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                if local == "rte" && !route.is_empty() {
                    kind = Some("route-done");
                }
                if local == "trkseg" && !track.is_empty() {
                    track_done = true;
                }
                path.pop();
            }
            Event::Text(text) => {
                let value = text.unescape().map_err(|e| format!("bad text: {e}"))?.trim().to_string();
                let here = path.last().map(String::as_str);
                if here == Some("name") && name.is_none() && !value.is_empty() {
                    name = Some(value.chars().take(200).collect());
                } else if here == Some("coordinates") {
                    let points = kml_coordinates(&value)?;
                    let in_polygon = path.iter().any(|p| p == "Polygon");
                    let outer = path.iter().any(|p| p == "outerBoundaryIs");
                    if in_polygon && outer && kml_ring.is_none() {
                        kml_ring = Some(points);
                    } else if !in_polygon && path.iter().any(|p| p == "LineString") && kml_line.is_none() {
                        kml_line = Some(points);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let ring = kml_ring.or(kml_line).or((!route.is_empty()).then_some(route)).or((!track.is_empty()).then_some(track));
    let Some(mut ring) = ring else { return Err("no polygon, route or track in the file".into()) };
    if ring.iter().any(|[lon, lat]| !lon.is_finite() || !lat.is_finite() || lon.abs() > 180.0 || lat.abs() > 90.0) {
        return Err("a point is not on Earth".into());
    }
    ring.dedup();
    if ring.first() != ring.last() {
        ring.push(ring[0]);
    }
    if ring.len() < 4 {
        return Err("an outline needs at least three distinct points".into());
    }
    Ok(Outline { name, ring })
}

/// A GPX point's `[lon, lat]`.
fn point_of(e: &quick_xml::events::BytesStart<'_>) -> Result<[f64; 2], String> {
    let mut lat = None;
    let mut lon = None;
    for attribute in e.attributes().flatten() {
        let value = String::from_utf8_lossy(&attribute.value).trim().to_string();
        match attribute.key.local_name().as_ref() {
            b"lat" => lat = value.parse::<f64>().ok(),
            b"lon" => lon = value.parse::<f64>().ok(),
            _ => {}
        }
    }
    match (lat, lon) {
        (Some(lat), Some(lon)) => Ok([lon, lat]),
        _ => Err("a point without a readable lat and lon".into()),
    }
}

/// KML coordinates: "lon,lat[,alt] lon,lat[,alt] …".
fn kml_coordinates(text: &str) -> Result<Vec<[f64; 2]>, String> {
    let mut points = Vec::new();
    for tuple in text.split_whitespace() {
        let mut parts = tuple.split(',');
        let lon = parts.next().and_then(|v| v.parse::<f64>().ok());
        let lat = parts.next().and_then(|v| v.parse::<f64>().ok());
        let (Some(lon), Some(lat)) = (lon, lat) else { return Err(format!("unreadable coordinates {tuple:?}")) };
        points.push([lon, lat]);
        if points.len() > MAX_POINTS {
            return Err(format!("more than {MAX_POINTS} points"));
        }
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kml_polygon_is_read_with_its_name() {
        let kml = r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>
            <name>Лес у ручья</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
            36.79,56.09,0 36.81,56.09,0 36.81,56.11,0 36.79,56.11,0 36.79,56.09,0
            </coordinates></LinearRing></outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>
            36.80,56.10 36.801,56.10 36.801,56.101 36.80,56.10</coordinates></LinearRing></innerBoundaryIs></Polygon>
            </Placemark></Document></kml>"#;
        let outline = read(kml.as_bytes()).unwrap();
        assert_eq!(outline.name.as_deref(), Some("Лес у ручья"));
        assert_eq!(outline.ring.len(), 5);
        assert_eq!(outline.ring[1], [36.81, 56.09]);
    }

    #[test]
    fn a_gpx_route_or_track_is_closed_into_a_ring() {
        let gpx = r#"<gpx version="1.1"><trk><name>Обход</name><trkseg>
            <trkpt lat="56.09" lon="36.79"/><trkpt lat="56.09" lon="36.81"/><trkpt lat="56.11" lon="36.81"/>
            <trkpt lat="56.11" lon="36.79"><ele>150</ele></trkpt></trkseg></trk></gpx>"#;
        let outline = read(gpx.as_bytes()).unwrap();
        assert_eq!(outline.ring.first(), outline.ring.last());
        assert_eq!(outline.ring.len(), 5);
        let route = r#"<gpx><rte><rtept lat="1" lon="2"/><rtept lat="1" lon="3"/><rtept lat="2" lon="3"/></rte>
            <trk><trkseg><trkpt lat="9" lon="9"/></trkseg></trk></gpx>"#;
        assert_eq!(read(route.as_bytes()).unwrap().ring[0], [2.0, 1.0], "a route comes before a track");
    }

    #[test]
    fn files_without_an_outline_are_refused_with_a_reason() {
        assert!(read(b"<kml><Placemark><Point><coordinates>1,2</coordinates></Point></Placemark></kml>").is_err());
        assert!(read(b"<gpx><trk><trkseg><trkpt lat='1' lon='2'/><trkpt lat='1' lon='3'/></trkseg></trk></gpx>")
            .unwrap_err()
            .contains("three"));
        assert!(read(b"<gpx><rte><rtept lat='north' lon='2'/></rte></gpx>").is_err());
        assert!(read(b"not xml <<<").is_err());
    }
}

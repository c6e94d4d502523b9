//! Reading a stored chunk's fixes (`track_chunks.fixes`, a `PointM` or `LineStringM`) from
//! `ST_AsBinary`: PostGIS unpacks a geometry again for every `ST_PointN`, so a snapshot of many
//! chunks is read whole and taken apart here.

/// A fix of a chunk: longitude, latitude, unix seconds.
pub type Vertex = [f64; 3];

/// The vertices of a well-known-binary point or line string with an M (time) ordinate, as
/// `ST_AsBinary` writes it (ISO type codes 2001/2002; PostGIS's extended codes are read too).
pub fn vertices(bytes: &[u8]) -> Result<Vec<Vertex>, &'static str> {
    let mut reader = Reader { bytes, at: 0, little: true };
    reader.little = match reader.take(1)?[0] {
        0 => false,
        1 => true,
        _ => return Err("not well-known binary: bad byte order"),
    };
    let code = reader.u32()?;
    let (kind, has_z, has_m) = if code & 0xE000_0000 != 0 {
        // Extended WKB: flags in the high bits (Z 0x80000000, M 0x40000000, SRID 0x20000000).
        if code & 0x2000_0000 != 0 {
            reader.u32()?;
        }
        (code & 0xFF, code & 0x8000_0000 != 0, code & 0x4000_0000 != 0)
    } else {
        (code % 1000, matches!(code / 1000, 1 | 3), matches!(code / 1000, 2 | 3))
    };
    if !has_m || has_z {
        return Err("not a geometry with a time (M) ordinate only");
    }
    let count = match kind {
        1 => 1,
        2 => reader.u32()? as usize,
        _ => return Err("not a point or a line string"),
    };
    if count > (bytes.len() - reader.at) / 24 {
        return Err("well-known binary shorter than its vertex count");
    }
    (0..count).map(|_| Ok([reader.f64()?, reader.f64()?, reader.f64()?])).collect()
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    little: bool,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], &'static str> {
        let slice = self.bytes.get(self.at..self.at + n).ok_or("well-known binary cut short")?;
        self.at += n;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, &'static str> {
        let little = self.little;
        let bytes: [u8; 4] = self.take(4)?.try_into().map_err(|_| "well-known binary cut short")?;
        Ok(if little { u32::from_le_bytes(bytes) } else { u32::from_be_bytes(bytes) })
    }

    fn f64(&mut self) -> Result<f64, &'static str> {
        let little = self.little;
        let bytes: [u8; 8] = self.take(8)?.try_into().map_err(|_| "well-known binary cut short")?;
        Ok(if little { f64::from_le_bytes(bytes) } else { f64::from_be_bytes(bytes) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(little: bool, code: u32, srid: Option<u32>, points: &[Vertex]) -> Vec<u8> {
        let u32b = |v: u32| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut out = vec![u8::from(little)];
        out.extend(u32b(code));
        if let Some(srid) = srid {
            out.extend(u32b(srid));
        }
        if code % 1000 == 2 || code & 0xFF == 2 {
            out.extend(u32b(points.len() as u32));
        }
        for p in points {
            for v in p {
                out.extend(if little { v.to_le_bytes() } else { v.to_be_bytes() });
            }
        }
        out
    }

    #[test]
    fn reads_iso_and_extended_lines_and_points_in_either_byte_order() {
        let points = [[36.8, 56.1, 1_790_000_000.5], [36.81, 56.11, 1_790_000_005.0]];
        assert_eq!(vertices(&line(true, 2002, None, &points)).unwrap(), points);
        assert_eq!(vertices(&line(false, 2002, None, &points)).unwrap(), points);
        assert_eq!(vertices(&line(true, 0x6000_0002, Some(4326), &points)).unwrap(), points);
        assert_eq!(vertices(&line(true, 2001, None, &points[..1])).unwrap(), points[..1]);
    }

    #[test]
    fn refuses_what_is_not_a_timed_point_or_line() {
        let points = [[36.8, 56.1, 1.0]];
        assert!(vertices(&line(true, 1002, None, &points)).is_err(), "Z, not M");
        assert!(vertices(&line(true, 2003, None, &points)).is_err(), "a polygon");
        let mut short = line(true, 2002, None, &points);
        short.truncate(short.len() - 1);
        assert!(vertices(&short).is_err());
        let mut huge = line(true, 2002, None, &points);
        huge[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(vertices(&huge).is_err());
        assert!(vertices(&[]).is_err());
        assert!(vertices(&[7]).is_err());
    }
}

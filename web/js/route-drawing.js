// A task's route drawn by clicking its points on the map: an open line (unlike a search area, it
// is not closed and may cross itself: a path there and back is a route). The points so far, undo,
// its length, and the GeoJSON LineString the server takes (at least two points). No DOM here, so
// tests/route-drawing.test.mjs runs it in node; js/route-draw.js draws.

const EARTH_RADIUS_M = 6371008.8;
// Coordinates are kept to 6 decimals (about 0.1 m): more says nothing a click can mean.
const round6 = (x) => Math.round(x * 1e6) / 1e6;

/** Great-circle distance in metres between two {lat, lon} (haversine). */
export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Length in metres of a GeoJSON LineString (or of [lon, lat] positions); 0 for anything else. */
export function lineLengthM(line) {
  const positions = Array.isArray(line) ? line : (line?.type === 'LineString' ? line.coordinates : null);
  if (!Array.isArray(positions)) return 0;
  let total = 0;
  for (let i = 1; i < positions.length; i += 1) {
    const [lon1, lat1] = positions[i - 1];
    const [lon2, lat2] = positions[i];
    if (![lon1, lat1, lon2, lat2].every(Number.isFinite)) return 0;
    total += distanceM({ lat: lat1, lon: lon1 }, { lat: lat2, lon: lon2 });
  }
  return total;
}

/** Whether `value` is a GeoJSON LineString the server takes: two points or more, all numbers. */
export function isRoute(value) {
  return value?.type === 'LineString' && Array.isArray(value.coordinates) && value.coordinates.length >= 2
    && value.coordinates.every((p) => Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]));
}

/** Whether two routes are the same line (a route unchanged is not sent again). */
export function sameRoute(a, b) {
  if (!isRoute(a) || !isRoute(b)) return !isRoute(a) && !isRoute(b);
  if (a.coordinates.length !== b.coordinates.length) return false;
  return a.coordinates.every((p, i) => Math.abs(p[0] - b.coordinates[i][0]) < 1e-6 && Math.abs(p[1] - b.coordinates[i][1]) < 1e-6);
}

/**
 * The points clicked so far. `add({lat, lon})` answers false for a click on the last point again
 * (a double click) or a point off the globe; `line()` is the LineString, or null under two points.
 */
export function createRouteDrawing() {
  const points = []; // [lon, lat]

  return {
    /** The points, as {lat, lon}. */
    get points() {
      return points.map(([lon, lat]) => ({ lat, lon }));
    },
    get count() {
      return points.length;
    },
    add(point) {
      if (!Number.isFinite(point?.lat) || !Number.isFinite(point?.lon)) return false;
      if (Math.abs(point.lat) > 90 || Math.abs(point.lon) > 180) return false;
      const position = [round6(point.lon), round6(point.lat)];
      const last = points[points.length - 1];
      if (last && last[0] === position[0] && last[1] === position[1]) return false;
      points.push(position);
      return true;
    },
    /** Takes the last point back; false when there is none. */
    undo() {
      return points.pop() !== undefined;
    },
    /** "too_few" under two points, else null. */
    get problem() {
      return points.length < 2 ? 'too_few' : null;
    },
    get lengthM() {
      return lineLengthM(points);
    },
    /** The GeoJSON LineString, or null under two points. */
    line() {
      return points.length < 2 ? null : { type: 'LineString', coordinates: points.map(([lon, lat]) => [lon, lat]) };
    },
  };
}

// A search area drawn by clicking its corners on the map: the corners so far, undo, whether the
// outline can be closed (three corners at least, no edge crossing another, at most the 2,500 km²
// the server takes), and the GeoJSON Polygon it makes. The geometry checks serve imported
// files too. No DOM here, so tests/area-drawing.test.mjs runs it in node; js/area-draw.js draws.

/** The largest area the server splits into squares: 2,500 km². */
export const MAX_AREA_M2 = 2.5e9;
const EARTH_RADIUS_M = 6378137;
// Coordinates are kept to 6 decimals (about 0.1 m): more says nothing a click can mean.
const round6 = (x) => Math.round(x * 1e6) / 1e6;

const samePosition = (a, b) => a[0] === b[0] && a[1] === b[1];

/**
 * Area in m² of a ring of [lon, lat] positions (closed or not) on the sphere: the formula of
 * Chamberlain and Duquette (NASA JPL, 2007), close enough to the server's for a preview.
 */
export function ringAreaM2(ring) {
  const points = openRing(ring);
  if (points.length < 3) return 0;
  const rad = Math.PI / 180;
  let sum = 0;
  for (let i = 0; i < points.length; i += 1) {
    const [lon1, lat1] = points[i];
    const [lon2, lat2] = points[(i + 1) % points.length];
    sum += (lon2 - lon1) * rad * (2 + Math.sin(lat1 * rad) + Math.sin(lat2 * rad));
  }
  return Math.abs((sum * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2);
}

/** Area in m² of a GeoJSON Polygon's coordinates: the outer ring less its holes. */
export function polygonAreaM2(coordinates) {
  if (!Array.isArray(coordinates) || coordinates.length === 0) return 0;
  const [outer, ...holes] = coordinates;
  return Math.max(0, ringAreaM2(outer) - holes.reduce((total, hole) => total + ringAreaM2(hole), 0));
}

/** The ring without its closing position (the last, when it repeats the first). */
function openRing(ring) {
  const points = Array.isArray(ring) ? ring : [];
  if (points.length > 1 && samePosition(points[0], points[points.length - 1])) return points.slice(0, -1);
  return points;
}

// Which side of the line a→b the point c lies on: +1, -1, or 0 on it.
function side(a, b, c) {
  const cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  if (Math.abs(cross) < 1e-18) return 0;
  return cross > 0 ? 1 : -1;
}

const within = (a, b, c) => Math.min(a[0], b[0]) <= c[0] && c[0] <= Math.max(a[0], b[0])
  && Math.min(a[1], b[1]) <= c[1] && c[1] <= Math.max(a[1], b[1]);

/** Whether segments p1-p2 and q1-q2 touch or cross (in the plane of longitude and latitude). */
export function segmentsMeet(p1, p2, q1, q2) {
  const d1 = side(q1, q2, p1);
  const d2 = side(q1, q2, p2);
  const d3 = side(p1, p2, q1);
  const d4 = side(p1, p2, q2);
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 === 0 && within(q1, q2, p1)) || (d2 === 0 && within(q1, q2, p2))
    || (d3 === 0 && within(p1, p2, q1)) || (d4 === 0 && within(p1, p2, q2));
}

/**
 * Whether a ring of [lon, lat] (closed or not) crosses or touches itself: two edges that are not
 * neighbours meet, or a corner is repeated. Such a polygon is not valid and the server refuses it.
 */
export function ringCrossesItself(ring) {
  const points = openRing(ring);
  const n = points.length;
  if (n < 3) return false;
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 1; j < n; j += 1) {
      if (samePosition(points[i], points[j])) return true;
    }
  }
  if (n === 3) return side(points[0], points[1], points[2]) === 0; // three corners in a line
  for (let i = 0; i < n; i += 1) {
    const a1 = points[i];
    const a2 = points[(i + 1) % n];
    for (let j = i + 2; j < n; j += 1) {
      if (i === 0 && j === n - 1) continue; // the first and the last edge share the first corner
      if (segmentsMeet(a1, a2, points[j], points[(j + 1) % n])) return true;
    }
  }
  return false;
}

/**
 * What keeps a ring from being a search area: "too_few" (under three corners), "crosses" (it
 * crosses itself), "too_big" (over 2,500 km²), or null when it can be sent.
 */
export function ringProblem(ring) {
  if (openRing(ring).length < 3) return 'too_few';
  if (ringCrossesItself(ring)) return 'crosses';
  if (ringAreaM2(ring) > MAX_AREA_M2) return 'too_big';
  return null;
}

/** A GeoJSON Polygon of one ring from open [lon, lat] positions (closed here). */
export function polygonOf(positions) {
  const ring = openRing(positions).map(([lon, lat]) => [lon, lat]);
  return { type: 'Polygon', coordinates: [[...ring, [...ring[0]]]] };
}

/**
 * The corners clicked so far. `add({lat, lon})` answers false for a click on the last corner
 * again (a double click); the outline may cross itself while drawing, but then `problem` says
 * so and `polygon()` answers null.
 */
export function createAreaDrawing() {
  const corners = []; // [lon, lat]

  return {
    /** The corners, as {lat, lon}. */
    get corners() {
      return corners.map(([lon, lat]) => ({ lat, lon }));
    },
    get count() {
      return corners.length;
    },
    add(point) {
      if (!Number.isFinite(point?.lat) || !Number.isFinite(point?.lon)) return false;
      if (Math.abs(point.lat) > 90 || Math.abs(point.lon) > 180) return false;
      const position = [round6(point.lon), round6(point.lat)];
      if (corners.length && samePosition(corners[corners.length - 1], position)) return false;
      corners.push(position);
      return true;
    },
    /** Takes the last corner back; false when there is none. */
    undo() {
      return corners.pop() !== undefined;
    },
    clear() {
      corners.length = 0;
    },
    /** Null when the outline can be closed and sent, else "too_few", "crosses" or "too_big". */
    get problem() {
      return ringProblem(corners);
    },
    /** The closed outline's area in m² (0 under three corners). */
    get areaM2() {
      return ringAreaM2(corners);
    },
    /** The GeoJSON Polygon, or null while `problem` is not null. */
    polygon() {
      return this.problem === null ? polygonOf(corners) : null;
    },
  };
}

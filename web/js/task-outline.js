// What the live map draws of the watched operation's unfinished tasks (js/task-outlines-layer.js):
// the outer outline of each task's squares (the edges two of its squares share are left out, so a
// block of squares reads as one shape), its route, and where its number goes. No DOM here, so
// tests/task-outline.test.mjs runs it in node.
//
// Neighbouring squares of a grid share their corners exactly (the server draws them from one
// grid), but a square cut by the area's edge has a corner part-way along its neighbour's side:
// every side is first split at the corners of the others that lie on it, then the pieces found
// twice are dropped. What cannot be matched (squares of two areas that overlap) is simply drawn:
// at worst an inner line shows.

import { isFinished } from './field-tasks.js';

// Metres: a corner this close to a side lies on it (coordinates come with 7 decimals, ~1 cm).
const ON_SIDE_M = 0.05;
const METRES_PER_DEGREE = 111320;

const pointKey = ([lon, lat]) => `${lon},${lat}`;

// The rings of a GeoJSON Polygon or MultiPolygon (outer rings and holes).
function ringsOf(geometry) {
  if (geometry?.type === 'Polygon') return Array.isArray(geometry.coordinates) ? geometry.coordinates : [];
  if (geometry?.type === 'MultiPolygon') return (Array.isArray(geometry.coordinates) ? geometry.coordinates : []).flat();
  return [];
}

const isPosition = (p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]);

/**
 * The outer outline of the union of `geometries` (GeoJSON Polygons or MultiPolygons that touch
 * along their sides, as squares do): a list of lines, each a list of [lon, lat] positions (closed
 * lines end where they start). Empty for nothing.
 */
export function outlineOf(geometries) {
  const sides = [];
  const corners = new Map(); // key -> position
  for (const geometry of geometries || []) {
    for (const ring of ringsOf(geometry)) {
      if (!Array.isArray(ring)) continue;
      const points = ring.filter(isPosition).map(([lon, lat]) => [lon, lat]);
      for (let i = 0; i + 1 < points.length; i += 1) {
        const a = points[i];
        const b = points[i + 1];
        if (pointKey(a) === pointKey(b)) continue;
        sides.push([a, b]);
        corners.set(pointKey(a), a);
        corners.set(pointKey(b), b);
      }
    }
  }
  if (sides.length === 0) return [];

  // A local flat projection in metres, enough to tell whether a corner lies on a side.
  const all = [...corners.values()];
  const lat0 = all.reduce((sum, [, lat]) => sum + lat, 0) / all.length;
  const kx = METRES_PER_DEGREE * Math.cos((lat0 * Math.PI) / 180);
  const flat = ([lon, lat]) => [lon * kx, lat * METRES_PER_DEGREE];
  const flatCorners = all.map((p) => ({ p, xy: flat(p) }));

  // Each side split at the corners on it, in order from its start.
  const pieces = new Map(); // undirected key -> {a, b, count}
  for (const [a, b] of sides) {
    const [ax, ay] = flat(a);
    const [bx, by] = flat(b);
    const dx = bx - ax;
    const dy = by - ay;
    const length2 = dx * dx + dy * dy;
    const minX = Math.min(ax, bx) - ON_SIDE_M;
    const maxX = Math.max(ax, bx) + ON_SIDE_M;
    const minY = Math.min(ay, by) - ON_SIDE_M;
    const maxY = Math.max(ay, by) + ON_SIDE_M;
    const cuts = [];
    for (const { p, xy: [x, y] } of flatCorners) {
      if (x < minX || x > maxX || y < minY || y > maxY) continue;
      const along = ((x - ax) * dx + (y - ay) * dy) / length2;
      if (along <= 0 || along >= 1) continue;
      const across = Math.abs((x - ax) * dy - (y - ay) * dx) / Math.sqrt(length2);
      if (across > ON_SIDE_M) continue;
      const key = pointKey(p);
      if (key === pointKey(a) || key === pointKey(b)) continue;
      cuts.push({ along, p });
    }
    cuts.sort((one, other) => one.along - other.along);
    const chain = [a, ...cuts.map(({ p }) => p), b];
    for (let i = 0; i + 1 < chain.length; i += 1) {
      const from = chain[i];
      const to = chain[i + 1];
      const [k1, k2] = [pointKey(from), pointKey(to)];
      if (k1 === k2) continue;
      const key = k1 < k2 ? `${k1}|${k2}` : `${k2}|${k1}`;
      const piece = pieces.get(key);
      if (piece) piece.count += 1;
      else pieces.set(key, { a: from, b: to, count: 1 });
    }
  }

  // The pieces found once are the outline: joined end to end into lines.
  const outer = [...pieces.values()].filter(({ count }) => count % 2 === 1);
  const byCorner = new Map(); // corner key -> pieces touching it
  for (const piece of outer) {
    for (const end of [piece.a, piece.b]) {
      const key = pointKey(end);
      if (!byCorner.has(key)) byCorner.set(key, []);
      byCorner.get(key).push(piece);
    }
  }
  const used = new Set();
  const lines = [];
  for (const start of outer) {
    if (used.has(start)) continue;
    used.add(start);
    const line = [start.a, start.b];
    // Forwards from the end, then backwards from the start.
    for (const forwards of [true, false]) {
      for (;;) {
        const tip = forwards ? line[line.length - 1] : line[0];
        const next = (byCorner.get(pointKey(tip)) || []).find((piece) => !used.has(piece));
        if (!next) break;
        used.add(next);
        const other = pointKey(next.a) === pointKey(tip) ? next.b : next.a;
        if (forwards) line.push(other);
        else line.unshift(other);
      }
    }
    lines.push(line);
  }
  return lines;
}

// The middle of a ring's bounding box: where a square's label goes.
function middleOf(geometry) {
  const points = ringsOf(geometry).flat().filter(isPosition);
  if (!points.length) return null;
  const lons = points.map(([lon]) => lon);
  const lats = points.map(([, lat]) => lat);
  return [(Math.min(...lons) + Math.max(...lons)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2];
}

// The middle of the route's middle leg.
function middleOfRoute(route) {
  const i = Math.floor((route.length - 2) / 2);
  const [a, b] = [route[i], route[i + 1]];
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

const routeOf = (route) => (route?.type === 'LineString' && Array.isArray(route.coordinates)
  ? route.coordinates.filter(isPosition).map(([lon, lat]) => [lon, lat])
  : []);

/**
 * What to draw of `tasks` (GET /api/operations/{id}/tasks) over the squares of `collection` (the
 * operation's GeoJSON squares): for each unfinished task with squares on show or a route,
 * {id, number, status, outline (lines of [lon, lat]), route ([lon, lat] positions, or []),
 * labelAt ([lon, lat]: the middle of its first square on show, else of its route)}, in the
 * tasks' order.
 */
export function taskOutlines(tasks, collection) {
  const squares = new Map();
  for (const feature of Array.isArray(collection?.features) ? collection.features : []) {
    const id = feature?.id ?? feature?.properties?.id;
    if (id !== undefined && id !== null && feature.geometry) squares.set(String(id), feature.geometry);
  }
  const drawn = [];
  for (const task of Array.isArray(tasks) ? tasks : []) {
    if (!task?.id || isFinished(task.status)) continue;
    const geometries = (Array.isArray(task.squares) ? task.squares : [])
      .map((square) => squares.get(String(square?.id)))
      .filter(Boolean);
    const route = routeOf(task.route);
    if (!geometries.length && route.length < 2) continue;
    const labelAt = geometries.length ? middleOf(geometries[0]) : middleOfRoute(route);
    drawn.push({
      id: String(task.id),
      number: task.number ?? null,
      status: task.status ?? null,
      outline: outlineOf(geometries),
      route: route.length >= 2 ? route : [],
      labelAt,
    });
  }
  return drawn;
}

// A task's route drawn point by point (js/route-drawing.js): undo, a double click, the line it
// makes (open, two points at least) and its length.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createRouteDrawing, distanceM, isRoute, lineLengthM, sameRoute } from '../js/route-drawing.js';

test('points are added and taken back one by one; a double click adds one point', () => {
  const drawing = createRouteDrawing();
  assert.equal(drawing.problem, 'too_few');
  assert.equal(drawing.line(), null);
  assert.equal(drawing.add({ lat: 56.1, lon: 36.8 }), true);
  assert.equal(drawing.add({ lat: 56.1, lon: 36.8 }), false, 'the same point again is a double click');
  assert.equal(drawing.line(), null, 'one point is no route');
  drawing.add({ lat: 56.109, lon: 36.8 });
  assert.equal(drawing.problem, null);
  assert.equal(drawing.undo(), true);
  assert.equal(drawing.count, 1);
  drawing.undo();
  assert.equal(drawing.undo(), false);
  assert.equal(drawing.add({ lat: 91, lon: 0 }), false);
  assert.equal(drawing.add({ lat: Number.NaN, lon: 0 }), false);
});

test('the route is an open GeoJSON LineString in [lon, lat], which may go back on itself', () => {
  const drawing = createRouteDrawing();
  for (const point of [{ lat: 56.1, lon: 36.8 }, { lat: 56.109, lon: 36.8 }, { lat: 56.1, lon: 36.8 }]) drawing.add(point);
  const line = drawing.line();
  assert.deepEqual(line, { type: 'LineString', coordinates: [[36.8, 56.1], [36.8, 56.109], [36.8, 56.1]] });
  assert.equal(isRoute(line), true);
  // 0.009° of latitude is about 1 km: there and back, about 2 km.
  assert.ok(Math.abs(drawing.lengthM - 2001) < 5, String(drawing.lengthM));
  assert.equal(Math.round(lineLengthM(line)), Math.round(drawing.lengthM));
});

test('coordinates are kept to six decimals', () => {
  const drawing = createRouteDrawing();
  drawing.add({ lat: 56.123456789, lon: 36.987654321 });
  drawing.add({ lat: 56.2, lon: 36.9 });
  assert.deepEqual(drawing.line().coordinates[0], [36.987654, 56.123457]);
});

test('what is a route, and when two are the same', () => {
  const a = { type: 'LineString', coordinates: [[36.8, 56.1], [36.81, 56.1]] };
  assert.equal(isRoute(a), true);
  assert.equal(isRoute({ type: 'LineString', coordinates: [[36.8, 56.1]] }), false);
  assert.equal(isRoute({ type: 'Polygon', coordinates: [] }), false);
  assert.equal(isRoute(null), false);
  assert.equal(sameRoute(a, { type: 'LineString', coordinates: [[36.8, 56.1], [36.81, 56.1]] }), true);
  assert.equal(sameRoute(a, { type: 'LineString', coordinates: [[36.8, 56.1], [36.82, 56.1]] }), false);
  assert.equal(sameRoute(a, null), false);
  assert.equal(sameRoute(null, undefined), true);
  assert.equal(lineLengthM(null), 0);
  assert.ok(Math.abs(distanceM({ lat: 0, lon: 0 }, { lat: 0, lon: 1 }) - 111195) < 10);
});

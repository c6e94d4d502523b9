// Drawing a search area corner by corner (js/area-drawing.js): undo, the checks before it can be
// sent (three corners, no crossing, at most 2,500 km²), the polygon it makes, its area.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  createAreaDrawing, polygonAreaM2, ringAreaM2, ringCrossesItself, ringProblem,
} from '../js/area-drawing.js';

// A square about 1 km a side near Durykino (56.1° N): 0.009° of latitude, 0.0161° of longitude.
const SQUARE = [{ lat: 56.1, lon: 36.8 }, { lat: 56.1, lon: 36.8161 }, { lat: 56.109, lon: 36.8161 }, { lat: 56.109, lon: 36.8 }];

test('corners are added and taken back one by one; a double click adds one corner', () => {
  const drawing = createAreaDrawing();
  assert.equal(drawing.add(SQUARE[0]), true);
  assert.equal(drawing.add(SQUARE[0]), false, 'the same corner again is a double click');
  drawing.add(SQUARE[1]);
  assert.equal(drawing.count, 2);
  assert.equal(drawing.undo(), true);
  assert.deepEqual(drawing.corners, [SQUARE[0]]);
  drawing.undo();
  assert.equal(drawing.undo(), false);
  assert.equal(drawing.add({ lat: 91, lon: 0 }), false);
  assert.equal(drawing.add({ lat: Number.NaN, lon: 0 }), false);
});

test('an outline of fewer than three corners cannot be closed', () => {
  const drawing = createAreaDrawing();
  drawing.add(SQUARE[0]);
  drawing.add(SQUARE[1]);
  assert.equal(drawing.problem, 'too_few');
  assert.equal(drawing.polygon(), null);
});

test('a closed outline becomes a GeoJSON Polygon in [lon, lat], its ring closed', () => {
  const drawing = createAreaDrawing();
  for (const corner of SQUARE) drawing.add(corner);
  assert.equal(drawing.problem, null);
  assert.deepEqual(drawing.polygon(), {
    type: 'Polygon',
    coordinates: [[[36.8, 56.1], [36.8161, 56.1], [36.8161, 56.109], [36.8, 56.109], [36.8, 56.1]]],
  });
  // 0.009° of latitude is 1,001 m; 0.0161° of longitude at 56.1° is 1,000 m.
  const area = drawing.areaM2;
  assert.ok(area > 0.99e6 && area < 1.01e6, String(area));
});

test('an outline that crosses itself (a bow tie) cannot be sent; undo mends it', () => {
  const drawing = createAreaDrawing();
  for (const corner of [SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3]]) drawing.add(corner);
  assert.equal(drawing.problem, 'crosses');
  assert.equal(drawing.polygon(), null);
  drawing.undo();
  assert.equal(drawing.problem, null, 'a triangle is fine');
});

test('crossing and touching are found, neighbouring edges are not', () => {
  const ring = SQUARE.map(({ lat, lon }) => [lon, lat]);
  assert.equal(ringCrossesItself(ring), false);
  assert.equal(ringCrossesItself([...ring, ring[0]]), false, 'a closed ring too');
  assert.equal(ringCrossesItself([[0, 0], [2, 0], [1, 0]]), true, 'three corners in a line');
  assert.equal(ringCrossesItself([[0, 0], [2, 0], [2, 2], [1, 0], [0, 2]]), true, 'a corner on another edge');
  assert.equal(ringCrossesItself([[0, 0], [1, 1], [2, 0], [1, 1], [1, 2]]), true, 'a corner repeated');
  assert.equal(ringCrossesItself([[0, 0], [4, 0], [4, 4], [2, 1], [0, 4]]), false, 'concave but simple');
});

test('an area over 2,500 km² is refused before it is sent', () => {
  // One degree by one at 56° N: about 111 × 62 km.
  assert.equal(ringProblem([[36, 56], [37, 56], [37, 57], [36, 57]]), 'too_big');
  assert.equal(ringProblem([[36, 56], [36.2, 56], [36.2, 56.2], [36, 56.2]]), null);
});

test('a hole is taken out of the area', () => {
  const outer = [[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]];
  const hole = [[0.0025, 0.0025], [0.0075, 0.0025], [0.0075, 0.0075], [0.0025, 0.0075], [0.0025, 0.0025]];
  const whole = ringAreaM2(outer);
  assert.ok(Math.abs(polygonAreaM2([outer, hole]) - whole * 0.75) < whole * 0.001);
});

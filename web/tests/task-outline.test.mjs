// The outline of a task's squares on the live map: the sides two squares share are left out,
// also where a square cut by the area's edge meets its neighbour part-way along a side.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { outlineOf, taskOutlines } from '../js/task-outline.js';

const D = 0.004; // about 250 m of latitude
const square = (col, row, { east = 1 } = {}) => {
  const w = 37 + col * D;
  const s = 55 + row * D;
  return {
    type: 'Polygon',
    coordinates: [[[w, s], [w + D * east, s], [w + D * east, s + D], [w, s + D], [w, s]]],
  };
};

const key = ([lon, lat]) => `${lon.toFixed(7)},${lat.toFixed(7)}`;
// The pieces of the lines, as undirected keys: lines may start anywhere and run either way.
const piecesOf = (lines) => lines.flatMap((line) => line.slice(1).map((p, i) => {
  const [a, b] = [key(line[i]), key(p)];
  return a < b ? `${a}|${b}` : `${b}|${a}`;
})).sort();

test('one square is its own outline, closed', () => {
  const lines = outlineOf([square(0, 0)]);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].length, 5);
  assert.deepEqual(lines[0][0], lines[0][4]);
});

test('a 2×2 block of squares is outlined as one ring of eight sides, without the inner cross', () => {
  const lines = outlineOf([square(0, 0), square(1, 0), square(0, 1), square(1, 1)]);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].length, 9, 'eight pieces, closed');
  assert.deepEqual(lines[0][0], lines[0][8]);
  const inner = [37 + D, 55 + D];
  // The middle corner is on no outer piece.
  assert.ok(!lines[0].some((p) => key(p) === key(inner)));
});

test('a square cut short by the area meets its full neighbour part-way along the shared side', () => {
  // A full square on the left; on its right a square cut to 60% of its height (the area's edge).
  const left = square(0, 0);
  const w = 37 + D;
  const right = { type: 'Polygon', coordinates: [[[w, 55], [w + D, 55], [w + D, 55 + 0.6 * D], [w, 55 + 0.6 * D], [w, 55]]] };
  const lines = outlineOf([left, right]);
  const expected = piecesOf([
    [[37, 55], [w, 55], [w + D, 55], [w + D, 55 + 0.6 * D], [w, 55 + 0.6 * D], [w, 55 + D], [37, 55 + D], [37, 55]],
  ]);
  assert.deepEqual(piecesOf(lines), expected);
  assert.equal(lines.length, 1, 'one closed line');
});

test('squares apart are outlined apart; MultiPolygons and junk are taken as they come', () => {
  const multi = { type: 'MultiPolygon', coordinates: [square(5, 5).coordinates] };
  const lines = outlineOf([square(0, 0), multi, null, { type: 'Point', coordinates: [1, 2] }]);
  assert.equal(lines.length, 2);
  assert.deepEqual(outlineOf([]), []);
});

test('tasks: unfinished ones with squares on show or a route, labelled on their first square', () => {
  const collection = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', id: 11, properties: { id: 11 }, geometry: square(0, 0) },
      { type: 'Feature', id: 12, properties: { id: 12 }, geometry: square(1, 0) },
    ],
  };
  const route = { type: 'LineString', coordinates: [[37, 55], [37.01, 55], [37.01, 55.01], [37.02, 55.01]] };
  const tasks = [
    { id: 't1', number: 1, status: 'in_progress', squares: [{ id: 12, label: 'А-2' }, { id: 11, label: 'А-1' }], route: null },
    { id: 't2', number: 2, status: 'done', squares: [{ id: 11, label: 'А-1' }] },
    { id: 't3', number: 3, status: 'planned', squares: [], route },
    { id: 't4', number: 4, status: 'assigned', squares: [{ id: 99, label: 'Я-1' }] },
    { id: 't5', number: 5, status: 'cancelled', squares: [], route },
  ];
  const drawn = taskOutlines(tasks, collection);
  assert.deepEqual(drawn.map((one) => one.number), [1, 3]);
  const [first, third] = drawn;
  assert.equal(first.outline.length, 1);
  assert.equal(first.outline[0].length, 7, 'a 2×1 block: six pieces, closed');
  assert.deepEqual(first.route, []);
  assert.deepEqual(first.labelAt.map((x) => Number(x.toFixed(7))), [37 + 1.5 * D, 55 + D / 2].map((x) => Number(x.toFixed(7))));
  assert.deepEqual(third.outline, []);
  assert.equal(third.route.length, 4);
  assert.deepEqual(third.labelAt.map((x) => Number(x.toFixed(7))), [37.01, 55.005], 'the middle of the middle leg');
  assert.deepEqual(taskOutlines(null, null), []);
});

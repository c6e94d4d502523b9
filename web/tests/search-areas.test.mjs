// The search areas of an operation (js/search-areas.js), as GET /api/operations/{id}/areas
// answers them.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { operationAreas } from '../js/search-areas.js';

const polygon = { type: 'Polygon', coordinates: [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0]]] };

test('an operation\'s areas keep the server\'s order, with their size, squares and share swept', () => {
  const areas = operationAreas([
    { id: 'a1', name: 'North', area_m2: 100000, geometry: polygon, cell_size_m: 250, squares: 2, swept_m2: 31250 },
    { id: 'a2', name: 'South', area_m2: 1.5e6, geometry: polygon, cell_size_m: null, squares: 0, swept_m2: 0 },
  ]);
  assert.deepEqual(areas, [
    { id: 'a1', name: 'North', areaM2: 100000, geometry: polygon, cellSize: 250, squares: 2, swept: 0.3125 },
    { id: 'a2', name: 'South', areaM2: 1.5e6, geometry: polygon, cellSize: null, squares: 0, swept: 0 },
  ]);
});

test('the share swept stays between 0 and 1, and is 0 without squares or size', () => {
  const [rounded, empty, sizeless] = operationAreas([
    { id: 'a', name: 'A', area_m2: 62500, cell_size_m: 250, squares: 1, swept_m2: 62500.4 },
    { id: 'b', name: 'B', area_m2: 62500, cell_size_m: null, squares: 0, swept_m2: 10 },
    { id: 'c', name: 'C', area_m2: 0, cell_size_m: 50, squares: 1, swept_m2: 0 },
  ]);
  assert.equal(rounded.swept, 1);
  assert.equal(empty.swept, 0);
  assert.equal(sizeless.swept, 0);
});

test('anything but a list is no areas; odd fields are left out, not passed on', () => {
  assert.deepEqual(operationAreas(null), []);
  assert.deepEqual(operationAreas({ type: 'FeatureCollection', features: [] }), []);
  const [area] = operationAreas([null, { name: 'no id' }, { id: 'x', geometry: { type: 'Point', coordinates: [0, 0] }, squares: -1 }]);
  assert.deepEqual(area, { id: 'x', name: '', areaM2: null, geometry: null, cellSize: null, squares: 0, swept: 0 });
});

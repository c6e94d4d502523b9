// The search areas of an operation (js/search-areas.js), put together from its squares, the map's
// areas and this console's memory of the areas it made.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { caseAreasFrom, createAreaMemory, operationAreas } from '../js/search-areas.js';

const square = (areaId, areaM2, geometric) => ({
  type: 'Feature', geometry: null, properties: { kind: 'square', area_id: areaId, area_m2: areaM2, geometric },
});
const mapFeatures = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0]]] }, properties: { kind: 'search_area', id: 'a1', case_id: 'c1', name: 'North' } },
    { type: 'Feature', geometry: null, properties: { kind: 'search_area', id: 'a2', case_id: 'c1', name: 'South' } },
    { type: 'Feature', geometry: null, properties: { kind: 'search_area', id: 'x', case_id: 'c2', name: 'Elsewhere' } },
    { type: 'Feature', geometry: null, properties: { kind: 'last_seen', id: 'c1', case_id: 'c1', name: 'Ivan' } },
  ],
};

function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)) };
}

test('the case\'s areas are taken from the map\'s layers', () => {
  const areas = caseAreasFrom(mapFeatures, 'c1');
  assert.deepEqual([...areas.keys()], ['a1', 'a2']);
  assert.equal(areas.get('a1').name, 'North');
});

test('an operation\'s areas are those of its squares, with their size and the share swept', () => {
  const squares = { type: 'FeatureCollection', features: [square('a2', 62500, 0.5), square('a2', 37500, 0), square('a1', 62500, 1)] };
  const areas = operationAreas({ squares, caseAreas: caseAreasFrom(mapFeatures, 'c1') });
  assert.deepEqual(areas.map(({ id, name, squares: n, areaM2, swept }) => ({ id, name, n, areaM2, swept })), [
    { id: 'a2', name: 'South', n: 2, areaM2: 100000, swept: 0.3125 },
    { id: 'a1', name: 'North', n: 1, areaM2: 62500, swept: 1 },
  ]);
});

test('an area made here without squares yet is listed after, with what is remembered', () => {
  const squares = { type: 'FeatureCollection', features: [square('a1', 62500, 0)] };
  const made = [{ id: 'a1', name: 'North', area_m2: 62000, cell_size_m: 250 }, { id: 'a9', name: 'New one', area_m2: 1.5e6, cell_size_m: 500 }];
  const areas = operationAreas({ squares, caseAreas: new Map(), made });
  assert.deepEqual(areas.map(({ id, name, squares: n, areaM2, cellSize }) => ({ id, name, n, areaM2, cellSize })), [
    { id: 'a1', name: 'North', n: 1, areaM2: 62500, cellSize: 250 },
    { id: 'a9', name: 'New one', n: 0, areaM2: 1.5e6, cellSize: 500 },
  ]);
});

test('without squares or memory an operation has no areas; an unnamed one is null', () => {
  assert.deepEqual(operationAreas({ squares: null }), []);
  const areas = operationAreas({ squares: { type: 'FeatureCollection', features: [square('zz', 100, 0)] } });
  assert.equal(areas[0].name, null);
  assert.equal(areas[0].cellSize, null);
});

test('the memory of areas made here lasts across reloads and is kept per operation', () => {
  const storage = memoryStorage();
  const memory = createAreaMemory(storage);
  memory.remember('a1', { operation_id: 'op1', name: 'North', area_m2: 1e6 }, 1);
  memory.remember('a2', { operation_id: 'op2', name: 'Other', area_m2: 2e6 }, 2);
  memory.remember('a1', { cell_size_m: 500 }, 3);
  const again = createAreaMemory(storage);
  assert.deepEqual(again.ofOperation('op1'), [{ id: 'a1', operation_id: 'op1', name: 'North', area_m2: 1e6, cell_size_m: 500, at: 1 }]);
  assert.equal(again.get('a2').name, 'Other');
  assert.equal(again.get('nope'), null);
});

test('unreadable storage, or none, leaves an empty memory that still works', () => {
  const broken = { getItem: () => '{not json', setItem: () => { throw new Error('full'); } };
  const memory = createAreaMemory(broken);
  memory.remember('a1', { operation_id: 'op1' });
  assert.equal(memory.ofOperation('op1').length, 1);
  assert.equal(createAreaMemory(null).ofOperation('op1').length, 0);
});

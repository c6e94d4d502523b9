// Setting an operation's POA (js/poa.js): the distance rings of a category and as typed, the
// weights given by hand, and the squares where the next group should go.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cycleWeight, defaultRings, kmText, likeliestSquares, nextWeight, poaSet, readRings, ringCategory, sameRings,
  totalPoa, weightsBody,
} from '../js/poa.js';

test('the rings of each category are the server\'s (docs/coverage.md), an unknown one an adult\'s', () => {
  assert.deepEqual(defaultRings('child'), [300, 700, 1200, 2400]);
  assert.deepEqual(defaultRings('teenager'), [800, 1600, 3000, 6000]);
  assert.deepEqual(defaultRings('adult'), [1100, 2000, 3400, 6000]);
  assert.deepEqual(defaultRings('elderly'), [500, 1000, 1800, 3300]);
  assert.deepEqual(defaultRings('dementia'), [300, 800, 1600, 3000]);
  assert.deepEqual(defaultRings('something else'), defaultRings('adult'));
  assert.equal(ringCategory(null), 'adult');
  assert.equal(ringCategory('toString'), 'adult');
  const rings = defaultRings('child');
  rings[0] = 1;
  assert.equal(defaultRings('child')[0], 300, 'a copy is given');
});

test('distances are shown and typed in kilometres, sent in whole metres', () => {
  assert.deepEqual(defaultRings('child').map(kmText), ['0.3', '0.7', '1.2', '2.4']);
  assert.deepEqual(readRings(['0,3', '0.7', ' 1.2 ', '2,4']), { ok: true, rings_m: [300, 700, 1200, 2400] });
  assert.deepEqual(readRings(['1', '2', '3.4', '6']), { ok: true, rings_m: [1000, 2000, 3400, 6000] });
  assert.equal(sameRings(readRings(['0,3', '0.7', '1.2', '2,4']).rings_m, defaultRings('child')), true);
  assert.equal(sameRings([300, 700, 1200, 2500], defaultRings('child')), false);
});

test('empty, zero, unreadable or far-fetched distances are refused, each named', () => {
  assert.deepEqual(readRings(['', '0', 'два', '250']), { ok: false, invalid: [0, 1, 2, 3], problem: 'invalid' });
  assert.deepEqual(readRings(['1', '2', '3']), { ok: false, invalid: [3], problem: 'invalid' });
  assert.deepEqual(readRings(null).problem, 'invalid');
});

test('each distance must be further than the one before', () => {
  assert.deepEqual(readRings(['1', '1', '3', '6']), { ok: false, invalid: [1], problem: 'not_growing' });
  assert.deepEqual(readRings(['1', '2', '1.5', '6']), { ok: false, invalid: [2], problem: 'not_growing' });
  // 1.0001 km and 1 km are the same metre.
  assert.deepEqual(readRings(['1', '1.0001', '3', '6']).problem, 'not_growing');
});

test('a click on a square goes 0 → 1 → 2 → 3 → 0', () => {
  assert.deepEqual([undefined, 0, 1, 2, 3, 7, -1, 1.5].map(nextWeight), [1, 1, 2, 3, 0, 0, 1, 1]);
  let weights = new Map();
  weights = cycleWeight(weights, 12);
  assert.deepEqual([...weights], [['12', 1]]);
  weights = cycleWeight(cycleWeight(weights, '12'), 13);
  assert.deepEqual([...weights], [['12', 2], ['13', 1]]);
  const before = weights;
  weights = cycleWeight(cycleWeight(weights, 12), 12);
  assert.deepEqual([...weights], [['13', 1]], 'back to 0: the square has no weight');
  assert.deepEqual([...before], [['12', 2], ['13', 1]], 'the Map given is not changed');
});

test('the weights are sent for the squares that have one, with their ids as numbers', () => {
  const weights = new Map([['12', 3], ['13', 1], ['14', 0]]);
  assert.deepEqual(weightsBody(weights), { squares: [{ id: 12, weight: 3 }, { id: 13, weight: 1 }] });
  assert.deepEqual(weightsBody(new Map()), { squares: [] });
});

const square = (id, label, poa, area = 'North') => ({ type: 'Feature', id, properties: { id, label, poa, area_name: area } });

test('the likeliest squares are those of the highest current POA, highest first', () => {
  const features = [
    square(1, 'А-1', 0.05), square(2, 'А-2', 0.30), square(3, 'А-3', 0.10), square(4, 'Б-1', 0.30),
    square(5, 'Б-2', 0), square(6, 'Б-3', 0.2), square(7, 'Б-10', 0.02), square(8, 'Б-4', 0.03),
  ];
  const top = likeliestSquares(features, 5);
  assert.deepEqual(top.map((s) => s.label), ['А-2', 'Б-1', 'Б-3', 'А-3', 'А-1']);
  assert.deepEqual(top[0], { id: 2, label: 'А-2', areaName: 'North', poa: 0.3 });
  assert.ok(Math.abs(totalPoa(top) - 0.95) < 1e-9);
  assert.deepEqual(likeliestSquares(features, 2).map((s) => s.id), [2, 4]);
  assert.deepEqual(likeliestSquares([square(1, 'А-1', null)]), [], 'no POA set: none');
  assert.deepEqual(likeliestSquares(null), []);
});

test('a POA is set when any square has one', () => {
  assert.equal(poaSet([square(1, 'А-1', null), square(2, 'А-2', 0)]), true);
  assert.equal(poaSet([square(1, 'А-1', null)]), false);
  assert.equal(poaSet(undefined), false);
});

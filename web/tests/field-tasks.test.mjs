// The rules shared by the console, the task sheet and the phone for an operation's tasks
// (js/field-tasks.js): the status changes allowed, squares named by typing their labels, and
// the order of the squares picked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  isFinished, labelKey, leaderNextStatuses, moveInOrder, nextStatuses, sameOrder, squareList, squaresFromText,
  toggleInOrder,
} from '../js/field-tasks.js';

test('the coordinator is offered the changes the server allows', () => {
  assert.deepEqual(nextStatuses('planned'), ['cancelled'], 'no group: it cannot be given yet');
  assert.deepEqual(nextStatuses('planned', { hasGroup: true }), ['assigned', 'cancelled']);
  assert.deepEqual(nextStatuses('assigned', { hasGroup: true }), ['in_progress', 'planned', 'cancelled']);
  assert.deepEqual(nextStatuses('in_progress', { hasGroup: true }), ['done', 'partly_done', 'assigned', 'cancelled']);
  for (const status of ['done', 'partly_done', 'cancelled']) {
    assert.deepEqual(nextStatuses(status, { hasGroup: true }), [], `${status} is final`);
    assert.equal(isFinished(status), true);
  }
  assert.equal(isFinished('in_progress'), false);
});

test('the group leader reports start, then done or partly done', () => {
  assert.deepEqual(leaderNextStatuses('assigned'), ['in_progress']);
  assert.deepEqual(leaderNextStatuses('in_progress'), ['done', 'partly_done']);
  assert.deepEqual(leaderNextStatuses('planned'), []);
  assert.deepEqual(leaderNextStatuses('done'), []);
});

const squares = [
  { id: 11, label: 'Б-7' }, { id: 12, label: 'Б-8' }, { id: 13, label: 'В-8' }, { id: 14, label: 'АБ-12' },
  { id: 21, label: 'А-1' }, { id: 22, label: 'А-1' }, // two areas, each with its own А-1
];

test('typed labels find their squares in the order typed, however they are written', () => {
  assert.deepEqual(squaresFromText('Б-7, Б-8; в-8', squares), { ids: [11, 12, 13], unknown: [], ambiguous: [] });
  assert.deepEqual(squaresFromText('б7 Б 8  аб12', squares).ids, [11, 12, 14], 'no dash, a space, lower case');
  assert.deepEqual(squaresFromText('B-8', squares).ids, [13], 'Latin look-alikes for the Cyrillic letters');
  assert.deepEqual(squaresFromText('Б-7 Б-7', squares).ids, [11], 'each square once');
  assert.deepEqual(squaresFromText('', squares), { ids: [], unknown: [], ambiguous: [] });
});

test('labels not found, and labels of squares in two areas, are named', () => {
  assert.deepEqual(squaresFromText('Б-7, Я-99, А-1', squares), { ids: [11], unknown: ['Я-99'], ambiguous: ['А-1'] });
});

test('look-alikes never make two labels one', () => {
  assert.equal(labelKey('В-8'), labelKey('b8'));
  assert.notEqual(labelKey('Б-8'), labelKey('B-8'));
  assert.equal(labelKey('AB-12'), labelKey('АВ 12'));
});

test('a click adds a square at the end, or takes it out; the order can be changed', () => {
  let order = [];
  order = toggleInOrder(order, 11);
  order = toggleInOrder(order, 13);
  order = toggleInOrder(order, 12);
  assert.deepEqual(order, [11, 13, 12]);
  order = toggleInOrder(order, 13);
  assert.deepEqual(order, [11, 12]);
  assert.deepEqual(moveInOrder([11, 12, 13], 13, -1), [11, 13, 12]);
  assert.deepEqual(moveInOrder([11, 12, 13], 11, -1), [11, 12, 13], 'the first stays first');
  assert.equal(sameOrder([11, 12], ['11', '12']), true, 'ids compared as the server gives them back');
  assert.equal(sameOrder([11, 12], [12, 11]), false);
});

test('the squares of the GeoJSON the server sends', () => {
  const collection = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', id: 11, properties: { id: 11, label: 'Б-7', area_name: 'Лес' }, geometry: null },
      { type: 'Feature', properties: { id: 12, label: 'Б-8' }, geometry: null },
      { type: 'Feature', properties: { label: 'no id' }, geometry: null },
    ],
  };
  assert.deepEqual(squareList(collection), [
    { id: 11, label: 'Б-7', areaName: 'Лес' }, { id: 12, label: 'Б-8', areaName: '' },
  ]);
  assert.deepEqual(squareList(null), []);
});

// Field alerts kept by the console (js/field-alert-store.js): their state, the lists read and the
// live messages merged, the open ones across operations, an acknowledgement that sticks.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { alertState, byNewest, createFieldAlertStore, minutesSince, needsAcknowledging } from '../js/field-alert-store.js';

const alert = (id, fields = {}) => ({
  id,
  operation_id: 'op1',
  kind: 'off_task',
  task_id: 't1',
  group_id: 'g1',
  group_name: 'North',
  volunteer_id: 'v1',
  volunteer_name: 'Olga',
  since: '2026-03-12T11:00:00Z',
  raised_at: '2026-03-12T11:10:00Z',
  cleared_at: null,
  acknowledged_at: null,
  acknowledged_by_name: null,
  note: null,
  ...fields,
});

test('an alert is open, cleared by itself, or acknowledged (which wins)', () => {
  assert.equal(alertState(alert('a')), 'open');
  assert.equal(alertState(alert('a', { cleared_at: '2026-03-12T11:30:00Z' })), 'cleared');
  assert.equal(alertState(alert('a', { cleared_at: '2026-03-12T11:30:00Z', acknowledged_at: '2026-03-12T11:40:00Z' })), 'acknowledged');
  assert.equal(alertState(alert('a', { acknowledged_at: '2026-03-12T11:40:00Z' })), 'acknowledged');
  assert.equal(needsAcknowledging(alert('a', { cleared_at: '2026-03-12T11:30:00Z' })), true);
  assert.equal(needsAcknowledging(alert('a', { acknowledged_at: '2026-03-12T11:40:00Z' })), false);
});

test('lists are kept newest first, and minutes are counted from "since"', () => {
  const list = [alert('a', { raised_at: '2026-03-12T11:00:00Z' }), alert('b', { raised_at: '2026-03-12T12:00:00Z' })];
  assert.deepEqual(list.sort(byNewest).map((a) => a.id), ['b', 'a']);
  const now = Date.parse('2026-03-12T11:25:30Z');
  assert.equal(minutesSince('2026-03-12T11:00:00Z', now), 25);
  assert.equal(minutesSince('2026-03-12T12:00:00Z', now), 0);
  assert.equal(minutesSince(null, now), 0);
});

test('an operation\'s list read, then live messages: the open ones across operations', () => {
  const store = createFieldAlertStore();
  let changes = 0;
  store.subscribe(() => { changes += 1; });
  store.replaceOperation('op1', [alert('a'), alert('b', { acknowledged_at: '2026-03-12T11:20:00Z' })]);
  store.replaceOperation('op2', [alert('c', { operation_id: 'op2', kind: 'silent_group', raised_at: '2026-03-12T11:15:00Z' })]);
  assert.equal(changes, 2);
  assert.deepEqual(store.unacknowledged().map((a) => a.id), ['c', 'a']);
  // Raised at the same time: by id, as a stable order.
  assert.deepEqual(store.forOperation('op1').map((a) => a.id), ['b', 'a']);
  // A new alert arrives live.
  assert.equal(store.put(alert('d', { raised_at: '2026-03-12T11:50:00Z' })), true);
  assert.deepEqual(store.unacknowledged().map((a) => a.id), ['d', 'c', 'a']);
  // The same message again changes nothing.
  assert.equal(store.put(alert('d', { raised_at: '2026-03-12T11:50:00Z' })), false);
  // It is acknowledged (here or elsewhere): it leaves the open ones, stays in its operation's list.
  store.put(alert('d', { raised_at: '2026-03-12T11:50:00Z', acknowledged_at: '2026-03-12T11:55:00Z', note: 'ok' }));
  assert.deepEqual(store.unacknowledged().map((a) => a.id), ['c', 'a']);
  assert.equal(store.forOperation('op1').find((a) => a.id === 'd').note, 'ok');
  assert.equal(store.put(null), false);
  assert.equal(store.put({ kind: 'off_task' }), false);
});

test('a list read before an acknowledgement does not bring the alert back', () => {
  const store = createFieldAlertStore();
  store.put(alert('a', { acknowledged_at: '2026-03-12T11:20:00Z' }));
  store.replaceOperation('op1', [alert('a')]);
  assert.deepEqual(store.unacknowledged(), []);
});

test('an alert no longer in its operation\'s list is dropped; a cleared one is updated', () => {
  const store = createFieldAlertStore();
  store.replaceOperation('op1', [alert('a'), alert('b')]);
  store.replaceOperation('op1', [alert('a', { cleared_at: '2026-03-12T11:30:00Z' })]);
  assert.deepEqual(store.forOperation('op1').map((a) => [a.id, alertState(a)]), [['a', 'cleared']]);
  assert.equal(store.get('b'), null);
  assert.equal(store.replaceOperation('op1', [alert('a', { cleared_at: '2026-03-12T11:30:00Z' })]), false, 'nothing new');
  store.clear();
  assert.deepEqual(store.unacknowledged(), []);
});

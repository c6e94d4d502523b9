// A call-out's answer board put in order (js/callout-headcount.js): the headcount, recipients
// grouped by answer, delivery statuses, the state, and arrival times typed as HH:MM.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  calloutState, concernsAlert, deliveryKind, etaFromClock, groupRecipients, headcountOf, headcountReached,
} from '../js/callout-headcount.js';

const recipient = (name, fields = {}) => ({
  volunteer_id: name, name, answer: null, eta: null, vehicles: [], deliveries: [], ...fields,
});

const alert = {
  id: 'a1',
  needed: 3,
  recipients: [
    recipient('Зоя', { answer: 'going' }),
    recipient('Борис', { answer: 'going', eta: '2026-11-22T16:30:00Z', vehicles: [{ name: 'Niva', seats: 4 }] }),
    recipient('Анна', { answer: 'going', eta: '2026-11-22T15:10:00Z', vehicles: [{ seats: 2 }, { seats: 5 }] }),
    recipient('Вера', { answer: 'cant' }),
    recipient('Глеб'),
    recipient('Ада'),
  ],
};

test('going comes soonest arrival first, then those without an ETA; the others by name', () => {
  const groups = groupRecipients(alert);
  assert.deepEqual(groups.going.map((r) => r.name), ['Анна', 'Борис', 'Зоя']);
  assert.deepEqual(groups.cant.map((r) => r.name), ['Вера']);
  assert.deepEqual(groups.noAnswer.map((r) => r.name), ['Ада', 'Глеб']);
  assert.deepEqual(groupRecipients({}), { going: [], cant: [], noAnswer: [] });
});

test("the server's headcount is shown as it is", () => {
  const counted = headcountOf({ ...alert, headcount: { needed: 20, going: 7, cant: 3, no_answer: 31, seats: 12 } });
  assert.deepEqual(counted, { needed: 20, going: 7, cant: 3, no_answer: 31, seats: 12 });
});

test('without one, the headcount is counted: seats are the largest car of each person going', () => {
  assert.deepEqual(headcountOf(alert), { needed: 3, going: 3, cant: 1, no_answer: 2, seats: 9 });
  assert.equal(headcountReached(headcountOf(alert)), true);
  assert.equal(headcountReached({ needed: 4, going: 3 }), false);
  assert.equal(headcountReached({ needed: null, going: 3 }), false);
});

test('delivery statuses read as waiting, done, a problem, or off', () => {
  assert.deepEqual(['queued', 'held', 'sending', 'sent', 'delivered', 'failed', 'unknown', 'skipped', 'new'].map(deliveryKind),
    ['waiting', 'waiting', 'waiting', 'done', 'done', 'problem', 'problem', 'off', 'waiting']);
});

test('a call-out is open until closed or past its expiry', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  assert.equal(calloutState({ expires_at: '2026-11-23T12:00:00Z' }, now), 'open');
  assert.equal(calloutState({ expires_at: '2026-11-22T11:59:00Z' }, now), 'expired');
  assert.equal(calloutState({ closed_at: '2026-11-22T11:00:00Z', expires_at: '2026-11-23T12:00:00Z' }, now), 'closed');
  assert.equal(calloutState({ closed: true }, now), 'closed');
  assert.equal(calloutState({}, now), 'open');
});

test('live messages are taken only for the alert on show', () => {
  assert.equal(concernsAlert({ type: 'alert.delivery', alert_id: 'a1' }, 'a1'), true);
  assert.equal(concernsAlert({ type: 'alert.delivery', alert_id: 'a2' }, 'a1'), false);
  assert.equal(concernsAlert({ type: 'alert.answer', alert_id: 'a1' }, null), false);
});

test('an arrival time is today, or tomorrow when that time has passed', () => {
  const now = new Date(2026, 10, 22, 15, 0);
  assert.equal(etaFromClock('18:30', now), new Date(2026, 10, 22, 18, 30).toISOString());
  assert.equal(etaFromClock('14:59', now), new Date(2026, 10, 23, 14, 59).toISOString());
  assert.equal(etaFromClock('15:00', now), new Date(2026, 10, 22, 15, 0).toISOString());
  assert.equal(etaFromClock('7:05', now), new Date(2026, 10, 23, 7, 5).toISOString());
  for (const bad of ['', '24:00', '12:60', 'soon', null]) assert.equal(etaFromClock(bad, now), null, String(bad));
});

// Alerts to the field (js/alert-tally.js): who got, read and answered them, kept up to date from
// the live channel.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { applyAnswer, audienceOf, tally } from '../js/alert-tally.js';

const recipient = (id, fields = {}) => ({
  volunteer_id: id, name: id, delivered_at: null, read_at: null, answer: null, eta: null, answered_at: null, ...fields,
});

test('the headcount says how many got, read and answered an alert', () => {
  const alert = {
    id: 'a1',
    recipients: [
      recipient('v1', { delivered_at: 't', read_at: 't', answer: 'going', eta: '2026-11-22T06:10:00Z' }),
      recipient('v2', { delivered_at: 't', read_at: 't', answer: 'cant' }),
      recipient('v3', { delivered_at: 't' }),
      recipient('v4'),
    ],
  };
  assert.deepEqual(tally(alert), { total: 4, delivered: 3, read: 2, going: 1, cant: 1 });
  assert.deepEqual(tally({}), { total: 0, delivered: 0, read: 0, going: 0, cant: 0 });
});

test('an answer from the live channel updates its recipient and the headcount', () => {
  const alerts = [{ id: 'a2', recipients: [recipient('v1')] }, { id: 'a1', recipients: [recipient('v1'), recipient('v2')] }];
  assert.equal(applyAnswer(alerts, 'a1', recipient('v2', { delivered_at: 't', read_at: 't', answer: 'going' })), true);
  assert.equal(tally(alerts[1]).going, 1);
  assert.equal(tally(alerts[0]).going, 0, 'the other alert is untouched');
  assert.equal(applyAnswer(alerts, 'unknown', recipient('v1')), false);
});

test('the audience is the operation, a group, or chosen people', () => {
  assert.deepEqual(audienceOf({ audience: { operation: 'o', group: null, volunteers: null } }), { kind: 'operation' });
  assert.deepEqual(audienceOf({ audience: { operation: 'o', group: 'g1', volunteers: null } }), { kind: 'group', groupId: 'g1' });
  assert.deepEqual(audienceOf({ audience: { operation: 'o', group: null, volunteers: ['v1'] } }), { kind: 'people', ids: ['v1'] });
});

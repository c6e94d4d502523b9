// The call-out composer's values as the body of POST /api/callouts and its preview
// (js/callout-target.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { previewRequest, readCallout, readNumber, readTarget } from '../js/callout-target.js';

const off = { on: false };
const form = (changes = {}) => ({
  caseId: null,
  title: 'Ищем Иванову Анну, 7 лет',
  text: 'Сбор в 18:00 у станции.',
  urgent: true,
  mode: 'all',
  near: off,
  skills: off,
  vehicle: off,
  people: off,
  channels: ['app', 'email'],
  needed: '',
  escalate: off,
  expiresH: '',
  ...changes,
});

test('numbers are read with a point or a comma; empty is null, anything else NaN', () => {
  assert.equal(readNumber(' 12,5 '), 12.5);
  assert.equal(readNumber(''), null);
  assert.ok(Number.isNaN(readNumber('-3')));
  assert.ok(Number.isNaN(readNumber('ten')));
});

test('"all approved" is the whole target, whatever criteria are ticked', () => {
  assert.deepEqual(readTarget(form({ skills: { on: true, keys: ['medic'] } })), { ok: true, target: { all: true } });
});

test('the ticked criteria all go into the target', () => {
  const result = readTarget(form({
    mode: 'match',
    near: { on: true, point: { lat: 55.75, lon: 37.62 }, km: '30', by: 'home' },
    skills: { on: true, keys: ['driver', 'driver', 'medic'] },
    vehicle: { on: true, fourByFour: true, minSeats: '3' },
    people: { on: true, ids: ['v1', 'v2'] },
  }));
  assert.deepEqual(result, {
    ok: true,
    target: {
      near: { lat: 55.75, lon: 37.62, km: 30, by: 'home' },
      skills: ['driver', 'medic'],
      vehicle: { four_by_four: true, min_seats: 3 },
      volunteer_ids: ['v1', 'v2'],
    },
  });
});

test('a criterion ticked but not filled in is named, and "match" needs one criterion', () => {
  assert.deepEqual(readTarget(form({ mode: 'match' })), { ok: false, field: 'criteria', problem: 'choose' });
  assert.equal(readTarget(form({ mode: 'match', near: { on: true, point: null, km: '5' } })).field, 'near_point');
  assert.equal(readTarget(form({ mode: 'match', near: { on: true, point: { lat: 1, lon: 2 }, km: '0' } })).field, 'near_km');
  assert.equal(readTarget(form({ mode: 'match', skills: { on: true, keys: [] } })).field, 'skills');
  assert.equal(readTarget(form({ mode: 'match', people: { on: true, ids: [] } })).field, 'people');
  assert.equal(readTarget(form({ mode: 'match', vehicle: { on: true, minSeats: '2.5' } })).field, 'vehicle_seats');
});

test('"with a vehicle" alone means any vehicle; an unknown "by" counts from either', () => {
  assert.deepEqual(readTarget(form({ mode: 'match', vehicle: { on: true, fourByFour: false, minSeats: '' } })).target,
    { vehicle: { min_seats: 1 } });
  assert.equal(readTarget(form({ mode: 'match', near: { on: true, point: { lat: 1, lon: 2 }, km: '5', by: '?' } })).target.near.by, 'either');
});

test('the preview asks for the target and the channels, and waits while the target is incomplete', () => {
  assert.deepEqual(previewRequest(form({ channels: ['sms', 'app'] })), { target: { all: true }, channels: ['app', 'sms'] });
  assert.equal(previewRequest(form({ mode: 'match' })), null);
});

test('a whole call-out: title, text, target, channels, headcount, escalation, expiry', () => {
  const result = readCallout(form({
    caseId: 'c1',
    mode: 'match',
    near: { on: true, point: { lat: 55.75, lon: 37.62 }, km: '30', by: 'either' },
    location: { lat: 55.9, lon: 37.4 },
    needed: '20',
    escalate: { on: true, afterMin: '15', to: ['sms'], widenKm: '10', maxKm: '60' },
    expiresH: '72',
  }));
  assert.deepEqual(result, {
    ok: true,
    body: {
      title: 'Ищем Иванову Анну, 7 лет',
      text: 'Сбор в 18:00 у станции.',
      target: { near: { lat: 55.75, lon: 37.62, km: 30, by: 'either' } },
      channels: ['app', 'email'],
      urgent: true,
      case_id: 'c1',
      location: { lat: 55.9, lon: 37.4 },
      needed: 20,
      escalate_after_min: 15,
      escalate_to: ['sms'],
      widen_km: 10,
      max_km: 60,
      expires_in_h: 72,
    },
  });
});

test('without escalation or a headcount, those fields are left out', () => {
  const { body } = readCallout(form());
  assert.deepEqual(Object.keys(body).sort(), ['channels', 'target', 'text', 'title', 'urgent']);
});

test('a call-out says the first thing wrong with it', () => {
  assert.deepEqual(readCallout(form({ title: '  ' })), { ok: false, field: 'title', problem: 'required' });
  assert.equal(readCallout(form({ title: 'x'.repeat(201) })).problem, 'too_long');
  assert.equal(readCallout(form({ text: '' })).field, 'text');
  assert.equal(readCallout(form({ channels: [] })).field, 'channels');
  assert.equal(readCallout(form({ needed: '0' })).field, 'needed');
  assert.equal(readCallout(form({ expiresH: '169' })).field, 'expires', 'a week at most');
  assert.deepEqual(readCallout(form({ escalate: { on: true, afterMin: '10', to: ['sms'] } })),
    { ok: false, field: 'needed', problem: 'for_escalation' });
  const needed = '5';
  assert.equal(readCallout(form({ needed, escalate: { on: true, afterMin: '', to: ['sms'] } })).field, 'escalate_after');
  assert.equal(readCallout(form({ needed, escalate: { on: true, afterMin: '10', to: [] } })).field, 'escalate_to');
  assert.deepEqual(readCallout(form({ needed, escalate: { on: true, afterMin: '10', to: [], widenKm: '5' } })),
    { ok: false, field: 'widen_km', problem: 'needs_near' });
  const near = { on: true, point: { lat: 1, lon: 2 }, km: '30' };
  assert.equal(readCallout(form({ mode: 'match', near, needed, escalate: { on: true, afterMin: '10', to: [], widenKm: '5', maxKm: '20' } })).field, 'max_km');
});

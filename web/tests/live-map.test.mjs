// The live map's state (js/live-map.js): snapshots, batches of positions in time order, and
// live / stale / offline by the server's clock.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ageParts, createLiveMap, mergeFixes, volunteerState } from '../js/live-map.js';

const T0 = Date.parse('2026-11-22T05:40:00Z');
const iso = (ms) => new Date(ms).toISOString();
const secs = (ms) => ms / 1000;

function snapshot({ serverTime = T0, volunteers = [] } = {}) {
  return {
    type: 'map.snapshot',
    operation_id: null,
    server_time: iso(serverTime),
    stale_after_s: 120,
    offline_after_s: 900,
    track_minutes: 180,
    volunteers,
  };
}

const olga = (lastAt, track = []) => ({
  id: 'v1',
  name: 'Ольга',
  group_id: null,
  last: lastAt === null ? null : { at: iso(lastAt), lat: 56.1, lon: 36.8, accuracy: 8, speed: null, heading: null, battery: 71, source: 'app' },
  track,
});

test('a volunteer is live, then stale, then offline as their last fix ages', () => {
  const limits = { staleAfterS: 120, offlineAfterS: 900 };
  const last = { at: iso(T0) };
  assert.equal(volunteerState(last, T0 + 30_000, limits), 'live');
  assert.equal(volunteerState(last, T0 + 121_000, limits), 'stale');
  assert.equal(volunteerState(last, T0 + 901_000, limits), 'offline');
  assert.equal(volunteerState(null, T0, limits), 'none');
});

test('states are judged by the server clock, not by a console whose clock is wrong', () => {
  let clock = T0 - 3_600_000; // this computer is an hour behind
  const live = createLiveMap({ now: () => clock });
  live.applySnapshot(snapshot({ serverTime: T0, volunteers: [olga(T0 - 60_000)] }));
  assert.equal(live.get('v1').state, 'live');
  assert.equal(Math.round(live.ageOf(live.get('v1'))), 60);

  clock += 90_000; // 2.5 minutes after the fix by the server's clock
  assert.deepEqual(live.refreshStates().map((v) => [v.id, v.state]), [['v1', 'stale']]);
  assert.deepEqual(live.refreshStates(), [], 'reported once');
  clock += 15 * 60_000;
  assert.equal(live.refreshStates()[0].state, 'offline');
});

test('a late batch goes into the track by time and does not move the marker', () => {
  const live = createLiveMap({ now: () => T0 });
  live.applySnapshot(snapshot({
    volunteers: [olga(T0 - 10_000, [[36.80, 56.10, secs(T0 - 30_000), 5], [36.81, 56.11, secs(T0 - 10_000), 5]])],
  }));
  const late = live.applyPositions({
    type: 'map.positions',
    volunteer: { id: 'v1', name: 'Ольга' },
    fixes: [[36.805, 56.105, secs(T0 - 20_000), null]],
    last: null,
  });
  assert.equal(late.moved, false);
  assert.equal(late.track.appendedOnly, false);
  assert.deepEqual(live.get('v1').track.map((f) => f[2]), [T0 - 30_000, T0 - 20_000, T0 - 10_000].map(secs));
  assert.equal(live.get('v1').last.lat, 56.1, 'the marker stays at the newest position');

  const fresh = live.applyPositions({
    type: 'map.positions',
    volunteer: { id: 'v1', name: 'Ольга' },
    fixes: [[36.82, 56.12, secs(T0), 4]],
    last: { at: iso(T0), lat: 56.12, lon: 36.82, accuracy: 4, speed: 1.1, heading: 90, battery: 70, source: 'app' },
  });
  assert.equal(fresh.moved, true);
  assert.equal(fresh.track.appendedOnly, true);
  assert.equal(live.get('v1').last.lat, 56.12);
  assert.equal(live.get('v1').track.length, 4);
});

test('a replayed batch adds nothing, and an older "last" does not move the marker back', () => {
  const live = createLiveMap({ now: () => T0 });
  live.applySnapshot(snapshot({ volunteers: [olga(T0, [[36.8, 56.1, secs(T0), 8]])] }));
  const again = live.applyPositions({
    volunteer: { id: 'v1', name: 'Ольга' },
    fixes: [[36.8, 56.1, secs(T0), 8]],
    last: { at: iso(T0 - 60_000), lat: 50, lon: 30 },
  });
  assert.equal(again.track.added, 0);
  assert.equal(again.moved, false);
  assert.equal(live.get('v1').last.lat, 56.1);
});

test('someone not in the snapshot who starts sharing is added; nothing is kept before a snapshot', () => {
  const live = createLiveMap({ now: () => T0 });
  assert.equal(live.applyPositions({ volunteer: { id: 'v2', name: 'Пётр' }, fixes: [], last: null }), null);
  live.applySnapshot(snapshot({ volunteers: [olga(null)] }));
  assert.equal(live.get('v1').state, 'none');
  const added = live.applyPositions({
    volunteer: { id: 'v2', name: 'Пётр' },
    fixes: [[37, 55, secs(T0), null]],
    last: { at: iso(T0), lat: 55, lon: 37, accuracy: null },
  });
  assert.equal(added.isNew, true);
  assert.equal(added.volunteer.state, 'live');
  assert.deepEqual(live.list().map((v) => v.name), ['Ольга', 'Пётр']);
});

test('a new snapshot replaces everything', () => {
  const live = createLiveMap({ now: () => T0 });
  live.applySnapshot(snapshot({ volunteers: [olga(T0)] }));
  live.applySnapshot({ ...snapshot({ volunteers: [] }), operation_id: 'op1' });
  assert.equal(live.operationId, 'op1');
  assert.deepEqual(live.list(), []);
});

test('the kept track is capped, oldest fixes first to go', () => {
  const track = [];
  const fixes = Array.from({ length: 130 }, (_, i) => [36.8, 56.1, 1000 + i, null]);
  const answer = mergeFixes(track, fixes, 100);
  assert.equal(answer.trimmed, true);
  assert.equal(track.length, 100);
  assert.equal(track[0][2], 1030);
  assert.equal(track[99][2], 1129);
  assert.equal(mergeFixes(track, [['x', 1, 2]], 100).added, 0, 'a malformed fix is skipped');
});

test('time since the last fix is said in the largest unit that fits', () => {
  assert.deepEqual(ageParts(42.7), { unit: 's', n: 42 });
  assert.deepEqual(ageParts(125), { unit: 'min', n: 2 });
  assert.deepEqual(ageParts(7300), { unit: 'h', n: 2 });
  assert.deepEqual(ageParts(200000), { unit: 'd', n: 2 });
});

// Browser positions turned into protocol fixes (js/phone/fixes.js): values the server would
// refuse are left out, so one odd reading cannot get a whole batch refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { clockOffset, fixFromPosition } from '../js/phone/fixes.js';

const position = (coords, timestamp = Date.UTC(2026, 10, 22, 5, 41, 12)) => ({
  timestamp,
  coords: { latitude: 56.10412, longitude: 36.80133, accuracy: 6.5, altitude: null, altitudeAccuracy: null, heading: null, speed: null, ...coords },
});

test('a position becomes a fix with the time it was taken and what the receiver knows', () => {
  assert.deepEqual(fixFromPosition(position({ altitude: 182, speed: 1.3, heading: 270 }), { battery: 71 }), {
    time: '2026-11-22T05:41:12.000Z', lat: 56.10412, lon: 36.80133, accuracy: 6.5, altitude: 182, speed: 1.3, heading: 270, battery: 71,
  });
});

test('what the browser does not know is left out, not sent as null', () => {
  assert.deepEqual(fixFromPosition(position({})), { time: '2026-11-22T05:41:12.000Z', lat: 56.10412, lon: 36.80133, accuracy: 6.5 });
});

test('values the server would refuse are left out; a place off the Earth gives no fix', () => {
  const fix = fixFromPosition(position({ altitude: 20000, speed: -1, heading: Number.NaN, accuracy: Number.POSITIVE_INFINITY }), { battery: 140 });
  assert.deepEqual(Object.keys(fix), ['time', 'lat', 'lon']);
  assert.equal(fixFromPosition(position({ latitude: 95 })), null);
  assert.equal(fixFromPosition(position({ longitude: Number.NaN })), null);
  assert.equal(fixFromPosition({}), null);
});

test('a heading is dropped when standing still', () => {
  assert.equal(fixFromPosition(position({ heading: 90, speed: 0 })).heading, undefined);
  assert.equal(fixFromPosition(position({ heading: 90, speed: 2 })).heading, 90);
});

test('a phone clock far from the server\'s is corrected; a small difference is left alone', () => {
  const tenMinutesBehind = 10 * 60 * 1000;
  assert.equal(fixFromPosition(position({}), { clockOffsetMs: tenMinutesBehind }).time, '2026-11-22T05:51:12.000Z');
  assert.equal(fixFromPosition(position({}), { clockOffsetMs: 30000 }).time, '2026-11-22T05:41:12.000Z');
  assert.equal(clockOffset('2026-11-22T05:41:13Z', Date.UTC(2026, 10, 22, 5, 31, 13)), tenMinutesBehind);
  assert.equal(clockOffset('not a time', 0), null);
});

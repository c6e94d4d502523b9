// "lat, lon" as people type or paste it (js/points.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatPoint, isPoint, parseLatLon, toLatLon } from '../js/points.js';

test('reads the forms map services and people use', () => {
  const moscow = { lat: 55.7558, lon: 37.6173 };
  for (const text of ['55.7558, 37.6173', '55.7558,37.6173', ' 55.7558 ,  37.6173 ', '55.7558 37.6173',
    '55,7558 37,6173', '55,7558; 37,6173', '55.7558;37.6173', '55.7558° 37.6173°',
    'N55.7558 E37.6173', '55.7558N, 37.6173E', 'с55.7558 в37.6173']) {
    assert.deepEqual(parseLatLon(text), moscow, text);
  }
});

test('southern and western hemispheres, by sign or by letter', () => {
  assert.deepEqual(parseLatLon('-33.8688, 151.2093'), { lat: -33.8688, lon: 151.2093 });
  assert.deepEqual(parseLatLon('S33.8688 E151.2093'), { lat: -33.8688, lon: 151.2093 });
  assert.deepEqual(parseLatLon('40.7128N 74.0060W'), { lat: 40.7128, lon: -74.006 });
  assert.deepEqual(parseLatLon('−12.5, −45'), { lat: -12.5, lon: -45 }, 'a typographic minus');
  assert.deepEqual(parseLatLon('0, 0'), { lat: 0, lon: 0 });
});

test('refuses what is not two coordinates in range', () => {
  for (const text of ['', '   ', '55.7558', '55.7558, 37.6173, 12', 'Moscow', '91, 10', '45, 181',
    '55,7558, 37,6173', 'E55 N37', 'N55 N37', '55.75.58, 37', 'N55S 37', null, undefined]) {
    assert.equal(parseLatLon(text), null, String(text));
  }
});

test('formatPoint writes what parseLatLon reads back', () => {
  const point = { lat: 55.123456, lon: -3.5 };
  assert.equal(formatPoint(point), '55.12346, -3.50000');
  assert.deepEqual(parseLatLon(formatPoint(point)), { lat: 55.12346, lon: -3.5 });
  assert.equal(formatPoint(null), '');
});

test('isPoint and toLatLon accept only {lat, lon} in range', () => {
  assert.ok(isPoint({ lat: 1, lon: 2 }));
  assert.ok(!isPoint([1, 2]));
  assert.ok(!isPoint({ lat: '1', lon: 2 }));
  assert.ok(!isPoint({ lat: 100, lon: 2 }));
  assert.deepEqual(toLatLon({ lat: 1, lon: 2 }), [1, 2]);
  assert.equal(toLatLon(null), null);
});

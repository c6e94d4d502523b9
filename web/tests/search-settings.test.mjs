// An operation's search settings as typed (js/search-settings.js): decimal commas, ranges,
// whole seconds, and only what changed is sent.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseDecimal, readSearchSettings, SEARCH_SETTINGS, settingText, settingValue } from '../js/search-settings.js';

const OP = { sweep_width_m: 20, max_accuracy_m: 30, max_speed_mps: 2.5, max_gap_s: 120 };
const typed = (changes = {}) => ({ sweep_width_m: '20', max_accuracy_m: '30', max_speed_mps: '2.5', max_gap_s: '120', ...changes });

test('the defaults are those of docs/coverage.md', () => {
  assert.deepEqual(Object.fromEntries(SEARCH_SETTINGS.map((s) => [s.field, s.default])), OP);
});

test('numbers are read with a decimal point or comma', () => {
  assert.equal(parseDecimal('2,5'), 2.5);
  assert.equal(parseDecimal(' 2.5 '), 2.5);
  assert.equal(parseDecimal('1 000'), 1000);
  assert.equal(parseDecimal('.5'), 0.5);
  assert.ok(Number.isNaN(parseDecimal('')));
  assert.ok(Number.isNaN(parseDecimal('2,5,1')));
  assert.ok(Number.isNaN(parseDecimal('20 m')));
  assert.ok(Number.isNaN(parseDecimal('1e3')));
});

test('only the settings that changed are sent', () => {
  assert.deepEqual(readSearchSettings(typed(), OP), { ok: true, changes: {} });
  assert.deepEqual(readSearchSettings(typed({ sweep_width_m: '40', max_speed_mps: '1,5' }), OP),
    { ok: true, changes: { sweep_width_m: 40, max_speed_mps: 1.5 } });
});

test('a value the server keeps as a 32-bit float is not taken for a change', () => {
  const stored = { ...OP, max_speed_mps: 0.30000001192092896 };
  assert.deepEqual(readSearchSettings(typed({ max_speed_mps: '0.3' }), stored), { ok: true, changes: {} });
});

test('empty, out-of-range and fractional seconds are refused, each named', () => {
  const read = readSearchSettings(typed({ sweep_width_m: '', max_accuracy_m: '1001', max_speed_mps: '0.05', max_gap_s: '90.5' }), OP);
  assert.deepEqual(read, { ok: false, invalid: ['sweep_width_m', 'max_accuracy_m', 'max_speed_mps', 'max_gap_s'] });
  assert.equal(readSearchSettings(typed({ max_gap_s: '3600' }), OP).ok, true);
  assert.equal(readSearchSettings(typed({ sweep_width_m: '500' }), OP).ok, true);
});

test('an operation without the settings shows the defaults; values are written without float noise', () => {
  assert.equal(settingValue({}, 'max_gap_s'), 120);
  assert.equal(settingValue(OP, 'sweep_width_m'), 20);
  assert.equal(settingText(0.30000001192092896), '0.3');
  assert.equal(settingText(2.5), '2.5');
  assert.equal(settingText(undefined), '');
});

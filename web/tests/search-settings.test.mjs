// An operation's search settings as typed (js/search-settings.js): decimal commas, ranges,
// whole seconds, the field alerts' durations typed in minutes, and only what changed is sent.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  changesCoverage, parseDecimal, readSearchSettings, SEARCH_SETTINGS, settingText, settingValue, shownValue,
} from '../js/search-settings.js';

const OP = {
  sweep_width_m: 20, max_accuracy_m: 30, max_speed_mps: 2.5, max_gap_s: 120,
  off_task_after_s: 600, off_task_margin_m: 50, silent_after_s: 1800,
};
// As the dialog shows them: the two alert durations in minutes.
const typed = (changes = {}) => ({
  sweep_width_m: '20', max_accuracy_m: '30', max_speed_mps: '2.5', max_gap_s: '120',
  off_task_after_s: '10', off_task_margin_m: '50', silent_after_s: '30', ...changes,
});

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

test('the alert durations are typed in minutes and sent in whole seconds', () => {
  assert.deepEqual(readSearchSettings(typed({ off_task_after_s: '15', silent_after_s: '0,5' }), OP),
    { ok: true, changes: { off_task_after_s: 900, silent_after_s: 30 } });
  // 1.234 min is 74.04 s: sent as 74 s.
  assert.deepEqual(readSearchSettings(typed({ off_task_after_s: '1.234' }), OP),
    { ok: true, changes: { off_task_after_s: 74 } });
  // 10 s to 24 h: 0.1 min is 6 s, too short; 1440 min is the most.
  assert.deepEqual(readSearchSettings(typed({ off_task_after_s: '0.1', silent_after_s: '1441' }), OP),
    { ok: false, invalid: ['off_task_after_s', 'silent_after_s'] });
  assert.equal(readSearchSettings(typed({ silent_after_s: '1440' }), OP).ok, true);
  assert.deepEqual(readSearchSettings(typed({ off_task_margin_m: '0' }), OP), { ok: true, changes: { off_task_margin_m: 0 } });
  assert.equal(readSearchSettings(typed({ off_task_margin_m: '5001' }), OP).ok, false);
  assert.equal(shownValue('off_task_after_s', 600), 10);
  assert.equal(shownValue('silent_after_s', 45), 0.75);
  assert.equal(shownValue('off_task_margin_m', 50), 50);
  assert.equal(settingValue({}, 'silent_after_s'), 1800);
});

test('only the coverage settings make the server compute the coverage again', () => {
  assert.equal(changesCoverage({ sweep_width_m: 30 }), true);
  assert.equal(changesCoverage({ max_gap_s: 60, silent_after_s: 600 }), true);
  assert.equal(changesCoverage({ off_task_after_s: 300, off_task_margin_m: 80 }), false);
  assert.equal(changesCoverage({}), false);
});

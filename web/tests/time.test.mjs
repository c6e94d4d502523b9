// API times in the browser's zone, and datetime-local values back to RFC 3339 (js/time.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatDate, formatTime, fromLocalInputValue, minutesUntil, toLocalInputValue } from '../js/time.js';

test('a datetime-local value is local time and comes back as the same instant', () => {
  const local = new Date(2026, 2, 12, 14, 30); // 12 March 2026, 14:30 here
  assert.equal(toLocalInputValue(local), '2026-03-12T14:30');
  assert.equal(fromLocalInputValue('2026-03-12T14:30'), local.toISOString());
  assert.equal(toLocalInputValue(local.toISOString()), '2026-03-12T14:30');
});

test('empty or broken values give empty results, not "Invalid Date"', () => {
  assert.equal(toLocalInputValue(null), '');
  assert.equal(toLocalInputValue(''), '');
  assert.equal(toLocalInputValue('yesterday'), '');
  assert.equal(fromLocalInputValue(''), null);
  assert.equal(fromLocalInputValue('2026-03-12'), null);
});

test('formatTime names the month and adds the year only for other years', () => {
  const now = new Date(2026, 5, 1);
  const thisYear = formatTime(new Date(2026, 2, 12, 9, 5).toISOString(), 'en', now);
  assert.match(thisYear, /Mar/);
  assert.match(thisYear, /09:05/);
  assert.doesNotMatch(thisYear, /2026/);
  assert.match(formatTime(new Date(2025, 2, 12, 9, 5).toISOString(), 'en', now), /2025/);
  assert.match(formatTime(new Date(2026, 2, 12, 9, 5).toISOString(), 'ru', now), /мар/);
});

test('a birth date is shown as written, whatever the time zone', () => {
  assert.match(formatDate('2010-01-01', 'en'), /January 1, 2010|1 January 2010/);
  assert.equal(formatDate('not a date', 'en'), 'not a date');
});

test('minutesUntil is negative once the time has passed', () => {
  const now = new Date('2026-03-12T10:00:00Z');
  assert.equal(minutesUntil('2026-03-12T10:30:00Z', now), 30);
  assert.equal(minutesUntil('2026-03-12T09:35:00Z', now), -25);
  assert.equal(minutesUntil('nonsense', now), null);
});

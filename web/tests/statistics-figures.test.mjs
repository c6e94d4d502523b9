// The statistics page's figures (js/statistics-figures.js), with the real translation tables.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  OUTCOMES, chartRows, formatCount, headline, periodOf, validPeriod,
} from '../js/statistics-figures.js';

const table = (lang) => JSON.parse(readFileSync(new URL(`../i18n/${lang}.json`, import.meta.url), 'utf8'));
const translator = (lang) => {
  const strings = table(lang);
  return (key, params = {}) => strings[key].replace(/\{(\w+)\}/g, (whole, name) => String(params[name] ?? whole));
};
const NBSP = '\u00a0';

const year = {
  from: '2025-01-01',
  to: '2025-12-31',
  reports: 1324,
  total: { cases: 230, searches: 201, found_alive: 98, found_dead: 11, found_by_police: 40, returned_home: 60,
    not_found: 9, cancelled: 12, still_open: 0, still_missing: 9 },
};

test('the headline says the year in one sentence, numbers grouped the English way', () => {
  assert.equal(headline(year, 'en', translator('en')),
    '1,324 reports, 201 searches; found alive 98, found dead 11, still missing 9');
});

test('the Russian headline groups thousands with a space and declines the nouns', () => {
  assert.equal(headline(year, 'ru', translator('ru')),
    `1${NBSP}324 обращения, 201 поиск; найдены живыми — 98, погибшими — 11, не найдены — 9`);
  const t = translator('ru');
  const some = (reports, searches) => headline({ reports, total: { searches } }, 'ru', t).split(';')[0];
  assert.equal(some(1, 2), '1 обращение, 2 поиска');
  assert.equal(some(5, 11), '5 обращений, 11 поисков');
  assert.equal(some(21, 0), '21 обращение, 0 поисков');
});

test('one of a thing is singular in English; missing figures count as zero', () => {
  assert.equal(headline({ reports: 1, total: { searches: 1 } }, 'en', translator('en')),
    '1 report, 1 search; found alive 0, found dead 0, still missing 0');
});

test('numbers are formatted for the language', () => {
  assert.equal(formatCount(1324, 'en'), '1,324');
  assert.equal(formatCount(1324, 'ru'), `1${NBSP}324`);
  assert.equal(formatCount(undefined, 'en'), '0');
});

test('the shortcuts give this year to today and the whole of last year', () => {
  const now = new Date(2026, 10, 22, 9, 30);
  assert.deepEqual(periodOf('this_year', now), { from: '2026-01-01', to: '2026-11-22' });
  assert.deepEqual(periodOf('last_year', now), { from: '2025-01-01', to: '2025-12-31' });
});

test('a period must be two dates, the first not after the second', () => {
  assert.equal(validPeriod({ from: '2026-01-01', to: '2026-01-01' }), true);
  assert.equal(validPeriod({ from: '2026-02-01', to: '2026-01-31' }), false);
  assert.equal(validPeriod({ from: '', to: '2026-01-31' }), false);
});

test('chart rows keep every group, scale to the largest, and list only outcomes that happened', () => {
  const rows = chartRows([
    { group: 'under_14', cases: 4, searches: 3, found_alive: 3, returned_home: 1 },
    { group: '14_17', cases: 8, searches: 2, found_alive: 2, still_open: 6 },
    { group: 'unknown', cases: 0, searches: 0 },
  ]);
  assert.deepEqual(rows.map((row) => [row.group, row.share]), [['under_14', 0.5], ['14_17', 1], ['unknown', 0]]);
  assert.deepEqual(rows[0].parts, [{ outcome: 'found_alive', count: 3 }, { outcome: 'returned_home', count: 1 }]);
  assert.deepEqual(rows[1].parts.map((part) => part.outcome), ['found_alive', 'still_open']);
  assert.deepEqual(rows[2].parts, []);
  assert.equal(OUTCOMES.length, 7, 'the six outcomes and "not closed yet" add up to the cases');
});

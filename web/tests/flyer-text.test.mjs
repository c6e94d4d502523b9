// The flyer's age and time lines (js/flyer-text.js), with the real translation tables.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ageText, lastSeenTime } from '../js/flyer-text.js';

const translator = (lang) => {
  const strings = JSON.parse(readFileSync(new URL(`../i18n/${lang}.json`, import.meta.url), 'utf8'));
  return (key, params = {}) => strings[key].replace(/\{(\w+)\}/g, (whole, name) => String(params[name] ?? whole));
};

test('the age takes the Russian noun its number needs, with the year of birth', () => {
  const t = translator('ru');
  assert.equal(ageText({ age: 79, birth_date: '1947-03-12' }, 'ru', t), '79 лет (1947 г. р.)');
  assert.equal(ageText({ age: 21, birth_date: null }, 'ru', t), '21 год');
  assert.equal(ageText({ age: 14, birth_date: null }, 'ru', t), '14 лет');
  assert.equal(ageText({ age: 3, birth_date: null }, 'ru', t), '3 года');
});

test('in English: years old, and the year of birth when the age is unknown', () => {
  const t = translator('en');
  assert.equal(ageText({ age: 1, birth_date: null }, 'en', t), '1 year old');
  assert.equal(ageText({ age: 15, birth_date: '2011-05-01' }, 'en', t), '15 years old (born 2011)');
  assert.equal(ageText({ age: null, birth_date: '2011-05-01' }, 'en', t), '(born 2011)');
  assert.equal(ageText({ age: null, birth_date: null }, 'en', t), null);
});

test('the time last seen names the day in full, with the year', () => {
  const iso = new Date(2026, 10, 21, 21, 6).toISOString();
  assert.match(lastSeenTime(iso, 'ru'), /^21 ноября 2026( г\.)?,?( в)? 21:06$/);
  assert.match(lastSeenTime(iso, 'en'), /^November 21, 2026,? (at )?21:06$/);
  assert.equal(lastSeenTime(null, 'en'), null);
  assert.equal(lastSeenTime('not a date', 'en'), null);
});

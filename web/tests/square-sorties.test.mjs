// A square's sorties in its popup: who, when, how far and how much effort (js/square-sorties.js).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { sortieRows, sortieWhen, sortieWho } from '../js/square-sorties.js';

const words = (lang, now) => {
  const strings = JSON.parse(readFileSync(new URL(`../i18n/${lang}.json`, import.meta.url), 'utf8'));
  const t = (key, params = {}) => strings[key].replace(/\{(\w+)\}/g, (whole, name) => String(params[name] ?? whole));
  return { t, language: () => lang, now: () => now, strings };
};

const at = (h, m, day = 12) => new Date(2026, 2, day, h, m).toISOString();

test('who: a task with its group, a group, a volunteer on their own', () => {
  const en = words('en', new Date(2026, 2, 12, 18, 0));
  assert.equal(sortieWho({ task: '4. Comb the ravine', group_name: 'North' }, en), 'Task 4. Comb the ravine (North)');
  assert.equal(sortieWho({ task: '4. Comb the ravine', group_name: null }, en), 'Task 4. Comb the ravine');
  assert.equal(sortieWho({ task: null, group_name: 'North', volunteer_name: null }, en), 'North');
  assert.equal(sortieWho({ task: null, group_name: 'North', volunteer_name: 'Olga' }, en), 'North: Olga');
  assert.equal(sortieWho({ task: null, group_name: null, volunteer_name: 'Olga' }, en), 'Olga');
  assert.equal(sortieWho({}, en), en.strings['squares.sortie.unknown']);
});

test('when: a span today, one time within a minute, dates for other days', () => {
  const en = words('en', new Date(2026, 2, 12, 18, 0));
  assert.equal(sortieWhen({ first_at: at(14, 5), last_at: at(14, 40) }, en), '14:05–14:40');
  assert.equal(sortieWhen({ first_at: at(14, 5), last_at: at(14, 5) }, en), '14:05');
  const yesterday = sortieWhen({ first_at: at(23, 50, 11), last_at: at(0, 20) }, en);
  assert.match(yesterday, /11 Mar, 23:50–12 Mar, 00:20|Mar 11, 23:50–Mar 12, 00:20/);
  const sameDayEarlier = sortieWhen({ first_at: at(9, 0, 10), last_at: at(10, 30, 10) }, en);
  assert.match(sameDayEarlier, /10.*09:00–10:30$/);
  assert.equal(sortieWhen({ first_at: at(14, 5), last_at: null }, en), '14:05');
});

test('rows: length in metres or kilometres and the sortie\u2019s C, in both languages', () => {
  const now = new Date(2026, 2, 12, 18, 0);
  const list = [
    { sortie: 'task:1', task: '4. Б-7', group_name: 'Север', length_m: 250, sweep_width_m: 20, effort: 0.08, first_at: at(14, 5), last_at: at(14, 12) },
    { sortie: 'volunteer:2', task: null, group_name: null, volunteer_name: 'Ольга', length_m: 1234.5, sweep_width_m: 20, effort: 0.395, first_at: at(15, 0), last_at: at(15, 30) },
  ];
  const ru = sortieRows(list, words('ru', now));
  assert.deepEqual(ru.map((row) => row.who), ['Задача 4. Б-7 (Север)', 'Ольга']);
  assert.equal(ru[0].figures, '250 м · C 0,08');
  assert.equal(ru[1].figures, '1,23 км · C 0,4');
  const en = sortieRows(list, words('en', now));
  assert.equal(en[0].figures, '250 m · C 0.08');
  assert.equal(en[1].when, '15:00–15:30');
  assert.deepEqual(sortieRows(null, words('en', now)), []);
});

// Sweep's own log entries are worded from their details in the language on show; people's
// entries are kept as written.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { entryText } from '../js/system-entry.js';

const words = (lang) => {
  const strings = JSON.parse(readFileSync(new URL(`../i18n/${lang}.json`, import.meta.url), 'utf8'));
  const t = (key, params = {}) => strings[key].replace(/\{(\w+)\}/g, (whole, name) => String(params[name] ?? whole));
  return {
    t,
    status: (s) => strings[`case.status.${s}`],
    outcome: (o) => strings[`case.outcome.${o}`],
    urgency: (u) => strings[`urgency.${u}`] ?? u,
    field: (f) => strings[`case.field.${f}`],
    title: (title) => title[lang],
    strings,
  };
};

test('a status change with an outcome and a reason reads in the language on show', () => {
  const en = words('en');
  const entry = { text: 'search_active → closed (found_alive): found', details: { event: 'status', from: 'search_active', to: 'closed', outcome: 'found_alive', reason: 'found at the farm' } };
  assert.equal(entryText(entry, en), `Status: ${en.strings['case.status.search_active']} → ${en.strings['case.status.closed']} (${en.strings['case.outcome.found_alive']}). Reason: found at the farm`);
});

test('an overdue task and a card change are worded; people\u2019s entries are kept as written', () => {
  const ru = words('ru');
  const overdue = { text: 'x: overdue (level 1)', details: { event: 'task_overdue', level: 1, title: { ru: 'Обзвонить больницы', en: 'Call hospitals' } } };
  assert.equal(entryText(overdue, ru), 'Просрочена задача: Обзвонить больницы');
  const changed = { text: 'clothing, health', details: { event: 'card_changed', fields: ['clothing', 'health'] } };
  assert.equal(entryText(changed, ru), `Изменены поля карточки: ${ru.strings['case.field.clothing']}, ${ru.strings['case.field.health']}`);
  const note = { text: 'Нашли куртку у ручья', details: {} };
  assert.equal(entryText(note, ru), 'Нашли куртку у ручья');
});

test('a hand-off reads as attempt, then result, in the language on show', () => {
  const en = words('en');
  const sending = { text: 'Отправка карточки: полиция (duty@police.example)', details: { event: 'handoff', service: 'police', to: 'duty@police.example', outcome: 'sending' } };
  assert.equal(entryText(sending, en), 'Sending the card to the police (duty@police.example)');
  const failed = { text: 'x', details: { event: 'handoff', service: 'ambulance', to: '03@a.example', outcome: 'failed' } };
  assert.equal(entryText(failed, en), 'The card could not be sent to the ambulance service (03@a.example)');
});

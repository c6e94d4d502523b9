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

const withOperations = (lang) => {
  const base = words(lang);
  return { ...base, operationStatus: (s) => base.strings[`operation.status.${s}`] };
};

test('operation entries are worded from their details in both languages', () => {
  const op = 'a8c1e6f2-0000-4000-8000-000000000001';
  for (const lang of ['ru', 'en']) {
    const w = withOperations(lang);
    const s = w.strings;
    const fill = (key, params) => s[key].replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
    const cases = [
      [{ event: 'operation_created', operation: op, name: 'Лес у Дурыкино' }, fill('log.operation_created', { name: 'Лес у Дурыкино' })],
      [{ event: 'operation_changed', operation: op, name: null, status: 'active', meeting_point_id: null },
        fill('log.operation_status', { status: s['operation.status.active'] })],
      [{ event: 'operation_changed', operation: op, name: 'Квадраты 1–4', status: 'suspended', meeting_point_id: null },
        `${fill('log.operation_status', { status: s['operation.status.suspended'] })}; ${fill('log.operation_renamed', { name: 'Квадраты 1–4' })}`],
      [{ event: 'group_created', operation: op, group: 'g1', name: 'Группа 1' }, fill('log.group_created', { name: 'Группа 1' })],
      [{ event: 'group_changed', operation: op, group: 'g1', name: null }, s['log.group_instructions']],
      [{ event: 'group_changed', operation: op, group: 'g1', name: 'Север' }, fill('log.group_renamed', { name: 'Север' })],
      [{ event: 'member_joined', operation: op, volunteer: 'v1', name: 'Ольга', group: null }, fill('log.member_joined', { name: 'Ольга' })],
      [{ event: 'member_left', operation: op, volunteer: 'v1', name: 'Ольга' }, fill('log.member_left', { name: 'Ольга' })],
    ];
    for (const [details, expected] of cases) {
      assert.equal(entryText({ text: '+ x', details }, w), expected, `${lang} ${details.event}`);
    }
  }
  const en = withOperations('en');
  assert.equal(
    entryText({ text: '+ Forest north of the village', details: { event: 'operation_created', operation: op, name: 'Forest north of the village' } }, en),
    'Operation “Forest north of the village” created',
  );
  assert.equal(entryText({ text: 'Active', details: { event: 'operation_changed', operation: op, status: 'active' } }, en), 'Operation status: active');
  assert.equal(entryText({ text: '+ Olga', details: { event: 'member_joined', operation: op, name: 'Olga', group: 'g1' } }, en), 'Olga joined the operation');
});

test('an alert sent to the field quotes its text and says how many got it', () => {
  const details = { event: 'alert_sent', alert: 'a1', operation: 'o1', group: null, recipients: 12, urgent: false };
  const en = withOperations('en');
  assert.equal(entryText({ text: 'Check the shed at the edge of the field', details }, en),
    'Message to the field (12 recipients): Check the shed at the edge of the field');
  const ru = withOperations('ru');
  assert.equal(entryText({ text: 'Все на штаб', details: { ...details, urgent: true, recipients: 3 } }, ru),
    'Срочное сообщение в поле (получателей: 3): Все на штаб');
});

const withTasks = (lang) => {
  const base = withOperations(lang);
  return { ...base, taskStatus: (s) => base.strings[`fieldtask.status.${s}`] };
};

test('task entries (a group\u2019s assignment) are worded from their details in both languages', () => {
  const op = 'a8c1e6f2-0000-4000-8000-000000000001';
  const task = 'e41b0000-0000-4000-8000-000000000004';
  for (const lang of ['ru', 'en']) {
    const w = withTasks(lang);
    const s = w.strings;
    const fill = (key, params = {}) => s[key].replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
    const cases = [
      [{ event: 'task_created', operation: op, task, title: 'Прочесать Б-7', group: null }, fill('log.field_task_created', { title: 'Прочесать Б-7' })],
      [{ event: 'task_created', operation: op, task, title: 'Прочесать Б-7', group: 'g1' }, fill('log.field_task_created_assigned', { title: 'Прочесать Б-7' })],
      [{ event: 'task_changed', operation: op, task, title: 'Б-7 и Б-8', group: null }, fill('log.field_task_renamed', { title: 'Б-7 и Б-8' })],
      [{ event: 'task_changed', operation: op, task, title: 'Б-7 и Б-8', group: 'g1' },
        `${fill('log.field_task_renamed', { title: 'Б-7 и Б-8' })}; ${s['log.field_task_group']}`],
      [{ event: 'task_changed', operation: op, task, title: null, group: null }, s['log.field_task_changed']],
      [{ event: 'task_status', operation: op, task, from: 'assigned', to: 'in_progress', reason: null },
        fill('log.field_task_status', { task: s['log.field_task'], from: s['fieldtask.status.assigned'], to: s['fieldtask.status.in_progress'] })],
      [{ event: 'task_status', operation: op, task, from: 'in_progress', to: 'partly_done', reason: 'Б-8: болото' },
        fill('log.field_task_status_reason', {
          task: s['log.field_task'], from: s['fieldtask.status.in_progress'], to: s['fieldtask.status.partly_done'], reason: 'Б-8: болото',
        })],
      [{ event: 'task_status', operation: op, task, title: 'Прочесать Б-7', from: 'assigned', to: 'in_progress', reason: null },
        fill('log.field_task_status', {
          task: fill('log.field_task_named', { title: 'Прочесать Б-7' }), from: s['fieldtask.status.assigned'], to: s['fieldtask.status.in_progress'],
        })],
      [{ event: 'group_changed', operation: op, group: 'g1', leader: 'v1', leader_name: 'Ольга' }, fill('log.group_leader', { name: 'Ольга' })],
    ];
    for (const [details, expected] of cases) {
      assert.equal(entryText({ text: '~', details }, w), expected, `${lang} ${details.event}`);
    }
  }
  const en = withTasks('en');
  assert.equal(entryText({ text: 'Б-8: a bog', details: { event: 'task_status', task, from: 'in_progress', to: 'partly_done', reason: 'B-8: a bog' } }, en),
    'Task: In progress → Partly done. Reason: B-8: a bog');
  assert.equal(entryText({ text: 'Olga', details: { event: 'group_changed', group: 'g1', leader: 'v1', leader_name: 'Olga' } }, en),
    'Group leader: Olga');
});

test('field alerts Sweep raised, and their acknowledgements, are worded in both languages', () => {
  const op = 'a8c1e6f2-0000-4000-8000-000000000001';
  const raisedOff = {
    event: 'field_alert', alert: 'f1', kind: 'off_task', operation: op, task: 't1', group: 'g1', volunteer: 'v1',
    name: 'Ольга', since: '2026-03-12T11:20:00Z',
  };
  const raisedSilent = { ...raisedOff, kind: 'silent_group', volunteer: null, name: 'Север' };
  const acknowledged = { event: 'field_alert_acknowledged', alert: 'f1', kind: 'off_task', operation: op, note: 'Связался по рации' };
  for (const lang of ['ru', 'en']) {
    const w = words(lang);
    const s = w.strings;
    const fill = (key, params = {}) => s[key].replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
    assert.equal(entryText({ text: 'Ольга', details: raisedOff }, w), fill('log.field_alert_off_task', { name: 'Ольга' }), lang);
    assert.equal(entryText({ text: 'Север', details: raisedSilent }, w), fill('log.field_alert_silent_group', { name: 'Север' }), lang);
    assert.equal(entryText({ text: 'Связался по рации', details: acknowledged }, w),
      fill('log.field_alert_acknowledged_note', { kind: s['fieldalert.kind.off_task'], note: 'Связался по рации' }), lang);
    assert.equal(entryText({ text: '✓', details: { ...acknowledged, kind: 'silent_group', note: null } }, w),
      fill('log.field_alert_acknowledged', { kind: s['fieldalert.kind.silent_group'] }), lang);
  }
  const en = words('en');
  assert.equal(entryText({ text: 'Olga', details: { ...raisedOff, name: 'Olga' } }, en), "Field alert: Olga is off the task's area");
  assert.equal(entryText({ text: 'North', details: { ...raisedSilent, name: 'North' } }, en), 'Field alert: North has gone silent');
  assert.equal(entryText({ text: 'x', details: { ...acknowledged, note: 'Called the leader' } }, en),
    "Field alert acknowledged (off the task's area): Called the leader");
  const ru = words('ru');
  assert.equal(entryText({ text: '✓', details: { ...acknowledged, note: null } }, ru), 'Тревога принята (вне района задачи)');
});

test('an operation whose settings alone changed says so, instead of the stored "~"', () => {
  const en = withOperations('en');
  const details = {
    event: 'operation_changed', name: null, status: null, leader: null, meeting_point_id: null,
    sweep_width_m: 15, max_accuracy_m: null, max_speed_mps: null, max_gap_s: null,
  };
  assert.equal(entryText({ text: '~', details }, en), 'Operation settings changed');
  assert.equal(entryText({ text: '~', details: { ...details, sweep_width_m: null } }, withOperations('ru')), 'Изменены параметры операции');
});

test('setting the probability of area is worded by its method', () => {
  const en = words('en');
  assert.equal(entryText({ text: 'POA', details: { event: 'poa_set', method: 'rings', operation: 'o' } }, en),
    'Probability of area set by distance rings from the last-seen point');
  assert.equal(entryText({ text: 'POA', details: { event: 'poa_set', method: 'manual', operation: 'o' } }, en),
    'Probability of area set by hand');
});

test('equipment handed out and taken back in the Operations tab is worded; people\u2019s entries of those kinds are kept', async () => {
  const { isEquipmentRecord } = await import('../js/system-entry.js');
  const details = { equipment: 'e1', group: 'g1', group_name: 'Север', item: 'Рация Motorola #4', quantity: 1, operation: 'o1' };
  const issued = { kind: 'equipment_issued', text: 'Север: Рация Motorola #4 × 1', details };
  const returned = { kind: 'equipment_returned', text: 'Север: Рация Motorola #4 × 1', details };
  const ru = words('ru');
  assert.equal(entryText(issued, ru), 'Выдано группе «Север»: Рация Motorola #4');
  assert.equal(entryText({ ...returned, details: { ...details, quantity: 3, item: 'Фонарь' } }, ru), 'Группа «Север» вернула: Фонарь × 3');
  const en = words('en');
  assert.equal(entryText({ ...issued, details: { ...details, group_name: 'North', item: 'GPS', quantity: 2 } }, en), 'Handed out to North: GPS × 2');
  assert.equal(entryText({ ...returned, details: { ...details, group_name: 'North', item: 'GPS' } }, en), 'Returned by North: GPS');
  assert.ok(isEquipmentRecord(issued));
  const written = { kind: 'equipment_issued', text: 'Выдали 5 фонарей второй группе', details: {} };
  assert.ok(!isEquipmentRecord(written));
  assert.equal(entryText(written, ru), 'Выдали 5 фонарей второй группе');
});

test('a search leader and a group\u2019s radio are worded from the details', () => {
  for (const lang of ['ru', 'en']) {
    const w = withOperations(lang);
    const s = w.strings;
    const fill = (key, params = {}) => s[key].replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
    const cases = [
      [{ event: 'operation_changed', name: null, status: null, leader: 'u1', meeting_point_id: null }, s['log.operation_leader_changed']],
      [{ event: 'operation_changed', leader: 'u1', leader_name: 'Ольга' }, fill('log.operation_leader', { name: 'Ольга' })],
      [{ event: 'group_changed', group: 'g1', name: null, radio: 'канал 5, «Лиса-1»' }, fill('log.group_radio', { radio: 'канал 5, «Лиса-1»' })],
      [{ event: 'group_changed', group: 'g1', name: null, radio: '' }, s['log.group_radio_cleared']],
      [{ event: 'group_changed', group: 'g1', name: 'Север', radio: 'к. 7' },
        `${fill('log.group_renamed', { name: 'Север' })}; ${fill('log.group_radio', { radio: 'к. 7' })}`],
      [{ event: 'group_changed', group: 'g1', name: null, radio: null }, s['log.group_instructions']],
      [{ event: 'group_created', group: 'g1', name: 'Юг', radio: 'к. 3' },
        `${fill('log.group_created', { name: 'Юг' })}; ${fill('log.group_radio', { radio: 'к. 3' })}`],
      [{ event: 'group_created', group: 'g1', name: 'Юг', radio: null }, fill('log.group_created', { name: 'Юг' })],
    ];
    for (const [details, expected] of cases) {
      assert.equal(entryText({ text: '~', details }, w), expected, `${lang} ${JSON.stringify(details)}`);
    }
  }
});

test('call-outs in the log are worded from their details', () => {
  const t = (key, p = {}) => `${key}${JSON.stringify(p)}`;
  const words = { t };
  const sent = entryText({ kind: 'alert_sent', text: 'x', details: { event: 'callout_sent', title: 'Ищем', recipients: 7, urgent: true } }, words);
  assert.equal(sent, 'log.callout_sent_urgent{"title":"Ищем","n":7}');
  const step = entryText({ kind: 'alert_sent', text: 'x', details: {
    event: 'callout_escalated', title: 'Ищем', step: 1, going: 1, needed: 3, channel: 'sms', resent: 2, radius_km: 30, added: 1,
  } }, words);
  assert.equal(step, 'log.callout_step{"title":"Ищем","step":1,"going":1,"needed":3}; log.callout_resent_sms{"n":2}; log.callout_widened{"km":30,"n":1}');
  const taken = entryText({ kind: 'alert_sent', text: 'x', details: { event: 'answer_taken', name: 'Оля', answer: 'cant', note: 'болеет' } }, words);
  assert.equal(taken, 'log.answer_taken_cant{"name":"Оля","note":"болеет"} (болеет)');
});

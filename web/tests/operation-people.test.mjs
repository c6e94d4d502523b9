// Whom an operation's search leader is chosen from, and its groups' equipment
// (js/operation-people.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  equipmentNames, equipmentOut, groupEquipment, leaderChoices, readEquipment,
} from '../js/operation-people.js';

const op = {
  id: 'o1',
  leader_id: null,
  leader_name: null,
  members: [
    { volunteer_id: 'v2', name: 'Борис', group_id: 'g1' },
    { volunteer_id: 'v1', name: 'Анна', group_id: null },
  ],
  groups: [],
};

test('the leader is chosen from me and the staff, the members, then the other volunteers, nobody twice', () => {
  const me = { id: 'u1', display_name: 'Дежурный', login: 'duty', role: 'coordinator' };
  const accounts = [
    { id: 'u1', display_name: 'Дежурный', role: 'coordinator' },
    { id: 'u2', display_name: 'Администратор', role: 'admin' },
    { id: 'u3', display_name: 'Полиция', role: 'police_liaison' },
    { id: 'u4', display_name: 'Уволен', role: 'dispatcher', disabled_at: '2026-01-01T00:00:00Z' },
    { id: 'v9', display_name: 'Вера', role: 'volunteer' },
  ];
  const volunteers = [{ id: 'v1', name: 'Анна' }, { id: 'v3', name: 'Глеб' }, { id: 'v2', name: 'Борис' }];
  const { groups, current } = leaderChoices({ op, me, accounts, volunteers });
  assert.deepEqual(groups.map((g) => [g.kind, g.people.map((p) => p.name)]), [
    ['staff', ['Администратор', 'Дежурный']],
    ['members', ['Анна', 'Борис']],
    ['volunteers', ['Вера', 'Глеб']],
  ]);
  assert.equal(current, null);
});

test('without the accounts list: me, the members and the volunteers; a leader none of them lists stays on offer', () => {
  const led = { ...op, leader_id: 'u7', leader_name: 'Старший смены' };
  const { groups, current } = leaderChoices({ op: led, me: { id: 'u1', display_name: 'Я', role: 'dispatcher' } });
  assert.deepEqual(groups.map((g) => g.kind), ['staff', 'members']);
  assert.deepEqual(current, { id: 'u7', name: 'Старший смены' });
  const ledByMember = { ...op, leader_id: 'v2', leader_name: 'Борис' };
  assert.equal(leaderChoices({ op: ledByMember }).current, null);
  assert.deepEqual(leaderChoices({ op: null }), { groups: [], current: null });
});

test('the hand-out form: an item of 1 to 200 characters, a whole quantity from 1 (the default) to 10,000', () => {
  assert.deepEqual(readEquipment({ item: '  Рация #4 ', quantity: '' }), { ok: true, item: 'Рация #4', quantity: 1 });
  assert.deepEqual(readEquipment({ item: 'Фонарь', quantity: '3' }), { ok: true, item: 'Фонарь', quantity: 3 });
  assert.deepEqual(readEquipment({ item: ' ', quantity: '1' }), { ok: false, field: 'item' });
  assert.deepEqual(readEquipment({ item: 'x'.repeat(201), quantity: '1' }), { ok: false, field: 'item' });
  for (const quantity of ['0', '-1', '1.5', 'два', '10001']) {
    assert.deepEqual(readEquipment({ item: 'GPS', quantity }), { ok: false, field: 'quantity' }, quantity);
  }
});

test('equipment: what is out first, newest first; then what came back; counts and names', () => {
  const group = {
    equipment: [
      { id: 'e1', item: 'Рация #1', quantity: 1, issued_at: '2026-03-12T08:00:00Z', returned_at: '2026-03-12T15:00:00Z' },
      { id: 'e2', item: 'Фонарь', quantity: 4, issued_at: '2026-03-12T08:05:00Z', returned_at: null },
      { id: 'e3', item: 'Рация #2', quantity: 1, issued_at: '2026-03-12T09:00:00Z', returned_at: null },
      { id: 'e4', item: 'аптечка', quantity: 1, issued_at: '2026-03-12T07:00:00Z', returned_at: '2026-03-12T16:00:00Z' },
    ],
  };
  assert.deepEqual(groupEquipment(group).map((e) => e.id), ['e3', 'e2', 'e4', 'e1']);
  assert.deepEqual(equipmentOut({ groups: [group, { equipment: [] }, {}] }), { items: 2, pieces: 5 });
  const other = { groups: [{ equipment: [{ id: 'e9', item: 'фонарь ' }, { id: 'e8', item: 'Аптечка' }] }] };
  assert.deepEqual(equipmentNames([{ groups: [group] }, other]), ['аптечка', 'Рация #1', 'Рация #2', 'Фонарь']);
  assert.deepEqual(groupEquipment(null), []);
});

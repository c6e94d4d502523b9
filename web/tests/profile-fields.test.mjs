// A volunteer's profile as forms show and read it (js/profile-fields.js): lists, phones, home,
// vehicles, notification preferences, and the changes sent to the server.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  homeText, matchesSearch, normalizePhone, preferenceValues, profileChanges, readHome, readPhones,
  readPreferences, readProfileForm, readSkills, readVehicles, seatsOf, splitList,
} from '../js/profile-fields.js';
import { fromLocalInputValue } from '../js/time.js';

test('a list is typed one item per line or separated by ";", without blanks or repeats', () => {
  assert.deepEqual(splitList('tent\n thermal camera ;\n\ntent;rope'), ['tent', 'thermal camera', 'rope']);
  assert.deepEqual(splitList(''), []);
  assert.deepEqual(splitList(null), []);
});

test('phones keep + and digits; anything else is named as the problem', () => {
  assert.equal(normalizePhone('+7 (916) 123-45-67'), '+79161234567');
  assert.equal(normalizePhone('8 903 000.00.00'), '89030000000');
  assert.equal(normalizePhone('call me'), null);
  assert.deepEqual(readPhones('+7 916 123-45-67\n+79161234567; +7 903 000-00-00'),
    { ok: true, value: ['+79161234567', '+79030000000'] });
  assert.deepEqual(readPhones('+7 916 123-45-67\nnone'), { ok: false, bad: 'none' });
});

test('skills are the keys ticked plus others typed in lower case with "_"', () => {
  assert.deepEqual(readSkills(['medic', 'navigator'], 'Rope access; thermal-camera'),
    { ok: true, value: ['navigator', 'medic', 'rope_access', 'thermal_camera'] });
  assert.deepEqual(readSkills([], 'first aid 2'), { ok: false, bad: 'first aid 2' });
  assert.deepEqual(readSkills([], 'тепловизор'), { ok: false, bad: 'тепловизор' }, 'Latin letters only');
});

test('home is a point when "lat, lon" is typed, a district name otherwise, and nothing when empty', () => {
  assert.deepEqual(readHome('55.75, 37.62'), { home_label: null, home: { type: 'Point', coordinates: [37.62, 55.75] } });
  assert.deepEqual(readHome('  Химки '), { home_label: 'Химки' });
  assert.deepEqual(readHome(''), { home_label: null, home: null });
  assert.equal(homeText({ home_label: 'Химки', home: { type: 'Polygon', coordinates: [] } }), 'Химки');
  assert.equal(homeText({ home_label: null, home: { type: 'Point', coordinates: [37.62, 55.75] } }), '55.75000, 37.62000');
  assert.equal(homeText(null), '');
});

test('vehicles need a name and whole seats; empty rows are dropped', () => {
  assert.deepEqual(readVehicles([
    { name: ' Niva ', seats: '4', four_by_four: true },
    { name: '', seats: '', four_by_four: false },
  ]), { ok: true, value: [{ name: 'Niva', seats: 4, four_by_four: true }] });
  assert.deepEqual(readVehicles([{ name: '', seats: '3' }]), { ok: false, index: 0, problem: 'name' });
  assert.deepEqual(readVehicles([{ name: 'UAZ', seats: '' }]), { ok: false, index: 0, problem: 'seats' });
  assert.deepEqual(readVehicles([{ name: 'UAZ', seats: '2.5' }]), { ok: false, index: 0, problem: 'seats' });
  assert.deepEqual(readVehicles([{ name: 'Bus', seats: '61' }]), { ok: false, index: 0, problem: 'seats' });
  assert.equal(seatsOf([{ seats: 4 }, { seats: 7 }]), 7);
  assert.equal(seatsOf(null), 0);
});

test('quiet hours are both given or both empty, and a mute is a local date and time', () => {
  const base = { channels: ['sms', 'app', 'fax'], timeZone: 'Europe/Moscow' };
  assert.deepEqual(readPreferences({ ...base, quietFrom: '22:00', quietTo: '07:00', mutedUntil: '2026-12-01T09:00' }), {
    ok: true,
    value: {
      channels: ['app', 'sms'], quiet_from: '22:00', quiet_to: '07:00', muted_until: fromLocalInputValue('2026-12-01T09:00'), time_zone: 'Europe/Moscow',
    },
  });
  assert.deepEqual(readPreferences({ ...base, quietFrom: '', quietTo: '', mutedUntil: '' }).value,
    { channels: ['app', 'sms'], quiet_from: null, quiet_to: null, muted_until: null, time_zone: 'Europe/Moscow' });
  assert.equal(readPreferences({ ...base, quietFrom: '22:00', quietTo: '' }).problem, 'quiet_incomplete');
  assert.equal(readPreferences({ ...base, quietFrom: '22:00', quietTo: '22:00' }).problem, 'quiet_same');
  assert.equal(readPreferences({ ...base, quietFrom: '25:00', quietTo: '07:00' }).problem, 'quiet_time');
  assert.equal(readPreferences({ ...base, timeZone: 'Mars/Olympus' }).problem, 'time_zone');
});

test('preference fields show the server time "22:00:00" as "22:00", and every channel when none are set', () => {
  const values = preferenceValues({ channels: ['email'], quiet_from: '22:00:00', quiet_to: '07:30', time_zone: 'Asia/Yekaterinburg', muted_until: null });
  assert.deepEqual(values, { channels: ['email'], quietFrom: '22:00', quietTo: '07:30', timeZone: 'Asia/Yekaterinburg', mutedUntil: '' });
  assert.deepEqual(preferenceValues({}).channels, ['app', 'email', 'sms']);
});

const profile = {
  id: 'v1', name: 'Ирина Котова', call_sign: 'Лиса', phones: ['+79161234567'], email: null,
  home_label: null, home: { type: 'Point', coordinates: [37.6173456, 55.7558123] }, skills: ['medic'],
  vehicles: [], equipment: ['tent'], channels: ['app', 'email', 'sms'], quiet_from: null, quiet_to: null,
  time_zone: 'Europe/Moscow', muted_until: null, notes: null,
};

const formOf = (p, changes = {}) => ({
  name: p.name, callSign: p.call_sign, phones: p.phones.join('\n'), email: p.email || '', home: homeText(p),
  skills: p.skills, otherSkills: '', vehicles: [], equipment: p.equipment.join('\n'), channels: p.channels,
  quietFrom: '', quietTo: '', timeZone: p.time_zone, mutedUntil: '', notes: '', ...changes,
});

test('a profile form left as shown changes nothing, not even the home point it rounds', () => {
  const read = readProfileForm(formOf(profile), profile);
  assert.equal(read.ok, true);
  assert.deepEqual(profileChanges(profile, read.value), {});
});

test('quiet hours and a mute the server writes in its own form are not taken for changes', () => {
  const stored = { ...profile, quiet_from: '22:00:00', quiet_to: '07:00:00', muted_until: '2026-12-01T06:00:00Z' };
  const shown = preferenceValues(stored);
  const read = readProfileForm(formOf(stored, { quietFrom: shown.quietFrom, quietTo: shown.quietTo, mutedUntil: shown.mutedUntil }), stored);
  assert.deepEqual(profileChanges(stored, read.value), {});
});

test('only the fields changed go to the server, and emptied ones as null', () => {
  const read = readProfileForm(formOf(profile, { callSign: '', email: 'irina@example.org', home: 'Химки', otherSkills: 'boat' }), profile);
  assert.deepEqual(profileChanges(profile, read.value), {
    call_sign: null, email: 'irina@example.org', home_label: 'Химки', skills: ['medic', 'boat'],
  });
});

test('quiet hours go to the server as a pair, even when one end changed', () => {
  const stored = { ...profile, quiet_from: '22:00', quiet_to: '07:00' };
  const read = readProfileForm(formOf(stored, { quietFrom: '22:00', quietTo: '06:30' }), stored);
  assert.deepEqual(profileChanges(stored, read.value), { quiet_from: '22:00', quiet_to: '06:30' });
});

test('a profile form says which field is wrong', () => {
  assert.deepEqual(readProfileForm(formOf(profile, { name: ' ' }), profile), { ok: false, field: 'name', problem: 'required' });
  assert.equal(readProfileForm(formOf(profile, { email: 'irina@' }), profile).field, 'email');
  assert.deepEqual(readProfileForm(formOf(profile, { phones: 'abc' }), profile), { ok: false, field: 'phones', problem: 'phone', bad: 'abc' });
  assert.equal(readProfileForm(formOf(profile, { quietTo: '07:00' }), profile).field, 'quiet_from');
});

test('the people picker finds by name, call sign or phone, every word', () => {
  assert.equal(matchesSearch(profile, 'котова лиса'), true);
  assert.equal(matchesSearch(profile, '+7916'), true);
  assert.equal(matchesSearch(profile, 'сокол'), false);
  assert.equal(matchesSearch(profile, '  '), true);
});

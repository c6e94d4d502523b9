// A volunteer's profile (docs/volunteers.md) as forms show it and read it back: lists typed one
// per line, phones, home as "lat, lon" or a district's name, vehicles, notification preferences
// (channels, quiet hours, mute), and the changes to send. Used by the console's registry, the
// phone app's profile and the answer page. No DOM here, so tests/profile-fields.test.mjs runs it
// in node.

import { parseLatLon } from './points.js';
import { fromLocalInputValue, toLocalInputValue } from './time.js';

/** Skill keys the server knows (others are kept as written). */
export const SKILLS = ['navigator', 'medic', 'driver', 'dog_handler', 'drone_pilot', 'radio_operator',
  'climber', 'diver', 'boat', 'cook', 'coordinator'];
/** Channels a call-out may use, in the order they are offered. */
export const CHANNELS = ['app', 'email', 'sms'];

/** The items of a list typed one per line (or separated by ";"), trimmed, without repeats. */
export function splitList(text) {
  const items = String(text ?? '').split(/[\n;]+/).map((item) => item.trim()).filter(Boolean);
  return [...new Set(items)];
}

/** A list as the text of its field: one item per line. */
export function joinList(items) {
  return Array.isArray(items) ? items.join('\n') : '';
}

/** "+7 916 123-45-67" as the server keeps it, "+79161234567"; null if it is not a phone number. */
export function normalizePhone(text) {
  const compact = String(text ?? '').replace(/[\s()\-.]/g, '');
  return /^\+?\d{5,15}$/.test(compact) ? compact : null;
}

/** {ok, value: [phones]} or {ok: false, bad: the first item that is not a number}. */
export function readPhones(text) {
  const value = [];
  for (const item of splitList(text)) {
    const phone = normalizePhone(item);
    if (!phone) return { ok: false, bad: item };
    if (!value.includes(phone)) value.push(phone);
  }
  return { ok: true, value };
}

export function isEmail(text) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(text ?? '').trim());
}

/**
 * Skills: the known keys ticked, and others typed ("rope access" becomes "rope_access"; the
 * server keeps keys of 2 to 30 Latin lower-case letters and "_"). {ok, value} or {ok: false, bad}.
 */
export function readSkills(checked, otherText) {
  const value = SKILLS.filter((key) => (checked || []).includes(key));
  for (const item of splitList(String(otherText ?? '').replace(/,/g, ';'))) {
    const key = item.toLowerCase().replace(/[\s-]+/g, '_');
    if (!/^[a-z_]{2,30}$/.test(key)) return { ok: false, bad: item };
    if (!value.includes(key)) value.push(key);
  }
  return { ok: true, value };
}

/** The skills that are not among the known keys, for the "other skills" field. */
export function otherSkills(skills) {
  return (Array.isArray(skills) ? skills : []).filter((key) => !SKILLS.includes(key));
}

/** {lat, lon} of a GeoJSON Point (or of a {lat, lon}), else null. */
export function pointOf(geometry) {
  if (!geometry || typeof geometry !== 'object') return null;
  if (Number.isFinite(geometry.lat) && Number.isFinite(geometry.lon)) return { lat: geometry.lat, lon: geometry.lon };
  if (geometry.type === 'Point' && Array.isArray(geometry.coordinates)) {
    const [lon, lat] = geometry.coordinates;
    if (Number.isFinite(lat) && Number.isFinite(lon)) return { lat, lon };
  }
  return null;
}

export const geoPoint = ({ lat, lon }) => ({ type: 'Point', coordinates: [lon, lat] });

/** What the home field shows: the name people read, else the point as "lat, lon". */
export function homeText(profile) {
  if (profile?.home_label) return profile.home_label;
  const point = pointOf(profile?.home);
  return point ? `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}` : '';
}

/**
 * The home field read back: empty clears both; "lat, lon" is a point; any other text is the
 * name of a district (the server finds its outline, as for the CSV import).
 */
export function readHome(text) {
  const trimmed = String(text ?? '').trim();
  if (!trimmed) return { home_label: null, home: null };
  const point = parseLatLon(trimmed);
  if (point) return { home_label: null, home: geoPoint(point) };
  return { home_label: trimmed };
}

/**
 * Vehicle rows as typed ({name, seats: text, four_by_four}): rows left empty are dropped.
 * {ok, value} or {ok: false, index, problem: "name" | "seats"}.
 */
export function readVehicles(rows) {
  const value = [];
  for (const [index, row] of (rows || []).entries()) {
    const name = String(row?.name ?? '').trim();
    const seatsText = String(row?.seats ?? '').trim();
    if (!name && !seatsText && !row?.four_by_four) continue;
    if (!name) return { ok: false, index, problem: 'name' };
    const seats = Number(seatsText);
    if (!/^\d{1,2}$/.test(seatsText) || seats < 1 || seats > 60) return { ok: false, index, problem: 'seats' };
    value.push({ name, seats, four_by_four: Boolean(row.four_by_four) });
  }
  return { ok: true, value };
}

/** "22:00" from the server's "22:00" or "22:00:00"; "" for none. */
export function clockText(value) {
  const match = /^(\d{2}):(\d{2})/.exec(String(value ?? ''));
  return match ? `${match[1]}:${match[2]}` : '';
}

const isClock = (value) => /^([01]\d|2[0-3]):[0-5]\d$/.test(value);

/** True if the browser knows this IANA time zone ("Europe/Moscow"). */
export function isTimeZone(name) {
  if (!name) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The phone's or computer's own time zone, for a new profile. */
export function localTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Moscow';
  } catch {
    return 'Europe/Moscow';
  }
}

/** The values of the preference fields for a profile (or an answer page's preferences). */
export function preferenceValues(prefs = {}) {
  return {
    channels: Array.isArray(prefs.channels) ? prefs.channels.filter((c) => CHANNELS.includes(c)) : [...CHANNELS],
    quietFrom: clockText(prefs.quiet_from),
    quietTo: clockText(prefs.quiet_to),
    timeZone: prefs.time_zone || localTimeZone(),
    mutedUntil: prefs.muted_until ? toLocalInputValue(prefs.muted_until) : '',
  };
}

/**
 * The preference fields read back: {ok, value: {channels, quiet_from, quiet_to, time_zone,
 * muted_until}} or {ok: false, problem, field}. Quiet hours are both given or both empty;
 * `mutedUntil` is a datetime-local value (local time).
 */
export function readPreferences({ channels, quietFrom, quietTo, timeZone, mutedUntil }) {
  const from = String(quietFrom ?? '').trim();
  const to = String(quietTo ?? '').trim();
  if ((from === '') !== (to === '')) return { ok: false, problem: 'quiet_incomplete', field: from ? 'quiet_to' : 'quiet_from' };
  if (from && !isClock(from)) return { ok: false, problem: 'quiet_time', field: 'quiet_from' };
  if (to && !isClock(to)) return { ok: false, problem: 'quiet_time', field: 'quiet_to' };
  if (from && from === to) return { ok: false, problem: 'quiet_same', field: 'quiet_to' };
  const zone = String(timeZone ?? '').trim();
  if (zone && !isTimeZone(zone)) return { ok: false, problem: 'time_zone', field: 'time_zone' };
  const muteText = String(mutedUntil ?? '').trim();
  const muted = muteText ? fromLocalInputValue(muteText) : null;
  if (muteText && !muted) return { ok: false, problem: 'muted_until', field: 'muted_until' };
  const value = {
    channels: CHANNELS.filter((c) => (channels || []).includes(c)),
    quiet_from: from || null,
    quiet_to: to || null,
    muted_until: muted,
  };
  if (zone) value.time_zone = zone;
  return { ok: true, value };
}

// Values compared as what they mean: "22:00:00" is "22:00", an instant in any RFC 3339 form.
const COMPARED_AS = {
  quiet_from: (v) => clockText(v) || null,
  quiet_to: (v) => clockText(v) || null,
  muted_until: (v) => (Number.isFinite(Date.parse(v)) ? Date.parse(v) : null),
};
const same = (key, a, b) => {
  const as = COMPARED_AS[key] || ((v) => v ?? null);
  return JSON.stringify(as(a)) === JSON.stringify(as(b));
};

/**
 * The fields of `next` that differ from `before` (the body of a PATCH; null clears). Quiet hours
 * go as a pair: the server takes both or neither.
 */
export function profileChanges(before, next) {
  const changes = {};
  for (const [key, value] of Object.entries(next)) {
    if (!same(key, before?.[key], value)) changes[key] = value;
  }
  if ('quiet_from' in changes || 'quiet_to' in changes) {
    changes.quiet_from = next.quiet_from ?? null;
    changes.quiet_to = next.quiet_to ?? null;
  }
  return changes;
}

/** The registry rows matching a search typed in the list (name, call sign, login, phone, e-mail). */
export function matchesSearch(profile, query) {
  const words = String(query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const haystack = [profile.name, profile.call_sign, profile.login, profile.email, ...(profile.phones || [])]
    .filter(Boolean).join(' ').toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** The largest vehicle's seats, or 0: what a volunteer brings to a call-out's headcount. */
export function seatsOf(vehicles) {
  return (Array.isArray(vehicles) ? vehicles : []).reduce((most, v) => Math.max(most, Number(v?.seats) || 0), 0);
}

/**
 * A profile form read back. `values`: {name? (the console only), callSign, phones, email, home,
 * skills (keys ticked), otherSkills, vehicles (rows), equipment, notes? (the console only), and
 * the preference fields}; `before`: the profile shown (null for a new one). The home is read
 * only when its text changed, so a point is not rounded to what the field shows.
 * {ok, value} or {ok: false, field, problem, bad?, index?}.
 */
export function readProfileForm(values, before = null) {
  const value = {};
  if (values.name !== undefined) {
    const name = String(values.name).trim();
    if (!name) return { ok: false, field: 'name', problem: 'required' };
    value.name = name;
  }
  value.call_sign = String(values.callSign ?? '').trim() || null;
  const phones = readPhones(values.phones);
  if (!phones.ok) return { ok: false, field: 'phones', problem: 'phone', bad: phones.bad };
  value.phones = phones.value;
  const email = String(values.email ?? '').trim();
  if (email && !isEmail(email)) return { ok: false, field: 'email', problem: 'email' };
  value.email = email || null;
  if (String(values.home ?? '').trim() !== homeText(before).trim()) Object.assign(value, readHome(values.home));
  const skills = readSkills(values.skills, values.otherSkills);
  if (!skills.ok) return { ok: false, field: 'skills', problem: 'skill', bad: skills.bad };
  value.skills = skills.value;
  const vehicles = readVehicles(values.vehicles);
  if (!vehicles.ok) return { ok: false, field: 'vehicles', problem: `vehicle_${vehicles.problem}`, index: vehicles.index };
  value.vehicles = vehicles.value;
  value.equipment = splitList(values.equipment);
  const prefs = readPreferences(values);
  if (!prefs.ok) return { ok: false, field: prefs.field, problem: prefs.problem };
  Object.assign(value, prefs.value);
  if (values.notes !== undefined) value.notes = String(values.notes).trim() || null;
  return { ok: true, value };
}

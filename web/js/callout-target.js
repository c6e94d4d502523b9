// The call-out composer's values turned into what POST /api/callouts and its preview take
// (docs/volunteers.md): the target (everyone approved, or those near a point, with skills, a
// vehicle, or chosen by name), the channels, the headcount, escalation and expiry.
// No DOM here, so tests/callout-target.test.mjs runs it in node.

import { CHANNELS } from './profile-fields.js';

export const NEAR_BY = ['home', 'position', 'either'];

/** A number typed with a decimal point or comma; null when empty, NaN when not a number. */
export function readNumber(text) {
  const trimmed = String(text ?? '').trim().replace(',', '.');
  if (trimmed === '') return null;
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

const wholeIn = (n, min, max) => Number.isInteger(n) && n >= min && n <= max;
const fail = (field, problem) => ({ ok: false, field, problem });

/**
 * The target from the composer's target part:
 * {mode: "all" | "match", near: {on, point: {lat, lon} | null, km, by}, skills: {on, keys},
 *  vehicle: {on, fourByFour, minSeats}, people: {on, ids}}
 * answers {ok, target} or {ok: false, field, problem}.
 */
export function readTarget(form) {
  if (form.mode !== 'match') return { ok: true, target: { all: true } };
  const target = {};
  if (form.near?.on) {
    if (!form.near.point) return fail('near_point', 'required');
    const km = readNumber(form.near.km);
    if (!(km > 0 && km <= 20000)) return fail('near_km', 'positive');
    target.near = { lat: form.near.point.lat, lon: form.near.point.lon, km, by: NEAR_BY.includes(form.near.by) ? form.near.by : 'either' };
  }
  if (form.skills?.on) {
    const keys = [...new Set(form.skills.keys || [])];
    if (!keys.length) return fail('skills', 'choose');
    target.skills = keys;
  }
  if (form.vehicle?.on) {
    const vehicle = {};
    if (form.vehicle.fourByFour) vehicle.four_by_four = true;
    const seats = readNumber(form.vehicle.minSeats);
    if (seats !== null) {
      if (!wholeIn(seats, 1, 60)) return fail('vehicle_seats', 'whole');
      vehicle.min_seats = seats;
    }
    // Any vehicle at all: one seat is the least a car has.
    if (!Object.keys(vehicle).length) vehicle.min_seats = 1;
    target.vehicle = vehicle;
  }
  if (form.people?.on) {
    const ids = [...new Set(form.people.ids || [])];
    if (!ids.length) return fail('people', 'choose');
    target.volunteer_ids = ids;
  }
  if (!Object.keys(target).length) return fail('criteria', 'choose');
  return { ok: true, target };
}

/** The body of POST /api/callouts/preview, or null while the target is not complete. */
export function previewRequest(form) {
  const target = readTarget(form);
  if (!target.ok) return null;
  return { target: target.target, channels: CHANNELS.filter((c) => (form.channels || []).includes(c)) };
}

/**
 * The whole composer: the target part plus {caseId, title, text, urgent, location ({lat, lon}
 * or null: the meeting point), channels, needed, escalate: {on, afterMin, to, widenKm, maxKm},
 * expiresH}. Answers {ok, body} or {ok: false, field, problem}. Escalation needs the headcount
 * it works towards.
 */
export function readCallout(form) {
  const title = String(form.title ?? '').trim();
  if (!title) return fail('title', 'required');
  if (title.length > 200) return fail('title', 'too_long');
  const text = String(form.text ?? '').trim();
  if (!text) return fail('text', 'required');
  const target = readTarget(form);
  if (!target.ok) return target;
  const channels = CHANNELS.filter((c) => (form.channels || []).includes(c));
  if (!channels.length) return fail('channels', 'choose');
  const body = { title, text, target: target.target, channels, urgent: Boolean(form.urgent) };
  if (form.caseId) body.case_id = form.caseId;
  if (form.location) body.location = { lat: form.location.lat, lon: form.location.lon };
  const needed = readNumber(form.needed);
  if (needed !== null) {
    if (!wholeIn(needed, 1, 10000)) return fail('needed', 'whole');
    body.needed = needed;
  }
  if (form.escalate?.on) {
    if (body.needed === undefined) return fail('needed', 'for_escalation');
    const after = readNumber(form.escalate.afterMin);
    if (!wholeIn(after, 1, 1440)) return fail('escalate_after', 'whole');
    body.escalate_after_min = after;
    body.escalate_to = CHANNELS.filter((c) => (form.escalate.to || []).includes(c));
    const widen = readNumber(form.escalate.widenKm);
    const max = readNumber(form.escalate.maxKm);
    if (widen !== null || max !== null) {
      if (!target.target.near) return fail('widen_km', 'needs_near');
      if (!(widen > 0)) return fail('widen_km', 'positive');
      if (max !== null && !(max >= target.target.near.km)) return fail('max_km', 'below_radius');
      body.widen_km = widen;
      if (max !== null) body.max_km = max;
    }
    if (!body.escalate_to.length && body.widen_km === undefined) return fail('escalate_to', 'choose');
  }
  const expires = readNumber(form.expiresH);
  if (expires !== null) {
    if (!wholeIn(expires, 1, 168)) return fail('expires', 'whole');
    body.expires_in_h = expires;
  }
  return { ok: true, body };
}

// A call-out's answer board (GET /api/alerts/{id}) put in order: the headcount, and the
// recipients grouped going / can't / no answer, each with where their messages stand on every
// channel. No DOM here, so tests/callout-headcount.test.mjs runs it in node.

import { seatsOf } from './profile-fields.js';

/** Delivery statuses in the outbox (docs/volunteers.md), each with what it means for the board. */
export const DELIVERY_STATUSES = {
  queued: 'waiting',
  held: 'waiting', // quiet hours: leaves when they end
  sending: 'waiting',
  sent: 'done',
  delivered: 'done',
  failed: 'problem',
  unknown: 'problem', // the relay may or may not have taken it: not sent again
  skipped: 'off', // no address, the channel turned off, or muted
};

/** "waiting" | "done" | "problem" | "off" for a delivery status (an unknown word: "waiting"). */
export const deliveryKind = (status) => DELIVERY_STATUSES[status] || 'waiting';

const recipientsOf = (alert) => (Array.isArray(alert?.recipients) ? alert.recipients : []);

/**
 * {needed, going, cant, no_answer, seats}: the server's headcount, or counted from the
 * recipients when it sent none (seats: the largest vehicle of each person going).
 */
export function headcountOf(alert) {
  const given = alert?.headcount;
  if (given && typeof given === 'object') {
    return {
      needed: given.needed ?? alert.needed ?? null,
      going: Number(given.going) || 0,
      cant: Number(given.cant) || 0,
      no_answer: Number(given.no_answer) || 0,
      seats: Number(given.seats) || 0,
    };
  }
  const recipients = recipientsOf(alert);
  const going = recipients.filter((r) => r.answer === 'going');
  return {
    needed: alert?.needed ?? null,
    going: going.length,
    cant: recipients.filter((r) => r.answer === 'cant').length,
    no_answer: recipients.filter((r) => r.answer !== 'going' && r.answer !== 'cant').length,
    seats: going.reduce((sum, r) => sum + seatsOf(r.vehicles), 0),
  };
}

const byName = (a, b) => String(a.name ?? '').localeCompare(String(b.name ?? ''));
const time = (iso) => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
};

/**
 * The recipients in three groups: going (soonest arrival first, those without an ETA after),
 * can't and no answer (by name).
 */
export function groupRecipients(alert) {
  const recipients = recipientsOf(alert);
  return {
    going: recipients.filter((r) => r.answer === 'going').sort((a, b) => (time(a.eta) - time(b.eta)) || byName(a, b)),
    cant: recipients.filter((r) => r.answer === 'cant').sort(byName),
    noAnswer: recipients.filter((r) => r.answer !== 'going' && r.answer !== 'cant').sort(byName),
  };
}

/** True once as many are going as were needed. */
export function headcountReached(headcount) {
  return Number.isFinite(headcount?.needed) && headcount.needed > 0 && headcount.going >= headcount.needed;
}

/** "open", "closed" or "expired": whether answers and escalation still run. */
export function calloutState(alert, now = Date.now()) {
  if (alert?.closed_at || alert?.closed === true) return 'closed';
  const expires = Date.parse(alert?.expires_at);
  if (Number.isFinite(expires) && expires <= now) return 'expired';
  return 'open';
}

/** Whether a live message concerns the alert on show (alert.answer, .delivery, .escalated). */
export function concernsAlert(message, alertId) {
  return Boolean(alertId) && message?.alert_id === alertId;
}

/**
 * The arrival time "HH:MM" typed as RFC 3339: today, or tomorrow when that time has already
 * passed today. Null for anything else.
 */
export function etaFromClock(value, now = new Date()) {
  const match = /^(\d{1,2}):(\d{2})$/.exec(String(value ?? '').trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return null;
  const eta = new Date(now.getFullYear(), now.getMonth(), now.getDate(), hours, minutes);
  if (eta.getTime() < now.getTime()) eta.setDate(eta.getDate() + 1);
  return eta.toISOString();
}

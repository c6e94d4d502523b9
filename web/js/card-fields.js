// The writable fields of a missing person's card (CardFields in the API), what kind of value
// each holds, and the bodies sent for a new card and for an edit.
// No DOM here, so tests/card-fields.test.mjs runs it in node.

import { isPoint } from './points.js';

/** Field name -> kind of value. The order is the order of the form. */
export const CARD_FIELDS = {
  full_name: 'text',
  sex: 'choice',
  birth_date: 'date',
  estimated_age: 'integer',
  category: 'choice',
  person_phone: 'text',
  height_cm: 'integer',
  build: 'text',
  appearance: 'text',
  clothing: 'text',
  special_marks: 'text',
  health: 'text',
  medication: 'text',
  mental_state: 'text',
  circumstances: 'text',
  weather: 'choice',
  last_seen_at: 'time',
  last_seen: 'point',
  last_seen_address: 'text',
  contacts: 'contacts',
  police_unit: 'text',
  police_case_number: 'text',
  situation: 'text',
};

export const CONTACT_FIELDS = ['name', 'relation', 'phone', 'note'];

const blankToNull = (value) => {
  if (value === undefined || value === null) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
};

/** One value in the shape the API takes: trimmed text, null for empty, numbers, points. */
function normalizeField(kind, value) {
  switch (kind) {
    case 'integer': {
      const text = blankToNull(value);
      if (text === null) return null;
      const number = Number(text);
      return Number.isInteger(number) ? number : null;
    }
    case 'point':
      return isPoint(value) ? { lat: value.lat, lon: value.lon } : null;
    case 'time': {
      const text = blankToNull(value);
      if (text === null) return null;
      const date = new Date(text);
      return Number.isNaN(date.getTime()) ? null : date.toISOString();
    }
    case 'contacts':
      return (Array.isArray(value) ? value : [])
        .map((row) => Object.fromEntries(CONTACT_FIELDS.map((f) => [f, blankToNull(row?.[f])])))
        .filter((row) => CONTACT_FIELDS.some((f) => row[f] !== null));
    default:
      return blankToNull(value);
  }
}

/** Every card field of `card`, normalized. */
function normalizeCard(card) {
  return Object.fromEntries(Object.entries(CARD_FIELDS)
    .map(([name, kind]) => [name, normalizeField(kind, card?.[name])]));
}

/** The body of POST /api/cases: the fields that have a value (and contacts, even if none). */
export function newCardBody(edited) {
  const card = normalizeCard(edited);
  return Object.fromEntries(Object.entries(card).filter(([, value]) => value !== null));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The fields that differ between the card as loaded and as edited, for PATCH /api/cases/{id}:
 * a cleared field is sent as null, an untouched one is left out.
 */
export function cardChanges(original, edited) {
  const before = normalizeCard(original);
  const after = normalizeCard(edited);
  return Object.fromEntries(Object.keys(CARD_FIELDS)
    .filter((name) => !same(before[name], after[name]))
    .map((name) => [name, after[name]]));
}

/**
 * A new card prefilled from a report: its text as the circumstances, the caller as a contact,
 * and the caller's location as the last-seen point (the form asks the dispatcher to check it).
 * `contactNote` is the note written beside the caller, e.g. "called in report R-2026-0012".
 */
export function cardFromReport(report, contactNote = null) {
  const card = { contacts: [] };
  if (report?.text) card.circumstances = report.text;
  if (report?.caller_name || report?.caller_phone) {
    card.contacts.push({
      name: report.caller_name || '',
      relation: '',
      phone: report.caller_phone || '',
      note: contactNote || '',
    });
  }
  if (isPoint(report?.caller_location)) card.last_seen = report.caller_location;
  return card;
}

/**
 * The query of GET /api/cases/similar for what has been typed so far, or null when there is
 * too little to search with (fewer than 3 letters of a name, fewer than 5 digits of a phone).
 */
export function similarQuery({ full_name, birth_date, person_phone }) {
  const params = new URLSearchParams();
  const name = blankToNull(full_name);
  if (name && name.replace(/[^\p{L}]/gu, '').length >= 3) params.set('full_name', name);
  const year = /^(\d{4})-\d{2}-\d{2}$/.exec(String(birth_date ?? ''))?.[1];
  const phoneDigits = String(person_phone ?? '').replace(/\D/g, '');
  if (phoneDigits.length >= 5) params.set('phone', String(person_phone).trim());
  if (!params.has('full_name') && !params.has('phone')) return null;
  if (year) params.set('birth_year', year);
  return params;
}

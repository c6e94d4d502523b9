// Setting an operation's probability of area (POA, docs/coverage.md): the distance rings of a
// case's category (the server's starting values) and the four distances a coordinator types, the
// weights given to squares by hand (each click goes 0 → 1 → 2 → 3 → 0), and the squares where
// the next group should go (the highest current POA). No DOM here, so tests/poa.test.mjs runs it
// in node; js/operation-poa.js draws it.

import { parseDecimal } from './search-settings.js';

/**
 * Distances (metres) within which 25%, 50%, 75% and 95% of lost people of a category are found:
 * the server's defaults (src/operations/probability.rs), used when no distances are sent. Any
 * other category is taken as an adult, as the server does.
 */
export const RING_DEFAULTS = {
  child: [300, 700, 1200, 2400],
  teenager: [800, 1600, 3000, 6000],
  adult: [1100, 2000, 3400, 6000],
  elderly: [500, 1000, 1800, 3300],
  dementia: [300, 800, 1600, 3000],
};

/** The shares of the rings, in order, as the legend of the ring fields says them. */
export const RING_SHARES = [25, 50, 75, 95];

/** The largest distance typed that is taken (km): a ring of 200 km is a typing slip. */
export const MAX_RING_KM = 200;

/** The category the server's defaults are for (an unknown or missing one is an adult). */
export function ringCategory(category) {
  return Object.hasOwn(RING_DEFAULTS, category) ? category : 'adult';
}

/** The default distances of a category, in metres. */
export function defaultRings(category) {
  return RING_DEFAULTS[ringCategory(category)].slice();
}

/** Metres as kilometres to type and read: "0.3", "2.4" (at most two decimals, no float noise). */
export function kmText(metres) {
  return Number.isFinite(metres) ? String(Math.round(metres / 10) / 100) : '';
}

/**
 * Reads four distances typed in kilometres ("1,2" as well as "1.2"). Answers {ok: true, rings_m}
 * (whole metres, ready for POST /poa/rings), or {ok: false, invalid: [indexes], problem}:
 * "invalid" (empty, not a number, not above 0, over MAX_RING_KM) or "not_growing" (each must be
 * further than the one before; `invalid` names the first that is not).
 */
export function readRings(texts) {
  const values = [0, 1, 2, 3].map((index) => parseDecimal(texts?.[index]));
  const invalid = values
    .map((value, index) => (Number.isFinite(value) && value > 0 && value <= MAX_RING_KM ? null : index))
    .filter((index) => index !== null);
  if (invalid.length) return { ok: false, invalid, problem: 'invalid' };
  const metres = values.map((km) => Math.round(km * 1000));
  const notGrowing = metres.findIndex((m, index) => index > 0 && m <= metres[index - 1]);
  if (notGrowing >= 0) return { ok: false, invalid: [notGrowing], problem: 'not_growing' };
  return { ok: true, rings_m: metres };
}

/** Whether the distances are a category's defaults (then the server may be left to choose them). */
export function sameRings(a, b) {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((m, i) => Math.abs(m - b[i]) < 0.5);
}

/** The weights a click goes through, in order: 0 (none) → 1 → 2 → 3 → 0. */
export const MAX_WEIGHT = 3;

/** The weight after one more click on a square. */
export function nextWeight(weight) {
  const w = Number.isInteger(weight) && weight > 0 ? weight : 0;
  return w >= MAX_WEIGHT ? 0 : w + 1;
}

/** A new Map of weights with square `id`'s clicked once more (a weight back at 0 is dropped). */
export function cycleWeight(weights, id) {
  const next = new Map(weights);
  const key = String(id);
  const weight = nextWeight(next.get(key));
  if (weight > 0) next.set(key, weight);
  else next.delete(key);
  return next;
}

/**
 * The body of PUT /api/operations/{id}/poa for the weights (a Map id -> weight): only the squares
 * with a weight (the others get 0 from the server). Square ids are numbers in the API.
 */
export function weightsBody(weights) {
  const squares = [];
  for (const [id, weight] of weights) {
    if (!(weight > 0)) continue;
    const number = Number(id);
    squares.push({ id: Number.isSafeInteger(number) ? number : id, weight });
  }
  return { squares };
}

/** Whether the squares (GeoJSON features) have a POA set. */
export function poaSet(features) {
  return (Array.isArray(features) ? features : []).some((f) => Number.isFinite(f?.properties?.poa));
}

/**
 * The `n` squares with the highest current POA, highest first (ties by label, then id): where the
 * next group should go. [{id, label, areaName, poa}]; squares with no POA or none left are out.
 */
export function likeliestSquares(features, n = 5) {
  const list = [];
  for (const feature of Array.isArray(features) ? features : []) {
    const props = feature?.properties || {};
    const poa = props.poa;
    if (!Number.isFinite(poa) || poa <= 0) continue;
    list.push({ id: feature.id ?? props.id, label: String(props.label ?? ''), areaName: props.area_name ?? '', poa });
  }
  list.sort((a, b) => (b.poa - a.poa)
    || a.label.localeCompare(b.label, undefined, { numeric: true })
    || String(a.id).localeCompare(String(b.id), undefined, { numeric: true }));
  return list.slice(0, Math.max(0, n));
}

/** The total POA of squares (their share of where the person probably is). */
export function totalPoa(squares) {
  return (Array.isArray(squares) ? squares : []).reduce((sum, s) => sum + (Number.isFinite(s?.poa) ? s.poa : 0), 0);
}

// The probability of area (POA) of each operation in the card's "Operations" tab
// (docs/coverage.md): a part that unfolds (its squares are read only then), with
//
// - the likeliest squares now (the five highest current POA, after Bayes: where the next group
//   should go) and "New task with these squares", which opens the task form with them;
// - "By distance rings": the four distances (km) within which 25/50/75/95% of lost people like
//   this one are found, the case's category's starting values shown and filled in, applied
//   around the case's last-seen point (POST /poa/rings);
// - "By hand": the squares are clicked on the live map, each click giving the square a weight
//   0 → 1 → 2 → 3 → 0 (drawn on it), with the bar over the map (#poa-weight-bar: the count,
//   Clear, Save, Done; Escape ends too); Save sends the weights (PUT /poa). The weights stay while
//   the card is open, so the mode can be left and taken up again; Clear starts over.
//
// Both announce "coverage.changed", so the map's squares (js/squares-panel.js) and the list here
// follow. js/operation-item.js places poaSection(op) in each operation; the clicks are handled
// here. The logic is js/poa.js.
//
// Browser tests find `.operation-poa` (a <details>), `.poa-likeliest li[data-square-id]`,
// `button[data-action="poa-new-task"]`, `.poa-rings-form` with `.poa-ring[data-ring="0".."3"]`,
// `button[data-action="poa-hand"]`, `button[data-action="poa-hand-save"]`, `.poa-status`, and
// #poa-weight-bar with #poa-weight-save, #poa-weight-clear and #poa-weight-done.

import * as api from './api.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { caseCategoryLabel } from './labels.js';
import { captureMap, stopPicking } from './map.js';
import { newTaskWithSquares } from './operation-tasks.js';
import {
  cycleWeight, defaultRings, kmText, likeliestSquares, poaSet, readRings, RING_SHARES, ringCategory, totalPoa,
  weightsBody,
} from './poa.js';
import { probabilityText } from './square-text.js';
import { markSquareWeights, startSquarePicking, stopSquarePicking } from './squares-layer.js';
import { lendSquaresTo, squaresChangedHere } from './squares-panel.js';
import { createSquaresStore } from './squares-store.js';

const LIKELIEST = 5;
// The squares are read again at most this often while the part is unfolded and people walk.
const SQUARES_INTERVAL_MS = 5000;

let store = null;
let onChange = () => {};
let caseInfo = null; // {id, category, hasLastSeen}
const operationsById = new Map();
const unfolded = new Set(); // operations whose POA part is open
const watching = new Map(); // operation id -> stop reading its squares
const squaresOf = new Map(); // operation id -> the squares' features as last read
const failures = new Map(); // operation id -> the failure of a read, when nothing was read before
const statuses = new Map(); // operation id -> {text, error}
const ringDrafts = new Map(); // operation id -> the four distances typed (km)
const badRings = new Map(); // operation id -> indexes of the distances refused
const weightDrafts = new Map(); // operation id -> Map square id -> weight
const labelsOf = new Map(); // square id -> label (for the bar)
const busy = new Set(); // focus keys of the buttons whose request is under way
let weighting = null; // {op, giveBack} while squares are weighted on the map

/** Wires the POA parts in #operation-list and the bar over the map; `changed()` draws again. */
export function initOperationPoa({ live, changed }) {
  onChange = changed;
  store = createSquaresStore({ load: (id) => api.getSquares(id, getLanguage()), intervalMs: SQUARES_INTERVAL_MS });
  live.on('coverage.changed', (message) => store.changed(message.operation_id));
  live.on('live.resync', () => store.refreshAll());
  onLanguageChange(() => {
    store.refreshAll(); // the labels are written in the reader's language
    updateBar();
  });
  const list = byId('operation-list');
  list.addEventListener('click', onClick);
  list.addEventListener('submit', onSubmit);
  list.addEventListener('input', (event) => {
    const input = event.target.closest?.('.poa-ring');
    if (!input) return;
    const opId = input.closest('.operation')?.dataset.operationId;
    if (!opId) return;
    const texts = ringTexts(opId).slice();
    texts[Number(input.dataset.ring)] = input.value;
    ringDrafts.set(opId, texts);
    badRings.delete(opId);
    input.removeAttribute('aria-invalid');
  });
  // "toggle" does not bubble: caught on the way down.
  list.addEventListener('toggle', (event) => {
    const details = event.target;
    if (!details.matches?.('.operation-poa')) return;
    const opId = details.dataset.operationId;
    if (details.open === unfolded.has(opId)) return;
    if (details.open) unfolded.add(opId);
    else unfolded.delete(opId);
    follow();
    onChange();
  }, true);
  byId('poa-weight-save').addEventListener('click', () => {
    if (weighting) saveWeights(weighting.op);
  });
  byId('poa-weight-clear').addEventListener('click', () => {
    if (!weighting) return;
    weightDrafts.delete(weighting.op.id);
    markSquareWeights([]);
    updateBar();
    onChange();
  });
  byId('poa-weight-done').addEventListener('click', () => stopPicking(true));
}

/** The operations of the case on show (`c`: its id, category, last-seen point). */
export function followPoaOperations(c, operations) {
  if (caseInfo?.id !== c.id) forgetOperationPoa();
  caseInfo = { id: c.id, category: c.category ?? null, hasLastSeen: Boolean(c.last_seen) };
  operationsById.clear();
  for (const op of operations) operationsById.set(op.id, op);
  if (weighting && !operationsById.has(weighting.op.id)) endWeighting();
  follow();
}

/** The card is left: stop reading, end the weighting, forget the drafts. */
export function forgetOperationPoa() {
  endWeighting();
  for (const stop of watching.values()) stop();
  watching.clear();
  for (const set of [unfolded, squaresOf, failures, statuses, ringDrafts, badRings, weightDrafts, labelsOf, busy]) set.clear();
  operationsById.clear();
  caseInfo = null;
}

// Reads the squares of the operations whose part is open, and stops reading the others'.
function follow() {
  for (const [opId, stop] of watching) {
    if (unfolded.has(opId) && operationsById.has(opId)) continue;
    stop();
    watching.delete(opId);
  }
  for (const opId of unfolded) {
    if (!operationsById.has(opId) || watching.has(opId)) continue;
    watching.set(opId, store.watch(opId, ({ collection, error }) => squaresRead(opId, collection, error)));
  }
}

function squaresRead(opId, collection, error) {
  if (error && !squaresOf.has(opId)) {
    failures.set(opId, error);
    onChange();
    return;
  }
  if (error) return; // what was read before stays on show
  failures.delete(opId);
  const features = Array.isArray(collection?.features) ? collection.features : [];
  for (const feature of features) {
    const id = feature.id ?? feature.properties?.id;
    if (id !== undefined) labelsOf.set(String(id), String(feature.properties?.label ?? id));
  }
  squaresOf.set(opId, features);
  onChange();
  if (weighting?.op.id === opId) updateBar();
}

function setStatus(opId, text, { error = false } = {}) {
  if (text) statuses.set(opId, { text, error });
  else statuses.delete(opId);
  onChange();
}

// Kilometres as the reader writes them ("0,3" in Russian).
const kmShown = (metres) => (getLanguage() === 'ru' ? kmText(metres).replace('.', ',') : kmText(metres));

function ringTexts(opId) {
  return ringDrafts.get(opId) ?? defaultRings(caseInfo?.category).map(kmShown);
}

// ---- Drawing -------------------------------------------------------------------------------

const button = (action, text, { key, primary = false, label = null, disabled = false, pressed = null } = {}) => h('button', {
  type: 'button',
  className: `button ${primary ? 'button-primary' : 'button-quiet'} button-small`,
  dataset: { action, focusKey: key },
  text,
  disabled: disabled || busy.has(key),
  attrs: { 'aria-label': label, 'aria-busy': busy.has(key) ? 'true' : null, 'aria-pressed': pressed },
});

/** The "Probability of area" part of operation `op`'s item. */
export function poaSection(op) {
  const isOpen = unfolded.has(op.id);
  const features = squaresOf.get(op.id) ?? null;
  const status = statuses.get(op.id);
  return h('details', { className: 'operation-poa', open: isOpen, dataset: { operationId: op.id } },
    h('summary', { className: 'operation-poa-summary', dataset: { focusKey: `poa-summary:${op.id}` } },
      h('span', { className: 'operation-poa-title', text: t('poa.title') }),
      features ? h('span', { className: 'operation-poa-state', text: poaSet(features) ? t('poa.state_set') : t('poa.state_unset') }) : null),
    status ? h('p', {
      className: `area-status poa-status${status.error ? ' area-status-error' : ''}`,
      attrs: { role: status.error ? 'alert' : 'status' },
      text: status.text,
    }) : null,
    isOpen ? poaBody(op, features) : null);
}

function poaBody(op, features) {
  const open = op.status !== 'finished';
  const failure = failures.get(op.id);
  if (!features) {
    return failure
      ? h('p', { className: 'panel-note panel-error', text: t('poa.load_failed', { error: apiErrorText(failure) }) })
      : h('p', { className: 'panel-note', text: t('common.loading') });
  }
  if (features.length === 0) return h('p', { className: 'panel-note poa-no-squares', text: t('poa.no_squares') });
  return [
    h('p', { className: 'field-hint poa-intro', text: t('poa.intro') }),
    likeliestBlock(op, features, open),
    open ? ringsForm(op) : null,
    open ? handBlock(op) : null,
  ];
}

function likeliestBlock(op, features, open) {
  const titleId = `poa-likeliest-title-${op.id}`;
  if (!poaSet(features)) {
    return h('section', { className: 'poa-block poa-likeliest-block', attrs: { 'aria-labelledby': titleId } },
      h('h5', { className: 'poa-block-title', id: titleId, text: t('poa.likeliest.title') }),
      h('p', { className: 'panel-note poa-unset', text: open ? t('poa.unset_open') : t('poa.unset') }));
  }
  const top = likeliestSquares(features, LIKELIEST);
  return h('section', { className: 'poa-block poa-likeliest-block', attrs: { 'aria-labelledby': titleId } },
    h('h5', { className: 'poa-block-title', id: titleId, text: t('poa.likeliest.title') }),
    top.length
      ? h('ol', { className: 'poa-likeliest' }, top.map((square) => h('li', {
        className: 'poa-likeliest-item',
        dataset: { squareId: square.id, poa: square.poa },
      },
      h('span', { className: 'poa-likeliest-label', text: square.label }),
      square.areaName ? h('span', { className: 'poa-likeliest-area', text: square.areaName }) : null,
      h('span', { className: 'poa-likeliest-value', text: probabilityText(square.poa) }))))
      : h('p', { className: 'panel-note', text: t('poa.likeliest.none') }),
    top.length ? h('p', { className: 'field-hint', text: t('poa.likeliest.total', { percent: probabilityText(totalPoa(top)) }) }) : null,
    open && top.length ? button('poa-new-task', t('poa.likeliest.new_task'), {
      key: `poa-new-task:${op.id}`, primary: true,
    }) : null);
}

function ringsForm(op) {
  const category = ringCategory(caseInfo?.category);
  const defaults = defaultRings(category);
  const texts = ringTexts(op.id);
  const bad = badRings.get(op.id) ?? [];
  const titleId = `poa-rings-title-${op.id}`;
  const hintId = `poa-rings-hint-${op.id}`;
  const key = `poa-rings-apply:${op.id}`;
  return h('form', { className: 'poa-block poa-rings-form', noValidate: true, attrs: { 'aria-labelledby': titleId } },
    h('h5', { className: 'poa-block-title', id: titleId, text: t('poa.rings.title') }),
    h('p', { className: 'field-hint', id: hintId, text: t('poa.rings.hint') }),
    h('p', { className: 'field-hint poa-rings-defaults', text: t('poa.rings.defaults', {
      category: caseCategoryLabel(caseInfo?.category ? caseInfo.category : category),
      rings: defaults.map(kmShown).join(' / '),
    }) }),
    caseInfo?.hasLastSeen ? null : h('p', { className: 'panel-note panel-error', text: t('poa.error.no_last_seen_point') }),
    h('div', { className: 'poa-rings-row' }, RING_SHARES.map((share, index) => {
      const inputId = `poa-ring-${op.id}-${index}`;
      return h('div', { className: 'poa-ring-field' },
        h('label', { className: 'field-label', htmlFor: inputId, text: t('poa.rings.share', { share }) }),
        h('div', { className: 'unit-field' },
          h('input', {
            className: 'field poa-ring',
            id: inputId,
            type: 'text',
            inputMode: 'decimal',
            autocomplete: 'off',
            value: texts[index] ?? '',
            dataset: { ring: index, focusKey: `poa-ring:${op.id}:${index}` },
            attrs: { 'aria-describedby': hintId, 'aria-invalid': bad.includes(index) ? 'true' : null },
          }),
          h('span', { className: 'unit', text: t('unit.km') })));
    })),
    h('div', { className: 'poa-actions' },
      h('button', {
        type: 'submit',
        className: 'button button-primary button-small',
        dataset: { focusKey: key },
        disabled: busy.has(key) || !caseInfo?.hasLastSeen,
        text: t('poa.rings.apply'),
        attrs: { 'aria-busy': busy.has(key) ? 'true' : null },
      }),
      button('poa-rings-defaults', t('poa.rings.restore'), { key: `poa-rings-defaults:${op.id}` })));
}

function handBlock(op) {
  const weights = weightDrafts.get(op.id) ?? new Map();
  const on = weighting?.op.id === op.id;
  const titleId = `poa-hand-title-${op.id}`;
  return h('section', { className: 'poa-block poa-hand-block', attrs: { 'aria-labelledby': titleId } },
    h('h5', { className: 'poa-block-title', id: titleId, text: t('poa.hand.title') }),
    h('p', { className: 'field-hint', text: t('poa.hand.hint') }),
    h('p', { className: 'poa-hand-count', dataset: { count: weights.size }, text: weightsText(weights) }),
    h('div', { className: 'poa-actions' },
      button('poa-hand', on ? t('poa.hand.stop') : t('poa.hand.start'), { key: `poa-hand:${op.id}`, primary: !on, pressed: String(on) }),
      button('poa-hand-save', t('poa.hand.save'), { key: `poa-hand-save:${op.id}`, disabled: weights.size === 0 }),
      button('poa-hand-clear', t('poa.hand.clear'), { key: `poa-hand-clear:${op.id}`, disabled: weights.size === 0 })));
}

function weightsText(weights) {
  if (weights.size === 0) return t('poa.hand.none');
  const labels = [...weights].map(([id, weight]) => t('poa.hand.weighted_square', { label: labelsOf.get(id) ?? id, weight }));
  return t('poa.hand.weighted', { n: weights.size, squares: labels.join(', ') });
}

// ---- Actions -------------------------------------------------------------------------------

async function withBusy(key, run) {
  if (busy.has(key)) return;
  busy.add(key);
  onChange();
  try {
    await run();
  } finally {
    busy.delete(key);
    onChange();
  }
}

function operationOf(target) {
  return operationsById.get(target.closest('.operation')?.dataset.operationId) ?? null;
}

function onClick(event) {
  const target = event.target.closest('button[data-action^="poa-"]');
  if (!target) return;
  const op = operationOf(target);
  if (!op) return;
  switch (target.dataset.action) {
    case 'poa-new-task': {
      const top = likeliestSquares(squaresOf.get(op.id), LIKELIEST);
      if (top.length) newTaskWithSquares(op, top.map(({ id, label }) => ({ id, label })), target.dataset.focusKey);
      break;
    }
    case 'poa-rings-defaults':
      ringDrafts.delete(op.id);
      badRings.delete(op.id);
      setStatus(op.id, null);
      break;
    case 'poa-hand':
      if (weighting?.op.id === op.id) stopPicking(true);
      else startWeighting(op);
      break;
    case 'poa-hand-save':
      saveWeights(op);
      break;
    case 'poa-hand-clear':
      weightDrafts.delete(op.id);
      if (weighting?.op.id === op.id) {
        markSquareWeights([]);
        updateBar();
      }
      setStatus(op.id, null);
      break;
    default:
  }
}

function poaErrorText(failure) {
  switch (failure?.code) {
    case 'no_last_seen_point':
      return t('poa.error.no_last_seen_point');
    case 'no_squares':
      return t('poa.error.no_squares');
    case 'operation_finished':
      return t('operation.error.finished');
    case 'invalid_field':
      return failure.details?.field === 'rings_m' ? t('poa.error.rings') : t('poa.error.weights');
    default:
      return apiErrorText(failure);
  }
}

async function onSubmit(event) {
  const form = event.target.closest('.poa-rings-form');
  if (!form) return;
  event.preventDefault();
  const op = operationOf(form);
  if (!op) return;
  const read = readRings(ringTexts(op.id));
  if (!read.ok) {
    badRings.set(op.id, read.invalid);
    setStatus(op.id, read.problem === 'not_growing' ? t('poa.error.rings_growing') : t('poa.error.rings'), { error: true });
    return;
  }
  badRings.delete(op.id);
  setStatus(op.id, null);
  await withBusy(`poa-rings-apply:${op.id}`, async () => {
    try {
      await api.setPoaRings(op.id, read.rings_m);
      setStatus(op.id, t('poa.rings.applied'));
      poaChanged(op.id);
    } catch (failure) {
      setStatus(op.id, poaErrorText(failure), { error: true });
    }
  });
}

function poaChanged(opId) {
  store.changed(opId, { now: true });
  squaresChangedHere(opId);
}

// ---- Weights by hand on the map ---------------------------------------------------------------

function startWeighting(op) {
  endWeighting();
  setStatus(op.id, null);
  const mine = { op, giveBack: () => {} };
  const started = captureMap({
    hint: 'poa-weight-bar',
    onClick: () => {}, // off the squares: nothing to weigh
    onCancel: () => {
      if (weighting === mine) endWeighting({ capturing: false });
    },
  });
  if (!started) {
    setStatus(op.id, t('map.unavailable'), { error: true });
    return;
  }
  weighting = mine;
  // The squares of this operation on the map; a task form that had them is closed.
  mine.giveBack = lendSquaresTo(op.id, { onTakenBack: () => {
    if (weighting === mine) endWeighting({ giveBack: false });
  } });
  startSquarePicking((square) => weigh(mine, square));
  markSquareWeights(weightDrafts.get(op.id) ?? []);
  updateBar();
  onChange();
}

function weigh(mine, square) {
  if (weighting !== mine) return;
  const opId = mine.op.id;
  if (square.label) labelsOf.set(String(square.id), square.label);
  const weights = cycleWeight(weightDrafts.get(opId) ?? new Map(), square.id);
  if (weights.size) weightDrafts.set(opId, weights);
  else weightDrafts.delete(opId);
  markSquareWeights(weights);
  updateBar();
  onChange();
}

/**
 * Ends the weighting on the map (the weights stay as a draft). `capturing`: the map's clicks are
 * still ours (not when the capture already ended); `giveBack`: the squares go back (not when
 * another form took them).
 */
function endWeighting({ capturing = true, giveBack = true } = {}) {
  const mine = weighting;
  if (!mine) return;
  weighting = null;
  if (capturing) stopPicking(false);
  stopSquarePicking();
  markSquareWeights([]);
  if (giveBack) mine.giveBack();
  onChange();
}

function updateBar() {
  if (!weighting) return;
  const weights = weightDrafts.get(weighting.op.id) ?? new Map();
  byId('poa-weight-text').textContent = weights.size
    ? t('poa.bar.weighted', { n: weights.size })
    : t('poa.bar.start');
  byId('poa-weight-save').disabled = weights.size === 0;
  byId('poa-weight-clear').disabled = weights.size === 0;
}

async function saveWeights(op) {
  const weights = weightDrafts.get(op.id) ?? new Map();
  if (weights.size === 0) {
    setStatus(op.id, t('poa.error.weights'), { error: true });
    return;
  }
  const key = `poa-hand-save:${op.id}`;
  setStatus(op.id, null);
  byId('poa-weight-save').disabled = true;
  await withBusy(key, async () => {
    try {
      await api.setPoaWeights(op.id, weightsBody(weights).squares);
      setStatus(op.id, t('poa.hand.saved', { n: weights.size }));
      if (weighting?.op.id === op.id) stopPicking(true);
      poaChanged(op.id);
    } catch (failure) {
      setStatus(op.id, poaErrorText(failure), { error: true });
    }
  });
  updateBar();
}

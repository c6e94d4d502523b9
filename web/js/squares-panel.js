// The squares on the live map while it watches one operation (js/live-map-panel.js says which):
// the switch between coverage and POD (remembered), the legend, and the squares read again when
// the live channel says the operation's coverage or squares changed (at most once a second,
// js/squares-store.js). Watching everyone shows no squares. The map's outlines of the watched
// operation's areas (matched by their operation_id, js/map.js) give way to its squares. The task
// form in the card borrows the squares while it is open (lendSquaresTo / returnSquares), to pick
// a task's squares on the map.

import * as api from './api.js';
import { DEFAULT_MEASURE, legendSteps, normalMeasure, stepStyle } from './coverage-scale.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { setWatchedOperation } from './map.js';
import { legendLabel, measureTitle } from './square-text.js';
import { clearSquares, drawSquares, initSquaresLayer, setSquareMeasure } from './squares-layer.js';
import { createSquaresStore } from './squares-store.js';

const MEASURE_KEY = 'sweep.squares.measure';

let store = null;
let watched = null; // the operation whose squares are on show, or null
let stopWatching = null;
let lentFrom; // while a form shows an operation's squares (js/task-form.js): what was on show before

export function initSquaresPanel({ live }) {
  store = createSquaresStore({ load: (id) => api.getSquares(id, getLanguage()), intervalMs: 1000 });
  const select = byId('square-measure');
  select.value = chosenMeasure();
  setSquareMeasure(select.value);
  select.addEventListener('change', () => {
    rememberMeasure(select.value);
    setSquareMeasure(select.value);
    renderLegend();
  });
  live.on('coverage.changed', (message) => store.changed(message.operation_id));
  live.on('operation.changed', (message) => store.changed(message.operation_id));
  live.on('live.resync', () => store.refreshAll());
  onLanguageChange(() => {
    renderLegend();
    store.refreshAll(); // the labels are written in the reader's language
  });
  renderLegend();
}

/** Shows the squares of `operationId` (read now and kept fresh), or none for null. */
export function showSquaresOf(operationId) {
  const id = operationId || null;
  if (id === watched) return;
  stopWatching?.();
  stopWatching = null;
  watched = id;
  clearSquares();
  setWatchedOperation(id);
  byId('square-controls').hidden = id === null;
  showStatus(null);
  if (id === null || !store || !initSquaresLayer()) return;
  showStatus(t('common.loading'));
  let first = true;
  stopWatching = store.watch(id, ({ collection, error }) => {
    if (watched !== id) return;
    if (error) {
      showStatus(t('squares.load_failed', { error: apiErrorText(error) }));
      return;
    }
    const count = drawSquares(collection, { fit: first });
    first = false;
    showStatus(count === 0 ? t('squares.none') : null);
  });
}

/**
 * A form in the card shows the squares of `operationId` for a while (a task's squares are picked
 * on the map), whatever the live map watched; returnSquares() puts back what was on show.
 */
export function lendSquaresTo(operationId) {
  if (lentFrom === undefined) lentFrom = watched;
  showSquaresOf(operationId);
}

export function returnSquares() {
  if (lentFrom === undefined) return;
  const previous = lentFrom;
  lentFrom = undefined;
  showSquaresOf(previous);
}

function showStatus(text) {
  const line = byId('square-status');
  line.hidden = !text;
  line.textContent = text || '';
}

function renderLegend() {
  const measure = byId('square-measure').value;
  byId('square-legend-title').textContent = measureTitle(measure);
  byId('square-legend-steps').replaceChildren(...legendSteps().map((step) => {
    const { fillColor, fillOpacity, color } = stepStyle(step.step);
    const fill = h('span', { className: 'square-swatch-fill' });
    fill.style.backgroundColor = fillColor;
    fill.style.opacity = String(fillOpacity);
    const swatch = h('span', { className: 'square-swatch', attrs: { 'aria-hidden': 'true' } }, fill);
    swatch.style.borderColor = color;
    return h('li', { className: 'square-legend-step', dataset: { step: step.step } }, swatch, h('span', { text: legendLabel(step) }));
  }));
}

function chosenMeasure() {
  try {
    return normalMeasure(localStorage.getItem(MEASURE_KEY));
  } catch {
    return DEFAULT_MEASURE;
  }
}

function rememberMeasure(value) {
  try {
    localStorage.setItem(MEASURE_KEY, normalMeasure(value));
  } catch {
    // Storage may be disabled: the choice then lasts until reload.
  }
}

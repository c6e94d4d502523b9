// The squares on the live map while it watches one operation (js/live-map-panel.js says which):
// the switch between coverage, POD, POA and POS (remembered), the legend (for POA and POS,
// relative to the likeliest square, with its figure), and the squares read again when
// the live channel says the operation's coverage or squares changed (at most once a second,
// js/squares-store.js). Watching everyone shows no squares. The map's outlines of the watched
// operation's areas (matched by their operation_id, js/map.js) give way to its squares. The task
// form in the card borrows the squares while it is open, to pick a task's squares on the map, and
// so does the giving of POA weights by hand (lendSquaresTo: one borrower at a time, the one before
// is told it lost them). With #show-tasks ticked (remembered), the watched operation's unfinished
// tasks are drawn over its squares (js/task-outlines-layer.js), read again when the live channel
// says the operation changed.

import * as api from './api.js';
import {
  DEFAULT_MEASURE, hasPoa, isRelativeMeasure, legendSteps, measureScale, normalMeasure, stepStyle,
} from './coverage-scale.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { setWatchedOperation } from './map.js';
import { legendLabel, legendNote, measureTitle } from './square-text.js';
import { clearSquares, drawSquares, initSquaresLayer, setSquareMeasure } from './squares-layer.js';
import { createSquaresStore } from './squares-store.js';
import { taskOutlines } from './task-outline.js';
import { clearTaskOutlines, drawTaskOutlines, initTaskOutlines } from './task-outlines-layer.js';

const MEASURE_KEY = 'sweep.squares.measure';
const TASKS_KEY = 'sweep.squares.tasks';

let store = null;
let taskStore = null; // the watched operation's tasks, read as the squares are (js/squares-store.js)
let stopWatchingTasks = null;
let tasksShown = null; // the tasks read for the operation on show, or null
let watched = null; // the operation whose squares are on show, or null
let stopWatching = null;
let lentFrom; // while a form shows an operation's squares (js/task-form.js): what was on show before
let borrower = null; // {onTakenBack} of the form that has the squares
let shown = null; // the squares on show: {count, collection}, or null before the first read / on a failure

export function initSquaresPanel({ live }) {
  store = createSquaresStore({ load: (id) => api.getSquares(id, getLanguage()), intervalMs: 1000 });
  taskStore = createSquaresStore({ load: (id) => api.getFieldTasks(id, getLanguage()), intervalMs: 1000 });
  const showTasks = byId('show-tasks');
  showTasks.checked = chosenShowTasks();
  showTasks.addEventListener('change', () => {
    rememberShowTasks(showTasks.checked);
    watchTasks();
  });
  const select = byId('square-measure');
  select.value = chosenMeasure();
  setSquareMeasure(select.value);
  select.addEventListener('change', () => {
    rememberMeasure(select.value);
    setSquareMeasure(select.value);
    renderLegend();
    renderStatus();
  });
  live.on('coverage.changed', (message) => store.changed(message.operation_id));
  live.on('operation.changed', (message) => {
    store.changed(message.operation_id);
    taskStore.changed(message.operation_id);
  });
  live.on('live.resync', () => {
    store.refreshAll();
    taskStore.refreshAll();
  });
  onLanguageChange(() => {
    renderLegend();
    renderStatus();
    renderTasks(); // "№4" or "#4"
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
  shown = null;
  setWatchedOperation(id);
  byId('square-controls').hidden = id === null;
  showStatus(null);
  renderLegend();
  watchTasks();
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
    shown = { count, collection };
    renderLegend();
    renderStatus();
    renderTasks();
  });
}

// The tasks of the operation on show are read (and kept fresh) while #show-tasks is ticked.
function watchTasks() {
  stopWatchingTasks?.();
  stopWatchingTasks = null;
  tasksShown = null;
  clearTaskOutlines();
  showTaskStatus(null);
  const id = watched;
  if (id === null || !taskStore || !byId('show-tasks').checked || !initTaskOutlines()) return;
  stopWatchingTasks = taskStore.watch(id, ({ collection: tasks, error }) => {
    if (watched !== id) return;
    if (error && !tasks) {
      showTaskStatus(t('squares.tasks_failed', { error: apiErrorText(error) }));
      return;
    }
    showTaskStatus(null);
    tasksShown = Array.isArray(tasks) ? tasks : [];
    renderTasks();
  });
}

// The outlines follow both the tasks and the squares they name.
function renderTasks() {
  if (!tasksShown || !byId('show-tasks').checked) return;
  drawTaskOutlines(taskOutlines(tasksShown, shown?.collection));
}

function showTaskStatus(text) {
  const line = byId('task-outline-status');
  line.hidden = !text;
  line.textContent = text || '';
}

/** The squares of the operation on show changed here (POA set): read them now. */
export function squaresChangedHere(operationId) {
  if (operationId) store?.changed(operationId, { now: true });
}

// What the status line says once the squares are read: none drawn, or no POA for POA and POS.
function renderStatus() {
  if (!shown) return;
  const measure = byId('square-measure').value;
  if (shown.count === 0) showStatus(t('squares.none'));
  else if (isRelativeMeasure(measure) && !hasPoa(shown.collection?.features)) showStatus(t('squares.no_poa'));
  else showStatus(null);
}

/**
 * A form in the card shows the squares of `operationId` for a while (a task's squares are picked
 * on the map, POA weights given), whatever the live map watched. One form at a time: the one that
 * had them before is told by its `onTakenBack()`. Answers the function that gives them back
 * (what was on show before comes back; nothing happens once another form took them).
 */
export function lendSquaresTo(operationId, { onTakenBack = () => {} } = {}) {
  const previous = borrower;
  borrower = null;
  if (previous) previous.onTakenBack();
  if (lentFrom === undefined) lentFrom = watched;
  const mine = { onTakenBack };
  borrower = mine;
  showSquaresOf(operationId);
  return () => {
    if (borrower !== mine) return;
    borrower = null;
    const before = lentFrom;
    lentFrom = undefined;
    if (before !== undefined) showSquaresOf(before);
  };
}

function showStatus(text) {
  const line = byId('square-status');
  line.hidden = !text;
  line.textContent = text || '';
}

function renderLegend() {
  const measure = byId('square-measure').value;
  byId('square-legend-title').textContent = measureTitle(measure);
  // The relative legend's rows are longer ("6.25–12.5% of max"): two columns (css).
  byId('square-legend').dataset.relative = String(isRelativeMeasure(measure));
  const note = legendNote(measure, measureScale(shown?.collection?.features, measure));
  byId('square-legend-note').hidden = !note;
  byId('square-legend-note').textContent = note;
  byId('square-legend-steps').replaceChildren(...legendSteps(measure).map((step) => {
    const { fillColor, fillOpacity, color } = stepStyle(step.step, measure);
    const fill = h('span', { className: 'square-swatch-fill' });
    fill.style.backgroundColor = fillColor;
    fill.style.opacity = String(fillOpacity);
    const swatch = h('span', { className: 'square-swatch', attrs: { 'aria-hidden': 'true' } }, fill);
    swatch.style.borderColor = color;
    return h('li', { className: 'square-legend-step', dataset: { step: step.step } }, swatch, h('span', { text: legendLabel(step, measure) }));
  }));
}

function chosenMeasure() {
  try {
    return normalMeasure(localStorage.getItem(MEASURE_KEY));
  } catch {
    return DEFAULT_MEASURE;
  }
}

function chosenShowTasks() {
  try {
    return localStorage.getItem(TASKS_KEY) !== 'false';
  } catch {
    return true;
  }
}

function rememberShowTasks(on) {
  try {
    localStorage.setItem(TASKS_KEY, String(Boolean(on)));
  } catch {
    // Storage may be disabled: the choice then lasts until reload.
  }
}

function rememberMeasure(value) {
  try {
    localStorage.setItem(MEASURE_KEY, normalMeasure(value));
  } catch {
    // Storage may be disabled: the choice then lasts until reload.
  }
}

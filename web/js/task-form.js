// The form for a new task of an operation, or a change to one (#fieldtask-form in the
// Operations tab, not a dialog: the map stays clickable). Title, search type, group (a task
// with a group is given to it at once), instructions (shown on the group's phones instead of
// the group's own), its own sweep width, the squares in search order and the card's places to
// check. While the form is open the map shows the operation's squares with the chosen ones
// numbered; "Pick on the map" hands the clicks on the squares to the form (each click adds a
// square at the end of the order, or takes it out), with the bar over the map
// (#task-pick-bar: the count, Undo, Done; Escape ends it too). Squares can also be typed by
// their labels ("Б-7, Б-8"). A route is drawn on the map point by point ("Draw route",
// js/route-draw.js: #route-draw-bar with Undo, Finish, Cancel) and sent as a GeoJSON LineString;
// the task's route is shown on the map while the form is open. A new task can come with its
// squares chosen already (the likeliest squares, js/operation-poa.js).
//
// Browser tests find #fieldtask-form and its fields by id, the chosen squares as
// `#fieldtask-square-order li[data-square-id]`, the places as
// `#fieldtask-place-list input[data-place-id]`, #task-pick-bar with #task-pick-done, and the
// route as #fieldtask-route (data-points: how many), #fieldtask-route-draw and #route-draw-bar.

import * as api from './api.js';
import { showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import {
  moveInOrder, sameOrder, SEARCH_TYPES, searchTypeLabel, squareList, squaresFromText, taskNumberText, toggleInOrder,
} from './field-tasks.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { captureMap, stopPicking } from './map.js';
import { cancelRouteDrawing, lengthText, showRoutePreview, startRouteDrawing } from './route-draw.js';
import { isRoute, lineLengthM, sameRoute } from './route-drawing.js';
import { parseDecimal, settingText, settingValue } from './search-settings.js';
import { markSquareOrder, startSquarePicking, stopSquarePicking } from './squares-layer.js';
import { lendSquaresTo } from './squares-panel.js';

const MAX_TITLE = 200;
const WIDTH_RANGE = [0, 500]; // above 0, at most 500 m (the server's rule)

let onSaved = () => {};
// The form's state while open: {op, task, squareIds, placeIds, places, squares (null until
// read), squaresFailed, labels: Map id -> label, picking, route (GeoJSON LineString or null),
// drawing (a route is being drawn), opener, giveBack (gives the map's squares back)}
let draft = null;
let squaresGeneration = 0;

const FIELD_LABELS = {
  title: () => t('fieldtask.form.title'),
  search_type: () => t('fieldtask.form.search_type'),
  group_id: () => t('fieldtask.form.group'),
  instructions: () => t('fieldtask.form.instructions'),
  sweep_width_m: () => t('fieldtask.form.sweep_width'),
  square_ids: () => t('fieldtask.form.squares'),
  place_ids: () => t('fieldtask.form.places'),
  reason: () => t('fieldtask.reason'),
  route: () => t('fieldtask.form.route'),
};

/** The sentence for a failed request about a task. */
export function taskErrorText(failure) {
  switch (failure?.code) {
    case 'task_finished':
      return t('fieldtask.error.finished');
    case 'invalid_transition':
      return t('fieldtask.error.invalid_transition');
    case 'operation_finished':
      return t('operation.error.finished');
    default:
      return apiErrorText(failure, { fieldLabel: (field) => FIELD_LABELS[field]?.() ?? field });
  }
}

/** `onSaved(task)` gets each task the server answers. */
export function initTaskForm({ onSaved: saved }) {
  onSaved = saved;
  const form = byId('fieldtask-form');
  fillTypes();
  onLanguageChange(() => {
    fillTypes();
    if (!draft) return;
    squaresChanged();
    renderPlaces();
    renderRoute();
    loadSquares(); // the labels are written in the reader's language
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  byId('fieldtask-cancel').addEventListener('click', () => closeTaskForm({ focusBack: true }));
  byId('fieldtask-pick').addEventListener('click', () => (draft?.picking ? stopPicking(true) : startPicking()));
  byId('fieldtask-add-labels').addEventListener('click', () => addTypedLabels());
  byId('fieldtask-square-labels').addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    addTypedLabels();
  });
  byId('fieldtask-square-labels').addEventListener('input', () => showLabelsError(null));
  byId('fieldtask-square-order').addEventListener('click', (event) => {
    const control = event.target.closest('button[data-square-action]');
    const id = control?.closest('[data-square-id]')?.dataset.squareId;
    if (!draft || !id) return;
    const current = draft.squareIds.find((one) => String(one) === id);
    if (current === undefined) return;
    const action = control.dataset.squareAction;
    if (action === 'remove') draft.squareIds = toggleInOrder(draft.squareIds, current);
    else draft.squareIds = moveInOrder(draft.squareIds, current, action === 'up' ? -1 : 1);
    squaresChanged({ focus: `${action}:${id}` });
  });
  byId('fieldtask-place-list').addEventListener('change', (event) => {
    const box = event.target.closest('input[data-place-id]');
    if (!draft || !box) return;
    const id = box.dataset.placeId;
    const chosen = draft.placeIds.includes(id);
    if (box.checked !== chosen) draft.placeIds = toggleInOrder(draft.placeIds, id);
    renderPlaces();
  });
  byId('task-pick-undo').addEventListener('click', () => {
    if (!draft?.squareIds.length) return;
    draft.squareIds = draft.squareIds.slice(0, -1);
    squaresChanged();
  });
  byId('task-pick-done').addEventListener('click', () => stopPicking(true));
  byId('fieldtask-route-draw').addEventListener('click', () => (draft?.drawing ? stopPicking(true) : drawRoute()));
  byId('fieldtask-route-clear').addEventListener('click', () => {
    if (!draft) return;
    draft.route = null;
    showRoutePreview(null);
    renderRoute();
    byId('fieldtask-route-draw').focus();
  });
}

/**
 * Opens the form for a new task of `op`, or to change `task`; `places` are the case's places
 * to choose from; `squares` ([{id, label}]) the squares a new task starts with; `opener` the
 * focus key of the button that opened it (the keyboard goes back).
 */
export function openTaskForm({ op, task = null, places = [], squares = [], opener = null }) {
  closeTaskForm();
  const form = byId('fieldtask-form');
  const startSquares = task ? (task.squares || []) : (Array.isArray(squares) ? squares : []);
  draft = {
    op,
    task,
    squareIds: startSquares.map((square) => square.id),
    placeIds: (task?.places || []).map((place) => place.id),
    places: mergePlaces(places, task?.places || []),
    squares: null,
    squaresFailed: null,
    labels: new Map(startSquares.map((square) => [String(square.id), square.label])),
    picking: false,
    route: isRoute(task?.route) ? task.route : null,
    drawing: false,
    opener,
    giveBack: () => {},
  };
  form.reset();
  byId('fieldtask-form-title').textContent = task
    ? t('fieldtask.form.edit_title', { task: `${taskNumberText(task.number)} ${task.title || ''}`.trim() })
    : t('fieldtask.form.new_title', { operation: op.name });
  byId('fieldtask-submit').textContent = task ? t('form.save') : t('fieldtask.form.create');
  byId('fieldtask-title').value = task?.title || '';
  byId('fieldtask-type').value = task?.search_type || 'line';
  fillGroups(op, task);
  byId('fieldtask-instructions').value = task?.instructions || '';
  byId('fieldtask-width').value = Number.isFinite(task?.sweep_width_m) ? settingText(task.sweep_width_m) : '';
  byId('fieldtask-width-hint').textContent = t('fieldtask.form.sweep_width_hint', { width: settingText(settingValue(op, 'sweep_width_m')) });
  for (const id of ['fieldtask-title', 'fieldtask-width', 'fieldtask-square-labels']) byId(id).removeAttribute('aria-invalid');
  showFormError(byId('fieldtask-error'), null);
  showLabelsError(null);
  form.hidden = false;
  const mine = draft;
  // Another form taking the map's squares (the POA weights) closes this one.
  mine.giveBack = lendSquaresTo(op.id, { onTakenBack: () => {
    if (draft === mine) closeTaskForm();
  } });
  squaresChanged();
  renderPlaces();
  renderRoute();
  showRoutePreview(draft.route);
  loadSquares();
  form.scrollIntoView({ block: 'nearest' });
  byId('fieldtask-title').focus();
}

/** Hides the form (and gives the map back); `focusBack`: to the button that opened it. */
export function closeTaskForm({ focusBack = false } = {}) {
  if (!draft) return;
  const { opener, picking, drawing, giveBack } = draft;
  draft = null;
  squaresGeneration += 1;
  if (picking) stopPicking(false);
  if (drawing) cancelRouteDrawing();
  stopSquarePicking();
  markSquareOrder([]);
  showRoutePreview(null);
  giveBack();
  byId('fieldtask-form').hidden = true;
  byId('task-pick-bar').hidden = true;
  if (focusBack && opener) byId('operation-list').querySelector(`[data-focus-key="${CSS.escape(opener)}"]`)?.focus();
}

function fillTypes() {
  const select = byId('fieldtask-type');
  const chosen = select.value;
  select.replaceChildren(...SEARCH_TYPES.map((type) => h('option', { value: type, text: searchTypeLabel(type) })));
  if (chosen) select.value = chosen;
}

// The case's places, and any of the task's the case list no longer has (kept: they are the task's).
function mergePlaces(casePlaces, taskPlaces) {
  const list = (Array.isArray(casePlaces) ? casePlaces : []).map((p) => ({ id: p.id, name: p.name, address: p.address }));
  for (const place of taskPlaces) {
    if (!list.some((one) => one.id === place.id)) list.push(place);
  }
  return list;
}

function fillGroups(op, task) {
  const select = byId('fieldtask-group');
  const groups = Array.isArray(op.groups) ? op.groups : [];
  // The server does not take a task's group away: a task with a group keeps one.
  const options = task?.group_id ? [] : [h('option', { value: '', text: t('fieldtask.form.no_group') })];
  select.replaceChildren(...options, ...groups.map((g) => h('option', { value: g.id, text: g.name })));
  select.value = task?.group_id || '';
}

async function loadSquares() {
  const mine = ++squaresGeneration;
  const forDraft = draft;
  renderSquaresStatus();
  try {
    const collection = await api.getSquares(forDraft.op.id, getLanguage());
    if (mine !== squaresGeneration || draft !== forDraft) return;
    draft.squares = squareList(collection);
    for (const square of draft.squares) draft.labels.set(String(square.id), square.label);
  } catch (failure) {
    if (mine !== squaresGeneration || draft !== forDraft) return;
    draft.squaresFailed = failure;
  }
  squaresChanged();
}

// ---- The squares ----------------------------------------------------------------------------

const labelOf = (id) => draft?.labels.get(String(id)) || String(id);

function squaresChanged({ focus = null } = {}) {
  if (!draft) return;
  markSquareOrder(draft.squareIds);
  renderSquares(focus);
  renderSquaresStatus();
  updateBar();
}

function renderSquares(focus) {
  const list = byId('fieldtask-square-order');
  const ids = draft.squareIds;
  byId('fieldtask-squares-none').hidden = ids.length > 0;
  list.replaceChildren(...ids.map((id, index) => {
    const label = labelOf(id);
    const control = (action, text, aria, disabled = false) => h('button', {
      type: 'button',
      className: 'button button-quiet button-small fieldtask-square-button',
      dataset: { squareAction: action, focusKey: `${action}:${id}` },
      text,
      disabled,
      attrs: { 'aria-label': aria },
    });
    return h('li', { className: 'fieldtask-square', dataset: { squareId: id, order: index + 1 } },
      h('span', { className: 'fieldtask-square-n', text: String(index + 1) }),
      h('span', { className: 'fieldtask-square-label', text: label }),
      control('up', '↑', t('fieldtask.form.square_up', { label }), index === 0),
      control('down', '↓', t('fieldtask.form.square_down', { label }), index === ids.length - 1),
      control('remove', '×', t('fieldtask.form.square_remove', { label })));
  }));
  if (focus) {
    const target = list.querySelector(`[data-focus-key="${CSS.escape(focus)}"]`);
    if (target && !target.disabled) target.focus();
    else byId('fieldtask-square-labels').focus();
  }
}

function renderSquaresStatus() {
  if (!draft) return;
  const line = byId('fieldtask-squares-status');
  let text = null;
  if (draft.squaresFailed) text = t('fieldtask.form.squares_failed', { error: apiErrorText(draft.squaresFailed) });
  else if (draft.squares === null) text = t('common.loading');
  else if (draft.squares.length === 0) text = t('fieldtask.form.no_squares');
  line.hidden = !text;
  line.textContent = text || '';
  const pick = byId('fieldtask-pick');
  pick.textContent = draft.picking ? t('fieldtask.form.pick_stop') : t('fieldtask.form.pick');
  pick.setAttribute('aria-pressed', String(draft.picking));
}

function showLabelsError(text) {
  const line = byId('fieldtask-labels-error');
  line.hidden = !text;
  line.textContent = text || '';
  if (text) byId('fieldtask-square-labels').setAttribute('aria-invalid', 'true');
  else byId('fieldtask-square-labels').removeAttribute('aria-invalid');
}

/** Adds the squares typed by label; answers false (and says why) when some are not found. */
function addTypedLabels() {
  if (!draft) return true;
  const input = byId('fieldtask-square-labels');
  const text = input.value.trim();
  if (!text) return true;
  if (draft.squares === null) {
    showLabelsError(draft.squaresFailed ? t('fieldtask.form.squares_failed', { error: apiErrorText(draft.squaresFailed) }) : t('fieldtask.form.squares_wait'));
    return false;
  }
  const found = squaresFromText(text, draft.squares);
  const problems = [];
  if (found.unknown.length) problems.push(t('fieldtask.form.labels_unknown', { labels: found.unknown.join(', ') }));
  if (found.ambiguous.length) problems.push(t('fieldtask.form.labels_ambiguous', { labels: found.ambiguous.join(', ') }));
  if (problems.length) {
    showLabelsError(problems.join(' '));
    input.focus();
    return false;
  }
  for (const id of found.ids) {
    if (!draft.squareIds.some((one) => String(one) === String(id))) draft.squareIds = [...draft.squareIds, id];
  }
  input.value = '';
  showLabelsError(null);
  squaresChanged();
  return true;
}

function startPicking() {
  if (!draft || draft.picking) return;
  if (draft.drawing) cancelRouteDrawing(); // before the squares' clicks are taken
  const mine = draft;
  if (!startSquarePicking((square) => pickSquare(mine, square))) {
    showFormError(byId('fieldtask-error'), t('map.unavailable'));
    return;
  }
  const started = captureMap({
    hint: 'task-pick-bar',
    onClick: () => {}, // off the squares: nothing to pick
    onCancel: () => {
      if (draft !== mine) return;
      mine.picking = false;
      stopSquarePicking();
      renderSquaresStatus();
      byId('fieldtask-pick').focus();
    },
  });
  if (!started) {
    stopSquarePicking();
    showFormError(byId('fieldtask-error'), t('map.unavailable'));
    return;
  }
  mine.picking = true;
  renderSquaresStatus();
  updateBar();
}

function pickSquare(mine, square) {
  if (draft !== mine) return;
  if (square.label) mine.labels.set(String(square.id), square.label);
  mine.squareIds = toggleInOrder(mine.squareIds, square.id);
  squaresChanged();
}

function updateBar() {
  if (!draft) return;
  const ids = draft.squareIds;
  let text;
  if (draft.squares !== null && draft.squares.length === 0) text = t('fieldtask.form.no_squares');
  else if (ids.length === 0) text = t('fieldtask.pick.start');
  else text = t('fieldtask.pick.chosen', { n: ids.length, labels: ids.map(labelOf).join(' → ') });
  byId('task-pick-text').textContent = text;
  byId('task-pick-undo').disabled = ids.length === 0;
}

// ---- The route ------------------------------------------------------------------------------

function renderRoute() {
  if (!draft) return;
  const { route, task, drawing } = draft;
  const points = isRoute(route) ? route.coordinates.length : 0;
  const line = byId('fieldtask-route');
  line.dataset.points = String(points);
  line.textContent = points
    ? t('fieldtask.form.route_of', { n: points, length: lengthText(lineLengthM(route)) })
    : t('fieldtask.form.route_none');
  const draw = byId('fieldtask-route-draw');
  if (drawing) draw.textContent = t('fieldtask.form.route_stop');
  else draw.textContent = points ? t('fieldtask.form.route_redraw') : t('fieldtask.form.route_draw');
  draw.setAttribute('aria-pressed', String(drawing));
  // The server keeps a saved route (it can be drawn anew, not taken away): only a route drawn
  // here for a task without one can be removed.
  byId('fieldtask-route-clear').hidden = drawing || !points || isRoute(task?.route);
}

function drawRoute() {
  if (!draft || draft.drawing) return;
  const mine = draft;
  const started = startRouteDrawing({
    onDone: (line) => {
      if (draft !== mine) return;
      mine.drawing = false;
      mine.route = line;
      renderRoute();
      byId('fieldtask-route-draw').focus();
    },
    onCancel: () => {
      if (draft !== mine) return;
      mine.drawing = false;
      showRoutePreview(mine.route);
      renderRoute();
    },
  });
  if (!started) {
    showFormError(byId('fieldtask-error'), t('map.unavailable'));
    return;
  }
  mine.drawing = true;
  renderRoute();
}

// ---- The places -----------------------------------------------------------------------------

function renderPlaces() {
  if (!draft) return;
  const { places, placeIds } = draft;
  byId('fieldtask-places-none').hidden = places.length > 0;
  byId('fieldtask-place-list').replaceChildren(...places.map((place) => {
    const boxId = `fieldtask-place-${place.id}`;
    const order = placeIds.indexOf(place.id);
    return h('li', { className: 'fieldtask-place', dataset: { placeId: place.id } },
      h('input', { type: 'checkbox', id: boxId, checked: order >= 0, dataset: { placeId: place.id } }),
      h('label', { htmlFor: boxId },
        h('span', { className: 'fieldtask-place-name', text: place.name || '' }),
        place.address ? h('span', { className: 'fieldtask-place-address', text: place.address }) : null),
      order >= 0 ? h('span', { className: 'fieldtask-place-order', text: t('fieldtask.form.place_order', { n: order + 1 }) }) : null);
  }));
}

// ---- Saving ---------------------------------------------------------------------------------

function invalid(input, text) {
  input.setAttribute('aria-invalid', 'true');
  showFormError(byId('fieldtask-error'), text);
  input.focus();
  return null;
}

/** What the form says, checked: the fields for the server, or null (the problem is shown). */
function readForm() {
  const titleInput = byId('fieldtask-title');
  const widthInput = byId('fieldtask-width');
  const title = titleInput.value.trim();
  if (!title) return invalid(titleInput, t('fieldtask.form.title_required'));
  if (title.length > MAX_TITLE) return invalid(titleInput, t('fieldtask.form.title_long', { n: MAX_TITLE }));
  titleInput.removeAttribute('aria-invalid');
  const widthText = widthInput.value.trim();
  let width = null;
  if (widthText) {
    width = parseDecimal(widthText);
    if (!Number.isFinite(width) || width <= WIDTH_RANGE[0] || width > WIDTH_RANGE[1]) {
      return invalid(widthInput, t('fieldtask.form.sweep_width_invalid'));
    }
  }
  widthInput.removeAttribute('aria-invalid');
  if (!addTypedLabels()) return null;
  return {
    title,
    search_type: byId('fieldtask-type').value,
    group_id: byId('fieldtask-group').value || null,
    instructions: byId('fieldtask-instructions').value.trim(),
    sweep_width_m: width,
    square_ids: draft.squareIds.slice(),
    place_ids: draft.placeIds.slice(),
    route: isRoute(draft.route) ? draft.route : null,
  };
}

/** The fields of a new task: those given. */
function newTaskBody(read) {
  const body = { title: read.title, search_type: read.search_type };
  if (read.group_id) body.group_id = read.group_id;
  if (read.instructions) body.instructions = read.instructions;
  if (read.sweep_width_m !== null) body.sweep_width_m = read.sweep_width_m;
  if (read.square_ids.length) body.square_ids = read.square_ids;
  if (read.place_ids.length) body.place_ids = read.place_ids;
  if (read.route) body.route = read.route;
  return body;
}

/** The changes to `task`: only what differs (the server keeps the rest). */
function taskChanges(task, read) {
  const changes = {};
  if (read.title !== task.title) changes.title = read.title;
  if (read.search_type !== task.search_type) changes.search_type = read.search_type;
  if (read.group_id && read.group_id !== task.group_id) changes.group_id = read.group_id;
  if (read.instructions !== (task.instructions || '')) changes.instructions = read.instructions;
  if (read.sweep_width_m !== null && !(Math.abs(read.sweep_width_m - (task.sweep_width_m ?? Number.NaN)) < 1e-6)) {
    changes.sweep_width_m = read.sweep_width_m;
  }
  if (!sameOrder(read.square_ids, (task.squares || []).map((s) => s.id))) changes.square_ids = read.square_ids;
  if (!sameOrder(read.place_ids, (task.places || []).map((p) => p.id))) changes.place_ids = read.place_ids;
  if (read.route && !sameRoute(read.route, task.route)) changes.route = read.route;
  return changes;
}

async function submit() {
  if (!draft) return;
  const button = byId('fieldtask-submit');
  if (button.disabled) return;
  showFormError(byId('fieldtask-error'), null);
  const read = readForm();
  if (!read) return;
  const mine = draft;
  const { op, task } = mine;
  let request;
  if (task) {
    const changes = taskChanges(task, read);
    if (Object.keys(changes).length === 0) {
      closeTaskForm({ focusBack: true });
      return;
    }
    request = () => api.updateFieldTask(task.id, changes);
  } else {
    request = () => api.createFieldTask(op.id, newTaskBody(read));
  }
  button.disabled = true;
  byId('fieldtask-form').setAttribute('aria-busy', 'true');
  try {
    const saved = await request();
    if (draft !== mine) return;
    onSaved(saved);
    closeTaskForm({ focusBack: true });
  } catch (failure) {
    if (draft === mine) showFormError(byId('fieldtask-error'), taskErrorText(failure));
  } finally {
    button.disabled = false;
    byId('fieldtask-form').removeAttribute('aria-busy');
  }
}

// The search areas of each operation in the card's "Operations" tab: the list (with each area's
// size, the side of its squares and the share swept so far), a new area drawn on the map
// (js/area-draw.js) or imported from a file and named in #area-dialog (GeoJSON is read here,
// js/geojson-import.js; KML and GPX are sent to the server, which reads them; the kind is told
// by js/outline-file.js), the squares drawn per area at a chosen size, the search settings and
// the field alerts' limits (#settings-dialog), and the coverage computed again; an area renamed
// (#area-rename-dialog) or its outline drawn anew on the map (refused once any of its squares has
// been searched: 409 area_searched, said in the dialog and the status line). The list is the server's
// (GET /api/operations/{id}/areas, read by js/search-areas.js) and read again as the coverage
// changes; js/operation-item.js places areasSection(op) in each operation, and the clicks in it
// are handled here.
//
// Browser tests find `.area-item[data-area-id]`, `.area-grid-form`, `.area-cell-size`,
// `button[data-action="area-rename"]`, `button[data-action="area-outline"]` and `.area-status` here.

import * as api from './api.js';
import { cancelAreaDrawing, clearAreaPreview, showAreaPreview, startAreaDrawing } from './area-draw.js';
import { polygonAreaM2 } from './area-drawing.js';
import { formatNumber } from './coverage-scale.js';
import { confirmAction, openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { MAX_FILE_BYTES, polygonFromGeoJSON } from './geojson-import.js';
import { getLanguage, t } from './i18n.js';
import { fitGeometry } from './map.js';
import { baseName, OUTLINE_FILE_ACCEPT, outlineFileKind, XML_CONTENT_TYPES } from './outline-file.js';
import { operationAreas } from './search-areas.js';
import {
  changesCoverage, parseDecimal, readSearchSettings, SEARCH_SETTINGS, settingText, settingValue, shownValue,
} from './search-settings.js';
import { setMapPeek } from './side-panel.js';
import { areaText, outlineProblemText, percentText } from './square-text.js';
import { createSquaresStore } from './squares-store.js';

const DEFAULT_CELL_SIZE_M = 250;
const CELL_SIZE_RANGE = [50, 2000];
// The tab shows the share swept per area: read again at most every few seconds while people walk.
const AREAS_INTERVAL_MS = 5000;

// The operations' areas, read and read again as js/squares-store.js reads squares: at most once
// per interval, and at once after this console changed them.
let store = null;
let onChange = () => {};
let onOperationSaved = () => {};
let caseId = null;
const operationsById = new Map();
const watching = new Map(); // operation id -> stop watching its areas
const summaries = new Map(); // operation id -> its areas (js/search-areas.js), as last drawn
const unread = new Set(); // operations whose areas could not be read (nothing read before)
const statuses = new Map(); // operation id -> {text, error, load}
const cellDrafts = new Map(); // area id -> the square size typed
const badSizes = new Set(); // areas whose typed square size was refused
const busy = new Set(); // focus keys of the buttons whose request is under way

/**
 * Wires the areas' buttons in #operation-list and the dialogs. `changed()` draws the operations
 * again; `operationSaved(op)` takes an operation the server answered (new search settings).
 */
export function initOperationAreas({ live, changed, operationSaved }) {
  onChange = changed;
  onOperationSaved = operationSaved;
  store = createSquaresStore({ load: (id) => api.getOperationAreas(id), intervalMs: AREAS_INTERVAL_MS });
  live.on('coverage.changed', (message) => store.changed(message.operation_id));

  const list = byId('operation-list');
  list.addEventListener('click', onClick);
  list.addEventListener('submit', onSubmit);
  list.addEventListener('input', (event) => {
    const input = event.target.closest?.('.area-cell-size');
    if (!input) return;
    cellDrafts.set(input.dataset.areaId, input.value);
    badSizes.delete(input.dataset.areaId);
    input.removeAttribute('aria-invalid');
  });
  list.addEventListener('change', (event) => {
    const input = event.target.closest?.('input[data-action="area-import"]');
    if (input) importFile(input);
  });
  byId('area-dialog').addEventListener('close', clearAreaPreview);
  byId('area-grid-now').addEventListener('change', () => {
    byId('area-cell-size').disabled = !byId('area-grid-now').checked;
  });
  byId('settings-defaults').addEventListener('click', () => {
    for (const setting of SEARCH_SETTINGS) {
      byId(`settings-${setting.field}`).value = settingText(shownValue(setting.field, setting.default));
    }
  });
}

/** The operations of case `id` on show: their areas are read, and kept fresh. */
export function followOperations(id, operations) {
  if (caseId !== id) {
    forgetOperationAreas();
    caseId = id;
  }
  operationsById.clear();
  for (const op of operations) operationsById.set(op.id, op);
  for (const [opId, stop] of watching) {
    if (!operationsById.has(opId)) {
      stop();
      watching.delete(opId);
      summaries.delete(opId);
      unread.delete(opId);
    }
  }
  for (const op of operations) {
    if (watching.has(op.id)) continue;
    watching.set(op.id, store.watch(op.id, ({ collection: list, error }) => areasRead(op.id, list, error)));
  }
}

/** An operation's areas or squares changed (or the channel missed notices): read them again. */
export function operationChanged(operationId, { now = false } = {}) {
  if (operationId) store?.changed(operationId, { now });
  else store?.refreshAll();
}

/** The card is left: stop reading, drop the drawing under way. */
export function forgetOperationAreas() {
  cancelAreaDrawing();
  for (const stop of watching.values()) stop();
  watching.clear();
  summaries.clear();
  unread.clear();
  statuses.clear();
  cellDrafts.clear();
  badSizes.clear();
  operationsById.clear();
  caseId = null;
}

// A read of the operation's areas ended. A failure with nothing read before is said in the
// status line (the list keeps what it showed otherwise); the next good read takes it back.
// Drawn again only when what the tab shows changed.
function areasRead(opId, list, error) {
  if (error && !list) {
    unread.add(opId);
    statuses.set(opId, { text: t('area.load_failed', { error: apiErrorText(error) }), error: true, load: true });
    onChange();
    return;
  }
  let redraw = unread.delete(opId);
  if (statuses.get(opId)?.load) {
    statuses.delete(opId);
    redraw = true;
  }
  const areas = operationAreas(list);
  const before = summaries.get(opId);
  summaries.set(opId, areas);
  if (redraw || JSON.stringify(before) !== JSON.stringify(areas)) onChange();
}

function setStatus(opId, text, { error = false } = {}) {
  if (text) statuses.set(opId, { text, error });
  else statuses.delete(opId);
  onChange();
}

// ---- Drawing -------------------------------------------------------------------------------

const button = (action, text, { key, primary = false, label = null, data = {} } = {}) => h('button', {
  type: 'button',
  className: `button ${primary ? 'button-primary' : 'button-quiet'} button-small`,
  dataset: { action, focusKey: key, ...data },
  text,
  disabled: busy.has(key),
  attrs: { 'aria-label': label, 'aria-busy': busy.has(key) ? 'true' : null },
});

/** The "Search areas" part of operation `op`'s item. */
export function areasSection(op) {
  const open = op.status !== 'finished';
  const areas = summaries.get(op.id) ?? null;
  const status = statuses.get(op.id);
  const titleId = `operation-areas-title-${op.id}`;
  return h('section', { className: 'operation-areas', attrs: { 'aria-labelledby': titleId } },
    h('h4', { className: 'operation-areas-title', id: titleId, text: t('area.title') }),
    h('p', { className: 'operation-settings', text: settingsSummary(op) }),
    open ? h('div', { className: 'operation-area-actions' },
      button('area-draw', t('area.draw.start_button'), { key: `area-draw:${op.id}`, primary: true }),
      h('label', { className: 'button button-quiet button-small area-import' },
        h('span', { text: t('area.import') }),
        h('input', {
          type: 'file',
          className: 'visually-hidden',
          accept: OUTLINE_FILE_ACCEPT,
          dataset: { action: 'area-import', focusKey: `area-import:${op.id}` },
        })),
      button('area-settings', t('settings.open'), { key: `area-settings:${op.id}` }),
      button('area-recompute', t('area.recompute'), { key: `area-recompute:${op.id}` })) : null,
    status ? h('p', {
      className: `area-status${status.error ? ' area-status-error' : ''}`,
      attrs: { role: status.error ? 'alert' : 'status' },
      text: status.text,
    }) : null,
    areas === null
      ? (unread.has(op.id) ? null : h('p', { className: 'panel-note', text: t('common.loading') }))
      : (areas.length
        ? h('ul', { className: 'area-list' }, areas.map((area) => areaItem(op, area, open)))
        : h('p', { className: 'panel-note area-none', text: open ? t('area.none_open') : t('area.none') })));
}

function areaItem(op, area, open) {
  const { name } = area;
  const facts = [];
  if (Number.isFinite(area.areaM2)) facts.push(areaText(area.areaM2));
  // The server gives the side of the squares whenever there are squares.
  if (area.squares > 0) {
    facts.push(t('area.squares_of', { n: area.squares, size: formatNumber(area.cellSize, getLanguage()) }));
    facts.push(t('area.swept', { percent: percentText(area.swept) }));
  } else {
    facts.push(t('area.no_squares'));
  }
  const inputId = `area-cell-size-${area.id}`;
  const hintId = `${inputId}-hint`;
  const gridKey = `area-grid:${area.id}`;
  const drawnSize = area.cellSize ?? DEFAULT_CELL_SIZE_M;
  return h('li', { className: 'area-item', dataset: { areaId: area.id } },
    h('div', { className: 'area-head' },
      h('span', { className: 'area-name', text: name }),
      area.geometry ? button('area-show', t('area.show'), {
        key: `area-show:${area.id}`, label: t('area.show_of', { name }),
      }) : null,
      open ? button('area-rename', t('area.rename'), {
        key: `area-rename:${area.id}`, label: t('area.rename_of', { name }),
      }) : null,
      open ? button('area-outline', t('area.outline.redraw'), {
        key: `area-outline:${area.id}`, label: t('area.outline.redraw_of', { name }),
      }) : null),
    h('p', { className: 'area-facts', text: facts.join(' · ') }),
    open ? h('form', { className: 'area-grid-form', dataset: { areaId: area.id }, noValidate: true },
      h('label', { className: 'field-label', htmlFor: inputId, text: t('area.cell_size') }),
      h('div', { className: 'area-grid-row' },
        h('input', {
          className: 'field area-cell-size',
          id: inputId,
          type: 'number',
          min: String(CELL_SIZE_RANGE[0]),
          max: String(CELL_SIZE_RANGE[1]),
          step: '10',
          inputMode: 'numeric',
          value: cellDrafts.get(area.id) ?? String(drawnSize),
          dataset: { areaId: area.id, focusKey: `area-cell-size:${area.id}` },
          attrs: { 'aria-describedby': area.squares > 0 ? hintId : null, 'aria-invalid': badSizes.has(area.id) ? 'true' : null },
        }),
        h('button', {
          type: 'submit',
          className: 'button button-quiet button-small',
          dataset: { focusKey: gridKey },
          disabled: busy.has(gridKey),
          text: area.squares > 0 ? t('area.redraw_squares') : t('area.draw_squares'),
          attrs: { 'aria-label': area.squares > 0 ? t('area.redraw_squares_of', { name }) : t('area.draw_squares_of', { name }) },
        })),
      area.squares > 0 ? h('p', { className: 'field-hint', id: hintId, text: t('area.redraw_hint') }) : null) : null);
}

function settingsSummary(op) {
  const language = getLanguage();
  const n = (field) => formatNumber(settingValue(op, field), language, 2);
  return t('settings.summary', {
    width: n('sweep_width_m'), accuracy: n('max_accuracy_m'), speed: n('max_speed_mps'), gap: n('max_gap_s'),
  });
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
  const target = event.target.closest('button[data-action^="area-"]');
  if (!target) return;
  const op = operationOf(target);
  if (!op) return;
  switch (target.dataset.action) {
    case 'area-draw':
      drawArea(op);
      break;
    case 'area-settings':
      openSettingsDialog(op);
      break;
    case 'area-recompute':
      recompute(op);
      break;
    case 'area-show': {
      const area = areaOf(op, target);
      if (area?.geometry) {
        setMapPeek(true);
        fitGeometry(area.geometry);
      }
      break;
    }
    case 'area-rename': {
      const area = areaOf(op, target);
      if (area) openRenameDialog(op, area);
      break;
    }
    case 'area-outline': {
      const area = areaOf(op, target);
      if (area) redrawOutline(op, area);
      break;
    }
    default:
  }
}

function areaOf(op, target) {
  const areaId = target.closest('.area-item')?.dataset.areaId;
  return (summaries.get(op.id) || []).find((one) => one.id === areaId) ?? null;
}

function drawArea(op) {
  setStatus(op.id, null);
  const started = startAreaDrawing({ onDone: (polygon, areaM2) => openAreaDialog(op, { polygon, areaM2 }) });
  if (!started) setStatus(op.id, t('map.unavailable'), { error: true });
}

async function importFile(input) {
  const op = operationOf(input);
  const file = input.files?.[0];
  input.value = ''; // the same file can be chosen again
  if (!op || !file) return;
  setStatus(op.id, null);
  if (file.size > MAX_FILE_BYTES) {
    setStatus(op.id, t('area.import_failed', { file: file.name, problem: outlineProblemText('too_large_file') }), { error: true });
    return;
  }
  let head = '';
  try {
    head = await file.slice(0, 4096).text();
  } catch {
    head = '';
  }
  const kind = outlineFileKind(file.name, head);
  if (kind === 'kml' || kind === 'gpx') {
    // The server reads the outline (the first polygon, route or track) when the area is saved.
    openAreaDialog(op, { file, kind, name: baseName(file.name) });
    return;
  }
  if (kind === null) {
    setStatus(op.id, t('area.import_failed', { file: file.name, problem: t('area.problem.unknown_file') }), { error: true });
    return;
  }
  let read;
  try {
    read = polygonFromGeoJSON(await file.text());
  } catch {
    read = { ok: false, problem: 'not_json' };
  }
  if (!read.ok) {
    setStatus(op.id, t('area.import_failed', { file: file.name, problem: outlineProblemText(read.problem) }), { error: true });
    return;
  }
  showAreaPreview(read.polygon);
  openAreaDialog(op, {
    polygon: read.polygon,
    areaM2: polygonAreaM2(read.polygon.coordinates),
    name: read.name || baseName(file.name),
    others: read.others,
  });
}

/** Reads a square size typed: a whole number of metres in range, or null. */
function cellSizeOf(text) {
  const size = parseDecimal(text);
  return Number.isInteger(size) && size >= CELL_SIZE_RANGE[0] && size <= CELL_SIZE_RANGE[1] ? size : null;
}

/**
 * The dialog that names a new area: drawn or read from GeoJSON (`polygon`, `areaM2`, `others`:
 * other shapes in the file), or a KML or GPX `file` of that `kind` the server reads.
 */
function openAreaDialog(op, { polygon = null, areaM2 = 0, name = '', others = 0, file = null, kind = null }) {
  const nameInput = byId('area-name');
  const sizeInput = byId('area-cell-size');
  const gridNow = byId('area-grid-now');
  byId('area-dialog-title').textContent = t('area.dialog.title', { operation: op.name });
  byId('area-dialog-shape').textContent = polygon
    ? [
      t('area.dialog.shape', { n: polygon.coordinates[0].length - 1, area: areaText(areaM2) }),
      others > 0 ? t('area.dialog.others', { n: others }) : null,
    ].filter(Boolean).join(' ')
    : t('area.dialog.from_file', { file: file?.name ?? '', kind: kind === 'gpx' ? t('area.kind.gpx') : t('area.kind.kml') });
  nameInput.value = name;
  nameInput.removeAttribute('aria-invalid');
  sizeInput.removeAttribute('aria-invalid');
  gridNow.checked = true;
  sizeInput.disabled = false;
  sizeInput.value = String(DEFAULT_CELL_SIZE_M);

  openDialog(byId('area-dialog'), async () => {
    const error = byId('area-error');
    const areaName = nameInput.value.trim();
    showFormError(error, null);
    if (!areaName) {
      nameInput.setAttribute('aria-invalid', 'true');
      showFormError(error, t('area.name_required'));
      nameInput.focus();
      return false;
    }
    nameInput.removeAttribute('aria-invalid');
    const size = gridNow.checked ? cellSizeOf(sizeInput.value) : null;
    if (gridNow.checked && size === null) {
      sizeInput.setAttribute('aria-invalid', 'true');
      showFormError(error, t('area.error.cell_size'));
      sizeInput.focus();
      return false;
    }
    sizeInput.removeAttribute('aria-invalid');

    let created;
    try {
      created = polygon
        ? await api.createArea(op.id, { name: areaName, geometry: polygon })
        : await api.importArea(op.id, file, XML_CONTENT_TYPES[kind], areaName);
    } catch (failure) {
      showFormError(error, areaErrorText(failure));
      return false;
    }
    if (size === null) {
      setStatus(op.id, t('area.saved', { name: created.name }));
    } else {
      try {
        const grid = await api.drawGrid(created.id, size);
        setStatus(op.id, t('area.saved_with_squares', { name: created.name, n: grid.squares }));
      } catch (failure) {
        setStatus(op.id, t('area.saved_grid_failed', { name: created.name, error: gridErrorText(failure) }), { error: true });
      }
    }
    operationChanged(op.id, { now: true });
    return true;
  });
  nameInput.focus();
  if (name) nameInput.select();
}

// ---- An area renamed, or its outline drawn anew --------------------------------------------------

function openRenameDialog(op, area) {
  const input = byId('area-rename-name');
  setStatus(op.id, null);
  byId('area-rename-title').textContent = t('area.rename_title', { name: area.name });
  input.value = area.name;
  input.removeAttribute('aria-invalid');
  openDialog(byId('area-rename-dialog'), async () => {
    const error = byId('area-rename-error');
    const name = input.value.trim();
    if (!name) {
      input.setAttribute('aria-invalid', 'true');
      showFormError(error, t('area.name_required'));
      input.focus();
      return false;
    }
    input.removeAttribute('aria-invalid');
    if (name === area.name) return true;
    try {
      const saved = await api.updateArea(area.id, { name });
      setStatus(op.id, t('area.renamed', { name: saved?.name ?? name }));
      store.changed(op.id, { now: true });
      return true;
    } catch (failure) {
      showFormError(error, areaChangeErrorText(failure, area));
      return false;
    }
  });
  input.focus();
  input.select();
}

// The outline is drawn on the map over the old one (dashed), then confirmed. An area whose squares
// have been searched keeps its outline: said at once when the list shows some of it swept, and by
// the server (409 area_searched) otherwise.
function redrawOutline(op, area) {
  setStatus(op.id, null);
  if (area.swept > 0) {
    setStatus(op.id, t('area.error.searched', { name: area.name }), { error: true });
    return;
  }
  const started = startAreaDrawing({
    reference: area.geometry,
    onDone: (polygon, areaM2) => confirmOutline(op, area, polygon, areaM2),
  });
  if (!started) setStatus(op.id, t('map.unavailable'), { error: true });
}

function confirmOutline(op, area, polygon, areaM2) {
  const shape = t('area.dialog.shape', { n: polygon.coordinates[0].length - 1, area: areaText(areaM2) });
  byId('confirm-dialog').addEventListener('close', clearAreaPreview, { once: true });
  confirmAction({
    title: t('area.outline.title', { name: area.name }),
    text: area.squares > 0 ? `${shape} ${t('area.outline.squares_again')}` : shape,
    confirmText: t('area.outline.save'),
    run: async (errorLine) => {
      try {
        await api.updateArea(area.id, { geometry: polygon });
        setStatus(op.id, area.squares > 0
          ? t('area.outline.saved_squares', { name: area.name })
          : t('area.outline.saved', { name: area.name }));
        store.changed(op.id, { now: true });
        return true;
      } catch (failure) {
        const text = areaChangeErrorText(failure, area);
        showFormError(errorLine, text);
        if (failure?.code === 'area_searched') setStatus(op.id, text, { error: true });
        return false;
      }
    },
  });
}

function areaChangeErrorText(failure, area) {
  if (failure?.code === 'area_searched') return t('area.error.searched', { name: area.name });
  if (failure?.code === 'invalid_field') {
    return failure.details?.field === 'name' ? t('area.error.name') : t('area.error.geometry');
  }
  if (failure?.code === 'not_found') return t('area.error.area_gone');
  return apiErrorText(failure);
}

function areaErrorText(failure) {
  // The server's own words on what the file lacks (it reads KML and GPX itself).
  if (failure?.code === 'invalid_file') return t('area.error.invalid_file', { problem: failure.message || '' });
  if (failure?.code === 'unsupported_media_type') return t('area.problem.unknown_file');
  if (failure?.code === 'invalid_field') {
    return failure.details?.field === 'name' ? t('area.error.name') : t('area.error.geometry');
  }
  if (failure?.code === 'not_found') return t('area.error.operation_gone');
  return apiErrorText(failure);
}

function gridErrorText(failure) {
  if (failure?.code === 'invalid_field') return t('area.error.cell_size');
  return apiErrorText(failure);
}

async function onSubmit(event) {
  const form = event.target.closest('.area-grid-form');
  if (!form) return;
  event.preventDefault();
  const op = operationOf(form);
  const areaId = form.dataset.areaId;
  if (!op || !areaId) return;
  const input = form.querySelector('.area-cell-size');
  const size = cellSizeOf(input.value);
  if (size === null) {
    badSizes.add(areaId);
    setStatus(op.id, t('area.error.cell_size'), { error: true });
    return;
  }
  badSizes.delete(areaId);
  const name = (summaries.get(op.id) || []).find((one) => one.id === areaId)?.name ?? '';
  setStatus(op.id, null);
  await withBusy(`area-grid:${areaId}`, async () => {
    try {
      const grid = await api.drawGrid(areaId, size);
      cellDrafts.delete(areaId);
      setStatus(op.id, t('area.squares_drawn', { name, n: grid.squares }));
      store.changed(op.id, { now: true });
    } catch (failure) {
      setStatus(op.id, gridErrorText(failure), { error: true });
    }
  });
}

async function recompute(op) {
  setStatus(op.id, null);
  await withBusy(`area-recompute:${op.id}`, async () => {
    try {
      const counts = await api.recomputeCoverage(op.id);
      setStatus(op.id, t('area.recomputed', { squares: counts.squares, covered: counts.covered }));
      store.changed(op.id, { now: true });
    } catch (failure) {
      setStatus(op.id, apiErrorText(failure), { error: true });
    }
  });
}

// ---- Search settings -------------------------------------------------------------------------

const SETTING_LABELS = {
  sweep_width_m: () => t('settings.sweep_width'),
  max_accuracy_m: () => t('settings.max_accuracy'),
  max_speed_mps: () => t('settings.max_speed'),
  max_gap_s: () => t('settings.max_gap'),
  off_task_after_s: () => t('settings.off_task_after'),
  off_task_margin_m: () => t('settings.off_task_margin'),
  silent_after_s: () => t('settings.silent_after'),
};

function defaultText(setting) {
  const language = getLanguage();
  const value = formatNumber(shownValue(setting.field, setting.default), language, 2);
  switch (setting.unit) {
    case 'mps':
      return t('settings.default_speed', { value, kmh: formatNumber(setting.default * 3.6, language, 1) });
    case 's':
      return t('settings.default_seconds', { value });
    case 'min':
      return t('settings.default_minutes', { value });
    default:
      return t('settings.default_metres', { value });
  }
}

function openSettingsDialog(op) {
  byId('settings-dialog-title').textContent = t('settings.title', { name: op.name });
  for (const setting of SEARCH_SETTINGS) {
    const input = byId(`settings-${setting.field}`);
    input.value = settingText(shownValue(setting.field, settingValue(op, setting.field)));
    input.removeAttribute('aria-invalid');
    byId(`settings-${setting.field}-default`).textContent = defaultText(setting);
  }
  openDialog(byId('settings-dialog'), async () => {
    const error = byId('settings-error');
    const values = Object.fromEntries(SEARCH_SETTINGS.map(({ field }) => [field, byId(`settings-${field}`).value]));
    const read = readSearchSettings(values, op);
    for (const { field } of SEARCH_SETTINGS) {
      const input = byId(`settings-${field}`);
      if (read.ok || !read.invalid.includes(field)) input.removeAttribute('aria-invalid');
      else input.setAttribute('aria-invalid', 'true');
    }
    if (!read.ok) {
      showFormError(error, t('settings.invalid', { fields: read.invalid.map((field) => SETTING_LABELS[field]()).join(', ') }));
      byId(`settings-${read.invalid[0]}`).focus();
      return false;
    }
    if (Object.keys(read.changes).length === 0) return true;
    try {
      const saved = await api.updateOperation(op.id, read.changes);
      onOperationSaved(saved);
      if (changesCoverage(read.changes)) {
        setStatus(op.id, t('settings.saved'));
        store.changed(op.id, { now: true });
      } else {
        setStatus(op.id, t('settings.saved_alerts'));
      }
      return true;
    } catch (failure) {
      showFormError(error, failure?.code === 'operation_finished'
        ? t('operation.error.finished')
        : apiErrorText(failure, { fieldLabel: (field) => SETTING_LABELS[field]?.() ?? field }));
      return false;
    }
  });
  byId('settings-sweep_width_m').focus();
}

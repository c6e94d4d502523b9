// The live map while the map section is on show (staff only): the selector over the map
// (everyone in the field, or one current operation; the choice is remembered), the watch on the
// live channel ("map.watch", sent again after a reconnect), the volunteers drawn on the map
// (js/live-map-layer.js) and listed beside it with their state, time since the last fix and
// battery, and under them the watched operation's squares with their coverage
// (js/squares-panel.js). States are judged again every few seconds. "#/map?watch=<operation>" switches the
// watch; "#/map?volunteer=<id>" centres the map on someone once they are known.

import * as api from './api.js';
import { byId, debounce, h, setOptions } from './dom.js';
import { onLanguageChange, t } from './i18n.js';
import { operationStatusLabel } from './labels.js';
import { createLiveMap } from './live-map.js';
import {
  clearVolunteers, drawVolunteer, initVolunteerLayer, restyleVolunteers, showVolunteer,
} from './live-map-layer.js';
import { href } from './routes.js';
import { isStaff } from './session.js';
import { initSquaresPanel, showSquaresOf } from './squares-panel.js';
import { batteryText, fixAgeText, volunteerStateLabel } from './volunteer-text.js';

const STORAGE_KEY = 'sweep.livemap.watch';
const TICK_MS = 5000;

const state = createLiveMap();
let live = null;
let active = false; // the map section is on show and the user is staff
let requested; // the operation id asked for ("" = everyone), undefined when not watching
let operations = []; // current operations, for the selector and the group names
let operationsGeneration = 0;
let ticker = null;
let pendingFocus = null; // a volunteer to centre the map on once they are known
const items = new Map(); // volunteer id -> <li> of the list

export function initLiveMap({ live: channel }) {
  live = channel;
  initSquaresPanel({ live });
  byId('livemap-watch-select').addEventListener('change', (event) => {
    remember(event.target.value);
    watch();
  });
  byId('livemap-list').addEventListener('click', (event) => {
    const button = event.target.closest('.livemap-volunteer');
    const v = button && state.get(button.closest('.livemap-item').dataset.volunteerId);
    if (v) showVolunteer(v);
  });
  live.on('map.snapshot', onSnapshot);
  live.on('map.positions', onPositions);
  // The first connection and every reconnection: the server forgot the watch with the old one.
  live.on('live.status', ({ state: channelState }) => {
    if (channelState === 'open' && active) watch();
  });
  // The server missed notices (or this console fell behind): positions may be missing.
  live.on('resync', () => {
    if (active) watch();
  });
  const reloadOperations = debounce(loadOperations, 1000);
  live.on('operation.changed', () => {
    if (active) reloadOperations();
  });
  onLanguageChange(() => {
    if (!active) return;
    renderSelector();
    renderList({ rebuild: true });
    restyleVolunteers(state.list());
  });
}

/** The map section is shown (again): start watching, or follow the address's wishes. */
export function showLiveMap(route) {
  if (!isStaff() || !initVolunteerLayer({ age: (v) => state.ageOf(v) })) {
    byId('livemap-watch').hidden = true;
    byId('livemap-section').hidden = true;
    return;
  }
  const { watch: wanted, volunteer } = route?.params || {};
  if (wanted !== undefined || volunteer !== undefined) {
    // Handled once: the plain address stays, so the same link works again.
    window.history.replaceState(null, '', href.map());
  }
  if (wanted !== undefined) remember(wanted);
  if (volunteer) pendingFocus = volunteer;
  const wasActive = active;
  active = true;
  byId('livemap-watch').hidden = false;
  byId('livemap-section').hidden = false;
  if (!wasActive) {
    ticker = setInterval(tick, TICK_MS);
    loadOperations();
  }
  renderSelector();
  if (requested !== chosen()) watch();
  else focusPending();
}

/** The map section is left: stop watching and forget the positions. */
export function hideLiveMap() {
  if (!active) return;
  active = false;
  clearInterval(ticker);
  ticker = null;
  live?.send({ type: 'map.unwatch' });
  requested = undefined;
  pendingFocus = null;
  forget();
  showSquaresOf(null);
  byId('livemap-watch').hidden = true;
  byId('livemap-section').hidden = true;
}

// ---- The choice ----------------------------------------------------------------------------

function chosen() {
  try {
    return localStorage.getItem(STORAGE_KEY) || '';
  } catch {
    return '';
  }
}

function remember(operationId) {
  try {
    localStorage.setItem(STORAGE_KEY, operationId || '');
  } catch {
    // Storage may be disabled: the choice then lasts until the map is left.
  }
  if (active) renderSelector();
}

function watch() {
  requested = chosen();
  forget();
  showSquaresOf(requested);
  byId('livemap-waiting').hidden = false;
  live?.send({ type: 'map.watch', operation_id: requested || null });
}

function forget() {
  state.clear();
  clearVolunteers();
  items.clear();
  byId('livemap-list').replaceChildren();
  byId('livemap-empty').hidden = true;
  byId('livemap-waiting').hidden = true;
}

async function loadOperations() {
  const mine = ++operationsGeneration;
  try {
    const loaded = await api.getOperations();
    if (mine !== operationsGeneration || !active) return;
    operations = Array.isArray(loaded) ? loaded : [];
  } catch {
    return; // the selector keeps what it had; "everyone" always works
  }
  // A remembered operation that has finished since: back to everyone.
  const choice = chosen();
  if (choice && !operations.some((op) => op.id === choice)) {
    remember('');
    watch();
  }
  renderSelector();
  renderList({ rebuild: true });
}

function renderSelector() {
  const select = byId('livemap-watch-select');
  setOptions(select, [
    ['', t('livemap.everyone')],
    ...operations.map((op) => [op.id, t('livemap.operation_option', {
      case: op.case_name || '', name: op.name, status: operationStatusLabel(op.status),
    })]),
  ]);
  const choice = chosen();
  // A remembered operation not listed yet keeps its place until the list says otherwise.
  if (choice && !operations.some((op) => op.id === choice)) {
    select.append(h('option', { value: choice, text: t('livemap.operation_unknown') }));
  }
  select.value = choice;
}

// ---- Messages from the live channel --------------------------------------------------------------

function onSnapshot(message) {
  // A snapshot for another watch than the one asked for last is from before the switch.
  if (!active || requested === undefined || (message.operation_id ?? '') !== requested) return;
  state.applySnapshot(message);
  clearVolunteers();
  for (const v of state.list()) drawVolunteer(v);
  byId('livemap-waiting').hidden = true;
  renderList({ rebuild: true });
  focusPending();
}

function onPositions(message) {
  if (!active || !state.ready) return;
  const answer = state.applyPositions(message);
  if (!answer) return;
  drawVolunteer(answer.volunteer, answer.isNew ? null : answer.track);
  if (answer.isNew) renderList({ rebuild: true });
  else updateItem(answer.volunteer);
  if (pendingFocus === answer.volunteer.id) focusPending();
}

function tick() {
  if (!active || !state.ready) return;
  restyleVolunteers(state.refreshStates());
  for (const v of state.list()) updateItem(v);
}

function focusPending() {
  if (!pendingFocus || !state.ready) return;
  const v = state.get(pendingFocus);
  if (v && showVolunteer(v)) {
    pendingFocus = null;
    return;
  }
  // Not in the operation on show: everyone who shares a position may include them.
  if (!v && requested) {
    remember('');
    watch();
  }
}

// ---- The list beside the map ---------------------------------------------------------------------

function groupName(groupId) {
  if (!groupId) return null;
  for (const op of operations) {
    const group = (op.groups || []).find((g) => g.id === groupId);
    if (group) return group.name;
  }
  return null;
}

function renderList({ rebuild = false } = {}) {
  const list = byId('livemap-list');
  const volunteers = state.list();
  byId('livemap-empty').hidden = !(state.ready && volunteers.length === 0);
  for (const v of volunteers) {
    if (!items.has(v.id)) items.set(v.id, newItem(v.id));
    updateItem(v);
  }
  const order = volunteers.map((v) => items.get(v.id));
  const same = !rebuild && order.length === list.children.length
    && order.every((item, index) => list.children[index] === item);
  if (same) return;
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  list.replaceChildren(...order);
  if (focused?.isConnected) focused.focus();
}

function newItem(id) {
  return h('li', { className: 'livemap-item', dataset: { volunteerId: id } },
    h('button', { type: 'button', className: 'livemap-volunteer' },
      h('span', { className: 'livemap-dot', attrs: { 'aria-hidden': 'true' } }),
      h('span', { className: 'livemap-name' }),
      h('span', { className: 'livemap-state' }),
      h('span', { className: 'livemap-age' }),
      h('span', { className: 'livemap-battery' }),
      h('span', { className: 'livemap-group' })));
}

function updateItem(v) {
  const item = items.get(v.id);
  if (!item) return;
  item.dataset.state = v.state;
  const set = (selector, text) => {
    const node = item.querySelector(selector);
    node.textContent = text || '';
    node.hidden = !text;
  };
  set('.livemap-name', v.name);
  set('.livemap-state', volunteerStateLabel(v.state));
  set('.livemap-age', v.last ? fixAgeText(state.ageOf(v)) : null);
  set('.livemap-battery', batteryText(v.last));
  set('.livemap-group', groupName(v.groupId));
  item.querySelector('.livemap-volunteer').setAttribute('aria-disabled', String(!v.last));
}

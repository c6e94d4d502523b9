// Field alerts in the console (docs/coverage.md, "Field alerts"): a volunteer off the task's
// squares and route, a group silent too long.
//
// - The banner (#field-alert-banner, under the overdue tasks, for admins, dispatchers and
//   coordinators): the alerts still to acknowledge across the operations not finished, newest
//   first, as they arrive on the live channel ("field_alert", on raising and on acknowledging).
//   An alert cleared by itself (the volunteer came back, the group was heard) shows as cleared
//   until someone acknowledges it. The server does not announce the clearing, so the lists are
//   read again every minute.
// - In the card's "Operations" tab, each operation's alerts in every state (fieldAlertsSection,
//   placed by js/operation-item.js).
// - "Acknowledge" asks for an optional note (#field-alert-dialog); the alert and the note go into
//   the case's log, and the alert leaves the banner.
//
// Browser tests find `.field-alert[data-alert-id][data-kind][data-state]` (state: open, cleared,
// acknowledged) in #field-alert-list and in `.operation-field-alerts`, and
// `button[data-action="field-alert-ack"]` in them. The alerts kept are js/field-alert-store.js.

import * as api from './api.js';
import { formatNumber } from './coverage-scale.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId, debounce, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { alertState, createFieldAlertStore, minutesSince } from './field-alert-store.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { href } from './routes.js';
import { settingValue, shownValue } from './search-settings.js';
import { hasRole } from './session.js';
import { formatClock } from './time.js';

const REREAD_EVERY_MS = 60 * 1000;
const SHOWN_FOLDED = 3;
const MAX_NOTE = 2000;

const store = createFieldAlertStore();
const activeOperations = new Map(); // operation id -> {id, name, case_id, case_name}, not finished
const caseOperations = new Map(); // operation id -> operation, of the card on show
let running = false;
let expanded = false;
let generation = 0;
let rereadTimer = null;
let clockTimer = null;
const tabListeners = new Set();

export function initFieldAlerts({ live }) {
  const reloadOperations = debounce(() => {
    if (running) load();
  }, 1000);
  live.on('field_alert', (message) => {
    const alert = message?.alert;
    if (!alert || !(running || caseOperations.size)) return;
    store.put(alert);
    // An alert of an operation the banner does not know yet (started since it read them).
    if (running && !activeOperations.has(alert.operation_id)) reloadOperations();
  });
  live.on('operation.changed', reloadOperations);
  live.on('live.resync', () => {
    if (running) load();
    for (const opId of caseOperations.keys()) loadOperation(opId);
  });
  store.subscribe(() => {
    renderBanner();
    for (const listener of tabListeners) listener();
  });
  byId('field-alert-toggle').addEventListener('click', () => {
    expanded = !expanded;
    renderBanner();
  });
  // The Acknowledge buttons, in the banner and in the Operations tab.
  document.addEventListener('click', (event) => {
    const button = event.target.closest?.('button[data-action="field-alert-ack"]');
    if (!button) return;
    const alert = store.get(button.closest('.field-alert')?.dataset.alertId);
    if (alert) askAcknowledge(alert);
  });
  onLanguageChange(renderBanner);
}

/** Starts after login, for the roles that see field alerts. */
export function startFieldAlerts() {
  stopFieldAlerts();
  if (!hasRole('admin', 'dispatcher', 'coordinator')) return;
  running = true;
  load();
  rereadTimer = setInterval(load, REREAD_EVERY_MS);
  // "for 25 min" grows with the clock.
  clockTimer = setInterval(() => {
    renderBanner();
    for (const listener of tabListeners) listener();
  }, 60 * 1000);
}

export function stopFieldAlerts() {
  running = false;
  generation += 1;
  clearInterval(rereadTimer);
  clearInterval(clockTimer);
  activeOperations.clear();
  caseOperations.clear();
  store.clear();
  expanded = false;
  renderBanner();
}

/** `listener()` is called when the alerts change (the Operations tab draws itself again). */
export function onFieldAlertsChanged(listener) {
  tabListeners.add(listener);
  return () => tabListeners.delete(listener);
}

/** The operations of the card on show (their alerts are read, whether finished or not). */
export function followFieldAlertOperations(operations) {
  const before = new Set(caseOperations.keys());
  caseOperations.clear();
  for (const op of operations) caseOperations.set(op.id, op);
  for (const op of operations) if (!before.has(op.id)) loadOperation(op.id);
}

/** The card is left. */
export function forgetFieldAlertOperations() {
  caseOperations.clear();
}

async function load() {
  const mine = ++generation;
  let operations;
  try {
    operations = await api.getOperations();
  } catch {
    return; // the banner keeps what it had; the next reading or message brings it up to date
  }
  if (mine !== generation || !running) return;
  activeOperations.clear();
  for (const op of Array.isArray(operations) ? operations : []) {
    if (op.status !== 'finished') activeOperations.set(op.id, op);
  }
  renderBanner();
  await Promise.all([...activeOperations.keys()].map((opId) => loadOperation(opId)));
}

async function loadOperation(opId) {
  try {
    const list = await api.getFieldAlerts(opId);
    if (!running && !caseOperations.has(opId)) return;
    store.replaceOperation(opId, list);
  } catch {
    // Kept as it was: the next reading tries again.
  }
}

// ---- Words ---------------------------------------------------------------------------------

/** "Off the task's area" or "Group silent". */
export function fieldAlertKindText(kind) {
  return kind === 'silent_group' ? t('fieldalert.kind_title.silent_group') : t('fieldalert.kind_title.off_task');
}

/** Who the alert is about: "Ivan Petrov (North)", or the group's name (its kind says "group"). */
export function fieldAlertWho(alert) {
  if (alert.kind === 'silent_group') return alert.group_name || '—';
  if (alert.group_name) return t('fieldalert.who.volunteer_in_group', { name: alert.volunteer_name || '—', group: alert.group_name });
  return alert.volunteer_name || '—';
}

function durationText(minutes) {
  if (minutes < 60) return t('fieldalert.duration_min', { n: minutes });
  return t('fieldalert.duration_h', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

function stateText(alert) {
  const lang = getLanguage();
  switch (alertState(alert)) {
    case 'acknowledged': {
      const words = { name: alert.acknowledged_by_name || '—', time: formatClock(alert.acknowledged_at, lang) };
      return alert.note
        ? t('fieldalert.state.acknowledged_note', { ...words, note: alert.note })
        : t('fieldalert.state.acknowledged', words);
    }
    case 'cleared':
      return t('fieldalert.state.cleared', { time: formatClock(alert.cleared_at, lang) });
    default:
      return t('fieldalert.state.open');
  }
}

/** One alert: `operation` (the banner names it and links to its card), `canAcknowledge`. */
function fieldAlertItem(alert, { operation = null, canAcknowledge = true } = {}) {
  const state = alertState(alert);
  const lang = getLanguage();
  const who = fieldAlertWho(alert);
  return h('li', {
    className: 'field-alert',
    dataset: { alertId: alert.id, kind: alert.kind, state, operationId: alert.operation_id },
  },
  h('div', { className: 'field-alert-head' },
    h('span', { className: 'field-alert-kind', text: fieldAlertKindText(alert.kind) }),
    h('span', { className: 'field-alert-who', text: who }),
    h('span', { className: 'field-alert-since', text: t('fieldalert.since', {
      time: formatClock(alert.since, lang),
      duration: durationText(minutesSince(alert.since)),
    }) })),
  h('div', { className: 'field-alert-foot' },
    h('span', { className: 'field-alert-state', text: stateText(alert) }),
    operation ? h('a', {
      className: 'field-alert-operation',
      href: href.case(operation.case_id, { tab: 'operations' }),
      text: t('fieldalert.operation_of', { name: operation.case_name || '', operation: operation.name || '' }),
    }) : null,
    canAcknowledge && state !== 'acknowledged' ? h('button', {
      type: 'button',
      className: `button ${state === 'open' ? 'button-primary' : 'button-quiet'} button-small field-alert-ack`,
      dataset: { action: 'field-alert-ack', focusKey: `field-alert-ack:${alert.id}` },
      text: t('fieldalert.acknowledge'),
      attrs: { 'aria-label': t('fieldalert.acknowledge_of', { who, kind: fieldAlertKindText(alert.kind) }) },
    }) : null));
}

// ---- The banner ----------------------------------------------------------------------------

function renderBanner() {
  const list = running
    ? store.unacknowledged().filter((alert) => activeOperations.has(alert.operation_id))
    : [];
  const banner = byId('field-alert-banner');
  banner.hidden = list.length === 0;
  const open = list.filter((alert) => alertState(alert) === 'open').length;
  banner.dataset.level = open > 0 ? 'open' : 'cleared';
  banner.dataset.count = String(list.length);
  banner.dataset.expanded = String(expanded);
  byId('field-alert-title').textContent = open > 0
    ? t('fieldalert.banner.title', { n: list.length })
    : t('fieldalert.banner.title_cleared', { n: list.length });
  const toggle = byId('field-alert-toggle');
  toggle.hidden = list.length <= SHOWN_FOLDED;
  toggle.setAttribute('aria-expanded', String(expanded));
  toggle.textContent = expanded ? t('overdue.fold') : t('overdue.show_all');
  // Drawn anew; the keyboard goes back to the same button.
  const holder = byId('field-alert-list');
  const key = holder.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
  const shown = expanded ? list : list.slice(0, SHOWN_FOLDED);
  holder.replaceChildren(...shown.map((alert) => fieldAlertItem(alert, { operation: activeOperations.get(alert.operation_id) })));
  if (key) holder.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
}

// ---- The Operations tab ----------------------------------------------------------------------

/** The "Field alerts" part of operation `op`'s item: its alerts, newest first, in every state. */
export function fieldAlertsSection(op) {
  const alerts = store.forOperation(op.id);
  const titleId = `operation-field-alerts-title-${op.id}`;
  return h('section', { className: 'operation-field-alerts', attrs: { 'aria-labelledby': titleId } },
    h('h4', { className: 'operation-field-alerts-title', id: titleId, text: t('fieldalert.section.title') }),
    h('p', { className: 'field-hint', text: t('fieldalert.section.limits', limitsOf(op)) }),
    alerts.length
      ? h('ul', { className: 'field-alert-list' }, alerts.map((alert) => fieldAlertItem(alert)))
      : h('p', { className: 'panel-note field-alerts-none', text: t('fieldalert.section.none') }));
}

// The operation's limits (js/search-settings.js has their defaults), durations in minutes.
function limitsOf(op) {
  const lang = getLanguage();
  const minutes = (field) => formatNumber(shownValue(field, settingValue(op, field)), lang, 1);
  return {
    off: minutes('off_task_after_s'),
    margin: formatNumber(settingValue(op, 'off_task_margin_m'), lang, 0),
    silent: minutes('silent_after_s'),
  };
}

// ---- Acknowledging -----------------------------------------------------------------------------

function askAcknowledge(alert) {
  const dialog = byId('field-alert-dialog');
  const note = byId('field-alert-note');
  byId('field-alert-dialog-title').textContent = t('fieldalert.dialog.title', { kind: fieldAlertKindText(alert.kind) });
  byId('field-alert-dialog-text').textContent = t('fieldalert.dialog.text', {
    who: fieldAlertWho(alert),
    time: formatClock(alert.since, getLanguage()),
    state: stateText(alert),
  });
  note.value = '';
  note.removeAttribute('aria-invalid');
  openDialog(dialog, async () => {
    const error = byId('field-alert-error');
    const text = note.value.trim();
    if (text.length > MAX_NOTE) {
      note.setAttribute('aria-invalid', 'true');
      showFormError(error, t('fieldalert.dialog.note_long', { n: MAX_NOTE }));
      note.focus();
      return false;
    }
    note.removeAttribute('aria-invalid');
    try {
      store.put(await api.acknowledgeFieldAlert(alert.id, text || null));
      return true;
    } catch (failure) {
      if (failure?.code === 'already_acknowledged') {
        // Someone else was first: their acknowledgement is read, and this dialog is done.
        await loadOperation(alert.operation_id);
        return true;
      }
      showFormError(error, apiErrorText(failure, { fieldLabel: () => t('fieldalert.dialog.note') }));
      return false;
    }
  });
  note.focus();
}

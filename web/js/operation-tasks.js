// The tasks of each operation in the card's "Operations" tab: a group's assignment (squares to
// comb in order, the card's places to check), listed in the coordinator's order with its
// number, search type, group, status (and why it was only partly done), squares and places;
// a new one or a change in the form below the list (js/task-form.js); the status buttons the
// server's rules allow (js/field-tasks.js: "partly done" asks why, "cancel" asks first); and a
// link to the printable task sheet (task-sheet.html). js/operation-item.js places
// tasksSection(op) in each operation; the clicks in it are handled here. Read again when the
// live channel says the operation changed.
//
// Browser tests find `.task-item[data-task-id][data-status]`, its `.task-item-squares`, the
// buttons `button[data-action="task-status"][data-to]`, `button[data-action="task-edit"]`,
// `button[data-action="task-new"]` and the link `a.task-sheet-link`.

import * as api from './api.js';
import { confirmAction, openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import {
  fieldTaskStatusLabel, isFinished, nextStatuses, searchTypeLabel, taskNumberText,
} from './field-tasks.js';
import { getLanguage, t } from './i18n.js';
import { formatNumber } from './coverage-scale.js';
import { closeTaskForm, initTaskForm, openTaskForm, taskErrorText } from './task-form.js';

const RELOAD_PAUSE_MS = 300;

let onChange = () => {};
let getPlaces = () => [];
let caseId = null;
const operationsById = new Map();
const tasksByOperation = new Map(); // operation id -> tasks in order (absent while the first read runs)
const loadFailures = new Map(); // operation id -> the failure of the last read, when nothing was read before
const statuses = new Map(); // operation id -> {text, error}
const generations = new Map(); // operation id -> number of the newest read
const reloadTimers = new Map(); // operation id -> timer of a read asked for
const busy = new Set(); // focus keys of the buttons whose request is under way

/**
 * Wires the tasks' buttons in #operation-list and the task form. `changed()` draws the
 * operations again; `places()` answers the case's places (to choose a task's).
 */
export function initOperationTasks({ live, changed, places }) {
  onChange = changed;
  getPlaces = places;
  initTaskForm({ onSaved: taskSaved });
  byId('operation-list').addEventListener('click', onClick);
  live.on('operation.changed', (message) => {
    if (operationsById.has(message.operation_id)) reloadSoon(message.operation_id);
  });
  live.on('live.resync', () => {
    for (const opId of operationsById.keys()) reloadSoon(opId);
  });
}

/** The operations of case `id` on show: their tasks are read (those not read yet). */
export function followTaskOperations(id, operations) {
  if (caseId !== id) {
    forgetOperationTasks();
    caseId = id;
  }
  operationsById.clear();
  for (const op of operations) operationsById.set(op.id, op);
  for (const opId of [...tasksByOperation.keys(), ...loadFailures.keys()]) {
    if (!operationsById.has(opId)) {
      tasksByOperation.delete(opId);
      loadFailures.delete(opId);
      statuses.delete(opId);
    }
  }
  for (const op of operations) {
    if (!tasksByOperation.has(op.id) && !generations.has(op.id)) load(op.id);
  }
}

/** The card is left: forget the tasks, close the form. */
export function forgetOperationTasks() {
  closeTaskForm();
  for (const timer of reloadTimers.values()) clearTimeout(timer);
  reloadTimers.clear();
  tasksByOperation.clear();
  loadFailures.clear();
  statuses.clear();
  generations.clear();
  operationsById.clear();
  busy.clear();
  caseId = null;
}

/**
 * Opens the form for a new task of `op` with `squares` ([{id, label}], in order) chosen already:
 * "New task with these squares" of the likeliest squares (js/operation-poa.js).
 */
export function newTaskWithSquares(op, squares, opener = null) {
  if (!op || op.status === 'finished') return;
  setStatus(op.id, null);
  openTaskForm({ op, places: getPlaces(), squares, opener });
}

/** The tasks of operation `opId` as last read (null before the first read). */
export function operationTasks(opId) {
  return tasksByOperation.get(opId) ?? null;
}

function reloadSoon(opId) {
  clearTimeout(reloadTimers.get(opId));
  reloadTimers.set(opId, setTimeout(() => {
    reloadTimers.delete(opId);
    load(opId);
  }, RELOAD_PAUSE_MS));
}

async function load(opId) {
  const mine = (generations.get(opId) || 0) + 1;
  generations.set(opId, mine);
  const forCase = caseId;
  try {
    const tasks = await api.getFieldTasks(opId, getLanguage());
    if (generations.get(opId) !== mine || caseId !== forCase || !operationsById.has(opId)) return;
    tasksByOperation.set(opId, Array.isArray(tasks) ? tasks : []);
    loadFailures.delete(opId);
  } catch (failure) {
    if (generations.get(opId) !== mine || caseId !== forCase) return;
    // What was read before stays on show; a first read that failed says so.
    if (!tasksByOperation.has(opId)) loadFailures.set(opId, failure);
  }
  onChange();
}

function taskSaved(task) {
  if (!task?.operation_id) return;
  const list = tasksByOperation.get(task.operation_id) || [];
  const index = list.findIndex((one) => one.id === task.id);
  const next = index >= 0 ? list.map((one) => (one.id === task.id ? task : one)) : [...list, task];
  next.sort((a, b) => (a.position - b.position) || (a.number - b.number));
  tasksByOperation.set(task.operation_id, next);
  onChange();
}

function setStatus(opId, text, { error = false } = {}) {
  if (text) statuses.set(opId, { text, error });
  else statuses.delete(opId);
  onChange();
}

// ---- Drawing -------------------------------------------------------------------------------

const STATUS_ACTIONS = {
  assigned: (from) => (from === 'planned' ? t('fieldtask.action.assign') : t('fieldtask.action.stop')),
  in_progress: () => t('fieldtask.action.start'),
  planned: () => t('fieldtask.action.unassign'),
  done: () => t('fieldtask.action.done'),
  partly_done: () => t('fieldtask.action.partly_done'),
  cancelled: () => t('fieldtask.action.cancel'),
};

const button = (action, text, { key, primary = false, label = null, data = {}, className = '' } = {}) => h('button', {
  type: 'button',
  className: `button ${primary ? 'button-primary' : 'button-quiet'} button-small${className ? ` ${className}` : ''}`,
  dataset: { action, focusKey: key, ...data },
  text,
  disabled: busy.has(key),
  attrs: { 'aria-label': label, 'aria-busy': busy.has(key) ? 'true' : null },
});

/** "№4 Comb Б-7 and Б-8": a task as buttons' labels and dialogs name it. */
export const taskName = (task) => `${taskNumberText(task.number)} ${task.title || ''}`.trim();

/** The "Tasks" part of operation `op`'s item. */
export function tasksSection(op) {
  const open = op.status !== 'finished';
  const tasks = tasksByOperation.get(op.id) ?? null;
  const failure = loadFailures.get(op.id);
  const status = statuses.get(op.id);
  const titleId = `operation-tasks-title-${op.id}`;
  let body;
  if (tasks === null) {
    body = failure
      ? h('p', { className: 'panel-note panel-error', text: t('fieldtask.load_failed', { error: apiErrorText(failure) }) })
      : h('p', { className: 'panel-note', text: t('common.loading') });
  } else if (tasks.length === 0) {
    body = h('p', { className: 'panel-note task-items-none', text: open ? t('fieldtask.none_open') : t('fieldtask.none') });
  } else {
    body = h('ol', { className: 'task-items' }, tasks.map((task) => taskItem(op, task, open)));
  }
  return h('section', { className: 'operation-tasks', attrs: { 'aria-labelledby': titleId } },
    h('div', { className: 'operation-tasks-head' },
      h('h4', { className: 'operation-tasks-title', id: titleId, text: t('fieldtask.title') }),
      open ? button('task-new', t('fieldtask.new'), { key: `task-new:${op.id}`, primary: true }) : null),
    status ? h('p', {
      className: `area-status${status.error ? ' area-status-error' : ''}`,
      attrs: { role: status.error ? 'alert' : 'status' },
      text: status.text,
    }) : null,
    body);
}

function taskItem(op, task, open) {
  const name = taskName(task);
  const facts = [searchTypeLabel(task.search_type)];
  facts.push(task.group_name ? t('fieldtask.group_of', { name: task.group_name }) : t('fieldtask.no_group'));
  if (Number.isFinite(task.sweep_width_m)) {
    facts.push(t('fieldtask.sweep_width_of', { width: formatNumber(task.sweep_width_m, getLanguage(), 1) }));
  }
  const squares = Array.isArray(task.squares) ? task.squares : [];
  const places = Array.isArray(task.places) ? task.places : [];
  const changeable = open && !isFinished(task.status);
  const next = changeable ? nextStatuses(task.status, { hasGroup: Boolean(task.group_id) }) : [];
  return h('li', { className: 'task-item', dataset: { taskId: task.id, status: task.status, number: task.number } },
    h('div', { className: 'task-item-head' },
      h('span', { className: 'task-item-number', text: taskNumberText(task.number) }),
      h('span', { className: 'task-item-name', text: task.title || '' }),
      h('span', { className: 'status-badge task-item-status', dataset: { status: task.status }, text: fieldTaskStatusLabel(task.status) })),
    h('p', { className: 'task-item-facts', text: facts.join(' · ') }),
    task.status_reason ? h('p', { className: 'task-item-reason', text: t('fieldtask.reason_of', { reason: task.status_reason }) }) : null,
    squares.length ? h('p', { className: 'task-item-squares' },
      h('span', { className: 'task-item-label', text: t('fieldtask.squares') }), ' ',
      h('span', { className: 'task-square-chips' }, squares.map((square, index) => h('span', {
        className: 'task-square-chip',
        dataset: { squareId: square.id, order: index + 1 },
        text: square.label,
      })))) : null,
    places.length ? h('div', { className: 'task-item-places' },
      h('span', { className: 'task-item-label', text: t('fieldtask.places') }),
      h('ol', { className: 'task-item-place-list' }, places.map((place) => h('li', {
        dataset: { placeId: place.id },
        text: place.address ? t('fieldtask.place_with_address', { name: place.name || '', address: place.address }) : (place.name || ''),
      })))) : null,
    task.instructions ? h('p', { className: 'task-item-instructions', text: task.instructions }) : null,
    h('div', { className: 'task-item-actions' },
      next.map((to) => button('task-status', STATUS_ACTIONS[to](task.status), {
        key: `task-status:${task.id}:${to}`,
        primary: to === 'in_progress' || to === 'done' || (to === 'assigned' && task.status === 'planned'),
        data: { to },
        className: 'task-status-button',
        label: t('fieldtask.action_of', { action: STATUS_ACTIONS[to](task.status), task: name }),
      })),
      changeable ? button('task-edit', t('fieldtask.edit'), {
        key: `task-edit:${task.id}`, label: t('fieldtask.edit_of', { task: name }),
      }) : null,
      h('a', {
        className: 'button button-quiet button-small task-sheet-link',
        href: `/task-sheet.html#${encodeURIComponent(op.id)}/${encodeURIComponent(task.id)}`,
        target: '_blank',
        rel: 'noopener',
        dataset: { focusKey: `task-sheet:${task.id}` },
        text: t('fieldtask.print_sheet'),
        attrs: { 'aria-label': t('fieldtask.print_sheet_of', { task: name }) },
      })));
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

function onClick(event) {
  const target = event.target.closest('button[data-action^="task-"]');
  if (!target) return;
  const op = operationsById.get(target.closest('.operation')?.dataset.operationId);
  if (!op) return;
  const taskId = target.closest('.task-item')?.dataset.taskId;
  const task = taskId ? (tasksByOperation.get(op.id) || []).find((one) => one.id === taskId) : null;
  switch (target.dataset.action) {
    case 'task-new':
      setStatus(op.id, null);
      openTaskForm({ op, places: getPlaces(), opener: target.dataset.focusKey });
      break;
    case 'task-edit':
      if (task) {
        setStatus(op.id, null);
        openTaskForm({ op, task, places: getPlaces(), opener: target.dataset.focusKey });
      }
      break;
    case 'task-status':
      if (task) changeStatus(op, task, target.dataset.to);
      break;
    default:
  }
}

function changeStatus(op, task, to) {
  setStatus(op.id, null);
  if (to === 'partly_done') {
    askReason(op, task);
    return;
  }
  if (to === 'cancelled') {
    confirmAction({
      title: t('fieldtask.cancel_title', { task: taskName(task) }),
      text: t('fieldtask.cancel_text'),
      confirmText: t('fieldtask.action.cancel'),
      run: async (errorLine) => {
        try {
          taskSaved(await api.setFieldTaskStatus(task.id, 'cancelled'));
          return true;
        } catch (failure) {
          showFormError(errorLine, taskErrorText(failure));
          return false;
        }
      },
    });
    return;
  }
  withBusy(`task-status:${task.id}:${to}`, async () => {
    try {
      taskSaved(await api.setFieldTaskStatus(task.id, to));
    } catch (failure) {
      setStatus(op.id, taskErrorText(failure), { error: true });
    }
  });
}

function askReason(op, task) {
  const input = byId('fieldtask-reason');
  byId('fieldtask-reason-title').textContent = t('fieldtask.reason_title', { task: taskName(task) });
  input.value = '';
  input.removeAttribute('aria-invalid');
  openDialog(byId('fieldtask-reason-dialog'), async () => {
    const error = byId('fieldtask-reason-error');
    const reason = input.value.trim();
    if (!reason) {
      input.setAttribute('aria-invalid', 'true');
      showFormError(error, t('fieldtask.reason_required'));
      input.focus();
      return false;
    }
    input.removeAttribute('aria-invalid');
    try {
      taskSaved(await api.setFieldTaskStatus(task.id, 'partly_done', reason));
      return true;
    } catch (failure) {
      showFormError(error, taskErrorText(failure));
      return false;
    }
  });
  input.focus();
}

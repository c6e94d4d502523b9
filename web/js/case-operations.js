// The card's "Operations" tab (staff): the search operations of the case, each with its search
// areas (js/operation-areas.js), probability of area (js/operation-poa.js), tasks
// (js/operation-tasks.js), field alerts (js/field-alerts.js), groups, members and messages to
// the field (js/operation-item.js draws one). Here: starting an operation, changing its status and
// its search leader, groups (js/group-dialog.js), their equipment handed out (js/equipment-dialog.js)
// and taken back, members (js/member-dialog.js), messages (js/alert-form.js), phone links
// (js/device-dialog.js).
// Kept live from the channel: "operation.changed" reads the operations (and their areas) again,
// "alert.sent" an operation's messages, and "alert.answer" puts a recipient's read receipt or
// answer in place.

import * as api from './api.js';
import { applyAnswer } from './alert-tally.js';
import { closeAlertForm, initAlertForm, openAlertForm, resetAlertForm } from './alert-form.js';
import { confirmAction, showFormError } from './dialogs.js';
import { initDeviceDialog, openDeviceDialog } from './device-dialog.js';
import { byId, debounce } from './dom.js';
import { openEquipmentDialog } from './equipment-dialog.js';
import { apiErrorText } from './errors.js';
import {
  followFieldAlertOperations, forgetFieldAlertOperations, onFieldAlertsChanged,
} from './field-alerts.js';
import { openGroupDialog } from './group-dialog.js';
import { onLanguageChange, t } from './i18n.js';
import { focusOn } from './map.js';
import { initMemberDialog, openMemberDialog } from './member-dialog.js';
import { followOperations, forgetOperationAreas, initOperationAreas, operationChanged } from './operation-areas.js';
import { operationItem } from './operation-item.js';
import { equipmentNames, equipmentOut } from './operation-people.js';
import { followPoaOperations, forgetOperationPoa, initOperationPoa } from './operation-poa.js';
import { followTaskOperations, forgetOperationTasks, initOperationTasks } from './operation-tasks.js';
import { isAdmin, sessionUser } from './session.js';
import { setMapPeek } from './side-panel.js';

let caseInfo = null; // {id, status, category, last_seen} of the case on show
let casePlaces = []; // the case's places, for a task's places to check
let operations = [];
const alertsByOperation = new Map(); // operation id -> alerts, newest first
const openRecipients = new Set(); // alerts whose recipients are unfolded
const busy = new Set(); // focus keys of the buttons whose request is under way
// Whom a search leader can be chosen from besides the members (js/operation-people.js): the
// team's volunteers, and every account when an administrator is logged in.
let people = { volunteers: [], accounts: [] };
let generation = 0;

export function initOperations({ live }) {
  initDeviceDialog();
  initMemberDialog();
  initAlertForm({
    onAlertSent: (operationId, alert) => {
      const known = alertsByOperation.get(operationId) || [];
      if (alert && !known.some((one) => one.id === alert.id)) alertsByOperation.set(operationId, [alert, ...known]);
      render();
    },
  });
  byId('operation-form').addEventListener('submit', (event) => {
    event.preventDefault();
    createOperation();
  });
  const list = byId('operation-list');
  list.addEventListener('click', onClick);
  list.addEventListener('change', onChange);
  // "toggle" does not bubble: caught on the way down.
  list.addEventListener('toggle', (event) => {
    const details = event.target;
    if (!details.matches?.('.alert-recipients')) return;
    if (details.open) openRecipients.add(details.dataset.alertId);
    else openRecipients.delete(details.dataset.alertId);
  }, true);

  initOperationAreas({ live, changed: render, operationSaved: replaceOperation });
  initOperationTasks({ live, changed: render, places: () => casePlaces });
  initOperationPoa({ live, changed: render });
  onFieldAlertsChanged(() => {
    if (caseInfo) render();
  });

  const reloadSoon = debounce(() => load({ alerts: false }), 300);
  live.on('operation.changed', (message) => {
    if (!caseInfo) return;
    reloadSoon();
    if (operations.some((op) => op.id === message.operation_id)) operationChanged(message.operation_id);
  });
  live.on('alert.sent', (message) => {
    if (caseInfo && operations.some((op) => op.id === message.operation_id)) loadAlerts(message.operation_id);
  });
  live.on('alert.answer', (message) => {
    for (const alerts of alertsByOperation.values()) {
      if (applyAnswer(alerts, message.alert_id, message.recipient)) {
        render();
        return;
      }
    }
  });
  live.on('live.resync', () => {
    if (!caseInfo) return;
    load({ alerts: true });
    operationChanged(null);
  });
  onLanguageChange(render);
}

/** Shows the operations of Case `c` (read again only when it is another case). */
export function showOperations(c) {
  const sameCase = caseInfo?.id === c.id;
  const before = caseInfo;
  caseInfo = { id: c.id, status: c.status, category: c.category ?? null, last_seen: c.last_seen ?? null };
  casePlaces = Array.isArray(c.places) ? c.places : [];
  byId('operation-form').hidden = c.status === 'closed';
  if (sameCase) {
    // The card changed: a new category or last-seen point changes the distance rings offered.
    if (before.category !== caseInfo.category || Boolean(before.last_seen) !== Boolean(caseInfo.last_seen)) {
      followPoaOperations(caseInfo, operations);
      render();
    }
    return;
  }
  operations = [];
  alertsByOperation.clear();
  openRecipients.clear();
  resetAlertForm();
  byId('operation-form').reset();
  showFormError(byId('operation-form-error'), null);
  showFormError(byId('operations-error'), null);
  render();
  load({ alerts: true });
  loadPeople();
}

/** Forgets the case (the card is left). */
export function hideOperations() {
  generation += 1;
  caseInfo = null;
  casePlaces = [];
  operations = [];
  forgetOperationAreas();
  forgetOperationTasks();
  forgetOperationPoa();
  forgetFieldAlertOperations();
  alertsByOperation.clear();
  resetAlertForm();
  byId('operation-list').replaceChildren();
}

async function load({ alerts }) {
  if (!caseInfo) return;
  const mine = ++generation;
  const caseId = caseInfo.id;
  byId('operations-loading').hidden = operations.length > 0;
  try {
    const loaded = await api.getCaseOperations(caseId);
    if (mine !== generation) return;
    operations = Array.isArray(loaded) ? loaded : [];
    followOperations(caseId, operations);
    followTaskOperations(caseId, operations);
    followPoaOperations(caseInfo, operations);
    followFieldAlertOperations(operations);
    byId('operations-load-error').hidden = true;
  } catch (failure) {
    if (mine !== generation) return;
    byId('operations-load-error').hidden = false;
    byId('operations-load-error').textContent = apiErrorText(failure);
  } finally {
    if (mine === generation) byId('operations-loading').hidden = true;
  }
  render();
  for (const op of operations) {
    if (alerts || !alertsByOperation.has(op.id)) loadAlerts(op.id);
  }
}

async function loadAlerts(operationId) {
  const caseId = caseInfo?.id;
  try {
    const loaded = await api.getAlerts(operationId);
    if (caseInfo?.id !== caseId) return;
    alertsByOperation.set(operationId, Array.isArray(loaded) ? loaded : []);
  } catch {
    if (caseInfo?.id !== caseId) return;
    if (!alertsByOperation.has(operationId)) alertsByOperation.set(operationId, []);
  }
  render();
}

// ---- Drawing -------------------------------------------------------------------------------

function render() {
  const list = byId('operation-list');
  const open = operations.filter((op) => op.status !== 'finished').length;
  const count = byId('case-tab-operations-count');
  count.hidden = open === 0;
  count.textContent = String(open);
  byId('operations-empty').hidden = !(caseInfo && operations.length === 0 && byId('operations-loading').hidden);
  // Drawn anew; the keyboard goes back to the same button or list in the new drawing.
  const key = list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
  list.replaceChildren(...operations.map((op) => operationItem(op, {
    alerts: alertsByOperation.get(op.id) ?? null,
    openIds: openRecipients,
    people: { ...people, me: sessionUser() },
    busy,
  })));
  if (key) list.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
}

// The team's volunteers (and, for an administrator, every account), read as a case is shown; a
// failure keeps what was read before (or leaves the members and the account logged in).
async function loadPeople() {
  const [volunteers, accounts] = await Promise.all([
    api.getVolunteers().catch(() => null),
    isAdmin() ? api.getUsers().catch(() => null) : Promise.resolve([]),
  ]);
  people = {
    volunteers: Array.isArray(volunteers) ? volunteers : people.volunteers,
    accounts: Array.isArray(accounts) ? accounts : people.accounts,
  };
  if (caseInfo) render();
}

function replaceOperation(updated) {
  if (!updated?.id) return;
  const index = operations.findIndex((op) => op.id === updated.id);
  if (index >= 0) operations[index] = updated;
  else operations.unshift(updated);
  if (caseInfo) {
    followOperations(caseInfo.id, operations);
    followTaskOperations(caseInfo.id, operations);
    followPoaOperations(caseInfo, operations);
    followFieldAlertOperations(operations);
  }
  render();
}

// ---- Actions -------------------------------------------------------------------------------

function failed(failure) {
  showFormError(byId('operations-error'),
    failure?.code === 'operation_finished' ? t('operation.error.finished') : apiErrorText(failure));
}

function find(target) {
  const op = operations.find((one) => one.id === target.closest('.operation')?.dataset.operationId);
  if (!op) return {};
  const groupId = target.closest('.operation-group')?.dataset.groupId;
  const volunteerId = target.closest('.operation-member')?.dataset.volunteerId;
  return {
    op,
    group: groupId ? (op.groups || []).find((g) => g.id === groupId) : null,
    member: volunteerId ? (op.members || []).find((m) => m.volunteer_id === volunteerId) : null,
  };
}

function onClick(event) {
  const place = event.target.closest('.alert-location');
  if (place) {
    setMapPeek(true);
    focusOn({ lat: Number(place.dataset.lat), lon: Number(place.dataset.lon) });
    return;
  }
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const { op, group, member } = find(button);
  if (!op) return;
  showFormError(byId('operations-error'), null);
  switch (button.dataset.action) {
    case 'status':
      changeStatus(op, button.dataset.to);
      break;
    case 'message':
      openAlertForm({ op });
      break;
    case 'message-group':
      if (group) openAlertForm({ op, group });
      break;
    case 'message-member':
      if (member) openAlertForm({ op, member });
      break;
    case 'add-member':
      openMemberDialog({ op, onSaved: replaceOperation });
      break;
    case 'add-group':
      openGroupDialog({ op, onSaved: replaceOperation });
      break;
    case 'edit-group':
      if (group) openGroupDialog({ op, group, onSaved: replaceOperation });
      break;
    case 'equipment-issue':
      if (group) openEquipmentDialog({ op, group, names: equipmentNames(operations), onSaved: replaceOperation });
      break;
    case 'equipment-return': {
      const equipmentId = button.closest('.equipment-item')?.dataset.equipmentId;
      if (equipmentId) giveBack(equipmentId);
      break;
    }
    case 'device':
      if (member) openDeviceDialog({ id: member.volunteer_id, name: member.name });
      break;
    case 'remove-member':
      if (member) askRemove(op, member);
      break;
    default:
  }
}

async function onChange(event) {
  const leader = event.target.closest('select[data-action="leader"]');
  if (leader) {
    changeLeader(leader);
    return;
  }
  const select = event.target.closest('select[data-action="move"]');
  if (!select) return;
  const { op, member } = find(select);
  if (!op || !member) return;
  showFormError(byId('operations-error'), null);
  select.disabled = true;
  try {
    replaceOperation(await api.putMember(op.id, member.volunteer_id, select.value || null));
  } catch (failure) {
    select.value = member.group_id || '';
    failed(failure);
  } finally {
    select.disabled = false;
  }
}

async function changeLeader(select) {
  const { op } = find(select);
  if (!op || !select.value || select.value === op.leader_id) return;
  showFormError(byId('operations-error'), null);
  select.disabled = true;
  try {
    replaceOperation(await api.updateOperation(op.id, { leader_id: select.value }));
  } catch (failure) {
    select.value = op.leader_id || '';
    if (failure?.code === 'invalid_field' && failure.details?.field === 'leader_id') {
      showFormError(byId('operations-error'), t('operation.leader.refused'));
    } else {
      failed(failure);
    }
  } finally {
    select.disabled = false;
  }
}

// "Returned": the item is back. Someone else may have marked it a moment before (409): the list
// is read again either way.
async function giveBack(equipmentId) {
  const key = `equipment-return:${equipmentId}`;
  if (busy.has(key)) return;
  busy.add(key);
  render();
  try {
    replaceOperation(await api.returnEquipment(equipmentId));
  } catch (failure) {
    if (failure?.code === 'already_returned') {
      showFormError(byId('operations-error'), t('equipment.already_returned'));
      load({ alerts: false });
    } else {
      failed(failure);
    }
  } finally {
    busy.delete(key);
    render();
  }
}

async function createOperation() {
  if (!caseInfo) return;
  const caseId = caseInfo.id;
  const input = byId('operation-name');
  const button = byId('operation-submit');
  const error = byId('operation-form-error');
  const name = input.value.trim();
  showFormError(error, null);
  if (!name) {
    input.setAttribute('aria-invalid', 'true');
    showFormError(error, t('operation.name_required'));
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  if (button.disabled) return;
  button.disabled = true;
  try {
    const created = await api.createOperation(caseId, { name });
    if (caseInfo?.id !== caseId) return;
    input.value = '';
    alertsByOperation.set(created.id, []);
    replaceOperation(created);
  } catch (failure) {
    showFormError(error, failure?.code === 'case_closed' ? t('operation.error.case_closed') : apiErrorText(failure));
  } finally {
    button.disabled = false;
  }
}

async function changeStatus(op, to) {
  const run = async () => replaceOperation(await api.updateOperation(op.id, { status: to }));
  if (to !== 'finished') {
    try {
      await run();
    } catch (failure) {
      failed(failure);
    }
    return;
  }
  // Equipment still out is said before the operation ends (it can still be taken back after).
  const out = equipmentOut(op);
  confirmAction({
    title: t('operation.finish_title', { name: op.name }),
    text: out.items > 0
      ? `${t('operation.finish_text')} ${t('operation.finish_equipment_out', { n: out.items })}`
      : t('operation.finish_text'),
    confirmText: t('operation.action.finish'),
    run: async (errorLine) => {
      try {
        await run();
        closeAlertForm();
        return true;
      } catch (failure) {
        showFormError(errorLine, apiErrorText(failure));
        return false;
      }
    },
  });
}

function askRemove(op, member) {
  confirmAction({
    title: t('operation.member.remove_title', { name: member.name }),
    text: t('operation.member.remove_text', { name: member.name, operation: op.name }),
    confirmText: t('operation.member.remove'),
    run: async (errorLine) => {
      try {
        replaceOperation(await api.removeMember(op.id, member.volunteer_id));
        return true;
      } catch (failure) {
        showFormError(errorLine, apiErrorText(failure));
        return false;
      }
    },
  });
}

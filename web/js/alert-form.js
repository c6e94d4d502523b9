// The form that sends a message to the field: to a whole operation, one of its groups or one
// member; urgent or not, asking for "going / can't" or not, with a point picked on the map if
// it is about a place. It lives in the operations tab (not a dialog) so the map stays clickable.

import * as api from './api.js';
import { readTextAndPoint, showFormError } from './dialogs.js';
import { byId } from './dom.js';
import { apiErrorText } from './errors.js';
import { t } from './i18n.js';
import { pointField } from './point-field.js';

let target = null; // {operationId, groupId, volunteerId, opener}
let locationField = null;
let onSent = () => {};

/** `onAlertSent(operationId, alert)` runs after the server took a message. */
export function initAlertForm({ onAlertSent }) {
  onSent = onAlertSent;
  locationField = pointField(byId('alert-form').querySelector('[data-point-field]'));
  byId('alert-form').addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  byId('alert-cancel').addEventListener('click', () => closeAlertForm({ focusBack: true }));
}

/**
 * Opens the form for a message to operation `op`: to everyone in it, to `group`, or to
 * `member` ({volunteer_id, name}).
 */
export function openAlertForm({ op, group = null, member = null }) {
  target = {
    operationId: op.id,
    groupId: group?.id ?? null,
    volunteerId: member?.volunteer_id ?? null,
    opener: document.activeElement?.dataset?.focusKey ?? null, // where the keyboard goes back to
  };
  let title;
  if (member) title = t('alert.form.to_person', { name: member.name });
  else if (group) title = t('alert.form.to_group', { name: group.name, operation: op.name });
  else title = t('alert.form.to_operation', { name: op.name });
  byId('alert-form-title').textContent = title;
  byId('alert-form').reset();
  locationField.clear();
  byId('alert-text').removeAttribute('aria-invalid');
  showFormError(byId('alert-error'), null);
  byId('alert-sent').hidden = true;
  byId('alert-form').hidden = false;
  byId('alert-form').scrollIntoView({ block: 'nearest' });
  byId('alert-text').focus();
}

/** Hides the form; `focusBack`: the keyboard goes back to the button that opened it. */
export function closeAlertForm({ focusBack = false } = {}) {
  const opener = target?.opener;
  target = null;
  locationField?.clear();
  byId('alert-form').hidden = true;
  if (focusBack && opener) byId('operation-list').querySelector(`[data-focus-key="${CSS.escape(opener)}"]`)?.focus();
}

/** Forgets the form's target and the last "sent" line (another case). */
export function resetAlertForm() {
  closeAlertForm();
  byId('alert-sent').hidden = true;
}

function errorText(error) {
  switch (error?.code) {
    case 'no_recipients':
      return t('alert.error.no_recipients');
    case 'operation_finished':
      return t('operation.error.finished');
    default:
      return apiErrorText(error);
  }
}

async function send() {
  if (!target) return;
  const button = byId('alert-submit');
  if (button.disabled) return;
  const error = byId('alert-error');
  const textInput = byId('alert-text');
  const read = readTextAndPoint({ textInput, error, requiredMessage: t('alert.text_required'), locationField });
  if (!read) return;
  const { text, point } = read;
  const body = {
    text,
    urgent: byId('alert-urgent').checked,
    asks_answer: byId('alert-asks-answer').checked,
  };
  if (target.groupId) body.group_id = target.groupId;
  if (target.volunteerId) body.volunteer_ids = [target.volunteerId];
  if (point.point) body.location = point.point;

  const sentTo = target;
  button.disabled = true;
  try {
    const alert = await api.sendAlert(sentTo.operationId, body);
    if (target !== sentTo) return;
    onSent(sentTo.operationId, alert);
    closeAlertForm({ focusBack: true });
    const line = byId('alert-sent');
    line.hidden = false;
    line.textContent = t('alert.sent', { n: Array.isArray(alert?.recipients) ? alert.recipients.length : 0 });
  } catch (failure) {
    showFormError(error, errorText(failure));
  } finally {
    button.disabled = false;
  }
}

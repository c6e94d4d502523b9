// Adding a volunteer to an operation (#member-dialog): a picker of the team's volunteers that
// says who is already in this operation or in another one (joining here moves them out of it),
// the group to put them in, and their phone link / QR code.

import * as api from './api.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { t } from './i18n.js';
import { openDeviceDialog } from './device-dialog.js';

let volunteers = [];
let generation = 0;

export function initMemberDialog() {
  byId('member-device').addEventListener('click', () => {
    const chosen = volunteers.find((v) => v.id === byId('member-volunteer').value);
    if (chosen) openDeviceDialog(chosen);
    else showFormError(byId('member-error'), t('member.choose_first'));
  });
  byId('member-volunteer').addEventListener('change', () => {
    byId('member-volunteer').removeAttribute('aria-invalid');
    showFormError(byId('member-error'), null);
  });
}

/** Opens the picker for operation `op`; `onSaved(operation)` gets the server's answer. */
export function openMemberDialog({ op, onSaved }) {
  const select = byId('member-volunteer');
  byId('member-dialog-title').textContent = t('member.title', { name: op.name });
  select.replaceChildren(h('option', { value: '', text: t('common.loading') }));
  select.removeAttribute('aria-invalid');
  const groupSelect = byId('member-group');
  groupSelect.replaceChildren(
    h('option', { value: '', text: t('operation.no_group') }),
    ...(op.groups || []).map((g) => h('option', { value: g.id, text: g.name })),
  );
  byId('member-group-field').hidden = !(op.groups || []).length;

  openDialog(byId('member-dialog'), async () => {
    const error = byId('member-error');
    const volunteerId = select.value;
    if (!volunteerId) {
      select.setAttribute('aria-invalid', 'true');
      showFormError(error, t('member.choose_first'));
      select.focus();
      return false;
    }
    try {
      onSaved(await api.putMember(op.id, volunteerId, groupSelect.value || null));
      return true;
    } catch (failure) {
      showFormError(error, failure?.code === 'operation_finished' ? t('operation.error.finished') : apiErrorText(failure));
      return false;
    }
  });
  select.focus();
  loadVolunteers(op);
}

async function loadVolunteers(op) {
  const mine = ++generation;
  const select = byId('member-volunteer');
  try {
    const [loaded, operations] = await Promise.all([
      api.getVolunteers(),
      api.getOperations().catch(() => []),
    ]);
    if (mine !== generation) return;
    volunteers = (Array.isArray(loaded) ? loaded : []).slice().sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const names = new Map((Array.isArray(operations) ? operations : []).map((o) => [o.id, o.name]));
    select.replaceChildren(
      h('option', { value: '', text: t('form.choose') }),
      ...volunteers.map((v) => h('option', { value: v.id, text: optionText(v, op, names) })),
    );
  } catch (failure) {
    if (mine !== generation) return;
    select.replaceChildren(h('option', { value: '', text: t('member.load_failed') }));
    showFormError(byId('member-error'), apiErrorText(failure));
  }
}

function optionText(v, op, names) {
  const who = v.login ? t('member.option', { name: v.name, login: v.login }) : v.name;
  if (!v.operation_id) return who;
  if (v.operation_id === op.id) return t('member.option_here', { who });
  const elsewhere = names.get(v.operation_id);
  return elsewhere ? t('member.option_elsewhere', { who, operation: elsewhere }) : t('member.option_other', { who });
}

// A group of an operation, added or changed in #group-dialog: its name, the instructions its
// members read on their phones (which squares, in what order, what to look out for), its radio
// channel or call signs (#group-radio; emptied, it is cleared), and its leader (#group-leader, one of its members: reports the group's task from the phone). A new
// group has no members yet, so its leader is named later.

import * as api from './api.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { t } from './i18n.js';

const FIELD_LABELS = {
  instructions: () => t('group.instructions'),
  radio: () => t('group.radio'),
  leader_id: () => t('group.leader'),
};
const fieldLabel = (name) => FIELD_LABELS[name]?.() ?? t('group.name');

/**
 * Opens the dialog for a new group of `op`, or to change `group`; `onSaved(operation)` gets the
 * operation as the server answers it.
 */
export function openGroupDialog({ op, group = null, onSaved }) {
  const name = byId('group-name');
  const instructions = byId('group-instructions');
  const radio = byId('group-radio');
  byId('group-dialog-title').textContent = group
    ? t('group.edit_title', { name: group.name })
    : t('group.add_title', { operation: op.name });
  name.value = group?.name || '';
  instructions.value = group?.instructions || '';
  radio.value = group?.radio || '';
  name.removeAttribute('aria-invalid');
  const leader = byId('group-leader');
  const members = group ? (op.members || []).filter((m) => m.group_id === group.id) : [];
  byId('group-leader-field').hidden = members.length === 0;
  // The server names a leader but does not take one away: a group led by one of its members
  // keeps a leader.
  const led = members.some((m) => m.volunteer_id === group?.leader_id);
  leader.replaceChildren(
    ...(led ? [] : [h('option', { value: '', text: t('group.no_leader') })]),
    ...members.map((m) => h('option', { value: m.volunteer_id, text: m.name })),
  );
  leader.value = led ? group.leader_id : '';

  openDialog(byId('group-dialog'), async () => {
    const error = byId('group-error');
    const newName = name.value.trim();
    const newInstructions = instructions.value.trim();
    const newRadio = radio.value.trim();
    if (!newName) {
      name.setAttribute('aria-invalid', 'true');
      showFormError(error, t('group.name_required'));
      name.focus();
      return false;
    }
    name.removeAttribute('aria-invalid');
    try {
      let saved;
      if (group) {
        const changes = {};
        if (newName !== group.name) changes.name = newName;
        if (newInstructions !== (group.instructions || '')) changes.instructions = newInstructions;
        if (newRadio !== (group.radio || '')) changes.radio = newRadio;
        if (members.length && leader.value && leader.value !== group.leader_id) changes.leader_id = leader.value;
        if (Object.keys(changes).length === 0) return true;
        saved = await api.updateGroup(op.id, group.id, changes);
      } else {
        const fields = { name: newName };
        if (newInstructions) fields.instructions = newInstructions;
        if (newRadio) fields.radio = newRadio;
        saved = await api.addGroup(op.id, fields);
      }
      onSaved(saved);
      return true;
    } catch (failure) {
      showFormError(error, failure?.code === 'already_exists'
        ? t('group.name_taken')
        : apiErrorText(failure, { fieldLabel }));
      return false;
    }
  });
  (group ? instructions : name).focus();
}

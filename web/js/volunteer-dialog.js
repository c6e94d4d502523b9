// A volunteer's profile in the registry, new or changed (#volunteer-dialog): name, call sign,
// phones, e-mail, home, skills, vehicles, equipment, notification preferences and notes.
// A new volunteer is "pending" until a dispatcher or an admin approves them.

import * as api from './api.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId } from './dom.js';
import { openDeviceDialog } from './device-dialog.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { vettingLabel } from './labels.js';
import { createProfileEditor, problemText } from './profile-editor.js';
import { profileChanges } from './profile-fields.js';
import { formatTime } from './time.js';

let editor = null;
let shown = null; // the profile being edited, or null for a new one

// The profile's fields as the server names them in "invalid_field".
const FIELD_LABELS = {
  name: () => t('profile.name'),
  call_sign: () => t('profile.call_sign'),
  phones: () => t('profile.phones'),
  email: () => t('profile.email'),
  home: () => t('profile.home'),
  home_label: () => t('profile.home'),
  skills: () => t('profile.skills'),
  vehicles: () => t('profile.vehicles'),
  equipment: () => t('profile.equipment'),
  channels: () => t('prefs.channels'),
  quiet_from: () => t('prefs.quiet_from'),
  quiet_to: () => t('prefs.quiet_to'),
  time_zone: () => t('prefs.time_zone'),
  muted_until: () => t('prefs.muted_until'),
  notes: () => t('profile.notes'),
};

/** The label of a profile field named by the server's "invalid_field". */
export const profileFieldLabel = (name) => FIELD_LABELS[name]?.() ?? name;

// A phone or e-mail already in the registry: the server says which (a code, or the field).
function errorText(error) {
  const code = String(error?.code ?? '');
  if (error?.status === 409 || code.includes('duplicate')) {
    const field = String(error?.details?.field ?? code);
    if (field.includes('email')) return t('profile.error.duplicate_email');
    if (field.includes('phone')) return t('profile.error.duplicate_phone');
  }
  return apiErrorText(error, { fieldLabel: profileFieldLabel });
}

export function initVolunteerDialog() {
  editor = createProfileEditor(byId('volunteer-form'));
  byId('volunteer-device').addEventListener('click', () => {
    if (shown) openDeviceDialog({ id: shown.id, name: shown.name });
  });
  onLanguageChange(() => {
    editor.relabel();
    if (byId('volunteer-dialog').open) describe();
  });
}

function describe() {
  byId('volunteer-dialog-title').textContent = shown ? t('profile.edit_title', { name: shown.name }) : t('profile.new_title');
  const line = byId('volunteer-dialog-vetting');
  line.hidden = !shown;
  if (!shown) return;
  const parts = [t('profile.vetting_line', { vetting: vettingLabel(shown.vetting) })];
  if (shown.vetting_by_name && shown.vetting_at) {
    parts.push(t('profile.vetting_by', { name: shown.vetting_by_name, time: formatTime(shown.vetting_at, getLanguage()) }));
  }
  if (shown.vetting_note) parts.push(shown.vetting_note);
  line.textContent = parts.join(' · ');
}

/** Opens the dialog for `profile` (null: a new volunteer); `onSaved(profile)` gets the server's answer. */
export function openVolunteerDialog(profile, { onSaved }) {
  shown = profile || null;
  describe();
  editor.set(profile);
  byId('volunteer-device').hidden = !shown;
  openDialog(byId('volunteer-dialog'), async () => {
    const error = byId('volunteer-error');
    const read = editor.read(shown);
    if (!read.ok) {
      showFormError(error, problemText(read));
      return false;
    }
    showFormError(error, null);
    try {
      let saved;
      if (shown) {
        const changes = profileChanges(shown, read.value);
        saved = Object.keys(changes).length ? await api.updateRegistryProfile(shown.id, changes) : shown;
      } else {
        saved = await api.createRegistryProfile(read.value);
      }
      onSaved(saved);
      return true;
    } catch (failure) {
      showFormError(error, errorText(failure));
      return false;
    }
  });
  byId('profile-name').focus();
}

// #/volunteers: the team's registry. A row per volunteer (name, call sign, skills, vehicles,
// vetting, whether they have the phone app, their last position's time), searched by name and
// filtered by skill and vetting; the profile dialog (js/volunteer-dialog.js); the vetting
// buttons and the CSV import for dispatchers and admins.

import * as api from './api.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId, debounce, h, setOptions } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { skillLabel, vehicleLabel, vettingLabel } from './labels.js';
import { SKILLS } from './profile-fields.js';
import { initRegistryImport, openRegistryImport } from './registry-import.js';
import { mayVet } from './session.js';
import { formatClock } from './time.js';
import { initVolunteerDialog, openVolunteerDialog } from './volunteer-dialog.js';

let profiles = [];
let state = 'idle'; // idle, loading, loaded, error
let lastError = null;
let generation = 0;

export function initVolunteers() {
  initVolunteerDialog();
  initRegistryImport();
  fillSkillFilter();
  const reload = debounce(load, 300);
  byId('registry-q').addEventListener('input', reload);
  byId('registry-skill').addEventListener('change', load);
  byId('registry-vetting').addEventListener('change', load);
  byId('registry-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  byId('registry-new').addEventListener('click', () => openVolunteerDialog(null, { onSaved: saved }));
  byId('registry-import-open').addEventListener('click', () => openRegistryImport({ imported: load }));
  byId('registry-rows').addEventListener('click', onRowClick);
  onLanguageChange(() => {
    fillSkillFilter();
    render();
  });
}

export const volunteersView = {
  show() {
    byId('registry-import-open').hidden = !mayVet();
    load();
  },
  reset() {
    generation += 1;
    profiles = [];
    state = 'idle';
    byId('registry-filters').reset();
    render();
  },
};

function fillSkillFilter() {
  setOptions(byId('registry-skill'), [['', t('registry.filter.any_skill')], ...SKILLS.map((key) => [key, skillLabel(key)])]);
}

async function load() {
  const mine = ++generation;
  state = 'loading';
  render();
  try {
    const answer = await api.getRegistry({
      q: byId('registry-q').value.trim(),
      skill: byId('registry-skill').value,
      vetting: byId('registry-vetting').value,
    });
    if (mine !== generation) return;
    profiles = answer;
    state = 'loaded';
  } catch (error) {
    if (mine !== generation) return;
    lastError = error;
    state = 'error';
  }
  render();
}

/** A profile came back from the dialog or a vetting decision: shown in place. */
function saved(profile) {
  if (!profile?.id) return;
  const index = profiles.findIndex((p) => p.id === profile.id);
  if (index >= 0) profiles[index] = profile;
  else profiles.unshift(profile);
  render();
  load();
}

function render() {
  byId('registry-loading').hidden = !(state === 'loading' && profiles.length === 0);
  byId('registry-error').hidden = state !== 'error';
  byId('registry-error').textContent = state === 'error' ? apiErrorText(lastError) : '';
  byId('registry-empty').hidden = !(state === 'loaded' && profiles.length === 0);
  byId('registry-count').hidden = profiles.length === 0;
  byId('registry-count').textContent = t('registry.count', { n: profiles.length });
  byId('registry-rows').replaceChildren(...profiles.map(profileRow));
}

// The decisions open to a volunteer in each state.
const NEXT_VETTING = {
  pending: ['approved', 'suspended'],
  approved: ['suspended', 'pending'],
  suspended: ['approved', 'pending'],
};

const vettingButtonText = (to) => {
  if (to === 'approved') return t('vetting.approve');
  if (to === 'suspended') return t('vetting.suspend');
  return t('vetting.to_pending');
};

function profileRow(p) {
  const lang = getLanguage();
  const vehicles = Array.isArray(p.vehicles) ? p.vehicles : [];
  const actions = mayVet()
    ? (NEXT_VETTING[p.vetting] || NEXT_VETTING.pending).map((to) => h('button', {
      type: 'button',
      className: 'button button-quiet button-small vetting-button',
      dataset: { vetting: to, volunteerId: p.id },
      text: vettingButtonText(to),
    }))
    : [];
  return h('tr', { className: 'registry-row', dataset: { volunteerId: p.id, vetting: p.vetting, disabled: String(Boolean(p.disabled)) } },
    h('td', {},
      h('button', { type: 'button', className: 'link-button registry-edit', dataset: { volunteerId: p.id }, text: p.name }),
      p.login ? h('span', { className: 'registry-login', text: p.login }) : null),
    h('td', { text: p.call_sign || '' }),
    h('td', { text: (p.skills || []).map(skillLabel).join(', ') }),
    h('td', { text: vehicles.map(vehicleLabel).join('; ') }),
    h('td', { className: 'registry-vetting' },
      h('span', { className: 'vetting-badge', dataset: { vetting: p.vetting }, text: vettingLabel(p.vetting) }),
      actions.length ? h('span', { className: 'vetting-actions' }, actions) : null),
    h('td', { className: 'registry-app', dataset: { hasApp: String(Boolean(p.has_app)) }, text: p.has_app ? t('registry.app_yes') : t('registry.app_no') }),
    h('td', { text: p.last_fix_at ? formatClock(p.last_fix_at, lang) : '—' }));
}

function onRowClick(event) {
  const edit = event.target.closest('.registry-edit');
  const vet = event.target.closest('.vetting-button');
  const id = (edit || vet)?.dataset.volunteerId;
  const profile = profiles.find((p) => p.id === id);
  if (!profile) return;
  if (edit) openVolunteerDialog(profile, { onSaved: saved });
  else openVetting(profile, vet.dataset.vetting);
}

function openVetting(profile, to) {
  byId('vetting-dialog-title').textContent = t('vetting.dialog_title', { name: profile.name });
  byId('vetting-dialog-text').textContent = t('vetting.dialog_text', { from: vettingLabel(profile.vetting), to: vettingLabel(to) });
  byId('vetting-confirm').textContent = vettingButtonText(to);
  byId('vetting-note').value = '';
  openDialog(byId('vetting-dialog'), async () => {
    try {
      saved(await api.setVetting(profile.id, to, byId('vetting-note').value.trim()));
      return true;
    } catch (failure) {
      showFormError(byId('vetting-error'), apiErrorText(failure));
      return false;
    }
  });
  byId('vetting-note').focus();
}

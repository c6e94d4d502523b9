// A volunteer's phone link and QR code (#device-dialog): a new device is issued, its link to the
// phone app shown as a QR code to scan and as text to copy, with the settings for OsmAnd,
// Traccar Client and OwnTracks for those who use a tracker app instead. The token is shown this
// once and leaves the page when the dialog closes. The volunteer's devices are listed with when
// they were last heard from, and can be revoked.

import * as api from './api.js';
import { copyFromField } from './clipboard.js';
import { confirmAction, openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, t } from './i18n.js';
import { formatTime } from './time.js';

const SECRET_FIELDS = ['device-link', 'device-osmand-url', 'device-traccar-url', 'device-traccar-port-url',
  'device-traccar-id', 'device-owntracks-url', 'device-owntracks-password'];

let volunteer = null; // {id, name} whose devices are on show
let devices = [];
let generation = 0;

export function initDeviceDialog() {
  const dialog = byId('device-dialog');
  dialog.addEventListener('click', async (event) => {
    const copy = event.target.closest('[data-copy]');
    if (copy) {
      const copied = await copyFromField(byId(copy.dataset.copy));
      const note = byId('device-copy-status');
      note.hidden = false;
      note.textContent = copied ? t('link.copied') : t('link.copy_failed');
      return;
    }
    const revoke = event.target.closest('.device-revoke');
    const device = revoke && devices.find((d) => d.id === revoke.closest('.device').dataset.deviceId);
    if (device) askRevoke(device);
  });
  // The token is not left in the page once the dialog is closed.
  dialog.addEventListener('close', () => {
    generation += 1;
    forgetIssued();
  });
}

/** Opens the dialog for volunteer `who` ({id, name}). */
export function openDeviceDialog(who) {
  volunteer = { id: who.id, name: who.name };
  devices = [];
  forgetIssued();
  byId('device-dialog-title').textContent = t('device.title', { name: who.name });
  byId('device-label').value = t('device.label_default');
  byId('device-label').removeAttribute('aria-invalid');
  byId('device-list').replaceChildren();
  byId('device-list-empty').hidden = true;
  byId('device-list-error').hidden = true;
  openDialog(byId('device-dialog'), issue);
  loadDevices();
  byId('device-label').focus();
  byId('device-label').select();
}

function forgetIssued() {
  for (const id of SECRET_FIELDS) byId(id).value = '';
  byId('device-qr').removeAttribute('src');
  byId('device-issued').hidden = true;
  byId('device-issue').hidden = false;
  byId('device-issue-submit').hidden = false;
  byId('device-copy-status').hidden = true;
}

async function issue() {
  if (!volunteer) return true;
  // Enter in a field of the issued link must not issue another device.
  if (!byId('device-issued').hidden) return false;
  const who = volunteer;
  const labelInput = byId('device-label');
  const label = labelInput.value.trim();
  const error = byId('device-error');
  if (!label) {
    labelInput.setAttribute('aria-invalid', 'true');
    showFormError(error, t('device.label_required'));
    labelInput.focus();
    return false;
  }
  labelInput.removeAttribute('aria-invalid');
  try {
    const issued = await api.issueDevice(who.id, label);
    if (volunteer !== who) return false;
    showIssued(issued);
    loadDevices();
  } catch (failure) {
    showFormError(error, apiErrorText(failure));
  }
  return false; // the dialog stays open: the link is to be scanned or copied now
}

function showIssued({ token, setup }) {
  const s = setup || {};
  // The server's SVG goes in as an image, never as markup.
  byId('device-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(s.qr_svg || '')}`;
  byId('device-qr').alt = t('device.qr_alt', { name: volunteer.name });
  byId('device-link').value = s.phone_app_link || '';
  byId('device-osmand-url').value = s.osmand_url || '';
  byId('device-traccar-url').value = s.traccar_server_url || '';
  byId('device-traccar-port-url').value = s.traccar_port_url || '';
  byId('device-traccar-port-field').hidden = !s.traccar_port_url;
  byId('device-traccar-id').value = token || '';
  byId('device-owntracks-url').value = s.owntracks_url || '';
  byId('device-owntracks-password').value = token || '';
  byId('device-issue').hidden = true;
  byId('device-issue-submit').hidden = true;
  byId('device-issued').hidden = false;
  byId('device-link').focus();
  byId('device-link').select();
}

async function loadDevices() {
  const mine = ++generation;
  const who = volunteer;
  const error = byId('device-list-error');
  error.hidden = true;
  try {
    const loaded = await api.getDevices(who.id);
    if (mine !== generation) return;
    devices = Array.isArray(loaded) ? loaded : [];
  } catch (failure) {
    if (mine !== generation) return;
    error.hidden = false;
    error.textContent = apiErrorText(failure);
    return;
  }
  renderDevices();
}

function renderDevices() {
  const lang = getLanguage();
  // Working devices first, newest first within each.
  const ordered = [...devices].sort((a, b) => (Boolean(a.revoked_at) - Boolean(b.revoked_at))
    || String(b.created_at).localeCompare(String(a.created_at)));
  byId('device-list-empty').hidden = ordered.length > 0;
  byId('device-list').replaceChildren(...ordered.map((d) => h('li', {
    className: 'share device',
    dataset: { deviceId: d.id, active: String(!d.revoked_at) },
  },
  h('span', { className: 'share-main' },
    h('span', { className: 'share-whom', text: t('device.item', { label: d.label, prefix: d.prefix || '' }) }),
    h('span', { className: 'share-meta', text: t('device.created', { time: formatTime(d.created_at, lang) }) }),
    h('span', {
      className: 'share-meta',
      text: d.last_seen_at ? t('device.last_seen', { time: formatTime(d.last_seen_at, lang) }) : t('device.never_seen'),
    }),
    d.revoked_at
      ? h('span', { className: 'share-meta share-revoked', text: t('device.revoked_at', { time: formatTime(d.revoked_at, lang) }) })
      : null),
  d.revoked_at ? null : h('button', {
    type: 'button',
    className: 'button button-quiet button-small device-revoke',
    text: t('device.revoke'),
    attrs: { 'aria-label': t('device.revoke_of', { label: d.label }) },
  }))));
}

function askRevoke(device) {
  const who = volunteer;
  confirmAction({
    title: t('device.revoke_title'),
    text: t('device.revoke_text', { label: device.label, name: who?.name || '' }),
    confirmText: t('device.revoke'),
    run: async (errorLine) => {
      try {
        await api.revokeDevice(device.id);
      } catch (failure) {
        showFormError(errorLine, apiErrorText(failure));
        return false;
      }
      if (volunteer === who) loadDevices();
      return true;
    },
  });
}

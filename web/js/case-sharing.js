// The card's "Sharing" tab (staff): who in the police may read the case (a police unit, or one
// liaison account), and read-only links for someone without an account. A link's address is
// shown once, when it is made; afterwards only its label and dates are listed.

import * as api from './api.js';
import { copyFromField } from './clipboard.js';
import { confirmAction, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { isAdmin } from './session.js';
import { durationHours, linkStatus } from './share-links.js';
import { formatTime } from './time.js';

let getCase = () => null;
let caseId = null; // the case whose lists are on show
let shares = [];
let links = [];
let liaisons = null; // admins only: the police liaison accounts, read once
let generation = 0;

export function initSharing({ getCase: caseGetter }) {
  getCase = caseGetter;
  byId('share-form').addEventListener('submit', (event) => {
    event.preventDefault();
    share();
  });
  byId('share-target').addEventListener('change', renderTarget);
  byId('link-form').addEventListener('submit', (event) => {
    event.preventDefault();
    makeLink();
  });
  byId('link-copy').addEventListener('click', copyLink);
  byId('link-issued-done').addEventListener('click', () => {
    hideIssuedLink();
    byId('link-label').focus();
  });
  byId('share-list').addEventListener('click', (event) => {
    const button = event.target.closest('.share-revoke');
    const one = button && shares.find((s) => s.id === button.closest('.share').dataset.shareId);
    if (one) askRevokeShare(one);
  });
  byId('link-list').addEventListener('click', (event) => {
    const button = event.target.closest('.link-revoke');
    const one = button && links.find((l) => l.id === button.closest('.share-link').dataset.linkId);
    if (one) askRevokeLink(one);
  });
  onLanguageChange(() => {
    renderShares();
    renderLinks();
    renderLiaisons();
  });
}

/** Shows the tab for Case `c`: reads its shares and links (again, if it is the same case). */
export function showSharing(c) {
  if (!c) return;
  if (c.id !== caseId) {
    resetSharing();
    caseId = c.id;
    byId('share-unit').value = c.police_unit || '';
  }
  const admin = isAdmin();
  byId('share-target').hidden = !admin;
  if (!admin) byId('share-form').elements.namedItem('target').value = 'unit';
  renderTarget();
  load();
  if (admin && liaisons === null) loadLiaisons();
}

/** Forgets the lists, the forms' input and above all a link's address (leaving the card, logout). */
export function resetSharing() {
  generation += 1;
  caseId = null;
  shares = [];
  links = [];
  liaisons = null;
  hideIssuedLink();
  byId('share-form').reset();
  byId('link-form').reset();
  for (const id of ['share-error', 'link-error', 'share-list-error', 'link-list-error']) showFormError(byId(id), null);
  renderShares();
  renderLinks();
}

async function load() {
  const mine = ++generation;
  const id = caseId;
  const [shareAnswer, linkAnswer] = await Promise.allSettled([api.getShares(id), api.getShareLinks(id)]);
  if (mine !== generation || id !== caseId) return;
  if (shareAnswer.status === 'fulfilled') shares = shareAnswer.value || [];
  if (linkAnswer.status === 'fulfilled') links = linkAnswer.value || [];
  showFormError(byId('share-list-error'), shareAnswer.status === 'rejected' ? apiErrorText(shareAnswer.reason) : null);
  showFormError(byId('link-list-error'), linkAnswer.status === 'rejected' ? apiErrorText(linkAnswer.reason) : null);
  renderShares();
  renderLinks();
}

async function loadLiaisons() {
  liaisons = [];
  try {
    const users = await api.getUsers();
    liaisons = (users || []).filter((user) => user.role === 'police_liaison' && !user.disabled_at);
  } catch {
    liaisons = [];
  }
  renderLiaisons();
}

// ---- Police access -------------------------------------------------------------------------

const shareWhom = (one) => (one.user_id
  ? t('share.whom_user', { name: one.user_name || '—' })
  : t('share.whom_unit', { unit: one.police_unit || '—' }));

function renderShares() {
  const lang = getLanguage();
  byId('share-list-empty').hidden = !(caseId && shares.length === 0);
  byId('share-list').replaceChildren(...shares.map((one) => {
    const active = !one.revoked_at;
    return h('li', { className: 'share', dataset: { shareId: one.id, active: String(active) } },
      h('div', { className: 'share-main' },
        h('span', { className: 'share-whom', text: shareWhom(one) }),
        h('span', { className: 'share-meta', text: t('share.granted', { name: one.granted_by_name || '—', time: formatTime(one.granted_at, lang) }) }),
        active ? null : h('span', { className: 'share-meta share-revoked', text: t('share.revoked_at', { time: formatTime(one.revoked_at, lang) }) })),
      active
        ? h('button', {
          type: 'button',
          className: 'button button-quiet button-small share-revoke',
          text: t('share.revoke'),
          attrs: { 'aria-label': t('share.revoke_of', { whom: shareWhom(one) }) },
        })
        : null);
  }));
}

function renderTarget() {
  const byUser = isAdmin() && byId('share-form').elements.namedItem('target').value === 'user';
  byId('share-unit-field').hidden = byUser;
  byId('share-user-field').hidden = !byUser;
}

function renderLiaisons() {
  const select = byId('share-user');
  const chosen = select.value;
  const options = (liaisons || []).map((user) => h('option', {
    value: user.id,
    text: user.police_unit ? `${user.display_name} — ${user.police_unit}` : user.display_name,
  }));
  if (!options.length) options.push(h('option', { value: '', text: t('share.no_liaisons') }));
  select.replaceChildren(...options);
  if ((liaisons || []).some((user) => user.id === chosen)) select.value = chosen;
}

async function share() {
  const id = caseId;
  if (!id) return;
  const error = byId('share-error');
  showFormError(error, null);
  const byUser = isAdmin() && byId('share-form').elements.namedItem('target').value === 'user';
  let target;
  if (byUser) {
    if (!byId('share-user').value) {
      showFormError(error, t('share.user_required'));
      byId('share-user').focus();
      return;
    }
    target = { user_id: byId('share-user').value };
  } else {
    const unit = byId('share-unit').value.trim();
    if (!unit) {
      byId('share-unit').setAttribute('aria-invalid', 'true');
      showFormError(error, t('share.unit_required'));
      byId('share-unit').focus();
      return;
    }
    byId('share-unit').removeAttribute('aria-invalid');
    target = { police_unit: unit };
  }
  const button = byId('share-submit');
  button.disabled = true;
  try {
    const saved = await api.shareCase(id, target);
    if (id !== caseId) return;
    shares = [...shares.filter((s) => s.id !== saved.id), saved];
    renderShares();
  } catch (failure) {
    showFormError(error, failure.code === 'invalid_field' && failure.details?.field === 'user_id'
      ? t('share.not_a_liaison')
      : apiErrorText(failure, { fieldLabel: () => t('share.unit') }));
  } finally {
    button.disabled = false;
  }
}

function askRevokeShare(one) {
  const id = caseId;
  confirmAction({
    title: t('share.revoke_title'),
    text: t('share.revoke_text', { whom: shareWhom(one) }),
    confirmText: t('share.revoke'),
    run: async (errorLine) => {
      try {
        await api.revokeShare(id, one.id);
      } catch (failure) {
        showFormError(errorLine, apiErrorText(failure));
        return false;
      }
      if (id === caseId) load();
      return true;
    },
  });
}

// ---- Read-only links -----------------------------------------------------------------------

const LINK_STATUS = {
  active: () => t('link.status.active'),
  expired: () => t('link.status.expired'),
  revoked: () => t('link.status.revoked'),
};

function renderLinks() {
  const lang = getLanguage();
  const now = new Date();
  byId('link-list-empty').hidden = !(caseId && links.length === 0);
  byId('link-list').replaceChildren(...links.map((link) => {
    const status = linkStatus(link, now);
    const facts = [
      t('link.created', { name: link.created_by_name || '—', time: formatTime(link.created_at, lang) }),
      status === 'expired'
        ? t('link.expired_at', { time: formatTime(link.expires_at, lang) })
        : t('link.expires', { time: formatTime(link.expires_at, lang) }),
      link.last_used_at ? t('link.last_used', { time: formatTime(link.last_used_at, lang) }) : t('link.never_used'),
    ];
    if (link.revoked_at) facts.push(t('link.revoked_at', { time: formatTime(link.revoked_at, lang) }));
    return h('li', { className: 'share share-link', dataset: { linkId: link.id, status } },
      h('div', { className: 'share-main' },
        h('span', { className: 'share-whom' },
          h('span', { className: 'link-label-text', text: link.label }), ' ',
          h('span', { className: 'link-status', dataset: { status }, text: LINK_STATUS[status]() })),
        facts.map((text) => h('span', { className: 'share-meta', text }))),
      status === 'active'
        ? h('button', {
          type: 'button',
          className: 'button button-quiet button-small link-revoke',
          text: t('link.revoke'),
          attrs: { 'aria-label': t('link.revoke_of', { label: link.label }) },
        })
        : null);
  }));
}

async function makeLink() {
  const id = caseId;
  if (!id) return;
  const error = byId('link-error');
  showFormError(error, null);
  const labelInput = byId('link-label');
  const label = labelInput.value.trim();
  const durationInput = byId('link-duration');
  const hours = durationHours(durationInput.value, byId('link-duration-unit').value);
  markInvalid(labelInput, !label);
  markInvalid(durationInput, Boolean(label) && hours === null);
  if (!label) {
    showFormError(error, t('link.label_required'));
    labelInput.focus();
    return;
  }
  if (hours === null) {
    showFormError(error, t('link.duration_invalid'));
    durationInput.focus();
    return;
  }
  const button = byId('link-submit');
  button.disabled = true;
  try {
    const issued = await api.makeShareLink(id, label, hours);
    if (id !== caseId) return;
    links = [issued.link, ...links.filter((l) => l.id !== issued.link.id)];
    renderLinks();
    showIssuedLink(issued);
    byId('link-form').reset();
  } catch (failure) {
    showFormError(error, apiErrorText(failure, { fieldLabel: () => t('link.label') }));
  } finally {
    button.disabled = false;
  }
}

function markInvalid(input, invalid) {
  if (invalid) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

function showIssuedLink({ link, url }) {
  byId('link-issued').hidden = false;
  byId('link-issued-text').textContent = t('link.issued', {
    label: link.label,
    time: formatTime(link.expires_at, getLanguage()),
  });
  const input = byId('link-url');
  input.value = url;
  byId('link-copy-status').hidden = true;
  input.focus();
  input.select();
}

function hideIssuedLink() {
  byId('link-issued').hidden = true;
  byId('link-url').value = '';
  byId('link-issued-text').textContent = '';
  byId('link-copy-status').hidden = true;
}

async function copyLink() {
  const note = byId('link-copy-status');
  const copied = await copyFromField(byId('link-url'));
  note.hidden = false;
  note.textContent = copied ? t('link.copied') : t('link.copy_failed');
}

function askRevokeLink(link) {
  const id = caseId;
  confirmAction({
    title: t('link.revoke_title'),
    text: t('link.revoke_text', { label: link.label }),
    confirmText: t('link.revoke'),
    run: async (errorLine) => {
      try {
        await api.revokeShareLink(id, link.id);
      } catch (failure) {
        showFormError(errorLine, apiErrorText(failure));
        return false;
      }
      if (id === caseId) load();
      return true;
    },
  });
}

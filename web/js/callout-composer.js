// The call-out composer (#callout-form): optionally from a case's orientation, a title and text,
// whom it targets in the registry, the channels, the headcount needed, escalation and expiry.
// Whom it would reach is asked again as the form changes (POST /api/callouts/preview); Send
// posts it and opens its answer board. What the form means is js/callout-target.js's work.

import * as api from './api.js';
import { showFormError } from './dialogs.js';
import { byId, debounce, h, setOptions } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { skillLabel } from './labels.js';
import { pointField } from './point-field.js';
import { isPoint } from './points.js';
import { localTimeZone, matchesSearch, SKILLS } from './profile-fields.js';
import { previewRequest, readCallout } from './callout-target.js';
import { href } from './routes.js';

const PREVIEW_PAUSE_MS = 500;

let nearField = null;
let locationField = null; // the meeting point, shown with the call-out
let cases = [];
let people = []; // approved volunteers, for choosing by name
const chosen = new Set();
let preview = { state: 'idle', counts: null, error: null };
let previewGeneration = 0;
let peopleGeneration = 0;
let dirty = false;
let onSent = () => {};

const form = () => byId('callout-form');
const checkedValues = (name) => [...form().querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);

/** `sent(alert)` runs after the server took a call-out. */
export function initCalloutComposer({ sent }) {
  onSent = sent;
  nearField = pointField(byId('callout-near-point').closest('[data-point-field]'));
  locationField = pointField(byId('callout-location-field'));
  byId('callout-skills').replaceChildren(...SKILLS.map((key) => h('label', { className: 'checkbox' },
    h('input', { type: 'checkbox', name: 'target_skill', value: key }), ' ',
    h('span', { dataset: { skill: key } }))));
  renderSkillNames();

  const previewSoon = debounce(askPreview, PREVIEW_PAUSE_MS);
  const changed = () => {
    dirty = true;
    syncEnabled();
    previewSoon();
  };
  form().addEventListener('input', changed);
  form().addEventListener('change', changed);
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  byId('callout-people').addEventListener('change', (event) => {
    const box = event.target.closest('input[type="checkbox"]');
    if (!box) return;
    if (box.checked) chosen.add(box.value);
    else chosen.delete(box.value);
    byId('callout-people-on').checked = chosen.size > 0 || byId('callout-people-on').checked;
    renderChosenCount();
  });
  byId('callout-people-q').addEventListener('input', renderPeople);
  byId('callout-case').addEventListener('change', caseChosen);
  byId('callout-case-fill').addEventListener('click', fillFromCase);
  byId('callout-clear').addEventListener('click', () => {
    if (!dirty || window.confirm(t('callout.clear_confirm'))) clearComposer();
  });
  onLanguageChange(() => {
    renderSkillNames();
    renderCases();
    renderPeople();
    renderPreview();
  });
  syncEnabled();
  renderPreview();
}

/** Shown: reads the cases and the approved volunteers; `caseId` starts from that case. */
export async function showComposer({ caseId = null } = {}) {
  loadPeople();
  await loadCases();
  if (caseId && byId('callout-case').value !== caseId && cases.some((c) => c.id === caseId)) {
    byId('callout-case').value = caseId;
    caseChosen();
    if (!byId('callout-title').value.trim() && !byId('callout-text').value.trim()) fillFromCase();
  }
  askPreview();
}

/** Whether something typed would be lost. */
export const composerDirty = () => dirty && Boolean(byId('callout-title').value.trim() || byId('callout-text').value.trim());

/** Empties the form (after sending, at logout). */
export function clearComposer() {
  form().reset();
  nearField?.clear();
  locationField?.clear();
  chosen.clear();
  byId('callout-people-q').value = '';
  byId('callout-case-status').hidden = true;
  showFormError(byId('callout-error'), null);
  for (const node of form().querySelectorAll('[aria-invalid="true"]')) node.removeAttribute('aria-invalid');
  dirty = false;
  syncEnabled();
  renderPeople();
  preview = { state: 'idle', counts: null, error: null };
  renderPreview();
}

/** Forgets what was read (logout). */
export function resetComposer() {
  previewGeneration += 1;
  peopleGeneration += 1;
  cases = [];
  people = [];
  clearComposer();
  renderCases();
}

function renderSkillNames() {
  for (const span of byId('callout-skills').querySelectorAll('span[data-skill]')) span.textContent = skillLabel(span.dataset.skill);
}

// The criteria apply only when targeting "those who match"; escalation only when it is on.
function syncEnabled() {
  byId('callout-criteria').disabled = !byId('callout-target-match').checked;
  byId('callout-escalation-body').disabled = !byId('callout-escalate-on').checked;
}

// ---- Cases and their orientation ---------------------------------------------------------------

async function loadCases() {
  try {
    const answer = await api.getCases();
    cases = (Array.isArray(answer) ? answer : []).filter((c) => c.status !== 'closed');
  } catch {
    cases = [];
  }
  renderCases();
}

function renderCases() {
  setOptions(byId('callout-case'), [['', t('callout.case_none')],
    ...cases.map((c) => [c.id, t('callout.case_option', { number: c.number ?? '', name: c.full_name ?? '' })])]);
}

const chosenCase = () => cases.find((c) => c.id === byId('callout-case').value) || null;

// A case's last-seen point is where to look for people nearby, unless another point is set.
function caseChosen() {
  const c = chosenCase();
  if (c && isPoint(c.last_seen) && !byId('callout-near-point').value.trim()) nearField.set(c.last_seen);
}

function caseStatus(text) {
  const line = byId('callout-case-status');
  line.hidden = !text;
  line.textContent = text || '';
}

async function fillFromCase() {
  const c = chosenCase();
  if (!c) {
    caseStatus(t('callout.case_choose_first'));
    byId('callout-case').focus();
    return;
  }
  const typed = byId('callout-title').value.trim() || byId('callout-text').value.trim();
  if (typed && !window.confirm(t('callout.case_overwrite'))) return;
  caseStatus(t('common.loading'));
  try {
    const draft = await api.getOrientation(c.id, getLanguage(), localTimeZone());
    const title = typeof draft === 'string' ? '' : draft?.title ?? '';
    const text = typeof draft === 'string' ? draft : draft?.text ?? '';
    byId('callout-title').value = String(title || c.full_name || '').slice(0, 200);
    byId('callout-text').value = String(text);
    // The meeting point (else the last-seen one): where the call-out says to come, and where
    // people nearby are looked for, unless other points are set.
    if (isPoint(draft?.location) && !byId('callout-location').value.trim()) locationField.set(draft.location);
    if (isPoint(draft?.location) && !byId('callout-near-point').value.trim()) nearField.set(draft.location);
    caseStatus(t('callout.case_filled', { number: c.number ?? '' }));
    dirty = true;
    askPreview();
  } catch (failure) {
    caseStatus(apiErrorText(failure));
  }
}

// ---- Chosen people ------------------------------------------------------------------------------

async function loadPeople() {
  const mine = ++peopleGeneration;
  try {
    const answer = await api.getRegistry({ vetting: 'approved' });
    if (mine !== peopleGeneration) return;
    people = answer.filter((p) => !p.disabled).sort((a, b) => String(a.name).localeCompare(String(b.name)));
  } catch {
    if (mine !== peopleGeneration) return;
    people = [];
  }
  renderPeople();
}

function renderPeople() {
  const q = byId('callout-people-q').value;
  const shown = people.filter((p) => chosen.has(p.id) || matchesSearch(p, q)).slice(0, 200);
  byId('callout-people').replaceChildren(...shown.map((p) => h('li', { className: 'callout-person' },
    h('label', { className: 'checkbox' },
      h('input', { type: 'checkbox', value: p.id, checked: chosen.has(p.id), dataset: { volunteerId: p.id } }), ' ',
      h('span', { text: p.call_sign ? t('callout.person', { name: p.name, call_sign: p.call_sign }) : p.name })))));
  renderChosenCount();
}

function renderChosenCount() {
  byId('callout-people-chosen').textContent = t('callout.people.chosen', { n: chosen.size });
}

// ---- The form's values, the preview, sending ----------------------------------------------------

function values() {
  const near = nearField.read();
  const location = locationField.read();
  return {
    caseId: byId('callout-case').value || null,
    location: location.ok ? location.point : null,
    title: byId('callout-title').value,
    text: byId('callout-text').value,
    urgent: byId('callout-urgent').checked,
    mode: byId('callout-target-match').checked ? 'match' : 'all',
    near: {
      on: byId('callout-near-on').checked,
      point: near.ok ? near.point : null,
      km: byId('callout-near-km').value,
      by: byId('callout-near-by').value,
    },
    skills: { on: byId('callout-skills-on').checked, keys: checkedValues('target_skill') },
    vehicle: { on: byId('callout-vehicle-on').checked, fourByFour: byId('callout-vehicle-4x4').checked, minSeats: byId('callout-vehicle-seats').value },
    people: { on: byId('callout-people-on').checked, ids: [...chosen] },
    channels: checkedValues('channel'),
    needed: byId('callout-needed').value,
    escalate: {
      on: byId('callout-escalate-on').checked,
      afterMin: byId('callout-escalate-after').value,
      to: checkedValues('escalate_channel'),
      widenKm: byId('callout-widen-km').value,
      maxKm: byId('callout-max-km').value,
    },
    expiresH: byId('callout-expires').value,
  };
}

async function askPreview() {
  const mine = ++previewGeneration;
  const body = previewRequest(values());
  if (!body || !body.channels.length) {
    preview = { state: 'idle', counts: null, error: null };
    renderPreview();
    return;
  }
  preview = { ...preview, state: 'loading' };
  renderPreview();
  try {
    const counts = await api.previewCallout(body);
    if (mine !== previewGeneration) return;
    preview = { state: 'ready', counts: counts || {}, error: null };
  } catch (failure) {
    if (mine !== previewGeneration) return;
    preview = { state: 'error', counts: null, error: failure };
  }
  renderPreview();
}

function renderPreview() {
  const box = byId('callout-preview');
  box.dataset.state = preview.state;
  const note = byId('callout-preview-note');
  const counts = preview.counts;
  byId('callout-preview-counts').hidden = !counts;
  if (preview.state === 'idle') note.textContent = t('callout.preview.incomplete');
  else if (preview.state === 'loading') note.textContent = t('callout.preview.counting');
  else if (preview.state === 'error') note.textContent = apiErrorText(preview.error);
  else note.textContent = Number(counts.people) > 0 ? '' : t('callout.preview.nobody');
  if (!counts) return;
  const number = (n) => String(Number(n) || 0);
  byId('callout-preview-people').textContent = number(counts.people);
  byId('callout-preview-app').textContent = number(counts.channels?.app);
  byId('callout-preview-email').textContent = number(counts.channels?.email);
  byId('callout-preview-sms').textContent = number(counts.channels?.sms);
  byId('callout-preview-unreachable').textContent = number(counts.unreachable);
  box.dataset.people = number(counts.people);
}

// The field a problem is about, and what to say.
const PROBLEMS = {
  title: ['callout-title', (p) => (p === 'too_long' ? t('callout.error.title_long') : t('callout.error.title'))],
  text: ['callout-text', () => t('callout.error.text')],
  criteria: ['callout-near-on', () => t('callout.error.criteria')],
  near_point: ['callout-near-point', () => t('callout.error.near_point')],
  near_km: ['callout-near-km', () => t('callout.error.near_km')],
  skills: ['callout-skills-on', () => t('callout.error.skills')],
  vehicle_seats: ['callout-vehicle-seats', () => t('callout.error.vehicle_seats')],
  people: ['callout-people-q', () => t('callout.error.people')],
  channels: ['callout-channel-app', () => t('callout.error.channels')],
  needed: ['callout-needed', (p) => (p === 'for_escalation' ? t('callout.error.needed_for_escalation') : t('callout.error.needed'))],
  escalate_after: ['callout-escalate-after', () => t('callout.error.escalate_after')],
  escalate_to: ['callout-escalate-sms', () => t('callout.error.escalate_to')],
  widen_km: ['callout-widen-km', (p) => (p === 'needs_near' ? t('callout.error.widen_needs_near') : t('callout.error.widen_km'))],
  max_km: ['callout-max-km', () => t('callout.error.max_km')],
  expires: ['callout-expires', () => t('callout.error.expires')],
};

function showProblem(result) {
  for (const node of form().querySelectorAll('[aria-invalid="true"]')) node.removeAttribute('aria-invalid');
  const [id, text] = PROBLEMS[result.field] || [null, () => t('form.check_fields')];
  showFormError(byId('callout-error'), text(result.problem));
  if (id) {
    byId(id).setAttribute('aria-invalid', 'true');
    byId(id).focus();
  }
}

async function send() {
  const button = byId('callout-send');
  if (button.disabled) return;
  for (const field of [locationField, nearField]) {
    if (!field.read().ok) {
      field.input.focus();
      return;
    }
  }
  const read = readCallout(values());
  if (!read.ok) {
    showProblem(read);
    return;
  }
  showFormError(byId('callout-error'), null);
  button.disabled = true;
  try {
    const alert = await api.sendCallout(read.body);
    clearComposer();
    onSent(alert);
    if (alert?.id) window.location.hash = href.callout(alert.id);
  } catch (failure) {
    showFormError(byId('callout-error'), failure?.code === 'no_recipients' ? t('callout.error.no_recipients') : apiErrorText(failure));
  } finally {
    button.disabled = false;
  }
}


// The answer page (answer.html, served at /r/<token>): the call-out the link came with, the
// volunteer's answer (going, can't, going with an arrival time) and their notification
// preferences. No session: the token in the address is the permission, for this call-out only.

import * as api from './api.js';
import { failureKind, pageLanguage, tokenFromPath } from './answer-link.js';
import { calloutState, etaFromClock } from './callout-headcount.js';
import { byId } from './dom.js';
import { getLanguage, initI18n, onLanguageChange, setLanguage, t } from './i18n.js';
import { initLanguageSwitch } from './language-switch.js';
import { fillTimeZones, preferenceFields, problemText, setPreferences } from './profile-editor.js';
import { pointOf, readPreferences } from './profile-fields.js';
import { formatClock, formatTime } from './time.js';

const token = tokenFromPath(window.location.pathname);
let page = null; // the server's answer: {alert, volunteer, answer, eta, preferences}
let failure = null;
let sending = false;

function show(id, visible) {
  byId(id).hidden = !visible;
}

function fieldError(id, text) {
  byId(id).hidden = !text;
  byId(id).textContent = text || '';
}

function failureWords(kind) {
  switch (kind) {
    case 'expired':
      return [t('answer.failure.expired_title'), t('answer.failure.expired')];
    case 'unknown':
      return [t('answer.failure.unknown_title'), t('answer.failure.unknown')];
    case 'closed':
      return [t('answer.failure.closed_title'), t('answer.failure.closed')];
    case 'network':
      return [t('answer.failure.network_title'), t('error.network')];
    default:
      return [t('answer.failure.other_title'), t('error.server')];
  }
}

function render() {
  document.body.dataset.state = page ? 'ready' : (failure ? 'failed' : 'loading');
  show('answer-loading', !page && !failure);
  show('answer-failure', Boolean(failure) && !page);
  if (failure && !page) {
    const [title, text] = failureWords(failure);
    byId('answer-failure').dataset.kind = failure;
    byId('answer-failure-title').textContent = title;
    byId('answer-failure-text').textContent = text;
  }
  show('answer-callout', Boolean(page));
  show('answer-section', Boolean(page));
  show('preferences-section', Boolean(page));
  if (!page) return;
  const lang = getLanguage();
  const alert = page.alert || {};
  document.title = alert.title ? `${alert.title} — ${t('answer.page_title')}` : t('answer.page_title');
  show('answer-urgent', Boolean(alert.urgent));
  byId('answer-sent').textContent = alert.sent_at ? t('answer.sent_at', { time: formatTime(alert.sent_at, lang) }) : '';
  byId('answer-title').textContent = alert.title || '';
  byId('answer-text').textContent = alert.text || '';
  const point = pointOf(alert.location);
  show('answer-place', Boolean(point));
  if (point) {
    const link = byId('answer-place-link');
    link.href = `geo:${point.lat},${point.lon}?q=${point.lat},${point.lon}`;
    link.textContent = `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}`;
  }
  const photo = byId('answer-photo');
  photo.hidden = !alert.has_photo || photo.dataset.failed === 'true';
  if (alert.has_photo && !photo.getAttribute('src')) photo.src = `/api/answer/${encodeURIComponent(token)}/photo`;
  photo.alt = t('answer.photo_alt');
  // The server says "closed" for an expired call-out too; the page says which.
  const status = expired(alert) ? 'expired' : calloutState(alert);
  const stateLine = byId('answer-state');
  stateLine.dataset.state = status;
  if (status === 'closed') stateLine.textContent = t('answer.state.closed');
  else if (status === 'expired') stateLine.textContent = t('answer.state.expired');
  else stateLine.textContent = alert.expires_at ? t('answer.state.open_until', { time: formatTime(alert.expires_at, lang) }) : '';
  show('answer-state', Boolean(stateLine.textContent));

  const name = page.volunteer?.name;
  byId('answer-question').textContent = name ? t('answer.question_named', { name }) : t('answer.question');
  const current = byId('answer-current');
  current.dataset.answer = page.answer || 'none';
  current.textContent = currentText(page, lang);
  for (const id of ['answer-going', 'answer-cant', 'answer-going-eta', 'answer-eta']) byId(id).disabled = status !== 'open' || sending;
  byId('answer-going').setAttribute('aria-pressed', String(page.answer === 'going' && !page.eta));
  byId('answer-cant').setAttribute('aria-pressed', String(page.answer === 'cant'));
}

function currentText(data, lang) {
  if (data.answer === 'going' && data.eta) return t('answer.current.going_eta', { time: formatClock(data.eta, lang) });
  if (data.answer === 'going') return t('answer.current.going');
  if (data.answer === 'cant') return t('answer.current.cant');
  return t('answer.current.none');
}

function errorText(error) {
  const kind = failureKind(error);
  if (kind === 'expired') return t('answer.failure.expired');
  if (kind === 'closed') return t('answer.failure.closed');
  if (kind === 'network') return t('error.network');
  if (kind === 'unknown') return t('answer.failure.unknown');
  return t('error.server');
}

function expired(alert) {
  const at = Date.parse(alert?.expires_at);
  return Number.isFinite(at) && at <= Date.now();
}

/** A newer copy of the page from the server (after an answer or saved preferences). */
function take(answer) {
  if (!answer || typeof answer !== 'object' || !answer.alert) return;
  page = answer;
  render();
}

async function answer(kind) {
  if (sending || !page) return;
  const body = { answer: kind === 'cant' ? 'cant' : 'going', eta: null };
  if (kind === 'going_eta') {
    const eta = etaFromClock(byId('answer-eta').value);
    if (!eta) {
      fieldError('answer-error', t('answer.eta_required'));
      byId('answer-eta').focus();
      return;
    }
    body.eta = eta;
  }
  fieldError('answer-error', null);
  sending = true;
  render();
  try {
    take(await api.answerByLink(token, body));
  } catch (error) {
    fieldError('answer-error', errorText(error));
    // The call-out ended since the page was opened: the buttons say so.
    const kind = failureKind(error);
    if (kind === 'closed') page = { ...page, alert: { ...page.alert, closed: true } };
    if (kind === 'expired') page = { ...page, alert: { ...page.alert, expires_at: new Date().toISOString() } };
  } finally {
    sending = false;
    render();
  }
}

async function savePreferences(event) {
  event.preventDefault();
  const form = byId('preferences-form');
  const read = readPreferences(preferenceFields(form));
  show('pref-saved', false);
  if (!read.ok) {
    fieldError('pref-error', problemText(read));
    form.elements.namedItem(read.field)?.focus();
    return;
  }
  fieldError('pref-error', null);
  const button = byId('pref-save');
  button.disabled = true;
  try {
    const answer = await api.setLinkPreferences(token, read.value);
    if (answer?.preferences) setPreferences(form, answer.preferences);
    take(answer);
    show('pref-saved', true);
  } catch (error) {
    fieldError('pref-error', errorText(error));
  } finally {
    button.disabled = false;
  }
}

async function main() {
  await initI18n();
  initLanguageSwitch(byId('lang-switch'), { remember: false });
  fillTimeZones(byId('pref-time-zones'));
  for (const button of byId('answer-section').querySelectorAll('button[data-answer]')) {
    button.addEventListener('click', () => answer(button.dataset.answer));
  }
  byId('preferences-form').addEventListener('submit', savePreferences);
  byId('answer-photo').addEventListener('error', () => {
    byId('answer-photo').dataset.failed = 'true';
    byId('answer-photo').hidden = true;
  });
  onLanguageChange(render);
  if (!token) {
    setLanguage(pageLanguage(null, navigator.language), { remember: false });
    failure = 'unknown';
    render();
    return;
  }
  try {
    const data = await api.getAnswerLink(token);
    setLanguage(pageLanguage(data?.volunteer?.language, navigator.language), { remember: false });
    page = data;
    setPreferences(byId('preferences-form'), data?.preferences || {});
    if (data?.eta) byId('answer-eta').value = clockOf(data.eta);
  } catch (error) {
    setLanguage(pageLanguage(null, navigator.language), { remember: false });
    failure = failureKind(error);
  }
  render();
}

/** "14:30" of an ISO time, local, for the arrival field. */
function clockOf(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

main();

// web/flyer.html#<case id>: the flyer (ориентировка) of a case, built from GET /api/cases/{id}
// and its first photo at full size, with the team's hotline and name from /api/config. One A4
// sheet, black on white, large type; the language chosen here is for this sheet only and does
// not change the console's.

import { getCase, getConfig, photoUrl } from './api.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { ageText, lastSeenTime } from './flyer-text.js';
import { getLanguage, initI18n, onLanguageChange, t } from './i18n.js';
import { initLanguageSwitch } from './language-switch.js';

// Long descriptions shrink the type, down to this share of the designed size, to stay on one sheet.
const SMALLEST_SCALE = 0.6;

let card = null; // the Case
let config = null; // /api/config, or null
let failure = null;
let generation = 0;

async function boot() {
  await initI18n();
  initLanguageSwitch(byId('lang-switch'), { remember: false });
  onLanguageChange(render);
  byId('flyer-print').addEventListener('click', () => window.print());
  byId('flyer-photo').addEventListener('error', () => {
    byId('flyer-photo-frame').hidden = true;
    fitSheet();
  });
  window.addEventListener('hashchange', load);
  load();
}

function caseIdFromHash() {
  try {
    return decodeURIComponent(window.location.hash.replace(/^#/, '')).trim();
  } catch {
    return '';
  }
}

async function load() {
  const mine = ++generation;
  card = null;
  failure = null;
  const caseId = caseIdFromHash();
  if (!caseId) {
    failure = { code: 'no_case' };
    render();
    return;
  }
  render();
  const [configAnswer, caseAnswer] = await Promise.allSettled([getConfig(), getCase(caseId)]);
  if (mine !== generation) return;
  config = configAnswer.status === 'fulfilled' ? configAnswer.value : null;
  if (caseAnswer.status === 'fulfilled') card = caseAnswer.value;
  else failure = caseAnswer.reason;
  render();
}

function render() {
  const state = card ? 'shown' : failure ? 'failed' : 'loading';
  document.body.dataset.state = state;
  byId('flyer-loading').hidden = state !== 'loading';
  byId('flyer-message').hidden = state !== 'failed';
  byId('flyer-sheet').hidden = state !== 'shown';
  byId('flyer-print').disabled = state !== 'shown';
  if (state === 'failed') renderFailure();
  if (state === 'shown') renderSheet();
}

function renderFailure() {
  const needsLogin = failure?.status === 401;
  byId('flyer-login-link').hidden = !needsLogin;
  let text;
  if (failure?.code === 'no_case') text = t('flyer.error.no_case');
  else if (needsLogin) text = t('flyer.error.login');
  else text = apiErrorText(failure);
  byId('flyer-message-text').textContent = text;
  document.title = t('flyer.page_title');
}

function renderSheet() {
  const c = card;
  const lang = getLanguage();
  document.title = t('flyer.document_title', { name: c.full_name || '' });

  const photo = Array.isArray(c.photos) && c.photos.length ? c.photos[0] : null;
  byId('flyer-photo-frame').hidden = !photo;
  byId('flyer-no-photo-note').hidden = Boolean(photo);
  const image = byId('flyer-photo');
  if (photo) {
    const src = photoUrl(c.id, photo.id);
    if (image.getAttribute('src') !== src) image.src = src;
    image.alt = t('photo.alt_full', { name: c.full_name || '' });
  } else {
    image.removeAttribute('src');
  }

  byId('flyer-name').textContent = c.full_name || '';
  const age = ageText(c, lang, t);
  byId('flyer-age').hidden = !age;
  byId('flyer-age').textContent = age || '';

  const rows = (pairs) => pairs.filter(([, value]) => value !== null && value !== undefined && String(value).trim() !== '')
    .flatMap(([label, value]) => [h('dt', { text: label }), h('dd', { text: String(value) })]);
  byId('flyer-facts').replaceChildren(...rows([
    [t('flyer.label.height'), Number.isFinite(c.height_cm) ? t('flyer.height_value', { cm: c.height_cm }) : null],
    [t('case.field.build'), c.build],
  ]));
  byId('flyer-description').replaceChildren(...rows([
    [t('case.field.appearance'), c.appearance],
    [t('case.field.clothing'), c.clothing],
    [t('case.field.special_marks'), c.special_marks],
  ]));

  const seen = [lastSeenTime(c.last_seen_at, lang), c.last_seen_address].filter(Boolean).join(' — ');
  byId('flyer-last-seen').textContent = seen || t('flyer.last_seen_unknown');

  const hotline = config?.hotline ? String(config.hotline).trim() : '';
  byId('flyer-hotline').hidden = !hotline;
  byId('flyer-hotline').textContent = hotline;
  byId('flyer-no-hotline').hidden = Boolean(hotline);
  byId('flyer-team').textContent = config?.team_name || '';
  fitSheet();
}

/** Shrinks the type until the sheet holds everything (A4 is fixed; text is not). */
function fitSheet() {
  const sheet = byId('flyer-sheet');
  if (sheet.hidden) return;
  let scale = 1;
  sheet.style.setProperty('--scale', String(scale));
  while (sheet.scrollHeight > sheet.clientHeight + 1 && scale > SMALLEST_SCALE) {
    scale = Math.round((scale - 0.05) * 100) / 100;
    sheet.style.setProperty('--scale', String(scale));
  }
  sheet.dataset.scale = String(scale);
}

boot();

// web/shared.html: what a read-only link shows someone without an account (an investigator):
// the card, its places and the log (the server hides phones and e-mail addresses in the log).
// The link's secret is the part of the address after "#"; the server records every opening, so
// the case is read once per visit and a language switch only draws it again. No photos: they
// need an account.

import { getConfig, openShareLink } from './api.js';
import { urgencyClassOf } from './badges.js';
import { cardDetails } from './card-details.js';
import { placeItem } from './case-places.js';
import { byId } from './dom.js';
import { apiErrorText } from './errors.js';
import { initI18n, onLanguageChange, t } from './i18n.js';
import { journalEntryItem } from './journal-entry.js';
import { caseCategoryLabel, caseOutcomeLabel, caseStatusLabel, urgencyLabel } from './labels.js';
import { initLanguageSwitch } from './language-switch.js';
import { shareLinkSecret } from './share-links.js';

let shared = null; // {case, journal} as the server sent them
let failure = null; // the ApiError, or {code} when the address holds no secret
let generation = 0;

// Why a link does not open, as the reader should be told.
const REFUSALS = {
  share_link_unknown: { reason: 'unknown', title: () => t('shared.unknown.title'), text: () => t('shared.unknown.text') },
  share_link_expired: { reason: 'expired', title: () => t('shared.expired.title'), text: () => t('shared.expired.text') },
  share_link_revoked: { reason: 'revoked', title: () => t('shared.revoked.title'), text: () => t('shared.revoked.text') },
};

async function boot() {
  await initI18n();
  initLanguageSwitch(byId('lang-switch'));
  onLanguageChange(render);
  window.addEventListener('hashchange', open);
  getConfig().then((config) => {
    byId('team-name').textContent = config?.team_name && config.team_name !== t('app.name') ? config.team_name : '';
  }, () => {});
  open();
}

async function open() {
  const mine = ++generation;
  shared = null;
  failure = null;
  const secret = shareLinkSecret(window.location.hash);
  if (!secret) {
    failure = { code: 'share_link_unknown' };
    render();
    return;
  }
  document.body.dataset.state = 'loading';
  render();
  try {
    const answer = await openShareLink(secret);
    if (mine !== generation) return;
    shared = answer;
  } catch (error) {
    if (mine !== generation) return;
    failure = error;
  }
  render();
}

function render() {
  const state = shared ? 'shown' : failure ? 'failed' : 'loading';
  document.body.dataset.state = state;
  byId('shared-loading').hidden = state !== 'loading';
  byId('shared-message').hidden = state !== 'failed';
  byId('shared-case').hidden = state !== 'shown';
  if (state === 'failed') renderFailure();
  if (state === 'shown') renderCase();
}

function renderFailure() {
  const refusal = REFUSALS[failure?.code];
  document.body.dataset.reason = refusal ? refusal.reason : 'error';
  byId('shared-message-title').textContent = refusal ? refusal.title() : t('shared.error.title');
  byId('shared-message-text').textContent = refusal ? refusal.text() : apiErrorText(failure);
  document.title = t('shared.page_title');
}

function renderCase() {
  const c = shared.case || {};
  delete document.body.dataset.reason;
  document.title = t('shared.document_title', { number: c.number || '', name: c.full_name || '' });
  byId('shared-number').textContent = c.number || '';
  const status = byId('shared-status');
  status.textContent = caseStatusLabel(c.status);
  status.dataset.status = c.status || '';
  const urgencyClass = urgencyClassOf(c.urgency);
  const urgency = byId('shared-urgency');
  urgency.hidden = !urgencyClass;
  urgency.dataset.urgency = urgencyClass || '';
  urgency.textContent = urgencyClass ? urgencyLabel(urgencyClass) : '';
  byId('shared-header').dataset.urgency = urgencyClass || '';
  byId('shared-name').textContent = c.full_name || '';
  const facts = [Number.isFinite(c.age) ? t('case.age', { age: c.age }) : t('case.age_unknown')];
  if (c.category) facts.push(caseCategoryLabel(c.category));
  if (c.status === 'closed' && c.outcome) facts.push(t('case_view.outcome', { outcome: caseOutcomeLabel(c.outcome) }));
  byId('shared-facts').textContent = facts.join(' · ');
  const situation = byId('shared-situation');
  situation.hidden = !c.situation;
  situation.textContent = c.situation || '';

  byId('shared-fields').replaceChildren(...cardDetails(c));
  const places = Array.isArray(c.places) ? c.places : [];
  byId('shared-places-empty').hidden = places.length > 0;
  byId('shared-places').replaceChildren(...places.map((place) => placeItem(place, { readOnly: true, showOnMap: false })));
  const entries = Array.isArray(shared.journal) ? shared.journal : [];
  byId('shared-journal-empty').hidden = entries.length > 0;
  byId('shared-journal').replaceChildren(...entries.map((entry) => journalEntryItem(entry, { interactive: false })));
}

boot();

// Sending the card to the ambulance or the police (POST /api/cases/{id}/handoff): one e-mail with
// the card's essentials to the address the team configured for that service, recorded in the
// log. The dialog says what goes, takes an optional note, and the result is said on the card.

import * as api from './api.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { t } from './i18n.js';

const SERVICES = {
  ambulance: {
    title: (number) => t('handoff.title.ambulance', { number }),
    sent: (address) => t('handoff.sent.ambulance', { address }),
    notConfigured: () => t('handoff.error.not_configured.ambulance'),
  },
  police: {
    title: (number) => t('handoff.title.police', { number }),
    sent: (address) => t('handoff.sent.police', { address }),
    notConfigured: () => t('handoff.error.not_configured.police'),
  },
};

// What the e-mail holds (src/cases/handoff.rs writes it), in the order it is written.
const WHAT_IS_SENT = () => [
  t('case.field.full_name'), t('handoff.what.age'), t('case.field.sex'), t('case.field.appearance'),
  t('case.field.clothing'), t('case.field.health'), t('case.field.medication'), t('case.field.mental_state'),
  t('case.field.last_seen_at'), t('case.field.last_seen_address'), t('case.field.last_seen'),
  t('handoff.what.police'), t('handoff.what.note'), t('handoff.what.sender'),
];

let getCase = () => null;
let onSent = () => {};

/** `onHandedOff(caseId, answer)` runs after the server sent the e-mail ({sent_to, entry}). */
export function initHandoff({ getCase: caseGetter, onHandedOff }) {
  getCase = caseGetter;
  onSent = onHandedOff;
  for (const button of [byId('case-handoff-ambulance'), byId('case-handoff-police')]) {
    button.addEventListener('click', () => openHandoff(button.dataset.service));
  }
}

/** The line under the card's buttons that says what was sent, or why not (null hides it). */
export function showHandoffResult(text, { failed = false } = {}) {
  const line = byId('case-handoff-result');
  line.hidden = !text;
  line.textContent = text || '';
  line.dataset.failed = String(failed);
}

function errorText(error, service) {
  switch (error?.code) {
    case 'handoff_not_configured':
      return SERVICES[service].notConfigured();
    case 'smtp_not_configured':
      return t('handoff.error.smtp_not_configured');
    case 'smtp_failed':
      return t('handoff.error.smtp_failed');
    case 'invalid_field':
      return error.details?.field === 'note' ? t('handoff.error.note_too_long') : apiErrorText(error);
    default:
      return apiErrorText(error);
  }
}

function openHandoff(service) {
  const c = getCase();
  if (!c || !SERVICES[service]) return;
  const caseId = c.id;
  byId('handoff-dialog-title').textContent = SERVICES[service].title(c.number);
  byId('handoff-dialog-text').textContent = t('handoff.what_intro');
  byId('handoff-what').replaceChildren(...WHAT_IS_SENT().map((text) => h('li', { text })));
  // The services read Russian; the dispatcher may choose English for a team abroad.
  byId('handoff-language').value = 'ru';
  byId('handoff-note').value = '';
  byId('handoff-dialog').dataset.service = service;
  openDialog(byId('handoff-dialog'), async () => {
    try {
      const answer = await api.handOff(caseId, {
        service,
        language: byId('handoff-language').value,
        note: byId('handoff-note').value.trim(),
      });
      if (getCase()?.id === caseId) {
        showHandoffResult(SERVICES[service].sent(answer.sent_to));
        onSent(caseId, answer);
      }
      return true;
    } catch (failure) {
      showFormError(byId('handoff-error'), errorText(failure, service));
      return false;
    }
  });
  byId('handoff-note').focus();
}

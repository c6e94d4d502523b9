// Incoming calls from the team's telephony ("call.incoming" on the live channel): a panel per
// call at the top right, without sound and without taking the keyboard from whoever is typing.
// Each shows the number, the caller's location if the exchange knows it, the earlier reports and
// cases with the same number, and a button to register the report. Several calls stack; each is
// dismissed on its own, or goes by itself once its report is saved here or on another console
// ("call.handled").

import { byId, h } from './dom.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { matchKindLabel } from './labels.js';
import { focusOn } from './map.js';
import { formatPoint, isPoint } from './points.js';
import { href } from './routes.js';
import { setMapPeek } from './side-panel.js';
import { formatClock, formatTime } from './time.js';

const REMEMBERED_CALLS = 50;
const FRESH_MS = 10000; // how long a new pop-up keeps its attention-drawing highlight

const calls = new Map(); // call.id -> {call, matches}: every call of this session, for the form
const shown = new Set(); // call.id of the pop-ups on show, in arrival order
const fresh = new Set();
let inProgress = null; // the call whose report form is open

export function initCallPopups({ live }) {
  live.on('call.incoming', (message) => {
    if (message.call?.id) showCall(message.call, Array.isArray(message.matches) ? message.matches : []);
  });
  // A report was registered for this call on some console (maybe this one): its pop-up goes
  // everywhere. The message names the exchange's call_id, not Sweep's id of the call.
  live.on('call.handled', (message) => {
    if (!message.call_id) return;
    for (const id of [...shown]) {
      if (calls.get(id)?.call.call_id === message.call_id) dismissCall(id);
    }
  });
  const container = byId('call-popups');
  container.addEventListener('click', (event) => {
    const popup = event.target.closest('.call-popup');
    if (!popup) return;
    const id = popup.dataset.callId;
    if (event.target.closest('.call-dismiss')) dismissCall(id, { focusNext: true });
    else if (event.target.closest('.call-location')) {
      const call = calls.get(id)?.call;
      if (call && isPoint(call.location)) {
        setMapPeek(true);
        focusOn(call.location);
      }
    }
  });
  container.addEventListener('keydown', (event) => {
    const popup = event.target.closest('.call-popup');
    if (popup && event.key === 'Escape') {
      event.preventDefault();
      dismissCall(popup.dataset.callId, { focusNext: true });
    }
  });
  onLanguageChange(render);
}

/** The call with this id (Sweep's id), as it came, for prefilling a report; or null. */
export function getCall(id) {
  return calls.get(id)?.call ?? null;
}

/**
 * Hides the pop-up of the call whose report form is open (it would cover the form), or shows
 * it again with null (the form was left without saving).
 */
export function setCallInProgress(id) {
  for (const node of byId('call-popups').querySelectorAll('.call-popup')) {
    node.hidden = node.dataset.callId === id;
  }
  inProgress = id;
}

/** Removes the pop-up of a call once its report is registered. */
export function callHandled(id) {
  if (shown.has(id)) dismissCall(id);
}

/** Removes every pop-up and forgets the calls (logout). */
export function clearCalls() {
  inProgress = null;
  calls.clear();
  shown.clear();
  fresh.clear();
  render();
}

function showCall(call, matches) {
  if (calls.has(call.id)) return; // the exchange repeated itself
  calls.set(call.id, { call, matches });
  if (calls.size > REMEMBERED_CALLS) calls.delete(calls.keys().next().value);
  shown.add(call.id);
  fresh.add(call.id);
  setTimeout(() => {
    fresh.delete(call.id);
    popupNode(call.id)?.classList.remove('call-popup-fresh');
  }, FRESH_MS);
  // Newest on top. Added on its own, so a pop-up someone is working in keeps the focus.
  byId('call-popups').prepend(popup(calls.get(call.id)));
  renderTitle();
  byId('call-announcer').textContent = t('call.announce', { number: call.caller_number || t('call.number_hidden') });
}

function dismissCall(id, { focusNext = false } = {}) {
  shown.delete(id);
  fresh.delete(id);
  popupNode(id)?.remove();
  renderTitle();
  if (focusNext) {
    const next = byId('call-popups').querySelector('.call-popup:not([hidden]) .call-new-report');
    if (next) next.focus();
  }
}

const popupNode = (id) => byId('call-popups').querySelector(`.call-popup[data-call-id="${CSS.escape(id)}"]`);

function render() {
  const ids = [...shown].reverse();
  byId('call-popups').replaceChildren(...ids.map((id) => popup(calls.get(id))));
  renderTitle();
}

// A console in a background tab shows the calls waiting in its tab title.
function renderTitle() {
  document.title = shown.size ? t('call.document_title', { n: shown.size, title: t('app.title') }) : t('app.title');
}

function popup({ call, matches }) {
  const lang = getLanguage();
  const titleId = `call-title-${call.id}`;
  const numberId = `call-number-${call.id}`;
  return h('section', {
    className: fresh.has(call.id) ? 'call-popup call-popup-fresh' : 'call-popup',
    dataset: { callId: call.id },
    hidden: call.id === inProgress,
    attrs: { role: 'alertdialog', 'aria-modal': 'false', 'aria-labelledby': titleId, 'aria-describedby': numberId },
  },
  h('div', { className: 'call-head' },
    h('h2', { className: 'call-title', id: titleId, text: t('call.title') }),
    h('time', { className: 'call-time', dateTime: call.received_at, text: formatClock(call.received_at, lang) })),
  h('p', { className: 'call-number', id: numberId, text: call.caller_number || t('call.number_hidden') }),
  call.line ? h('p', { className: 'call-line', text: t('call.line', { line: call.line }) }) : null,
  isPoint(call.location)
    ? h('button', {
      type: 'button',
      className: 'link-button call-location',
      text: t('call.location', { point: formatPoint(call.location) }),
    })
    : null,
  matches.length
    ? h('div', { className: 'call-matches-box' },
      h('h3', { className: 'call-matches-title', text: t('call.matches') }),
      h('ul', { className: 'call-matches' }, matches.map((match) => h('li', {},
        h('a', {
          className: 'call-match',
          href: match.kind === 'case' ? href.case(match.id) : href.report(match.id),
          dataset: { kind: match.kind, id: match.id },
        },
        h('span', { className: 'call-match-kind', text: matchKindLabel(match.kind) }), ' ',
        h('span', { className: 'record-number', text: match.number }), ' ',
        h('span', { className: 'call-match-label', text: match.label || '' }),
        match.at ? h('span', { className: 'call-match-at', text: formatTime(match.at, lang) }) : null)))))
    : h('p', { className: 'call-no-matches', text: t('call.no_matches') }),
  h('div', { className: 'call-actions' },
    h('a', { className: 'button button-primary call-new-report', href: href.reportNew({ call: call.id }), text: t('call.new_report') }),
    h('button', { type: 'button', className: 'button button-quiet call-dismiss', text: t('call.dismiss') })));
}

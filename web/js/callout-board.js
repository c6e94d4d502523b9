// #/callouts/<id>: a call-out's answer board. The headcount (going of needed, big; can't, no
// answer, seats among those going), then the recipients grouped going / can't / no answer, each
// with every channel's delivery; "answer for them" after a phone call, and Close. Read again
// when the live channel says an answer, a delivery or an escalation step concerns it.

import * as api from './api.js';
import { confirmAction, openDialog, showFormError } from './dialogs.js';
import { byId, debounce, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { channelLabel, deliveryStatusLabel, skillLabel, vehicleLabel } from './labels.js';
import {
  calloutState, concernsAlert, deliveryKind, etaFromClock, groupRecipients, headcountOf, headcountReached,
} from './callout-headcount.js';
import { formatPoint, isPoint } from './points.js';
import { formatClock, formatTime } from './time.js';

// Shown beside each delivery's words (which say the same for screen readers and print).
const DELIVERY_ICONS = {
  queued: '◷', held: '☾', sending: '↗', sent: '✓', delivered: '✓✓', failed: '✕', unknown: '?', skipped: '–',
};

let alertId = null;
let board = null; // the alert view on show
let state = 'idle';
let lastError = null;
let generation = 0;
let visible = false;

export function initCalloutBoard({ live }) {
  const reloadSoon = debounce(() => {
    if (visible && alertId) load();
  }, 300);
  for (const type of ['alert.answer', 'alert.delivery', 'alert.escalated']) {
    live.on(type, (message) => {
      if (visible && concernsAlert(message, alertId)) reloadSoon();
    });
  }
  live.on('live.resync', reloadSoon);
  byId('board-close').addEventListener('click', askClose);
  byId('view-callout').addEventListener('click', (event) => {
    const button = event.target.closest('.board-answer-for');
    if (!button) return;
    const recipient = (board?.recipients || []).find((r) => r.volunteer_id === button.dataset.volunteerId);
    if (recipient) openAnswerFor(recipient);
  });
  byId('answer-for-form').addEventListener('change', syncEta);
  onLanguageChange(render);
}

export const calloutBoardView = {
  show(route) {
    visible = true;
    if (route.id !== alertId) {
      alertId = route.id;
      board = null;
    }
    load();
  },
  hide() {
    visible = false;
  },
  reset() {
    generation += 1;
    visible = false;
    alertId = null;
    board = null;
    state = 'idle';
    render();
  },
};

async function load() {
  const mine = ++generation;
  const wanted = alertId;
  state = 'loading';
  render();
  try {
    const answer = await api.getAlertBoard(wanted);
    if (mine !== generation) return;
    board = answer;
    state = 'loaded';
  } catch (error) {
    if (mine !== generation) return;
    lastError = error;
    state = 'error';
  }
  render();
}

function render() {
  byId('board-loading').hidden = !(state === 'loading' && !board);
  byId('board-error').hidden = state !== 'error';
  byId('board-error').textContent = state === 'error' ? apiErrorText(lastError) : '';
  byId('board').hidden = !board;
  if (!board) {
    byId('board-title').textContent = t('board.title');
    byId('board-close').hidden = true;
    return;
  }
  const lang = getLanguage();
  const status = calloutState(board);
  byId('board-title').textContent = board.title || t('board.title');
  byId('board').dataset.alertId = board.id;
  byId('board').dataset.state = status;
  byId('board-close').hidden = status !== 'open';
  const badge = byId('board-state');
  badge.dataset.state = status;
  badge.textContent = stateText(status);
  byId('board-urgent').hidden = !board.urgent;
  byId('board-meta').textContent = metaText(board, lang);
  const escalation = escalationText(board, lang, status);
  byId('board-escalation').hidden = !escalation;
  byId('board-escalation').textContent = escalation;
  byId('board-text').textContent = board.text || '';

  const count = headcountOf(board);
  const headcount = byId('board-headcount');
  headcount.dataset.reached = String(headcountReached(count));
  byId('board-going').textContent = String(count.going);
  byId('board-going').dataset.going = String(count.going);
  byId('board-needed').hidden = !Number.isFinite(count.needed);
  byId('board-needed').textContent = Number.isFinite(count.needed) ? t('board.of_needed', { n: count.needed }) : '';
  byId('board-cant').textContent = String(count.cant);
  byId('board-no-answer').textContent = String(count.no_answer);
  byId('board-seats').textContent = String(count.seats);

  const groups = groupRecipients(board);
  const canAnswer = status === 'open';
  byId('board-going-title').textContent = t('board.group.going', { n: groups.going.length });
  byId('board-cant-title').textContent = t('board.group.cant', { n: groups.cant.length });
  byId('board-no-answer-title').textContent = t('board.group.no_answer', { n: groups.noAnswer.length });
  fill('board-going-list', groups.going, canAnswer, lang);
  fill('board-cant-list', groups.cant, canAnswer, lang);
  fill('board-no-answer-list', groups.noAnswer, canAnswer, lang);
}

function fill(id, recipients, canAnswer, lang) {
  byId(id).replaceChildren(...(recipients.length
    ? recipients.map((r) => recipientItem(r, canAnswer, lang))
    : [h('li', { className: 'panel-note', text: t('board.group.none') })]));
}

function stateText(status) {
  if (status === 'closed') return t('board.state.closed');
  if (status === 'expired') return t('board.state.expired');
  return t('board.state.open');
}

function metaText(alert, lang) {
  const parts = [];
  if (alert.sent_at) parts.push(t('board.sent', { name: alert.sent_by_name || '—', time: formatTime(alert.sent_at, lang) }));
  if (Array.isArray(alert.channels) && alert.channels.length) parts.push(alert.channels.map(channelLabel).join(', '));
  if (alert.closed_at && alert.closed_by_name) {
    parts.push(t('board.closed_by', { time: formatTime(alert.closed_at, lang), name: alert.closed_by_name }));
  } else if (alert.closed_at) {
    parts.push(t('board.closed_at', { time: formatTime(alert.closed_at, lang) }));
  }
  if (isPoint(alert.location)) parts.push(t('board.location', { point: formatPoint(alert.location) }));
  if (!alert.closed_at && alert.expires_at) parts.push(t('board.expires', { time: formatTime(alert.expires_at, lang) }));
  return parts.join(' · ');
}

function escalationText(alert, lang, status) {
  if (!alert.escalate_after_s && !alert.widen_km) return '';
  const parts = [t('board.step', { step: alert.step ?? 0 })];
  if (Number.isFinite(alert.radius_km)) parts.push(t('board.radius', { km: alert.radius_km }));
  if (status === 'open' && alert.next_step_at) parts.push(t('board.next_step', { time: formatClock(alert.next_step_at, lang) }));
  return parts.join(' · ');
}

function recipientItem(r, canAnswer, lang) {
  const facts = [];
  if (r.answer === 'going' && r.eta) facts.push(t('board.eta', { time: formatClock(r.eta, lang) }));
  if (r.answered_at && r.answered_via === 'console' && r.answered_by_name) {
    facts.push(t('board.answered_by', { name: r.answered_by_name, time: formatClock(r.answered_at, lang) }));
  } else if (r.answered_at) {
    facts.push(r.answered_via
      ? t('board.answered_via', { via: channelLabel(r.answered_via), time: formatClock(r.answered_at, lang) })
      : t('board.answered', { time: formatClock(r.answered_at, lang) }));
  } else if (r.read_at) {
    facts.push(t('board.read', { time: formatClock(r.read_at, lang) }));
  }
  const skills = (r.skills || []).map(skillLabel).join(', ');
  const vehicles = (r.vehicles || []).map(vehicleLabel).join('; ');
  return h('li', { className: 'board-recipient', dataset: { volunteerId: r.volunteer_id, answer: r.answer || 'none' } },
    h('div', { className: 'board-recipient-head' },
      h('span', { className: 'board-recipient-name', text: r.name }),
      r.call_sign ? h('span', { className: 'board-call-sign', text: r.call_sign }) : null,
      h('span', { className: 'board-answer', dataset: { answer: r.answer || 'none' }, text: answerText(r.answer) }),
      canAnswer
        ? h('button', {
          type: 'button',
          className: 'button button-quiet button-small board-answer-for',
          dataset: { volunteerId: r.volunteer_id },
          text: t('board.answer_for'),
          attrs: { 'aria-label': t('board.answer_for_named', { name: r.name }) },
        })
        : null),
    facts.length ? h('p', { className: 'board-facts', text: facts.join(' · ') }) : null,
    skills || vehicles
      ? h('p', { className: 'board-abilities', text: [skills, vehicles].filter(Boolean).join(' · ') })
      : null,
    r.answer_note ? h('p', { className: 'board-note', text: r.answer_note }) : null,
    deliveriesList(r.deliveries, lang));
}

function answerText(answer) {
  if (answer === 'going') return t('board.answer.going');
  if (answer === 'cant') return t('board.answer.cant');
  return t('board.answer.none');
}

function deliveriesList(deliveries, lang) {
  const list = Array.isArray(deliveries) ? deliveries : [];
  if (!list.length) return null;
  return h('ul', { className: 'board-deliveries', attrs: { 'aria-label': t('board.deliveries') } },
    list.map((d) => {
      const when = d.delivered_at || d.sent_at;
      const words = t('board.delivery', { channel: channelLabel(d.channel), status: deliveryStatusLabel(d.status) });
      return h('li', {
        className: 'delivery',
        dataset: { channel: d.channel, status: d.status, kind: deliveryKind(d.status) },
        title: d.last_error || null,
      },
      h('span', { className: 'delivery-icon', text: DELIVERY_ICONS[d.status] || '·', attrs: { 'aria-hidden': 'true' } }),
      h('span', { className: 'delivery-text', text: when ? `${words} ${formatClock(when, lang)}` : words }),
      d.last_error && deliveryKind(d.status) === 'problem' ? h('span', { className: 'delivery-error', text: d.last_error }) : null);
    }));
}

// ---- Answer for them, close ---------------------------------------------------------------------

function syncEta() {
  byId('answer-for-eta').disabled = !byId('answer-for-going').checked;
}

function openAnswerFor(recipient) {
  const shownAlert = board.id;
  byId('answer-for-title').textContent = t('answer_for.title', { name: recipient.name });
  byId('answer-for-form').reset();
  if (recipient.answer === 'cant') byId('answer-for-cant').checked = true;
  syncEta();
  openDialog(byId('answer-for-dialog'), async () => {
    const answer = byId('answer-for-cant').checked ? 'cant' : 'going';
    const body = { volunteer_id: recipient.volunteer_id, answer };
    const etaText = byId('answer-for-eta').value;
    if (answer === 'going' && etaText) body.eta = etaFromClock(etaText);
    const note = byId('answer-for-note').value.trim();
    if (note) body.note = note;
    try {
      await api.answerForVolunteer(shownAlert, body);
      if (alertId === shownAlert) load();
      return true;
    } catch (failure) {
      showFormError(byId('answer-for-error'), apiErrorText(failure));
      return false;
    }
  });
  byId('answer-for-going').focus();
}

function askClose() {
  if (!board) return;
  const shownAlert = board.id;
  confirmAction({
    title: t('board.close_title'),
    text: t('board.close_text', { title: board.title || '' }),
    confirmText: t('board.close'),
    run: async (line) => {
      try {
        await api.closeAlert(shownAlert);
        if (alertId === shownAlert) load();
        return true;
      } catch (failure) {
        showFormError(line, apiErrorText(failure));
        return false;
      }
    },
  });
}

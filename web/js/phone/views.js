// What the phone app shows: the status bar, the task (with the group's assignment and the
// leader's buttons), the alerts, and what the server refused.
// Every function here draws from state it is given; app.js decides when.

import { byId, h } from '../dom.js';
import { fieldTaskStatusLabel, searchTypeLabel, taskNumberText } from '../field-tasks.js';
import { getLanguage, t } from '../i18n.js';
import { formatClock } from '../time.js';

/** "geo:56.0981,36.7902": opens the phone's map app at the point. */
export const geoHref = (point) => `geo:${point.lat},${point.lon}?q=${point.lat},${point.lon}`;

const coordinates = (point) => `${Number(point.lat).toFixed(5)}, ${Number(point.lon).toFixed(5)}`;

function connectionText(state, refusal, linked) {
  if (!linked) return t('phone.status.no_link');
  switch (state) {
    case 'online':
      return t('phone.status.online');
    case 'offline':
      return t('phone.status.offline');
    case 'stopped':
      return refusal ? t('phone.status.refused') : t('phone.status.stopped');
    default:
      return t('phone.status.connecting');
  }
}

/** The status bar: connection, who, sharing, and what waits to be sent. */
export function renderStatus({ state, refusal, linked, name, sharing, counts }) {
  const connection = byId('connection-state');
  connection.dataset.state = linked ? state : 'stopped';
  byId('connection-text').textContent = connectionText(state, refusal, linked);
  byId('identity').hidden = !name;
  byId('volunteer-name').textContent = name || '';
  const badge = byId('sharing-badge');
  badge.dataset.sharing = sharing ? 'on' : 'off';
  badge.textContent = sharing ? t('phone.sharing.badge_on') : t('phone.sharing.badge_off');
  const pending = byId('pending-count');
  pending.textContent = String(counts.fixes);
  pending.dataset.fixes = String(counts.fixes);
  const reports = counts.reports + counts.answers + (counts.taskReports || 0);
  byId('pending-reports').textContent = String(reports);
  byId('pending-photos').textContent = String(counts.photos);
  byId('pending').dataset.empty = String(counts.fixes + reports + counts.photos === 0);
}

/** The clock warning, when the phone's clock is far from the server's. */
export function renderClockWarning(offsetMinutes) {
  const warning = byId('clock-warning');
  warning.hidden = offsetMinutes === null;
  if (offsetMinutes !== null) warning.textContent = t('phone.clock.off', { minutes: Math.abs(offsetMinutes) });
}

/**
 * The current task, or "no task yet". `assignment`: the group's assignment as
 * assignment.js's assignmentState gives it (null without one); `refusal`: a refused report
 * on it to tell the leader ({status, code}); `online`: whether a report goes out now.
 */
export function renderTask(task, { assignment = null, refusal = null, online = false } = {}) {
  byId('task-none').hidden = Boolean(task);
  byId('task-body').hidden = !task;
  renderAssignment(task ? assignment : null, refusal, online);
  if (!task) return;
  byId('task-case').textContent = task.case_name || '';
  byId('task-operation').textContent = task.operation_name || '';
  byId('task-group-line').hidden = !task.group;
  byId('task-group').textContent = task.group || '';
  byId('task-instructions-block').hidden = !task.instructions;
  byId('task-instructions').textContent = task.instructions || '';
  const point = task.meeting_point;
  byId('task-meeting-block').hidden = !point;
  if (point) {
    byId('task-meeting-coords').textContent = coordinates(point);
    byId('task-meeting-link').href = geoHref(point);
  }
  byId('task-updated').textContent = task.updated_at
    ? t('phone.task.updated', { time: formatClock(task.updated_at, getLanguage()) }) : '';
}

function refusedText(code) {
  switch (code) {
    case 'not_group_leader':
      return t('phone.assignment.refused.not_leader');
    case 'invalid_transition':
      return t('phone.assignment.refused.transition');
    case 'unknown_task':
      return t('phone.assignment.refused.unknown');
    case 'reason_required':
      return t('phone.assignment.refused.reason');
    default:
      return t('phone.assignment.refused.other', { code: code || '?' });
  }
}

// The assignment: number and title, search type, status, squares in order as big chips, places,
// and for the leader the buttons the status allows (each button[data-task-status] stays in the
// page, hidden when it does not apply).
function renderAssignment(state, refusal, online) {
  const block = byId('assignment');
  block.hidden = !state;
  if (!state) {
    byId('partly-form').hidden = true;
    return;
  }
  const { assignment } = state;
  block.dataset.taskId = assignment.task_id;
  block.dataset.status = state.status;
  byId('assignment-number').textContent = Number.isFinite(assignment.number) ? taskNumberText(assignment.number) : '';
  byId('assignment-title').textContent = assignment.title || '';
  byId('assignment-type').textContent = searchTypeLabel(assignment.search_type);
  const status = byId('assignment-status');
  status.textContent = fieldTaskStatusLabel(state.status);
  status.dataset.status = state.status;
  const squares = Array.isArray(assignment.squares) ? assignment.squares : [];
  byId('assignment-squares-block').hidden = squares.length === 0;
  byId('assignment-squares').replaceChildren(...squares.map((label, index) => h('li', { className: 'square-chip' },
    h('span', { className: 'square-chip-n', text: String(index + 1) }),
    h('span', { className: 'square-chip-label', text: String(label) }))));
  const places = Array.isArray(assignment.places) ? assignment.places : [];
  byId('assignment-places-block').hidden = places.length === 0;
  byId('assignment-places').replaceChildren(...places.map((place) => h('li', { text: String(place) })));

  byId('leader-actions').hidden = state.actions.length === 0;
  for (const button of byId('leader-actions').querySelectorAll('button[data-task-status]')) {
    button.hidden = !state.actions.includes(button.dataset.taskStatus);
  }
  if (!state.actions.includes('partly_done')) byId('partly-form').hidden = true;

  const pending = byId('assignment-pending');
  pending.hidden = !state.pending;
  if (state.pending) {
    const words = { status: fieldTaskStatusLabel(state.pending) };
    pending.textContent = online ? t('phone.assignment.sending', words) : t('phone.assignment.queued', words);
  }
  const refused = byId('assignment-refused');
  const shown = refusal && refusal.task_id === assignment.task_id ? refusal : null;
  refused.hidden = !shown;
  if (shown) {
    refused.textContent = t('phone.assignment.refused', { status: fieldTaskStatusLabel(shown.status), reason: refusedText(shown.code) });
  }
}

function answerText(entry) {
  if (!entry.answer) return '';
  const answer = entry.answer === 'going' ? t('phone.alert.answer_going') : t('phone.alert.answer_cant');
  const eta = entry.answer === 'going' && entry.eta
    ? t('phone.alert.eta_at', { time: formatClock(entry.eta, getLanguage()) }) : '';
  const state = entry.answerState === 'stored' ? t('phone.alert.answer_stored') : t('phone.alert.answer_sending');
  return [answer, eta, state].filter(Boolean).join(' · ');
}

/**
 * The alerts list, newest first. Items are kept between renders (an arrival time being typed
 * stays), only their parts are updated. `onAnswer(id, answer, etaInput)` for the buttons.
 */
export function createAlertsView({ onAnswer }) {
  const list = byId('alerts');
  const items = new Map();

  function build(entry) {
    const parts = {
      urgent: h('strong', { className: 'alert-urgent' }),
      from: h('span', { className: 'alert-from' }),
      time: h('span', { className: 'alert-time' }),
      fresh: h('span', { className: 'alert-new' }),
      title: h('p', { className: 'alert-title' }),
      text: h('p', { className: 'alert-text' }),
      place: h('a', { className: 'button button-quiet button-wide' }),
      answerBlock: h('div', { className: 'alert-answer' }),
      etaLabel: h('label', { attrs: { for: `eta-${entry.id}` } }),
      eta: h('input', { type: 'time', id: `eta-${entry.id}`, className: 'eta-input' }),
      going: h('button', { type: 'button', className: 'answer-button answer-going', dataset: { answer: 'going' } }),
      cant: h('button', { type: 'button', className: 'answer-button answer-cant', dataset: { answer: 'cant' } }),
      answered: h('p', { className: 'alert-answered', attrs: { 'aria-live': 'polite' } }),
    };
    parts.going.addEventListener('click', () => onAnswer(entry.id, 'going', parts.eta.value));
    parts.cant.addEventListener('click', () => onAnswer(entry.id, 'cant', ''));
    parts.answerBlock.append(
      h('div', { className: 'eta-line' }, parts.etaLabel, parts.eta),
      h('div', { className: 'answer-buttons' }, parts.going, parts.cant),
      parts.answered,
    );
    const li = h('li', { className: 'alert', dataset: { alertId: entry.id } },
      h('p', { className: 'alert-meta' }, parts.fresh, parts.urgent, parts.from, parts.time),
      parts.title, parts.text, parts.place, parts.answerBlock);
    const item = { li, parts };
    items.set(entry.id, item);
    return item;
  }

  function update({ li, parts }, entry, highlight) {
    li.classList.toggle('alert-unread', highlight);
    li.classList.toggle('alert-is-urgent', entry.urgent);
    parts.fresh.hidden = !highlight;
    parts.fresh.textContent = t('phone.alert.new');
    parts.urgent.hidden = !entry.urgent;
    parts.urgent.textContent = t('phone.alert.urgent');
    parts.from.textContent = entry.from || '';
    parts.time.textContent = entry.sent_at ? formatClock(entry.sent_at, getLanguage()) : '';
    parts.title.hidden = !entry.title;
    parts.title.textContent = entry.title || '';
    parts.text.textContent = entry.text || '';
    parts.place.hidden = !entry.location;
    if (entry.location) {
      parts.place.href = geoHref(entry.location);
      parts.place.textContent = t('phone.alert.open_place');
    }
    parts.answerBlock.hidden = !entry.asks_answer;
    parts.etaLabel.textContent = t('phone.alert.eta');
    parts.going.textContent = t('phone.alert.going');
    parts.cant.textContent = t('phone.alert.cant');
    parts.going.setAttribute('aria-pressed', String(entry.answer === 'going'));
    parts.cant.setAttribute('aria-pressed', String(entry.answer === 'cant'));
    parts.answered.textContent = answerText(entry);
    parts.answered.hidden = !entry.answer;
  }

  return {
    /** `highlighted(entry)`: whether it is still shown as new. */
    render(entries, highlighted) {
      const wanted = new Set(entries.map((entry) => entry.id));
      for (const [id, item] of items) {
        if (!wanted.has(id)) {
          item.li.remove();
          items.delete(id);
        }
      }
      entries.forEach((entry, index) => {
        const item = items.get(entry.id) || build(entry);
        update(item, entry, highlighted(entry));
        // Moved only when out of place, so a focused field keeps its focus.
        if (list.children[index] !== item.li) list.insertBefore(item.li, list.children[index] || null);
      });
      byId('alerts-empty').hidden = entries.length > 0;
      const unread = entries.filter((entry) => !entry.read).length;
      const badge = byId('alerts-unread');
      badge.hidden = unread === 0;
      badge.textContent = t('phone.alerts.unread', { count: unread });
    },
  };
}

function refusalText(code) {
  switch (code) {
    case 'no_case':
      return t('phone.refused.no_case');
    case 'case_not_open':
      return t('phone.refused.case_not_open');
    case 'too_large':
      return t('phone.refused.too_large');
    case 'unsupported_type':
    case 'unsupported_media_type':
      return t('phone.refused.type');
    default:
      return t('phone.refused.other', { code: code || '?' });
  }
}

/** Reports and photos the server refused, with "send again" and "discard"; batches dropped. */
export function renderRefused({ refused, dropped, onRetry, onDiscard }) {
  const section = byId('refused-section');
  // Refused batches are only noted (their fixes are gone); the note is shown for a day.
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  const droppedBatches = dropped.filter((entry) => entry.kind === 'batch' && Date.parse(entry.at) > dayAgo);
  section.hidden = refused.length === 0 && droppedBatches.length === 0;
  byId('refused').replaceChildren(...refused.map((item) => h('li', { className: 'refused-item', dataset: { kind: item.kind, id: item.id } },
    h('p', { className: 'refused-kind', text: item.kind === 'photo' ? t('phone.refused.photo') : t('phone.refused.report') }),
    item.text ? h('p', { className: 'refused-text', text: item.text }) : null,
    h('p', { className: 'refused-reason', text: refusalText(item.refusal?.code) }),
    h('div', { className: 'refused-actions' },
      h('button', { type: 'button', className: 'button button-primary', text: t('phone.refused.retry'), on: { click: () => onRetry(item) } }),
      h('button', { type: 'button', className: 'button button-quiet', text: t('phone.refused.discard'), on: { click: () => onDiscard(item) } })))));
  byId('dropped').replaceChildren(...droppedBatches.map((entry) => h('li', {
    text: t('phone.dropped.batch', { count: entry.fixes ?? 0, code: entry.code || '?' }),
  })));
}

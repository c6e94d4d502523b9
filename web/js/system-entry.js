// The words for the log entries Sweep writes itself (status changes, checklist tasks, card
// changes, photos), built from the facts in their `details`, in the language on show. The
// stored text stays as written for anything this does not know.

import { t } from './i18n.js';
import { cardFieldLabel, caseOutcomeLabel, caseStatusLabel, urgencyLabel } from './labels.js';
import { taskTitle } from './task-text.js';

/** The console's words; tests pass their own. */
const WORDS = {
  t,
  status: caseStatusLabel,
  outcome: caseOutcomeLabel,
  urgency: urgencyLabel,
  field: cardFieldLabel,
  title: (title) => taskTitle({ title }),
};

/** The text to show for `entry`: worded from its details if Sweep wrote it, else as stored. */
export function entryText(entry, words = WORDS) {
  return systemText(entry?.details || {}, words) ?? entry?.text ?? '';
}

function systemText(d, { t, status, outcome, urgency, field, title }) {
  switch (d.event) {
    case 'case_opened':
      return t('log.case_opened', { number: d.number ?? '' });
    case 'status':
      return statusText(d, { t, status, outcome });
    case 'card_changed':
      return t('log.card_changed', { fields: (d.fields || []).map(field).join(', ') });
    case 'urgency_override':
      return t('log.urgency_override', { from: urgency(d.from), to: urgency(d.to), reason: d.reason ?? '' });
    case 'place_added':
      return t('log.place_added', { name: d.name ?? '' });
    case 'place_checked':
      return d.checked ? t('log.place_checked', { name: d.name ?? '' }) : t('log.place_unchecked', { name: d.name ?? '' });
    case 'tasks_started':
      return t('log.tasks_started', { titles: (d.titles || []).map(title).join('; ') });
    case 'task_state':
      return taskStateText(d, { t, title });
    case 'task_overdue':
      return d.level >= 2
        ? t('log.task_long_overdue', { title: title(d.title) })
        : t('log.task_overdue', { title: title(d.title) });
    case 'handoff':
      return handoffText(d, t);
    case 'photo_added':
      return t('log.photo_added');
    case 'photo_withdrawn':
      return t('log.photo_withdrawn');
    default:
      return null;
  }
}

function statusText(d, { t, status, outcome }) {
  const words = { from: status(d.from), to: status(d.to), reason: d.reason ?? '' };
  if (d.outcome) {
    const ended = outcome(d.outcome);
    return d.reason
      ? t('log.status_outcome_reason', { ...words, outcome: ended })
      : t('log.status_outcome', { ...words, outcome: ended });
  }
  return d.reason ? t('log.status_reason', words) : t('log.status', words);
}

function taskStateText(d, { t, title: titleOf }) {
  const title = titleOf(d.title);
  const comment = d.comment ?? '';
  switch (d.state) {
    case 'done':
      return comment ? t('log.task_done_comment', { title, comment }) : t('log.task_done', { title });
    case 'not_needed':
      return t('log.task_not_needed', { title, comment });
    default:
      return t('log.task_reopened', { title });
  }
}

function handoffText(d, t) {
  const police = d.service === 'police';
  const to = d.to ?? '';
  switch (d.outcome) {
    case 'sending':
      return police ? t('log.handoff_sending_police', { to }) : t('log.handoff_sending_ambulance', { to });
    case 'sent':
      return police ? t('log.handoff_sent_police', { to }) : t('log.handoff_sent_ambulance', { to });
    default:
      return police ? t('log.handoff_failed_police', { to }) : t('log.handoff_failed_ambulance', { to });
  }
}

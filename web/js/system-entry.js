// The words for the log entries Sweep writes itself (status changes, checklist tasks, card
// changes, photos, operations in the field and their tasks, equipment handed to a group and
// taken back, alerts sent, field alerts raised and acknowledged), built from the facts in their
// `details`, in the language on show. The stored text stays as written for anything this does
// not know.

import { t } from './i18n.js';
import {
  cardFieldLabel, caseOutcomeLabel, caseStatusLabel, operationStatusLabel, urgencyLabel,
} from './labels.js';
import { fieldTaskStatusLabel } from './field-tasks.js';
import { taskTitle } from './task-text.js';

/** The console's words; tests pass their own. */
const WORDS = {
  t,
  status: caseStatusLabel,
  outcome: caseOutcomeLabel,
  urgency: urgencyLabel,
  field: cardFieldLabel,
  title: (title) => taskTitle({ title }),
  operationStatus: operationStatusLabel,
  taskStatus: fieldTaskStatusLabel,
};

/**
 * Whether `entry` is Sweep's record of equipment handed out or taken back in the Operations tab
 * (its details name the equipment), not an "Equipment issued" entry a person wrote.
 */
export function isEquipmentRecord(entry) {
  return (entry?.kind === 'equipment_issued' || entry?.kind === 'equipment_returned') && Boolean(entry?.details?.equipment);
}

/** The text to show for `entry`: worded from its details if Sweep wrote it, else as stored. */
export function entryText(entry, words = WORDS) {
  const details = entry?.details || {};
  if (isEquipmentRecord(entry)) return equipmentText(entry.kind === 'equipment_returned', details, words);
  // An alert's own words are the entry's text: the worded line quotes them.
  const facts = details.event === 'alert_sent' ? { ...details, text: entry?.text ?? '' } : details;
  return systemText(facts, words) ?? entry?.text ?? '';
}

function systemText(d, words) {
  const { t, status, outcome, urgency, field, title } = words;
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
    case 'operation_created':
    case 'operation_changed':
    case 'group_created':
    case 'group_changed':
    case 'member_joined':
    case 'member_left':
      return operationText(d, words);
    case 'task_created':
    case 'task_changed':
    case 'task_status':
      return fieldTaskText(d, words);
    case 'field_alert':
    case 'field_alert_acknowledged':
      return fieldAlertText(d, t);
    case 'poa_set':
      return d.method === 'rings' ? t('log.poa_rings') : t('log.poa_manual');
    case 'callout_sent':
    case 'callout_escalated':
    case 'callout_closed':
    case 'answer_taken':
      return calloutText(d, t);
    case 'alert_sent':
      return d.urgent
        ? t('log.alert_sent_urgent', { n: d.recipients ?? '?', text: d.text ?? '' })
        : t('log.alert_sent', { n: d.recipients ?? '?', text: d.text ?? '' });
    default:
      return null;
  }
}

// A call-out sent, escalated or closed, and an answer taken on a volunteer's behalf.
function calloutText(d, t) {
  const title = d.title ?? '';
  switch (d.event) {
    case 'callout_sent':
      return d.urgent
        ? t('log.callout_sent_urgent', { title, n: d.recipients ?? '?' })
        : t('log.callout_sent', { title, n: d.recipients ?? '?' });
    case 'callout_closed':
      return t('log.callout_closed', { title });
    case 'answer_taken': {
      const words = { name: d.name ?? '', note: d.note ?? '' };
      const said = d.answer === 'going' ? t('log.answer_taken_going', words) : t('log.answer_taken_cant', words);
      return d.note ? `${said} (${words.note})` : said;
    }
    default: {
      const n = d.resent ?? 0;
      const resent = {
        app: () => t('log.callout_resent_app', { n }),
        email: () => t('log.callout_resent_email', { n }),
        sms: () => t('log.callout_resent_sms', { n }),
      }[d.channel];
      const parts = [t('log.callout_step', { title, step: d.step ?? '?', going: d.going ?? 0, needed: d.needed ?? '?' })];
      if (resent) parts.push(resent());
      if (d.radius_km != null) parts.push(t('log.callout_widened', { km: Math.round(d.radius_km), n: d.added ?? 0 }));
      return parts.join('; ');
    }
  }
}

function operationText(d, { t, operationStatus = (s) => String(s ?? '') }) {
  const name = d.name ?? '';
  switch (d.event) {
    case 'operation_created':
      return t('log.operation_created', { name });
    case 'operation_changed': {
      const parts = [];
      if (d.status) parts.push(t('log.operation_status', { status: operationStatus(d.status) }));
      if (d.name) parts.push(t('log.operation_renamed', { name }));
      if (d.meeting_point_id) parts.push(t('log.operation_meeting_point'));
      if (d.leader) parts.push(d.leader_name ? t('log.operation_leader', { name: d.leader_name }) : t('log.operation_leader_changed'));
      // Nothing else named: its search settings or field alert limits changed (the details name
      // the coverage settings only, not always).
      return parts.length ? parts.join('; ') : t('log.operation_settings');
    }
    case 'group_created':
      return [t('log.group_created', { name }), radioText(d, t)].filter(Boolean).join('; ');
    case 'group_changed': {
      if (d.leader_name) return t('log.group_leader', { name: d.leader_name });
      // The details name what changed (the instructions only by naming nothing else).
      const parts = [d.name ? t('log.group_renamed', { name }) : null, radioText(d, t)].filter(Boolean);
      return parts.length ? parts.join('; ') : t('log.group_instructions');
    }
    case 'member_joined':
      return t('log.member_joined', { name });
    default:
      return t('log.member_left', { name });
  }
}

// A group's radio channel set (a text) or cleared (an empty one); null when it did not change.
function radioText(d, t) {
  if (typeof d.radio !== 'string') return null;
  const radio = d.radio.trim();
  return radio ? t('log.group_radio', { radio }) : t('log.group_radio_cleared');
}

// Equipment handed to a group, or taken back: what, how many, which group.
function equipmentText(returned, d, { t }) {
  const words = { group: d.group_name ?? '', item: d.item ?? '', n: d.quantity ?? 1 };
  if (returned) return words.n > 1 ? t('log.equipment_returned_n', words) : t('log.equipment_returned', words);
  return words.n > 1 ? t('log.equipment_issued_n', words) : t('log.equipment_issued', words);
}

// A task of an operation (a group's assignment): created, changed, moved along. The details
// name the group by its id only, so the words say that a group got it, not which.
function fieldTaskText(d, { t, taskStatus = (s) => String(s ?? '') }) {
  const title = d.title ?? '';
  switch (d.event) {
    case 'task_created':
      return d.group ? t('log.field_task_created_assigned', { title }) : t('log.field_task_created', { title });
    case 'task_changed': {
      const parts = [];
      if (d.title) parts.push(t('log.field_task_renamed', { title }));
      if (d.group) parts.push(t('log.field_task_group'));
      return parts.length ? parts.join('; ') : t('log.field_task_changed');
    }
    default: {
      // The title, when the details carry it, says which task moved.
      const task = d.title ? t('log.field_task_named', { title }) : t('log.field_task');
      const words = { task, from: taskStatus(d.from), to: taskStatus(d.to), reason: d.reason ?? '' };
      return d.reason ? t('log.field_task_status_reason', words) : t('log.field_task_status', words);
    }
  }
}

// A field alert Sweep raised (someone off the task, a group silent) and its acknowledgement by a
// dispatcher, with their note. The raised alert names the volunteer (off task) or the group.
function fieldAlertText(d, t) {
  const silent = d.kind === 'silent_group';
  if (d.event === 'field_alert') {
    const name = d.name ?? '';
    return silent ? t('log.field_alert_silent_group', { name }) : t('log.field_alert_off_task', { name });
  }
  const kind = silent ? t('fieldalert.kind.silent_group') : t('fieldalert.kind.off_task');
  return d.note ? t('log.field_alert_acknowledged_note', { kind, note: d.note }) : t('log.field_alert_acknowledged', { kind });
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

// Translated names for the values the server sends: roles, case statuses and categories,
// outcomes, urgency, report channels, log entry kinds, task states, checklist triggers,
// operation statuses, answers to alerts...
// Each key is written out in a t('...') call so the i18n test can check it; a value the
// console does not know yet is shown as the server sent it.

import { t } from './i18n.js';

const ROLES = {
  admin: () => t('role.admin'),
  dispatcher: () => t('role.dispatcher'),
  coordinator: () => t('role.coordinator'),
  volunteer: () => t('role.volunteer'),
  police_liaison: () => t('role.police_liaison'),
};

const CASE_STATUSES = {
  registered: () => t('case.status.registered'),
  first_checks: () => t('case.status.first_checks'),
  search_active: () => t('case.status.search_active'),
  suspended: () => t('case.status.suspended'),
  closed: () => t('case.status.closed'),
};

const CASE_CATEGORIES = {
  child: () => t('case.category.child'),
  teenager: () => t('case.category.teenager'),
  adult: () => t('case.category.adult'),
  elderly: () => t('case.category.elderly'),
  dementia: () => t('case.category.dementia'),
};

const CASE_OUTCOMES = {
  found_alive: () => t('case.outcome.found_alive'),
  found_dead: () => t('case.outcome.found_dead'),
  found_by_police: () => t('case.outcome.found_by_police'),
  returned_home: () => t('case.outcome.returned_home'),
  not_found: () => t('case.outcome.not_found'),
  cancelled: () => t('case.outcome.cancelled'),
};

const SEXES = {
  female: () => t('case.sex.female'),
  male: () => t('case.sex.male'),
};

const WEATHER = {
  normal: () => t('case.weather.normal'),
  cold: () => t('case.weather.cold'),
  hot: () => t('case.weather.hot'),
  rain: () => t('case.weather.rain'),
  storm: () => t('case.weather.storm'),
};

const URGENCY_CLASSES = {
  critical: () => t('urgency.critical'),
  high: () => t('urgency.high'),
  normal: () => t('urgency.normal'),
};

const URGENCY_REASONS = {
  young_child: () => t('urgency.reason.young_child'),
  child: () => t('urgency.reason.child'),
  teenager: () => t('urgency.reason.teenager'),
  elderly: () => t('urgency.reason.elderly'),
  dementia: () => t('urgency.reason.dementia'),
  health: () => t('urgency.reason.health'),
  medication: () => t('urgency.reason.medication'),
  night: () => t('urgency.reason.night'),
  cold: () => t('urgency.reason.cold'),
  hot: () => t('urgency.reason.hot'),
  storm: () => t('urgency.reason.storm'),
  rain: () => t('urgency.reason.rain'),
};

// The button that moves a case to a status: the words depend on where it comes from.
const TRANSITIONS = {
  first_checks: (from) => (from === 'closed' ? t('transition.reopen_first_checks') : t('transition.first_checks')),
  search_active: (from) => {
    if (from === 'closed') return t('transition.reopen_search');
    if (from === 'suspended') return t('transition.resume_search');
    return t('transition.search_active');
  },
  suspended: () => t('transition.suspended'),
  closed: () => t('transition.closed'),
};

const REPORT_CHANNELS = {
  phone: () => t('report.channel.phone'),
  sms: () => t('report.channel.sms'),
  email: () => t('report.channel.email'),
  walk_in: () => t('report.channel.walk_in'),
  police: () => t('report.channel.police'),
  web_form: () => t('report.channel.web_form'),
};

const REPORT_OUTCOMES = {
  information_only: () => t('report.outcome.information_only'),
  duplicate: () => t('report.outcome.duplicate'),
  passed_to_police: () => t('report.outcome.passed_to_police'),
  linked_to_case: () => t('report.outcome.linked_to_case'),
  became_case: () => t('report.outcome.became_case'),
};

const JOURNAL_KINDS = {
  note: () => t('journal.kind.note'),
  call: () => t('journal.kind.call'),
  dispatch: () => t('journal.kind.dispatch'),
  vehicle: () => t('journal.kind.vehicle'),
  equipment_issued: () => t('journal.kind.equipment_issued'),
  equipment_returned: () => t('journal.kind.equipment_returned'),
  clue: () => t('journal.kind.clue'),
  status_change: () => t('journal.kind.status_change'),
  alert_sent: () => t('journal.kind.alert_sent'),
  police_note: () => t('journal.kind.police_note'),
  task: () => t('journal.kind.task'),
  card_update: () => t('journal.kind.card_update'),
  handoff: () => t('journal.kind.handoff'),
  field_report: () => t('journal.kind.field_report'),
  operation: () => t('journal.kind.operation'),
};

const OPERATION_STATUSES = {
  planned: () => t('operation.status.planned'),
  active: () => t('operation.status.active'),
  suspended: () => t('operation.status.suspended'),
  finished: () => t('operation.status.finished'),
};

const ALERT_ANSWERS = {
  going: () => t('alert.answer.going'),
  cant: () => t('alert.answer.cant'),
};

const TASK_STATES = {
  open: () => t('task.state.open'),
  done: () => t('task.state.done'),
  not_needed: () => t('task.state.not_needed'),
};

const CHECKLIST_TRIGGERS = {
  case_created: () => t('checklist.trigger.case_created'),
  'status:first_checks': () => t('checklist.trigger.status_first_checks'),
  'status:search_active': () => t('checklist.trigger.status_search_active'),
  'status:suspended': () => t('checklist.trigger.status_suspended'),
  'status:closed': () => t('checklist.trigger.status_closed'),
};

const MATCH_KINDS = {
  report: () => t('match.kind.report'),
  case: () => t('match.kind.case'),
};

const SIMILAR_REASONS = {
  name: () => t('similar.reason.name'),
  phone: () => t('similar.reason.phone'),
};

// Age bands of the statistics (at the time of the report).
const AGE_BANDS = {
  under_14: () => t('statistics.age.under_14'),
  '14_17': () => t('statistics.age.14_17'),
  '18_plus': () => t('statistics.age.18_plus'),
  unknown: () => t('statistics.age.unknown'),
};

// The parts of a statistics bar: how the cases ended, and those not closed yet.
const STATISTICS_OUTCOMES = {
  found_alive: () => t('statistics.outcome.found_alive'),
  returned_home: () => t('statistics.outcome.returned_home'),
  found_by_police: () => t('statistics.outcome.found_by_police'),
  found_dead: () => t('statistics.outcome.found_dead'),
  not_found: () => t('statistics.outcome.not_found'),
  cancelled: () => t('statistics.outcome.cancelled'),
  still_open: () => t('statistics.outcome.still_open'),
};

// The card's fields, as named in the log's record of a change.
const CARD_FIELDS = {
  full_name: () => t('case.field.full_name'),
  sex: () => t('case.field.sex'),
  birth_date: () => t('case.field.birth_date'),
  estimated_age: () => t('case.field.estimated_age'),
  category: () => t('case.field.category'),
  person_phone: () => t('case.field.person_phone'),
  height_cm: () => t('case.field.height_cm'),
  build: () => t('case.field.build'),
  appearance: () => t('case.field.appearance'),
  clothing: () => t('case.field.clothing'),
  special_marks: () => t('case.field.special_marks'),
  health: () => t('case.field.health'),
  medication: () => t('case.field.medication'),
  mental_state: () => t('case.field.mental_state'),
  circumstances: () => t('case.field.circumstances'),
  weather: () => t('case.field.weather'),
  last_seen_at: () => t('case.field.last_seen_at'),
  last_seen: () => t('case.field.last_seen'),
  last_seen_address: () => t('case.field.last_seen_address'),
  police_unit: () => t('case.field.police_unit'),
  police_case_number: () => t('case.field.police_case_number'),
  situation: () => t('case.field.situation'),
  contacts: () => t('case.group.contacts'),
};

// The volunteer registry and call-outs (docs/volunteers.md).
const SKILLS = {
  navigator: () => t('skill.navigator'),
  medic: () => t('skill.medic'),
  driver: () => t('skill.driver'),
  dog_handler: () => t('skill.dog_handler'),
  drone_pilot: () => t('skill.drone_pilot'),
  radio_operator: () => t('skill.radio_operator'),
  climber: () => t('skill.climber'),
  diver: () => t('skill.diver'),
  boat: () => t('skill.boat'),
  cook: () => t('skill.cook'),
  coordinator: () => t('skill.coordinator'),
};

const VETTING = {
  pending: () => t('vetting.pending'),
  approved: () => t('vetting.approved'),
  suspended: () => t('vetting.suspended'),
};

const CHANNELS = {
  app: () => t('channel.app'),
  email: () => t('channel.email'),
  sms: () => t('channel.sms'),
  console: () => t('channel.console'),
  link: () => t('channel.link'),
};

const DELIVERY_STATUSES = {
  queued: () => t('delivery.queued'),
  held: () => t('delivery.held'),
  sending: () => t('delivery.sending'),
  sent: () => t('delivery.sent'),
  delivered: () => t('delivery.delivered'),
  failed: () => t('delivery.failed'),
  unknown: () => t('delivery.unknown'),
  skipped: () => t('delivery.skipped'),
};

function label(table, value, ...context) {
  return Object.hasOwn(table, value) ? table[value](...context) : String(value ?? '');
}

export const roleLabel = (role) => label(ROLES, role);
export const cardFieldLabel = (field) => label(CARD_FIELDS, field);
export const caseStatusLabel = (status) => label(CASE_STATUSES, status);
export const caseCategoryLabel = (category) => label(CASE_CATEGORIES, category);
export const caseOutcomeLabel = (outcome) => label(CASE_OUTCOMES, outcome);
export const sexLabel = (sex) => label(SEXES, sex);
export const weatherLabel = (weather) => label(WEATHER, weather);
export const urgencyLabel = (urgencyClass) => label(URGENCY_CLASSES, urgencyClass);
export const urgencyReasonLabel = (code) => label(URGENCY_REASONS, code);
export const transitionLabel = (to, from) => label(TRANSITIONS, to, from);
export const reportChannelLabel = (channel) => label(REPORT_CHANNELS, channel);
export const reportOutcomeLabel = (outcome) => label(REPORT_OUTCOMES, outcome);
export const journalKindLabel = (kind) => label(JOURNAL_KINDS, kind);
export const taskStateLabel = (state) => label(TASK_STATES, state);
export const checklistTriggerLabel = (trigger) => label(CHECKLIST_TRIGGERS, trigger);
export const matchKindLabel = (kind) => label(MATCH_KINDS, kind);
export const similarReasonLabel = (reason) => label(SIMILAR_REASONS, reason);
export const ageBandLabel = (band) => label(AGE_BANDS, band);
export const statisticsOutcomeLabel = (outcome) => label(STATISTICS_OUTCOMES, outcome);
export const operationStatusLabel = (status) => label(OPERATION_STATUSES, status);
export const alertAnswerLabel = (answer) => label(ALERT_ANSWERS, answer);
export const skillLabel = (skill) => label(SKILLS, skill);
export const vettingLabel = (vetting) => label(VETTING, vetting);
/** A call-out's channel, or how an answer came: app, email, sms, console (for them), link. */
export const channelLabel = (channel) => label(CHANNELS, channel);
export const deliveryStatusLabel = (status) => label(DELIVERY_STATUSES, status);
/** A volunteer's vehicle: "Niva, 4 seats, 4×4". */
export const vehicleLabel = (v) => (v?.four_by_four
  ? t('vehicle.four_by_four', { name: v.name ?? '', seats: v.seats ?? '?' })
  : t('vehicle.plain', { name: v?.name ?? '', seats: v?.seats ?? '?' }));

/** The log entry kinds people write; the others are written by Sweep itself. */
export const WRITABLE_JOURNAL_KINDS = ['note', 'call', 'dispatch', 'vehicle', 'equipment_issued',
  'equipment_returned', 'clue', 'police_note'];

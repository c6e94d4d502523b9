// The small labels that carry a colour: a case's urgency and its status. The colour is never
// alone: the badge always says its word too.

import { h } from './dom.js';
import { caseStatusLabel, urgencyLabel } from './labels.js';

/** The urgency class of a Case's `urgency` object, or of a summary's (a class or an object). */
export function urgencyClassOf(urgency) {
  if (typeof urgency === 'string') return urgency;
  return urgency && typeof urgency === 'object' ? urgency.class ?? null : null;
}

export function urgencyBadge(urgency) {
  const urgencyClass = urgencyClassOf(urgency);
  if (!urgencyClass) return null;
  return h('span', { className: 'urgency-badge', dataset: { urgency: urgencyClass }, text: urgencyLabel(urgencyClass) });
}

export function statusBadge(status) {
  return h('span', { className: 'status-badge', dataset: { status }, text: caseStatusLabel(status) });
}

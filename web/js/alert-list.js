// An operation's messages to the field as a list: newest first, each with whom it went to, the
// headcount (read, going, can't) and, folded, every recipient's delivery, read receipt and answer.

import { h } from './dom.js';
import { getLanguage, t } from './i18n.js';
import { alertAnswerLabel } from './labels.js';
import { formatPoint, isPoint } from './points.js';
import { audienceOf, tally } from './alert-tally.js';
import { formatClock } from './time.js';

/**
 * The <ul> of `alerts` of operation `op`. `openIds`: alerts whose recipients are unfolded
 * (kept across redraws).
 */
export function alertList(op, alerts, { openIds = new Set() } = {}) {
  return h('ul', { className: 'alert-list' }, alerts.map((alert) => alertItem(op, alert, openIds)));
}

function audienceText(op, alert) {
  const audience = audienceOf(alert);
  switch (audience.kind) {
    case 'group': {
      const group = (op.groups || []).find((g) => g.id === audience.groupId);
      return t('alert.to_group', { name: group?.name || '?' });
    }
    case 'people':
      if (audience.ids.length === 1) {
        const one = (alert.recipients || []).find((r) => r.volunteer_id === audience.ids[0]);
        return t('alert.to_person', { name: one?.name || '?' });
      }
      return t('alert.to_people', { n: audience.ids.length });
    default:
      return t('alert.to_operation');
  }
}

function alertItem(op, alert, openIds) {
  const lang = getLanguage();
  const counts = tally(alert);
  const facts = [t('alert.tally.read', { read: counts.read, total: counts.total })];
  if (alert.asks_answer || counts.going || counts.cant) {
    facts.push(t('alert.tally.going', { n: counts.going }), t('alert.tally.cant', { n: counts.cant }));
  }
  return h('li', {
    className: 'alert-item',
    dataset: { alertId: alert.id, urgent: String(Boolean(alert.urgent)) },
  },
  h('div', { className: 'alert-head' },
    h('time', { className: 'alert-time', dateTime: alert.sent_at, text: formatClock(alert.sent_at, lang) }),
    alert.urgent ? h('span', { className: 'alert-urgent', text: t('alert.urgent') }) : null,
    h('span', { className: 'alert-audience', text: audienceText(op, alert) }),
    h('span', { className: 'alert-author', text: alert.sent_by_name || '' })),
  h('p', { className: 'alert-text', text: alert.text }),
  isPoint(alert.location)
    ? h('button', {
      type: 'button',
      className: 'link-button alert-location',
      dataset: { lat: alert.location.lat, lon: alert.location.lon },
      text: formatPoint(alert.location),
      attrs: { 'aria-label': t('journal.location_show', { point: formatPoint(alert.location) }) },
    })
    : null,
  h('p', { className: 'alert-tally', dataset: { going: counts.going } }, facts.join(' · ')),
  h('details', { className: 'alert-recipients', open: openIds.has(alert.id), dataset: { alertId: alert.id } },
    h('summary', { text: t('alert.recipients', { n: counts.total }) }),
    h('table', { className: 'alert-recipient-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: t('alert.col.name') }),
        h('th', { scope: 'col', text: t('alert.col.delivered') }),
        h('th', { scope: 'col', text: t('alert.col.read') }),
        h('th', { scope: 'col', text: t('alert.col.answer') }))),
      h('tbody', {}, (alert.recipients || []).map((r) => recipientRow(r, lang))))));
}

function recipientRow(r, lang) {
  const when = (iso) => (iso ? formatClock(iso, lang) : '—');
  let answer = r.answer ? alertAnswerLabel(r.answer) : '—';
  if (r.answer === 'going' && r.eta) answer = t('alert.answer.going_eta', { time: formatClock(r.eta, lang) });
  return h('tr', { className: 'alert-recipient', dataset: { volunteerId: r.volunteer_id, answer: r.answer || '' } },
    h('th', { scope: 'row', text: r.name }),
    h('td', { text: when(r.delivered_at) }),
    h('td', { text: when(r.read_at) }),
    h('td', { text: answer }));
}

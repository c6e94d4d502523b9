// The card's fields as a read-only sheet, grouped as in the form; empty ones show a dash, so
// what is missing is seen too. Drawn in the console's card view and on the shared page.

import { h } from './dom.js';
import { getLanguage, t } from './i18n.js';
import { caseCategoryLabel, sexLabel, weatherLabel } from './labels.js';
import { formatPoint } from './points.js';
import { formatDate, formatTime } from './time.js';

/**
 * The nodes of the sheet for Case `c`. `onShowPoint(point)`: the last-seen point is a button
 * that calls it (the console shows it on the map); without it the point is plain text.
 */
export function cardDetails(c, { onShowPoint = null } = {}) {
  const lang = getLanguage();
  const text = (value) => (value === null || value === undefined || value === '' ? null : String(value));
  const group = (titleText, rows) => h('section', { className: 'field-group' },
    h('h3', { className: 'field-group-title', text: titleText }),
    h('dl', { className: 'field-list' }, rows.flatMap(([label, value]) => [
      h('dt', { text: label }),
      h('dd', { className: value === null ? 'field-empty' : null, text: value ?? '—' }),
    ])));

  const contacts = (c.contacts || []).map((contact) => h('li', { className: 'contact' },
    h('span', { className: 'contact-name', text: [contact.name, contact.relation].filter(Boolean).join(', ') }),
    contact.phone ? h('a', { className: 'contact-phone', href: `tel:${contact.phone.replace(/[^\d+]/g, '')}`, text: contact.phone }) : null,
    contact.note ? h('span', { className: 'contact-note', text: contact.note }) : null));

  let lastSeen = null;
  if (c.last_seen && onShowPoint) {
    lastSeen = h('button', {
      type: 'button',
      className: 'link-button',
      text: formatPoint(c.last_seen),
      on: { click: () => onShowPoint(c.last_seen) },
    });
  } else if (c.last_seen) {
    lastSeen = h('p', { className: 'field-point', text: formatPoint(c.last_seen) });
  }

  return [
    group(t('case.group.person'), [
      [t('case.field.full_name'), text(c.full_name)],
      [t('case.field.sex'), c.sex ? sexLabel(c.sex) : null],
      [t('case.field.birth_date'), c.birth_date ? formatDate(c.birth_date, lang) : null],
      [t('case.field.estimated_age'), text(c.estimated_age)],
      [t('case.field.category'), c.category ? caseCategoryLabel(c.category) : null],
      [t('case.field.person_phone'), text(c.person_phone)],
    ]),
    group(t('case.group.appearance'), [
      [t('case.field.height_cm'), text(c.height_cm)],
      [t('case.field.build'), text(c.build)],
      [t('case.field.appearance'), text(c.appearance)],
      [t('case.field.clothing'), text(c.clothing)],
      [t('case.field.special_marks'), text(c.special_marks)],
    ]),
    group(t('case.group.health'), [
      [t('case.field.health'), text(c.health)],
      [t('case.field.medication'), text(c.medication)],
      [t('case.field.mental_state'), text(c.mental_state)],
    ]),
    group(t('case.group.circumstances'), [
      [t('case.field.circumstances'), text(c.circumstances)],
      [t('case.field.last_seen_at'), c.last_seen_at ? formatTime(c.last_seen_at, lang) : null],
      [t('case.field.last_seen_address'), text(c.last_seen_address)],
      [t('case.field.weather'), c.weather ? weatherLabel(c.weather) : null],
      [t('case.field.situation'), text(c.situation)],
    ]),
    h('section', { className: 'field-group' },
      h('h3', { className: 'field-group-title', text: t('case.field.last_seen') }),
      lastSeen || h('p', { className: 'field-empty', text: t('case.no_point') })),
    h('section', { className: 'field-group' },
      h('h3', { className: 'field-group-title', text: t('case.group.contacts') }),
      contacts.length ? h('ul', { className: 'contact-list' }, contacts) : h('p', { className: 'field-empty', text: '—' })),
    group(t('case.group.police'), [
      [t('case.field.police_unit'), text(c.police_unit)],
      [t('case.field.police_case_number'), text(c.police_case_number)],
    ]),
    h('p', {
      className: 'record-meta',
      text: t('case_view.registered', {
        time: formatTime(c.created_at, lang),
        name: c.created_by_name || '—',
      }) + (c.updated_at ? ` · ${t('case_view.updated', { time: formatTime(c.updated_at, lang) })}` : ''),
    }),
  ];
}

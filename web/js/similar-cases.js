// The list of existing cases that may be the same person, shown while a card or a report is
// typed (GET /api/cases/similar).

import { h } from './dom.js';
import { t } from './i18n.js';
import { caseStatusLabel, similarReasonLabel } from './labels.js';
import { href } from './routes.js';

/** Shows `matches` in `list`, and `box` only when there are some. */
export function renderSimilarCases(box, list, matches) {
  box.hidden = matches.length === 0;
  list.replaceChildren(...matches.map((m) => h('li', { className: 'similar-match' },
    h('a', {
      href: href.case(m.id),
      target: '_blank',
      rel: 'noopener',
      className: 'similar-link',
      dataset: { caseId: m.id },
    },
    h('span', { className: 'record-number', text: m.number }), ' ',
    h('span', { className: 'similar-name', text: m.full_name })),
    h('span', {
      className: 'similar-facts',
      text: [
        m.birth_year ? t('case_form.similar.born', { year: m.birth_year }) : null,
        caseStatusLabel(m.status),
        similarReasonLabel(m.reason),
      ].filter(Boolean).join(' · '),
    }),
    h('span', { className: 'visually-hidden', text: t('common.opens_in_new_tab') }))));
}

// #/statistics: the team's figures for a period (GET /api/statistics): the headline sentence,
// and how the cases ended by age band and by category as bar charts drawn with CSS. Each bar is
// the group's cases, split by outcome; every part carries its number as text, so the chart reads
// without colour, and the same figures download as CSV.

import { getStatistics, statisticsCsvUrl } from './api.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { ageBandLabel, caseCategoryLabel, statisticsOutcomeLabel } from './labels.js';
import {
  OUTCOMES, chartRows, formatCount, headline, periodOf, validPeriod,
} from './statistics-figures.js';
import { formatDate } from './time.js';

let stats = null;
let generation = 0;

export function initStatistics() {
  const form = byId('stats-period');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  for (const input of [byId('stats-from'), byId('stats-to')]) input.addEventListener('change', load);
  for (const button of [byId('stats-this-year'), byId('stats-last-year')]) {
    button.addEventListener('click', () => {
      const period = periodOf(button.dataset.period);
      byId('stats-from').value = period.from;
      byId('stats-to').value = period.to;
      load();
    });
  }
  onLanguageChange(render);
}

export const statisticsView = {
  show() {
    // The first visit shows this year; later ones keep the period chosen.
    if (!byId('stats-from').value || !byId('stats-to').value) {
      const period = periodOf('this_year');
      byId('stats-from').value = period.from;
      byId('stats-to').value = period.to;
    }
    load();
  },
  reset() {
    generation += 1;
    stats = null;
    byId('stats-period').reset();
    byId('stats-error').hidden = true;
    render();
  },
};

const period = () => ({ from: byId('stats-from').value, to: byId('stats-to').value });

async function load() {
  const mine = ++generation;
  const asked = period();
  const error = byId('stats-error');
  error.hidden = true;
  const csv = byId('stats-csv');
  if (!validPeriod(asked)) {
    error.hidden = false;
    error.textContent = t('statistics.period_invalid');
    csv.removeAttribute('href');
    csv.setAttribute('aria-disabled', 'true');
    return;
  }
  csv.href = statisticsCsvUrl(asked);
  csv.removeAttribute('aria-disabled');
  byId('stats-loading').hidden = stats !== null;
  try {
    const answer = await getStatistics(asked);
    if (mine !== generation) return;
    stats = answer;
  } catch (failure) {
    if (mine !== generation) return;
    error.hidden = false;
    error.textContent = failure.code === 'invalid_field' ? t('statistics.period_invalid') : apiErrorText(failure);
  }
  byId('stats-loading').hidden = true;
  render();
}

function render() {
  byId('stats-result').hidden = !stats;
  if (!stats) return;
  const lang = getLanguage();
  byId('stats-headline').textContent = headline(stats, lang, t);
  byId('stats-period-text').textContent = t('statistics.period_text', {
    from: formatDate(stats.from, lang),
    to: formatDate(stats.to, lang),
  });
  byId('stats-legend').replaceChildren(...OUTCOMES.map((outcome) => h('li', {
    className: 'stats-legend-item',
    dataset: { outcome },
  },
  h('span', { className: 'stats-swatch', dataset: { outcome }, attrs: { 'aria-hidden': 'true' } }),
  h('span', { text: statisticsOutcomeLabel(outcome) }))));
  byId('stats-chart-age').replaceChildren(...chartRows(stats.by_age_band).map((row) => chartRow(row, ageBandLabel(row.group))));
  byId('stats-chart-category').replaceChildren(...chartRows(stats.by_category).map((row) => chartRow(row, caseCategoryLabel(row.group))));
}

/** One group: its name and totals, then its bar, whose parts say their outcome and number. */
function chartRow(row, label) {
  const lang = getLanguage();
  const percent = `${(row.share * 100).toFixed(1)}%`;
  return h('li', { className: 'stats-row', dataset: { group: row.group, cases: row.cases } },
    h('div', { className: 'stats-row-head' },
      h('span', { className: 'stats-row-label', text: label }),
      h('span', {
        className: 'stats-row-total',
        text: t('statistics.group_total', { cases: formatCount(row.cases, lang), searches: formatCount(row.searches, lang) }),
      })),
    row.cases > 0
      ? h('ul', { className: 'stats-bar', attrs: { style: `width: ${percent}` } }, row.parts.map((part) => h('li', {
        className: 'stats-part',
        dataset: { outcome: part.outcome, count: part.count },
        title: `${statisticsOutcomeLabel(part.outcome)}: ${formatCount(part.count, lang)}`,
        attrs: { style: `flex-grow: ${part.count}` },
      },
      h('span', { className: 'visually-hidden', text: `${statisticsOutcomeLabel(part.outcome)}: ` }),
      h('span', { className: 'stats-part-count', text: formatCount(part.count, lang) }))))
      : h('p', { className: 'stats-none', text: t('statistics.no_cases') }));
}

// The figures of GET /api/statistics as people read them: the headline sentence with numbers
// formatted for the language, the periods behind the shortcuts, and the rows of the bar charts.
// No DOM here, so tests/statistics-figures.test.mjs runs it in node with the real tables: the
// translation function is passed in as `t`.

/** The parts of a group's bar, in the order drawn and listed in the legend; they add up to its cases. */
export const OUTCOMES = ['found_alive', 'returned_home', 'found_by_police', 'found_dead', 'not_found',
  'cancelled', 'still_open'];

/** "1 324" in Russian, "1,324" in English. */
export function formatCount(n, lang) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(Number(n) || 0);
}

// Russian needs three forms of a noun after a number (1 обращение, 2 обращения, 5 обращений).
const REPORTS = {
  one: (t, n) => t('statistics.reports.one', { n }),
  few: (t, n) => t('statistics.reports.few', { n }),
  many: (t, n) => t('statistics.reports.many', { n }),
  other: (t, n) => t('statistics.reports.other', { n }),
};
const SEARCHES = {
  one: (t, n) => t('statistics.searches.one', { n }),
  few: (t, n) => t('statistics.searches.few', { n }),
  many: (t, n) => t('statistics.searches.many', { n }),
  other: (t, n) => t('statistics.searches.other', { n }),
};

function counted(forms, count, lang, t) {
  const form = new Intl.PluralRules(lang).select(Number(count) || 0);
  return (forms[form] || forms.other)(t, formatCount(count, lang));
}

/**
 * "1,324 reports, 201 searches; found alive 98, found dead 11, still missing 9" for a
 * Statistics answer, in `lang` with the translation function `t(key, params)`.
 */
export function headline(stats, lang, t) {
  const total = stats?.total || {};
  return t('statistics.headline', {
    reports: counted(REPORTS, stats?.reports ?? 0, lang, t),
    searches: counted(SEARCHES, total.searches ?? 0, lang, t),
    alive: formatCount(total.found_alive, lang),
    dead: formatCount(total.found_dead, lang),
    missing: formatCount(total.still_missing, lang),
  });
}

const pad = (n) => String(n).padStart(2, '0');

/** "YYYY-MM-DD" of `date` in local time (the value of <input type="date">). */
export function isoDate(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** {from, to} for a shortcut: "this_year" (1 January to today) or "last_year" (the whole year). */
export function periodOf(shortcut, now = new Date()) {
  const year = now.getFullYear();
  if (shortcut === 'last_year') return { from: `${year - 1}-01-01`, to: `${year - 1}-12-31` };
  return { from: `${year}-01-01`, to: isoDate(now) };
}

/** True when `from` and `to` are dates ("YYYY-MM-DD") and `from` is not after `to`. */
export function validPeriod({ from, to }) {
  const date = /^\d{4}-\d{2}-\d{2}$/;
  return date.test(String(from)) && date.test(String(to)) && from <= to;
}

/**
 * The rows of a chart for the groups of a Statistics answer: each with its counts, its parts
 * (OUTCOMES with a count above zero) and its length as a share of the largest group (0..1).
 */
export function chartRows(groups) {
  const list = Array.isArray(groups) ? groups : [];
  const largest = Math.max(0, ...list.map((group) => Number(group.cases) || 0));
  return list.map((group) => {
    const cases = Number(group.cases) || 0;
    return {
      group: group.group,
      cases,
      searches: Number(group.searches) || 0,
      share: largest > 0 ? cases / largest : 0,
      parts: OUTCOMES.map((outcome) => ({ outcome, count: Number(group[outcome]) || 0 }))
        .filter((part) => part.count > 0),
    };
  });
}

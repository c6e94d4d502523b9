// A square's sorties as its popup on the live map lists them (GET /api/squares/{id}/sorties,
// oldest first): who searched it (the task and its group, a group, or one volunteer), when (the
// first and last fix counted inside), how far they walked in it and the effort coverage C of that
// sortie. No DOM here, so tests/square-sorties.test.mjs runs it in node with its own words.

import { formatNumber } from './coverage-scale.js';
import { getLanguage, t } from './i18n.js';
import { formatClock } from './time.js';

const WORDS = { t, language: getLanguage, now: () => new Date() };

const text = (value) => (typeof value === 'string' ? value.trim() : '');

/** Who searched: "Task 4. Comb the ravine (Group 1)", "Group 1" or a volunteer's name. */
export function sortieWho(sortie, { t } = WORDS) {
  const task = text(sortie?.task);
  const group = text(sortie?.group_name);
  const volunteer = text(sortie?.volunteer_name);
  if (task && group) return t('squares.sortie.task_group', { task, group });
  if (task) return t('squares.sortie.task', { task });
  if (group && volunteer) return t('squares.sortie.group_volunteer', { group, name: volunteer });
  if (group) return group;
  if (volunteer) return volunteer;
  return t('squares.sortie.unknown');
}

/** "14:05–14:40" (a date too when not today); one time when both fall in the same minute. */
export function sortieWhen(sortie, { t, language: languageOf, now } = WORDS) {
  const language = languageOf();
  const first = formatClock(sortie?.first_at, language, now());
  const start = new Date(sortie?.first_at);
  const end = new Date(sortie?.last_at);
  if (!sortie?.last_at || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return first;
  // The end is written against the start: its time only, when it is the same day.
  const last = formatClock(sortie.last_at, language, start);
  if (last === formatClock(sortie.first_at, language, start)) return first;
  return t('squares.sortie.when', { from: first, to: last });
}

/** "1.2 km · C 0.08": the track inside the square and its effort coverage. */
export function sortieFigures(sortie, { t, language: languageOf } = WORDS) {
  const language = languageOf();
  const metres = Number.isFinite(sortie?.length_m) ? sortie.length_m : 0;
  const length = metres >= 1000
    ? t('route.length_km', { n: formatNumber(metres / 1000, language, metres < 10000 ? 2 : 1) })
    : t('route.length_m', { n: formatNumber(metres, language, 0) });
  const effort = formatNumber(Number.isFinite(sortie?.effort) ? sortie.effort : 0, language, 2);
  return t('squares.sortie.figures', { length, c: effort });
}

/** The rows of the popup's list: [{who, when, figures}], in the server's order (oldest first). */
export function sortieRows(list, words = WORDS) {
  return (Array.isArray(list) ? list : []).filter(Boolean).map((sortie) => ({
    who: sortieWho(sortie, words),
    when: sortieWhen(sortie, words),
    figures: sortieFigures(sortie, words),
  }));
}

// How a checklist task is named and when it is due, in the language on show; shared by the
// card's task list, the overdue banner and "My shift".

import { getLanguage, t } from './i18n.js';
import { formatClock, minutesUntil } from './time.js';

/** The task's title in the interface language, else in the other one. */
export function taskTitle(task) {
  const title = task?.title || {};
  return title[getLanguage()] || title.ru || title.en || '';
}

/** "due 14:30" / "overdue by 25 min (due 14:30)" for an open task; null for others. */
export function taskDueText(task, now = new Date()) {
  if (task?.state !== 'open' || !task.due_at) return null;
  const time = formatClock(task.due_at, getLanguage(), now);
  const minutes = minutesUntil(task.due_at, now);
  if (task.overdue || (minutes !== null && minutes < 0)) {
    return t('task.overdue_by', { time, late: lateText(Math.max(0, -(minutes ?? 0))) });
  }
  return t('task.due', { time });
}

function lateText(minutes) {
  if (minutes < 60) return t('time.minutes_short', { n: minutes });
  return t('time.hours_minutes_short', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

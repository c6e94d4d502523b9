// Times as the API sends them (RFC 3339, UTC) shown in the browser's time zone, and the values
// of <input type="datetime-local"> (local wall-clock time) turned back into RFC 3339.
// No DOM here, so tests/time.test.mjs runs it in node.

const valid = (date) => date instanceof Date && !Number.isNaN(date.getTime());

/**
 * "12 Mar, 14:30": a month name leaves no doubt about day and month order; the year only when
 * it is not this one. `lang` is "ru" or "en".
 */
export function formatTime(iso, lang, now = new Date()) {
  const date = new Date(iso);
  if (!iso || !valid(date)) return String(iso ?? '');
  const options = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (date.getFullYear() !== now.getFullYear()) options.year = 'numeric';
  return new Intl.DateTimeFormat(lang, options).format(date);
}

/** "14:30" today, else as formatTime: for log entries, where most lines are from today. */
export function formatClock(iso, lang, now = new Date()) {
  const date = new Date(iso);
  if (!iso || !valid(date)) return String(iso ?? '');
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth()
    && date.getDate() === now.getDate();
  if (!sameDay) return formatTime(iso, lang, now);
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
}

/** "12 March 2026" for a "YYYY-MM-DD" date (a birth date: no time zone applies). */
export function formatDate(yyyyMmDd, lang) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(yyyyMmDd ?? ''));
  if (!match) return String(yyyyMmDd ?? '');
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(date);
}

const pad = (n) => String(n).padStart(2, '0');

/** The value for <input type="datetime-local"> showing `date` in local time: "2026-03-12T14:30". */
export function toLocalInputValue(dateOrIso) {
  const date = dateOrIso instanceof Date ? dateOrIso : new Date(dateOrIso);
  if (dateOrIso === null || dateOrIso === undefined || dateOrIso === '' || !valid(date)) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + `T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** RFC 3339 UTC for a datetime-local value ("2026-03-12T14:30", local time), or null. */
export function fromLocalInputValue(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(value ?? ''));
  if (!match) return null;
  const [, y, mo, d, h, mi, s = '0'] = match;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return valid(date) ? date.toISOString() : null;
}

/** Whole minutes from `now` until `iso` (negative when it has passed). */
export function minutesUntil(iso, now = new Date()) {
  const date = new Date(iso);
  if (!valid(date)) return null;
  return Math.round((date.getTime() - now.getTime()) / 60000);
}

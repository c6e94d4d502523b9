// The words of the flyer (ориентировка) that depend on numbers and dates: the age with its noun
// ("79 лет", "21 год"), the year of birth, the time last seen. No DOM here, so
// tests/flyer-text.test.mjs runs it in node with the real tables: the translation function is
// passed in as `t`.

// Russian needs three forms after a number (1 год, 2 года, 5 лет).
const YEARS = {
  one: (t, n) => t('flyer.age.one', { n }),
  few: (t, n) => t('flyer.age.few', { n }),
  many: (t, n) => t('flyer.age.many', { n }),
  other: (t, n) => t('flyer.age.other', { n }),
};

/**
 * "79 лет (1947 г. р.)" / "79 years old (born 1947)" for a Case's `age` and `birth_date`;
 * the year alone when the age is unknown, null when both are.
 */
export function ageText({ age, birth_date: birthDate }, lang, t) {
  const year = /^(\d{4})-\d{2}-\d{2}$/.exec(String(birthDate ?? ''))?.[1] ?? null;
  const born = year ? t('flyer.born', { year }) : null;
  if (!Number.isFinite(age)) return born;
  const form = new Intl.PluralRules(lang).select(age);
  const years = (YEARS[form] || YEARS.other)(t, age);
  return born ? `${years} ${born}` : years;
}

/** "21 ноября 2026 г., 21:06": a flyer names the day in full, year included. */
export function lastSeenTime(iso, lang) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(lang, {
    day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(date);
}

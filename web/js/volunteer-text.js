// The words for a volunteer on the live map: their state, how long since their last fix, their
// battery, in the language on show.

import { getLanguage, t } from './i18n.js';
import { ageParts } from './live-map.js';
import { formatClock } from './time.js';

const STATES = {
  live: () => t('livemap.state.live'),
  stale: () => t('livemap.state.stale'),
  offline: () => t('livemap.state.offline'),
  none: () => t('livemap.state.none'),
};

/** "live", "stale", "offline" or "no position yet", translated. */
export function volunteerStateLabel(state) {
  return Object.hasOwn(STATES, state) ? STATES[state]() : String(state ?? '');
}

/** "2 min ago" for an age in seconds; "—" when there is no fix. */
export function fixAgeText(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const { unit, n } = ageParts(seconds);
  switch (unit) {
    case 's':
      return t('livemap.age.seconds', { n });
    case 'min':
      return t('livemap.age.minutes', { n });
    case 'h':
      return t('livemap.age.hours', { n });
    default:
      return t('livemap.age.days', { n });
  }
}

/** "🔋 64%" style text for a battery level in percent, or null when unknown. */
export function batteryText(last) {
  return Number.isFinite(last?.battery) ? t('livemap.battery', { n: Math.round(last.battery) }) : null;
}

/** The lines of a volunteer's popup on the map: last fix time, accuracy, speed, battery. */
export function fixFacts(v, ageSeconds) {
  const last = v.last;
  if (!last) return [t('livemap.state.none')];
  const facts = [t('livemap.last_fix', { time: formatClock(last.at, getLanguage()), age: fixAgeText(ageSeconds) })];
  if (Number.isFinite(last.accuracy)) facts.push(t('livemap.accuracy', { m: Math.round(last.accuracy) }));
  if (Number.isFinite(last.speed)) facts.push(t('livemap.speed', { kmh: (last.speed * 3.6).toFixed(1) }));
  const battery = batteryText(last);
  if (battery) facts.push(battery);
  return facts;
}

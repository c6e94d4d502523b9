// The answer page behind the links in call-out e-mails and SMS (/r/<token>): which token, which
// language, what a failure means. No DOM here, so tests/answer-link.test.mjs runs it in node.

import { LANGUAGES } from './i18n.js';

/** The token: the last segment of "/r/<token>" (null when the page was opened some other way). */
export function tokenFromPath(pathname) {
  const segments = String(pathname ?? '').split('/').filter(Boolean);
  if (segments.length < 2 || segments[segments.length - 2] !== 'r') return null;
  try {
    const token = decodeURIComponent(segments[segments.length - 1]);
    return /^[\w.~-]{1,300}$/.test(token) ? token : null;
  } catch {
    return null;
  }
}

/** The volunteer's language if the server knows it, else the browser's ("ru" or "en"). */
export function pageLanguage(volunteerLanguage, browserLanguage) {
  const own = String(volunteerLanguage ?? '').toLowerCase().slice(0, 2);
  if (LANGUAGES.includes(own)) return own;
  return String(browserLanguage ?? '').toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/**
 * What a failed request means for the volunteer: "expired" (410 link_expired), "unknown" (404,
 * or no token), "closed" (the call-out is over), "network", or "other".
 */
export function failureKind(error) {
  if (!error) return 'other';
  if (error.code === 'link_expired' || error.status === 410) return 'expired';
  if (error.code === 'alert_closed' || error.code === 'callout_closed') return 'closed';
  if (error.status === 404 || error.code === 'not_found') return 'unknown';
  if (error.code === 'network_error' || error.status === 0) return 'network';
  return 'other';
}


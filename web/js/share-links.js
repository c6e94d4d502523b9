// Read-only links to a case: how long a new one lasts, whether one still opens, and the secret
// in the address of web/shared.html. No DOM here, so tests/share-links.test.mjs runs it in node.

/** A link lasts from 1 hour to 30 days (POST /api/cases/{id}/share-links, expires_in_hours). */
export const LINK_HOURS = { min: 1, max: 720 };

const HOURS_PER_UNIT = { hours: 1, days: 24 };

/**
 * Whole hours for a duration typed as `amount` in `unit` ("hours" or "days"), or null when it is
 * not a whole number or falls outside 1 hour..30 days.
 */
export function durationHours(amount, unit) {
  const perUnit = HOURS_PER_UNIT[unit];
  const text = String(amount ?? '').trim();
  if (!perUnit || !/^\d{1,6}$/.test(text)) return null;
  const hours = Number(text) * perUnit;
  return hours >= LINK_HOURS.min && hours <= LINK_HOURS.max ? hours : null;
}

/** "revoked", "expired" or "active" for a ShareLink at `now`. */
export function linkStatus(link, now = new Date()) {
  if (link?.revoked_at) return 'revoked';
  const expires = Date.parse(link?.expires_at);
  if (Number.isFinite(expires) && expires <= now.getTime()) return 'expired';
  return 'active';
}

/** The secret after "#" in a shared.html address ("#abc" -> "abc"), or null if there is none. */
export function shareLinkSecret(hash) {
  const raw = String(hash ?? '').replace(/^#/, '').trim();
  let secret;
  try {
    secret = decodeURIComponent(raw);
  } catch {
    return null;
  }
  // The server refuses longer secrets; spaces come from a link broken across lines in a message.
  if (!secret || secret.length > 200 || /\s/.test(secret)) return null;
  return secret;
}

// The volunteer's own profile over HTTP (GET/PATCH /mobile/v1/profile, with the device token
// as for photos), and what it says about consent to location tracking.
// No DOM here: fetch is passed in, so tests/phone-profile.test.mjs runs it in node with fakes.

const PROFILE_URL = '/mobile/v1/profile';

/** A failed request: `status` 0 when the server could not be reached; `code` the server's error. */
export class ProfileError extends Error {
  constructor(status, code, message = '', details = null) {
    super(message || code);
    this.name = 'ProfileError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** {get(), patch(changes)}: each answers the profile, or throws a ProfileError. */
export function createProfileClient({ getToken, fetchImpl = globalThis.fetch }) {
  async function call(method, body) {
    const headers = { Authorization: `Bearer ${getToken()}`, Accept: 'application/json' };
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetchImpl(PROFILE_URL, init);
    } catch (cause) {
      throw new ProfileError(0, 'network_error', String(cause?.message || cause));
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    if (!response.ok) {
      const code = typeof payload?.error === 'string' ? payload.error : `http_${response.status}`;
      const message = typeof payload?.message === 'string' ? payload.message : '';
      throw new ProfileError(response.status, code, message, payload?.details ?? null);
    }
    return payload;
  }
  return {
    get: () => call('GET'),
    patch: (changes) => call('PATCH', changes),
  };
}

/**
 * Consent to location tracking: "given", "withdrawn" (after it was given), "never", or "unknown"
 * (the profile was never read: no signal since the app was linked).
 */
export function consentState(profile) {
  if (!profile) return 'unknown';
  const given = Date.parse(profile.tracking_consent_at);
  const withdrawn = Date.parse(profile.tracking_consent_withdrawn_at);
  if (!Number.isFinite(given)) return Number.isFinite(withdrawn) ? 'withdrawn' : 'never';
  if (Number.isFinite(withdrawn) && withdrawn >= given) return 'withdrawn';
  return 'given';
}

/** Whether turning sharing on must first ask for consent. */
export const needsConsent = (profile) => consentState(profile) !== 'given';

/** The profile as the phone believes it after consent was given or withdrawn here (`at`: now). */
export function withConsent(profile, given, at = new Date().toISOString()) {
  const next = { ...(profile || {}) };
  if (given) {
    next.tracking_consent_at = at;
    next.tracking_consent_withdrawn_at = null;
  } else {
    next.tracking_consent_withdrawn_at = at;
  }
  return next;
}

/** The fields a volunteer may change on the phone (not the name, notes or vetting). */
export const PHONE_EDITABLE = ['call_sign', 'phones', 'email', 'home_label', 'home', 'skills', 'vehicles',
  'equipment', 'channels', 'quiet_from', 'quiet_to', 'time_zone', 'muted_until'];

/** `changes` without the fields the phone may not send. */
export function phoneChanges(changes) {
  return Object.fromEntries(Object.entries(changes || {}).filter(([key]) => PHONE_EDITABLE.includes(key)));
}

// The device token the dispatcher hands out as a link (https://SERVER/phone/#token=dev_…) or a
// QR code of it: read from the address, or from what the volunteer pastes.
// No DOM here, so tests/phone-link.test.mjs runs it in node.

// Tokens are URL-safe (base64url after "dev_"); anything else around them is not part of one.
const TOKEN = /^[A-Za-z0-9_\-.~]{8,512}$/;

/** The token in a fragment such as "#token=dev_abc" (other fragment parameters ignored), or null. */
export function tokenFromHash(hash) {
  const text = String(hash ?? '').replace(/^#/, '');
  if (!text) return null;
  let token;
  try {
    token = new URLSearchParams(text).get('token');
  } catch {
    return null;
  }
  return token && TOKEN.test(token.trim()) ? token.trim() : null;
}

/**
 * The token in what a volunteer pasted: the whole link, only its fragment, or the bare token.
 * Null when none is recognised.
 */
export function tokenFromText(text) {
  const trimmed = String(text ?? '').trim();
  if (!trimmed) return null;
  const hashAt = trimmed.indexOf('#');
  if (hashAt >= 0) return tokenFromHash(trimmed.slice(hashAt));
  if (trimmed.startsWith('token=')) return tokenFromHash(trimmed);
  return TOKEN.test(trimmed) && !trimmed.includes('/') ? trimmed : null;
}

/** The address without its fragment, to put back in the address bar once the token is read. */
export function addressWithoutToken(location) {
  return `${location.pathname}${location.search}`;
}

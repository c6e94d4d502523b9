// The server's JSON API: one fetch wrapper and one function per endpoint the console uses.

/** An API failure: `code` is the server's error code (or "network_error" / "http_<status>"). */
export class ApiError extends Error {
  constructor({ status, code, message, details = null }) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let onUnauthorized = null;

/**
 * Sets the function called when a request made with a session answers 401, so the app can
 * return to the login page. Login and the initial session check opt out of it.
 */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

async function request(method, path, { body, sessionRequired = true } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'network_error', message: String(cause?.message || cause) });
  }

  if (response.ok) {
    if (response.status === 204) return null;
    const text = await response.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError({ status: response.status, code: 'bad_response', message: `${path}: not JSON` });
    }
  }

  const error = await errorFrom(response);
  if (response.status === 401 && sessionRequired && onUnauthorized) onUnauthorized(error);
  throw error;
}

async function errorFrom(response) {
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  const valid = payload && typeof payload === 'object' && typeof payload.error === 'string';
  return new ApiError({
    status: response.status,
    code: valid ? payload.error : `http_${response.status}`,
    message: valid && typeof payload.message === 'string' ? payload.message : response.statusText,
    details: valid ? payload.details ?? null : null,
  });
}

/** Public settings: tile server, initial map view, team name, version. */
export function getConfig() {
  return request('GET', '/api/config', { sessionRequired: false });
}

/** The logged-in user, or an ApiError with status 401. */
export async function getCurrentUser() {
  const answer = await request('GET', '/api/auth/me', { sessionRequired: false });
  return answer.user;
}

/** Logs in; the server sets the session cookie. */
export async function logIn(login, password) {
  const answer = await request('POST', '/api/auth/login', {
    body: { login, password },
    sessionRequired: false,
  });
  return answer.user;
}

export function logOut() {
  return request('POST', '/api/auth/logout', { sessionRequired: false });
}

/** GeoJSON FeatureCollection of search areas, last-seen points and meeting points. */
export function getMapFeatures() {
  return request('GET', '/api/map/features');
}

export async function getCases() {
  const answer = await request('GET', '/api/cases');
  return answer.cases;
}

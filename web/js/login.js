// The login page: the form, its error line, and the team name above it.

import { logIn } from './api.js';
import { onLanguageChange, t } from './i18n.js';

const form = () => document.getElementById('login-form');
const loginInput = () => document.getElementById('login');
const passwordInput = () => document.getElementById('password');
const submitButton = () => document.getElementById('login-submit');
const errorLine = () => document.getElementById('login-error');

// The error on show, as a function so it is re-rendered in the new language on a switch.
let currentError = null;
let retryTimer = null;
let teamConfig = null;

/** Wires the form; `onLoggedIn(user)` runs after the server accepts the credentials. */
export function initLogin({ onLoggedIn }) {
  onLanguageChange(() => {
    renderError();
    renderTeam();
  });

  form().addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submitButton().disabled) return;

    const login = loginInput().value.trim();
    const password = passwordInput().value;
    if (!login || !password) {
      setError(() => t('login.error.empty'));
      (login ? passwordInput() : loginInput()).focus();
      return;
    }

    setError(null);
    setBusy(true);
    try {
      const user = await logIn(login, password);
      passwordInput().value = '';
      setBusy(false);
      onLoggedIn(user);
    } catch (error) {
      setBusy(false);
      setError(() => loginErrorText(error));
      if (error.code === 'too_many_attempts') holdSubmit(error.details?.retry_after_seconds);
      if (error.code === 'invalid_credentials') passwordInput().select();
    }
  });
}

/** Shows the team's name (and the server version) from /api/config. */
export function showTeam(config) {
  teamConfig = config;
  renderTeam();
}

function renderTeam() {
  document.getElementById('login-team').textContent = teamConfig?.team_name || t('app.name');
  const version = document.getElementById('login-version');
  version.hidden = !teamConfig?.version;
  version.textContent = teamConfig?.version ? t('app.version', { version: teamConfig.version }) : '';
}

/**
 * Prepares the login page: empties the password, and shows why the user is here, if there is a
 * reason ("session_expired", or an ApiError from the session check).
 */
export function resetLoginPage(reason = null) {
  passwordInput().value = '';
  if (reason === 'session_expired') setError(() => t('login.error.session_expired'));
  else if (reason) setError(() => loginErrorText(reason));
  else setError(null);
}

export function focusLogin() {
  (loginInput().value ? passwordInput() : loginInput()).focus();
}

/** The message a person should read for a failed login or session check. */
export function loginErrorText(error) {
  switch (error?.code) {
    case 'invalid_credentials':
      return t('login.error.invalid_credentials');
    case 'account_disabled':
      return t('login.error.account_disabled');
    case 'too_many_attempts': {
      const seconds = Number(error.details?.retry_after_seconds);
      return seconds > 0
        ? t('login.error.too_many_attempts_wait', { wait: waitText(seconds) })
        : t('login.error.too_many_attempts');
    }
    case 'network_error':
      return t('error.network');
    default:
      if (error?.message && !String(error.code).startsWith('http_')) return error.message;
      if (error?.status >= 500) return t('error.server');
      return t('error.unexpected', { status: error?.status ?? '?' });
  }
}

function waitText(seconds) {
  return seconds < 60
    ? t('time.seconds_short', { n: Math.ceil(seconds) })
    : t('time.minutes_short', { n: Math.ceil(seconds / 60) });
}

// After a 429 the button stays disabled until the server said it may be tried again.
function holdSubmit(retryAfterSeconds) {
  const seconds = Math.min(Number(retryAfterSeconds) || 0, 15 * 60);
  if (seconds <= 0) return;
  clearTimeout(retryTimer);
  submitButton().disabled = true;
  retryTimer = setTimeout(() => {
    submitButton().disabled = false;
    retryTimer = null;
  }, seconds * 1000);
}

function setBusy(busy) {
  form().setAttribute('aria-busy', String(busy));
  if (!retryTimer) submitButton().disabled = busy;
}

function setError(textFn) {
  currentError = textFn;
  renderError();
}

function renderError() {
  const line = errorLine();
  line.hidden = !currentError;
  line.textContent = currentError ? currentError() : '';
}

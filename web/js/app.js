// Entry point of the dispatcher console: loads translations and settings, asks the server who is
// logged in, and switches between the login page and the map console.

import * as api from './api.js';
import { clearCases, initCases, loadCases } from './cases.js';
import { initI18n, t } from './i18n.js';
import { initLanguageSwitch } from './language-switch.js';
import { focusLogin, initLogin, resetLoginPage, showTeam } from './login.js';
import { clearFeatures, focusOn, initMap, refreshMapSize, showFeatures } from './map.js';
import { initSidePanel, resetSidePanel } from './side-panel.js';
import { initUserMenu, showUser } from './user-menu.js';

const el = (id) => document.getElementById(id);

const session = {
  user: null, // null while the login page is shown
  config: null, // /api/config, or null if it could not be read
};
let featuresGeneration = 0; // answers to a load started before a logout are dropped

async function boot() {
  await initI18n();
  initLanguageSwitch(el('lang-switch'));
  initLogin({ onLoggedIn: enterConsole });
  initUserMenu({ onLogout: logOut });
  initSidePanel({ onResized: refreshMapSize });
  initCases({ onSelectCase: (chosen) => focusOn(chosen.last_seen) });
  el('cases-refresh').addEventListener('click', refresh);

  api.setUnauthorizedHandler(() => {
    if (session.user) showLogin('session_expired');
  });
  // A console left open through a shift may outlive its session: check when it is looked at again.
  document.addEventListener('visibilitychange', checkSessionOnReturn);

  const [config, me] = await Promise.allSettled([api.getConfig(), api.getCurrentUser()]);
  session.config = config.status === 'fulfilled' ? config.value : null;
  // The team's name beside the product's, unless the team kept the default name.
  const teamName = session.config?.team_name || '';
  el('team-name').textContent = teamName === t('app.name') ? '' : teamName;
  showTeam(session.config);

  if (me.status === 'fulfilled' && me.value) enterConsole(me.value);
  else showLogin(me.reason?.status === 401 ? null : me.reason);
}

function showLogin(reason) {
  session.user = null;
  featuresGeneration += 1;
  clearCases();
  clearFeatures();
  showUser(null);
  el('panel-toggle').hidden = true;
  el('main-screen').hidden = true;
  el('login-screen').hidden = false;
  document.body.dataset.screen = 'login';
  resetLoginPage(reason);
  focusLogin();
}

function enterConsole(user) {
  session.user = user;
  showUser(user);
  el('login-screen').hidden = true;
  el('main-screen').hidden = false;
  el('panel-toggle').hidden = false;
  document.body.dataset.screen = 'main';
  resetSidePanel();
  initMap(el('map'), session.config);
  loadMapFeatures({ fit: true });
  loadCases();
}

async function logOut() {
  try {
    await api.logOut();
  } catch (error) {
    // 401: the session had already ended. Anything else: the server could not be reached; the
    // login page is still the right place, and a reload would show if the session lives on.
    if (error.status !== 401) console.warn('logout failed', error);
  }
  showLogin(null);
}

async function loadMapFeatures({ fit }) {
  const mine = ++featuresGeneration;
  el('map-error').hidden = true;
  try {
    const collection = await api.getMapFeatures();
    if (mine === featuresGeneration) showFeatures(collection, { fit });
  } catch (error) {
    if (mine !== featuresGeneration) return;
    // 403: this role sees no map layers, which is not an error for the user.
    if (error.status === 403) clearFeatures();
    else if (error.status !== 401) el('map-error').hidden = false;
  }
}

function refresh() {
  loadCases();
  loadMapFeatures({ fit: false });
}

async function checkSessionOnReturn() {
  if (document.visibilityState !== 'visible' || !session.user) return;
  try {
    await api.getCurrentUser();
  } catch (error) {
    if (error.status === 401 && session.user) showLogin('session_expired');
  }
}

boot();

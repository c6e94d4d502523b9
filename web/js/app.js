// Entry point of the dispatcher console: loads translations and settings, asks the server who is
// logged in, and switches between the login page and the console. In the console: the map (with
// the volunteers in the field, js/live-map-panel.js), the views of the side panel by address
// (js/navigation.js), the live channel and what listens to it.

import * as api from './api.js';
import { clearCalls, initCallPopups } from './call-popups.js';
import { initCaseForm, caseFormView } from './case-form.js';
import { calloutBoardView, initCalloutBoard } from './callout-board.js';
import { calloutsView, initCallouts } from './callouts.js';
import { caseListView, initCaseList } from './case-list.js';
import { caseView, initCaseView } from './case-view.js';
import { clearCases, initCases, loadCases } from './cases.js';
import { checklistTemplateFormView, initChecklistTemplateForm } from './checklist-template-form.js';
import { checklistTemplatesView, initChecklistTemplates } from './checklist-templates.js';
import { debounce } from './dom.js';
import { initFieldAlerts, startFieldAlerts, stopFieldAlerts } from './field-alerts.js';
import { clearFieldNews, initFieldNews } from './field-news.js';
import { initI18n, t } from './i18n.js';
import { initLanguageSwitch } from './language-switch.js';
import { createLiveChannel, liveUrl } from './live.js';
import { initLiveStatus } from './live-status.js';
import { hideLiveMap, initLiveMap, showLiveMap } from './live-map-panel.js';
import { focusOn, clearFeatures, initMap, refreshMapSize, showFeatures } from './map.js';
import { initNavigation, startNavigation, stopNavigation } from './navigation.js';
import { focusLogin, initLogin, resetLoginPage, showTeam } from './login.js';
import { initOverdueBanner, startOverdueBanner, stopOverdueBanner } from './overdue-banner.js';
import { initReportForm, reportFormView } from './report-form.js';
import { initReportList, reportListView } from './report-list.js';
import { initReportView, reportView } from './report-view.js';
import { setSessionUser, isPoliceLiaison, isStaff } from './session.js';
import { initShift, shiftView } from './shift.js';
import { initSidePanel, isPhone, resetSidePanel, setPanelOpen } from './side-panel.js';
import { initStatistics, statisticsView } from './statistics.js';
import { initUserMenu, showUser } from './user-menu.js';
import { initVolunteers, volunteersView } from './volunteers.js';

const el = (id) => document.getElementById(id);

const session = {
  user: null, // null while the login page is shown
  config: null, // /api/config, or null if it could not be read
};
let featuresGeneration = 0; // answers to a load started before a logout are dropped

const live = createLiveChannel({ url: liveUrl(window.location) });

/** #/map: the active cases beside the map, and the volunteers in the field on it. */
const mapView = {
  show(route) {
    loadCases();
    showLiveMap(route);
  },
  hide() {
    hideLiveMap();
  },
  reset() {
    hideLiveMap();
    clearCases();
  },
};

async function boot() {
  await initI18n();
  initLanguageSwitch(el('lang-switch'));
  initLogin({ onLoggedIn: enterConsole });
  initUserMenu({ onLogout: logOut });
  initSidePanel({ onResized: refreshMapSize });
  initCases({ onSelectCase: (chosen) => focusOn(chosen.last_seen) });
  el('cases-refresh').addEventListener('click', refresh);

  initLiveStatus({ live });
  initCallPopups({ live });
  initFieldNews({ live });
  initLiveMap({ live });
  initOverdueBanner({ live });
  initFieldAlerts({ live });
  initCaseList({ live });
  initCaseForm();
  initCaseView({ live });
  initReportList({ live });
  initReportForm();
  initReportView({ live });
  initShift({ live });
  initStatistics();
  initVolunteers();
  initCallouts({ live });
  initCalloutBoard({ live });
  initChecklistTemplates();
  initChecklistTemplateForm();
  initNavigation({
    routes: {
      map: { element: 'view-map', view: mapView },
      cases: { element: 'view-cases', view: caseListView },
      case: { element: 'view-case', view: caseView },
      'case-new': { element: 'view-case-form', view: caseFormView },
      'case-edit': { element: 'view-case-form', view: caseFormView },
      reports: { element: 'view-reports', view: reportListView },
      report: { element: 'view-report', view: reportView },
      'report-new': { element: 'view-report-form', view: reportFormView },
      shift: { element: 'view-shift', view: shiftView },
      statistics: { element: 'view-statistics', view: statisticsView },
      volunteers: { element: 'view-volunteers', view: volunteersView },
      callouts: { element: 'view-callouts', view: calloutsView },
      callout: { element: 'view-callout', view: calloutBoardView },
      checklists: { element: 'view-checklists', view: checklistTemplatesView },
      checklist: { element: 'view-checklist-form', view: checklistTemplateFormView },
      'checklist-new': { element: 'view-checklist-form', view: checklistTemplateFormView },
    },
    onSection: sectionChanged,
  });
  // The map's own layers follow the cases: a new last-seen point, a closed case.
  const reloadFeatures = debounce(() => {
    if (session.user) loadMapFeatures({ fit: false });
  }, 2000);
  live.on('case.changed', reloadFeatures);
  live.on('operation.changed', reloadFeatures); // a search area added to an operation
  live.on('live.resync', reloadFeatures);
  // The browser does not tell why a WebSocket was refused: an ended session looks like a network
  // drop. Asking the API tells the two apart, and an ended session goes back to the login page.
  const checkSessionAfterDrop = debounce(checkSession, 5000);
  live.on('live.status', ({ state }) => {
    if (state === 'closed' && session.user) checkSessionAfterDrop();
  });

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
  setSessionUser(null);
  delete document.body.dataset.role;
  featuresGeneration += 1;
  live.stop();
  stopNavigation();
  stopOverdueBanner();
  stopFieldAlerts();
  clearCalls();
  clearFieldNews();
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
  setSessionUser(user);
  document.body.dataset.role = user.role;
  showUser(user);
  el('login-screen').hidden = true;
  el('main-screen').hidden = false;
  document.body.dataset.screen = 'main';
  resetSidePanel();
  initMap(el('map'), session.config);
  loadMapFeatures({ fit: true });
  // The live channel, the overdue banner and the field alerts are for staff: the server refuses
  // them to anyone else (a police liaison reads the cases shared with them, and refreshes by hand).
  if (isStaff()) {
    live.start();
    startOverdueBanner();
    startFieldAlerts();
  }
  startNavigation();
}

// The panel toggle belongs to the map section: elsewhere the panel holds the page itself.
function sectionChanged(section) {
  const onMap = section === 'map';
  el('panel-toggle').hidden = !onMap || !session.user;
  setPanelOpen(onMap ? !isPhone() : true);
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
  // A police liaison sees no map layers (the server answers 403): not asked, not an error.
  if (isPoliceLiaison()) return;
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

function checkSessionOnReturn() {
  if (document.visibilityState === 'visible') checkSession();
}

async function checkSession() {
  if (!session.user) return;
  try {
    await api.getCurrentUser();
  } catch (error) {
    if (error.status === 401 && session.user) showLogin('session_expired');
  }
}

boot();

// The volunteer's phone app (phone/index.html, served at /phone/). The dispatcher's link
// (/phone/#token=dev_…) gives the device token; the app then keeps one session of the phone
// protocol (session.js), shows the task (with the group's assignment; the group leader reports
// its progress, assignment.js) and the alerts, shares the location (after asking for consent to
// tracking, profile.js), edits the volunteer's profile, and sends reports and photos. Everything owed to the server waits in the outbox (outbox.js, in
// IndexedDB) until the server acknowledges it, so a lost signal or a closed tab loses nothing.
// Only one tab runs the app at a time (a Web Lock), so two never number batches at once.

import { byId } from '../dom.js';
import { getLanguage, initI18n, onLanguageChange, t } from '../i18n.js';
import { vettingLabel } from '../labels.js';
import { initLanguageSwitch } from '../language-switch.js';
import { createProfileEditor, problemText } from '../profile-editor.js';
import { profileChanges } from '../profile-fields.js';
import { formatTime } from '../time.js';
import { createAlertBook, etaFromTime } from './alerts.js';
import { assignmentState, refusalMatters } from './assignment.js';
import { CLOCK_TOLERANCE_MS, clockOffset, fixFromPosition } from './fixes.js';
import { addressWithoutToken, tokenFromHash, tokenFromText } from './link.js';
import { createOutbox, randomId } from './outbox.js';
import { preparePhoto } from './photo-prepare.js';
import { createPhotoUploader } from './photos.js';
import {
  consentState, createProfileClient, needsConsent, phoneChanges, withConsent,
} from './profile.js';
import { createPhoneSession, phoneSocketUrl } from './session.js';
import { createBatteryGauge, createLocationSharing, currentPosition } from './sharing.js';
import { createMemoryStorage, openIndexedDbStorage } from './storage.js';
import { createAlertsView, renderClockWarning, renderRefused, renderStatus, renderTask } from './views.js';

const TOKEN_KEY = 'sweep.phone.token';
const SHARING_KEY = 'sweep.phone.sharing';
const LOCK_NAME = 'sweep-phone-app';
const RECENT_FIX_MS = 5 * 60 * 1000; // a report takes the last fix if it is this fresh
const HIGHLIGHT_MS = 6000; // a seen alert stays highlighted this long

// Small settings in localStorage (the token, whether sharing was on); private modes may refuse.
const settings = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      // Kept for this page only.
    }
  },
  remove(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      // nothing to remove
    }
  },
};

/** Takes the token out of the address (so it is neither shown nor bookmarked) and keeps it. */
function tokenFromAddress() {
  const found = tokenFromHash(window.location.hash);
  if (window.location.hash) history.replaceState(null, '', addressWithoutToken(window.location));
  if (found) settings.set(TOKEN_KEY, found);
  return found;
}

/** Resolves once this tab runs the app; meanwhile says another tab or window does. */
function holdAppLock() {
  const locks = navigator.locks;
  if (!locks?.request) return Promise.resolve();
  const forever = () => new Promise(() => {});
  return new Promise((resolve) => {
    locks.request(LOCK_NAME, { ifAvailable: true }, (lock) => {
      if (lock) {
        resolve();
        return forever();
      }
      byId('other-window').hidden = false;
      locks.request(LOCK_NAME, () => {
        byId('other-window').hidden = true;
        resolve();
        return forever();
      });
      return null;
    }).catch(() => resolve());
  });
}

function registerServiceWorker() {
  navigator.serviceWorker?.register('/phone/sw.js', { scope: '/phone/' }).catch((error) => {
    console.warn('the app will not open without a signal:', error);
  });
}

async function openStorage() {
  try {
    return await openIndexedDbStorage();
  } catch (error) {
    console.error(error);
    byId('storage-warning').hidden = false;
    return createMemoryStorage();
  }
}

let noticeTimer = null;
function notice(text) {
  const node = byId('notice');
  node.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    node.textContent = '';
  }, 8000);
}

function fieldError(id, text) {
  const node = byId(id);
  node.hidden = !text;
  node.textContent = text || '';
}

function refusalText(code) {
  switch (code) {
    case 'device_revoked':
      return t('phone.refusal.revoked');
    case 'account_disabled':
      return t('phone.refusal.disabled');
    default:
      return t('phone.refusal.unknown');
  }
}

async function main() {
  let token = tokenFromAddress() || settings.get(TOKEN_KEY);
  await initI18n();
  initLanguageSwitch(byId('lang-switch'));
  registerServiceWorker();
  await holdAppLock();

  const outbox = createOutbox({ storage: await openStorage() });
  await outbox.open();
  const book = createAlertBook(await outbox.recall('alerts'));
  const ui = {
    name: (await outbox.recall('volunteer')) || null,
    task: (await outbox.recall('task')) || null,
    clockOffsetMs: (await outbox.recall('clock')) || 0,
    taskRefusal: (await outbox.recall('taskRefusal')) || null, // the leader's last report refused
    lastFix: null,
    lastFixAt: 0,
    sharingProblem: null,
    showLinkForm: false,
    profile: (await outbox.recall('profile')) || null, // the volunteer's profile, as last read
    // Consent given (true) or withdrawn (false) here without a signal, still to tell the server.
    consentOwed: (await outbox.recall('consentOwed')) ?? null,
    profileOpen: false,
    profileDirty: false,
  };
  const highlightUntil = new Map();
  const battery = createBatteryGauge();

  const session = createPhoneSession({ url: phoneSocketUrl(window.location), getToken: () => token, outbox });
  const uploader = createPhotoUploader({
    outbox,
    getToken: () => token,
    onEvent: (event) => {
      if (event.type === 'uploaded') notice(t('phone.photo.stored'));
    },
  });
  const sharing = createLocationSharing({ onPosition, onProblem });
  const profiles = createProfileClient({ getToken: () => token });
  const profileEditor = createProfileEditor(byId('profile-form'));

  // ---- Drawing ------------------------------------------------------------------------------

  const clockIsOff = () => Math.abs(ui.clockOffsetMs) > CLOCK_TOLERANCE_MS;

  function drawStatus() {
    renderStatus({
      state: session.state,
      refusal: session.refusal,
      linked: Boolean(token),
      name: ui.name,
      sharing: sharing.active,
      counts: outbox.counts(),
    });
  }

  function drawScreens() {
    const screen = token ? 'main' : 'setup';
    document.body.dataset.screen = screen;
    byId('loading-screen').hidden = true;
    byId('setup').hidden = screen !== 'setup';
    byId('main-screen').hidden = screen !== 'main';
    const refused = session.state === 'stopped' && session.refusal;
    byId('refusal').hidden = !refused;
    if (refused) byId('refusal-text').textContent = refusalText(session.refusal);
    byId('link-section').hidden = !(screen === 'setup' || refused || ui.showLinkForm);
    byId('forget-device').hidden = !token;
    byId('show-profile').hidden = !token;
    byId('main-screen').dataset.view = ui.profileOpen ? 'profile' : 'home';
  }

  function drawShare() {
    const toggle = byId('share-toggle');
    toggle.setAttribute('aria-pressed', String(sharing.active));
    toggle.textContent = sharing.active ? t('phone.share.stop') : t('phone.share.start');
    const status = byId('share-status');
    if (!sharing.active) {
      status.textContent = t('phone.share.off');
    } else if (ui.lastFix) {
      const time = new Date(ui.lastFixAt).toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
      status.textContent = ui.lastFix.accuracy !== undefined
        ? t('phone.share.last_fix_accuracy', { time, metres: Math.round(ui.lastFix.accuracy) })
        : t('phone.share.last_fix', { time });
    } else {
      status.textContent = t('phone.share.waiting');
    }
    let problem = '';
    if (ui.sharingProblem === 'denied') problem = t('phone.share.denied');
    else if (ui.sharingProblem === 'unsupported') problem = t('phone.share.unsupported');
    else if (ui.sharingProblem === 'unavailable') problem = t('phone.share.unavailable');
    else if (ui.sharingProblem === 'consent_withdrawn') problem = t('phone.share.consent_withdrawn');
    fieldError('share-error', problem);
    drawConsent();
  }

  function drawConsent() {
    const state = ui.consentOwed === null ? consentState(ui.profile) : (ui.consentOwed ? 'given' : 'withdrawn');
    const lang = getLanguage();
    const line = byId('consent-status');
    line.dataset.consent = state;
    if (state === 'given') {
      line.textContent = ui.profile?.tracking_consent_at && ui.consentOwed === null
        ? t('phone.consent.given_at', { time: formatTime(ui.profile.tracking_consent_at, lang) })
        : t('phone.consent.given');
    } else if (state === 'withdrawn') {
      line.textContent = t('phone.consent.withdrawn_state');
    } else {
      line.textContent = t('phone.consent.not_given');
    }
    if (ui.consentOwed !== null) line.textContent = `${line.textContent} ${t('phone.consent.owed')}`;
    byId('consent-withdraw').hidden = state !== 'given';
  }

  const alertsView = createAlertsView({ onAnswer: answerAlert });

  function drawAlerts() {
    const now = Date.now();
    alertsView.render(book.list(), (entry) => !entry.read || (highlightUntil.get(entry.id) || 0) > now);
    checkSeen();
  }

  function drawRefused() {
    renderRefused({
      refused: outbox.refused(),
      dropped: outbox.dropped(),
      onRetry: async (item) => {
        await outbox.retry(item.kind, item.id);
        if (item.kind === 'photo') uploader.run();
        else session.flush();
      },
      onDiscard: async (item) => {
        if (window.confirm(t('phone.refused.discard_confirm'))) await outbox.discard(item.kind, item.id);
      },
    });
  }

  /** The newest report on the group's assignment still waiting, or null. */
  const pendingTaskReport = () => {
    const taskId = ui.task?.assignment?.task_id;
    return taskId ? outbox.taskStatusFor(taskId) : null;
  };

  function drawTask() {
    renderTask(ui.task, {
      assignment: assignmentState(ui.task, pendingTaskReport()),
      refusal: ui.taskRefusal,
      online: session.online,
    });
  }

  function drawClock() {
    renderClockWarning(clockIsOff() ? Math.round(ui.clockOffsetMs / 60000) : null);
  }

  function drawAll() {
    drawScreens();
    drawProfile();
    drawStatus();
    drawShare();
    drawTask();
    drawAlerts();
    drawRefused();
    drawClock();
  }

  // ---- Alerts: seen, answered ---------------------------------------------------------------

  const saveAlerts = () => outbox.remember('alerts', book.toJSON()).catch(storageFailed);

  // An alert counts as read once it has been on the screen of a visible page.
  function checkSeen() {
    if (document.visibilityState !== 'visible' || byId('main-screen').hidden) return;
    let changed = false;
    for (const li of byId('alerts').querySelectorAll('li.alert-unread')) {
      const id = li.dataset.alertId;
      const entry = book.get(id);
      if (!entry || entry.read) continue;
      const box = li.getBoundingClientRect();
      const visible = box.height > 0 && box.top < window.innerHeight && box.bottom > 0;
      if (!visible) continue;
      book.markRead(id);
      session.markRead(id);
      highlightUntil.set(id, Date.now() + HIGHLIGHT_MS);
      changed = true;
    }
    if (changed) {
      saveAlerts();
      setTimeout(drawAlerts, HIGHLIGHT_MS + 100);
    }
  }

  async function answerAlert(id, answer, etaValue) {
    const eta = answer === 'going' ? etaFromTime(etaValue) : null;
    if (!book.answer(id, answer, eta)) return;
    session.markRead(id);
    saveAlerts();
    drawAlerts();
    try {
      await outbox.setAnswer({ alert_id: id, answer, eta });
      session.flush();
      notice(session.online ? t('phone.alert.answer_sending') : t('phone.alert.answer_queued'));
    } catch (error) {
      storageFailed(error);
    }
  }

  // ---- Location -----------------------------------------------------------------------------

  function onPosition(position) {
    const fix = fixFromPosition(position, { battery: battery(), clockOffsetMs: ui.clockOffsetMs });
    if (!fix) return;
    // The same position again (some browsers repeat the last one when the watch restarts).
    if (ui.lastFix && fix.time <= ui.lastFix.time) return;
    ui.lastFix = fix;
    ui.lastFixAt = Date.now();
    outbox.addFix(fix).catch(storageFailed);
    drawShare();
  }

  function onProblem(code) {
    if (ui.sharingProblem === code) return;
    ui.sharingProblem = code;
    if (code === 'denied' || code === 'unsupported') settings.set(SHARING_KEY, '0');
    drawShare();
    drawStatus();
  }

  function setSharing(on) {
    if (on) {
      ui.sharingProblem = null;
      if (!sharing.start()) return;
    } else {
      sharing.stop();
      ui.sharingProblem = null;
    }
    settings.set(SHARING_KEY, on ? '1' : '0');
    drawShare();
    drawStatus();
  }

  // ---- Consent to tracking, the profile -------------------------------------------------------

  function keepProfile(profile) {
    if (!profile || typeof profile !== 'object') return;
    ui.profile = profile;
    outbox.remember('profile', profile).catch(storageFailed);
  }

  function setConsentOwed(value) {
    ui.consentOwed = value;
    outbox.remember('consentOwed', value).catch(storageFailed);
  }

  const consentGiven = () => (ui.consentOwed === null ? !needsConsent(ui.profile) : ui.consentOwed);

  /** Turning sharing on asks for consent first, unless it was given. */
  function startSharing() {
    if (consentGiven()) {
      setSharing(true);
      return;
    }
    fieldError('consent-error', '');
    byId('consent-dialog').showModal();
    byId('consent-agree').focus();
  }

  async function giveConsent() {
    const agree = byId('consent-agree');
    if (agree.disabled) return;
    agree.disabled = true;
    try {
      keepProfile(await profiles.patch({ tracking_consent: true }));
      setConsentOwed(null);
    } catch (error) {
      if (error.status !== 0) {
        fieldError('consent-error', t('phone.consent.failed'));
        return;
      }
      // No signal: the consent is kept here and told to the server once it is back.
      setConsentOwed(true);
      keepProfile(withConsent(ui.profile, true));
      notice(t('phone.consent.queued'));
    } finally {
      agree.disabled = false;
    }
    byId('consent-dialog').close();
    setSharing(true);
  }

  async function withdrawConsent() {
    if (!window.confirm(t('phone.consent.withdraw_confirm'))) return;
    setSharing(false);
    keepProfile(withConsent(ui.profile, false));
    try {
      keepProfile(await profiles.patch({ tracking_consent: false }));
      setConsentOwed(null);
      notice(t('phone.consent.withdrawn_notice'));
    } catch (error) {
      if (error.status === 0) {
        setConsentOwed(false);
        notice(t('phone.consent.withdraw_queued'));
      } else {
        notice(t('phone.consent.failed'));
      }
    }
    drawShare();
  }

  /** The server refuses positions: consent was withdrawn (here, elsewhere, or by HQ's records). */
  function consentRefused() {
    if (ui.consentOwed === true) return; // consent given here is on its way
    if (!sharing.active && ui.sharingProblem === 'consent_withdrawn') return;
    setSharing(false);
    keepProfile(withConsent(ui.profile, false));
    ui.sharingProblem = 'consent_withdrawn';
    drawShare();
    notice(t('phone.consent.withdrawn_state'));
  }

  /** Tells the server a consent given or withdrawn without a signal, then reads the profile. */
  async function syncProfile() {
    if (!token) return;
    if (ui.consentOwed !== null) {
      try {
        keepProfile(await profiles.patch({ tracking_consent: ui.consentOwed }));
        setConsentOwed(null);
      } catch (error) {
        if (error.status === 0) return;
        setConsentOwed(null);
        notice(t('phone.consent.failed'));
      }
    }
    try {
      keepProfile(await profiles.get());
      if (ui.profileOpen && !ui.profileDirty) profileEditor.set(ui.profile);
      byId('profile-status').hidden = true;
    } catch (error) {
      if (ui.profileOpen && !ui.profile) profileStatus(error.status === 0 ? t('phone.profile.offline') : t('phone.profile.load_failed'));
    }
    drawShare();
    drawProfile();
  }

  function profileStatus(text) {
    byId('profile-status').hidden = !text;
    byId('profile-status').textContent = text || '';
  }

  function drawProfile() {
    const section = byId('profile-section');
    section.hidden = !ui.profileOpen;
    if (!ui.profileOpen) return;
    const p = ui.profile;
    byId('profile-form').hidden = !p;
    byId('profile-who').textContent = p ? [p.name, p.login].filter(Boolean).join(' · ') : '';
    const vetting = byId('profile-vetting');
    vetting.hidden = !p?.vetting;
    if (p?.vetting) {
      vetting.dataset.vetting = p.vetting;
      vetting.textContent = p.vetting === 'approved'
        ? t('profile.vetting_line', { vetting: vettingLabel(p.vetting) })
        : t('phone.profile.not_approved', { vetting: vettingLabel(p.vetting) });
    }
  }

  function openProfile(open) {
    ui.profileOpen = open;
    ui.profileDirty = false;
    fieldError('profile-error', '');
    if (open) {
      profileEditor.set(ui.profile);
      profileStatus(ui.profile ? '' : t('common.loading'));
      syncProfile();
    }
    drawScreens();
    drawProfile();
    if (open) byId('profile-title').focus();
    else byId('share-section').scrollIntoView({ block: 'nearest' });
  }

  async function saveProfile() {
    if (!ui.profile) return;
    const read = profileEditor.read(ui.profile);
    if (!read.ok) {
      fieldError('profile-error', problemText(read));
      return;
    }
    const changes = phoneChanges(profileChanges(ui.profile, read.value));
    fieldError('profile-error', '');
    if (!Object.keys(changes).length) {
      notice(t('phone.profile.unchanged'));
      return;
    }
    const button = byId('profile-save');
    button.disabled = true;
    try {
      keepProfile(await profiles.patch(changes));
      profileEditor.set(ui.profile);
      ui.profileDirty = false;
      notice(t('phone.profile.saved'));
      drawProfile();
    } catch (error) {
      const field = String(error.details?.field ?? '');
      if (error.status === 0) fieldError('profile-error', t('phone.profile.offline'));
      else if (error.status === 409 && field === 'email') fieldError('profile-error', t('profile.error.duplicate_email'));
      else if (error.status === 409) fieldError('profile-error', t('profile.error.duplicate_phone'));
      else if (error.status === 400 || error.status === 422) fieldError('profile-error', t('phone.profile.refused'));
      else fieldError('profile-error', t('phone.profile.save_failed'));
    } finally {
      button.disabled = false;
    }
  }

  byId('consent-agree').addEventListener('click', giveConsent);
  byId('consent-decline').addEventListener('click', () => byId('consent-dialog').close());
  byId('consent-withdraw').addEventListener('click', withdrawConsent);
  byId('profile-form').addEventListener('input', () => {
    ui.profileDirty = true;
  });
  byId('profile-form').addEventListener('submit', (event) => {
    event.preventDefault();
    saveProfile();
  });
  byId('profile-close').addEventListener('click', () => openProfile(false));

  /** Where the volunteer is, for a report: the last fix if fresh, else one asked for now. */
  async function positionNow() {
    if (ui.lastFix && Date.now() - ui.lastFixAt < RECENT_FIX_MS) return { lat: ui.lastFix.lat, lon: ui.lastFix.lon };
    notice(t('phone.report.locating'));
    const position = await currentPosition();
    const fix = position && fixFromPosition(position);
    if (!fix) {
      notice(t('phone.report.no_position'));
      return null;
    }
    return { lat: fix.lat, lon: fix.lon };
  }

  const correctedNow = () => Date.now() + (clockIsOff() ? ui.clockOffsetMs : 0);

  // A full disk fails every fix (one a second): say it once a minute, not every time.
  let storageFailedAt = 0;
  function storageFailed(error) {
    console.error(error);
    if (Date.now() - storageFailedAt < 60000) return;
    storageFailedAt = Date.now();
    notice(t('phone.storage.failed'));
  }

  // ---- Reports and photos -------------------------------------------------------------------

  byId('report-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = byId('report-text').value.trim();
    if (!text) {
      fieldError('report-error', t('phone.report.empty'));
      byId('report-text').focus();
      return;
    }
    fieldError('report-error', '');
    const submit = byId('report-submit');
    submit.disabled = true;
    try {
      const location = byId('report-location').checked ? await positionNow() : null;
      const report = {
        id: randomId(),
        kind: byId('report-kind').value === 'clue' ? 'clue' : 'note',
        text,
        time: new Date(correctedNow()).toISOString(),
      };
      if (ui.task?.case_id) report.case_id = ui.task.case_id;
      if (location) report.location = location;
      await outbox.addReport(report);
      session.flush();
      byId('report-text').value = '';
      notice(session.online ? t('phone.report.sending') : t('phone.report.queued'));
    } catch (error) {
      storageFailed(error);
    } finally {
      submit.disabled = false;
    }
  });

  byId('photo-file').addEventListener('change', () => {
    const file = byId('photo-file').files[0];
    const chosen = byId('photo-chosen');
    chosen.hidden = !file;
    chosen.textContent = file ? t('phone.photo.chosen', { name: file.name }) : '';
    fieldError('photo-error', '');
  });

  byId('photo-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = byId('photo-file').files[0];
    if (!file) {
      fieldError('photo-error', t('phone.photo.none'));
      return;
    }
    fieldError('photo-error', '');
    const submit = byId('photo-submit');
    submit.disabled = true;
    try {
      let blob;
      try {
        blob = await preparePhoto(file);
      } catch {
        fieldError('photo-error', t('phone.photo.unusable'));
        return;
      }
      const location = byId('photo-location').checked ? await positionNow() : null;
      // A camera's file carries the moment it was taken; a picture from the gallery may be older.
      const taken = file.lastModified > Date.UTC(2000, 0, 1) && file.lastModified <= Date.now() + 60000
        ? file.lastModified : Date.now();
      const params = {
        kind: byId('photo-kind').value === 'note' ? 'note' : 'clue',
        caption: byId('photo-caption').value.trim(),
        time: new Date(taken + (clockIsOff() ? ui.clockOffsetMs : 0)).toISOString(),
        case_id: ui.task?.case_id || null,
        lat: location?.lat ?? null,
        lon: location?.lon ?? null,
      };
      await outbox.addPhoto({ id: randomId(), blob, params });
      uploader.run();
      byId('photo-form').reset();
      byId('photo-chosen').hidden = true;
      notice(t('phone.photo.queued'));
    } catch (error) {
      storageFailed(error);
    } finally {
      submit.disabled = false;
    }
  });

  // ---- The group leader's reports on the group's task -----------------------------------------

  function setTaskRefusal(entry) {
    ui.taskRefusal = entry;
    outbox.remember('taskRefusal', entry).catch(storageFailed);
  }

  async function reportTask(status, reason = null) {
    const state = assignmentState(ui.task, pendingTaskReport());
    if (!state || !state.actions.includes(status)) return false;
    const taskId = state.assignment.task_id;
    if (ui.taskRefusal?.task_id === taskId) setTaskRefusal(null);
    try {
      await outbox.addTaskStatus({ id: randomId(), task_id: taskId, status, reason });
      session.flush();
      notice(session.online ? t('phone.assignment.sending_notice') : t('phone.assignment.queued_notice'));
    } catch (error) {
      storageFailed(error);
      return false;
    } finally {
      drawTask();
    }
    return true;
  }

  for (const button of byId('leader-actions').querySelectorAll('button[data-task-status]')) {
    button.addEventListener('click', () => {
      const status = button.dataset.taskStatus;
      if (status !== 'partly_done') {
        reportTask(status);
        return;
      }
      byId('partly-form').hidden = false;
      fieldError('partly-error', '');
      byId('partly-reason').focus();
    });
  }

  byId('partly-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const reason = byId('partly-reason').value.trim();
    if (!reason) {
      fieldError('partly-error', t('phone.assignment.reason_required'));
      byId('partly-reason').focus();
      return;
    }
    fieldError('partly-error', '');
    if (await reportTask('partly_done', reason)) {
      byId('partly-reason').value = '';
      byId('partly-form').hidden = true;
    }
  });

  byId('partly-cancel').addEventListener('click', () => {
    byId('partly-form').hidden = true;
    fieldError('partly-error', '');
  });

  // ---- The link, the menu -------------------------------------------------------------------

  function begin() {
    ui.showLinkForm = false;
    session.start();
    uploader.run();
    // Sharing goes on after a reload only with consent (withdrawn elsewhere meanwhile: it stays off).
    if (settings.get(SHARING_KEY) === '1' && !sharing.active && consentGiven()) setSharing(true);
    drawAll();
  }

  function useToken(next) {
    token = next;
    settings.set(TOKEN_KEY, next);
    session.stop();
    begin();
  }

  byId('link-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const found = tokenFromText(byId('link-input').value);
    byId('link-error').hidden = Boolean(found);
    if (!found) return;
    byId('link-input').value = '';
    useToken(found);
  });

  const menu = byId('menu');
  const menuToggle = byId('menu-toggle');
  const setMenu = (open) => {
    menu.hidden = !open;
    menuToggle.setAttribute('aria-expanded', String(open));
    menuToggle.textContent = open ? t('phone.menu.close') : t('phone.menu.open');
  };
  menuToggle.addEventListener('click', () => setMenu(menu.hidden));

  byId('show-profile').addEventListener('click', () => {
    setMenu(false);
    openProfile(true);
  });

  byId('show-link-form').addEventListener('click', () => {
    setMenu(false);
    ui.showLinkForm = true;
    drawScreens();
    byId('link-input').focus();
  });

  byId('forget-device').addEventListener('click', async () => {
    const counts = outbox.counts();
    const reports = counts.reports + counts.answers + counts.taskReports;
    const waiting = counts.fixes + reports + counts.photos;
    const question = waiting > 0
      ? t('phone.forget.confirm_pending', { fixes: counts.fixes, reports, photos: counts.photos })
      : t('phone.forget.confirm');
    if (!window.confirm(question)) return;
    setMenu(false);
    setSharing(false);
    session.stop();
    uploader.stop();
    await outbox.forgetAll();
    book.clear();
    Object.assign(ui, {
      name: null,
      task: null,
      taskRefusal: null,
      lastFix: null,
      lastFixAt: 0,
      clockOffsetMs: 0,
      showLinkForm: false,
      profile: null,
      consentOwed: null,
      profileOpen: false,
      profileDirty: false,
    });
    token = null;
    settings.remove(TOKEN_KEY);
    settings.remove(SHARING_KEY);
    drawAll();
    notice(t('phone.forget.done'));
  });

  // ---- The session --------------------------------------------------------------------------

  session.on('state', () => {
    drawStatus();
    drawScreens();
    drawTask();
  });
  session.on('welcome', (message) => {
    ui.name = message.volunteer?.name || null;
    const offset = clockOffset(message.server_time, Date.now());
    ui.clockOffsetMs = offset ?? 0;
    outbox.remember('volunteer', ui.name).catch(storageFailed);
    outbox.remember('clock', ui.clockOffsetMs).catch(storageFailed);
    drawStatus();
    drawClock();
    uploader.run();
    syncProfile();
  });
  session.on('task', (message) => {
    ui.task = message.task || null;
    outbox.remember('task', ui.task).catch(storageFailed);
    drawTask();
  });
  session.on('alert', (message) => {
    const { entry, isNew } = book.receive(message);
    if (!entry) return;
    // Seen here already, but the receipt did not reach the server (it sends unread ones again).
    if (entry.read) session.markRead(entry.id);
    if (isNew) navigator.vibrate?.(entry.urgent ? [400, 150, 400, 150, 400] : [200, 100, 200]);
    saveAlerts();
    drawAlerts();
  });
  session.on('answer_ack', (message) => {
    if (message.latest && book.answerStored(message.alert_id)) {
      saveAlerts();
      drawAlerts();
    }
  });
  session.on('error', (message) => {
    if (message.code === 'tracking_consent_withdrawn') consentRefused();
  });
  session.on('report_ack', () => notice(t('phone.report.stored')));
  session.on('task_status_ack', () => notice(t('phone.assignment.stored')));

  outbox.on('change', () => {
    drawStatus();
    drawRefused();
    drawTask();
  });
  outbox.on('dropped', (entry) => {
    if (entry.code === 'tracking_consent_withdrawn') {
      consentRefused();
      return;
    }
    if (entry.kind === 'task_status') {
      // A report sent again after its answer was lost, where the task already stands: no news.
      if (!refusalMatters(entry, ui.task)) return;
      setTaskRefusal({ task_id: entry.task_id, status: entry.status, code: entry.code });
      drawTask();
      notice(t('phone.assignment.refused_notice'));
      return;
    }
    notice(entry.kind === 'batch' ? t('phone.dropped.notice') : t('phone.refused.notice'));
  });

  // ---- The page -----------------------------------------------------------------------------

  byId('share-toggle').addEventListener('click', () => {
    if (sharing.active) setSharing(false);
    else startSharing();
  });
  window.addEventListener('online', () => {
    session.reconnectNow();
    uploader.run();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    session.reconnectNow();
    checkSeen();
  });
  window.addEventListener('scroll', checkSeen, { passive: true });
  // A link opened while the app is on screen changes only the fragment: no new page load.
  window.addEventListener('hashchange', () => {
    const found = tokenFromAddress();
    if (found && found !== token) useToken(found);
  });
  // A new link opened in another window of this browser (the app stays here).
  window.addEventListener('storage', (event) => {
    if (event.key === TOKEN_KEY && event.newValue && event.newValue !== token) useToken(event.newValue);
  });
  onLanguageChange(() => {
    setMenu(!menu.hidden);
    profileEditor.relabel();
    drawAll();
  });

  // For browser tests: what waits, and a way not to wait for the next 5-second tick.
  window.sweepPhone = {
    pendingFixes: () => outbox.counts().fixes,
    pendingTaskReports: () => outbox.counts().taskReports,
    flushNow: async () => {
      await outbox.sealAll();
      await session.flush();
    },
  };

  setMenu(false);
  if (token) begin();
  else drawAll();
}

main().catch((error) => {
  console.error(error);
  notice(t('phone.storage.failed'));
});

// #/cases/<id>: the card. The header (number, name, status, urgency and why), the status
// changes the server allows, the urgency override, the flyer and the hand-off to the emergency
// services (js/case-handoff.js), and the tabs: the incident log (js/case-journal.js), the
// checklist tasks (js/case-tasks.js), the card's fields, the places (js/case-places.js), the
// photos (js/case-photos.js) and, for staff, the search operations in the field
// (js/case-operations.js) and the sharing (js/case-sharing.js). The case's points are drawn on
// the map while it is open.
//
// A police liaison gets the same card read-only: no buttons that change it, no sharing, and a
// log form that writes police notes only. Their console has no live channel, so a Refresh
// button reads the card and the log again.

import * as api from './api.js';
import { urgencyClassOf } from './badges.js';
import { closeDialog, openDialog, showFormError } from './dialogs.js';
import { byId, debounce, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { onLanguageChange, t } from './i18n.js';
import { cardDetails } from './card-details.js';
import { initHandoff, showHandoffResult } from './case-handoff.js';
import { hideOperations, initOperations, showOperations } from './case-operations.js';
import {
  hideJournal, initJournal, reloadJournal, revealLatestEntries, showJournal, showNewEntry,
} from './case-journal.js';
import { initPhotos, renderPhotos, resetPhotos } from './case-photos.js';
import { initPlaces, renderPlaces } from './case-places.js';
import { initSharing, resetSharing, showSharing } from './case-sharing.js';
import { initTasks, renderTasks } from './case-tasks.js';
import {
  caseCategoryLabel, caseOutcomeLabel, caseStatusLabel, transitionLabel, urgencyLabel,
  urgencyReasonLabel,
} from './labels.js';
import { clearCaseLayer, focusOn, showCaseLayer } from './map.js';
import { href } from './routes.js';
import { isPoliceLiaison, isStaff, mayOverrideUrgency } from './session.js';
import { isPhone, setMapPeek } from './side-panel.js';

const TABS = ['journal', 'tasks', 'operations', 'card', 'places', 'photos', 'sharing'];
// Tabs for staff only.
const STAFF_TABS = new Set(['operations', 'sharing']);
const tabsForRole = () => TABS.filter((tab) => isStaff() || !STAFF_TABS.has(tab));
// Only staff change a card; everyone else who may open it (a police liaison) reads it.
const readOnly = () => !isStaff();
// Suspending and closing need a reason, and so does reopening a closed case.
const REASON_REQUIRED = new Set(['suspended', 'closed']);

let current = null; // the Case on show
let generation = 0;
let activeTab = 'journal';
let pendingTransition = null;

export function initCaseView({ live }) {
  initJournal({ live, onEntryAffectsCard: () => refreshSoon() });
  initTasks({ getCase: () => current, onTaskSaved: replaceTask });
  initPlaces({ getCase: () => current, onPlacesChanged: placesChanged });
  initPhotos({ getCase: () => current, onPhotosChanged: photosChanged });
  initSharing({ getCase: () => current });
  initOperations({ live });
  initHandoff({
    getCase: () => current,
    onHandedOff: (caseId, answer) => showNewEntry(caseId, answer.entry),
  });
  byId('case-refresh').addEventListener('click', () => {
    refreshSoon();
    reloadJournal();
  });
  byId('case-tabs').addEventListener('click', (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (!tab) return;
    selectTab(tab.dataset.tab, { focus: true });
    forgetTabInAddress();
  });
  byId('case-tabs').addEventListener('keydown', onTabKey);
  byId('case-transitions').addEventListener('click', (event) => {
    const button = event.target.closest('.transition-button');
    if (button) openTransition(button.dataset.to);
  });
  byId('case-urgency-button').addEventListener('click', openUrgency);
  byId('case-show-map').addEventListener('click', () => {
    setMapPeek(true);
    drawOnMap({ fit: true });
  });
  byId('transition-outcome').addEventListener('change', () => byId('transition-outcome').removeAttribute('aria-invalid'));

  live.on('case.changed', (message) => {
    if (current && message.case_id === current.id) refreshSoon();
  });
  live.on('task.overdue', (message) => {
    if (current && message.task?.case_id === current.id) refreshSoon();
  });
  live.on('live.resync', () => {
    if (current) refreshSoon();
  });
  onLanguageChange(render);
}

export const caseView = {
  async show(route) {
    const mine = ++generation;
    const sameCase = current?.id === route.id;
    if (tabsForRole().includes(route.params.tab)) activeTab = route.params.tab;
    if (!tabsForRole().includes(activeTab)) activeTab = 'journal';
    if (!sameCase) {
      current = null;
      byId('case-view').hidden = true;
      byId('case-view-loading').hidden = false;
      showHandoffResult(null);
      resetPhotos();
      resetSharing();
    }
    byId('case-view-error').hidden = true;
    selectTab(activeTab);
    try {
      const loaded = await api.getCase(route.id);
      if (mine !== generation) return;
      current = loaded;
    } catch (error) {
      if (mine !== generation) return;
      byId('case-view-loading').hidden = true;
      byId('case-view').hidden = true;
      byId('case-view-error').hidden = false;
      byId('case-view-error').textContent = apiErrorText(error);
      return;
    }
    byId('case-view-loading').hidden = true;
    byId('case-view').hidden = false;
    render();
    drawOnMap({ fit: true });
    if (!sameCase) showJournal(current.id, { policeNotesOnly: isPoliceLiaison() });
    if (activeTab === 'sharing') showSharing(current);
    if (isStaff()) showOperations(current);
    byId('case-view-name').focus({ preventScroll: true });
  },
  hide() {
    generation += 1;
    refreshSoon.cancel();
    closeDialog(byId('transition-dialog'));
    closeDialog(byId('urgency-dialog'));
    closeDialog(byId('handoff-dialog'));
    closeDialog(byId('confirm-dialog'));
    closeDialog(byId('group-dialog'));
    closeDialog(byId('member-dialog'));
    closeDialog(byId('device-dialog'));
    resetPhotos();
    resetSharing();
    showHandoffResult(null);
    hideJournal();
    hideOperations();
    clearCaseLayer();
    setMapPeek(false);
    current = null;
  },
  reset() {
    this.hide();
    byId('case-view').hidden = true;
  },
};

/** Reads the case again: someone changed it, or one of its tasks is due. */
const refreshSoon = debounce(async () => {
  if (!current) return;
  const mine = generation;
  try {
    const loaded = await api.getCase(current.id);
    if (mine !== generation || loaded.id !== current?.id) return;
    current = loaded;
    render();
    drawOnMap({ fit: false });
    if (isStaff()) showOperations(current);
  } catch {
    // The next change or the next visit reads it again; the card on show stays.
  }
}, 300);

function replaceTask(task) {
  if (!current) return;
  current = { ...current, tasks: current.tasks.map((one) => (one.id === task.id ? task : one)) };
  renderTasks(current, { readOnly: readOnly() });
  renderTabCounts();
}

function photosChanged(caseId, photos) {
  if (current?.id !== caseId) return;
  current = { ...current, photos };
  renderPhotos(current, { readOnly: readOnly() });
  renderTabCounts();
}

function placesChanged(places) {
  if (!current) return;
  current = { ...current, places };
  renderPlaces(current, { readOnly: readOnly() });
  renderTabCounts();
  drawOnMap({ fit: false });
}

function drawOnMap({ fit }) {
  if (!current) return;
  showCaseLayer({
    lastSeen: current.last_seen,
    lastSeenLabel: `${current.number} ${current.full_name}`,
    places: current.places || [],
  }, { fit: fit && (!isPhone() || document.body.dataset.mapPeek === 'true') });
}

// ---- Rendering -----------------------------------------------------------------------------

function render() {
  if (!current) return;
  const onlyRead = readOnly();
  byId('view-case').dataset.readOnly = String(onlyRead);
  renderHeader();
  renderTasks(current, { readOnly: onlyRead });
  renderPlaces(current, { readOnly: onlyRead });
  renderPhotos(current, { readOnly: onlyRead });
  byId('case-fields').replaceChildren(...cardDetails(current, {
    onShowPoint: (point) => {
      setMapPeek(true);
      focusOn(point);
    },
  }));
  renderTabCounts();
}

function renderHeader() {
  const c = current;
  const urgencyClass = urgencyClassOf(c.urgency);
  byId('case-view-number').textContent = c.number;
  const status = byId('case-view-status');
  status.textContent = caseStatusLabel(c.status);
  status.dataset.status = c.status;
  const urgency = byId('case-view-urgency');
  urgency.textContent = urgencyClass ? urgencyLabel(urgencyClass) : '';
  urgency.dataset.urgency = urgencyClass || '';
  urgency.hidden = !urgencyClass;
  byId('case-header').dataset.urgency = urgencyClass || '';
  byId('case-view-name').textContent = c.full_name;

  const facts = [];
  facts.push(Number.isFinite(c.age) ? t('case.age', { age: c.age }) : t('case.age_unknown'));
  if (c.category) facts.push(caseCategoryLabel(c.category));
  if (c.status === 'closed' && c.outcome) facts.push(t('case_view.outcome', { outcome: caseOutcomeLabel(c.outcome) }));
  byId('case-view-facts').textContent = facts.join(' · ');

  const situation = byId('case-view-situation');
  situation.hidden = !c.situation;
  situation.textContent = c.situation || '';

  const reasons = c.urgency?.reasons || [];
  byId('case-view-urgency-reasons').replaceChildren(...reasons.map((code) =>
    h('li', { className: 'urgency-reason', dataset: { reason: code }, text: urgencyReasonLabel(code) })));
  const override = byId('case-view-urgency-override');
  override.hidden = !c.urgency?.override;
  override.textContent = c.urgency?.override
    ? t('urgency.override.shown', {
      computed: urgencyLabel(c.urgency.computed),
      reason: c.urgency.override_reason || '—',
    })
    : '';

  // The server lists the transitions for anyone who reads the card; only staff may make them.
  const staff = isStaff();
  const transitions = staff && Array.isArray(c.allowed_transitions) ? c.allowed_transitions : [];
  byId('case-transitions').replaceChildren(...transitions.map((to) => h('button', {
    type: 'button',
    className: to === 'closed' ? 'button button-quiet transition-button' : 'button button-primary transition-button',
    dataset: { to },
    text: transitionLabel(to, c.status),
  })));
  byId('case-edit-link').href = href.caseEdit(c.id);
  byId('case-edit-link').hidden = !staff;
  byId('case-urgency-button').hidden = !mayOverrideUrgency();
  byId('case-outside-actions').hidden = !staff;
  byId('case-flyer-link').href = `/flyer.html#${encodeURIComponent(c.id)}`;
  byId('case-callout-link').href = href.callouts({ fromCase: c.id });
  byId('case-refresh').hidden = staff;
  byId('case-read-only-note').hidden = staff;
  byId('case-tab-sharing').hidden = !staff;
  byId('case-tab-operations').hidden = !staff;
}

function renderTabCounts() {
  const tasks = current?.tasks || [];
  const overdue = tasks.filter((task) => task.state === 'open' && task.overdue).length;
  const open = tasks.filter((task) => task.state === 'open').length;
  const count = byId('case-tab-tasks-count');
  count.hidden = open === 0;
  count.textContent = overdue > 0 ? t('case_view.tab.overdue_count', { n: overdue }) : String(open);
  count.classList.toggle('tab-count-overdue', overdue > 0);
  const places = current?.places || [];
  const unchecked = places.filter((place) => !place.checked).length;
  const placeCount = byId('case-tab-places-count');
  placeCount.hidden = places.length === 0;
  placeCount.textContent = t('case_view.tab.places_count', { unchecked, total: places.length });
  const photos = current?.photos || [];
  const photoCount = byId('case-tab-photos-count');
  photoCount.hidden = photos.length === 0;
  photoCount.textContent = String(photos.length);
}

// ---- Tabs ----------------------------------------------------------------------------------

function selectTab(name, { focus = false } = {}) {
  if (!tabsForRole().includes(name)) return;
  activeTab = name;
  for (const tab of byId('case-tabs').querySelectorAll('[role="tab"]')) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    byId(tab.getAttribute('aria-controls')).hidden = !selected;
    if (selected && focus) tab.focus();
  }
  // Chosen by the user: the shares and links are read then (show() reads them for an address).
  if (name === 'sharing' && focus && current) showSharing(current);
  if (name === 'journal') {
    revealLatestEntries();
  } else {
    // Another tab starts at its top, just under the header, not where the log was scrolled to.
    const view = byId('view-case');
    view.scrollTop = Math.min(view.scrollTop, byId('case-header').offsetHeight);
  }
}

// A link to "#/cases/<id>?tab=tasks" (the overdue banner) opens the tasks; once the user picks
// another tab, the address drops the tab, so that the same link works again.
function forgetTabInAddress() {
  if (current && window.location.hash.includes('?')) {
    window.history.replaceState(null, '', href.case(current.id));
  }
}

function onTabKey(event) {
  const order = tabsForRole();
  const index = order.indexOf(activeTab);
  let next = null;
  if (event.key === 'ArrowRight') next = order[(index + 1) % order.length];
  else if (event.key === 'ArrowLeft') next = order[(index + order.length - 1) % order.length];
  else if (event.key === 'Home') next = order[0];
  else if (event.key === 'End') next = order[order.length - 1];
  if (!next) return;
  event.preventDefault();
  selectTab(next, { focus: true });
  forgetTabInAddress();
}

// ---- Status changes ------------------------------------------------------------------------

function openTransition(to) {
  if (!current) return;
  pendingTransition = { to, from: current.status, caseId: current.id };
  const reasonRequired = REASON_REQUIRED.has(to) || current.status === 'closed';
  byId('transition-dialog-title').textContent = t('transition.dialog_title', {
    action: transitionLabel(to, current.status),
    number: current.number,
  });
  byId('transition-outcome-field').hidden = to !== 'closed';
  byId('transition-outcome').value = '';
  byId('transition-outcome').removeAttribute('aria-invalid');
  byId('transition-reason').value = '';
  byId('transition-reason').required = reasonRequired;
  byId('transition-reason').removeAttribute('aria-invalid');
  byId('transition-reason-required').hidden = !reasonRequired;
  openDialog(byId('transition-dialog'), submitTransition);
  (to === 'closed' ? byId('transition-outcome') : byId('transition-reason')).focus();
}

async function submitTransition() {
  const { to, caseId } = pendingTransition || {};
  if (!to || current?.id !== caseId) return true;
  const reasonInput = byId('transition-reason');
  const outcomeInput = byId('transition-outcome');
  const reason = reasonInput.value.trim();
  const outcome = to === 'closed' ? outcomeInput.value : null;
  const error = byId('transition-error');
  if (to === 'closed' && !outcome) {
    outcomeInput.setAttribute('aria-invalid', 'true');
    showFormError(error, t('transition.outcome_required'));
    outcomeInput.focus();
    return false;
  }
  if (reasonInput.required && !reason) {
    reasonInput.setAttribute('aria-invalid', 'true');
    showFormError(error, t('transition.reason_required'));
    reasonInput.focus();
    return false;
  }
  try {
    const updated = await api.transitionCase(caseId, { to, reason, outcome });
    if (current?.id === caseId) {
      current = updated;
      render();
    }
    return true;
  } catch (failure) {
    showFormError(error, apiErrorText(failure, { fieldLabel: () => t('transition.reason') }));
    // The buttons on show were out of date: read the case again to show the right ones.
    if (failure.code === 'transition_not_allowed') refreshSoon();
    return false;
  }
}

// ---- Urgency override ----------------------------------------------------------------------

function openUrgency() {
  if (!current || !mayOverrideUrgency()) return;
  const caseId = current.id;
  const computed = current.urgency?.computed;
  byId('urgency-dialog-computed').textContent = t('urgency.override.computed_is', {
    class: computed ? urgencyLabel(computed) : '—',
    reasons: (current.urgency?.reasons || []).map(urgencyReasonLabel).join(', ') || '—',
  });
  byId('urgency-class').value = current.urgency?.override || '';
  byId('urgency-reason').value = '';
  byId('urgency-reason').removeAttribute('aria-invalid');
  openDialog(byId('urgency-dialog'), async () => {
    const reasonInput = byId('urgency-reason');
    const reason = reasonInput.value.trim();
    if (!reason) {
      reasonInput.setAttribute('aria-invalid', 'true');
      showFormError(byId('urgency-error'), t('urgency.override.reason_required'));
      reasonInput.focus();
      return false;
    }
    try {
      const updated = await api.setCaseUrgency(caseId, byId('urgency-class').value || null, reason);
      if (current?.id === caseId) {
        current = updated;
        render();
      }
      return true;
    } catch (failure) {
      showFormError(byId('urgency-error'), apiErrorText(failure));
      return false;
    }
  });
  byId('urgency-class').focus();
}

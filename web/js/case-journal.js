// The incident log (журнал) of the case on show: oldest first, newest at the bottom, kept up to
// date from the live channel's "journal.entry" messages. Entries are never edited: a mistake is
// put right by a new entry that "corrects" it, and the corrected one links to its correction.

import * as api from './api.js';
import { readTextAndPoint, showFormError } from './dialogs.js';
import { byId } from './dom.js';
import { apiErrorText } from './errors.js';
import { onLanguageChange, t } from './i18n.js';
import { journalEntryItem } from './journal-entry.js';
import { WRITABLE_JOURNAL_KINDS } from './labels.js';
import { focusOn } from './map.js';
import { pointField } from './point-field.js';
import { setMapPeek } from './side-panel.js';

// Entries Sweep writes about things the card view shows elsewhere: the card is read again.
const KINDS_THAT_CHANGE_THE_CARD = new Set(['task', 'card_update', 'status_change']);
// Within this many pixels of the bottom, the log follows new entries.
const FOLLOW_MARGIN_PX = 80;

let caseId = null;
let entries = []; // oldest first
let generation = 0;
let correcting = null; // the entry being corrected, or null
let locationField = null; // the form's point field
let onCardAffected = () => {};
let policeOnly = false; // a police liaison's log: police notes only, no corrections

// The whole card view scrolls (the header goes out of sight while the log is read); the form
// stays at the bottom.
const scroller = () => byId('view-case');
const logOnShow = () => !byId('case-panel-journal').hidden;

export function initJournal({ live, onEntryAffectsCard }) {
  onCardAffected = onEntryAffectsCard;
  locationField = pointField(byId('journal-form').querySelector('[data-point-field]'));
  byId('journal-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  byId('journal-text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });
  byId('journal-correcting-cancel').addEventListener('click', () => stopCorrecting({ focus: true }));
  byId('journal-new-below').addEventListener('click', () => scrollToBottom());
  scroller().addEventListener('scroll', () => {
    if (nearBottom()) byId('journal-new-below').hidden = true;
  });
  byId('case-journal').addEventListener('click', onEntryClick);

  live.on('journal.entry', (message) => {
    if (!caseId || message.case_id !== caseId || !message.entry) return;
    const follow = nearBottom();
    if (addEntry(message.entry)) afterAppend({ follow });
    if (KINDS_THAT_CHANGE_THE_CARD.has(message.entry.kind)) onCardAffected();
  });
  live.on('live.resync', () => {
    if (caseId) load(caseId);
  });
  onLanguageChange(renderAll);
}

/**
 * Shows the log of `id` and follows it live. `policeNotesOnly`: the form writes police notes
 * and nothing else (a police liaison), and entries offer no correction.
 */
export function showJournal(id, { policeNotesOnly = false } = {}) {
  caseId = id;
  entries = [];
  policeOnly = policeNotesOnly;
  stopCorrecting();
  byId('journal-form').reset();
  byId('journal-kind-field').hidden = policeOnly;
  byId('journal-police-kind').hidden = !policeOnly;
  byId('journal-form').dataset.policeNotesOnly = String(policeOnly);
  if (policeOnly) byId('journal-kind').value = 'police_note';
  locationField.clear();
  showFormError(byId('journal-error'), null);
  renderAll();
  load(id);
}

export function hideJournal() {
  generation += 1;
  caseId = null;
  entries = [];
  correcting = null;
  byId('case-journal').replaceChildren();
}

async function load(id) {
  const mine = ++generation;
  const error = byId('case-journal-error');
  error.hidden = true;
  try {
    const loaded = await api.getJournal(id);
    if (mine !== generation || id !== caseId) return;
    // Messages that arrived while loading are kept if the answer predates them.
    const known = new Map((Array.isArray(loaded) ? loaded : []).map((entry) => [entry.id, entry]));
    for (const entry of entries) if (!known.has(entry.id)) known.set(entry.id, entry);
    entries = [...known.values()].sort(byTime);
    renderAll();
    scrollToBottom();
  } catch (failure) {
    if (mine !== generation) return;
    error.hidden = false;
    error.textContent = apiErrorText(failure);
  }
}

function byTime(a, b) {
  return (Date.parse(a.at) - Date.parse(b.at)) || (a.id - b.id);
}

/** Reads the log again (a police liaison's console has no live channel). */
export function reloadJournal() {
  if (caseId) load(caseId);
}

/** An entry written elsewhere in this console (a hand-off); ignored if it is not for the log on show. */
export function showNewEntry(forCaseId, entry) {
  if (forCaseId !== caseId || !entry) return;
  const follow = nearBottom();
  if (addEntry(entry)) afterAppend({ follow });
}

/** Adds one entry (from the live channel or our own POST); false if it was there already. */
function addEntry(entry) {
  if (entries.some((known) => known.id === entry.id)) return false;
  entries.push(entry);
  const last = entries.length > 1 ? entries[entries.length - 2] : null;
  const inOrder = !last || byTime(last, entry) <= 0;
  if (!inOrder) entries.sort(byTime);
  // A correction marks the entry it corrects, which is drawn again.
  if (entry.corrects_id !== null && entry.corrects_id !== undefined) {
    const original = entries.find((known) => known.id === entry.corrects_id);
    if (original && !(original.corrected_by || []).includes(entry.id)) {
      original.corrected_by = [...(original.corrected_by || []), entry.id];
      redrawEntry(original);
    }
  }
  if (inOrder) {
    byId('case-journal').append(entryItem(entry));
    byId('case-journal-empty').hidden = true;
  } else {
    renderAll();
  }
  return true;
}

function afterAppend({ follow }) {
  if (follow) scrollToBottom();
  else byId('journal-new-below').hidden = false;
}

// ---- Rendering -----------------------------------------------------------------------------

function renderAll() {
  byId('case-journal-empty').hidden = !(caseId && entries.length === 0);
  byId('case-journal').replaceChildren(...entries.map(entryItem));
  renderCorrecting();
}

function redrawEntry(entry) {
  const node = byId('case-journal').querySelector(`[data-entry-id="${entry.id}"]`);
  if (node) node.replaceWith(entryItem(entry));
}

function entryItem(entry) {
  return journalEntryItem(entry, { correctable: !policeOnly, caseId });
}

function onEntryClick(event) {
  const goto = event.target.closest('[data-goto]');
  if (goto) {
    const target = byId(`journal-entry-${goto.dataset.goto}`);
    if (target) {
      target.scrollIntoView({ block: 'center' });
      target.classList.add('journal-entry-flash');
      setTimeout(() => target.classList.remove('journal-entry-flash'), 1500);
      target.focus();
    }
    return;
  }
  const place = event.target.closest('.journal-location');
  if (place) {
    setMapPeek(true);
    focusOn({ lat: Number(place.dataset.lat), lon: Number(place.dataset.lon) });
    return;
  }
  const correct = event.target.closest('[data-correct]');
  if (correct) {
    const entry = entries.find((known) => String(known.id) === correct.dataset.correct);
    if (entry) startCorrecting(entry);
  }
}

// ---- Scrolling -----------------------------------------------------------------------------

function nearBottom() {
  if (!logOnShow()) return false;
  const box = scroller();
  return box.scrollHeight - box.scrollTop - box.clientHeight <= FOLLOW_MARGIN_PX;
}

function scrollToBottom() {
  byId('journal-new-below').hidden = true;
  if (!logOnShow()) return;
  const box = scroller();
  box.scrollTop = box.scrollHeight;
}

/** Brings the newest entries into view (when the log tab is opened). */
export function revealLatestEntries() {
  scrollToBottom();
}

// ---- Writing -------------------------------------------------------------------------------

function startCorrecting(entry) {
  correcting = entry;
  byId('journal-kind').value = WRITABLE_JOURNAL_KINDS.includes(entry.kind) ? entry.kind : 'note';
  renderCorrecting();
  byId('journal-text').focus();
}

function stopCorrecting({ focus = false } = {}) {
  correcting = null;
  renderCorrecting();
  if (focus) byId('journal-text').focus();
}

function renderCorrecting() {
  const box = byId('journal-correcting');
  box.hidden = !correcting;
  byId('journal-correcting-text').textContent = correcting
    ? t('journal.correcting', { id: correcting.id, text: shorten(correcting.text, 80) })
    : '';
  byId('journal-form').dataset.correcting = correcting ? String(correcting.id) : '';
}

const shorten = (text, length) => {
  const s = String(text ?? '');
  return s.length > length ? `${s.slice(0, length - 1)}…` : s;
};

async function submit() {
  const id = caseId;
  if (!id) return;
  const button = byId('journal-submit');
  if (button.disabled) return;
  const error = byId('journal-error');
  const textInput = byId('journal-text');
  const read = readTextAndPoint({ textInput, error, requiredMessage: t('journal.text_required'), locationField });
  if (!read) return;
  const { text, point } = read;
  const body = { kind: policeOnly ? 'police_note' : byId('journal-kind').value, text };
  if (point.point) body.location = point.point;
  if (correcting) body.corrects = correcting.id;

  button.disabled = true;
  try {
    const saved = await api.addJournalEntry(id, body);
    if (id !== caseId) return;
    addEntry(saved);
    scrollToBottom();
    textInput.value = '';
    locationField.clear();
    stopCorrecting();
    if (policeOnly) byId('journal-kind').value = 'police_note';
    textInput.focus();
  } catch (failure) {
    showFormError(error, apiErrorText(failure));
  } finally {
    button.disabled = false;
  }
}

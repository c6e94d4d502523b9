// The "Active cases" list in the side panel, from GET /api/cases.

import { getCases } from './api.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { caseCategoryLabel, caseStatusLabel } from './labels.js';

const el = (id) => document.getElementById(id);

let cases = [];
let state = 'idle'; // idle | loading | loaded | error | forbidden
let selectedId = null;
let generation = 0; // answers to a load started before a logout are dropped
let onSelect = () => {};

/** `onSelectCase(case)` runs when a case with a last-seen point is chosen. */
export function initCases({ onSelectCase }) {
  onSelect = onSelectCase;
  onLanguageChange(render);
  el('case-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-case-id]');
    if (!button) return;
    const chosen = cases.find((c) => c.id === button.dataset.caseId);
    if (!chosen) return;
    selectedId = chosen.id;
    render();
    onSelect(chosen);
  });
}

export async function loadCases() {
  const mine = ++generation;
  state = 'loading';
  render();
  try {
    const answer = await getCases();
    if (mine !== generation) return;
    cases = Array.isArray(answer) ? answer : [];
    state = 'loaded';
  } catch (error) {
    if (mine !== generation) return;
    // 403: this role does not see cases; 401 is handled by the app (back to login). On other
    // errors a list loaded earlier stays, under the error line.
    state = error.status === 403 ? 'forbidden' : 'error';
    if (state === 'forbidden') cases = [];
  }
  render();
}

export function clearCases() {
  generation += 1;
  cases = [];
  selectedId = null;
  state = 'idle';
  render();
}

function render() {
  el('cases-section').hidden = state === 'forbidden';
  el('cases-loading').hidden = !(state === 'loading' && cases.length === 0);
  el('cases-error').hidden = state !== 'error';
  el('cases-empty').hidden = !(state === 'loaded' && cases.length === 0);

  const list = el('case-list');
  list.replaceChildren(...cases.map(caseItem));
}

function caseItem(c) {
  const item = document.createElement('li');
  const hasPoint = Array.isArray(c.last_seen) && c.last_seen.length >= 2;
  const body = document.createElement(hasPoint ? 'button' : 'div');
  body.className = hasPoint ? 'case-item' : 'case-item case-item-static';
  body.dataset.caseId = c.id;
  body.dataset.status = c.status;
  if (hasPoint) {
    body.type = 'button';
    if (c.id === selectedId) body.setAttribute('aria-current', 'true');
  }

  const head = span('case-head');
  head.append(span('case-number', c.number), span('case-status', caseStatusLabel(c.status)));

  const facts = [];
  if (c.category) facts.push(caseCategoryLabel(c.category));
  if (Number.isFinite(c.age)) facts.push(t('case.age', { age: c.age }));

  body.append(head, span('case-name', c.full_name));
  if (facts.length) body.append(span('case-facts', facts.join(' · ')));
  const seen = c.last_seen_at ? t('case.last_seen_at', { time: formatTime(c.last_seen_at) }) : null;
  if (seen) body.append(span('case-seen', seen));
  if (!hasPoint) body.append(span('case-seen case-no-point', t('case.no_point')));

  item.append(body);
  return item;
}

function span(className, text) {
  const node = document.createElement('span');
  node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// "12 Mar, 14:30" — a month name leaves no doubt about day and month order; the year only
// when it is not this one.
function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const options = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (date.getFullYear() !== new Date().getFullYear()) options.year = 'numeric';
  return new Intl.DateTimeFormat(getLanguage(), options).format(date);
}

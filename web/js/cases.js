// The "Active cases" list beside the map, from GET /api/cases: choosing a case centres the map
// on where the person was last seen; its number opens the card.

import { getCases } from './api.js';
import { urgencyBadge } from './badges.js';
import { h } from './dom.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { caseCategoryLabel, caseStatusLabel } from './labels.js';
import { isPoint } from './points.js';
import { href } from './routes.js';
import { formatTime } from './time.js';

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
    // The panel beside the map is for the work in progress: closed cases are under "Cases".
    cases = (Array.isArray(answer) ? answer : []).filter((c) => c.status !== 'closed');
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
  el('case-list').replaceChildren(...cases.map(caseItem));
}

function caseItem(c) {
  const hasPoint = isPoint(c.last_seen);
  const facts = [];
  if (c.category) facts.push(caseCategoryLabel(c.category));
  if (Number.isFinite(c.age)) facts.push(t('case.age', { age: c.age }));

  const body = h(hasPoint ? 'button' : 'div', {
    className: hasPoint ? 'case-item' : 'case-item case-item-static',
    dataset: { caseId: c.id, status: c.status },
    type: hasPoint ? 'button' : undefined,
    attrs: { 'aria-current': hasPoint && c.id === selectedId ? 'true' : null },
  },
  h('span', { className: 'case-head' },
    h('span', { className: 'case-number', text: c.number }),
    urgencyBadge(c.urgency),
    h('span', { className: 'case-status', text: caseStatusLabel(c.status) })),
  h('span', { className: 'case-name', text: c.full_name }),
  facts.length ? h('span', { className: 'case-facts', text: facts.join(' · ') }) : null,
  c.last_seen_at
    ? h('span', { className: 'case-seen', text: t('case.last_seen_at', { time: formatTime(c.last_seen_at, getLanguage()) }) })
    : null,
  hasPoint ? null : h('span', { className: 'case-seen case-no-point', text: t('case.no_point') }));

  const open = h('a', {
    className: 'case-open',
    href: href.case(c.id),
    text: t('cases.open_card'),
    attrs: { 'aria-label': t('cases.open_card_of', { number: c.number, name: c.full_name }) },
  });
  return h('li', { className: 'case-list-item' }, body, open);
}

// #/cases: every case, most urgent first as the server sorts them, with filters by status and
// category and a search box.

import { getCases } from './api.js';
import { statusBadge, urgencyBadge, urgencyClassOf } from './badges.js';
import { byId, debounce, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { caseCategoryLabel } from './labels.js';
import { href } from './routes.js';
import { isStaff } from './session.js';
import { formatTime } from './time.js';

let cases = [];
let state = 'idle'; // idle | loading | loaded | error
let lastError = null;
let generation = 0;
let visible = false;

export function initCaseList({ live }) {
  const filters = byId('case-filters');
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  byId('case-filter-status').addEventListener('change', () => load());
  byId('case-filter-category').addEventListener('change', () => load());
  const search = debounce(() => load(), 300);
  byId('case-filter-q').addEventListener('input', search);
  onLanguageChange(render);

  // Someone else's change re-sorts the list; read it again while it is on show.
  const refresh = debounce(() => {
    if (visible) load();
  }, 1000);
  live.on('case.changed', refresh);
  live.on('live.resync', refresh);
}

export const caseListView = {
  show() {
    visible = true;
    // A police liaison reads the cases shared with them (the server lists only those).
    byId('case-new-button').hidden = !isStaff();
    load();
  },
  hide() {
    visible = false;
  },
  reset() {
    generation += 1;
    cases = [];
    state = 'idle';
    byId('case-filters').reset();
    render();
  },
};

async function load() {
  const mine = ++generation;
  state = 'loading';
  render();
  try {
    const answer = await getCases({
      status: byId('case-filter-status').value,
      category: byId('case-filter-category').value,
      q: byId('case-filter-q').value.trim(),
    });
    if (mine !== generation) return;
    cases = Array.isArray(answer) ? answer : [];
    state = 'loaded';
  } catch (error) {
    if (mine !== generation) return;
    lastError = error;
    state = 'error';
  }
  render();
}

function render() {
  byId('case-rows-loading').hidden = !(state === 'loading' && cases.length === 0);
  const errorLine = byId('case-rows-error');
  errorLine.hidden = state !== 'error';
  errorLine.textContent = state === 'error' ? apiErrorText(lastError) : '';
  byId('case-rows-empty').hidden = !(state === 'loaded' && cases.length === 0);
  byId('case-rows').replaceChildren(...cases.map(caseRow));
}

/** One case as a line: urgency, number, name, facts, status, tasks. Also used by "My shift". */
export function caseRow(c) {
  const facts = [];
  if (Number.isFinite(c.age)) facts.push(t('case.age', { age: c.age }));
  if (c.category) facts.push(caseCategoryLabel(c.category));
  if (c.last_seen_at) facts.push(t('case.last_seen_at', { time: formatTime(c.last_seen_at, getLanguage()) }));

  const tasks = [];
  if (Number.isFinite(c.open_tasks) && c.open_tasks > 0) {
    tasks.push(h('span', { className: 'task-count', text: t('cases.open_tasks', { n: c.open_tasks }) }));
  }
  if (Number.isFinite(c.overdue_tasks) && c.overdue_tasks > 0) {
    tasks.push(h('span', { className: 'task-count task-count-overdue', text: t('cases.overdue_tasks', { n: c.overdue_tasks }) }));
  }

  return h('li', {},
    h('a', {
      className: 'record-row case-row',
      href: href.case(c.id),
      dataset: { caseId: c.id, status: c.status, urgency: urgencyClassOf(c.urgency) },
    },
    h('span', { className: 'record-row-head' },
      urgencyBadge(c.urgency),
      h('span', { className: 'record-number', text: c.number }),
      statusBadge(c.status)),
    h('span', { className: 'record-title', text: c.full_name }),
    facts.length ? h('span', { className: 'record-facts', text: facts.join(' · ') }) : null,
    tasks.length ? h('span', { className: 'record-tasks' }, tasks) : null));
}

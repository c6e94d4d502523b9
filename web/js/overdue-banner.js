// The banner of overdue checklist tasks across all cases, on every dispatcher's and admin's
// console (a coordinator sees only the long-overdue ones, escalation level 2). Read from
// GET /api/tasks/overdue after login, then kept current by "task.overdue" messages, and read
// again now and then, since nothing on the live channel says when someone else did a task.

import { getOverdueTasks } from './api.js';
import { byId, h } from './dom.js';
import { onLanguageChange, t } from './i18n.js';
import { href } from './routes.js';
import { hasRole } from './session.js';
import { taskDueText, taskTitle } from './task-text.js';

const REREAD_EVERY_MS = 2 * 60 * 1000;
const SHOWN_FOLDED = 1;

const tasks = new Map(); // task id -> task (with case_id, case_number, full_name)
let running = false;
let expanded = false;
let generation = 0;
let rereadTimer = null;
let clockTimer = null;

export function initOverdueBanner({ live }) {
  live.on('task.overdue', (message) => {
    if (!running || !message.task || !shownToMe(message.task)) return;
    tasks.set(message.task.id, message.task);
    render();
  });
  live.on('live.resync', () => {
    if (running) load();
  });
  byId('overdue-toggle').addEventListener('click', () => {
    expanded = !expanded;
    render();
  });
  onLanguageChange(render);
}

/** Starts after login, for the roles that see the banner. */
export function startOverdueBanner() {
  stopOverdueBanner();
  if (!hasRole('admin', 'dispatcher', 'coordinator')) return;
  running = true;
  load();
  rereadTimer = setInterval(load, REREAD_EVERY_MS);
  // "Overdue by 25 min" grows with the clock.
  clockTimer = setInterval(render, 60 * 1000);
}

export function stopOverdueBanner() {
  running = false;
  generation += 1;
  clearInterval(rereadTimer);
  clearInterval(clockTimer);
  tasks.clear();
  expanded = false;
  render();
}

/** Drops a task that is no longer open (done here, in this console). */
export function forgetOverdueTask(taskId) {
  if (tasks.delete(taskId)) render();
}

function shownToMe(task) {
  if (task.state && task.state !== 'open') return false;
  return hasRole('coordinator') ? (task.escalation_level ?? 0) >= 2 : true;
}

async function load() {
  const mine = ++generation;
  try {
    const answer = await getOverdueTasks();
    if (mine !== generation || !running) return;
    tasks.clear();
    for (const task of Array.isArray(answer) ? answer : []) if (shownToMe(task)) tasks.set(task.id, task);
    render();
  } catch {
    // The banner keeps what it had; the next reading or message brings it up to date.
  }
}

function render() {
  const list = [...tasks.values()].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  const banner = byId('overdue-banner');
  banner.hidden = !running || list.length === 0;
  banner.dataset.level = String(Math.max(0, ...list.map((task) => task.escalation_level ?? 0)));
  // The stylesheet hides the toggle when there is nothing more to show (and, on phones, folds
  // the list away entirely).
  banner.dataset.count = String(list.length);
  banner.dataset.expanded = String(expanded);
  byId('overdue-title').textContent = t('overdue.title', { n: list.length });
  const toggle = byId('overdue-toggle');
  toggle.setAttribute('aria-expanded', String(expanded));
  toggle.textContent = expanded ? t('overdue.fold') : t('overdue.show_all');
  const shown = expanded ? list : list.slice(0, SHOWN_FOLDED);
  byId('overdue-list').replaceChildren(...shown.map(overdueItem));
}

/** One overdue task as a link to its case's tasks; also used by "My shift". */
export function overdueItem(task) {
  const level = task.escalation_level ?? 1;
  return h('li', { className: 'overdue-task', dataset: { taskId: task.id, level, caseId: task.case_id } },
    h('a', { className: 'overdue-link', href: href.case(task.case_id, { tab: 'tasks' }) },
      h('span', { className: 'overdue-case', text: `${task.case_number || ''} ${task.full_name || ''}`.trim() }),
      h('span', { className: 'overdue-task-title', text: taskTitle(task) }),
      h('span', { className: 'overdue-due', text: taskDueText({ ...task, state: 'open', overdue: true }) }),
      level >= 2 ? h('span', { className: 'overdue-level', text: t('overdue.long') }) : null));
}

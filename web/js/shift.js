// #/shift, "My shift": what the person on duty has to look at: open reports, overdue tasks,
// the open tasks of their role (due first) and the active cases.

import { getShift } from './api.js';
import { caseRow } from './case-list.js';
import { byId, debounce, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { onLanguageChange, t } from './i18n.js';
import { overdueItem } from './overdue-banner.js';
import { reportRow } from './report-list.js';
import { href } from './routes.js';
import { taskDueText, taskTitle } from './task-text.js';

let shift = null;
let generation = 0;
let visible = false;

export function initShift({ live }) {
  byId('shift-refresh').addEventListener('click', load);
  onLanguageChange(render);
  const refresh = debounce(() => {
    if (visible) load();
  }, 1000);
  for (const type of ['report.changed', 'case.changed', 'task.overdue', 'live.resync']) live.on(type, refresh);
}

export const shiftView = {
  show() {
    visible = true;
    load();
  },
  hide() {
    visible = false;
  },
  reset() {
    generation += 1;
    shift = null;
    render();
  },
};

async function load() {
  const mine = ++generation;
  byId('shift-loading').hidden = shift !== null;
  byId('shift-error').hidden = true;
  try {
    const answer = await getShift();
    if (mine !== generation) return;
    shift = answer || {};
  } catch (error) {
    if (mine !== generation) return;
    byId('shift-error').hidden = false;
    byId('shift-error').textContent = apiErrorText(error);
  }
  byId('shift-loading').hidden = true;
  render();
}

function render() {
  const list = (name) => (Array.isArray(shift?.[name]) ? shift[name] : []);
  fill('shift-open-reports', list('open_reports').map(reportRow), t('shift.none_reports'));
  fill('shift-overdue-tasks', list('overdue_tasks').map(overdueItem), t('shift.none_overdue'));
  fill('shift-my-tasks', list('my_tasks').map(myTaskItem), t('shift.none_tasks'));
  fill('shift-active-cases', list('active_cases').map(caseRow), t('shift.none_cases'));
}

function fill(id, items, emptyText) {
  byId(id).replaceChildren(...(items.length ? items : [h('li', { className: 'panel-note', text: emptyText })]));
}

function myTaskItem(task) {
  const overdue = Boolean(task.overdue);
  return h('li', { className: 'shift-task', dataset: { taskId: task.id, overdue: String(overdue) } },
    h('a', { className: 'record-row', href: href.case(task.case_id, { tab: 'tasks' }) },
      h('span', { className: 'record-row-head' },
        h('span', { className: 'record-number', text: task.case_number || '' }),
        h('span', { className: 'record-facts', text: task.full_name || '' })),
      h('span', { className: 'record-title', text: taskTitle(task) }),
      h('span', { className: overdue ? 'task-due task-due-overdue' : 'task-due', text: taskDueText(task) || '' })));
}

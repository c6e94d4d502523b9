// The card's checklist tasks (hospitals, morgues, police accident bureau...): each can be marked
// done or not needed, with a comment; overdue ones are highlighted with their due time.

import * as api from './api.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, t } from './i18n.js';
import { roleLabel, taskStateLabel } from './labels.js';
import { forgetOverdueTask } from './overdue-banner.js';
import { taskDueText, taskTitle } from './task-text.js';
import { formatClock } from './time.js';

let getCase = () => null;
let onSaved = () => {};

export function initTasks({ getCase: caseGetter, onTaskSaved }) {
  getCase = caseGetter;
  onSaved = onTaskSaved;
  byId('task-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const task = getCase()?.tasks?.find((one) => one.id === button.closest('.task').dataset.taskId);
    if (task) openTaskDialog(task, button.dataset.action);
  });
}

/** Draws the tasks of Case `c`; `readOnly` (a police liaison): without the buttons that change them. */
export function renderTasks(c, { readOnly = false } = {}) {
  const tasks = Array.isArray(c?.tasks) ? c.tasks : [];
  byId('task-list-empty').hidden = tasks.length > 0;
  byId('task-list').replaceChildren(...tasks.map((task) => taskItem(task, { readOnly })));
}

function taskItem(task, { readOnly }) {
  const lang = getLanguage();
  const overdue = task.state === 'open' && Boolean(task.overdue);
  const due = taskDueText(task);
  const changed = task.state !== 'open' && task.state_changed_at
    ? t('task.changed', {
      state: taskStateLabel(task.state),
      time: formatClock(task.state_changed_at, lang),
      name: task.state_changed_by_name || '—',
    })
    : null;

  let actions = task.state === 'open'
    ? [
      h('button', { type: 'button', className: 'button button-primary task-done', dataset: { action: 'done' }, text: t('task.action.done') }),
      h('button', { type: 'button', className: 'button button-quiet task-not-needed', dataset: { action: 'not_needed' }, text: t('task.action.not_needed') }),
    ]
    : [h('button', { type: 'button', className: 'button button-quiet task-reopen', dataset: { action: 'open' }, text: t('task.action.reopen') })];
  if (readOnly) actions = null;

  return h('li', {
    className: 'task',
    dataset: {
      taskId: task.id,
      state: task.state,
      overdue: String(overdue),
      escalation: task.escalation_level ?? 0,
    },
  },
  h('div', { className: 'task-main' },
    h('span', { className: 'task-title', text: taskTitle(task) }),
    h('span', { className: 'task-facts' },
      h('span', { className: 'task-state', text: taskStateLabel(task.state) }),
      task.responsible_role ? h('span', { className: 'task-role', text: roleLabel(task.responsible_role) }) : null,
      due ? h('span', { className: overdue ? 'task-due task-due-overdue' : 'task-due', text: due }) : null),
    changed ? h('span', { className: 'task-changed', text: changed }) : null,
    task.comment ? h('span', { className: 'task-comment', text: task.comment }) : null),
  actions ? h('div', { className: 'task-actions' }, actions) : null);
}

function openTaskDialog(task, state) {
  const c = getCase();
  if (!c) return;
  const caseId = c.id;
  const commentRequired = state === 'not_needed';
  const titles = {
    done: () => t('task.dialog.done'),
    not_needed: () => t('task.dialog.not_needed'),
    open: () => t('task.dialog.reopen'),
  };
  byId('task-dialog-title').textContent = titles[state]();
  byId('task-dialog-task').textContent = taskTitle(task);
  const comment = byId('task-comment');
  comment.value = state === 'open' ? '' : task.comment || '';
  comment.required = commentRequired;
  comment.removeAttribute('aria-invalid');
  byId('task-comment-required').hidden = !commentRequired;

  openDialog(byId('task-dialog'), async () => {
    const text = comment.value.trim();
    if (commentRequired && !text) {
      comment.setAttribute('aria-invalid', 'true');
      showFormError(byId('task-error'), t('task.comment_required'));
      comment.focus();
      return false;
    }
    try {
      const saved = await api.updateTask(caseId, task.id, { state, comment: text });
      if (saved.state !== 'open') forgetOverdueTask(saved.id);
      if (getCase()?.id === caseId) onSaved(saved);
      return true;
    } catch (error) {
      showFormError(byId('task-error'), apiErrorText(error));
      return false;
    }
  });
  comment.focus();
}

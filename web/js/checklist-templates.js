// #/admin/checklists: the checklist templates. Each says which task a case gets, when (on
// creation or on a status change), for which cases, for which role and by when. Templates are
// never deleted, only deactivated, so the tasks they made keep their origin.

import { getChecklistTemplates } from './api.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { caseCategoryLabel, checklistTriggerLabel, roleLabel, urgencyLabel } from './labels.js';
import { href } from './routes.js';

let templates = [];
let state = 'idle';
let lastError = null;
let generation = 0;

export function initChecklistTemplates() {
  onLanguageChange(render);
}

export const checklistTemplatesView = {
  async show() {
    const mine = ++generation;
    state = 'loading';
    render();
    try {
      const answer = await getChecklistTemplates();
      if (mine !== generation) return;
      templates = (Array.isArray(answer) ? answer : []).slice().sort(byTriggerAndPosition);
      state = 'loaded';
    } catch (error) {
      if (mine !== generation) return;
      lastError = error;
      state = 'error';
    }
    render();
  },
  reset() {
    generation += 1;
    templates = [];
    state = 'idle';
    render();
  },
};

const TRIGGER_ORDER = ['case_created', 'status:first_checks', 'status:search_active', 'status:suspended', 'status:closed'];

function byTriggerAndPosition(a, b) {
  const trigger = (x) => {
    const i = TRIGGER_ORDER.indexOf(x.trigger);
    return i < 0 ? TRIGGER_ORDER.length : i;
  };
  return (trigger(a) - trigger(b)) || ((a.position ?? 0) - (b.position ?? 0));
}

function render() {
  byId('templates-loading').hidden = state !== 'loading' || templates.length > 0;
  byId('templates-error').hidden = state !== 'error';
  byId('templates-error').textContent = state === 'error' ? apiErrorText(lastError) : '';
  byId('templates-empty').hidden = !(state === 'loaded' && templates.length === 0);
  byId('template-rows').replaceChildren(...templates.map(templateRow));
}

/** The template's title in the interface language, else in the other one. */
function templateTitle(template) {
  const title = template?.title || {};
  return title[getLanguage()] || title.ru || title.en || '';
}

/** "Child, Teenager · under 7 · Critical": who gets the task; "All cases" without conditions. */
function conditionsText(conditions = {}) {
  const parts = [];
  if (conditions.category_in?.length) parts.push(conditions.category_in.map(caseCategoryLabel).join(', '));
  if (Number.isFinite(conditions.age_at_least)) parts.push(t('template.conditions.age_at_least_short', { age: conditions.age_at_least }));
  if (Number.isFinite(conditions.age_below)) parts.push(t('template.conditions.age_below_short', { age: conditions.age_below }));
  if (conditions.urgency_in?.length) parts.push(conditions.urgency_in.map(urgencyLabel).join(', '));
  return parts.length ? parts.join(' · ') : t('template.conditions.all');
}

function templateRow(template) {
  return h('tr', { className: 'template-row', dataset: { templateId: template.id, active: String(Boolean(template.active)) } },
    h('td', { className: 'numeric', text: template.position }),
    h('td', {}, h('a', { href: href.checklist(template.id), className: 'template-edit', text: templateTitle(template) })),
    h('td', { text: checklistTriggerLabel(template.trigger) }),
    h('td', { text: conditionsText(template.conditions || {}) }),
    h('td', { text: roleLabel(template.responsible_role) }),
    h('td', { className: 'numeric', text: t('time.minutes_short', { n: template.deadline_minutes }) }),
    h('td', { text: template.active ? t('template.active_yes') : t('template.active_no') }));
}

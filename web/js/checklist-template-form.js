// #/admin/checklists/new and #/admin/checklists/<id>: one checklist template. Titles in both
// languages, the trigger, the conditions a case must meet, the role, the deadline, the position
// in the list, and whether it is active (there is no delete).

import * as api from './api.js';
import { showFormError } from './dialogs.js';
import { byId } from './dom.js';
import { apiErrorText } from './errors.js';
import { onLanguageChange, t } from './i18n.js';
import { href } from './routes.js';

let editing = null; // the template being edited, or null for a new one
let mode = null; // 'new' | 'edit'
let generation = 0;
let shown = null;
let saving = false;

const form = () => byId('template-form');

export function initChecklistTemplateForm() {
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  onLanguageChange(renderTitle);
}

export const checklistTemplateFormView = {
  async show(route) {
    const mine = ++generation;
    clear();
    mode = route.name === 'checklist-new' ? 'new' : 'edit';
    renderTitle();
    if (mode === 'new') {
      shown = snapshot();
      byId('template-title-ru').focus();
      return;
    }
    byId('template-form-loading').hidden = false;
    form().hidden = true;
    try {
      // There is no GET for one template: it is found in the list.
      const templates = await api.getChecklistTemplates();
      if (mine !== generation) return;
      editing = (templates || []).find((one) => one.id === route.id) || null;
      if (!editing) throw Object.assign(new Error('not found'), { code: 'not_found', status: 404 });
      fill(editing);
      renderTitle();
      form().hidden = false;
      shown = snapshot();
      byId('template-form-title').focus();
    } catch (error) {
      if (mine !== generation) return;
      form().hidden = false;
      showFormError(byId('template-form-error'), apiErrorText(error));
      byId('template-form-submit').disabled = true;
    } finally {
      if (mine === generation) byId('template-form-loading').hidden = true;
    }
  },
  hide() {
    generation += 1;
  },
  isDirty() {
    if (saving || !shown) return false;
    return JSON.stringify(snapshot()) !== JSON.stringify(shown);
  },
  reset() {
    generation += 1;
    clear();
  },
};

function renderTitle() {
  byId('template-form-title').textContent = mode === 'edit' ? t('templates.edit_title') : t('templates.new_title');
}

function clear() {
  editing = null;
  shown = null;
  saving = false;
  form().reset();
  form().hidden = false;
  byId('template-form-submit').disabled = false;
  showFormError(byId('template-form-error'), null);
  for (const invalid of form().querySelectorAll('[aria-invalid="true"]')) invalid.removeAttribute('aria-invalid');
  byId('template-deadline').value = '60';
  byId('template-position').value = '10';
}

function checkboxes(name) {
  return [...form().querySelectorAll(`input[type="checkbox"][name="${name}"]`)];
}

function fill(template) {
  byId('template-title-ru').value = template.title?.ru || '';
  byId('template-title-en').value = template.title?.en || '';
  byId('template-trigger').value = template.trigger;
  byId('template-role').value = template.responsible_role;
  byId('template-deadline').value = template.deadline_minutes ?? '';
  byId('template-position').value = template.position ?? '';
  const conditions = template.conditions || {};
  for (const box of checkboxes('category_in')) box.checked = (conditions.category_in || []).includes(box.value);
  for (const box of checkboxes('urgency_in')) box.checked = (conditions.urgency_in || []).includes(box.value);
  byId('template-age-below').value = conditions.age_below ?? '';
  byId('template-age-at-least').value = conditions.age_at_least ?? '';
  byId('template-active').checked = Boolean(template.active);
}

const integerOrNull = (input) => (input.value.trim() === '' ? null : Number(input.value));

/** The template as the form shows it, in the API's shape. */
function snapshot() {
  const conditions = {};
  const categories = checkboxes('category_in').filter((box) => box.checked).map((box) => box.value);
  const urgencies = checkboxes('urgency_in').filter((box) => box.checked).map((box) => box.value);
  if (categories.length) conditions.category_in = categories;
  const below = integerOrNull(byId('template-age-below'));
  const atLeast = integerOrNull(byId('template-age-at-least'));
  if (below !== null) conditions.age_below = below;
  if (atLeast !== null) conditions.age_at_least = atLeast;
  if (urgencies.length) conditions.urgency_in = urgencies;
  return {
    title: { ru: byId('template-title-ru').value.trim(), en: byId('template-title-en').value.trim() },
    trigger: byId('template-trigger').value,
    conditions,
    responsible_role: byId('template-role').value,
    deadline_minutes: integerOrNull(byId('template-deadline')),
    position: integerOrNull(byId('template-position')),
    active: byId('template-active').checked,
  };
}

function validate() {
  const required = ['template-title-ru', 'template-title-en', 'template-deadline', 'template-position'];
  const numbers = ['template-deadline', 'template-position', 'template-age-below', 'template-age-at-least'];
  const problems = [];
  for (const id of new Set([...required, ...numbers])) {
    const input = byId(id);
    const bad = (required.includes(id) && input.value.trim() === '') || !input.validity.valid;
    if (bad) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    if (bad) problems.push(input);
  }
  if (!problems.length) return true;
  showFormError(byId('template-form-error'), t('form.check_fields'));
  problems[0].focus();
  return false;
}

async function save() {
  if (saving) return;
  showFormError(byId('template-form-error'), null);
  if (!validate()) return;
  const body = snapshot();
  const submit = byId('template-form-submit');
  submit.disabled = true;
  saving = true;
  try {
    if (mode === 'edit' && editing) await api.updateChecklistTemplate(editing.id, body);
    else await api.createChecklistTemplate(body);
    window.location.hash = href.checklists();
  } catch (error) {
    saving = false;
    showFormError(byId('template-form-error'), apiErrorText(error));
  } finally {
    submit.disabled = false;
  }
}

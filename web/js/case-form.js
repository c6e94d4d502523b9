// The card form: a new card (#/cases/new), a card made from a report (#/cases/new?report=<id>)
// and an edit (#/cases/<id>/edit). Possible duplicates are looked up while the name, birth date
// or phone is typed. An edit sends only what changed, with the version it started from; if
// someone else saved meanwhile the server answers 409 and the form offers to reload.

import * as api from './api.js';
import { CARD_FIELDS, CONTACT_FIELDS, cardChanges, cardFromReport, newCardBody, similarQuery } from './card-fields.js';
import { showFormError } from './dialogs.js';
import { applyTranslations, onLanguageChange, t } from './i18n.js';
import { byId, debounce, h } from './dom.js';
import { renderSimilarCases } from './similar-cases.js';
import { apiErrorText } from './errors.js';
import { pointField } from './point-field.js';
import { href } from './routes.js';
import { fromLocalInputValue, toLocalInputValue } from './time.js';

const SIMPLE_FIELDS = Object.entries(CARD_FIELDS)
  .filter(([, kind]) => kind !== 'contacts' && kind !== 'point')
  .map(([name]) => name);

let mode = null; // { kind: 'new' } | { kind: 'report', report } | { kind: 'edit', card }
let original = {}; // the card the form was filled from (empty for a new one)
let filled = null; // what the controls show for the card as saved: the user's edits differ from it
let shown = null; // what the controls showed after filling: a form that still shows it is not dirty
let lastSeen = null; // the point field
let generation = 0;
let contactCounter = 0;
let similarGeneration = 0;
let saving = false;

const form = () => byId('case-form');
const control = (name) => form().elements.namedItem(name);

export function initCaseForm() {
  lastSeen = pointField(form().querySelector('[data-point-field]'));
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  byId('case-contact-add').addEventListener('click', () => {
    const row = addContactRow({});
    row.querySelector('input').focus();
  });
  byId('case-form-reload').addEventListener('click', reloadAfterConflict);

  const lookUp = debounce(lookUpSimilar, 400);
  for (const name of ['full_name', 'birth_date', 'person_phone']) {
    control(name).addEventListener('input', lookUp);
  }
  onLanguageChange(renderTitle);
}

export const caseFormView = {
  async show(route) {
    const mine = ++generation;
    clearForm();
    byId('case-form-loading').hidden = false;
    form().hidden = true;
    try {
      if (route.name === 'case-edit') {
        const card = await api.getCase(route.id);
        if (mine !== generation) return;
        mode = { kind: 'edit', card };
        fill(card);
      } else if (route.params.report) {
        const report = await api.getReport(route.params.report);
        if (mine !== generation) return;
        mode = { kind: 'report', report };
        const prefill = cardFromReport(report, t('case_form.contact_from_report', { number: report.number }));
        fill({}, prefill);
        byId('case-form-last_seen-from-report').hidden = !prefill.last_seen;
      } else {
        mode = { kind: 'new' };
        fill({});
      }
    } catch (error) {
      if (mine !== generation) return;
      mode = null;
      byId('case-form-loading').hidden = true;
      form().hidden = false;
      renderTitle();
      showFormError(byId('case-form-error'), apiErrorText(error));
      byId('case-form-submit').disabled = true;
      return;
    }
    byId('case-form-loading').hidden = true;
    form().hidden = false;
    renderTitle();
    byId('case-form-submit').disabled = false;
    (mode.kind === 'edit' ? byId('case-form-title') : control('full_name')).focus();
  },
  hide() {
    generation += 1;
  },
  isDirty() {
    if (saving || shown === null || form().hidden) return false;
    const now = snapshot();
    return Object.keys(now).some((name) => now[name] !== shown[name]);
  },
  reset() {
    generation += 1;
    clearForm();
  },
};

function renderTitle() {
  const title = byId('case-form-title');
  const note = byId('case-form-from-report');
  const cancel = byId('case-form-cancel');
  note.hidden = mode?.kind !== 'report';
  switch (mode?.kind) {
    case 'edit':
      title.textContent = t('case_form.title_edit', { number: mode.card.number });
      cancel.href = href.case(mode.card.id);
      break;
    case 'report':
      title.textContent = t('case_form.title_from_report', { number: mode.report.number });
      note.textContent = t('case_form.from_report_note', { number: mode.report.number });
      cancel.href = href.report(mode.report.id);
      break;
    default:
      title.textContent = t('case_form.title_new');
      cancel.href = href.cases();
  }
}

function clearForm() {
  mode = null;
  original = {};
  filled = null;
  shown = null;
  saving = false;
  form().reset();
  lastSeen?.clear();
  byId('case-contacts').replaceChildren();
  byId('case-form-conflict').hidden = true;
  byId('case-form-last_seen-from-report').hidden = true;
  showFormError(byId('case-form-error'), null);
  for (const invalid of form().querySelectorAll('[aria-invalid="true"]')) invalid.removeAttribute('aria-invalid');
  similarGeneration += 1;
  renderSimilar([]);
}

// ---- Filling and reading -------------------------------------------------------------------

/** Fills the form from `card` (as loaded), with `prefill` on top for a new card. */
function fill(card, prefill = {}) {
  original = card;
  const values = { ...card, ...prefill };
  for (const name of SIMPLE_FIELDS) {
    const value = values[name];
    const input = control(name);
    if (CARD_FIELDS[name] === 'time') input.value = toLocalInputValue(value);
    else input.value = value === null || value === undefined ? '' : String(value);
  }
  lastSeen.set(values.last_seen);
  byId('case-contacts').replaceChildren();
  for (const contact of values.contacts || []) addContactRow(contact);
  if (!(values.contacts || []).length) addContactRow({});
  shown = snapshot();
  // For a new card everything shown, prefill included, is to be saved.
  filled = mode?.kind === 'edit' ? shown : emptySnapshot();
  lookUpSimilar();
}

/** What every control shows now, as text: compared with `filled` to find the user's edits. */
function snapshot() {
  const values = Object.fromEntries(SIMPLE_FIELDS.map((name) => [name, control(name).value]));
  values.last_seen = lastSeen.input.value.trim();
  values.contacts = JSON.stringify(readContacts());
  return values;
}

// What the controls would show for an empty card.
function emptySnapshot() {
  const values = Object.fromEntries(SIMPLE_FIELDS.map((name) => [name, '']));
  values.last_seen = '';
  values.contacts = JSON.stringify([]);
  return values;
}

/** The fields the user changed, with their new values as the API takes them. */
function userEdits() {
  if (!filled) return {};
  const now = snapshot();
  const edits = {};
  for (const name of SIMPLE_FIELDS) {
    if (now[name] === filled[name]) continue;
    edits[name] = CARD_FIELDS[name] === 'time' ? fromLocalInputValue(now[name]) : now[name];
  }
  if (now.last_seen !== filled.last_seen) edits.last_seen = lastSeen.read().point;
  if (now.contacts !== filled.contacts) edits.contacts = readContacts();
  return edits;
}

// ---- Contacts --------------------------------------------------------------------------------

function addContactRow(contact) {
  contactCounter += 1;
  const key = `case-contact-${contactCounter}`;
  const cells = CONTACT_FIELDS.map((field) => {
    const label = h('label', { className: 'field-label', htmlFor: `${key}-${field}` });
    setContactLabel(label, field);
    const input = h('input', {
      className: 'field',
      id: `${key}-${field}`,
      type: field === 'phone' ? 'tel' : 'text',
      autocomplete: 'off',
      value: contact[field] ?? '',
      dataset: { contactField: field },
    });
    return h('div', { className: `form-field contact-${field}` }, label, input);
  });
  const remove = h('button', { type: 'button', className: 'button button-quiet contact-remove' });
  remove.dataset.i18n = 'case_form.contact.remove';
  remove.addEventListener('click', () => {
    const list = byId('case-contacts');
    row.remove();
    if (!list.children.length) addContactRow({});
    byId('case-contact-add').focus();
  });
  const row = h('li', { className: 'contact-row' }, cells, remove);
  applyTranslations(row);
  byId('case-contacts').append(row);
  return row;
}

// data-i18n with literal keys, so the i18n test sees them and a language switch re-labels.
function setContactLabel(label, field) {
  switch (field) {
    case 'name':
      label.dataset.i18n = 'case.contact.name';
      break;
    case 'relation':
      label.dataset.i18n = 'case.contact.relation';
      break;
    case 'phone':
      label.dataset.i18n = 'case.contact.phone';
      break;
    default:
      label.dataset.i18n = 'case.contact.note';
  }
}

function readContacts() {
  return [...byId('case-contacts').querySelectorAll('.contact-row')]
    .map((row) => Object.fromEntries(CONTACT_FIELDS.map((field) => [
      field, row.querySelector(`[data-contact-field="${field}"]`).value.trim(),
    ])))
    .filter((row) => CONTACT_FIELDS.some((field) => row[field] !== ''));
}

// ---- Saving --------------------------------------------------------------------------------

function fieldLabel(name) {
  const label = form().querySelector(`label[for="case-form-${name}"]`);
  return label ? label.textContent.replace(/\s*\*\s*$/, '').trim() : name;
}

function markInvalid(input, invalid) {
  if (invalid) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** Checks what the browser can; focuses the first problem and answers false if there is one. */
function validate() {
  const problems = [];
  for (const name of ['full_name', 'category']) {
    const input = control(name);
    const missing = input.value.trim() === '';
    markInvalid(input, missing);
    if (missing) problems.push(input);
  }
  for (const name of ['estimated_age', 'height_cm']) {
    const input = control(name);
    const bad = !input.validity.valid;
    markInvalid(input, bad);
    if (bad) problems.push(input);
  }
  if (!lastSeen.read().ok) problems.push(lastSeen.input);
  if (problems.length === 0) return true;
  showFormError(byId('case-form-error'), t('form.check_fields'));
  problems[0].focus();
  return false;
}

async function save() {
  if (!mode || saving) return;
  showFormError(byId('case-form-error'), null);
  if (!validate()) return;

  const edited = { ...original, ...userEdits() };
  const submit = byId('case-form-submit');
  submit.disabled = true;
  form().setAttribute('aria-busy', 'true');
  saving = true;
  const mine = generation;
  try {
    let saved;
    if (mode.kind === 'edit') {
      const changes = cardChanges(original, edited);
      saved = Object.keys(changes).length === 0
        ? mode.card
        : await api.updateCase(mode.card.id, changes, mode.card.version);
    } else if (mode.kind === 'report') {
      saved = await api.createCaseFromReport(mode.report.id, newCardBody(edited));
    } else {
      saved = await api.createCase(newCardBody(edited));
    }
    if (mine !== generation) return;
    shown = null;
    window.location.hash = href.case(saved.id);
  } catch (error) {
    saving = false;
    if (mine !== generation) return;
    if (error.code === 'stale_version') {
      byId('case-form-conflict').hidden = false;
      byId('case-form-reload').focus();
    } else {
      showFormError(byId('case-form-error'), apiErrorText(error, { fieldLabel }));
      const field = error.details?.field;
      const input = field && form().querySelector(`#case-form-${CSS.escape(field)}`);
      if (input) {
        markInvalid(input, true);
        input.focus();
      }
    }
  } finally {
    submit.disabled = false;
    form().removeAttribute('aria-busy');
  }
}

// After a 409: read the card as it is now and show it; the user's edits are dropped, since they
// were made against a card that no longer exists in that form.
async function reloadAfterConflict() {
  if (mode?.kind !== 'edit') return;
  const mine = ++generation;
  const id = mode.card.id;
  byId('case-form-reload').disabled = true;
  try {
    const card = await api.getCase(id);
    if (mine !== generation) return;
    clearForm();
    mode = { kind: 'edit', card };
    fill(card);
    renderTitle();
    control('full_name').focus();
  } catch (error) {
    if (mine !== generation) return;
    showFormError(byId('case-form-error'), apiErrorText(error));
  } finally {
    byId('case-form-reload').disabled = false;
  }
}

// ---- Possible duplicates ---------------------------------------------------------------------

async function lookUpSimilar() {
  const mine = ++similarGeneration;
  const params = similarQuery({
    full_name: control('full_name').value,
    birth_date: control('birth_date').value,
    person_phone: control('person_phone').value,
  });
  if (!params) {
    renderSimilar([]);
    return;
  }
  try {
    const matches = await api.getSimilarCases(params);
    if (mine !== similarGeneration) return;
    const self = mode?.kind === 'edit' ? mode.card.id : null;
    renderSimilar((Array.isArray(matches) ? matches : []).filter((m) => m.id !== self));
  } catch {
    // A failed look-up must not get in the way of registering the card.
    if (mine === similarGeneration) renderSimilar([]);
  }
}

function renderSimilar(matches) {
  renderSimilarCases(byId('case-similar'), byId('case-similar-list'), matches);
}

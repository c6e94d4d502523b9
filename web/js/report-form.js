// #/reports/new: registering a report (обращение) as it comes in. From a call pop-up
// (#/reports/new?call=<id>) the channel, the caller's number and location and the call are
// filled in already.

import { createReport } from './api.js';
import { callHandled, getCall, setCallInProgress } from './call-popups.js';
import { showFormError } from './dialogs.js';
import { byId, debounce } from './dom.js';
import { getSimilarCases } from './api.js';
import { similarQuery } from './card-fields.js';
import { renderSimilarCases } from './similar-cases.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { pointField } from './point-field.js';
import { href } from './routes.js';
import { formatClock, fromLocalInputValue, toLocalInputValue } from './time.js';

const FIELDS = ['channel', 'caller_name', 'caller_phone', 'caller_location', 'received_at', 'text', 'call_id'];

let locationField = null;
let call = null; // the call this report comes from, if any
let shown = null;
let saving = false;

const form = () => byId('report-form');
const control = (name) => byId(`report-form-${name}`);

export function initReportForm() {
  locationField = pointField(form().querySelector('[data-point-field]'));
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  control('text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save();
    }
  });
  onLanguageChange(renderCallNote);
  const lookUp = debounce(lookUpCases, 400);
  control('caller_phone').addEventListener('input', lookUp);
}

// The caller may be the missing person's relative, or the person: cases with their number.
let lookUpGeneration = 0;

async function lookUpCases() {
  const mine = ++lookUpGeneration;
  const params = similarQuery({ person_phone: control('caller_phone').value });
  if (!params) {
    renderCases([]);
    return;
  }
  try {
    const matches = await getSimilarCases(params);
    if (mine === lookUpGeneration) renderCases(Array.isArray(matches) ? matches : []);
  } catch {
    // A failed look-up must not get in the way of registering the report.
    if (mine === lookUpGeneration) renderCases([]);
  }
}

function renderCases(matches) {
  renderSimilarCases(byId('report-similar'), byId('report-similar-list'), matches);
}

export const reportFormView = {
  show(route) {
    clear();
    call = route.params.call ? getCall(route.params.call) : null;
    control('received_at').value = toLocalInputValue(new Date());
    if (call) {
      control('channel').value = 'phone';
      control('caller_phone').value = call.caller_number || '';
      locationField.set(call.location);
      control('call_id').value = call.call_id || '';
      if (call.received_at) control('received_at').value = toLocalInputValue(call.received_at);
    }
    setCallInProgress(call ? call.id : null);
    renderCallNote();
    lookUpGeneration += 1;
    renderCases([]);
    if (control('caller_phone').value) lookUpCases();
    shown = snapshot();
    (call ? control('caller_name') : control('channel')).focus();
  },
  isDirty() {
    if (saving || !shown) return false;
    const now = snapshot();
    return FIELDS.some((name) => now[name] !== shown[name]);
  },
  hide() {
    setCallInProgress(null);
  },
  reset() {
    clear();
  },
};

function clear() {
  form().reset();
  locationField.clear();
  call = null;
  shown = null;
  saving = false;
  showFormError(byId('report-form-error'), null);
  for (const invalid of form().querySelectorAll('[aria-invalid="true"]')) invalid.removeAttribute('aria-invalid');
  renderCallNote();
}

function snapshot() {
  return Object.fromEntries(FIELDS.map((name) => [name, control(name).value]));
}

function renderCallNote() {
  const note = byId('report-form-call');
  note.hidden = !call;
  note.textContent = call
    ? t('report_form.from_call', {
      number: call.caller_number || t('call.number_hidden'),
      time: formatClock(call.received_at, getLanguage()),
    })
    : '';
}

async function save() {
  if (saving) return;
  const error = byId('report-form-error');
  showFormError(error, null);
  const text = control('text');
  if (!text.value.trim()) {
    text.setAttribute('aria-invalid', 'true');
    showFormError(error, t('form.check_fields'));
    text.focus();
    return;
  }
  text.removeAttribute('aria-invalid');
  const point = locationField.read();
  if (!point.ok) {
    locationField.input.focus();
    return;
  }

  const optional = (name) => control(name).value.trim() || undefined;
  const body = {
    channel: control('channel').value,
    caller_name: optional('caller_name'),
    caller_phone: optional('caller_phone'),
    caller_location: point.point || undefined,
    received_at: fromLocalInputValue(control('received_at').value) || undefined,
    text: text.value.trim(),
    call_id: optional('call_id'),
  };
  const submit = byId('report-form-submit');
  submit.disabled = true;
  saving = true;
  const fromCall = call;
  try {
    const saved = await createReport(body);
    if (fromCall) callHandled(fromCall.id);
    window.location.hash = href.report(saved.id);
  } catch (failure) {
    saving = false;
    showFormError(error, apiErrorText(failure, {
      fieldLabel: (name) => form().querySelector(`label[for="report-form-${name}"]`)?.textContent.trim() || name,
    }));
  } finally {
    submit.disabled = false;
  }
}

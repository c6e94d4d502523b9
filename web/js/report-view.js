// #/reports/<id>: one report and what the dispatcher decides about it: close it (information
// only, a duplicate, passed to the police), link it to an existing case, or turn it into a card.

import * as api from './api.js';
import { statusBadge, urgencyBadge } from './badges.js';
import { closeDialog, openDialog, showFormError } from './dialogs.js';
import { byId, debounce, h, setOptions } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { reportChannelLabel, reportOutcomeLabel } from './labels.js';
import { focusOn } from './map.js';
import { formatPoint, isPoint } from './points.js';
import { href } from './routes.js';
import { setMapPeek } from './side-panel.js';
import { formatTime } from './time.js';

let report = null;
let generation = 0;
let chosenCase = null; // the case picked to link the report to
let pickerGeneration = 0;

export function initReportView({ live }) {
  byId('report-close-button').addEventListener('click', openClose);
  byId('report-link-button').addEventListener('click', () => toggleLink(byId('report-link').hidden));
  byId('report-link-cancel').addEventListener('click', () => toggleLink(false));
  byId('report-link-q').addEventListener('input', debounce(searchCases, 300));
  byId('report-link-results').addEventListener('click', (event) => {
    const option = event.target.closest('[data-case-id]');
    if (!option) return;
    chosenCase = { id: option.dataset.caseId, number: option.dataset.number };
    for (const other of byId('report-link-results').querySelectorAll('[data-case-id]')) {
      other.setAttribute('aria-pressed', String(other === option));
    }
    byId('report-link-submit').disabled = false;
  });
  byId('report-link').addEventListener('submit', (event) => {
    event.preventDefault();
    submitLink();
  });
  byId('report-close-outcomes').addEventListener('change', () => {
    byId('report-close-duplicate-field').hidden = closeOutcome() !== 'duplicate';
  });
  byId('report-view-fields').addEventListener('click', (event) => {
    if (event.target.closest('.report-location') && isPoint(report?.caller_location)) {
      setMapPeek(true);
      focusOn(report.caller_location);
    }
  });
  live.on('report.changed', (message) => {
    if (report && message.report_id === report.id) reload();
  });
  live.on('live.resync', () => {
    if (report) reload();
  });
  onLanguageChange(render);
}

export const reportView = {
  async show(route) {
    const mine = ++generation;
    if (report?.id !== route.id) {
      report = null;
      byId('report-view').hidden = true;
      byId('report-view-loading').hidden = false;
    }
    byId('report-view-error').hidden = true;
    toggleLink(false);
    try {
      const loaded = await api.getReport(route.id);
      if (mine !== generation) return;
      report = loaded;
    } catch (error) {
      if (mine !== generation) return;
      byId('report-view-loading').hidden = true;
      byId('report-view-error').hidden = false;
      byId('report-view-error').textContent = apiErrorText(error);
      return;
    }
    byId('report-view-loading').hidden = true;
    byId('report-view').hidden = false;
    render();
    byId('report-view-title').focus();
  },
  hide() {
    generation += 1;
    closeDialog(byId('report-close-dialog'));
    report = null;
  },
  reset() {
    this.hide();
    byId('report-view').hidden = true;
  },
};

async function reload() {
  const mine = generation;
  const id = report?.id;
  try {
    const loaded = await api.getReport(id);
    if (mine !== generation || report?.id !== id) return;
    report = loaded;
    render();
  } catch {
    // The report on show stays until the next change or visit.
  }
}

const isOpen = (r) => r.outcome === null || r.outcome === undefined;

function render() {
  if (!report) return;
  const lang = getLanguage();
  const r = report;
  const open = isOpen(r);
  byId('report-view-title').textContent = t('report_view.title', { number: r.number });
  const state = byId('report-view-state');
  state.textContent = open ? t('report.open') : reportOutcomeLabel(r.outcome);
  state.className = open ? 'report-state report-state-open' : 'report-state';
  byId('report-view').dataset.open = String(open);

  const rows = [
    [t('report.field.channel'), reportChannelLabel(r.channel)],
    [t('report.field.received_at'), r.received_at ? formatTime(r.received_at, lang) : null],
    [t('report.field.caller_name'), r.caller_name],
    [t('report.field.caller_phone'), r.caller_phone
      ? h('a', { href: `tel:${r.caller_phone.replace(/[^\d+]/g, '')}`, text: r.caller_phone })
      : null],
    [t('report.field.caller_location'), isPoint(r.caller_location)
      ? h('button', { type: 'button', className: 'link-button report-location', text: formatPoint(r.caller_location) })
      : null],
    [t('report.field.registered'), t('report_view.registered', {
      time: formatTime(r.registered_at, lang),
      name: r.registered_by_name || '—',
    })],
  ];
  byId('report-view-fields').replaceChildren(...rows.flatMap(([label, value]) => [
    h('dt', { text: label }),
    h('dd', { className: value ? null : 'field-empty' }, value || '—'),
  ]));
  byId('report-view-text').textContent = r.text || '';

  const outcome = byId('report-view-outcome');
  outcome.hidden = open;
  if (!open) {
    outcome.replaceChildren(
      h('p', { className: 'report-outcome-line' },
        h('strong', { text: reportOutcomeLabel(r.outcome) }),
        r.outcome_at ? ` · ${formatTime(r.outcome_at, lang)}` : ''),
      r.case_id
        ? h('p', {}, h('a', { href: href.case(r.case_id), className: 'report-case-link', text: t('report_view.case', { number: r.case_number || '' }) }))
        : null,
      r.duplicate_of
        ? h('p', {}, h('a', { href: href.report(r.duplicate_of), className: 'report-duplicate-link', text: t('report_view.duplicate_of') }))
        : null,
      r.outcome_note ? h('p', { className: 'report-outcome-note', text: r.outcome_note }) : null,
    );
  }
  byId('report-actions').hidden = !open;
  byId('report-case-button').href = href.caseNew({ fromReport: r.id });
  if (!open) toggleLink(false);
}

// ---- Link to an existing case ----------------------------------------------------------------

function toggleLink(open) {
  byId('report-link').hidden = !open;
  byId('report-link-button').setAttribute('aria-expanded', String(open));
  chosenCase = null;
  byId('report-link-submit').disabled = true;
  showFormError(byId('report-link-error'), null);
  if (!open) {
    byId('report-link').reset();
    byId('report-link-results').replaceChildren();
    return;
  }
  searchCases();
  byId('report-link-q').focus();
}

async function searchCases() {
  const mine = ++pickerGeneration;
  chosenCase = null;
  byId('report-link-submit').disabled = true;
  try {
    const cases = await api.getCases({ q: byId('report-link-q').value.trim(), limit: 20 });
    if (mine !== pickerGeneration) return;
    const list = Array.isArray(cases) ? cases : [];
    byId('report-link-results').replaceChildren(...(list.length ? list.map((c) => h('li', {},
      h('button', {
        type: 'button',
        className: 'picker-option',
        dataset: { caseId: c.id, number: c.number },
        attrs: { 'aria-pressed': 'false' },
      },
      urgencyBadge(c.urgency),
      h('span', { className: 'record-number', text: c.number }),
      h('span', { className: 'picker-option-name', text: c.full_name }),
      statusBadge(c.status)))) : [h('li', { className: 'panel-note', text: t('cases.list.empty') })]));
  } catch (error) {
    if (mine !== pickerGeneration) return;
    showFormError(byId('report-link-error'), apiErrorText(error));
  }
}

async function submitLink() {
  if (!report || !chosenCase) return;
  const id = report.id;
  const submit = byId('report-link-submit');
  submit.disabled = true;
  try {
    const updated = await api.linkReport(id, chosenCase.id, byId('report-link-note').value.trim());
    if (report?.id !== id) return;
    report = updated;
    toggleLink(false);
    render();
    byId('report-view-title').focus();
  } catch (error) {
    submit.disabled = false;
    showFormError(byId('report-link-error'), apiErrorText(error));
  }
}

// ---- Close -----------------------------------------------------------------------------------

const closeOutcome = () => byId('report-close-form').elements.namedItem('outcome').value;

async function openClose() {
  if (!report) return;
  const id = report.id;
  const form = byId('report-close-form');
  form.reset();
  byId('report-close-duplicate-field').hidden = true;
  setOptions(byId('report-close-duplicate'), [['', t('report.close.duplicate_none')]]);
  openDialog(byId('report-close-dialog'), async () => {
    const outcome = closeOutcome();
    if (!outcome) {
      showFormError(byId('report-close-error'), t('report.close.outcome_required'));
      form.querySelector('input[name="outcome"]').focus();
      return false;
    }
    const body = { outcome, note: byId('report-close-note').value.trim() };
    if (outcome === 'duplicate' && byId('report-close-duplicate').value) body.duplicate_of = byId('report-close-duplicate').value;
    try {
      const updated = await api.closeReport(id, body);
      if (report?.id === id) {
        report = updated;
        render();
      }
      return true;
    } catch (error) {
      showFormError(byId('report-close-error'), apiErrorText(error));
      return false;
    }
  });
  form.querySelector('input[name="outcome"]').focus();

  // Reports from the same number are the likely originals of a duplicate.
  try {
    const others = await api.getReports({ q: report?.caller_phone || undefined, limit: 30 });
    if (report?.id !== id) return;
    setOptions(byId('report-close-duplicate'), [
      ['', t('report.close.duplicate_none')],
      ...(Array.isArray(others) ? others : []).filter((other) => other.id !== id).map((other) => [other.id,
        [other.number, formatTime(other.received_at || other.registered_at, getLanguage()),
          other.caller_name || other.caller_phone].filter(Boolean).join(' · ')]),
    ]);
  } catch {
    // Without the list the report can still be closed as a duplicate, with a note.
  }
}

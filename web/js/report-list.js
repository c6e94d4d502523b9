// #/reports: reports (обращения), open ones first, with an open/all filter and a search box.

import { getReports } from './api.js';
import { byId, debounce, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { reportChannelLabel, reportOutcomeLabel } from './labels.js';
import { href } from './routes.js';
import { formatTime } from './time.js';

let reports = [];
let state = 'idle'; // idle | loading | loaded | error
let lastError = null;
let generation = 0;
let visible = false;

export function initReportList({ live }) {
  const filters = byId('report-filters');
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  filters.addEventListener('change', (event) => {
    if (event.target.name === 'open') load();
  });
  byId('report-filter-q').addEventListener('input', debounce(() => load(), 300));
  onLanguageChange(render);
  const refresh = debounce(() => {
    if (visible) load();
  }, 1000);
  live.on('report.changed', refresh);
  live.on('live.resync', refresh);
}

export const reportListView = {
  show() {
    visible = true;
    load();
  },
  hide() {
    visible = false;
  },
  reset() {
    generation += 1;
    reports = [];
    state = 'idle';
    byId('report-filters').reset();
    render();
  },
};

async function load() {
  const mine = ++generation;
  state = 'loading';
  render();
  const onlyOpen = byId('report-filters').elements.namedItem('open').value !== 'all';
  try {
    const answer = await getReports({ open: onlyOpen ? 'true' : undefined, q: byId('report-filter-q').value.trim() });
    if (mine !== generation) return;
    // Newest first from the server; open ones are moved up, keeping that order within each.
    const list = Array.isArray(answer) ? answer : [];
    reports = [...list.filter(isOpen), ...list.filter((r) => !isOpen(r))];
    state = 'loaded';
  } catch (error) {
    if (mine !== generation) return;
    lastError = error;
    state = 'error';
  }
  render();
}

const isOpen = (report) => report.outcome === null || report.outcome === undefined;

function render() {
  byId('report-rows-loading').hidden = !(state === 'loading' && reports.length === 0);
  const errorLine = byId('report-rows-error');
  errorLine.hidden = state !== 'error';
  errorLine.textContent = state === 'error' ? apiErrorText(lastError) : '';
  byId('report-rows-empty').hidden = !(state === 'loaded' && reports.length === 0);
  byId('report-rows').replaceChildren(...reports.map(reportRow));
}

/** One report as a line: number, channel, time, caller, text, state. Also used by "My shift". */
export function reportRow(report) {
  const open = isOpen(report);
  const caller = [report.caller_name, report.caller_phone].filter(Boolean).join(', ');
  return h('li', {},
    h('a', {
      className: 'record-row report-row',
      href: href.report(report.id),
      dataset: { reportId: report.id, open: String(open), outcome: report.outcome || '' },
    },
    h('span', { className: 'record-row-head' },
      h('span', { className: 'record-number', text: report.number }),
      h('span', { className: 'report-channel', text: reportChannelLabel(report.channel) }),
      h('span', { className: 'record-time', text: formatTime(report.received_at || report.registered_at, getLanguage()) }),
      h('span', {
        className: open ? 'report-state report-state-open' : 'report-state',
        text: open ? t('report.open') : reportOutcomeLabel(report.outcome),
      })),
    caller ? h('span', { className: 'record-title', text: caller }) : null,
    report.text ? h('span', { className: 'record-excerpt', text: report.text }) : null));
}

// #/callouts: the call-out composer (js/callout-composer.js) and the recent call-outs with their
// headcounts, each opening its answer board (js/callout-board.js). Kept current from the live
// channel: a call-out sent from another console, answers coming in.

import * as api from './api.js';
import { composerDirty, initCalloutComposer, resetComposer, showComposer } from './callout-composer.js';
import { calloutState } from './callout-headcount.js';
import { byId, debounce, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, onLanguageChange, t } from './i18n.js';
import { href } from './routes.js';
import { formatTime } from './time.js';

let callouts = [];
let loaded = false;
let generation = 0;
let visible = false;

export function initCallouts({ live }) {
  initCalloutComposer({ sent: () => loadRecent() });
  byId('callouts-refresh').addEventListener('click', loadRecent);
  const reloadSoon = debounce(() => {
    if (visible) loadRecent();
  }, 1500);
  for (const type of ['alert.sent', 'alert.answer', 'alert.escalated', 'live.resync']) live.on(type, reloadSoon);
  onLanguageChange(render);
}

export const calloutsView = {
  show(route) {
    visible = true;
    showComposer({ caseId: route.params?.case || null });
    loadRecent();
  },
  hide() {
    visible = false;
  },
  isDirty: composerDirty,
  reset() {
    generation += 1;
    visible = false;
    callouts = [];
    loaded = false;
    resetComposer();
    render();
  },
};

async function loadRecent() {
  const mine = ++generation;
  const error = byId('callouts-error');
  try {
    const answer = await api.getCallouts();
    if (mine !== generation) return;
    callouts = answer;
    loaded = true;
    error.hidden = true;
  } catch (failure) {
    if (mine !== generation) return;
    error.hidden = false;
    error.textContent = apiErrorText(failure);
  }
  render();
}

function render() {
  byId('callouts-empty').hidden = !(loaded && callouts.length === 0);
  byId('callout-list').replaceChildren(...callouts.map(calloutRow));
}

function calloutRow(c) {
  const lang = getLanguage();
  const status = calloutState(c);
  const going = Number(c.going) || 0;
  const headcount = Number.isFinite(c.needed)
    ? t('callouts.going_of', { going, needed: c.needed })
    : t('callouts.going', { going });
  const facts = [
    t('callouts.cant', { n: Number(c.cant) || 0 }),
    t('callouts.recipients', { n: Number(c.recipients) || 0 }),
  ];
  if (c.sent_by_name) facts.push(c.sent_by_name);
  return h('li', {},
    h('a', {
      className: 'record-row callout-row',
      href: href.callout(c.id),
      dataset: { alertId: c.id, state: status, urgent: String(Boolean(c.urgent)) },
    },
    h('span', { className: 'record-row-head' },
      h('span', { className: 'board-state', dataset: { state: status }, text: stateWord(status) }),
      c.urgent ? h('span', { className: 'alert-urgent', text: t('alert.urgent') }) : null,
      h('span', { className: 'record-time', text: c.sent_at ? formatTime(c.sent_at, lang) : '' })),
    h('span', { className: 'record-title', text: c.title || c.text || '' }),
    h('span', { className: 'callout-row-count', dataset: { going }, text: headcount }),
    h('span', { className: 'record-facts', text: facts.join(' · ') })));
}

function stateWord(status) {
  if (status === 'closed') return t('board.state.closed');
  if (status === 'expired') return t('board.state.expired');
  return t('board.state.open');
}

// News from the field, on every staff console whatever is on show: a volunteer opened the phone
// app ("volunteer.app_opened"), or started sharing their position ("volunteer.first_fix", also
// sent when they come back after being offline). A short notice at the bottom of the screen,
// read out politely by screen readers; its link opens the live map on that volunteer. Notices go
// by themselves after a while, or with their close button.

import { byId, h } from './dom.js';
import { getLanguage, t } from './i18n.js';
import { href } from './routes.js';
import { formatClock } from './time.js';

const SHOWN_FOR_MS = 30000;
const MOST_SHOWN = 4;

export function initFieldNews({ live }) {
  live.on('volunteer.app_opened', (message) => {
    const v = message.volunteer;
    if (v?.id) show('app_opened', v, message.at, t('news.app_opened', { name: v.name || '' }));
  });
  live.on('volunteer.first_fix', (message) => {
    const v = message.volunteer;
    if (v?.id) show('first_fix', v, message.at, t('news.first_fix', { name: v.name || '' }));
  });
  byId('news-toasts').addEventListener('click', (event) => {
    const toast = event.target.closest('.news-toast');
    // After the click: the link's navigation goes first.
    if (toast && event.target.closest('.news-toast-dismiss, .news-toast-link')) setTimeout(() => toast.remove(), 0);
  });
}

/** Removes every notice (logout). */
export function clearFieldNews() {
  byId('news-toasts').replaceChildren();
}

function show(kind, volunteer, at, text) {
  const box = byId('news-toasts');
  const toast = h('div', { className: 'news-toast', dataset: { kind, volunteerId: volunteer.id } },
    h('a', { className: 'news-toast-link', href: href.map({ volunteer: volunteer.id }), text }),
    at ? h('time', { className: 'news-toast-time', dateTime: at, text: formatClock(at, getLanguage()) }) : null,
    h('button', {
      type: 'button',
      className: 'news-toast-dismiss',
      text: '×',
      attrs: { 'aria-label': t('news.dismiss') },
    }));
  box.append(toast);
  while (box.children.length > MOST_SHOWN) box.firstElementChild.remove();
  setTimeout(() => expire(toast), SHOWN_FOR_MS);
}

// A notice someone is about to click (pointer over it, or the keyboard in it) stays a while.
function expire(toast) {
  if (!toast.isConnected) return;
  if (toast.matches(':hover') || toast.contains(document.activeElement)) {
    setTimeout(() => expire(toast), 5000);
    return;
  }
  toast.remove();
}

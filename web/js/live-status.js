// The note in the navigation bar that says the live channel is down: without it no call pop-up,
// no new log entry and no overdue task would arrive, and the dispatcher must know that.

import { byId } from './dom.js';

// A short drop (a server restart) is not worth a flicker.
const SHOW_AFTER_MS = 4000;

let timer = null;

export function initLiveStatus({ live }) {
  live.on('live.status', ({ state }) => {
    const note = byId('live-status');
    note.dataset.state = state;
    if (state === 'open') {
      clearTimeout(timer);
      timer = null;
      note.hidden = true;
      return;
    }
    // Retries switch between "connecting" and "closed"; the count starts at the first drop.
    if (timer !== null || !note.hidden) return;
    timer = setTimeout(() => {
      timer = null;
      note.hidden = live.state === 'open' || document.body.dataset.screen !== 'main';
    }, SHOW_AFTER_MS);
  });
}

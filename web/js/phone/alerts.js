// The alerts a volunteer has received: each shown once however often the server sends it
// (it sends unread ones again after every reconnect), newest first, with whether the volunteer
// has seen it and the answer given. No DOM here, so tests/phone-alerts.test.mjs runs it in node.

/** Alerts kept on the phone; older ones fall off. */
export const ALERTS_KEPT = 100;

const sentAt = (entry) => Date.parse(entry.sent_at) || 0;

// `title`: a call-out's (docs/volunteers.md); operation messages have none.
const SERVER_FIELDS = ['case_id', 'title', 'text', 'location', 'urgent', 'asks_answer', 'from', 'sent_at'];

/**
 * The alert book. `saved`: what toJSON() gave before (the app shows the alerts with no signal).
 * Entries: the alert's fields plus `read` (seen here), `answer` ("going" | "cant" | null),
 * `eta`, and `answerState`: "none", "sending" (kept in the outbox) or "stored" (acknowledged,
 * or known to the server when it sent the alert).
 */
export function createAlertBook(saved = []) {
  const entries = new Map();
  for (const entry of Array.isArray(saved) ? saved : []) {
    if (entry && typeof entry.id === 'string') entries.set(entry.id, { ...entry });
  }

  const trim = () => {
    if (entries.size <= ALERTS_KEPT) return;
    for (const entry of book.list().slice(ALERTS_KEPT)) entries.delete(entry.id);
  };

  const book = {
    /** Takes an alert message; `isNew` is false when this id was shown already. */
    receive(alert) {
      if (!alert || typeof alert.id !== 'string') return { entry: null, isNew: false };
      const known = entries.get(alert.id);
      const entry = known || { id: alert.id, read: false, answer: null, eta: null, answerState: 'none' };
      for (const field of SERVER_FIELDS) {
        if (alert[field] !== undefined) entry[field] = alert[field];
      }
      entry.urgent = Boolean(entry.urgent);
      entry.asks_answer = Boolean(entry.asks_answer);
      // The server knows an answer (given from this phone before it was wiped, or another one);
      // an answer still on its way from here is newer.
      if (alert.answer && entry.answerState !== 'sending') {
        entry.answer = alert.answer;
        entry.answerState = 'stored';
      }
      entries.set(alert.id, entry);
      trim();
      return { entry, isNew: !known };
    },

    get: (id) => entries.get(id) || null,

    /** Marks an alert seen; true if it was unread. */
    markRead(id) {
      const entry = entries.get(id);
      if (!entry || entry.read) return false;
      entry.read = true;
      return true;
    },

    /** Records the volunteer's answer, on its way to the server. */
    answer(id, answer, eta = null) {
      const entry = entries.get(id);
      if (!entry) return null;
      entry.answer = answer;
      entry.eta = answer === 'going' ? eta : null;
      entry.answerState = 'sending';
      entry.read = true;
      return entry;
    },

    /** The server stored the answer. */
    answerStored(id) {
      const entry = entries.get(id);
      if (!entry || !entry.answer) return false;
      entry.answerState = 'stored';
      return true;
    },

    /** Newest first. */
    list: () => [...entries.values()].sort((a, b) => sentAt(b) - sentAt(a)),

    unreadCount: () => [...entries.values()].filter((entry) => !entry.read).length,

    clear: () => entries.clear(),

    toJSON: () => book.list(),
  };
  return book;
}

/**
 * The arrival time "HH:MM" as RFC 3339: today, or tomorrow when that time of today is more than
 * an hour gone (a volunteer answering at 23:40 "00:30" means after midnight). Null if unreadable.
 */
export function etaFromTime(value, now = new Date()) {
  const match = /^(\d{1,2}):(\d{2})$/.exec(String(value ?? '').trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return null;
  const eta = new Date(now.getFullYear(), now.getMonth(), now.getDate(), hours, minutes);
  if (eta.getTime() < now.getTime() - 60 * 60 * 1000) eta.setDate(eta.getDate() + 1);
  return eta.toISOString();
}

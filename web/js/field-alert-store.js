// Field alerts (docs/coverage.md, "Field alerts"): a volunteer off the task's squares and route,
// a group silent too long. The alerts this console knows, by id, from the operations' lists
// (GET /api/operations/{id}/field-alerts) and the live "field_alert" messages (raised, and
// acknowledged): each alert's state, the open ones across operations for the banner, an
// operation's own for its tab. No DOM here, so tests/field-alert-store.test.mjs runs it in node;
// js/field-alerts.js shows them.

/** The kinds of alert the server raises. */
export const FIELD_ALERT_KINDS = ['off_task', 'silent_group'];

/**
 * An alert's state: "acknowledged" (a dispatcher saw to it), "cleared" (the condition ended by
 * itself, not yet acknowledged) or "open".
 */
export function alertState(alert) {
  if (alert?.acknowledged_at) return 'acknowledged';
  if (alert?.cleared_at) return 'cleared';
  return 'open';
}

/** Whether the alert still asks for a dispatcher (open, or cleared but not acknowledged). */
export const needsAcknowledging = (alert) => alertState(alert) !== 'acknowledged';

const time = (iso) => {
  const ms = Date.parse(iso ?? '');
  return Number.isFinite(ms) ? ms : 0;
};

/** Newest first, as the server lists them: by the time raised, then by id. */
export function byNewest(a, b) {
  return (time(b.raised_at) - time(a.raised_at)) || String(b.id).localeCompare(String(a.id));
}

/** Whole minutes from `since` to `now` (0 when unknown or in the future). */
export function minutesSince(since, now = Date.now()) {
  const ms = Date.parse(since ?? '');
  if (!Number.isFinite(ms)) return 0;
  return Math.max(0, Math.floor((now - ms) / 60000));
}

/**
 * The alerts known. `put(alert)` takes one (a live message, an acknowledgement answered);
 * `replaceOperation(id, list)` takes an operation's whole list as read (alerts of it no longer
 * listed are dropped); `forgetOperation(id)` drops an operation's. Listeners are called after
 * each change.
 */
export function createFieldAlertStore() {
  const alerts = new Map(); // id -> alert
  const listeners = new Set();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };

  const valid = (alert) => alert && typeof alert === 'object' && alert.id !== undefined && alert.id !== null;

  // An acknowledgement is final: an older copy of the alert (a list read before it) does not
  // bring the alert back.
  function keep(alert) {
    const known = alerts.get(String(alert.id));
    if (known?.acknowledged_at && !alert.acknowledged_at) return false;
    if (known && JSON.stringify(known) === JSON.stringify(alert)) return false;
    alerts.set(String(alert.id), alert);
    return true;
  }

  return {
    /** Listens to changes; answers the function that stops listening. */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Takes one alert; answers whether anything changed. */
    put(alert) {
      if (!valid(alert)) return false;
      const did = keep(alert);
      if (did) changed();
      return did;
    },

    /** Takes an operation's list as read; answers whether anything changed. */
    replaceOperation(operationId, list) {
      const id = String(operationId);
      const listed = new Set();
      let did = false;
      for (const alert of Array.isArray(list) ? list : []) {
        if (!valid(alert)) continue;
        listed.add(String(alert.id));
        if (keep({ ...alert, operation_id: alert.operation_id ?? operationId })) did = true;
      }
      for (const [key, alert] of alerts) {
        if (String(alert.operation_id) === id && !listed.has(key)) {
          alerts.delete(key);
          did = true;
        }
      }
      if (did) changed();
      return did;
    },

    get(id) {
      return alerts.get(String(id)) ?? null;
    },

    /** An operation's alerts, newest first (all states). */
    forOperation(operationId) {
      const id = String(operationId);
      return [...alerts.values()].filter((alert) => String(alert.operation_id) === id).sort(byNewest);
    },

    /** The alerts still to acknowledge, across operations, newest first. */
    unacknowledged() {
      return [...alerts.values()].filter(needsAcknowledging).sort(byNewest);
    },

    clear() {
      if (alerts.size === 0) return;
      alerts.clear();
      changed();
    },
  };
}

// The squares of the operations someone looks at, read from the server and read again when the
// live channel says they changed. "coverage.changed" can come several times a second while
// volunteers walk; each operation is read at most once per `intervalMs`, never twice at the
// same time, and a change heard during a read or a pause is read after it (nothing is missed,
// nothing piles up). No DOM here: `load` and the timers are passed in, so
// tests/squares-store.test.mjs runs it in node with fakes. js/operation-areas.js keeps the
// operations' lists of areas (their share swept) the same way.

/**
 * `load(operationId)` answers a promise of the GeoJSON FeatureCollection of its squares (or of
 * whatever else is kept per operation: js/operation-areas.js keeps its list of areas).
 * Subscribers get `{collection, error}`: the newest collection read (null before the first),
 * and the failure of the last read, or null.
 */
export function createSquaresStore({
  load,
  intervalMs = 1000,
  timers = globalThis,
  now = () => Date.now(),
}) {
  const entries = new Map(); // operation id -> {listeners, collection, error, dirty, urgent, loading, timer, lastStart}

  function notify(entry) {
    for (const listener of [...entry.listeners]) listener({ collection: entry.collection, error: entry.error });
  }

  function pump(id, entry) {
    if (entries.get(id) !== entry || !entry.dirty || entry.loading || entry.timer !== null) return;
    const wait = entry.urgent ? 0 : entry.lastStart + intervalMs - now();
    if (wait > 0) {
      entry.timer = timers.setTimeout(() => {
        entry.timer = null;
        pump(id, entry);
      }, wait);
      return;
    }
    entry.dirty = false;
    entry.urgent = false;
    entry.loading = true;
    entry.lastStart = now();
    Promise.resolve()
      .then(() => load(id))
      .then((collection) => {
        entry.collection = collection ?? { type: 'FeatureCollection', features: [] };
        entry.error = null;
      }, (error) => {
        entry.error = error ?? new Error('load failed');
      })
      .finally(() => {
        entry.loading = false;
        if (entries.get(id) !== entry) return; // nobody looks any more
        notify(entry);
        pump(id, entry);
      });
  }

  return {
    /**
     * Calls `listener` with the squares of `operationId` now (if known) and after every read;
     * reads them unless a read is under way. Returns the function that stops listening.
     */
    watch(operationId, listener) {
      const id = String(operationId);
      let entry = entries.get(id);
      if (!entry) {
        entry = {
          listeners: new Set(), collection: null, error: null, dirty: true, urgent: false, loading: false, timer: null,
          lastStart: -Infinity,
        };
        entries.set(id, entry);
      }
      entry.listeners.add(listener);
      if (entry.collection || entry.error) listener({ collection: entry.collection, error: entry.error });
      pump(id, entry);
      return () => {
        entry.listeners.delete(listener);
        if (entry.listeners.size > 0 || entries.get(id) !== entry) return;
        if (entry.timer !== null) timers.clearTimeout(entry.timer);
        entries.delete(id);
      };
    },

    /**
     * The squares of `operationId` changed: they are read again if someone looks at them. With
     * `now` (this console changed them: new squares, a recompute), without waiting out the pause,
     * though still after a read under way.
     */
    changed(operationId, { now: urgent = false } = {}) {
      const id = String(operationId);
      const entry = entries.get(id);
      if (!entry) return false;
      entry.dirty = true;
      if (urgent) {
        entry.urgent = true;
        if (entry.timer !== null) timers.clearTimeout(entry.timer);
        entry.timer = null;
      }
      pump(id, entry);
      return true;
    },

    /** Everything is read again (the language changed, or the live channel missed notices). */
    refreshAll() {
      for (const [id, entry] of entries) {
        entry.dirty = true;
        pump(id, entry);
      }
    },

    /** The newest squares of `operationId` read, or null. */
    get(operationId) {
      return entries.get(String(operationId))?.collection ?? null;
    },

    /** Whether someone looks at `operationId`. */
    watches(operationId) {
      return entries.has(String(operationId));
    },
  };
}

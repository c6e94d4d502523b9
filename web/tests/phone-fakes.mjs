// Fakes for the phone app's tests: a WebSocket, timers and a clock under the test's control,
// and a storage that records every write (the in-memory storage from js/phone/storage.js).
// Not a test file itself (the runner picks up *.test.mjs only).

import { createMemoryStorage } from '../js/phone/storage.js';

/** Lets pending promise callbacks (the outbox's storage writes) run. */
export async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A clock starting at `start` ms, timers that fire only when the test advances the clock. */
export function fakeTime(start = Date.UTC(2026, 10, 22, 5, 0, 0)) {
  let clock = start;
  let nextId = 1;
  const pending = [];
  const timers = {
    setTimeout(fn, ms) { const id = nextId++; pending.push({ id, at: clock + ms, fn }); return id; },
    clearTimeout(id) { const i = pending.findIndex((x) => x.id === id); if (i >= 0) pending.splice(i, 1); },
    setInterval(fn, ms) { const id = nextId++; pending.push({ id, at: clock + ms, fn, every: ms }); return id; },
    clearInterval(id) { timers.clearTimeout(id); },
  };
  /** Moves the clock on, firing due timers in order, and lets their async work finish. */
  async function advance(ms) {
    const until = clock + ms;
    for (;;) {
      pending.sort((a, b) => a.at - b.at);
      const due = pending[0];
      if (!due || due.at > until) break;
      clock = due.at;
      if (due.every) due.at += due.every;
      else pending.shift();
      due.fn();
      await settle();
    }
    clock = until;
    await settle();
  }
  return { timers, advance, now: () => clock };
}

/** A WebSocket class whose instances the test opens, feeds and drops. */
export function fakeSockets() {
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closed = false;
      this.onSend = null;
      sockets.push(this);
    }
    send(text) {
      const message = JSON.parse(text);
      this.sent.push(message);
      this.onSend?.(message);
    }
    close() { this.closed = true; this.readyState = 3; }
    // Test controls:
    open() { this.readyState = 1; this.onopen?.(); }
    receive(message) { this.onmessage?.({ data: JSON.stringify(message) }); }
    drop() { this.readyState = 3; this.onclose?.({ code: 1006 }); }
    sentOf(type) { return this.sent.filter((m) => m.type === type); }
  }
  return { FakeSocket, sockets, last: () => sockets.at(-1) };
}

/** The in-memory storage, with a log of the stores each write touched. */
export function recordingStorage() {
  const storage = createMemoryStorage();
  const writes = [];
  const write = storage.write.bind(storage);
  storage.write = async (ops, options) => {
    writes.push(ops.map((op) => (op.put ? `put ${op.put}` : `delete ${op.delete}`)));
    return write(ops, options);
  };
  storage.writes = writes;
  return storage;
}

/** A fix at `seconds` after the fake clock's start. */
export function fixAt(seconds, lat = 56.1, lon = 36.8) {
  return { time: new Date(Date.UTC(2026, 10, 22, 5, 0, seconds)).toISOString(), lat, lon, accuracy: 5 };
}

export const WELCOME = {
  type: 'welcome',
  protocol: 1,
  volunteer: { id: '0b6f0000-0000-4000-8000-000000000001', name: 'Илья «Сокол»' },
  server_time: '2026-11-22T05:00:00Z',
  max_fixes_per_batch: 500,
  max_message_bytes: 262144,
};

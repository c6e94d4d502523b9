// The squares of watched operations (js/squares-store.js): read at once, read again when they
// change but at most once a second per operation, never twice at the same time, nothing missed.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createSquaresStore } from '../js/squares-store.js';

function fakeTimers() {
  let clock = 0;
  let next = 1;
  const pending = new Map();
  return {
    now: () => clock,
    setTimeout(fn, ms) {
      const id = next++;
      pending.set(id, { fn, at: clock + ms });
      return id;
    },
    clearTimeout(id) {
      pending.delete(id);
    },
    get pending() {
      return pending.size;
    },
    async advance(ms) {
      const until = clock + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        clock = due[1].at;
        due[1].fn();
        await settle();
      }
      clock = until;
      await settle();
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

// A server whose answers are released by hand.
function fakeServer() {
  const calls = [];
  return {
    calls,
    load(id) {
      return new Promise((resolve, reject) => calls.push({ id, resolve, reject }));
    },
    answer(index, label) {
      calls[index].resolve({ type: 'FeatureCollection', features: [{ properties: { label } }] });
    },
  };
}

const labelOf = (seen) => seen.collection?.features[0]?.properties.label;

test('watching an operation reads its squares and hands them over', async () => {
  const timers = fakeTimers();
  const server = fakeServer();
  const store = createSquaresStore({ load: (id) => server.load(id), timers, now: timers.now });
  const seen = [];
  store.watch('op1', (update) => seen.push(update));
  await settle();
  assert.equal(server.calls.length, 1);
  assert.equal(server.calls[0].id, 'op1');
  server.answer(0, 'А-1');
  await settle();
  assert.equal(labelOf(seen.at(-1)), 'А-1');
  assert.equal(store.get('op1').features.length, 1);
});

test('a burst of changes makes one read at once and one more a second later, not one each', async () => {
  const timers = fakeTimers();
  const server = fakeServer();
  const store = createSquaresStore({ load: (id) => server.load(id), timers, now: timers.now });
  const seen = [];
  store.watch('op1', (update) => seen.push(update));
  await settle();
  server.answer(0, 'first');
  await settle();

  for (let i = 0; i < 10; i += 1) {
    store.changed('op1');
    await timers.advance(50);
  }
  // The first read was at 0 ms: the next may start at 1000 ms.
  assert.equal(server.calls.length, 1, 'nothing read again within the second');
  await timers.advance(1000);
  assert.equal(server.calls.length, 2, 'one read for all ten changes');
  server.answer(1, 'second');
  await settle();
  assert.equal(labelOf(seen.at(-1)), 'second');
  await timers.advance(5000);
  assert.equal(server.calls.length, 2, 'nothing more without a change');
});

test('a change heard while a read is under way is read after it, never two at once', async () => {
  const timers = fakeTimers();
  const server = fakeServer();
  const store = createSquaresStore({ load: (id) => server.load(id), timers, now: timers.now });
  store.watch('op1', () => {});
  await settle();
  await timers.advance(1500);
  store.changed('op1'); // the first read has not answered yet
  await timers.advance(3000);
  assert.equal(server.calls.length, 1, 'waits for the read under way');
  server.answer(0, 'old');
  await settle();
  assert.equal(server.calls.length, 2, 'then reads the change at once (a second has passed)');
});

test('operations are paced apart, and changes of an operation nobody watches are ignored', async () => {
  const timers = fakeTimers();
  const server = fakeServer();
  const store = createSquaresStore({ load: (id) => server.load(id), timers, now: timers.now });
  store.watch('op1', () => {});
  store.watch('op2', () => {});
  await settle();
  assert.deepEqual(server.calls.map((c) => c.id), ['op1', 'op2']);
  assert.equal(store.changed('op3'), false);
  await timers.advance(2000);
  assert.equal(server.calls.length, 2);
});

test('a failed read is reported and the next change tries again', async () => {
  const timers = fakeTimers();
  const server = fakeServer();
  const store = createSquaresStore({ load: (id) => server.load(id), timers, now: timers.now });
  const seen = [];
  store.watch('op1', (update) => seen.push(update));
  await settle();
  server.calls[0].reject(Object.assign(new Error('down'), { code: 'network_error' }));
  await settle();
  assert.equal(seen.at(-1).error.code, 'network_error');
  assert.equal(seen.at(-1).collection, null);
  store.changed('op1');
  await timers.advance(1000);
  assert.equal(server.calls.length, 2);
  server.answer(1, 'back');
  await settle();
  assert.equal(seen.at(-1).error, null);
  assert.equal(labelOf(seen.at(-1)), 'back');
});

test('when the last watcher leaves, pending reads are dropped and a late answer is not handed over', async () => {
  const timers = fakeTimers();
  const server = fakeServer();
  const store = createSquaresStore({ load: (id) => server.load(id), timers, now: timers.now });
  const seen = [];
  const stop = store.watch('op1', (update) => seen.push(update));
  await settle();
  stop();
  server.answer(0, 'late');
  await settle();
  assert.deepEqual(seen, []);
  assert.equal(store.watches('op1'), false);
  assert.equal(store.get('op1'), null);

  const again = store.watch('op1', (update) => seen.push(update));
  await settle();
  server.answer(1, 'fresh');
  await settle();
  store.changed('op1');
  assert.equal(timers.pending, 1, 'a read waits for its second');
  again();
  assert.equal(timers.pending, 0, 'and is dropped with the last watcher');
});

test('a second watcher gets what is known at once, without another read', async () => {
  const timers = fakeTimers();
  const server = fakeServer();
  const store = createSquaresStore({ load: (id) => server.load(id), timers, now: timers.now });
  store.watch('op1', () => {});
  await settle();
  server.answer(0, 'known');
  await settle();
  const seen = [];
  store.watch('op1', (update) => seen.push(update));
  assert.equal(labelOf(seen[0]), 'known');
  await settle();
  assert.equal(server.calls.length, 1);
  store.refreshAll();
  await timers.advance(1000);
  assert.equal(server.calls.length, 2, 'refreshAll reads again (the language changed)');
});

test('a change made here is read without waiting out the pause, but after a read under way', async () => {
  const timers = fakeTimers();
  const server = fakeServer();
  const store = createSquaresStore({ load: (id) => server.load(id), timers, now: timers.now, intervalMs: 5000 });
  store.watch('op1', () => {});
  await settle();
  server.answer(0, 'first');
  await settle();
  store.changed('op1'); // a coverage notice: waits for its five seconds
  assert.equal(server.calls.length, 1);
  store.changed('op1', { now: true }); // squares drawn here: read at once
  await settle();
  assert.equal(server.calls.length, 2);
  store.changed('op1', { now: true });
  await settle();
  assert.equal(server.calls.length, 2, 'not while the read is under way');
  server.answer(1, 'second');
  await settle();
  assert.equal(server.calls.length, 3, 'then at once');
  assert.equal(timers.pending, 0);
});

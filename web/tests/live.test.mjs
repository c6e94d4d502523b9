// The live channel: message dispatch, reconnection with backoff, keep-alive (js/live.js), run
// with a fake WebSocket and fake timers.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createDispatcher, createLiveChannel, liveUrl, reconnectDelay } from '../js/live.js';

test('messages go to the handlers of their type, then to "*"', () => {
  const dispatcher = createDispatcher();
  const seen = [];
  dispatcher.on('call.incoming', (m) => seen.push(['call', m.call.id]));
  const off = dispatcher.on('journal.entry', (m) => seen.push(['journal', m.entry.id]));
  dispatcher.on('*', (m) => seen.push(['any', m.type]));

  assert.equal(dispatcher.dispatch('{"type":"call.incoming","call":{"id":"k1"}}'), 2);
  assert.equal(dispatcher.dispatch({ type: 'journal.entry', entry: { id: 7 } }), 2);
  off();
  assert.equal(dispatcher.dispatch('{"type":"journal.entry","entry":{"id":8}}'), 1);
  assert.deepEqual(seen, [['call', 'k1'], ['any', 'call.incoming'], ['journal', 7], ['any', 'journal.entry'], ['any', 'journal.entry']]);
});

test('unreadable messages are dropped without reaching a handler', () => {
  const dispatcher = createDispatcher();
  let calls = 0;
  dispatcher.on('*', () => { calls += 1; });
  for (const bad of ['not json', '[]', '{"no":"type"}', '{"type":5}', 'null']) {
    assert.equal(dispatcher.dispatch(bad), -1, bad);
  }
  assert.equal(calls, 0);
});

test('a failing handler does not stop the others', () => {
  const errors = [];
  const dispatcher = createDispatcher({ onHandlerError: (e) => errors.push(e.message) });
  const seen = [];
  dispatcher.on('pong', () => { throw new Error('boom'); });
  dispatcher.on('pong', () => seen.push('second'));
  dispatcher.dispatch('{"type":"pong"}');
  assert.deepEqual(seen, ['second']);
  assert.deepEqual(errors, ['boom']);
});

test('reconnect pauses double up to 30 s, with up to ±25% jitter', () => {
  const middle = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map((n) => reconnectDelay(n, middle)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(reconnectDelay(0, () => 0), 750);
  assert.equal(reconnectDelay(0, () => 1), 1250);
});

test('the address follows the page: ws for http, wss for https', () => {
  assert.equal(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' }), 'ws://127.0.0.1:8080/api/live');
  assert.equal(liveUrl({ protocol: 'https:', host: 'sweep.example' }), 'wss://sweep.example/api/live');
});

// ---- The connection, with fakes --------------------------------------------------------------

function fakes() {
  let clock = 0;
  const timers = [];
  let nextId = 1;
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closed = false;
      sockets.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { this.closed = true; this.readyState = 3; }
    // Test controls:
    open() { this.readyState = 1; this.onopen?.(); }
    receive(message) { this.onmessage?.({ data: JSON.stringify(message) }); }
    drop() { this.readyState = 3; this.onclose?.({ code: 1006 }); }
  }
  const fakeTimers = {
    setTimeout(fn, ms) { const id = nextId++; timers.push({ id, at: clock + ms, fn }); return id; },
    clearTimeout(id) { const i = timers.findIndex((x) => x.id === id); if (i >= 0) timers.splice(i, 1); },
    setInterval(fn, ms) { const id = nextId++; timers.push({ id, at: clock + ms, fn, every: ms }); return id; },
    clearInterval(id) { fakeTimers.clearTimeout(id); },
  };
  const advance = (ms) => {
    const until = clock + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const due = timers[0];
      if (!due || due.at > until) break;
      clock = due.at;
      if (due.every) due.at += due.every;
      else timers.shift();
      due.fn();
    }
    clock = until;
  };
  return { FakeSocket, sockets, timers: fakeTimers, advance, now: () => clock };
}

function channel(f) {
  return createLiveChannel({
    url: 'ws://x/api/live', WebSocketImpl: f.FakeSocket, timers: f.timers, random: () => 0.5, now: f.now,
  });
}

test('after a drop it reconnects with growing pauses, and asks for a resync once back', () => {
  const f = fakes();
  const live = channel(f);
  const events = [];
  live.on('live.status', (m) => events.push(m.state));
  live.on('live.resync', () => events.push('resync'));
  live.on('hello', (m) => events.push(`hello ${m.user.login}`));

  live.start();
  assert.equal(f.sockets.length, 1);
  f.sockets[0].open();
  f.sockets[0].receive({ type: 'hello', user: { login: 'dispatcher' } });
  assert.deepEqual(events, ['connecting', 'open', 'hello dispatcher']);

  f.sockets[0].drop();
  f.advance(999);
  assert.equal(f.sockets.length, 1, 'waits a second before the first retry');
  f.advance(1);
  assert.equal(f.sockets.length, 2);
  f.sockets[1].drop(); // the server is still down
  f.advance(1999);
  assert.equal(f.sockets.length, 2, 'then two seconds');
  f.advance(1);
  assert.equal(f.sockets.length, 3);
  f.sockets[2].open();
  assert.equal(events.at(-1), 'resync');
  assert.equal(live.state, 'open');

  // Back to a one-second pause after a good connection.
  f.sockets[2].drop();
  f.advance(1000);
  assert.equal(f.sockets.length, 4);
});

test('a silent connection is pinged, and replaced once it has said nothing for too long', () => {
  const f = fakes();
  const live = channel(f);
  live.start();
  f.sockets[0].open();
  f.advance(25000);
  assert.deepEqual(f.sockets[0].sent, [{ type: 'ping' }]);
  f.sockets[0].receive({ type: 'pong' });
  f.advance(25000);
  assert.equal(f.sockets[0].sent.length, 2);
  assert.equal(f.sockets.length, 1, 'a pong keeps it alive');
  f.advance(50000); // 75 s since the pong, nothing heard
  assert.ok(f.sockets[0].closed, 'the silent socket is closed');
  f.advance(1000);
  assert.equal(f.sockets.length, 2, 'and a new one opened');
});

test('stop closes the socket and no reconnection follows; messages from it are ignored', () => {
  const f = fakes();
  const live = channel(f);
  const seen = [];
  live.on('journal.entry', (m) => seen.push(m.entry.id));
  live.start();
  const socket = f.sockets[0];
  socket.open();
  socket.receive({ type: 'journal.entry', case_id: 'c', entry: { id: 1 } });
  live.stop();
  assert.ok(socket.closed);
  socket.receive({ type: 'journal.entry', case_id: 'c', entry: { id: 2 } });
  f.advance(60000);
  assert.equal(f.sockets.length, 1);
  assert.deepEqual(seen, [1]);
  assert.equal(live.state, 'closed');
  assert.equal(live.send({ type: 'ping' }), false);
});

test("the server's own resync makes the views reload as after a reconnect", () => {
  const f = fakes();
  const live = channel(f);
  let reloads = 0;
  live.on('live.resync', () => { reloads += 1; });
  live.start();
  f.sockets[0].open();
  assert.equal(reloads, 0, 'the first connection is not a resync');
  f.sockets[0].receive({ type: 'resync' });
  assert.equal(reloads, 1);
});

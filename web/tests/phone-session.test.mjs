// The phone protocol session (js/phone/session.js) with a fake WebSocket, fake timers and the
// in-memory storage: hello, batching every 5 s, replay after a reconnect, acks, refusals.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createOutbox } from '../js/phone/outbox.js';
import { createPhoneSession, phoneSocketUrl } from '../js/phone/session.js';
import { createMemoryStorage } from '../js/phone/storage.js';
import { WELCOME, fakeSockets, fakeTime, fixAt, settle } from './phone-fakes.mjs';

const TOKEN = 'dev_Zm9vYmFyYmF6cXV4';

async function setUp({ storage = createMemoryStorage(), time = fakeTime(), net = fakeSockets() } = {}) {
  const outbox = createOutbox({ storage, now: time.now });
  await outbox.open();
  const session = createPhoneSession({
    url: 'ws://sweep.test/mobile/v1/ws',
    getToken: () => TOKEN,
    outbox,
    WebSocketImpl: net.FakeSocket,
    timers: time.timers,
    random: () => 0.5,
    now: time.now,
  });
  const states = [];
  session.on('state', (m) => states.push(m.state));
  return { storage, time, net, outbox, session, states };
}

/** Opens the newest socket and has the server welcome it. */
async function welcome(net) {
  const socket = net.last();
  socket.open();
  socket.receive(WELCOME);
  await settle();
  return socket;
}

test('the address follows the page: ws for http, wss for https', () => {
  assert.equal(phoneSocketUrl({ protocol: 'http:', host: '127.0.0.1:8080' }), 'ws://127.0.0.1:8080/mobile/v1/ws');
  assert.equal(phoneSocketUrl({ protocol: 'https:', host: 'sweep.example' }), 'wss://sweep.example/mobile/v1/ws');
});

test('hello with the device token comes first, and the state is online after welcome', async () => {
  const { net, session, states } = await setUp();
  session.start();
  const socket = net.last();
  socket.open();
  assert.deepEqual(socket.sent, [{ type: 'hello', protocol: 1, device_token: TOKEN, app: 'sweep-web-phone 1' }]);
  assert.equal(session.state, 'connecting');
  socket.receive(WELCOME);
  await settle();
  assert.deepEqual(states, ['connecting', 'online']);
  assert.equal(session.online, true);
});

test('fixes are grouped into a batch every 5 s, and the batch is stored before it is sent', async () => {
  const { net, outbox, session, storage, time } = await setUp();
  session.start();
  const socket = await welcome(net);
  const storedWhenSent = [];
  socket.onSend = (message) => {
    if (message.type === 'positions') storedWhenSent.push(storage.get('batches', message.seq));
  };
  await outbox.addFix(fixAt(1));
  await outbox.addFix(fixAt(2));
  await time.advance(4000);
  assert.deepEqual(socket.sentOf('positions'), [], 'not before the 5 s tick');
  await time.advance(1000);
  const [sent] = socket.sentOf('positions');
  assert.deepEqual(sent.fixes, [fixAt(1), fixAt(2)]);
  const stored = await storedWhenSent[0];
  assert.deepEqual(stored.fixes, sent.fixes, 'the batch was in storage when it went out');
  assert.equal(stored.seq, sent.seq);
});

test('an acknowledged batch is deleted from storage', async () => {
  const { net, outbox, session, storage, time } = await setUp();
  session.start();
  const socket = await welcome(net);
  await outbox.addFix(fixAt(1));
  await time.advance(5000);
  const [sent] = socket.sentOf('positions');
  socket.receive({ type: 'ack', seq: sent.seq });
  await settle();
  assert.deepEqual(await storage.all('batches'), []);
  assert.equal(outbox.counts().fixes, 0);
});

test('after a reconnect every unacknowledged batch is sent again, oldest first, same numbers and fixes', async () => {
  const { net, outbox, session, time } = await setUp();
  session.start();
  const first = await welcome(net);
  await outbox.addFix(fixAt(1));
  await time.advance(5000);
  await outbox.addFix(fixAt(6));
  await time.advance(5000);
  const sentBefore = first.sentOf('positions');
  assert.equal(sentBefore.length, 2);
  first.receive({ type: 'ack', seq: sentBefore[0].seq });
  await settle();

  first.drop(); // the signal goes
  assert.equal(session.state, 'offline');
  await outbox.addFix(fixAt(12)); // recorded offline: waits as a loose fix
  await time.advance(5000);
  await time.advance(1000); // the first retry after 1 s (plus the tick's time)
  const second = await welcome(net);
  const replayed = second.sentOf('positions');
  assert.deepEqual(replayed[0], sentBefore[1], 'the unacknowledged batch, unchanged');
  assert.deepEqual(replayed[1].fixes, [fixAt(12)], 'then the fixes recorded offline');
  assert.equal(replayed[1].seq, sentBefore[1].seq + 1);
  assert.equal(replayed.length, 2);
});

test('batches survive a reload: a new session on the same storage sends them with their numbers', async () => {
  const storage = createMemoryStorage();
  const before = await setUp({ storage });
  before.session.start();
  const socket = await welcome(before.net);
  await before.outbox.addFix(fixAt(1));
  await before.time.advance(5000);
  const [sent] = socket.sentOf('positions');
  await before.outbox.addFix(fixAt(7)); // recorded, not yet batched, when the tab closes
  before.session.stop();

  const after = await setUp({ storage });
  assert.equal(after.outbox.counts().fixes, 2);
  after.session.start();
  const replay = (await welcome(after.net)).sentOf('positions');
  assert.deepEqual(replay[0], sent);
  assert.equal(replay[1].seq, sent.seq + 1, 'the counter went on where it was');
  assert.deepEqual(replay[1].fixes, [fixAt(7)]);
});

test('a refused batch is dropped and noted, and does not hold up the next ones', async () => {
  const { net, outbox, session, time } = await setUp();
  const dropped = [];
  outbox.on('dropped', (entry) => dropped.push(entry));
  session.start();
  const socket = await welcome(net);
  await outbox.addFix({ ...fixAt(1), lat: 95 });
  await time.advance(5000);
  await outbox.addFix(fixAt(6));
  await time.advance(5000);
  const [bad, good] = socket.sentOf('positions');
  socket.receive({ type: 'error', code: 'impossible_coordinates', message: 'fix 0: (95, 36.8) is not on Earth', seq: bad.seq, fatal: false });
  socket.receive({ type: 'ack', seq: good.seq });
  await settle();
  assert.deepEqual(outbox.batchSeqs(), []);
  assert.deepEqual(dropped.map((d) => [d.key, d.code]), [[bad.seq, 'impossible_coordinates']]);
  assert.equal(socket.sentOf('positions').length, 2, 'the refused batch is not sent again');
});

test('a batch the server could not store now is kept and sent again a little later', async () => {
  const { net, outbox, session, time } = await setUp();
  session.start();
  const socket = await welcome(net);
  await outbox.addFix(fixAt(1));
  await time.advance(5000);
  const [sent] = socket.sentOf('positions');
  socket.receive({ type: 'error', code: 'storage_unavailable', message: 'try later', seq: sent.seq, fatal: false });
  await settle();
  assert.deepEqual(outbox.batchSeqs(), [sent.seq]);
  await time.advance(5000);
  assert.equal(socket.sentOf('positions').length, 1, 'not at once');
  await time.advance(10000);
  const again = socket.sentOf('positions');
  assert.equal(again.length, 2);
  assert.deepEqual(again[1], sent);
});

test('a report is sent, resent after a reconnect with the same id, and forgotten at report_ack', async () => {
  const { net, outbox, session, storage, time } = await setUp();
  session.start();
  const first = await welcome(net);
  const report = { id: '5d1c0000-0000-4000-8000-000000000001', kind: 'clue', text: 'Нашли следы у ручья', location: { lat: 56.1, lon: 36.8 }, time: fixAt(3).time };
  await outbox.addReport(report);
  await session.flush();
  assert.deepEqual(first.sentOf('report'), [{ type: 'report', ...report }]);

  first.drop();
  await time.advance(1000);
  const second = await welcome(net);
  assert.deepEqual(second.sentOf('report'), [{ type: 'report', ...report }]);
  second.receive({ type: 'report_ack', id: report.id });
  await settle();
  assert.deepEqual(await storage.all('reports'), []);
  second.drop();
  await time.advance(1000);
  assert.deepEqual((await welcome(net)).sentOf('report'), []);
});

test('a refused report is kept aside, not resent', async () => {
  const { net, outbox, session, time } = await setUp();
  session.start();
  const first = await welcome(net);
  await outbox.addReport({ id: 'r-1', kind: 'note', text: 'x', time: fixAt(3).time });
  await session.flush();
  first.receive({ type: 'error', code: 'no_case', message: 'no current task', id: 'r-1', fatal: false });
  await settle();
  assert.deepEqual(outbox.refused().map((r) => r.refusal.code), ['no_case']);
  first.drop();
  await time.advance(1000);
  assert.deepEqual((await welcome(net)).sentOf('report'), []);
});

test('answers wait for answer_ack; read receipts wait for the connection', async () => {
  const { net, outbox, session, time } = await setUp();
  const acks = [];
  session.on('answer_ack', (m) => acks.push(m));
  session.markRead('al-1'); // seen while offline
  session.start();
  const first = await welcome(net);
  assert.deepEqual(first.sentOf('alert_read'), [{ type: 'alert_read', alert_id: 'al-1' }]);
  await outbox.setAnswer({ alert_id: 'al-1', answer: 'going', eta: '2026-11-22T07:30:00.000Z' });
  await session.flush();
  assert.deepEqual(first.sentOf('alert_answer'), [{ type: 'alert_answer', alert_id: 'al-1', answer: 'going', eta: '2026-11-22T07:30:00.000Z' }]);
  first.drop();
  await time.advance(1000);
  const second = await welcome(net);
  assert.equal(second.sentOf('alert_answer').length, 1, 'resent after the reconnect');
  second.receive({ type: 'answer_ack', alert_id: 'al-1' });
  await settle();
  assert.deepEqual(outbox.pendingAnswers(), []);
  assert.equal(acks[0].latest, true);
});

test('a revoked device stops the session: no reconnection, state stopped', async () => {
  const { net, session, states, time } = await setUp();
  session.start();
  const socket = net.last();
  socket.open();
  socket.receive({ type: 'error', code: 'device_revoked', message: 'ask for a new link', fatal: true });
  await settle();
  socket.drop();
  await time.advance(120000);
  assert.equal(net.sockets.length, 1);
  assert.equal(session.state, 'stopped');
  assert.equal(session.refusal, 'device_revoked');
  assert.equal(states.at(-1), 'stopped');
});

test('other fatal errors (the server cannot check the token now) are retried after a pause', async () => {
  const { net, session, time } = await setUp();
  session.start();
  const socket = net.last();
  socket.open();
  socket.receive({ type: 'error', code: 'storage_unavailable', message: 'reconnect shortly', fatal: true });
  socket.drop();
  await settle();
  assert.equal(session.state, 'offline');
  await time.advance(1000);
  assert.equal(net.sockets.length, 2);
});

test('reconnection waits 1 s, 2 s, 4 s … and stays "offline" meanwhile; reconnectNow skips the wait', async () => {
  const { net, session, states, time } = await setUp();
  session.start();
  net.last().drop();
  await time.advance(999);
  assert.equal(net.sockets.length, 1);
  await time.advance(1);
  assert.equal(net.sockets.length, 2);
  net.last().drop();
  await time.advance(1999);
  assert.equal(net.sockets.length, 2);
  await time.advance(1);
  assert.equal(net.sockets.length, 3);
  net.last().drop();
  session.reconnectNow(); // the browser says it is online again
  assert.equal(net.sockets.length, 4);
  assert.deepEqual(states, ['connecting', 'offline'], 'no blinking between attempts');
  await welcome(net);
  assert.equal(session.state, 'online');
});

test('the connection is pinged, and replaced after 70 s of silence', async () => {
  const { net, session, time } = await setUp();
  session.start();
  const socket = await welcome(net);
  await time.advance(25000);
  assert.deepEqual(socket.sentOf('ping'), [{ type: 'ping', id: 1 }]);
  socket.receive({ type: 'pong', id: 1 });
  await time.advance(65000);
  assert.equal(socket.closed, false);
  await time.advance(10000); // 75 s since the pong
  assert.equal(socket.closed, true);
  await time.advance(1000);
  assert.equal(net.sockets.length, 2);
});

test('a socket that never gets its welcome is replaced', async () => {
  const { net, session, time } = await setUp();
  session.start();
  net.last().open(); // the hello goes, nothing comes back
  await time.advance(26000); // checked every 5 s: dropped at 25 s, the next try 1 s later
  assert.equal(net.sockets[0].closed, true);
  assert.equal(net.sockets.length, 2);
});

test('no more than 16 batches are in flight at once; acks let the next ones go', async () => {
  const storage = createMemoryStorage();
  await storage.write(Array.from({ length: 20 }, (_, i) => ({ put: 'batches', value: { seq: i + 1, fixes: [fixAt(i)], created: 'x' } })));
  const { net, session } = await setUp({ storage });
  session.start();
  const socket = await welcome(net);
  assert.deepEqual(socket.sentOf('positions').map((m) => m.seq), Array.from({ length: 16 }, (_, i) => i + 1));
  socket.receive({ type: 'ack', seq: 1 });
  socket.receive({ type: 'ack', seq: 2 });
  await settle();
  assert.deepEqual(socket.sentOf('positions').slice(16).map((m) => m.seq), [17, 18]);
});

test('the server\'s task and alerts reach the subscribers', async () => {
  const { net, session } = await setUp();
  const seen = [];
  session.on('task', (m) => seen.push(['task', m.task?.case_name ?? null]));
  session.on('alert', (m) => seen.push(['alert', m.id]));
  session.start();
  const socket = await welcome(net);
  socket.receive({ type: 'task', task: { operation_id: 'o', operation_name: 'Лес у Дубков', case_id: 'c', case_name: 'Петров Иван', updated_at: '2026-11-22T05:30:00Z' } });
  socket.receive({ type: 'alert', id: 'a1', text: 'Сбор у штаба', urgent: true, asks_answer: true, from: 'Ольга', sent_at: '2026-11-22T06:10:00Z', answer: null });
  socket.receive({ type: 'task', task: null });
  await settle();
  assert.deepEqual(seen, [['task', 'Петров Иван'], ['alert', 'a1'], ['task', null]]);
});

// The group leader's reports on the group's task (mobile-api/README.md, "The group's assignment,
// and the leader's reports"): kept in the outbox (js/phone/outbox.js) until task_status_ack,
// sent by the session (js/phone/session.js) one at a time per task and again after a
// reconnect, dropped and noted on a refusal, kept on storage_unavailable; and what the task
// block shows and offers (js/phone/assignment.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assignmentState, refusalMatters } from '../js/phone/assignment.js';
import { createOutbox } from '../js/phone/outbox.js';
import { createPhoneSession } from '../js/phone/session.js';
import { createMemoryStorage } from '../js/phone/storage.js';
import { WELCOME, fakeSockets, fakeTime, settle } from './phone-fakes.mjs';

const TASK = 'e41b0000-0000-4000-8000-000000000004';
const OTHER_TASK = 'e41b0000-0000-4000-8000-000000000005';

async function setUp({ storage = createMemoryStorage(), time = fakeTime(), net = fakeSockets() } = {}) {
  const outbox = createOutbox({ storage, now: time.now });
  await outbox.open();
  const session = createPhoneSession({
    url: 'ws://sweep.test/mobile/v1/ws',
    getToken: () => 'dev_Zm9vYmFyYmF6cXV4',
    outbox,
    WebSocketImpl: net.FakeSocket,
    timers: time.timers,
    random: () => 0.5,
    now: time.now,
  });
  return { storage, time, net, outbox, session };
}

async function welcome(net) {
  const socket = net.last();
  socket.open();
  socket.receive(WELCOME);
  await settle();
  return socket;
}

const started = { id: 's1', task_id: TASK, status: 'in_progress' };
const done = { id: 's2', task_id: TASK, status: 'done' };

// ---- The outbox ------------------------------------------------------------------------------

test('a task report is kept in storage at once, survives a reload, and counts as waiting', async () => {
  const storage = createMemoryStorage();
  const outbox = createOutbox({ storage, now: () => 1000 });
  await outbox.open();
  assert.equal(await outbox.addTaskStatus(started), true);
  assert.equal((await storage.all('task_reports')).length, 1);
  assert.equal(outbox.counts().taskReports, 1);

  const reloaded = createOutbox({ storage, now: () => 2000 });
  await reloaded.open();
  assert.deepEqual(reloaded.pendingTaskStatuses(), [{ id: 's1', task_id: TASK, status: 'in_progress', reason: null }]);
  assert.deepEqual(reloaded.taskStatusFor(TASK), { id: 's1', task_id: TASK, status: 'in_progress', reason: null });
  assert.equal(reloaded.taskStatusFor(OTHER_TASK), null);
});

test('reports wait in the order given; the same status twice in a row is kept once', async () => {
  const outbox = createOutbox({ storage: createMemoryStorage(), now: () => 1000 });
  await outbox.open();
  await outbox.addTaskStatus(started);
  assert.equal(await outbox.addTaskStatus({ ...started, id: 's1b' }), false, 'a second tap on "Started"');
  await outbox.addTaskStatus(done);
  assert.deepEqual(outbox.pendingTaskStatuses().map((r) => r.status), ['in_progress', 'done']);
  assert.equal(outbox.taskStatusFor(TASK).status, 'done', 'the newest one says where the task is going');
});

test('a refused report is dropped with a note; an acknowledged one is forgotten', async () => {
  const storage = createMemoryStorage();
  const outbox = createOutbox({ storage, now: () => 1000 });
  await outbox.open();
  const dropped = [];
  outbox.on('dropped', (entry) => dropped.push(entry));
  await outbox.addTaskStatus(started);
  await outbox.addTaskStatus({ id: 's3', task_id: OTHER_TASK, status: 'partly_done', reason: 'Б-8: болото' });
  await outbox.dropTaskStatus('s1', 'not_group_leader', 'only the leader');
  await outbox.acknowledgeTaskStatus('s3');
  assert.deepEqual(await storage.all('task_reports'), []);
  assert.equal(outbox.counts().taskReports, 0);
  assert.deepEqual(dropped.map(({ kind, task_id, status, code }) => ({ kind, task_id, status, code })), [
    { kind: 'task_status', task_id: TASK, status: 'in_progress', code: 'not_group_leader' },
  ]);
  assert.equal(outbox.dropped()[0].kind, 'task_status', 'the refusal is noted');
});

// ---- The session -----------------------------------------------------------------------------

test('a report goes out after welcome, is resent after a reconnect, and is forgotten at task_status_ack', async () => {
  const { net, outbox, session, storage, time } = await setUp();
  await outbox.addTaskStatus({ id: 's4', task_id: TASK, status: 'partly_done', reason: 'Б-8: болото, не прошли' });
  session.start();
  const first = await welcome(net);
  const message = { type: 'task_status', task_id: TASK, status: 'partly_done', reason: 'Б-8: болото, не прошли' };
  assert.deepEqual(first.sentOf('task_status'), [message]);

  first.drop(); // the answer is lost with the signal
  await time.advance(1000);
  const second = await welcome(net);
  assert.deepEqual(second.sentOf('task_status'), [message], 'sent again, the same');
  second.receive({ type: 'task_status_ack', task_id: TASK });
  await settle();
  assert.deepEqual(await storage.all('task_reports'), []);
  assert.equal(outbox.counts().taskReports, 0);
});

test('one report per task at a time: "done" waits for the answer to "started"; other tasks do not wait', async () => {
  const { net, outbox, session } = await setUp();
  session.start();
  const socket = await welcome(net);
  await outbox.addTaskStatus(started);
  await outbox.addTaskStatus(done);
  await outbox.addTaskStatus({ id: 's5', task_id: OTHER_TASK, status: 'in_progress' });
  await session.flush();
  assert.deepEqual(socket.sentOf('task_status').map((m) => [m.task_id, m.status]), [
    [TASK, 'in_progress'], [OTHER_TASK, 'in_progress'],
  ]);
  assert.equal(socket.sentOf('task_status')[0].reason, undefined, 'no reason unless given');

  socket.receive({ type: 'task_status_ack', task_id: TASK });
  await settle();
  assert.deepEqual(socket.sentOf('task_status').map((m) => [m.task_id, m.status]).slice(2), [[TASK, 'done']]);
  assert.deepEqual(outbox.pendingTaskStatuses().map((r) => r.id), ['s2', 's5']);
});

test('a refusal drops the report, tells the app, and lets the next report on the task go', async () => {
  const { net, outbox, session } = await setUp();
  const dropped = [];
  outbox.on('dropped', (entry) => dropped.push(entry));
  session.start();
  const socket = await welcome(net);
  const errors = [];
  session.on('error', (m) => errors.push(m.code));
  await outbox.addTaskStatus(started);
  await outbox.addTaskStatus(done);
  await session.flush();
  socket.receive({ type: 'error', code: 'invalid_transition', message: 'already in progress', id: TASK, fatal: false });
  await settle();
  assert.deepEqual(dropped.map((e) => [e.kind, e.status, e.code]), [['task_status', 'in_progress', 'invalid_transition']]);
  assert.deepEqual(errors, ['invalid_transition']);
  assert.deepEqual(socket.sentOf('task_status').map((m) => m.status), ['in_progress', 'done']);
  assert.deepEqual(outbox.pendingTaskStatuses().map((r) => r.id), ['s2']);
});

test('a report the server could not store now is kept and sent again a little later', async () => {
  const { net, outbox, session, time } = await setUp();
  session.start();
  const socket = await welcome(net);
  await outbox.addTaskStatus(started);
  await session.flush();
  socket.receive({ type: 'error', code: 'storage_unavailable', message: 'try later', id: TASK, fatal: false });
  await settle();
  assert.equal(outbox.counts().taskReports, 1, 'kept');
  await time.advance(5000);
  assert.equal(socket.sentOf('task_status').length, 1, 'not at once');
  await time.advance(10000);
  assert.deepEqual(socket.sentOf('task_status').map((m) => m.status), ['in_progress', 'in_progress']);
  socket.receive({ type: 'task_status_ack', task_id: TASK });
  await settle();
  assert.equal(outbox.counts().taskReports, 0);
});

test('reports kept before a reload go out with the next session', async () => {
  const storage = createMemoryStorage();
  const before = await setUp({ storage });
  await before.outbox.addTaskStatus(started);
  const after = await setUp({ storage });
  after.session.start();
  const socket = await welcome(after.net);
  assert.deepEqual(socket.sentOf('task_status'), [{ type: 'task_status', task_id: TASK, status: 'in_progress' }]);
});

// ---- What the task block offers ------------------------------------------------------------------

const taskMessage = (status, leader = true) => ({
  operation_id: 'o1',
  group: 'Группа 3',
  leader,
  assignment: {
    task_id: TASK, number: 4, title: 'Прочесать Б-7 и Б-8', search_type: 'line', status, squares: ['Б-7', 'Б-8'], places: [],
  },
});

test('the leader is offered what the status allows, counting the report still waiting', () => {
  assert.deepEqual(assignmentState(taskMessage('assigned')).actions, ['in_progress']);
  assert.deepEqual(assignmentState(taskMessage('in_progress')).actions, ['done', 'partly_done']);
  const waiting = assignmentState(taskMessage('assigned'), { id: 's1', task_id: TASK, status: 'in_progress' });
  assert.equal(waiting.status, 'assigned', 'the server\u2019s status is shown');
  assert.equal(waiting.pending, 'in_progress');
  assert.deepEqual(waiting.actions, ['done', 'partly_done'], '"done" can follow "started" without a signal');
  assert.deepEqual(assignmentState(taskMessage('assigned'), { id: 's2', task_id: TASK, status: 'done' }).actions, []);
  assert.equal(assignmentState(taskMessage('assigned'), { id: 'x', task_id: OTHER_TASK, status: 'done' }).pending, null,
    'a report on another task does not count');
});

test('the others see the assignment without buttons; no assignment, nothing', () => {
  const state = assignmentState(taskMessage('in_progress', false));
  assert.equal(state.assignment.title, 'Прочесать Б-7 и Б-8');
  assert.deepEqual(state.actions, []);
  assert.equal(assignmentState({ group: 'Группа 3', leader: true }), null);
  assert.equal(assignmentState(null), null);
});

test('a report refused because the task already stands there (a resend after a lost answer) is not news', () => {
  const entry = { kind: 'task_status', task_id: TASK, status: 'in_progress', code: 'invalid_transition' };
  assert.equal(refusalMatters(entry, taskMessage('in_progress')), false);
  assert.equal(refusalMatters(entry, taskMessage('assigned')), true, 'sent back by HQ: the leader should know');
  assert.equal(refusalMatters({ ...entry, code: 'not_group_leader' }, taskMessage('in_progress')), true);
});

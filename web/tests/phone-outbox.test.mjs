// The phone's outbox (js/phone/outbox.js) over the in-memory storage: what it keeps, how it
// numbers batches, and what survives a reload (a new outbox on the same storage).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createOutbox, randomId } from '../js/phone/outbox.js';
import { createMemoryStorage } from '../js/phone/storage.js';
import { fixAt } from './phone-fakes.mjs';

const START = Date.UTC(2026, 10, 22, 5, 0, 0);

async function opened(storage = createMemoryStorage(), options = {}) {
  const outbox = createOutbox({ storage, now: () => START, ...options });
  await outbox.open();
  return outbox;
}

test('fixes are kept as soon as they are recorded, and counted as waiting', async () => {
  const storage = createMemoryStorage();
  const outbox = await opened(storage);
  await outbox.addFix(fixAt(1));
  await outbox.addFix(fixAt(2));
  assert.equal((await storage.all('fixes')).length, 2);
  assert.equal(outbox.counts().fixes, 2);

  const reloaded = await opened(storage);
  assert.equal(reloaded.counts().fixes, 2, 'a reload finds them');
});

test('a repeat of the newest fix (a cached position after a reload) is not kept twice', async () => {
  const storage = createMemoryStorage();
  const outbox = await opened(storage);
  assert.equal(await outbox.addFix(fixAt(5, 56.1015)), true);
  const reloaded = await opened(storage);
  assert.equal(await reloaded.addFix(fixAt(5, 56.1015)), false, 'the same position handed out again');
  assert.equal(await reloaded.addFix(fixAt(4)), false, 'older than the newest kept');
  assert.equal(await reloaded.addFix(fixAt(6)), true);
  assert.equal(reloaded.counts().fixes, 2);
});

test('sealing puts the loose fixes in a numbered batch, with the counter, in one write', async () => {
  const storage = createMemoryStorage();
  const outbox = await opened(storage);
  await outbox.addFix(fixAt(1));
  await outbox.addFix(fixAt(2));
  const [batch] = await outbox.sealAll();
  assert.deepEqual(batch.fixes, [fixAt(1), fixAt(2)]);
  assert.deepEqual(await storage.get('batches', batch.seq), batch);
  assert.deepEqual(await storage.all('fixes'), []);
  assert.equal((await storage.get('meta', 'lastSeq')).value, batch.seq);
  assert.equal(outbox.counts().fixes, 2, 'still waiting until the ack');
  assert.deepEqual(await outbox.sealAll(), [], 'nothing loose, nothing sealed');
});

test('a new phone numbers its batches from the clock in milliseconds, then one by one', async () => {
  const outbox = await opened();
  await outbox.addFix(fixAt(1));
  const [first] = await outbox.sealAll();
  await outbox.addFix(fixAt(2));
  const [second] = await outbox.sealAll();
  assert.equal(first.seq, START);
  assert.equal(second.seq, START + 1);
});

test('the batch counter survives a reload and never gives a number twice', async () => {
  const storage = createMemoryStorage();
  const before = await opened(storage);
  await before.addFix(fixAt(1));
  const [first] = await before.sealAll();
  await before.acknowledgeBatch(first.seq);

  // The page reloads an hour later: the clock has moved, the counter has not.
  const after = createOutbox({ storage, now: () => START + 3600000 });
  await after.open();
  await after.addFix(fixAt(2));
  const [next] = await after.sealAll();
  assert.equal(next.seq, first.seq + 1);
});

test('a kept batch is never numbered again, even if the counter itself was lost', async () => {
  const storage = createMemoryStorage();
  await storage.write([{ put: 'batches', value: { seq: 41, fixes: [fixAt(1)], created: 'x' } }]);
  const outbox = await opened(storage);
  await outbox.addFix(fixAt(2));
  const [batch] = await outbox.sealAll();
  assert.equal(batch.seq, 42);
  assert.deepEqual(outbox.batchSeqs(), [41, 42]);
});

test('at 50 loose fixes a batch is sealed at once, without waiting for the timer', async () => {
  const outbox = await opened();
  const sealed = [];
  outbox.on('sealed', (batch) => sealed.push(batch));
  for (let i = 0; i < 49; i += 1) await outbox.addFix(fixAt(i));
  assert.equal(sealed.length, 0);
  await outbox.addFix(fixAt(49));
  assert.equal(sealed.length, 1);
  assert.equal(sealed[0].fixes.length, 50);
  assert.equal(outbox.counts().looseFixes, 0);
  assert.equal(outbox.counts().fixes, 50);
});

test('many loose fixes (after hours offline) are sealed 50 to a batch, oldest first', async () => {
  const storage = createMemoryStorage();
  await storage.write(Array.from({ length: 120 }, (_, i) => ({ put: 'fixes', value: { n: i + 1, fix: fixAt(i) } })));
  const outbox = await opened(storage);
  const batches = await outbox.sealAll();
  assert.deepEqual(batches.map((b) => b.fixes.length), [50, 50, 20]);
  assert.deepEqual(batches[0].fixes[0], fixAt(0));
  assert.deepEqual(batches[2].fixes.at(-1), fixAt(119));
  assert.deepEqual(outbox.batchSeqs(), batches.map((b) => b.seq));
});

test('an acknowledged batch is deleted; a refused one is deleted and noted', async () => {
  const storage = createMemoryStorage();
  const outbox = await opened(storage);
  await outbox.addFix(fixAt(1));
  const [a] = await outbox.sealAll();
  await outbox.addFix(fixAt(2));
  await outbox.addFix(fixAt(3));
  const [b] = await outbox.sealAll();
  const dropped = [];
  outbox.on('dropped', (entry) => dropped.push(entry));

  assert.equal(await outbox.acknowledgeBatch(a.seq), true);
  assert.equal(await outbox.acknowledgeBatch(a.seq), false, 'a second ack changes nothing');
  assert.equal(await outbox.dropBatch(b.seq, 'impossible_coordinates', 'fix 1: (95, 36.8) is not on Earth'), true);
  assert.deepEqual(await storage.all('batches'), []);
  assert.equal(outbox.counts().fixes, 0);
  assert.deepEqual(dropped.map((d) => [d.kind, d.key, d.fixes, d.code]), [['batch', b.seq, 2, 'impossible_coordinates']]);

  const reloaded = await opened(storage);
  assert.equal(reloaded.dropped()[0].code, 'impossible_coordinates', 'the note is kept');
});

test('a report is kept once however often it is added, until its ack', async () => {
  const storage = createMemoryStorage();
  const outbox = await opened(storage);
  const report = { id: randomId(), kind: 'clue', text: 'Следы у ручья', time: fixAt(5).time };
  assert.equal(await outbox.addReport(report), true);
  assert.equal(await outbox.addReport({ ...report, text: 'changed' }), false);
  assert.deepEqual(outbox.pendingReports(), [report]);

  const reloaded = await opened(storage);
  assert.deepEqual(reloaded.pendingReports(), [report]);
  await reloaded.acknowledgeReport(report.id);
  assert.deepEqual(reloaded.pendingReports(), []);
  assert.deepEqual(await storage.all('reports'), []);
});

test('a refused report is kept aside with the reason, to send again or discard', async () => {
  const storage = createMemoryStorage();
  const outbox = await opened(storage);
  const report = { id: randomId(), kind: 'note', text: 'Группа 2 у реки', time: fixAt(5).time };
  await outbox.addReport(report);
  await outbox.refuseReport(report.id, 'no_case', 'no current task');
  assert.deepEqual(outbox.pendingReports(), []);
  assert.deepEqual(outbox.refused().map((r) => [r.kind, r.id, r.text, r.refusal.code]), [['report', report.id, 'Группа 2 у реки', 'no_case']]);
  assert.equal((await opened(storage)).refused().length, 1, 'kept across a reload');

  await outbox.retry('report', report.id);
  assert.deepEqual(outbox.pendingReports(), [report]);
  await outbox.refuseReport(report.id, 'no_case');
  await outbox.discard('report', report.id);
  assert.deepEqual(outbox.refused(), []);
  assert.deepEqual(await storage.all('reports'), []);
});

test('a later answer to an alert replaces the earlier one, and an old ack does not forget it', async () => {
  const outbox = await opened();
  const going = await outbox.setAnswer({ alert_id: 'a1', answer: 'going', eta: '2026-11-22T07:30:00Z' });
  const cant = await outbox.setAnswer({ alert_id: 'a1', answer: 'cant' });
  assert.deepEqual(outbox.pendingAnswers().map((a) => [a.answer, a.version]), [['cant', cant]]);
  assert.equal(await outbox.acknowledgeAnswer('a1', going), false);
  assert.equal(outbox.pendingAnswers().length, 1);
  assert.equal(await outbox.acknowledgeAnswer('a1', cant), true);
  assert.deepEqual(outbox.pendingAnswers(), []);
});

test('photos are kept with their blob until stored, and refused ones keep it for a retry', async () => {
  const storage = createMemoryStorage();
  const outbox = await opened(storage);
  const blob = new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' });
  await outbox.addPhoto({ id: 'p1', blob, params: { caption: 'Куртка' } });
  const reloaded = await opened(storage);
  assert.deepEqual(reloaded.pendingPhotos().map((p) => [p.id, p.type, p.size]), [['p1', 'image/jpeg', 3]]);
  await reloaded.refusePhoto('p1', 'no_case');
  await reloaded.retry('photo', 'p1');
  const stored = await reloaded.getPhoto('p1');
  assert.equal(stored.blob.size, 3, 'the blob survives the refusal and the retry');
  await reloaded.acknowledgePhoto('p1');
  assert.deepEqual(await storage.all('photos'), []);
});

test('forgetting the device empties the queue but keeps the batch counter', async () => {
  const storage = createMemoryStorage();
  const outbox = await opened(storage);
  await outbox.addFix(fixAt(1));
  const [batch] = await outbox.sealAll();
  await outbox.addReport({ id: 'r1', kind: 'note', text: 'x', time: fixAt(1).time });
  await outbox.addTaskStatus({ id: 's1', task_id: 't1', status: 'in_progress' });
  await outbox.remember('task', { case_name: 'Петров Иван' });
  await outbox.forgetAll();
  assert.deepEqual(outbox.counts(), {
    fixes: 0, looseFixes: 0, batches: 0, reports: 0, photos: 0, answers: 0, taskReports: 0, refused: 0,
  });
  assert.deepEqual(await storage.all('task_reports'), []);
  assert.equal(await outbox.recall('task'), undefined);

  const reloaded = await opened(storage);
  await reloaded.addFix(fixAt(2));
  const [next] = await reloaded.sealAll();
  assert.equal(next.seq, batch.seq + 1);
});

test('random ids are version 4 UUIDs, also without crypto.randomUUID', () => {
  const pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(randomId(), pattern);
  const id = randomId({ getRandomValues: (bytes) => bytes.fill(0xff) });
  assert.equal(id, 'ffffffff-ffff-4fff-bfff-ffffffffffff');
});

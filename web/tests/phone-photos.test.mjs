// Photo uploads from the outbox (js/phone/photos.js) with a fake fetch.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createOutbox } from '../js/phone/outbox.js';
import { createPhotoUploader, photoUploadUrl } from '../js/phone/photos.js';
import { createMemoryStorage } from '../js/phone/storage.js';
import { fakeTime } from './phone-fakes.mjs';

const jpeg = () => new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], { type: 'image/jpeg' });

async function setUp(answers) {
  const time = fakeTime();
  const outbox = createOutbox({ storage: createMemoryStorage(), now: time.now });
  await outbox.open();
  const requests = [];
  const fetchImpl = async (url, init) => {
    requests.push({ url, init });
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return { status: answer.status, json: async () => answer.body ?? {} };
  };
  const events = [];
  const uploader = createPhotoUploader({ outbox, getToken: () => 'dev_token1234', fetchImpl, timers: time.timers, onEvent: (e) => events.push(e) });
  return { outbox, uploader, requests, events, time };
}

test('the upload address carries the photo\'s id and what is known of it', () => {
  assert.equal(
    photoUploadUrl('8f2e', { case_id: '51aa', kind: 'clue', caption: 'Куртка у ручья', lat: 56.1, lon: 36.8, time: '2026-11-22T06:05:00Z' }),
    '/mobile/v1/photos?id=8f2e&case_id=51aa&kind=clue&caption=%D0%9A%D1%83%D1%80%D1%82%D0%BA%D0%B0+%D1%83+%D1%80%D1%83%D1%87%D1%8C%D1%8F&lat=56.1&lon=36.8&time=2026-11-22T06%3A05%3A00Z',
  );
  assert.equal(photoUploadUrl('8f2e', { case_id: null, caption: '', lat: null }), '/mobile/v1/photos?id=8f2e');
});

test('a stored photo is forgotten; the request has the device token and the picture', async () => {
  const { outbox, uploader, requests } = await setUp([{ status: 201 }]);
  await outbox.addPhoto({ id: 'p1', blob: jpeg(), params: { kind: 'clue' } });
  await uploader.run();
  assert.equal(requests.length, 1);
  assert.equal(requests[0].init.method, 'POST');
  assert.equal(requests[0].init.headers.Authorization, 'Bearer dev_token1234');
  assert.equal(requests[0].init.headers['Content-Type'], 'image/jpeg');
  assert.equal(requests[0].init.body.size, 4);
  assert.deepEqual(outbox.pendingPhotos(), []);
});

test('without a network the photo stays and is tried again 30 s later, with the same id', async () => {
  const { outbox, uploader, requests, time } = await setUp([new TypeError('offline'), { status: 503 }, { status: 200 }]);
  await outbox.addPhoto({ id: 'p1', blob: jpeg(), params: {} });
  await uploader.run();
  assert.equal(outbox.pendingPhotos().length, 1);
  await time.advance(30000);
  assert.equal(outbox.pendingPhotos().length, 1, 'a server error keeps it too');
  await time.advance(30000);
  assert.deepEqual(outbox.pendingPhotos(), []);
  assert.deepEqual(requests.map((r) => new URL(r.url, 'http://x').searchParams.get('id')), ['p1', 'p1', 'p1']);
});

test('a refused photo is kept aside with the server\'s reason, and the next one still goes', async () => {
  const { outbox, uploader, events } = await setUp([{ status: 422, body: { error: 'no_case', message: 'no current task' } }, { status: 201 }]);
  await outbox.addPhoto({ id: 'p1', blob: jpeg(), params: {} });
  await outbox.addPhoto({ id: 'p2', blob: jpeg(), params: {} });
  await uploader.run();
  assert.deepEqual(outbox.refused().map((r) => [r.id, r.refusal.code]), [['p1', 'no_case']]);
  assert.deepEqual(outbox.pendingPhotos(), []);
  assert.deepEqual(events.map((e) => e.type), ['refused', 'uploaded']);
});

test('a refused device token stops the uploads until the next run', async () => {
  const { outbox, uploader, requests, time } = await setUp([{ status: 401 }, { status: 201 }]);
  await outbox.addPhoto({ id: 'p1', blob: jpeg(), params: {} });
  await uploader.run();
  await time.advance(120000);
  assert.equal(requests.length, 1);
  assert.equal(outbox.pendingPhotos().length, 1);
  await uploader.run(); // after the next welcome
  assert.deepEqual(outbox.pendingPhotos(), []);
});

// The phone's alert list (js/phone/alerts.js): one entry per alert id, newest first, read and
// answered state, and the arrival time typed as HH:MM.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createAlertBook, etaFromTime } from '../js/phone/alerts.js';

const alert = (id, sentAt, extra = {}) => ({
  type: 'alert', id, case_id: null, text: `alert ${id}`, location: null, urgent: false, asks_answer: false,
  from: 'Ольга (координатор)', sent_at: sentAt, answer: null, ...extra,
});

test('the same alert id twice is shown once', () => {
  const book = createAlertBook();
  assert.equal(book.receive(alert('a1', '2026-11-22T06:10:00Z')).isNew, true);
  assert.equal(book.receive(alert('a1', '2026-11-22T06:10:00Z')).isNew, false);
  assert.equal(book.list().length, 1);
});

test('alerts are listed newest first, whatever order they arrive in', () => {
  const book = createAlertBook();
  book.receive(alert('old', '2026-11-22T06:00:00Z'));
  book.receive(alert('new', '2026-11-22T06:10:00.5Z'));
  book.receive(alert('mid', '2026-11-22T06:10:00Z'));
  assert.deepEqual(book.list().map((a) => a.id), ['new', 'mid', 'old']);
});

test('an alert stays read once seen, even when the server sends it again', () => {
  const book = createAlertBook();
  book.receive(alert('a1', '2026-11-22T06:10:00Z', { urgent: true }));
  assert.equal(book.unreadCount(), 1);
  assert.equal(book.markRead('a1'), true);
  assert.equal(book.markRead('a1'), false);
  const { entry } = book.receive(alert('a1', '2026-11-22T06:10:00Z', { urgent: true }));
  assert.equal(entry.read, true);
  assert.equal(book.unreadCount(), 0);
});

test('an answer is "sending" until acknowledged; the server\'s older answer does not overwrite it', () => {
  const book = createAlertBook();
  book.receive(alert('a1', '2026-11-22T06:10:00Z', { asks_answer: true }));
  book.answer('a1', 'going', '2026-11-22T07:30:00.000Z');
  // The server sends the alert again after a reconnect, still with the answer it had before.
  book.receive(alert('a1', '2026-11-22T06:10:00Z', { asks_answer: true, answer: 'cant' }));
  assert.deepEqual([book.get('a1').answer, book.get('a1').answerState], ['going', 'sending']);
  book.answerStored('a1');
  assert.deepEqual([book.get('a1').answer, book.get('a1').eta, book.get('a1').answerState], ['going', '2026-11-22T07:30:00.000Z', 'stored']);
});

test('an answer the server already has is shown as given', () => {
  const book = createAlertBook();
  const { entry } = book.receive(alert('a1', '2026-11-22T06:10:00Z', { asks_answer: true, answer: 'going' }));
  assert.deepEqual([entry.answer, entry.answerState], ['going', 'stored']);
});

test('the book is saved and restored as it was', () => {
  const book = createAlertBook();
  book.receive(alert('a1', '2026-11-22T06:10:00Z'));
  book.receive(alert('a2', '2026-11-22T06:20:00Z'));
  book.markRead('a1');
  const restored = createAlertBook(JSON.parse(JSON.stringify(book.toJSON())));
  assert.deepEqual(restored.list(), book.list());
  assert.equal(restored.receive(alert('a2', '2026-11-22T06:20:00Z')).isNew, false);
});

test('only the newest 100 alerts are kept', () => {
  const book = createAlertBook();
  for (let i = 0; i < 105; i += 1) book.receive(alert(`a${i}`, new Date(Date.UTC(2026, 10, 22, 0, i)).toISOString()));
  assert.equal(book.list().length, 100);
  assert.equal(book.get('a0'), null);
  assert.ok(book.get('a104'));
});

test('an arrival time is today, or tomorrow when that hour is well past', () => {
  const now = new Date(2026, 10, 22, 23, 40);
  assert.equal(etaFromTime('23:55', now), new Date(2026, 10, 22, 23, 55).toISOString());
  assert.equal(etaFromTime('23:10', now), new Date(2026, 10, 22, 23, 10).toISOString(), 'a little late is still today');
  assert.equal(etaFromTime('00:30', now), new Date(2026, 10, 23, 0, 30).toISOString());
  assert.equal(etaFromTime('7:05', new Date(2026, 10, 22, 6, 0)), new Date(2026, 10, 22, 7, 5).toISOString());
  for (const bad of ['', null, '25:00', '12:60', 'soon']) assert.equal(etaFromTime(bad, now), null, String(bad));
});

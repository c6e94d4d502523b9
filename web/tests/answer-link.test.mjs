// The answer page behind a call-out's link (js/answer-link.js): its token, its language, and
// what a failure means to the volunteer.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { failureKind, pageLanguage, tokenFromPath } from '../js/answer-link.js';

test('the token is the last segment of /r/<token>', () => {
  assert.equal(tokenFromPath('/r/Ab3_x-9.k~'), 'Ab3_x-9.k~');
  assert.equal(tokenFromPath('/r/abc123/'), 'abc123');
  assert.equal(tokenFromPath('/sweep/r/abc123'), 'abc123', 'behind a path prefix');
  assert.equal(tokenFromPath('/answer.html'), null);
  assert.equal(tokenFromPath('/r/'), null);
  assert.equal(tokenFromPath('/r/a%20b'), null);
  assert.equal(tokenFromPath('/r/%E0%A4%A'), null);
});

test("the page speaks the volunteer's language, else the browser's", () => {
  assert.equal(pageLanguage('en', 'ru-RU'), 'en');
  assert.equal(pageLanguage('ru', 'en-GB'), 'ru');
  assert.equal(pageLanguage(null, 'ru-RU'), 'ru');
  assert.equal(pageLanguage('de', 'en-US'), 'en');
  assert.equal(pageLanguage(undefined, undefined), 'en');
});

test('failures: an expired link, an unknown one, a closed call-out, no network', () => {
  assert.equal(failureKind({ status: 410, code: 'link_expired' }), 'expired');
  assert.equal(failureKind({ status: 404, code: 'not_found' }), 'unknown');
  assert.equal(failureKind({ status: 409, code: 'alert_closed' }), 'closed');
  assert.equal(failureKind({ status: 0, code: 'network_error' }), 'network');
  assert.equal(failureKind({ status: 500, code: 'internal' }), 'other');
  assert.equal(failureKind(null), 'other');
});

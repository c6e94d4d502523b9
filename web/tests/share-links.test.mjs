// Read-only links: the duration chosen in the form, a link's status, the secret in the shared
// page's address (js/share-links.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { durationHours, linkStatus, shareLinkSecret } from '../js/share-links.js';

test('a duration in hours or days becomes whole hours', () => {
  assert.equal(durationHours('1', 'hours'), 1);
  assert.equal(durationHours('36', 'hours'), 36);
  assert.equal(durationHours('7', 'days'), 168);
  assert.equal(durationHours(' 30 ', 'days'), 720);
  assert.equal(durationHours(720, 'hours'), 720);
});

test('a duration outside 1 hour..30 days, or not a whole number, is refused', () => {
  for (const [amount, unit] of [['0', 'hours'], ['721', 'hours'], ['31', 'days'], ['0', 'days'], ['', 'days'],
    ['1.5', 'days'], ['-2', 'hours'], ['2e1', 'hours'], ['abc', 'hours'], [null, 'days'], ['3', 'weeks']]) {
    assert.equal(durationHours(amount, unit), null, `${amount} ${unit}`);
  }
});

test('a link is active until it expires or is revoked', () => {
  const now = new Date('2026-03-12T12:00:00Z');
  assert.equal(linkStatus({ expires_at: '2026-03-12T12:00:01Z', revoked_at: null }, now), 'active');
  assert.equal(linkStatus({ expires_at: '2026-03-12T12:00:00Z', revoked_at: null }, now), 'expired');
  assert.equal(linkStatus({ expires_at: '2026-03-20T00:00:00Z', revoked_at: '2026-03-12T11:00:00Z' }, now), 'revoked');
  assert.equal(linkStatus({ expires_at: '2026-03-01T00:00:00Z', revoked_at: '2026-02-27T00:00:00Z' }, now), 'revoked',
    'revoked says more than expired');
});

test('the secret is what follows "#" in the address', () => {
  assert.equal(shareLinkSecret('#q8Vf-3kZ_x'), 'q8Vf-3kZ_x');
  assert.equal(shareLinkSecret('q8Vf-3kZ_x'), 'q8Vf-3kZ_x');
  assert.equal(shareLinkSecret('#abc%2Bdef'), 'abc+def', 'percent-encoded by a mail client');
  assert.equal(shareLinkSecret('#  abc  '), 'abc');
});

test('an address without a usable secret gives null', () => {
  for (const hash of ['', '#', '# ', null, undefined, '#ab cd', '#%E0%A4%A', `#${'x'.repeat(201)}`]) {
    assert.equal(shareLinkSecret(hash), null, String(hash));
  }
});

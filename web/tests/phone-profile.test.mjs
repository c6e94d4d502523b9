// The volunteer's profile from the phone (js/phone/profile.js) with a fake fetch: the device
// token goes along, failures say whether the server was reached, and what the profile says
// about consent to location tracking.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  consentState, createProfileClient, needsConsent, phoneChanges, withConsent,
} from '../js/phone/profile.js';

function fakeFetch(answers) {
  const requests = [];
  const fetchImpl = async (url, init) => {
    requests.push({ url, init });
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return { status: answer.status, ok: answer.status >= 200 && answer.status < 300, json: async () => answer.body ?? null };
  };
  return { requests, fetchImpl };
}

test('the profile is read and changed with the device token', async () => {
  const profile = { id: 'v1', name: 'Сокол', tracking_consent_at: null };
  const { requests, fetchImpl } = fakeFetch([{ status: 200, body: profile }, { status: 200, body: { ...profile, call_sign: 'Сокол-1' } }]);
  const client = createProfileClient({ getToken: () => 'dev_token1234', fetchImpl });
  assert.deepEqual(await client.get(), profile);
  assert.equal((await client.patch({ call_sign: 'Сокол-1' })).call_sign, 'Сокол-1');
  assert.deepEqual(requests.map((r) => [r.url, r.init.method]), [['/mobile/v1/profile', 'GET'], ['/mobile/v1/profile', 'PATCH']]);
  assert.equal(requests[0].init.headers.Authorization, 'Bearer dev_token1234');
  assert.equal(requests[1].init.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(requests[1].init.body), { call_sign: 'Сокол-1' });
  assert.equal(requests[0].init.credentials, 'omit');
});

test('a failure says whether the server was reached, and its error code', async () => {
  const { fetchImpl } = fakeFetch([
    new TypeError('offline'),
    { status: 409, body: { error: 'already_exists', message: 'Лиса already has this e-mail address', details: { field: 'email' } } },
    { status: 502 },
  ]);
  const client = createProfileClient({ getToken: () => 't', fetchImpl });
  await assert.rejects(client.get(), { status: 0, code: 'network_error' });
  await assert.rejects(client.patch({ email: 'x@y.z' }), { status: 409, code: 'already_exists', details: { field: 'email' } });
  await assert.rejects(client.get(), { status: 502, code: 'http_502' });
});

test('consent is given, withdrawn, never given, or unknown before the profile was read', () => {
  assert.equal(consentState(null), 'unknown');
  assert.equal(consentState({ tracking_consent_at: null, tracking_consent_withdrawn_at: null }), 'never');
  assert.equal(consentState({ tracking_consent_at: '2026-11-01T10:00:00Z', tracking_consent_withdrawn_at: null }), 'given');
  assert.equal(consentState({ tracking_consent_at: '2026-11-01T10:00:00Z', tracking_consent_withdrawn_at: '2026-11-02T10:00:00Z' }), 'withdrawn');
  assert.equal(consentState({ tracking_consent_at: '2026-11-03T10:00:00Z', tracking_consent_withdrawn_at: '2026-11-02T10:00:00Z' }), 'given', 'given again after withdrawing');
  assert.equal(needsConsent({ tracking_consent_at: '2026-11-01T10:00:00Z' }), false);
  assert.equal(needsConsent(null), true);
});

test('consent given or withdrawn on the phone shows at once, before the server answers', () => {
  const at = '2026-11-22T06:00:00.000Z';
  const given = withConsent({ name: 'Сокол', tracking_consent_withdrawn_at: '2026-11-20T00:00:00Z' }, true, at);
  assert.equal(consentState(given), 'given');
  assert.equal(given.name, 'Сокол');
  assert.equal(consentState(withConsent(given, false, '2026-11-22T07:00:00.000Z')), 'withdrawn');
  assert.equal(consentState(withConsent(null, false, at)), 'withdrawn');
});

test('the phone sends only the fields a volunteer may change', () => {
  assert.deepEqual(phoneChanges({ name: 'X', notes: 'n', vetting: 'approved', call_sign: 'Лиса', muted_until: null }),
    { call_sign: 'Лиса', muted_until: null });
});

// The device token from the dispatcher's link (js/phone/link.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addressWithoutToken, tokenFromHash, tokenFromText } from '../js/phone/link.js';

test('the token is read from the fragment of the link', () => {
  assert.equal(tokenFromHash('#token=dev_Zm9vYmFy-_x'), 'dev_Zm9vYmFy-_x');
  assert.equal(tokenFromHash('#lang=ru&token=dev_Zm9vYmFyYmF6'), 'dev_Zm9vYmFyYmF6');
  for (const none of ['', '#', '#token=', '#other=1', '#token=a b c', null]) assert.equal(tokenFromHash(none), null, String(none));
});

test('a pasted link, fragment or bare token are all understood', () => {
  assert.equal(tokenFromText(' https://sweep.example/phone/#token=dev_Zm9vYmFyYmF6 '), 'dev_Zm9vYmFyYmF6');
  assert.equal(tokenFromText('token=dev_Zm9vYmFyYmF6'), 'dev_Zm9vYmFyYmF6');
  assert.equal(tokenFromText('dev_Zm9vYmFyYmF6'), 'dev_Zm9vYmFyYmF6');
  for (const none of ['', 'hello there', 'https://sweep.example/phone/', 'short']) assert.equal(tokenFromText(none), null, none);
});

test('the address loses its fragment, keeps the rest', () => {
  assert.equal(addressWithoutToken({ pathname: '/phone/', search: '?x=1', hash: '#token=dev_abc' }), '/phone/?x=1');
});

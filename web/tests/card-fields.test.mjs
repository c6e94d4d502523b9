// The bodies sent for a new card and for an edit (js/card-fields.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cardChanges, cardFromReport, newCardBody, similarQuery } from '../js/card-fields.js';

const loaded = {
  id: 'c1',
  version: 3,
  full_name: 'Иванова Мария Петровна',
  category: 'elderly',
  sex: 'female',
  birth_date: '1946-05-02',
  estimated_age: null,
  height_cm: 160,
  clothing: 'синее пальто',
  last_seen_at: '2026-03-01T06:12:44.518203Z',
  last_seen: { lat: 55.1, lon: 37.2 },
  contacts: [{ name: 'Сын', relation: 'сын', phone: '+7 900 000-00-00', note: null }],
  police_unit: null,
};

test('an untouched card has no changes, whatever the spelling of empty values', () => {
  const same = { ...loaded, police_unit: '', estimated_age: '', height_cm: '160', special_marks: '  ' };
  assert.deepEqual(cardChanges(loaded, same), {});
});

test('an edit sends only the changed fields, and null for a cleared one', () => {
  const edited = { ...loaded, clothing: 'красная куртка ', height_cm: '', last_seen: { lat: 55.2, lon: 37.2 } };
  assert.deepEqual(cardChanges(loaded, edited), {
    height_cm: null,
    clothing: 'красная куртка',
    last_seen: { lat: 55.2, lon: 37.2 },
  });
});

test('contacts are compared as a whole; blank rows do not count', () => {
  const blankRow = { ...loaded, contacts: [...loaded.contacts, { name: ' ', relation: '', phone: '', note: '' }] };
  assert.deepEqual(cardChanges(loaded, blankRow), {});
  const added = { ...loaded, contacts: [...loaded.contacts, { name: 'Соседка', relation: '', phone: '', note: '' }] };
  assert.deepEqual(cardChanges(loaded, added).contacts, [
    { name: 'Сын', relation: 'сын', phone: '+7 900 000-00-00', note: null },
    { name: 'Соседка', relation: null, phone: null, note: null },
  ]);
});

test('a new card sends the fields that have a value, and no id or version', () => {
  const body = newCardBody({ full_name: ' Петров Пётр ', category: 'teenager', estimated_age: '15', clothing: '', contacts: [] });
  assert.deepEqual(body, { full_name: 'Петров Пётр', category: 'teenager', estimated_age: 15, contacts: [] });
});

test('a card from a report takes its text, its caller and the caller location', () => {
  const card = cardFromReport({
    number: 'R-2026-0012',
    text: 'Ушла из дома вечером',
    caller_name: 'Анна',
    caller_phone: '+7 901',
    caller_location: { lat: 1, lon: 2 },
  }, 'обращение R-2026-0012');
  assert.equal(card.circumstances, 'Ушла из дома вечером');
  assert.deepEqual(card.contacts, [{ name: 'Анна', relation: '', phone: '+7 901', note: 'обращение R-2026-0012' }]);
  assert.deepEqual(card.last_seen, { lat: 1, lon: 2 });
  assert.deepEqual(cardFromReport({ text: '' }), { contacts: [] });
});

test('duplicates are looked up only with enough typed', () => {
  assert.equal(similarQuery({ full_name: 'Ив', birth_date: '', person_phone: '12' }), null);
  assert.equal(similarQuery({ full_name: '', birth_date: '2010-01-01', person_phone: '' }), null, 'a year alone says too little');
  assert.equal(String(similarQuery({ full_name: 'Иванова', birth_date: '2010-01-01', person_phone: '' })),
    'full_name=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%D0%B0&birth_year=2010');
  assert.equal(String(similarQuery({ full_name: '', birth_date: '', person_phone: '+7 (900) 1' })), 'phone=%2B7+%28900%29+1');
});

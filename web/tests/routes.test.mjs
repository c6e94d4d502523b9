// The console's hash addresses: parsed into routes and built back (js/routes.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { href, parseRoute } from '../js/routes.js';

test('an empty address and #/map open the map', () => {
  for (const hash of ['', '#', '#/', '#/map', '#/map/']) {
    assert.deepEqual(parseRoute(hash), { name: 'map', section: 'map', params: {} }, hash);
  }
});

test('each documented address gives its route and section', () => {
  const cases = [
    ['#/cases', { name: 'cases', section: 'cases' }],
    ['#/cases/new', { name: 'case-new', section: 'cases' }],
    ['#/cases/0b6d3c1e-5b1a-4d8e-9a52-8a0f3e2c1d00', { name: 'case', section: 'cases', id: '0b6d3c1e-5b1a-4d8e-9a52-8a0f3e2c1d00' }],
    ['#/cases/abc/edit', { name: 'case-edit', section: 'cases', id: 'abc' }],
    ['#/reports', { name: 'reports', section: 'reports' }],
    ['#/reports/new', { name: 'report-new', section: 'reports' }],
    ['#/reports/r1', { name: 'report', section: 'reports', id: 'r1' }],
    ['#/shift', { name: 'shift', section: 'shift' }],
    ['#/statistics', { name: 'statistics', section: 'statistics' }],
    ['#/volunteers', { name: 'volunteers', section: 'volunteers' }],
    ['#/callouts', { name: 'callouts', section: 'callouts' }],
    ['#/callouts/a9', { name: 'callout', section: 'callouts', id: 'a9' }],
    ['#/admin/checklists', { name: 'checklists', section: 'admin' }],
    ['#/admin/checklists/new', { name: 'checklist-new', section: 'admin' }],
    ['#/admin/checklists/t7', { name: 'checklist', section: 'admin', id: 't7' }],
  ];
  for (const [hash, expected] of cases) {
    assert.deepEqual(parseRoute(hash), { ...expected, params: {} }, hash);
  }
});

test('the query after "?" becomes params', () => {
  assert.deepEqual(parseRoute('#/reports/new?call=c-42'), { name: 'report-new', section: 'reports', params: { call: 'c-42' } });
  assert.deepEqual(parseRoute('#/cases/new?report=r%2F1').params, { report: 'r/1' });
  assert.deepEqual(parseRoute('#/cases/x?tab=tasks').params, { tab: 'tasks' });
});

test('unknown or malformed addresses give null', () => {
  for (const hash of ['#/nowhere', '#/cases/a/b', '#/cases/a/edit/more', '#/reports/a/b', '#/admin',
    '#/admin/users', '#/shift/x', '#/statistics/2026', '#/volunteers/x', '#/callouts/a/b', '#/map/x', '#/cases/%E0%A4%A']) {
    assert.equal(parseRoute(hash), null, hash);
  }
});

test('ids are percent-decoded, and href encodes them back', () => {
  assert.equal(parseRoute('#/cases/a%20b').id, 'a b');
  assert.equal(href.case('a b'), '#/cases/a%20b');
  assert.equal(parseRoute(href.case('a/b')).id, 'a/b');
});

test('every href builder gives an address parseRoute reads back', () => {
  const built = [
    [href.map(), 'map'], [href.cases(), 'cases'], [href.case('c1'), 'case'],
    [href.case('c1', { tab: 'tasks' }), 'case'], [href.caseEdit('c1'), 'case-edit'],
    [href.caseNew(), 'case-new'], [href.caseNew({ fromReport: 'r1' }), 'case-new'],
    [href.reports(), 'reports'], [href.report('r1'), 'report'], [href.reportNew(), 'report-new'],
    [href.reportNew({ call: 'k1' }), 'report-new'], [href.shift(), 'shift'], [href.statistics(), 'statistics'],
    [href.volunteers(), 'volunteers'], [href.callouts(), 'callouts'], [href.callouts({ fromCase: 'c1' }), 'callouts'],
    [href.callout('a1'), 'callout'],
    [href.checklists(), 'checklists'], [href.checklist('t1'), 'checklist'], [href.checklistNew(), 'checklist-new'],
  ];
  for (const [address, name] of built) assert.equal(parseRoute(address)?.name, name, address);
  assert.deepEqual(parseRoute(href.caseNew({ fromReport: 'r1' })).params, { report: 'r1' });
  assert.deepEqual(parseRoute(href.reportNew({ call: 'k1' })).params, { call: 'k1' });
  assert.deepEqual(parseRoute(href.callouts({ fromCase: 'c1' })).params, { case: 'c1' });
  assert.equal(href.caseNew({}), '#/cases/new', 'no empty query');
});

test('the map address can name an operation to watch and a volunteer to centre on', () => {
  assert.equal(href.map(), '#/map');
  assert.deepEqual(parseRoute(href.map({ watch: 'op-1' })), { name: 'map', section: 'map', params: { watch: 'op-1' } });
  assert.deepEqual(parseRoute(href.map({ volunteer: 'v/1' })).params, { volunteer: 'v/1' });
});

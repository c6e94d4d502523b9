// Squares on the map (js/coverage-scale.js): the step of the colour scale a value falls in, the
// measure chosen, the figures of a square's popup, and when labels fit in the squares.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  areaParts, coverageStep, labelsFit, legendSteps, measureOf, normalMeasure, percentNumber, squareSide, stepStyle,
} from '../js/coverage-scale.js';

test('a value falls in one of six steps: nothing, under 20, 40, 60, 80%, and 80% or more', () => {
  const cases = [[0, 0], [-0.1, 0], [Number.NaN, 0], [null, 0], [0.0001, 1], [0.08, 1], [0.1999, 1], [0.2, 2],
    [0.39, 2], [0.4, 3], [0.5999, 3], [0.6, 4], [0.7999, 4], [0.8, 5], [0.95, 5], [1, 5], [1.2, 5]];
  for (const [value, step] of cases) assert.equal(coverageStep(value), step, String(value));
});

test('the fill darkens and thickens step by step, and an unsearched square stays almost clear', () => {
  const opacities = [0, 1, 2, 3, 4, 5].map((step) => stepStyle(step).fillOpacity);
  assert.ok(opacities[0] <= 0.1, 'nothing: almost transparent');
  for (let i = 1; i < opacities.length; i += 1) assert.ok(opacities[i] > opacities[i - 1], `step ${i}`);
  const colours = new Set([0, 1, 2, 3, 4, 5].map((step) => stepStyle(step).fillColor));
  assert.equal(colours.size, 6);
  assert.deepEqual(stepStyle(9), stepStyle(5));
  assert.deepEqual(stepStyle(-1), stepStyle(0));
});

test('the legend has the six steps with their limits', () => {
  assert.deepEqual(legendSteps().map(({ from, to }) => [from, to]),
    [[0, 0], [0, 0.2], [0.2, 0.4], [0.4, 0.6], [0.6, 0.8], [0.8, null]]);
  assert.deepEqual(legendSteps().map(({ step }) => step), [0, 1, 2, 3, 4, 5]);
});

test('"coverage" colours by the share swept, "pod" by the probability of detection', () => {
  const square = { geometric: 0.08, pod: 0.1479, effort: 0.16 };
  assert.equal(measureOf(square, 'coverage'), 0.08);
  assert.equal(measureOf(square, 'pod'), 0.1479);
  assert.equal(measureOf(square, 'something old'), 0.08);
  assert.equal(measureOf({}, 'pod'), 0);
  assert.equal(normalMeasure('pod'), 'pod');
  assert.equal(normalMeasure(null), 'coverage');
});

test('percentages are rounded down, so a square is never shown at a step it has not reached', () => {
  assert.equal(percentNumber(0.08, 'en'), '8');
  assert.equal(percentNumber(0.0769, 'en'), '7.6');
  assert.equal(percentNumber(0.0769, 'ru'), '7,6');
  assert.equal(percentNumber(0.1479, 'en'), '14');
  assert.equal(percentNumber(0.7999, 'en'), '79');
  assert.equal(percentNumber(1, 'en'), '100');
  assert.equal(percentNumber(0, 'en'), '0');
  assert.equal(percentNumber(Number.NaN, 'en'), '0');
});

test('areas are given in m², hectares or km²', () => {
  assert.deepEqual(areaParts(62500, 'en'), { unit: 'ha', n: '6.25' });
  assert.deepEqual(areaParts(62500, 'ru'), { unit: 'ha', n: '6,25' });
  assert.deepEqual(areaParts(250000, 'en'), { unit: 'ha', n: '25' });
  assert.deepEqual(areaParts(3_215_000, 'en'), { unit: 'km2', n: '3.22' });
  assert.deepEqual(areaParts(40, 'en'), { unit: 'm2', n: '40' });
});

test('labels are shown once a square is about 40 pixels wide on the screen', () => {
  // 250 m at 56° N: about 47 px at zoom 14, 23 px at zoom 13.
  assert.equal(labelsFit(250, 56, 14), true);
  assert.equal(labelsFit(250, 56, 13), false);
  assert.equal(labelsFit(1000, 56, 12), true);
  assert.equal(labelsFit(0, 56, 18), false);
});

test('a square\'s side is its grid\'s cell size, not guessed from its (clipped) area', () => {
  assert.equal(squareSide({ area_m2: 1200, cell_size_m: 250 }), 250);
  assert.equal(squareSide({ area_m2: 62500 }), 0);
  assert.equal(squareSide({ cell_size_m: null }), 0);
  assert.equal(squareSide(null), 0);
});

// ---- POA and POS: probabilities over the squares, coloured relative to the largest ----------

test('POA and POS are read from their own figures, and are null while no POA is set', async () => {
  const { measureValue, hasPoa, isRelativeMeasure } = await import('../js/coverage-scale.js');
  const square = { geometric: 0.08, pod: 0.0769, poa_initial: 0.75, poa: 0.7347, pos: 0.0577 };
  assert.equal(measureOf(square, 'poa'), 0.7347);
  assert.equal(measureOf(square, 'pos'), 0.0577);
  assert.equal(measureValue({ geometric: 0.1, poa: null, pos: null }, 'poa'), null);
  assert.equal(measureOf({ geometric: 0.1, poa: null }, 'poa'), 0);
  assert.equal(normalMeasure('poa'), 'poa');
  assert.equal(normalMeasure('pos'), 'pos');
  assert.equal(isRelativeMeasure('poa'), true);
  assert.equal(isRelativeMeasure('pod'), false);
  assert.equal(hasPoa([{ properties: { poa: null } }, { properties: { poa: 0 } }]), true);
  assert.equal(hasPoa([{ properties: { poa: null } }]), false);
  assert.equal(hasPoa(null), false);
});

test('POA steps halve from the likeliest square, which is always in the darkest step', async () => {
  const { measureScale, squareStep } = await import('../js/coverage-scale.js');
  // Shares of the likeliest square: 1, 0.75, 0.45, 0.2, 0.1, 0.05, 0.
  const features = [0.02, 0.015, 0.009, 0.004, 0.002, 0.001, 0].map((poa) => ({ properties: { poa, geometric: 0.5 } }));
  const max = measureScale(features, 'poa');
  assert.equal(max, 0.02);
  assert.deepEqual(features.map((f) => squareStep(f.properties, 'poa', max)), [5, 5, 4, 3, 2, 1, 0]);
  assert.deepEqual(legendSteps('poa').map(({ from, to }) => [from, to]),
    [[0, 0], [0, 1 / 16], [1 / 16, 1 / 8], [1 / 8, 1 / 4], [1 / 4, 1 / 2], [1 / 2, null]]);
  // Coverage ignores the scale: fixed steps.
  assert.equal(measureScale(features, 'coverage'), 1);
  assert.equal(squareStep({ geometric: 0.5 }, 'coverage', 1), 3);
  // No POA: nothing to scale to, every square in step 0.
  const none = [{ properties: { poa: null } }];
  assert.equal(measureScale(none, 'poa'), 0);
  assert.equal(squareStep(none[0].properties, 'poa', 0), 0);
  // POS is scaled the same way, to the highest POS.
  const pos = [{ properties: { pos: 0.0577 } }, { properties: { pos: 0.01 } }];
  assert.equal(squareStep(pos[1].properties, 'pos', measureScale(pos, 'pos')), 3);
});

test('POA and POS have their own hues, so a probability map is not taken for a coverage map', () => {
  const hues = (measure) => [1, 2, 3, 4, 5].map((step) => stepStyle(step, measure).fillColor);
  assert.notDeepEqual(hues('poa'), hues('coverage'));
  assert.notDeepEqual(hues('pos'), hues('poa'));
  assert.deepEqual(hues('pod'), hues('coverage'));
  assert.equal(stepStyle(3, 'poa').fillOpacity, stepStyle(3).fillOpacity);
});

test('small probabilities are written to two significant figures', async () => {
  const { probabilityNumber } = await import('../js/coverage-scale.js');
  assert.equal(probabilityNumber(0.7347, 'en'), '73');
  assert.equal(probabilityNumber(0.0577, 'en'), '5.8');
  assert.equal(probabilityNumber(0.0577, 'ru'), '5,8');
  assert.equal(probabilityNumber(0.0035, 'en'), '0.35');
  assert.equal(probabilityNumber(0.00004, 'en'), '<0.01');
  assert.equal(probabilityNumber(0, 'en'), '0');
  assert.equal(probabilityNumber(null, 'en'), '0');
});

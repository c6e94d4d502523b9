// The words for search areas and squares, in the language on show: sizes, percentages, a
// square's figures, the legend's steps, and what is wrong with a drawn or imported outline.

import { areaParts, formatNumber, isRelativeMeasure, percentNumber, probabilityNumber } from './coverage-scale.js';
import { getLanguage, t } from './i18n.js';

/** "6.25 ha", "3.2 km²" or "40 m²". */
export function areaText(m2) {
  const { unit, n } = areaParts(m2, getLanguage());
  switch (unit) {
    case 'km2':
      return t('area.size.km2', { n });
    case 'ha':
      return t('area.size.ha', { n });
    default:
      return t('area.size.m2', { n });
  }
}

/** "14%" for 0.1479, rounded down. */
export function percentText(value) {
  return t('squares.percent', { n: percentNumber(value, getLanguage()) });
}

/** "4.2%", "0.35%": a square's POA or POS (js/coverage-scale.js probabilityNumber). */
export function probabilityText(value) {
  return t('squares.percent', { n: probabilityNumber(value, getLanguage()) });
}

/** The legend's title for the measure the squares are coloured by. */
export function measureTitle(measure) {
  switch (measure) {
    case 'pod':
      return t('squares.legend.pod');
    case 'poa':
      return t('squares.legend.poa');
    case 'pos':
      return t('squares.legend.pos');
    default:
      return t('squares.legend.coverage');
  }
}

/**
 * A legend row: "0%", "<20%", "20–40%", "≥80%"; for POA and POS, shares of the likeliest
 * square: "<6.25% of max", "25–50% of max", "≥50% of max".
 */
export function legendLabel({ from, to }, measure = 'coverage') {
  if (isRelativeMeasure(measure)) {
    // Halving steps: 6.25, 12.5, 25, 50% of the largest.
    const n = (fraction) => formatNumber(fraction * 100, getLanguage(), 2);
    if (to === 0) return t('squares.legend.nothing');
    if (to === null) return t('squares.legend.rel_above', { from: n(from) });
    if (from === 0) return t('squares.legend.rel_below', { to: n(to) });
    return t('squares.legend.rel_range', { from: n(from), to: n(to) });
  }
  const n = (fraction) => formatNumber(fraction * 100, getLanguage(), 0);
  if (to === 0) return t('squares.legend.nothing');
  if (to === null) return t('squares.legend.above', { from: n(from) });
  if (from === 0) return t('squares.legend.below', { to: n(to) });
  return t('squares.legend.range', { from: n(from), to: n(to) });
}

/** The note under a relative legend: what 100% is ("100% = the likeliest square, 4.2%"). */
export function legendNote(measure, scale) {
  if (!isRelativeMeasure(measure) || !(scale > 0)) return '';
  return measure === 'pos'
    ? t('squares.legend.pos_max', { percent: probabilityText(scale) })
    : t('squares.legend.poa_max', { percent: probabilityText(scale) });
}

/** The lines of a square's popup under its label. */
export function squareFacts(props) {
  const language = getLanguage();
  const poaSet = Number.isFinite(props.poa);
  return [
    t('squares.fact.coverage', { percent: percentText(props.geometric) }),
    t('squares.fact.pod', { percent: percentText(props.pod) }),
    t('squares.fact.effort', { c: formatNumber(Number.isFinite(props.effort) ? props.effort : 0, language, 2) }),
    t('squares.fact.sorties', { n: Number.isFinite(props.sorties) ? props.sorties : 0 }),
    poaSet ? t('squares.fact.poa', {
      initial: probabilityText(Number.isFinite(props.poa_initial) ? props.poa_initial : 0),
      now: probabilityText(props.poa),
    }) : t('squares.fact.poa_unset'),
    poaSet && Number.isFinite(props.pos) ? t('squares.fact.pos', { percent: probabilityText(props.pos) }) : null,
    t('squares.fact.area', { area: areaText(props.area_m2) }),
  ].filter(Boolean);
}

/** Why a drawn or imported outline cannot be sent (js/area-drawing.js, js/geojson-import.js). */
export function outlineProblemText(problem) {
  switch (problem) {
    case 'too_few':
      return t('area.problem.too_few');
    case 'crosses':
      return t('area.problem.crosses');
    case 'too_big':
      return t('area.problem.too_big');
    case 'not_json':
      return t('area.problem.not_json');
    case 'no_polygon':
      return t('area.problem.no_polygon');
    case 'not_wgs84':
      return t('area.problem.not_wgs84');
    case 'too_large_file':
      return t('area.problem.too_large_file');
    default:
      return t('area.problem.bad_coordinates');
  }
}

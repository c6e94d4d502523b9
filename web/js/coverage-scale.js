// How a square is coloured on the map: the measure chosen (geometric coverage, POD, POA or POS),
// its step on a sequential scale of six, and the figures of its popup in the reader's language.
// Whether the squares are big enough on screen to carry their labels. No DOM here, so
// tests/coverage-scale.test.mjs runs it in node; js/squares-layer.js draws with it.
//
// Coverage and POD are shares of one square (0 to 100% each): fixed steps (nothing, under 20%,
// under 40%, under 60%, under 80%, 80% and more) read the same on every map.
//
// POA and POS are not: the squares' POA add up to 1, so with 250 squares the average is 0.4% and
// fixed steps would leave every square in the first one. They are coloured relative to the
// likeliest square of the operation on show, which is what a coordinator reads them for: where
// the next group goes. The steps halve: half the maximum and more, a quarter, an eighth, a
// sixteenth, less (RELATIVE_LIMITS). Probability falls off steeply away from the last-seen point
// (rings of 300 m, 800 m, 1.6 km… each holding a quarter), and steps of a fifth of the maximum
// put all but a couple of squares in the first step; halving steps keep the rings apart. The
// likeliest square is always in the darkest step. The legend says "of max" and gives the
// maximum's own figure; the popup gives every square's absolute figures. The price: a colour
// means another absolute value in another operation, or after Bayes moved the POA. POS
// (POA₀ × POD) is scaled the same way. They have their own hues, so a POA map is never taken for
// a coverage map.

/** The measures a square can be coloured by. */
export const MEASURES = ['coverage', 'pod', 'poa', 'pos'];
export const DEFAULT_MEASURE = 'coverage';

/** Whether the measure is a probability over the squares, scaled to its largest square. */
export const isRelativeMeasure = (measure) => measure === 'poa' || measure === 'pos';

/** Upper limits of steps 1 to 4; step 5 is this and more, step 0 is nothing at all. */
export const STEP_LIMITS = [0.2, 0.4, 0.6, 0.8];

/** The same for POA and POS, as shares of the largest square: halving steps. */
export const RELATIVE_LIMITS = [1 / 16, 1 / 8, 1 / 4, 1 / 2];

// One hue, light to dark (ColorBrewer BuGn, the darker five of seven), and a fill that grows
// with it: an unsearched square is almost clear, so the map under it still reads; a combed one is
// plainly dark. A single hue reads the same for people who do not tell red from green. The
// tracks are drawn over the squares, so a dark fill does not hide them.
const FILL_OPACITIES = [0.05, 0.5, 0.55, 0.6, 0.65, 0.7];
const PALETTES = {
  coverage: ['#ffffff', '#99d8c9', '#66c2a4', '#41ae76', '#238b45', '#005824'],
  // POA: ColorBrewer OrRd, warm, "look here".
  poa: ['#ffffff', '#fdd49e', '#fdbb84', '#fc8d59', '#e34a33', '#b30000'],
  // POS: ColorBrewer BuPu.
  pos: ['#ffffff', '#bfd3e6', '#9ebcda', '#8c96c6', '#8856a7', '#810f7c'],
};
const OUTLINE = { color: '#37474f', weight: 1, opacity: 0.7 };

/** One of MEASURES: anything else (an old remembered choice) is the default. */
export function normalMeasure(value) {
  return MEASURES.includes(value) ? value : DEFAULT_MEASURE;
}

const FIELDS = { coverage: 'geometric', pod: 'pod', poa: 'poa', pos: 'pos' };

/**
 * The figure 0..1 of a square for a measure (`geometric` for "coverage", `pod`, `poa`, `pos`),
 * or null when the square has none (no POA set for the operation).
 */
export function measureValue(properties, measure) {
  const value = properties?.[FIELDS[normalMeasure(measure)]];
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : null;
}

/** The value 0..1 a square is coloured by (0 when it has none). */
export function measureOf(properties, measure) {
  return measureValue(properties, measure) ?? 0;
}

/** Whether any of the squares (GeoJSON features, or their properties) has a POA set. */
export function hasPoa(squares) {
  return (Array.isArray(squares) ? squares : [])
    .some((square) => Number.isFinite((square?.properties ?? square)?.poa));
}

/**
 * What a relative measure is scaled to: the largest value among the squares (features or their
 * properties), 0 when none has one. 1 for coverage and POD, which are not scaled.
 */
export function measureScale(squares, measure) {
  if (!isRelativeMeasure(measure)) return 1;
  let max = 0;
  for (const square of Array.isArray(squares) ? squares : []) {
    max = Math.max(max, measureOf(square?.properties ?? square, measure));
  }
  return max;
}

/** A square's step for `measure`, given the scale from measureScale (steps of its share). */
export function squareStep(properties, measure, scale = 1) {
  const value = measureOf(properties, measure);
  if (!isRelativeMeasure(measure)) return coverageStep(value);
  if (!(scale > 0) || !(value > 0)) return 0;
  return coverageStep(Math.min(1, value / scale), RELATIVE_LIMITS);
}

/**
 * 0 for nothing (or no number), 1 under 20%, 2 under 40%, 3 under 60%, 4 under 80%, 5 from 80%
 * (or under the other `limits` given).
 */
export function coverageStep(value, limits = STEP_LIMITS) {
  if (!Number.isFinite(value) || value <= 0) return 0;
  const below = limits.findIndex((limit) => value < limit);
  return below < 0 ? limits.length + 1 : below + 1;
}

/** The limits of the steps of a measure: fixed, or shares of the largest square. */
export const stepLimits = (measure) => (isRelativeMeasure(measure) ? RELATIVE_LIMITS : STEP_LIMITS);

/** Leaflet path options for a square of this step (outline, fill colour and opacity) and measure. */
export function stepStyle(step, measure = DEFAULT_MEASURE) {
  const index = Math.min(FILL_OPACITIES.length - 1, Math.max(0, Math.trunc(step) || 0));
  const palette = PALETTES[normalMeasure(measure)] ?? PALETTES.coverage;
  return { ...OUTLINE, fillColor: palette[index], fillOpacity: FILL_OPACITIES[index] };
}

/**
 * The legend's rows for a measure, first (nothing) to last: {step, from, to} with from/to as
 * fractions (of the largest square for POA and POS; to null for the last, open-ended step; from
 * and to 0 for the first).
 */
export function legendSteps(measure = DEFAULT_MEASURE) {
  const limits = stepLimits(measure);
  const steps = [{ step: 0, from: 0, to: 0 }];
  let from = 0;
  for (const [index, limit] of limits.entries()) {
    steps.push({ step: index + 1, from, to: limit });
    from = limit;
  }
  steps.push({ step: limits.length + 1, from, to: null });
  return steps;
}

const formatters = new Map();
function formatter(language, digits) {
  const key = `${language}:${digits}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-GB', {
      minimumFractionDigits: 0,
      maximumFractionDigits: digits,
    }));
  }
  return formatters.get(key);
}

/** A number in the reader's language ("2,5" in Russian), with at most `digits` decimals. */
export function formatNumber(value, language, digits = 0) {
  return formatter(language, digits).format(Number.isFinite(value) ? value : 0);
}

/**
 * A fraction 0..1 as a percentage without the sign: one decimal under 10%, whole above. Rounded
 * down, so a square is never shown at the limit of a step it has not reached ("79" in "<80%").
 */
export function percentNumber(value, language) {
  const v = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const percent = v * 100;
  // The small allowance keeps 0.08 (stored as 0.07999...) at 8, not 7.9.
  const shown = percent < 10 ? Math.floor(percent * 10 + 1e-6) / 10 : Math.floor(percent + 1e-6);
  return formatNumber(shown, language, 1);
}

/**
 * A probability 0..1 (a square's POA or POS, often well under 1%) as a percentage without the
 * sign, to two significant figures at most: "12", "4.2", "0.35"; "<0.01" for a share too small
 * to show but not nothing.
 */
export function probabilityNumber(value, language) {
  const v = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const percent = v * 100;
  if (percent === 0) return formatNumber(0, language, 0);
  if (percent < 0.01) return `<${formatNumber(0.01, language, 2)}`;
  if (percent < 1) return formatNumber(percent, language, 2);
  if (percent < 10) return formatNumber(percent, language, 1);
  return formatNumber(percent, language, 0);
}

/** An area in m² as {unit: "ha" | "km2" | "m2", n: text}: hectares up to 1 km², then km². */
export function areaParts(m2, language) {
  const value = Number.isFinite(m2) ? Math.max(0, m2) : 0;
  if (value < 100) return { unit: 'm2', n: formatNumber(value, language, 0) };
  if (value < 1e6) return { unit: 'ha', n: formatNumber(value / 1e4, language, value < 1e5 ? 2 : 1) };
  return { unit: 'km2', n: formatNumber(value / 1e6, language, value < 1e8 ? 2 : 0) };
}

const EARTH_CIRCUMFERENCE_M = 40075016.686;

/** Metres one screen pixel covers at this latitude and zoom (Web Mercator, 256 px tiles). */
export function metresPerPixel(latitude, zoom) {
  return (EARTH_CIRCUMFERENCE_M * Math.cos((latitude * Math.PI) / 180)) / (256 * 2 ** zoom);
}

/** Whether squares `sideM` wide are at least `minPx` pixels on screen, so a label fits in them. */
export function labelsFit(sideM, latitude, zoom, minPx = 40) {
  if (!(sideM > 0) || !Number.isFinite(latitude) || !Number.isFinite(zoom)) return false;
  return sideM / metresPerPixel(latitude, zoom) >= minPx;
}

/** The side of a square in metres, as the server gives it (its grid's cell size), or 0. */
export function squareSide(properties) {
  const side = properties?.cell_size_m;
  return Number.isFinite(side) && side > 0 ? side : 0;
}

// How a square is coloured on the map: the measure chosen (geometric coverage or POD), its step
// on a sequential scale of six (nothing, under 20%, under 40%, under 60%, under 80%, 80% and
// more), and the figures of its popup in the reader's language. Whether the squares are big
// enough on screen to carry their labels. No DOM here, so tests/coverage-scale.test.mjs runs it
// in node; js/squares-layer.js draws with it.

/** The measures a square can be coloured by: "coverage" (geometric, the share swept) or "pod". */
export const MEASURES = ['coverage', 'pod'];
export const DEFAULT_MEASURE = 'coverage';

/** Upper limits of steps 1 to 4; step 5 is this and more, step 0 is nothing at all. */
export const STEP_LIMITS = [0.2, 0.4, 0.6, 0.8];

// One hue, light to dark (ColorBrewer BuGn, the darker five of seven), and a fill that grows
// with it: an unsearched square is almost clear, so the map under it still reads; a combed one is
// plainly dark. A single hue reads the same for people who do not tell red from green. The
// tracks are drawn over the squares, so a dark fill does not hide them.
const STEP_STYLES = [
  { fillColor: '#ffffff', fillOpacity: 0.05 },
  { fillColor: '#99d8c9', fillOpacity: 0.5 },
  { fillColor: '#66c2a4', fillOpacity: 0.55 },
  { fillColor: '#41ae76', fillOpacity: 0.6 },
  { fillColor: '#238b45', fillOpacity: 0.65 },
  { fillColor: '#005824', fillOpacity: 0.7 },
];
const OUTLINE = { color: '#37474f', weight: 1, opacity: 0.7 };

/** "coverage" or "pod": anything else (an old remembered choice) is the default. */
export function normalMeasure(value) {
  return MEASURES.includes(value) ? value : DEFAULT_MEASURE;
}

/** The value 0..1 a square is coloured by: `geometric` for "coverage", `pod` for "pod". */
export function measureOf(properties, measure) {
  const value = normalMeasure(measure) === 'pod' ? properties?.pod : properties?.geometric;
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** 0 for nothing (or no number), 1 under 20%, 2 under 40%, 3 under 60%, 4 under 80%, 5 from 80%. */
export function coverageStep(value) {
  if (!Number.isFinite(value) || value <= 0) return 0;
  const below = STEP_LIMITS.findIndex((limit) => value < limit);
  return below < 0 ? STEP_LIMITS.length + 1 : below + 1;
}

/** Leaflet path options for a square of this step (outline, fill colour and opacity). */
export function stepStyle(step) {
  const index = Math.min(STEP_STYLES.length - 1, Math.max(0, Math.trunc(step) || 0));
  return { ...OUTLINE, ...STEP_STYLES[index] };
}

/**
 * The legend's rows, first (nothing) to last: {step, from, to} with from/to as fractions
 * (to null for the last, open-ended step; from and to 0 for the first).
 */
export function legendSteps() {
  const steps = [{ step: 0, from: 0, to: 0 }];
  let from = 0;
  for (const [index, limit] of STEP_LIMITS.entries()) {
    steps.push({ step: index + 1, from, to: limit });
    from = limit;
  }
  steps.push({ step: STEP_LIMITS.length + 1, from, to: null });
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

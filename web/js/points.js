// Points as the API sends them, {"lat", "lon"}, and as people type them: "55.7558, 37.6173".
// No DOM here, so tests/points.test.mjs runs it in node.

/** True for a {lat, lon} object with coordinates in range. */
export function isPoint(value) {
  return Boolean(value) && typeof value === 'object'
    && Number.isFinite(value.lat) && Number.isFinite(value.lon)
    && Math.abs(value.lat) <= 90 && Math.abs(value.lon) <= 180;
}

/** [lat, lon] for Leaflet, or null. */
export function toLatLon(point) {
  return isPoint(point) ? [point.lat, point.lon] : null;
}

/** "55.75580, 37.61730": the form people paste from map services, read back by parseLatLon. */
export function formatPoint(point, digits = 5) {
  return isPoint(point) ? `${point.lat.toFixed(digits)}, ${point.lon.toFixed(digits)}` : '';
}

// A number with a decimal point or a decimal comma, a hemisphere letter before or after it
// (Latin or Cyrillic: N/С, S/Ю, E/В, W/З), and an optional degree sign.
const COORDINATE = String.raw`([NSEWСЮВЗ])?\s*([-+−]?\d{1,3}(?:[.,]\d+)?)\s*°?\s*([NSEWСЮВЗ])?`;
const PAIR_SEPARATORS = [
  // "55.75, 37.61" or "55.75,37.61" (decimal points, comma between)
  { separator: String.raw`\s*,\s*`, decimalComma: false },
  // "55,75; 37,61" or "55.75; 37.61"
  { separator: String.raw`\s*;\s*`, decimalComma: true },
  // "55,75 37,61" or "55.75 37.61"
  { separator: String.raw`\s+`, decimalComma: true },
];
const SOUTH_OR_WEST = new Set(['S', 'W', 'Ю', 'З']);
const LATITUDE_LETTERS = new Set(['N', 'S', 'С', 'Ю']);
const LONGITUDE_LETTERS = new Set(['E', 'W', 'В', 'З']);

/**
 * Reads "lat, lon" typed or pasted by a person. Returns {lat, lon}, or null if the text is not
 * two coordinates in range. Accepts "55.7558, 37.6173", "55,7558 37,6173", "55.7558; 37.6173",
 * "N55.7558 E37.6173", "55.7558° 37.6173°". Degrees and minutes are not read.
 */
export function parseLatLon(text) {
  const input = String(text ?? '').trim().toUpperCase();
  if (!input) return null;
  for (const { separator, decimalComma } of PAIR_SEPARATORS) {
    const match = input.match(new RegExp(`^${COORDINATE}${separator}${COORDINATE}$`, 'u'));
    if (!match) continue;
    const [, latBefore, latText, latAfter, lonBefore, lonText, lonAfter] = match;
    if (!decimalComma && (latText.includes(',') || lonText.includes(','))) continue;
    const latLetter = latBefore || latAfter;
    const lonLetter = lonBefore || lonAfter;
    if ((latBefore && latAfter) || (lonBefore && lonAfter)) continue;
    if (latLetter && !LATITUDE_LETTERS.has(latLetter)) continue;
    if (lonLetter && !LONGITUDE_LETTERS.has(lonLetter)) continue;
    let lat = toNumber(latText);
    let lon = toNumber(lonText);
    if (latLetter && SOUTH_OR_WEST.has(latLetter)) lat = -Math.abs(lat);
    if (lonLetter && SOUTH_OR_WEST.has(lonLetter)) lon = -Math.abs(lon);
    const point = { lat, lon };
    return isPoint(point) ? point : null;
  }
  return null;
}

function toNumber(text) {
  return Number(text.replace('−', '-').replace(',', '.'));
}

// An operation's search settings (docs/coverage.md): the sweep width, and what counts as
// searching (the worst accuracy, the fastest speed, the longest gap bridged); and when the field
// alerts go off (a volunteer off the task for how long and how far beyond it, a group silent for
// how long). Their ranges and defaults as the server has them, and the reading of what a
// coordinator typed ("2,5" as well as "2.5"). The two durations of the alerts are shown and typed
// in minutes (10 min reads better than 600 s) and sent in whole seconds. No DOM here, so
// tests/search-settings.test.mjs runs it in node.

/**
 * The settings in the order shown: the field the API names, its range and default (in the API's
 * unit), the unit shown, `scale` (API units per unit shown: 60 seconds a minute), and `group`:
 * "coverage" (changing one computes the coverage again) or "alerts".
 */
export const SEARCH_SETTINGS = [
  { field: 'sweep_width_m', min: 1, max: 500, default: 20, integer: false, unit: 'm', scale: 1, group: 'coverage' },
  { field: 'max_accuracy_m', min: 1, max: 1000, default: 30, integer: false, unit: 'm', scale: 1, group: 'coverage' },
  { field: 'max_speed_mps', min: 0.1, max: 50, default: 2.5, integer: false, unit: 'mps', scale: 1, group: 'coverage' },
  { field: 'max_gap_s', min: 1, max: 3600, default: 120, integer: true, unit: 's', scale: 1, group: 'coverage' },
  { field: 'off_task_after_s', min: 10, max: 86400, default: 600, integer: true, unit: 'min', scale: 60, group: 'alerts' },
  { field: 'off_task_margin_m', min: 0, max: 5000, default: 50, integer: false, unit: 'm', scale: 1, group: 'alerts' },
  { field: 'silent_after_s', min: 10, max: 86400, default: 1800, integer: true, unit: 'min', scale: 60, group: 'alerts' },
];

const byField = new Map(SEARCH_SETTINGS.map((setting) => [setting.field, setting]));

/** A number typed by a person: decimal point or comma, spaces around; NaN for anything else. */
export function parseDecimal(text) {
  const cleaned = String(text ?? '').trim().replace(/\s+/g, '').replace(',', '.').replace('−', '-');
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(cleaned)) return Number.NaN;
  return Number(cleaned);
}

/** The value of `field` in operation `op`, or its default when the server did not send it. */
export function settingValue(op, field) {
  const value = op?.[field];
  return Number.isFinite(value) ? value : byField.get(field)?.default;
}

/**
 * Reads the typed `values` ({field: text}, in the units shown) against operation `op`. Answers
 * {ok: true, changes} (only the settings that differ, in the API's units, ready for PATCH;
 * possibly empty) or {ok: false, invalid} (the fields that are empty, not numbers, out of range,
 * or not whole where they must be; minutes may have decimals, rounded to whole seconds).
 */
export function readSearchSettings(values, op) {
  const changes = {};
  const invalid = [];
  for (const { field, min, max, integer, scale } of SEARCH_SETTINGS) {
    const typed = parseDecimal(values?.[field]);
    const value = scale !== 1 && integer ? Math.round(typed * scale) : typed * scale;
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      invalid.push(field);
      continue;
    }
    // The server keeps 32-bit floats: 2.5 comes back as 2.5, but 0.3 as 0.30000001192092896.
    if (Math.abs(value - settingValue(op, field)) > 1e-6 * Math.max(1, Math.abs(value))) changes[field] = value;
  }
  return invalid.length ? { ok: false, invalid } : { ok: true, changes };
}

/** A setting's value for a person to read and edit: at most two decimals, no float noise. */
export function settingText(value) {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '';
}

/** The value (in the API's units) of setting `field` in the unit shown: 600 s → 10 (minutes). */
export function shownValue(field, value) {
  const scale = byField.get(field)?.scale ?? 1;
  return Number.isFinite(value) ? value / scale : value;
}

/** Whether PATCH `changes` change what counts as searching (the server then recomputes coverage). */
export function changesCoverage(changes) {
  return SEARCH_SETTINGS.some(({ field, group }) => group === 'coverage' && Object.hasOwn(changes ?? {}, field));
}

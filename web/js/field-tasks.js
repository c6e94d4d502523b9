// The tasks of an operation in the field (a group's assignment: squares to comb in order, the
// card's places to check, a route), in the words and rules the console, the task sheet and the
// phone share: search types and statuses in words, the status changes the server allows, and
// squares named by typing their labels ("Б-7, Б-8"). Not the card's checklist tasks
// (js/task-text.js). The rules have no DOM, so tests/field-tasks.test.mjs runs them in node.

import { t } from './i18n.js';

export const SEARCH_TYPES = ['hasty', 'line', 'road_patrol', 'address_check'];
export const TASK_STATUSES = ['planned', 'assigned', 'in_progress', 'done', 'partly_done', 'cancelled'];
const FINISHED = new Set(['done', 'partly_done', 'cancelled']);

const SEARCH_TYPE_WORDS = {
  hasty: () => t('fieldtask.type.hasty'),
  line: () => t('fieldtask.type.line'),
  road_patrol: () => t('fieldtask.type.road_patrol'),
  address_check: () => t('fieldtask.type.address_check'),
};

const STATUS_WORDS = {
  planned: () => t('fieldtask.status.planned'),
  assigned: () => t('fieldtask.status.assigned'),
  in_progress: () => t('fieldtask.status.in_progress'),
  done: () => t('fieldtask.status.done'),
  partly_done: () => t('fieldtask.status.partly_done'),
  cancelled: () => t('fieldtask.status.cancelled'),
};

/** "Line search"...; a type the console does not know is shown as sent. */
export const searchTypeLabel = (type) => SEARCH_TYPE_WORDS[type]?.() ?? String(type ?? '');

/** "Assigned", "In progress"...; a status the console does not know is shown as sent. */
export const fieldTaskStatusLabel = (status) => STATUS_WORDS[status]?.() ?? String(status ?? '');

/** Done, partly done or cancelled: the task no longer changes. */
export const isFinished = (status) => FINISHED.has(status);

/**
 * The statuses a coordinator may move a task to from `status`, in the order the buttons
 * show (the server's rules): planned → assigned (only with a group) → in progress → done or
 * partly done; back one step from assigned and from in progress; cancelled from any
 * unfinished status.
 */
export function nextStatuses(status, { hasGroup = false } = {}) {
  switch (status) {
    case 'planned':
      return hasGroup ? ['assigned', 'cancelled'] : ['cancelled'];
    case 'assigned':
      return ['in_progress', 'planned', 'cancelled'];
    case 'in_progress':
      return ['done', 'partly_done', 'assigned', 'cancelled'];
    default:
      return [];
  }
}

/** What a group leader may report from the phone when the task is at `status`. */
export function leaderNextStatuses(status) {
  if (status === 'assigned') return ['in_progress'];
  if (status === 'in_progress') return ['done', 'partly_done'];
  return [];
}

// Cyrillic letters that look like Latin ones: a label typed in the other keyboard layout
// ("B-7" for «В-7») still finds its square. Each maps to a different letter, so two labels
// never become one.
const LOOK_ALIKES = {
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', У: 'Y',
};

/** A square label for comparing: upper case, without spaces and dashes, look-alikes as one. */
export function labelKey(label) {
  return String(label ?? '')
    .toUpperCase()
    .replace(/[\s\-‐-―_.]/g, '')
    .replace(/[АВЕКМНОРСТХУ]/g, (letter) => LOOK_ALIKES[letter]);
}

/** The squares of a GeoJSON FeatureCollection (GET …/squares): [{id, label, areaName}]. */
export function squareList(collection) {
  const features = Array.isArray(collection?.features) ? collection.features : [];
  return features
    .map((f) => ({ id: f?.id ?? f?.properties?.id, label: f?.properties?.label ?? '', areaName: f?.properties?.area_name ?? '' }))
    .filter((square) => square.id !== undefined && square.id !== null);
}

/**
 * The squares named in `text` ("Б-7, Б-8 В 9"), in the order typed, among `squares`
 * ([{id, label}]): {ids, unknown (labels not found), ambiguous (labels of squares in two
 * areas: pick those on the map)}. A row's letters and its number may be apart ("Б 7").
 */
export function squaresFromText(text, squares) {
  const tokens = String(text ?? '').split(/[,;\s]+/).filter(Boolean);
  const words = [];
  for (const token of tokens) {
    const previous = words[words.length - 1];
    if (previous !== undefined && /^\p{L}+$/u.test(previous) && /^\d+$/.test(token)) words[words.length - 1] = `${previous}${token}`;
    else words.push(token);
  }
  const byKey = new Map();
  for (const square of Array.isArray(squares) ? squares : []) {
    const key = labelKey(square.label);
    if (!key) continue;
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key).push(square);
  }
  const ids = [];
  const unknown = [];
  const ambiguous = [];
  for (const word of words) {
    const found = byKey.get(labelKey(word)) || [];
    if (found.length === 0) unknown.push(word);
    else if (found.length > 1) ambiguous.push(word);
    else if (!ids.some((id) => String(id) === String(found[0].id))) ids.push(found[0].id);
  }
  return { ids, unknown, ambiguous };
}

/** `order` with `id` taken out if it is in it, else added at the end (a click on the map). */
export function toggleInOrder(order, id) {
  const list = Array.isArray(order) ? order : [];
  return list.some((one) => String(one) === String(id))
    ? list.filter((one) => String(one) !== String(id))
    : [...list, id];
}

/** `order` with `id` moved one place earlier (delta -1) or later (+1). */
export function moveInOrder(order, id, delta) {
  const list = Array.isArray(order) ? [...order] : [];
  const from = list.findIndex((one) => String(one) === String(id));
  const to = from + delta;
  if (from < 0 || to < 0 || to >= list.length) return list;
  [list[from], list[to]] = [list[to], list[from]];
  return list;
}

/** Whether two lists of ids hold the same ids in the same order. */
export function sameOrder(a, b) {
  const x = Array.isArray(a) ? a : [];
  const y = Array.isArray(b) ? b : [];
  return x.length === y.length && x.every((id, index) => String(id) === String(y[index]));
}

/** "№4": a task's number as the sheet, the list and the phone write it. */
export const taskNumberText = (number) => t('fieldtask.number', { number: number ?? '?' });

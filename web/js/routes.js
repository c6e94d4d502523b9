// The console's addresses: "#/cases/<id>" and friends, parsed into routes and built back.
// No DOM here, so tests/routes.test.mjs runs it in node.

/**
 * The route for a location hash, or null for an address the console does not know.
 * A route is { name, section, id?, params }: `section` is the navigation entry it belongs to,
 * `params` the query after "?" (e.g. "#/reports/new?call=<id>").
 */
export function parseRoute(hash) {
  const text = String(hash ?? '').replace(/^#/, '');
  const [pathPart, query = ''] = text.split('?', 2);
  const segments = pathPart.split('/').filter((s) => s !== '').map(decodeSegment);
  if (segments.includes(null)) return null;
  const params = Object.fromEntries(new URLSearchParams(query));
  const route = (name, section, id) => (id === undefined ? { name, section, params } : { name, section, id, params });

  const [first, second, third, ...rest] = segments;
  if (rest.length > 0) return null;
  switch (first) {
    case undefined:
    case 'map':
      return second === undefined ? route('map', 'map') : null;
    case 'cases':
      if (second === undefined) return route('cases', 'cases');
      if (second === 'new') return third === undefined ? route('case-new', 'cases') : null;
      if (third === undefined) return route('case', 'cases', second);
      return third === 'edit' ? route('case-edit', 'cases', second) : null;
    case 'reports':
      if (third !== undefined) return null;
      if (second === undefined) return route('reports', 'reports');
      return second === 'new' ? route('report-new', 'reports') : route('report', 'reports', second);
    case 'shift':
      return second === undefined ? route('shift', 'shift') : null;
    case 'statistics':
      return second === undefined ? route('statistics', 'statistics') : null;
    case 'volunteers':
      return second === undefined ? route('volunteers', 'volunteers') : null;
    case 'callouts':
      if (third !== undefined) return null;
      return second === undefined ? route('callouts', 'callouts') : route('callout', 'callouts', second);
    case 'admin':
      if (second !== 'checklists') return null;
      if (third === undefined) return route('checklists', 'admin');
      return third === 'new' ? route('checklist-new', 'admin') : route('checklist', 'admin', third);
    default:
      return null;
  }
}

function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

const withQuery = (path, params) => {
  const entries = Object.entries(params || {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? `${path}?${new URLSearchParams(entries)}` : path;
};
const part = (id) => encodeURIComponent(String(id));

/** Addresses, for links and for `location.hash`. */
export const href = {
  /** `watch`: an operation to follow on the live map; `volunteer`: someone to centre it on. */
  map: ({ watch, volunteer } = {}) => withQuery('#/map', { watch, volunteer }),
  cases: () => '#/cases',
  /** `tab`: the part of the card to open on (journal, tasks, card, places). */
  case: (id, { tab } = {}) => withQuery(`#/cases/${part(id)}`, { tab }),
  caseEdit: (id) => `#/cases/${part(id)}/edit`,
  /** `fromReport`: the card is made from that report (POST /api/reports/{id}/case). */
  caseNew: ({ fromReport } = {}) => withQuery('#/cases/new', { report: fromReport }),
  reports: () => '#/reports',
  report: (id) => `#/reports/${part(id)}`,
  /** `call`: the id of a call shown in a pop-up, whose number and place prefill the form. */
  reportNew: ({ call } = {}) => withQuery('#/reports/new', { call }),
  shift: () => '#/shift',
  statistics: () => '#/statistics',
  volunteers: () => '#/volunteers',
  /** `fromCase`: the composer starts from that case's orientation. */
  callouts: ({ fromCase } = {}) => withQuery('#/callouts', { case: fromCase }),
  callout: (id) => `#/callouts/${part(id)}`,
  checklists: () => '#/admin/checklists',
  checklist: (id) => `#/admin/checklists/${part(id)}`,
  checklistNew: () => '#/admin/checklists/new',
};

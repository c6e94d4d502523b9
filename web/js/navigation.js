// The navigation bar and the hash router: which view of the side panel is on show for the
// address (#/cases/<id> ...), which section is marked current, and a question before leaving a
// form with unsaved input.

import { byId } from './dom.js';
import { t } from './i18n.js';
import { stopPicking } from './map.js';
import { parseRoute } from './routes.js';
import { isAdmin, isPoliceLiaison, isStaff } from './session.js';
import { setMapPeek } from './side-panel.js';

/** Route name -> [id of its <section> in index.html, the view object]. Set by `initNavigation`. */
let views = {};
let current = null; // { route, view, element }
let active = false;
let lastHash = '';
let onSectionChanged = () => {};

/**
 * `routes`: route name -> { element: section id, view: {show(route), hide?(), isDirty?(), reset?()} }.
 * `onSection(section)` runs when the navigation section changes (the map needs a resize).
 */
export function initNavigation({ routes, onSection }) {
  views = routes;
  onSectionChanged = onSection;
  window.addEventListener('hashchange', route);
  window.addEventListener('beforeunload', (event) => {
    if (active && current?.view.isDirty?.()) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
}

/** After login: shows the navigation for the role and the view for the current address. */
export function startNavigation() {
  active = true;
  byId('main-nav').hidden = !(isStaff() || isPoliceLiaison());
  for (const item of byId('main-nav').querySelectorAll('[data-staff-only]')) item.hidden = !isStaff();
  for (const item of byId('main-nav').querySelectorAll('[data-admin-only]')) item.hidden = !isAdmin();
  current = null;
  lastHash = '';
  document.body.dataset.section = '';
  route();
}

/** At logout: hides every view and forgets what they showed (personal data must not linger). */
export function stopNavigation() {
  active = false;
  current?.view.hide?.();
  current = null;
  for (const { element, view } of Object.values(views)) {
    view.reset?.();
    byId(element).hidden = true;
  }
  byId('main-nav').hidden = true;
}

// A police liaison reads the cases shared with them: the list and the card, nothing else.
const LIAISON_ROUTES = new Set(['cases', 'case']);

function allowed(routeInfo) {
  if (routeInfo.section === 'map') return true;
  if (routeInfo.section === 'admin') return isAdmin();
  if (isPoliceLiaison()) return LIAISON_ROUTES.has(routeInfo.name);
  return isStaff();
}

function route() {
  if (!active) return;
  const hash = window.location.hash;
  const next = parseRoute(hash);
  if (!next || !allowed(next) || !views[next.name]) {
    window.location.replace('#/map');
    return;
  }
  if (current && hash !== lastHash && current.view.isDirty?.()
      && !window.confirm(t('form.leave_unsaved'))) {
    // Stay: put the address back without a new history entry or another hashchange.
    window.history.replaceState(null, '', lastHash || '#/map');
    return;
  }
  lastHash = hash;

  const { element, view } = views[next.name];
  if (current && current.view !== view) {
    current.view.hide?.();
    byId(current.element).hidden = true;
  }
  const sectionChanged = document.body.dataset.section !== next.section;
  document.body.dataset.section = next.section;
  document.body.dataset.route = next.name;
  for (const link of byId('main-nav').querySelectorAll('.nav-link')) {
    if (link.dataset.section === next.section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  stopPicking(true);
  setMapPeek(false);
  byId(element).hidden = false;
  current = { route: next, view, element };
  byId('side-panel').scrollTop = 0;
  if (sectionChanged) onSectionChanged(next.section);
  view.show(next);
  // Keyboard and screen-reader users start at the new page's heading (views that load first
  // focus their own heading once it is filled). The map keeps the focus where it was.
  const section = byId(element);
  const heading = section.querySelector('.view-title');
  if (heading && !section.contains(document.activeElement)) heading.focus({ preventScroll: true });
}

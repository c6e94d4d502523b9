// The side panel beside the map (a bottom sheet on phones) and its #panel-toggle button, and
// on phones the "map peek": the map shown above a view that needs it (a point to pick, a case).

const PHONE_QUERY = '(max-width: 700px)';

let onResize = () => {};

/** Wires the toggle; `onResized()` runs after the map pane changed size. */
export function initSidePanel({ onResized }) {
  onResize = onResized;
  document.getElementById('panel-toggle').addEventListener('click', () => {
    setPanelOpen(document.getElementById('side-panel').hidden);
  });
  document.getElementById('map-peek-close').addEventListener('click', () => setMapPeek(false));
}

/** Opens the panel on a wide screen and leaves the whole map to a phone. */
export function resetSidePanel() {
  setPanelOpen(!isPhone());
}

export function setPanelOpen(open) {
  document.getElementById('side-panel').hidden = !open;
  document.getElementById('panel-toggle').setAttribute('aria-expanded', String(open));
  onResize();
}

export function isPhone() {
  return window.matchMedia(PHONE_QUERY).matches;
}

/** On a phone, shows the map above the current view (or hides it again). */
export function setMapPeek(open) {
  if (open) document.body.dataset.mapPeek = 'true';
  else delete document.body.dataset.mapPeek;
  document.getElementById('map-peek-close').hidden = !open;
  onResize();
}

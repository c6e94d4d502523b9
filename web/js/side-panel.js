// The side panel beside the map (a bottom sheet on phones) and its #panel-toggle button.

const PHONE_QUERY = '(max-width: 700px)';

let onResize = () => {};

/** Wires the toggle; `onResized()` runs after the map pane changed size. */
export function initSidePanel({ onResized }) {
  onResize = onResized;
  document.getElementById('panel-toggle').addEventListener('click', () => {
    setPanelOpen(document.getElementById('side-panel').hidden);
  });
}

/** Opens the panel on a wide screen and leaves the whole map to a phone. */
export function resetSidePanel() {
  setPanelOpen(!window.matchMedia(PHONE_QUERY).matches);
}

export function setPanelOpen(open) {
  document.getElementById('side-panel').hidden = !open;
  document.getElementById('panel-toggle').setAttribute('aria-expanded', String(open));
  onResize();
}

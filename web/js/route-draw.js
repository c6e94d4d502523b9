// Drawing a task's route on the map (js/task-form.js): each click adds a point (the line follows
// the pointer), "Finish" ends it, "Undo" (or Ctrl+Z, Backspace) takes the last point back, Escape
// or "Cancel" gives up. Unlike a search area the line stays open. Clicks on the squares shown for
// the task add points too (their popups wait). The bar over the map (#route-draw-bar) says how
// many points and how long. The route of the task being edited is shown (showRoutePreview) until
// the form closes. The state is js/route-drawing.js.

import { formatNumber } from './coverage-scale.js';
import { byId } from './dom.js';
import { getLanguage, t } from './i18n.js';
import { addMapLayer, captureMap, fitGeometry, stopPicking } from './map.js';
import { createRouteDrawing, isRoute } from './route-drawing.js';
import { startSquarePicking, stopSquarePicking } from './squares-layer.js';

const ROUTE_COLOUR = '#7c3aed';

let layer = null; // L.layerGroup with the route drawn or previewed
let session = null; // {drawing, onDone, onCancel, cursor}
let parts = null; // {line, rubber, points: L.layerGroup}

function ensureLayer() {
  if (layer) return true;
  const L = window.L;
  if (!L) return false;
  const group = L.layerGroup();
  if (!addMapLayer(group)) return false;
  layer = group;
  return true;
}

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  byId('route-draw-undo').addEventListener('click', undo);
  byId('route-draw-finish').addEventListener('click', finish);
  byId('route-draw-cancel').addEventListener('click', () => stopPicking(true));
  document.addEventListener('keydown', (event) => {
    if (!session || event.target.closest?.('input, textarea, select, [contenteditable="true"]')) return;
    if ((event.code === 'KeyZ' && (event.ctrlKey || event.metaKey)) || event.key === 'Backspace') {
      event.preventDefault();
      undo();
    }
  });
}

/** "1.2 km" or "350 m". */
export function lengthText(metres) {
  const language = getLanguage();
  if (!(metres >= 1000)) return t('route.length_m', { n: formatNumber(Number.isFinite(metres) ? metres : 0, language, 0) });
  return t('route.length_km', { n: formatNumber(metres / 1000, language, metres < 10000 ? 2 : 1) });
}

/**
 * Starts drawing a route. `onDone(lineString)` gets the GeoJSON LineString when finished (it
 * stays on the map as the preview); `onCancel()` when drawing is given up (or something else
 * takes the map). Answers false without a map.
 */
export function startRouteDrawing({ onDone, onCancel = () => {} }) {
  if (!ensureLayer()) return false;
  wire();
  const mine = { drawing: createRouteDrawing(), onDone, onCancel, cursor: null };
  const add = (point) => {
    if (session !== mine) return;
    if (mine.drawing.add(point)) redraw();
  };
  const started = captureMap({
    hint: 'route-draw-bar',
    onClick: add,
    onMove: (point) => {
      if (session !== mine) return;
      mine.cursor = point;
      redrawRubber();
    },
    onCancel: () => {
      if (session !== mine) return;
      session = null;
      stopSquarePicking();
      clearDrawing();
      mine.onCancel();
    },
  });
  if (!started) return false;
  // A click on a square is a point of the route, not its popup.
  startSquarePicking((square) => add({ lat: square.lat, lon: square.lon }));
  session = mine;
  clearDrawing();
  redraw();
  return true;
}

/** Gives up the drawing under way, if any. */
export function cancelRouteDrawing() {
  if (session) stopPicking(true);
}

/** Shows a route (the task's, or the one just drawn) on the map; null takes it away. */
export function showRoutePreview(route, { fit = false } = {}) {
  if (session) return;
  if (!isRoute(route)) {
    clearDrawing();
    return;
  }
  if (!ensureLayer()) return;
  clearDrawing();
  window.L.geoJSON(route, {
    style: { color: ROUTE_COLOUR, weight: 4, opacity: 0.9, dashArray: '10 6' },
    interactive: false,
  }).addTo(layer);
  if (fit) fitGeometry(route);
}

function clearDrawing() {
  layer?.clearLayers();
  parts = null;
}

function undo() {
  if (session?.drawing.undo()) redraw();
}

function finish() {
  const mine = session;
  if (!mine) return;
  const line = mine.drawing.line();
  if (!line) {
    updateBar();
    return;
  }
  session = null;
  stopPicking(false);
  stopSquarePicking();
  showRoutePreview(line);
  mine.onDone(line);
}

function redraw() {
  const L = window.L;
  if (!session) return;
  if (!parts) {
    parts = {
      line: L.polyline([], { color: ROUTE_COLOUR, weight: 4, interactive: false }).addTo(layer),
      rubber: L.polyline([], { color: ROUTE_COLOUR, weight: 2, dashArray: '6 6', interactive: false }).addTo(layer),
      points: L.layerGroup().addTo(layer),
    };
  }
  const latLngs = session.drawing.points.map(({ lat, lon }) => [lat, lon]);
  parts.line.setLatLngs(latLngs);
  parts.points.clearLayers();
  latLngs.forEach((latLng, index) => {
    L.circleMarker(latLng, {
      radius: index === 0 ? 6 : 4,
      color: ROUTE_COLOUR,
      weight: 2,
      fillColor: index === 0 ? ROUTE_COLOUR : '#ffffff',
      fillOpacity: 1,
      interactive: false,
      className: 'route-draw-point',
    }).addTo(parts.points);
  });
  redrawRubber();
  updateBar();
}

// The dashed line from the last point to the pointer.
function redrawRubber() {
  if (!session || !parts) return;
  const points = session.drawing.points;
  const cursor = session.cursor;
  if (!points.length || !cursor) {
    parts.rubber.setLatLngs([]);
    return;
  }
  const last = points[points.length - 1];
  parts.rubber.setLatLngs([[last.lat, last.lon], [cursor.lat, cursor.lon]]);
}

function updateBar() {
  if (!session) return;
  const { drawing } = session;
  let text;
  if (drawing.count === 0) text = t('route.draw.start');
  else if (drawing.count === 1) text = t('route.draw.more');
  else text = t('route.draw.ready', { n: drawing.count, length: lengthText(drawing.lengthM) });
  byId('route-draw-text').textContent = text;
  byId('route-draw-finish').disabled = drawing.problem !== null;
  byId('route-draw-undo').disabled = drawing.count === 0;
}

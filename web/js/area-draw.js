// Drawing a search area on the map: each click adds a corner (the outline follows the pointer),
// a click on the first corner or "Finish" closes it, "Undo" (or Ctrl+Z) takes the last corner
// back, Escape or "Cancel" gives up. The bar over the map (#map-draw-bar) says how many corners
// and how large, or what is wrong. The closed outline stays drawn as a preview until the area is
// saved or dropped; an imported one is previewed the same way. An area's outline being drawn
// anew shows the old one dashed meanwhile. The state is js/area-drawing.js.

import { createAreaDrawing } from './area-drawing.js';
import { byId } from './dom.js';
import { t } from './i18n.js';
import { addMapLayer, captureMap, fitGeometry, stopPicking } from './map.js';
import { areaText, outlineProblemText } from './square-text.js';

const DRAW_COLOUR = '#c2410c';

let layer = null; // L.layerGroup with what is drawn
let session = null; // {drawing, onDone, onCancel, cursor}
let parts = null; // {outline, rubber, fill, corners: L.layerGroup}

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
  byId('map-draw-undo').addEventListener('click', undo);
  byId('map-draw-finish').addEventListener('click', finish);
  byId('map-draw-cancel').addEventListener('click', () => stopPicking(true));
  document.addEventListener('keydown', (event) => {
    if (!session || event.target.closest?.('input, textarea, select, [contenteditable="true"]')) return;
    // By the key's place, so Ctrl+Z works in the Russian layout too.
    if (event.code === 'KeyZ' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      undo();
    } else if (event.key === 'Backspace') {
      event.preventDefault();
      undo();
    }
  });
}

/**
 * Starts drawing. `onDone(polygon, areaM2)` gets the GeoJSON Polygon when the outline is closed
 * (it stays on the map as a preview); `onCancel()` when drawing is given up (or something else
 * takes the map). `reference`: the outline being replaced (a GeoJSON Polygon), shown dashed and
 * framed while drawing. Answers false without a map.
 */
export function startAreaDrawing({ onDone, onCancel = () => {}, reference = null }) {
  if (!ensureLayer()) return false;
  wire();
  clearAreaPreview();
  const mine = { drawing: createAreaDrawing(), onDone, onCancel, cursor: null };
  const started = captureMap({
    hint: 'map-draw-bar',
    onClick: (point) => {
      if (session !== mine) return;
      if (mine.drawing.add(point)) redraw();
    },
    onMove: (point) => {
      if (session !== mine) return;
      mine.cursor = point;
      redrawRubber();
    },
    onCancel: () => {
      if (session !== mine) return;
      session = null;
      clearDrawing();
      mine.onCancel();
    },
  });
  if (!started) return false;
  session = mine;
  if (reference) {
    window.L.geoJSON(reference, {
      style: { color: DRAW_COLOUR, weight: 2, dashArray: '4 6', fill: false, opacity: 0.8 },
      interactive: false,
    }).addTo(layer);
    fitGeometry(reference);
  }
  redraw();
  return true;
}

/** Gives up the drawing under way, if any (the card is left). */
export function cancelAreaDrawing() {
  if (session) stopPicking(true);
}

/** Draws an outline (an imported area) as the preview, and frames it. */
export function showAreaPreview(polygon) {
  if (!ensureLayer()) return;
  cancelAreaDrawing();
  clearDrawing();
  window.L.geoJSON(polygon, {
    style: { color: DRAW_COLOUR, weight: 3, fillColor: DRAW_COLOUR, fillOpacity: 0.12 },
    interactive: false,
  }).addTo(layer);
  fitGeometry(polygon);
}

/** Removes the preview (the area was saved, or dropped). */
export function clearAreaPreview() {
  if (!session) clearDrawing();
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
  const polygon = mine.drawing.polygon();
  if (!polygon) {
    updateBar();
    return;
  }
  const areaM2 = mine.drawing.areaM2;
  session = null;
  stopPicking(false);
  clearDrawing();
  window.L.polygon(mine.drawing.corners.map(({ lat, lon }) => [lat, lon]), {
    color: DRAW_COLOUR, weight: 3, fillColor: DRAW_COLOUR, fillOpacity: 0.12, interactive: false,
  }).addTo(layer);
  mine.onDone(polygon, areaM2);
}

function redraw() {
  const L = window.L;
  if (!session) return;
  if (!parts) {
    parts = {
      fill: L.polygon([], { stroke: false, fillColor: DRAW_COLOUR, fillOpacity: 0.1, interactive: false }).addTo(layer),
      outline: L.polyline([], { color: DRAW_COLOUR, weight: 3, interactive: false }).addTo(layer),
      rubber: L.polyline([], { color: DRAW_COLOUR, weight: 2, dashArray: '6 6', interactive: false }).addTo(layer),
      corners: L.layerGroup().addTo(layer),
    };
  }
  const latLngs = session.drawing.corners.map(({ lat, lon }) => [lat, lon]);
  parts.outline.setLatLngs(latLngs);
  parts.fill.setLatLngs(latLngs.length >= 3 ? latLngs : []);
  parts.corners.clearLayers();
  latLngs.forEach((latLng, index) => {
    const first = index === 0;
    const closes = first && latLngs.length >= 3;
    const corner = L.circleMarker(latLng, {
      radius: closes ? 8 : 5,
      color: DRAW_COLOUR,
      weight: 2,
      fillColor: '#ffffff',
      fillOpacity: 1,
      interactive: closes,
      bubblingMouseEvents: false,
      className: closes ? 'area-draw-close' : 'area-draw-corner',
    });
    if (closes) {
      corner.bindTooltip(t('area.draw.close_here'), { direction: 'top', offset: [0, -8] });
      corner.on('click', finish);
    }
    corner.addTo(parts.corners);
  });
  redrawRubber();
  updateBar();
}

// The dashed line from the last corner to the pointer, and back to the first one.
function redrawRubber() {
  if (!session || !parts) return;
  const corners = session.drawing.corners;
  const cursor = session.cursor;
  if (!corners.length || !cursor) {
    parts.rubber.setLatLngs([]);
    return;
  }
  const last = corners[corners.length - 1];
  const line = [[last.lat, last.lon], [cursor.lat, cursor.lon]];
  if (corners.length >= 2) line.push([corners[0].lat, corners[0].lon]);
  parts.rubber.setLatLngs(line);
}

function updateBar() {
  if (!session) return;
  const { drawing } = session;
  const problem = drawing.problem;
  let text;
  if (drawing.count === 0) text = t('area.draw.start');
  else if (problem === 'too_few') text = t('area.draw.more', { n: drawing.count });
  else if (problem) text = outlineProblemText(problem);
  else text = t('area.draw.ready', { n: drawing.count, area: areaText(drawing.areaM2) });
  const line = byId('map-draw-text');
  line.textContent = text;
  line.dataset.problem = problem && problem !== 'too_few' ? 'true' : 'false';
  byId('map-draw-finish').disabled = problem !== null;
  byId('map-draw-undo').disabled = drawing.count === 0;
}

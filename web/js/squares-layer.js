// The squares of the watched operation on the Leaflet map, filled by the measure chosen
// (js/coverage-scale.js), under the volunteers' tracks and markers; their labels («Б-7») once
// the squares are big enough on screen to hold them; a popup with a square's figures.
// Drawn again in place when the figures change, so an open popup stays open. The popup lists
// the square's sorties (who searched it, when, how far, C: js/square-sorties.js), read when it
// opens and again when the square's figures change while it is open: `.square-sortie` items in
// `.square-sortie-list`.
//
// Every square is an SVG <path class="square" data-square-id data-area-id data-label
// data-coverage data-pod data-poa data-poa-initial data-pos data-step data-measure>: browser
// tests find a square and read its figures (data-poa, data-poa-initial and data-pos are empty
// while the operation has no POA; data-step is the colour's step for the measure on show). Each square's properties name its area (area_name) and give its side
// (cell_size_m). POA and POS are coloured relative to the largest square (js/coverage-scale.js).
//
// While a task's squares are picked (js/task-form.js), a click on a square goes to the form
// instead of opening its popup, and the squares chosen carry their place in the order: the
// class "square-picked", data-pick-order="1"…, and the number drawn on them. While POA weights
// are given by hand (js/operation-poa.js), the squares with a weight carry the class
// "square-weighted", data-weight="1"… and the weight drawn on them.

import * as api from './api.js';
import { h } from './dom.js';
import { apiErrorText } from './errors.js';
import {
  labelsFit, measureScale, normalMeasure, squareSide, squareStep, stepStyle,
} from './coverage-scale.js';
import { addMapLayer } from './map.js';
import { sortieRows } from './square-sorties.js';
import { squareFacts } from './square-text.js';
import { t } from './i18n.js';

// Under the overlay pane (400) that holds the tracks and accuracy circles; the labels go over
// the fills, under the area names (450) and the markers (600), and never catch the pointer.
const SQUARE_PANE = 'squares';
const LABEL_PANE = 'square-labels';
// More labels than this in view are not drawn (zoom in): each is an element of the page.
const MAX_LABELS = 600;

let map = null;
let holder = null; // the layer that gives this module the map and holds the rest
let squares = null; // L.featureGroup of the squares
let labels = null; // L.layerGroup of the labels in view
let marks = null; // L.layerGroup of the numbers of the squares picked, in order
let picking = null; // {onPick({id, label, areaName, lat, lon})} while squares are picked
let pickedOrder = []; // ids of the squares picked, in order
let weights = new Map(); // square id -> POA weight given by hand (shown while weighting)
const drawn = new Map(); // square id -> {layer, key}
// The sorties of the squares whose popup is open: square id -> {key (the figures they were read
// for), state ("loading", "ready", "failed"), list (the last read, or null), error}.
const sorties = new Map();
let measure = normalMeasure(null);
let scale = 1; // what the measure is scaled to (js/coverage-scale.js measureScale)
let largestSide = 0; // metres: the side of the largest squares drawn (areas may differ)
// A sliver at an area's edge smaller than this share of a whole square gets no label.
const LABELLED_SHARE = 0.2;

/** Puts the (empty) squares layer on the map once; false without a map. */
export function initSquaresLayer() {
  if (holder) return true;
  const L = window.L;
  if (!L) return false;
  const Holder = L.Layer.extend({
    onAdd(target) {
      map = target;
      if (!map.getPane(SQUARE_PANE)) map.createPane(SQUARE_PANE).style.zIndex = 390;
      if (!map.getPane(LABEL_PANE)) {
        map.createPane(LABEL_PANE).style.zIndex = 440;
        map.getPane(LABEL_PANE).style.pointerEvents = 'none';
      }
      squares = squares || L.featureGroup();
      labels = labels || L.layerGroup();
      marks = marks || L.layerGroup();
      squares.addTo(map);
      labels.addTo(map);
      marks.addTo(map);
      map.on('zoomend moveend', placeLabels);
    },
    onRemove(target) {
      target.off('zoomend moveend', placeLabels);
      squares?.remove();
      labels?.remove();
      marks?.remove();
    },
  });
  const layer = new Holder();
  if (!addMapLayer(layer)) return false;
  holder = layer;
  return true;
}

/** What the squares are filled by: "coverage", "pod", "poa" or "pos". */
export function setSquareMeasure(value) {
  measure = normalMeasure(value);
  rescale();
  for (const one of drawn.values()) restyle(one.layer);
}

function rescale() {
  scale = measureScale([...drawn.values()].map(({ layer }) => layer.feature), measure);
}

const styleOf = (props) => ({ ...stepStyle(squareStep(props, measure, scale), measure), className: 'square' });

// A square's geometry, to tell a square redrawn (a new grid) from one whose figures changed.
const geometryKey = (feature) => JSON.stringify(feature?.geometry?.coordinates ?? null);

/**
 * Draws the squares of a GeoJSON FeatureCollection (replacing those drawn): squares already
 * drawn with the same shape keep their element and only change colour and figures. With
 * `fit`, frames them when none is in view. Answers the number of squares.
 */
export function drawSquares(collection, { fit = false } = {}) {
  if (!holder || !map) return 0;
  const L = window.L;
  const features = (Array.isArray(collection?.features) ? collection.features : [])
    .filter((f) => f?.geometry && (f.id ?? f.properties?.id) !== undefined);
  const seen = new Set();
  scale = measureScale(features, measure);
  for (const feature of features) {
    const id = String(feature.id ?? feature.properties.id);
    seen.add(id);
    const key = geometryKey(feature);
    const one = drawn.get(id);
    if (one && one.key === key) {
      one.layer.feature = feature;
      restyle(one.layer);
      if (one.layer.isPopupOpen()) one.layer.getPopup().update();
      continue;
    }
    if (one) squares.removeLayer(one.layer);
    const layer = L.geoJSON(feature, {
      pane: SQUARE_PANE,
      style: (f) => styleOf(f.properties),
    }).getLayers()[0];
    if (!layer) continue;
    layer.on('add', () => decorate(layer));
    layer.on('click', (event) => pickClicked(layer, event));
    layer.on('popupclose', () => sorties.delete(id));
    if (!picking) bindSquarePopup(layer);
    squares.addLayer(layer);
    drawn.set(id, { layer, key });
  }
  for (const [id, one] of drawn) {
    if (!seen.has(id)) {
      squares.removeLayer(one.layer);
      drawn.delete(id);
    }
  }
  largestSide = 0;
  for (const { layer } of drawn.values()) largestSide = Math.max(largestSide, squareSide(layer.feature.properties));
  map.getContainer().classList.toggle('map-has-squares', drawn.size > 0);
  placeLabels();
  placeMarks();
  if (fit && drawn.size > 0) {
    const bounds = squares.getBounds();
    if (bounds.isValid() && !map.getBounds().intersects(bounds)) {
      map.fitBounds(bounds, { padding: [32, 32], maxZoom: 16, animate: false });
    }
  }
  return drawn.size;
}

/** Removes every square and label from the map. */
export function clearSquares() {
  squares?.clearLayers();
  labels?.clearLayers();
  marks?.clearLayers();
  drawn.clear();
  sorties.clear();
  largestSide = 0;
  map?.getContainer().classList.remove('map-has-squares');
}

/**
 * Hands the clicks on the squares to `onPick({id, label, areaName})` until
 * stopSquarePicking(): no popups meanwhile, and the click goes no further (the map's own
 * click is not a square). False without the squares layer.
 */
export function startSquarePicking(onPick) {
  if (!holder) return false;
  picking = { onPick };
  for (const { layer } of drawn.values()) {
    if (layer.getPopup()) layer.unbindPopup();
  }
  map?.getContainer().classList.add('map-picking-squares');
  return true;
}

/** Ends the picking: the squares' popups come back; the order stays marked until markSquareOrder([]). */
export function stopSquarePicking() {
  if (!picking) return;
  picking = null;
  for (const { layer } of drawn.values()) bindSquarePopup(layer);
  map?.getContainer().classList.remove('map-picking-squares');
}

/** Marks the squares `ids` with their place in this order (an empty list clears the marks). */
export function markSquareOrder(ids) {
  pickedOrder = Array.isArray(ids) ? ids.map(String) : [];
  for (const { layer } of drawn.values()) decorate(layer);
  placeMarks();
}

/** Shows POA weights on the squares: a Map (or [id, weight] pairs) of those above 0; empty clears. */
export function markSquareWeights(given) {
  weights = new Map([...(given ?? [])].filter(([, weight]) => weight > 0).map(([id, weight]) => [String(id), weight]));
  for (const { layer } of drawn.values()) decorate(layer);
  placeMarks();
}

function bindSquarePopup(layer) {
  if (!layer.getPopup()) layer.bindPopup(() => popup(layer), { autoPan: true });
}

function pickClicked(layer, event) {
  if (!picking) return;
  window.L.DomEvent.stop(event);
  const props = layer.feature?.properties || {};
  const { lat, lng } = event.latlng || {};
  picking.onPick({
    id: layer.feature?.id ?? props.id,
    label: props.label ?? '',
    areaName: props.area_name ?? '',
    lat: Number.isFinite(lat) ? Number(lat.toFixed(6)) : null,
    lon: Number.isFinite(lng) ? Number(window.L.Util.wrapNum(lng, [-180, 180], true).toFixed(6)) : null,
  });
}

// The numbers of the squares picked (or their weights), at their centres, over the labels.
function placeMarks() {
  if (!marks) return;
  marks.clearLayers();
  const L = window.L;
  const mark = (id, text, className) => {
    const one = drawn.get(id);
    if (!one) return;
    L.marker(one.layer.getBounds().getCenter(), {
      pane: LABEL_PANE,
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className, html: h('span', { text }), iconSize: null }),
    }).addTo(marks);
  };
  pickedOrder.forEach((id, index) => mark(id, String(index + 1), 'square-pick-mark'));
  for (const [id, weight] of weights) mark(id, String(weight), 'square-pick-mark square-weight-mark');
}

function restyle(layer) {
  layer.setStyle(stepStyle(squareStep(layer.feature.properties, measure, scale), measure));
  decorate(layer);
}

const figure = (value) => (Number.isFinite(value) ? String(value) : '');

// The path's attributes follow the square's figures (and the measure's step).
function decorate(layer) {
  const element = layer.getElement?.();
  const props = layer.feature?.properties;
  if (!element || !props) return;
  element.dataset.squareId = String(props.id);
  element.dataset.areaId = String(props.area_id ?? '');
  element.dataset.label = String(props.label ?? '');
  element.dataset.coverage = String(Number.isFinite(props.geometric) ? props.geometric : 0);
  element.dataset.pod = String(Number.isFinite(props.pod) ? props.pod : 0);
  element.dataset.poa = figure(props.poa);
  element.dataset.poaInitial = figure(props.poa_initial);
  element.dataset.pos = figure(props.pos);
  element.dataset.step = String(squareStep(props, measure, scale));
  element.dataset.measure = measure;
  const order = pickedOrder.indexOf(String(props.id));
  element.classList.toggle('square-picked', order >= 0);
  if (order >= 0) element.dataset.pickOrder = String(order + 1);
  else delete element.dataset.pickOrder;
  const weight = weights.get(String(props.id));
  element.classList.toggle('square-weighted', weight > 0);
  if (weight > 0) element.dataset.weight = String(weight);
  else delete element.dataset.weight;
}

function popup(layer) {
  const props = layer.feature.properties;
  return h('div', { className: 'map-popup square-popup' },
    h('div', { className: 'map-popup-kind', text: t('squares.popup_kind') }),
    h('div', { className: 'map-popup-name', text: props.label ?? '' }),
    props.area_name ? h('div', { className: 'map-popup-detail square-popup-area', text: props.area_name }) : null,
    squareFacts(props).map((line) => h('div', { className: 'map-popup-detail', text: line })),
    sortiesPart(layer));
}

// What the sorties were read for: a change in their number or effort means another read.
const sortiesKey = (props) => `${props.sorties ?? 0}|${props.effort ?? 0}`;

// The popup's list of sorties; asks for them when they are not read for these figures yet (the
// popup has just opened, or the square's figures changed while it is open).
function sortiesPart(layer) {
  const props = layer.feature.properties;
  const id = String(layer.feature.id ?? props.id);
  let body;
  if (!(props.sorties > 0)) {
    sorties.delete(id);
    body = h('p', { className: 'square-sorties-note', text: t('squares.sortie.none') });
  } else {
    const entry = readSorties(layer, id);
    if (entry.list?.length) {
      body = h('ol', { className: 'square-sortie-list' }, sortieRows(entry.list).map((row, index) => h('li', {
        className: 'square-sortie',
        dataset: { sortie: entry.list[index]?.sortie ?? null },
      },
      h('div', { className: 'square-sortie-who', text: row.who }),
      h('div', { className: 'square-sortie-facts', text: `${row.when} · ${row.figures}` }))));
    } else if (entry.state === 'failed') {
      body = h('p', { className: 'square-sorties-note square-sorties-error', text: t('squares.sortie.failed', { error: apiErrorText(entry.error) }) });
    } else if (entry.state === 'ready') {
      body = h('p', { className: 'square-sorties-note', text: t('squares.sortie.none') });
    } else {
      body = h('p', { className: 'square-sorties-note', text: t('common.loading') });
    }
  }
  return h('div', { className: 'square-sorties' },
    h('div', { className: 'square-sorties-title', text: t('squares.sortie.title') }),
    body);
}

// The sorties of square `id` as known; a read is started when none was made for its figures.
// A failed read is tried again only when the popup opens again or the figures change.
function readSorties(layer, id) {
  const key = sortiesKey(layer.feature.properties);
  const known = sorties.get(id);
  if (known && known.key === key) return known;
  const entry = { key, state: 'loading', list: known?.list ?? null, error: null };
  sorties.set(id, entry);
  api.getSquareSorties(id).then((list) => {
    entry.state = 'ready';
    entry.list = Array.isArray(list) ? list : [];
  }, (error) => {
    entry.state = 'failed';
    entry.error = error;
  }).finally(() => {
    if (sorties.get(id) === entry && layer.isPopupOpen()) layer.getPopup().update();
  });
  return entry;
}

// The labels of the squares in view (and a little around), when they fit in their squares:
// an area of large squares can show its labels while one of small squares does not yet.
function placeLabels() {
  if (!map || !labels) return;
  labels.clearLayers();
  if (drawn.size === 0) return;
  const view = map.getBounds();
  const latitude = view.getCenter().lat;
  const zoom = map.getZoom();
  if (!labelsFit(largestSide, latitude, zoom)) return;
  const fits = new Map(); // side -> whether labels fit squares of that side
  const around = view.pad(0.2);
  const inView = [];
  for (const { layer } of drawn.values()) {
    const side = squareSide(layer.feature.properties);
    if (!fits.has(side)) fits.set(side, labelsFit(side, latitude, zoom));
    if (!fits.get(side) || !(layer.feature.properties.area_m2 >= LABELLED_SHARE * side * side)) continue;
    const centre = layer.getBounds().getCenter();
    if (around.contains(centre)) inView.push([layer, centre]);
    if (inView.length > MAX_LABELS) return;
  }
  const L = window.L;
  for (const [layer, centre] of inView) {
    L.marker(centre, {
      pane: LABEL_PANE,
      interactive: false,
      keyboard: false,
      icon: L.divIcon({
        className: 'square-label',
        html: h('span', { text: layer.feature.properties.label ?? '' }),
        iconSize: null,
      }),
    }).addTo(labels);
  }
}

// The operations map: Leaflet on a plain paper background (no tile server needed), the layers
// from /api/map/features, a metric scale bar and the coordinates readout; over them the open
// case's last-seen point and places, and the clicks a form takes (a point, an area's corners). The
// volunteers' live positions are drawn by js/live-map-layer.js, the squares by
// js/squares-layer.js and a search area being drawn by js/area-draw.js, on layers added here.

import { onLanguageChange, t } from './i18n.js';
import { isPoint, toLatLon } from './points.js';

const FALLBACK_CENTER = [55.7558, 37.6173];
const FALLBACK_ZOOM = 10;
const FOCUS_MIN_ZOOM = 15;
const AREA_LABEL_PANE = 'area-labels';

let map = null;
let featureLayer = null;
let caseLayer = null;
let focusMarker = null;
let picking = null; // { hint, onClick, onMove, onCancel } while a form takes the clicks on the map
let zoomControl = null;
let defaultView = { center: FALLBACK_CENTER, zoom: FALLBACK_ZOOM };
let watchedOperation = null; // the operation whose squares are drawn (js/squares-panel.js)

/**
 * Creates the map in `container` once (later calls only fix its size). Adds the raster tiles
 * from config.tile_url when the team has a tile server. Returns false if Leaflet did not load.
 */
export function initMap(container, config) {
  if (map) {
    map.invalidateSize();
    return true;
  }
  const L = window.L;
  if (!L) {
    document.getElementById('map-message').hidden = false;
    return false;
  }

  if (validLatLon(config?.map_center)) {
    defaultView = {
      center: config.map_center,
      zoom: Number.isFinite(config.map_zoom) ? config.map_zoom : FALLBACK_ZOOM,
    };
  }

  const reducedMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  map = L.map(container, {
    zoomControl: false,
    // Tile fades cost battery on phones and draw the eye at night; the zoom animation stays
    // (it keeps the place in view while zooming) unless the system asks for reduced motion.
    fadeAnimation: false,
    zoomAnimation: !reducedMotion,
    markerZoomAnimation: !reducedMotion,
    // Leaflet's own credit is not required by its licence; a tile server's is, so it is added
    // with the tiles below.
    attributionControl: false,
  }).setView(defaultView.center, defaultView.zoom);

  // Area names sit above the area fills but under the markers, so a label never hides a point.
  map.createPane(AREA_LABEL_PANE).style.zIndex = 450;
  map.getPane(AREA_LABEL_PANE).style.pointerEvents = 'none';

  addZoomControl(L);
  onLanguageChange(() => addZoomControl(L));
  // Leaflet's own popup close button is labelled in English.
  map.on('popupopen', (event) => {
    event.popup.getElement()?.querySelector('.leaflet-popup-close-button')
      ?.setAttribute('aria-label', t('map.close_popup'));
  });

  if (config?.tile_url) {
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(config.tile_url, {
      attribution: config.tile_attribution || '',
      maxZoom: 19,
    }).addTo(map);
  }

  L.control.scale({ metric: true, imperial: false, position: 'bottomleft' }).addTo(map);
  addCoordsReadout(L);

  featureLayer = L.featureGroup().addTo(map);
  caseLayer = L.featureGroup().addTo(map);
  initPicking();
  return true;
}

// Leaflet's zoom buttons carry their titles from creation, so a language switch re-creates them.
function addZoomControl(L) {
  zoomControl?.remove();
  zoomControl = L.control.zoom({
    position: 'topleft',
    zoomInTitle: t('map.zoom_in'),
    zoomOutTitle: t('map.zoom_out'),
  }).addTo(map);
}

/**
 * Replaces the drawn layers with a GeoJSON FeatureCollection. With `fit`, frames them (or the
 * team's default view when there are none); without it the user's view stays.
 */
export function showFeatures(collection, { fit = true } = {}) {
  if (!map) return;
  featureLayer.clearLayers();
  const features = Array.isArray(collection?.features) ? collection.features : [];
  if (features.length > 0) {
    window.L.geoJSON(collection, {
      style: styleFor,
      pointToLayer: pointFor,
      onEachFeature: decorate,
    }).eachLayer((layer) => featureLayer.addLayer(layer));
  }
  if (!fit) return;

  const bounds = featureLayer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [32, 32], maxZoom: 16 });
  else map.setView(defaultView.center, defaultView.zoom);
}

/** Removes every drawn layer (on logout, or when the user may not see them). */
export function clearFeatures() {
  featureLayer?.clearLayers();
  caseLayer?.clearLayers();
  stopPicking(true);
  if (focusMarker) {
    focusMarker.remove();
    focusMarker = null;
  }
}

/** Centres the map on a point {lat, lon} and rings it so the eye finds it. */
export function focusOn(point) {
  const latLon = toLatLon(point);
  if (!map || !latLon) return;
  map.setView(latLon, Math.max(map.getZoom(), FOCUS_MIN_ZOOM), { animate: false });
  if (!focusMarker) {
    focusMarker = window.L.circleMarker(latLon, {
      radius: 18,
      color: '#0b4f8a',
      weight: 3,
      fill: false,
      interactive: false,
      className: 'focus-ring',
    }).addTo(map);
  } else {
    focusMarker.setLatLng(latLon);
  }
}

/** Centres the map on a point {lat, lon} without a ring (the thing there marks itself). */
export function centreOn(point) {
  const latLon = toLatLon(point);
  if (!map || !latLon) return;
  map.setView(latLon, Math.max(map.getZoom(), FOCUS_MIN_ZOOM), { animate: false });
}

/**
 * Draws one case over the other layers: its last-seen point and its places (points of
 * attraction), checked ones greyed. Frames them unless `fit` is false.
 */
export function showCaseLayer({ lastSeen, lastSeenLabel, places = [] }, { fit = true } = {}) {
  if (!map) return;
  const L = window.L;
  caseLayer.clearLayers();
  if (isPoint(lastSeen)) {
    L.marker(toLatLon(lastSeen), {
      icon: L.divIcon({ className: 'marker-last-seen', iconSize: [24, 24], popupAnchor: [0, -10] }),
      title: lastSeenLabel || '',
      zIndexOffset: 1000,
    }).bindPopup(() => popup(t('map.last_seen'), lastSeenLabel)).addTo(caseLayer);
  }
  for (const place of places) {
    if (!isPoint(place.point)) continue;
    L.marker(toLatLon(place.point), {
      icon: L.divIcon({
        className: place.checked ? 'marker-place marker-place-checked' : 'marker-place',
        iconSize: [20, 20],
        popupAnchor: [0, -8],
      }),
      title: place.name || '',
    }).bindPopup(() => popup(place.checked ? t('map.place_checked') : t('map.place'), place.name, place.address))
      .addTo(caseLayer);
  }
  if (!fit) return;
  const drawn = caseLayer.getLayers().map((layer) => layer.getLatLng());
  if (drawn.length === 1) focusOn({ lat: drawn[0].lat, lon: drawn[0].lng });
  else if (drawn.length > 1) map.fitBounds(caseLayer.getBounds(), { padding: [40, 40], maxZoom: 16 });
}

export function clearCaseLayer() {
  caseLayer?.clearLayers();
}

/** Puts a layer of another module on the map (the volunteers' positions); false without a map. */
export function addMapLayer(layer) {
  if (!map) return false;
  layer.addTo(map);
  return true;
}

/**
 * Waits for a click on the map and calls `onPick({lat, lon})` with it; Escape or the cancel
 * button calls `onCancel()`. A new request replaces one still waiting.
 */
export function pickPoint({ onPick, onCancel = () => {} }) {
  return captureMap({
    hint: 'map-pick-hint',
    onClick: (point) => {
      stopPicking(false);
      onPick(point);
    },
    onCancel,
  });
}

/**
 * Hands the map's clicks to another module until stopPicking(): `onClick({lat, lon})` for each,
 * `onMove({lat, lon})` as the pointer moves, `onCancel()` on Escape or when something else takes
 * the map. The element `hint` (an id in index.html) is shown meanwhile; on a phone the map is
 * shown above the view. Double clicks do not zoom (they are two corners). False without a map.
 */
export function captureMap({ hint, onClick, onMove = null, onCancel = () => {} }) {
  if (!map) return false;
  if (picking) stopPicking(true);
  picking = { hint, onClick, onMove, onCancel };
  document.body.dataset.picking = 'true';
  document.getElementById(hint).hidden = false;
  map.getContainer().classList.add('map-picking');
  map.doubleClickZoom.disable();
  refreshMapSize();
  return true;
}

/** Ends a pick (or a capture); with `cancelled`, tells the form that asked. */
export function stopPicking(cancelled = true) {
  if (!picking) return;
  const { onCancel, hint } = picking;
  picking = null;
  delete document.body.dataset.picking;
  document.getElementById(hint).hidden = true;
  map?.getContainer().classList.remove('map-picking');
  map?.doubleClickZoom.enable();
  refreshMapSize();
  if (cancelled) onCancel();
}

const clickedPoint = ({ lat, lng }) => ({
  lat: Number(lat.toFixed(6)),
  lon: Number(window.L.Util.wrapNum(lng, [-180, 180], true).toFixed(6)),
});

function initPicking() {
  map.on('click', (event) => {
    if (picking) picking.onClick(clickedPoint(event.latlng));
  });
  map.on('mousemove', (event) => {
    if (picking?.onMove) picking.onMove(clickedPoint(event.latlng));
  });
  document.getElementById('map-pick-cancel').addEventListener('click', () => stopPicking(true));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && picking) stopPicking(true);
  });
}

/** Frames a GeoJSON geometry (an area) on the map. */
export function fitGeometry(geometry) {
  if (!map || !geometry) return;
  const bounds = window.L.geoJSON(geometry).getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [32, 32], maxZoom: 17, animate: false });
}

/** Tells Leaflet the container changed size (side panel opened or closed). */
export function refreshMapSize() {
  map?.invalidateSize({ animate: false });
}

// Search areas only show where they are: they take no clicks, so the squares drawn under them
// (js/squares-layer.js) get theirs. Those of the operation whose squares are drawn are marked
// (matched by their operation_id): their fill goes while the squares are coloured (css), and the
// other operations' areas keep theirs.
const AREA_STYLE = {
  color: '#2b6a4f', weight: 2, fillColor: '#4f9a78', fillOpacity: 0.15, interactive: false, className: 'search-area',
};
const WATCHED_AREA_CLASS = 'search-area-watched';
const OTHER_STYLE = { color: '#4a5560', weight: 2, fillColor: '#7d8a96', fillOpacity: 0.12 };

const isWatchedArea = (feature) => watchedOperation !== null
  && feature?.properties?.kind === 'search_area' && feature.properties.operation_id === watchedOperation;

function styleFor(feature) {
  if (feature?.properties?.kind !== 'search_area') return OTHER_STYLE;
  return isWatchedArea(feature) ? { ...AREA_STYLE, className: `search-area ${WATCHED_AREA_CLASS}` } : AREA_STYLE;
}

/** The operation whose squares are on the map (or null): its areas give way to the squares. */
export function setWatchedOperation(operationId) {
  watchedOperation = operationId || null;
  featureLayer?.eachLayer((layer) => {
    if (layer.feature?.properties?.kind !== 'search_area') return;
    layer.getElement?.()?.classList.toggle(WATCHED_AREA_CLASS, isWatchedArea(layer.feature));
  });
}

function pointFor(feature, latlng) {
  const L = window.L;
  const title = feature?.properties?.name ? String(feature.properties.name) : '';
  switch (feature?.properties?.kind) {
    case 'last_seen':
      return L.marker(latlng, {
        icon: L.divIcon({ className: 'marker-last-seen', iconSize: [24, 24], popupAnchor: [0, -10] }),
        title,
        riseOnHover: true,
        zIndexOffset: 1000,
      });
    case 'meeting_point':
      return L.marker(latlng, {
        icon: L.divIcon({ className: 'marker-meeting-point', iconSize: [26, 26], popupAnchor: [0, -12] }),
        title,
      });
    default:
      return L.circleMarker(latlng, { ...OTHER_STYLE, radius: 7, fillOpacity: 0.6 });
  }
}

// Popups and labels are built as DOM nodes with textContent: names come from people, not code.
function decorate(feature, layer) {
  const props = feature?.properties || {};
  switch (props.kind) {
    case 'search_area':
      if (props.name) {
        layer.bindTooltip(textNode('span', props.name), {
          permanent: true,
          direction: 'center',
          className: 'area-label',
          pane: AREA_LABEL_PANE,
        });
      }
      break;
    case 'last_seen':
      layer.bindPopup(() => popup(t('map.last_seen'), props.name, props.label));
      break;
    case 'meeting_point':
      layer.bindPopup(() => popup(t('map.meeting_point'), props.name));
      break;
    default:
      if (props.name) layer.bindPopup(() => popup(null, props.name, props.label));
  }
}

function popup(kindText, name, detail) {
  const box = document.createElement('div');
  box.className = 'map-popup';
  if (kindText) box.append(textNode('div', kindText, 'map-popup-kind'));
  if (name) box.append(textNode('div', name, 'map-popup-name'));
  if (detail) box.append(textNode('div', detail, 'map-popup-detail'));
  return box;
}

function textNode(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = String(text);
  if (className) el.className = className;
  return el;
}

// Moves the #coords element from the page into a Leaflet control at the bottom left.
function addCoordsReadout(L) {
  const readout = document.getElementById('coords');
  readout.textContent = '—';
  const Readout = L.Control.extend({
    onAdd() {
      L.DomEvent.disableClickPropagation(readout);
      return readout;
    },
    onRemove() {},
  });
  new Readout({ position: 'bottomleft' }).addTo(map);

  const show = (event) => {
    const { lat, lng } = event.latlng;
    readout.textContent = `${lat.toFixed(5)}, ${L.Util.wrapNum(lng, [-180, 180], true).toFixed(5)}`;
  };
  map.on('mousemove', show);
  map.on('click', show);
}

function validLatLon(value) {
  return Array.isArray(value) && value.length >= 2
    && Number.isFinite(value[0]) && Number.isFinite(value[1])
    && Math.abs(value[0]) <= 90 && Math.abs(value[1]) <= 180;
}

// The volunteers on the Leaflet map: a marker with the name and the state in words, a circle as
// wide as the fix's accuracy, an arrow for the heading when the phone knows it, and the recent
// track as a line in the volunteer's own colour. The state (js/live-map.js) decides; this draws.
//
// Every marker's element is <div class="... volunteer-marker" data-volunteer-id data-state
// data-lat data-lon>: browser tests find a volunteer and read where they are drawn.

import { h } from './dom.js';
import { t } from './i18n.js';
import { addMapLayer, centreOn } from './map.js';
import { fixFacts, volunteerStateLabel } from './volunteer-text.js';

// Tracks are told apart by colour; the marker's colour says the state.
const TRACK_COLOURS = ['#1565c0', '#8e24aa', '#00838f', '#c2185b', '#2e7d32', '#e65100', '#5d4037', '#283593'];
const TRACK_OPACITY = { live: 0.85, stale: 0.6, offline: 0.4, none: 0.4 };
const ACCURACY_STYLE = { live: '#1e7d32', stale: '#a86400', offline: '#66727a', none: '#66727a' };

let layer = null;
const drawn = new Map(); // id -> {marker, circle, line, parts, volunteer}
let ageOf = () => null;

/** Makes the layer on the map (once). `age(v)` gives seconds since v's last fix, for popups. */
export function initVolunteerLayer({ age }) {
  ageOf = age;
  if (layer) return true;
  const L = window.L;
  if (!L) return false;
  const group = L.layerGroup();
  if (!addMapLayer(group)) return false;
  layer = group;
  return true;
}

function colourOf(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return TRACK_COLOURS[hash % TRACK_COLOURS.length];
}

const latLngsOf = (track) => track.map((fix) => [fix[1], fix[0]]);

/**
 * Draws volunteer `v` ({id, name, last, track, state}) or brings its drawing up to date.
 * `track`: mergeFixes' answer for the fixes just added (null redraws the whole line).
 */
export function drawVolunteer(v, track = null) {
  if (!layer) return;
  const L = window.L;
  let one = drawn.get(v.id);
  if (!one) {
    one = { marker: null, circle: null, line: null, parts: null, volunteer: v };
    one.line = L.polyline(latLngsOf(v.track), {
      color: colourOf(v.id), weight: 3, opacity: TRACK_OPACITY[v.state], interactive: false,
    }).addTo(layer);
    drawn.set(v.id, one);
  } else if (!track || !track.appendedOnly) {
    one.line.setLatLngs(latLngsOf(v.track));
  } else if (track.added > 0) {
    for (const fix of v.track.slice(-track.added)) one.line.addLatLng([fix[1], fix[0]]);
  }
  one.volunteer = v;
  one.line.setStyle({ opacity: TRACK_OPACITY[v.state] ?? 0.5 });
  drawPosition(one, v);
}

function drawPosition(one, v) {
  const L = window.L;
  const last = v.last;
  if (!last) {
    one.marker?.remove();
    one.circle?.remove();
    one.marker = null;
    one.circle = null;
    return;
  }
  const at = [last.lat, last.lon];
  if (!one.marker) {
    one.parts = markerParts();
    one.marker = L.marker(at, {
      icon: L.divIcon({ className: 'volunteer-marker', html: one.parts.root, iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -12] }),
      keyboard: true,
      riseOnHover: true,
      zIndexOffset: 500,
    });
    // Leaflet makes the element anew each time the marker is added to the map.
    one.marker.on('add', () => decorate(one));
    one.marker.bindPopup(() => popup(one.volunteer));
    one.marker.addTo(layer);
  } else {
    one.marker.setLatLng(at);
  }
  const accuracy = Number.isFinite(last.accuracy) && last.accuracy > 0 ? last.accuracy : null;
  if (accuracy === null) {
    one.circle?.remove();
    one.circle = null;
  } else if (!one.circle) {
    one.circle = L.circle(at, { radius: accuracy, ...circleStyle(v.state) }).addTo(layer);
  } else {
    one.circle.setLatLng(at);
    one.circle.setRadius(accuracy);
    one.circle.setStyle(circleStyle(v.state));
  }
  decorate(one);
}

function circleStyle(state) {
  const colour = ACCURACY_STYLE[state] ?? ACCURACY_STYLE.none;
  return { color: colour, weight: 1, opacity: 0.6, fillColor: colour, fillOpacity: 0.08, interactive: false };
}

function markerParts() {
  const heading = h('span', { className: 'volunteer-marker-heading', hidden: true });
  const name = h('span', { className: 'volunteer-marker-name' });
  const state = h('span', { className: 'visually-hidden volunteer-marker-state' });
  const root = h('span', { className: 'volunteer-marker-body' },
    h('span', { className: 'volunteer-marker-dot', attrs: { 'aria-hidden': 'true' } }, heading),
    h('span', { className: 'volunteer-marker-label' }, name, state));
  return { root, heading, name, state };
}

// The marker's element and its text follow the volunteer's state and position.
function decorate(one) {
  const v = one.volunteer;
  const element = one.marker?.getElement();
  if (!element || !v.last) return;
  element.dataset.volunteerId = v.id;
  element.dataset.state = v.state;
  element.dataset.lat = String(v.last.lat);
  element.dataset.lon = String(v.last.lon);
  one.parts.name.textContent = v.name;
  one.parts.state.textContent = t('livemap.marker_state', { state: volunteerStateLabel(v.state) });
  const heading = v.last.heading;
  one.parts.heading.hidden = !Number.isFinite(heading);
  if (Number.isFinite(heading)) one.parts.heading.style.transform = `rotate(${Math.round(heading)}deg)`;
}

function popup(v) {
  return h('div', { className: 'map-popup' },
    h('div', { className: 'map-popup-kind', text: volunteerStateLabel(v.state) }),
    h('div', { className: 'map-popup-name', text: v.name }),
    fixFacts(v, ageOf(v)).map((line) => h('div', { className: 'map-popup-detail', text: line })));
}

/** Redraws the state of volunteers whose state changed (colours, words). */
export function restyleVolunteers(volunteers) {
  for (const v of volunteers) {
    const one = drawn.get(v.id);
    if (!one) continue;
    one.volunteer = v;
    one.line.setStyle({ opacity: TRACK_OPACITY[v.state] ?? 0.5 });
    one.circle?.setStyle(circleStyle(v.state));
    decorate(one);
  }
}

/** Centres the map on volunteer `v` and opens their popup; false if they have no position. */
export function showVolunteer(v) {
  const one = drawn.get(v?.id);
  if (!one?.marker || !v.last) return false;
  centreOn({ lat: v.last.lat, lon: v.last.lon });
  one.marker.openPopup();
  return true;
}

/** Removes every volunteer from the map. */
export function clearVolunteers() {
  layer?.clearLayers();
  drawn.clear();
}

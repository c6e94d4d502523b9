// A search area from a GeoJSON file (drawn in another program, or exported from one): the first
// polygon in it, whether the file is a bare Polygon, a MultiPolygon, a Feature, a
// FeatureCollection or a GeometryCollection. Heights are dropped, an unclosed ring is closed, and
// what cannot be sent is named. No DOM here, so tests/geojson-import.test.mjs runs it in node.

import { ringProblem } from './area-drawing.js';

/** Files larger than this are not read: an area outline is a few kilobytes. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

// "crs" is gone from GeoJSON (RFC 7946) but old files carry it; these names all mean WGS 84.
const WGS84_NAMES = /^(urn:ogc:def:crs:ogc:1\.3:crs84|urn:ogc:def:crs:epsg::4326|epsg:4326|crs84)$/i;

/**
 * Reads `input` (the file's text, or the parsed object). Answers
 *   {ok: true, polygon, name, others}: the GeoJSON Polygon to send, the name found beside it
 *     (a Feature's "name" or "title", or null), and how many other polygons the file holds;
 *   {ok: false, problem}: "not_json", "no_polygon", "not_wgs84" (projected coordinates),
 *     "bad_coordinates", "too_few", "crosses" or "too_big".
 */
export function polygonFromGeoJSON(input) {
  let data = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input.replace(/^\uFEFF/, ''));
    } catch {
      return { ok: false, problem: 'not_json' };
    }
  }
  if (!data || typeof data !== 'object') return { ok: false, problem: 'not_json' };
  if (!isWgs84(data.crs)) return { ok: false, problem: 'not_wgs84' };

  const found = [];
  collectPolygons(data, null, found, 0);
  if (found.length === 0) return { ok: false, problem: 'no_polygon' };

  const [{ coordinates, name }] = found;
  const rings = [];
  for (const ring of coordinates) {
    const cleaned = cleanRing(ring);
    if (typeof cleaned === 'string') return { ok: false, problem: cleaned };
    rings.push(cleaned);
  }
  const problem = ringProblem(rings[0]);
  if (problem) return { ok: false, problem };
  return { ok: true, polygon: { type: 'Polygon', coordinates: rings }, name, others: found.length - 1 };
}

function isWgs84(crs) {
  if (crs === undefined || crs === null) return true;
  const name = crs?.properties?.name;
  return typeof name === 'string' && WGS84_NAMES.test(name.trim());
}

// Depth-first, in the file's order: {coordinates (of one polygon), name} for each polygon.
function collectPolygons(node, name, found, depth) {
  if (!node || typeof node !== 'object' || depth > 32) return;
  switch (node.type) {
    case 'FeatureCollection':
      for (const feature of Array.isArray(node.features) ? node.features : []) collectPolygons(feature, null, found, depth + 1);
      break;
    case 'Feature':
      collectPolygons(node.geometry, featureName(node.properties), found, depth + 1);
      break;
    case 'GeometryCollection':
      for (const geometry of Array.isArray(node.geometries) ? node.geometries : []) collectPolygons(geometry, name, found, depth + 1);
      break;
    case 'Polygon':
      if (Array.isArray(node.coordinates) && node.coordinates.length > 0) found.push({ coordinates: node.coordinates, name });
      break;
    case 'MultiPolygon':
      for (const polygon of Array.isArray(node.coordinates) ? node.coordinates : []) {
        if (Array.isArray(polygon) && polygon.length > 0) found.push({ coordinates: polygon, name });
      }
      break;
    default:
  }
}

function featureName(properties) {
  for (const key of ['name', 'Name', 'NAME', 'title', 'Title']) {
    const value = properties?.[key];
    if (typeof value === 'string' && value.trim()) return value.trim().slice(0, 200);
  }
  return null;
}

// A ring as [[lon, lat], ...], closed; or the problem's name.
function cleanRing(ring) {
  if (!Array.isArray(ring)) return 'bad_coordinates';
  const positions = [];
  for (const position of ring) {
    if (!Array.isArray(position) || position.length < 2) return 'bad_coordinates';
    const [lon, lat] = position;
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) return 'bad_coordinates';
    // Metres of a projected system are far outside degrees; so is a file with lat and lon swapped
    // near the poles, which no search needs.
    if (Math.abs(lon) > 180 || Math.abs(lat) > 90) return 'not_wgs84';
    positions.push([lon, lat]);
  }
  if (positions.length === 0) return 'too_few';
  const first = positions[0];
  const last = positions[positions.length - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) positions.push([...first]);
  return positions.length < 4 ? 'too_few' : positions;
}

// A search area from a GeoJSON file (js/geojson-import.js): the first polygon of whatever the
// file holds, heights dropped, rings closed, and the files that cannot be used named.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { polygonFromGeoJSON } from '../js/geojson-import.js';

const RING = [[36.8, 56.1], [36.82, 56.1], [36.82, 56.11], [36.8, 56.11], [36.8, 56.1]];
const OTHER = [[37, 56], [37.01, 56], [37.01, 56.01], [37, 56]];
const polygon = (ring = RING) => ({ type: 'Polygon', coordinates: [ring] });

test('a bare Polygon is taken as it is', () => {
  const read = polygonFromGeoJSON(JSON.stringify(polygon()));
  assert.deepEqual(read, { ok: true, polygon: polygon(), name: null, others: 0 });
});

test('a Feature gives its polygon and its name', () => {
  const read = polygonFromGeoJSON({ type: 'Feature', properties: { name: ' Лес к северу ' }, geometry: polygon() });
  assert.equal(read.ok, true);
  assert.equal(read.name, 'Лес к северу');
});

test('in a FeatureCollection the first polygon is used, points and lines skipped, the rest counted', () => {
  const read = polygonFromGeoJSON({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { name: 'HQ' }, geometry: { type: 'Point', coordinates: [36.8, 56.1] } },
      { type: 'Feature', properties: { title: 'North' }, geometry: polygon() },
      { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [[OTHER], [OTHER]] } },
    ],
  });
  assert.equal(read.ok, true);
  assert.equal(read.name, 'North');
  assert.deepEqual(read.polygon, polygon());
  assert.equal(read.others, 2);
});

test('a MultiPolygon and a GeometryCollection give their first polygon', () => {
  assert.deepEqual(polygonFromGeoJSON({ type: 'MultiPolygon', coordinates: [[RING], [OTHER]] }).polygon, polygon());
  const collection = { type: 'GeometryCollection', geometries: [{ type: 'LineString', coordinates: RING }, polygon()] };
  assert.deepEqual(polygonFromGeoJSON(collection).polygon, polygon());
});

test('heights are dropped, an unclosed ring is closed, a byte-order mark is skipped', () => {
  const withHeights = RING.slice(0, 4).map(([lon, lat]) => [lon, lat, 180.5]);
  const read = polygonFromGeoJSON(`\uFEFF${JSON.stringify(polygon(withHeights))}`);
  assert.equal(read.ok, true);
  assert.deepEqual(read.polygon, polygon());
});

test('holes are kept', () => {
  const hole = [[36.805, 56.102], [36.81, 56.102], [36.81, 56.105], [36.805, 56.102]];
  const read = polygonFromGeoJSON({ type: 'Polygon', coordinates: [RING, hole] });
  assert.equal(read.polygon.coordinates.length, 2);
});

test('files that cannot give an area say why', () => {
  const problem = (input) => polygonFromGeoJSON(input).problem;
  assert.equal(problem('<gpx></gpx>'), 'not_json');
  assert.equal(problem('null'), 'not_json');
  assert.equal(problem({ type: 'Point', coordinates: [36.8, 56.1] }), 'no_polygon');
  assert.equal(problem({ type: 'FeatureCollection', features: [] }), 'no_polygon');
  assert.equal(problem(polygon([[4100000, 7580000], [4102000, 7580000], [4102000, 7582000], [4100000, 7580000]])), 'not_wgs84');
  assert.equal(problem({ ...polygon(), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3857' } } }), 'not_wgs84');
  assert.equal(polygonFromGeoJSON({ ...polygon(), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } } }).ok, true);
  assert.equal(problem(polygon([[36.8, 56.1], ['36.9', 56.1], [36.9, 56.2], [36.8, 56.1]])), 'bad_coordinates');
  assert.equal(problem(polygon([[36.8, 56.1], [36.9, 56.1], [36.8, 56.1]])), 'too_few');
  assert.equal(problem(polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]].map(([x, y]) => [36.8 + x / 100, 56.1 + y / 100]))), 'crosses');
  assert.equal(problem(polygon([[36, 56], [37, 56], [37, 57], [36, 57], [36, 56]])), 'too_big');
});

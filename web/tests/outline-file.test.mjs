// Which kind of file an area's outline comes in (js/outline-file.js): GeoJSON, KML or GPX, by
// what the file says of itself first, then by its name.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { baseName, OUTLINE_FILE_ACCEPT, outlineFileKind, XML_CONTENT_TYPES } from '../js/outline-file.js';

const KML = '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>';
const GPX = '\uFEFF<?xml version="1.0"?>\n<!-- from a handheld -->\n<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">';

test('the file\'s beginning tells its kind, whatever its name', () => {
  assert.equal(outlineFileKind('area.kml', KML), 'kml');
  assert.equal(outlineFileKind('export.xml', KML), 'kml');
  assert.equal(outlineFileKind('track.gpx', GPX), 'gpx');
  assert.equal(outlineFileKind('track.txt', GPX), 'gpx');
  assert.equal(outlineFileKind('area.txt', '  {"type": "Polygon"'), 'geojson');
  assert.equal(outlineFileKind('area.kml', '<kml:kml xmlns:kml="http://www.opengis.net/kml/2.2">'), 'kml');
});

test('an empty or unreadable beginning leaves the name to tell', () => {
  assert.equal(outlineFileKind('Лес.GeoJSON', ''), 'geojson');
  assert.equal(outlineFileKind('area.json'), 'geojson');
  assert.equal(outlineFileKind('area.KML', ''), 'kml');
  assert.equal(outlineFileKind('area.gpx', 'garbage'), 'gpx');
  assert.equal(outlineFileKind('area.kmz', 'PK\u0003\u0004'), null);
  assert.equal(outlineFileKind('area.xml', '<svg></svg>'), null);
  assert.equal(outlineFileKind(null, null), null);
});

test('the XML kinds go with the content types the server takes; the input offers all three', () => {
  assert.equal(XML_CONTENT_TYPES.kml, 'application/vnd.google-earth.kml+xml');
  assert.equal(XML_CONTENT_TYPES.gpx, 'application/gpx+xml');
  for (const part of ['.geojson', '.kml', '.gpx']) assert.ok(OUTLINE_FILE_ACCEPT.split(',').includes(part), part);
});

test('a new area is called after its file', () => {
  assert.equal(baseName('Лес у Дурыкино.kml'), 'Лес у Дурыкино');
  assert.equal(baseName('C:\\maps\\north.gpx'), 'north');
  assert.equal(baseName('area.geojson'), 'area');
  assert.equal(baseName('.kml'), '.kml');
});

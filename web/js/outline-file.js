// Which kind of file an area's outline comes in: GeoJSON (read here, js/geojson-import.js), or
// KML or GPX (sent as they are to POST /api/operations/{id}/areas/import, which reads them), told
// by the file's beginning and, failing that, its name. No DOM here, so
// tests/outline-file.test.mjs runs it in node.

/** What the file input offers: the three kinds, by extension and by type. */
export const OUTLINE_FILE_ACCEPT = [
  '.geojson', '.json', '.kml', '.gpx',
  'application/geo+json', 'application/json', 'application/vnd.google-earth.kml+xml', 'application/gpx+xml',
].join(',');

/** The content type the server takes for each XML kind. */
export const XML_CONTENT_TYPES = {
  kml: 'application/vnd.google-earth.kml+xml',
  gpx: 'application/gpx+xml',
};

const BY_EXTENSION = { geojson: 'geojson', json: 'geojson', kml: 'kml', gpx: 'gpx' };

/**
 * "geojson", "kml", "gpx" or null, from the file's name and the first characters of its text
 * (`head`, a kilobyte or so is enough): what the file says of itself wins over its name (a GPX
 * saved as .xml, a GeoJSON saved as .txt). A KMZ (zipped KML) is none of them.
 */
export function outlineFileKind(name, head = '') {
  const text = String(head ?? '').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'geojson';
  if (text.startsWith('<')) {
    const lower = text.slice(0, 4096).toLowerCase();
    const kml = lower.search(/<(\w+:)?kml[\s>]/);
    const gpx = lower.search(/<(\w+:)?gpx[\s>]/);
    if (kml >= 0 && (gpx < 0 || kml < gpx)) return 'kml';
    if (gpx >= 0) return 'gpx';
  }
  const extension = /\.([a-z0-9]+)$/i.exec(String(name ?? ''))?.[1]?.toLowerCase();
  return BY_EXTENSION[extension] ?? null;
}

/** The file's name without its extension: what a new area is called unless someone types another. */
export function baseName(name) {
  const text = String(name ?? '').replace(/^.*[\\/]/, '');
  return text.replace(/\.(geo)?json$|\.kml$|\.gpx$|\.xml$/i, '') || text;
}

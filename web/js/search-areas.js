// The search areas of an operation as the "Operations" tab lists them, read from
// GET /api/operations/{id}/areas (oldest first): each with its size, the side of its squares and
// the share of it swept so far. No DOM here, so tests/search-areas.test.mjs runs it in node.

const clampShare = (x) => Math.min(1, Math.max(0, x));

/**
 * The areas the server answered, as the tab shows them: [{id, name, areaM2 (or null), geometry
 * (GeoJSON Polygon, or null), cellSize (m; null before squares are drawn), squares, swept (share of
 * the area swept, 0..1)}], in the server's order. Anything but a list is no areas.
 */
export function operationAreas(list) {
  return (Array.isArray(list) ? list : []).filter((area) => area?.id).map((area) => {
    const areaM2 = Number.isFinite(area.area_m2) && area.area_m2 >= 0 ? area.area_m2 : null;
    const squares = Number.isInteger(area.squares) && area.squares > 0 ? area.squares : 0;
    const sweptM2 = Number.isFinite(area.swept_m2) ? area.swept_m2 : 0;
    return {
      id: String(area.id),
      name: typeof area.name === 'string' ? area.name : '',
      areaM2,
      geometry: area.geometry?.type === 'Polygon' ? area.geometry : null,
      cellSize: Number.isFinite(area.cell_size_m) && area.cell_size_m > 0 ? area.cell_size_m : null,
      squares,
      // The squares cover the area: what is swept of them over its size (rounding kept under 1).
      swept: squares > 0 && areaM2 > 0 ? clampShare(sweptM2 / areaM2) : 0,
    };
  });
}

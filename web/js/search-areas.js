// The search areas of an operation, put together from what the server gives today: the squares
// of the operation name their area (area_id), /api/map/features names and outlines the areas of
// open cases, and the areas made in this console are remembered here (with the size of their
// squares) until they have squares of their own. No DOM here: the storage is passed in, so
// tests/search-areas.test.mjs runs it in node.

import { polygonAreaM2 } from './area-drawing.js';

const STORAGE_KEY = 'sweep.areas';
const REMEMBERED_LIMIT = 200;

/** The search areas of case `caseId` in a /api/map/features collection: id -> {id, name, geometry}. */
export function caseAreasFrom(collection, caseId) {
  const areas = new Map();
  for (const feature of Array.isArray(collection?.features) ? collection.features : []) {
    const props = feature?.properties;
    if (props?.kind !== 'search_area' || !props.id || props.case_id !== caseId) continue;
    areas.set(props.id, { id: props.id, name: props.name ?? '', geometry: feature.geometry ?? null });
  }
  return areas;
}

/**
 * The areas of one operation, in order: those its squares belong to (as the server orders them,
 * oldest area first), then the ones made here without squares yet. Each is
 * {id, name (null if unknown), areaM2, squares, swept (share of the area swept, 0..1),
 * cellSize (m, when known), geometry (or null)}.
 * `squares`: the operation's squares (FeatureCollection or null); `caseAreas`: caseAreasFrom();
 * `made`: this console's memory of the operation's areas, [{id, name, area_m2, cell_size_m}].
 */
export function operationAreas({ squares, caseAreas = new Map(), made = [] }) {
  const areas = new Map();
  for (const feature of Array.isArray(squares?.features) ? squares.features : []) {
    const props = feature?.properties;
    if (!props?.area_id) continue;
    let area = areas.get(props.area_id);
    if (!area) {
      area = { id: props.area_id, squares: 0, squaredM2: 0, sweptM2: 0 };
      areas.set(props.area_id, area);
    }
    const size = Number.isFinite(props.area_m2) ? props.area_m2 : 0;
    area.squares += 1;
    area.squaredM2 += size;
    area.sweptM2 += size * (Number.isFinite(props.geometric) ? Math.min(1, Math.max(0, props.geometric)) : 0);
  }
  for (const one of made) {
    if (one?.id && !areas.has(one.id)) areas.set(one.id, { id: one.id, squares: 0, squaredM2: 0, sweptM2: 0 });
  }
  const memory = new Map(made.filter((one) => one?.id).map((one) => [one.id, one]));
  return [...areas.values()].map(({ id, squares: count, squaredM2, sweptM2 }) => {
    const known = caseAreas.get(id);
    const remembered = memory.get(id);
    let areaM2 = squaredM2;
    if (count === 0) {
      areaM2 = Number.isFinite(remembered?.area_m2) ? remembered.area_m2
        : (known?.geometry?.type === 'Polygon' ? polygonAreaM2(known.geometry.coordinates) : null);
    }
    return {
      id,
      name: known?.name || remembered?.name || null,
      areaM2,
      squares: count,
      swept: squaredM2 > 0 ? sweptM2 / squaredM2 : 0,
      cellSize: Number.isFinite(remembered?.cell_size_m) ? remembered.cell_size_m : null,
      geometry: known?.geometry ?? null,
    };
  });
}

/**
 * This console's memory of the areas it made: area id -> {operation_id, name, area_m2,
 * cell_size_m, at}. `storage` is localStorage or anything with getItem/setItem (or null: the
 * memory then lasts until reload). The oldest are forgotten beyond a few hundred.
 */
export function createAreaMemory(storage = null) {
  let areas = {};
  try {
    const saved = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '{}');
    if (saved && typeof saved === 'object' && !Array.isArray(saved)) areas = saved;
  } catch {
    areas = {};
  }

  function save() {
    const ids = Object.keys(areas);
    if (ids.length > REMEMBERED_LIMIT) {
      ids.sort((a, b) => (areas[a].at ?? 0) - (areas[b].at ?? 0));
      for (const id of ids.slice(0, ids.length - REMEMBERED_LIMIT)) delete areas[id];
    }
    try {
      storage?.setItem(STORAGE_KEY, JSON.stringify(areas));
    } catch {
      // Storage full or disabled: the memory lasts until reload.
    }
  }

  return {
    /** Remembers (or updates) what is known of area `id`. */
    remember(id, facts, at = Date.now()) {
      if (!id) return;
      areas[id] = { ...(areas[id] || {}), ...facts, at: areas[id]?.at ?? at };
      save();
    },
    /** The areas made for operation `operationId`, oldest first, each with its id. */
    ofOperation(operationId) {
      return Object.entries(areas)
        .filter(([, facts]) => facts?.operation_id === operationId)
        .sort(([, a], [, b]) => (a.at ?? 0) - (b.at ?? 0))
        .map(([id, facts]) => ({ id, ...facts }));
    },
    get(id) {
      return areas[id] ? { id, ...areas[id] } : null;
    },
  };
}

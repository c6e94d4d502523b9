// The watched operation's unfinished tasks on the live map (js/squares-panel.js says which, and
// whether #show-tasks asks for them): the outer outline of each task's squares and its route,
// with a white edge so they read over any square's colour, and the task's number. Over the
// squares and under the volunteers' tracks and markers; they never catch the pointer, so a
// square under them still opens its popup. What to draw is js/task-outline.js.
//
// Browser tests find `path.task-outline[data-task-id][data-number][data-status]`,
// `path.task-route[data-task-id]` and `.task-outline-label[data-task-id]`.

import { h } from './dom.js';
import { taskNumberText } from './field-tasks.js';
import { addMapLayer } from './map.js';

// Over the squares (390), under the tracks (the overlay pane, 400) and the volunteers (600); the
// numbers over the squares' labels (440), under the area names (450).
const OUTLINE_PANE = 'task-outlines';
const LABEL_PANE = 'task-labels';
const COLOUR = '#1d4ed8';
const EDGE = '#ffffff';

let holder = null;
let group = null; // L.layerGroup of what is drawn

/** Puts the (empty) layer on the map once; false without a map. */
export function initTaskOutlines() {
  if (holder) return true;
  const L = window.L;
  if (!L) return false;
  const Holder = L.Layer.extend({
    onAdd(map) {
      for (const [name, zIndex] of [[OUTLINE_PANE, 395], [LABEL_PANE, 445]]) {
        if (!map.getPane(name)) {
          map.createPane(name).style.zIndex = zIndex;
          map.getPane(name).style.pointerEvents = 'none';
        }
      }
      group = group || L.layerGroup();
      group.addTo(map);
    },
    onRemove() {
      group?.remove();
    },
  });
  const layer = new Holder();
  if (!addMapLayer(layer)) return false;
  holder = layer;
  return true;
}

const latLngs = (line) => line.map(([lon, lat]) => [lat, lon]);

// Marks a drawn path (or a label's element) so tests and styles can find it.
function tag(layer, dataset) {
  layer.on('add', () => {
    const element = layer.getElement?.();
    if (element) Object.assign(element.dataset, dataset);
  });
  return layer;
}

/** Draws `tasks` (js/task-outline.js taskOutlines), replacing what was drawn. */
export function drawTaskOutlines(tasks) {
  if (!holder || !group) return;
  const L = window.L;
  group.clearLayers();
  for (const task of tasks || []) {
    const dataset = { taskId: task.id, number: String(task.number ?? ''), status: task.status ?? '' };
    // A planned task (no group yet) is dashed; one under way is drawn widest.
    const weight = task.status === 'in_progress' ? 4 : 3;
    const dashArray = task.status === 'planned' ? '8 6' : null;
    const common = { pane: OUTLINE_PANE, interactive: false, lineJoin: 'round' };
    if (task.outline.length) {
      const lines = task.outline.map(latLngs);
      L.polyline(lines, { ...common, color: EDGE, weight: weight + 3, opacity: 0.85, className: 'task-outline-edge' }).addTo(group);
      tag(L.polyline(lines, { ...common, color: COLOUR, weight, opacity: 1, dashArray, className: 'task-outline' }), dataset).addTo(group);
    }
    if (task.route.length) {
      const line = latLngs(task.route);
      // Dotted, so it is not taken for a planned task's dashed outline.
      L.polyline(line, { ...common, color: EDGE, weight: 6, opacity: 0.6, className: 'task-route-edge' }).addTo(group);
      tag(L.polyline(line, {
        ...common, color: COLOUR, weight: 4, opacity: 1, dashArray: '1 8', lineCap: 'round', className: 'task-route',
      }), dataset).addTo(group);
    }
    if (task.labelAt) {
      tag(L.marker([task.labelAt[1], task.labelAt[0]], {
        pane: LABEL_PANE,
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: 'task-outline-label',
          html: h('span', { text: taskNumberText(task.number) }),
          iconSize: null,
        }),
      }), dataset).addTo(group);
    }
  }
}

/** Removes every task outline from the map. */
export function clearTaskOutlines() {
  group?.clearLayers();
}

// web/task-sheet.html#<operation id>/<task id>: a group's task on paper (in the spirit of the
// ICS 204 assignment list), to print on A4 and take to the field. Built from the operation
// (GET /api/operations/{id}: its groups, leaders, members, meeting point), its tasks, its squares
// (labelled in the sheet's language) and the case (the missing person in brief, the meeting
// point's place). A small Leaflet map without tiles shows the task's squares numbered in search
// order and its route, framed to them. The sheet speaks the console's language; the switch here
// is for this sheet only.

import { getCase, getConfig, getFieldTasks, getOperation, getSquares } from './api.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import {
  fieldTaskStatusLabel, searchTypeLabel, squareList, taskNumberText,
} from './field-tasks.js';
import { ageText, lastSeenTime } from './flyer-text.js';
import { getLanguage, initI18n, onLanguageChange, t } from './i18n.js';
import { initLanguageSwitch } from './language-switch.js';
import { formatPoint, isPoint, toLatLon } from './points.js';
import { formatNumber } from './coverage-scale.js';

const PICKED = { color: '#000000', weight: 2.5, fillColor: '#f2b705', fillOpacity: 0.45 };
const OTHER = { color: '#7a7a7a', weight: 0.6, fillColor: '#ffffff', fillOpacity: 0, dashArray: '2 3' };
const ROUTE = { color: '#c2410c', weight: 4, dashArray: '8 5' };

let data = null; // {op, task, squares (GeoJSON or null), card (or null), config (or null)}
let failure = null;
let generation = 0;
let map = null;
let printedAt = new Date();

async function boot() {
  await initI18n();
  initLanguageSwitch(byId('lang-switch'), { remember: false });
  onLanguageChange(() => {
    render();
    reloadSquares(); // their labels are written in the sheet's language
  });
  byId('sheet-print').addEventListener('click', () => window.print());
  window.addEventListener('beforeprint', () => {
    printedAt = new Date();
    renderPrinted();
    map?.invalidateSize({ animate: false });
  });
  window.addEventListener('hashchange', load);
  load();
}

/** {operationId, taskId} from "#<operation>/<task>". */
function idsFromHash() {
  try {
    const [operationId = '', taskId = ''] = decodeURIComponent(window.location.hash.replace(/^#/, '')).split('/');
    return { operationId: operationId.trim(), taskId: taskId.trim() };
  } catch {
    return { operationId: '', taskId: '' };
  }
}

async function load() {
  const mine = ++generation;
  data = null;
  failure = null;
  const { operationId, taskId } = idsFromHash();
  if (!operationId || !taskId) {
    failure = { code: 'no_task' };
    render();
    return;
  }
  render();
  const [opAnswer, tasksAnswer, squaresAnswer, configAnswer] = await Promise.allSettled([
    getOperation(operationId), getFieldTasks(operationId, getLanguage()), getSquares(operationId, getLanguage()), getConfig(),
  ]);
  if (mine !== generation) return;
  if (opAnswer.status === 'rejected' || tasksAnswer.status === 'rejected') {
    failure = opAnswer.status === 'rejected' ? opAnswer.reason : tasksAnswer.reason;
    render();
    return;
  }
  const task = (Array.isArray(tasksAnswer.value) ? tasksAnswer.value : []).find((one) => one.id === taskId);
  if (!task) {
    failure = { code: 'no_task' };
    render();
    return;
  }
  const op = opAnswer.value;
  let card = null;
  try {
    card = await getCase(op.case_id);
  } catch {
    card = null; // the sheet is still useful without the card: the operation names the person
  }
  if (mine !== generation) return;
  data = {
    op,
    task,
    squares: squaresAnswer.status === 'fulfilled' ? squaresAnswer.value : null,
    card,
    config: configAnswer.status === 'fulfilled' ? configAnswer.value : null,
  };
  render();
}

async function reloadSquares() {
  if (!data) return;
  const mine = generation;
  try {
    const squares = await getSquares(data.op.id, getLanguage());
    if (mine !== generation || !data) return;
    data.squares = squares;
    render();
  } catch {
    // The labels stay in the language they were read in.
  }
}

function render() {
  const state = data ? 'shown' : failure ? 'failed' : 'loading';
  document.body.dataset.state = state;
  byId('sheet-loading').hidden = state !== 'loading';
  byId('sheet-message').hidden = state !== 'failed';
  byId('sheet').hidden = state !== 'shown';
  byId('sheet-print').disabled = state !== 'shown';
  if (state === 'failed') renderFailure();
  if (state === 'shown') renderSheet();
}

function renderFailure() {
  const needsLogin = failure?.status === 401;
  byId('sheet-login-link').hidden = !needsLogin;
  let text;
  if (failure?.code === 'no_task' || failure?.status === 404 || failure?.status === 400) text = t('sheet.error.no_task');
  else if (needsLogin) text = t('sheet.error.login');
  else text = apiErrorText(failure);
  byId('sheet-message-text').textContent = text;
  document.title = t('sheet.page_title');
}

const rows = (pairs) => pairs
  .filter(([, value]) => value !== null && value !== undefined && String(value).trim() !== '')
  .flatMap(([label, value]) => [h('dt', { text: label }), h('dd', { text: String(value) })]);

/** The task's squares in order, labelled in the sheet's language when the squares were read in it. */
function orderedSquares() {
  const { task, squares } = data;
  const read = new Map(squareList(squares).map((square) => [String(square.id), square]));
  return (task.squares || []).map((square) => ({
    id: square.id,
    label: read.get(String(square.id))?.label || square.label,
    areaName: read.get(String(square.id))?.areaName || '',
  }));
}

function renderSheet() {
  const { op, task, card, config } = data;
  const lang = getLanguage();
  const group = (op.groups || []).find((g) => g.id === task.group_id) || null;
  const members = group ? (op.members || []).filter((m) => m.group_id === group.id) : [];
  const leader = group?.leader_id ? members.find((m) => m.volunteer_id === group.leader_id) : null;
  const name = `${taskNumberText(task.number)} ${task.title || ''}`.trim();
  document.title = t('sheet.document_title', { task: name });

  byId('sheet-number').textContent = taskNumberText(task.number);
  byId('sheet-title').textContent = task.title || '';
  byId('sheet-status').textContent = task.status_reason
    ? t('sheet.status_reason', { status: fieldTaskStatusLabel(task.status), reason: task.status_reason })
    : t('sheet.status', { status: fieldTaskStatusLabel(task.status) });

  const width = Number.isFinite(task.sweep_width_m) ? task.sweep_width_m : op.sweep_width_m;
  const meeting = (card?.places || []).find((place) => place.id === op.meeting_point_id) || null;
  const meetingText = meeting
    ? [meeting.name, meeting.address, isPoint(meeting.point) ? formatPoint(meeting.point) : null].filter(Boolean).join(' — ')
    : null;
  byId('sheet-facts').replaceChildren(...rows([
    [t('sheet.case'), op.case_name || card?.full_name],
    [t('sheet.operation'), op.name],
    [t('sheet.search_type'), Number.isFinite(width)
      ? t('sheet.search_type_width', { type: searchTypeLabel(task.search_type), width: formatNumber(width, lang, 1) })
      : searchTypeLabel(task.search_type)],
    [t('sheet.group'), group?.name || task.group_name || t('sheet.no_group')],
    [t('sheet.leader'), leader?.name || (group ? t('sheet.no_leader') : null)],
    [t('sheet.meeting_point'), meetingText],
    [t('sheet.members'), members.length ? t('sheet.members_list', { n: members.length, names: members.map((m) => m.name).join(', ') }) : null],
  ]));

  const squares = orderedSquares();
  byId('sheet-squares-section').hidden = squares.length === 0;
  byId('sheet-squares').replaceChildren(...squares.map((square, index) => h('li', {
    className: 'sheet-square', dataset: { squareId: square.id },
  },
  h('span', { className: 'sheet-square-n', text: String(index + 1) }),
  h('span', { className: 'sheet-square-label', text: square.label }))));

  const places = Array.isArray(task.places) ? task.places : [];
  byId('sheet-places-section').hidden = places.length === 0;
  byId('sheet-places').replaceChildren(...places.map((place) => h('li', {},
    h('span', { className: 'sheet-place-name', text: place.name || '' }),
    place.address ? h('span', { className: 'sheet-place-address', text: place.address }) : null,
    h('span', { className: 'sheet-place-check', attrs: { 'aria-hidden': 'true' } }))));

  const groupInstructions = group?.instructions && group.instructions !== task.instructions ? group.instructions : '';
  byId('sheet-instructions').textContent = task.instructions || t('sheet.no_instructions');
  byId('sheet-group-instructions-block').hidden = !groupInstructions;
  byId('sheet-group-instructions').textContent = groupInstructions;

  byId('sheet-person-section').hidden = !card;
  if (card) {
    const seen = [lastSeenTime(card.last_seen_at, lang), card.last_seen_address].filter(Boolean).join(' — ');
    byId('sheet-person').replaceChildren(...rows([
      [t('sheet.person_name'), card.full_name],
      [t('sheet.person_age'), ageText(card, lang, t)],
      [t('flyer.label.height'), Number.isFinite(card.height_cm) ? t('flyer.height_value', { cm: card.height_cm }) : null],
      [t('case.field.clothing'), card.clothing],
      [t('case.field.special_marks'), card.special_marks],
      [t('sheet.last_seen'), seen],
    ]));
  }

  byId('sheet-team').textContent = config?.team_name || '';
  renderPrinted();
  drawMap(squares, meeting);
}

function renderPrinted() {
  byId('sheet-printed').textContent = t('sheet.printed', {
    time: new Intl.DateTimeFormat(getLanguage(), {
      day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).format(printedAt),
  });
}

// ---- The map extract -------------------------------------------------------------------------

function drawMap(squares, meeting) {
  const L = window.L;
  const note = byId('sheet-map-note');
  const container = byId('sheet-map');
  const { task } = data;
  const features = Array.isArray(data.squares?.features) ? data.squares.features : [];
  const order = new Map(squares.map((square, index) => [String(square.id), index + 1]));
  const hasRoute = task.route?.type === 'LineString' && Array.isArray(task.route.coordinates) && task.route.coordinates.length >= 2;
  if (!L) {
    container.hidden = true;
    note.hidden = false;
    note.textContent = t('sheet.map_unavailable');
    return;
  }
  if (!map) {
    map = L.map(container, {
      zoomControl: false,
      attributionControl: false,
      dragging: false,
      scrollWheelZoom: false,
      doubleClickZoom: false,
      boxZoom: false,
      keyboard: false,
      touchZoom: false,
      zoomSnap: 0,
      fadeAnimation: false,
      zoomAnimation: false,
    });
    L.control.scale({ metric: true, imperial: false, position: 'bottomleft' }).addTo(map);
  }
  map.eachLayer((layer) => {
    if (!(layer instanceof L.TileLayer)) map.removeLayer(layer);
  });
  const framed = L.featureGroup().addTo(map);
  const context = L.featureGroup().addTo(map);
  for (const feature of features) {
    const id = String(feature.id ?? feature.properties?.id);
    const n = order.get(id);
    const layer = L.geoJSON(feature, { style: n ? PICKED : OTHER, interactive: false });
    layer.addTo(n ? framed : context);
    if (n) {
      L.marker(layer.getBounds().getCenter(), {
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: 'sheet-map-square',
          html: h('span', {}, h('strong', { text: String(n) }), ' ', h('span', { text: feature.properties?.label ?? '' })),
          iconSize: null,
        }),
      }).addTo(framed);
    }
  }
  if (hasRoute) L.geoJSON(task.route, { style: ROUTE, interactive: false }).addTo(framed);
  if (meeting && isPoint(meeting.point)) {
    L.marker(toLatLon(meeting.point), {
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: 'sheet-map-meeting', iconSize: [16, 16] }),
    }).addTo(context);
  }
  let bounds = framed.getBounds();
  if (!bounds.isValid()) bounds = context.getBounds();
  container.hidden = !bounds.isValid();
  note.hidden = bounds.isValid() && features.length > 0;
  if (!bounds.isValid()) {
    note.textContent = t('sheet.map_empty');
    return;
  }
  note.textContent = features.length ? '' : t('sheet.map_no_squares');
  map.invalidateSize({ animate: false });
  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17, animate: false });
}

boot();

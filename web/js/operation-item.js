// One search operation of a case, drawn: its status and the changes it allows, the links to its
// tracks and to its export (areas, squares, routes and tracks as GeoJSON, KML or GPX), its search
// areas (js/operation-areas.js), its probability of area (js/operation-poa.js), its tasks
// (js/operation-tasks.js), its field alerts (js/field-alerts.js), its search leader (a select to
// change it), its groups with their leaders, radio channels, instructions, equipment and members,
// the members without a group, and its messages to the field. Buttons carry data-action
// (js/case-operations.js handles the clicks) and data-focus-key, so the keyboard stays in place
// when the operation is drawn again.
//
// Browser tests find `.operation-leader[data-leader-id]` with `select[data-action="leader"]`,
// `.operation-group-radio`, and per group `.equipment-item[data-equipment-id][data-returned]`,
// `button[data-action="equipment-return"]` and `button[data-action="equipment-issue"]`.

import * as api from './api.js';
import { h } from './dom.js';
import { getLanguage, t } from './i18n.js';
import { operationStatusLabel } from './labels.js';
import { alertList } from './alert-list.js';
import { fieldAlertsSection } from './field-alerts.js';
import { areasSection } from './operation-areas.js';
import { poaSection } from './operation-poa.js';
import { groupEquipment, leaderChoices } from './operation-people.js';
import { tasksSection } from './operation-tasks.js';
import { href } from './routes.js';
import { formatClock } from './time.js';

// The status changes offered from each status; finishing is asked about first.
const NEXT_STATUSES = {
  planned: ['active', 'finished'],
  active: ['suspended', 'finished'],
  suspended: ['active', 'finished'],
  finished: [],
};

const STATUS_ACTIONS = {
  active: (from) => (from === 'suspended' ? t('operation.action.resume') : t('operation.action.start')),
  suspended: () => t('operation.action.suspend'),
  finished: () => t('operation.action.finish'),
};

const button = (action, text, { key, primary = false, label = null, data = {}, busy = false } = {}) => h('button', {
  type: 'button',
  className: `button ${primary ? 'button-primary' : 'button-quiet'} button-small`,
  dataset: { action, focusKey: key, ...data },
  text,
  disabled: busy,
  attrs: { 'aria-label': label, 'aria-busy': busy ? 'true' : null },
});

/**
 * The <li> for operation `op`, with its `alerts` (null while they load). `people`: whom the search
 * leader can be chosen from besides the members ({me, accounts, volunteers}, js/operation-people.js);
 * `busy`: the focus keys of buttons whose request is under way.
 */
export function operationItem(op, { alerts = null, openIds = new Set(), people = {}, busy = new Set() } = {}) {
  const open = op.status !== 'finished';
  const members = Array.isArray(op.members) ? op.members : [];
  const groups = Array.isArray(op.groups) ? op.groups : [];
  const ungrouped = members.filter((m) => !m.group_id || !groups.some((g) => g.id === m.group_id));

  return h('li', { className: 'operation', dataset: { operationId: op.id, status: op.status } },
    h('div', { className: 'operation-head' },
      h('h3', { className: 'operation-name', text: op.name }),
      h('span', { className: 'status-badge operation-status', dataset: { status: op.status }, text: operationStatusLabel(op.status) }),
      h('span', { className: 'operation-count', text: t('operation.member_count', { n: members.length }) })),
    open ? h('div', { className: 'operation-actions' },
      NEXT_STATUSES[op.status]?.map((to) => button('status', STATUS_ACTIONS[to](op.status), {
        key: `status:${op.id}:${to}`, primary: to === 'active', data: { to },
      })),
      h('a', {
        className: 'button button-quiet button-small operation-watch',
        href: href.map({ watch: op.id }),
        text: t('operation.watch'),
      }),
      button('message', t('operation.message_all'), { key: `message:${op.id}` }),
      button('add-member', t('operation.add_member'), { key: `add-member:${op.id}` }),
      button('add-group', t('operation.add_group'), { key: `add-group:${op.id}` })) : null,
    leaderRow(op, open, people),
    exportLinks({ operation_id: op.id }, t('operation.tracks'), op.name),
    operationExport(op),
    areasSection(op),
    poaSection(op),
    tasksSection(op),
    fieldAlertsSection(op),
    groups.map((group) => groupBlock(op, group, members.filter((m) => m.group_id === group.id), open, busy)),
    ungrouped.length || (open && groups.length === 0)
      ? h('section', { className: 'operation-group operation-ungrouped' },
        h('h4', { className: 'operation-group-name', text: groups.length ? t('operation.no_group') : t('operation.members') }),
        memberList(op, ungrouped, open))
      : null,
    h('section', { className: 'operation-alerts' },
      h('h4', { className: 'operation-alerts-title', text: t('operation.alerts') }),
      alerts === null
        ? h('p', { className: 'panel-note', text: t('common.loading') })
        : (alerts.length
          ? alertList(op, alerts, { openIds })
          : h('p', { className: 'panel-note', text: t('operation.no_alerts') }))));
}

// "Search leader: Olga" and, while the operation runs, the select that names another. The server
// names a leader but does not take one away, so "none" is offered only before one is named.
function leaderRow(op, open, people) {
  const selectId = `operation-leader-${op.id}`;
  const leader = op.leader_id ? String(op.leader_id) : '';
  let change = null;
  if (open) {
    const { groups, current } = leaderChoices({ op, ...people });
    const groupLabel = {
      staff: () => t('operation.leader.staff'),
      members: () => t('operation.leader.members'),
      volunteers: () => t('operation.leader.volunteers'),
    };
    const select = h('select', {
      className: 'field operation-leader-select',
      id: selectId,
      dataset: { action: 'leader', focusKey: `leader:${op.id}` },
    },
    leader ? null : h('option', { value: '', text: t('operation.leader.choose') }),
    current ? h('option', { value: current.id, text: current.name || t('operation.leader.unknown') }) : null,
    groups.map((group) => h('optgroup', { label: groupLabel[group.kind]() },
      group.people.map((person) => h('option', { value: person.id, text: person.name })))));
    select.value = leader;
    change = h('span', { className: 'operation-leader-change' },
      h('label', { className: 'visually-hidden', htmlFor: selectId, text: t('operation.leader.change_of', { name: op.name }) }),
      select);
  }
  return h('div', { className: 'operation-leader', dataset: { leaderId: leader || null } },
    h('span', {
      className: `operation-leader-name${leader ? '' : ' operation-leader-none'}`,
      text: leader ? t('operation.leader.named', { name: op.leader_name || t('operation.leader.unknown') }) : t('operation.leader.none'),
    }),
    change);
}

function groupBlock(op, group, members, open, busy) {
  const leader = group.leader_id ? members.find((m) => m.volunteer_id === group.leader_id) : null;
  return h('section', { className: 'operation-group', dataset: { groupId: group.id, leaderId: group.leader_id || null } },
    h('div', { className: 'operation-group-head' },
      h('h4', { className: 'operation-group-name', text: group.name }),
      open ? button('edit-group', t('operation.group.edit'), {
        key: `edit-group:${group.id}`, label: t('operation.group.edit_of', { name: group.name }),
      }) : null,
      open ? button('message-group', t('operation.group.message'), {
        key: `message-group:${group.id}`, label: t('operation.group.message_of', { name: group.name }),
      }) : null),
    h('p', { className: `operation-group-leader${leader ? '' : ' operation-group-leader-none'}` },
      leader ? t('operation.group.leader', { name: leader.name }) : t('operation.group.no_leader')),
    group.radio
      ? h('p', { className: 'operation-group-radio', text: t('operation.group.radio', { radio: group.radio }) })
      : h('p', { className: 'operation-group-radio operation-group-radio-none', text: t('operation.group.no_radio') }),
    group.instructions
      ? h('p', { className: 'operation-instructions', text: group.instructions })
      : h('p', { className: 'operation-instructions operation-instructions-none', text: t('operation.group.no_instructions') }),
    memberList(op, members, open),
    equipmentPart(group, open, busy),
    exportLinks({ group_id: group.id }, t('operation.group.tracks'), group.name));
}

// What the group was handed: still out, or struck through with the time it came back. Things can
// be taken back after the operation is finished; new ones are handed out only while it runs.
function equipmentPart(group, open, busy) {
  const list = groupEquipment(group);
  const language = getLanguage();
  const items = list.map((e) => {
    const returned = Boolean(e.returned_at);
    const what = e.quantity > 1 ? t('equipment.item_n', { item: e.item, n: e.quantity }) : e.item;
    const key = `equipment-return:${e.id}`;
    return h('li', { className: 'equipment-item', dataset: { equipmentId: e.id, returned: String(returned) } },
      h('span', { className: 'equipment-what', text: what }),
      h('span', {
        className: 'equipment-when',
        text: returned
          ? t('equipment.returned_at', { time: formatClock(e.returned_at, language) })
          : t('equipment.issued_at', { time: formatClock(e.issued_at, language) }),
      }),
      returned ? null : button('equipment-return', t('equipment.return'), {
        key, busy: busy.has(key), label: t('equipment.return_of', { item: what, group: group.name }),
      }));
  });
  const out = list.filter((e) => !e.returned_at).length;
  return h('div', { className: 'group-equipment' },
    h('div', { className: 'group-equipment-head' },
      h('h5', { className: 'group-equipment-title', text: t('equipment.title') }),
      out ? h('span', { className: 'group-equipment-out', text: t('equipment.out_count', { n: out }) }) : null,
      open ? button('equipment-issue', t('equipment.issue'), {
        key: `equipment-issue:${group.id}`, label: t('equipment.issue_to', { group: group.name }),
      }) : null),
    items.length
      ? h('ul', { className: 'equipment-list' }, items)
      : h('p', { className: 'panel-note equipment-none', text: t('equipment.none') }));
}

function memberList(op, members, open) {
  if (!members.length) return h('p', { className: 'panel-note operation-members-none', text: t('operation.no_members') });
  return h('ul', { className: 'operation-members' }, members.map((m) => memberRow(op, m, open)));
}

function memberRow(op, member, open) {
  const selectId = `member-group-${op.id}-${member.volunteer_id}`;
  const groups = op.groups || [];
  let move = null;
  if (open && groups.length) {
    const select = h('select', {
      className: 'field operation-member-group',
      id: selectId,
      dataset: { action: 'move', focusKey: `move:${op.id}:${member.volunteer_id}` },
    },
    h('option', { value: '', text: t('operation.no_group') }),
    groups.map((g) => h('option', { value: g.id, text: g.name })));
    select.value = member.group_id || '';
    move = h('span', { className: 'operation-member-move' },
      h('label', { className: 'visually-hidden', htmlFor: selectId, text: t('operation.member.group_of', { name: member.name }) }),
      select);
  }
  const leads = Boolean(member.group_id) && groups.some((g) => g.id === member.group_id && g.leader_id === member.volunteer_id);
  return h('li', { className: 'operation-member', dataset: { volunteerId: member.volunteer_id, leader: leads ? 'true' : null } },
    h('span', { className: 'operation-member-name', text: member.name },
      leads ? h('span', { className: 'operation-member-leader', text: t('operation.member.leader_badge') }) : null),
    move,
    h('span', { className: 'operation-member-actions' },
      open ? button('message-member', t('operation.member.message'), {
        key: `message-member:${member.volunteer_id}`, label: t('operation.member.message_of', { name: member.name }),
      }) : null,
      button('device', t('device.open'), {
        key: `device:${member.volunteer_id}`, label: t('device.open_of', { name: member.name }),
      }),
      open ? button('remove-member', t('operation.member.remove'), {
        key: `remove-member:${member.volunteer_id}`, label: t('operation.member.remove_of', { name: member.name }),
      }) : null));
}

// "The whole operation: GeoJSON · KML · GPX" (GET /api/operations/{id}/export): its areas, squares
// with their figures, tasks' routes and members' tracks, for other mapping programs.
function operationExport(op) {
  const link = (format, text, label) => h('a', {
    className: 'track-export operation-export-link',
    href: api.operationExportUrl(op.id, format),
    download: '',
    dataset: { format },
    text,
    attrs: { 'aria-label': label },
  });
  const name = op.name;
  return h('p', { className: 'track-exports operation-exports' },
    h('span', { className: 'track-exports-title', text: t('operation.export.title') }), ' ',
    link('geojson', t('operation.export.geojson'), t('operation.export.all_geojson_of', { name })), ' · ',
    link('kml', t('operation.export.kml'), t('operation.export.all_kml_of', { name })), ' · ',
    link('gpx', t('operation.export.gpx'), t('operation.export.all_gpx_of', { name })));
}

// "Tracks: GPX · GeoJSON" for an operation or a group (files from /api/tracks/export).
function exportLinks(of, title, name) {
  const link = (format, text, label) => h('a', {
    className: 'track-export',
    href: api.trackExportUrl(of, format),
    download: '',
    text,
    attrs: { 'aria-label': label },
  });
  return h('p', { className: 'track-exports' },
    h('span', { className: 'track-exports-title', text: title }), ' ',
    link('gpx', t('operation.export.gpx'), t('operation.export.gpx_of', { name })), ' · ',
    link('geojson', t('operation.export.geojson'), t('operation.export.geojson_of', { name })));
}

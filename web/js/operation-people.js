// The people and things of an operation as the Operations tab shows them: whom its search leader
// can be chosen from, and the equipment its groups were handed (what is still out, what came
// back). No DOM here, so tests/operation-people.test.mjs runs it in node.

// ---- The search leader -----------------------------------------------------------------------

const byName = (a, b) => String(a.name).localeCompare(String(b.name));
const STAFF_ROLES = new Set(['admin', 'dispatcher', 'coordinator']);

/**
 * Whom the search leader of `op` can be chosen from: any enabled account of the team but a police
 * liaison. The console cannot list every account (only administrators read /api/users), so this
 * offers what it knows: `me` (the account logged in), the staff among `accounts` (an
 * administrator's list, else empty), the operation's members, and the team's `volunteers`
 * (GET /api/volunteers). Answers {groups: [{kind: "staff" | "members" | "volunteers", people:
 * [{id, name}]}] (empty groups left out, each by name, nobody twice), current: {id, name} of the
 * leader when none of the groups holds them (or null)}.
 */
export function leaderChoices({ op, me = null, accounts = [], volunteers = [] } = {}) {
  const seen = new Set();
  const take = (list) => {
    const people = [];
    for (const person of list) {
      const id = person?.id ? String(person.id) : '';
      if (!id || seen.has(id)) continue;
      seen.add(id);
      people.push({ id, name: String(person.name ?? '') });
    }
    return people.sort(byName);
  };
  const enabled = (Array.isArray(accounts) ? accounts : []).filter((a) => a && !a.disabled_at);
  const staff = take([
    ...(me && STAFF_ROLES.has(me.role) ? [{ id: me.id, name: me.display_name || me.login }] : []),
    ...enabled.filter((a) => STAFF_ROLES.has(a.role)).map((a) => ({ id: a.id, name: a.display_name || a.login })),
  ]);
  const members = take((Array.isArray(op?.members) ? op.members : []).map((m) => ({ id: m.volunteer_id, name: m.name })));
  const others = take([
    ...(Array.isArray(volunteers) ? volunteers : []).map((v) => ({ id: v.id, name: v.name })),
    ...enabled.filter((a) => a.role === 'volunteer').map((a) => ({ id: a.id, name: a.display_name || a.login })),
  ]);
  const groups = [
    { kind: 'staff', people: staff },
    { kind: 'members', people: members },
    { kind: 'volunteers', people: others },
  ].filter((group) => group.people.length > 0);
  const leader = op?.leader_id ? String(op.leader_id) : null;
  const current = leader && !seen.has(leader) ? { id: leader, name: String(op.leader_name ?? '') } : null;
  return { groups, current };
}

// ---- Equipment -------------------------------------------------------------------------------

export const MAX_ITEM_LENGTH = 200;
export const MAX_QUANTITY = 10000;

/**
 * Reads the hand-out form: `item` (1 to 200 characters) and `quantity` (text; empty is 1, else a
 * whole number from 1 to 10,000). Answers {ok: true, item, quantity} or {ok: false, field}.
 */
export function readEquipment({ item, quantity }) {
  const what = String(item ?? '').trim();
  if (!what || [...what].length > MAX_ITEM_LENGTH) return { ok: false, field: 'item' };
  const text = String(quantity ?? '').trim();
  const n = text === '' ? 1 : Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_QUANTITY) return { ok: false, field: 'quantity' };
  return { ok: true, item: what, quantity: n };
}

const time = (iso) => {
  const ms = Date.parse(iso ?? '');
  return Number.isNaN(ms) ? 0 : ms;
};

/**
 * A group's equipment as listed: what is still out first (handed out last first), then what came
 * back (returned last first).
 */
export function groupEquipment(group) {
  const list = (Array.isArray(group?.equipment) ? group.equipment : []).filter((e) => e?.id);
  const out = list.filter((e) => !e.returned_at).sort((a, b) => time(b.issued_at) - time(a.issued_at));
  const back = list.filter((e) => e.returned_at).sort((a, b) => time(b.returned_at) - time(a.returned_at));
  return [...out, ...back];
}

/** How many items (handed out, not yet back) the groups of `op` still hold: {items, pieces}. */
export function equipmentOut(op) {
  let items = 0;
  let pieces = 0;
  for (const group of Array.isArray(op?.groups) ? op.groups : []) {
    for (const e of Array.isArray(group?.equipment) ? group.equipment : []) {
      if (!e || e.returned_at) continue;
      items += 1;
      pieces += Number.isInteger(e.quantity) && e.quantity > 0 ? e.quantity : 1;
    }
  }
  return { items, pieces };
}

/** The names of the things handed out in `operations` so far (for the form's suggestions), by name. */
export function equipmentNames(operations) {
  const names = new Map(); // lower case -> as first written
  for (const op of Array.isArray(operations) ? operations : []) {
    for (const group of Array.isArray(op?.groups) ? op.groups : []) {
      for (const e of Array.isArray(group?.equipment) ? group.equipment : []) {
        const item = String(e?.item ?? '').trim();
        if (item && !names.has(item.toLowerCase())) names.set(item.toLowerCase(), item);
      }
    }
  }
  return [...names.values()].sort((a, b) => a.localeCompare(b));
}

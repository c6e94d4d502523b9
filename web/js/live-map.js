// The live map's state, without the map: who is watched, each volunteer's last position and
// recent track, and whether they are live, stale or offline by the server's clock. Fed by the
// live channel's "map.snapshot" (replaces everything) and "map.positions" (one stored batch).
// No DOM here, so tests/live-map.test.mjs runs it in node; js/live-map-layer.js draws it.

/** Most fixes kept per volunteer: enough for hours of walking, cheap to redraw. */
export const TRACK_LIMIT = 3000;
// Trimming happens in steps, so a full track is not redrawn for every new fix.
const TRIM_SLACK = 300;

// Used until a snapshot says otherwise (the server's defaults).
const DEFAULT_STALE_AFTER_S = 120;
const DEFAULT_OFFLINE_AFTER_S = 600;

/**
 * "live" (the last fix is younger than staleAfterS), "stale" (older), "offline" (older than
 * offlineAfterS), or "none" (no position at all), judged at `serverNowMs`.
 */
export function volunteerState(last, serverNowMs, { staleAfterS, offlineAfterS }) {
  const at = last ? Date.parse(last.at) : Number.NaN;
  if (!Number.isFinite(at)) return 'none';
  const ageS = (serverNowMs - at) / 1000;
  if (ageS >= offlineAfterS) return 'offline';
  if (ageS >= staleAfterS) return 'stale';
  return 'live';
}

/** How long ago, in the largest unit that fits: {unit: "s" | "min" | "h" | "d", n}. */
export function ageParts(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return { unit: 's', n: s };
  if (s < 3600) return { unit: 'min', n: Math.floor(s / 60) };
  if (s < 86400) return { unit: 'h', n: Math.floor(s / 3600) };
  return { unit: 'd', n: Math.floor(s / 86400) };
}

/** A fix as the server sends it: [lon, lat, unix seconds, accuracy | null]. */
export function isFix(fix) {
  return Array.isArray(fix) && fix.length >= 3
    && Number.isFinite(fix[0]) && Number.isFinite(fix[1]) && Number.isFinite(fix[2])
    && Math.abs(fix[0]) <= 180 && Math.abs(fix[1]) <= 90;
}

// The index of the first fix in `track` (sorted by time) later than `time`.
function insertionIndex(track, time) {
  let low = 0;
  let high = track.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (track[middle][2] <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Puts `fixes` into `track` (changed in place) in time order: late ones go where they belong,
 * a fix already there (same time) is not added twice, and the oldest go beyond `limit`.
 * Returns {added, appendedOnly (every new fix went at the end), trimmed (old fixes dropped)}.
 */
export function mergeFixes(track, fixes, limit = TRACK_LIMIT) {
  let added = 0;
  let appendedOnly = true;
  for (const fix of Array.isArray(fixes) ? fixes : []) {
    if (!isFix(fix)) continue;
    const time = fix[2];
    const index = insertionIndex(track, time);
    if (index > 0 && track[index - 1][2] === time) continue; // a replay of a stored batch
    const copy = [fix[0], fix[1], time, Number.isFinite(fix[3]) ? fix[3] : null];
    if (index === track.length) track.push(copy);
    else {
      track.splice(index, 0, copy);
      appendedOnly = false;
    }
    added += 1;
  }
  let trimmed = false;
  if (track.length > limit + Math.min(TRIM_SLACK, Math.ceil(limit / 10))) {
    track.splice(0, track.length - limit);
    trimmed = true;
  }
  return { added, appendedOnly: appendedOnly && !trimmed, trimmed };
}

const isNewer = (next, known) => !known || !(Date.parse(known.at) > Date.parse(next.at));

/**
 * The watched volunteers. `now()` is this computer's clock; the server's is now() plus the
 * offset measured at the snapshot, so a console whose clock is wrong still judges "stale" right.
 */
export function createLiveMap({ now = () => Date.now(), limit = TRACK_LIMIT } = {}) {
  const volunteers = new Map(); // id -> {id, name, groupId, last, track, state}
  let watch = null; // {operationId, offsetMs, staleAfterS, offlineAfterS, trackMinutes}

  const serverNow = () => now() + (watch?.offsetMs ?? 0);
  const thresholds = () => ({
    staleAfterS: watch?.staleAfterS ?? DEFAULT_STALE_AFTER_S,
    offlineAfterS: watch?.offlineAfterS ?? DEFAULT_OFFLINE_AFTER_S,
  });
  const judge = (v) => volunteerState(v.last, serverNow(), thresholds());

  function remember({ id, name, groupId = null, last = null, track = [] }) {
    const v = { id, name: String(name ?? ''), groupId, last: null, track: [], state: 'none' };
    if (last && Number.isFinite(last.lat) && Number.isFinite(last.lon)) v.last = last;
    mergeFixes(v.track, track, limit);
    v.state = judge(v);
    volunteers.set(id, v);
    return v;
  }

  return {
    /** Whether a snapshot came since the last clear(). */
    get ready() {
      return watch !== null;
    },
    /** The watched operation's id, or null for everyone (undefined before a snapshot). */
    get operationId() {
      return watch ? watch.operationId : undefined;
    },
    get trackMinutes() {
      return watch?.trackMinutes ?? null;
    },
    serverNow,

    /** A "map.snapshot": everything before it is forgotten. Returns the volunteers. */
    applySnapshot(message) {
      volunteers.clear();
      const serverTime = Date.parse(message?.server_time);
      watch = {
        operationId: message?.operation_id ?? null,
        offsetMs: Number.isFinite(serverTime) ? serverTime - now() : 0,
        staleAfterS: Number.isFinite(message?.stale_after_s) ? message.stale_after_s : DEFAULT_STALE_AFTER_S,
        offlineAfterS: Number.isFinite(message?.offline_after_s) ? message.offline_after_s : DEFAULT_OFFLINE_AFTER_S,
        trackMinutes: Number.isFinite(message?.track_minutes) ? message.track_minutes : null,
      };
      for (const one of Array.isArray(message?.volunteers) ? message.volunteers : []) {
        if (!one?.id) continue;
        remember({ id: one.id, name: one.name, groupId: one.group_id ?? null, last: one.last, track: one.track });
      }
      return this.list();
    },

    /**
     * A "map.positions": the fixes go into the track by time; the marker moves only when the
     * batch carries a `last` newer than the one known (a late batch has `last: null`).
     * Returns {volunteer, isNew, moved, track: mergeFixes' answer}, or null before a snapshot.
     */
    applyPositions(message) {
      const id = message?.volunteer?.id;
      if (!watch || !id) return null;
      let v = volunteers.get(id);
      const isNew = !v;
      if (isNew) v = remember({ id, name: message.volunteer.name });
      else if (message.volunteer.name) v.name = String(message.volunteer.name);
      const track = mergeFixes(v.track, message.fixes, limit);
      const last = message.last;
      let moved = false;
      if (last && Number.isFinite(last.lat) && Number.isFinite(last.lon) && isNewer(last, v.last)) {
        v.last = last;
        moved = true;
      }
      v.state = judge(v);
      return { volunteer: v, isNew, moved, track };
    },

    /** Judges everyone again by the server's clock now; returns those whose state changed. */
    refreshStates() {
      const changed = [];
      for (const v of volunteers.values()) {
        const state = judge(v);
        if (state !== v.state) {
          v.state = state;
          changed.push(v);
        }
      }
      return changed;
    },

    /** Seconds since the volunteer's last fix by the server's clock, or null. */
    ageOf(v) {
      const at = v?.last ? Date.parse(v.last.at) : Number.NaN;
      return Number.isFinite(at) ? Math.max(0, (serverNow() - at) / 1000) : null;
    },

    get(id) {
      return volunteers.get(id) ?? null;
    },

    /** Everyone watched, by name. */
    list() {
      return [...volunteers.values()].sort((a, b) => a.name.localeCompare(b.name) || String(a.id).localeCompare(String(b.id)));
    },

    /** Forgets everything (the map is left, or another operation is chosen). */
    clear() {
      volunteers.clear();
      watch = null;
    },
  };
}

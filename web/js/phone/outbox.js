// The outbox: everything the phone owes the server, kept in durable storage until the server
// says it has stored it. Positions first go in as loose fixes, then are sealed into numbered
// batches; reports, answers to alerts, photos and the group leader's reports on the group's
// task wait under the id the phone gave them.
// A volunteer's track and clues must survive a lost signal, a reload and a closed tab, so
// nothing here is deleted before its acknowledgement, or before a refusal that is noted.
// No DOM here: the storage is passed in (storage.js), so tests/phone-outbox.test.mjs runs it
// in node.

/** Most fixes in one batch (the protocol allows 500; smaller batches cost less to resend). */
export const FIXES_PER_BATCH = 50;
const DROPPED_KEPT = 20;

/**
 * The outbox over `storage` (see storage.js). Call `open()` once before anything else.
 * Events (`on(name, listener)`): "change" after every change (the counts may differ),
 * "sealed" with each new batch, "dropped" with each refusal noted.
 */
export function createOutbox({ storage, now = () => Date.now(), fixesPerBatch = FIXES_PER_BATCH }) {
  const listeners = { change: new Set(), sealed: new Set(), dropped: new Set() };
  let lastSeq = null; // the number of the newest batch ever made here
  let lastFixKey = 0;
  // The time of the newest fix kept: a browser hands its cached position out again (after a
  // reload, when sharing resumes), and that repeat must not be stored twice.
  let lastFixTime = null;
  let looseFixes = 0;
  const batchSizes = new Map(); // seq → number of fixes
  const reports = new Map(); // id → record
  const answers = new Map(); // alert_id → record
  const photos = new Map(); // id → record without its blob
  const taskReports = new Map(); // id → {id, task_id, status, reason, order}
  let dropped = [];
  let order = 0;
  let queue = Promise.resolve();

  // One change at a time, in the order asked: the counter and the counts stay consistent.
  const serial = (work) => {
    const run = queue.then(work);
    queue = run.catch(() => {});
    return run;
  };
  const emit = (name, value) => {
    for (const listener of [...listeners[name]]) {
      try {
        listener(value);
      } catch (error) {
        console.error(error);
      }
    }
  };
  const changed = () => emit('change', counts());
  const nextOrder = () => {
    order = Math.max(order + 1, now());
    return order;
  };

  function counts() {
    let batched = 0;
    for (const size of batchSizes.values()) batched += size;
    const pending = (map) => [...map.values()].filter((r) => r.state !== 'refused').length;
    const refused = [...reports.values(), ...photos.values()].filter((r) => r.state === 'refused').length;
    return {
      fixes: looseFixes + batched,
      looseFixes,
      batches: batchSizes.size,
      reports: pending(reports),
      photos: pending(photos),
      answers: answers.size,
      taskReports: taskReports.size,
      refused,
    };
  }

  async function note(entry) {
    dropped = [{ ...entry, at: new Date(now()).toISOString() }, ...dropped].slice(0, DROPPED_KEPT);
    return { put: 'meta', value: { key: 'dropped', value: dropped } };
  }

  async function seal() {
    if (looseFixes === 0) return null;
    const loose = (await storage.all('fixes')).slice(0, fixesPerBatch);
    if (loose.length === 0) {
      looseFixes = 0;
      return null;
    }
    // A number is never used twice for different fixes: the counter is kept with the batch, in
    // the same write; with no counter (new phone, or its storage was wiped) numbering starts
    // from the clock in milliseconds, above anything this device can have used before.
    const seq = lastSeq === null ? Math.max(1, Math.floor(now())) : lastSeq + 1;
    const batch = { seq, fixes: loose.map((record) => record.fix), created: new Date(now()).toISOString() };
    await storage.write([
      { put: 'batches', value: batch },
      { put: 'meta', value: { key: 'lastSeq', value: seq } },
      ...loose.map((record) => ({ delete: 'fixes', key: record.n })),
    ]);
    lastSeq = seq;
    looseFixes -= loose.length;
    batchSizes.set(seq, batch.fixes.length);
    changed();
    emit('sealed', batch);
    return batch;
  }

  const outbox = {
    on(name, listener) {
      listeners[name].add(listener);
      return () => listeners[name].delete(listener);
    },

    /** Reads what the storage holds. */
    open: () => serial(async () => {
      const [counter, noted, newestFix, fixes, batches, storedReports, storedAnswers, storedPhotos, storedTaskReports] = await Promise.all([
        storage.get('meta', 'lastSeq'),
        storage.get('meta', 'dropped'),
        storage.get('meta', 'lastFixTime'),
        storage.all('fixes'),
        storage.all('batches'),
        storage.all('reports'),
        storage.all('answers'),
        storage.all('photos'),
        storage.all('task_reports'),
      ]);
      lastSeq = Number.isSafeInteger(counter?.value) ? counter.value : null;
      // A batch kept from before is never numbered again, even if the counter was lost.
      for (const batch of batches) {
        batchSizes.set(batch.seq, batch.fixes.length);
        if (lastSeq === null || batch.seq > lastSeq) lastSeq = batch.seq;
      }
      dropped = Array.isArray(noted?.value) ? noted.value : [];
      lastFixTime = Number.isFinite(newestFix?.value) ? newestFix.value : null;
      looseFixes = fixes.length;
      lastFixKey = fixes.reduce((max, record) => Math.max(max, record.n), 0);
      for (const record of storedReports) reports.set(record.id, record);
      for (const record of storedAnswers) answers.set(record.alert_id, record);
      for (const { blob: _blob, ...record } of storedPhotos) photos.set(record.id, record);
      for (const record of storedTaskReports) taskReports.set(record.id, record);
      order = Math.max(0, ...[...reports.values(), ...photos.values(), ...taskReports.values()].map((r) => r.order || 0));
      changed();
    }),

    counts,

    /**
     * Keeps one fix; seals a batch once enough are waiting. A fix no newer than the newest kept
     * is a repeat of a cached position and is not kept again; answers whether it was kept.
     */
    addFix: (fix) => serial(async () => {
      const time = Date.parse(fix.time);
      if (lastFixTime !== null && time <= lastFixTime) return false;
      lastFixTime = time;
      lastFixKey = Math.max(lastFixKey + 1, now() * 1000);
      // Relaxed: losing the last second of a track to a power cut costs little; a fix a
      // second written to disk with a flush each costs battery.
      await storage.write(
        [{ put: 'fixes', value: { n: lastFixKey, fix } }, { put: 'meta', value: { key: 'lastFixTime', value: time } }],
        { durability: 'relaxed' },
      );
      looseFixes += 1;
      if (looseFixes >= fixesPerBatch) await seal();
      else changed();
      return true;
    }),

    /** Seals every loose fix into batches (of at most `fixesPerBatch`); returns the new batches. */
    sealAll: () => serial(async () => {
      const sealed = [];
      for (let batch = await seal(); batch; batch = await seal()) sealed.push(batch);
      return sealed;
    }),

    /** Numbers of the batches waiting for their ack, oldest first. */
    batchSeqs: () => [...batchSizes.keys()].sort((a, b) => a - b),
    hasBatch: (seq) => batchSizes.has(seq),
    getBatch: (seq) => storage.get('batches', seq),

    /** The server stored batch `seq`: forget it. */
    acknowledgeBatch: (seq) => serial(async () => {
      if (!batchSizes.has(seq)) return false;
      await storage.write([{ delete: 'batches', key: seq }]);
      batchSizes.delete(seq);
      changed();
      return true;
    }),

    /**
     * The server refused batch `seq` (a bad fix): resending it unchanged would be refused again
     * and hold up nothing but itself, so it is dropped and the refusal noted.
     */
    dropBatch: (seq, code, message = '') => serial(async () => {
      if (!batchSizes.has(seq)) return false;
      const fixes = batchSizes.get(seq);
      const entry = { kind: 'batch', key: seq, fixes, code, message };
      await storage.write([{ delete: 'batches', key: seq }, await note(entry)]);
      batchSizes.delete(seq);
      changed();
      emit('dropped', entry);
      return true;
    }),

    /** Refusals noted, newest first. */
    dropped: () => dropped.slice(),

    /** Keeps a report ({id, case_id, kind, text, location, time}); the same id again is ignored. */
    addReport: (report) => serial(async () => {
      if (reports.has(report.id)) return false;
      const record = { id: report.id, report, order: nextOrder(), state: 'pending' };
      await storage.write([{ put: 'reports', value: record }]);
      reports.set(report.id, record);
      changed();
      return true;
    }),
    /** Reports to send, oldest first. */
    pendingReports: () => [...reports.values()]
      .filter((r) => r.state === 'pending').sort((a, b) => a.order - b.order).map((r) => r.report),
    isPendingReport: (id) => reports.get(id)?.state === 'pending',
    acknowledgeReport: (id) => forget('reports', reports, id),
    /** The server refused report `id`: kept aside with the reason, for the volunteer to decide. */
    refuseReport: (id, code, message = '') => refuse('reports', reports, id, code, message),

    /** Keeps the answer to an alert (a later one replaces it); returns its version. */
    setAnswer: ({ alert_id, answer, eta = null }) => serial(async () => {
      const version = (answers.get(alert_id)?.version || 0) + 1;
      const record = { alert_id, answer, eta, version };
      await storage.write([{ put: 'answers', value: record }]);
      answers.set(alert_id, record);
      changed();
      return version;
    }),
    pendingAnswers: () => [...answers.values()].sort((a, b) => a.version - b.version),
    answerVersion: (alertId) => answers.get(alertId)?.version ?? null,
    /** The server stored version `version` of the answer: forget it unless a later one waits. */
    acknowledgeAnswer: (alertId, version) => serial(async () => {
      const record = answers.get(alertId);
      if (!record || (version !== undefined && record.version !== version)) return false;
      await storage.write([{ delete: 'answers', key: alertId }]);
      answers.delete(alertId);
      changed();
      return true;
    }),
    /** The server refused the answer (an alert it does not know for this volunteer). */
    dropAnswer: (alertId, code, message = '') => serial(async () => {
      if (!answers.has(alertId)) return false;
      const entry = { kind: 'answer', key: alertId, code, message };
      await storage.write([{ delete: 'answers', key: alertId }, await note(entry)]);
      answers.delete(alertId);
      changed();
      emit('dropped', entry);
      return true;
    }),

    /** Keeps a photo: {id, blob, params: {case_id, kind, caption, lat, lon, time}}. */
    addPhoto: ({ id, blob, params }) => serial(async () => {
      if (photos.has(id)) return false;
      const record = { id, params, size: blob.size, type: blob.type, order: nextOrder(), state: 'pending' };
      await storage.write([{ put: 'photos', value: { ...record, blob } }]);
      photos.set(id, record);
      changed();
      return true;
    }),
    /** Photos to upload, oldest first (without their blobs). */
    pendingPhotos: () => [...photos.values()]
      .filter((r) => r.state === 'pending').sort((a, b) => a.order - b.order),
    getPhoto: (id) => storage.get('photos', id),
    acknowledgePhoto: (id) => forget('photos', photos, id),
    refusePhoto: (id, code, message = '') => refuse('photos', photos, id, code, message),

    /** Reports and photos the server refused, kept for the volunteer to send again or discard. */
    refused: () => [
      ...[...reports.values()].filter((r) => r.state === 'refused')
        .map((r) => ({ kind: 'report', id: r.id, text: r.report.text, refusal: r.refusal, order: r.order })),
      ...[...photos.values()].filter((r) => r.state === 'refused')
        .map((r) => ({ kind: 'photo', id: r.id, text: r.params?.caption || '', refusal: r.refusal, order: r.order })),
    ].sort((a, b) => a.order - b.order),

    /** Puts a refused report or photo back in the queue. */
    retry: (kind, id) => serial(async () => {
      const [store, map] = kind === 'photo' ? ['photos', photos] : ['reports', reports];
      const record = map.get(id);
      if (!record || record.state !== 'refused') return false;
      const updated = { ...record, state: 'pending', refusal: null };
      await rewrite(store, updated);
      map.set(id, updated);
      changed();
      return true;
    }),

    /** The volunteer discards a refused report or photo. */
    discard: (kind, id) => (kind === 'photo' ? forget('photos', photos, id) : forget('reports', reports, id)),

    /**
     * Keeps the group leader's report on the group's task ({id, task_id, status, reason?}),
     * sent after those kept before it. The same status again, while the last report on that
     * task waits, is not kept twice; answers whether it was kept.
     */
    addTaskStatus: ({ id, task_id, status, reason = null }) => serial(async () => {
      if (taskReports.has(id)) return false;
      const last = newestTaskReport(task_id);
      if (last && last.status === status && (last.reason || null) === (reason || null)) return false;
      const record = { id, task_id, status, reason: reason || null, order: nextOrder() };
      await storage.write([{ put: 'task_reports', value: record }]);
      taskReports.set(id, record);
      changed();
      return true;
    }),
    /** Task reports to send, oldest first: [{id, task_id, status, reason}]. */
    pendingTaskStatuses: () => [...taskReports.values()].sort((a, b) => a.order - b.order)
      .map(({ id, task_id, status, reason }) => ({ id, task_id, status, reason })),
    /** The newest report on task `taskId` still waiting ({id, task_id, status, reason}), or null. */
    taskStatusFor: (taskId) => {
      const record = newestTaskReport(taskId);
      return record ? { id: record.id, task_id: record.task_id, status: record.status, reason: record.reason } : null;
    },
    isPendingTaskStatus: (id) => taskReports.has(id),
    /** The server stored task report `id`: forget it. */
    acknowledgeTaskStatus: (id) => forget('task_reports', taskReports, id),
    /**
     * The server refused task report `id` (not the leader, a task already finished...): sent
     * again it would be refused again, so it is dropped and the refusal noted.
     */
    dropTaskStatus: (id, code, message = '') => serial(async () => {
      const record = taskReports.get(id);
      if (!record) return false;
      const entry = { kind: 'task_status', key: id, task_id: record.task_id, status: record.status, code, message };
      await storage.write([{ delete: 'task_reports', key: id }, await note(entry)]);
      taskReports.delete(id);
      changed();
      emit('dropped', entry);
      return true;
    }),

    /** Saved view state (the last task, the alerts): shown when the app opens with no signal. */
    recall: async (key) => (await storage.get('meta', `view.${key}`))?.value,
    remember: (key, value) => serial(() => storage.write([{ put: 'meta', value: { key: `view.${key}`, value } }])),

    /**
     * Forgets everything this device held (the volunteer hands the phone on): the queue, the
     * saved view. The batch counter stays, so numbers are not used again.
     */
    forgetAll: () => serial(async () => {
      await storage.clear(['fixes', 'batches', 'reports', 'answers', 'photos', 'task_reports']);
      const meta = await storage.all('meta');
      await storage.write(meta.filter((r) => r.key !== 'lastSeq').map((r) => ({ delete: 'meta', key: r.key })));
      looseFixes = 0;
      batchSizes.clear();
      reports.clear();
      answers.clear();
      photos.clear();
      taskReports.clear();
      dropped = [];
      changed();
    }),
  };

  function newestTaskReport(taskId) {
    let newest = null;
    for (const record of taskReports.values()) {
      if (record.task_id === taskId && (!newest || record.order > newest.order)) newest = record;
    }
    return newest;
  }

  // A photo record is rewritten with its blob, which only the storage holds.
  async function rewrite(store, record) {
    if (store === 'photos') {
      const stored = await storage.get('photos', record.id);
      await storage.write([{ put: 'photos', value: { ...record, blob: stored?.blob } }]);
    } else {
      await storage.write([{ put: store, value: record }]);
    }
  }

  function forget(store, map, id) {
    return serial(async () => {
      if (!map.has(id)) return false;
      await storage.write([{ delete: store, key: id }]);
      map.delete(id);
      changed();
      return true;
    });
  }

  function refuse(store, map, id, code, message) {
    return serial(async () => {
      const record = map.get(id);
      if (!record || record.state === 'refused') return false;
      const updated = { ...record, state: 'refused', refusal: { code, message } };
      await rewrite(store, updated);
      map.set(id, updated);
      changed();
      emit('dropped', { kind: store === 'photos' ? 'photo' : 'report', key: id, code, message });
      return true;
    });
  }

  return outbox;
}

/**
 * A random UUID (version 4) for a report or photo. crypto.randomUUID exists only on https and
 * localhost pages; getRandomValues works everywhere.
 */
export function randomId(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl?.randomUUID === 'function') return cryptoImpl.randomUUID();
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

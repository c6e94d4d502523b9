// Where the phone keeps what must outlive the page: the outbox (fixes, batches, reports,
// answers, photos, the leader's task reports) and the last task and alerts shown. Two
// implementations of one small interface: IndexedDB in the browser, and memory (the fallback
// when a browser refuses IndexedDB, and the stand-in the tests use).
//
// The interface (every method returns a promise):
//   all(store)     every record of a store, in key order
//   get(store, key)
//   write(ops, {durability})  one atomic change: [{put: store, value}, {delete: store, key}, ...];
//                  durability "strict" (the default: on disk before it resolves) or "relaxed"
//   clear(stores)  empties the stores
// Records are plain objects (and Blobs for photos); each store has its key field in KEYS.

/** The stores and the field that is each record's key. */
export const KEYS = {
  meta: 'key', // small state: the batch counter, the last task, the alerts, refusals noted
  fixes: 'n', // fixes recorded but not yet put in a batch
  batches: 'seq', // numbered batches, kept until the server's ack
  reports: 'id', // reports to the case log, kept until report_ack
  answers: 'alert_id', // answers to alerts, kept until answer_ack
  photos: 'id', // photos (Blobs) with their upload parameters, kept until stored
  task_reports: 'id', // the group leader's reports on the group's task, kept until task_status_ack
};

const DB_NAME = 'sweep-phone';
// 2: the store task_reports (an upgrade adds the stores a database lacks; nothing else changes).
const DB_VERSION = 2;

const copy = (value) => (typeof structuredClone === 'function' ? structuredClone(value) : value);

/** Storage in memory: lost with the page. Values are copied in and out, as IndexedDB does. */
export function createMemoryStorage() {
  const stores = Object.fromEntries(Object.keys(KEYS).map((name) => [name, new Map()]));
  const storeOf = (name) => {
    if (!stores[name]) throw new Error(`no store "${name}"`);
    return stores[name];
  };
  return {
    kind: 'memory',
    async all(name) {
      return [...storeOf(name).entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, value]) => copy(value));
    },
    async get(name, key) {
      const value = storeOf(name).get(key);
      return value === undefined ? undefined : copy(value);
    },
    async write(ops, _options) {
      // Check everything first so that a bad operation changes nothing (atomic, like a transaction).
      for (const op of ops) {
        if (op.put) {
          const key = op.value?.[KEYS[op.put]];
          storeOf(op.put);
          if (key === undefined || key === null) throw new Error(`a record of "${op.put}" has no key`);
        } else {
          storeOf(op.delete);
        }
      }
      for (const op of ops) {
        if (op.put) storeOf(op.put).set(op.value[KEYS[op.put]], copy(op.value));
        else storeOf(op.delete).delete(op.key);
      }
    },
    async clear(names) {
      for (const name of names) storeOf(name).clear();
    },
  };
}

const promised = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

const finished = (transaction) => new Promise((resolve, reject) => {
  transaction.oncomplete = () => resolve();
  transaction.onerror = () => reject(transaction.error);
  transaction.onabort = () => reject(transaction.error || new Error('the transaction was aborted'));
});

/**
 * Storage in IndexedDB (database "sweep-phone"), durable across reloads and closed tabs. Also
 * asks the browser to keep it under storage pressure (navigator.storage.persist), when it can.
 */
export async function openIndexedDbStorage({ indexedDB = globalThis.indexedDB, storageManager = globalThis.navigator?.storage } = {}) {
  if (!indexedDB) throw new Error('this browser has no IndexedDB');
  const open = indexedDB.open(DB_NAME, DB_VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    for (const [name, keyPath] of Object.entries(KEYS)) {
      if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, { keyPath });
    }
  };
  const db = await promised(open);
  // Another tab with a newer version of the app asks to upgrade: let it (this page reloads later).
  db.onversionchange = () => db.close();
  try {
    await storageManager?.persist?.();
  } catch {
    // Not granted or not offered: the data is still stored, only evictable under pressure.
  }
  return {
    kind: 'indexeddb',
    async all(name) {
      const transaction = db.transaction(name, 'readonly');
      return promised(transaction.objectStore(name).getAll());
    },
    async get(name, key) {
      const transaction = db.transaction(name, 'readonly');
      return promised(transaction.objectStore(name).get(key));
    },
    async write(ops, { durability = 'strict' } = {}) {
      const names = [...new Set(ops.map((op) => op.put || op.delete))];
      if (names.length === 0) return;
      const transaction = db.transaction(names, 'readwrite', { durability });
      const done = finished(transaction);
      try {
        for (const op of ops) {
          if (op.put) transaction.objectStore(op.put).put(op.value);
          else transaction.objectStore(op.delete).delete(op.key);
        }
      } catch (error) {
        transaction.abort();
        await done.catch(() => {});
        throw error;
      }
      await done;
    },
    async clear(names) {
      if (names.length === 0) return;
      const transaction = db.transaction(names, 'readwrite');
      const done = finished(transaction);
      for (const name of names) transaction.objectStore(name).clear();
      await done;
    },
  };
}

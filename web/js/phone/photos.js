// Photos go to the server over HTTP (POST /mobile/v1/photos), one at a time from the outbox,
// each under the id the phone gave it, so an upload cut off halfway is simply repeated.
// No DOM here: fetch and the timers are passed in, so tests/phone-photos.test.mjs runs it in
// node with fakes.

const RETRY_AFTER_MS = 30000;

/** The upload address for a photo's parameters (those not set are left out). */
export function photoUploadUrl(id, params = {}) {
  const query = new URLSearchParams({ id });
  for (const name of ['case_id', 'kind', 'caption', 'lat', 'lon', 'time']) {
    const value = params[name];
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  return `/mobile/v1/photos?${query}`;
}

// Answers that say this photo will never be taken as it is: kept aside for the volunteer.
const REFUSALS = {
  400: 'invalid_photo',
  409: 'duplicate_id',
  413: 'too_large',
  415: 'unsupported_type',
  422: 'no_case',
};

/**
 * The uploader. `run()` uploads what waits, oldest first, until the queue is empty or the
 * network fails (then it tries again after 30 s, or at the next `run()`: after a welcome, or a
 * new photo). A 401 or 403 (the device is refused) stops it until the next `run()`.
 * `onEvent({type: "uploaded" | "refused" | "failed", id, status})` reports each outcome.
 */
export function createPhotoUploader({ outbox, getToken, fetchImpl = globalThis.fetch, timers = globalThis, onEvent = () => {} }) {
  let running = false;
  let again = false;
  let retryTimer = null;
  let stopped = false;

  async function uploadOne(record) {
    const stored = await outbox.getPhoto(record.id);
    if (!stored?.blob) {
      // The blob is gone (storage wiped under us): nothing can be sent.
      await outbox.refusePhoto(record.id, 'lost', '');
      return 'refused';
    }
    let response;
    try {
      response = await fetchImpl(photoUploadUrl(record.id, record.params), {
        method: 'POST',
        headers: { Authorization: `Bearer ${getToken()}`, 'Content-Type': stored.type || stored.blob.type || 'image/jpeg' },
        body: stored.blob,
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      onEvent({ type: 'failed', id: record.id, status: 0 });
      return 'failed';
    }
    if (response.status === 200 || response.status === 201) {
      await outbox.acknowledgePhoto(record.id);
      onEvent({ type: 'uploaded', id: record.id, status: response.status });
      return 'uploaded';
    }
    // The device token is refused (401), or its volunteer's account is disabled (403).
    if (response.status === 401 || response.status === 403) {
      onEvent({ type: 'failed', id: record.id, status: response.status });
      return 'unauthorized';
    }
    if (REFUSALS[response.status]) {
      let body = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      const code = typeof body?.error === 'string' ? body.error : REFUSALS[response.status];
      await outbox.refusePhoto(record.id, code, typeof body?.message === 'string' ? body.message : '');
      onEvent({ type: 'refused', id: record.id, status: response.status, code });
      return 'refused';
    }
    // 5xx, 429, a proxy's error page: try again later.
    onEvent({ type: 'failed', id: record.id, status: response.status });
    return 'failed';
  }

  function retryLater() {
    if (retryTimer !== null || stopped) return;
    retryTimer = timers.setTimeout(() => {
      retryTimer = null;
      uploader.run();
    }, RETRY_AFTER_MS);
  }

  const uploader = {
    async run() {
      stopped = false;
      if (running) {
        again = true;
        return;
      }
      running = true;
      if (retryTimer !== null) timers.clearTimeout(retryTimer);
      retryTimer = null;
      try {
        do {
          again = false;
          for (const record of outbox.pendingPhotos()) {
            if (stopped || !getToken()) return;
            const outcome = await uploadOne(record);
            if (outcome === 'unauthorized') return;
            if (outcome === 'failed') {
              retryLater();
              return;
            }
          }
        } while (again && !stopped);
      } finally {
        running = false;
      }
    },
    stop() {
      stopped = true;
      if (retryTimer !== null) timers.clearTimeout(retryTimer);
      retryTimer = null;
    },
  };
  return uploader;
}

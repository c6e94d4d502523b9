// Location sharing in the browser: a high-accuracy watch of the position, the battery level
// for each fix, and a screen wake lock while sharing (a sleeping phone stops the page's GPS).

/** The battery in percent, read when asked; null where the browser does not tell. */
export function createBatteryGauge(navigatorRef = globalThis.navigator) {
  let manager = null;
  navigatorRef?.getBattery?.().then((found) => {
    manager = found;
  }).catch(() => {
    manager = null;
  });
  return () => (manager && Number.isFinite(manager.level) ? Math.round(manager.level * 100) : null);
}

/**
 * Sharing. `onPosition(position)` for each position; `onProblem(code)` with "denied",
 * "unavailable" (no GPS fix yet, or it was lost) or "unsupported"; `onProblem(null)` once
 * positions come again.
 */
export function createLocationSharing({ onPosition, onProblem, navigatorRef = globalThis.navigator, documentRef = globalThis.document }) {
  let watchId = null;
  let wakeLock = null;
  let active = false;

  async function holdScreen() {
    if (!active || wakeLock || !navigatorRef.wakeLock || documentRef.visibilityState !== 'visible') return;
    try {
      wakeLock = await navigatorRef.wakeLock.request('screen');
      wakeLock.addEventListener?.('release', () => {
        wakeLock = null;
      });
      if (!active) releaseScreen();
    } catch {
      // Refused (battery saver, no permission): sharing goes on while the screen is on.
      wakeLock = null;
    }
  }

  function releaseScreen() {
    const lock = wakeLock;
    wakeLock = null;
    lock?.release?.().catch(() => {});
  }

  // The browser drops the wake lock when the page is hidden; take it again on return.
  documentRef.addEventListener('visibilitychange', () => {
    if (documentRef.visibilityState === 'visible') holdScreen();
  });

  const sharing = {
    get active() {
      return active;
    },
    start() {
      if (active) return true;
      const geolocation = navigatorRef.geolocation;
      if (!geolocation) {
        onProblem('unsupported');
        return false;
      }
      active = true;
      watchId = geolocation.watchPosition(
        (position) => {
          onProblem(null);
          onPosition(position);
        },
        (error) => {
          if (error.code === 1) {
            sharing.stop();
            onProblem('denied');
          } else {
            onProblem('unavailable');
          }
        },
        { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 },
      );
      holdScreen();
      return true;
    },
    stop() {
      active = false;
      if (watchId !== null) navigatorRef.geolocation?.clearWatch(watchId);
      watchId = null;
      releaseScreen();
    },
  };
  return sharing;
}

/** One position now (for a report while sharing is off), or null after `timeoutMs`. */
export function currentPosition(navigatorRef = globalThis.navigator, timeoutMs = 8000) {
  return new Promise((resolve) => {
    if (!navigatorRef.geolocation) {
      resolve(null);
      return;
    }
    navigatorRef.geolocation.getCurrentPosition(resolve, () => resolve(null),
      { enableHighAccuracy: true, maximumAge: 60000, timeout: timeoutMs });
  });
}

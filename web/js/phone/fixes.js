// A browser position (navigator.geolocation) turned into a fix of the phone protocol, and the
// small sums around it. A value the server would refuse (a heading of NaN, an altitude from a
// confused receiver) refuses the whole batch, so such values are left out here rather than
// sent. No DOM here, so tests/phone-fixes.test.mjs runs it in node.

// What the server accepts (mobile-api Fix::check).
const RANGES = {
  accuracy: [0, 100000],
  altitude: [-1000, 10000],
  speed: [0, 350],
  heading: [0, 360],
  battery: [0, 100],
};

/** Clock differences smaller than this are the network's delay, not a wrong clock. */
export const CLOCK_TOLERANCE_MS = 5 * 60 * 1000;

const round = (value, digits) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

const inRange = (name, value) => typeof value === 'number' && Number.isFinite(value)
  && value >= RANGES[name][0] && value <= RANGES[name][1];

/**
 * The fix for a GeolocationPosition (or anything shaped like one), or null when it has no place
 * on Earth. `battery`: percent, if known. `clockOffsetMs`: how far the phone's clock is behind
 * the server's (see clockOffset); applied only when the clock is clearly wrong, so that the
 * server does not refuse fixes "from the future".
 */
export function fixFromPosition(position, { battery = null, clockOffsetMs = 0 } = {}) {
  const coords = position?.coords;
  if (!coords) return null;
  const { latitude: lat, longitude: lon } = coords;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  let time = Number.isFinite(position.timestamp) ? position.timestamp : Date.now();
  if (Math.abs(clockOffsetMs) > CLOCK_TOLERANCE_MS) time += clockOffsetMs;
  const fix = { time: new Date(Math.round(time)).toISOString(), lat: round(lat, 7), lon: round(lon, 7) };
  const optional = {
    accuracy: [coords.accuracy, 1],
    altitude: [coords.altitude, 1],
    speed: [coords.speed, 2],
    heading: [coords.heading, 1],
    battery: [battery, 0],
  };
  for (const [name, [value, digits]] of Object.entries(optional)) {
    if (value === null || value === undefined) continue;
    const rounded = round(value, digits);
    if (inRange(name, rounded)) fix[name] = rounded;
  }
  // A heading means nothing when standing still (browsers give NaN or 0 then).
  if (fix.heading !== undefined && !(fix.speed > 0)) delete fix.heading;
  return fix;
}

/**
 * How many milliseconds the phone's clock is behind the server's, from welcome's server_time
 * and the phone's time when it arrived; null if the server's time is unreadable.
 */
export function clockOffset(serverTime, receivedAt) {
  const server = Date.parse(serverTime);
  if (!Number.isFinite(server)) return null;
  return server - receivedAt;
}

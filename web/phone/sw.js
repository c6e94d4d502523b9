// The phone app's service worker (scope /phone/): keeps the app's own files so that it opens in
// a forest with no signal. Network first, so a new version arrives as soon as there is a
// signal; the saved copy when the network fails or is too slow to wait for. The phone protocol
// (/mobile/) and the API (/api/) never come from here: the app's data lives in IndexedDB.

const CACHE = 'sweep-phone-v2';
const NETWORK_WAIT_MS = 4000;

// The app shell: the page, its scripts, styles, translations and icons.
const SHELL = [
  '/phone/',
  '/phone/manifest.webmanifest',
  '/phone/icon.svg',
  '/phone/icon-180.png',
  '/phone/icon-192.png',
  '/phone/icon-512.png',
  '/css/phone.css',
  '/i18n/ru.json',
  '/i18n/en.json',
  '/js/dom.js',
  '/js/field-tasks.js',
  '/js/i18n.js',
  '/js/labels.js',
  '/js/language-switch.js',
  '/js/live.js',
  '/js/points.js',
  '/js/profile-editor.js',
  '/js/profile-fields.js',
  '/js/time.js',
  '/js/phone/alerts.js',
  '/js/phone/app.js',
  '/js/phone/assignment.js',
  '/js/phone/fixes.js',
  '/js/phone/link.js',
  '/js/phone/outbox.js',
  '/js/phone/photo-prepare.js',
  '/js/phone/photos.js',
  '/js/phone/profile.js',
  '/js/phone/session.js',
  '/js/phone/sharing.js',
  '/js/phone/storage.js',
  '/js/phone/views.js',
];

const NEVER_CACHED = ['/mobile/', '/api/', '/ingest/'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One file missing must not leave the app without the others.
    await Promise.allSettled(SHELL.map(async (path) => {
      const response = await fetch(path, { cache: 'no-cache' });
      if (response.ok) await cache.put(path, response);
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('sweep-phone-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NEVER_CACHED.some((prefix) => url.pathname.startsWith(prefix))) return;
  // Every page of the app is the one page (/phone/, /phone/index.html, /phone/?anything).
  const key = request.mode === 'navigate' && url.pathname.startsWith('/phone/') ? '/phone/' : url.pathname;
  if (request.mode !== 'navigate' && !SHELL.includes(key)) return;
  event.respondWith(networkFirst(request, key));
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(request).then(async (response) => {
    if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
    return response;
  });
  // A weak signal can leave a request hanging for a minute: past a few seconds the saved copy
  // is shown (the network's answer still refreshes the cache when it comes).
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, null));
  const first = await Promise.race([fromNetwork.catch(() => null), timeout]);
  if (first?.ok) return first;
  // No answer, or an error page from a proxy while the server is down.
  const saved = await cache.match(key);
  return saved || first || fromNetwork;
}

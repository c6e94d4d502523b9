// The phone app opens with no signal only if its service worker keeps every file the page
// loads: this checks phone/sw.js's list against the page, the modules it imports, and the
// manifest's icons. Also the manifest's installability fields.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path) => readFileSync(join(WEB, path), 'utf8');

const worker = read('phone/sw.js');
const shell = JSON.parse(worker.match(/const SHELL = (\[[\s\S]*?\]);/)[1].replace(/'/g, '"').replace(/,\s*\]/, ']'));
const manifest = JSON.parse(read('phone/manifest.webmanifest'));
const fileOf = (path) => (path.endsWith('/') ? `${path}index.html` : path).slice(1);

/** Every module a script loads, following static imports. */
function modulesFrom(entry) {
  const found = new Set();
  const visit = (path) => {
    if (found.has(path)) return;
    found.add(path);
    for (const m of read(fileOf(path)).matchAll(/^import\s[^;]*?from\s+'([^']+)';/gm)) {
      visit(posix.normalize(posix.join(posix.dirname(path), m[1])));
    }
  };
  visit(entry);
  return [...found];
}

test('every file of the shell exists', () => {
  assert.deepEqual(shell.filter((path) => !existsSync(join(WEB, fileOf(path)))), []);
});

test('the shell holds the page, everything it links, and every module it imports', () => {
  const page = read('phone/index.html');
  const linked = [...page.matchAll(/(?:href|src)="(\/[^"]+)"/g)].map((m) => m[1]);
  const wanted = ['/phone/', ...linked, ...modulesFrom('/js/phone/app.js'), '/i18n/ru.json', '/i18n/en.json',
    ...manifest.icons.map((icon) => icon.src)];
  assert.deepEqual([...new Set(wanted)].filter((path) => !shell.includes(path)), []);
});

test('the phone protocol and the API are never served from the cache', () => {
  assert.match(worker, /NEVER_CACHED = \['\/mobile\/', '\/api\/'/);
  assert.deepEqual(shell.filter((path) => path.startsWith('/mobile/') || path.startsWith('/api/')), []);
});

test('the manifest makes an installable app at /phone/', () => {
  assert.equal(manifest.name, 'Sweep');
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/phone/');
  assert.equal(manifest.scope, '/phone/');
  assert.ok(manifest.icons.some((icon) => icon.purpose.split(' ').includes('maskable')));
  assert.ok(manifest.icons.some((icon) => icon.sizes === '512x512' && icon.type === 'image/png'));
});

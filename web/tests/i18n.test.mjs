// Checks that every string a user can see goes through the translation tables:
// the tables agree, every key the HTML and the scripts use exists, and neither the HTML nor the
// scripts hard-code text.
// Run with `npm test` (Node's built-in test runner, no packages).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');
const LANGUAGES = ['ru', 'en'];

const tables = Object.fromEntries(LANGUAGES.map((lang) => [
  lang,
  JSON.parse(readFileSync(join(WEB, 'i18n', `${lang}.json`), 'utf8')),
]));

function filesUnder(dir, extension) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path, extension));
    else if (entry.name.endsWith(extension)) found.push(path);
  }
  return found.sort();
}

const htmlFiles = filesUnder(WEB, '.html');
const scriptFiles = filesUnder(join(WEB, 'js'), '.js');
const where = (file, source, index) =>
  `${relative(WEB, file)}:${source.slice(0, index).split('\n').length}`;

// ---- HTML: a small tokenizer, enough for hand-written pages -----------------------------------

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link',
  'meta', 'source', 'track', 'wbr']);
const HIDDEN_CONTENT = new Set(['script', 'style', 'template']);
const I18N_ATTRIBUTES = ['data-i18n', 'data-i18n-placeholder', 'data-i18n-title', 'data-i18n-aria-label'];
// Attributes a person reads (or hears), and the data-i18n-* attribute that must fill them.
const SHOWN_ATTRIBUTES = {
  placeholder: 'data-i18n-placeholder',
  title: 'data-i18n-title',
  'aria-label': 'data-i18n-aria-label',
  alt: null,
  value: null,
};

const TOKEN = /<!--[\s\S]*?-->|<!doctype[^>]*>|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>|[^<]+|</giy;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function parseAttributes(text) {
  const attributes = {};
  for (const m of text.matchAll(ATTRIBUTE)) {
    attributes[m[1].toLowerCase()] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  return attributes;
}

/** Elements with their attributes, and text nodes with whether a data-i18n element holds them. */
function parseHtml(file) {
  const source = readFileSync(file, 'utf8');
  const elements = [];
  const texts = [];
  const open = [];
  TOKEN.lastIndex = 0;
  let m;
  while (TOKEN.lastIndex < source.length && (m = TOKEN.exec(source))) {
    const at = where(file, source, m.index);
    if (m[1]) {
      const tag = m[1].toLowerCase();
      const depth = open.findLastIndex((e) => e.tag === tag);
      if (depth >= 0) open.length = depth;
    } else if (m[2]) {
      const tag = m[2].toLowerCase();
      const attributes = parseAttributes(m[3] || '');
      elements.push({ tag, attributes, at });
      if (HIDDEN_CONTENT.has(tag)) {
        const end = source.toLowerCase().indexOf(`</${tag}`, TOKEN.lastIndex);
        TOKEN.lastIndex = end < 0 ? source.length : end;
      } else if (!VOID_ELEMENTS.has(tag) && !m[4]) {
        open.push({ tag, translated: 'data-i18n' in attributes });
      }
    } else if (!m[0].startsWith('<!')) {
      texts.push({ text: m[0], translated: open.some((e) => e.translated), at });
    }
  }
  assert.ok(elements.length > 0, `${relative(WEB, file)}: no elements parsed`);
  return { elements, texts };
}

const NAMED_ENTITIES = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", mdash: '—',
  ndash: '–', hellip: '…', middot: '·', times: '×', copy: '©', laquo: '«', raquo: '»' };

function decodeEntities(text) {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replace(/&([a-z]+);/gi, (whole, name) => NAMED_ENTITIES[name.toLowerCase()] ?? whole);
}

const hasLetters = (text) => /\p{L}/u.test(decodeEntities(text));
const pages = htmlFiles.map((file) => ({ file, ...parseHtml(file) }));

// ---- Scripts: t('key') calls, and data-i18n attributes set from JS ---------------------------

function stripComments(source) {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:\\'"`])\/\/.*$/gm, (whole, before) => before);
}

/** Keys passed to t() as literals, and calls whose key is not a literal (which no test can check). */
function scriptKeys(file) {
  const source = stripComments(readFileSync(file, 'utf8'));
  const keys = [];
  const dynamic = [];
  for (const m of source.matchAll(/(?<![\w$.])t\(\s*/g)) {
    const before = source.slice(Math.max(0, m.index - 9), m.index);
    if (/function\s+$/.test(before)) continue; // the definition of t itself
    const rest = source.slice(m.index + m[0].length);
    // A whole literal argument: 't("a.b")' or 't("a.b", params)', not 't("a." + x)'.
    const literal = rest.match(/^(['"`])((?:(?!\1)[^\\\n])*)\1\s*[,)]/);
    if (literal && !(literal[1] === '`' && literal[2].includes('${'))) {
      keys.push({ key: literal[2], at: where(file, source, m.index) });
    } else {
      dynamic.push(`${where(file, source, m.index)}: t(${rest.slice(0, 30).split('\n')[0]}`);
    }
  }
  const attributeSetters = [
    /dataset\.i18n\w*\s*=\s*(['"])([^'"]+)\1/g,
    /setAttribute\(\s*['"]data-i18n[\w-]*['"]\s*,\s*(['"])([^'"]+)\1/g,
  ];
  for (const pattern of attributeSetters) {
    for (const m of source.matchAll(pattern)) keys.push({ key: m[2], at: where(file, source, m.index) });
  }
  return { keys, dynamic };
}

const scripts = scriptFiles.map((file) => ({ file, ...scriptKeys(file) }));

const htmlKeyUses = pages.flatMap(({ elements }) => elements.flatMap(({ attributes, at }) =>
  I18N_ATTRIBUTES.filter((name) => name in attributes)
    .map((name) => ({ key: attributes[name], at: `${at} (${name})` }))));
const scriptKeyUses = scripts.flatMap(({ keys }) => keys);

function missingKeys(uses) {
  const missing = [];
  for (const { key, at } of uses) {
    for (const lang of LANGUAGES) {
      if (!Object.hasOwn(tables[lang], key)) missing.push(`${at}: "${key}" is not in ${lang}.json`);
    }
  }
  return missing;
}

// ---- Tests -----------------------------------------------------------------------------------

test('ru.json and en.json have exactly the same keys', () => {
  const [first, ...others] = LANGUAGES;
  for (const other of others) {
    const onlyFirst = Object.keys(tables[first]).filter((k) => !Object.hasOwn(tables[other], k));
    const onlyOther = Object.keys(tables[other]).filter((k) => !Object.hasOwn(tables[first], k));
    assert.deepEqual(onlyFirst, [], `keys in ${first}.json missing from ${other}.json`);
    assert.deepEqual(onlyOther, [], `keys in ${other}.json missing from ${first}.json`);
  }
});

test('every translation is a non-empty string', () => {
  for (const lang of LANGUAGES) {
    assert.equal(typeof tables[lang], 'object', `${lang}.json is not an object`);
    assert.ok(!Array.isArray(tables[lang]), `${lang}.json is not a flat object`);
    const bad = Object.entries(tables[lang])
      .filter(([, value]) => typeof value !== 'string' || value.trim() === '')
      .map(([key]) => key);
    assert.deepEqual(bad, [], `${lang}.json: empty or non-string values`);
  }
});

test('both languages use the same {placeholders} in each string', () => {
  const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const differing = Object.keys(tables.ru)
    .filter((key) => Object.hasOwn(tables.en, key))
    .filter((key) => placeholders(tables.ru[key]).join() !== placeholders(tables.en[key]).join());
  assert.deepEqual(differing, [], 'keys whose placeholders differ between ru and en');
});

test('every data-i18n* key in the HTML exists in both tables', () => {
  assert.ok(htmlKeyUses.length > 0, 'no data-i18n attributes found: is the parser broken?');
  assert.deepEqual(missingKeys(htmlKeyUses), []);
});

test('every t() key in web/js exists in both tables', () => {
  assert.ok(scriptKeyUses.length > 0, 'no t() calls found: is the scanner broken?');
  assert.deepEqual(missingKeys(scriptKeyUses), []);
});

test('web/js calls t() with literal keys only, so this test can check them', () => {
  assert.deepEqual(scripts.flatMap(({ dynamic }) => dynamic), []);
});

test('no text in the HTML is shown without a data-i18n key', () => {
  const hardCoded = pages.flatMap(({ texts }) => texts)
    .filter(({ text, translated }) => !translated && hasLetters(text))
    .map(({ text, at }) => `${at}: "${text.trim().slice(0, 60)}"`);
  assert.deepEqual(hardCoded, []);
});

test('no attribute a person reads is hard-coded in the HTML', () => {
  const hardCoded = [];
  for (const { elements } of pages) {
    for (const { tag, attributes, at } of elements) {
      for (const [name, viaI18n] of Object.entries(SHOWN_ATTRIBUTES)) {
        if (!(name in attributes) || !hasLetters(attributes[name])) continue;
        if (name === 'value' && !(tag === 'input' && /^(button|submit|reset)$/i.test(attributes.type || ''))) continue;
        hardCoded.push(`${at}: <${tag} ${name}="${attributes[name]}">${viaI18n ? ` (use ${viaI18n})` : ''}`);
      }
    }
  }
  assert.deepEqual(hardCoded, []);
});

// Text a script puts on the page: h(..., {text: '...'}), .textContent = '...', an attribute a person
// reads, confirm()/alert(). A literal with letters there bypasses the tables.
const LITERAL = String.raw`(['"${'`'}])((?:(?!\1)[^\\\n]|\\.)*)\1`;
const SHOWN_TEXT_PATTERNS = [
  String.raw`\btext:\s*`,
  String.raw`\.(?:textContent|innerText|innerHTML|title|placeholder)\s*=\s*`,
  String.raw`setAttribute\(\s*['"](?:aria-label|title|placeholder|alt)['"]\s*,\s*`,
  String.raw`['"](?:aria-label|title|placeholder|alt)['"]\s*:\s*`,
  String.raw`\b(?:confirm|alert|prompt)\(\s*`,
].map((prefix) => new RegExp(prefix + LITERAL, 'g'));

function hardCodedScriptText(source, file) {
  const code = stripComments(source);
  const found = [];
  for (const pattern of SHOWN_TEXT_PATTERNS) {
    for (const m of code.matchAll(pattern)) {
      const text = m[2].replace(/\$\{[^}]*\}/g, '');
      if (hasLetters(text)) found.push(`${where(file, code, m.index)}: ${m[0].slice(0, 60)}`);
    }
  }
  return found;
}

test('web/js puts no hard-coded text on the page', () => {
  assert.deepEqual(scriptFiles.flatMap((file) => hardCodedScriptText(readFileSync(file, 'utf8'), file)), []);
});

test('the check for hard-coded script text catches what it should', () => {
  const probe = join(WEB, 'js', 'probe.js');
  const caught = [
    "h('span', { text: 'Overdue' })",
    'node.textContent = "Закрыть";',
    "button.setAttribute('aria-label', 'Close');",
    "h('a', { attrs: { 'aria-label': `Open ${name}` } })",
    "window.confirm('Leave?')",
  ];
  const harmless = [
    "h('span', { text: t('a.b') })",
    "node.textContent = '';",
    "h('span', { text: `${a} ${b}` })",
    "h('span', { text: '—' })",
    "// h('span', { text: 'in a comment' })",
  ];
  for (const code of caught) assert.equal(hardCodedScriptText(code, probe).length, 1, code);
  for (const code of harmless) assert.equal(hardCodedScriptText(code, probe).length, 0, code);
});

test('every key in the tables is used somewhere', () => {
  const used = new Set([...htmlKeyUses, ...scriptKeyUses].map(({ key }) => key));
  const unused = Object.keys(tables.en).filter((key) => !used.has(key));
  assert.deepEqual(unused, [], 'keys no page or script uses (remove them, or use them)');
});

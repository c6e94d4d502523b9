// Translation tables, the current language, and re-rendering of translated strings.
//
// Static strings live in the HTML as data-i18n="key" (text content), data-i18n-placeholder,
// data-i18n-title and data-i18n-aria-label. Strings built in JS call t('key', params) with a
// literal key, so tests/i18n.test.mjs can check every key exists in both tables.

export const LANGUAGES = ['ru', 'en'];
const STORAGE_KEY = 'sweep.lang';

const tables = {};
let current = 'en';
const listeners = new Set();

/** Translated string for `key`, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  return translate(key, params);
}

// The same as t(), for keys read from data-i18n* attributes (the test reads those from the HTML).
function translate(key, params = {}) {
  const table = [tables[current], ...LANGUAGES.map((lang) => tables[lang])]
    .find((candidate) => candidate && Object.hasOwn(candidate, key));
  let text = table ? table[key] : null;
  if (text === null) {
    console.warn(`i18n: missing key "${key}" for "${current}"`);
    text = key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole);
}

/** The language the interface speaks now: "ru" or "en". */
export function getLanguage() {
  return current;
}

/** Loads both tables, so that switching later needs no network, and applies the chosen language. */
export async function initI18n() {
  const results = await Promise.allSettled(LANGUAGES.map(async (lang) => {
    const response = await fetch(`/i18n/${lang}.json`, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`i18n: /i18n/${lang}.json answered ${response.status}`);
    tables[lang] = await response.json();
  }));
  // A missing table should not leave a blank page: t() falls back to the other one, then the key.
  for (const result of results) {
    if (result.status === 'rejected') console.error(result.reason);
  }
  current = initialLanguage();
  render();
}

/**
 * Switches the language and re-renders every translated string. `remember`: the choice is kept
 * for the next visit (the flyer's language is a choice for one sheet, not for the console).
 */
export function setLanguage(lang, { remember = true } = {}) {
  if (!LANGUAGES.includes(lang) || lang === current) return;
  current = lang;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // Storage may be disabled (private mode); the choice then lasts until reload.
    }
  }
  render();
}

/** Calls `listener(lang)` after every language switch; modules re-render their own text there. */
export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Fills every data-i18n* element under `root` from the current table. */
export function applyTranslations(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = translate(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.setAttribute('placeholder', translate(el.dataset.i18nPlaceholder));
  }
  for (const el of root.querySelectorAll('[data-i18n-title]')) {
    el.setAttribute('title', translate(el.dataset.i18nTitle));
  }
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', translate(el.dataset.i18nAriaLabel));
  }
}

function render() {
  document.documentElement.lang = current;
  applyTranslations(document);
  for (const listener of listeners) listener(current);
}

function initialLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    saved = null;
  }
  if (LANGUAGES.includes(saved)) return saved;
  const browser = (navigator.language || '').toLowerCase();
  return browser.startsWith('ru') ? 'ru' : 'en';
}

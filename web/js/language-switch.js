// The RU / EN buttons in the top bar (one switch, shown on the login page and after login), and
// the same on the shared page and the flyer.

import { getLanguage, onLanguageChange, setLanguage } from './i18n.js';

/**
 * Wires the buttons carrying data-lang inside `container` and keeps aria-pressed current.
 * `remember`: see setLanguage.
 */
export function initLanguageSwitch(container, { remember = true } = {}) {
  const buttons = [...container.querySelectorAll('button[data-lang]')];
  const markCurrent = (lang) => {
    for (const button of buttons) {
      button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
    }
  };
  for (const button of buttons) {
    button.addEventListener('click', () => setLanguage(button.dataset.lang, { remember }));
  }
  onLanguageChange(markCurrent);
  markCurrent(getLanguage());
}

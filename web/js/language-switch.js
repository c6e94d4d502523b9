// The RU / EN buttons in the top bar (one switch, shown on the login page and after login).

import { getLanguage, onLanguageChange, setLanguage } from './i18n.js';

/** Wires the buttons carrying data-lang inside `container` and keeps aria-pressed current. */
export function initLanguageSwitch(container) {
  const buttons = [...container.querySelectorAll('button[data-lang]')];
  const markCurrent = (lang) => {
    for (const button of buttons) {
      button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
    }
  };
  for (const button of buttons) {
    button.addEventListener('click', () => setLanguage(button.dataset.lang));
  }
  onLanguageChange(markCurrent);
  markCurrent(getLanguage());
}

// The user menu in the top bar: who is logged in, in which role, and the logout button.

import { onLanguageChange } from './i18n.js';
import { roleLabel } from './labels.js';

let user = null;

/** Wires #logout; `onLogout()` runs when it is pressed. */
export function initUserMenu({ onLogout }) {
  document.getElementById('logout').addEventListener('click', onLogout);
  onLanguageChange(render);
}

/** Shows `user` (from /api/auth/me or login), or hides the menu for null. */
export function showUser(next) {
  user = next;
  render();
}

function render() {
  document.getElementById('user-menu').hidden = !user;
  document.getElementById('user-name').textContent = user ? user.display_name || user.login : '';
  const role = document.getElementById('user-role');
  role.textContent = user ? roleLabel(user.role) : '';
  role.dataset.role = user ? user.role : '';
}

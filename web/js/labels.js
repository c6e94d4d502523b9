// Translated names for the values the server sends: roles, case statuses, case categories.
// Each key is written out in a t('...') call so the i18n test can check it; a value the
// console does not know yet is shown as the server sent it.

import { t } from './i18n.js';

const ROLES = {
  admin: () => t('role.admin'),
  dispatcher: () => t('role.dispatcher'),
  coordinator: () => t('role.coordinator'),
  volunteer: () => t('role.volunteer'),
  police_liaison: () => t('role.police_liaison'),
};

const CASE_STATUSES = {
  registered: () => t('case.status.registered'),
  first_checks: () => t('case.status.first_checks'),
  search_active: () => t('case.status.search_active'),
  suspended: () => t('case.status.suspended'),
  closed: () => t('case.status.closed'),
};

const CASE_CATEGORIES = {
  child: () => t('case.category.child'),
  teenager: () => t('case.category.teenager'),
  adult: () => t('case.category.adult'),
  elderly: () => t('case.category.elderly'),
  dementia: () => t('case.category.dementia'),
};

function label(table, value) {
  return Object.hasOwn(table, value) ? table[value]() : String(value ?? '');
}

export const roleLabel = (role) => label(ROLES, role);
export const caseStatusLabel = (status) => label(CASE_STATUSES, status);
export const caseCategoryLabel = (category) => label(CASE_CATEGORIES, category);

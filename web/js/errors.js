// The sentence a person reads when a request fails, by the server's error code.

import { t } from './i18n.js';

/**
 * Text for an ApiError. `fieldLabel(name)` gives the label of a form field named in
 * `details.field`, so "invalid_field" can say which one.
 */
export function apiErrorText(error, { fieldLabel = (name) => name } = {}) {
  switch (error?.code) {
    case 'network_error':
      return t('error.network');
    case 'forbidden':
      return t('error.forbidden');
    case 'not_found':
      return t('error.not_found');
    case 'stale_version':
      return t('error.stale_version');
    case 'transition_not_allowed':
      return t('error.transition_not_allowed');
    case 'invalid_field':
      return error.details?.field
        ? t('error.invalid_field', { field: fieldLabel(error.details.field) })
        : t('error.invalid_body');
    case 'invalid_body':
    case 'malformed_json':
      return t('error.invalid_body');
    case 'unavailable':
      return t('error.unavailable');
    default:
      if (error?.status >= 500) return t('error.server');
      return t('error.unexpected', { status: error?.status ?? '?' });
  }
}

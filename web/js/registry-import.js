// Volunteers from a spreadsheet (#registry-import-dialog): the CSV file is checked first
// (POST /api/registry/import?dry_run=true: what would be created, and every refused row with its
// line and reason), then imported. Dispatchers and admins only.

import * as api from './api.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { onLanguageChange, t } from './i18n.js';

let report = null; // {result, dryRun} of the last answer, redrawn after a language switch
let generation = 0;
let onImported = () => {};

// Reasons the server gives as codes; any other reason is shown as it came.
const REASONS = {
  no_name: () => t('registry.import.reason.no_name'),
  invalid_phone: () => t('registry.import.reason.invalid_phone'),
  invalid_email: () => t('registry.import.reason.invalid_email'),
  duplicate_phone: () => t('registry.import.reason.duplicate_phone'),
  duplicate_email: () => t('registry.import.reason.duplicate_email'),
  unknown_vetting: () => t('registry.import.reason.unknown_vetting'),
};
const reasonText = (reason) => REASONS[reason]?.() ?? String(reason ?? '');

// The file as a whole refused: no header line, or too many rows.
function fileErrorText(failure) {
  if (failure?.code === 'csv_invalid') return t('registry.import.csv_invalid');
  if (failure?.code === 'csv_too_long') return t('registry.import.csv_too_long');
  return apiErrorText(failure);
}

export function initRegistryImport() {
  byId('registry-import-file').addEventListener('change', () => {
    // Another file: it has to be checked before it is imported.
    generation += 1;
    report = null;
    byId('registry-import-confirm').disabled = true;
    showFormError(byId('registry-import-error'), null);
    render();
  });
  byId('registry-import-check').addEventListener('click', () => run(true));
  onLanguageChange(render);
}

/** Opens the dialog; `imported()` runs after volunteers were created. */
export function openRegistryImport({ imported }) {
  onImported = imported;
  generation += 1;
  report = null;
  byId('registry-import-form').reset();
  byId('registry-import-confirm').disabled = true;
  render();
  openDialog(byId('registry-import-dialog'), async () => {
    await run(false);
    return false; // stays open on the report of what was imported
  });
  byId('registry-import-file').focus();
}

async function run(dryRun) {
  const file = byId('registry-import-file').files[0];
  const error = byId('registry-import-error');
  if (!file) {
    showFormError(error, t('registry.import.no_file'));
    byId('registry-import-file').focus();
    return;
  }
  showFormError(error, null);
  const mine = ++generation;
  const check = byId('registry-import-check');
  check.disabled = true;
  try {
    const result = await api.importRegistry(file, dryRun);
    if (mine !== generation) return;
    report = { result: result || {}, dryRun };
    render();
    if (dryRun) {
      byId('registry-import-confirm').disabled = !(Number(result?.created) > 0);
    } else {
      onImported();
      // Imported once: the same file again would be refused row by row. (After the dialog's
      // own handling, which enables its button again when the submit ends.)
      setTimeout(() => {
        byId('registry-import-confirm').disabled = true;
      }, 0);
    }
  } catch (failure) {
    if (mine !== generation) return;
    showFormError(error, fileErrorText(failure));
  } finally {
    check.disabled = false;
  }
}

function render() {
  const box = byId('registry-import-report');
  box.hidden = !report;
  if (!report) return;
  const { result, dryRun } = report;
  const created = Number(result.created) || 0;
  const refused = Array.isArray(result.refused) ? result.refused : [];
  byId('registry-import-summary').textContent = dryRun
    ? t('registry.import.would', { created, refused: refused.length })
    : t('registry.import.done', { created, refused: refused.length });
  byId('registry-import-refused-table').hidden = refused.length === 0;
  byId('registry-import-refused').replaceChildren(...refused.map((row) => h('tr', {
    className: 'import-refused-row',
    dataset: { line: row.line },
  },
  h('td', { className: 'numeric', text: row.line ?? '' }),
  h('td', { text: row.name || '—' }),
  h('td', { text: reasonText(row.reason) }))));
}

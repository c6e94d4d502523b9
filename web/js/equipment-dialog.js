// Handing equipment to a group of an operation (#equipment-dialog): what (#equipment-item, with
// the things handed out in the case before as suggestions) and how many (#equipment-quantity, 1 by
// default). The server writes it into the case's log; "Returned" in the group's list takes it back.

import * as api from './api.js';
import { openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { t } from './i18n.js';
import { readEquipment } from './operation-people.js';

const FIELD_LABELS = {
  item: () => t('equipment.item'),
  quantity: () => t('equipment.quantity'),
};

/**
 * Opens the dialog for `group` of `op`; `names` are the things handed out before (suggestions);
 * `onSaved(operation)` gets the operation as the server answers it.
 */
export function openEquipmentDialog({ op, group, names = [], onSaved }) {
  const item = byId('equipment-item');
  const quantity = byId('equipment-quantity');
  byId('equipment-dialog-title').textContent = t('equipment.dialog_title', { group: group.name });
  byId('equipment-items').replaceChildren(...names.map((name) => h('option', { value: name })));
  item.value = '';
  quantity.value = '1';
  item.removeAttribute('aria-invalid');
  quantity.removeAttribute('aria-invalid');

  openDialog(byId('equipment-dialog'), async () => {
    const error = byId('equipment-error');
    const read = readEquipment({ item: item.value, quantity: quantity.value });
    for (const [field, input] of [['item', item], ['quantity', quantity]]) {
      if (!read.ok && read.field === field) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    if (!read.ok) {
      showFormError(error, read.field === 'item' ? t('equipment.item_required') : t('equipment.quantity_invalid'));
      (read.field === 'item' ? item : quantity).focus();
      return false;
    }
    try {
      onSaved(await api.issueEquipment(op.id, group.id, { item: read.item, quantity: read.quantity }));
      return true;
    } catch (failure) {
      showFormError(error, failure?.code === 'not_found'
        ? t('equipment.group_gone')
        : apiErrorText(failure, { fieldLabel: (field) => FIELD_LABELS[field]?.() ?? field }));
      return false;
    }
  });
  item.focus();
}

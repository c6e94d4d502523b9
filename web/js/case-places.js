// The card's places, "points of attraction" (точки притяжения): where the person is likely to
// go. Each is ticked once someone has checked it; new ones are added with the form below.

import * as api from './api.js';
import { showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, t } from './i18n.js';
import { focusOn } from './map.js';
import { pointField } from './point-field.js';
import { formatPoint, isPoint } from './points.js';
import { setMapPeek } from './side-panel.js';
import { formatClock } from './time.js';

let getCase = () => null;
let onChanged = () => {};
let pointInput = null;

export function initPlaces({ getCase: caseGetter, onPlacesChanged }) {
  getCase = caseGetter;
  onChanged = onPlacesChanged;
  pointInput = pointField(byId('place-form').querySelector('[data-point-field]'));
  byId('place-form').addEventListener('submit', (event) => {
    event.preventDefault();
    addPlace();
  });
  byId('place-list').addEventListener('change', (event) => {
    const box = event.target.closest('.place-check');
    if (box) setChecked(box.closest('.place').dataset.placeId, box.checked, box);
  });
  byId('place-list').addEventListener('click', (event) => {
    const show = event.target.closest('.place-show');
    if (!show) return;
    const place = getCase()?.places?.find((p) => p.id === show.closest('.place').dataset.placeId);
    if (place && isPoint(place.point)) {
      setMapPeek(true);
      focusOn(place.point);
    }
  });
}

/** Draws the places of Case `c`; `readOnly` (a police liaison): no ticking, no form to add one. */
export function renderPlaces(c, { readOnly = false } = {}) {
  const places = Array.isArray(c?.places) ? c.places : [];
  byId('place-list-empty').hidden = places.length > 0;
  byId('place-list').replaceChildren(...places.map((place) => placeItem(place, { readOnly })));
  byId('place-form').hidden = readOnly;
}

/**
 * One place as an <li>. `readOnly`: the tick shows whether it was checked but cannot be changed.
 * `showOnMap`: a button to show its point; without it (the shared page has no map) the
 * point is written out.
 */
export function placeItem(place, { readOnly = false, showOnMap = true } = {}) {
  const boxId = `place-check-${place.id}`;
  const checkedText = place.checked && place.checked_at
    ? t('place.checked_by', { time: formatClock(place.checked_at, getLanguage()), name: place.checked_by_name || '—' })
    : null;
  return h('li', { className: 'place', dataset: { placeId: place.id, checked: String(Boolean(place.checked)) } },
    h('div', { className: 'place-head' },
      h('input', { type: 'checkbox', className: 'place-check', id: boxId, checked: Boolean(place.checked), disabled: readOnly }),
      h('label', { className: 'place-name', htmlFor: boxId, text: place.name }),
      readOnly ? h('span', { className: 'place-state', text: place.checked ? t('place.checked') : t('place.not_checked') }) : null),
    place.address ? h('span', { className: 'place-address', text: place.address }) : null,
    place.note ? h('span', { className: 'place-note', text: place.note }) : null,
    checkedText ? h('span', { className: 'place-checked-by', text: checkedText }) : null,
    isPoint(place.point) && showOnMap
      ? h('button', { type: 'button', className: 'link-button place-show', text: t('place.show_on_map') })
      : null,
    isPoint(place.point) && !showOnMap ? h('span', { className: 'place-point', text: formatPoint(place.point) }) : null);
}

async function setChecked(placeId, checked, box) {
  const c = getCase();
  if (!c) return;
  box.disabled = true;
  try {
    const saved = await api.updatePlace(c.id, placeId, { checked });
    const now = getCase();
    if (now?.id === c.id) onChanged(now.places.map((p) => (p.id === saved.id ? saved : p)));
  } catch (error) {
    box.checked = !checked;
    box.disabled = false;
    showFormError(byId('place-form-error'), apiErrorText(error));
  }
}

async function addPlace() {
  const c = getCase();
  if (!c) return;
  const form = byId('place-form');
  const error = byId('place-form-error');
  showFormError(error, null);
  const name = byId('place-form-name');
  const point = pointInput.read();
  if (!name.value.trim()) {
    name.setAttribute('aria-invalid', 'true');
    showFormError(error, t('form.check_fields'));
    name.focus();
    return;
  }
  name.removeAttribute('aria-invalid');
  if (!point.ok) {
    pointInput.input.focus();
    return;
  }
  const body = {
    name: name.value.trim(),
    address: byId('place-form-address').value.trim() || null,
    point: point.point,
    note: byId('place-form-note').value.trim() || null,
  };
  const submit = byId('place-form-submit');
  submit.disabled = true;
  try {
    const saved = await api.addPlace(c.id, body);
    const now = getCase();
    if (now?.id === c.id) onChanged([...(now.places || []), saved]);
    form.reset();
    pointInput.clear();
    name.focus();
  } catch (failure) {
    showFormError(error, apiErrorText(failure));
  } finally {
    submit.disabled = false;
  }
}

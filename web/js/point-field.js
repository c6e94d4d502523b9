// A location field: "lat, lon" typed or pasted, or picked with a click on the map.
// The markup is a [data-point-field] element holding an input, a .point-pick button and a
// .point-error line (see index.html).

import { pickPoint, stopPicking } from './map.js';
import { formatPoint, parseLatLon } from './points.js';

/** Wires the field inside `container`; returns {read, set, clear}. */
export function pointField(container) {
  const input = container.querySelector('input');
  const pick = container.querySelector('.point-pick');
  const error = container.querySelector('.point-error');

  const showError = (show) => {
    error.hidden = !show;
    input.setAttribute('aria-invalid', String(show));
    if (show) input.setAttribute('aria-describedby', error.id || (error.id = `${input.id}-error`));
    else input.removeAttribute('aria-describedby');
  };

  input.addEventListener('change', () => {
    const text = input.value.trim();
    const point = parseLatLon(text);
    showError(text !== '' && !point);
    // Written back in one form, so what is sent is what is seen.
    if (point) input.value = formatPoint(point);
  });
  input.addEventListener('input', () => {
    if (!error.hidden && (input.value.trim() === '' || parseLatLon(input.value))) showError(false);
  });

  pick.addEventListener('click', () => {
    container.classList.add('point-field-picking');
    const started = pickPoint({
      onPick: (point) => {
        container.classList.remove('point-field-picking');
        set(point);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.focus();
      },
      onCancel: () => {
        container.classList.remove('point-field-picking');
        pick.focus();
      },
    });
    if (!started) container.classList.remove('point-field-picking');
  });

  function set(point) {
    input.value = formatPoint(point);
    showError(false);
  }

  return {
    input,
    /** {ok, point}: ok is false when something is typed that is not a point (and says so). */
    read() {
      const text = input.value.trim();
      if (text === '') {
        showError(false);
        return { ok: true, point: null };
      }
      const point = parseLatLon(text);
      showError(!point);
      return { ok: Boolean(point), point };
    },
    set,
    clear() {
      input.value = '';
      showError(false);
      if (container.classList.contains('point-field-picking')) {
        container.classList.remove('point-field-picking');
        stopPicking(false);
      }
    },
  };
}

// The console's dialogs are native <dialog> elements in index.html, each holding a form.
// openDialog shows one as a modal; its form's submit runs the given function, and the dialog
// closes when that function answers true (a failed request leaves it open with its error).

const submitters = new WeakMap();
const returnFocus = new WeakMap();

/** Shows `dialog`; `submit()` (sync or async) answers true when the dialog may close. */
export function openDialog(dialog, submit) {
  wire(dialog);
  submitters.set(dialog, submit);
  returnFocus.set(dialog, document.activeElement);
  for (const error of dialog.querySelectorAll('.form-error')) error.hidden = true;
  dialog.showModal();
}

export function closeDialog(dialog) {
  if (dialog.open) dialog.close();
}

function wire(dialog) {
  if (dialog.dataset.wired) return;
  dialog.dataset.wired = 'true';
  const form = dialog.querySelector('form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const submit = submitters.get(dialog);
    const confirm = form.querySelector('[type="submit"]');
    if (!submit || confirm.disabled) return;
    confirm.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      if (await submit()) dialog.close();
    } finally {
      confirm.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  for (const cancel of dialog.querySelectorAll('.dialog-cancel')) {
    cancel.addEventListener('click', () => dialog.close());
  }
  dialog.addEventListener('close', () => {
    const previous = returnFocus.get(dialog);
    returnFocus.delete(dialog);
    if (previous?.isConnected && typeof previous.focus === 'function') previous.focus();
  });
}

/** Shows `text` in a dialog's or form's error line (or hides it for null). */
export function showFormError(line, text) {
  line.hidden = !text;
  line.textContent = text || '';
}

/**
 * Asks before an action that ends something (a share, a link, a photo on the card), in the
 * #confirm-dialog: `title`, `text` and the confirm button's `confirmText` are translated
 * strings; `run()` does the action and answers true when the dialog may close (on failure it
 * shows the error with showFormError(line, ...) on the line it is given and answers false).
 */
export function confirmAction({ title, text, confirmText, run }) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-dialog-title').textContent = title;
  document.getElementById('confirm-dialog-text').textContent = text;
  document.getElementById('confirm-dialog-confirm').textContent = confirmText;
  openDialog(dialog, () => run(document.getElementById('confirm-dialog-error')));
  document.getElementById('confirm-dialog-confirm').focus();
}

/**
 * Reads a form's required text and its optional point (a point field): on a problem, says what
 * is wrong, focuses the field and answers null; otherwise {text, point}.
 */
export function readTextAndPoint({ textInput, error, requiredMessage, locationField }) {
  const text = textInput.value.trim();
  showFormError(error, null);
  if (!text) {
    textInput.setAttribute('aria-invalid', 'true');
    showFormError(error, requiredMessage);
    textInput.focus();
    return null;
  }
  textInput.removeAttribute('aria-invalid');
  const point = locationField.read();
  if (!point.ok) {
    locationField.input.focus();
    return null;
  }
  return { text, point };
}

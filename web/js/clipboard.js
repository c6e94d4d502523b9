// Copying what a read-only field shows (a link, a setting) to the clipboard.

/** Copies `input.value`; answers whether it worked. */
export async function copyFromField(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    // No clipboard API (a page not served over https): the older way, from the selected field.
    input.focus();
    input.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

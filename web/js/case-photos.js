// The card's photos of the person: thumbnails as a gallery, the full photo in a dialog, and for
// staff the upload (JPEG or PNG, at most 10 MiB, the file itself as the body) and the withdrawal
// of a photo (it leaves the card; the server keeps it on record).

import * as api from './api.js';
import { closeDialog, confirmAction, openDialog, showFormError } from './dialogs.js';
import { byId, h } from './dom.js';
import { apiErrorText } from './errors.js';
import { getLanguage, t } from './i18n.js';
import { formatTime } from './time.js';

/** The server's limit for one photo (POST /api/cases/{id}/photos). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png']);

let getCase = () => null;
let onChanged = () => {};
let readOnly = true;
let uploading = false;
let shownPhoto = null; // the photo in the dialog

/** `onPhotosChanged(caseId, photos)` runs after an upload or a withdrawal. */
export function initPhotos({ getCase: caseGetter, onPhotosChanged }) {
  getCase = caseGetter;
  onChanged = onPhotosChanged;
  byId('photo-upload-input').addEventListener('change', (event) => {
    const files = [...(event.target.files || [])];
    event.target.value = '';
    if (files.length) upload(files);
  });
  byId('photo-gallery').addEventListener('click', (event) => {
    const open = event.target.closest('.photo-open');
    if (!open) return;
    const photo = getCase()?.photos?.find((p) => p.id === open.closest('.photo-item').dataset.photoId);
    if (!photo) return;
    event.preventDefault();
    showPhoto(photo);
  });
  byId('photo-withdraw').addEventListener('click', () => {
    if (shownPhoto) askWithdraw(shownPhoto);
  });
}

/** Draws the gallery of Case `c`; `readOnly` (a police liaison): no upload, no withdrawal. */
export function renderPhotos(c, { readOnly: onlyRead = false } = {}) {
  readOnly = onlyRead;
  const photos = Array.isArray(c?.photos) ? c.photos : [];
  byId('photo-upload').hidden = readOnly;
  byId('photo-empty').hidden = photos.length > 0;
  byId('photo-gallery').replaceChildren(...photos.map((photo, index) => photoItem(c, photo, index, photos.length)));
}

/** Forgets messages about another case's photos. */
export function resetPhotos() {
  showFormError(byId('photo-upload-error'), null);
  byId('photo-upload-status').hidden = true;
  closeDialog(byId('photo-dialog'));
  shownPhoto = null;
}

function photoItem(c, photo, index, total) {
  const lang = getLanguage();
  return h('li', { className: 'photo-item', dataset: { photoId: photo.id } },
    h('a', {
      className: 'photo-open',
      href: api.photoUrl(c.id, photo.id),
      target: '_blank',
      rel: 'noopener',
    },
    h('img', {
      className: 'photo-thumb',
      src: api.thumbnailUrl(c.id, photo.id),
      loading: 'lazy',
      alt: t('photo.alt', { n: index + 1, total, name: c.full_name || '' }),
    })),
    h('span', { className: 'photo-meta', text: formatTime(photo.uploaded_at, lang) }));
}

function showPhoto(photo) {
  const c = getCase();
  if (!c) return;
  shownPhoto = photo;
  const lang = getLanguage();
  const image = byId('photo-dialog-image');
  image.src = api.photoUrl(c.id, photo.id);
  image.alt = t('photo.alt_full', { name: c.full_name || '' });
  byId('photo-dialog-meta').textContent = t('photo.meta', {
    time: formatTime(photo.uploaded_at, lang),
    name: photo.uploaded_by_name || '—',
    width: photo.width ?? '?',
    height: photo.height ?? '?',
  });
  byId('photo-dialog-original').href = api.photoUrl(c.id, photo.id);
  byId('photo-withdraw').hidden = readOnly;
  openDialog(byId('photo-dialog'), () => true);
  byId('photo-dialog-close').focus();
}

function askWithdraw(photo) {
  const c = getCase();
  if (!c || readOnly) return;
  const caseId = c.id;
  closeDialog(byId('photo-dialog'));
  confirmAction({
    title: t('photo.withdraw_title'),
    text: t('photo.withdraw_text'),
    confirmText: t('photo.withdraw'),
    run: async (errorLine) => {
      try {
        await api.withdrawPhoto(caseId, photo.id);
      } catch (failure) {
        showFormError(errorLine, apiErrorText(failure));
        return false;
      }
      const now = getCase();
      if (now?.id === caseId) onChanged(caseId, (now.photos || []).filter((p) => p.id !== photo.id));
      status(t('photo.withdrawn'));
      return true;
    },
  });
}

/** Why a file is refused before it is sent, or null if it may go. */
function refusal(file) {
  if (!PHOTO_TYPES.has(file.type)) return t('photo.error.not_an_image', { name: file.name });
  if (file.size > MAX_PHOTO_BYTES) return t('photo.error.too_large', { name: file.name });
  return null;
}

function uploadErrorText(error, file) {
  switch (error?.code) {
    case 'payload_too_large':
      return t('photo.error.too_large', { name: file.name });
    case 'photo_too_large':
      return t('photo.error.too_many_pixels', { name: file.name });
    case 'unsupported_media_type':
    case 'not_an_image':
    case 'empty_photo':
      return t('photo.error.not_an_image', { name: file.name });
    default:
      return t('photo.error.other', { name: file.name, error: apiErrorText(error) });
  }
}

function status(text) {
  const line = byId('photo-upload-status');
  line.hidden = !text;
  line.textContent = text || '';
}

async function upload(files) {
  const c = getCase();
  if (!c || readOnly || uploading) return;
  const caseId = c.id;
  const before = new Set((c.photos || []).map((p) => p.id));
  uploading = true;
  byId('photo-upload').setAttribute('aria-busy', 'true');
  const errors = [];
  const answered = []; // [file, Photo]
  showFormError(byId('photo-upload-error'), null);
  try {
    for (const [index, file] of files.entries()) {
      const refused = refusal(file);
      if (refused) {
        errors.push(refused);
        continue;
      }
      status(t('photo.uploading', { n: index + 1, total: files.length }));
      try {
        answered.push([file, await api.uploadPhoto(caseId, file)]);
      } catch (failure) {
        errors.push(uploadErrorText(failure, file));
      }
      if (getCase()?.id !== caseId) return;
    }
    // The card says which photos it shows now: the same file sent again answers the photo
    // stored before, which may have been withdrawn (and stays so).
    let shown = null;
    if (answered.length) {
      try {
        shown = (await api.getCase(caseId)).photos || [];
      } catch {
        shown = null;
      }
      if (getCase()?.id !== caseId) return;
      if (shown) onChanged(caseId, shown);
    }
    const onCard = new Set((shown || getCase().photos || []).map((p) => p.id));
    let added = 0;
    let repeated = 0;
    for (const [file, photo] of answered) {
      if (before.has(photo.id)) repeated += 1;
      else if (onCard.has(photo.id) || !shown) added += 1;
      else errors.push(t('photo.error.withdrawn_before', { name: file.name }));
    }
    const done = [];
    if (added) done.push(t('photo.uploaded', { n: added }));
    if (repeated) done.push(t('photo.already_there', { n: repeated }));
    status(done.join(' '));
    showFormError(byId('photo-upload-error'), errors.join('\n'));
  } finally {
    uploading = false;
    byId('photo-upload').removeAttribute('aria-busy');
  }
}

// A photo from the camera made fit to send from a forest: a phone's 8 MB picture over a weak
// signal may never get through, so big pictures (and formats the server does not take, such
// as HEIC) are redrawn as a JPEG of at most 2560 px on the long side.

const MAX_SIDE = 2560;
const SEND_AS_IS_BELOW = 1.5 * 1024 * 1024;
const SERVER_LIMIT = 10 * 1024 * 1024;
const ACCEPTED = ['image/jpeg', 'image/png'];

/** The Blob to upload for `file`; throws when it is neither usable nor convertible. */
export async function preparePhoto(file) {
  const acceptedAsIs = ACCEPTED.includes(file.type) && file.size <= SERVER_LIMIT;
  if (acceptedAsIs && file.size <= SEND_AS_IS_BELOW) return file;
  try {
    return await redraw(file);
  } catch (error) {
    if (acceptedAsIs) return file;
    throw error;
  }
}

async function redraw(file) {
  // imageOrientation: the picture upright as the camera's EXIF says, since the EXIF is lost.
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
    if (!blob || blob.size > SERVER_LIMIT) throw new Error('the photo could not be made small enough');
    return blob;
  } finally {
    bitmap.close?.();
  }
}

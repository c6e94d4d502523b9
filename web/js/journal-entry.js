// One entry of an incident log as a list item, drawn the same in the console's log and on the
// shared page (web/shared.html). Entries are never edited: a correction is a new entry, and the
// corrected one lists what corrected it. Entries a volunteer sent from the phone say so, and a
// photo from the field shows as a thumbnail linked to the full photo.

import { fieldPhotoUrl, fieldThumbnailUrl } from './api.js';
import { h } from './dom.js';
import { getLanguage, t } from './i18n.js';
import { journalKindLabel, WRITABLE_JOURNAL_KINDS } from './labels.js';
import { formatPoint, isPoint } from './points.js';
import { entryText, isEquipmentRecord } from './system-entry.js';
import { formatClock } from './time.js';

/**
 * The <li> for `entry`. `interactive`: the location and the links between corrections are
 * buttons (the console's log handles their clicks); without it they are plain text.
 * `correctable`: a "Correct" button on the entries people write. `caseId`: the case whose log
 * this is, for the addresses of photos from the field (none shown without it).
 */
export function journalEntryItem(entry, { interactive = true, correctable = true, caseId = null } = {}) {
  const lang = getLanguage();
  const correctedBy = Array.isArray(entry.corrected_by) ? entry.corrected_by : [];
  const isCorrection = entry.corrects_id !== null && entry.corrects_id !== undefined;
  // Equipment handed out or taken back in the Operations tab is Sweep's record (of a kind people
  // write too): worded from its details, and changed there ("Returned"), not corrected here.
  const writtenByPeople = WRITABLE_JOURNAL_KINDS.includes(entry.kind) && !isEquipmentRecord(entry);
  const fromPhone = entry.details?.source === 'phone';
  const photo = caseId && entry.details?.photo ? entry.details.photo : null;
  const link = (className, goto, text) => (interactive
    ? h('button', { type: 'button', className: `link-button ${className}`, dataset: { goto }, text })
    : h('span', { className, text }));

  return h('li', {
    className: 'journal-entry',
    id: `journal-entry-${entry.id}`,
    tabIndex: -1,
    dataset: {
      entryId: entry.id,
      kind: entry.kind,
      corrected: String(correctedBy.length > 0),
      system: String(!writtenByPeople && entry.kind !== 'field_report'),
      source: fromPhone ? 'phone' : null,
    },
  },
  h('div', { className: 'journal-entry-head' },
    h('time', { className: 'journal-time', dateTime: entry.at, text: formatClock(entry.at, lang) }),
    h('span', { className: 'journal-kind', text: journalKindLabel(entry.kind) }),
    h('span', { className: 'journal-author', text: entry.author_name || '' }),
    fromPhone ? h('span', { className: 'journal-source', text: t('journal.from_phone') }) : null,
    h('span', { className: 'journal-number', text: t('journal.number', { id: entry.id }) }),
    interactive && correctable && writtenByPeople
      ? h('button', {
        type: 'button',
        className: 'button button-quiet button-small journal-correct',
        dataset: { correct: entry.id },
        text: t('journal.correct'),
        attrs: { 'aria-label': t('journal.correct_entry', { id: entry.id }) },
      })
      : null),
  isCorrection ? link('journal-corrects', entry.corrects_id, t('journal.corrects', { id: entry.corrects_id })) : null,
  h('p', { className: 'journal-text', text: entryText(entry) }),
  photo
    ? h('a', { className: 'journal-photo', href: fieldPhotoUrl(caseId, photo), target: '_blank', rel: 'noopener' },
      h('img', { className: 'journal-photo-thumb', src: fieldThumbnailUrl(caseId, photo), loading: 'lazy', alt: t('journal.photo_alt') }),
      h('span', { className: 'visually-hidden', text: t('common.opens_in_new_tab') }))
    : null,
  isPoint(entry.location)
    ? (interactive
      ? h('button', {
        type: 'button',
        className: 'link-button journal-location',
        dataset: { lat: entry.location.lat, lon: entry.location.lon },
        text: formatPoint(entry.location),
        attrs: { 'aria-label': t('journal.location_show', { point: formatPoint(entry.location) }) },
      })
      : h('span', { className: 'journal-location', text: formatPoint(entry.location) }))
    : null,
  correctedBy.length
    ? h('p', { className: 'journal-corrected' },
      h('span', { className: 'journal-corrected-label', text: t('journal.corrected') }), ' ',
      correctedBy.map((id, i) => [i ? ', ' : '', link('journal-corrected-by', id, t('journal.number', { id }))]))
    : null);
}

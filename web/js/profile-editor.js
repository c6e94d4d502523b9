// The profile form of the console's registry dialog and of the phone app's Profile screen, and
// the preference part the answer page shares: fields are found by their `name` inside the
// form, the skill boxes and the vehicle rows are built here. Reading and checking the values is
// js/profile-fields.js's work.

import { h } from './dom.js';
import { t } from './i18n.js';
import { skillLabel } from './labels.js';
import {
  CHANNELS, SKILLS, homeText, joinList, otherSkills, preferenceValues, readProfileForm,
} from './profile-fields.js';

const field = (form, name) => form.elements.namedItem(name);

/** Fills a <datalist> with the time zones the browser knows (typing one of them is easiest). */
export function fillTimeZones(datalist) {
  if (!datalist || datalist.childElementCount) return;
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Europe/Moscow'];
  datalist.replaceChildren(...zones.map((zone) => h('option', { value: zone })));
}

/** Puts notification preferences ({channels, quiet_from, quiet_to, time_zone, muted_until}) in `form`. */
export function setPreferences(form, prefs) {
  const values = preferenceValues(prefs || {});
  for (const box of form.querySelectorAll('input[name="channel"]')) box.checked = values.channels.includes(box.value);
  field(form, 'quiet_from').value = values.quietFrom;
  field(form, 'quiet_to').value = values.quietTo;
  if (field(form, 'time_zone')) field(form, 'time_zone').value = values.timeZone;
  field(form, 'muted_until').value = values.mutedUntil;
}

/** The preference fields of `form` as typed. */
export function preferenceFields(form) {
  return {
    channels: [...form.querySelectorAll('input[name="channel"]:checked')].map((box) => box.value),
    quietFrom: field(form, 'quiet_from').value,
    quietTo: field(form, 'quiet_to').value,
    timeZone: field(form, 'time_zone')?.value ?? '',
    mutedUntil: field(form, 'muted_until').value,
  };
}

/** The sentence for a problem found by readPreferences / readProfileForm. */
export function problemText(result) {
  switch (result.problem) {
    case 'required':
      return t('profile.error.name_required');
    case 'phone':
      return t('profile.error.phone', { phone: result.bad });
    case 'email':
      return t('profile.error.email');
    case 'skill':
      return t('profile.error.skill', { skill: result.bad });
    case 'vehicle_name':
      return t('profile.error.vehicle_name', { n: result.index + 1 });
    case 'vehicle_seats':
      return t('profile.error.vehicle_seats', { n: result.index + 1 });
    case 'quiet_incomplete':
      return t('prefs.error.quiet_incomplete');
    case 'quiet_time':
      return t('prefs.error.quiet_time');
    case 'quiet_same':
      return t('prefs.error.quiet_same');
    case 'time_zone':
      return t('prefs.error.time_zone');
    default:
      return t('prefs.error.muted_until');
  }
}

/** Marks the field a problem is about (and focuses it), clearing earlier marks. */
function markProblem(form, result) {
  for (const node of form.querySelectorAll('[aria-invalid="true"]')) node.removeAttribute('aria-invalid');
  if (!result || result.ok) return;
  let target = null;
  if (result.field === 'vehicles') target = form.querySelectorAll('.vehicle-row')[result.index]?.querySelector(result.problem === 'vehicle_name' ? '.vehicle-name' : '.vehicle-seats');
  else if (result.field === 'skills') target = field(form, 'other_skills');
  else target = field(form, result.field);
  if (target?.setAttribute) {
    target.setAttribute('aria-invalid', 'true');
    target.focus();
  }
}

/**
 * Wires the profile form `form`: builds its skill boxes (in [data-skills]) and vehicle rows (in
 * [data-vehicles], "add" is [data-vehicle-add]). Answers {set(profile), read(before)}: read
 * gives readProfileForm's answer.
 */
export function createProfileEditor(form) {
  const skillsBox = form.querySelector('[data-skills]');
  const vehicleList = form.querySelector('[data-vehicles]');
  fillTimeZones(form.querySelector('datalist'));
  skillsBox.replaceChildren(...SKILLS.map((key) => h('label', { className: 'checkbox check skill-check' },
    h('input', { type: 'checkbox', name: 'skill', value: key }), ' ',
    h('span', { dataset: { skill: key } }))));

  const renderSkillNames = () => {
    for (const span of skillsBox.querySelectorAll('span[data-skill]')) span.textContent = skillLabel(span.dataset.skill);
  };

  function vehicleRow(vehicle = {}) {
    const n = vehicleList.childElementCount + 1;
    const row = h('li', { className: 'vehicle-row' },
      h('label', { className: 'vehicle-part' },
        h('span', { className: 'vehicle-caption', text: t('profile.vehicle.name') }),
        h('input', { className: 'field vehicle-name', type: 'text', maxLength: 100, autocomplete: 'off', value: vehicle.name || '' })),
      h('label', { className: 'vehicle-part vehicle-part-seats' },
        h('span', { className: 'vehicle-caption', text: t('profile.vehicle.seats') }),
        h('input', { className: 'field vehicle-seats', type: 'number', min: 1, max: 60, step: 1, inputMode: 'numeric', value: vehicle.seats ?? '' })),
      h('label', { className: 'checkbox check vehicle-4x4' },
        h('input', { type: 'checkbox', className: 'vehicle-four', checked: Boolean(vehicle.four_by_four) }), ' ',
        h('span', { text: t('profile.vehicle.four_by_four') })),
      h('button', {
        type: 'button',
        className: 'button button-quiet button-small vehicle-remove',
        text: t('profile.vehicle.remove'),
        attrs: { 'aria-label': t('profile.vehicle.remove_n', { n }) },
        on: { click: () => row.remove() },
      }));
    vehicleList.append(row);
    return row;
  }

  form.querySelector('[data-vehicle-add]').addEventListener('click', () => {
    vehicleRow().querySelector('.vehicle-name').focus();
  });

  renderSkillNames();
  return {
    /** Fills the form from `profile` (null or {} for a new one). */
    set(profile) {
      const p = profile || {};
      if (field(form, 'name')) field(form, 'name').value = p.name || '';
      field(form, 'call_sign').value = p.call_sign || '';
      field(form, 'phones').value = joinList(p.phones);
      field(form, 'email').value = p.email || '';
      field(form, 'home').value = homeText(p);
      const skills = Array.isArray(p.skills) ? p.skills : [];
      for (const box of skillsBox.querySelectorAll('input[name="skill"]')) box.checked = skills.includes(box.value);
      field(form, 'other_skills').value = otherSkills(skills).join('; ');
      vehicleList.replaceChildren();
      for (const vehicle of Array.isArray(p.vehicles) ? p.vehicles : []) vehicleRow(vehicle);
      field(form, 'equipment').value = joinList(p.equipment);
      setPreferences(form, profile ? p : { channels: [...CHANNELS] });
      if (field(form, 'notes')) field(form, 'notes').value = p.notes || '';
      markProblem(form, null);
    },
    /** readProfileForm's answer for what is typed; `before` is the profile shown. */
    read(before) {
      const values = {
        callSign: field(form, 'call_sign').value,
        phones: field(form, 'phones').value,
        email: field(form, 'email').value,
        home: field(form, 'home').value,
        skills: [...skillsBox.querySelectorAll('input[name="skill"]:checked')].map((box) => box.value),
        otherSkills: field(form, 'other_skills').value,
        vehicles: [...vehicleList.querySelectorAll('.vehicle-row')].map((row) => ({
          name: row.querySelector('.vehicle-name').value,
          seats: row.querySelector('.vehicle-seats').value,
          four_by_four: row.querySelector('.vehicle-four').checked,
        })),
        equipment: field(form, 'equipment').value,
        ...preferenceFields(form),
      };
      if (field(form, 'name')) values.name = field(form, 'name').value;
      if (field(form, 'notes')) values.notes = field(form, 'notes').value;
      const result = readProfileForm(values, before);
      markProblem(form, result);
      return result;
    },
    /** Translated parts drawn here, after a language switch. */
    relabel() {
      renderSkillNames();
      for (const row of vehicleList.querySelectorAll('.vehicle-row')) {
        const [name, seats, four] = row.querySelectorAll('.vehicle-caption, .vehicle-4x4 span');
        name.textContent = t('profile.vehicle.name');
        seats.textContent = t('profile.vehicle.seats');
        four.textContent = t('profile.vehicle.four_by_four');
        row.querySelector('.vehicle-remove').textContent = t('profile.vehicle.remove');
      }
    },
  };
}

// The server's JSON API: one fetch wrapper and one function per endpoint the console uses.

/** An API failure: `code` is the server's error code (or "network_error" / "http_<status>"). */
export class ApiError extends Error {
  constructor({ status, code, message, details = null }) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let onUnauthorized = null;

/**
 * Sets the function called when a request made with a session answers 401, so the app can
 * return to the login page. Login and the initial session check opt out of it.
 */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/**
 * `body` goes as JSON; `file` (a File or Blob) goes as it is, with its own type (photos).
 */
async function request(method, path, { body, file, sessionRequired = true } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (file !== undefined) {
    headers['Content-Type'] = file.type || 'application/octet-stream';
    init.body = file;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'network_error', message: String(cause?.message || cause) });
  }

  if (response.ok) {
    if (response.status === 204) return null;
    const text = await response.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError({ status: response.status, code: 'bad_response', message: `${path}: not JSON` });
    }
  }

  const error = await errorFrom(response);
  if (response.status === 401 && sessionRequired && onUnauthorized) onUnauthorized(error);
  throw error;
}

async function errorFrom(response) {
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  const valid = payload && typeof payload === 'object' && typeof payload.error === 'string';
  return new ApiError({
    status: response.status,
    code: valid ? payload.error : `http_${response.status}`,
    message: valid && typeof payload.message === 'string' ? payload.message : response.statusText,
    details: valid ? payload.details ?? null : null,
  });
}

/** Public settings: tile server, initial map view, team name, version. */
export function getConfig() {
  return request('GET', '/api/config', { sessionRequired: false });
}

/** The logged-in user, or an ApiError with status 401. */
export async function getCurrentUser() {
  const answer = await request('GET', '/api/auth/me', { sessionRequired: false });
  return answer.user;
}

/** Logs in; the server sets the session cookie. */
export async function logIn(login, password) {
  const answer = await request('POST', '/api/auth/login', {
    body: { login, password },
    sessionRequired: false,
  });
  return answer.user;
}

export function logOut() {
  return request('POST', '/api/auth/logout', { sessionRequired: false });
}

/** GeoJSON FeatureCollection of search areas, last-seen points and meeting points. */
export function getMapFeatures() {
  return request('GET', '/api/map/features');
}

// ---- Cases ------------------------------------------------------------------------------------

const id = (value) => encodeURIComponent(String(value));

/** Query parameters with a value, as "?a=1&b=2" (or ""). */
function query(params = {}) {
  const entries = Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null && value !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : '';
}

/** Case summaries, most urgent first. `filters`: status, category, q, from, to, limit. */
export async function getCases(filters = {}) {
  const answer = await request('GET', `/api/cases${query(filters)}`);
  return answer.cases;
}

export function getCase(caseId) {
  return request('GET', `/api/cases/${id(caseId)}`);
}

/** A new card (CardFields); the server starts its checklist tasks. */
export function createCase(fields) {
  return request('POST', '/api/cases', { body: fields });
}

/** Saves changed fields; 409 "stale_version" if someone else saved since `version`. */
export function updateCase(caseId, changes, version) {
  return request('PATCH', `/api/cases/${id(caseId)}`, { body: { ...changes, version } });
}

export function transitionCase(caseId, { to, reason, outcome }) {
  const body = { to, reason };
  if (outcome) body.outcome = outcome;
  return request('POST', `/api/cases/${id(caseId)}/transitions`, { body });
}

/** `urgencyClass` null returns the case to its computed urgency. */
export function setCaseUrgency(caseId, urgencyClass, reason) {
  return request('PUT', `/api/cases/${id(caseId)}/urgency`, { body: { class: urgencyClass, reason } });
}

/** Possible duplicates of a card being typed: `params` is a URLSearchParams. */
export async function getSimilarCases(params) {
  const answer = await request('GET', `/api/cases/similar?${params}`);
  return answer.matches;
}

export function addPlace(caseId, place) {
  return request('POST', `/api/cases/${id(caseId)}/places`, { body: place });
}

export function updatePlace(caseId, placeId, changes) {
  return request('PATCH', `/api/cases/${id(caseId)}/places/${id(placeId)}`, { body: changes });
}

export function updateTask(caseId, taskId, { state, comment }) {
  return request('PATCH', `/api/cases/${id(caseId)}/tasks/${id(taskId)}`, { body: { state, comment } });
}

/** Overdue checklist tasks of all cases, each with case_id, case_number and full_name. */
export async function getOverdueTasks() {
  const answer = await request('GET', '/api/tasks/overdue');
  return answer.tasks;
}

// ---- Incident log --------------------------------------------------------------------------

export async function getJournal(caseId) {
  const answer = await request('GET', `/api/cases/${id(caseId)}/journal`);
  return answer.entries;
}

/** A new entry: {kind, text, location?, corrects?}. */
export function addJournalEntry(caseId, entry) {
  return request('POST', `/api/cases/${id(caseId)}/journal`, { body: entry });
}

// ---- Reports -------------------------------------------------------------------------------

/** Reports, newest first. `filters`: open (true/false), q, from, to, limit. */
export async function getReports(filters = {}) {
  const answer = await request('GET', `/api/reports${query(filters)}`);
  return answer.reports;
}

export function getReport(reportId) {
  return request('GET', `/api/reports/${id(reportId)}`);
}

export function createReport(report) {
  return request('POST', '/api/reports', { body: report });
}

/** Closes a report: {outcome, note, duplicate_of?}. */
export function closeReport(reportId, body) {
  return request('POST', `/api/reports/${id(reportId)}/close`, { body });
}

export function linkReport(reportId, caseId, note) {
  const body = { case_id: caseId };
  if (note) body.note = note;
  return request('POST', `/api/reports/${id(reportId)}/link`, { body });
}

/** Turns a report into a card (CardFields); answers the new Case. */
export function createCaseFromReport(reportId, fields) {
  return request('POST', `/api/reports/${id(reportId)}/case`, { body: fields });
}

// ---- My shift, checklist templates ----------------------------------------------------------

export function getShift() {
  return request('GET', '/api/shift');
}

export async function getChecklistTemplates() {
  const answer = await request('GET', '/api/checklist-templates');
  return answer.templates;
}

export function createChecklistTemplate(template) {
  return request('POST', '/api/checklist-templates', { body: template });
}

export function updateChecklistTemplate(templateId, changes) {
  return request('PATCH', `/api/checklist-templates/${id(templateId)}`, { body: changes });
}

// ---- Photos --------------------------------------------------------------------------------

/** Addresses of a photo and of its thumbnail (for <img src>; the session cookie goes along). */
export const photoUrl = (caseId, photoId) => `/api/cases/${id(caseId)}/photos/${id(photoId)}`;
export const thumbnailUrl = (caseId, photoId) => `${photoUrl(caseId, photoId)}/thumbnail`;

/** Sends an image file (JPEG or PNG) as the body; answers the Photo (status 200 if it was there). */
export function uploadPhoto(caseId, file) {
  return request('POST', `/api/cases/${id(caseId)}/photos`, { file });
}

export function withdrawPhoto(caseId, photoId) {
  return request('POST', `${photoUrl(caseId, photoId)}/withdraw`);
}

// ---- Sharing with the police, read-only links -------------------------------------------------

export async function getShares(caseId) {
  const answer = await request('GET', `/api/cases/${id(caseId)}/shares`);
  return answer.shares;
}

/** `target`: {police_unit} or {user_id} of a police liaison. */
export function shareCase(caseId, target) {
  return request('POST', `/api/cases/${id(caseId)}/shares`, { body: target });
}

export function revokeShare(caseId, shareId) {
  return request('POST', `/api/cases/${id(caseId)}/shares/${id(shareId)}/revoke`);
}

export async function getShareLinks(caseId) {
  const answer = await request('GET', `/api/cases/${id(caseId)}/share-links`);
  return answer.links;
}

/** Answers {link, url}: the url is given this once. */
export function makeShareLink(caseId, label, expiresInHours) {
  return request('POST', `/api/cases/${id(caseId)}/share-links`, {
    body: { label, expires_in_hours: expiresInHours },
  });
}

export function revokeShareLink(caseId, linkId) {
  return request('POST', `/api/cases/${id(caseId)}/share-links/${id(linkId)}/revoke`);
}

/** What a read-only link shows, {case, journal}: for web/shared.html, without a session. */
export function openShareLink(secret) {
  return request('POST', '/api/share-links/open', { body: { secret }, sessionRequired: false });
}

/** Accounts (admins only): the police liaisons a case can be shared with. */
export async function getUsers() {
  const answer = await request('GET', '/api/users');
  return answer.users;
}

// ---- Hand-off, statistics -------------------------------------------------------------------

/** E-mails the card to a service: {service: "ambulance"|"police", language, note?} -> {sent_to, entry}. */
export function handOff(caseId, { service, language, note }) {
  const body = { service, language };
  if (note) body.note = note;
  return request('POST', `/api/cases/${id(caseId)}/handoff`, { body });
}

/** Figures for a period ({from, to} as "YYYY-MM-DD"). */
export function getStatistics(period) {
  return request('GET', `/api/statistics${query(period)}`);
}

/** The address of the same figures as CSV, for a download link. */
export function statisticsCsvUrl(period) {
  return `/api/statistics.csv${query(period)}`;
}

// ---- Operations in the field, alerts, devices ---------------------------------------------------

/** Operations not finished, newest first (each with case_name, groups and members). */
export function getOperations() {
  return request('GET', '/api/operations');
}

/** One operation, with its groups (each with leader_id) and members. */
export function getOperation(operationId) {
  return request('GET', `/api/operations/${id(operationId)}`);
}

export function getCaseOperations(caseId) {
  return request('GET', `/api/cases/${id(caseId)}/operations`);
}

/** A new operation under a case: {name, meeting_point_id?}. */
export function createOperation(caseId, operation) {
  return request('POST', `/api/cases/${id(caseId)}/operations`, { body: operation });
}

/**
 * {name?, status? (planned|active|suspended|finished), meeting_point_id?, leader_id? (the search
 * leader: an enabled account of the team, not a police liaison), sweep_width_m?, max_accuracy_m?,
 * max_speed_mps?, max_gap_s?, off_task_after_s?, off_task_margin_m?, silent_after_s?}; answers the
 * Operation (with leader_id and leader_name).
 */
export function updateOperation(operationId, changes) {
  return request('PATCH', `/api/operations/${id(operationId)}`, { body: changes });
}

// ---- Tasks of an operation (a group's assignment; not the card's checklist tasks) ---------------

/**
 * The operation's tasks in order: [{id, operation_id, number, group_id, group_name, title,
 * search_type, instructions, sweep_width_m, route, status, status_reason, position,
 * squares: [{id, label}], places: [{id, name, address}], updated_at}], squares labelled in
 * `language` (default: the account's).
 */
export function getFieldTasks(operationId, language) {
  return request('GET', `/api/operations/${id(operationId)}/tasks${query({ language })}`);
}

/**
 * A new task: {title, search_type, group_id?, instructions?, sweep_width_m?, route?,
 * square_ids?, place_ids?, position?}; answers the Task (assigned with a group, else planned).
 */
export function createFieldTask(operationId, fields) {
  return request('POST', `/api/operations/${id(operationId)}/tasks`, { body: fields });
}

/** Changes a task's fields (the same as a new one's, each optional); answers the Task. */
export function updateFieldTask(taskId, changes) {
  return request('PATCH', `/api/tasks/${id(taskId)}`, { body: changes });
}

/** Moves a task to `status` (a reason is required for partly_done); answers the Task. */
export function setFieldTaskStatus(taskId, status, reason) {
  return request('POST', `/api/tasks/${id(taskId)}/status`, { body: reason ? { status, reason } : { status } });
}

/** {name, instructions?, radio?}; answers the Operation. */
export function addGroup(operationId, group) {
  return request('POST', `/api/operations/${id(operationId)}/groups`, { body: group });
}

/**
 * {name?, instructions?, radio? (channel or call signs, at most 200 characters; empty clears),
 * leader_id? (one of the group's members)}; answers the Operation.
 */
export function updateGroup(operationId, groupId, changes) {
  return request('PATCH', `/api/operations/${id(operationId)}/groups/${id(groupId)}`, { body: changes });
}

/**
 * Hands equipment to a group: {item, quantity?} (1 by default); answers the Operation, whose
 * groups list their equipment [{id, item, quantity, issued_at, returned_at}].
 */
export function issueEquipment(operationId, groupId, equipment) {
  return request('POST', `/api/operations/${id(operationId)}/groups/${id(groupId)}/equipment`, { body: equipment });
}

/** Equipment came back; answers the Operation. 409 already_returned. */
export function returnEquipment(equipmentId) {
  return request('POST', `/api/equipment/${id(equipmentId)}/return`);
}

/** Puts a volunteer in the operation (and a group, or none), out of any other operation. */
export function putMember(operationId, volunteerId, groupId) {
  return request('PUT', `/api/operations/${id(operationId)}/members/${id(volunteerId)}`, { body: { group_id: groupId || null } });
}

export function removeMember(operationId, volunteerId) {
  return request('POST', `/api/operations/${id(operationId)}/members/${id(volunteerId)}/leave`);
}

// ---- Search areas, squares, coverage ------------------------------------------------------------

/** A search area of an operation: {name, geometry (GeoJSON Polygon)}; answers {id, name, area_m2}. */
export function createArea(operationId, area) {
  return request('POST', `/api/operations/${id(operationId)}/areas`, { body: area });
}

/**
 * Renames an area ({name}) or redraws its outline ({geometry}: a GeoJSON Polygon; its squares are
 * drawn afresh at the same size); answers {id, name, area_m2}. A new outline is refused with 409
 * area_searched once any of its squares has been searched.
 */
export function updateArea(areaId, changes) {
  return request('PATCH', `/api/areas/${id(areaId)}`, { body: changes });
}

/**
 * The operation's search areas, oldest first: [{id, name, area_m2, geometry (GeoJSON Polygon),
 * cell_size_m (null before squares are drawn), squares, swept_m2}].
 */
export function getOperationAreas(operationId) {
  return request('GET', `/api/operations/${id(operationId)}/areas`);
}

/** Draws (or redraws) an area's squares; answers the Grid {id, area_id, cell_size_m, squares, ...}. */
export function drawGrid(areaId, cellSizeM) {
  return request('POST', `/api/areas/${id(areaId)}/grid`, { body: { cell_size_m: cellSizeM } });
}

/** The operation's squares as GeoJSON, labelled in `language`, with their coverage and POD. */
export function getSquares(operationId, language) {
  return request('GET', `/api/operations/${id(operationId)}/squares${query({ language })}`);
}

/**
 * Who searched a square, oldest first: [{sortie, task ("4. Title" or null), group_name,
 * volunteer_name, length_m, sweep_width_m, effort, first_at, last_at}].
 */
export function getSquareSorties(squareId) {
  return request('GET', `/api/squares/${id(squareId)}/sorties`);
}

/** Computes the operation's coverage again from all the tracks; answers {squares, covered}. */
export function recomputeCoverage(operationId) {
  return request('POST', `/api/operations/${id(operationId)}/coverage/recompute`);
}

/**
 * A search area from a KML or GPX file (the server reads its outline): `contentType` is the XML
 * type of the file's kind; `name` (optional) the area's. Answers the Area, like createArea.
 */
export function importArea(operationId, file, contentType, name) {
  const body = new Blob([file], { type: contentType });
  return request('POST', `/api/operations/${id(operationId)}/areas/import${query({ name })}`, { file: body });
}

/** The address of the operation's export (areas, squares, routes, tracks): geojson, kml or gpx. */
export function operationExportUrl(operationId, format) {
  return `/api/operations/${id(operationId)}/export${query({ format })}`;
}

/** Sets the squares' initial POA by hand: [{id, weight}] (scaled to add up to 1; the others 0). */
export function setPoaWeights(operationId, squares) {
  return request('PUT', `/api/operations/${id(operationId)}/poa`, { body: { squares } });
}

/** Sets the initial POA by distance rings from the last-seen point (null: the category's). */
export function setPoaRings(operationId, ringsM) {
  return request('POST', `/api/operations/${id(operationId)}/poa/rings`, { body: ringsM ? { rings_m: ringsM } : {} });
}

// ---- Field alerts (a volunteer off the task, a group silent) ----------------------------------

/** The operation's field alerts, newest first. */
export function getFieldAlerts(operationId) {
  return request('GET', `/api/operations/${id(operationId)}/field-alerts`);
}

/** Acknowledges a field alert (with a note, optional); answers the alert. 409 already_acknowledged. */
export function acknowledgeFieldAlert(alertId, note) {
  return request('POST', `/api/field-alerts/${id(alertId)}/acknowledge`, { body: note ? { note } : {} });
}

/** Volunteers: {id, name, login, operation_id, last_fix_at}. */
export function getVolunteers() {
  return request('GET', '/api/volunteers');
}

/** {text, group_id?, volunteer_ids?, location?, urgent?, asks_answer?}; answers the Alert. */
export function sendAlert(operationId, alert) {
  return request('POST', `/api/operations/${id(operationId)}/alerts`, { body: alert });
}

/** An operation's alerts, newest first, each with its recipients. */
export function getAlerts(operationId) {
  return request('GET', `/api/operations/${id(operationId)}/alerts`);
}

/** The address of a tracks file: `of` is {operation_id} or {group_id} or {volunteer_id}. */
export function trackExportUrl(of, format) {
  return `/api/tracks/export${query({ ...of, format })}`;
}

/** Issues a device: answers {device, token, setup} (the token is given this once). */
export function issueDevice(userId, label) {
  return request('POST', '/api/devices', { body: { user_id: userId, label } });
}

export async function getDevices(userId) {
  const answer = await request('GET', `/api/devices${query({ user_id: userId })}`);
  return answer.devices;
}

export function revokeDevice(deviceId) {
  return request('POST', `/api/devices/${id(deviceId)}/revoke`);
}

/** A photo sent from the field (named in its log entry's details.photo), and its thumbnail. */
export const fieldPhotoUrl = (caseId, photoId) => `/api/cases/${id(caseId)}/field-photos/${id(photoId)}`;
export const fieldThumbnailUrl = (caseId, photoId) => `${fieldPhotoUrl(caseId, photoId)}?thumbnail=true`;

// ---- The volunteer registry (docs/volunteers.md) ------------------------------------------------

/** Profiles by name: `filters` {q, skill, vetting}. */
export async function getRegistry(filters = {}) {
  const answer = await request('GET', `/api/registry${query(filters)}`);
  return Array.isArray(answer) ? answer : answer?.volunteers ?? [];
}

/** A new volunteer: {name, ...profile fields}; answers the profile (vetting "pending"). */
export function createRegistryProfile(fields) {
  return request('POST', '/api/registry', { body: fields });
}

/** Changes profile fields (null clears one); answers the profile. */
export function updateRegistryProfile(volunteerId, changes) {
  return request('PATCH', `/api/registry/${id(volunteerId)}`, { body: changes });
}

/** {vetting: "approved" | "suspended" | "pending", note}; answers the profile. */
export function setVetting(volunteerId, vetting, note) {
  const body = { vetting };
  if (note) body.note = note;
  return request('POST', `/api/registry/${id(volunteerId)}/vetting`, { body });
}

/** A CSV file of volunteers; `dryRun`: only check. Answers {created, refused: [{line, name, reason}]}. */
export function importRegistry(file, dryRun) {
  const body = new Blob([file], { type: 'text/csv' });
  return request('POST', `/api/registry/import${query({ dry_run: String(Boolean(dryRun)) })}`, { file: body });
}

// ---- Call-outs to the registry, answer boards ----------------------------------------------------

/**
 * The orientation of a case drafted for a call-out, in `lang` with times in time zone `tz`:
 * {title, text, location (the meeting point, else the last-seen one), has_photo}.
 */
export function getOrientation(caseId, lang, tz) {
  return request('GET', `/api/cases/${id(caseId)}/orientation${query({ lang, tz })}`);
}

/** {target, channels} -> {people, channels: {app, email, sms}, unreachable}. */
export function previewCallout(body) {
  return request('POST', '/api/callouts/preview', { body });
}

/** Sends a call-out (see docs/volunteers.md); answers its alert view. */
export function sendCallout(body) {
  return request('POST', '/api/callouts', { body });
}

/** Recent call-outs with their headcounts. */
export async function getCallouts() {
  const answer = await request('GET', '/api/callouts');
  return Array.isArray(answer) ? answer : answer?.callouts ?? [];
}

/** One alert with every recipient, their deliveries and the headcount (the answer board). */
export function getAlertBoard(alertId) {
  return request('GET', `/api/alerts/${id(alertId)}`);
}

/** Answers for a volunteer (after a phone call): {volunteer_id, answer, eta?, note?}. */
export function answerForVolunteer(alertId, body) {
  return request('POST', `/api/alerts/${id(alertId)}/answers`, { body });
}

/** Closes a call-out: no more answers, no more escalation. */
export function closeAlert(alertId) {
  return request('POST', `/api/alerts/${id(alertId)}/close`);
}

// ---- The answer page (/r/<token>), without a session ---------------------------------------------

export function getAnswerLink(token) {
  return request('GET', `/api/answer/${id(token)}`, { sessionRequired: false });
}

/** {answer: "going" | "cant", eta?}; answers the page's object again. */
export function answerByLink(token, body) {
  return request('POST', `/api/answer/${id(token)}`, { body, sessionRequired: false });
}

/** {channels, quiet_from, quiet_to, time_zone, muted_until}; answers the page's object again. */
export function setLinkPreferences(token, prefs) {
  return request('PATCH', `/api/answer/${id(token)}/preferences`, { body: prefs, sessionRequired: false });
}

// What the recipients of an alert did with it, counted, and answers that arrive on the live
// channel put into the alerts on show. No DOM here, so tests/alert-tally.test.mjs runs it in node.

/** {total, delivered, read, going, cant} for an alert's recipients. */
export function tally(alert) {
  const recipients = Array.isArray(alert?.recipients) ? alert.recipients : [];
  return {
    total: recipients.length,
    delivered: recipients.filter((r) => r.delivered_at || r.read_at).length,
    read: recipients.filter((r) => r.read_at).length,
    going: recipients.filter((r) => r.answer === 'going').length,
    cant: recipients.filter((r) => r.answer === 'cant').length,
  };
}

/**
 * Puts one recipient's news ("alert.answer") into the alert with `alertId` among `alerts`
 * (changed in place). Returns true if that alert is there.
 */
export function applyAnswer(alerts, alertId, recipient) {
  const alert = (alerts || []).find((one) => one.id === alertId);
  if (!alert || !recipient?.volunteer_id) return false;
  const recipients = Array.isArray(alert.recipients) ? alert.recipients : [];
  const index = recipients.findIndex((r) => r.volunteer_id === recipient.volunteer_id);
  if (index >= 0) recipients[index] = { ...recipients[index], ...recipient };
  else recipients.push(recipient);
  alert.recipients = recipients;
  return true;
}

/**
 * Whom an alert went to: {kind: "operation"} for everyone in it, {kind: "group", groupId}, or
 * {kind: "people", ids} for chosen members.
 */
export function audienceOf(alert) {
  const audience = alert?.audience || {};
  if (audience.group) return { kind: 'group', groupId: audience.group };
  if (Array.isArray(audience.volunteers) && audience.volunteers.length) return { kind: 'people', ids: audience.volunteers };
  return { kind: 'operation' };
}

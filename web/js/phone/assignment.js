// The group's assignment on the phone: what the task block shows of the `task` message's
// `assignment` (mobile-api/README.md), what the group leader may report now, and whether a
// refused report is worth telling them. The leader's reports wait in the outbox
// (outbox.addTaskStatus) until the server's task_status_ack; the buttons follow the status the
// last report queued would bring, so "Started" then "Done" can both be given without a signal.
// No DOM here, so tests/phone-assignment.test.mjs runs it in node.

import { leaderNextStatuses } from '../field-tasks.js';

/**
 * For the `task` message's task and the newest report on its assignment still waiting
 * (`pending`, from outbox.taskStatusFor): {assignment, status (the server's), pending (the
 * status queued, or null), actions (what the leader may report now; none for the others)}, or
 * null when the group has no assignment.
 */
export function assignmentState(task, pending = null) {
  const assignment = task?.assignment;
  if (!assignment?.task_id) return null;
  const queued = pending && pending.task_id === assignment.task_id ? pending.status : null;
  return {
    assignment,
    status: assignment.status,
    pending: queued,
    actions: task.leader ? leaderNextStatuses(queued ?? assignment.status) : [],
  };
}

/**
 * Whether the leader should hear of a refused report (`entry` as the outbox notes it:
 * {task_id, status, code}). A report sent again after its answer was lost is refused as an
 * invalid transition when the task already stands where it said: nothing went wrong then.
 */
export function refusalMatters(entry, task) {
  if (entry?.code !== 'invalid_transition') return true;
  const assignment = task?.assignment;
  return !(assignment && assignment.task_id === entry.task_id && assignment.status === entry.status);
}

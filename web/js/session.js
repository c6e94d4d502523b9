// Who is logged in, for the parts of the console that depend on the role.

let user = null;

export function setSessionUser(next) {
  user = next || null;
}

/** The logged-in account ({id, login, display_name, role, language}), or null. */
export function sessionUser() {
  return user;
}

/** True if the logged-in user has one of `roles`. */
export function hasRole(...roles) {
  return Boolean(user) && roles.includes(user.role);
}

/** Admin, dispatcher and coordinator: the roles that work with reports, cards and the log. */
export const isStaff = () => hasRole('admin', 'dispatcher', 'coordinator');
/** May override a case's urgency (PUT /api/cases/{id}/urgency). */
export const mayOverrideUrgency = () => hasRole('admin', 'coordinator');
export const isAdmin = () => hasRole('admin');
/** Decides volunteers' vetting and imports the registry from CSV (docs/volunteers.md). */
export const mayVet = () => hasRole('admin', 'dispatcher');
/** A police liaison: reads the cases shared with them and writes police notes, nothing more. */
export const isPoliceLiaison = () => hasRole('police_liaison');

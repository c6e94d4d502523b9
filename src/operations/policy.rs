//! Who may see the operational map.

use crate::auth::{role_in, Policy, Principal, Role};

/// The whole operational map (every open case's areas, last-seen points, headquarters): the
/// team's staff.
pub struct ReadOperationalMap;

impl Policy for ReadOperationalMap {
    const ACTION: &'static str = "see the operational map";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator])
    }
}

/// Running operations: creating them, their groups, who is in them, and messages to the field.
pub struct ManageOperations;

impl Policy for ManageOperations {
    const ACTION: &'static str = "run search operations";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator])
    }
}

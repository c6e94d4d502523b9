//! Who may see and change the registry.

use crate::auth::{role_in, Policy, Principal, Role};

/// Seeing and editing volunteers' profiles: the team's staff.
pub struct ManageRegistry;

impl Policy for ManageRegistry {
    const ACTION: &'static str = "see and edit the volunteer registry";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator])
    }
}

/// Deciding who is approved for field work, and importing the registry (which can approve):
/// dispatchers and administrators.
pub struct VetVolunteers;

impl Policy for VetVolunteers {
    const ACTION: &'static str = "vet volunteers";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher])
    }
}

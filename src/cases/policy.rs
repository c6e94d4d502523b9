//! Who may read cases.

use crate::auth::{role_in, Policy, Principal, Role};

/// Reading the list of all cases: the team's staff. Police liaisons will read only the cases
/// shared with them, through their own route; volunteers see only what their task needs.
pub struct ListCases;

impl Policy for ListCases {
    const ACTION: &'static str = "list all cases";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator])
    }
}

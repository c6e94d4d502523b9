//! Who may manage accounts.

use crate::auth::{role_in, Policy, Principal, Role};

/// Creating, changing and disabling accounts, and resetting passwords: administrators only.
pub struct ManageUsers;

impl Policy for ManageUsers {
    const ACTION: &'static str = "manage user accounts";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin])
    }
}

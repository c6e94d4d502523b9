//! Who may manage devices.

use crate::auth::{role_in, Policy, Principal, Role};

/// Issuing, listing and revoking device tokens: staff for any volunteer, a volunteer for
/// themselves (checked per device).
pub struct ManageDevices;

impl Policy for ManageDevices {
    const ACTION: &'static str = "manage tracking devices";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator, Role::Volunteer])
    }
}

/// Whether `principal` may manage the devices of `owner`.
pub fn may_manage_for(principal: &Principal, owner: uuid::Uuid) -> bool {
    principal.user_id == owner || role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator])
}

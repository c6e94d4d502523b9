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

/// Exporting tracks: staff export anyone's, a group's or an operation's; a volunteer their own.
pub struct ExportTracks;

impl Policy for ExportTracks {
    const ACTION: &'static str = "export tracks";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator, Role::Volunteer])
    }
}

/// Whose tracks an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackScope {
    /// One volunteer's.
    Volunteer(uuid::Uuid),
    /// A group's members' while in it.
    Group,
    /// An operation's members' while in it.
    Operation,
}

impl ExportTracks {
    /// Whether `principal` may export the tracks of `scope`.
    pub fn allows_scope(principal: &Principal, scope: TrackScope) -> bool {
        let staff = role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator]);
        match scope {
            TrackScope::Volunteer(volunteer) => staff || principal.user_id == volunteer,
            TrackScope::Group | TrackScope::Operation => staff,
        }
    }
}

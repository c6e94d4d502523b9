//! Who may message the field.

use crate::auth::{role_in, Policy, Principal, Role};

/// Sending alerts and messages to volunteers, and following their answers: the team's staff.
pub struct SendAlerts;

impl Policy for SendAlerts {
    const ACTION: &'static str = "send alerts to volunteers";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator])
    }
}

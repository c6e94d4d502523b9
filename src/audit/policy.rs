//! Who may read the audit log.

use crate::auth::{role_in, Policy, Principal, Role};

/// Reading the audit log and checking its chain: administrators only.
pub struct ReadAudit;

impl Policy for ReadAudit {
    const ACTION: &'static str = "read the audit log";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin])
    }
}

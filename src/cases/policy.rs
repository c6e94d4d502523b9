//! Who may do what with cases, reports, calls and checklists.

use axum::http::StatusCode;

use crate::auth::{role_in, Credential, Policy, Principal, Role};
use crate::error::ApiError;

const STAFF: &[Role] = &[Role::Admin, Role::Dispatcher, Role::Coordinator];

/// Reading cases, their cards and logs: the team's staff read every case; police liaisons read
/// the cases shared with them (checked per case in `access`), redacted and audited.
pub struct ReadCases;

impl Policy for ReadCases {
    const ACTION: &'static str = "read cases";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator, Role::PoliceLiaison])
    }
}

/// The team's working views across cases (possible duplicates, overdue tasks, my shift): staff.
pub struct SeeCaseWork;

impl Policy for SeeCaseWork {
    const ACTION: &'static str = "see the team's case work";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, STAFF)
    }
}

/// Writing in a case's log: staff; police liaisons only police notes, on shared cases.
pub struct WriteJournal;

impl Policy for WriteJournal {
    const ACTION: &'static str = "write in case logs";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator, Role::PoliceLiaison])
    }
}

/// Opening cases, changing cards, moving them through their lifecycle, ticking places and
/// tasks, sharing cases with the police: the team's staff.
pub struct WorkCases;

impl Policy for WorkCases {
    const ACTION: &'static str = "work on cases";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, STAFF)
    }
}

/// Overriding a case's computed urgency: coordinators and administrators (logged).
pub struct OverrideUrgency;

impl Policy for OverrideUrgency {
    const ACTION: &'static str = "override a case's urgency";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Coordinator])
    }
}

/// Registering and handling reports: the team's staff.
pub struct HandleReports;

impl Policy for HandleReports {
    const ACTION: &'static str = "handle reports";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, STAFF)
    }
}

/// Announcing incoming calls: a telephony integration, with an API token of an administrator
/// or dispatcher account.
pub struct AnnounceCalls;

impl Policy for AnnounceCalls {
    const ACTION: &'static str = "announce incoming calls";
    const FOR_CALL_TOKENS: bool = true;
    fn allows(principal: &Principal) -> bool {
        matches!(principal.credential, Credential::Token(_)) && role_in(principal, &[Role::Admin, Role::Dispatcher])
    }
    fn refusal(principal: &Principal) -> ApiError {
        match principal.credential {
            Credential::Session(_) => ApiError::new(
                StatusCode::FORBIDDEN,
                "token_required",
                "incoming calls are announced by a telephony integration with an API token",
            ),
            Credential::Token(_) => {
                ApiError::forbidden(format!("the role {} may not announce incoming calls", principal.role))
            }
        }
    }
}

/// Editing checklist templates: administrators.
pub struct ManageChecklists;

impl Policy for ManageChecklists {
    const ACTION: &'static str = "edit checklist templates";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin])
    }
}

//! A case's lifecycle: statuses, outcomes, and which moves between them are allowed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Status {
    /// Registered; the first checks' tasks have started by themselves.
    Registered,
    /// Hospitals, morgues, the accident bureau and the police are being asked.
    FirstChecks,
    /// Volunteers are searching.
    SearchActive,
    /// The search is paused (decided with the police).
    Suspended,
    /// Closed with an outcome.
    Closed,
}

/// How a case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Outcome {
    /// Found alive.
    FoundAlive,
    /// Found dead.
    FoundDead,
    /// Found by the police.
    FoundByPolice,
    /// Came back by themselves.
    ReturnedHome,
    /// Not found: the search ended without a find.
    NotFound,
    /// Called off (a false report, a duplicate).
    Cancelled,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 5] =
        [Status::Registered, Status::FirstChecks, Status::SearchActive, Status::Suspended, Status::Closed];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::FirstChecks => "first_checks",
            Status::SearchActive => "search_active",
            Status::Suspended => "suspended",
            Status::Closed => "closed",
        }
    }

    /// Where a case in this status may go next. A closed case can be reopened.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Registered => &[FirstChecks, SearchActive, Closed],
            FirstChecks => &[SearchActive, Closed],
            SearchActive => &[Suspended, Closed],
            Suspended => &[SearchActive, Closed],
            Closed => &[FirstChecks, SearchActive],
        }
    }

    /// Whether a case may move from this status to `to`.
    pub fn may_move_to(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Whether the move must say why: pausing, closing and reopening always do.
    pub fn move_needs_reason(self, to: Status) -> bool {
        matches!(to, Status::Suspended | Status::Closed) || self == Status::Closed
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn every_status_has_its_allowed_moves_and_no_others() {
        let allowed = [
            (Registered, FirstChecks),
            (Registered, SearchActive),
            (Registered, Closed),
            (FirstChecks, SearchActive),
            (FirstChecks, Closed),
            (SearchActive, Suspended),
            (SearchActive, Closed),
            (Suspended, SearchActive),
            (Suspended, Closed),
            (Closed, FirstChecks),
            (Closed, SearchActive),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(from.may_move_to(to), allowed.contains(&(from, to)), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn pausing_closing_and_reopening_need_a_reason() {
        assert!(SearchActive.move_needs_reason(Suspended));
        assert!(FirstChecks.move_needs_reason(Closed));
        assert!(Closed.move_needs_reason(SearchActive));
        assert!(!Registered.move_needs_reason(FirstChecks));
        assert!(!Suspended.move_needs_reason(SearchActive));
    }
}

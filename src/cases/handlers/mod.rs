//! The cases capability's HTTP handlers: parse, authorize, call the domain, answer.

pub mod calls;
pub mod cards;
pub mod checklists;
pub mod handoff;
pub mod journal;
pub mod photos;
pub mod reports;
pub mod sharing;
pub mod statistics;

use crate::auth::Principal;

use super::journal::Author;

/// The log's author for a person.
pub(crate) fn author(principal: &Principal) -> Author {
    Author { user_id: Some(principal.user_id), name: principal.display_name.clone() }
}

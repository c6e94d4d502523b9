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

//! Missing-person cases: reports (обращения) and the telephony hook, the card (карточка), its
//! lifecycle and urgency, the incident log (журнал), checklists that start by themselves.

pub mod access;
pub mod calls;
pub mod card;
pub mod casework;
pub mod checklists;
mod handlers;
pub mod handoff;
pub mod journal;
pub mod lifecycle;
pub mod lists;
pub mod photos;
pub mod policy;
pub mod redaction;
pub mod reports;
pub mod statistics;
pub mod urgency;

use serde_json::{json, Value};
use sqlx::PgPool;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Role;
use crate::realtime::{Audience, Notice};
use crate::state::AppState;

pub use checklists::run_escalation;

/// The routes of this capability.
pub fn router() -> OpenApiRouter<AppState> {
    use handlers::{calls, cards, checklists, handoff, journal, photos, reports, sharing, statistics};
    OpenApiRouter::new()
        .routes(routes!(cards::list, cards::create))
        .routes(routes!(cards::similar))
        .routes(routes!(cards::get, cards::update))
        .routes(routes!(cards::transition))
        .routes(routes!(cards::set_urgency))
        .routes(routes!(cards::add_place))
        .routes(routes!(cards::update_place))
        .routes(routes!(cards::update_task))
        .routes(routes!(cards::overdue))
        .routes(routes!(cards::shift))
        .routes(routes!(journal::list, journal::add))
        .routes(routes!(reports::list, reports::create))
        .routes(routes!(reports::get))
        .routes(routes!(reports::close))
        .routes(routes!(reports::link))
        .routes(routes!(reports::to_case))
        .routes(routes!(calls::announce))
        .routes(routes!(checklists::list, checklists::create))
        .routes(routes!(checklists::update))
        .routes(routes!(sharing::list_shares, sharing::share))
        .routes(routes!(sharing::revoke_share))
        .routes(routes!(sharing::list_links, sharing::make_link))
        .routes(routes!(sharing::revoke_link))
        .routes(routes!(sharing::open))
        .routes(routes!(handoff::handoff))
        .routes(routes!(statistics::get))
        .routes(routes!(statistics::csv))
        .routes(routes!(photos::original))
        .routes(routes!(photos::thumbnail))
        .routes(routes!(photos::withdraw))
        .routes(routes!(photos::field_photo))
        .merge(
            // Photos are bigger than the JSON API's bodies.
            OpenApiRouter::new()
                .routes(routes!(photos::upload))
                .layer(axum::extract::DefaultBodyLimit::max(self::photos::MAX_BYTES)),
        )
}

/// The console message a notice stands for, and who may see it; `None` if what it names is gone.
pub async fn live_message(db: &PgPool, notice: &Notice) -> sqlx::Result<Option<(Audience, Value)>> {
    let mut conn = db.acquire().await?;
    Ok(match notice {
        Notice::Call { id } => match calls::find(&mut conn, *id).await? {
            Some(call) => {
                let matches = calls::matches(&mut conn, &call.caller_number).await?;
                Some((Audience::Staff, json!({ "type": "call.incoming", "call": call, "matches": matches })))
            }
            None => None,
        },
        Notice::CallHandled { call_id } => {
            Some((Audience::Staff, json!({ "type": "call.handled", "call_id": call_id })))
        }
        Notice::JournalEntry { case_id, entry_id } => journal::find(&mut conn, *entry_id)
            .await?
            .map(|entry| (Audience::Staff, json!({ "type": "journal.entry", "case_id": case_id, "entry": entry }))),
        Notice::CaseChanged { case_id } => {
            let row: Option<(String, lifecycle::Status, urgency::UrgencyClass)> =
                sqlx::query_as("SELECT number, status, coalesce(urgency_override, urgency) FROM cases WHERE id = $1")
                    .bind(case_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            row.map(|(number, status, urgency)| {
                let message = json!({ "type": "case.changed", "case_id": case_id, "number": number, "status": status, "urgency": urgency });
                (Audience::Staff, message)
            })
        }
        Notice::ReportChanged { report_id } => {
            Some((Audience::Staff, json!({ "type": "report.changed", "report_id": report_id })))
        }
        Notice::TaskOverdue { task_id, level } => {
            // Dispatchers see every overdue task; coordinators their own at once, the rest when
            // long overdue.
            let coordinators_own =
                checklists::task(&mut conn, *task_id).await?.is_some_and(|t| t.responsible_role == Role::Coordinator);
            drop(conn);
            let audience = if *level >= 2 || coordinators_own {
                Audience::Roles(&[Role::Admin, Role::Dispatcher, Role::Coordinator])
            } else {
                Audience::Roles(&[Role::Admin, Role::Dispatcher])
            };
            checklists::overdue_message(db, *task_id, *level).await?.map(|message| (audience, message))
        }
        // Other capabilities' notices.
        _ => None,
    })
}

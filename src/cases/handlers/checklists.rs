//! Checklist templates (administrators).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::checklists::{self, Template, TemplateFields};
use crate::cases::policy::ManageChecklists;
use crate::error::{ApiResult, Json, Path};
use crate::state::AppState;

/// Templates list.
#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    /// In order.
    pub templates: Vec<Template>,
}

/// Every checklist template.
#[utoipa::path(get, path = "/api/checklist-templates", tag = "checklists",
    responses((status = 200, body = TemplateList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, _auth: Authorized<ManageChecklists>) -> ApiResult<Json<TemplateList>> {
    Ok(Json(TemplateList { templates: checklists::templates(&state.db).await? }))
}

/// Creates a template.
#[utoipa::path(post, path = "/api/checklist-templates", tag = "checklists", request_body = TemplateFields,
    responses((status = 201, body = Template), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageChecklists>,
    Json(fields): Json<TemplateFields>,
) -> ApiResult<(StatusCode, Json<Template>)> {
    let mut tx = state.db.begin().await?;
    let template = checklists::create_template(&mut tx, fields).await?;
    AuditEvent::new("checklist.create")
        .on("checklist_template", template.id)
        .details(json!({ "title": template.title.0 }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(template)))
}

/// Changes a template (deactivate instead of deleting).
#[utoipa::path(patch, path = "/api/checklist-templates/{id}", tag = "checklists", params(("id" = Uuid, Path, description = "Template id")),
    request_body = TemplateFields,
    responses((status = 200, body = Template), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageChecklists>,
    Path(id): Path<Uuid>,
    Json(fields): Json<TemplateFields>,
) -> ApiResult<Json<Template>> {
    let mut tx = state.db.begin().await?;
    let template = checklists::update_template(&mut tx, id, fields).await?;
    AuditEvent::new("checklist.update")
        .on("checklist_template", id)
        .details(json!({ "title": template.title.0, "active": template.active }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok(Json(template))
}

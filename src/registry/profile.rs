//! A volunteer's profile: contacts, home, skills, vehicles, vetting, consent to tracking and
//! notification preferences. Stored beside the account (`volunteer_profiles`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::cases::card::present;
use crate::error::{ApiError, ApiResult};

/// Skills the console offers (others are kept as written).
pub const SKILLS: [&str; 11] = [
    "navigator",
    "medic",
    "driver",
    "dog_handler",
    "drone_pilot",
    "radio_operator",
    "climber",
    "diver",
    "boat",
    "cook",
    "coordinator",
];
/// Channels a call-out may use.
pub const CHANNELS: [&str; 3] = ["app", "email", "sms"];
/// Vetting states.
pub const VETTING: [&str; 3] = ["pending", "approved", "suspended"];

/// A vehicle a volunteer can bring.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vehicle {
    /// What it is ("Niva", "UAZ").
    pub name: String,
    /// Seats, the driver included.
    pub seats: i32,
    /// Four-wheel drive.
    #[serde(default)]
    pub four_by_four: bool,
}

/// A volunteer as the registry shows them.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Profile {
    /// Account id.
    pub id: Uuid,
    /// Login.
    pub login: String,
    /// Name.
    pub name: String,
    /// Radio call sign.
    pub call_sign: Option<String>,
    /// Phone numbers; the first gets SMS.
    pub phones: Vec<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Where they live, as people read it.
    pub home_label: Option<String>,
    /// Where they live: a GeoJSON Point or Polygon.
    #[schema(value_type = Option<Object>)]
    pub home: Option<Value>,
    /// Skills.
    pub skills: Vec<String>,
    /// Vehicles.
    #[schema(value_type = Vec<Vehicle>)]
    pub vehicles: Value,
    /// Equipment they have.
    pub equipment: Vec<String>,
    /// pending, approved, suspended.
    pub vetting: String,
    /// Who decided.
    pub vetting_by_name: Option<String>,
    /// When.
    pub vetting_at: Option<DateTime<Utc>>,
    /// Why.
    pub vetting_note: Option<String>,
    /// When consent to location tracking was given.
    pub tracking_consent_at: Option<DateTime<Utc>>,
    /// When it was withdrawn (after it was last given).
    pub tracking_consent_withdrawn_at: Option<DateTime<Utc>>,
    /// Channels call-outs may use.
    pub channels: Vec<String>,
    /// Quiet hours start, local "HH:MM".
    pub quiet_from: Option<String>,
    /// Quiet hours end.
    pub quiet_to: Option<String>,
    /// Their time zone (IANA name).
    pub time_zone: String,
    /// No e-mail or SMS until then.
    pub muted_until: Option<DateTime<Utc>>,
    /// The dispatchers' notes.
    pub notes: Option<String>,
    /// Whether they have a phone-app device.
    pub has_app: bool,
    /// Their last position's time.
    pub last_fix_at: Option<DateTime<Utc>>,
    /// The operation they are in now.
    pub operation_id: Option<Uuid>,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

pub(crate) const SELECT_PROFILE: &str = "SELECT u.id, u.login, u.display_name AS name, p.call_sign, p.phones, p.email,
        p.home_label, ST_AsGeoJSON(p.home_area, 7)::jsonb AS home, p.skills, p.vehicles, p.equipment, p.vetting,
        p.vetting_by_name, p.vetting_at, p.vetting_note, p.tracking_consent_at,
        CASE WHEN p.tracking_consent_withdrawn_at > coalesce(p.tracking_consent_at, '-infinity') THEN p.tracking_consent_withdrawn_at END
            AS tracking_consent_withdrawn_at,
        p.channels, to_char(p.quiet_from, 'HH24:MI') AS quiet_from, to_char(p.quiet_to, 'HH24:MI') AS quiet_to,
        p.time_zone, p.muted_until, p.notes,
        EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL) AS has_app,
        lp.at AS last_fix_at, m.operation_id, u.disabled_at IS NOT NULL AS disabled, p.updated_at
 FROM users u JOIN volunteer_profiles p ON p.user_id = u.id
 LEFT JOIN last_positions lp ON lp.volunteer_id = u.id
 LEFT JOIN operation_members m ON m.volunteer_id = u.id AND m.left_at IS NULL";

/// A change to a profile: absent fields stay, `null` clears an optional one.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// Name (not from the phone).
    #[serde(default)]
    pub name: Option<String>,
    /// Call sign.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub call_sign: Option<Option<String>>,
    /// Phones.
    #[serde(default)]
    pub phones: Option<Vec<String>>,
    /// E-mail.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Home, as people read it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub home_label: Option<Option<String>>,
    /// Home: a GeoJSON Point or Polygon.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub home: Option<Option<Value>>,
    /// Skills.
    #[serde(default)]
    pub skills: Option<Vec<String>>,
    /// Vehicles.
    #[serde(default)]
    pub vehicles: Option<Vec<Vehicle>>,
    /// Equipment.
    #[serde(default)]
    pub equipment: Option<Vec<String>>,
    /// Channels call-outs may use.
    #[serde(default)]
    pub channels: Option<Vec<String>>,
    /// Quiet hours start "HH:MM" (with `quiet_to`; both null for none).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub quiet_from: Option<Option<String>>,
    /// Quiet hours end.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub quiet_to: Option<Option<String>>,
    /// IANA time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// No e-mail or SMS until then.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub muted_until: Option<Option<DateTime<Utc>>>,
    /// The dispatchers' notes (not from the phone).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    /// Consent to location tracking given (true) or withdrawn (false); from the phone.
    #[serde(default)]
    pub tracking_consent: Option<bool>,
}

/// A phone number as stored: `+` and digits, separators dropped.
pub fn normalize_phone(raw: &str) -> ApiResult<String> {
    let trimmed = raw.trim();
    let mut out = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '+' if i == 0 => out.push('+'),
            '0'..='9' => out.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => return Err(ApiError::invalid_field("phones", format!("{raw:?} is not a phone number"))),
        }
    }
    let digits = out.trim_start_matches('+').len();
    if !(5..=15).contains(&digits) {
        return Err(ApiError::invalid_field("phones", format!("{raw:?} is not a phone number (5 to 15 digits)")));
    }
    Ok(out)
}

/// An e-mail address as stored, lower-cased domain; checked loosely (one `@`, a dot after it).
pub fn normalize_email(raw: &str) -> ApiResult<String> {
    let email = raw.trim();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.contains('@') && domain.contains('.') && !domain.ends_with('.')
        });
    if !valid {
        return Err(ApiError::invalid_field("email", format!("{raw:?} is not an e-mail address")));
    }
    let (local, domain) = email.split_once('@').expect("checked above");
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

fn word(field: &str, raw: &str, max: usize) -> ApiResult<String> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(ApiError::invalid_field(field, format!("each entry has 1 to {max} characters")));
    }
    Ok(text.to_string())
}

fn optional_text(field: &str, value: Option<String>, max: usize) -> ApiResult<Option<String>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => {
            Err(ApiError::invalid_field(field, format!("at most {max} characters")))
        }
        Some(text) => Ok(Some(text.to_string())),
    }
}

/// A skill key: one of [`SKILLS`] or lower-case letters and `_`.
pub fn check_skill(raw: &str) -> ApiResult<String> {
    let skill = raw.trim().to_lowercase().replace([' ', '-'], "_");
    let valid = (2..=30).contains(&skill.len()) && skill.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if !valid {
        return Err(ApiError::invalid_field(
            "skills",
            format!("{raw:?} is not a skill: use {} or lower-case letters and _", SKILLS.join(", ")),
        ));
    }
    Ok(skill)
}

fn check_time(field: &str, raw: &str) -> ApiResult<String> {
    chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| ApiError::invalid_field(field, "a time of day as HH:MM, e.g. 22:00"))
}

/// Checks a GeoJSON home (a Point or a Polygon) and returns it as text for PostGIS.
fn check_home(value: &Value) -> ApiResult<String> {
    let kind = value.get("type").and_then(Value::as_str).unwrap_or_default();
    if !matches!(kind, "Point" | "Polygon" | "MultiPolygon") {
        return Err(ApiError::invalid_field("home", "a GeoJSON Point, Polygon or MultiPolygon"));
    }
    let text = value.to_string();
    if text.len() > 200_000 {
        return Err(ApiError::invalid_field("home", "the district's outline is too large (200 kB at most)"));
    }
    Ok(text)
}

/// Everything a patch sets, checked.
struct Checked {
    name: Option<String>,
    phones: Option<Vec<String>>,
    email: Option<Option<String>>,
    skills: Option<Vec<String>>,
    vehicles: Option<Value>,
    equipment: Option<Vec<String>>,
    channels: Option<Vec<String>>,
    quiet: Option<(Option<String>, Option<String>)>,
    home: Option<Option<String>>,
}

fn check(patch: &ProfilePatch) -> ApiResult<Checked> {
    let name = match &patch.name {
        Some(name) => Some(word("name", name, 200)?),
        None => None,
    };
    let phones = match &patch.phones {
        Some(list) if list.len() > 5 => return Err(ApiError::invalid_field("phones", "at most 5 phone numbers")),
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for phone in list {
                let phone = normalize_phone(phone)?;
                if !out.contains(&phone) {
                    out.push(phone);
                }
            }
            Some(out)
        }
        None => None,
    };
    let email = match &patch.email {
        Some(Some(email)) if !email.trim().is_empty() => Some(Some(normalize_email(email)?)),
        Some(_) => Some(None),
        None => None,
    };
    let skills = match &patch.skills {
        Some(list) if list.len() > 30 => return Err(ApiError::invalid_field("skills", "at most 30 skills")),
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for skill in list {
                let skill = check_skill(skill)?;
                if !out.contains(&skill) {
                    out.push(skill);
                }
            }
            Some(out)
        }
        None => None,
    };
    let vehicles = match &patch.vehicles {
        Some(list) if list.len() > 5 => return Err(ApiError::invalid_field("vehicles", "at most 5 vehicles")),
        Some(list) => {
            for vehicle in list {
                word("vehicles", &vehicle.name, 100)?;
                if !(1..=60).contains(&vehicle.seats) {
                    return Err(ApiError::invalid_field("vehicles", "seats are 1 to 60"));
                }
            }
            Some(json!(list
                .iter()
                .map(|v| Vehicle { name: v.name.trim().to_string(), ..v.clone() })
                .collect::<Vec<_>>()))
        }
        None => None,
    };
    let equipment = match &patch.equipment {
        Some(list) if list.len() > 50 => return Err(ApiError::invalid_field("equipment", "at most 50 items")),
        Some(list) => Some(list.iter().map(|e| word("equipment", e, 100)).collect::<ApiResult<Vec<_>>>()?),
        None => None,
    };
    let channels = match &patch.channels {
        Some(list) => {
            if let Some(bad) = list.iter().find(|c| !CHANNELS.contains(&c.as_str())) {
                return Err(ApiError::invalid_field("channels", format!("{bad:?} is not one of app, email, sms")));
            }
            let mut out: Vec<String> =
                CHANNELS.iter().filter(|c| list.iter().any(|l| l == *c)).map(|c| c.to_string()).collect();
            out.dedup();
            Some(out)
        }
        None => None,
    };
    let quiet = match (&patch.quiet_from, &patch.quiet_to) {
        (None, None) => None,
        (Some(Some(from)), Some(Some(to))) => {
            Some((Some(check_time("quiet_from", from)?), Some(check_time("quiet_to", to)?)))
        }
        (Some(None), Some(None)) => Some((None, None)),
        _ => {
            return Err(ApiError::invalid_field(
                "quiet_from",
                "quiet hours need both quiet_from and quiet_to (or both null)",
            ))
        }
    };
    if let Some(Some(until)) = patch.muted_until {
        let now = chrono::Utc::now();
        if until < now - chrono::Duration::days(1) || until > now + chrono::Duration::days(366) {
            return Err(ApiError::invalid_field("muted_until", "a time within the next year (or null: not muted)"));
        }
    }
    let home = match &patch.home {
        Some(Some(value)) => Some(Some(check_home(value)?)),
        Some(None) => Some(None),
        None => None,
    };
    Ok(Checked { name, phones, email, skills, vehicles, equipment, channels, quiet, home })
}

/// Checks a patch without storing it (the CSV import checks each row this way).
pub fn validate(patch: &ProfilePatch) -> ApiResult<()> {
    check(patch)?;
    optional_text("call_sign", patch.call_sign.clone().flatten(), 50)?;
    optional_text("home_label", patch.home_label.clone().flatten(), 200)?;
    Ok(())
}

/// Whether PostgreSQL knows an IANA time zone by this name.
pub async fn time_zone_known(conn: &mut PgConnection, zone: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
        .bind(zone)
        .fetch_one(conn)
        .await
}

/// One volunteer's profile.
pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Profile>> {
    sqlx::query_as(&format!("{SELECT_PROFILE} WHERE u.id = $1")).bind(id).fetch_optional(conn).await
}

/// What the registry list filters by.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct Filter {
    /// Part of a name, call sign, phone or e-mail.
    pub q: Option<String>,
    /// Has this skill.
    pub skill: Option<String>,
    /// In this vetting state.
    pub vetting: Option<String>,
}

/// The registry, by name.
pub async fn list(conn: &mut PgConnection, filter: &Filter) -> ApiResult<Vec<Profile>> {
    if let Some(vetting) = &filter.vetting {
        if !VETTING.contains(&vetting.as_str()) {
            return Err(ApiError::invalid_field("vetting", "one of pending, approved, suspended"));
        }
    }
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    Ok(sqlx::query_as(&format!(
        "{SELECT_PROFILE}
         WHERE u.role = 'volunteer'
           AND ($1::text IS NULL OR u.display_name ILIKE $1 OR p.call_sign ILIKE $1 OR p.email ILIKE $1
                OR array_to_string(p.phones, ' ') LIKE $1 OR u.login ILIKE $1)
           AND ($2::text IS NULL OR $2 = ANY(p.skills)) AND ($3::text IS NULL OR p.vetting = $3)
         ORDER BY u.disabled_at IS NOT NULL, u.display_name LIMIT 5000"
    ))
    .bind(q)
    .bind(filter.skill.as_deref().map(str::trim).filter(|s| !s.is_empty()))
    .bind(&filter.vetting)
    .fetch_all(conn)
    .await?)
}

/// Who changes a profile: the volunteer from the phone may not rename themselves or write the
/// dispatchers' notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editor {
    /// Dispatchers, coordinators, admins.
    Staff,
    /// The volunteer, from their phone.
    Volunteer,
}

/// Changes a profile; returns the names of the fields sent.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    patch: ProfilePatch,
    editor: Editor,
) -> ApiResult<Vec<&'static str>> {
    if editor == Editor::Volunteer && (patch.name.is_some() || patch.notes.is_some()) {
        return Err(ApiError::invalid(
            "not_yours",
            "the name and the dispatchers' notes are changed by the dispatchers",
        ));
    }
    if editor == Editor::Staff && patch.tracking_consent.is_some() {
        return Err(ApiError::invalid_field("tracking_consent", "consent is given or withdrawn by the volunteer"));
    }
    let checked = check(&patch)?;
    let call_sign = optional_text("call_sign", patch.call_sign.clone().flatten(), 50)?;
    let home_label = optional_text("home_label", patch.home_label.clone().flatten(), 200)?;
    let notes = optional_text("notes", patch.notes.clone().flatten(), 2000)?;
    if let Some(zone) = &patch.time_zone {
        if !time_zone_known(conn, zone.trim()).await? {
            return Err(ApiError::invalid_field(
                "time_zone",
                format!("{zone:?} is not a time zone (e.g. Europe/Moscow)"),
            ));
        }
    }
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT u.role FROM users u JOIN volunteer_profiles p ON p.user_id = u.id WHERE u.id = $1 FOR UPDATE OF p",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        return Err(ApiError::not_found("volunteer"));
    }
    if let Some(email) = checked.email.clone().flatten() {
        taken(conn, id, None, Some(&email)).await?;
    }
    if let Some(phones) = &checked.phones {
        for phone in phones {
            taken(conn, id, Some(phone), None).await?;
        }
    }
    if let Some(name) = &checked.name {
        sqlx::query("UPDATE users SET display_name = $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(name)
            .execute(&mut *conn)
            .await?;
    }
    let (quiet_set, quiet_from, quiet_to) = match checked.quiet {
        Some((from, to)) => (true, from, to),
        None => (false, None, None),
    };
    let (home_set, home) = match checked.home {
        Some(home) => (true, home),
        None => (false, None),
    };
    sqlx::query(
        "UPDATE volunteer_profiles SET
             call_sign = CASE WHEN $2 THEN $3 ELSE call_sign END,
             phones = coalesce($4, phones),
             email = CASE WHEN $5 THEN $6 ELSE email END,
             home_label = CASE WHEN $7 THEN $8 ELSE home_label END,
             home_area = CASE WHEN $9 THEN ST_SetSRID(ST_GeomFromGeoJSON($10), 4326) ELSE home_area END,
             skills = coalesce($11, skills), vehicles = coalesce($12, vehicles), equipment = coalesce($13, equipment),
             channels = coalesce($14, channels),
             quiet_from = CASE WHEN $15 THEN $16::time ELSE quiet_from END,
             quiet_to = CASE WHEN $15 THEN $17::time ELSE quiet_to END,
             time_zone = coalesce($18, time_zone),
             muted_until = CASE WHEN $19 THEN $20 ELSE muted_until END,
             notes = CASE WHEN $21 THEN $22 ELSE notes END,
             tracking_consent_at = CASE WHEN $23 IS TRUE THEN now() ELSE tracking_consent_at END,
             tracking_consent_withdrawn_at = CASE WHEN $23 IS FALSE THEN now() ELSE tracking_consent_withdrawn_at END,
             updated_at = now()
         WHERE user_id = $1",
    )
    .bind(id)
    .bind(patch.call_sign.is_some())
    .bind(call_sign)
    .bind(&checked.phones)
    .bind(checked.email.is_some())
    .bind(checked.email.flatten())
    .bind(patch.home_label.is_some())
    .bind(home_label)
    .bind(home_set)
    .bind(home)
    .bind(&checked.skills)
    .bind(&checked.vehicles)
    .bind(&checked.equipment)
    .bind(&checked.channels)
    .bind(quiet_set)
    .bind(quiet_from)
    .bind(quiet_to)
    .bind(patch.time_zone.as_deref().map(str::trim))
    .bind(patch.muted_until.is_some())
    .bind(patch.muted_until.flatten())
    .bind(patch.notes.is_some())
    .bind(notes)
    .bind(patch.tracking_consent)
    .execute(&mut *conn)
    .await
    .map_err(invalid_geometry)?;
    Ok(sent_fields(&patch))
}

/// PostGIS refusing a home outline is the sender's mistake.
fn invalid_geometry(error: sqlx::Error) -> ApiError {
    match &error {
        sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("XX") || c == "22023") => {
            ApiError::invalid_field("home", format!("the home is not valid GeoJSON: {}", db.message()))
        }
        _ => error.into(),
    }
}

fn sent_fields(patch: &ProfilePatch) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let mut note = |set: bool, name: &'static str| {
        if set {
            fields.push(name);
        }
    };
    note(patch.name.is_some(), "name");
    note(patch.call_sign.is_some(), "call_sign");
    note(patch.phones.is_some(), "phones");
    note(patch.email.is_some(), "email");
    note(patch.home_label.is_some(), "home_label");
    note(patch.home.is_some(), "home");
    note(patch.skills.is_some(), "skills");
    note(patch.vehicles.is_some(), "vehicles");
    note(patch.equipment.is_some(), "equipment");
    note(patch.channels.is_some(), "channels");
    note(patch.quiet_from.is_some(), "quiet_hours");
    note(patch.time_zone.is_some(), "time_zone");
    note(patch.muted_until.is_some(), "muted_until");
    note(patch.notes.is_some(), "notes");
    note(patch.tracking_consent.is_some(), "tracking_consent");
    fields
}

/// Refuses a phone or e-mail another volunteer already has.
pub async fn taken(conn: &mut PgConnection, id: Uuid, phone: Option<&str>, email: Option<&str>) -> ApiResult<()> {
    let other: Option<String> = sqlx::query_scalar(
        "SELECT u.display_name FROM volunteer_profiles p JOIN users u ON u.id = p.user_id
         WHERE p.user_id <> $1 AND (($2::text IS NOT NULL AND $2 = ANY(p.phones)) OR ($3::text IS NOT NULL AND lower(p.email) = lower($3)))
         LIMIT 1",
    )
    .bind(id)
    .bind(phone)
    .bind(email)
    .fetch_optional(&mut *conn)
    .await?;
    match other {
        Some(name) => Err(ApiError::conflict(
            "already_exists",
            format!("{name} already has this {}", if phone.is_some() { "phone number" } else { "e-mail address" }),
        )
        .with_details(json!({ "field": if phone.is_some() { "phones" } else { "email" } }))),
        None => Ok(()),
    }
}

/// Decides a volunteer's vetting. Returns the previous state.
pub async fn set_vetting(
    conn: &mut PgConnection,
    id: Uuid,
    vetting: &str,
    note: Option<&str>,
    by: Uuid,
    by_name: &str,
) -> ApiResult<String> {
    if !VETTING.contains(&vetting) {
        return Err(ApiError::invalid_field("vetting", "one of pending, approved, suspended"));
    }
    let note = optional_text("note", note.map(str::to_string), 1000)?;
    let before: Option<String> =
        sqlx::query_scalar("SELECT vetting FROM volunteer_profiles WHERE user_id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let before = before.ok_or_else(|| ApiError::not_found("volunteer"))?;
    sqlx::query(
        "UPDATE volunteer_profiles SET vetting = $2, vetting_by = $3, vetting_by_name = $4, vetting_at = now(),
             vetting_note = $5, updated_at = now()
         WHERE user_id = $1",
    )
    .bind(id)
    .bind(vetting)
    .bind(by)
    .bind(by_name)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(before)
}

/// Whether a volunteer may be given field work (approved, enabled).
pub async fn is_approved(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let approved: Option<Option<bool>> = sqlx::query_scalar(
        "SELECT p.vetting = 'approved' AND u.disabled_at IS NULL
         FROM users u LEFT JOIN volunteer_profiles p ON p.user_id = u.id WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(approved.flatten().unwrap_or(false))
}

/// Whether a volunteer withdrew consent to location tracking (and has not given it again).
pub async fn tracking_withdrawn(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let withdrawn: Option<Option<bool>> = sqlx::query_scalar(
        "SELECT tracking_consent_withdrawn_at > coalesce(tracking_consent_at, '-infinity')
         FROM volunteer_profiles WHERE user_id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(withdrawn.flatten().unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_plus_and_digits() {
        assert_eq!(normalize_phone("+7 (916) 123-45-67").unwrap(), "+79161234567");
        assert_eq!(normalize_phone("8 916 123 45 67").unwrap(), "89161234567");
        assert!(normalize_phone("call me").is_err());
        assert!(normalize_phone("123").is_err());
        assert!(normalize_phone("7+916").is_err());
    }

    #[test]
    fn emails_are_checked_loosely() {
        assert_eq!(normalize_email(" Irina@Example.ORG ").unwrap(), "Irina@example.org");
        assert!(normalize_email("irina").is_err());
        assert!(normalize_email("irina@localhost").is_err());
        assert!(normalize_email("a@b.c, d@e.f").is_err());
    }

    #[test]
    fn skills_are_keys() {
        assert_eq!(check_skill("Dog handler").unwrap(), "dog_handler");
        assert_eq!(check_skill("drone-pilot").unwrap(), "drone_pilot");
        assert!(check_skill("медик").is_err());
    }
}

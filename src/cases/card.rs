//! The missing-person card (карточка): its fields, checks, and storage.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::lifecycle::{Outcome, Status};
use super::urgency::{self, UrgencyClass, UrgencyInput};
use crate::error::{ApiError, ApiResult};

/// A place on the map.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Latitude, degrees north (−90..90).
    pub lat: f64,
    /// Longitude, degrees east (−180..180).
    pub lon: f64,
}

impl Point {
    /// Checks the coordinates are on Earth.
    pub fn check(&self, field: &str) -> ApiResult<()> {
        let ok = self.lat.is_finite() && self.lon.is_finite() && self.lat.abs() <= 90.0 && self.lon.abs() <= 180.0;
        if ok {
            Ok(())
        } else {
            Err(ApiError::invalid_field(field, "latitude must be within ±90 and longitude within ±180"))
        }
    }

    /// From a pair of columns that are both set or both empty.
    pub fn from_columns(lat: Option<f64>, lon: Option<f64>) -> Option<Self> {
        lat.zip(lon).map(|(lat, lon)| Self { lat, lon })
    }
}

/// A relative or other contact of the missing person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name (may be empty or null when a phone is given).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub name: String,
    /// Who they are to the person (mother, neighbour...).
    #[serde(default)]
    pub relation: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Anything else.
    #[serde(default)]
    pub note: Option<String>,
}

/// Reads a text where `null` means empty.
fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// Reads a field that is present in the JSON (even as null), so a PATCH can tell "clear it"
/// (`null`) from "leave it" (absent).
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Declares the card's writable fields once: the values (for a new card) and the patch (for a
/// change) are both generated from this list, so they cannot drift apart.
macro_rules! card_fields {
    ($($(#[doc = $doc:literal])* $name:ident : $ty:ty),* $(,)?) => {
        /// The card's writable fields; absent ones are empty.
        #[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct CardFields {
            $($(#[doc = $doc])* #[serde(default)] pub $name: Option<$ty>,)*
        }

        /// A change to a card: a field that is absent stays as it is; `null` clears it.
        #[derive(Clone, Debug, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct CardPatch {
            /// The version the change was made from (`version` of the card as read).
            pub version: i32,
            $($(#[doc = $doc])* #[serde(default, deserialize_with = "present")] #[schema(value_type = Option<$ty>)] pub $name: Option<Option<$ty>>,)*
        }

        impl CardPatch {
            /// Applies the change; returns the names of the fields it changed.
            pub fn apply(self, fields: &mut CardFields) -> Vec<&'static str> {
                let mut changed = Vec::new();
                $(if let Some(value) = self.$name {
                    if fields.$name != value {
                        fields.$name = value;
                        changed.push(stringify!($name));
                    }
                })*
                changed
            }
        }
    };
}

card_fields! {
    /// Full name.
    full_name: String,
    /// `female` or `male`.
    sex: String,
    /// Date of birth.
    birth_date: NaiveDate,
    /// Estimated age in years, when the date of birth is unknown.
    estimated_age: i32,
    /// child, teenager, adult, elderly, dementia.
    category: String,
    /// The missing person's own phone.
    person_phone: String,
    /// Height in centimetres.
    height_cm: i32,
    /// Build (slim, stocky...).
    build: String,
    /// Appearance.
    appearance: String,
    /// Clothing when last seen.
    clothing: String,
    /// Special marks (scars, tattoos...).
    special_marks: String,
    /// Health problems.
    health: String,
    /// Medication the person needs.
    medication: String,
    /// Mental state (e.g. dementia, depression).
    mental_state: String,
    /// What happened.
    circumstances: String,
    /// normal, cold, hot, rain, storm.
    weather: String,
    /// When the person was last seen.
    last_seen_at: DateTime<Utc>,
    /// Where the person was last seen.
    last_seen: Point,
    /// The last-seen address.
    last_seen_address: String,
    /// Relatives and other contacts.
    contacts: Vec<Contact>,
    /// The police unit handling the case.
    police_unit: String,
    /// The police case number.
    police_case_number: String,
    /// One line: the situation now.
    situation: String,
}

const CATEGORIES: [&str; 5] = ["child", "teenager", "adult", "elderly", "dementia"];
const WEATHER: [&str; 5] = ["normal", "cold", "hot", "rain", "storm"];

impl CardFields {
    /// Checks every field; the error names the first one that is wrong.
    pub fn check(&mut self, now: DateTime<Utc>) -> ApiResult<()> {
        trim(&mut self.full_name);
        let name = self.full_name.as_deref().unwrap_or_default();
        if name.is_empty() || name.chars().count() > 300 {
            return Err(ApiError::invalid_field("full_name", "the full name is required (at most 300 characters)"));
        }
        match self.category.as_deref() {
            Some(c) if CATEGORIES.contains(&c) => {}
            _ => {
                return Err(ApiError::invalid_field(
                    "category",
                    "the category is required: child, teenager, adult, elderly or dementia",
                ))
            }
        }
        if let Some(sex) = self.sex.as_deref() {
            if !matches!(sex, "female" | "male") {
                return Err(ApiError::invalid_field("sex", "sex is \"female\" or \"male\" (or null when unknown)"));
            }
        }
        if let Some(weather) = self.weather.as_deref() {
            if !WEATHER.contains(&weather) {
                return Err(ApiError::invalid_field("weather", "weather is normal, cold, hot, rain or storm"));
            }
        }
        if let Some(birth) = self.birth_date {
            if birth > now.date_naive() || chrono::Datelike::year(&birth) < 1900 {
                return Err(ApiError::invalid_field("birth_date", "the date of birth must be between 1900 and today"));
            }
        }
        if self.estimated_age.is_some_and(|a| !(0..=130).contains(&a)) {
            return Err(ApiError::invalid_field("estimated_age", "the estimated age must be between 0 and 130"));
        }
        if self.height_cm.is_some_and(|h| !(30..=250).contains(&h)) {
            return Err(ApiError::invalid_field("height_cm", "the height must be between 30 and 250 cm"));
        }
        if self.last_seen_at.is_some_and(|at| at > now + chrono::Duration::minutes(10)) {
            return Err(ApiError::invalid_field("last_seen_at", "the last-seen time is in the future"));
        }
        if self.last_seen_at.is_some_and(|at| chrono::Datelike::year(&at) < 1900) {
            return Err(ApiError::invalid_field("last_seen_at", "the last-seen time is before 1900"));
        }
        if let Some(point) = &self.last_seen {
            point.check("last_seen")?;
        }
        if let Some(contacts) = &self.contacts {
            if contacts.len() > 50 {
                return Err(ApiError::invalid_field("contacts", "at most 50 contacts"));
            }
            // A caller who gave no name but left a number is still a contact.
            let blank =
                |c: &Contact| c.name.trim().is_empty() && c.phone.as_deref().is_none_or(|p| p.trim().is_empty());
            if contacts.iter().any(|c| blank(c) || c.name.chars().count() > 200) {
                return Err(ApiError::invalid_field(
                    "contacts",
                    "every contact needs a name or a phone (a name has at most 200 characters)",
                ));
            }
        }
        for (field, value) in self.texts() {
            if value.is_some_and(|v| v.chars().count() > 10_000) {
                return Err(ApiError::invalid_field(field, "at most 10,000 characters"));
            }
        }
        for (field, value) in [("person_phone", &self.person_phone), ("police_case_number", &self.police_case_number)] {
            if value.as_deref().is_some_and(|v| v.chars().count() > 100) {
                return Err(ApiError::invalid_field(field, "at most 100 characters"));
            }
        }
        Ok(())
    }

    fn texts(&self) -> [(&'static str, Option<&str>); 11] {
        [
            ("build", self.build.as_deref()),
            ("appearance", self.appearance.as_deref()),
            ("clothing", self.clothing.as_deref()),
            ("special_marks", self.special_marks.as_deref()),
            ("health", self.health.as_deref()),
            ("medication", self.medication.as_deref()),
            ("mental_state", self.mental_state.as_deref()),
            ("circumstances", self.circumstances.as_deref()),
            ("last_seen_address", self.last_seen_address.as_deref()),
            ("police_unit", self.police_unit.as_deref()),
            ("situation", self.situation.as_deref()),
        ]
    }

    /// Age in whole years at `now`, from the date of birth or else the estimate.
    pub fn age(&self, now: DateTime<Utc>) -> Option<i32> {
        match self.birth_date {
            Some(birth) => now.date_naive().years_since(birth).map(|y| y as i32),
            None => self.estimated_age,
        }
    }

    /// The computed urgency at `now`; `longitude` stands in when no last-seen place is known.
    pub fn urgency(&self, now: DateTime<Utc>, longitude: f64) -> urgency::Urgency {
        urgency::compute(
            &UrgencyInput {
                age: self.age(now),
                category: self.category.as_deref().unwrap_or("adult"),
                health: self.health.as_deref(),
                medication: self.medication.as_deref(),
                weather: self.weather.as_deref().unwrap_or("normal"),
                last_seen_at: self.last_seen_at,
                longitude: self.last_seen.map(|p| p.lon).unwrap_or(longitude),
            },
            now,
        )
    }
}

fn trim(value: &mut Option<String>) {
    if let Some(text) = value {
        *text = text.trim().to_string();
    }
}

/// The urgency shown on a card.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UrgencyView {
    /// The class in force: the override if set, else the computed one.
    pub class: UrgencyClass,
    /// Why the computed class is what it is.
    pub reasons: Vec<String>,
    /// The computed class.
    pub computed: UrgencyClass,
    /// A coordinator's override.
    pub r#override: Option<UrgencyClass>,
    /// Why it was overridden.
    pub override_reason: Option<String>,
}

/// A whole card as stored (without its places, tasks and photos).
#[derive(Clone, Debug)]
pub struct CaseRecord {
    /// Case id.
    pub id: Uuid,
    /// Case number.
    pub number: String,
    /// Status.
    pub status: Status,
    /// Outcome, once closed.
    pub outcome: Option<Outcome>,
    /// Urgency.
    pub urgency: UrgencyView,
    /// The writable fields.
    pub fields: CardFields,
    /// Age now.
    pub age: Option<i32>,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Registered by.
    pub created_by_name: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Changes with every save.
    pub version: i32,
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: Uuid,
    number: String,
    status: Status,
    outcome: Option<Outcome>,
    urgency: UrgencyClass,
    urgency_reasons: Vec<String>,
    urgency_override: Option<UrgencyClass>,
    urgency_override_reason: Option<String>,
    full_name: String,
    sex: Option<String>,
    birth_date: Option<NaiveDate>,
    estimated_age: Option<i32>,
    age: Option<i32>,
    category: String,
    person_phone: Option<String>,
    height_cm: Option<i32>,
    build: Option<String>,
    appearance: Option<String>,
    clothing: Option<String>,
    special_marks: Option<String>,
    health: Option<String>,
    medication: Option<String>,
    mental_state: Option<String>,
    circumstances: Option<String>,
    weather: String,
    last_seen_at: Option<DateTime<Utc>>,
    last_seen_lat: Option<f64>,
    last_seen_lon: Option<f64>,
    last_seen_address: Option<String>,
    contacts: sqlx::types::Json<Vec<Contact>>,
    police_unit: Option<String>,
    police_case_number: Option<String>,
    situation: Option<String>,
    created_at: DateTime<Utc>,
    created_by_name: Option<String>,
    updated_at: DateTime<Utc>,
    version: i32,
}

impl From<CaseRow> for CaseRecord {
    fn from(row: CaseRow) -> Self {
        Self {
            id: row.id,
            number: row.number,
            status: row.status,
            outcome: row.outcome,
            urgency: UrgencyView {
                class: row.urgency_override.unwrap_or(row.urgency),
                reasons: row.urgency_reasons,
                computed: row.urgency,
                r#override: row.urgency_override,
                override_reason: row.urgency_override_reason,
            },
            fields: CardFields {
                full_name: Some(row.full_name),
                sex: row.sex,
                birth_date: row.birth_date,
                estimated_age: row.estimated_age,
                category: Some(row.category),
                person_phone: row.person_phone,
                height_cm: row.height_cm,
                build: row.build,
                appearance: row.appearance,
                clothing: row.clothing,
                special_marks: row.special_marks,
                health: row.health,
                medication: row.medication,
                mental_state: row.mental_state,
                circumstances: row.circumstances,
                weather: Some(row.weather),
                last_seen_at: row.last_seen_at,
                last_seen: Point::from_columns(row.last_seen_lat, row.last_seen_lon),
                last_seen_address: row.last_seen_address,
                contacts: Some(row.contacts.0),
                police_unit: row.police_unit,
                police_case_number: row.police_case_number,
                situation: row.situation,
            },
            age: row.age,
            created_at: row.created_at,
            created_by_name: row.created_by_name,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

const SELECT_CASE: &str =
    "SELECT c.id, c.number, c.status, c.outcome, c.urgency, c.urgency_reasons, c.urgency_override,
        c.urgency_override_reason, c.full_name, c.sex, c.birth_date, c.estimated_age,
        coalesce(extract(year FROM age(c.birth_date))::int, c.estimated_age) AS age,
        c.category, c.person_phone, c.height_cm, c.build, c.appearance, c.clothing, c.special_marks, c.health,
        c.medication, c.mental_state, c.circumstances, c.weather, c.last_seen_at,
        ST_Y(c.last_seen_point) AS last_seen_lat, ST_X(c.last_seen_point) AS last_seen_lon, c.last_seen_address,
        c.contacts, c.police_unit, c.police_case_number, c.situation, c.created_at,
        u.display_name AS created_by_name, c.updated_at, c.version
 FROM cases c LEFT JOIN users u ON u.id = c.created_by";

/// One case, or `None`; `lock` holds it against concurrent changes until the transaction ends.
pub async fn load(conn: &mut PgConnection, id: Uuid, lock: bool) -> sqlx::Result<Option<CaseRecord>> {
    let lock = if lock { " FOR UPDATE OF c" } else { "" };
    let row: Option<CaseRow> =
        sqlx::query_as(&format!("{SELECT_CASE} WHERE c.id = $1{lock}")).bind(id).fetch_optional(conn).await?;
    Ok(row.map(CaseRecord::from))
}

/// The next number in this year's series: `2026-0001`, `2026-0002`...
pub async fn next_number(
    conn: &mut PgConnection,
    counters: &str,
    prefix: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<String> {
    use chrono::Datelike;
    let year = now.year();
    let last: i32 = sqlx::query_scalar(&format!(
        "INSERT INTO {counters} (year, last) VALUES ($1, 1)
         ON CONFLICT (year) DO UPDATE SET last = {counters}.last + 1 RETURNING last"
    ))
    .bind(year)
    .fetch_one(conn)
    .await?;
    Ok(format!("{prefix}{year}-{last:04}"))
}

/// Stores a new card; returns its id. The fields must have been checked.
pub async fn insert(
    conn: &mut PgConnection,
    number: &str,
    fields: &CardFields,
    urgency: &urgency::Urgency,
    created_by: Option<Uuid>,
) -> sqlx::Result<Uuid> {
    let sql = "INSERT INTO cases (number, created_by, urgency, urgency_reasons, full_name, sex, birth_date, estimated_age,
            category, person_phone, height_cm, build, appearance, clothing, special_marks, health, medication, mental_state,
            circumstances, weather, last_seen_at, last_seen_point, last_seen_address, contacts, police_unit,
            police_case_number, situation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                 CASE WHEN $22::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($23, $22), 4326) END,
                 $24, $25, $26, $27, $28)
         RETURNING id";
    let query = sqlx::query(sql).bind(number).bind(created_by).bind(urgency.class).bind(reasons(urgency));
    let row = bind_fields(query, fields).fetch_one(conn).await?;
    sqlx::Row::try_get(&row, "id")
}

/// Saves changed fields if the card is still at `version`; returns whether it was.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    version: i32,
    fields: &CardFields,
    urgency: &urgency::Urgency,
) -> sqlx::Result<bool> {
    let sql = "UPDATE cases SET updated_at = now(), version = version + 1, urgency = $3, urgency_reasons = $4,
            full_name = $5, sex = $6, birth_date = $7, estimated_age = $8, category = $9, person_phone = $10,
            height_cm = $11, build = $12, appearance = $13, clothing = $14, special_marks = $15, health = $16,
            medication = $17, mental_state = $18, circumstances = $19, weather = $20, last_seen_at = $21,
            last_seen_point = CASE WHEN $22::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($23, $22), 4326) END,
            last_seen_address = $24, contacts = $25, police_unit = $26, police_case_number = $27, situation = $28
         WHERE id = $1 AND version = $2";
    let query = sqlx::query(sql).bind(id).bind(version).bind(urgency.class).bind(reasons(urgency));
    Ok(bind_fields(query, fields).execute(conn).await?.rows_affected() == 1)
}

fn reasons(urgency: &urgency::Urgency) -> Vec<String> {
    urgency.reasons.iter().map(|r| r.to_string()).collect()
}

/// Binds the fields as parameters $5..$28, in the order both statements use.
fn bind_fields<'q>(
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    f: &'q CardFields,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    query
        .bind(f.full_name.as_deref())
        .bind(f.sex.as_deref())
        .bind(f.birth_date)
        .bind(f.estimated_age)
        .bind(f.category.as_deref())
        .bind(f.person_phone.as_deref())
        .bind(f.height_cm)
        .bind(f.build.as_deref())
        .bind(f.appearance.as_deref())
        .bind(f.clothing.as_deref())
        .bind(f.special_marks.as_deref())
        .bind(f.health.as_deref())
        .bind(f.medication.as_deref())
        .bind(f.mental_state.as_deref())
        .bind(f.circumstances.as_deref())
        .bind(f.weather.as_deref().unwrap_or("normal"))
        .bind(f.last_seen_at)
        .bind(f.last_seen.map(|p| p.lat))
        .bind(f.last_seen.map(|p| p.lon))
        .bind(f.last_seen_address.as_deref())
        .bind(sqlx::types::Json(f.contacts.clone().unwrap_or_default()))
        .bind(f.police_unit.as_deref())
        .bind(f.police_case_number.as_deref())
        .bind(f.situation.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> CardFields {
        CardFields {
            full_name: Some(" Иванова Мария ".into()),
            category: Some("dementia".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_card_needs_a_name_and_a_known_category() {
        let now = Utc::now();
        let mut ok = card();
        ok.check(now).unwrap();
        assert_eq!(ok.full_name.as_deref(), Some("Иванова Мария"));
        let mut nameless = CardFields { category: Some("child".into()), ..Default::default() };
        assert_eq!(nameless.check(now).unwrap_err().details.unwrap()["field"], "full_name");
        let mut odd = CardFields { category: Some("pirate".into()), ..card() };
        assert_eq!(odd.check(now).unwrap_err().details.unwrap()["field"], "category");
    }

    #[test]
    fn impossible_values_are_refused_with_their_field() {
        let now = Utc::now();
        let cases: [(CardFields, &str); 5] = [
            (CardFields { height_cm: Some(400), ..card() }, "height_cm"),
            (CardFields { birth_date: NaiveDate::from_ymd_opt(2999, 1, 1), ..card() }, "birth_date"),
            (CardFields { last_seen: Some(Point { lat: 95.0, lon: 0.0 }), ..card() }, "last_seen"),
            (CardFields { last_seen_at: Some(now + chrono::Duration::hours(2)), ..card() }, "last_seen_at"),
            (CardFields { weather: Some("snowy".into()), ..card() }, "weather"),
        ];
        for (mut fields, field) in cases {
            assert_eq!(fields.check(now).unwrap_err().details.unwrap()["field"], field);
        }
    }

    #[test]
    fn a_patch_changes_what_it_names_clears_nulls_and_leaves_the_rest() {
        let mut fields = CardFields { clothing: Some("coat".into()), health: Some("asthma".into()), ..card() };
        let patch: CardPatch =
            serde_json::from_str(r#"{"version": 3, "clothing": "red coat", "health": null}"#).unwrap();
        let changed = patch.apply(&mut fields);
        assert_eq!(changed, vec!["clothing", "health"]);
        assert_eq!(fields.clothing.as_deref(), Some("red coat"));
        assert_eq!(fields.health, None);
        assert_eq!(fields.category.as_deref(), Some("dementia"));
        assert!(serde_json::from_str::<CardPatch>(r#"{"version": 1, "shoe_size": 40}"#).is_err());
    }

    #[test]
    fn a_contact_needs_a_name_or_a_phone() {
        let now = Utc::now();
        let caller: Contact =
            serde_json::from_str(r#"{"name": null, "phone": "+7 926 555-01-02", "relation": null, "note": "called"}"#)
                .unwrap();
        let mut with_caller = CardFields { contacts: Some(vec![caller]), ..card() };
        with_caller.check(now).unwrap();
        let nobody: Contact = serde_json::from_str(r#"{"name": " ", "note": "?"}"#).unwrap();
        let mut with_nobody = CardFields { contacts: Some(vec![nobody]), ..card() };
        assert_eq!(with_nobody.check(now).unwrap_err().details.unwrap()["field"], "contacts");
    }

    #[test]
    fn age_comes_from_the_birth_date_else_the_estimate() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap().with_timezone(&Utc);
        let born = CardFields { birth_date: NaiveDate::from_ymd_opt(2010, 11, 23), estimated_age: Some(40), ..card() };
        assert_eq!(born.age(now), Some(15));
        let guessed = CardFields { estimated_age: Some(40), ..card() };
        assert_eq!(guessed.age(now), Some(40));
    }
}

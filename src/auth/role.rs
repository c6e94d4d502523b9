//! The roles people have in a team.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a person does in the team; decides what they may see and do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Role {
    /// Runs the installation: accounts, audit, settings.
    Admin,
    /// Duty dispatcher: registers reports, keeps cards and the incident log.
    Dispatcher,
    /// Coordinator or search leader: areas, squares, tasks, alerts.
    Coordinator,
    /// Field volunteer: the phone app, their own tasks and tracks.
    Volunteer,
    /// Police liaison: reads the cases shared with them, redacted.
    PoliceLiaison,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 5] = [Role::Admin, Role::Dispatcher, Role::Coordinator, Role::Volunteer, Role::PoliceLiaison];

    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::Coordinator => "coordinator",
            Role::Volunteer => "volunteer",
            Role::PoliceLiaison => "police_liaison",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Role::ALL.into_iter().find(|r| r.as_str() == text).ok_or_else(|| {
            format!("unknown role {text:?}; roles are admin, dispatcher, coordinator, volunteer, police_liaison")
        })
    }
}

impl sqlx::Type<sqlx::Postgres> for Role {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <String as sqlx::Type<sqlx::Postgres>>::type_info()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for Role {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let text = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
        Ok(text.parse()?)
    }
}

impl sqlx::Encode<'_, sqlx::Postgres> for Role {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <&str as sqlx::Encode<sqlx::Postgres>>::encode_by_ref(&self.as_str(), buf)
    }
}

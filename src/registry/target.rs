//! Whom a call-out reaches: approved volunteers chosen by distance (from their home or their last
//! position, geodesic, in PostGIS), skills, vehicles, an operation's group, or by name.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Near a point.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Near {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Radius, kilometres.
    pub km: f64,
    /// `home` (default), `position` (last known in 24 hours) or `either`.
    #[serde(default = "home")]
    pub by: String,
}

fn home() -> String {
    "home".into()
}

/// A vehicle they must have.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VehicleNeed {
    /// Four-wheel drive.
    #[serde(default)]
    pub four_by_four: bool,
    /// At least this many seats.
    pub min_seats: Option<i32>,
}

/// Whom to reach; every part given must match.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Every approved volunteer (when nothing else narrows it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Within a distance of a point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near: Option<Near>,
    /// Having every one of these skills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<String>>,
    /// Having such a vehicle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<VehicleNeed>,
    /// Members of this operation now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<Uuid>,
    /// Members of this group now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Uuid>,
    /// These people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volunteer_ids: Option<Vec<Uuid>>,
}

/// The largest radius, kilometres (half the Earth's circumference).
pub const MAX_KM: f64 = 20_000.0;

impl Target {
    /// Checks the target says whom, sensibly.
    pub fn check(&mut self) -> ApiResult<()> {
        let narrowed = self.near.is_some()
            || self.skills.is_some()
            || self.vehicle.is_some()
            || self.operation_id.is_some()
            || self.group_id.is_some()
            || self.volunteer_ids.is_some();
        if !self.all && !narrowed {
            return Err(ApiError::invalid_field(
                "target",
                "say whom: \"all\": true, or near a point, skills, a vehicle, a group or chosen people",
            ));
        }
        if let Some(near) = &self.near {
            crate::cases::card::Point { lat: near.lat, lon: near.lon }.check("target.near")?;
            if !(near.km.is_finite() && near.km > 0.0 && near.km <= MAX_KM) {
                return Err(ApiError::invalid_field(
                    "target.near.km",
                    format!("a radius of more than 0 and at most {MAX_KM} km"),
                ));
            }
            if !matches!(near.by.as_str(), "home" | "position" | "either") {
                return Err(ApiError::invalid_field("target.near.by", "home, position or either"));
            }
        }
        if let Some(skills) = &mut self.skills {
            *skills = skills.iter().map(|s| super::profile::check_skill(s)).collect::<ApiResult<_>>()?;
        }
        if let Some(VehicleNeed { min_seats: Some(seats), .. }) = &self.vehicle {
            if !(1..=60).contains(seats) {
                return Err(ApiError::invalid_field("target.vehicle.min_seats", "1 to 60"));
            }
        }
        if self.volunteer_ids.as_ref().is_some_and(|ids| ids.is_empty() || ids.len() > 10_000) {
            return Err(ApiError::invalid_field("target.volunteer_ids", "1 to 10000 people"));
        }
        Ok(())
    }

    /// The same target with the radius set to `km`.
    pub fn with_radius(&self, km: f64) -> Self {
        let mut widened = self.clone();
        if let Some(near) = &mut widened.near {
            near.km = km;
        }
        widened
    }

    /// As stored with the alert.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a target serialises")
    }
}

/// The approved volunteers a target selects, by id.
pub async fn select(conn: &mut PgConnection, target: &Target) -> sqlx::Result<Vec<Uuid>> {
    let near = target.near.as_ref();
    sqlx::query_scalar(
        "SELECT u.id FROM users u JOIN volunteer_profiles p ON p.user_id = u.id
         LEFT JOIN last_positions lp ON lp.volunteer_id = u.id
         WHERE u.role = 'volunteer' AND u.disabled_at IS NULL AND p.vetting = 'approved'
           AND ($1::float8 IS NULL OR
                ($4 IN ('home', 'either') AND p.home_area IS NOT NULL
                 AND ST_DWithin(p.home_area::geography, ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography, $3 * 1000))
             OR ($4 IN ('position', 'either') AND lp.at > now() - interval '24 hours'
                 AND ST_DWithin(lp.point::geography, ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography, $3 * 1000)))
           AND ($5::text[] IS NULL OR p.skills @> $5)
           AND ($6::boolean IS NULL OR EXISTS (
                SELECT 1 FROM jsonb_array_elements(p.vehicles) v
                WHERE (NOT $6 OR (v->>'four_by_four')::boolean) AND (v->>'seats')::int >= coalesce($7, 1)))
           AND ($8::uuid IS NULL OR EXISTS (
                SELECT 1 FROM operation_members m WHERE m.volunteer_id = u.id AND m.left_at IS NULL
                  AND m.operation_id = $8 AND ($9::uuid IS NULL OR m.group_id = $9)))
           AND ($9::uuid IS NULL OR EXISTS (
                SELECT 1 FROM operation_members m WHERE m.volunteer_id = u.id AND m.left_at IS NULL AND m.group_id = $9))
           AND ($10::uuid[] IS NULL OR u.id = ANY($10))
         ORDER BY u.display_name",
    )
    .bind(near.map(|n| n.lat))
    .bind(near.map(|n| n.lon))
    .bind(near.map(|n| n.km))
    .bind(near.map(|n| n.by.as_str()))
    .bind(&target.skills)
    .bind(target.vehicle.as_ref().map(|v| v.four_by_four))
    .bind(target.vehicle.as_ref().and_then(|v| v.min_seats))
    .bind(target.operation_id)
    .bind(target.group_id)
    .bind(&target.volunteer_ids)
    .fetch_all(conn)
    .await
}

/// How many a call-out will reach, per channel.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Reach {
    /// People the target selects.
    pub people: i64,
    /// Of them, reachable on each channel the call-out uses.
    pub channels: ChannelCounts,
    /// Selected but reachable on none of its channels.
    pub unreachable: i64,
}

/// A count per channel.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ChannelCounts {
    /// The phone app.
    pub app: i64,
    /// E-mail.
    pub email: i64,
    /// SMS.
    pub sms: i64,
}

/// For each of `people`, the channels of `channels` they can be reached on now: the call-out uses
/// it, the server can send on it, they allow it, have the address, and (e-mail, SMS) are not
/// muted. Returns (volunteer, app, email, sms).
pub async fn reachable(
    conn: &mut PgConnection,
    people: &[Uuid],
    channels: &[String],
    configured: &[&str],
) -> sqlx::Result<Vec<(Uuid, bool, bool, bool)>> {
    let usable: Vec<String> =
        channels.iter().filter(|c| c.as_str() == "app" || configured.contains(&c.as_str())).cloned().collect();
    sqlx::query_as(
        "SELECT p.user_id,
                'app' = ANY($2) AND 'app' = ANY(p.channels)
                    AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = p.user_id AND d.revoked_at IS NULL),
                'email' = ANY($2) AND 'email' = ANY(p.channels) AND p.email IS NOT NULL
                    AND (p.muted_until IS NULL OR p.muted_until <= now()),
                'sms' = ANY($2) AND 'sms' = ANY(p.channels) AND cardinality(p.phones) > 0
                    AND (p.muted_until IS NULL OR p.muted_until <= now())
         FROM volunteer_profiles p WHERE p.user_id = ANY($1)",
    )
    .bind(people)
    .bind(&usable)
    .fetch_all(conn)
    .await
}

/// Counts what a call-out to `target` on `channels` would reach.
pub async fn preview(
    conn: &mut PgConnection,
    target: &Target,
    channels: &[String],
    configured: &[&str],
) -> sqlx::Result<Reach> {
    let people = select(&mut *conn, target).await?;
    let rows = reachable(conn, &people, channels, configured).await?;
    let mut counts = ChannelCounts::default();
    let mut unreachable = 0;
    for (_, app, email, sms) in &rows {
        counts.app += i64::from(*app);
        counts.email += i64::from(*email);
        counts.sms += i64::from(*sms);
        unreachable += i64::from(!(*app || *email || *sms));
    }
    Ok(Reach { people: people.len() as i64, channels: counts, unreachable })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_must_say_whom() {
        assert!(Target::default().check().is_err());
        assert!(Target { all: true, ..Default::default() }.check().is_ok());
        let mut skills = Target { skills: Some(vec!["Dog handler".into()]), ..Default::default() };
        skills.check().unwrap();
        assert_eq!(skills.skills.unwrap(), ["dog_handler"]);
    }

    #[test]
    fn radius_and_mode_are_checked() {
        let near = |km: f64, by: &str| Target {
            near: Some(Near { lat: 55.0, lon: 37.0, km, by: by.into() }),
            ..Default::default()
        };
        assert!(near(30.0, "home").check().is_ok());
        assert!(near(0.0, "home").check().is_err());
        assert!(near(f64::NAN, "home").check().is_err());
        assert!(near(30.0, "office").check().is_err());
        assert_eq!(near(30.0, "either").with_radius(40.0).near.unwrap().km, 40.0);
    }
}

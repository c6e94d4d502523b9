//! Importing the registry from a spreadsheet's CSV: each row becomes a volunteer or is refused
//! with its line number and the reason.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;
use utoipa::ToSchema;

use super::profile::{self, ProfilePatch, Vehicle};
use crate::error::ApiError;

/// A row that was not imported.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Refused {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// The name in it, if any.
    pub name: Option<String>,
    /// Why.
    pub reason: String,
}

/// What an import did (or would do, on a dry run).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Volunteers created (or that would be).
    pub created: usize,
    /// Rows refused.
    pub refused: Vec<Refused>,
    /// Whether nothing was stored.
    pub dry_run: bool,
}

/// Most rows in one file.
pub const MAX_ROWS: usize = 10_000;

#[derive(Clone, Copy, PartialEq)]
enum Column {
    Name,
    CallSign,
    Phone,
    Email,
    Home,
    Skills,
    Vehicle,
    Vetting,
    Equipment,
}

fn column(header: &str) -> Option<Column> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase().replace([' ', '-'], "_");
    Some(match h.as_str() {
        "name" | "full_name" | "имя" | "фио" => Column::Name,
        "call_sign" | "callsign" | "позывной" => Column::CallSign,
        "phone" | "phones" | "телефон" | "телефоны" => Column::Phone,
        "email" | "e_mail" | "почта" => Column::Email,
        "home" | "дом" | "район" | "адрес" => Column::Home,
        "skills" | "навыки" => Column::Skills,
        "vehicle" | "vehicles" | "машина" | "автомобиль" => Column::Vehicle,
        "vetting" | "проверка" | "статус" => Column::Vetting,
        "equipment" | "снаряжение" => Column::Equipment,
        _ => return None,
    })
}

/// A skill written in a spreadsheet, in Russian or English, as its key.
fn skill_key(raw: &str) -> Result<String, String> {
    let word = raw.trim().to_lowercase();
    let key = match word.as_str() {
        "навигатор" => "navigator",
        "медик" | "врач" => "medic",
        "водитель" => "driver",
        "кинолог" => "dog_handler",
        "пилот дрона" | "пилот бпла" | "дрон" => "drone_pilot",
        "радист" | "связист" => "radio_operator",
        "альпинист" | "промальп" => "climber",
        "водолаз" => "diver",
        "лодка" => "boat",
        "повар" => "cook",
        "координатор" => "coordinator",
        _ => return profile::check_skill(&word).map_err(|e| e.message.clone()),
    };
    Ok(key.to_string())
}

fn split_list(cell: &str) -> Vec<String> {
    cell.split([';', '|', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// `Niva 4x4 4`: a name, `4x4` when it is, and the number of seats at the end.
fn vehicle(cell: &str) -> Result<Vehicle, String> {
    let mut words: Vec<&str> = cell.split_whitespace().collect();
    let seats = match words.last().and_then(|w| w.parse::<i32>().ok()) {
        Some(seats) => {
            words.pop();
            seats
        }
        None => 4,
    };
    let four = words.iter().any(|w| matches!(w.to_lowercase().as_str(), "4x4" | "4х4" | "4wd" | "awd"));
    let name = words.join(" ");
    if name.is_empty() || !(1..=60).contains(&seats) {
        return Err(format!("the vehicle {cell:?} is not \"name [4x4] seats\""));
    }
    Ok(Vehicle { name, seats, four_by_four: four })
}

fn vetting(cell: &str) -> Result<&'static str, String> {
    Ok(match cell.trim().to_lowercase().as_str() {
        "" | "pending" | "на проверке" | "ожидает" => "pending",
        "approved" | "одобрен" | "одобрена" | "проверен" | "проверена" | "да" | "yes" => {
            "approved"
        }
        "suspended" | "отстранён" | "отстранен" | "отстранена" => "suspended",
        other => return Err(format!("{other:?} is not a vetting state (approved, pending, suspended)")),
    })
}

/// A point "lat, lon" as GeoJSON, or `None` when the cell is a place's name.
fn home_point(cell: &str) -> Option<serde_json::Value> {
    let (lat, lon) = cell.split_once(',')?;
    let lat: f64 = lat.trim().parse().ok()?;
    let lon: f64 = lon.trim().parse().ok()?;
    (lat.abs() <= 90.0 && lon.abs() <= 180.0).then(|| json!({ "type": "Point", "coordinates": [lon, lat] }))
}

/// One row, read.
struct Row {
    line: u64,
    name: String,
    patch: ProfilePatch,
    vetting: &'static str,
}

fn read_row(line: u64, columns: &[Option<Column>], record: &csv::StringRecord) -> Result<Row, Refused> {
    let cell = |wanted: Column| -> &str {
        columns.iter().position(|c| *c == Some(wanted)).and_then(|i| record.get(i)).map(str::trim).unwrap_or("")
    };
    let name = cell(Column::Name).to_string();
    let refuse = |reason: String| Refused { line, name: (!name.is_empty()).then(|| name.clone()), reason };
    if name.is_empty() {
        return Err(refuse("no name".into()));
    }
    if name.chars().count() > 200 {
        return Err(refuse("the name is longer than 200 characters".into()));
    }
    let phones = split_list(cell(Column::Phone));
    let phones = phones.iter().map(|p| profile::normalize_phone(p)).collect::<Result<Vec<_>, _>>();
    let phones = phones.map_err(|e| refuse(e.message.clone()))?;
    let email = match cell(Column::Email) {
        "" => None,
        raw => Some(profile::normalize_email(raw).map_err(|e| refuse(e.message.clone()))?),
    };
    let skills = split_list(cell(Column::Skills)).iter().map(|s| skill_key(s)).collect::<Result<Vec<_>, _>>();
    let skills = skills.map_err(refuse)?;
    let vehicles = split_list(cell(Column::Vehicle)).iter().map(|v| vehicle(v)).collect::<Result<Vec<_>, _>>();
    let vehicles = vehicles.map_err(refuse)?;
    let vetting = vetting(cell(Column::Vetting)).map_err(refuse)?;
    let home = cell(Column::Home);
    let home_point = home_point(home);
    let call_sign = cell(Column::CallSign);
    let equipment = split_list(cell(Column::Equipment));
    let patch = ProfilePatch {
        call_sign: (!call_sign.is_empty()).then(|| Some(call_sign.to_string())),
        phones: Some(phones),
        email: Some(email),
        home_label: (!home.is_empty() && home_point.is_none()).then(|| Some(home.to_string())),
        home: home_point.map(Some),
        skills: Some(skills),
        vehicles: Some(vehicles),
        equipment: (!equipment.is_empty()).then_some(equipment),
        ..Default::default()
    };
    profile::validate(&patch).map_err(|e| refuse(e.message))?;
    Ok(Row { line, name, patch, vetting })
}

/// Reads the file, refuses what is wrong, and (unless a dry run) creates the rest, all in the
/// caller's transaction.
pub async fn import(
    conn: &mut PgConnection,
    text: &str,
    dry_run: bool,
    by: uuid::Uuid,
    by_name: &str,
    actor: &crate::audit::Actor,
    address: Option<std::net::IpAddr>,
) -> Result<ImportReport, ApiError> {
    let delimiter = {
        let first = text.lines().next().unwrap_or_default();
        if first.matches(';').count() > first.matches(',').count() {
            b';'
        } else {
            b','
        }
    };
    if text.contains('\0') {
        return Err(ApiError::invalid("csv_invalid", "the file contains a NUL character: save it as CSV UTF-8 text"));
    }
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ApiError::invalid("csv_invalid", format!("the first line is not a CSV header: {e}")))?
        .clone();
    let columns: Vec<Option<Column>> = headers.iter().map(column).collect();
    if !columns.contains(&Some(Column::Name)) {
        return Err(ApiError::invalid(
            "csv_invalid",
            "the header has no name column (name, имя or фио); known columns: name, call_sign, phone, email, home, skills, vehicle, vetting, equipment",
        ));
    }
    let mut refused = Vec::new();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        if index >= MAX_ROWS {
            return Err(ApiError::invalid("csv_too_long", format!("at most {MAX_ROWS} rows in one file")));
        }
        let line = record.as_ref().ok().and_then(|r| r.position()).map(|p| p.line()).unwrap_or(index as u64 + 2);
        match record {
            Err(e) => refused.push(Refused { line, name: None, reason: format!("not a CSV row: {e}") }),
            Ok(record) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(record) => match read_row(line, &columns, &record) {
                Ok(row) => rows.push(row),
                Err(refusal) => refused.push(refusal),
            },
        }
    }
    let mut seen_phones = HashSet::new();
    let mut seen_emails = HashSet::new();
    let mut created = 0;
    for row in rows {
        let phones = row.patch.phones.clone().unwrap_or_default();
        let email = row.patch.email.clone().flatten().map(|e| e.to_lowercase());
        let refuse = |reason: String| Refused { line: row.line, name: Some(row.name.clone()), reason };
        if let Some(phone) = phones.iter().find(|p| !seen_phones.insert((*p).clone())) {
            refused.push(refuse(format!("the phone {phone} is on an earlier row too")));
            continue;
        }
        if let Some(email) = email.as_ref().filter(|e| !seen_emails.insert((*e).clone())) {
            refused.push(refuse(format!("the e-mail {email} is on an earlier row too")));
            continue;
        }
        let mut duplicate = None;
        for phone in &phones {
            if let Err(e) = profile::taken(conn, uuid::Uuid::nil(), Some(phone), None).await {
                duplicate = Some(e);
                break;
            }
        }
        if duplicate.is_none() {
            if let Some(email) = &email {
                duplicate = profile::taken(conn, uuid::Uuid::nil(), None, Some(email)).await.err();
            }
        }
        if let Some(error) = duplicate {
            refused.push(refuse(format!("already in the registry: {}", error.message)));
            continue;
        }
        if !dry_run {
            let id = super::create(&mut *conn, &row.name, row.patch).await?;
            crate::audit::AuditEvent::new("volunteer.create")
                .on("user", id)
                .details(json!({ "imported": true, "line": row.line }))
                .write(&mut *conn, actor, address)
                .await?;
            if row.vetting != "pending" {
                profile::set_vetting(&mut *conn, id, row.vetting, Some("imported from CSV"), by, by_name).await?;
                crate::audit::AuditEvent::new("volunteer.vetting")
                    .on("user", id)
                    .details(json!({ "from": "pending", "to": row.vetting, "note": "imported from CSV" }))
                    .write(&mut *conn, actor, address)
                    .await?;
            }
        }
        created += 1;
    }
    refused.sort_by_key(|r| r.line);
    Ok(ImportReport { created, refused, dry_run })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicles_read_from_a_cell() {
        assert_eq!(vehicle("Niva 4x4 4").unwrap(), Vehicle { name: "Niva 4x4".into(), seats: 4, four_by_four: true });
        assert_eq!(
            vehicle("Лада Гранта").unwrap(),
            Vehicle { name: "Лада Гранта".into(), seats: 4, four_by_four: false }
        );
        assert!(vehicle("7").is_err());
    }

    #[test]
    fn skills_in_russian_become_keys() {
        assert_eq!(skill_key("Кинолог").unwrap(), "dog_handler");
        assert_eq!(skill_key("navigator").unwrap(), "navigator");
        assert!(skill_key("жонглёр").is_err());
    }

    #[test]
    fn headers_in_either_language() {
        assert!(column("\u{feff}ФИО") == Some(Column::Name));
        assert!(column("Call sign") == Some(Column::CallSign));
        assert!(column("shoe size").is_none());
    }

    #[test]
    fn home_is_a_point_or_a_name() {
        assert_eq!(home_point("55.75, 37.62").unwrap()["coordinates"][0], 37.62);
        assert!(home_point("Химки").is_none());
        assert!(home_point("95, 10").is_none());
    }
}

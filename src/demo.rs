//! The demo data set: a forest search for an elderly woman with dementia, with a search area,
//! a meeting point, the team's staff and volunteers. Loaded by `sweep demo`; loading it again
//! changes nothing.

use anyhow::Context;
use sqlx::PgPool;

use crate::cases::card::{CardFields, Contact, Point};
use crate::cases::casework::{self, PlaceFields, Transition};
use crate::cases::journal::Author;
use crate::cases::lifecycle::Status;

use crate::audit::Actor;
use crate::auth::Role;
use crate::users::{accounts, NewAccount};

/// The password of every demo account that logs in.
pub const DEMO_PASSWORD: &str = "sweep-demo";

/// Demo accounts that log in: login, role, display name.
pub const DEMO_LOGINS: [(&str, Role, &str); 5] = [
    ("admin", Role::Admin, "Администратор"),
    ("dispatcher", Role::Dispatcher, "Ольга Смирнова"),
    ("coordinator", Role::Coordinator, "Андрей Волков («Вектор»)"),
    ("volunteer", Role::Volunteer, "Илья Соколов («Сокол»)"),
    ("police", Role::PoliceLiaison, "ст. лейтенант Крылов"),
];

const DEMO_VOLUNTEERS: [(&str, &str); 6] = [
    ("v.kuznetsova", "Вера Кузнецова («Луна»)"),
    ("d.orlov", "Дмитрий Орлов («Орёл»)"),
    ("n.belova", "Наталья Белова («Белка»)"),
    ("s.morozov", "Сергей Морозов («Мороз»)"),
    ("a.lebedev", "Алексей Лебедев («Лебедь»)"),
    ("m.zaitseva", "Мария Зайцева («Заяц»)"),
];

const DEMO_CASE_NUMBER: &str = "DEMO-0001";
const DEMO_POLICE_UNIT: &str = "ОМВД России по г.о. Солнечногорск";

/// Loads the demo data unless it is there already. Refuses a database that holds accounts
/// of its own: the demo accounts have a published password and must never land among a real
/// team's.
pub async fn seed(db: &PgPool) -> anyhow::Result<()> {
    let demo_logins: Vec<&str> =
        DEMO_LOGINS.iter().map(|(l, _, _)| *l).chain(DEMO_VOLUNTEERS.iter().map(|(l, _)| *l)).collect();
    let others: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE NOT (lower(login) = ANY($1))")
        .bind(&demo_logins)
        .fetch_one(db)
        .await?;
    if others > 0 {
        anyhow::bail!(
            "this database already holds {others} account(s) that are not demo accounts; the demo data (with its \
             published password) is only loaded into an empty database: use another --data-dir or DATABASE_URL"
        );
    }
    let actor = Actor::System;
    for (login, role, name) in DEMO_LOGINS {
        if accounts::find_by_login(db, login).await?.is_none() {
            let new = NewAccount {
                login: login.into(),
                display_name: name.into(),
                role,
                password: Some(DEMO_PASSWORD.into()),
                language: "ru".into(),
                police_unit: (role == Role::PoliceLiaison).then(|| DEMO_POLICE_UNIT.into()),
            };
            accounts::create(db, new, &actor, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    for (login, name) in DEMO_VOLUNTEERS {
        if accounts::find_by_login(db, login).await?.is_none() {
            let new = NewAccount {
                login: login.into(),
                display_name: name.into(),
                role: Role::Volunteer,
                password: None,
                language: "ru".into(),
                police_unit: None,
            };
            accounts::create(db, new, &actor, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    // The registry: approved, with phones, e-mail (example.org), homes around Solnechnogorsk,
    // skills and vehicles, so call-outs have someone to reach.
    let volunteers: Vec<&str> = std::iter::once("volunteer").chain(DEMO_VOLUNTEERS.iter().map(|(l, _)| *l)).collect();
    for (i, login) in volunteers.iter().enumerate() {
        let (skills, vehicles): (&[&str], serde_json::Value) = match i % 4 {
            0 => (
                &["navigator", "radio_operator"],
                serde_json::json!([{ "name": "Niva", "seats": 4, "four_by_four": true }]),
            ),
            1 => (&["medic"], serde_json::json!([])),
            2 => (
                &["driver", "navigator"],
                serde_json::json!([{ "name": "UAZ Patriot", "seats": 5, "four_by_four": true }]),
            ),
            _ => (&["dog_handler"], serde_json::json!([{ "name": "Lada Vesta", "seats": 4, "four_by_four": false }])),
        };
        sqlx::query(
            "UPDATE volunteer_profiles p SET vetting = 'approved', vetting_at = now(), vetting_note = 'demo',
                 phones = ARRAY[$2], email = $3, skills = $4, vehicles = $5,
                 home_label = 'Солнечногорск', home_area = ST_SetSRID(ST_MakePoint($6, $7), 4326),
                 tracking_consent_at = now()
             FROM users u WHERE u.id = p.user_id AND lower(u.login) = $1 AND p.vetting = 'pending'",
        )
        .bind(login)
        .bind(format!("+7900000000{i}"))
        .bind(format!("{}@example.org", login.replace('.', "-")))
        .bind(skills)
        .bind(vehicles)
        .bind(36.98 + 0.02 * i as f64)
        .bind(56.18 + 0.01 * i as f64)
        .execute(db)
        .await?;
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE number = $1)")
        .bind(DEMO_CASE_NUMBER)
        .fetch_one(db)
        .await?;
    if exists {
        return Ok(());
    }
    let dispatcher = accounts::find_by_login(db, "dispatcher").await?.context("the demo dispatcher exists")?;
    let coordinator = accounts::find_by_login(db, "coordinator").await?.context("the demo coordinator exists")?;
    let olga = Author { user_id: Some(dispatcher.id), name: dispatcher.display_name };
    let andrey = Author { user_id: Some(coordinator.id), name: coordinator.display_name };
    let now = chrono::Utc::now();
    let fields = CardFields {
        full_name: Some("Иванова Мария Петровна".into()),
        sex: Some("female".into()),
        birth_date: chrono::NaiveDate::from_ymd_opt(1947, 3, 12),
        category: Some("dementia".into()),
        person_phone: Some("+7 916 555-12-34".into()),
        height_cm: Some(160),
        build: Some("худощавое".into()),
        appearance: Some("Седые короткие волосы, ходит с палочкой".into()),
        clothing: Some("Тёмно-синее пальто, серый платок, резиновые сапоги".into()),
        health: Some("Деменция, гипертония".into()),
        medication: Some("Лекарства от давления, утром не приняла".into()),
        mental_state: Some("Деменция: может не узнавать людей и не отзываться".into()),
        circumstances: Some(
            "Утром ушла из дома в деревне Дурыкино за грибами и не вернулась. Заявила дочь в 14:20.".into(),
        ),
        weather: Some("cold".into()),
        last_seen_at: Some(now - chrono::Duration::hours(9)),
        last_seen: Some(Point { lat: 56.0968, lon: 36.7862 }),
        last_seen_address: Some("Московская обл., Солнечногорский р-н, д. Дурыкино, край леса у ул. Лесной".into()),
        contacts: Some(vec![Contact {
            name: "Иванова Елена Сергеевна".into(),
            relation: Some("дочь".into()),
            phone: Some("+7 903 111-22-33".into()),
            note: None,
        }]),
        police_unit: Some(DEMO_POLICE_UNIT.into()),
        police_case_number: Some("КУСП 12345".into()),
        situation: Some("Идёт прочёсывание леса к северу от деревни".into()),
        ..Default::default()
    };
    let mut tx = db.begin().await?;
    let case_id = casework::open(&mut tx, fields, &olga, 36.8).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    sqlx::query("UPDATE cases SET number = $2 WHERE id = $1")
        .bind(case_id)
        .bind(DEMO_CASE_NUMBER)
        .execute(&mut *tx)
        .await?;
    let start = Transition {
        to: Status::SearchActive,
        reason: Some("Решение о поиске принято с полицией".into()),
        outcome: None,
    };
    casework::transition(&mut tx, case_id, start, &andrey).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let shared = crate::cases::access::NewShare { police_unit: Some(DEMO_POLICE_UNIT.into()), user_id: None };
    crate::cases::access::share(&mut tx, case_id, shared, dispatcher.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    for (name, lat, lon) in [("Дом дочери, ул. Центральная, 5", 56.0941, 36.7815), ("Старая ферма", 56.1032, 36.8105)]
    {
        let place = PlaceFields { name: Some(name.into()), point: Some(Point { lat, lon }), ..Default::default() };
        casework::add_place(&mut tx, case_id, place, &olga).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    sqlx::query(
        "INSERT INTO search_areas (case_id, name, geom, created_by)
         VALUES ($1, 'Лес к северу от Дурыкино',
                 ST_GeomFromText('POLYGON((36.7800 56.0985, 36.8230 56.0985, 36.8260 56.1170, 36.7960 56.1215, 36.7780 56.1120, 36.7800 56.0985))', 4326),
                 $2)",
    )
    .bind(case_id)
    .bind(coordinator.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO meeting_points (case_id, name, point)
         VALUES ($1, 'Штаб: у магазина, ул. Лесная, 1', ST_SetSRID(ST_MakePoint(36.7841, 56.0952), 4326))",
    )
    .bind(case_id)
    .execute(&mut *tx)
    .await?;
    let operation =
        crate::operations::operation::create(&mut tx, case_id, "Лес к северу от Дурыкино, день 1", None, &andrey)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let groups = [
        ("Группа 1 «Север»", "Прочёсывание цепью к северу от дороги, шаг 20 м. Связь: канал 3."),
        ("Группа 2 «Ручей»", "Вдоль ручья до старой фермы, осматривать овраги. Связь: канал 3."),
    ];
    let mut group_ids = Vec::new();
    for (name, instructions) in groups {
        let id = crate::operations::operation::save_group(
            &mut tx,
            operation,
            None,
            Some(name),
            Some(instructions),
            Some("канал 3"),
            &andrey,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        group_ids.push(id);
    }
    for (i, (login, _)) in DEMO_VOLUNTEERS.iter().enumerate() {
        let volunteer = accounts::find_by_login(db, login).await?.context("a demo volunteer exists")?;
        crate::operations::operation::join(&mut tx, operation, volunteer.id, Some(group_ids[i % 2]), &andrey)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    crate::audit::AuditEvent::new("demo.load").on("case", case_id).write(&mut *tx, &actor, None).await?;
    tx.commit().await?;
    Ok(())
}

/// The label of the devices the demo's simulated volunteers carry.
const WALKER_DEVICE: &str = "demo simulator";

/// Walks the demo's field volunteers in a line search north of the village, over the phone
/// protocol of the server at `server`, until `stop`: the live map has something to show.
pub async fn walk(db: &PgPool, server: String, stop: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    let by = accounts::find_by_login(db, "coordinator").await?.context("the demo coordinator exists")?;
    let mut tokens = Vec::new();
    let mut tx = db.begin().await?;
    // Tokens are shown once: each start issues new ones and retires the last start's.
    sqlx::query("UPDATE devices SET revoked_at = now(), revoked_by = $2 WHERE label = $1 AND revoked_at IS NULL")
        .bind(WALKER_DEVICE)
        .bind(by.id)
        .execute(&mut *tx)
        .await?;
    for (login, _) in DEMO_VOLUNTEERS {
        let volunteer = accounts::find_by_login(db, login).await?.context("a demo volunteer exists")?;
        let issued = crate::tracking::devices::issue(&mut tx, volunteer.id, WALKER_DEVICE, by.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tokens.push(issued.token);
    }
    tx.commit().await?;
    let config = mobile_api::sim::SimConfig {
        server,
        center: mobile_api::Point { lat: 56.1065, lon: 36.8010 },
        square_m: 600.0,
        report_every: std::time::Duration::from_secs(3600),
        seed: 7,
        ..Default::default()
    };
    mobile_api::sim::run(config, tokens, stop).await.map_err(|e| anyhow::anyhow!("the demo walkers: {e}"))?;
    Ok(())
}

/// Prints the demo logins for the person who started the demo.
pub fn print_logins() {
    println!("Demo accounts (password for each: {DEMO_PASSWORD}):");
    for (login, role, name) in DEMO_LOGINS {
        println!("  {login:<12} {:<15} {name}", role.as_str());
    }
}

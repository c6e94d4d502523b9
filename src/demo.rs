//! The demo data set: a forest search for an elderly woman with dementia, with a search area,
//! a meeting point, the team's staff and volunteers. Loaded by `sweep demo`; loading it again
//! changes nothing.

use sqlx::PgPool;

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
            };
            accounts::create(db, new, &actor, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE number = $1)")
        .bind(DEMO_CASE_NUMBER)
        .fetch_one(db)
        .await?;
    if exists {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let case_id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO cases (number, full_name, sex, birth_date, category, status, appearance, clothing, circumstances,
                            last_seen_at, last_seen_point, last_seen_address, created_by)
         VALUES ($1, 'Иванова Мария Петровна', 'female', date '1947-03-12', 'dementia', 'search_active',
                 'Рост 160 см, худощавая, седые короткие волосы, ходит с палочкой',
                 'Тёмно-синее пальто, серый платок, резиновые сапоги',
                 'Утром ушла из дома в деревне Дурыкино за грибами и не вернулась. Страдает деменцией, принимает лекарства от давления.',
                 now() - interval '9 hours', ST_SetSRID(ST_MakePoint(36.7862, 56.0968), 4326),
                 'Московская обл., Солнечногорский р-н, д. Дурыкино, край леса у ул. Лесной',
                 (SELECT id FROM users WHERE login = 'dispatcher'))
         RETURNING id",
    )
    .bind(DEMO_CASE_NUMBER)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO search_areas (case_id, name, geom, created_by)
         VALUES ($1, 'Лес к северу от Дурыкино',
                 ST_GeomFromText('POLYGON((36.7800 56.0985, 36.8230 56.0985, 36.8260 56.1170, 36.7960 56.1215, 36.7780 56.1120, 36.7800 56.0985))', 4326),
                 (SELECT id FROM users WHERE login = 'coordinator'))",
    )
    .bind(case_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO meeting_points (case_id, name, point)
         VALUES ($1, 'Штаб: у магазина, ул. Лесная, 1', ST_SetSRID(ST_MakePoint(36.7841, 56.0952), 4326))",
    )
    .bind(case_id)
    .execute(&mut *tx)
    .await?;
    crate::audit::AuditEvent::new("demo.load").on("case", case_id).write(&mut *tx, &actor, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Prints the demo logins for the person who started the demo.
pub fn print_logins() {
    println!("Demo accounts (password for each: {DEMO_PASSWORD}):");
    for (login, role, name) in DEMO_LOGINS {
        println!("  {login:<12} {:<15} {name}", role.as_str());
    }
}

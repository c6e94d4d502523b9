//! Cases as the dispatcher and coordinator use them: reports, calls, cards, the lifecycle,
//! checklists that start by themselves, the append-only log, live updates.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, TestApp};

async fn open_case(app: &TestApp, client: &reqwest::Client, card: Value) -> Value {
    let response = client.post(app.at("/api/cases")).json(&card).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    json_body(response).await
}

fn adult() -> Value {
    json!({"full_name": "Петров Пётр", "category": "adult", "estimated_age": 35})
}

async fn move_to(app: &TestApp, client: &reqwest::Client, id: &str, to: &str) -> reqwest::Response {
    let mut body = json!({"to": to, "reason": "test"});
    if to == "closed" {
        body["outcome"] = json!("found_alive");
    }
    client.post(app.at(&format!("/api/cases/{id}/transitions"))).json(&body).send().await.unwrap()
}

fn task_titles(case: &Value) -> Vec<String> {
    case["tasks"].as_array().unwrap().iter().map(|t| t["title"]["en"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn every_lifecycle_move_is_allowed_or_refused_with_409_as_the_lifecycle_says() {
    use sweep::cases::lifecycle::Status;
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    // A way to reach each status from a new case.
    let path_to = |status: Status| -> &'static [&'static str] {
        match status {
            Status::Registered => &[],
            Status::FirstChecks => &["first_checks"],
            Status::SearchActive => &["search_active"],
            Status::Suspended => &["search_active", "suspended"],
            Status::Closed => &["closed"],
        }
    };
    for from in Status::ALL {
        for to in Status::ALL {
            let case = open_case(&app, &dispatcher, adult()).await;
            let id = case["id"].as_str().unwrap();
            for step in path_to(from) {
                assert_eq!(
                    move_to(&app, &dispatcher, id, step).await.status(),
                    StatusCode::OK,
                    "reaching {from} by {step}"
                );
            }
            let response = move_to(&app, &dispatcher, id, to.as_str()).await;
            if from.may_move_to(to) {
                let case = json_body(response).await;
                assert_eq!(case["status"], to.as_str(), "{from} -> {to}");
            } else {
                let body = expect_error(response, StatusCode::CONFLICT, "transition_not_allowed").await;
                assert!(body["message"].as_str().unwrap().contains("may move to"), "{body}");
            }
        }
    }
}

#[tokio::test]
async fn a_transition_records_who_when_and_why_and_closing_needs_an_outcome_and_a_reason() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let case = open_case(&app, &dispatcher, adult()).await;
    let id = case["id"].as_str().unwrap();
    let no_outcome = dispatcher
        .post(app.at(&format!("/api/cases/{id}/transitions")))
        .json(&json!({"to": "closed", "reason": "found"}))
        .send()
        .await
        .unwrap();
    let body = expect_error(no_outcome, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    assert_eq!(body["details"]["field"], "outcome");
    let no_reason = dispatcher
        .post(app.at(&format!("/api/cases/{id}/transitions")))
        .json(&json!({"to": "closed", "outcome": "found_alive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(no_reason, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["details"]["field"],
        "reason"
    );

    let closed = dispatcher
        .post(app.at(&format!("/api/cases/{id}/transitions")))
        .json(&json!({"to": "closed", "reason": "came home by himself", "outcome": "returned_home"}))
        .send()
        .await
        .unwrap();
    let closed = json_body(closed).await;
    assert_eq!((closed["status"].as_str(), closed["outcome"].as_str()), (Some("closed"), Some("returned_home")));
    let (reason, by): (Option<String>, Option<uuid::Uuid>) = sqlx::query_as(
        "SELECT reason, by_user FROM case_transitions WHERE case_id = $1::uuid AND to_status = 'closed'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(reason.as_deref(), Some("came home by himself"));
    assert!(by.is_some());
    let log = json_body(dispatcher.get(app.at(&format!("/api/cases/{id}/journal"))).send().await.unwrap()).await;
    let last_status =
        log["entries"].as_array().unwrap().iter().rfind(|e| e["kind"] == "status_change").unwrap().clone();
    assert_eq!(last_status["details"]["to"], "closed");
    assert_eq!(last_status["details"]["reason"], "came home by himself");

    let reopened = dispatcher
        .post(app.at(&format!("/api/cases/{id}/transitions")))
        .json(&json!({"to": "search_active", "reason": "seen again"}))
        .send()
        .await
        .unwrap();
    let reopened = json_body(reopened).await;
    assert_eq!(reopened["status"], "search_active");
    assert!(reopened["outcome"].is_null(), "reopening clears the outcome");
}

#[tokio::test]
async fn checklists_start_by_themselves_on_creation_and_on_status_change_according_to_the_conditions() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let adult_case = open_case(&app, &dispatcher, adult()).await;
    let titles = task_titles(&adult_case);
    assert_eq!(
        titles,
        ["Inform the police", "Call hospitals", "Ask the accident bureau", "Call morgues"],
        "by deadline"
    );
    let child_case =
        open_case(&app, &dispatcher, json!({"full_name": "Сидоров Ваня", "category": "child", "estimated_age": 9}))
            .await;
    let titles = task_titles(&child_case);
    assert_eq!(
        titles.first().map(String::as_str),
        Some("Alert volunteers now"),
        "a child adds the call-out, due first: {titles:?}"
    );
    assert_eq!(titles.len(), 5);
    let alert = &child_case["tasks"][0];
    assert_eq!(alert["responsible_role"], "coordinator");
    let due = chrono::DateTime::parse_from_rfc3339(alert["due_at"].as_str().unwrap()).unwrap();
    let created = chrono::DateTime::parse_from_rfc3339(alert["created_at"].as_str().unwrap()).unwrap();
    assert_eq!((due - created).num_minutes(), 15);

    let id = adult_case["id"].as_str().unwrap();
    let searching = json_body(move_to(&app, &dispatcher, id, "search_active").await).await;
    assert!(task_titles(&searching).contains(&"Name the search leader and the meeting point".to_string()));
    // Leaving and re-entering a status does not start its tasks twice.
    move_to(&app, &dispatcher, id, "suspended").await;
    let again = json_body(move_to(&app, &dispatcher, id, "search_active").await).await;
    assert_eq!(task_titles(&again).iter().filter(|t| t.starts_with("Name the search leader")).count(), 1);

    // The templates are data: an administrator adds one, and the next case gets it.
    let admin = app.logged_in(Role::Admin).await;
    let template = admin
        .post(app.at("/api/checklist-templates"))
        .json(&json!({"title": {"ru": "Проверить вокзалы", "en": "Check the stations"}, "trigger": "case_created",
                      "conditions": {"category_in": ["teenager"]}, "responsible_role": "dispatcher", "deadline_minutes": 90}))
        .send()
        .await
        .unwrap();
    assert_eq!(template.status(), StatusCode::CREATED);
    let teen = open_case(
        &app,
        &dispatcher,
        json!({"full_name": "Кузнецова Аня", "category": "teenager", "estimated_age": 15}),
    )
    .await;
    assert!(task_titles(&teen).contains(&"Check the stations".to_string()));
    assert!(!task_titles(&open_case(&app, &dispatcher, adult()).await).contains(&"Check the stations".to_string()));
}

#[tokio::test]
async fn a_task_is_done_or_not_needed_with_a_comment_and_the_log_says_so() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let case = open_case(&app, &dispatcher, adult()).await;
    let id = case["id"].as_str().unwrap();
    let task = case["tasks"][0]["id"].as_str().unwrap();
    let url = app.at(&format!("/api/cases/{id}/tasks/{task}"));
    let no_reason = dispatcher.patch(&url).json(&json!({"state": "not_needed"})).send().await.unwrap();
    expect_error(no_reason, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let done = json_body(
        dispatcher
            .patch(&url)
            .json(&json!({"state": "done", "comment": "not in hospital 1 and 2"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(done["state"], "done");
    assert!(done["state_changed_by_name"].as_str().unwrap().starts_with("Test"));
    let log = json_body(dispatcher.get(app.at(&format!("/api/cases/{id}/journal"))).send().await.unwrap()).await;
    let last = log["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "task");
    assert_eq!(last["details"]["state"], "done");
    assert_eq!(last["details"]["comment"], "not in hospital 1 and 2");
}

#[tokio::test]
async fn an_overdue_task_escalates_to_dispatchers_then_to_coordinators_live() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    app.create_user("andrey", Role::Coordinator).await;
    let dispatcher_cookie = app.session_cookie("olga").await;
    let mut dispatcher_live = app.live(&dispatcher_cookie).await;
    let mut coordinator_live = app.live(&app.session_cookie("andrey").await).await;
    let dispatcher = app.with_cookie(&dispatcher_cookie);
    let case = open_case(&app, &dispatcher, adult()).await;
    let task = case["tasks"][0]["id"].as_str().unwrap().to_string();

    sqlx::query("UPDATE case_tasks SET due_at = now() - interval '1 minute' WHERE id = $1::uuid")
        .bind(&task)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(sweep::cases::checklists::escalate(&app.db).await.unwrap(), 1);
    assert_eq!(sweep::cases::checklists::escalate(&app.db).await.unwrap(), 0, "each step happens once");
    let message = dispatcher_live.next_of("task.overdue").await;
    assert_eq!((message["level"].as_i64(), message["task"]["id"].as_str()), (Some(1), Some(task.as_str())));
    assert_eq!(message["task"]["case_number"], case["number"]);
    coordinator_live.none_of("task.overdue", Duration::from_millis(500)).await;
    let overdue = json_body(dispatcher.get(app.at("/api/tasks/overdue")).send().await.unwrap()).await;
    assert_eq!(overdue["tasks"][0]["id"], task.as_str());

    sqlx::query("UPDATE case_tasks SET due_at = now() - interval '31 minutes' WHERE id = $1::uuid")
        .bind(&task)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(sweep::cases::checklists::escalate(&app.db).await.unwrap(), 1);
    assert_eq!(coordinator_live.next_of("task.overdue").await["level"], 2);
    let log = json_body(
        dispatcher.get(app.at(&format!("/api/cases/{}/journal", case["id"].as_str().unwrap()))).send().await.unwrap(),
    )
    .await;
    let overdue_entries =
        log["entries"].as_array().unwrap().iter().filter(|e| e["details"]["event"] == "task_overdue").count();
    assert_eq!(overdue_entries, 2);

    // Once the case is closed its open tasks are not needed, and nothing escalates any more.
    let id = case["id"].as_str().unwrap();
    let closed = dispatcher
        .post(app.at(&format!("/api/cases/{id}/transitions")))
        .json(&json!({"to": "closed", "outcome": "returned_home", "reason": "came home"}))
        .send()
        .await
        .unwrap();
    let closed = json_body(closed).await;
    let states: Vec<&str> = closed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["title"]["en"] != "Tell the relatives the outcome")
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert!(!states.is_empty() && states.iter().all(|s| *s == "not_needed"), "{states:?}");
    sqlx::query(
        "UPDATE case_tasks SET due_at = now() - interval '2 hours' WHERE case_id = $1::uuid AND state = 'open'",
    )
    .bind(id)
    .execute(&app.db)
    .await
    .unwrap();
    let relatives_task_only = sweep::cases::checklists::escalate(&app.db).await.unwrap();
    assert_eq!(relatives_task_only, 0, "a closed case escalates nothing");
    let overdue = json_body(dispatcher.get(app.at("/api/tasks/overdue")).send().await.unwrap()).await;
    assert_eq!(overdue["tasks"], json!([]));
}

#[tokio::test]
async fn the_log_is_append_only_and_a_correction_points_at_what_it_corrects() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let cookie = app.session_cookie("olga").await;
    let mut live = app.live(&cookie).await;
    let dispatcher = app.with_cookie(&cookie);
    let case = open_case(&app, &dispatcher, adult()).await;
    let id = case["id"].as_str().unwrap();
    let url = app.at(&format!("/api/cases/{id}/journal"));
    let entry = dispatcher.post(&url).json(&json!({"kind": "call", "text": "Called the hospital No. 3: not there", "location": {"lat": 55.7, "lon": 37.6}})).send().await.unwrap();
    assert_eq!(entry.status(), StatusCode::CREATED);
    let entry = json_body(entry).await;
    // Opening the case wrote entries of its own first; ours follows them.
    loop {
        let pushed = live.next_of("journal.entry").await;
        if pushed["entry"]["id"] == entry["id"] {
            assert_eq!(pushed["entry"]["text"], "Called the hospital No. 3: not there");
            assert_eq!(pushed["case_id"], case["id"]);
            break;
        }
    }

    let correction = json_body(
        dispatcher
            .post(&url)
            .json(&json!({"kind": "call", "text": "Correction: it was hospital No. 5", "corrects": entry["id"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(correction["corrects_id"], entry["id"]);
    let log = json_body(dispatcher.get(&url).send().await.unwrap()).await;
    let original = log["entries"].as_array().unwrap().iter().find(|e| e["id"] == entry["id"]).unwrap().clone();
    assert_eq!(original["text"], "Called the hospital No. 3: not there", "the original stays as written");
    assert_eq!(original["corrected_by"], json!([correction["id"]]));

    // No route edits or deletes an entry, and the database refuses it too.
    let entry_url = app.at(&format!("/api/cases/{id}/journal/{}", entry["id"]));
    assert_eq!(
        dispatcher.put(&entry_url).json(&json!({"text": "x"})).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(dispatcher.delete(&entry_url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        dispatcher.put(&url).json(&json!({"text": "x"})).send().await.unwrap().status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    for statement in
        ["UPDATE journal_entries SET text = 'x'", "DELETE FROM journal_entries", "TRUNCATE journal_entries CASCADE"]
    {
        let error = sqlx::query(statement).execute(&app.db).await.expect_err(statement).to_string();
        assert!(error.contains("permission denied") || error.contains("append-only"), "{statement}: {error}");
    }
    let mut superuser = app.superuser().await;
    let error = sqlx::query("UPDATE journal_entries SET text = 'x'")
        .execute(&mut superuser)
        .await
        .expect_err("the trigger holds");
    assert!(error.to_string().contains("append-only"), "{error}");

    let system_kind =
        dispatcher.post(&url).json(&json!({"kind": "status_change", "text": "fake"})).send().await.unwrap();
    expect_error(system_kind, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let foreign = open_case(&app, &dispatcher, adult()).await;
    let cross = dispatcher
        .post(app.at(&format!("/api/cases/{}/journal", foreign["id"].as_str().unwrap())))
        .json(&json!({"kind": "note", "text": "x", "corrects": entry["id"]}))
        .send()
        .await
        .unwrap();
    expect_error(cross, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}

#[tokio::test]
async fn an_incoming_call_pops_up_on_every_dispatcher_console_within_a_second_with_earlier_reports() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    app.create_user("ivan", Role::Dispatcher).await;
    app.create_user("pbx", Role::Dispatcher).await;
    let olga_cookie = app.session_cookie("olga").await;
    let mut olga = app.live(&olga_cookie).await;
    let mut ivan = app.live(&app.session_cookie("ivan").await).await;
    let console = app.with_cookie(&olga_cookie);
    let earlier = json_body(
        console.post(app.at("/api/reports")).json(&json!({"channel": "phone", "caller_name": "Анна", "caller_phone": "8 (916) 123-45-67", "text": "сын не пришёл из школы"})).send().await.unwrap(),
    )
    .await;
    // The exchange holds a token that may only announce calls.
    let token = app.scoped_token_for("pbx", "calls").await;
    let pbx = reqwest::Client::new();
    let nosy = pbx.get(app.at("/api/cases")).bearer_auth(&token).send().await.unwrap();
    expect_error(nosy, StatusCode::FORBIDDEN, "token_scope").await;

    let sent = Instant::now();
    let event = json!({"call_id": "asterisk-1732", "caller_number": "+79161234567", "location": {"lat": 55.75, "lon": 37.61}, "line": "hotline"});
    let answer = pbx.post(app.at("/api/intake/calls")).bearer_auth(&token).json(&event).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    for live in [&mut olga, &mut ivan] {
        let popup = live.next_of("call.incoming").await;
        assert!(sent.elapsed() < Duration::from_secs(1), "the pop-up took {:?}", sent.elapsed());
        assert_eq!(popup["call"]["caller_number"], "+79161234567");
        assert_eq!(popup["call"]["location"]["lat"], 55.75);
        assert_eq!(popup["matches"][0]["kind"], "report");
        assert_eq!(popup["matches"][0]["id"], earlier["id"]);
    }
    // A PBX retry is the same call: same answer, no second pop-up.
    let again =
        json_body(pbx.post(app.at("/api/intake/calls")).bearer_auth(&token).json(&event).send().await.unwrap()).await;
    assert_eq!(again["matches"][0]["id"], earlier["id"]);
    olga.none_of("call.incoming", Duration::from_millis(700)).await;

    // One click on the pop-up: a report pre-filled from the call.
    let report = console
        .post(app.at("/api/reports"))
        .json(&json!({"channel": "phone", "caller_phone": "+79161234567", "caller_location": {"lat": 55.75, "lon": 37.61}, "call_id": "asterisk-1732", "text": "снова звонит мать"}))
        .send()
        .await
        .unwrap();
    let report = json_body(report).await;
    // Taken on one console, the pop-up leaves the others.
    assert_eq!(ivan.next_of("call.handled").await["call_id"], "asterisk-1732");
    let linked: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT report_id FROM incoming_calls WHERE call_id = 'asterisk-1732'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(linked.map(|u| u.to_string()), report["id"].as_str().map(String::from));

    // A console session may not pretend to be the PBX.
    let from_console = console
        .post(app.at("/api/intake/calls"))
        .json(&json!({"call_id": "x", "caller_number": "1"}))
        .send()
        .await
        .unwrap();
    expect_error(from_console, StatusCode::FORBIDDEN, "token_required").await;
    let bad = pbx
        .post(app.at("/api/intake/calls"))
        .bearer_auth(&token)
        .json(&json!({"call_id": "", "caller_number": "1"}))
        .send()
        .await
        .unwrap();
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}

#[tokio::test]
async fn reports_are_closed_once_linked_to_a_case_or_become_one() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let new_report = |text: &str| json!({"channel": "sms", "caller_phone": "+7 900 000-00-01", "text": text});
    let first = json_body(
        dispatcher.post(app.at("/api/reports")).json(&new_report("видели девочку у ТЦ")).send().await.unwrap(),
    )
    .await;
    assert!(first["number"].as_str().unwrap().starts_with("R-"));
    assert!(first["outcome"].is_null());
    let id = first["id"].as_str().unwrap();

    let second =
        json_body(dispatcher.post(app.at("/api/reports")).json(&new_report("то же самое")).send().await.unwrap()).await;
    let dup = dispatcher
        .post(app.at(&format!("/api/reports/{}/close", second["id"].as_str().unwrap())))
        .json(&json!({"outcome": "duplicate", "duplicate_of": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(dup).await["outcome"], "duplicate");
    let again = dispatcher
        .post(app.at(&format!("/api/reports/{}/close", second["id"].as_str().unwrap())))
        .json(&json!({"outcome": "information_only"}))
        .send()
        .await
        .unwrap();
    expect_error(again, StatusCode::CONFLICT, "report_closed").await;

    let case = dispatcher
        .post(app.at(&format!("/api/reports/{id}/case")))
        .json(&json!({"full_name": "Неизвестная девочка", "category": "child", "estimated_age": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), StatusCode::CREATED);
    let case = json_body(case).await;
    let report = json_body(dispatcher.get(app.at(&format!("/api/reports/{id}"))).send().await.unwrap()).await;
    assert_eq!((report["outcome"].as_str(), report["case_id"].as_str()), (Some("became_case"), case["id"].as_str()));
    assert_eq!(report["case_number"], case["number"]);

    let third = json_body(
        dispatcher.post(app.at("/api/reports")).json(&new_report("девочку видели на остановке")).send().await.unwrap(),
    )
    .await;
    let linked = dispatcher
        .post(app.at(&format!("/api/reports/{}/link", third["id"].as_str().unwrap())))
        .json(&json!({"case_id": case["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(linked).await["outcome"], "linked_to_case");
    let log = json_body(
        dispatcher.get(app.at(&format!("/api/cases/{}/journal", case["id"].as_str().unwrap()))).send().await.unwrap(),
    )
    .await;
    assert!(
        log["entries"].as_array().unwrap().iter().any(|e| e["text"].as_str().unwrap().contains("остановке")),
        "{log}"
    );

    let open = json_body(dispatcher.get(app.at("/api/reports?open=true")).send().await.unwrap()).await;
    assert_eq!(open["reports"].as_array().unwrap().len(), 0);
    let all = json_body(dispatcher.get(app.at("/api/reports?q=9000000001")).send().await.unwrap()).await;
    assert_eq!(all["reports"].as_array().unwrap().len(), 3, "found by the phone in another format");
    let wrong =
        dispatcher.post(app.at("/api/reports")).json(&json!({"channel": "pigeon", "text": "x"})).send().await.unwrap();
    expect_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}

#[tokio::test]
async fn a_card_saved_by_someone_else_meanwhile_is_not_overwritten() {
    let app = spawn_app().await;
    let olga = app.logged_in(Role::Dispatcher).await;
    let ivan = app.logged_in(Role::Dispatcher).await;
    let case = open_case(&app, &olga, adult()).await;
    let url = app.at(&format!("/api/cases/{}", case["id"].as_str().unwrap()));
    let version = case["version"].as_i64().unwrap();
    let saved =
        json_body(olga.patch(&url).json(&json!({"version": version, "clothing": "red jacket"})).send().await.unwrap())
            .await;
    assert_eq!(saved["clothing"], "red jacket");
    assert_eq!(saved["version"].as_i64().unwrap(), version + 1);
    let stale = ivan.patch(&url).json(&json!({"version": version, "clothing": "blue jacket"})).send().await.unwrap();
    let body = expect_error(stale, StatusCode::CONFLICT, "stale_version").await;
    assert_eq!(body["details"]["current_version"].as_i64().unwrap(), version + 1);
    let cleared =
        json_body(olga.patch(&url).json(&json!({"version": version + 1, "clothing": null})).send().await.unwrap())
            .await;
    assert!(cleared["clothing"].is_null());
    let log = json_body(olga.get(format!("{url}/journal")).send().await.unwrap()).await;
    assert!(log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "card_update" && e["details"]["fields"] == json!(["clothing"])));
}

#[tokio::test]
async fn urgency_is_computed_from_the_card_and_only_a_coordinator_overrides_it_with_a_reason() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let coordinator = app.logged_in(Role::Coordinator).await;
    let case =
        open_case(&app, &dispatcher, json!({"full_name": "Малыш", "category": "child", "estimated_age": 5})).await;
    assert_eq!(case["urgency"]["class"], "critical");
    assert_eq!(case["urgency"]["reasons"][0], "young_child");
    let adult_case = open_case(&app, &dispatcher, json!({"full_name": "Взрослый", "category": "adult", "estimated_age": 30, "weather": "normal", "last_seen_at": "2026-06-01T09:00:00Z", "last_seen": {"lat": 55.7, "lon": 37.6}})).await;
    assert_eq!(adult_case["urgency"]["class"], "normal");
    let id = adult_case["id"].as_str().unwrap();
    let url = app.at(&format!("/api/cases/{id}/urgency"));
    let refused =
        dispatcher.put(&url).json(&json!({"class": "critical", "reason": "suicide note"})).send().await.unwrap();
    expect_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let overridden = json_body(
        coordinator.put(&url).json(&json!({"class": "critical", "reason": "suicide note found"})).send().await.unwrap(),
    )
    .await;
    assert_eq!(overridden["urgency"]["class"], "critical");
    assert_eq!(overridden["urgency"]["computed"], "normal");
    assert_eq!(overridden["urgency"]["override_reason"], "suicide note found");
    let list = json_body(dispatcher.get(app.at("/api/cases")).send().await.unwrap()).await;
    let order: Vec<&str> = list["cases"].as_array().unwrap().iter().map(|c| c["urgency"].as_str().unwrap()).collect();
    assert_eq!(order, ["critical", "critical"]);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'case.urgency' AND record_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn possible_duplicates_are_offered_by_similar_name_and_birth_year_or_by_phone() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let existing = open_case(
        &app,
        &dispatcher,
        json!({"full_name": "Смирнова Екатерина Андреевна", "category": "teenager", "birth_date": "2010-04-02",
        "contacts": [{"name": "мать", "phone": "+7 (926) 555-44-33"}]}),
    )
    .await;
    let similar = |query: &str| app.at(&format!("/api/cases/similar?{query}"));
    let by_name =
        json_body(dispatcher.get(similar("full_name=Смирнова%20Екатерина&birth_year=2010")).send().await.unwrap())
            .await;
    assert_eq!(by_name["matches"][0]["id"], existing["id"]);
    assert_eq!(by_name["matches"][0]["reason"], "name");
    let other_year =
        json_body(dispatcher.get(similar("full_name=Смирнова%20Екатерина&birth_year=1980")).send().await.unwrap())
            .await;
    assert_eq!(other_year["matches"].as_array().unwrap().len(), 0);
    let by_phone = json_body(dispatcher.get(similar("phone=89265554433")).send().await.unwrap()).await;
    assert_eq!(by_phone["matches"][0]["reason"], "phone");
    let nothing = json_body(dispatcher.get(similar("full_name=Иванов%20Иван")).send().await.unwrap()).await;
    assert_eq!(nothing["matches"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn cases_are_found_by_words_in_russian_and_english_and_filtered_by_status_and_category() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    open_case(&app, &dispatcher, json!({"full_name": "Орлов Денис", "category": "adult", "circumstances": "ушёл за грибами в лес", "clothing": "green raincoat"})).await;
    let other = open_case(
        &app,
        &dispatcher,
        json!({"full_name": "Белова Нина", "category": "elderly", "circumstances": "вышла в магазин"}),
    )
    .await;
    move_to(&app, &dispatcher, other["id"].as_str().unwrap(), "search_active").await;
    let find = |query: &str| app.at(&format!("/api/cases?{query}"));
    let names = |list: &Value| {
        list["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["full_name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&json_body(dispatcher.get(find("q=гриб")).send().await.unwrap()).await),
        ["Орлов Денис"],
        "Russian stems: грибами ~ гриб"
    );
    assert_eq!(
        names(&json_body(dispatcher.get(find("q=raincoats")).send().await.unwrap()).await),
        ["Орлов Денис"],
        "English stems"
    );
    assert_eq!(
        names(&json_body(dispatcher.get(find("q=Белва")).send().await.unwrap()).await),
        ["Белова Нина"],
        "a misspelt name"
    );
    assert_eq!(
        names(&json_body(dispatcher.get(find("status=search_active")).send().await.unwrap()).await),
        ["Белова Нина"]
    );
    assert_eq!(names(&json_body(dispatcher.get(find("category=adult")).send().await.unwrap()).await), ["Орлов Денис"]);
    let bad = dispatcher.get(find("status=lost")).send().await.unwrap();
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}

#[tokio::test]
async fn places_to_check_are_ticked_with_who_and_when() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let case = open_case(&app, &dispatcher, adult()).await;
    let id = case["id"].as_str().unwrap();
    let place = dispatcher
        .post(app.at(&format!("/api/cases/{id}/places")))
        .json(&json!({"name": "ТЦ «Европейский»", "address": "пл. Киевского вокзала, 2", "point": {"lat": 55.744, "lon": 37.566}}))
        .send()
        .await
        .unwrap();
    assert_eq!(place.status(), StatusCode::CREATED);
    let place = json_body(place).await;
    assert_eq!(place["checked"], false);
    let checked = json_body(
        dispatcher
            .patch(app.at(&format!("/api/cases/{id}/places/{}", place["id"].as_str().unwrap())))
            .json(&json!({"checked": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(checked["checked"], true);
    assert!(checked["checked_at"].is_string() && checked["checked_by_name"].is_string());
    assert_eq!(checked["point"]["lat"], 55.744);
    let card = json_body(dispatcher.get(app.at(&format!("/api/cases/{id}"))).send().await.unwrap()).await;
    assert_eq!(card["places"][0]["checked"], true);
}

#[tokio::test]
async fn my_shift_shows_open_reports_overdue_and_my_tasks_and_active_cases() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    dispatcher.post(app.at("/api/reports")).json(&json!({"channel": "email", "text": "письмо"})).send().await.unwrap();
    let case = open_case(&app, &dispatcher, adult()).await;
    sqlx::query("UPDATE case_tasks SET due_at = now() - interval '5 minutes' WHERE case_id = $1::uuid AND title->>'en' = 'Call morgues'")
        .bind(case["id"].as_str().unwrap())
        .execute(&app.db)
        .await
        .unwrap();
    let shift = json_body(dispatcher.get(app.at("/api/shift")).send().await.unwrap()).await;
    assert_eq!(shift["open_reports"].as_array().unwrap().len(), 1);
    assert_eq!(shift["overdue_tasks"][0]["title"]["en"], "Call morgues");
    assert_eq!(shift["my_tasks"].as_array().unwrap().len(), 4, "the dispatcher's four first checks");
    assert_eq!(shift["active_cases"][0]["id"], case["id"]);
    assert_eq!(shift["active_cases"][0]["overdue_tasks"], 1);
}

#[tokio::test]
async fn a_page_of_another_site_cannot_open_the_live_channel_with_the_cookie() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let cookie = app.session_cookie("olga").await;
    let url = format!("{}/api/live", app.url.replace("http://", "ws://"));
    let mut foreign = url.clone().into_client_request().unwrap();
    foreign.headers_mut().insert("cookie", cookie.parse().unwrap());
    foreign.headers_mut().insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(foreign).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("a foreign page got the channel: {:?}", other.map(|_| ())),
    }
    let mut own = url.into_client_request().unwrap();
    own.headers_mut().insert("cookie", cookie.parse().unwrap());
    own.headers_mut().insert("origin", app.url.parse().unwrap());
    assert!(tokio_tungstenite::connect_async(own).await.is_ok(), "the console's own page opens it");
}

//! Logging in and out, sessions, tokens, throttling, disabled accounts.

use reqwest::{header, StatusCode};
use serde_json::json;
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, PASSWORD};

#[tokio::test]
async fn login_sets_an_http_only_expiring_cookie_and_me_names_the_user() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let client = app.client();
    let response = client
        .post(app.at("/api/auth/login"))
        .json(&json!({"login": "OLGA", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("sweep_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Max-Age="), "{cookie}");
    let body = json_body(response).await;
    assert_eq!(body["user"]["login"], "olga");
    assert_eq!(body["user"]["role"], "dispatcher");

    let me = json_body(client.get(app.at("/api/auth/me")).send().await.unwrap()).await;
    assert_eq!(me["user"]["login"], "olga");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_get_the_same_401() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let client = app.client();
    let wrong = client
        .post(app.at("/api/auth/login"))
        .json(&json!({"login": "olga", "password": "nope nope"}))
        .send()
        .await
        .unwrap();
    let a = expect_error(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let unknown = client
        .post(app.at("/api/auth/login"))
        .json(&json!({"login": "nobody", "password": "nope nope"}))
        .send()
        .await
        .unwrap();
    let b = expect_error(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server_even_if_the_cookie_is_kept() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let plain = reqwest::Client::new();
    let response = plain
        .post(app.at("/api/auth/login"))
        .json(&json!({"login": "olga", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie =
        response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_string();

    let logout = plain.post(app.at("/api/auth/logout")).header(header::COOKIE, &cookie).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let clears = logout.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(clears.starts_with("sweep_session=;") || clears.contains("Max-Age=0"), "{clears}");

    let replay = plain.get(app.at("/api/auth/me")).header(header::COOKIE, &cookie).send().await.unwrap();
    expect_error(replay, StatusCode::UNAUTHORIZED, "session_revoked").await;
}

#[tokio::test]
async fn an_expired_session_gets_a_clear_401() {
    let app = spawn_app().await;
    let id = app.create_user("olga", Role::Dispatcher).await;
    let client = app.login("olga", PASSWORD).await;
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    let response = client.get(app.at("/api/auth/me")).send().await.unwrap();
    let body = expect_error(response, StatusCode::UNAUTHORIZED, "session_expired").await;
    assert!(body["message"].as_str().unwrap().contains("log in again"));
}

#[tokio::test]
async fn sessions_and_tokens_are_stored_only_as_hashes_and_passwords_as_argon2id() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let plain = reqwest::Client::new();
    let response = plain
        .post(app.at("/api/auth/login"))
        .json(&json!({"login": "olga", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    let secret = cookie.split(';').next().unwrap().trim_start_matches("sweep_session=").to_string();
    let issued = json_body(
        plain
            .post(app.at("/api/tokens"))
            .header(header::COOKIE, format!("sweep_session={secret}"))
            .json(&json!({"name": "phone"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = issued["secret"].as_str().unwrap().to_string();

    let dump: String = sqlx::query_scalar(
        "SELECT string_agg(t::text, ' ') FROM (SELECT s::text AS t FROM sessions s UNION ALL SELECT a::text FROM api_tokens a UNION ALL SELECT u::text FROM users u) x",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(!dump.contains(&secret) && !dump.contains(&token) && !dump.contains(PASSWORD));
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE login = 'olga'").fetch_one(&app.db).await.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

#[tokio::test]
async fn an_api_token_works_as_bearer_until_it_is_revoked() {
    let app = spawn_app().await;
    app.create_user("pbx", Role::Dispatcher).await;
    let console = app.login("pbx", PASSWORD).await;
    let issued = console
        .post(app.at("/api/tokens"))
        .json(&json!({"name": "Asterisk", "expires_in_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued = json_body(issued).await;
    let secret = issued["secret"].as_str().unwrap();
    assert!(secret.starts_with("swp_"));
    let id = issued["token"]["id"].as_str().unwrap();

    let bearer = reqwest::Client::new();
    let me = bearer.get(app.at("/api/auth/me")).bearer_auth(secret).send().await.unwrap();
    assert_eq!(json_body(me).await["user"]["login"], "pbx");

    let list = json_body(console.get(app.at("/api/tokens")).send().await.unwrap()).await;
    let listed = &list["tokens"][0];
    assert_eq!(listed["name"], "Asterisk");
    assert!(secret.starts_with(listed["prefix"].as_str().unwrap()));
    assert!(listed.get("secret").is_none());
    assert!(listed["expires_at"].is_string());

    let revoke = console.post(app.at(&format!("/api/tokens/{id}/revoke"))).send().await.unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let after = bearer.get(app.at("/api/auth/me")).bearer_auth(secret).send().await.unwrap();
    expect_error(after, StatusCode::UNAUTHORIZED, "token_revoked").await;

    let garbage = bearer.get(app.at("/api/auth/me")).header(header::AUTHORIZATION, "Token abc").send().await.unwrap();
    expect_error(garbage, StatusCode::UNAUTHORIZED, "invalid_authorization").await;
    // A reverse proxy's own Basic authentication is not Sweep's: the request is simply not logged in.
    let proxied = bearer
        .get(app.at("/api/auth/me"))
        .header(header::AUTHORIZATION, "Basic YWxpY2U6c2VjcmV0")
        .send()
        .await
        .unwrap();
    expect_error(proxied, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn someone_elses_token_cannot_be_revoked_by_a_non_admin() {
    let app = spawn_app().await;
    app.create_user("anna", Role::Volunteer).await;
    app.create_user("bb", Role::Volunteer).await;
    let a = app.login("anna", PASSWORD).await;
    let b = app.login("bb", PASSWORD).await;
    let issued = json_body(a.post(app.at("/api/tokens")).json(&json!({"name": "phone"})).send().await.unwrap()).await;
    let id = issued["token"]["id"].as_str().unwrap();
    let response = b.post(app.at(&format!("/api/tokens/{id}/revoke"))).send().await.unwrap();
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let for_other = b
        .post(app.at("/api/tokens"))
        .json(&json!({"name": "x", "user_id": issued["token"]["user_id"]}))
        .send()
        .await
        .unwrap();
    expect_error(for_other, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_login_for_a_while_even_for_the_right_one() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let client = app.client();
    for _ in 0..5 {
        let r = client
            .post(app.at("/api/auth/login"))
            .json(&json!({"login": "olga", "password": "guess guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = client
        .post(app.at("/api/auth/login"))
        .json(&json!({"login": "olga", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let retry = locked.headers().get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse::<u64>().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let body = expect_error(locked, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert_eq!(body["details"]["retry_after_seconds"], retry);

    // Another login from the same address is not locked by these five.
    app.create_user("ivan", Role::Dispatcher).await;
    app.login("ivan", PASSWORD).await;
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_and_revokes_its_tokens_for_good() {
    let app = spawn_app().await;
    let id = app.create_user("olga", Role::Dispatcher).await;
    let session = app.login("olga", PASSWORD).await;
    let issued =
        json_body(session.post(app.at("/api/tokens")).json(&json!({"name": "phone"})).send().await.unwrap()).await;
    let token = issued["secret"].as_str().unwrap().to_string();
    let admin = app.logged_in(Role::Admin).await;
    let disable = admin
        .patch(app.at(&format!("/api/users/{id}")))
        .json(&json!({"disabled": true, "disabled_reason": "left the team"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(disable).await["disabled_reason"], "left the team");

    expect_error(
        session.get(app.at("/api/auth/me")).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "session_revoked",
    )
    .await;
    let bearer = reqwest::Client::new();
    expect_error(
        bearer.get(app.at("/api/auth/me")).bearer_auth(&token).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    let again = app
        .client()
        .post(app.at("/api/auth/login"))
        .json(&json!({"login": "olga", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    expect_error(again, StatusCode::FORBIDDEN, "account_disabled").await;

    // Enabled again, she logs in anew; the old session and token stay dead.
    admin.patch(app.at(&format!("/api/users/{id}"))).json(&json!({"disabled": false})).send().await.unwrap();
    expect_error(
        session.get(app.at("/api/auth/me")).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "session_revoked",
    )
    .await;
    expect_error(
        bearer.get(app.at("/api/auth/me")).bearer_auth(&token).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    app.login("olga", PASSWORD).await;
}

#[tokio::test]
async fn a_token_cannot_issue_more_tokens() {
    let app = spawn_app().await;
    app.create_user("pbx", Role::Admin).await;
    let session = app.login("pbx", PASSWORD).await;
    let issued =
        json_body(session.post(app.at("/api/tokens")).json(&json!({"name": "integration"})).send().await.unwrap())
            .await;
    let token = issued["secret"].as_str().unwrap();
    let minted = reqwest::Client::new()
        .post(app.at("/api/tokens"))
        .bearer_auth(token)
        .json(&json!({"name": "another"}))
        .send()
        .await
        .unwrap();
    expect_error(minted, StatusCode::FORBIDDEN, "session_required").await;
}

#[tokio::test]
async fn accounts_are_managed_from_a_console_session_never_with_a_token() {
    let app = spawn_app().await;
    let id = app.create_user("chief", Role::Admin).await;
    let session = app.login("chief", PASSWORD).await;
    let issued =
        json_body(session.post(app.at("/api/tokens")).json(&json!({"name": "script"})).send().await.unwrap()).await;
    let token = issued["secret"].as_str().unwrap();
    let bearer = reqwest::Client::new();
    // A leaked admin token cannot demote its owner, nor make itself a new account to outlive
    // its revocation.
    let demote = bearer
        .patch(app.at(&format!("/api/users/{id}")))
        .bearer_auth(token)
        .json(&json!({"role": "volunteer"}))
        .send()
        .await
        .unwrap();
    expect_error(demote, StatusCode::FORBIDDEN, "session_required").await;
    let create = bearer
        .post(app.at("/api/users"))
        .bearer_auth(token)
        .json(&json!({"login": "backdoor", "display_name": "x", "role": "admin", "password": "long enough"}))
        .send()
        .await
        .unwrap();
    expect_error(create, StatusCode::FORBIDDEN, "session_required").await;
    let listed = session.get(app.at("/api/users")).send().await.unwrap();
    assert_eq!(listed.status(), StatusCode::OK, "the same admin in a console session may");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_address_the_proxy_saw_is_recorded_not_one_the_client_wrote() {
    let app = crate::helpers::spawn_app_with(|c| c.trust_proxy = true).await;
    app.create_user("olga", Role::Dispatcher).await;
    let response = app
        .client()
        .post(app.at("/api/auth/login"))
        .header("x-forwarded-for", "6.6.6.6, 203.0.113.7")
        .json(&json!({"login": "olga", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let address: String = sqlx::query_scalar("SELECT host(address) FROM audit_log WHERE action = 'auth.login'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(address, "203.0.113.7");
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_but_keeps_this_one() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let laptop = app.login("olga", PASSWORD).await;
    let phone = app.login("olga", PASSWORD).await;
    let wrong = laptop
        .put(app.at("/api/auth/password"))
        .json(&json!({"current_password": "wrong one", "new_password": "new password 1"}))
        .send()
        .await
        .unwrap();
    expect_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let short = laptop
        .put(app.at("/api/auth/password"))
        .json(&json!({"current_password": PASSWORD, "new_password": "short"}))
        .send()
        .await
        .unwrap();
    expect_error(short, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let ok = laptop
        .put(app.at("/api/auth/password"))
        .json(&json!({"current_password": PASSWORD, "new_password": "new password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);

    assert_eq!(laptop.get(app.at("/api/auth/me")).send().await.unwrap().status(), StatusCode::OK);
    expect_error(phone.get(app.at("/api/auth/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "session_revoked")
        .await;
    app.login("olga", "new password 1").await;
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disable_themselves() {
    let app = spawn_app().await;
    let admin_id = app.create_user("root-admin", Role::Admin).await;
    let admin = app.login("root-admin", PASSWORD).await;
    let own =
        admin.patch(app.at(&format!("/api/users/{admin_id}"))).json(&json!({"disabled": true})).send().await.unwrap();
    expect_error(own, StatusCode::CONFLICT, "own_admin_rights").await;

    let other_id = app.create_user("second-admin", Role::Admin).await;
    let demote_other = admin
        .patch(app.at(&format!("/api/users/{other_id}")))
        .json(&json!({"role": "dispatcher"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(demote_other).await["role"], "dispatcher");

    let last = sweep::users::accounts::update(
        &app.db,
        admin_id,
        sweep::users::AccountChange { role: Some(Role::Volunteer), ..Default::default() },
        &sweep::audit::Actor::System,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(last.code, "last_admin");
}

#[tokio::test]
async fn an_admin_creates_an_account_that_can_then_log_in_and_duplicates_are_refused() {
    let app = spawn_app().await;
    let admin = app.logged_in(Role::Admin).await;
    let created = admin
        .post(app.at("/api/users"))
        .json(&json!({"login": "p.krylov", "display_name": "Крылов П.", "role": "police_liaison", "password": "liaison pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(json_body(created).await["role"], "police_liaison");
    let me =
        json_body(app.login("p.krylov", "liaison pass").await.get(app.at("/api/auth/me")).send().await.unwrap()).await;
    assert_eq!(me["user"]["display_name"], "Крылов П.");

    let again = admin
        .post(app.at("/api/users"))
        .json(&json!({"login": "P.Krylov", "display_name": "x", "role": "volunteer"}))
        .send()
        .await
        .unwrap();
    let body = expect_error(again, StatusCode::CONFLICT, "already_exists").await;
    assert_eq!(body["details"]["field"], "login");

    let bad_role = admin
        .post(app.at("/api/users"))
        .json(&json!({"login": "x1", "display_name": "x", "role": "sheriff"}))
        .send()
        .await
        .unwrap();
    expect_error(bad_role, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
}

#[tokio::test]
async fn a_burst_of_concurrent_guesses_is_counted_in_full() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    let mut guesses = Vec::new();
    for i in 0..12 {
        let client = app.client();
        let url = app.at("/api/auth/login");
        guesses.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({"login": "olga", "password": format!("guess number {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let wrong = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert!(wrong <= 5, "at most five guesses get a verdict, not {wrong}: {statuses:?}");
    let right = app
        .client()
        .post(app.at("/api/auth/login"))
        .json(&json!({"login": "olga", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    expect_error(right, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
}

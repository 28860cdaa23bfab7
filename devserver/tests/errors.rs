//! Every error the dev server gives, its own and the HTTP layer's, answers in
//! the one documented shape; echoed input is cut short; bodies must be JSON.

mod common;
use common::Server;

use chrono::Utc;
use loyalty_core::card::{CardConfig, CardService, Secret, secret_from_hex};
use serde_json::{Value, json};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "bonuses": {"welcome": 100}}"#;

/// Checks `{"error": {"code", "message"}}` and nothing else; returns the message.
fn assert_error(status: u16, body: &str, want_status: u16, want_code: &str) -> String {
    assert_eq!(status, want_status, "{body}");
    let v: Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    let error = v
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("error"))
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("not the error shape: {v}"));
    assert_eq!(error.len(), 2, "{v}");
    assert_eq!(error["code"], want_code, "{v}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{v}");
    message.to_string()
}

fn enroll(server: &Server) -> Value {
    let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    assert_eq!(status, 201, "{me}");
    me
}

fn payload(me: &Value) -> String {
    let secret =
        Secret::new(secret_from_hex(me["card_secret_hex"].as_str().unwrap()).unwrap()).unwrap();
    CardService::new(
        CardConfig::default(),
        me["card_number"].as_str().unwrap(),
        secret,
        0,
    )
    .unwrap()
    .payload(Utc::now())
    .unwrap()
}

fn request(method: &str, path: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

#[test]
fn every_error_answers_in_the_one_shape() {
    let server = Server::start(PROGRAM, 0.0);
    let me = enroll(&server);
    let token = me["access_token"].as_str().unwrap();
    let auth = format!("Authorization: Bearer {token}\r\n");

    // 404: no such endpoint.
    let (status, body) = server.call("GET", "/v1/nothing", None, None);
    assert_error(status, &body, 404, "not_found");

    // 405: a known path with another method, still saying which methods it takes.
    let (status, head, body) = server.raw(&request("GET", "/v1/enroll", "", b""));
    assert_error(status, &body, 405, "method_not_allowed");
    assert!(
        head.to_ascii_lowercase().contains("\r\nallow: post"),
        "{head}"
    );
    let (status, head, body) = server.raw(&request("DELETE", "/v1/me/sync", &auth, b""));
    assert_error(status, &body, 405, "method_not_allowed");
    assert!(
        head.to_ascii_lowercase().contains("\r\nallow: get"),
        "{head}"
    );

    // 413: a body over the limit (2 MiB).
    let big = format!(r#"{{"message": "{}"}}"#, "x".repeat(2 * 1024 * 1024 + 100));
    let (status, body) = server.post_as("/v1/admin/offers", "application/json", &big);
    assert_error(status, &body, 413, "payload_too_large");

    // 400: a query string that does not parse.
    let (status, body) = server.call("GET", "/v1/me/sync?limit=abc", Some(token), None);
    let message = assert_error(status, &body, 400, "bad_request");
    assert!(message.contains("limit"), "{message}");
    let (status, body) = server.call("GET", "/v1/me/sync?limit=-1", Some(token), None);
    assert_error(status, &body, 400, "bad_request");

    // 400: JSON syntax, wrong types, a body that is not UTF-8.
    let (status, body) = server.post_as("/v1/admin/bonuses", "application/json", "{not json");
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = server.post_as(
        "/v1/admin/bonuses",
        "application/json",
        r#"{"member_id": 7, "kind": "welcome"}"#,
    );
    assert_error(status, &body, 400, "bad_request");
    let (status, _, body) = server.raw(&request(
        "POST",
        "/v1/admin/bonuses",
        "Content-Type: application/json\r\n",
        b"{\"member_id\": \"\xff\xfe\", \"kind\": \"welcome\"}",
    ));
    assert_error(status, &body, 400, "bad_request");

    // 401: no token, a malformed header, an unknown token.
    let (status, body) = server.call("GET", "/v1/me/sync", None, None);
    assert_error(status, &body, 401, "unauthorized");
    let (status, _, body) = server.raw(&request(
        "GET",
        "/v1/me/sync",
        &format!("Authorization: Basic {token}\r\n"),
        b"",
    ));
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = server.call("GET", "/v1/me/sync", Some("nobody"), None);
    assert_error(status, &body, 401, "unauthorized");
}

#[test]
fn echoed_values_are_cut_short() {
    let server = Server::start(PROGRAM, 0.0);
    let me = enroll(&server);
    let huge = "9".repeat(1024 * 1024);
    let line = |sku: &str, amount: &str| json!([{"sku": sku, "qty": 1, "amount": amount}]);
    let mut unknown_field = json!({"receipt_id": "r1", "lines": line("A", "1.00")});
    unknown_field[&huge] = json!(1);
    // (purchase, whether its error echoes the huge value)
    let cases = [
        // A 1 MB amount: the figure is echoed in the error.
        (json!({"receipt_id": "r1", "lines": line("A", &huge)}), true),
        (
            json!({"receipt_id": "r1", "lines": line("A", &format!("x{huge}"))}),
            true,
        ),
        // A 1 MB field name, echoed by the JSON decoder.
        (unknown_field, true),
        // A 1 MB sku: refused by its length, not echoed.
        (
            json!({"receipt_id": "r1", "lines": line(&huge, "1.00")}),
            false,
        ),
    ];
    for (purchase, echoes) in cases {
        let body = json!({"payload": payload(&me), "purchase": purchase}).to_string();
        let (status, answer) = server.post_as("/v1/pos/purchases", "application/json", &body);
        assert!(status == 400, "{status}: {:.300}", answer);
        let v: Value = serde_json::from_str(&answer).unwrap();
        let message = v["error"]["message"].as_str().unwrap();
        if !echoes {
            assert_eq!(v["error"]["code"], "invalid_id", "{v}");
        }
        assert!(
            message.chars().count() <= loyalty_devserver::MAX_MESSAGE_CHARS,
            "{} characters: {:.200}…",
            message.chars().count(),
            message
        );
        assert_eq!(message.ends_with('…'), echoes, "{message}");
        assert!(answer.len() < 1000, "{} bytes", answer.len());
    }
    // A short message is left whole.
    let (status, body) = server.call("GET", "/v1/me/sync?cursor=zz", Some("nobody"), None);
    let message = assert_error(status, &body, 401, "unauthorized");
    assert!(!message.ends_with('…'), "{message}");
}

#[test]
fn bodies_must_be_json() {
    let server = Server::start(PROGRAM, 0.0);
    let me = enroll(&server);
    let bonus = json!({"member_id": me["member_id"], "kind": "welcome"}).to_string();

    // What a web page may send cross-origin without asking first, and worse.
    for content_type in [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "text/plain; a=application/json",
    ] {
        let (status, body) = server.post_as("/v1/admin/bonuses", content_type, &bonus);
        assert_error(status, &body, 415, "unsupported_media_type");
        let (status, body) = server.post_as("/v1/admin/offers", content_type, "{}");
        assert_error(status, &body, 415, "unsupported_media_type");
        let (status, body) = server.post_as("/v1/pos/purchases", content_type, "{}");
        assert_error(status, &body, 415, "unsupported_media_type");
        let (status, body) = server.post_as("/v1/enroll", content_type, "{}");
        assert_error(status, &body, 415, "unsupported_media_type");
    }
    // An unknown path stays a 404 whatever it is sent.
    let (status, body) = server.post_as("/v1/nothing", "text/plain", "{}");
    assert_error(status, &body, 404, "not_found");

    // No content type at all, with a body.
    let (status, _, body) = server.raw(&request("POST", "/v1/admin/bonuses", "", bonus.as_bytes()));
    assert_error(status, &body, 415, "unsupported_media_type");
    let (status, _, body) = server.raw(&request(
        "POST",
        "/v1/me/actions",
        &format!(
            "Authorization: Bearer {}\r\n",
            me["access_token"].as_str().unwrap()
        ),
        br#"{"actions": []}"#,
    ));
    assert_error(status, &body, 415, "unsupported_media_type");

    // A chunked body says nothing of its length up front; it is a body all the same.
    let (status, _, body) = server.raw(
        format!(
            "POST /v1/admin/bonuses HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{bonus}\r\n0\r\n\r\n",
            bonus.len()
        )
        .as_bytes(),
    );
    assert_error(status, &body, 415, "unsupported_media_type");

    // None of them applied: the bonus is still there to grant, once.
    let (status, body) = server.post_as("/v1/admin/bonuses", "application/json", &bonus);
    assert_eq!(status, 201, "{body}");
    let (status, body) = server.post_as(
        "/v1/admin/bonuses",
        "Application/JSON; charset=utf-8",
        &bonus,
    );
    assert_error(status, &body, 409, "bonus_already_granted");
    // An enroll without a body needs no content type.
    let (status, _, body) = server.raw(&request("POST", "/v1/enroll", "", b""));
    assert_eq!(status, 201, "{body}");
}

#[test]
fn a_failed_enroll_leaves_no_member_behind() {
    let server = Server::start(PROGRAM, 0.0);
    // Member stores cannot be created: their folder is a file.
    let folder = server.data_dir().join("members");
    std::fs::remove_dir(&folder).unwrap();
    std::fs::write(&folder, b"not a folder").unwrap();
    let (status, body) = server.call("POST", "/v1/enroll", None, Some(&json!({})));
    assert_error(status, &body, 500, "internal");
    let registry = rusqlite::Connection::open(server.data_dir().join("registry.sqlite3")).unwrap();
    let rows = |registry: &rusqlite::Connection| -> i64 {
        registry
            .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(rows(&registry), 0, "a registry row without a store");

    // With the folder back, the next member gets the first card number and syncs.
    std::fs::remove_file(&folder).unwrap();
    std::fs::create_dir(&folder).unwrap();
    let me = enroll(&server);
    assert_eq!(
        me["card_number"].as_str(),
        loyalty_core::card::ean13_from_body("200000000001").as_deref()
    );
    assert_eq!(rows(&registry), 1);
    let (status, page) = server.json("GET", "/v1/me/sync", me["access_token"].as_str(), None);
    assert_eq!(status, 200, "{page}");
}

/// A body that names a key twice (two amounts for one line, two kinds of
/// bonus) is refused like malformed JSON, and nothing is applied.
#[test]
fn a_body_with_a_repeated_key_is_refused() {
    let server = Server::start(PROGRAM, 0.0);
    let me = enroll(&server);
    let purchase = format!(
        r#"{{"payload": "{}", "purchase": {{"receipt_id": "r1", "lines": [{{"sku": "A", "qty": 1, "amount": "1.00", "amount": "9000.00"}}]}}}}"#,
        payload(&me)
    );
    let (status, body) = server.post_as("/v1/pos/purchases", "application/json", &purchase);
    let message = assert_error(status, &body, 400, "bad_request");
    assert!(message.contains("\"amount\" appears twice"), "{message}");
    let bonus = format!(
        r#"{{"member_id": "{}", "kind": "welcome", "kind": "welcome"}}"#,
        me["member_id"].as_str().unwrap()
    );
    let (status, body) = server.post_as("/v1/admin/bonuses", "application/json", &bonus);
    assert_error(status, &body, 400, "bad_request");
    // Nothing reached the member's wallet.
    let token = me["access_token"].as_str().unwrap();
    let (status, page) = server.json("GET", "/v1/me/sync", Some(token), None);
    assert_eq!(status, 200);
    assert_eq!(page["events"].as_array().map(Vec::len), Some(0), "{page}");
}

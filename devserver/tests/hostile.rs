//! A hostile server: truncated JSON, wrong types, events out of order,
//! negative amounts, a 50 MB body, a server that never answers. Each ends in a
//! clear error with nothing applied and no panic.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loyalty_core::store::Store;
use loyalty_core::sync::{StaticToken, SyncClient, SyncConfig};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"#;

/// Serves `answers` in turn (one per connection); `None` accepts and never answers.
fn fake_server(answers: Vec<Option<Vec<u8>>>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        for answer in answers {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0u8; 8192];
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = s.read(&mut buf);
            match answer {
                Some(bytes) => {
                    let _ = s.write_all(&bytes);
                }
                None => held.push(s),
            }
        }
        std::thread::sleep(Duration::from_secs(3));
    });
    (format!("http://{addr}"), handle)
}

fn http(status: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
    v.extend_from_slice(body);
    v
}

fn page(events: &str) -> Vec<u8> {
    page_at(events, &chrono::Utc::now().to_rfc3339())
}

fn page_at(events: &str, server_time: &str) -> Vec<u8> {
    http(
        "200 OK",
        format!(r#"{{"events": {events}, "messages": [], "program": null, "server_time": "{server_time}", "digest": null, "next_cursor": "9:0", "has_more": false}}"#).as_bytes(),
    )
}

async fn sync_against(answers: Vec<Option<Vec<u8>>>) -> (loyalty_core::LoyaltyError, Store) {
    let (url, _server) = fake_server(answers);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let mut store = Store::open_dir(&path).unwrap();
    store.set_program(PROGRAM).unwrap();
    let store = Arc::new(Mutex::new(store));
    let mut config = SyncConfig::new(&url);
    config.max_attempts = 1;
    config.request_timeout = Duration::from_secs(2);
    let client = SyncClient::new(config, Arc::new(StaticToken("t".into()))).unwrap();
    let err = client.sync(store.clone()).await.unwrap_err();
    drop(client);
    let store = Arc::try_unwrap(store).ok().unwrap().into_inner().unwrap();
    std::mem::forget(dir);
    (err, store)
}

fn untouched(store: &Store) {
    assert_eq!(store.last_server_seq().unwrap(), 0, "nothing applied");
    assert!(store.events().unwrap().is_empty());
    assert_eq!(store.meta("sync_cursor").unwrap(), None);
}

const PURCHASE: &str =
    r#"{"purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "10.00"}]}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_are_errors_and_apply_nothing() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "a repeated key (which has_more, which events?)",
            http(
                "200 OK",
                format!(r#"{{"events": [{{"seq": 1, "at": "2026-06-01T00:00:00Z", "event": {PURCHASE}}}], "events": [], "messages": [], "program": null, "server_time": "{}", "digest": null, "next_cursor": "9:0", "has_more": false}}"#, chrono::Utc::now().to_rfc3339()).as_bytes(),
            ),
        ),
        (
            "truncated JSON",
            http("200 OK", br#"{"events": [{"seq": 1, "#),
        ),
        ("wrong types", page(r#""lots""#)),
        (
            "negative amount",
            page(&format!(
                r#"[{{"seq": 1, "at": "2026-06-01T00:00:00Z", "event": {}}}]"#,
                PURCHASE.replace("10.00", "-10.00")
            )),
        ),
        (
            "out of order",
            page(&format!(
                r#"[{{"seq": 2, "at": "2026-06-01T00:00:00Z", "event": {PURCHASE}}}, {{"seq": 1, "at": "2026-06-01T00:00:00Z", "event": {}}}]"#,
                PURCHASE.replace("r1", "r2")
            )),
        ),
        (
            "repeated seq with another event",
            page(&format!(
                r#"[{{"seq": 1, "at": "2026-06-01T00:00:00Z", "event": {PURCHASE}}}, {{"seq": 1, "at": "2026-06-01T00:00:00Z", "event": {}}}]"#,
                PURCHASE.replace("r1", "r9")
            )),
        ),
        (
            "unknown event",
            page(r#"[{"seq": 1, "at": "2026-06-01T00:00:00Z", "event": {"teleport": {}}}]"#),
        ),
        (
            "negative seq",
            page(&format!(
                r#"[{{"seq": -4, "at": "2026-06-01T00:00:00Z", "event": {PURCHASE}}}]"#
            )),
        ),
        (
            "server error body",
            http("500 Internal Server Error", b"<html>oops</html>"),
        ),
        (
            "a 500 % offer coupon",
            page(
                r#"[{"seq": 1, "at": "2026-06-01T00:00:00Z", "event": {"activate_offer": {"message_id": "o", "benefit": {"percent": 50000}, "valid_until_ms": 1893456000000}}}]"#,
            ),
        ),
        (
            "a server clock a year off",
            page_at(
                "[]",
                &(chrono::Utc::now() + chrono::Duration::days(365)).to_rfc3339(),
            ),
        ),
    ];
    for (what, answer) in cases {
        let (err, store) = sync_against(vec![Some(answer)]).await;
        assert!(
            ["network", "server", "corrupt_store", "clock_skew"].contains(&err.code()),
            "{what}: {err}"
        );
        // A clock a year off has its own code: the app asks the shopper to check the clock.
        assert_eq!(
            err.code() == "clock_skew",
            what.contains("clock"),
            "{what}: {err}"
        );
        untouched(&store);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_body_or_a_silent_server_is_a_clear_error() {
    // 9 MB of spaces for every request: the client asks for ever smaller
    // pages (500, 250, … 1 event) and then says what is wrong.
    let body = vec![b' '; 9 * 1024 * 1024];
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut answer = head.into_bytes();
    answer.extend_from_slice(&body);
    let (err, store) = sync_against(vec![Some(answer); 9]).await;
    assert_eq!(err.code(), "network");
    assert!(
        err.to_string()
            .contains("one event from the server is larger"),
        "{err}"
    );
    untouched(&store);

    let started = std::time::Instant::now();
    let (err, store) = sync_against(vec![None]).await;
    assert_eq!(err.code(), "network", "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    untouched(&store);
}

/// A digest whose figures no subtraction can hold is refused as the server's
/// error: no panic, no wrapped-around balance adopted as a correction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_digest_is_refused_not_adopted() {
    let now = chrono::Utc::now().to_rfc3339();
    let body = format!(
        r#"{{"events": [], "messages": [], "program": null, "server_time": "{now}",
            "digest": {{"at": "{now}", "balance": -9223372036854775808, "lifetime_earned": 0,
                        "expired_total": 0, "tier": null, "qualifying_spend": "0.00",
                        "coupons": [], "challenges": {{}}, "badges": {{}}}},
            "next_cursor": "9:0", "has_more": false}}"#
    );
    let (err, store) = sync_against(vec![Some(http("200 OK", body.as_bytes()))]).await;
    assert_eq!(err.code(), "network", "{err}");
    assert!(err.to_string().contains("impossible balance"), "{err}");
    assert_eq!(store.meta("server_correction").unwrap(), None);
}

/// Issue 12, item 9: `Retry-After` is honoured, but one request waits at
/// most `max_wait` in all — a server asking for an hour (or for a second,
/// again and again) does not hold the shopper's sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_waits_are_capped_in_total() {
    let busy = |seconds: u64| {
        let body = br#"{"error": {"code": "busy", "message": "try later"}}"#;
        let mut v = format!(
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {seconds}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        v.extend_from_slice(body);
        Some(v)
    };
    for (answers, max_wait, at_most) in [
        (
            vec![busy(3600)],
            Duration::from_secs(20),
            Duration::from_secs(3),
        ),
        (
            vec![busy(1); 6],
            Duration::from_secs(2),
            Duration::from_millis(4500),
        ),
    ] {
        let (url, _server) = fake_server(answers);
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_dir(dir.path()).unwrap();
        store.set_program(PROGRAM).unwrap();
        let store = Arc::new(Mutex::new(store));
        let mut config = SyncConfig::new(&url);
        config.max_wait = max_wait;
        let client = SyncClient::new(config, Arc::new(StaticToken("t".into()))).unwrap();
        let started = std::time::Instant::now();
        let err = client.sync(store.clone()).await.unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.code(), "server", "{err}");
        assert!(err.to_string().contains("503"), "{err}");
        assert!(took < at_most, "waited {took:?} (cap {max_wait:?})");
        untouched(&store.lock().unwrap());
    }
}

//! Crash safety: `loyalty sync` is killed with SIGKILL at random moments while
//! pulling a large backlog; after every kill the store opens, its invariants
//! hold, the queue of pending actions is intact, and the next sync completes.

use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};
use loyalty_core::wallet::Event;
mod common;
use common::Running;
use serde_json::{Value, json};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "j", "title": "Join me", "opt_in": true, "goal": {"metric": "purchases", "target": 99}}],
  "badges": [{"id": "first", "title": "First", "goal": {"metric": "purchases", "target": 1}}]}"#;

fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let body = body.to_string();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        serde_json::from_str(raw.split_once("\r\n\r\n").unwrap().1).unwrap_or(Value::Null),
    )
}

/// Has the server apply 100 redeems under keys `{tag}-0…99` (server-side events for the phone to pull).
fn post_server_redeems(addr: &str, token: &str, tag: &str) {
    let actions: Vec<Value> = (0..100)
        .map(|i| json!({"idempotency_key": format!("{tag}-{i}"), "action": {"redeem_reward": {"reward_id": "c1", "coupon_id": format!("{tag}-c{i}")}}}))
        .collect();
    let (status, body) = http(
        addr,
        "POST",
        "/v1/me/actions",
        Some(token),
        &json!({"actions": actions}),
    );
    assert_eq!(status, 200, "{body}");
}

fn loyalty(dir: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_loyalty"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// The store opens, its derived state equals a replay of its own event log,
/// balance = live lots - debt, and the pending queue holds only the phone's taps.
fn check_invariants(dir: &std::path::Path, pending_keys: &[String]) {
    let store = Store::open_dir(dir).expect("the store opens after a kill");
    let Some(program) = store.program().cloned() else {
        return;
    };
    let at = Utc::now();
    let snap = store.snapshot(at, 30, 0).unwrap();
    let rebuilt = store.rebuild().unwrap();
    let replay = loyalty_core::wallet::snapshot(&program, &rebuilt, at, 30, 0).unwrap();
    assert_eq!(snap, replay, "state equals its event log");
    let live: i64 = rebuilt
        .lots()
        .iter()
        .filter(|l| l.expires_at.is_none_or(|e| e > at))
        .map(|l| l.remaining)
        .sum();
    assert_eq!(snap.balance, live - snap.debt, "balance = live lots - debt");
    for p in store.pending_actions().unwrap() {
        assert!(
            pending_keys.contains(&p.idempotency_key),
            "unexpected pending {}",
            p.idempotency_key
        );
    }
}

#[test]
fn sync_survives_sigkill_at_random_moments() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Running::start(server_dir.path(), PROGRAM);
    let addr = server.addr.trim_start_matches("http://").to_string();

    // The phone enrolls; the server gets a backlog: one big purchase, then 3 000 redeems.
    let phone = tempfile::tempdir().unwrap();
    let dir = phone.path().display().to_string();
    let out = loyalty(&dir, &["enroll", "--server", &format!("http://{addr}")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secrets = SqliteSecretStore::open(&phone.path().join(DB_FILE)).unwrap();
    let token = String::from_utf8(
        loyalty_core::card::SecretStore::get(&secrets, "access_token")
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let payload = String::from_utf8(loyalty(&dir, &["card", "show", "--payload"]).stdout).unwrap();
    let (status, r) = http(
        &addr,
        "POST",
        "/v1/pos/purchases",
        None,
        &json!({"payload": payload.trim(), "purchase": {"receipt_id": "big", "lines": [{"sku": "A", "qty": 1, "amount": "100000.00"}]}}),
    );
    assert_eq!(status, 201, "{r}");
    assert!(loyalty(&dir, &["sync"]).status.success());
    // And the phone has its own pending taps.
    let mut pending_keys = Vec::new();
    {
        let mut store = Store::open_dir(phone.path()).unwrap();
        for i in 0..3 {
            let key = format!("phone-{i}");
            store
                .queue_action(
                    &key,
                    &Event::RedeemReward {
                        reward_id: "c1".into(),
                        coupon_id: format!("p{i}"),
                    },
                    Utc::now(),
                )
                .unwrap();
            pending_keys.push(key);
        }
        store
            .queue_action(
                "phone-join",
                &Event::JoinChallenge {
                    challenge_id: "j".into(),
                },
                Utc::now(),
            )
            .unwrap();
        pending_keys.push("phone-join".into());
    }
    for batch in 0..10 {
        post_server_redeems(&addr, &token, &format!("srv-{batch}"));
    }
    let mut server_redeems = 1_000;

    // Kill `loyalty sync` at 20+ random moments.
    let mut seed: u64 = 0x5eed;
    let mut kills = 0;
    let mut rounds = 0;
    while kills < 20 {
        rounds += 1;
        assert!(rounds < 120, "only {kills} kills landed mid-sync");
        // Keep a backlog: 100 more server events before every run.
        post_server_redeems(&addr, &token, &format!("more-{rounds}"));
        server_redeems += 100;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = Command::new(env!("CARGO_BIN_EXE_loyalty"))
            .arg("--data-dir")
            .arg(&dir)
            .arg("sync")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(2 + seed % 60));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL on Unix
            kills += 1;
        }
        let _ = child.wait();
        check_invariants(phone.path(), &pending_keys);
    }

    // The next sync completes and agrees with the server.
    let out = loyalty(&dir, &["sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains("differed"), "{text}");
    let store = Store::open_dir(phone.path()).unwrap();
    assert!(store.pending_actions().unwrap().is_empty());
    let snap = store.snapshot(Utc::now(), 30, 0).unwrap();
    assert_eq!(
        snap.balance,
        10_000 - server_redeems - 3,
        "every redeem applied exactly once"
    );
    assert_eq!(store.last_server_seq().unwrap(), 1 + server_redeems + 3 + 1);
    check_invariants(phone.path(), &[]);
    server.stop();
}

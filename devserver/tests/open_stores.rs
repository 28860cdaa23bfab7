//! Many members, few open stores: the server's file handles stay bounded
//! however many members it has, and members whose stores were closed and
//! opened again still sync exactly what happened to them.
//!
//! The test counts this process's open file handles (the server runs in
//! it), so it is alone in its test binary: no other test opens any beside it.

mod common;
use common::Server;

use chrono::{DateTime, Utc};
use loyalty_core::card::{CardConfig, CardService, Secret, secret_from_hex};
use loyalty_devserver::LimitsConfig;
use serde_json::{Value, json};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"#;
const CAP: usize = 4;
const MEMBERS: usize = 20;
/// Handles one open member store holds: the database, its WAL, its index.
const PER_STORE: usize = 3;
/// Sockets closing, the runtime's own: a few handles either way.
const SLACK: usize = 6;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn buy(server: &Server, me: &Value, receipt: &str, amount: &str, at: DateTime<Utc>) {
    let secret =
        Secret::new(secret_from_hex(me["card_secret_hex"].as_str().unwrap()).unwrap()).unwrap();
    let payload = CardService::new(
        CardConfig::default(),
        me["card_number"].as_str().unwrap(),
        secret,
        0,
    )
    .unwrap()
    .payload(at)
    .unwrap();
    let purchase =
        json!({"receipt_id": receipt, "lines": [{"sku": "A", "qty": 1, "amount": amount}]});
    let (status, r) = server.json(
        "POST",
        "/v1/pos/purchases",
        None,
        Some(&json!({"payload": payload, "purchase": purchase})),
    );
    assert_eq!(status, 201, "{r}");
}

/// The member's events (receipt ids in order) and balance, from a first sync.
fn synced(server: &Server, me: &Value) -> (Vec<String>, i64) {
    let (status, page) = server.json("GET", "/v1/me/sync", me["access_token"].as_str(), None);
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["has_more"], false, "{page}");
    let receipts = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["event"]["purchase"]["receipt_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    (receipts, page["digest"]["balance"].as_i64().unwrap())
}

#[test]
fn many_members_keep_few_stores_open_and_sync_correctly() {
    let server = Server::start_with_limits(
        PROGRAM,
        LimitsConfig {
            max_open_members: CAP,
            ..LimitsConfig::default()
        },
    );
    // One request first, so that what the server opens once is open.
    assert_eq!(server.call("GET", "/v1/nothing", None, None).0, 404);
    let before = open_fds();
    let bound = before + CAP * PER_STORE + SLACK;

    // Member i buys for 10·(i+1) and so earns i+1 points.
    let members: Vec<Value> = (0..MEMBERS)
        .map(|i| {
            let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
            assert_eq!(status, 201, "{me}");
            let at = Utc::now() - chrono::Duration::seconds(30);
            buy(
                &server,
                &me,
                &format!("r{i}"),
                &format!("{}.00", 10 * (i + 1)),
                at,
            );
            assert_eq!(synced(&server, &me), (vec![format!("r{i}")], i as i64 + 1));
            me
        })
        .collect();
    let after = open_fds();
    assert!(
        after <= bound,
        "{after} handles open after {MEMBERS} members, {before} before (bound {bound})"
    );

    // Every store has been closed and opened again since; from four threads
    // at once (the cache churning while requests hold stores), each member
    // buys once more and syncs exactly their own two purchases.
    std::thread::scope(|s| {
        for (t, chunk) in members.chunks(MEMBERS / 4).enumerate() {
            let server = &server;
            s.spawn(move || {
                for (j, me) in chunk.iter().enumerate() {
                    let i = t * (MEMBERS / 4) + j;
                    buy(server, me, &format!("again{i}"), "100.00", Utc::now());
                    let (receipts, balance) = synced(server, me);
                    assert_eq!(receipts, [format!("r{i}"), format!("again{i}")]);
                    assert_eq!(balance, i as i64 + 1 + 10);
                }
            });
        }
    });
    let end = open_fds();
    eprintln!("open handles: {before} before, {after} after {MEMBERS} members, {end} at the end");
    assert!(
        end <= bound,
        "{end} handles open at the end, {before} before (bound {bound})"
    );
}

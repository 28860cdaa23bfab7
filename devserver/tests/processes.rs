//! Two and three real OS processes on one wallet folder, as on a phone where
//! a notification service extension (iOS) or an FCM service process
//! (Android) ingests pushes while the app redeems, reads and syncs.
//!
//! The children are this test binary run again with a role in the
//! environment (`process_worker_entry_point`); each one fails — exits
//! non-zero with the error — on any error a caller would see, so a
//! `database is locked` reaching a caller fails the test. The parent then
//! checks the sequential expectation: every push stored once, exactly one
//! `new` outcome per message id over all processes, every redeem applied
//! once on the server and on the phone, the digests agreeing.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use loyalty_core::inbox::model::PushOutcome;
use loyalty_core::session::{Session, SessionConfig};
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};
use serde_json::json;

mod common;
use common::Server;

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}]}"#;

const ROLE: &str = "LOYALTY_TEST_PROCESS_ROLE";
const DIR: &str = "LOYALTY_TEST_PROCESS_DIR";
const URL: &str = "LOYALTY_TEST_PROCESS_URL";

/// How long a child may run before the test calls it hung.
const CHILD_LIMIT: Duration = Duration::from_secs(120);

/// A session on the shared folder whose secrets (the access token) live in
/// the wallet file, as the desktop keeps them, so every process can sync.
fn session(dir: &std::path::Path, url: &str) -> Session {
    let store = Store::open_dir(dir).unwrap();
    let secrets = Arc::new(SqliteSecretStore::open(&dir.join(DB_FILE)).unwrap());
    let config = SessionConfig {
        server_url: Some(url.to_string()),
        ..SessionConfig::default()
    };
    Session::new(store, secrets, config).unwrap()
}

fn push(id: u32) -> String {
    json!({"kind": "message", "message_id": format!("m{id}"), "title": format!("News {id}"), "body": "Body"})
        .to_string()
}

/// Not a test of its own: the body of a child process when the role is set
/// (and nothing otherwise).
#[test]
fn process_worker_entry_point() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var(DIR).unwrap());
    let url = std::env::var(URL).unwrap();
    let s = session(&dir, &url);
    let parts: Vec<&str> = role.split(':').collect();
    match parts.as_slice() {
        ["push", from, to] => {
            let (from, to): (u32, u32) = (from.parse().unwrap(), to.parse().unwrap());
            let mut new = 0;
            for id in from..to {
                // The system may hand the same push over twice.
                for _ in 0..2 {
                    let outcome = s.ingest_push(&push(id)).result.unwrap();
                    new += usize::from(matches!(outcome, PushOutcome::New(_)));
                }
                // What the app's screens read meanwhile.
                s.inbox(false).unwrap();
                s.wallet_snapshot(30, 5).unwrap();
            }
            println!("NEW={new}");
        }
        ["redeem", n, every] => {
            let (n, every): (u32, u32) = (n.parse().unwrap(), every.parse().unwrap());
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            for i in 1..=n {
                s.redeem_reward("c1").result.unwrap();
                s.unread_count().unwrap();
                if i % every == 0 {
                    rt.block_on(s.sync()).result.unwrap();
                }
            }
            rt.block_on(s.sync()).result.unwrap();
            println!("REDEEMED={n}");
        }
        other => panic!("unknown role {other:?}"),
    }
}

fn spawn(role: &str, dir: &std::path::Path, url: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "process_worker_entry_point",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(DIR, dir)
        .env(URL, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a child and returns its standard output; fails with its
/// standard error when it failed or ran too long.
fn finish(role: &str, mut child: Child, started: Instant) -> String {
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > CHILD_LIMIT {
            let _ = child.kill();
            panic!("{role} ran longer than {CHILD_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{role} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn count(stdout: &str, key: &str) -> usize {
    stdout
        .lines()
        .find_map(|l| l.split_once(key).map(|(_, n)| n.trim()))
        .unwrap_or_else(|| panic!("no {key} in {stdout}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_on_one_wallet_lose_nothing_and_never_see_busy() {
    let server = Server::start(PROGRAM, 0.0);
    let url = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path(), &url);
    s.enroll().await.result.unwrap();
    s.sync().await.result.unwrap();
    // 1 000 points to redeem with, bought at the till.
    let body = json!({"payload": s.card_view().unwrap().frame.payload,
        "purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "10000.00"}]}});
    let (status, answer) = server.json("POST", "/v1/pos/purchases", None, Some(&body));
    assert_eq!(status, 201, "{answer}");
    s.sync().await.result.unwrap();
    assert_eq!(s.wallet_snapshot(30, 5).unwrap().snapshot.balance, 1000);

    // Two push processes with overlapping ids and one app process
    // redeeming and syncing, all at once.
    let started = Instant::now();
    // (450 distinct messages: under the inbox's 500-message cap.)
    let roles = ["push:0:300", "push:200:450", "redeem:200:20"];
    let children: Vec<_> = roles
        .iter()
        .map(|r| (*r, spawn(r, dir.path(), &url)))
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|(role, child)| finish(role, child, started))
        .collect();
    let elapsed = started.elapsed();

    // Every message once, and exactly one process was told it was new.
    let new = count(&outputs[0], "NEW=") + count(&outputs[1], "NEW=");
    assert_eq!(new, 450, "one `new` per distinct message id");
    let inbox = s.inbox(false).unwrap();
    let mut ids: Vec<&str> = inbox.iter().map(|m| m.content.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((inbox.len(), ids.len()), (450, 450));
    assert_eq!(s.unread_count().unwrap(), 450);

    // Every redeem once, here and on the server, and the digests agree.
    assert_eq!(count(&outputs[2], "REDEEMED="), 200);
    let done = s.sync().await.result.unwrap();
    assert!(done.report.mismatches.is_empty(), "{:?}", done.report);
    let snapshot = s.wallet_snapshot(30, 100).unwrap();
    assert_eq!(snapshot.snapshot.balance, 1000 - 200);
    assert_eq!(snapshot.snapshot.coupons.len(), 200);
    assert_eq!(snapshot.pending_actions, 0);
    eprintln!(
        "3 processes: 550 pushes ingested twice each (450 distinct), 200 redeems and 11 syncs in {elapsed:?}"
    );
}

//! What a phone's storage does to the wallet, and what the wallet does back:
//! a full disk during each kind of write, a read-only folder, the file
//! deleted or replaced under a running client, the `-wal` file gone.
//!
//! The full disk is real: the wallet lives on a small tmpfs filled to the
//! last byte, so SQLite meets ENOSPC as on a phone. Mounting needs root (or
//! CAP_SYS_ADMIN); where it is refused those tests say so on stderr and
//! check nothing (the `max_page_count` unit test in `core::store` still
//! covers `storage_full` there).

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use chrono::Utc;
use loyalty_core::session::Session;
use loyalty_core::store::{DB_FILE, Store};

mod common;
mod phone;
use common::Server;
use phone::purchase_event;

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}]}"#;

/// A tmpfs of its own, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
    filler: PathBuf,
}

impl SmallDisk {
    /// A `size` tmpfs, or `None` (said on stderr) where mounting is refused.
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Self {
                filler: dir.path().join("filler"),
                dir,
            }),
            other => {
                eprintln!(
                    "SKIPPED: cannot mount a small tmpfs here (needs root): {:?}",
                    other.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                );
                None
            }
        }
    }

    fn wallet_dir(&self) -> PathBuf {
        self.dir.path().join("wallet")
    }

    /// Writes a filler file until the disk has no byte left. SQLite's
    /// journal is emptied first (with a second connection) so that the
    /// next write must grow it.
    fn fill(&self) {
        let db = self.wallet_dir().join(DB_FILE);
        let c = rusqlite::Connection::open(&db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        drop(c);
        let mut f = std::fs::File::create(&self.filler).unwrap();
        for chunk in [65536usize, 4096, 512, 1] {
            let block = vec![0u8; chunk];
            while f.write_all(&block).and_then(|()| f.flush()).is_ok() {}
        }
    }

    /// Space returns.
    fn free(&self) {
        std::fs::remove_file(&self.filler).unwrap();
    }

    fn remount(&self, mode: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {mode}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Everything a failed write could have half-changed (seen at one instant).
fn state(s: &Session) -> String {
    let at = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let store = s.store();
    // (No snapshot before a program is known.)
    let snapshot = store.snapshot(at, 30, 100).map_err(|e| e.code());
    let inbox: Vec<String> = store
        .list_messages(at, true)
        .unwrap()
        .into_iter()
        .map(|m| m.content.id)
        .collect();
    format!(
        "{snapshot:?}\ninbox={inbox:?}\nevents={}\npending={}\ncard={:?}\ncursor={:?}",
        store.events().unwrap().len(),
        store.pending_count().unwrap(),
        store.card_number().unwrap(),
        store.meta(loyalty_core::store::SYNC_CURSOR_KEY).unwrap(),
    )
}

fn assert_full(what: &str, err: loyalty_core::LoyaltyError) {
    assert_eq!(err.code(), "storage_full", "{what}: {err}");
    assert!(err.to_string().contains("free some space"), "{what}: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_each_write_cleanly_and_the_next_one_after_space_returns_succeeds() {
    let Some(disk) = SmallDisk::mount("4m") else {
        return;
    };
    let server = Server::start(PROGRAM, 0.0);
    let url = format!("http://{}", server.addr);
    let s = phone::session_on(&disk.wallet_dir(), &url, None);

    // Enrollment.
    disk.fill();
    let before = state(&s);
    assert_full("enroll", s.enroll().await.result.unwrap_err());
    assert_eq!(state(&s), before, "a failed enrollment left something");
    disk.free();
    s.enroll().await.result.unwrap();
    s.sync().await.result.unwrap();

    // A sync page bringing a till purchase.
    phone::till_purchase(&server, &s, "r1", "1000.00");
    disk.fill();
    let before = state(&s);
    assert_full("sync page", s.sync().await.result.unwrap_err());
    assert_eq!(state(&s), before, "a failed sync page left something");
    disk.free();
    s.sync().await.result.unwrap();
    assert_eq!(s.wallet_snapshot(30, 5).unwrap().snapshot.balance, 100);

    // A push.
    let push = r#"{"kind": "message", "message_id": "m1", "title": "T", "body": "B"}"#;
    disk.fill();
    let before = state(&s);
    assert_full("push", s.ingest_push(push).result.unwrap_err());
    assert_eq!(state(&s), before, "a failed push left something");
    disk.free();
    assert_eq!(s.ingest_push(push).result.unwrap().as_str(), "new");

    // A purchase applied on the phone, and an offline redeem.
    disk.fill();
    let before = state(&s);
    let err = s
        .store()
        .apply(&purchase_event("local-1", "100.00"), Utc::now())
        .unwrap_err();
    assert_full("purchase", err);
    assert_full("redeem", s.redeem_reward("c1").result.unwrap_err());
    assert_eq!(
        state(&s),
        before,
        "a failed purchase or redeem left something"
    );
    disk.free();
    s.store()
        .apply(&purchase_event("local-1", "100.00"), Utc::now())
        .unwrap();
    s.redeem_reward("c1").result.unwrap();

    // Sign-out: nothing is wiped when it fails.
    s.sync().await.result.unwrap();
    disk.fill();
    let before = state(&s);
    assert_full("sign-out", s.sign_out().await.result.unwrap_err());
    assert_eq!(state(&s), before, "a failed sign-out wiped something");
    assert!(
        s.card_view().is_ok(),
        "the card must survive a failed sign-out"
    );
    disk.free();
    s.sign_out().await.result.unwrap();
    assert_eq!(s.card_view().unwrap_err().code(), "no_card");
}

#[test]
fn a_read_only_folder_is_a_clear_error_not_a_new_or_broken_wallet() {
    let Some(disk) = SmallDisk::mount("4m") else {
        return;
    };
    let dir = disk.wallet_dir();
    {
        let mut store = Store::open_dir(&dir).unwrap();
        store.set_program(PROGRAM).unwrap();
        store
            .apply(&purchase_event("r1", "100.00"), Utc::now())
            .unwrap();
    }
    disk.remount("ro");
    let err = Store::open_dir(&dir).unwrap_err();
    assert_eq!(err.code(), "storage", "{err}");
    assert!(
        err.to_string().contains("read-only folder"),
        "the message says what to check: {err}"
    );
    disk.remount("rw");
    let store = Store::open_dir(&dir).unwrap();
    assert_eq!(store.snapshot(Utc::now(), 30, 5).unwrap().balance, 10);
}

#[test]
fn a_wallet_deleted_or_replaced_under_a_running_client_takes_no_more_writes() {
    for replace in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(DB_FILE);
        let mut store = Store::open_dir(dir.path()).unwrap();
        store.set_program(PROGRAM).unwrap();
        store
            .apply(&purchase_event("r1", "100.00"), Utc::now())
            .unwrap();
        if replace {
            // Another wallet moved into its place (a restore, a second app copy).
            let other = dir.path().join("other");
            let mut o = Store::open_dir(&other).unwrap();
            o.set_program(PROGRAM).unwrap();
            o.close().unwrap();
            std::fs::rename(other.join(DB_FILE), &db).unwrap();
        } else {
            std::fs::remove_file(&db).unwrap();
        }
        let err = store
            .apply(&purchase_event("r2", "100.00"), Utc::now())
            .unwrap_err();
        assert_eq!(err.code(), "storage", "{err}");
        assert!(
            err.to_string().contains("deleted or replaced"),
            "the message says what happened: {err}"
        );
        // Reads go on from what the client had (the card still shows).
        assert_eq!(store.snapshot(Utc::now(), 30, 5).unwrap().balance, 10);
        drop(store);
        // Its journal was set aside, not left to be paired with the file now
        // at the path (SQLite would replay the old wallet's pages into it).
        let aside = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy()
                    .starts_with("wallet.sqlite3-wal.orphaned-")
            })
            .count();
        assert_eq!(aside, 1, "the old journal is kept aside for support");
        // The wallet now at the path is the other one (or a new one), whole
        // and untouched by the refused write.
        let store = Store::open_dir(dir.path()).unwrap();
        assert_eq!(store.events().unwrap().len(), 0);
        assert_eq!(store.program().is_some(), replace);
    }
}

#[test]
fn a_wal_removed_after_a_crash_loses_only_its_own_commits_and_opens_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store.set_program(PROGRAM).unwrap();
    store
        .apply(&purchase_event("r1", "100.00"), Utc::now())
        .unwrap();
    // Checkpointed: r1 is in the main file.
    store.close().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    store
        .apply(&purchase_event("r2", "100.00"), Utc::now())
        .unwrap();
    // The process dies here (its WAL holds r2), and the -wal file is lost:
    // a copy of the main file alone is what the next start finds.
    let crashed = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join(DB_FILE), crashed.path().join(DB_FILE)).unwrap();
    drop(store);
    let store = Store::open_dir(crashed.path()).unwrap();
    let events = store.events().unwrap();
    assert_eq!(
        events.len(),
        1,
        "the commit that lived only in the WAL is gone"
    );
    assert_eq!(store.snapshot(Utc::now(), 30, 5).unwrap().balance, 10);
    // And the wallet takes writes again.
    let mut store = store;
    store
        .apply(&purchase_event("r3", "100.00"), Utc::now())
        .unwrap();
}

//! The SQLite store: persistence, refusal of files that are not ours, and
//! "a failed operation changes nothing".

use std::path::Path;

use chrono::{DateTime, Duration};
use loyalty_core::store::{APPLICATION_ID, DB_FILE, SCHEMA_VERSION, Store};
use loyalty_core::wallet::{
    BonusKind, Event, LineInput, PurchaseInput, ReturnInput, ReturnLineInput, Time, WalletSnapshot,
};

const PROGRAM: &str = r#"{
  "currency": "RUB", "utc_offset": "+03:00",
  "earn": {"rule": {"percent": "10"}, "excluded_categories": ["tobacco"]},
  "expiry": {"months": 12},
  "redemption": {"max_percent": 50},
  "tiers": {"window_days": 365, "levels": [
    {"id": "bronze", "threshold": "0"}, {"id": "silver", "threshold": "1000", "discount_percent": "5"}]},
  "rewards": [{"id": "c20", "cost": 50, "coupon": {"percent": "20", "valid_days": 30}}],
  "bonuses": {"welcome": 100, "referral": 30}
}"#;

fn t(s: &str) -> Time {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn purchase(id: &str, amount: &str) -> Event {
    Event::Purchase(PurchaseInput {
        receipt_id: id.into(),
        lines: vec![LineInput {
            sku: "A".into(),
            category: Some("food".into()),
            qty: 2,
            amount: amount.into(),
        }],
        coupon: None,
        pay_points: None,
    })
}

fn seeded(dir: &Path) -> Store {
    let mut store = Store::open_dir(dir).unwrap();
    store.set_program(PROGRAM).unwrap();
    store
        .apply(
            &Event::Bonus {
                kind: BonusKind::Welcome,
                key: None,
            },
            t("2026-01-01T00:00:00Z"),
        )
        .unwrap();
    store
        .apply(&purchase("r1", "1500.00"), t("2026-01-02T00:00:00Z"))
        .unwrap();
    store
        .apply(
            &Event::RedeemReward {
                reward_id: "c20".into(),
                coupon_id: "k1".into(),
            },
            t("2026-01-03T00:00:00Z"),
        )
        .unwrap();
    store
}

fn snap(store: &Store) -> WalletSnapshot {
    store.snapshot(t("2026-02-01T00:00:00Z"), 400, 50).unwrap()
}

#[test]
fn state_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let before = snap(&seeded(dir.path()));
    let reopened = Store::open_dir(dir.path()).unwrap();
    assert_eq!(snap(&reopened), before);
    assert_eq!(before.balance, 100 + 150 - 50);
    assert_eq!(before.tier.as_ref().unwrap().id, "silver");
    assert_eq!(reopened.events().unwrap().len(), 3);
}

#[test]
fn failed_events_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = seeded(dir.path());
    let before = snap(&store);
    let events_before = store.events().unwrap().len();
    let at = t("2026-01-10T00:00:00Z");
    let bad = [
        (purchase("r1", "10.00"), "duplicate_receipt"),
        (purchase("r2", "1.234"), "invalid_amount"),
        (
            Event::Purchase(PurchaseInput {
                receipt_id: "r3".into(),
                lines: vec![],
                coupon: None,
                pay_points: None,
            }),
            "empty_receipt",
        ),
        (
            Event::Purchase(PurchaseInput {
                receipt_id: "r4".into(),
                lines: vec![LineInput {
                    sku: "A".into(),
                    category: None,
                    qty: 1,
                    amount: "100.00".into(),
                }],
                coupon: Some("k1".into()),
                pay_points: Some(51),
            }),
            "redemption_cap_exceeded",
        ),
        (
            Event::Return(ReturnInput {
                receipt_id: "r1".into(),
                lines: vec![ReturnLineInput {
                    sku: "A".into(),
                    qty: 3,
                }],
            }),
            "return_exceeds_purchase",
        ),
        (
            Event::Bonus {
                kind: BonusKind::Welcome,
                key: None,
            },
            "bonus_already_granted",
        ),
        (
            Event::Bonus {
                kind: BonusKind::Birthday,
                key: None,
            },
            "bonus_not_configured",
        ),
        (
            Event::RedeemReward {
                reward_id: "c20".into(),
                coupon_id: "k1".into(),
            },
            "duplicate_coupon",
        ),
    ];
    for (event, code) in bad {
        let err = store.apply(&event, at).expect_err(code);
        assert_eq!(err.code(), code, "{err}");
    }
    assert_eq!(snap(&store), before);
    assert_eq!(store.events().unwrap().len(), events_before);
    // An invalid program is refused and the old one stays in force.
    assert_eq!(
        store
            .set_program(r#"{"currency":"RUB"}"#)
            .unwrap_err()
            .code(),
        "invalid_rules"
    );
    assert_eq!(snap(&store), before);
}

#[test]
fn preview_matches_the_real_purchase_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = seeded(dir.path());
    let before = snap(&store);
    let input = PurchaseInput {
        receipt_id: "r9".into(),
        lines: vec![
            LineInput {
                sku: "A".into(),
                category: Some("food".into()),
                qty: 1,
                amount: "999.99".into(),
            },
            LineInput {
                sku: "C".into(),
                category: Some("tobacco".into()),
                qty: 1,
                amount: "200.00".into(),
            },
        ],
        coupon: Some("k1".into()),
        pay_points: Some(100),
    };
    let at = t("2026-01-05T00:00:00Z");
    let quote = store.preview_purchase(&input, at).unwrap();
    assert_eq!(snap(&store), before);
    // silver: D1 = floor(99999 * 5%) = 4999; D2 = floor(95000 * 20%) = 19000.
    assert_eq!((quote.tier_discount, quote.coupon_discount), (4999, 19000));
    // cap = floor(76000 * 50%) = 38000 minor = 380 points, limited by the balance of 200.
    assert_eq!(quote.max_points_payable, 200);
    let applied = store.apply(&Event::Purchase(input), at).unwrap();
    assert_eq!(applied.purchase.unwrap(), quote);
}

#[test]
fn time_going_back_is_clamped_to_the_last_event() {
    let mut store = Store::open_in_memory().unwrap();
    store.set_program(PROGRAM).unwrap();
    let late = t("2026-05-01T00:00:00Z");
    store.apply(&purchase("r1", "10.00"), late).unwrap();
    let applied = store
        .apply(&purchase("r2", "10.00"), late - Duration::hours(5))
        .unwrap();
    assert_eq!(applied.at, late);
}

#[test]
fn events_need_a_program() {
    let mut store = Store::open_in_memory().unwrap();
    let err = store
        .apply(&purchase("r1", "1.00"), t("2026-01-01T00:00:00Z"))
        .unwrap_err();
    assert_eq!(err.code(), "no_program");
    assert_eq!(
        store
            .snapshot(t("2026-01-01T00:00:00Z"), 30, 5)
            .unwrap_err()
            .code(),
        "no_program"
    );
}

#[test]
fn rebuild_from_the_log_equals_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(dir.path());
    let rebuilt = store.rebuild().unwrap();
    let program = store.program().unwrap();
    let at = t("2026-02-01T00:00:00Z");
    let from_memory = loyalty_core::wallet::snapshot(program, &rebuilt, at, 400, 50).unwrap();
    assert_eq!(from_memory, snap(&store));
}

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn garbage_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.code(), "not_a_database", "{err}");
    assert_eq!(file_bytes(&path), garbage);
}

#[test]
fn truncated_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path()));
    let path = dir.path().join(DB_FILE);
    // Fold the WAL in, then cut the file in half.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let bytes = file_bytes(&path);
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let result = Store::open(&path).and_then(|s| s.snapshot(t("2026-02-01T00:00:00Z"), 30, 5));
    let err = result.expect_err("a truncated database must not load");
    assert!(
        ["not_a_database", "storage", "corrupt_store"].contains(&err.code()),
        "{}: {err}",
        err.code()
    );
}

#[test]
fn foreign_sqlite_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
            .unwrap();
    }
    let before = file_bytes(&path);
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.code(), "not_a_database");
    assert!(err.to_string().contains("another application"), "{err}");
    assert_eq!(file_bytes(&path), before);
    assert!(
        !dir.path().join("other.db-wal").exists(),
        "journal mode must not be switched"
    );
}

#[test]
fn newer_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path()));
    let path = dir.path().join(DB_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = file_bytes(&path);
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.code(), "schema_too_new");
    assert!(err.to_string().contains("update the app"), "{err}");
    assert_eq!(file_bytes(&path), before);
}

#[test]
fn fresh_database_is_stamped_and_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path()));
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let app: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(
        (app, version, mode.as_str()),
        (APPLICATION_ID, SCHEMA_VERSION, "wal")
    );
}

/// SQLite's plan for `sql`, its steps joined by " | ".
fn query_plan(conn: &rusqlite::Connection, sql: &str) -> String {
    conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn screen_queries_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path()));
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    for sql in [
        "SELECT coalesce(sum(remaining), 0) FROM lots WHERE remaining > 0 AND expires_at > 1 AND expires_at <= 2",
        "SELECT coalesce(sum(contribution - ret_contribution), 0) FROM receipts WHERE at > 1 AND at <= 2",
        "SELECT id FROM ledger WHERE id < 5 ORDER BY id DESC LIMIT 20",
        "SELECT id FROM lots WHERE remaining > 0 AND expires_at > 1 AND id IS NOT NULL ORDER BY expires_at, id",
    ] {
        let plan = query_plan(&conn, sql);
        assert!(
            plan.contains("SEARCH") && !plan.contains("SCAN"),
            "{sql}: {plan}"
        );
    }
    // The inbox at its bound: the eviction reads its victims in index order
    // (a scan that stops at the first rows, never a sort of the inbox); the
    // unread badge and the purge search their own indexes.
    let plan = |sql: &str| query_plan(&conn, sql);
    let evict = plan(
        "SELECT id, state, pinned, received_at FROM inbox \
         ORDER BY pinned, state = 'unread', received_at, id LIMIT 1",
    );
    assert!(
        evict.contains("USING INDEX inbox_evict") && !evict.contains("TEMP B-TREE"),
        "{evict}"
    );
    let purge = "SELECT id, state FROM inbox WHERE expires_at IS NOT NULL AND expires_at <= 1";
    let p = plan(purge);
    assert!(p.contains("SEARCH") && !p.contains("SCAN"), "{purge}: {p}");
    // The badge reads the unread messages' own index and nothing else: that
    // index holds unread messages only (schema 12), so evicting a read
    // message leaves it untouched.
    let badge = plan(
        "SELECT count(*) FROM inbox WHERE state = 'unread' AND (expires_at IS NULL OR expires_at > 1)",
    );
    assert!(
        badge.contains("COVERING INDEX inbox_unread") && !badge.contains("TEMP B-TREE"),
        "{badge}"
    );
    let unread_only: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'inbox_unread'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        unread_only.contains("WHERE state = 'unread'"),
        "{unread_only}"
    );
}

/// A schema-11 wallet migrates to the unread-only badge index and its
/// badge counts what it counted before, read or not, expired or not.
#[test]
fn schema_11_inbox_migrates_to_the_unread_only_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let now = t("2026-03-01T00:00:00Z");
    {
        let mut store = seeded(dir.path());
        for (id, expires) in [
            ("a", "2027-01-01"),
            ("b", "2026-02-01"),
            ("c", "2027-01-01"),
        ] {
            let push = format!(
                r#"{{"kind":"message","message_id":"{id}","title":"T","body":"B","expires_at":"{expires}T00:00:00Z"}}"#
            );
            store.ingest_push(&push, t("2026-01-01T00:00:00Z")).unwrap();
        }
        store.mark_read("c", t("2026-01-02T00:00:00Z")).unwrap();
        // "a", and the seeded purchase's tier-reached notice (no expiry).
        assert_eq!(store.unread_count(now).unwrap(), 2);
        store.close().unwrap();
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP INDEX inbox_unread; CREATE INDEX inbox_unread ON inbox (state, expires_at); \
             DROP TABLE notice_marks; PRAGMA user_version = 11;",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.unread_count(now).unwrap(), 2, "the same two");
    store.mark_read("a", now).unwrap();
    assert_eq!(store.unread_count(now).unwrap(), 1);
    store.close().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (version, index): (i64, String) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), sql \
             FROM sqlite_master WHERE name = 'inbox_unread'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert!(index.contains("WHERE state = 'unread'"), "{index}");
}

/// A schema-12 wallet's goal period rows move to the period-first key and
/// the goals read what they read before; the streak read walks the by-goal
/// index and the count read the key.
#[test]
fn schema_12_goal_periods_migrate_to_period_first_keys() {
    let goals = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
      "challenges": [{"id": "days", "title": "Days", "goal": {"metric": "distinct_days", "target": 4}, "reward": {"points": 5}}],
      "badges": [{"id": "streak", "title": "Streak", "goal": {"metric": "week_streak"}, "levels": [2, 3, 9]},
                 {"id": "days", "title": "Days", "goal": {"metric": "distinct_days"}, "levels": [3, 30]}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let now = t("2026-02-01T00:00:00Z");
    let before = {
        let mut store = Store::open_dir(dir.path()).unwrap();
        store.set_program(goals).unwrap();
        for (i, day) in [1, 2, 2, 9, 16, 17].into_iter().enumerate() {
            let at = t("2026-01-01T10:00:00Z") + chrono::Duration::days(day);
            store
                .apply(&purchase(&format!("r{i}"), "100.00"), at)
                .unwrap();
        }
        let views = format!("{:?}", store.goal_views(now).unwrap());
        store.close().unwrap();
        views
    };
    assert!(before.contains("level: 2"), "{before}");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE old (goal TEXT NOT NULL, key INTEGER NOT NULL, \
               count INTEGER NOT NULL CHECK (count > 0), PRIMARY KEY (goal, key)) WITHOUT ROWID; \
             INSERT INTO old SELECT goal, key, count FROM goal_periods; \
             DROP TABLE goal_periods; ALTER TABLE old RENAME TO goal_periods; \
             DROP TABLE notice_marks; PRAGMA user_version = 12;",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(format!("{:?}", store.goal_views(now).unwrap()), before);
    // Still counting: a purchase on a new day moves the day badge on.
    store
        .apply(&purchase("late", "100.00"), t("2026-01-20T10:00:00Z"))
        .unwrap();
    assert_ne!(format!("{:?}", store.goal_views(now).unwrap()), before);
    store.close().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let table: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'goal_periods'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(table.contains("PRIMARY KEY (key, goal)"), "{table}");
    let plan = |sql: &str| query_plan(&conn, sql);
    let keys =
        plan("SELECT key FROM goal_periods WHERE goal = 'b:streak' AND key <= 9 ORDER BY key DESC");
    assert!(
        keys.contains("COVERING INDEX goal_periods_by_goal") && !keys.contains("TEMP B-TREE"),
        "{keys}"
    );
    let count = plan("SELECT count FROM goal_periods WHERE goal = 'b:days' AND key = 9");
    assert!(
        count.contains("PRIMARY KEY") && !count.contains("SCAN"),
        "{count}"
    );
}

/// A schema-13 wallet — its goal record JSON, its inbox under the
/// `IN (...)` state check — opens at the current schema: the record reads
/// as it was and becomes bytes at its next write, the messages stay as they
/// were, and the rebuilt state check still refuses an unknown state.
#[test]
fn schema_13_goal_record_and_inbox_check_migrate() {
    let goals = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
      "challenges": [{"id": "buy", "title": "Buy", "goal": {"metric": "purchases", "target": 5}, "reward": {"points": 5}}],
      "badges": [{"id": "spend", "title": "Spend", "goal": {"metric": "purchases"}, "levels": [1, 4]}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let now = t("2026-02-01T00:00:00Z");
    let messages = {
        let mut store = Store::open_dir(dir.path()).unwrap();
        store.set_program(goals).unwrap();
        store
            .apply(&purchase("r0", "100.00"), t("2026-01-02T10:00:00Z"))
            .unwrap();
        for id in ["m1", "m2"] {
            let push =
                format!(r#"{{"kind":"message","message_id":"{id}","title":"T {id}","body":"B"}}"#);
            store.ingest_push(&push, t("2026-01-03T00:00:00Z")).unwrap();
        }
        store.mark_read("m1", t("2026-01-04T00:00:00Z")).unwrap();
        let list = store.list_messages(now, true).unwrap();
        store.close().unwrap();
        list
    };
    {
        // What a schema-13 build left: the record as JSON (three purchases
        // counted, the badge's first level earned), the old check.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            r#"UPDATE goal_state SET body = '{"challenges":{"buy":{"progress":3}},"badges":{"spend":{"progress":3,"level":1,"earned_at_ms":1767348000000}}}';
               CREATE TABLE old AS SELECT * FROM inbox;
               DROP TABLE inbox;
               CREATE TABLE inbox (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
                 body TEXT NOT NULL, expires_at INTEGER, deep_link TEXT, image_url TEXT,
                 coupon_kind TEXT, coupon_value INTEGER, coupon_valid_days INTEGER,
                 priority INTEGER NOT NULL, pinned INTEGER NOT NULL, revision INTEGER NOT NULL,
                 received_at INTEGER NOT NULL,
                 state TEXT NOT NULL CHECK (state IN ('unread', 'read', 'dismissed')),
                 activated_at INTEGER, generated INTEGER NOT NULL, coupon_scope TEXT) WITHOUT ROWID;
               INSERT INTO inbox SELECT * FROM old;
               DROP TABLE old;
               CREATE INDEX inbox_evict ON inbox (pinned, state = 'unread', received_at, id);
               CREATE INDEX inbox_unread ON inbox (expires_at, state) WHERE state = 'unread';
               CREATE INDEX inbox_expiry ON inbox (expires_at) WHERE expires_at IS NOT NULL;
               DROP TABLE notice_marks;
               PRAGMA user_version = 13;"#,
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.list_messages(now, true).unwrap(), messages);
    let (challenges, badges) = store.goal_views(now).unwrap();
    assert_eq!((challenges[0].progress, badges[0].level), (3, 1));
    store
        .apply(&purchase("r1", "100.00"), t("2026-01-05T10:00:00Z"))
        .unwrap();
    let (challenges, badges) = store.goal_views(now).unwrap();
    assert_eq!((challenges[0].progress, badges[0].level), (4, 2));
    store.close().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (version, body_type, table): (i64, String, String) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), \
                    (SELECT typeof(body) FROM goal_state), \
                    (SELECT sql FROM sqlite_master WHERE name = 'inbox')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((version, body_type.as_str()), (SCHEMA_VERSION, "blob"));
    assert!(
        table.contains("state = 'unread' OR state = 'read'"),
        "{table}"
    );
    let refused = conn.execute("UPDATE inbox SET state = 'gone' WHERE id = 'm1'", []);
    assert!(
        refused.unwrap_err().to_string().contains("CHECK"),
        "an unknown state is still refused"
    );
}

struct FailingSecrets;

impl loyalty_core::card::SecretStore for FailingSecrets {
    fn get(&self, _: &str) -> loyalty_core::Result<Option<Vec<u8>>> {
        Err(loyalty_core::LoyaltyError::SecretStore {
            reason: "keystore locked".into(),
        })
    }
    fn put(&self, _: &str, _: &[u8]) -> loyalty_core::Result<()> {
        Err(loyalty_core::LoyaltyError::SecretStore {
            reason: "keystore locked".into(),
        })
    }
    fn delete(&self, _: &str) -> loyalty_core::Result<()> {
        Ok(())
    }
}

#[test]
fn card_enrollment_uses_the_secret_store_and_rolls_back_when_it_fails() {
    use loyalty_core::card::SecretStore;
    use loyalty_core::store::SqliteSecretStore;
    let dir = tempfile::tempdir().unwrap();
    let mut store = seeded(dir.path());
    let at = t("2026-01-05T00:00:00Z");
    let secret = b"12345678901234567890";

    let err = store
        .enroll_card("4006381333931", secret, &FailingSecrets, at)
        .unwrap_err();
    assert_eq!(err.code(), "secret_store");
    assert_eq!(
        store.card_number().unwrap(),
        None,
        "a failed enrollment changes nothing"
    );
    assert_eq!(
        store.card_service(&FailingSecrets).unwrap_err().code(),
        "no_card"
    );

    let secrets = SqliteSecretStore::open(&dir.path().join(DB_FILE)).unwrap();
    assert_eq!(
        store
            .enroll_card("123", secret, &secrets, at)
            .unwrap_err()
            .code(),
        "invalid_card_number"
    );
    assert_eq!(
        store
            .enroll_card("4006381333931", b"short", &secrets, at)
            .unwrap_err()
            .code(),
        "invalid_secret"
    );
    store
        .enroll_card("4006381333931", secret, &secrets, at)
        .unwrap();
    assert_eq!(
        secrets.get("card_secret").unwrap().as_deref(),
        Some(&secret[..])
    );
    assert!(!format!("{secrets:?}").contains("1234567890"));

    // Reopened, the card renders from the stored number and secret, shifted by the server offset.
    drop(store);
    let mut store = Store::open_dir(dir.path()).unwrap();
    let card = store.card_service(&secrets).unwrap();
    let unix = chrono::DateTime::from_timestamp(1_111_111_109, 0).unwrap();
    assert_eq!(card.payload(unix).unwrap(), "LOY1:4006381333931:07081804");
    store.set_server_offset_ms(60_000).unwrap();
    let shifted = store.card_service(&secrets).unwrap();
    assert_eq!(
        shifted.payload(unix - Duration::seconds(60)).unwrap(),
        "LOY1:4006381333931:07081804"
    );
}

/// The data folder and the wallet files (which hold the access token and
/// the card secret on desktops) are the owner's only, when created and when
/// opened again after someone loosened them.
#[cfg(unix)]
#[test]
fn the_data_folder_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let store = Store::open_dir(&dir).unwrap();
    let db = dir.join(DB_FILE);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&db), 0o600);
    drop(store);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _store = Store::open_dir(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&db), 0o600);
    let wal = dir.join(format!("{DB_FILE}-wal"));
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
}

/// A line's category is bounded like its sku (at most 128 bytes, no control
/// characters): an unbounded one made a member's sync pages too large to
/// ever download.
#[test]
fn a_category_is_bounded_like_a_sku() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = seeded(tmp.path());
    let before = snap(&store);
    for category in ["x".repeat(129), "sport\u{7}".to_string(), " ".to_string()] {
        let Event::Purchase(mut p) = purchase("r-long", "100.00") else {
            unreachable!()
        };
        p.lines[0].category = Some(category.clone());
        let err = store
            .apply(&Event::Purchase(p), t("2026-01-05T00:00:00Z"))
            .unwrap_err();
        assert_eq!(err.code(), "invalid_id", "{category:?}");
        assert!(err.to_string().contains("lines[0].category"), "{err}");
    }
    assert_eq!(snap(&store), before);
    let Event::Purchase(mut p) = purchase("r-ok", "100.00") else {
        unreachable!()
    };
    p.lines[0].category = Some("x".repeat(128));
    store
        .apply(&Event::Purchase(p), t("2026-01-05T00:00:00Z"))
        .unwrap();
}

/// A truncated-to-nothing wallet file is refused, not re-initialised as a
/// new, empty wallet by whatever command opens it first.
#[test]
fn an_empty_wallet_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    std::fs::write(&path, b"").unwrap();
    let err = Store::open_dir(dir.path()).unwrap_err();
    assert_eq!(err.code(), "not_a_database", "{err}");
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(file_bytes(&path), Vec::<u8>::new());
    assert!(!dir.path().join(format!("{DB_FILE}-wal")).exists());
}

/// Damaged pages inside a wallet that SQLite still recognises are
/// `corrupt_store`, not `not_a_database` (an app offering "reset" on the
/// latter must not be told a damaged-but-ours file is someone else's).
#[test]
fn damaged_pages_are_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path()));
    let path = dir.path().join(DB_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let mut bytes = file_bytes(&path);
    let page = 4096;
    assert!(bytes.len() > 4 * page, "{} bytes", bytes.len());
    // Everything after the first page (the schema) becomes noise.
    for (i, b) in bytes.iter_mut().enumerate().skip(page) {
        *b = (i * 31 % 253) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::open(&path)
        .and_then(|s| s.snapshot(t("2026-02-01T00:00:00Z"), 30, 5))
        .expect_err("a damaged wallet must not load");
    assert_eq!(err.code(), "corrupt_store", "{err}");
}

/// A wallet whose ledger pages are damaged (a flash fault, a bad restore)
/// still opens and shows what it can, but no command writes to it again —
/// in this process or the next — and its bytes stay exactly as they were.
#[test]
fn no_write_reaches_a_damaged_wallet() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path()));
    let path = dir.path().join(DB_FILE);
    let (page_size, root) = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        let size: i64 = conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap();
        let root: i64 = conn
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'ledger'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (size as usize, root as usize)
    };
    let mut bytes = file_bytes(&path);
    // The ledger's root page: its header says "interior page" with nonsense cells.
    let start = (root - 1) * page_size;
    for (i, b) in bytes[start..start + page_size].iter_mut().enumerate() {
        *b = if i == 0 { 0x05 } else { (i * 37 % 251) as u8 };
    }
    std::fs::write(&path, &bytes).unwrap();

    let mut store = Store::open(&path).expect("a damaged wallet still opens");
    // What does not touch the damaged pages still reads.
    assert_eq!(
        store.program().map(|p| p.currency.clone()),
        Some("RUB".into())
    );
    let refused = store
        .apply(&purchase("r9", "10.00"), t("2026-02-01T00:00:00Z"))
        .unwrap_err();
    assert_eq!(refused.code(), "corrupt_store", "{refused}");
    assert!(refused.to_string().contains("sign in again"), "{refused}");
    let push = r#"{"kind": "message", "message_id": "m1", "title": "t", "body": "b"}"#;
    assert_eq!(
        store
            .ingest_push(push, t("2026-02-01T00:00:00Z"))
            .unwrap_err()
            .code(),
        "corrupt_store"
    );
    drop(store);
    // The next process knows without checking again.
    let mut again = Store::open(&path).unwrap();
    assert_eq!(
        again
            .redeem_offline("c20", t("2026-02-01T00:00:00Z"))
            .unwrap_err()
            .code(),
        "corrupt_store"
    );
    drop(again);
    assert_eq!(file_bytes(&path), bytes, "the damaged file was written to");
    assert!(
        !dir.path().join(format!("{DB_FILE}-wal")).exists() || {
            std::fs::metadata(dir.path().join(format!("{DB_FILE}-wal")))
                .unwrap()
                .len()
                == 0
        }
    );
    // Moved away for support: a new wallet in its place is written normally.
    std::fs::rename(&path, dir.path().join("kept-for-support.sqlite3")).unwrap();
    let mut fresh = Store::open(&path).unwrap();
    fresh.set_program(PROGRAM).unwrap();
    fresh
        .apply(&purchase("n1", "10.00"), t("2026-02-01T00:00:00Z"))
        .unwrap();
}

/// A file the store refuses at open keeps its bytes, whatever refused it:
/// a newer schema, another application's database, a migration that fails.
/// Opening once switched such a file to WAL (a lasting change in its
/// header) before the migration refused it. (A fuzzing finding; the
/// `wallet_db` target asserts it for any file.)
#[test]
fn a_refused_wallet_file_is_not_switched_to_wal() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "newer",
            "PRAGMA application_id = 1280268593; PRAGMA user_version = 999; CREATE TABLE meta (key TEXT);",
        ),
        (
            "foreign",
            "PRAGMA application_id = 42; CREATE TABLE notes (body TEXT);",
        ),
        // Ours at schema 3, but its tables are missing: migration 3 fails.
        (
            "broken",
            "PRAGMA application_id = 1280268593; PRAGMA user_version = 3; CREATE TABLE other (a);",
        ),
    ];
    for (name, sql) in cases {
        let path = dir.path().join(format!("{name}.sqlite3"));
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(sql).unwrap();
        }
        let bytes = file_bytes(&path);
        let err = Store::open(&path).expect_err(name);
        assert!(
            ["schema_too_new", "not_a_database", "storage"].contains(&err.code()),
            "{name}: {err}"
        );
        assert_eq!(file_bytes(&path), bytes, "{name}: the refused file changed");
        assert!(
            !dir.path().join(format!("{name}.sqlite3-wal")).exists(),
            "{name}"
        );
    }
}

/// A file whose stored rules do not read is refused with its bytes as they
/// were: an older one is not left migrated (the migration is rolled back),
/// a current one not yet in WAL mode is not switched to it. (A fuzzing
/// finding: the smoke run's `wallet_db` target met a schema-10 file whose
/// rules text was no longer UTF-8 once schema 11 existed.)
#[test]
fn a_wallet_whose_rules_do_not_read_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, downgrade) in [
        // Schema 10 exactly as it was: the inbox indexes before schema 11.
        (
            "older",
            "DROP INDEX inbox_evict; DROP INDEX inbox_unread; DROP INDEX inbox_expiry; \
             CREATE INDEX inbox_display ON inbox (pinned DESC, priority DESC, received_at DESC, id); \
             CREATE INDEX inbox_evict ON inbox (pinned, state, received_at); \
             DROP TABLE notice_marks; PRAGMA user_version = 10;",
        ),
        ("current, rollback journal", "PRAGMA journal_mode = DELETE;"),
    ] {
        let sub = dir.path().join(name.replace([' ', ','], "-"));
        let path = sub.join(DB_FILE);
        {
            let mut store = Store::open_dir(&sub).unwrap();
            store.set_program(PROGRAM).unwrap();
            store.close().unwrap();
        }
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch("UPDATE programs SET rules = CAST(x'c328' AS TEXT)")
                .unwrap();
            conn.execute_batch(downgrade).unwrap();
        }
        let bytes = file_bytes(&path);
        let err = Store::open(&path).expect_err(name);
        assert_eq!(err.code(), "storage", "{name}: {err}");
        assert_eq!(file_bytes(&path), bytes, "{name}: the refused file changed");
    }
}

/// The meta writes outside a bigger operation (the sync's server offset,
/// the LOY2 credential's revocation) go through the store's checked write
/// path too: on a damaged file they are refused and the file keeps its bytes.
/// (A fuzzing finding: both wrote straight to the file; the `wallet_db`
/// target asserts it for any damaged file.)
#[test]
fn meta_writes_do_not_reach_a_damaged_wallet() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path()));
    let path = dir.path().join(DB_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    // Damage is known from the marker the store leaves beside the file.
    std::fs::write(
        dir.path().join(format!("{DB_FILE}-damaged")),
        "file=\nfound earlier\n",
    )
    .unwrap();
    let bytes = file_bytes(&path);
    let mut store = Store::open(&path).expect("a damaged wallet still opens");
    assert_eq!(
        store.set_server_offset_ms(1234).unwrap_err().code(),
        "corrupt_store"
    );
    assert_eq!(
        store.mark_loy2_revoked().unwrap_err().code(),
        "corrupt_store"
    );
    drop(store);
    // The desktop secret store shares the file, and the rule.
    let secrets = loyalty_core::store::SqliteSecretStore::open(&path).unwrap();
    use loyalty_core::card::SecretStore as _;
    assert_eq!(secrets.put("k", b"v").unwrap_err().code(), "corrupt_store");
    assert_eq!(secrets.delete("k").unwrap_err().code(), "corrupt_store");
    drop(secrets);
    assert_eq!(
        file_bytes(&path),
        bytes,
        "a meta write reached the damaged file"
    );
}

/// The desktop secret store overwrites a deleted secret: its bytes are
/// nowhere in the file once the journal is folded in.
#[test]
fn a_deleted_secret_leaves_no_bytes_behind() {
    use loyalty_core::card::SecretStore;
    use loyalty_core::store::SqliteSecretStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    drop(Store::open(&path).unwrap());
    let secret = b"SECRET-7f3a9c1e-SECRET-0042";
    let store = SqliteSecretStore::open(&path).unwrap();
    store.put("card_secret", secret).unwrap();
    let fold = || {
        let c = rusqlite::Connection::open(&path).unwrap();
        let busy: i64 = c
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(busy, 0);
    };
    fold();
    let contains = |bytes: &[u8]| bytes.windows(secret.len()).any(|w| w == secret);
    assert!(
        contains(&file_bytes(&path)),
        "the test must see the secret first"
    );
    store.delete("card_secret").unwrap();
    fold();
    assert!(
        !contains(&file_bytes(&path)),
        "the deleted secret is still in the file"
    );
}

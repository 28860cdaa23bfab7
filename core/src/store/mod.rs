//! The SQLite store: one member's wallet on disk.
//!
//! Owns the connection, the schema and its migrations, the program rules in
//! force, and the event log. Every event is applied in one IMMEDIATE
//! transaction together with its log row, so a crash leaves all of an event or
//! none of it; a failed event rolls back and changes nothing.

mod boards;
mod card;
mod damage;
mod effects;
mod goal_record;
mod held;
mod hot;
mod inbox;
#[cfg(test)]
mod migration_tests;
mod offline;
mod programs;
mod queue;
mod schema;
#[cfg(any(test, feature = "server"))]
mod server;
mod sql;
mod sync;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

pub use crate::inbox::policy::DEFAULT_OFFER_COUPON_DAYS;
pub use boards::{BoardMembership, BoardView, BoardsView, JOIN_ACTION, LEAVE_ACTION};
pub use card::{LOY2_CREDENTIAL_KEY, LOY2_REVOKED_KEY, SqliteSecretStore, StoredCredential};
pub use inbox::OutboxEntry;
pub use offline::{Enrollment, SERVER_URL_KEY};
use programs::Rules;
pub use queue::PendingAction;
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
#[cfg(any(test, feature = "server"))]
pub use server::{KEY_REUSED, KeyedOutcome, TillOutcome};
use sql::SqlView;
pub use sync::{
    ACCESS_TOKEN_KEY, PageApplied, PageProgram, REFUSED_OFFSET_KEY, SERVER_OFFSET_KEY,
    SYNC_CURSOR_KEY, ServerEvent, TRUSTED_FLOOR_KEY,
};

use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;
use crate::program::Program;
use crate::wallet::engine;
use crate::wallet::memory::MemoryWallet;
use crate::wallet::model::{Event, LedgerEntry, PurchaseInput, PurchaseQuote};
use crate::wallet::snapshot::{WalletSnapshot, snapshot};
use crate::wallet::view::WalletView;

/// Makes a database file and its WAL and shared-memory files readable and
/// writable by their owner only (0600 on Unix; nothing elsewhere). Best
/// effort: a file that cannot be changed (not ours, a read-only disk) is
/// logged and left as it is.
pub fn make_private(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        if path.exists() {
            set_mode(&path, 0o600);
        }
    }
}

/// Makes a data folder accessible to its owner only (0700 on Unix), best effort.
pub fn make_private_dir(dir: &Path) {
    set_mode(dir, 0o700);
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777);
    if current.is_ok_and(|m| m == mode) {
        return;
    }
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(error = %e, mode = format!("{mode:o}"), "cannot restrict the permissions of a wallet file");
    }
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?)
}

/// File name of the wallet database inside a data folder.
pub const DB_FILE: &str = "wallet.sqlite3";

/// One event as kept in the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEvent {
    /// Sequence number, increasing from 1.
    pub seq: i64,
    /// Effective time it was applied at.
    pub at: Time,
    /// The event.
    pub event: Event,
    /// The version of the program rules it was applied under (none for
    /// events from before versions were kept).
    pub program_version: Option<String>,
}

/// The result of applying one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Sequence number in the event log.
    pub seq: i64,
    /// Effective time (never earlier than the previous event's).
    pub at: Time,
    /// For purchases: what the purchase gave.
    pub purchase: Option<PurchaseQuote>,
}

/// A wallet database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    program: Option<Program>,
    /// The `programs` row of `program` (0 while there is none).
    program_id: i64,
    /// The app's own deep-link scheme, when it overrides the program's.
    deep_link_scheme: Option<String>,
    /// `PRAGMA data_version` when this connection last looked: it moves
    /// when another connection (another process) commits.
    data_version: i64,
    /// The file was found deleted or replaced (its journal set aside).
    moved_noticed: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the wallet database at `path`, creating or migrating it.
    ///
    /// Refuses, without touching it, a file that is not ours, is corrupt, or
    /// was written by a newer schema.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = schema::open(path)?;
        // The file holds the access token and the card secret on desktops.
        make_private(path);
        Self::with_connection(conn, Some(path.to_path_buf()))
    }

    /// Opens `DB_FILE` inside a data folder, creating the folder if needed.
    /// The folder is made readable by its owner only (0700 on Unix).
    pub fn open_dir(dir: &Path) -> Result<Self> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        // Owner-only from its creation, not only after the chmod below.
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| LoyaltyError::Storage {
            reason: format!("cannot create data folder {}: {e}", dir.display()),
        })?;
        make_private_dir(dir);
        Self::open(&dir.join(DB_FILE))
    }

    /// A private in-memory wallet.
    pub fn open_in_memory() -> Result<Self> {
        Self::with_connection(schema::open_in_memory()?, None)
    }

    fn with_connection(conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        let (program_id, program) = match programs::in_force(&conn)? {
            Some((id, program)) => (id, Some(program)),
            None => (0, None),
        };
        let data_version = data_version(&conn)?;
        Ok(Self {
            conn,
            path,
            program,
            program_id,
            deep_link_scheme: None,
            data_version,
            moved_noticed: false,
        })
    }

    /// One write transaction (see `sql::write`). The first write refused
    /// because the file was deleted or replaced under this store also sets
    /// aside the journal it left at the path — once: a journal found there
    /// later is the new file's own.
    fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let out = sql::write(&mut self.conn, f);
        self.noticed(out)
    }

    /// A write's outcome, after noticing (once) a file gone from its path;
    /// for the writes whose closure borrows the store's rules.
    fn noticed<T>(&mut self, out: Result<T>) -> Result<T> {
        if out.is_err() {
            self.notice_moved();
        }
        out
    }

    /// Sets aside, once, the journal of a file that is no longer at its path.
    fn notice_moved(&mut self) {
        if !self.moved_noticed && sql::has_moved(&self.conn) {
            self.moved_noticed = true;
            sql::set_aside_journal(Path::new(self.conn.path().unwrap_or_default()));
        }
    }

    /// Whether another connection — another process on the same wallet, an
    /// app extension — committed since this one last looked (SQLite's
    /// `data_version`; this connection's own writes do not count). When it
    /// did, what this store keeps in memory is read again: the program in
    /// force, when the other process changed it.
    pub fn check_external_change(&mut self) -> Result<bool> {
        // Reads go on from the open file; writes are refused.
        self.notice_moved();
        let now = data_version(&self.conn)?;
        if now == self.data_version {
            return Ok(false);
        }
        match programs::in_force_id(&self.conn)? {
            Some(id) if id == self.program_id => {}
            Some(_) => {
                if let Some((id, program)) = programs::in_force(&self.conn)? {
                    self.program = Some(program);
                    self.program_id = id;
                }
            }
            None => {
                self.program = None;
                self.program_id = 0;
            }
        }
        self.data_version = now;
        Ok(true)
    }

    /// Makes push deep links use the app's own URL scheme instead of the
    /// program's `inbox.deep_link_scheme` (`None` goes back to the program's).
    /// Not stored: the app sets it each time it opens the wallet.
    pub fn set_deep_link_scheme(&mut self, scheme: Option<&str>) -> Result<()> {
        if let Some(s) = scheme {
            crate::inbox::rules::check_deep_link_scheme(s).map_err(|reason| {
                LoyaltyError::InvalidConfig {
                    field: "deep_link_scheme".into(),
                    reason,
                }
            })?;
        }
        self.deep_link_scheme = scheme.map(str::to_string);
        Ok(())
    }

    /// A stored setting (sync cursor, server URL, …).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// The file path, if on disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The program rules in force.
    pub fn program(&self) -> Option<&Program> {
        self.program.as_ref()
    }

    fn require_program(&self) -> Result<&Program> {
        self.program.as_ref().ok_or(LoyaltyError::NoProgram)
    }

    /// Validates and stores new program rules (JSON). Invalid rules change
    /// nothing. Events already applied keep the rules they were applied
    /// under (a rebuild replays each with its own); later events use these.
    pub fn set_program(&mut self, json: &str) -> Result<()> {
        let program = Program::from_json(json)?;
        let id = self.write(|tx| {
            let id = programs::install(tx, Some(&crate::program::fingerprint(json)), json)?;
            SqlView::new(tx).clear_window()?;
            Ok(id)
        })?;
        self.program = Some(program);
        self.program_id = id;
        Ok(())
    }

    /// Applies one event at `at` (clamped to the previous event's time if the
    /// clock went back). On error nothing changes.
    pub fn apply(&mut self, event: &Event, at: Time) -> Result<Applied> {
        let rules = Rules::of(self.program.as_ref(), self.program_id)?;
        let written = sql::write(&mut self.conn, |tx| Self::apply_in(tx, rules, event, at));
        let applied = self.noticed(written)?;
        tracing::debug!(seq = applied.seq, kind = event.kind(), "applied event");
        Ok(applied)
    }

    /// Applies one event under `rules` inside the caller's transaction (event
    /// log row, naming the rules, included).
    fn apply_in(tx: &Connection, rules: Rules<'_>, event: &Event, at: Time) -> Result<Applied> {
        let view = SqlView::new(tx);
        let applied = Self::apply_with(&view, rules, event, None, at)?;
        view.flush()?;
        Ok(applied)
    }

    /// Applies one event under `rules` through `view`, whose one-row records
    /// (totals, goal state) stay held in it until the caller flushes it: a
    /// batch of events in one transaction reads and writes them once.
    /// `body` is the event's stored text when the caller has it already
    /// (encoded otherwise).
    fn apply_with(
        view: &SqlView<'_>,
        rules: Rules<'_>,
        event: &Event,
        body: Option<&str>,
        at: Time,
    ) -> Result<Applied> {
        let program = rules.program;
        let encoded;
        let body = match body {
            Some(b) => b,
            None => {
                encoded = queue::encode(event)?;
                encoded.as_str()
            }
        };
        let last = view.summary()?.last_event_at;
        let at = match last {
            Some(last) if last > at => {
                tracing::warn!(
                    kind = event.kind(),
                    "event time is before the previous event; using the previous time"
                );
                last
            }
            _ => at,
        };
        let outcome = engine::apply(program, view, event, at)?;
        view.stmt("INSERT INTO events (at, kind, body, program_id) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![sql::ms(at), event.kind(), body, rules.id])?;
        let seq = view.conn.last_insert_rowid();
        for effect in outcome.effects {
            view.write(program, seq, effect)?;
        }
        if let Some(tiers) = &program.tiers {
            view.store_window(tiers.window_start(at), at)?;
        }
        Ok(Applied {
            seq,
            at,
            purchase: outcome.purchase,
        })
    }

    /// What a purchase would give at `at`, changing nothing.
    pub fn preview_purchase(&self, input: &PurchaseInput, at: Time) -> Result<PurchaseQuote> {
        let program = self.require_program()?;
        let tx = self.conn.unchecked_transaction()?;
        engine::preview_purchase(program, &SqlView::new(&tx), input, at)
    }

    /// The wallet as of `at`, with points expiring within `expiring_days` and
    /// the newest `history_limit` history entries.
    pub fn snapshot(
        &self,
        at: Time,
        expiring_days: i64,
        history_limit: usize,
    ) -> Result<WalletSnapshot> {
        let mut snap = self.snapshot_raw(at, expiring_days, history_limit)?;
        if let Some(correction) = self.meta(sync::CORRECTION_KEY)? {
            sync::apply_correction(self.require_program()?, &mut snap, &correction);
        }
        Ok(snap)
    }

    /// The snapshot exactly as the local engine derives it (no server correction).
    pub fn snapshot_raw(
        &self,
        at: Time,
        expiring_days: i64,
        history_limit: usize,
    ) -> Result<WalletSnapshot> {
        let program = self.require_program()?;
        let tx = self.conn.unchecked_transaction()?;
        snapshot(
            program,
            &SqlView::new(&tx),
            at,
            expiring_days,
            history_limit,
        )
    }

    /// Challenges (active, closest to completion first) and badges as of `at`.
    pub fn goal_views(
        &self,
        at: Time,
    ) -> Result<(
        Vec<crate::goals::views::ChallengeView>,
        Vec<crate::goals::views::BadgeView>,
    )> {
        let program = self.require_program()?;
        let tx = self.conn.unchecked_transaction()?;
        crate::goals::views::goal_views(program, &SqlView::new(&tx), at)
    }

    /// History entries older than entry `before` (all when `None`), newest first.
    pub fn history(&self, before: Option<i64>, limit: usize) -> Result<Vec<LedgerEntry>> {
        sql::history_page(&self.conn, before, limit)
    }

    /// The event log, in order.
    pub fn events(&self) -> Result<Vec<LoggedEvent>> {
        self.events_after(0, usize::MAX)
    }

    /// Events with `seq > after`, at most `limit`, in order (sync pages).
    pub fn events_after(&self, after: i64, limit: usize) -> Result<Vec<LoggedEvent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, body, version FROM events LEFT JOIN programs ON programs.id = program_id \
             WHERE seq > ?1 ORDER BY seq",
        )?;
        // Stepped lazily to `limit` rows: a bound LIMIT re-prepares the
        // statement each time its value changes.
        let rows = stmt.query_map(params![after], |r| {
            Ok((
                r.get::<_, i64>("seq")?,
                r.get::<_, i64>("at")?,
                r.get::<_, String>("body")?,
                r.get::<_, Option<String>>("version")?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows.take(limit) {
            let (seq, at, body, program_version) = row?;
            let event = serde_json::from_str(&body).map_err(|e| LoyaltyError::Corrupt {
                reason: format!("event {seq} does not decode: {e}"),
            })?;
            out.push(LoggedEvent {
                seq,
                at: sql::time(at)?,
                event,
                program_version,
            });
        }
        Ok(out)
    }

    /// Replays the event log into a fresh in-memory wallet, each event under
    /// the program it was applied under.
    pub fn rebuild(&self) -> Result<MemoryWallet> {
        let current = Rules::of(self.program.as_ref(), self.program_id)?;
        let mut loaded = programs::Loaded::default();
        let mut wallet = MemoryWallet::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, at, body, program_id FROM events ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        for row in rows {
            let (seq, at, body, program_id) = row?;
            let event: Event = serde_json::from_str(&body).map_err(|e| LoyaltyError::Corrupt {
                reason: format!("event {seq} does not decode: {e}"),
            })?;
            let rules = loaded.get(&self.conn, program_id, current)?;
            wallet
                .apply(rules.program, &event, sql::time(at)?)
                .map_err(|e| LoyaltyError::Corrupt {
                    reason: format!("event {seq} no longer applies: {e}"),
                })?;
        }
        Ok(wallet)
    }

    /// Runs `f` over the store's state as a [`WalletView`] in one read transaction.
    pub fn with_view<T>(&self, f: impl FnOnce(&dyn WalletView) -> Result<T>) -> Result<T> {
        let tx = self.conn.unchecked_transaction()?;
        f(&SqlView::new(&tx))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_full_disk_is_storage_full_and_changes_nothing() {
        let mut s = Store::open_in_memory().unwrap();
        s.set_program(r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"#)
            .unwrap();
        // The "disk" holds what is there now and nothing more.
        let pages: i64 = s
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        s.conn.pragma_update(None, "max_page_count", pages).unwrap();
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let mut err = None;
        for i in 0..2_000 {
            let line = crate::wallet::model::LineInput {
                sku: format!("sku-{i}-{}", "x".repeat(100)),
                category: None,
                qty: 1,
                amount: "10.00".into(),
            };
            let buy = Event::Purchase(PurchaseInput {
                receipt_id: format!("r{i}"),
                lines: vec![line],
                coupon: None,
                pay_points: None,
            });
            let before = s.snapshot(t0, 30, 5).unwrap();
            if let Err(e) = s.apply(&buy, t0 + chrono::Duration::seconds(i)) {
                assert_eq!(
                    s.snapshot(t0, 30, 5).unwrap(),
                    before,
                    "a failed write changed the wallet"
                );
                err = Some(e);
                break;
            }
        }
        let err = err.expect("the disk never filled");
        assert_eq!(err.code(), "storage_full", "{err}");
        assert!(err.to_string().contains("free some space"), "{err}");
    }

    use super::*;

    /// The wallet file and its journal are owner-only as SQLite creates them
    /// (before `make_private` runs), and so is a new data folder.
    #[cfg(unix)]
    #[test]
    fn a_new_wallet_is_never_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(DB_FILE);
        let conn = schema::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&dir.path().join(format!("{DB_FILE}-wal"))), 0o600);
        let nested = dir.path().join("a/b");
        drop(Store::open_dir(&nested).unwrap());
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&nested), 0o700);
    }

    fn schema_of(path: &Path) -> Vec<String> {
        let conn = Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// A version-1 wallet with data (rows as version 1 wrote them) migrates to
    /// the current schema, keeps its data, replays identically, accepts new
    /// events, and ends with exactly the schema of a fresh database.
    #[test]
    fn version_1_database_migrates_to_the_current_schema() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.sqlite3");
        drop(schema::open_to(&old, 1).unwrap());
        let at: i64 = 1_768_003_200_000; // 2026-01-10T00:00:00Z
        let never = i64::MAX;
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(&format!(
            r#"
            INSERT INTO meta VALUES ('program', '{{"currency":"RUB","earn":{{"rule":{{"percent":"10"}}}},"bonuses":{{"welcome":5}}}}');
            INSERT INTO events VALUES (1, {at}, 'bonus', '{{"bonus":{{"kind":"welcome"}}}}');
            INSERT INTO events VALUES (2, {at}, 'purchase', '{{"purchase":{{"receipt_id":"r1","lines":[{{"sku":"A","qty":1,"amount":"100.00"}}]}}}}');
            INSERT INTO lots VALUES (1, 'bonus', NULL, 5, 5, {at}, {never});
            INSERT INTO lots VALUES (2, 'purchase', 'r1', 10, 10, {at}, {never});
            INSERT INTO receipts (id, event_seq, at, eligible, excluded, tier_discount, coupon_discount, coupon_id,
                points_paid, points_earned, payable, contribution) VALUES ('r1', 2, {at}, 10000, 0, 0, 0, NULL, 0, 10, 10000, 10000);
            INSERT INTO receipt_lines (receipt_id, line_no, sku, category, qty, amount, eligible) VALUES ('r1', 0, 'A', NULL, 1, 10000, 1);
            INSERT INTO ledger VALUES (1, 1, {at}, 'bonus', 5, 'welcome');
            INSERT INTO ledger VALUES (2, 2, {at}, 'earn', 10, 'r1');
            UPDATE summary SET live_points = 15, lifetime_earned = 15, last_event_at = {at};
            "#
        ))
        .unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        drop(conn);

        let mut store = Store::open(&old).unwrap();
        let t = chrono::DateTime::from_timestamp_millis(at).unwrap();
        let snap = store.snapshot(t, 30, 10).unwrap();
        assert_eq!(
            (snap.balance, snap.lifetime_earned, snap.history.len()),
            (15, 15, 2)
        );
        let rebuilt = store.rebuild().unwrap();
        let program = store.program().unwrap().clone();
        assert_eq!(
            crate::wallet::snapshot(&program, &rebuilt, t, 30, 10).unwrap(),
            snap
        );
        let ret = Event::Return(crate::wallet::model::ReturnInput {
            receipt_id: "r1".into(),
            lines: vec![crate::wallet::model::ReturnLineInput {
                sku: "A".into(),
                qty: 1,
            }],
        });
        store.apply(&ret, t).unwrap();
        assert_eq!(store.snapshot(t, 30, 10).unwrap().balance, 5);
        drop(store);

        let fresh = dir.path().join("fresh.sqlite3");
        drop(Store::open(&fresh).unwrap());
        assert_eq!(schema_of(&old), schema_of(&fresh));
    }

    /// A version-8 coupon (written before scopes existed) reads as unscoped
    /// after the upgrade to 9 and still discounts every eligible line; a
    /// scoped coupon issued afterwards keeps its scope across a reopen.
    #[test]
    fn version_8_coupons_read_as_unscoped_after_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("v8.sqlite3");
        drop(schema::open_to(&old, 8).unwrap());
        let at: i64 = 1_768_003_200_000; // 2026-01-10T00:00:00Z
        let later = at + 86_400_000 * 30;
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(&format!(
            r#"
            INSERT INTO programs VALUES (1, NULL, '{{"currency":"RUB","earn":{{"rule":{{"percent":"10"}}}},"bonuses":{{"welcome":500}},
              "rewards":[{{"id":"one","cost":100,"coupon":{{"percent":"20","valid_days":30,"applies_to":{{"one_item":true}}}}}}]}}');
            INSERT INTO meta VALUES ('program_id', '1');
            INSERT INTO coupons VALUES ('old', 'offer', 'percent', 1000, {at}, {later}, NULL);
            "#
        ))
        .unwrap();
        drop(conn);
        let mut store = Store::open(&old).unwrap();
        let t = chrono::DateTime::from_timestamp_millis(at).unwrap();
        let snap = store.snapshot(t, 30, 10).unwrap();
        assert!(snap.coupons[0].scope.is_unscoped());
        let bonus = Event::Bonus {
            kind: crate::wallet::model::BonusKind::Welcome,
            key: None,
        };
        store.apply(&bonus, t).unwrap();
        let redeem = Event::RedeemReward {
            reward_id: "one".into(),
            coupon_id: "new".into(),
        };
        store.apply(&redeem, t).unwrap();
        drop(store);
        let mut store = Store::open(&old).unwrap();
        let snap = store.snapshot(t, 30, 10).unwrap();
        let new = snap.coupons.iter().find(|c| c.id == "new").unwrap();
        assert!(new.scope.one_item && new.scope.min_spend.is_none());
        let buy = |coupon: &str, receipt: &str| {
            Event::Purchase(crate::wallet::model::PurchaseInput {
                receipt_id: receipt.into(),
                lines: vec![
                    crate::wallet::model::LineInput {
                        sku: "A".into(),
                        category: None,
                        qty: 2,
                        amount: "300.00".into(),
                    },
                    crate::wallet::model::LineInput {
                        sku: "B".into(),
                        category: None,
                        qty: 1,
                        amount: "100.00".into(),
                    },
                ],
                coupon: Some(coupon.into()),
                pay_points: None,
            })
        };
        let q = store.apply(&buy("old", "r1"), t).unwrap().purchase.unwrap();
        assert_eq!(q.coupon_discount, 4_000); // 10 % of the whole 400.00
        let q = store.apply(&buy("new", "r2"), t).unwrap().purchase.unwrap();
        assert_eq!(q.coupon_discount, 3_000); // 20 % of one 150.00 unit
    }
}

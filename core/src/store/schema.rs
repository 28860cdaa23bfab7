//! Opening a database file safely: recognise our files, refuse foreign,
//! corrupt or newer ones untouched, and migrate older ones by `user_version`.

use std::path::Path;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::kernel::error::{LoyaltyError, Result};

/// `PRAGMA application_id` of our files ("LOY1").
pub const APPLICATION_ID: i64 = 0x4C4F_5931;

/// Newest schema version this build writes.
pub const SCHEMA_VERSION: i64 = 15;

/// Migrations: entry `i` upgrades a version-`i` database to `i + 1`.
const MIGRATIONS: &[&str] = &[
    V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15,
];

/// Version 15: the core's own numbered notices (a challenge's completions,
/// a badge's levels; see `NoticeId::series`) are remembered by the highest
/// number written per series, not by a tombstone per evicted message. The
/// tombstones grew without bound (497 947 of them, 16 MB, on a wallet of
/// 100 000 events with 100 goals) and each eviction wrote one on a random
/// page of that table. The marks start from every such id the inbox holds
/// or remembers, whose tombstones then go.
const V15: &str = r#"
CREATE TABLE notice_marks (
    series TEXT PRIMARY KEY,
    upto   INTEGER NOT NULL CHECK (upto > 0)
) WITHOUT ROWID;
CREATE TEMP TABLE v15_numbered AS
SELECT id, head, CAST(digits AS INTEGER) AS n FROM (
    SELECT id, rtrim(id, '0123456789') AS head,
           substr(id, length(rtrim(id, '0123456789')) + 1) AS digits,
           CASE WHEN substr(id, 1, 10) = 'challenge:' THEN 10 ELSE 6 END AS prefix
    FROM (SELECT id FROM inbox UNION SELECT id FROM inbox_gone)
    WHERE substr(id, 1, 10) = 'challenge:' OR substr(id, 1, 6) = 'badge:'
)
WHERE digits <> '' AND length(digits) <= 18 AND substr(digits, 1, 1) <> '0'
  AND substr(head, -1) = ':' AND length(head) > prefix + 1;
INSERT INTO notice_marks (series, upto) SELECT head, max(n) FROM temp.v15_numbered GROUP BY head;
DELETE FROM inbox_gone WHERE id IN (SELECT id FROM temp.v15_numbered);
DROP TABLE temp.v15_numbered;
"#;

/// Version 14: two changes of what each write costs.
/// - The goal record may be bytes (`store::goal_record`; JSON records of
///   earlier builds still read and become bytes at their next write), so a
///   build that reads only JSON must refuse the file: hence the version.
/// - The inbox's state check is written as comparisons: SQLite evaluates
///   `state IN (three values)` by building a temporary b-tree on every
///   insert and state change (about 5 000 instructions each). Rebuilding the
///   table is the only way to change a check; its indexes come back as
///   they were.
const V14: &str = r#"
CREATE TABLE inbox_v14 (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    body              TEXT NOT NULL,
    expires_at        INTEGER,
    deep_link         TEXT,
    image_url         TEXT,
    coupon_kind       TEXT,
    coupon_value      INTEGER,
    coupon_valid_days INTEGER,
    priority          INTEGER NOT NULL,
    pinned            INTEGER NOT NULL,
    revision          INTEGER NOT NULL,
    received_at       INTEGER NOT NULL,
    state             TEXT NOT NULL
                      CHECK (state = 'unread' OR state = 'read' OR state = 'dismissed'),
    activated_at      INTEGER,
    generated         INTEGER NOT NULL,
    coupon_scope      TEXT
) WITHOUT ROWID;
INSERT INTO inbox_v14 (id, kind, title, body, expires_at, deep_link, image_url, coupon_kind,
    coupon_value, coupon_valid_days, priority, pinned, revision, received_at, state,
    activated_at, generated, coupon_scope)
SELECT id, kind, title, body, expires_at, deep_link, image_url, coupon_kind,
    coupon_value, coupon_valid_days, priority, pinned, revision, received_at, state,
    activated_at, generated, coupon_scope FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_v14 RENAME TO inbox;
CREATE INDEX inbox_evict ON inbox (pinned, state = 'unread', received_at, id);
CREATE INDEX inbox_unread ON inbox (expires_at, state) WHERE state = 'unread';
CREATE INDEX inbox_expiry ON inbox (expires_at) WHERE expires_at IS NOT NULL;
"#;

/// Version 13: goal period rows keyed by period first, so the rows one
/// purchase moves — its day and week in every distinct-days and week-streak
/// goal — sit side by side on one or two pages instead of one page per goal
/// (with 20 such goals a purchase wrote 43 WAL frames; see the performance
/// notes in the README). The by-goal order the streak reads walk is an index.
const V13: &str = r#"
CREATE TABLE goal_periods_v13 (
    goal  TEXT NOT NULL,
    key   INTEGER NOT NULL,
    count INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (key, goal)
) WITHOUT ROWID;
INSERT INTO goal_periods_v13 (goal, key, count) SELECT goal, key, count FROM goal_periods;
DROP TABLE goal_periods;
ALTER TABLE goal_periods_v13 RENAME TO goal_periods;
CREATE INDEX goal_periods_by_goal ON goal_periods (goal, key);
"#;

/// Version 12: the unread badge's index holds unread messages only, so the
/// badge's count reads just those (226 k → 145 k instructions at 500
/// messages), and evicting or dismissing a read message no longer rewrites a
/// page of it in the WAL. (`state` in the index is belt and braces: SQLite
/// already reads a partial index's `state = 'unread'` as a constant.)
const V12: &str = r#"
DROP INDEX inbox_unread;
CREATE INDEX inbox_unread ON inbox (expires_at, state) WHERE state = 'unread';
"#;

/// Version 11: the inbox's eviction order as an index — pinned last, then
/// read or dismissed before unread, then oldest — so keeping the inbox at its
/// bound reads the one or two victims instead of sorting every message at
/// each write past it; the unread badge and the purge of long-expired
/// messages (run at every push) by index instead of a scan of the inbox.
/// The display index goes: the list reads the table and sorts in memory, and
/// every inbox write paid for keeping it.
const V11: &str = r#"
DROP INDEX inbox_display;
DROP INDEX inbox_evict;
CREATE INDEX inbox_evict ON inbox (pinned, state = 'unread', received_at, id);
CREATE INDEX inbox_unread ON inbox (state, expires_at);
CREATE INDEX inbox_expiry ON inbox (expires_at) WHERE expires_at IS NOT NULL;
"#;

/// Version 9: a coupon's scope (the lines it applies to, the spend it
/// needs) stored with the coupon and with an offer's coupon in the inbox, as
/// JSON; `NULL` is today's unscoped coupon, so older rows keep their meaning.
const V9: &str = r#"
ALTER TABLE coupons ADD COLUMN scope TEXT;
ALTER TABLE inbox ADD COLUMN coupon_scope TEXT;
"#;

/// Version 10: the leaderboards — the latest standings the server sent (shown
/// offline with their `computed_at`) and the member's opt-in name. Their
/// join and leave actions wait in `outbox` like inbox marks.
const V10: &str = r#"
CREATE TABLE boards (
    id       TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    -- The server's standing as wire JSON (names of opted-in members only).
    body     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE board_profile (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    name  TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'joined'))
);
"#;

/// Version 8: every program the wallet ever ran, and for each event (local and
/// confirmed by the server) the program it was applied under, so a rebuild
/// or a rebase replays history under the rules that made it — a rules change
/// never rewrites the past. Files from before keep their events under the
/// program in force at the upgrade (the best that is known of them).
const V8: &str = r#"
CREATE TABLE programs (
    id      INTEGER PRIMARY KEY,
    -- The server's version of the rules (a fingerprint of the text for local rules).
    version TEXT,
    rules   TEXT NOT NULL
);
CREATE INDEX programs_version ON programs (version);
INSERT INTO programs (id, version, rules)
    SELECT 1, (SELECT value FROM meta WHERE key = 'program_version'), value
    FROM meta WHERE key = 'program';
INSERT INTO meta (key, value) SELECT 'program_id', '1' FROM programs;
DELETE FROM meta WHERE key IN ('program', 'program_version');
ALTER TABLE events ADD COLUMN program_id INTEGER;
ALTER TABLE server_events ADD COLUMN program_id INTEGER;
UPDATE events SET program_id = (SELECT min(id) FROM programs);
UPDATE server_events SET program_id = (SELECT min(id) FROM programs);
"#;

/// Version 7: server side — the request each idempotency key came with, so a
/// key reused for another action is refused instead of answered "duplicate";
/// the till's replay guard and receipt answers, moved with the till's events.
const V7: &str = r#"
ALTER TABLE action_keys ADD COLUMN request TEXT;
-- The till's replay guard: the last time step accepted for this member's
-- card, moved in the same transaction as the event it paid for.
CREATE TABLE till_guard (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_step INTEGER NOT NULL
);
-- Till purchases by receipt id: the request and the answer given, so a
-- retry of the same purchase gets the same answer and applies nothing.
CREATE TABLE till_receipts (
    receipt_id TEXT PRIMARY KEY,
    request    TEXT NOT NULL,
    answer     TEXT NOT NULL
);
"#;

/// Version 6: server side — idempotency keys recorded in the same transaction as their event.
const V6: &str = r#"
CREATE TABLE action_keys (
    key    TEXT PRIMARY KEY,
    seq    INTEGER UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
    error  TEXT
);
"#;

/// Version 5: the server's confirmed event log and the client's pending actions.
const V5: &str = r#"
-- Events as the server confirmed them, in server order.
CREATE TABLE server_events (
    server_seq      INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    body            TEXT NOT NULL,
    idempotency_key TEXT
);

-- Wallet actions taken on this device and not yet confirmed by the server.
CREATE TABLE pending_actions (
    idempotency_key TEXT PRIMARY KEY,
    seq             INTEGER NOT NULL UNIQUE,
    at              INTEGER NOT NULL,
    body            TEXT NOT NULL
);

-- Digest comparisons that disagreed (no personal data).
CREATE TABLE sync_mismatches (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    fields TEXT NOT NULL
);
"#;

/// Version 4: the inbox and the outbox of client actions.
const V4: &str = r#"
CREATE TABLE inbox (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    body              TEXT NOT NULL,
    expires_at        INTEGER,
    deep_link         TEXT,
    image_url         TEXT,
    coupon_kind       TEXT,
    coupon_value      INTEGER,
    coupon_valid_days INTEGER,
    priority          INTEGER NOT NULL,
    pinned            INTEGER NOT NULL,
    revision          INTEGER NOT NULL,
    received_at       INTEGER NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('unread', 'read', 'dismissed')),
    activated_at      INTEGER,
    generated         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX inbox_display ON inbox (pinned DESC, priority DESC, received_at DESC, id);
CREATE INDEX inbox_evict ON inbox (pinned, state, received_at);

-- Ids of evicted or purged messages, so a late copy stays a duplicate.
CREATE TABLE inbox_gone (
    id    TEXT PRIMARY KEY,
    state TEXT NOT NULL
) WITHOUT ROWID;

-- Client actions for sync to send, each with its idempotency key.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY,
    action          TEXT NOT NULL,
    target          TEXT NOT NULL,
    at              INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE
);
"#;

/// Version 3: challenges and badges.
const V3: &str = r#"
-- Where each purchase counted (challenge ids and periods), JSON.
ALTER TABLE receipts ADD COLUMN counted TEXT NOT NULL DEFAULT '[]';

-- All challenge and badge counters: one small JSON record.
CREATE TABLE goal_state (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
);

-- Purchases per goal per local day or ISO week (distinct days, week streaks).
CREATE TABLE goal_periods (
    goal  TEXT NOT NULL,
    key   INTEGER NOT NULL,
    count INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (goal, key)
) WITHOUT ROWID;
"#;

/// Version 2: the member's card and the desktop secret store.
const V2: &str = r#"
CREATE TABLE card (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    number      TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL
);

-- Desktop stand-in for the Android Keystore / iOS Keychain.
CREATE TABLE secrets (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
"#;

const V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row of running totals; every screen reads it instead of the ledger.
CREATE TABLE summary (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    live_points     INTEGER NOT NULL,
    debt            INTEGER NOT NULL CHECK (debt >= 0),
    lifetime_earned INTEGER NOT NULL,
    expired_total   INTEGER NOT NULL,
    last_event_at   INTEGER,
    -- Qualifying spend over (window_from, window_to], kept so the tier is a
    -- few indexed rows away however long the history is.
    window_from     INTEGER,
    window_to       INTEGER,
    window_sum      INTEGER
);
INSERT INTO summary (id, live_points, debt, lifetime_earned, expired_total) VALUES (1, 0, 0, 0, 0);

-- Every applied event, in order, so state can be rebuilt and compared.
CREATE TABLE events (
    seq  INTEGER PRIMARY KEY,
    at   INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE lots (
    id         INTEGER PRIMARY KEY,
    source     TEXT NOT NULL,
    receipt_id TEXT,
    points     INTEGER NOT NULL CHECK (points >= 0),
    remaining  INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= points),
    earned_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL -- 9223372036854775807 = never
);
CREATE INDEX lots_live ON lots (expires_at, id) WHERE remaining > 0;
CREATE INDEX lots_purchase ON lots (receipt_id) WHERE source = 'purchase';

CREATE TABLE receipts (
    id               TEXT PRIMARY KEY,
    event_seq        INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    eligible         INTEGER NOT NULL,
    excluded         INTEGER NOT NULL,
    tier_discount    INTEGER NOT NULL,
    coupon_discount  INTEGER NOT NULL,
    coupon_id        TEXT,
    points_paid      INTEGER NOT NULL,
    points_earned    INTEGER NOT NULL,
    payable          INTEGER NOT NULL,
    contribution     INTEGER NOT NULL,
    ret_eligible     INTEGER NOT NULL DEFAULT 0,
    ret_total        INTEGER NOT NULL DEFAULT 0,
    ret_reversed     INTEGER NOT NULL DEFAULT 0,
    ret_refunded     INTEGER NOT NULL DEFAULT 0,
    ret_contribution INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX receipts_at ON receipts (at, contribution, ret_contribution);

CREATE TABLE receipt_lines (
    receipt_id   TEXT NOT NULL REFERENCES receipts (id),
    line_no      INTEGER NOT NULL,
    sku          TEXT NOT NULL,
    category     TEXT,
    qty          INTEGER NOT NULL CHECK (qty >= 1),
    amount       INTEGER NOT NULL CHECK (amount >= 0),
    eligible     INTEGER NOT NULL,
    returned_qty INTEGER NOT NULL DEFAULT 0 CHECK (returned_qty >= 0 AND returned_qty <= qty),
    PRIMARY KEY (receipt_id, line_no)
) WITHOUT ROWID;

CREATE TABLE coupons (
    id         TEXT PRIMARY KEY,
    source     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('percent', 'amount_off')),
    value      INTEGER NOT NULL,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX coupons_unused ON coupons (expires_at) WHERE used_at IS NULL;

CREATE TABLE bonuses (
    kind   TEXT NOT NULL,
    period TEXT NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (kind, period)
) WITHOUT ROWID;

CREATE TABLE ledger (
    id        INTEGER PRIMARY KEY,
    event_seq INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    points    INTEGER NOT NULL,
    reference TEXT
);
"#;

/// Puts the running totals back to an empty wallet's (the table keeps its one row).
pub(crate) const RESET_SUMMARY: &str = "UPDATE summary SET live_points = 0, debt = 0, lifetime_earned = 0, \
     expired_total = 0, last_event_at = NULL, window_from = NULL, window_to = NULL, window_sum = NULL WHERE id = 1;";

/// Tables that keep rows after [`wipe`]: only `summary`, its one row reset.
pub(crate) const KEPT_BY_WIPE: [&str; 1] = ["summary"];

/// Empties every table of the schema — the list is read from the file
/// itself, so a table added by a later migration is wiped too — except
/// [`KEPT_BY_WIPE`], whose row is reset. Runs in the caller's transaction.
pub(crate) fn wipe(tx: &Connection) -> Result<()> {
    let tables: Vec<String> = tx
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // Rows refer to each other (receipt lines to receipts); checked at commit.
    tx.pragma_update(None, "defer_foreign_keys", true)?;
    for table in tables
        .iter()
        .filter(|t| !KEPT_BY_WIPE.contains(&t.as_str()))
    {
        // The names come from our own schema; quoted all the same.
        tx.execute(
            &format!("DELETE FROM \"{}\"", table.replace('"', "\"\"")),
            [],
        )?;
    }
    tx.execute_batch(RESET_SUMMARY)?;
    Ok(())
}

/// What opening `shown` failed with: `not_a_database` only for a file that
/// is not SQLite; damage, space, permissions and I/O keep their own codes.
fn opening(shown: &str, e: rusqlite::Error) -> LoyaltyError {
    match LoyaltyError::from(e) {
        LoyaltyError::NotADatabase { reason, .. } => not_a_database(shown, reason),
        LoyaltyError::Storage { reason } => LoyaltyError::Storage {
            reason: format!("{shown}: {reason}"),
        },
        other => other,
    }
}

fn not_a_database(path: &str, err: impl std::fmt::Display) -> LoyaltyError {
    LoyaltyError::NotADatabase {
        path: path.to_string(),
        reason: err.to_string(),
    }
}

/// Creates an empty file readable and writable by its owner only (0600 on
/// Unix), best effort: SQLite creates it otherwise, and `make_private`
/// narrows it after.
fn create_private(path: &Path) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    if let Err(e) = options.open(path)
        && e.kind() != std::io::ErrorKind::AlreadyExists
    {
        tracing::debug!(error = %e, "cannot create the wallet file ahead of SQLite");
    }
}

/// Prepared statements kept per connection (the store runs about a hundred
/// distinct ones; each costs a few KB).
const STATEMENT_CACHE: usize = 256;

/// Opens (creating if needed) and migrates a database file.
pub fn open(path: &Path) -> Result<Connection> {
    open_to(path, SCHEMA_VERSION)
}

/// Opens a database file, migrating it up to `target` (tests build old files with this).
pub(crate) fn open_to(path: &Path, target: i64) -> Result<Connection> {
    let shown = path.display().to_string();
    // A file that exists but is empty was truncated (or never finished being
    // created): refused, not silently made a new, empty wallet.
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        return Err(not_a_database(
            &shown,
            "the file is empty (0 bytes): it may have been truncated; move it away to start a new wallet",
        ));
    }
    // A journal beside no database file is another (deleted) wallet's:
    // SQLite would replay it into the new file.
    if !path.exists() {
        super::sql::set_aside_journal(path);
        // Created owner-only before SQLite writes a byte (its journal files
        // take the database file's permissions): no moment readable by others.
        create_private(path);
    }
    // A path that starts with "file:" would be read as an SQLite URI (the
    // bundled SQLite accepts URIs): opened as an absolute path, it is a path.
    let absolute = std::path::absolute(path).map_err(|e| LoyaltyError::Storage {
        reason: format!("cannot resolve {shown}: {e}"),
    })?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&absolute, flags).map_err(|e| opening(&shown, e))?;
    let len = std::fs::metadata(&absolute).map_or(0, |m| m.len());
    init(conn, &shown, target, Some(len))
}

/// Opens a private in-memory database (tests, previews).
pub fn open_in_memory() -> Result<Connection> {
    init(
        Connection::open_in_memory()?,
        ":memory:",
        SCHEMA_VERSION,
        None,
    )
}

/// Sets up a connection; `file_len` is the size of the file (none in memory).
fn init(
    mut conn: Connection,
    shown: &str,
    target: i64,
    file_len: Option<u64>,
) -> Result<Connection> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Every statement the engine runs stays prepared: rusqlite keeps 16 by
    // default, fewer than one purchase uses, so each event re-parsed most of
    // its SQL (55 % of a first sync's instructions under callgrind).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // One plan per statement whatever its bound values (the query planner
    // stability guarantee). Without it SQLite marks a statement whose plan
    // read a bound value (a LIMIT, an `= ?` it weighed for a scan) to be
    // re-prepared when that binding changes — and rusqlite clears a cached
    // statement's bindings each time it goes back to the cache, so such a
    // statement was parsed again on every use: 14 times per purchase with
    // goals, 18 % of its instructions. Partial indexes are matched on
    // literal values in this crate's SQL, which the guarantee keeps.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Identify the file before changing anything about it (even the journal mode).
    let (app_id, version, objects) = identify(&conn).map_err(|e| opening(shown, e))?;
    check_identity(shown, app_id, version, objects)?;
    // Damaged pages are looked for before anything is written. A damaged
    // file still opens (the card must show), but no write reaches it.
    let fresh = app_id == 0 && version == 0 && objects == 0;
    let mut damaged = super::damage::recorded(&conn, fresh);
    if let Some(len) = file_len.filter(|_| objects > 0 && !damaged)
        && let Some(problem) = super::damage::quick_check(&conn, len)?
    {
        super::damage::record(&conn, &problem);
        damaged = true;
    }
    if damaged {
        if version < target {
            return Err(LoyaltyError::Corrupt {
                reason: format!(
                    "{}: {shown} needs an upgrade, and a damaged file is not written to",
                    crate::kernel::error::DAMAGED
                ),
            });
        }
        return Ok(conn);
    }

    // Settings of this connection only; nothing in the file changes. A
    // migration of a file not yet in WAL runs under a rollback journal,
    // where only FULL survives a power cut; NORMAL is for WAL, set below.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", 2)?;

    // The migration runs before the switch to WAL (a lasting change in the
    // file's header): a file it refuses — a migration that fails, another
    // process's newer schema seen under the lock — is rolled back to its
    // bytes as they were, instead of being left a WAL file it never was.
    if version < target {
        migrate(&mut conn, shown, target)?;
    } else {
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // The store reads its rules right after this; a file whose
            // rules do not read is refused before its header changes.
            super::programs::in_force(&conn)?;
        }
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| opening(shown, e))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

fn identify(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let objects: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    Ok((app_id, version, objects))
}

fn check_identity(shown: &str, app_id: i64, version: i64, objects: i64) -> Result<()> {
    let fresh = app_id == 0 && version == 0 && objects == 0;
    if !fresh && app_id != APPLICATION_ID {
        return Err(not_a_database(
            shown,
            "it is an SQLite database of another application; choose another data folder",
        ));
    }
    if version < 0 {
        return Err(not_a_database(
            shown,
            format!("schema version {version} is invalid"),
        ));
    }
    if version > SCHEMA_VERSION {
        return Err(LoyaltyError::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

fn migrate(conn: &mut Connection, shown: &str, target: i64) -> Result<()> {
    super::sql::write(conn, |tx| {
        // Another process may have migrated between our check and the lock.
        let (app_id, version, objects) = identify(tx).map_err(|e| opening(shown, e))?;
        check_identity(shown, app_id, version, objects)?;
        let target = usize::try_from(target).unwrap_or(0).min(MIGRATIONS.len());
        for (from, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .take(target)
            .skip(version as usize)
        {
            tx.execute_batch(sql).map_err(|e| LoyaltyError::Storage {
                reason: format!("migration from schema {from} failed: {e}"),
            })?;
            tracing::info!(from, to = from + 1, "migrated wallet schema");
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", target as i64)?;
        // What the store reads right after opening must read now, or the
        // migration is rolled back: a refused file keeps its bytes.
        super::programs::in_force(tx)?;
        Ok(())
    })
}

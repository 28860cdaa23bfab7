//! Every program the wallet ran, kept so history replays under the rules
//! that made it.
//!
//! A loyalty program changes its rules routinely; an event applied under
//! last month's earn rate keeps last month's points. Each event row (local
//! and confirmed by the server) names the `programs` row it was applied
//! under, and every replay — the rebase after a sync, a rebuild from the
//! log — applies each event with that program. Only the actions still
//! waiting for the server are applied with the rules in force now, which is
//! what the server will do with them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rusqlite::{Connection, OptionalExtension, params};

use super::sql;
use crate::kernel::error::{LoyaltyError, Result};
use crate::program::Program;

/// Meta key of the program rules in force (their row in `programs`).
pub(crate) const PROGRAM_KEY: &str = "program_id";

/// Program rules to apply an event under: their `programs` row and the parsed rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    /// The row in `programs`.
    pub id: i64,
    /// The parsed rules.
    pub program: &'a Program,
}

impl<'a> Rules<'a> {
    /// The program in force (`program`, row `id`); `no_program` without one.
    pub(super) fn of(program: Option<&'a Program>, id: i64) -> Result<Self> {
        Ok(Self {
            id,
            program: program.ok_or(LoyaltyError::NoProgram)?,
        })
    }
}

/// Makes `rules` (with the server's `version`, or none for local rules) the
/// program in force, reusing its row when the same rules were seen before.
/// Returns the row id. Runs in the caller's transaction.
pub(super) fn install(
    tx: &rusqlite::Transaction<'_>,
    version: Option<&str>,
    rules: &str,
) -> Result<i64> {
    let known: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM programs WHERE version IS ?1 AND rules = ?2 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![version, rules], |r| r.get(0))
        .optional()?;
    let id = match known {
        Some(id) => id,
        None => {
            tx.prepare_cached("INSERT INTO programs (version, rules) VALUES (?1, ?2)")?
                .execute(params![version, rules])?;
            tx.last_insert_rowid()
        }
    };
    sql::put_meta(tx, PROGRAM_KEY, &id.to_string())?;
    Ok(id)
}

/// The program in force: its row id and parsed rules (none before any was set).
pub(super) fn in_force(conn: &Connection) -> Result<Option<(i64, Program)>> {
    match in_force_id(conn)? {
        Some(id) => Ok(Some((id, load(conn, id)?))),
        None => Ok(None),
    }
}

/// The row id of the program in force (none before any was set).
pub(super) fn in_force_id(conn: &Connection) -> Result<Option<i64>> {
    let id: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([PROGRAM_KEY], |r| r.get(0))
        .optional()?;
    let Some(id) = id else {
        return Ok(None);
    };
    let id: i64 = id.parse().map_err(|_| LoyaltyError::Corrupt {
        reason: format!("the program in force is recorded as {id:?}, not a row number"),
    })?;
    Ok(Some(id))
}

/// The rules of row `id`, parsed.
fn load(conn: &Connection, id: i64) -> Result<Program> {
    let text: Option<String> = conn
        .prepare_cached("SELECT rules FROM programs WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let text = text.ok_or_else(|| LoyaltyError::Corrupt {
        reason: format!("program {id} is missing from the wallet"),
    })?;
    Program::from_json(&text).map_err(|e| LoyaltyError::Corrupt {
        reason: format!("stored program rules {id} no longer load: {e}"),
    })
}

/// The server's version of row `id` (none for local rules).
pub(super) fn version_of(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT version FROM programs WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// The newest row holding the server's `version`, if the wallet has it.
pub(super) fn id_of_version(conn: &Connection, version: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT max(id) FROM programs WHERE version = ?1")?
        .query_row([version], |r| r.get(0))?)
}

/// The rules text of the newest row holding `version` (the server answers
/// a page of old events with the rules they were applied under).
#[cfg(any(test, feature = "server"))]
pub(super) fn rules_of_version(conn: &Connection, version: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT rules FROM programs WHERE version = ?1 ORDER BY id DESC LIMIT 1")?
        .query_row([version], |r| r.get(0))
        .optional()?)
}

/// Parsed programs by row, loaded once each during a replay.
#[derive(Default)]
pub(super) struct Loaded {
    by_id: HashMap<i64, Program>,
}

impl Loaded {
    /// The rules of row `id`; an event from before schema 8 names none and
    /// replays under `fallback`.
    pub(super) fn get<'a>(
        &'a mut self,
        conn: &Connection,
        id: Option<i64>,
        fallback: Rules<'a>,
    ) -> Result<Rules<'a>> {
        let Some(id) = id.filter(|id| *id != fallback.id) else {
            return Ok(fallback);
        };
        let program = match self.by_id.entry(id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => v.insert(load(conn, id)?),
        };
        Ok(Rules { id, program })
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use crate::store::{PageProgram, ServerEvent, Store, schema};
    use crate::wallet::model::Event;

    const TEN: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
        "rewards": [{"id": "c5", "cost": 50, "coupon": {"percent": "5", "valid_days": 30}}],
        "challenges": [{"id": "opt", "title": "Opt in", "opt_in": true,
                        "goal": {"metric": "purchases", "target": 1}, "reward": {"points": 1}}]}"#;

    fn at(s: &str) -> crate::kernel::time::Time {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn buy(id: &str, amount: &str) -> Event {
        serde_json::from_value(serde_json::json!({"purchase": {"receipt_id": id,
            "lines": [{"sku": "A", "qty": 1, "amount": amount}]}}))
        .unwrap()
    }

    fn server(seq: i64, event: Event, version: Option<&str>) -> ServerEvent {
        ServerEvent {
            seq,
            at: at("2026-03-01T10:00:00Z") + chrono::Duration::minutes(seq),
            event,
            idempotency_key: None,
            program_version: version.map(str::to_string),
        }
    }

    /// A phone synced before schema 8 keeps the server's version of its rules
    /// (so the next sync does not fetch them again) and its events replay
    /// under them.
    #[test]
    fn a_synced_version_7_wallet_keeps_its_rules_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite3");
        drop(schema::open_to(&path, 7).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO meta VALUES ('program', ?1), ('program_version', 'v-old')",
            [TEN],
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.program_version().unwrap().as_deref(), Some("v-old"));
        assert!(store.program().is_some());
        let meta: Option<String> = store.meta("program_version").unwrap();
        assert_eq!(meta, None, "the version lives with the rules now");
    }

    /// A confirmed event that no longer applies (a server bug, or history
    /// from before rule versions were kept) is skipped by a later rebase
    /// instead of refusing every sync from then on.
    #[test]
    fn a_stored_event_that_does_not_apply_never_blocks_later_syncs() {
        let mut s = Store::open_in_memory().unwrap();
        let rules = PageProgram {
            version: "v1",
            rules: TEN,
        };
        // Page 1 of 2: a redeem the server confirmed although the points were
        // not there (stored only: the rebase after the last page applies it).
        s.apply_sync_page(
            Some(rules),
            &[server(1, buy("r1", "100.00"), Some("v1"))],
            &[],
            true,
        )
        .unwrap();
        let redeem = Event::RedeemReward {
            reward_id: "c5".into(),
            coupon_id: "x".into(),
        };
        // A tap waits for the server, so the later pages are stored and rebased.
        let join = Event::JoinChallenge {
            challenge_id: "opt".into(),
        };
        s.queue_action("k1", &join, at("2026-03-01T10:30:00Z"))
            .unwrap();
        s.apply_sync_page(None, &[server(2, redeem, Some("v1"))], &[], false)
            .unwrap();
        // The last page: the bad event of the earlier page is skipped, the page applies.
        let page = s
            .apply_sync_page(
                None,
                &[server(3, buy("r2", "200.00"), Some("v1"))],
                &[],
                true,
            )
            .unwrap();
        assert!(page.rebased);
        let snap = s.snapshot(at("2026-03-02T00:00:00Z"), 30, 10).unwrap();
        assert_eq!(snap.balance, 30);
        assert_eq!(s.last_server_seq().unwrap(), 3);
        // And the next sync goes through too.
        s.apply_sync_page(
            None,
            &[server(4, buy("r3", "100.00"), Some("v1"))],
            &[],
            true,
        )
        .unwrap();
        assert_eq!(
            s.snapshot(at("2026-03-02T00:00:00Z"), 30, 10)
                .unwrap()
                .balance,
            40
        );
    }

    /// Events keep the rules they were applied under through every replay;
    /// an event naming rules the phone never got falls back to those in force.
    #[test]
    fn each_server_event_replays_under_the_rules_it_names() {
        let mut s = Store::open_in_memory().unwrap();
        let one = TEN.replace(r#""percent": "10""#, r#""percent": "1""#);
        s.apply_sync_page(
            Some(PageProgram {
                version: "v1",
                rules: TEN,
            }),
            &[server(1, buy("r1", "1000.00"), Some("v1"))],
            &[],
            true,
        )
        .unwrap();
        s.apply_sync_page(
            Some(PageProgram {
                version: "v2",
                rules: &one,
            }),
            &[
                server(2, buy("r2", "1000.00"), Some("v2")),
                server(3, buy("r3", "1000.00"), Some("v-unknown")),
            ],
            &[],
            true,
        )
        .unwrap();
        let t = at("2026-03-02T00:00:00Z");
        assert_eq!(s.snapshot(t, 30, 10).unwrap().balance, 100 + 10 + 10);
        assert_eq!(s.program_version().unwrap().as_deref(), Some("v2"));
        // A pending tap forces a rebase from the confirmed log: same figures.
        let redeem = Event::RedeemReward {
            reward_id: "c5".into(),
            coupon_id: "c-1".into(),
        };
        s.queue_action("k1", &redeem, t).unwrap();
        s.apply_sync_page(
            None,
            &[server(4, buy("r4", "1000.00"), Some("v2"))],
            &[],
            true,
        )
        .unwrap();
        assert_eq!(s.snapshot(t, 30, 10).unwrap().balance, 130 - 50);
        let rebuilt = s.rebuild().unwrap();
        let program = s.program().unwrap().clone();
        assert_eq!(
            crate::wallet::snapshot(&program, &rebuilt, t, 30, 10)
                .unwrap()
                .balance,
            80
        );
    }
}

//! Leaderboards on the server, maintained incrementally: each purchase,
//! return or bonus adds its difference to one row per board and period
//! (`board_scores`, keyed by board, period start and member) in the step
//! that applies it, so a sync page reads its standings from a few indexed
//! rows — never a scan of all members. Every member's figures are kept
//! (one who joins mid-week sees the week's figure); only members who joined
//! (`board_names`) are counted, named or ranked.

use loyalty_core::LoyaltyError;
use loyalty_core::boards::measure::{my_standing, period_start, ranked};
use loyalty_core::boards::model::{BoardMetric, clean_display_name, name_key};
use loyalty_core::kernel::time::Time;
use loyalty_core::store::{KeyedOutcome, Store};
use loyalty_core::sync::wire::{ActionResult, BoardStanding, ClientAction, Digest, ErrorBody};
use rusqlite::{Connection, OptionalExtension, params};

use crate::App;
use crate::errors::ApiError;
use crate::ranks::RankChange;

/// The registry's board tables.
pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS board_names (
    member    TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    -- Case-folded: one name per program whatever its case.
    name_key  TEXT NOT NULL UNIQUE,
    joined_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS board_scores (
    board        TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    member       TEXT NOT NULL,
    value        INTEGER NOT NULL,
    -- When the value was last reached: earlier is listed first among equals.
    achieved_at  INTEGER NOT NULL,
    -- 1 while the member has joined (kept in step with board_names).
    joined       INTEGER NOT NULL,
    PRIMARY KEY (board, period_start, member)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS board_scores_rank
    ON board_scores (board, period_start, joined, value DESC, achieved_at);
CREATE INDEX IF NOT EXISTS board_scores_member ON board_scores (member);
"#;

fn db(e: rusqlite::Error) -> ApiError {
    ApiError::internal(format!("registry: {e}"))
}

/// A member's running figures, for the difference an event makes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    points_earned: i64,
    spend: i64,
    completions: i64,
}

impl Totals {
    /// Figures as `totals` would read them: lifetime points earned, net
    /// qualifying spend (minor units) and challenge completions.
    pub fn new(points_earned: i64, spend: i64, completions: i64) -> Self {
        Self {
            points_earned,
            spend,
            completions,
        }
    }
}

/// The member's figures now (`None` when the program has no boards).
pub(crate) fn totals(app: &App, store: &Store, at: Time) -> Result<Option<Totals>, ApiError> {
    if app.program.leaderboards.is_empty() {
        return Ok(None);
    }
    let digest = Digest::from_value(store.digest(at)?)?;
    let completions = digest
        .challenges
        .values()
        .try_fold(0i64, |sum, c| sum.checked_add(c.completions))
        .ok_or(LoyaltyError::Overflow {
            what: "challenge completions",
        })?;
    let spend = store.with_view(|v| v.qualifying_spend(None, at))?;
    Ok(Some(Totals {
        points_earned: digest.lifetime_earned,
        spend,
        completions,
    }))
}

/// Adds what one applied event changed (`before` → `after`, and whether it
/// was a purchase) to every board of the period holding `at`.
pub(crate) fn record(
    app: &App,
    member: &str,
    before: Option<Totals>,
    after: Option<Totals>,
    purchase: bool,
    at: Time,
) -> Result<(), ApiError> {
    let (Some(before), Some(after)) = (before, after) else {
        return Ok(());
    };
    let overflow = || {
        ApiError::from(LoyaltyError::Overflow {
            what: "a board value",
        })
    };
    let mut registry = app.registry();
    let registry = &mut *registry;
    let tx = registry.conn.transaction().map_err(db)?;
    let joined = tx
        .prepare_cached("SELECT 1 FROM board_names WHERE member = ?1")
        .and_then(|mut s| s.exists([member]))
        .map_err(db)?;
    let mut changes = Vec::new();
    for board in &app.program.leaderboards {
        let delta = match board.metric {
            BoardMetric::PointsEarned => after.points_earned.checked_sub(before.points_earned),
            BoardMetric::Spend => after.spend.checked_sub(before.spend),
            BoardMetric::ChallengeCompletions => after.completions.checked_sub(before.completions),
            BoardMetric::Purchases => Some(i64::from(purchase)),
        }
        .ok_or_else(overflow)?;
        if delta == 0 {
            continue;
        }
        let start = period_start(board.period, app.program.zone, at).timestamp_millis();
        let current: Option<i64> = tx
            .prepare_cached(
                "SELECT value FROM board_scores WHERE board = ?1 AND period_start = ?2 AND member = ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![board.id, start, member], |r| r.get(0))
                    .optional()
            })
            .map_err(db)?;
        // A return takes back, never below zero (it may undo an earlier period's purchase).
        let value = current
            .unwrap_or(0)
            .checked_add(delta)
            .ok_or_else(overflow)?
            .max(0);
        tx.prepare_cached(
            "INSERT INTO board_scores (board, period_start, member, value, achieved_at, joined) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (board, period_start, member) DO UPDATE SET value = ?4, achieved_at = ?5",
        )
        .and_then(|mut s| {
            s.execute(params![
                board.id,
                start,
                member,
                value,
                at.timestamp_millis(),
                joined
            ])
        })
        .map_err(db)?;
        if joined {
            changes.push(RankChange {
                board: board.id.clone(),
                period_start: start,
                old: current,
                new: Some(value),
            });
        }
    }
    tx.commit().map_err(db)?;
    registry.ranks.apply(&changes);
    Ok(())
}

/// Every board row of `member`, as rank changes for joining (`joining`:
/// each value starts counting) or leaving (each stops).
fn member_rows(tx: &Connection, member: &str, joining: bool) -> rusqlite::Result<Vec<RankChange>> {
    let mut stmt =
        tx.prepare_cached("SELECT board, period_start, value FROM board_scores WHERE member = ?1")?;
    stmt.query_map([member], |r| {
        let value: i64 = r.get(2)?;
        Ok(RankChange {
            board: r.get(0)?,
            period_start: r.get(1)?,
            old: (!joining).then_some(value),
            new: joining.then_some(value),
        })
    })?
    .collect()
}

/// A join or leave action: a join takes the name unless another member
/// holds it ignoring case (`name_taken`, recorded with the key like every
/// rejection, so a retry gets the same answer); a leave frees it. Both are
/// idempotent by nature otherwise.
pub(crate) fn action(
    app: &App,
    member: &str,
    store: &mut Store,
    key: &str,
    action: &ClientAction,
    now: Time,
) -> Result<ActionResult, LoyaltyError> {
    let request = serde_json::to_string(action).map_err(|e| LoyaltyError::Storage {
        reason: format!("cannot encode an action: {e}"),
    })?;
    if let Some(KeyedOutcome::Rejected { error }) = store.keyed_outcome(key, &request)? {
        return Ok(crate::routes::recorded(key, &error));
    }
    let refuse = |store: &mut Store, e: LoyaltyError| -> Result<ActionResult, LoyaltyError> {
        store.reject_keyed(key, &request, &e)?;
        Ok(ActionResult::rejected(key, ErrorBody::from(&e)))
    };
    let infra = |e: rusqlite::Error| LoyaltyError::Storage {
        reason: format!("registry: {e}"),
    };
    let mut registry = app.registry();
    let registry = &mut *registry;
    let tx = registry.conn.transaction().map_err(infra)?;
    let was_joined = tx
        .prepare_cached("SELECT 1 FROM board_names WHERE member = ?1")
        .and_then(|mut s| s.exists([member]))
        .map_err(infra)?;
    let changes = match action {
        ClientAction::JoinLeaderboard { name } => {
            let name = match clean_display_name(name) {
                Ok(n) => n,
                Err(e) => return refuse(store, e),
            };
            let fold = name_key(&name);
            let holder: Option<String> = tx
                .query_row(
                    "SELECT member FROM board_names WHERE name_key = ?1",
                    [&fold],
                    |r| r.get(0),
                )
                .optional()
                .map_err(infra)?;
            if holder.as_deref().is_some_and(|h| h != member) {
                return refuse(store, LoyaltyError::NameTaken { name });
            }
            tx.execute(
                "INSERT INTO board_names (member, name, name_key, joined_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (member) DO UPDATE SET name = ?2, name_key = ?3",
                params![member, name, fold, now.timestamp_millis()],
            )
            .map_err(infra)?;
            tx.execute(
                "UPDATE board_scores SET joined = 1 WHERE member = ?1",
                [member],
            )
            .map_err(infra)?;
            // A new name for a member already joined changes no rank.
            if was_joined {
                Vec::new()
            } else {
                member_rows(&tx, member, true).map_err(infra)?
            }
        }
        _ => {
            tx.execute("DELETE FROM board_names WHERE member = ?1", [member])
                .map_err(infra)?;
            tx.execute(
                "UPDATE board_scores SET joined = 0 WHERE member = ?1",
                [member],
            )
            .map_err(infra)?;
            if was_joined {
                member_rows(&tx, member, false).map_err(infra)?
            } else {
                Vec::new()
            }
        }
    };
    tx.commit().map_err(infra)?;
    registry.ranks.apply(&changes);
    Ok(ActionResult::applied(key, None, false))
}

/// The standings of every board for `member` at `now`: the top rows of
/// joined members, how many joined, and `me` when `member` joined.
pub(crate) fn standings(
    app: &App,
    member: &str,
    now: Time,
) -> Result<Vec<BoardStanding>, ApiError> {
    if app.program.leaderboards.is_empty() {
        return Ok(Vec::new());
    }
    let mut registry = app.registry();
    let registry = &mut *registry;
    let conn: &Connection = &registry.conn;
    let participants: i64 = conn
        .query_row("SELECT count(*) FROM board_names", [], |r| r.get(0))
        .map_err(db)?;
    let participants = u32::try_from(participants).unwrap_or(u32::MAX);
    let joined = conn
        .prepare_cached("SELECT 1 FROM board_names WHERE member = ?1")
        .and_then(|mut s| s.exists([member]))
        .map_err(db)?;
    let mut out = Vec::with_capacity(app.program.leaderboards.len());
    for board in &app.program.leaderboards {
        let start = period_start(board.period, app.program.zone, now);
        let start_ms = start.timestamp_millis();
        let mut stmt = conn
            .prepare_cached(
                "SELECT n.name, s.value FROM board_scores s JOIN board_names n ON n.member = s.member \
                 WHERE s.board = ?1 AND s.period_start = ?2 AND s.joined = 1 AND s.value > 0 \
                 ORDER BY s.value DESC, s.achieved_at, s.member",
            )
            .map_err(db)?;
        // Stepped lazily to the board's `top`: a bound LIMIT would make
        // SQLite re-prepare the statement for every board with another top.
        let rows = stmt
            .query_map(params![board.id, start_ms], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?
            .take(usize::try_from(board.top).unwrap_or(usize::MAX))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        let me = if joined {
            let value: i64 = conn
                .query_row(
                    "SELECT value FROM board_scores WHERE board = ?1 AND period_start = ?2 AND member = ?3",
                    params![board.id, start_ms, member],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?
                .unwrap_or(0);
            let (above, next) = registry
                .ranks
                .above(conn, &board.id, start_ms, value)
                .map_err(db)?;
            let above = u32::try_from(above).unwrap_or(u32::MAX);
            Some(my_standing(value, above, next)?)
        } else {
            None
        };
        out.push(BoardStanding {
            id: board.id.clone(),
            period_start: start,
            computed_at: now,
            participants,
            top: ranked(rows),
            me,
        });
    }
    Ok(out)
}

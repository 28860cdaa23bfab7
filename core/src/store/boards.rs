//! The member's side of the leaderboards: the opt-in name, its join and
//! leave actions queued in the outbox (so they work offline), and the
//! latest standings the server sent, kept to be shown offline.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Store, sql};
use crate::boards::model::{BoardMetric, BoardPeriod, clean_display_name};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;
use crate::sync::wire::BoardStanding;

/// Outbox action of a join (its target is the name).
pub const JOIN_ACTION: &str = "board_join";
/// Outbox action of a leave.
pub const LEAVE_ACTION: &str = "board_leave";

/// Whether and how the member takes part in the leaderboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardMembership {
    /// Not joined: never named nor counted.
    Out,
    /// Joined on this device; the server has not confirmed it yet.
    Pending {
        /// The name asked for.
        name: String,
    },
    /// The server took the name.
    Joined {
        /// The name shown on the boards.
        name: String,
    },
}

/// One board of the program with the latest standing the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardView {
    /// The board's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it ranks by.
    pub metric: BoardMetric,
    /// The period it counts in.
    pub period: BoardPeriod,
    /// How many entries it lists at most.
    pub top_size: u32,
    /// The latest standing (none before a sync brought one).
    pub standing: Option<BoardStanding>,
}

/// The leaderboards screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardsView {
    /// The member's opt-in.
    pub membership: BoardMembership,
    /// The program's boards, in definition order.
    pub boards: Vec<BoardView>,
}

fn corrupt(e: serde_json::Error) -> LoyaltyError {
    LoyaltyError::Corrupt {
        reason: format!("a stored leaderboard does not decode: {e}"),
    }
}

/// Drops queued board actions not sent yet: the newest choice supersedes them.
fn unqueue(tx: &Transaction<'_>) -> Result<()> {
    tx.prepare_cached("DELETE FROM outbox WHERE action IN (?1, ?2)")?
        .execute(params![JOIN_ACTION, LEAVE_ACTION])?;
    Ok(())
}

fn queue(tx: &Transaction<'_>, action: &str, target: &str, at: Time) -> Result<()> {
    let next: i64 = tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM outbox", [], |r| {
        r.get(0)
    })?;
    tx.prepare_cached(
        "INSERT INTO outbox (action, target, at, idempotency_key) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        action,
        target,
        sql::ms(at),
        format!("board:{action}:{}:{next}", sql::ms(at))
    ])?;
    Ok(())
}

pub(crate) fn membership(conn: &Connection) -> Result<BoardMembership> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT name, state FROM board_profile WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        None => BoardMembership::Out,
        Some((name, state)) if state == "joined" => BoardMembership::Joined { name },
        Some((name, _)) => BoardMembership::Pending { name },
    })
}

impl Store {
    /// Joins the leaderboards as `name` on the device at once (pending) and
    /// queues it for the server; the cleaned name. `invalid_display_name`
    /// for a bad name; a taken one comes back from the server as a
    /// rejection with an inbox notice.
    pub fn join_leaderboard(&mut self, name: &str, at: Time) -> Result<String> {
        let name = clean_display_name(name)?;
        self.write(|tx| {
            unqueue(tx)?;
            tx.prepare_cached(
                "INSERT INTO board_profile (id, name, state) VALUES (1, ?1, 'pending') \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = 'pending'",
            )?
            .execute([&name])?;
            queue(tx, JOIN_ACTION, &name, at)?;
            Ok(name.clone())
        })
    }

    /// Leaves the leaderboards: the name is forgotten on the device at once
    /// and the leave is queued; my standing goes with the stored boards.
    pub fn leave_leaderboard(&mut self, at: Time) -> Result<()> {
        self.write(|tx| {
            let was_in = membership(tx)? != BoardMembership::Out;
            unqueue(tx)?;
            tx.execute("DELETE FROM board_profile", [])?;
            for (id, body) in stored(tx)? {
                let mut standing: BoardStanding = serde_json::from_str(&body).map_err(corrupt)?;
                standing.me = None;
                save_one(tx, &id, &standing)?;
            }
            if was_in {
                queue(tx, LEAVE_ACTION, "", at)?;
            }
            Ok(())
        })
    }

    /// Whether the member has joined (or is joining) the leaderboards.
    pub fn board_membership(&self) -> Result<BoardMembership> {
        membership(&self.conn)
    }

    /// The server answered a queued board action: a join applied confirms
    /// the name; a refused one (`name_taken`) forgets it and the inbox says
    /// why. The action leaves the outbox in the same transaction.
    pub fn board_action_answered(
        &mut self,
        outbox_seq: i64,
        rejected: Option<(&str, &str)>,
        at: Time,
    ) -> Result<()> {
        self.write(|tx| {
            let row: Option<(String, String, String)> = tx
                .prepare_cached(
                    "SELECT action, target, idempotency_key FROM outbox WHERE seq = ?1",
                )?
                .query_row([outbox_seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
                .execute([outbox_seq])?;
            let Some((_, target, key)) = row.filter(|(a, _, _)| a == JOIN_ACTION) else {
                return Ok(());
            };
            let pending_same =
                matches!(membership(tx)?, BoardMembership::Pending { name } if name == target);
            match rejected {
                None if pending_same => {
                    tx.execute("UPDATE board_profile SET state = 'joined' WHERE id = 1", [])?;
                }
                None => {}
                Some((code, message)) => {
                    if pending_same {
                        tx.execute("DELETE FROM board_profile", [])?;
                    }
                    super::inbox::write_generated(
                        tx,
                        format!("rejected:{key}"),
                        format!("Leaderboard name \"{target}\" not taken"),
                        format!("{message} ({code})"),
                        at,
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Keeps the standings of a sync page (replacing the previous ones) in
    /// one transaction. A standing with my rank while I am not joined on
    /// this device (a leave not yet sent) drops that rank.
    pub fn save_boards(&mut self, standings: &[BoardStanding]) -> Result<()> {
        self.write(|tx| {
            let out = membership(tx)? == BoardMembership::Out;
            tx.execute("DELETE FROM boards", [])?;
            for (i, s) in standings.iter().enumerate() {
                let mut s = s.clone();
                if out {
                    s.me = None;
                }
                let body = serde_json::to_string(&s).map_err(|e| LoyaltyError::Storage {
                    reason: format!("cannot encode a leaderboard: {e}"),
                })?;
                tx.prepare_cached("INSERT INTO boards (id, position, body) VALUES (?1, ?2, ?3)")?
                    .execute(params![s.id, i64::try_from(i).unwrap_or(i64::MAX), body])?;
            }
            Ok(())
        })
    }

    /// The program's boards with their latest standings, and my opt-in.
    pub fn leaderboards(&self) -> Result<BoardsView> {
        let membership = membership(&self.conn)?;
        let mut stored_boards = std::collections::HashMap::new();
        for (id, body) in stored(&self.conn)? {
            let standing: BoardStanding = serde_json::from_str(&body).map_err(corrupt)?;
            stored_boards.insert(id, standing);
        }
        let boards = self
            .program
            .as_ref()
            .map(|p| p.leaderboards.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|b| BoardView {
                id: b.id.clone(),
                title: b.title.clone(),
                metric: b.metric,
                period: b.period,
                top_size: b.top,
                standing: stored_boards.remove(&b.id),
            })
            .collect();
        Ok(BoardsView { membership, boards })
    }
}

fn stored(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT id, body FROM boards ORDER BY position")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn save_one(tx: &Transaction<'_>, id: &str, standing: &BoardStanding) -> Result<()> {
    let body = serde_json::to_string(standing).map_err(|e| LoyaltyError::Storage {
        reason: format!("cannot encode a leaderboard: {e}"),
    })?;
    tx.prepare_cached("UPDATE boards SET body = ?2 WHERE id = ?1")?
        .execute(params![id, body])?;
    Ok(())
}

//! The queue of device actions waiting for the server: each already applied
//! locally, stored with its idempotency key until the server answers.

use rusqlite::{Connection, params};

use super::sql;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;
use crate::wallet::model::Event;

/// A device action waiting for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAction {
    /// Idempotency key.
    pub idempotency_key: String,
    /// The wallet event.
    pub event: Event,
    /// When it was taken.
    pub at: Time,
}

pub(crate) fn encode(event: &Event) -> Result<String> {
    serde_json::to_string(event).map_err(|e| LoyaltyError::Storage {
        reason: format!("cannot encode event: {e}"),
    })
}

pub(crate) fn decode(body: &str) -> Result<Event> {
    serde_json::from_str(body).map_err(|e| LoyaltyError::Corrupt {
        reason: format!("stored event does not decode: {e}"),
    })
}

/// The queued actions, oldest first.
pub(crate) fn pending(conn: &Connection) -> Result<Vec<PendingAction>> {
    let mut stmt =
        conn.prepare_cached("SELECT idempotency_key, at, body FROM pending_actions ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>("idempotency_key")?,
            r.get::<_, i64>("at")?,
            r.get::<_, String>("body")?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, at, body) = row?;
        out.push(PendingAction {
            idempotency_key: key,
            event: decode(&body)?,
            at: sql::time(at)?,
        });
    }
    Ok(out)
}

/// How many actions wait for the server.
pub(crate) fn count_pending(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row("SELECT count(*) FROM pending_actions", [], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Queues an already-applied action in the caller's transaction.
pub(crate) fn enqueue(conn: &Connection, key: &str, event: &Event, at: Time) -> Result<()> {
    let order: i64 = conn.query_row(
        "SELECT coalesce(max(seq), 0) + 1 FROM pending_actions",
        [],
        |r| r.get(0),
    )?;
    conn.prepare_cached(
        "INSERT INTO pending_actions (idempotency_key, seq, at, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![key, order, sql::ms(at), encode(event)?])?;
    Ok(())
}

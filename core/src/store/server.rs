//! The server's side of the store, for the dev server (feature `server`):
//! client actions applied exactly once by idempotency key, and the keys of
//! the events a sync page serves. The phone never runs this.

use rusqlite::{OptionalExtension, params};

use super::{Store, sql};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;
use crate::wallet::model::Event;

/// The outcome of a keyed client action on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyedOutcome {
    /// Applied as event `seq`.
    Applied {
        /// Event sequence number.
        seq: i64,
    },
    /// Refused; `error` is `{"code", "message"}` JSON.
    Rejected {
        /// The rejection.
        error: String,
    },
}

impl Store {
    /// Server side: applies a client action once. The key is stored in the same
    /// transaction as the event, so a crash can never leave an applied action
    /// without its key (and a retry applying it again). Returns the event's
    /// sequence number, or the recorded outcome when the key was seen before.
    pub fn apply_keyed(&mut self, key: &str, event: &Event, at: Time) -> Result<KeyedOutcome> {
        if let Some(seen) = self.keyed_outcome(key)? {
            return Ok(seen);
        }
        let program = self.program.as_ref().ok_or(LoyaltyError::NoProgram)?;
        let applied = sql::write(&mut self.conn, |tx| {
            let applied = Self::apply_in(tx, program, event, at)?;
            tx.prepare_cached(
                "INSERT INTO action_keys (key, seq, status) VALUES (?1, ?2, 'applied')",
            )?
            .execute(params![key, applied.seq])?;
            Ok(applied)
        });
        match applied {
            Ok(applied) => Ok(KeyedOutcome::Applied { seq: applied.seq }),
            Err(e) if !crate::sync::wire::Failure::is_rejection(&e) => Err(e),
            Err(e) => {
                // Recorded as the wire's error body, answered again on a retry.
                let error = serde_json::to_string(&crate::sync::wire::ErrorBody::from(&e))
                    .map_err(|err| LoyaltyError::Storage {
                        reason: format!("cannot encode a rejection: {err}"),
                    })?;
                self.conn.execute(
                    "INSERT OR IGNORE INTO action_keys (key, seq, status, error) VALUES (?1, NULL, 'rejected', ?2)",
                    params![key, error],
                )?;
                Ok(KeyedOutcome::Rejected { error })
            }
        }
    }

    /// The recorded outcome of an action key, if any.
    pub fn keyed_outcome(&self, key: &str) -> Result<Option<KeyedOutcome>> {
        let row: Option<(Option<i64>, String, Option<String>)> = self
            .conn
            .prepare_cached("SELECT seq, status, error FROM action_keys WHERE key = ?1")?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(
            row.map(|(seq, status, error)| match (status.as_str(), seq) {
                ("applied", Some(seq)) => KeyedOutcome::Applied { seq },
                _ => KeyedOutcome::Rejected {
                    error: error.unwrap_or_default(),
                },
            }),
        )
    }

    /// The action key of event `seq`, if it came from a client action.
    pub fn key_of_event(&self, seq: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT key FROM action_keys WHERE seq = ?1")?
            .query_row([seq], |r| r.get(0))
            .optional()?)
    }

    /// Server side: activates an offer for a client action, recording `key`
    /// with the event in one transaction. Returns the event's sequence number.
    pub fn activate_offer_keyed(&mut self, id: &str, at: Time, key: &str) -> Result<i64> {
        self.activate_offer_as(id, at, Some(key))
    }
}

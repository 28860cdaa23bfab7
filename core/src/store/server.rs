//! The server's side of the store, for the dev server (feature `server`):
//! client actions applied exactly once by idempotency key, and the keys of
//! the events a sync page serves. The phone never runs this.

use rusqlite::{OptionalExtension, params};

use super::programs::Rules;
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
    /// The key was recorded for a different request; nothing was done.
    Reused,
}

/// What a till operation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TillOutcome {
    /// Applied now; `answer` is recorded for a retry.
    Applied {
        /// The answer given (and kept).
        answer: String,
    },
    /// The same purchase was applied before: its recorded answer, nothing applied.
    Repeated {
        /// The answer given the first time.
        answer: String,
    },
    /// The code's time step is not after the last one accepted: a replayed
    /// or older code. Nothing was applied.
    Replayed,
}

/// The code of the rejection a reused key gets.
pub const KEY_REUSED: &str = "idempotency_key_reused";

/// One recorded key, as stored.
struct KeyRow {
    seq: Option<i64>,
    status: String,
    error: Option<String>,
    request: Option<String>,
}

impl Store {
    /// Server side: applies a client action once. The key is stored in the
    /// same transaction as the event, with `request` (the action as the
    /// client sent it), so a crash can never leave an applied action without
    /// its key (and a retry applying it again). A key seen before answers its
    /// recorded outcome, or [`KeyedOutcome::Reused`] when it came with
    /// another request; a rejected key stays rejected.
    pub fn apply_keyed(
        &mut self,
        key: &str,
        request: &str,
        event: &Event,
        at: Time,
    ) -> Result<KeyedOutcome> {
        if let Some(seen) = self.keyed_outcome(key, request)? {
            return Ok(seen);
        }
        let rules = Rules::of(self.program.as_ref(), self.program_id)?;
        let written = sql::write(&mut self.conn, |tx| {
            let applied = Self::apply_in(tx, rules, event, at)?;
            record_applied(tx, key, request, applied.seq)?;
            Ok(applied)
        });
        let applied = self.noticed(written);
        match applied {
            Ok(applied) => Ok(KeyedOutcome::Applied { seq: applied.seq }),
            Err(e) if !crate::sync::wire::Failure::is_rejection(&e) => Err(e),
            Err(e) => self.reject_keyed(key, request, &e),
        }
    }

    /// Records that the action under `key` was refused with `error`, so a
    /// retry gets the same answer (the wire's error body) and never applies it.
    pub fn reject_keyed(
        &mut self,
        key: &str,
        request: &str,
        error: &LoyaltyError,
    ) -> Result<KeyedOutcome> {
        let error =
            serde_json::to_string(&crate::sync::wire::ErrorBody::from(error)).map_err(|err| {
                LoyaltyError::Storage {
                    reason: format!("cannot encode a rejection: {err}"),
                }
            })?;
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO action_keys (key, seq, status, error, request) \
                 VALUES (?1, NULL, 'rejected', ?2, ?3)",
            )?
            .execute(params![key, error, request])?;
            Ok(())
        })?;
        Ok(KeyedOutcome::Rejected { error })
    }

    /// The recorded outcome of an action key sent with `request`, if the key
    /// was seen: [`KeyedOutcome::Reused`] when it was recorded for another request.
    pub fn keyed_outcome(&self, key: &str, request: &str) -> Result<Option<KeyedOutcome>> {
        let row = self
            .conn
            .prepare_cached("SELECT seq, status, error, request FROM action_keys WHERE key = ?1")?
            .query_row([key], |r| {
                Ok(KeyRow {
                    seq: r.get("seq")?,
                    status: r.get("status")?,
                    error: r.get("error")?,
                    request: r.get("request")?,
                })
            })
            .optional()?;
        Ok(row.map(|row| {
            // Keys recorded before requests were kept (schema 6) match any request.
            if row.request.as_deref().is_some_and(|s| s != request) {
                return KeyedOutcome::Reused;
            }
            let KeyRow {
                seq, status, error, ..
            } = row;
            match (status.as_str(), seq) {
                ("applied", Some(seq)) => KeyedOutcome::Applied { seq },
                _ => KeyedOutcome::Rejected {
                    error: error.unwrap_or_default(),
                },
            }
        }))
    }

    /// The rules text this wallet ran under `version`, if it ever did (the
    /// server serves old events with the rules they were applied under).
    pub fn program_rules(&self, version: &str) -> Result<Option<String>> {
        super::programs::rules_of_version(&self.conn, version)
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
    /// and `request` with the event in one transaction. Returns the event's
    /// sequence number.
    pub fn activate_offer_keyed(
        &mut self,
        id: &str,
        at: Time,
        key: &str,
        request: &str,
    ) -> Result<i64> {
        self.activate_offer_as(id, at, Some((key, request)))
    }
}

impl Store {
    /// Applies an event the till sent with a scanned code of time step `step`
    /// (`None`: a static code), once, in one transaction: the step is accepted
    /// only when the event applies, so a refused purchase (a typo in the
    /// receipt) leaves the shopper's code usable for the corrected one. With
    /// `receipt` (purchases), the same request sent again answers what was
    /// answered the first time and applies nothing, so a till may retry safely.
    /// `answer` makes the answer from what was applied.
    pub fn apply_till(
        &mut self,
        step: Option<i64>,
        receipt: Option<(&str, &str)>,
        event: &Event,
        at: Time,
        answer: impl FnOnce(&super::Applied) -> String,
    ) -> Result<TillOutcome> {
        let rules = Rules::of(self.program.as_ref(), self.program_id)?;
        let written = sql::write(&mut self.conn, |tx| {
            if let Some((receipt_id, request)) = receipt {
                let seen: Option<(String, String)> = tx
                    .prepare_cached(
                        "SELECT request, answer FROM till_receipts WHERE receipt_id = ?1",
                    )?
                    .query_row([receipt_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if let Some((stored, answer)) = seen
                    && stored == request
                {
                    return Ok(TillOutcome::Repeated { answer });
                }
            }
            if let Some(step) = step {
                let last: Option<i64> = tx
                    .prepare_cached("SELECT last_step FROM till_guard WHERE id = 1")?
                    .query_row([], |r| r.get(0))
                    .optional()?;
                if last.is_some_and(|l| step <= l) {
                    return Ok(TillOutcome::Replayed);
                }
            }
            let applied = Self::apply_in(tx, rules, event, at)?;
            if let Some(step) = step {
                tx.prepare_cached(
                    "INSERT INTO till_guard (id, last_step) VALUES (1, ?1) \
                     ON CONFLICT (id) DO UPDATE SET last_step = excluded.last_step",
                )?
                .execute([step])?;
            }
            let answer = answer(&applied);
            if let Some((receipt_id, request)) = receipt {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO till_receipts (receipt_id, request, answer) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![receipt_id, request, answer])?;
            }
            Ok(TillOutcome::Applied { answer })
        });
        self.noticed(written)
    }
}

/// Records an applied action's key with its event, in the event's transaction.
pub(super) fn record_applied(
    tx: &rusqlite::Connection,
    key: &str,
    request: &str,
    seq: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO action_keys (key, seq, status, request) VALUES (?1, ?2, 'applied', ?3)",
    )?
    .execute(params![key, seq, request])?;
    Ok(())
}

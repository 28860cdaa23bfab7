//! The wallet's two one-row records — the running totals with the cached
//! tier window, and the challenge and badge state — held in memory while a
//! batch of events is applied, and written back once at its end.
//!
//! Every event reads both records and rewrites them: the totals were read
//! twice and updated three times per event (the totals, the window when a
//! receipt entered it, the window moved to the event's time), the goal
//! record (about 10 KB of JSON with 100 goals) serialised and written whole.
//! A sync page applies hundreds of events in one transaction; with these
//! records held here they are read once and written once per page.
//!
//! The rows in SQLite are stale while a batch holds changes: whoever holds a
//! [`Hot`] reads those records only through it and calls [`Hot::flush`]
//! before anything else reads them and before the transaction commits. A
//! rollback to a savepoint goes with [`Hot::restore`] to the [`Hot::mark`]
//! taken with the savepoint.

use std::cell::RefCell;
use std::sync::Arc;

use rusqlite::{Connection, params};

use crate::goals::model::GoalState;
use crate::kernel::error::Result;
use crate::wallet::model::Summary;

/// The cached qualifying-spend window: the net contributions of receipts
/// with `from < at <= to` sum to `sum` (`from = None`: since the beginning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Lower bound (exclusive), Unix ms.
    pub(crate) from: Option<i64>,
    /// Upper bound (inclusive), Unix ms.
    pub(crate) to: i64,
    /// The sum.
    pub(crate) sum: i64,
}

/// The `summary` row: the running totals and the cached window.
#[derive(Debug, Clone)]
pub(crate) struct Totals {
    /// The running totals.
    pub(crate) summary: Summary,
    /// The cached qualifying-spend window, if any.
    pub(crate) window: Option<Window>,
}

#[derive(Debug, Clone, Default)]
struct Rows {
    totals: Option<Totals>,
    totals_dirty: bool,
    goals: Option<Arc<GoalState>>,
    goals_dirty: bool,
    /// The newest receipt's time (`Some(None)`: no receipts), once read.
    latest_receipt: Option<Option<i64>>,
}

/// The one-row records of a batch of events (see the module's comment).
#[derive(Debug, Default)]
pub(crate) struct Hot {
    rows: RefCell<Rows>,
}

impl Hot {
    /// Runs `f` over the totals row, read through `load` if not held yet.
    fn totals<T>(
        &self,
        load: impl FnOnce() -> Result<Totals>,
        f: impl FnOnce(&mut Totals) -> T,
    ) -> Result<T> {
        let mut rows = self.rows.borrow_mut();
        let totals = match &mut rows.totals {
            Some(t) => t,
            empty => empty.insert(load()?),
        };
        Ok(f(totals))
    }

    /// The running totals.
    pub(crate) fn summary(&self, load: impl FnOnce() -> Result<Totals>) -> Result<Summary> {
        self.totals(load, |t| t.summary)
    }

    /// Replaces the running totals (written at the next flush).
    pub(crate) fn set_summary(
        &self,
        load: impl FnOnce() -> Result<Totals>,
        summary: &Summary,
    ) -> Result<()> {
        self.totals(load, |t| t.summary = *summary)?;
        self.rows.borrow_mut().totals_dirty = true;
        Ok(())
    }

    /// The cached qualifying-spend window, if any.
    pub(crate) fn window(&self, load: impl FnOnce() -> Result<Totals>) -> Result<Option<Window>> {
        self.totals(load, |t| t.window)
    }

    /// Replaces the cached window (written at the next flush).
    pub(crate) fn set_window(
        &self,
        load: impl FnOnce() -> Result<Totals>,
        window: Option<Window>,
    ) -> Result<()> {
        self.totals(load, |t| t.window = window)?;
        self.rows.borrow_mut().totals_dirty = true;
        Ok(())
    }

    /// The challenge and badge state, read through `read` when not held.
    pub(crate) fn goals(
        &self,
        read: impl FnOnce() -> Result<Arc<GoalState>>,
    ) -> Result<Arc<GoalState>> {
        if let Some(g) = &self.rows.borrow().goals {
            return Ok(Arc::clone(g));
        }
        let state = read()?;
        self.rows.borrow_mut().goals = Some(Arc::clone(&state));
        Ok(state)
    }

    /// Replaces the challenge and badge state (written at the next flush).
    pub(crate) fn set_goals(&self, state: GoalState) {
        let mut rows = self.rows.borrow_mut();
        rows.goals = Some(Arc::new(state));
        rows.goals_dirty = true;
    }

    /// The time of the newest receipt, read through `load` when not held
    /// (a cache of what the receipts table says, never written).
    pub(crate) fn latest_receipt(
        &self,
        load: impl FnOnce() -> Result<Option<i64>>,
    ) -> Result<Option<i64>> {
        if let Some(latest) = self.rows.borrow().latest_receipt {
            return Ok(latest);
        }
        let latest = load()?;
        self.rows.borrow_mut().latest_receipt = Some(latest);
        Ok(latest)
    }

    /// Notes a receipt added at `at`, keeping the held newest time right.
    pub(crate) fn receipt_added(&self, at: i64) {
        if let Some(latest) = &mut self.rows.borrow_mut().latest_receipt {
            *latest = Some(latest.map_or(at, |l| l.max(at)));
        }
    }

    /// Writes what changed since the last flush; the values stay held.
    /// `encode_goals` gives the goal record's stored bytes.
    pub(crate) fn flush(
        &self,
        conn: &Connection,
        encode_goals: impl FnOnce(&Arc<GoalState>) -> Vec<u8>,
    ) -> Result<()> {
        let mut rows = self.rows.borrow_mut();
        if rows.totals_dirty
            && let Some(t) = &rows.totals
        {
            let s = &t.summary;
            let w = t.window;
            conn.prepare_cached(
                "UPDATE summary SET live_points = ?1, debt = ?2, lifetime_earned = ?3, \
                 expired_total = ?4, last_event_at = ?5, window_from = ?6, window_to = ?7, \
                 window_sum = ?8 WHERE id = 1",
            )?
            .execute(params![
                s.live_points,
                s.debt,
                s.lifetime_earned,
                s.expired_total,
                s.last_event_at.map(|t| t.timestamp_millis()),
                w.and_then(|w| w.from),
                w.map(|w| w.to),
                w.map(|w| w.sum)
            ])?;
        }
        rows.totals_dirty = false;
        if rows.goals_dirty
            && let Some(g) = &rows.goals
        {
            conn.prepare_cached(
                "INSERT INTO goal_state (id, body) VALUES (1, ?1) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body",
            )?
            .execute([encode_goals(g)])?;
        }
        rows.goals_dirty = false;
        Ok(())
    }

    /// What is held now, to go back to when the next event fails.
    pub(crate) fn mark(&self) -> Mark {
        Mark(self.rows.borrow().clone())
    }

    /// Goes back to `mark` — with the rollback to a savepoint taken when
    /// the mark was (no flush in between), so the held records and the
    /// rows in SQLite agree again.
    pub(crate) fn restore(&self, mark: Mark) {
        *self.rows.borrow_mut() = mark.0;
    }
}

/// The held records at one moment (see [`Hot::mark`]).
#[derive(Debug)]
pub(crate) struct Mark(Rows);

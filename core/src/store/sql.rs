//! The wallet tables seen through [`WalletView`], and the engine's effects
//! written back as SQL inside the caller's transaction.

use std::path::Path;
use std::sync::{Arc, LazyLock};

use chrono::DateTime;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use crate::goals::model::GoalState;
use crate::kernel::coupon::{CouponBenefit, CouponScope};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::NoticeId;
use crate::kernel::time::Time;
use crate::wallet::model::{
    BonusKind, Coupon, LedgerEntry, LedgerKind, Lot, LotSource, Receipt, ReceiptLine, ReturnTotals,
    Summary,
};
use crate::wallet::view::WalletView;

use super::goal_record;
use super::held::{Held, Lease};
use super::hot::{Hot, Mark, Totals, Window};

/// Stored `expires_at` of a lot that never expires.
pub(crate) const NEVER: i64 = i64::MAX;

pub(crate) fn ms(t: Time) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn time(ms: i64) -> rusqlite::Result<Time> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| bad_value(format!("timestamp {ms} out of range")))
}

/// Stores (or replaces) a setting in `meta`, in the caller's transaction.
/// Declares a row's columns once: `$m::LIST` is the SELECT list and each
/// column's name is a constant holding its index, so row mappers read fields
/// by name at the cost of a position.
macro_rules! columns {
    ($vis:vis mod $m:ident { $($name:ident),+ $(,)? }) => {
        #[allow(non_upper_case_globals, non_camel_case_types, dead_code)]
        $vis mod $m {
            /// The columns, in order, as a SELECT list.
            pub const LIST: &str = stringify!($($name),+);
            enum Index {
                $($name),+
            }
            $(
                /// The column's index in `LIST`.
                pub const $name: usize = Index::$name as usize;
            )+
        }
    };
}
pub(crate) use columns;

/// Runs `f` as one operation: in one IMMEDIATE transaction (the write lock
/// is taken first, so a second writer waits instead of failing half-way),
/// committed when `f` succeeds and rolled back — nothing changes — when it
/// fails. Every write of the store goes through here.
pub(crate) fn write<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    refuse_if_moved(conn)?;
    super::damage::refuse_if_recorded(conn)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx).and_then(|out| {
        tx.commit()?;
        Ok(out)
    });
    if let Err(e) = &out
        && super::damage::is_damage(e)
    {
        super::damage::record(conn, &e.to_string());
    }
    out
}

/// `storage` when the wallet's file was deleted or replaced since `conn`
/// opened it: on Unix the connection would go on writing into the unlinked
/// file, which no later open sees — every later write silently lost. One
/// `stat` per write (SQLite's `SQLITE_FCNTL_HAS_MOVED`). The store then
/// sets aside the journal this connection left at the path.
fn refuse_if_moved(conn: &Connection) -> Result<()> {
    if !has_moved(conn) {
        return Ok(());
    }
    let path = conn.path().unwrap_or_default();
    Err(LoyaltyError::Storage {
        reason: format!(
            "the wallet file {path} was deleted or replaced while it was open, so nothing more \
             is written to it: close the wallet and open it again"
        ),
    })
}

/// Whether the file `conn` opened is no longer at its path (deleted,
/// renamed or replaced); `false` in memory.
pub(crate) fn has_moved(conn: &Connection) -> bool {
    if conn.path().is_none_or(str::is_empty) {
        return false;
    }
    let mut moved: std::ffi::c_int = 0;
    // SAFETY: the handle is `conn`'s own open connection, borrowed for this
    // call only; the opcode writes one int through the pointer, which points
    // at `moved` for the whole call.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_HAS_MOVED,
            (&raw mut moved).cast(),
        )
    };
    rc == rusqlite::ffi::SQLITE_OK && moved != 0
}

/// Moves a journal that belongs to no database at `db` any more — the
/// `-wal` of a deleted or replaced file — out of the way (`-wal.orphaned-<ms>`,
/// the `-shm` index removed), so that SQLite does not pair it with whatever
/// file is next opened at that path: it would replay the old wallet's pages
/// into another one. Best effort, logged.
pub(crate) fn set_aside_journal(db: &Path) {
    let with = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    let wal = with("-wal");
    if wal.exists() {
        let stamp = chrono::Utc::now().timestamp_millis();
        let aside = with(&format!("-wal.orphaned-{stamp}"));
        match std::fs::rename(&wal, &aside) {
            Ok(()) => tracing::error!(
                "a wallet journal without its database file was set aside; kept for support"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot set aside an orphaned wallet journal"),
        }
    }
    let shm = with("-shm");
    if shm.exists()
        && let Err(e) = std::fs::remove_file(&shm)
    {
        tracing::warn!(error = %e, "cannot remove an orphaned wallet journal index");
    }
}

/// Sets a meta value. Takes a transaction, so it is only reached through
/// [`write`]: a meta write straight on the connection would skip the checks
/// there (a damaged or moved file is not written to) — it once changed a
/// refused, damaged wallet file.
pub(crate) fn put_meta(tx: &Transaction<'_>, key: &str, value: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

fn bad_value(reason: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, reason.into())
}

pub(crate) fn corrupt(reason: impl Into<String>) -> LoyaltyError {
    LoyaltyError::Corrupt {
        reason: reason.into(),
    }
}

/// Whether an inbox message id is known: for a numbered notice of the
/// core's own (`NoticeId::series`), whether its series was written up to
/// its number; for any other id, stored, or evicted and remembered.
pub(crate) fn message_known(conn: &Connection, id: &str) -> Result<bool> {
    known_by(id, |sql, args| conn.prepare_cached(sql)?.exists(args))
}

/// [`message_known`] through `exists`, which runs one of the two queries
/// with its arguments (a connection's cache, or a view's held statements).
fn known_by(
    id: &str,
    exists: impl FnOnce(&'static str, &[&dyn rusqlite::ToSql]) -> rusqlite::Result<bool>,
) -> Result<bool> {
    Ok(match NoticeId::series(id) {
        Some((series, n)) => exists(SERIES_KNOWN, params![series, n])?,
        None => exists(MESSAGE_KNOWN, params![id])?,
    })
}

/// Whether an inbox message id is stored or remembered as evicted.
const MESSAGE_KNOWN: &str =
    "SELECT 1 FROM inbox WHERE id = ?1 UNION ALL SELECT 1 FROM inbox_gone WHERE id = ?1";

/// Whether a numbered notice series was written up to a number.
const SERIES_KNOWN: &str = "SELECT 1 FROM notice_marks WHERE series = ?1 AND upto >= ?2";

/// Read access over a connection (usually inside a transaction), with the
/// wallet's one-row records held for the view's life (see [`Hot`]): a view
/// that applied events must be [`flush`](SqlView::flush)ed before its
/// transaction commits or another view reads.
pub(crate) struct SqlView<'c> {
    pub(crate) conn: &'c Connection,
    hot: Hot,
    /// Notices were written since the last flush: the inbox's retention
    /// bound is due (kept once per batch, at the flush).
    retention_due: std::cell::Cell<bool>,
    /// The statements this view ran, kept for its life (see [`Held`]).
    held: Held<'c>,
}

impl<'c> SqlView<'c> {
    /// A view over `conn`, holding nothing yet.
    pub(crate) fn new(conn: &'c Connection) -> Self {
        Self {
            conn,
            hot: Hot::default(),
            retention_due: std::cell::Cell::new(false),
            held: Held::default(),
        }
    }

    /// The statement for `sql`, prepared once for this view (see [`Held`]).
    pub(crate) fn stmt(&self, sql: &'static str) -> rusqlite::Result<Lease<'_, 'c>> {
        self.held.lease(self.conn, sql)
    }

    /// The `summary` row as stored (what the view holds until it is flushed).
    fn load_totals(&self) -> Result<Totals> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM summary WHERE id = 1",
            totals::LIST
        ))?;
        Ok(stmt.query_row([], |r| {
            let last: Option<i64> = r.get(totals::last_event_at)?;
            let to: Option<i64> = r.get(totals::window_to)?;
            let sum: Option<i64> = r.get(totals::window_sum)?;
            Ok(Totals {
                summary: Summary {
                    live_points: r.get(totals::live_points)?,
                    debt: r.get(totals::debt)?,
                    lifetime_earned: r.get(totals::lifetime_earned)?,
                    expired_total: r.get(totals::expired_total)?,
                    last_event_at: last.map(time).transpose()?,
                },
                window: match (to, sum) {
                    (Some(to), Some(sum)) => Some(Window {
                        from: r.get(totals::window_from)?,
                        to,
                        sum,
                    }),
                    _ => None,
                },
            })
        })?)
    }

    /// Writes the held records that changed (part of the effects' flush).
    pub(super) fn flush_held(&self) -> Result<()> {
        self.hot.flush(self.conn, goal_record::encode_shared)
    }

    /// Notes that a notice was written (the retention bound is due at the flush).
    pub(super) fn note_retention_due(&self) {
        self.retention_due.set(true);
    }

    /// Whether the retention bound is due, clearing the note.
    pub(super) fn take_retention_due(&self) -> bool {
        self.retention_due.replace(false)
    }

    /// What the view holds now (taken with a savepoint).
    pub(crate) fn mark(&self) -> Mark {
        self.hot.mark()
    }

    /// Back to `mark`, with the rollback to the savepoint taken with it.
    pub(crate) fn restore(&self, mark: Mark) {
        self.hot.restore(mark);
    }

    /// Replaces the running totals (an event's [`Effect::SetSummary`]).
    ///
    /// [`Effect::SetSummary`]: crate::wallet::view::Effect::SetSummary
    pub(super) fn set_summary(&self, summary: &Summary) -> Result<()> {
        self.hot.set_summary(|| self.load_totals(), summary)
    }

    /// Replaces the challenge and badge state (an event's [`Effect::SetGoalState`]).
    ///
    /// [`Effect::SetGoalState`]: crate::wallet::view::Effect::SetGoalState
    pub(super) fn set_goal_state(&self, state: GoalState) {
        self.hot.set_goals(state);
    }
}

// A view's selects whose column lists come from `columns!`, built once.
static LOTS_DUE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {LOT_COLS} FROM lots WHERE remaining > 0 AND expires_at <= ?1 ORDER BY expires_at, id"
    )
});
static LOTS_TO_SPEND: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {LOT_COLS} FROM lots WHERE remaining > 0 AND expires_at > ?1 AND id IS NOT ?2 \
         ORDER BY expires_at, id"
    )
});
static LOTS_EXPIRING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {LOT_COLS} FROM lots WHERE remaining > 0 AND expires_at > ?1 AND expires_at <= ?2 \
         ORDER BY expires_at, id"
    )
});
static PURCHASE_LOT: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {LOT_COLS} FROM lots WHERE source = 'purchase' AND receipt_id = ?1")
});
static RECEIPT_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {RECEIPT_COLS} FROM receipts WHERE id = ?1"));
static RECEIPT_LAST: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {RECEIPT_COLS} FROM receipts WHERE rowid = (SELECT max(rowid) FROM receipts)")
});
static RECEIPT_LINES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM receipt_lines WHERE receipt_id = ?1 ORDER BY line_no",
        line::LIST
    )
});
static COUPON_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COUPON_COLS} FROM coupons WHERE id = ?1"));
static ACTIVE_COUPONS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COUPON_COLS} FROM coupons WHERE used_at IS NULL AND expires_at > ?1 \
         ORDER BY expires_at, id"
    )
});

columns!(mod lot { id, source, receipt_id, points, remaining, earned_at, expires_at });
const LOT_COLS: &str = lot::LIST;

fn lot_row(r: &Row<'_>) -> rusqlite::Result<Lot> {
    let source: String = r.get(lot::source)?;
    let expires: i64 = r.get(lot::expires_at)?;
    Ok(Lot {
        id: r.get(lot::id)?,
        source: LotSource::parse(&source)
            .ok_or_else(|| bad_value(format!("lot source {source}")))?,
        receipt_id: r.get(lot::receipt_id)?,
        points: r.get(lot::points)?,
        remaining: r.get(lot::remaining)?,
        earned_at: time(r.get(lot::earned_at)?)?,
        expires_at: if expires == NEVER {
            None
        } else {
            Some(time(expires)?)
        },
    })
}

/// A coupon benefit as the (kind, value) columns the coupon and inbox tables store.
pub(crate) fn benefit_to_cols(benefit: CouponBenefit) -> (&'static str, i64) {
    match benefit {
        CouponBenefit::Percent(p) => ("percent", p),
        CouponBenefit::AmountOff(a) => ("amount_off", a),
    }
}

/// The benefit stored as (kind, value) columns; `None` for an unknown kind.
pub(crate) fn benefit_from_cols(kind: &str, value: i64) -> Option<CouponBenefit> {
    match kind {
        "percent" => Some(CouponBenefit::Percent(value)),
        "amount_off" => Some(CouponBenefit::AmountOff(value)),
        _ => None,
    }
}

/// A coupon scope as the `scope` column of the coupon and inbox tables
/// stores it: JSON, `NULL` for an unscoped coupon.
pub(crate) fn scope_to_col(scope: &CouponScope) -> Result<Option<String>> {
    if scope.is_unscoped() {
        return Ok(None);
    }
    serde_json::to_string(scope)
        .map(Some)
        .map_err(|e| corrupt(format!("coupon scope: {e}")))
}

/// The scope stored in a `scope` column.
pub(crate) fn scope_from_col(text: Option<String>) -> rusqlite::Result<CouponScope> {
    match text {
        None => Ok(CouponScope::default()),
        Some(t) => serde_json::from_str(&t).map_err(|e| bad_value(format!("coupon scope: {e}"))),
    }
}

columns!(mod coupon { id, source, kind, value, issued_at, expires_at, used_at, scope });
pub(crate) const COUPON_COLS: &str = coupon::LIST;

fn coupon_row(r: &Row<'_>) -> rusqlite::Result<Coupon> {
    let kind: String = r.get(coupon::kind)?;
    let value: i64 = r.get(coupon::value)?;
    let used: Option<i64> = r.get(coupon::used_at)?;
    Ok(Coupon {
        id: r.get(coupon::id)?,
        source: r.get(coupon::source)?,
        benefit: benefit_from_cols(&kind, value)
            .ok_or_else(|| bad_value(format!("coupon kind {kind}")))?,
        scope: scope_from_col(r.get(coupon::scope)?)?,
        issued_at: time(r.get(coupon::issued_at)?)?,
        expires_at: time(r.get(coupon::expires_at)?)?,
        used_at: used.map(time).transpose()?,
    })
}

columns!(mod receipt {
    id, at, eligible, excluded, tier_discount, coupon_discount, coupon_id, points_paid,
    points_earned, payable, contribution, ret_eligible, ret_total, ret_reversed, ret_refunded,
    ret_contribution, counted,
});
const RECEIPT_COLS: &str = receipt::LIST;

fn receipt_row(r: &Row<'_>) -> rusqlite::Result<Receipt> {
    Ok(Receipt {
        id: r.get(receipt::id)?,
        at: time(r.get(receipt::at)?)?,
        lines: Vec::new(),
        eligible: r.get(receipt::eligible)?,
        excluded: r.get(receipt::excluded)?,
        tier_discount: r.get(receipt::tier_discount)?,
        coupon_discount: r.get(receipt::coupon_discount)?,
        coupon_id: r.get(receipt::coupon_id)?,
        points_paid: r.get(receipt::points_paid)?,
        points_earned: r.get(receipt::points_earned)?,
        payable: r.get(receipt::payable)?,
        contribution: r.get(receipt::contribution)?,
        returned: ReturnTotals {
            eligible: r.get(receipt::ret_eligible)?,
            total: r.get(receipt::ret_total)?,
            reversed_points: r.get(receipt::ret_reversed)?,
            refunded_points: r.get(receipt::ret_refunded)?,
            contribution: r.get(receipt::ret_contribution)?,
        },
        counted: {
            let text: String = r.get(receipt::counted)?;
            serde_json::from_str(&text).map_err(|e| bad_value(format!("receipt counted: {e}")))?
        },
    })
}

columns!(mod line { sku, category, qty, amount, eligible, returned_qty });
columns!(mod totals { live_points, debt, lifetime_earned, expired_total, last_event_at, window_from, window_to, window_sum });
columns!(mod entry { id, at, kind, points, reference });

impl SqlView<'_> {
    /// The receipt `sql` (one of the `RECEIPT_*` selects) finds, with its lines.
    fn receipt_where(
        &self,
        sql: &'static str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Option<Receipt>> {
        let Some(mut receipt) = self.stmt(sql)?.query_row(args, receipt_row).optional()? else {
            return Ok(None);
        };
        let mut stmt = self.stmt(&RECEIPT_LINES)?;
        receipt.lines = stmt
            .query_map([&receipt.id], |r| {
                Ok(ReceiptLine {
                    sku: r.get(line::sku)?,
                    category: r.get(line::category)?,
                    qty: r.get(line::qty)?,
                    amount: r.get(line::amount)?,
                    eligible: r.get(line::eligible)?,
                    returned_qty: r.get(line::returned_qty)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(receipt))
    }

    /// Sum of net contributions of receipts with `from < at <= to` (`from = None`: unbounded).
    fn sum_contributions(&self, from: Option<i64>, to: i64) -> Result<i64> {
        let mut stmt = self.stmt(
            "SELECT coalesce(sum(contribution - ret_contribution), 0) FROM receipts \
             WHERE at > ?1 AND at <= ?2",
        )?;
        Ok(stmt.query_row(params![from.unwrap_or(i64::MIN), to], |r| r.get(0))?)
    }

    /// Whether a receipt is newer than `at` (Unix ms).
    fn receipt_after(&self, at: i64) -> Result<bool> {
        let latest = self.hot.latest_receipt(|| {
            Ok(self
                .stmt("SELECT max(at) FROM receipts")?
                .query_row([], |r| r.get(0))?)
        })?;
        Ok(latest.is_some_and(|l| l > at))
    }

    /// Notes a receipt the view wrote (see [`Hot::receipt_added`]).
    pub(super) fn receipt_added(&self, at: i64) {
        self.hot.receipt_added(at);
    }

    /// Writes the qualifying-spend window cache for `(from, to]`.
    pub(crate) fn store_window(&self, from: Option<Time>, to: Time) -> Result<()> {
        let sum = self.qualifying_spend(from, to)?;
        let window = Window {
            from: from.map(ms),
            to: ms(to),
            sum,
        };
        self.hot.set_window(|| self.load_totals(), Some(window))
    }

    /// Forgets the window cache (after the program changes), at once.
    pub(crate) fn clear_window(&self) -> Result<()> {
        self.hot.set_window(|| self.load_totals(), None)?;
        self.flush_held()
    }

    /// Adjusts the cached window sum when the receipt at `at` changes its net contribution.
    pub(super) fn adjust_window(&self, at: i64, delta: i64) -> Result<()> {
        if let Some(w) = self.hot.window(|| self.load_totals())?
            && w.from.is_none_or(|f| at > f)
            && at <= w.to
        {
            let sum = w.sum.checked_add(delta).ok_or(LoyaltyError::Overflow {
                what: "qualifying spend",
            })?;
            self.hot
                .set_window(|| self.load_totals(), Some(Window { sum, ..w }))?;
        }
        Ok(())
    }

    pub(super) fn debit(&self, lot_id: i64, points: i64) -> Result<()> {
        let changed = self
            .stmt("UPDATE lots SET remaining = remaining - ?2 WHERE id = ?1 AND remaining >= ?2")?
            .execute(params![lot_id, points])?;
        if changed != 1 {
            return Err(corrupt(format!("lot {lot_id} cannot give {points} points")));
        }
        Ok(())
    }
}

impl WalletView for SqlView<'_> {
    fn summary(&self) -> Result<Summary> {
        self.hot.summary(|| self.load_totals())
    }

    fn lots_due(&self, at: Time) -> Result<Vec<Lot>> {
        let mut stmt = self.stmt(&LOTS_DUE)?;
        Ok(stmt
            .query_map([ms(at)], lot_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn lots_to_spend(&self, at: Time, need: i64, skip: Option<i64>) -> Result<Vec<Lot>> {
        let mut stmt = self.stmt(&LOTS_TO_SPEND)?;
        let mut rows = stmt.query(params![ms(at), skip])?;
        let mut out = Vec::new();
        let mut sum = 0i64;
        while sum < need {
            let Some(row) = rows.next()? else { break };
            let lot = lot_row(row)?;
            sum = sum.saturating_add(lot.remaining);
            out.push(lot);
        }
        Ok(out)
    }

    fn lots_expiring(&self, from: Time, to: Time) -> Result<Vec<Lot>> {
        let mut stmt = self.stmt(&LOTS_EXPIRING)?;
        Ok(stmt
            .query_map(params![ms(from), ms(to)], lot_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn purchase_lot(&self, receipt_id: &str) -> Result<Option<Lot>> {
        Ok(self
            .stmt(&PURCHASE_LOT)?
            .query_row([receipt_id], lot_row)
            .optional()?)
    }

    fn receipt(&self, receipt_id: &str) -> Result<Option<Receipt>> {
        self.receipt_where(&RECEIPT_BY_ID, &[&receipt_id])
    }

    fn has_receipt(&self, receipt_id: &str) -> Result<bool> {
        Ok(self
            .stmt("SELECT 1 FROM receipts WHERE id = ?1")?
            .exists([receipt_id])?)
    }

    fn last_purchase(&self) -> Result<Option<Receipt>> {
        self.receipt_where(&RECEIPT_LAST, &[])
    }

    fn coupon(&self, coupon_id: &str) -> Result<Option<Coupon>> {
        Ok(self
            .stmt(&COUPON_BY_ID)?
            .query_row([coupon_id], coupon_row)
            .optional()?)
    }

    fn active_coupons(&self, at: Time) -> Result<Vec<Coupon>> {
        let mut stmt = self.stmt(&ACTIVE_COUPONS)?;
        Ok(stmt
            .query_map([ms(at)], coupon_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn bonus_granted(&self, kind: &BonusKind, period: &str) -> Result<bool> {
        Ok(self
            .stmt("SELECT 1 FROM bonuses WHERE kind = ?1 AND period = ?2")?
            .exists(params![kind.as_str(), period])?)
    }

    fn qualifying_spend(&self, from: Option<Time>, to: Time) -> Result<i64> {
        let (from, to) = (from.map(ms), ms(to));
        let overflow = LoyaltyError::Overflow {
            what: "qualifying spend",
        };
        // The cached window moves forward only: subtract what left it, add what entered.
        if let Some(Window {
            from: c_from,
            to: c_to,
            sum,
        }) = self.hot.window(|| self.load_totals())?
            && from.is_some() == c_from.is_some()
            && from >= c_from
            && to >= c_to
        {
            let left = match (c_from, from) {
                (Some(cf), Some(f)) if f > cf => self.sum_contributions(Some(cf), f.min(c_to))?,
                _ => 0,
            };
            let lower = c_to.max(from.unwrap_or(i64::MIN));
            // An empty range reads nothing: the window asked again at its
            // own end, or moved to an event before that event's receipt
            // (no receipt is newer than the window's end).
            let entered = if lower < to && self.receipt_after(lower)? {
                self.sum_contributions(Some(lower), to)?
            } else {
                0
            };
            let sum = sum
                .checked_sub(left)
                .and_then(|s| s.checked_add(entered))
                .ok_or(overflow)?;
            // The moved window is kept: the event's own receipt then enters
            // it through `adjust_window`, and the window stored after the
            // event reads nothing more.
            if (from, to) != (c_from, c_to) {
                self.hot
                    .set_window(|| self.load_totals(), Some(Window { from, to, sum }))?;
            }
            return Ok(sum);
        }
        self.sum_contributions(from, to)
    }

    fn expiring_points(&self, from: Option<Time>, to: Time) -> Result<i64> {
        let mut stmt = self.stmt(
            "SELECT coalesce(sum(remaining), 0) FROM lots WHERE remaining > 0 AND expires_at > ?1 AND expires_at <= ?2",
        )?;
        Ok(stmt.query_row(params![from.map_or(i64::MIN, ms), ms(to)], |r| r.get(0))?)
    }

    fn next_expiry(&self, after: Time) -> Result<Option<Time>> {
        let next: Option<i64> = self
            .stmt("SELECT min(expires_at) FROM lots WHERE remaining > 0 AND expires_at > ?1 AND expires_at < ?2")?
            .query_row(params![ms(after), NEVER], |r| r.get(0))?;
        Ok(next.map(time).transpose()?)
    }

    fn history(&self, limit: usize) -> Result<Vec<LedgerEntry>> {
        history_page(self.conn, None, limit)
    }

    fn goal_state(&self) -> Result<Arc<GoalState>> {
        self.hot.goals(|| {
            let mut stmt = self.stmt("SELECT body FROM goal_state WHERE id = 1")?;
            let mut rows = stmt.query([])?;
            match rows.next()? {
                None => Ok(Arc::new(GoalState::default())),
                // Bytes now, text (JSON) from earlier builds: read in place.
                Some(row) => match row.get_ref(0)? {
                    ValueRef::Blob(b) | ValueRef::Text(b) => goal_record::decode_shared(b),
                    _ => Err(corrupt("goal state is neither bytes nor text")),
                },
            }
        })
    }

    fn message_known(&self, id: &str) -> Result<bool> {
        known_by(id, |sql, args| self.stmt(sql)?.exists(args))
    }

    fn goal_period_count(&self, goal: &str, key: i64) -> Result<i64> {
        Ok(self
            .stmt("SELECT count FROM goal_periods WHERE goal = ?1 AND key = ?2")?
            .query_row(params![goal, key], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    fn goal_period_counts(&self, goals: &[&str], key: i64) -> Result<Vec<i64>> {
        // One range of the (key, goal) primary key: every goal's row for
        // the period, side by side (rows of goals not asked are skipped).
        let mut counts = vec![0; goals.len()];
        let mut stmt = self.stmt("SELECT goal, count FROM goal_periods WHERE key = ?1")?;
        let mut rows = stmt.query([key])?;
        while let Some(row) = rows.next()? {
            let goal = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let count: i64 = row.get(1)?;
            for (slot, g) in counts.iter_mut().zip(goals) {
                if *g == goal {
                    *slot = count;
                }
            }
        }
        Ok(counts)
    }

    fn goal_period_keys(&self, goal: &str, max_key: i64, limit: usize) -> Result<Vec<i64>> {
        let mut stmt = self
            .stmt("SELECT key FROM goal_periods WHERE goal = ?1 AND key <= ?2 ORDER BY key DESC")?;
        // No `LIMIT ?`: SQLite re-prepares a statement whose bound LIMIT
        // changes (the planner reads it); rows are stepped lazily instead.
        Ok(stmt
            .query_map(params![goal, max_key], |r| r.get(0))?
            .take(limit)
            .collect::<rusqlite::Result<_>>()?)
    }
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| LoyaltyError::Storage {
        reason: format!("cannot encode: {e}"),
    })
}

/// History entries older than `before` (newest first).
pub(crate) fn history_page(
    conn: &Connection,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<LedgerEntry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM ledger WHERE id < ?1 ORDER BY id DESC",
        entry::LIST
    ))?;
    // Stepped lazily to `limit` rows (a bound LIMIT re-prepares when it changes).
    let rows = stmt.query_map(params![before.unwrap_or(i64::MAX)], |r| {
        let kind: String = r.get(entry::kind)?;
        Ok(LedgerEntry {
            id: r.get(entry::id)?,
            at: time(r.get(entry::at)?)?,
            kind: LedgerKind::parse(&kind)
                .ok_or_else(|| bad_value(format!("ledger kind {kind}")))?,
            points: r.get(entry::points)?,
            reference: r.get(entry::reference)?,
        })
    })?;
    Ok(rows.take(limit).collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {

    columns!(mod sample { id, at, body });

    #[test]
    fn columns_give_the_select_list_and_each_index() {
        assert_eq!(sample::LIST, "id, at, body");
        assert_eq!((sample::id, sample::at, sample::body), (0, 1, 2));
        assert_eq!(
            super::lot::LIST,
            "id, source, receipt_id, points, remaining, earned_at, expires_at"
        );
        assert_eq!(super::lot::expires_at, 6);
    }

    /// Re-prepares of the goal-periods read over rounds of use, each round
    /// taking the statement from rusqlite's cache and giving it back.
    fn reprepares(conn: &rusqlite::Connection) -> i32 {
        use rusqlite::StatementStatus;
        let sql = "SELECT key FROM goal_periods WHERE goal = ?1 AND key <= ?2 ORDER BY key DESC";
        let mut total = 0;
        for (goal, max_key) in [("c:c4", 9), ("c:c14", 7), ("b:b4", 9), ("c:c4", 1)] {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let before = stmt.get_status(StatementStatus::RePrepare);
            let keys: Vec<i64> = stmt
                .query_map(rusqlite::params![goal, max_key], |r| r.get(0))
                .unwrap()
                .take(2)
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(keys.len() <= 2);
            total += stmt.get_status(StatementStatus::RePrepare) - before;
        }
        total
    }

    /// Why the wallet's connection turns on SQLite's query planner
    /// stability guarantee: rusqlite clears a cached statement's bindings
    /// when it goes back to the cache, and SQLite then re-prepares any
    /// statement whose plan weighed a bound value — on every use (14 times
    /// per purchase with goals, 37 000 instructions each).
    #[test]
    fn cached_statements_are_prepared_once() {
        let table = "CREATE TABLE goal_periods (goal TEXT NOT NULL, key INTEGER NOT NULL, \
                     count INTEGER NOT NULL, PRIMARY KEY (goal, key)) WITHOUT ROWID; \
                     INSERT INTO goal_periods VALUES ('c:c4', 1, 1), ('c:c4', 5, 2), ('b:b4', 3, 1);";
        let plain = rusqlite::Connection::open_in_memory().unwrap();
        plain.execute_batch(table).unwrap();
        assert!(
            reprepares(&plain) > 0,
            "SQLite no longer re-prepares here: the guarantee may not be needed"
        );

        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open_dir(dir.path()).unwrap();
        assert_eq!(reprepares(&store.conn), 0);
    }
}

//! The client side of sync inside the store: the server's confirmed event
//! log, the device's pending actions, and the rebase that keeps local state
//! equal to "confirmed events, then still-pending actions on top".
//!
//! A wallet action taken on the device is applied at once and queued with its
//! idempotency key in the same transaction. Server events are appended in
//! server order; when they carry the key of a pending action, that action is
//! confirmed and leaves the queue. Whenever pending actions exist, local state
//! is rebuilt from the confirmed log with the pending actions re-applied, so a
//! server event that arrives first never corrupts the balance and the
//! shopper's own taps never vanish.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::programs::{self, Rules};
use super::queue::{PendingAction, count_pending, decode, encode, enqueue, pending};
use super::{Applied, Store, sql};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::NoticeId;
use crate::kernel::money::format_minor;
use crate::kernel::time::Time;
use crate::program::Program;
use crate::sync::wire::Failure;
use crate::wallet::model::{Event, Notice, NoticeDetail};

/// Meta key of the server's correction, kept while local figures disagree with it.
pub(crate) const CORRECTION_KEY: &str = "server_correction";

/// Overlays the server's figures on a local snapshot, so the shopper never
/// sees a balance the server disagrees with: numeric fields are shifted by
/// the difference found at the last digest check (so later local taps still
/// count), the tier is the server's.
pub(crate) fn apply_correction(
    program: &Program,
    snap: &mut crate::wallet::snapshot::WalletSnapshot,
    text: &str,
) {
    let Ok(c) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let d = |k: &str| c[k].as_i64().unwrap_or(0);
    snap.balance = snap.balance.saturating_add(d("balance"));
    snap.lifetime_earned = snap.lifetime_earned.saturating_add(d("lifetime_earned"));
    snap.expired_total = snap.expired_total.saturating_add(d("expired_total"));
    snap.qualifying_spend = snap.qualifying_spend.saturating_add(d("qualifying_spend"));
    if let (Some(id), Some(tiers)) = (c["tier"].as_str(), &program.tiers)
        && let Some(index) = tiers.levels.iter().position(|l| l.id == id)
    {
        snap.tier = Some(crate::wallet::snapshot::TierStatus {
            id: id.to_string(),
            index,
            perks: tiers.levels[index].perks.clone(),
            next: tiers
                .levels
                .get(index + 1)
                .map(|n| crate::wallet::snapshot::NextTier {
                    id: n.id.clone(),
                    threshold: n.threshold,
                    remaining: n.threshold.saturating_sub(snap.qualifying_spend).max(0),
                    perks: n.perks.clone(),
                }),
        });
        // The next purchase's discount follows the server's tier too.
        snap.next_discount = match program.member_discount.discount(
            tiers.levels[index].discount_percent,
            snap.last_purchase.is_none(),
        ) {
            (percent, Some(source)) => {
                Some(crate::wallet::snapshot::NextDiscount { percent, source })
            }
            (_, None) => None,
        };
    }
}

/// The secret-store key of the sync access token.
pub const ACCESS_TOKEN_KEY: &str = "access_token";
/// Meta key of the cursor to send with the next sync (stored with each applied page).
pub const SYNC_CURSOR_KEY: &str = "sync_cursor";
/// Meta key of the server clock offset in milliseconds (read by the card).
pub const SERVER_OFFSET_KEY: &str = "server_offset_ms";

/// Meta key: the latest server time (Unix ms) a sync has shown.
pub const TRUSTED_FLOOR_KEY: &str = "trusted_floor_ms";

/// Meta key: the clock offset a refused sync measured (empty once a sync is accepted).
pub const REFUSED_OFFSET_KEY: &str = "refused_clock_offset_ms";

/// One event of a sync page, as the server confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEvent {
    /// Server sequence number (strictly increasing).
    pub seq: i64,
    /// When the server applied it.
    pub at: Time,
    /// The event.
    pub event: Event,
    /// The client action it came from, if any.
    pub idempotency_key: Option<String>,
    /// The server's version of the rules it was applied under (`None`: the
    /// page's rules, or those in force — servers before per-event versions).
    pub program_version: Option<String>,
}

/// Program rules a sync page brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageProgram<'a> {
    /// The server's version of the rules (sent back as `program_version`).
    pub version: &'a str,
    /// The rules JSON.
    pub rules: &'a str,
}

/// What applying a page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageApplied {
    /// New server events stored.
    pub new_events: usize,
    /// Pending actions confirmed by them.
    pub confirmed: usize,
    /// Whether local state was rebuilt (pending actions re-applied on top).
    pub rebased: bool,
}

/// Wallet tables derived from events (the inbox, card and queues are kept).
const DERIVED: &str = "DELETE FROM receipt_lines; DELETE FROM receipts; DELETE FROM lots; DELETE FROM coupons; \
     DELETE FROM bonuses; DELETE FROM ledger; DELETE FROM goal_state; DELETE FROM goal_periods; DELETE FROM events;";

/// The highest server sequence number stored (0 before the first sync).
fn max_server_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(server_seq), 0) FROM server_events",
        [],
        |r| r.get(0),
    )?)
}

/// Rebuilds derived state: confirmed server events, each under the program
/// the server applied it under, then pending actions under `current` (what
/// the server will apply them with). Returns the server sequence numbers of
/// confirmed events that did not apply (skipped, never refused: the server's
/// digest then corrects what the shopper sees).
fn rebase(conn: &Connection, current: Rules<'_>) -> Result<Vec<i64>> {
    conn.execute_batch(DERIVED)?;
    conn.execute_batch(super::schema::RESET_SUMMARY)?;
    let mut stmt = conn.prepare_cached(
        "SELECT server_seq, at, body, program_id FROM server_events ORDER BY server_seq",
    )?;
    let rows: Vec<(i64, i64, String, Option<i64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut loaded = programs::Loaded::default();
    let mut skipped = Vec::new();
    // One view for the replay: the totals and goal records are held in it
    // and written once at the end.
    let view = sql::SqlView::new(conn);
    for (seq, at, body, program_id) in rows {
        let rules = loaded.get(conn, program_id, current)?;
        // Each event is applied in a savepoint so that one that fails leaves
        // no partial rows behind (nor held records: the view goes back too).
        conn.execute_batch("SAVEPOINT server_event")?;
        let mark = view.mark();
        match Store::apply_with(&view, rules, &decode(&body)?, Some(&body), sql::time(at)?) {
            Ok(_) => conn.execute_batch("RELEASE server_event")?,
            Err(e) if Failure::is_rejection(&e) => {
                view.restore(mark);
                conn.execute_batch("ROLLBACK TO server_event; RELEASE server_event")?;
                tracing::warn!(
                    seq,
                    code = e.code(),
                    "a confirmed server event does not apply locally; skipped"
                );
                skipped.push(seq);
            }
            Err(e) => return Err(e),
        }
    }
    for p in pending(conn)? {
        // The server decides about an action that no longer fits locally; until
        // then it stays queued but shows no effect.
        conn.execute_batch("SAVEPOINT pending_action")?;
        let mark = view.mark();
        match Store::apply_with(&view, current, &p.event, None, p.at) {
            Ok(_) => conn.execute_batch("RELEASE pending_action")?,
            Err(e) if Failure::is_rejection(&e) => {
                view.restore(mark);
                conn.execute_batch("ROLLBACK TO pending_action; RELEASE pending_action")?;
                tracing::info!(
                    code = e.code(),
                    "pending action does not apply on the new server state"
                );
            }
            Err(e) => return Err(e),
        }
    }
    view.flush()?;
    Ok(skipped)
}

impl Store {
    /// Applies a wallet action on the device at once and queues it for the
    /// server under `idempotency_key`, in one transaction.
    pub fn queue_action(
        &mut self,
        idempotency_key: &str,
        event: &Event,
        at: Time,
    ) -> Result<Applied> {
        crate::wallet::engine::check_id("idempotency_key", idempotency_key)?;
        if !matches!(
            event,
            Event::RedeemReward { .. } | Event::JoinChallenge { .. } | Event::ActivateOffer { .. }
        ) {
            return Err(LoyaltyError::InvalidId {
                field: "event".into(),
                reason: format!(
                    "a {} is recorded by the till or server, not queued by the app",
                    event.kind()
                ),
            });
        }
        let rules = Rules::of(self.program.as_ref(), self.program_id)?;
        let written = sql::write(&mut self.conn, |tx| {
            let known: bool = tx
                .prepare_cached("SELECT 1 FROM pending_actions WHERE idempotency_key = ?1")?
                .exists([idempotency_key])?
                || tx
                    .prepare_cached("SELECT 1 FROM server_events WHERE idempotency_key = ?1")?
                    .exists([idempotency_key])?;
            if known {
                return Err(LoyaltyError::InvalidId {
                    field: "idempotency_key".into(),
                    reason: "was already used for another action".into(),
                });
            }
            let applied = Self::apply_in(tx, rules, event, at)?;
            enqueue(tx, idempotency_key, event, applied.at)?;
            Ok(applied)
        });
        self.noticed(written)
    }

    /// Actions waiting for the server, oldest first.
    pub fn pending_actions(&self) -> Result<Vec<PendingAction>> {
        pending(&self.conn)
    }

    /// How many actions wait for the server (without reading them).
    pub fn pending_count(&self) -> Result<usize> {
        count_pending(&self.conn)
    }

    /// The cursor the next sync sends (none before the first sync).
    pub fn sync_cursor(&self) -> Result<Option<String>> {
        self.meta(SYNC_CURSOR_KEY)
    }

    /// The server's version of the program rules in force (none before the
    /// first sync, and for rules set locally).
    pub fn program_version(&self) -> Result<Option<String>> {
        if self.program.is_none() {
            return Ok(None);
        }
        programs::version_of(&self.conn, self.program_id)
    }

    /// The last server sequence number stored (0 before the first sync).
    pub fn last_server_seq(&self) -> Result<i64> {
        max_server_seq(&self.conn)
    }

    /// Applies a page of server events in one transaction. Events already
    /// stored are skipped if identical; a page that goes backwards, repeats a
    /// sequence number with another event, or does not apply is refused whole.
    pub fn apply_server_events(&mut self, events: &[ServerEvent]) -> Result<PageApplied> {
        self.apply_sync_page(None, events, &[], true)
    }

    /// Applies a whole sync page in one transaction: new program rules (if
    /// any), the events, and settings such as the cursor and clock offset.
    /// A page that fails anywhere changes nothing — not even the rules.
    ///
    /// Each event is recorded with the rules the server applied it under
    /// (its `program_version`; the page's or those in force when it names
    /// none), so later replays give exactly what the server's engine gave.
    pub fn apply_sync_page(
        &mut self,
        program: Option<PageProgram<'_>>,
        events: &[ServerEvent],
        settings: &[(&str, String)],
        last_page: bool,
    ) -> Result<PageApplied> {
        let new_program = program
            .map(|p| Program::from_json(p.rules).map(|parsed| (p, parsed)))
            .transpose()?;
        let previous = match &new_program {
            Some(_) => None,
            None => Some(Rules::of(self.program.as_ref(), self.program_id)?),
        };
        let written = sql::write(&mut self.conn, |tx| {
            let current = match (&new_program, previous) {
                (Some((text, parsed)), _) => Rules {
                    id: programs::install(tx, Some(text.version), text.rules)?,
                    program: parsed,
                },
                (None, Some(rules)) => rules,
                (None, None) => return Err(LoyaltyError::NoProgram),
            };
            if new_program.is_some() {
                sql::SqlView::new(tx).clear_window()?;
            }
            let mut last = max_server_seq(tx)?;
            let stored_before: i64 =
                tx.query_row("SELECT count(*) FROM server_events", [], |r| r.get(0))?;
            let local_before: i64 =
                tx.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
            let pending_before = count_pending(tx)?;
            let mut fresh = Vec::new();
            for e in events {
                let body = encode(&e.event)?;
                if e.seq <= last {
                    let stored: Option<String> = tx
                        .prepare_cached("SELECT body FROM server_events WHERE server_seq = ?1")?
                        .query_row([e.seq], |r| r.get(0))
                        .optional()?;
                    if stored.as_deref() == Some(body.as_str()) {
                        continue;
                    }
                    return Err(LoyaltyError::Corrupt {
                        reason: format!("the server sent event {} out of order or changed", e.seq),
                    });
                }
                let program_id = match &e.program_version {
                    None => current.id,
                    Some(v) => programs::id_of_version(tx, v)?.unwrap_or_else(|| {
                        tracing::warn!(
                            seq = e.seq,
                            "the server names rules it never sent; using those in force"
                        );
                        current.id
                    }),
                };
                tx.prepare_cached(
                    "INSERT INTO server_events (server_seq, at, body, idempotency_key, program_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    e.seq,
                    sql::ms(e.at),
                    body,
                    e.idempotency_key,
                    program_id
                ])?;
                last = e.seq;
                fresh.push((e, program_id, body));
            }
            let mut confirmed = 0;
            for (e, _, _) in &fresh {
                if let Some(k) = &e.idempotency_key {
                    confirmed += tx
                        .prepare_cached("DELETE FROM pending_actions WHERE idempotency_key = ?1")?
                        .execute([k])?;
                }
            }
            // Fast path: nothing was pending and local state is exactly the confirmed log.
            let in_step = pending_before == 0 && local_before == stored_before;
            let owed: bool = tx
                .prepare_cached("SELECT 1 FROM meta WHERE key = 'rebase_owed'")?
                .exists([])?;
            let needs = !fresh.is_empty() && !in_step || confirmed > 0 || owed;
            // One rebase per sync, after its last page: earlier pages only store
            // their events (local state shows the previous figures meanwhile).
            let rebased = needs && last_page;
            if needs && !last_page {
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('rebase_owed', '1')",
                    [],
                )?;
            } else if rebased {
                tx.execute("DELETE FROM meta WHERE key = 'rebase_owed'", [])?;
            }
            let does_not_apply = |seq: i64, err: &dyn std::fmt::Display| LoyaltyError::Corrupt {
                reason: format!("server event {seq} does not apply: {err}"),
            };
            if needs && !last_page {
                // Stored only; applied by the rebase after the last page.
            } else if rebased {
                // An event of an earlier page that does not apply was stored
                // already (and the cursor moved past it): skipped. One of
                // this page refuses the page, as on the fast path.
                let skipped = rebase(tx, current)?;
                if let Some((e, _, _)) = fresh.iter().find(|(e, _, _)| skipped.contains(&e.seq)) {
                    return Err(does_not_apply(e.seq, &"refused by the rules it names"));
                }
            } else {
                // One view for the page: its totals and goal records are
                // read once and written once (an event that fails refuses
                // the whole page, so nothing half-held is ever kept).
                let mut loaded = programs::Loaded::default();
                let view = sql::SqlView::new(tx);
                for (e, program_id, body) in &fresh {
                    let rules = loaded.get(tx, Some(*program_id), current)?;
                    Self::apply_with(&view, rules, &e.event, Some(body), e.at)
                        .map_err(|err| does_not_apply(e.seq, &err))?;
                }
                view.flush()?;
            }
            for (key, value) in settings {
                sql::put_meta(tx, key, value)?;
            }
            let installed = new_program.as_ref().map(|_| current.id);
            Ok((
                PageApplied {
                    new_events: fresh.len(),
                    confirmed,
                    rebased,
                },
                installed,
            ))
        });
        let (applied, installed) = self.noticed(written)?;
        if let (Some((_, parsed)), Some(id)) = (new_program, installed) {
            self.program = Some(parsed);
            self.program_id = id;
        }
        Ok(applied)
    }

    /// The server refused a pending action: it leaves the queue, its local
    /// effect is rolled back, and the inbox explains why.
    pub fn reject_action(
        &mut self,
        idempotency_key: &str,
        code: &str,
        message: &str,
        at: Time,
    ) -> Result<()> {
        let rules = Rules::of(self.program.as_ref(), self.program_id)?;
        let written = sql::write(&mut self.conn, |tx| {
            let Some(action) = pending(tx)?
                .into_iter()
                .find(|p| p.idempotency_key == idempotency_key)
            else {
                return Ok(());
            };
            tx.prepare_cached("DELETE FROM pending_actions WHERE idempotency_key = ?1")?
                .execute([idempotency_key])?;
            rebase(tx, rules)?;
            if let Event::ActivateOffer { message_id, .. } = &action.event {
                tx.prepare_cached("UPDATE inbox SET activated_at = NULL WHERE id = ?1")?
                    .execute([message_id])?;
            }
            super::inbox::write_notice(
                tx,
                rules.program,
                &Notice {
                    id: NoticeId::ActionRejected {
                        key: idempotency_key.to_string(),
                    },
                    at,
                    detail: NoticeDetail::Rejected {
                        event: action.event.clone(),
                        code: code.to_string(),
                        message: message.to_string(),
                    },
                },
            )?;
            Ok(())
        });
        self.noticed(written)
    }

    /// The state digest the server sends with a sync page, computed locally
    /// (from the engine's own figures, without any server correction).
    pub fn digest(&self, at: Time) -> Result<Value> {
        let snap = self.snapshot_raw(at, 30, 0)?;
        let (challenges, badges) = self.goal_views(at)?;
        let mut coupons: Vec<String> = snap.coupons.iter().map(|c| c.id.clone()).collect();
        coupons.sort();
        Ok(json!({
            "at": at.to_rfc3339(),
            "balance": snap.balance,
            "lifetime_earned": snap.lifetime_earned,
            "expired_total": snap.expired_total,
            "tier": snap.tier.map(|t| t.id),
            "qualifying_spend": format_minor(snap.qualifying_spend),
            "coupons": coupons,
            "challenges": challenges
                .iter()
                .map(|c| (c.id.clone(), json!({"progress": c.progress, "completions": c.completions})))
                .collect::<serde_json::Map<_, _>>(),
            "badges": badges
                .iter()
                .filter(|b| b.level > 0)
                .map(|b| (b.id.clone(), json!(b.level)))
                .collect::<serde_json::Map<_, _>>(),
        }))
    }

    /// Compares the server's digest with local state at its time; records the
    /// names of the fields that differ (no values, no personal data) and
    /// returns them.
    pub fn check_digest(&mut self, server: &Value, at: Time) -> Result<Vec<String>> {
        let local = self.digest(at)?;
        let differing: Vec<String> = [
            "balance",
            "lifetime_earned",
            "expired_total",
            "tier",
            "qualifying_spend",
            "coupons",
            "challenges",
            "badges",
        ]
        .iter()
        .filter(|k| server.get(**k) != local.get(**k))
        .map(|k| k.to_string())
        .collect();
        if differing.is_empty() {
            self.write(|tx| {
                tx.execute("DELETE FROM meta WHERE key = ?1", [CORRECTION_KEY])?;
                Ok(())
            })?;
        } else {
            tracing::warn!(fields = ?differing, "local state differs from the server's digest; adopting the server's figures");
            // The server's figures pass the same checks as local ones: whole
            // numbers, exact decimals, differences that fit in 64 bits.
            let out_of_range = |k: &str| LoyaltyError::Network {
                reason: format!("the server's digest holds an impossible {k}"),
            };
            // No wallet holds more points or money than the largest accepted decimal.
            let bound = crate::kernel::money::MAX_MAJOR.saturating_mul(100);
            let delta = |k: &str| -> Result<i64> {
                let theirs = server[k]
                    .as_i64()
                    .filter(|v| v.checked_abs().is_some_and(|a| a <= bound))
                    .ok_or_else(|| out_of_range(k))?;
                let ours = local[k].as_i64().unwrap_or(0);
                theirs.checked_sub(ours).ok_or_else(|| out_of_range(k))
            };
            let money = |v: &Value, k: &str| -> Result<i64> {
                v.as_str()
                    .and_then(|t| crate::kernel::money::parse_hundredths(t).ok())
                    .filter(|m| *m <= bound)
                    .ok_or_else(|| out_of_range(k))
            };
            let spend = money(&server["qualifying_spend"], "qualifying_spend")?
                .checked_sub(money(&local["qualifying_spend"], "qualifying_spend")?)
                .ok_or_else(|| out_of_range("qualifying_spend"))?;
            let correction = json!({
                "balance": delta("balance")?,
                "lifetime_earned": delta("lifetime_earned")?,
                "expired_total": delta("expired_total")?,
                "qualifying_spend": spend,
                "tier": server["tier"],
            });
            self.write(|tx| {
                tx.execute(
                    "INSERT INTO sync_mismatches (at, fields) VALUES (?1, ?2)",
                    params![sql::ms(at), differing.join(",")],
                )?;
                sql::put_meta(tx, CORRECTION_KEY, &correction.to_string())?;
                Ok(())
            })?;
        }
        Ok(differing)
    }
}

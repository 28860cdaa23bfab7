//! The inbox in the store: ingest with dedupe and revisions, sticky read
//! state, activation of offer coupons through the engine, retention (500
//! messages) and purge (30 days after expiry), and the outbox of actions.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::programs::Rules;
use super::{Store, sql};
use crate::inbox::model::{
    IncomingMessage, Message, MessageKind, MessageState, OfferCoupon, PushOutcome,
};
use crate::inbox::policy::{self, Kept};
use crate::inbox::push::parse_push;
use crate::inbox::wording::notice_text;
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::NoticeId;
use crate::kernel::time::Time;
use crate::program::Program;
use crate::wallet::model::{Event, Notice};

super::sql::columns!(mod msg {
    id, kind, title, body, expires_at, deep_link, image_url, coupon_kind, coupon_value,
    coupon_valid_days, priority, pinned, revision, received_at, state, activated_at, generated,
    coupon_scope,
});
const COLS: &str = msg::LIST;

/// The message insert, built once (every generated notice runs it).
static INSERT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO inbox ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'unread', NULL, ?15, ?16)"
    )
});
super::sql::columns!(mod outbox_row { seq, action, target, at, idempotency_key });

/// The list's display order, newest-first parts reversed: pinned, then
/// priority, then received; ties by id.
/// Pinned first, then priority, then newest (arrival in milliseconds: an
/// integer compares in one instruction, a `DateTime` in several fields).
type DisplayKey = std::cmp::Reverse<(bool, i64, i64)>;

fn bad(reason: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, reason.into())
}

fn message_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    // The short enum texts are read in place (no String per row).
    let kind = r.get_ref(msg::kind)?.as_str()?;
    let coupon_kind = r.get_ref(msg::coupon_kind)?.as_str_or_null()?;
    let coupon_value: Option<i64> = r.get(msg::coupon_value)?;
    let state = r.get_ref(msg::state)?.as_str()?;
    let coupon = match (coupon_kind, coupon_value) {
        (Some(k), Some(v)) => sql::benefit_from_cols(k, v),
        _ => None,
    };
    let kind = MessageKind::parse(kind).ok_or_else(|| bad(format!("message kind {kind}")))?;
    let state = MessageState::parse(state).ok_or_else(|| bad(format!("message state {state}")))?;
    Ok(Message {
        content: IncomingMessage {
            id: r.get(msg::id)?,
            kind,
            title: r.get(msg::title)?,
            body: r.get(msg::body)?,
            expires_at: r
                .get::<_, Option<i64>>(msg::expires_at)?
                .map(sql::time)
                .transpose()?,
            deep_link: r.get(msg::deep_link)?,
            image_url: r.get(msg::image_url)?,
            coupon: match coupon {
                None => None,
                Some(benefit) => Some(OfferCoupon {
                    benefit,
                    scope: sql::scope_from_col(r.get(msg::coupon_scope)?)?,
                    valid_days: r.get(msg::coupon_valid_days).ok().flatten(),
                }),
            },
            priority: r.get(msg::priority)?,
            pinned: r.get(msg::pinned)?,
            revision: r.get(msg::revision)?,
        },
        received_at: sql::time(r.get(msg::received_at)?)?,
        state,
        activated_at: r
            .get::<_, Option<i64>>(msg::activated_at)?
            .map(sql::time)
            .transpose()?,
        generated: r.get(msg::generated)?,
    })
}

static GET_SQL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {COLS} FROM inbox WHERE id = ?1"));

fn get(conn: &Connection, id: &str) -> Result<Option<Message>> {
    Ok(conn
        .prepare_cached(&GET_SQL)?
        .query_row([id], message_row)
        .optional()?)
}

/// What the inbox knows of a message id, in one statement: the stored
/// message's revision, and whether the id is remembered as evicted or purged.
fn what_is_known(conn: &Connection, id: &str) -> Result<(Option<i64>, bool)> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT revision FROM inbox WHERE id = ?1), \
             EXISTS (SELECT 1 FROM inbox_gone WHERE id = ?1)",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// A message's coupon columns: kind, value, valid days, scope.
type CouponCols = (
    Option<&'static str>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn coupon_columns(m: &IncomingMessage) -> Result<CouponCols> {
    Ok(match &m.coupon {
        None => (None, None, None, None),
        Some(c) => {
            let (kind, value) = sql::benefit_to_cols(c.benefit);
            (
                Some(kind),
                Some(value),
                c.valid_days,
                sql::scope_to_col(&c.scope)?,
            )
        }
    })
}

fn insert(conn: &Connection, m: &IncomingMessage, at: Time, generated: bool) -> Result<()> {
    let (ck, cv, cd, cs) = coupon_columns(m)?;
    conn.prepare_cached(&INSERT_SQL)?.execute(params![
        m.id,
        m.kind.as_str(),
        m.title,
        m.body,
        m.expires_at.map(sql::ms),
        m.deep_link,
        m.image_url,
        ck,
        cv,
        cd,
        m.priority,
        m.pinned,
        m.revision,
        sql::ms(at),
        generated,
        cs
    ])?;
    // Pushes never carry a generated id (`parse_push` refuses the prefixes).
    if let Some((series, n)) = generated.then(|| NoticeId::series(&m.id)).flatten() {
        conn.prepare_cached(
            "INSERT INTO notice_marks (series, upto) VALUES (?1, ?2) \
             ON CONFLICT (series) DO UPDATE SET upto = max(upto, excluded.upto)",
        )?
        .execute(params![series, n])?;
    }
    Ok(())
}

/// Writes a message the engine generated, unless its id is known; keeps retention.
pub(crate) fn write_notice(conn: &Connection, program: &Program, n: &Notice) -> Result<()> {
    if write_notice_unbounded(conn, program, n, |id| sql::message_known(conn, id))? {
        enforce_retention(conn)?;
    }
    Ok(())
}

/// Writes a message the engine generated, unless its id is known, leaving
/// the retention bound to the caller ([`enforce_retention`] once after a
/// batch evicts exactly what one call after each message would: the
/// eviction order does not change while the batch is written, so both keep
/// the same newest messages). `known` answers whether an id is known (a
/// view asks through the statement it holds). Returns whether it wrote one.
pub(crate) fn write_notice_unbounded(
    conn: &Connection,
    program: &Program,
    n: &Notice,
    known: impl FnOnce(&str) -> Result<bool>,
) -> Result<bool> {
    let id = n.id.to_string();
    if known(&id)? {
        return Ok(false);
    }
    let (title, body) = notice_text(n, program);
    insert(conn, &generated(id, title, body), n.at, true)?;
    Ok(true)
}

/// Writes a message the core itself generated unless its id is known, keeping
/// the inbox within its retention bound.
pub(crate) fn write_generated(
    conn: &Connection,
    id: String,
    title: String,
    body: String,
    at: Time,
) -> Result<()> {
    if sql::message_known(conn, &id)? {
        return Ok(());
    }
    insert_generated(conn, id, title, body, at)
}

/// [`write_generated`] for an id already found new.
fn insert_generated(
    conn: &Connection,
    id: String,
    title: String,
    body: String,
    at: Time,
) -> Result<()> {
    insert(conn, &generated(id, title, body), at, true)?;
    enforce_retention(conn)
}

/// A plain message the core generated.
fn generated(id: String, title: String, body: String) -> IncomingMessage {
    IncomingMessage {
        id,
        kind: MessageKind::Message,
        title,
        body,
        expires_at: None,
        deep_link: None,
        image_url: None,
        coupon: None,
        priority: 0,
        pinned: false,
        revision: 0,
    }
}

/// The message [`insert`] just stored for a push, as reading it back gives
/// it (times at the store's millisecond precision), without the read.
fn as_stored(mut m: IncomingMessage, received_at: Time) -> Result<Message> {
    let to_ms = |t: Time| sql::time(sql::ms(t));
    m.expires_at = m.expires_at.map(to_ms).transpose()?;
    Ok(Message {
        content: m,
        received_at: to_ms(received_at)?,
        state: MessageState::Unread,
        activated_at: None,
        generated: false,
    })
}

/// Keeps at most [`MAX_MESSAGES`](crate::inbox::model::MAX_MESSAGES), evicting in
/// the policy's order. Evicted ids are remembered.
pub(crate) fn enforce_retention(conn: &Connection) -> Result<()> {
    evict_over_bound(conn).map(drop)
}

/// [`enforce_retention`], returning the ids it evicted.
fn evict_over_bound(conn: &Connection) -> Result<Vec<String>> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM inbox")?
        .query_row([], |r| r.get(0))?;
    let excess = policy::excess(count);
    if excess == 0 {
        return Ok(Vec::new());
    }
    let kept: Vec<Kept> = conn
        // The index-friendly SQL order matches the policy's, so only the
        // `excess` candidates are read (one or two per write at the limit);
        // the policy still decides among them.
        // (`inbox_evict` is this order exactly: the expression must match it.)
        .prepare_cached(
            "SELECT id, state, pinned, received_at FROM inbox \
             ORDER BY pinned, state = 'unread', received_at, id",
        )?
        // Stepped lazily (a bound LIMIT would re-prepare when `excess` changes).
        .query_map([], |r| {
            let state: String = r.get("state")?;
            Ok(Kept {
                id: r.get("id")?,
                state: MessageState::parse(&state)
                    .ok_or_else(|| bad(format!("unknown message state {state:?}")))?,
                pinned: r.get("pinned")?,
                received_at: sql::time(r.get("received_at")?)?,
            })
        })?
        .take(usize::try_from(excess).unwrap_or(usize::MAX))
        .collect::<rusqlite::Result<_>>()?;
    let mut evicted = Vec::new();
    for victim in policy::evict(kept, excess) {
        forget(conn, &victim.id, victim.state.as_str())?;
        evicted.push(victim.id);
    }
    Ok(evicted)
}

fn forget(conn: &Connection, id: &str, state: &str) -> Result<()> {
    // A numbered notice of the core's own stays known through its series'
    // mark, written with it (see `insert`); any other id needs a tombstone.
    if NoticeId::series(id).is_none() {
        conn.prepare_cached("INSERT OR REPLACE INTO inbox_gone (id, state) VALUES (?1, ?2)")?
            .execute(params![id, state])?;
    }
    conn.prepare_cached("DELETE FROM inbox WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Purges messages that expired long enough before `now` (the policy's cutoff).
fn purge(conn: &Connection, now: Time) -> Result<()> {
    let cutoff = sql::ms(policy::purge_cutoff(now));
    let old: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT id, state FROM inbox WHERE expires_at IS NOT NULL AND expires_at <= ?1",
        )?
        .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, state) in old {
        forget(conn, &id, &state)?;
    }
    Ok(())
}

fn record(tx: &Transaction<'_>, action: &str, id: &str, at: Time) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO outbox (action, target, at, idempotency_key) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )?
    .execute(params![
        action,
        id,
        sql::ms(at),
        format!("inbox:{action}:{id}")
    ])?;
    Ok(())
}

/// One queued client action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Order.
    pub seq: i64,
    /// `read`, `dismissed` or `activated`.
    pub action: String,
    /// The message id.
    pub target: String,
    /// When.
    pub at: Time,
    /// Stable key the server dedupes on.
    pub idempotency_key: String,
}

impl Store {
    fn scheme(&self) -> String {
        if let Some(s) = &self.deep_link_scheme {
            return s.clone();
        }
        self.program().map_or_else(
            || "loyalty".to_string(),
            |p| p.inbox.deep_link_scheme.clone(),
        )
    }

    /// Brings the inbox up to `now` without a wallet event: purges messages
    /// expired over 30 days ago and writes due "points expiring soon" messages.
    /// The app calls it when it opens the inbox; pushes do it too.
    pub fn refresh_inbox(&mut self, now: Time) -> Result<()> {
        let Some(program) = self.program().cloned() else {
            return Ok(());
        };
        self.write(|tx| refresh(tx, &program, now))
    }

    /// Ingests a push payload (FCM data message or APNs) received at `received_at`.
    pub fn ingest_push(&mut self, payload: &str, received_at: Time) -> Result<PushOutcome> {
        let Some(m) = parse_push(payload, &self.scheme())? else {
            return Ok(PushOutcome::Ignored);
        };
        let outcome = self.write(|tx| {
            purge(tx, received_at)?;
            let (stored_revision, gone) = what_is_known(tx, &m.id)?;
            Ok(if let Some(revision) = stored_revision {
                if m.revision > revision {
                    update_content(tx, &m)?;
                }
                PushOutcome::Duplicate
            } else if gone {
                PushOutcome::Duplicate
            } else {
                insert(tx, &m, received_at, false)?;
                let evicted = evict_over_bound(tx)?;
                match m.expires_at {
                    Some(e) if e <= received_at => PushOutcome::Expired,
                    // Evicted at once: the inbox is full of pinned messages.
                    _ if evicted.contains(&m.id) => PushOutcome::Duplicate,
                    _ => PushOutcome::New(Box::new(as_stored(m, received_at)?)),
                }
            })
        })?;
        tracing::debug!(outcome = outcome.as_str(), "push ingested");
        Ok(outcome)
    }

    /// Messages in display order: pinned, then priority, then newest; hidden
    /// (expired, dismissed) ones only when `include_hidden`.
    pub fn list_messages(&self, now: Time, include_hidden: bool) -> Result<Vec<Message>> {
        // Read in the table's own order and sorted here: following the
        // display index costs a primary-key search per message, most of
        // SQLite's share of listing a full inbox (issue 18's profile).
        let sql = format!(
            "SELECT {COLS} FROM inbox WHERE ?1 OR (state != 'dismissed' AND (expires_at IS NULL OR expires_at > ?2))"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![include_hidden, sql::ms(now)], message_row)?;
        let list: Vec<Message> = rows.collect::<rusqlite::Result<_>>()?;
        // Sorting the keys, not the messages: a message is a few hundred
        // bytes that a sort would move about nine times each.
        let mut order: Vec<(DisplayKey, &str, usize)> = list
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let c = &m.content;
                (
                    std::cmp::Reverse((c.pinned, c.priority, sql::ms(m.received_at))),
                    c.id.as_str(),
                    i,
                )
            })
            .collect();
        order.sort_unstable();
        let order: Vec<usize> = order.into_iter().map(|(_, _, i)| i).collect();
        let mut slots: Vec<Option<Message>> = list.into_iter().map(Some).collect();
        let list = order
            .into_iter()
            .filter_map(|i| slots.get_mut(i)?.take())
            .collect();
        Ok(list)
    }

    /// Unread visible messages (the app badge).
    pub fn unread_count(&self, now: Time) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM inbox WHERE state = 'unread' AND (expires_at IS NULL OR expires_at > ?1)",
            )?
            .query_row([sql::ms(now)], |r| r.get(0))?)
    }

    /// One message by id.
    pub fn message(&self, id: &str) -> Result<Option<Message>> {
        get(&self.conn, id)
    }

    fn require(tx: &Connection, id: &str) -> Result<Message> {
        get(tx, id)?.ok_or_else(|| LoyaltyError::UnknownMessage {
            message_id: id.to_string(),
        })
    }

    /// Marks a message read (sticky); recorded for sync.
    pub fn mark_read(&mut self, id: &str, at: Time) -> Result<()> {
        self.write(|tx| {
            let m = Self::require(tx, id)?;
            if m.state == MessageState::Unread {
                set_state(tx, id, MessageState::Read)?;
                record(tx, "read", id, at)?;
            }
            Ok(())
        })
    }

    /// Dismisses a message (marks it read too); recorded for sync.
    pub fn dismiss(&mut self, id: &str, at: Time) -> Result<()> {
        self.write(|tx| {
            let m = Self::require(tx, id)?;
            if m.state == MessageState::Unread {
                record(tx, "read", id, at)?;
            }
            if m.state != MessageState::Dismissed {
                set_state(tx, id, MessageState::Dismissed)?;
                record(tx, "dismissed", id, at)?;
            }
            Ok(())
        })
    }

    /// Activates an offer: its coupon `offer:<id>` enters the wallet, valid
    /// `coupon_valid_days` from now or until the message expires; marks it read.
    /// Errors in order: unknown_message, not_an_offer, already_activated, offer_expired.
    pub fn activate_offer(&mut self, id: &str, at: Time) -> Result<()> {
        self.activate_offer_as(id, at, None).map(|_| ())
    }

    pub(super) fn activate_offer_as(
        &mut self,
        id: &str,
        at: Time,
        server_key: Option<(&str, &str)>,
    ) -> Result<i64> {
        let rules = Rules::of(self.program.as_ref(), self.program_id)?;
        let written = sql::write(&mut self.conn, |tx| {
            let m = Self::require(tx, id)?;
            let (coupon, until) = policy::activation(&m, at)?;
            let event = Event::ActivateOffer {
                message_id: id.to_string(),
                benefit: coupon.benefit,
                scope: coupon.scope,
                valid_until_ms: sql::ms(until),
            };
            let applied = Self::apply_in(tx, rules, &event, at)?;
            let applied_at = applied.at;
            match server_key {
                // The coupon is a wallet action: it waits in the pending queue until the server confirms it.
                None => super::queue::enqueue(
                    tx,
                    &format!("inbox:activated:{id}:{}", sql::ms(at)),
                    &event,
                    applied_at,
                )?,
                #[cfg(any(test, feature = "server"))]
                Some((key, request)) => {
                    super::server::record_applied(tx, key, request, applied.seq)?
                }
                #[cfg(not(any(test, feature = "server")))]
                Some(_) => {}
            }
            tx.prepare_cached("UPDATE inbox SET activated_at = ?2, state = CASE state WHEN 'unread' THEN 'read' ELSE state END WHERE id = ?1")?
                .execute(params![id, sql::ms(applied_at)])?;
            if m.state == MessageState::Unread && server_key.is_none() {
                record(tx, "read", id, applied_at)?;
            }
            Ok(applied.seq)
        });
        self.noticed(written)
    }

    /// Marks outbox entries as delivered (sync got an answer for them).
    pub fn outbox_done(&mut self, seqs: &[i64]) -> Result<()> {
        self.write(|tx| {
            for seq in seqs {
                tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
                    .execute([seq])?;
            }
            Ok(())
        })
    }

    /// Client actions waiting for sync, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM outbox ORDER BY seq",
            outbox_row::LIST
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(OutboxEntry {
                seq: r.get(outbox_row::seq)?,
                action: r.get(outbox_row::action)?,
                target: r.get(outbox_row::target)?,
                at: sql::time(r.get(outbox_row::at)?)?,
                idempotency_key: r.get(outbox_row::idempotency_key)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn refresh(conn: &Connection, program: &crate::program::Program, now: Time) -> Result<()> {
    purge(conn, now)?;
    let view = super::sql::SqlView::new(conn);
    let notices = policy::expiring_notices(program, &view, now, &Default::default())?;
    for n in &notices {
        write_notice(conn, program, n)?;
    }
    Ok(())
}

fn set_state(conn: &Connection, id: &str, state: MessageState) -> Result<()> {
    conn.prepare_cached("UPDATE inbox SET state = ?2 WHERE id = ?1")?
        .execute(params![id, state.as_str()])?;
    Ok(())
}

fn update_content(conn: &Connection, m: &IncomingMessage) -> Result<()> {
    let (ck, cv, cd, cs) = coupon_columns(m)?;
    conn.prepare_cached(
        "UPDATE inbox SET kind = ?10, title = ?2, body = ?3, expires_at = ?4, deep_link = ?5, image_url = ?6, \
         priority = ?7, pinned = ?8, revision = ?9, coupon_kind = ?11, coupon_value = ?12, coupon_valid_days = ?13, \
         coupon_scope = ?14 WHERE id = ?1",
    )?
    .execute(params![
        m.id,
        m.title,
        m.body,
        m.expires_at.map(sql::ms),
        m.deep_link,
        m.image_url,
        m.priority,
        m.pinned,
        m.revision,
        m.kind.as_str(),
        ck,
        cv,
        cd,
        cs
    ])?;
    Ok(())
}

//! `loyalty inbox …` and `loyalty push`: the offer inbox on the desktop.

use std::path::Path;

use clap::Subcommand;
use loyalty_core::inbox::{Message, MessageState};
use loyalty_core::kernel::coupon::CouponBenefit;
use loyalty_core::kernel::money::{format_minor, format_percent};
use loyalty_core::kernel::time::Clock;

use crate::emit;

/// `loyalty inbox` subcommands (none: list).
#[derive(Subcommand)]
pub enum InboxCommand {
    /// Mark a message read.
    Read {
        /// Message id.
        id: String,
    },
    /// Dismiss a message (it is hidden and counts as read).
    Dismiss {
        /// Message id.
        id: String,
    },
    /// Activate an offer: its coupon enters the wallet as offer:<id>.
    Activate {
        /// Message id.
        id: String,
    },
}

use crate::{err_text as e, open_wallet as open};

/// Runs `loyalty inbox [--all] [read|dismiss|activate ID]`.
pub fn run(
    cmd: Option<InboxCommand>,
    all: bool,
    dir: &Path,
    clock: &dyn Clock,
) -> Result<(), String> {
    let mut store = open(dir)?;
    let now = clock.now();
    match cmd {
        None => {
            store.refresh_inbox(now).map_err(e)?;
            let list = store.list_messages(now, all).map_err(e)?;
            let unread = store.unread_count(now).map_err(e)?;
            emit(&list_text(&list, unread, now));
        }
        Some(InboxCommand::Read { id }) => {
            store.mark_read(&id, now).map_err(e)?;
            emit(&format!("{id}: read\n"));
        }
        Some(InboxCommand::Dismiss { id }) => {
            store.dismiss(&id, now).map_err(e)?;
            emit(&format!("{id}: dismissed\n"));
        }
        Some(InboxCommand::Activate { id }) => {
            store.activate_offer(&id, now).map_err(e)?;
            emit(&format!(
                "{id}: activated; coupon offer:{id} is in the wallet\n"
            ));
        }
    }
    Ok(())
}

/// Runs `loyalty push FILE|-`: ingests one payload and prints the outcome.
pub fn push(source: &str, dir: &Path, clock: &dyn Clock) -> Result<(), String> {
    let payload = crate::input::read_text(source, crate::input::PUSH_LIMIT)?;
    let mut store = open(dir)?;
    let outcome = store
        .ingest_push(payload.trim_end(), clock.now())
        .map_err(e)?;
    match &outcome {
        loyalty_core::inbox::PushOutcome::New(m) => emit(&format!("new {}\n", m.content.id)),
        other => emit(&format!("{}\n", other.as_str())),
    }
    Ok(())
}

/// The inbox as a list for people.
pub fn list_text(list: &[Message], unread: i64, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut out = format!("Inbox: {unread} unread, {} shown\n", list.len());
    for m in list {
        let c = &m.content;
        let mark = match m.state {
            MessageState::Unread => "●",
            MessageState::Read => " ",
            MessageState::Dismissed => "×",
        };
        let pin = if c.pinned { "📌 " } else { "" };
        let coupon = match (&c.coupon, m.activated_at) {
            (Some(_), Some(_)) => " [coupon activated]".to_string(),
            (Some(cp), None) => match cp.benefit {
                CouponBenefit::Percent(p) => format!(" [{}% off — activate]", format_percent(p)),
                CouponBenefit::AmountOff(a) => format!(" [{} off — activate]", format_minor(a)),
            },
            (None, None) | (None, Some(_)) => String::new(),
        };
        let expiry = match c.expires_at {
            Some(x) if x <= now => " (expired)".to_string(),
            Some(x) => format!(" (until {})", x.format("%Y-%m-%d")),
            None => String::new(),
        };
        out.push_str(&format!(
            " {mark} {pin}{} — {}{coupon}{expiry}\n     id {} · {}\n",
            c.title,
            c.body,
            c.id,
            m.received_at.format("%Y-%m-%d %H:%M")
        ));
    }
    out
}

//! `loyalty leaderboard …`: the boards as the last sync brought them, and
//! joining or leaving (offline; sent with the next `loyalty sync`).

use std::path::Path;

use clap::Subcommand;
use loyalty_core::kernel::money::format_minor;
use loyalty_core::kernel::time::Clock;
use loyalty_core::store::{BoardMembership, BoardsView};
use serde_json::{Value, json};

use crate::{emit, err_text as e, open_wallet as open};

/// `loyalty leaderboard` subcommands (none: show the boards).
#[derive(Subcommand)]
pub enum BoardCommand {
    /// Join the leaderboards under a display name (2–24 letters, digits, spaces, `._-`).
    Join {
        /// The name other members will see.
        name: String,
    },
    /// Leave the leaderboards.
    Leave,
}

/// Runs `loyalty leaderboard [--json] [join NAME | leave]`.
pub fn run(
    cmd: Option<BoardCommand>,
    json: bool,
    dir: &Path,
    clock: &dyn Clock,
) -> Result<(), String> {
    let mut store = open(dir)?;
    match cmd {
        None => {
            let view = store.leaderboards().map_err(e)?;
            if json {
                emit(&format!("{:#}\n", view_json(&view)));
            } else {
                emit(&view_text(&view));
            }
        }
        Some(BoardCommand::Join { name }) => {
            let name = store.join_leaderboard(&name, clock.now()).map_err(e)?;
            emit(&format!(
                "joining the leaderboards as \"{name}\" (sent with the next sync)\n"
            ));
        }
        Some(BoardCommand::Leave) => {
            store.leave_leaderboard(clock.now()).map_err(e)?;
            emit("left the leaderboards (sent with the next sync)\n");
        }
    }
    Ok(())
}

fn membership_json(m: &BoardMembership) -> Value {
    match m {
        BoardMembership::Out => json!({"joined": false, "name": null, "pending": false}),
        BoardMembership::Pending { name } => json!({"joined": true, "name": name, "pending": true}),
        BoardMembership::Joined { name } => json!({"joined": true, "name": name, "pending": false}),
    }
}

/// The boards as JSON: the wire standing of each (or null before a sync).
pub fn view_json(v: &BoardsView) -> Value {
    let boards: Vec<Value> = v
        .boards
        .iter()
        .map(|b| {
            json!({
                "id": b.id, "title": b.title, "metric": b.metric.as_str(), "period": b.period.as_str(),
                "standing": b.standing.as_ref().and_then(|s| serde_json::to_value(s).ok()),
            })
        })
        .collect();
    json!({"me": membership_json(&v.membership), "boards": boards})
}

/// The boards as a shopper reads them.
pub fn view_text(v: &BoardsView) -> String {
    let mut out = match &v.membership {
        BoardMembership::Out => {
            "You have not joined the leaderboards (loyalty leaderboard join NAME).\n".to_string()
        }
        BoardMembership::Pending { name } => {
            format!("Joining as \"{name}\" (waiting for the next sync).\n")
        }
        BoardMembership::Joined { name } => format!("You are on the leaderboards as \"{name}\".\n"),
    };
    if v.boards.is_empty() {
        out.push_str("This program has no leaderboards.\n");
    }
    for b in &v.boards {
        let spend = b.metric == loyalty_core::boards::BoardMetric::Spend;
        let value = |n: i64| {
            if spend {
                format_minor(n)
            } else {
                n.to_string()
            }
        };
        out.push_str(&format!(
            "\n{} ({}, {})\n",
            b.title,
            b.metric.as_str(),
            b.period.as_str()
        ));
        let Some(s) = &b.standing else {
            out.push_str("  not synced yet\n");
            continue;
        };
        out.push_str(&format!(
            "  as of {} — {} participants\n",
            s.computed_at.format("%Y-%m-%d %H:%M UTC"),
            s.participants
        ));
        for r in &s.top {
            out.push_str(&format!(
                "  {:>3}. {}  {}\n",
                r.rank,
                r.name,
                value(r.value)
            ));
        }
        if let Some(me) = &s.me {
            let gap = me.to_pass_next.map_or_else(
                || "you lead".to_string(),
                |g| format!("{} more to move up", value(g)),
            );
            out.push_str(&format!(
                "  you: #{} with {} — {gap}\n",
                me.rank,
                value(me.value)
            ));
        }
    }
    out
}

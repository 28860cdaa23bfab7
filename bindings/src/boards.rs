//! Leaderboards for the apps: the boards with their latest standings (shown
//! offline with `computed_at_ms`), and joining or leaving under a display
//! name. Forwarded to `loyalty_core::session::Session::leaderboards` and
//! friends; joining and leaving work offline and go with the next sync.

use loyalty_core::store::{BoardMembership, BoardView, BoardsView};

use crate::Result;
use crate::client::{LoyaltyClient, shield};

/// One listed participant of a board.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LeaderboardRow {
    /// Rank from 1; equal values share one (1, 2, 2, 4).
    pub rank: u32,
    /// The name they joined with.
    pub name: String,
    /// Their value (spend in minor units).
    pub value: i64,
}

/// My own standing on a board.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LeaderboardMe {
    /// My rank from 1.
    pub rank: u32,
    /// My value in the period.
    pub value: i64,
    /// How much more passes the next rank up; null at rank 1.
    pub to_pass_next: Option<i64>,
}

/// One board of the program.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LeaderboardInfo {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `points_earned`, `spend`, `purchases` or `challenge_completions`.
    pub metric: String,
    /// `week`, `month` or `all_time`.
    pub period: String,
    /// Whether a sync has brought a standing yet (the fields below are empty before).
    pub has_standing: bool,
    /// When the current period started (Unix ms).
    pub period_start_ms: i64,
    /// When the server computed the standing (Unix ms): show it when offline.
    pub computed_at_ms: i64,
    /// Members who joined the boards.
    pub participants: u32,
    /// The best participants, best first.
    pub top: Vec<LeaderboardRow>,
    /// My standing, when I have joined.
    pub me: Option<LeaderboardMe>,
}

/// The leaderboards screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Leaderboards {
    /// The name I joined with (or asked for), null when I have not joined.
    pub my_name: Option<String>,
    /// Whether the server has still to confirm my name.
    pub name_pending: bool,
    /// The program's boards, in definition order.
    pub boards: Vec<LeaderboardInfo>,
}

impl From<&BoardView> for LeaderboardInfo {
    fn from(b: &BoardView) -> Self {
        let s = b.standing.as_ref();
        Self {
            id: b.id.clone(),
            title: b.title.clone(),
            metric: b.metric.as_str().to_string(),
            period: b.period.as_str().to_string(),
            has_standing: s.is_some(),
            period_start_ms: s.map_or(0, |s| s.period_start.timestamp_millis()),
            computed_at_ms: s.map_or(0, |s| s.computed_at.timestamp_millis()),
            participants: s.map_or(0, |s| s.participants),
            top: s.map_or_else(Vec::new, |s| {
                s.top
                    .iter()
                    .map(|r| LeaderboardRow {
                        rank: r.rank,
                        name: r.name.clone(),
                        value: r.value,
                    })
                    .collect()
            }),
            me: s.and_then(|s| s.me.as_ref()).map(|m| LeaderboardMe {
                rank: m.rank,
                value: m.value,
                to_pass_next: m.to_pass_next,
            }),
        }
    }
}

impl From<&BoardsView> for Leaderboards {
    fn from(v: &BoardsView) -> Self {
        let (my_name, name_pending) = match &v.membership {
            BoardMembership::Out => (None, false),
            BoardMembership::Pending { name } => (Some(name.clone()), true),
            BoardMembership::Joined { name } => (Some(name.clone()), false),
        };
        Self {
            my_name,
            name_pending,
            boards: v.boards.iter().map(LeaderboardInfo::from).collect(),
        }
    }
}

#[uniffi::export]
impl LoyaltyClient {
    /// The leaderboards with the latest standings a sync brought.
    pub fn leaderboards(&self) -> Result<Leaderboards> {
        self.read(|| Ok(Leaderboards::from(&self.session.leaderboards()?)))
    }

    /// Joins the leaderboards as `name` (2–24 letters, digits, spaces or
    /// `._-`; `invalid_display_name` otherwise); works offline. A name
    /// another member holds is refused at the next sync (`name_taken`,
    /// explained in the inbox). Returns the name as it will be shown.
    pub fn join_leaderboard(&self, name: String) -> Result<String> {
        shield(|| self.finish(self.session.join_leaderboard(&name)))
    }

    /// Leaves the leaderboards (works offline; sent with the next sync).
    pub fn leave_leaderboard(&self) -> Result<()> {
        shield(|| self.finish(self.session.leave_leaderboard()))
    }
}

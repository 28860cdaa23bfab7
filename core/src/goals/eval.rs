//! Challenges and badges on each event: counters move with each purchase,
//! return, referral and join; completions, rewards, clawbacks and badge
//! levels are settled in the same event.
//!
//! Pure: it reads the member's state through the wallet's read-only view and
//! returns [`GoalIntent`]s — period rows, coupons, notices, and the points
//! to credit or claw back, which the wallet engine applies in order. Only
//! the receipt at hand, one small state record and a few period rows are
//! read: never the history.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;

use super::measure::{self, GoalReader};
use super::model::{
    BadgeState, Challenge, ChallengeReward, ChallengeState, CountedIn, GivenReward, Goal,
    GoalState, Metric, Repeat,
};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::NoticeId;
use crate::kernel::money::Checked;
use crate::kernel::time::Time;
use crate::program::Program;
use crate::wallet::model::{Coupon, Notice, NoticeDetail, Receipt};
use crate::wallet::view::{Effect, WalletView};

/// Most completions one event can give one challenge; the rest of the
/// progress carries over to later events (a guard against absurd inputs such
/// as a huge spend on a tiny target).
pub const MAX_COMPLETIONS_PER_EVENT: i64 = 100;

/// What the goals ask the wallet to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoalIntent {
    /// A state change the wallet passes on as it is (period rows, coupons, the goal state).
    Effect(Effect),
    /// Credit a challenge's points reward as a lot.
    Credit {
        /// The challenge.
        challenge: String,
        /// Points.
        points: i64,
    },
    /// Take back the points a clawed-back completion gave (debt if spent).
    ClawBack {
        /// The challenge.
        challenge: String,
        /// Points.
        points: i64,
    },
}

/// The goals' part of one event: the state as loaded and as changed, and the
/// period-row changes made so far.
pub struct GoalEval<'a> {
    program: &'a Program,
    view: &'a dyn WalletView,
    at: Time,
    /// The record as this event changes it (a copy of `before`, made on first use).
    state: Option<GoalState>,
    /// The record as the view holds it.
    before: Option<Arc<GoalState>>,
    /// Per (goal, period key): the count stored before this event, and
    /// this event's change of it so far.
    pending_periods: BTreeMap<(&'a str, i64), (i64, i64)>,
    /// Stored period counts read ahead: every period goal's row for the
    /// day and week of each instant in `read_ahead`, read at once.
    stored_periods: BTreeMap<(&'a str, i64), i64>,
    /// Instants whose period rows `stored_periods` holds.
    read_ahead: Vec<Time>,
    /// Change of the qualifying spend made by this event so far.
    spend_delta: i64,
    /// The stored qualifying spend of the tier window, once read (every
    /// tier goal asks; the store does not change while the event is judged).
    stored_spend: std::cell::Cell<Option<i64>>,
    out: Vec<GoalIntent>,
}

/// The event's own view of week rows and tier: stored values plus this event's changes.
struct Live<'e, 'a> {
    eval: &'e GoalEval<'a>,
}

impl GoalReader for Live<'_, '_> {
    fn period_keys(&mut self, goal_key: &str, max_key: i64, limit: usize) -> Result<Vec<i64>> {
        let e = self.eval;
        let mut keys = e.view.goal_period_keys(goal_key, max_key, limit)?;
        for ((g, k), (stored, delta)) in &e.pending_periods {
            if *g == goal_key && *k <= max_key {
                keys.retain(|x| x != k);
                if stored + delta > 0 {
                    keys.push(*k);
                }
            }
        }
        keys.sort_unstable_by(|a, b| b.cmp(a));
        Ok(keys)
    }

    fn tier_index(&mut self) -> Result<Option<usize>> {
        let e = self.eval;
        let Some(tiers) = &e.program.tiers else {
            return Ok(None);
        };
        let stored = e.stored_spend(|| e.view.qualifying_spend(tiers.window_start(e.at), e.at))?;
        let spend = stored.add_or(e.spend_delta, "qualifying spend")?;
        Ok(e.program.tier_for(spend).map(|(i, _)| i))
    }
}

/// The record of `id` in `records`, added at its default if missing (the
/// id is copied only then).
fn record<'m, S: Default>(
    records: &'m mut BTreeMap<String, S>,
    id: &str,
    what: &str,
) -> Result<&'m mut S> {
    if !records.contains_key(id) {
        records.insert(id.to_string(), S::default());
    }
    records.get_mut(id).ok_or_else(|| LoyaltyError::Corrupt {
        reason: what.into(),
    })
}

impl<'a> GoalEval<'a> {
    /// The goals' part of an event at `at`; reads nothing until needed.
    pub fn new(program: &'a Program, view: &'a dyn WalletView, at: Time) -> Self {
        Self {
            program,
            view,
            at,
            state: None,
            before: None,
            pending_periods: BTreeMap::new(),
            stored_periods: BTreeMap::new(),
            read_ahead: Vec::new(),
            spend_delta: 0,
            stored_spend: std::cell::Cell::new(None),
            out: Vec::new(),
        }
    }

    /// The stored qualifying spend of the tier window at this event's time
    /// (before the event), read once through `read` and then remembered.
    pub(crate) fn stored_spend(&self, read: impl FnOnce() -> Result<i64>) -> Result<i64> {
        if let Some(spend) = self.stored_spend.get() {
            return Ok(spend);
        }
        let spend = read()?;
        self.stored_spend.set(Some(spend));
        Ok(spend)
    }

    /// Takes what the goals asked for so far, in order.
    pub fn take_intents(&mut self) -> Vec<GoalIntent> {
        std::mem::take(&mut self.out)
    }

    /// Records the event's change of the qualifying spend (tier goals see it).
    pub fn set_spend_delta(&mut self, delta: i64) {
        self.spend_delta = delta;
    }

    fn tracks_goals(&self) -> bool {
        !self.program.challenges.is_empty() || !self.program.badges.is_empty()
    }

    /// Loads the goal state on first use.
    fn state(&mut self) -> Result<&mut GoalState> {
        if self.state.is_none() {
            let loaded = self.view.goal_state()?;
            self.state = Some(GoalState::clone(&loaded));
            self.before = Some(loaded);
        }
        // Set just above.
        self.state.as_mut().ok_or_else(|| LoyaltyError::Corrupt {
            reason: "goal state".into(),
        })
    }

    fn challenge(&mut self, id: &str) -> Result<&mut ChallengeState> {
        record(&mut self.state()?.challenges, id, "challenge state")
    }

    fn badge(&mut self, id: &str) -> Result<&mut BadgeState> {
        record(&mut self.state()?.badges, id, "badge state")
    }

    /// A challenge's state as it stands, without adding a record for it.
    fn peek(&mut self, id: &str) -> Result<ChallengeState> {
        Ok(self
            .state()?
            .challenges
            .get(id)
            .cloned()
            .unwrap_or_default())
    }

    fn notice(&mut self, id: NoticeId) {
        self.out.push(GoalIntent::Effect(Effect::Notify(Notice {
            id,
            at: self.at,
            detail: NoticeDetail::None,
        })));
    }

    fn value(&mut self, key: &str, c_goal: &Goal, counter: i64, cap: i64) -> Result<i64> {
        let (at, offset) = (self.at, self.program.zone);
        measure::value(
            &mut Live { eval: self },
            at,
            offset,
            key,
            c_goal,
            counter,
            cap,
        )
    }

    /// Applies `delta` of a receipt's value to a goal counter, or to a
    /// period goal's count for the receipt's day/week (returning the change
    /// in distinct periods).
    fn move_counter(
        &mut self,
        goal_key: &'a str,
        goal: &Goal,
        at: Time,
        delta: i64,
    ) -> Result<i64> {
        if !goal.metric.uses_periods() {
            return Ok(delta);
        }
        if delta == 0 {
            return Ok(0);
        }
        let key = measure::period_row(goal, at, self.program.zone);
        let slot = (goal_key, key);
        let (stored, pending) = match self.pending_periods.get(&slot) {
            Some(known) => *known,
            None => (self.stored_period(&slot, at)?, 0),
        };
        let before = stored.add_or(pending, "period count")?;
        let after = before.add_or(delta, "period count")?.max(0);
        self.pending_periods
            .insert(slot, (stored, pending + (after - before)));
        self.out.push(GoalIntent::Effect(Effect::AdjustGoalPeriod {
            goal: goal_key.to_string(),
            key,
            delta: after - before,
        }));
        Ok(i64::from(after > 0) - i64::from(before > 0))
    }

    /// The stored count of a period row of a purchase at `at`. The first
    /// ask for an instant reads the rows of every period goal for its day
    /// and week together (each a single range of the store's (key, goal)
    /// order), rather than one read per goal.
    fn stored_period(&mut self, slot: &(&'a str, i64), at: Time) -> Result<i64> {
        if !self.read_ahead.contains(&at) {
            self.read_ahead.push(at);
            let program = self.program;
            let goals = program
                .challenges
                .iter()
                .map(|c| (c.store_key.as_str(), &c.goal))
                .chain(
                    program
                        .badges
                        .iter()
                        .map(|b| (b.store_key.as_str(), &b.goal)),
                )
                .filter(|(_, g)| g.metric.uses_periods());
            let mut by_key: BTreeMap<i64, Vec<&'a str>> = BTreeMap::new();
            for (goal_key, goal) in goals {
                let key = measure::period_row(goal, at, program.zone);
                by_key.entry(key).or_default().push(goal_key);
            }
            for (key, goal_keys) in by_key {
                let counts = self.view.goal_period_counts(&goal_keys, key)?;
                for (goal_key, count) in goal_keys.into_iter().zip(counts) {
                    self.stored_periods.insert((goal_key, key), count);
                }
            }
        }
        match self.stored_periods.get(slot) {
            Some(count) => Ok(*count),
            None => self.view.goal_period_count(slot.0, slot.1),
        }
    }

    /// A new purchase: counts it in open challenges and in every badge, and
    /// notes on the receipt where it counted.
    pub fn on_purchase(&mut self, receipt: &mut Receipt) -> Result<()> {
        if !self.tracks_goals() {
            return Ok(());
        }
        let (at, program) = (self.at, self.program);
        for c in &program.challenges {
            if !c.in_window(at) {
                continue;
            }
            if c.opt_in && !self.peek(&c.id)?.joined {
                continue;
            }
            let value = measure::receipt_value(&c.goal, receipt);
            if value == 0 {
                continue;
            }
            let period = measure::period_of(c, at, program.zone);
            // The period rows do not depend on the challenge's record, so
            // they move first and the record is looked up once.
            let delta = self.move_counter(&c.store_key, &c.goal, at, value)?;
            let state = self.challenge(&c.id)?;
            if state.period != period {
                state.period = period;
                state.progress = 0;
            }
            state.progress = state.progress.add_or(delta, "challenge progress")?;
            receipt.counted.push(CountedIn {
                challenge: c.id.clone(),
                period,
            });
        }
        for b in &program.badges {
            let value = measure::receipt_value(&b.goal, receipt);
            let delta = self.move_counter(&b.store_key, &b.goal, at, value)?;
            let state = self.badge(&b.id)?;
            state.progress = state.progress.add_or(delta, "badge progress")?;
        }
        Ok(())
    }

    /// A return: each goal the purchase counted in loses exactly what it no longer adds.
    pub fn on_return(&mut self, before: &Receipt, after: &Receipt) -> Result<()> {
        if !self.tracks_goals() {
            return Ok(());
        }
        let (at, program) = (self.at, self.program);
        for counted in &before.counted {
            let Some(c) = program
                .challenges
                .iter()
                .find(|c| c.id == counted.challenge)
            else {
                continue;
            };
            // After the window ends, completion and progress are final.
            if c.ended(at) {
                continue;
            }
            let delta =
                measure::receipt_value(&c.goal, after) - measure::receipt_value(&c.goal, before);
            if delta == 0 || counted.period != measure::period_of(c, at, program.zone) {
                continue;
            }
            let key = c.store_key.as_str();
            let moved = self.move_counter(key, &c.goal, before.at, delta)?;
            let state = self.challenge(&c.id)?;
            state.progress = state.progress.add_or(moved, "challenge progress")?.max(0);
            let (progress, completions) = (state.progress, state.completions);
            if c.repeat == Repeat::None && completions > 0 {
                let value = self.value(key, &c.goal, progress, c.target())?;
                if value < c.target() {
                    self.claw_back(c)?;
                }
            }
        }
        for b in &program.badges {
            let delta =
                measure::receipt_value(&b.goal, after) - measure::receipt_value(&b.goal, before);
            let moved = self.move_counter(&b.store_key, &b.goal, before.at, delta)?;
            let state = self.badge(&b.id)?;
            state.progress = state.progress.add_or(moved, "badge progress")?.max(0);
        }
        Ok(())
    }

    /// A referral bonus: counts in referral goals.
    pub fn on_referral(&mut self) -> Result<()> {
        if !self.tracks_goals() {
            return Ok(());
        }
        let program = self.program;
        self.state()?.referrals += 1;
        for c in program
            .challenges
            .iter()
            .filter(|c| c.goal.metric == Metric::Referrals)
        {
            self.bump_open(c, 1)?;
        }
        Ok(())
    }

    /// Adds to an event-counted challenge (referrals, completions) if it is open now.
    fn bump_open(&mut self, c: &Challenge, delta: i64) -> Result<()> {
        if !c.in_window(self.at) {
            return Ok(());
        }
        let period = measure::period_of(c, self.at, self.program.zone);
        let state = self.challenge(&c.id)?;
        if c.opt_in && !state.joined {
            return Ok(());
        }
        if state.period != period {
            state.period = period;
            state.progress = 0;
        }
        state.progress = state.progress.add_or(delta, "challenge progress")?.max(0);
        Ok(())
    }

    /// Joins an opt-in challenge.
    pub fn join(&mut self, challenge_id: &str) -> Result<()> {
        let at = self.at;
        let c = self
            .program
            .challenges
            .iter()
            .find(|c| c.id == challenge_id)
            .ok_or_else(|| LoyaltyError::UnknownChallenge {
                challenge_id: challenge_id.to_string(),
            })?;
        if self.challenge(&c.id)?.joined {
            return Err(LoyaltyError::AlreadyJoined {
                challenge_id: c.id.clone(),
            });
        }
        let reason = if !c.opt_in {
            Some("it does not need joining")
        } else if c.starts_at.is_some_and(|s| at < s) {
            Some("it has not started")
        } else if c.ended(at) {
            Some("it has ended")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(LoyaltyError::ChallengeNotOpen {
                challenge_id: c.id.clone(),
                reason: reason.into(),
            });
        }
        self.challenge(&c.id)?.joined = true;
        Ok(())
    }

    /// Completions, rewards and badge levels after the event.
    ///
    /// Two passes: challenges on their own metrics first, then challenges on
    /// `challenges_completed`, which count the completions of the other kind
    /// only, so no goal can feed itself.
    pub fn settle(&mut self) -> Result<()> {
        if !self.tracks_goals() {
            return Ok(());
        }
        let (program, at) = (self.program, self.at);
        for meta_pass in [false, true] {
            let mut completed = 0i64;
            for c in &program.challenges {
                if (c.goal.metric == Metric::ChallengesCompleted) != meta_pass || !c.in_window(at) {
                    continue;
                }
                let state = self.peek(&c.id)?;
                if c.opt_in && !state.joined {
                    continue;
                }
                let period = measure::period_of(c, at, program.zone);
                // Decided before measuring (a week streak reads the store):
                // a finished one-off challenge, or a periodic one already
                // completed this period, cannot complete whatever its value.
                let open = match c.repeat {
                    Repeat::None => state.completions == 0,
                    Repeat::OnComplete => c.goal.metric.is_counter() || state.completions == 0,
                    Repeat::Weekly | Repeat::Monthly => state.completed_period != period,
                };
                if !open {
                    continue;
                }
                let counter = measure::challenge_counter(&state, period);
                let value = self.value(&c.store_key, &c.goal, counter, c.target())?;
                let target = c.target();
                let times = match c.repeat {
                    Repeat::None => i64::from(state.completions == 0 && value >= target),
                    Repeat::OnComplete if c.goal.metric.is_counter() => {
                        (value / target).min(MAX_COMPLETIONS_PER_EVENT)
                    }
                    Repeat::OnComplete => i64::from(value >= target && state.completions == 0),
                    Repeat::Weekly | Repeat::Monthly => {
                        i64::from(value >= target && state.completed_period != period)
                    }
                };
                for _ in 0..times {
                    self.complete(c)?;
                }
                completed += times;
            }
            if !meta_pass && completed > 0 {
                for c in program
                    .challenges
                    .iter()
                    .filter(|c| c.goal.metric == Metric::ChallengesCompleted)
                {
                    self.bump_open(c, completed)?;
                }
            }
        }
        for b in &program.badges {
            let goals = self.state()?;
            let (counter, earned) = match goals.badges.get(&b.id) {
                Some(state) => (measure::badge_counter(b, goals, state), state.level),
                None => (measure::badge_counter(b, goals, &BadgeState::default()), 0),
            };
            // A badge at its top level has nothing left to earn (and its
            // value need not be measured).
            if usize::try_from(earned).is_ok_and(|l| l >= b.levels.len()) {
                continue;
            }
            let value = self.value(&b.store_key, &b.goal, counter, measure::badge_cap(b))?;
            let level = b.level_for(value);
            if level > earned {
                self.award_badge(&b.id, level)?;
            }
        }
        Ok(())
    }

    fn award_badge(&mut self, badge_id: &str, level: u32) -> Result<()> {
        let at_ms = self.at.timestamp_millis();
        let state = self
            .state()?
            .badges
            .entry(badge_id.to_string())
            .or_default();
        if level > state.level {
            let from = state.level;
            state.level = level;
            state.earned_at_ms = Some(at_ms);
            for l in from + 1..=level {
                self.notice(NoticeId::BadgeEarned {
                    badge: badge_id.to_string(),
                    level: l,
                });
            }
        }
        Ok(())
    }

    /// One completion of `c`: counters and the reward.
    fn complete(&mut self, c: &Challenge) -> Result<()> {
        let period = measure::period_of(c, self.at, self.program.zone);
        let state = self.challenge(&c.id)?;
        state.completions += 1;
        let n = state.completions;
        if c.repeat == Repeat::OnComplete && c.goal.metric.is_counter() {
            state.progress -= c.target();
        }
        if matches!(c.repeat, Repeat::Weekly | Repeat::Monthly) {
            state.completed_period = period;
        }
        self.notice(NoticeId::ChallengeCompleted {
            challenge: c.id.clone(),
            n,
        });
        let mut given = GivenReward::default();
        match &c.reward {
            None => {}
            Some(ChallengeReward::Points(p)) => {
                self.out.push(GoalIntent::Credit {
                    challenge: c.id.clone(),
                    points: *p,
                });
                given.points = *p;
            }
            Some(ChallengeReward::Coupon(spec)) => {
                let state = self.challenge(&c.id)?;
                state.coupons_issued += 1;
                let id = format!("{}#{}", c.id, state.coupons_issued);
                let expires_at = self
                    .at
                    .checked_add_signed(Duration::days(spec.valid_days))
                    .ok_or(LoyaltyError::Overflow {
                        what: "coupon expiry",
                    })?;
                self.out
                    .push(GoalIntent::Effect(Effect::IssueCoupon(Coupon {
                        id: id.clone(),
                        source: c.id.clone(),
                        benefit: spec.benefit,
                        scope: spec.scope.clone(),
                        issued_at: self.at,
                        expires_at,
                        used_at: None,
                    })));
                given.coupon_id = Some(id);
            }
            Some(ChallengeReward::Badge(b)) => self.award_badge(b, 1)?,
        }
        if c.repeat == Repeat::None {
            self.challenge(&c.id)?.reward = Some(given);
        }
        Ok(())
    }

    /// Undoes the standing completion of a non-repeating challenge.
    fn claw_back(&mut self, c: &Challenge) -> Result<()> {
        let state = self.challenge(&c.id)?;
        state.completions -= 1;
        let given = state.reward.take().unwrap_or_default();
        if given.points > 0 {
            self.out.push(GoalIntent::ClawBack {
                challenge: c.id.clone(),
                points: given.points,
            });
        }
        if let Some(id) = given.coupon_id
            && self
                .view
                .coupon(&id)?
                .is_some_and(|cp| cp.used_at.is_none())
        {
            self.out
                .push(GoalIntent::Effect(Effect::RevokeCoupon { coupon_id: id }));
        }
        if c.goal.metric == Metric::ChallengesCompleted {
            return Ok(());
        }
        let (at, program) = (self.at, self.program);
        for other in program
            .challenges
            .iter()
            .filter(|o| o.goal.metric == Metric::ChallengesCompleted)
        {
            self.bump_open(other, -1)?;
            // A completed one-off meta challenge that drops below target inside its window goes back too.
            let s = self.peek(&other.id)?;
            if other.repeat == Repeat::None
                && s.completions > 0
                && other.in_window(at)
                && s.progress < other.target()
            {
                self.claw_back(other)?;
            }
        }
        Ok(())
    }

    /// The new goal state, if the event touched it, as the last intent.
    pub fn finish(&mut self) {
        if let Some(state) = self.state.take()
            && self.before.as_deref() != Some(&state)
        {
            self.out
                .push(GoalIntent::Effect(Effect::SetGoalState(state)));
        }
    }
}

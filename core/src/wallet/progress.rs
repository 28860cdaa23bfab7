//! Challenges and badges inside the engine: counters move with each
//! purchase, return, referral and join; completions, rewards, clawbacks and
//! badge levels are settled in the same event (same transaction).
//!
//! Only the receipt at hand, one small state record and a few period rows
//! are read: never the history.

use chrono::Duration;

use super::engine::Tx;
use super::goal_views::{streak_fetch, streak_from_keys};
use super::{Coupon, Effect, LedgerKind, LotSource, Receipt, Time};
use crate::challenges::{
    Challenge, ChallengeReward, ChallengeState, CountedIn, GivenReward, Repeat,
};
use crate::goals::{Goal, Metric};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::ids::NoticeId;
use crate::kernel::money::Checked;
use crate::kernel::time::{day_key, month_key, week_key};

/// Most completions one event can give one challenge; the rest of the
/// progress carries over to later events (a guard against absurd inputs such
/// as a huge spend on a tiny target).
pub const MAX_COMPLETIONS_PER_EVENT: i64 = 100;

fn challenge_key(id: &str) -> String {
    format!("c:{id}")
}

fn badge_key(id: &str) -> String {
    format!("b:{id}")
}

impl Tx<'_> {
    fn tracks_goals(&self) -> bool {
        !self.program.challenges.is_empty() || !self.program.badges.is_empty()
    }

    /// Loads the goal state on first use.
    fn goals_mut(&mut self) -> Result<&mut crate::challenges::GoalState> {
        if self.goals.is_none() {
            let loaded = self.view.goal_state()?;
            self.goals_before = Some(loaded.clone());
            self.goals = Some(loaded);
        }
        // Set just above.
        self.goals.as_mut().ok_or(LoyaltyError::Corrupt {
            reason: "goal state".into(),
        })
    }

    fn period_of(&self, c: &Challenge, t: Time) -> Option<i64> {
        let offset = self.program.utc_offset;
        match c.repeat {
            Repeat::Weekly => Some(week_key(t, offset)),
            Repeat::Monthly => Some(month_key(t, offset)),
            Repeat::None | Repeat::OnComplete => None,
        }
    }

    /// Moves a period goal's count for the receipt's day/week; returns the change in distinct periods.
    fn adjust_period(&mut self, goal_key: &str, goal: &Goal, at: Time, delta: i64) -> Result<i64> {
        if delta == 0 {
            return Ok(0);
        }
        let offset = self.program.utc_offset;
        let key = match goal.metric {
            Metric::DistinctDays => day_key(at, offset),
            _ => week_key(at, offset),
        };
        let pending = self
            .pending_periods
            .get(&(goal_key.to_string(), key))
            .copied()
            .unwrap_or(0);
        let before = self
            .view
            .goal_period_count(goal_key, key)?
            .add_or(pending, "period count")?;
        let after = before.add_or(delta, "period count")?.max(0);
        self.pending_periods
            .insert((goal_key.to_string(), key), pending + (after - before));
        self.effects.push(Effect::AdjustGoalPeriod {
            goal: goal_key.to_string(),
            key,
            delta: after - before,
        });
        Ok(i64::from(after > 0) - i64::from(before > 0))
    }

    /// Applies `delta` of a receipt's value to a goal counter (or period set).
    fn move_counter(&mut self, goal_key: &str, goal: &Goal, at: Time, delta: i64) -> Result<i64> {
        if goal.metric.uses_periods() {
            self.adjust_period(goal_key, goal, at, delta)
        } else {
            Ok(delta)
        }
    }

    /// A new purchase: counts it in open challenges and in every badge.
    pub(super) fn goals_on_purchase(&mut self, receipt: &mut Receipt) -> Result<()> {
        if !self.tracks_goals() {
            return Ok(());
        }
        let at = self.at;
        let program = self.program;
        for c in &program.challenges {
            if !c.in_window(at) {
                continue;
            }
            let joined = self
                .goals_mut()?
                .challenges
                .get(&c.id)
                .is_some_and(|s| s.joined);
            if c.opt_in && !joined {
                continue;
            }
            let value = c.goal.receipt_value(receipt);
            if value == 0 {
                continue;
            }
            let period = self.period_of(c, at);
            let key = challenge_key(&c.id);
            let state = self
                .goals_mut()?
                .challenges
                .entry(c.id.clone())
                .or_default();
            if state.period != period {
                state.period = period;
                state.progress = 0;
            }
            let delta = self.move_counter(&key, &c.goal, at, value)?;
            let state = self
                .goals_mut()?
                .challenges
                .entry(c.id.clone())
                .or_default();
            state.progress = state.progress.add_or(delta, "challenge progress")?;
            receipt.counted.push(CountedIn {
                challenge: c.id.clone(),
                period,
            });
        }
        for b in &program.badges {
            let value = b.goal.receipt_value(receipt);
            let delta = self.move_counter(&badge_key(&b.id), &b.goal, at, value)?;
            let state = self.goals_mut()?.badges.entry(b.id.clone()).or_default();
            state.progress = state.progress.add_or(delta, "badge progress")?;
        }
        Ok(())
    }

    /// A return: each goal the purchase counted in loses exactly what it no longer adds.
    pub(super) fn goals_on_return(&mut self, before: &Receipt, after: &Receipt) -> Result<()> {
        if !self.tracks_goals() {
            return Ok(());
        }
        let at = self.at;
        let program = self.program;
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
            let delta = c.goal.receipt_value(after) - c.goal.receipt_value(before);
            if delta == 0 {
                continue;
            }
            let current_period = self.period_of(c, at);
            if counted.period != current_period {
                continue;
            }
            let moved = self.move_counter(&challenge_key(&c.id), &c.goal, before.at, delta)?;
            let state = self
                .goals_mut()?
                .challenges
                .entry(c.id.clone())
                .or_default();
            state.progress = state.progress.add_or(moved, "challenge progress")?.max(0);
            let (progress, completions) = (state.progress, state.completions);
            if c.repeat == Repeat::None && completions > 0 {
                let value =
                    self.goal_value(&challenge_key(&c.id), &c.goal, progress, c.target())?;
                if value < c.target() {
                    self.claw_back(c)?;
                }
            }
        }
        for b in &program.badges {
            let delta = b.goal.receipt_value(after) - b.goal.receipt_value(before);
            let moved = self.move_counter(&badge_key(&b.id), &b.goal, before.at, delta)?;
            let state = self.goals_mut()?.badges.entry(b.id.clone()).or_default();
            state.progress = state.progress.add_or(moved, "badge progress")?.max(0);
        }
        Ok(())
    }

    /// A referral bonus: counts in referral goals.
    pub(super) fn goals_on_referral(&mut self) -> Result<()> {
        if !self.tracks_goals() {
            return Ok(());
        }
        let at = self.at;
        let program = self.program;
        self.goals_mut()?.referrals += 1;
        for c in program
            .challenges
            .iter()
            .filter(|c| c.goal.metric == Metric::Referrals)
        {
            self.bump_open(c, at, 1)?;
        }
        Ok(())
    }

    /// Adds to an event-counted challenge (referrals, completions) if it is open now.
    fn bump_open(&mut self, c: &Challenge, at: Time, delta: i64) -> Result<()> {
        if !c.in_window(at) {
            return Ok(());
        }
        let period = self.period_of(c, at);
        let state = self
            .goals_mut()?
            .challenges
            .entry(c.id.clone())
            .or_default();
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
    pub(super) fn join(&mut self, challenge_id: &str) -> Result<()> {
        let at = self.at;
        let c = self
            .program
            .challenges
            .iter()
            .find(|c| c.id == challenge_id)
            .ok_or_else(|| LoyaltyError::UnknownChallenge {
                challenge_id: challenge_id.to_string(),
            })?;
        let state = self
            .goals_mut()?
            .challenges
            .entry(c.id.clone())
            .or_default();
        if state.joined {
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
        self.goals_mut()?
            .challenges
            .entry(c.id.clone())
            .or_default()
            .joined = true;
        Ok(())
    }

    /// The current value of a goal for completion and levels.
    fn goal_value(&mut self, goal_key: &str, goal: &Goal, counter: i64, cap: i64) -> Result<i64> {
        Ok(match goal.metric {
            Metric::WeekStreak => self.streak(goal_key, cap)?,
            Metric::Tier => i64::from(
                self.tier_index_after()?
                    .is_some_and(|i| Some(i) >= goal.tier),
            ),
            _ => counter,
        })
    }

    /// Consecutive weeks with purchases, ending this week or last week.
    fn streak(&mut self, goal_key: &str, cap: i64) -> Result<i64> {
        let now = week_key(self.at, self.program.utc_offset);
        let mut keys = self
            .view
            .goal_period_keys(goal_key, now, streak_fetch(cap))?;
        for ((g, k), delta) in &self.pending_periods {
            if g == goal_key && *k <= now {
                let stored = self.view.goal_period_count(goal_key, *k)?;
                keys.retain(|x| x != k);
                if stored + delta > 0 {
                    keys.push(*k);
                }
            }
        }
        keys.sort_unstable_by(|a, b| b.cmp(a));
        Ok(streak_from_keys(&keys, now))
    }

    /// The member's tier index after this event.
    fn tier_index_after(&self) -> Result<Option<usize>> {
        let Some(tiers) = &self.program.tiers else {
            return Ok(None);
        };
        let from = tiers.window_days.map(|d| self.at - Duration::days(d));
        let spend = self
            .view
            .qualifying_spend(from, self.at)?
            .add_or(self.spend_delta, "qualifying spend")?;
        Ok(self.program.tier_for(spend).map(|(i, _)| i))
    }

    /// Completions, rewards and badge levels after the event.
    ///
    /// Two passes: challenges on their own metrics first, then challenges on
    /// `challenges_completed`, which count the completions of the other kind
    /// only, so no goal can feed itself.
    pub(super) fn settle_goals(&mut self) -> Result<()> {
        if !self.tracks_goals() {
            return Ok(());
        }
        let program = self.program;
        let at = self.at;
        for meta_pass in [false, true] {
            let mut completed = 0i64;
            for c in &program.challenges {
                if (c.goal.metric == Metric::ChallengesCompleted) != meta_pass || !c.in_window(at) {
                    continue;
                }
                let state = self
                    .goals_mut()?
                    .challenges
                    .get(&c.id)
                    .cloned()
                    .unwrap_or_default();
                if c.opt_in && !state.joined {
                    continue;
                }
                let period = self.period_of(c, at);
                let counter = if state.period == period {
                    state.progress
                } else {
                    0
                };
                let value = self.goal_value(&challenge_key(&c.id), &c.goal, counter, c.target())?;
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
            self.goals_mut()?.completions_total += completed;
            if !meta_pass && completed > 0 {
                for c in program
                    .challenges
                    .iter()
                    .filter(|c| c.goal.metric == Metric::ChallengesCompleted)
                {
                    self.bump_open(c, at, completed)?;
                }
            }
        }
        for b in &program.badges {
            let state = self
                .goals_mut()?
                .badges
                .get(&b.id)
                .cloned()
                .unwrap_or_default();
            let counter = match b.goal.metric {
                Metric::Referrals => self.goals_mut()?.referrals,
                Metric::ChallengesCompleted => self.goals_mut()?.completions_total,
                _ => state.progress,
            };
            let top = b.levels.last().copied().unwrap_or(1);
            let value = self.goal_value(&badge_key(&b.id), &b.goal, counter, top)?;
            let level = b.level_for(value);
            if level > state.level {
                self.award_badge(&b.id, level)?;
            }
        }
        Ok(())
    }

    fn award_badge(&mut self, badge_id: &str, level: u32) -> Result<()> {
        let at_ms = self.at.timestamp_millis();
        let state = self
            .goals_mut()?
            .badges
            .entry(badge_id.to_string())
            .or_default();
        if level > state.level {
            let from = state.level;
            state.level = level;
            state.earned_at_ms = Some(at_ms);
            let title = self
                .program
                .badges
                .iter()
                .find(|b| b.id == badge_id)
                .map_or(badge_id.to_string(), |b| b.title.clone());
            for l in from + 1..=level {
                self.notice(
                    NoticeId::BadgeEarned {
                        badge: badge_id.to_string(),
                        level: l,
                    }
                    .to_string(),
                    "Badge earned".into(),
                    format!("{title} (level {l})"),
                );
            }
        }
        Ok(())
    }

    /// One completion of `c`: counters and the reward.
    fn complete(&mut self, c: &Challenge) -> Result<()> {
        let period = self.period_of(c, self.at);
        let state = self
            .goals_mut()?
            .challenges
            .entry(c.id.clone())
            .or_default();
        state.completions += 1;
        let n = state.completions;
        if c.repeat == Repeat::OnComplete && c.goal.metric.is_counter() {
            state.progress -= c.target();
        }
        if matches!(c.repeat, Repeat::Weekly | Repeat::Monthly) {
            state.completed_period = period;
        }
        let reward = c
            .reward
            .as_ref()
            .map(|r| r.describe(&self.program.currency));
        self.notice(
            NoticeId::ChallengeCompleted {
                challenge: c.id.clone(),
                n,
            }
            .to_string(),
            "Challenge completed".into(),
            match reward {
                Some(r) => format!("{}: {r}", c.title),
                None => c.title.clone(),
            },
        );
        let mut given = GivenReward::default();
        match &c.reward {
            None => {}
            Some(ChallengeReward::Points(p)) => {
                self.credit(LotSource::Challenge, *p, None)?;
                self.summary.lifetime_earned =
                    self.summary.lifetime_earned.add_or(*p, "lifetime earned")?;
                self.ledger(LedgerKind::Challenge, *p, Some(&c.id));
                given.points = *p;
            }
            Some(ChallengeReward::Coupon(spec)) => {
                let state = self
                    .goals_mut()?
                    .challenges
                    .entry(c.id.clone())
                    .or_default();
                state.coupons_issued += 1;
                let id = format!("{}#{}", c.id, state.coupons_issued);
                let expires_at = self
                    .at
                    .checked_add_signed(Duration::days(spec.valid_days))
                    .ok_or(LoyaltyError::Overflow {
                        what: "coupon expiry",
                    })?;
                self.effects.push(Effect::IssueCoupon(Coupon {
                    id: id.clone(),
                    source: c.id.clone(),
                    benefit: spec.benefit,
                    issued_at: self.at,
                    expires_at,
                    used_at: None,
                }));
                given.coupon_id = Some(id);
            }
            Some(ChallengeReward::Badge(b)) => self.award_badge(b, 1)?,
        }
        if c.repeat == Repeat::None {
            self.goals_mut()?
                .challenges
                .entry(c.id.clone())
                .or_default()
                .reward = Some(given);
        }
        Ok(())
    }

    /// Undoes the standing completion of a non-repeating challenge.
    fn claw_back(&mut self, c: &Challenge) -> Result<()> {
        let state: &mut ChallengeState = self
            .goals_mut()?
            .challenges
            .entry(c.id.clone())
            .or_default();
        state.completions -= 1;
        let given = state.reward.take().unwrap_or_default();
        if given.points > 0 {
            let short = self.take_from_lots(given.points, None)?;
            self.summary.debt = self.summary.debt.add_or(short, "debt")?;
            self.summary.lifetime_earned = self
                .summary
                .lifetime_earned
                .sub_or(given.points, "lifetime earned")?;
            self.ledger(LedgerKind::Clawback, -given.points, Some(&c.id));
        }
        if let Some(id) = given.coupon_id
            && self
                .view
                .coupon(&id)?
                .is_some_and(|cp| cp.used_at.is_none())
        {
            self.effects.push(Effect::RevokeCoupon { coupon_id: id });
        }
        let at = self.at;
        let program = self.program;
        self.goals_mut()?.completions_total -= 1;
        if c.goal.metric == Metric::ChallengesCompleted {
            return Ok(());
        }
        for other in program
            .challenges
            .iter()
            .filter(|o| o.goal.metric == Metric::ChallengesCompleted)
        {
            self.bump_open(other, at, -1)?;
            // A completed one-off meta challenge that drops below target inside its window goes back too.
            let s = self
                .goals_mut()?
                .challenges
                .get(&other.id)
                .cloned()
                .unwrap_or_default();
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

    /// Pushes the new goal state if it was touched.
    pub(super) fn finish_goals(&mut self) -> Result<()> {
        if let Some(state) = self.goals.take() {
            if self.goals_before.as_ref() != Some(&state) {
                self.effects.push(Effect::SetGoalState(state));
            }
        }
        Ok(())
    }
}

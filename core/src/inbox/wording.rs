//! The words of the notices the core writes to the inbox. The engine says
//! what happened as data ([`Notice`]); this is the one place it is put into
//! a title and a body (English; the apps may word them anew from the id).

use crate::goals::views::describe_reward;
use crate::kernel::ids::NoticeId;
use crate::program::Program;
use crate::wallet::model::{Event, Notice, NoticeDetail};

/// The title and body of a notice under `program`.
pub fn notice_text(n: &Notice, program: &Program) -> (String, String) {
    match (&n.id, &n.detail) {
        (NoticeId::ChallengeCompleted { challenge, .. }, _) => {
            let c = program.challenges.iter().find(|c| &c.id == challenge);
            let title = c.map_or(challenge.clone(), |c| c.title.clone());
            let body = match c.and_then(|c| c.reward.as_ref()) {
                Some(r) => format!("{title}: {}", describe_reward(r, &program.currency)),
                None => title,
            };
            ("Challenge completed".into(), body)
        }
        (NoticeId::BadgeEarned { badge, level }, _) => {
            let title = program
                .badges
                .iter()
                .find(|b| &b.id == badge)
                .map_or(badge.clone(), |b| b.title.clone());
            ("Badge earned".into(), format!("{title} (level {level})"))
        }
        (NoticeId::TierReached { tier }, _) => (
            format!("Welcome to {tier}"),
            "Your spending lifted you to a new tier.".into(),
        ),
        (NoticeId::PointsExpiring { .. }, NoticeDetail::Expiring { points, expires_at }) => (
            "Points expiring soon".into(),
            format!(
                "{points} points expire on {}.",
                expires_at.format("%Y-%m-%d")
            ),
        ),
        (NoticeId::PointsExpiring { .. }, _) => (
            "Points expiring soon".into(),
            "Some points expire soon.".into(),
        ),
        (
            NoticeId::ActionRejected { .. },
            NoticeDetail::Rejected {
                event,
                code,
                message,
            },
        ) => (rejected_title(event), format!("{message} ({code})")),
        (NoticeId::ActionRejected { .. }, _) => {
            ("An action was not accepted".into(), String::new())
        }
    }
}

fn rejected_title(event: &Event) -> String {
    match event {
        Event::RedeemReward { reward_id, .. } => format!("Reward {reward_id} not redeemed"),
        Event::JoinChallenge { challenge_id } => format!("Challenge {challenge_id} not joined"),
        other => format!("Your {} was not accepted", other.kind().replace('_', " ")),
    }
}

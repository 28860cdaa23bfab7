//! Challenges and badges: one goal language evaluated on every purchase,
//! return, referral and join.
//!
//! - [`model`]: metrics, goals, challenge and badge definitions, their state.
//! - [`rules`]: the rules-JSON shapes and their validation.
//! - [`measure`]: the one place a goal's value, period, streak, tier and
//!   badge counter are computed.
//! - [`eval`]: the pure evaluation of one event, returning intents the
//!   wallet engine applies.
//! - [`views`]: the challenge and badge lists as the app shows them.

pub mod eval;
pub mod measure;
pub mod model;
pub mod rules;
pub mod views;

pub use model::{
    Badge, BadgeState, Challenge, ChallengeReward, ChallengeState, CountedIn, GivenReward, Goal,
    GoalState, Metric, Repeat,
};
pub use views::{BadgeView, ChallengeStatus, ChallengeView, describe_reward, goal_views};

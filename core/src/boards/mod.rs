//! Leaderboards: opt-in ratings of members by points earned, spend,
//! purchases or challenge completions over a week, a month or all time.
//!
//! - [`model`]: board definitions and display-name rules.
//! - [`rules`]: the rules-JSON shape (`"leaderboards"`) and its validation.
//! - [`measure`]: the pure computations: a period's start in the program's
//!   local time, ranks with shared ties, and the gap to the next rank.
//!
//! The standings themselves travel as [`crate::sync::wire::BoardStanding`].

pub mod measure;
pub mod model;
pub mod rules;

pub use model::{BoardMetric, BoardPeriod, Leaderboard, clean_display_name, name_key};

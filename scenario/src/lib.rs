//! # loyalty-scenario
//!
//! QA scenario files: a program, a list of timed steps, and what each step
//! must produce. Loaded strictly (unknown keys are file errors) and run
//! against the real SQLite store by [`run`].
//!
//! Kept out of `loyalty-core` so that the mobile library does not carry the
//! runner or its dependencies (`tempfile`, `serde_path_to_error`); it uses only
//! the core's public API (`Store`, `wallet`, `card`, `money`). `loyalty
//! scenario run` (the CLI) and this crate's tests are its users.

#![warn(missing_docs)]

mod runner;

use std::path::{Path, PathBuf};

use chrono::DateTime;
use serde::{Deserialize, Serialize};

use loyalty_core::wallet::{BonusKind, Event, PurchaseInput, ReturnInput, Time};

pub use runner::{Failure, RunOptions, ScenarioReport, run};

/// A parsed scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it came from.
    pub path: PathBuf,
    /// Its name.
    pub name: String,
    /// Program rules JSON.
    pub program: String,
    /// The member's card, when the scenario checks card payloads.
    pub member: Option<Member>,
    /// Steps in time order.
    pub steps: Vec<Step>,
}

/// The scenario member's card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Card number digits.
    pub card_number: String,
    /// Card secret as hex.
    pub card_secret_hex: String,
}

/// One step: an event at a time, and what must follow.
#[derive(Debug, Clone)]
pub struct Step {
    /// When it happens.
    pub at: Time,
    /// What happens.
    pub action: Action,
    /// Expected values after the step.
    pub expect: Option<Expect>,
    /// Expected error code of the step.
    pub expect_error: Option<String>,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// A wallet event.
    Event(Event),
    /// A push payload arrives.
    Push(String),
    /// The shopper opens a message.
    InboxRead(String),
    /// The shopper dismisses a message.
    InboxDismiss(String),
    /// The shopper activates an offer.
    InboxActivate(String),
}

/// Expected wallet figures; every key optional, each compared exactly.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Points balance.
    #[serde(default)]
    pub balance: Option<i64>,
    /// Lifetime earned points.
    #[serde(default)]
    pub lifetime_earned: Option<i64>,
    /// Points lost to expiry.
    #[serde(default)]
    pub expired_total: Option<i64>,
    /// Points expiring within N days.
    #[serde(default)]
    pub expiring: Option<ExpectExpiring>,
    /// Tier id (`null` when the program has no tiers).
    #[serde(default)]
    pub tier: Option<serde_json::Value>,
    /// Qualifying spend, decimal string.
    #[serde(default)]
    pub qualifying_spend: Option<String>,
    /// Figures of the most recent purchase.
    #[serde(default)]
    pub last_purchase: Option<ExpectPurchase>,
    /// Ids of active coupons, any order.
    #[serde(default)]
    pub coupons: Option<Vec<String>>,
    /// The exact card payload at the step's time.
    #[serde(default)]
    pub card_payload: Option<String>,
    /// Challenge figures by id (each inner key optional).
    #[serde(default)]
    pub challenges: Option<std::collections::BTreeMap<String, ExpectChallenge>>,
    /// The exact map of earned badges: id → level.
    #[serde(default)]
    pub badges: Option<std::collections::BTreeMap<String, u32>>,
    /// Visible inbox messages.
    #[serde(default)]
    pub inbox: Option<ExpectInbox>,
    /// Outcome of this step's push: new, duplicate, expired or ignored.
    #[serde(default)]
    pub push_outcome: Option<String>,
    /// The current tier's perks, in order (`[]` without a tier or perks).
    #[serde(default)]
    pub tier_perks: Option<Vec<String>>,
    /// The next tier's perks, in order (`[]` at the top tier or without tiers).
    #[serde(default)]
    pub next_tier_perks: Option<Vec<String>>,
    /// The next purchase's discount percent, decimal string (`"0"` when none).
    #[serde(default)]
    pub next_discount_percent: Option<String>,
    /// Where it comes from: `tier`, `member`, `first_purchase`, or `null` for none.
    #[serde(default)]
    pub next_discount_source: Option<serde_json::Value>,
    /// Scopes of active coupons by id (each listed coupon must be active;
    /// `{}` is an unscoped coupon).
    #[serde(default)]
    pub coupon_scopes: Option<std::collections::BTreeMap<String, ExpectScope>>,
}

/// A coupon's scope as a scenario expects it; compared exactly (absent
/// keys are the unscoped defaults).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectScope {
    /// Category it applies to.
    #[serde(default)]
    pub category: Option<String>,
    /// Skus it applies to.
    #[serde(default)]
    pub skus: Vec<String>,
    /// One item only.
    #[serde(default)]
    pub one_item: bool,
    /// Minimum eligible total, decimal string.
    #[serde(default)]
    pub min_spend: Option<String>,
}

/// `inbox` expectation (visible messages only).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectInbox {
    /// Unread visible messages.
    #[serde(default)]
    pub unread: Option<i64>,
    /// Visible messages.
    #[serde(default)]
    pub total: Option<i64>,
    /// Visible message ids in display order.
    #[serde(default)]
    pub ids: Option<Vec<String>>,
}

/// Expected figures of one challenge.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectChallenge {
    /// `upcoming`, `available`, `active`, `completed` or `expired`.
    #[serde(default)]
    pub status: Option<String>,
    /// Progress (whole currency units for spend, or a decimal string).
    #[serde(default)]
    pub progress: Option<Figure>,
    /// Target (whole currency units for spend, or a decimal string).
    #[serde(default)]
    pub target: Option<Figure>,
    /// Completions.
    #[serde(default)]
    pub completions: Option<i64>,
}

/// A challenge figure as a scenario file writes it.
///
/// A number is compared exactly with the view (whole currency units for a
/// `spend` goal, a count otherwise). A decimal string is money, for `spend`
/// goals only, and compares by value like every other money key: `"1500"`,
/// `"1500.00"` and `1500` are the same target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(
    untagged,
    expecting = "a whole number, or a decimal string such as \"1500.00\" for a spend goal"
)]
pub enum Figure {
    /// A whole number, as the view shows it.
    Number(i64),
    /// A decimal amount of money ("1500.00").
    Decimal(String),
}

/// `expiring` expectation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectExpiring {
    /// Horizon in days.
    pub days: i64,
    /// Points expected to expire within it.
    pub points: i64,
}

/// `last_purchase` expectation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectPurchase {
    /// Points earned.
    #[serde(default)]
    pub points_earned: Option<i64>,
    /// D1 + D2, decimal string.
    #[serde(default)]
    pub discount: Option<String>,
    /// D2 alone (the coupon's part), decimal string.
    #[serde(default)]
    pub coupon_discount: Option<String>,
    /// Points paid.
    #[serde(default)]
    pub points_paid: Option<i64>,
    /// Money payable, decimal string.
    #[serde(default)]
    pub payable: Option<String>,
}

/// Why a scenario file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum FileError {
    /// The file could not be read.
    #[error("{path}: cannot read: {reason}")]
    Read {
        /// File path.
        path: String,
        /// OS error.
        reason: String,
    },
    /// The JSON is malformed or does not have the scenario shape.
    #[error("{path}:{line}:{column}: {reason}")]
    Parse {
        /// File path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file parses but is not a valid scenario (bad program, time going back).
    #[error("{path}: {reason}")]
    Invalid {
        /// File path.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    program: serde_json::Value,
    #[serde(default)]
    member: Option<Member>,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at: String,
    #[serde(default)]
    purchase: Option<PurchaseInput>,
    #[serde(default, rename = "return")]
    ret: Option<ReturnInput>,
    #[serde(default)]
    redeem_reward: Option<RawRedeem>,
    #[serde(default)]
    bonus: Option<RawBonus>,
    #[serde(default)]
    tick: Option<RawTick>,
    #[serde(default)]
    join_challenge: Option<RawJoin>,
    #[serde(default)]
    push: Option<serde_json::Value>,
    #[serde(default)]
    inbox_read: Option<RawId>,
    #[serde(default)]
    inbox_dismiss: Option<RawId>,
    #[serde(default)]
    inbox_activate: Option<RawId>,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    expect_error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedeem {
    reward_id: String,
    coupon_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBonus {
    kind: BonusKind,
    #[serde(default)]
    key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTick {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawId {
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJoin {
    challenge_id: String,
}

/// Largest scenario file read (16 MiB); a larger one is refused unread.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

impl Scenario {
    /// Reads and parses a scenario file.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let shown = path.display().to_string();
        let read = |reason: String| FileError::Read {
            path: shown.clone(),
            reason,
        };
        let file = std::fs::File::open(path).map_err(|e| read(e.to_string()))?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(file, MAX_FILE_BYTES + 1),
            &mut bytes,
        )
        .map_err(|e| read(e.to_string()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(read(format!(
                "larger than {MAX_FILE_BYTES} bytes; a scenario file is a few kilobytes"
            )));
        }
        let text = String::from_utf8(bytes).map_err(|_| read("not UTF-8 text".into()))?;
        Self::parse(path, &text)
    }

    /// Parses scenario JSON text; `path` is used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, FileError> {
        let shown = path.display().to_string();
        if let Err(e) = loyalty_core::kernel::json::check_unique_keys(text)
            && e.is_data()
        {
            return Err(FileError::Parse {
                path: shown,
                line: e.line(),
                column: e.column(),
                reason: e
                    .to_string()
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            });
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        let raw: RawScenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let at = e.path().to_string();
            let inner = e.into_inner();
            let (line, column) = (inner.line(), inner.column());
            let mut reason = inner.to_string();
            // serde_json appends " at line L column C"; we report them separately.
            if let Some(cut) = reason.rfind(" at line ") {
                reason.truncate(cut);
            }
            if at != "." {
                reason = format!("{at}: {reason}");
            }
            FileError::Parse {
                path: shown.clone(),
                line,
                column,
                reason,
            }
        })?;
        let invalid = |reason: String| FileError::Invalid {
            path: shown.clone(),
            reason,
        };
        if !raw.program.is_object() {
            return Err(invalid(
                "\"program\" must be a JSON object of program rules".into(),
            ));
        }
        let mut steps = Vec::with_capacity(raw.steps.len());
        let mut previous: Option<Time> = None;
        for (i, s) in raw.steps.into_iter().enumerate() {
            let at = DateTime::parse_from_rfc3339(&s.at)
                .map_err(|e| invalid(format!("steps[{i}].at: \"{}\" is not RFC 3339: {e}", s.at)))?
                .to_utc();
            if previous.is_some_and(|p| at < p) {
                return Err(invalid(format!(
                    "steps[{i}].at: {} goes back in time",
                    s.at
                )));
            }
            previous = Some(at);
            let mut events: Vec<Action> = Vec::new();
            if let Some(p) = s.purchase {
                events.push(Action::Event(Event::Purchase(p)));
            }
            if let Some(r) = s.ret {
                events.push(Action::Event(Event::Return(r)));
            }
            if let Some(r) = s.redeem_reward {
                events.push(Action::Event(Event::RedeemReward {
                    reward_id: r.reward_id,
                    coupon_id: r.coupon_id,
                }));
            }
            if let Some(b) = s.bonus {
                events.push(Action::Event(Event::Bonus {
                    kind: b.kind,
                    key: b.key,
                }));
            }
            if s.tick.is_some() {
                events.push(Action::Event(Event::Tick {}));
            }
            if let Some(j) = s.join_challenge {
                events.push(Action::Event(Event::JoinChallenge {
                    challenge_id: j.challenge_id,
                }));
            }
            if let Some(p) = s.push {
                // Payloads are handed over as JSON text, as the shells do.
                events.push(Action::Push(p.to_string()));
            }
            if let Some(r) = s.inbox_read {
                events.push(Action::InboxRead(r.id));
            }
            if let Some(r) = s.inbox_dismiss {
                events.push(Action::InboxDismiss(r.id));
            }
            if let Some(r) = s.inbox_activate {
                events.push(Action::InboxActivate(r.id));
            }
            if events.len() != 1 {
                return Err(invalid(format!(
                    "steps[{i}]: needs exactly one of purchase, return, redeem_reward, bonus, tick, join_challenge, push, inbox_read, inbox_dismiss, inbox_activate (found {})",
                    events.len()
                )));
            }
            let action = events.remove(0);
            steps.push(Step {
                at,
                action,
                expect: s.expect,
                expect_error: s.expect_error,
            });
        }
        Ok(Scenario {
            path: path.to_path_buf(),
            name: raw.name,
            program: raw.program.to_string(),
            member: raw.member,
            steps,
        })
    }
}

/// Expands paths: a folder stands for every `*.json` file in it (sorted).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FileError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let read = std::fs::read_dir(p).map_err(|e| FileError::Read {
                path: p.display().to_string(),
                reason: e.to_string(),
            })?;
            let mut files: Vec<PathBuf> = read
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, FileError> {
        Scenario::parse(Path::new("t.json"), text)
    }

    #[test]
    fn parses_steps_of_every_kind() {
        let s = parse(
            r#"{"name":"n","program":{"currency":"RUB","earn":{"rule":{"percent":"10"}}},"steps":[
              {"at":"2026-01-01T00:00:00Z","purchase":{"receipt_id":"r","lines":[{"sku":"A","qty":1,"amount":"1"}]}},
              {"at":"2026-01-01T00:00:00Z","return":{"receipt_id":"r","lines":[{"sku":"A","qty":1}]}},
              {"at":"2026-01-02T00:00:00+03:00","redeem_reward":{"reward_id":"x","coupon_id":"c"},"expect_error":"unknown_reward"},
              {"at":"2026-01-03T00:00:00Z","bonus":{"kind":"welcome"}},
              {"at":"2026-01-04T00:00:00Z","tick":{},"expect":{"balance":0,"tier":null}}]}"#,
        )
        .unwrap();
        assert_eq!(s.steps.len(), 5);
        assert!(matches!(s.steps[1].action, Action::Event(Event::Return(_))));
        assert_eq!(s.steps[2].expect_error.as_deref(), Some("unknown_reward"));
    }

    #[test]
    fn a_repeated_key_is_refused_with_its_place() {
        let e = parse("{\"name\": \"x\", \"steps\": [],\n \"name\": \"y\"}").unwrap_err();
        assert!(matches!(e, FileError::Parse { line: 2, .. }), "{e}");
        assert!(e.to_string().contains("\"name\" appears twice"), "{e}");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let e = parse("{\n  \"name\": \"x\",\n  \"steps\": [,]\n}").unwrap_err();
        assert!(matches!(e, FileError::Parse { line: 3, .. }), "{e}");
        let e = parse(r#"{"name":"x","program":{},"steps":[{"at":"2026-01-01T00:00:00Z","tick":{},"expect":{"balanse":1}}]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("balanse"), "{e}");
    }

    #[test]
    fn time_going_back_and_ambiguous_steps_are_file_errors() {
        let e = parse(
            r#"{"name":"x","program":{},"steps":[{"at":"2026-01-02T00:00:00Z","tick":{}},{"at":"2026-01-01T00:00:00Z","tick":{}}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("back in time"), "{e}");
        let e = parse(r#"{"name":"x","program":{},"steps":[{"at":"2026-01-02T00:00:00Z"}]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("exactly one"), "{e}");
        let e = parse(r#"{"name":"x","program":{},"steps":[{"at":"yesterday","tick":{}}]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("RFC 3339"), "{e}");
    }
}

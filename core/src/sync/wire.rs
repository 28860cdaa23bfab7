//! The sync API's wire format (`docs/api.md`) as typed serde structs, shared
//! by the client ([`super::client`]) and the dev server: one definition of
//! every body, so the two sides cannot drift apart (ruma's way: the protocol
//! is a set of types).
//!
//! Times are RFC 3339 text written as `to_rfc3339()` writes them and parsed
//! strictly. Optional fields that the API writes as `null` stay `null`;
//! fields the API leaves out (an action result's `seq` or `error`) are left
//! out. Bodies the server reads refuse unknown fields; bodies the client
//! reads tolerate them (a newer server may add some).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kernel::error::LoyaltyError;
use crate::kernel::time::Time;
use crate::wallet::model::Event;

/// RFC 3339 times, written as `DateTime::to_rfc3339` writes them.
mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::kernel::time::Time;

    pub fn serialize<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let text = String::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| t.to_utc())
            .map_err(|e| serde::de::Error::custom(format!("not an RFC 3339 time ({e})")))
    }
}

/// The body of every error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The error.
    pub error: ErrorBody,
}

/// An error: a stable snake_case code and a readable message (also the
/// `error` of a rejected action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable snake_case code (the core's codes, or the API's own such as `unauthorized`).
    pub code: String,
    /// What went wrong.
    pub message: String,
}

impl From<&LoyaltyError> for ErrorBody {
    fn from(e: &LoyaltyError) -> Self {
        Self {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

/// Whether a core error refuses the request (the member's rules said no) or
/// is the server's own failure. One classification for both sides: a
/// rejection is answered (and recorded for its idempotency key), a failure
/// is a `500` that the client retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A rule refused it: answered to the client, recorded, never retried.
    Rejection,
    /// Storage, corruption or overflow: the server failed; nothing is recorded.
    Infrastructure,
}

impl Failure {
    /// The class of `e`.
    pub fn of(e: &LoyaltyError) -> Self {
        match e {
            LoyaltyError::Storage { .. }
            | LoyaltyError::StorageFull { .. }
            | LoyaltyError::Corrupt { .. }
            | LoyaltyError::Overflow { .. }
            | LoyaltyError::NotADatabase { .. }
            | LoyaltyError::SchemaTooNew { .. } => Self::Infrastructure,
            _ => Self::Rejection,
        }
    }

    /// Whether `e` is a rejection (see [`Failure::of`]).
    pub fn is_rejection(e: &LoyaltyError) -> bool {
        Self::of(e) == Self::Rejection
    }
}

/// `POST /v1/enroll` answer (dev server only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollAnswer {
    /// The server's member id.
    pub member_id: String,
    /// The card number.
    pub card_number: String,
    /// The card's TOTP secret in hex.
    pub card_secret_hex: String,
    /// The access token for the sync API.
    pub access_token: String,
    /// The server's clock when it answered.
    #[serde(with = "rfc3339")]
    pub server_time: Time,
}

/// One event of a sync page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerEvent {
    /// Server sequence number (from 1, increasing).
    pub seq: i64,
    /// When the server applied it.
    #[serde(with = "rfc3339")]
    pub at: Time,
    /// The core's event.
    pub event: Event,
    /// The client action it came from (`null` otherwise).
    pub idempotency_key: Option<String>,
    /// The version of the program rules the server applied it under (absent:
    /// the page's `program`, or the rules the client holds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_version: Option<String>,
}

/// New program rules on a sync page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramUpdate {
    /// The fingerprint of the rules text; sent back as `program_version`.
    pub version: String,
    /// The program rules JSON.
    pub rules: Value,
}

/// A challenge's figures in a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeDigest {
    /// Progress towards the target.
    pub progress: i64,
    /// Times completed.
    pub completions: i64,
}

/// The member's whole state at `at`, as the server's engine sees it; the
/// client compares it with its own figures after the last page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// When the figures hold.
    #[serde(with = "rfc3339")]
    pub at: Time,
    /// Points balance.
    pub balance: i64,
    /// Points ever earned.
    pub lifetime_earned: i64,
    /// Points expired so far.
    pub expired_total: i64,
    /// Tier id (`null` without tiers).
    pub tier: Option<String>,
    /// Qualifying spend as a decimal (`"100.00"`).
    pub qualifying_spend: String,
    /// Active coupon ids, sorted.
    pub coupons: Vec<String>,
    /// Challenge figures by id.
    pub challenges: BTreeMap<String, ChallengeDigest>,
    /// Earned badge levels by id.
    pub badges: BTreeMap<String, i64>,
}

impl Digest {
    /// The digest as JSON (what the store compares field by field).
    pub fn to_value(&self) -> Value {
        // Serialising plain strings, numbers and string-keyed maps cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads a digest the store computed ([`crate::store::Store::digest`]).
    pub fn from_value(v: Value) -> crate::Result<Self> {
        serde_json::from_value(v).map_err(|e| LoyaltyError::Storage {
            reason: format!("the state digest has an unexpected shape: {e}"),
        })
    }
}

/// `GET /v1/me/sync` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncPage {
    /// Events after the cursor, in server order.
    pub events: Vec<ServerEvent>,
    /// Inbox messages created or updated since the cursor, in push payload form.
    pub messages: Vec<Value>,
    /// New rules when the client's `program_version` is not the server's.
    pub program: Option<ProgramUpdate>,
    /// The server's clock (the card token's offset).
    #[serde(with = "rfc3339")]
    pub server_time: Time,
    /// The member's state (on every page; compared after the last).
    #[serde(default)]
    pub digest: Option<Digest>,
    /// The cursor to send next; stored once the page is applied.
    pub next_cursor: String,
    /// Whether more pages follow.
    pub has_more: bool,
    /// The boards this member can see, as the server computed them
    /// (absent from servers without leaderboards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaderboards: Vec<BoardStanding>,
}

/// One leaderboard's standing on a sync page. Names are only those of
/// members who opted in; nothing else of another member is ever sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardStanding {
    /// The board's id in the program rules.
    pub id: String,
    /// When the current period started (the Unix epoch for `all_time`).
    #[serde(with = "rfc3339")]
    pub period_start: Time,
    /// When the server computed this standing.
    #[serde(with = "rfc3339")]
    pub computed_at: Time,
    /// Members who have joined the boards.
    pub participants: u32,
    /// The best `top` participants with a value above zero, best first.
    pub top: Vec<BoardRow>,
    /// The caller's standing, when the caller has joined.
    #[serde(default)]
    pub me: Option<BoardMe>,
}

/// One listed participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRow {
    /// Rank from 1; equal values share one (1, 2, 2, 4).
    pub rank: u32,
    /// The display name they joined with.
    pub name: String,
    /// Their value (spend in minor units).
    pub value: i64,
}

/// The caller's own standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardMe {
    /// Rank from 1 (participants with a higher value, plus one).
    pub rank: u32,
    /// The caller's value in the period.
    pub value: i64,
    /// How much more passes the next rank up; `null` at rank 1.
    pub to_pass_next: Option<i64>,
}

impl SyncPage {
    /// Reads a page strictly: wrong types, a missing field or a sequence
    /// number below 1 refuse the whole page (`network`), nothing applied.
    pub fn parse(body: Value) -> crate::Result<Self> {
        let bad = |what: String| LoyaltyError::Network {
            reason: format!("malformed sync page: {what}"),
        };
        let page: Self = serde_json::from_value(body).map_err(|e| bad(e.to_string()))?;
        if page.events.iter().any(|e| e.seq < 1) {
            return Err(bad("event seq".into()));
        }
        Ok(page)
    }
}

/// A client action (`POST /v1/me/actions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum ClientAction {
    /// Redeem a reward for the coupon id the device chose.
    RedeemReward {
        /// The reward.
        reward_id: String,
        /// The coupon id the device gave it.
        coupon_id: String,
    },
    /// Join an opt-in challenge.
    JoinChallenge {
        /// The challenge.
        challenge_id: String,
    },
    /// Mark a message read.
    InboxRead {
        /// The message.
        message_id: String,
    },
    /// Dismiss a message.
    InboxDismiss {
        /// The message.
        message_id: String,
    },
    /// Activate an offer (the server decides the coupon).
    ActivateOffer {
        /// The offer's message.
        message_id: String,
    },
    /// Join the program's leaderboards under a display name.
    JoinLeaderboard {
        /// 2–24 letters, digits, spaces or `._-`, unique in the program ignoring case.
        name: String,
    },
    /// Leave the leaderboards (the name is freed).
    LeaveLeaderboard {},
}

impl ClientAction {
    /// The action a queued wallet event is sent as; `None` for events only
    /// the till or the server record.
    pub fn of_event(event: &Event) -> Option<Self> {
        match event {
            Event::RedeemReward {
                reward_id,
                coupon_id,
            } => Some(Self::RedeemReward {
                reward_id: reward_id.clone(),
                coupon_id: coupon_id.clone(),
            }),
            Event::JoinChallenge { challenge_id } => Some(Self::JoinChallenge {
                challenge_id: challenge_id.clone(),
            }),
            Event::ActivateOffer { message_id, .. } => Some(Self::ActivateOffer {
                message_id: message_id.clone(),
            }),
            _ => None,
        }
    }
}

/// One keyed action of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionItem {
    /// Client-generated, 1–128 bytes; retrying with it is always safe.
    pub idempotency_key: String,
    /// The action.
    pub action: ClientAction,
}

/// `POST /v1/me/actions` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionBatch {
    /// At most 100 actions.
    pub actions: Vec<ActionItem>,
}

/// What the server did with one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Applied now.
    Applied,
    /// Applied before under the same key; the original result.
    Duplicate,
    /// Refused (the `error` says why); stays refused.
    Rejected,
}

/// One result of `POST /v1/me/actions`, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionResult {
    /// The action's key.
    pub idempotency_key: String,
    /// What happened.
    pub status: ActionStatus,
    /// The event it became (wallet actions that were applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// Why it was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl ActionResult {
    /// Applied (or `duplicate` when `seen` before) as event `seq`, if any.
    pub fn applied(idempotency_key: &str, seq: Option<i64>, seen: bool) -> Self {
        Self {
            idempotency_key: idempotency_key.to_string(),
            status: if seen {
                ActionStatus::Duplicate
            } else {
                ActionStatus::Applied
            },
            seq,
            error: None,
        }
    }

    /// Refused with `error`.
    pub fn rejected(idempotency_key: &str, error: ErrorBody) -> Self {
        Self {
            idempotency_key: idempotency_key.to_string(),
            status: ActionStatus::Rejected,
            seq: None,
            error: Some(error),
        }
    }
}

/// `POST /v1/me/actions` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionResults {
    /// One per action, in order.
    pub results: Vec<ActionResult>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_match_the_documented_json() {
        let r = ActionResult::applied("k", Some(12), false);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"idempotency_key": "k", "status": "applied", "seq": 12})
        );
        let r = ActionResult::applied("k", None, false);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"idempotency_key": "k", "status": "applied"})
        );
        let r = ActionResult::rejected(
            "k",
            ErrorBody {
                code: "offer_expired".into(),
                message: "m".into(),
            },
        );
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"idempotency_key": "k", "status": "rejected",
                   "error": {"code": "offer_expired", "message": "m"}})
        );
        let item: ActionItem = serde_json::from_value(json!(
            {"idempotency_key": "a", "action": {"inbox_read": {"message_id": "o-1"}}}))
        .unwrap();
        assert_eq!(
            item.action,
            ClientAction::InboxRead {
                message_id: "o-1".into()
            }
        );
        assert!(
            serde_json::from_value::<ActionItem>(json!(
                {"idempotency_key": "a", "action": {"inbox_read": {"message_id": "o", "x": 1}}}))
            .is_err()
        );
    }

    #[test]
    fn a_malformed_page_is_refused_as_network() {
        let ok = json!({"events": [{"seq": 1, "at": "2026-06-01T00:00:00Z",
            "event": {"tick": {}}, "idempotency_key": null}],
            "messages": [], "program": null, "server_time": "2026-06-01T00:00:00Z",
            "digest": null, "next_cursor": "1:0", "has_more": false});
        let page = SyncPage::parse(ok.clone()).unwrap();
        assert_eq!(page.events[0].seq, 1);
        for (field, bad) in [
            ("has_more", json!("no")),
            ("server_time", json!("yesterday")),
            (
                "events",
                json!([{"seq": 0, "at": "2026-06-01T00:00:00Z", "event": {"tick": {}}, "idempotency_key": null}]),
            ),
            ("next_cursor", json!(5)),
            ("messages", json!({})),
        ] {
            let mut page = ok.clone();
            page[field] = bad;
            let e = SyncPage::parse(page).unwrap_err();
            assert_eq!(e.code(), "network", "{field}: {e}");
        }
    }

    #[test]
    fn storage_failures_are_infrastructure_rule_refusals_are_rejections() {
        assert_eq!(
            Failure::of(&LoyaltyError::Storage { reason: "x".into() }),
            Failure::Infrastructure
        );
        assert_eq!(
            Failure::of(&LoyaltyError::Overflow { what: "x" }),
            Failure::Infrastructure
        );
        assert!(Failure::is_rejection(&LoyaltyError::NoCard));
    }
}

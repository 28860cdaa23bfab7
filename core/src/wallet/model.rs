//! The wallet's records: the events a wallet accepts, lots, receipts,
//! coupons, the ledger, the running totals, notices and the purchase quote.

use serde::{Deserialize, Serialize};

use crate::goals::model::CountedIn;
pub use crate::kernel::coupon::{CouponBenefit, CouponScope};
use crate::kernel::ids::NoticeId;
use crate::kernel::time::Time;

/// One event applied to a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// A purchase at the till.
    Purchase(PurchaseInput),
    /// A (partial) return of an earlier purchase.
    Return(ReturnInput),
    /// Buying a reward coupon with points.
    RedeemReward {
        /// Reward id from the program.
        reward_id: String,
        /// Id the new coupon gets (chosen by the caller, unique per wallet).
        coupon_id: String,
    },
    /// A configured bonus.
    Bonus {
        /// Which bonus.
        kind: BonusKind,
        /// The key of a `per_key` custom bonus (a survey's quarter, an
        /// event's id): granted once per distinct key. Refused for every other bonus.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// Time passes: only expiry happens.
    Tick {},
    /// Activating an inbox offer: its coupon enters the wallet as `offer:<message_id>`.
    ActivateOffer {
        /// The offer message.
        message_id: String,
        /// What the coupon gives.
        benefit: CouponBenefit,
        /// The lines it applies to and the spend it needs (absent: unscoped).
        #[serde(default, skip_serializing_if = "CouponScope::is_unscoped")]
        scope: CouponScope,
        /// When the coupon expires (epoch milliseconds).
        valid_until_ms: i64,
    },
    /// Joining an opt-in challenge.
    JoinChallenge {
        /// Challenge id.
        challenge_id: String,
    },
}

impl Event {
    /// Short name of the event kind, for logs and the event log.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Purchase(_) => "purchase",
            Event::Return(_) => "return",
            Event::RedeemReward { .. } => "redeem_reward",
            Event::Bonus { .. } => "bonus",
            Event::Tick {} => "tick",
            Event::JoinChallenge { .. } => "join_challenge",
            Event::ActivateOffer { .. } => "activate_offer",
        }
    }
}

/// A purchase as the till reports it. Amounts are decimal strings, validated by the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurchaseInput {
    /// Unique receipt id.
    pub receipt_id: String,
    /// Receipt lines.
    pub lines: Vec<LineInput>,
    /// Coupon to apply, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon: Option<String>,
    /// Points to pay with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_points: Option<i64>,
}

/// One purchase line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// Stock-keeping unit.
    pub sku: String,
    /// Product category (matched against excluded categories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Quantity, at least 1.
    pub qty: i64,
    /// Line total as a decimal string ("1500.00").
    pub amount: String,
}

/// A return of items from an earlier receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// The original receipt.
    pub receipt_id: String,
    /// What comes back.
    pub lines: Vec<ReturnLineInput>,
}

/// One returned sku.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    /// Sku as on the receipt.
    pub sku: String,
    /// Quantity returned, at least 1.
    pub qty: i64,
}

/// Kinds of bonus: the three built in, or one the program defines
/// (`bonuses.custom[].id`). Written as its name (`"welcome"`, `"survey"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum BonusKind {
    /// Once ever.
    Welcome,
    /// Once per local calendar year.
    Birthday,
    /// Any number of times.
    Referral,
    /// A bonus the program defines, by its id (never one of the three names above).
    Custom(String),
}

impl BonusKind {
    /// The names of the built-in kinds, which no custom bonus may take.
    pub const BUILT_IN: [&'static str; 3] = ["welcome", "birthday", "referral"];

    /// Stable name.
    pub fn as_str(&self) -> &str {
        match self {
            BonusKind::Welcome => "welcome",
            BonusKind::Birthday => "birthday",
            BonusKind::Referral => "referral",
            BonusKind::Custom(id) => id,
        }
    }

    /// Parses a stable name: a built-in kind, else a custom bonus id
    /// (`None` when it is not a valid id).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "welcome" => Some(BonusKind::Welcome),
            "birthday" => Some(BonusKind::Birthday),
            "referral" => Some(BonusKind::Referral),
            _ if crate::kernel::ids::id_problem(s).is_none() => Some(BonusKind::Custom(s.into())),
            _ => None,
        }
    }
}

impl From<BonusKind> for String {
    fn from(kind: BonusKind) -> Self {
        kind.as_str().to_string()
    }
}

impl TryFrom<String> for BonusKind {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).ok_or_else(|| {
            format!(
                "bonus kind {}",
                crate::kernel::ids::id_problem(&s).unwrap_or("is not valid")
            )
        })
    }
}

/// Where a lot's points came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LotSource {
    /// Earned by a purchase.
    Purchase,
    /// A bonus.
    Bonus,
    /// Paid points given back by a return.
    Refund,
    /// A challenge reward.
    Challenge,
}

impl LotSource {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            LotSource::Purchase => "purchase",
            LotSource::Bonus => "bonus",
            LotSource::Refund => "refund",
            LotSource::Challenge => "challenge",
        }
    }

    /// Parses a stable name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "purchase" => Some(LotSource::Purchase),
            "bonus" => Some(LotSource::Bonus),
            "refund" => Some(LotSource::Refund),
            "challenge" => Some(LotSource::Challenge),
            _ => None,
        }
    }
}

/// A batch of points credited together, spent earliest-expiry first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// Store-assigned id (creation order).
    pub id: i64,
    /// Origin.
    pub source: LotSource,
    /// Receipt that created it (purchase or refund lots).
    pub receipt_id: Option<String>,
    /// Points credited.
    pub points: i64,
    /// Points still available.
    pub remaining: i64,
    /// When it was credited.
    pub earned_at: Time,
    /// When it expires; `None`: never.
    pub expires_at: Option<Time>,
}

/// A lot to create (the store assigns the id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLot {
    /// Origin.
    pub source: LotSource,
    /// Receipt that created it.
    pub receipt_id: Option<String>,
    /// Points credited.
    pub points: i64,
    /// Points left after paying debt.
    pub remaining: i64,
    /// When it was credited.
    pub earned_at: Time,
    /// When it expires.
    pub expires_at: Option<Time>,
}

/// A recorded purchase with everything a return needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Receipt id.
    pub id: String,
    /// Purchase time.
    pub at: Time,
    /// Lines as bought.
    pub lines: Vec<ReceiptLine>,
    /// E: total of eligible lines.
    pub eligible: i64,
    /// X: total of excluded lines.
    pub excluded: i64,
    /// D1.
    pub tier_discount: i64,
    /// D2.
    pub coupon_discount: i64,
    /// Coupon used.
    pub coupon_id: Option<String>,
    /// Points paid.
    pub points_paid: i64,
    /// Points earned.
    pub points_earned: i64,
    /// Money payable.
    pub payable: i64,
    /// Qualifying contribution E + X − D1 − D2.
    pub contribution: i64,
    /// Returns so far.
    pub returned: ReturnTotals,
    /// The challenges (and periods) this purchase counted in.
    pub counted: Vec<CountedIn>,
}

/// Cumulative return figures of a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReturnTotals {
    /// Eligible amount returned so far.
    pub eligible: i64,
    /// Whole amount (eligible + excluded) returned so far.
    pub total: i64,
    /// Earned points reversed so far.
    pub reversed_points: i64,
    /// Paid points refunded so far.
    pub refunded_points: i64,
    /// Qualifying contribution removed so far.
    pub contribution: i64,
}

/// One line of a recorded receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    /// Sku.
    pub sku: String,
    /// Category.
    pub category: Option<String>,
    /// Quantity bought.
    pub qty: i64,
    /// Line total in minor units.
    pub amount: i64,
    /// Whether the line earns (not in an excluded category).
    pub eligible: bool,
    /// Quantity returned so far.
    pub returned_qty: i64,
}

/// A coupon in the wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// Coupon id.
    pub id: String,
    /// Where it came from (reward id).
    pub source: String,
    /// Its benefit.
    pub benefit: CouponBenefit,
    /// The lines it applies to and the spend it needs.
    pub scope: CouponScope,
    /// Issue time.
    pub issued_at: Time,
    /// First instant it is no longer valid.
    pub expires_at: Time,
    /// When it was used, if it was.
    pub used_at: Option<Time>,
}

/// Running totals of a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Points remaining in lots not yet expired by an applied event.
    pub live_points: i64,
    /// Points owed (after returns reversed more than was left).
    pub debt: i64,
    /// Points earned by purchases and bonuses, minus reversals.
    pub lifetime_earned: i64,
    /// Points lost to expiry (applied by events).
    pub expired_total: i64,
    /// Time of the last applied event.
    pub last_event_at: Option<Time>,
}

/// Kinds of ledger entries (the history screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerKind {
    /// Points earned by a purchase.
    Earn,
    /// Points paid at a purchase.
    Pay,
    /// Earned points taken back by a return.
    Reverse,
    /// Paid points given back by a return.
    Refund,
    /// Points spent on a reward.
    Redeem,
    /// A bonus.
    Bonus,
    /// Points expired.
    Expire,
    /// A challenge reward.
    Challenge,
    /// A challenge reward taken back after a return.
    Clawback,
}

impl LedgerKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Earn => "earn",
            LedgerKind::Pay => "pay",
            LedgerKind::Reverse => "reverse",
            LedgerKind::Refund => "refund",
            LedgerKind::Redeem => "redeem",
            LedgerKind::Bonus => "bonus",
            LedgerKind::Expire => "expire",
            LedgerKind::Challenge => "challenge",
            LedgerKind::Clawback => "clawback",
        }
    }

    /// Parses a stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "earn" => LedgerKind::Earn,
            "pay" => LedgerKind::Pay,
            "reverse" => LedgerKind::Reverse,
            "refund" => LedgerKind::Refund,
            "redeem" => LedgerKind::Redeem,
            "bonus" => LedgerKind::Bonus,
            "expire" => LedgerKind::Expire,
            "challenge" => LedgerKind::Challenge,
            "clawback" => LedgerKind::Clawback,
            _ => return None,
        })
    }
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Store-assigned id, increasing.
    pub id: i64,
    /// When.
    pub at: Time,
    /// What.
    pub kind: LedgerKind,
    /// Signed points (+ credit, − debit).
    pub points: i64,
    /// What it refers to: receipt id, reward/coupon id or bonus kind.
    pub reference: Option<String>,
}

/// A history entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLedgerEntry {
    /// When.
    pub at: Time,
    /// What.
    pub kind: LedgerKind,
    /// Signed points.
    pub points: i64,
    /// What it refers to.
    pub reference: Option<String>,
}

/// A message the core writes to the inbox itself, once per id: what
/// happened, as data. Its wording is the inbox's (`inbox::wording`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Deterministic id saying what it announces (`badge:first:1`).
    pub id: NoticeId,
    /// When.
    pub at: Time,
    /// What the wording needs beyond the id.
    pub detail: NoticeDetail,
}

/// The facts of a notice that its id does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeDetail {
    /// Nothing more (challenge completed, badge earned, tier reached).
    None,
    /// Points of a lot expiring soon.
    Expiring {
        /// Points left in the lot.
        points: i64,
        /// When they expire.
        expires_at: Time,
    },
    /// An offline action the server refused.
    Rejected {
        /// What the action was.
        event: Event,
        /// The server's code.
        code: String,
        /// The server's reason.
        message: String,
    },
}

/// Which rule gives a purchase its discount (D1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountSource {
    /// The member's tier (`discount_percent`).
    Tier,
    /// `member_discount.percent`, every purchase.
    Member,
    /// `member_discount.first_purchase_percent`, the member's first purchase.
    FirstPurchase,
}

impl DiscountSource {
    /// Stable name (`tier`, `member`, `first_purchase`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tier => "tier",
            Self::Member => "member",
            Self::FirstPurchase => "first_purchase",
        }
    }
}

/// What a purchase gives, as the checkout screen and the till show it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PurchaseQuote {
    /// E: eligible amount.
    pub eligible: i64,
    /// X: excluded amount.
    pub excluded: i64,
    /// Tier used (the member's tier just before the purchase).
    pub tier: Option<String>,
    /// d: the purchase discount percent D1 used (hundredths of a percent).
    pub discount_percent: i64,
    /// Which rule gave d; `None` when d is 0.
    pub discount_source: Option<DiscountSource>,
    /// D1 (the purchase discount: tier, member or first purchase).
    pub tier_discount: i64,
    /// D2.
    pub coupon_discount: i64,
    /// Points the purchase pays with.
    pub points_paid: i64,
    /// Most points this purchase could be paid with.
    pub max_points_payable: i64,
    /// Money to pay.
    pub payable: i64,
    /// Points it earns.
    pub points_earned: i64,
}

impl PurchaseQuote {
    /// D1 + D2.
    pub fn discount(&self) -> i64 {
        self.tier_discount.saturating_add(self.coupon_discount)
    }
}

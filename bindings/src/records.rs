//! Plain records the apps render, converted from core types. Money is in
//! minor units (`*_minor`), times are epoch milliseconds.

pub use crate::coupons::CouponInfo;
use loyalty_core::card as core_card;
use loyalty_core::goals as core_goals;
use loyalty_core::inbox as core_inbox;
use loyalty_core::wallet as core_wallet;

/// The wallet screen.
#[derive(Debug, Clone, uniffi::Record)]
pub struct WalletSnapshot {
    /// Program currency (ISO 4217).
    pub currency: String,
    /// Spendable points (negative while a debt is owed).
    pub balance: i64,
    /// Points owed after returns.
    pub debt: i64,
    /// Points earned minus reversals.
    pub lifetime_earned: i64,
    /// Points lost to expiry.
    pub expired_total: i64,
    /// Qualifying spend in minor units.
    pub qualifying_spend_minor: i64,
    /// Current tier id.
    pub tier: Option<String>,
    /// Next tier id.
    pub next_tier: Option<String>,
    /// Qualifying spend the next tier needs, minor units (the progress bar's end).
    pub next_tier_threshold_minor: Option<i64>,
    /// Spend still needed for the next tier, minor units.
    pub next_tier_remaining_minor: Option<i64>,
    /// Points expiring within `expiring_days`.
    pub expiring_points: i64,
    /// Horizon of `expiring_points` in days.
    pub expiring_days: i64,
    /// When the next points expire, epoch milliseconds (null when none will).
    pub next_expiry_ms: Option<i64>,
    /// Active coupons, soonest expiry first.
    pub coupons: Vec<CouponInfo>,
    /// Newest history entries first.
    pub history: Vec<HistoryEntry>,
    /// Actions done on this device (redeems, joins, activations) that the
    /// server has not confirmed yet; the figures above already include them.
    pub pending_actions: u32,
    /// The current tier's perks, in order ("Free delivery"); empty without a tier.
    #[uniffi(default)]
    pub tier_perks: Vec<String>,
    /// The next tier's perks, in order ("reach Gold to get …"); empty at the top.
    #[uniffi(default)]
    pub next_tier_perks: Vec<String>,
    /// The discount the next purchase gets, hundredths of a percent (null: none).
    #[uniffi(default)]
    pub next_discount_percent_hundredths: Option<i64>,
    /// Where it comes from: `tier`, `member` or `first_purchase` (null: none).
    #[uniffi(default)]
    pub next_discount_source: Option<String>,
}

/// One history entry.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HistoryEntry {
    /// Increasing id.
    pub id: i64,
    /// When, epoch milliseconds.
    pub at_ms: i64,
    /// `earn`, `pay`, `reverse`, `refund`, `redeem`, `bonus`, `expire`, `challenge`, `clawback`.
    pub kind: String,
    /// Signed points.
    pub points: i64,
    /// Receipt, coupon, bonus or challenge it refers to.
    pub reference: Option<String>,
}

impl WalletSnapshot {
    pub(crate) fn new(s: &core_wallet::WalletSnapshot, pending_actions: usize) -> Self {
        let next = s.tier.as_ref().and_then(|t| t.next.as_ref());
        Self {
            currency: s.currency.clone(),
            balance: s.balance,
            debt: s.debt,
            lifetime_earned: s.lifetime_earned,
            expired_total: s.expired_total,
            qualifying_spend_minor: s.qualifying_spend,
            tier: s.tier.as_ref().map(|t| t.id.clone()),
            next_tier: next.map(|n| n.id.clone()),
            next_tier_threshold_minor: next.map(|n| n.threshold),
            next_tier_remaining_minor: next.map(|n| n.remaining),
            expiring_points: s.expiring.points,
            expiring_days: s.expiring.days,
            next_expiry_ms: s.expiring.next_expiry.map(|t| t.timestamp_millis()),
            coupons: s.coupons.iter().map(CouponInfo::from).collect(),
            history: s.history.iter().map(HistoryEntry::from).collect(),
            pending_actions: u32::try_from(pending_actions).unwrap_or(u32::MAX),
            tier_perks: s.tier.as_ref().map(|t| t.perks.clone()).unwrap_or_default(),
            next_tier_perks: next.map(|n| n.perks.clone()).unwrap_or_default(),
            next_discount_percent_hundredths: s.next_discount.map(|d| d.percent),
            next_discount_source: s.next_discount.map(|d| d.source.as_str().to_string()),
        }
    }
}

impl From<&core_wallet::LedgerEntry> for HistoryEntry {
    fn from(h: &core_wallet::LedgerEntry) -> Self {
        Self {
            id: h.id,
            at_ms: h.at.timestamp_millis(),
            kind: h.kind.as_str().to_string(),
            points: h.points,
            reference: h.reference.clone(),
        }
    }
}

/// A page of history.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HistoryPage {
    /// Entries, newest first.
    pub entries: Vec<HistoryEntry>,
    /// Pass as `before_id` for the next page; null on the last page.
    pub next_before_id: Option<i64>,
}

impl HistoryPage {
    pub(crate) fn new(entries: &[core_wallet::LedgerEntry], limit: usize) -> Self {
        let next_before_id = if limit > 0 && entries.len() == limit {
            entries.last().map(|e| e.id)
        } else {
            None
        };
        Self {
            entries: entries.iter().map(HistoryEntry::from).collect(),
            next_before_id,
        }
    }
}

/// One line of a shopping cart.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CartLine {
    /// Stock-keeping unit.
    pub sku: String,
    /// Product category (some are excluded from points).
    #[uniffi(default = None)]
    pub category: Option<String>,
    /// Quantity, at least 1.
    pub qty: i64,
    /// Line total in minor units (15000 = 150.00).
    pub amount_minor: i64,
}

/// A cart at checkout.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Cart {
    /// The lines.
    pub lines: Vec<CartLine>,
    /// Coupon to apply, by id.
    #[uniffi(default = None)]
    pub coupon_id: Option<String>,
    /// Points the shopper wants to pay with.
    #[uniffi(default = None)]
    pub pay_points: Option<i64>,
}

impl Cart {
    pub(crate) fn into_input(self) -> core_wallet::PurchaseInput {
        core_wallet::PurchaseInput {
            receipt_id: "preview".into(),
            lines: self
                .lines
                .into_iter()
                .map(|l| core_wallet::LineInput {
                    sku: l.sku,
                    category: l.category,
                    qty: l.qty,
                    amount: loyalty_core::kernel::money::format_minor(l.amount_minor),
                })
                .collect(),
            coupon: self.coupon_id,
            pay_points: self.pay_points,
        }
    }
}

/// What the checkout screen shows for a cart. Money in minor units.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PurchasePreview {
    /// Amount that earns points and takes discounts.
    pub eligible_minor: i64,
    /// Amount in excluded categories.
    pub excluded_minor: i64,
    /// Tier applied (the shopper's tier before this purchase).
    pub tier: Option<String>,
    /// Tier discount.
    pub tier_discount_minor: i64,
    /// Coupon discount.
    pub coupon_discount_minor: i64,
    /// Tier plus coupon discount.
    pub discount_minor: i64,
    /// Points the purchase pays with.
    pub points_paid: i64,
    /// Most points this cart could be paid with.
    pub max_points_payable: i64,
    /// Money left to pay.
    pub payable_minor: i64,
    /// Points the purchase earns.
    pub points_earned: i64,
    /// The purchase discount percent applied (tier, member or first
    /// purchase), hundredths of a percent.
    #[uniffi(default)]
    pub discount_percent_hundredths: i64,
    /// Where it comes from: `tier`, `member` or `first_purchase` (null: none).
    #[uniffi(default)]
    pub discount_source: Option<String>,
}

impl From<&core_wallet::PurchaseQuote> for PurchasePreview {
    fn from(q: &core_wallet::PurchaseQuote) -> Self {
        Self {
            eligible_minor: q.eligible,
            excluded_minor: q.excluded,
            tier: q.tier.clone(),
            tier_discount_minor: q.tier_discount,
            coupon_discount_minor: q.coupon_discount,
            discount_minor: q.discount(),
            points_paid: q.points_paid,
            max_points_payable: q.max_points_payable,
            payable_minor: q.payable,
            points_earned: q.points_earned,
            discount_percent_hundredths: q.discount_percent,
            discount_source: q.discount_source.map(|d| d.as_str().to_string()),
        }
    }
}

/// A challenge in the list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ChallengeInfo {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `active`, `available`, `upcoming`, `completed`, `expired`.
    pub status: String,
    /// Progress (whole currency units for spend).
    pub progress: i64,
    /// Target (same units).
    pub target: i64,
    /// Completions so far.
    pub completions: i64,
    /// Seconds until it ends, if it has an end.
    pub seconds_left: Option<i64>,
    /// Reward description (English; apps word `reward_info` themselves).
    pub reward: Option<String>,
    /// The reward, for the app to word in the shopper's language.
    pub reward_info: Option<RewardInfo>,
}

/// What completing a challenge gives.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RewardInfo {
    /// Points.
    Points {
        /// How many.
        points: i64,
    },
    /// A coupon: a percent off or an amount off, valid for some days.
    Coupon {
        /// Percent off in hundredths (`1500` = 15 %), when a percent coupon.
        percent_hundredths: Option<i64>,
        /// Amount off in minor units, when an amount coupon.
        amount_off_minor: Option<i64>,
        /// Days it stays valid after it is issued.
        valid_days: i64,
        /// Only items of this category (null: any category).
        #[uniffi(default)]
        category: Option<String>,
        /// Only these skus (empty: any sku).
        #[uniffi(default)]
        skus: Vec<String>,
        /// Only one item: the priciest unit among those it applies to.
        #[uniffi(default)]
        one_item: bool,
        /// The receipt's eligible total must be at least this, minor units (null: none).
        #[uniffi(default)]
        min_spend_minor: Option<i64>,
    },
    /// A badge.
    Badge {
        /// The badge's id (its title is in `badges()`).
        badge_id: String,
    },
}

impl From<&loyalty_core::goals::model::ChallengeReward> for RewardInfo {
    fn from(r: &loyalty_core::goals::model::ChallengeReward) -> Self {
        use loyalty_core::goals::model::ChallengeReward as R;
        use loyalty_core::kernel::coupon::CouponBenefit as B;
        match r {
            R::Points(points) => Self::Points { points: *points },
            R::Coupon(c) => Self::Coupon {
                percent_hundredths: match c.benefit {
                    B::Percent(p) => Some(p),
                    B::AmountOff(_) => None,
                },
                amount_off_minor: match c.benefit {
                    B::AmountOff(a) => Some(a),
                    B::Percent(_) => None,
                },
                valid_days: c.valid_days,
                category: c.scope.category.clone(),
                skus: c.scope.skus.clone(),
                one_item: c.scope.one_item,
                min_spend_minor: c.scope.min_spend,
            },
            R::Badge(b) => Self::Badge {
                badge_id: b.clone(),
            },
        }
    }
}

impl From<&core_goals::ChallengeView> for ChallengeInfo {
    fn from(c: &core_goals::ChallengeView) -> Self {
        Self {
            id: c.id.clone(),
            title: c.title.clone(),
            status: c.status.as_str().to_string(),
            progress: c.progress,
            target: c.target,
            completions: c.completions,
            seconds_left: c.seconds_left,
            reward: c.reward.clone(),
            reward_info: c.reward_detail.as_ref().map(RewardInfo::from),
        }
    }
}

/// A badge in the list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BadgeInfo {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Earned level (0 = not yet).
    pub level: u32,
    /// Number of levels.
    pub levels: u32,
    /// When the current level was earned, epoch milliseconds.
    pub earned_at_ms: Option<i64>,
    /// Current value of the goal.
    pub progress: i64,
    /// Value needed for the next level.
    pub next_threshold: Option<i64>,
}

impl From<&core_goals::BadgeView> for BadgeInfo {
    fn from(b: &core_goals::BadgeView) -> Self {
        Self {
            id: b.id.clone(),
            title: b.title.clone(),
            level: b.level,
            levels: b.levels,
            earned_at_ms: b.earned_at.map(|t| t.timestamp_millis()),
            progress: b.progress,
            next_threshold: b.next_threshold,
        }
    }
}

/// An inbox message.
#[derive(Debug, Clone, uniffi::Record)]
pub struct InboxMessage {
    /// Message id.
    pub id: String,
    /// `offer` or `message`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// `unread`, `read` or `dismissed`.
    pub state: String,
    /// Shown first.
    pub pinned: bool,
    /// Whether it carries a coupon to activate.
    pub has_coupon: bool,
    /// Whether its coupon was activated.
    pub activated: bool,
    /// App link or https link.
    pub deep_link: Option<String>,
    /// https image.
    pub image_url: Option<String>,
    /// Arrival, epoch milliseconds.
    pub received_at_ms: i64,
    /// Expiry, epoch milliseconds.
    pub expires_at_ms: Option<i64>,
}

impl From<&core_inbox::Message> for InboxMessage {
    fn from(m: &core_inbox::Message) -> Self {
        let c = &m.content;
        Self {
            id: c.id.clone(),
            kind: c.kind.as_str().to_string(),
            title: c.title.clone(),
            body: c.body.clone(),
            state: m.state.as_str().to_string(),
            pinned: c.pinned,
            has_coupon: c.coupon.is_some(),
            activated: m.activated_at.is_some(),
            deep_link: c.deep_link.clone(),
            image_url: c.image_url.clone(),
            received_at_ms: m.received_at.timestamp_millis(),
            expires_at_ms: c.expires_at.map(|t| t.timestamp_millis()),
        }
    }
}

/// What ingesting a push did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PushOutcome {
    /// Stored and shown.
    New {
        /// The message id.
        message_id: String,
    },
    /// Already stored.
    Duplicate,
    /// Already expired (stored hidden).
    Expired,
    /// A kind the core does not handle.
    Ignored,
}

impl From<&core_inbox::PushOutcome> for PushOutcome {
    fn from(o: &core_inbox::PushOutcome) -> Self {
        match o {
            core_inbox::PushOutcome::New(m) => Self::New {
                message_id: m.content.id.clone(),
            },
            core_inbox::PushOutcome::Duplicate => Self::Duplicate,
            core_inbox::PushOutcome::Expired => Self::Expired,
            core_inbox::PushOutcome::Ignored => Self::Ignored,
        }
    }
}

/// The static card number as a linear barcode.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LinearBarcode {
    /// `ean13` or `code128`.
    pub symbology: String,
    /// The encoded text (printed under the bars).
    pub text: String,
    /// Bar, space, bar, … widths in modules, starting with a bar.
    pub widths: Vec<u8>,
    /// Light modules to leave on each side.
    pub quiet_zone: u32,
}

impl From<&core_card::LinearBarcode> for LinearBarcode {
    fn from(b: &core_card::LinearBarcode) -> Self {
        Self {
            symbology: match b.kind {
                core_card::LinearKind::Ean13 => "ean13",
                core_card::LinearKind::Code128 => "code128",
            }
            .into(),
            text: b.text.clone(),
            widths: b.widths.clone(),
            quiet_zone: u32::try_from(b.quiet_zone).unwrap_or(u32::MAX),
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Offline actions the server applied (or had applied before).
    pub actions_sent: u32,
    /// Offline actions the server refused: rolled back here, explained in the inbox.
    pub actions_rejected: u32,
    /// New server events (purchases, returns, bonuses) applied.
    pub events_applied: u32,
    /// Inbox messages received.
    pub messages: u32,
    /// Figures that differed from the server's (the server's are shown from now on).
    pub mismatches: Vec<String>,
    /// The server sent new program rules (tiers, rewards, challenges, card settings).
    pub program_updated: bool,
    /// What the sync did about the device's LOY2 credential.
    pub credential: crate::card::CredentialStatus,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl SyncReport {
    pub(crate) fn new(r: &loyalty_core::session::SessionSyncReport) -> Self {
        let program_updated = r.program_updated;
        let credential = (&r.credential).into();
        let r = &r.report;
        Self {
            program_updated,
            credential,
            actions_sent: count(r.actions_sent),
            actions_rejected: count(r.actions_rejected),
            events_applied: count(r.events_applied),
            messages: count(r.messages),
            mismatches: r.mismatches.clone(),
        }
    }
}

/// A member enrolled on the dev server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Enrollment {
    /// The server's member id.
    pub member_id: String,
    /// Last four digits of the card number (the only part safe to log).
    pub card_last4: String,
}

/// What signing out did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignOutReport {
    /// Why the last sync failed, if it did.
    pub last_sync_error: Option<String>,
    /// Offline actions lost because the last sync failed.
    pub unsent_actions_dropped: u32,
}

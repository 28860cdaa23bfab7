//! The one error type of the core, with stable snake_case codes.
//!
//! Every failure the core reports carries a `code()` that never changes between
//! releases (scenario files, the CLI and the mobile bindings match on it) and a
//! message that tells the caller what to fix. Messages never contain secrets.

use thiserror::Error;

/// Result alias used across the core.
pub type Result<T, E = LoyaltyError> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
///
/// A failed operation never changes stored state.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoyaltyError {
    /// The program rules JSON is malformed or makes no sense.
    #[error("invalid program rules: {field}: {reason}")]
    InvalidRules {
        /// Dotted path of the offending field (`earn.rule.per_step.step`).
        field: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The store has no program rules yet.
    #[error("no program rules are loaded: set the program before applying events")]
    NoProgram,
    /// A money amount in an event is not a valid non-negative decimal with at most 2 fraction digits.
    #[error("invalid amount in {field}: {reason}")]
    InvalidAmount {
        /// Which field carried the bad amount.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A line quantity is below 1.
    #[error("invalid quantity in {field}: {qty} (must be at least 1)")]
    InvalidQuantity {
        /// Which field carried the bad quantity.
        field: String,
        /// The quantity given.
        qty: i64,
    },
    /// A points figure in an event is negative.
    #[error("invalid points in {field}: {points} (must be zero or more)")]
    InvalidPoints {
        /// Which field carried the bad figure.
        field: String,
        /// The figure given.
        points: i64,
    },
    /// An identifier is empty or too long.
    #[error("invalid id in {field}: {reason}")]
    InvalidId {
        /// Which field carried the bad id.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A purchase or return without lines.
    #[error("the receipt has no lines")]
    EmptyReceipt,
    /// A purchase with a receipt id that was already recorded.
    #[error("receipt {receipt_id} was already recorded")]
    DuplicateReceipt {
        /// The repeated receipt id.
        receipt_id: String,
    },
    /// A return for a receipt that was never recorded.
    #[error("receipt {receipt_id} is unknown")]
    UnknownReceipt {
        /// The receipt id the return named.
        receipt_id: String,
    },
    /// A return for more items than were bought (and not yet returned).
    #[error("return of {sku} x{requested} exceeds the {remaining} left on receipt {receipt_id}")]
    ReturnExceedsPurchase {
        /// The receipt.
        receipt_id: String,
        /// The sku returned.
        sku: String,
        /// Quantity asked to return.
        requested: i64,
        /// Quantity still returnable.
        remaining: i64,
    },
    /// The coupon id is not in the wallet.
    #[error("coupon {coupon_id} is not in the wallet")]
    CouponNotFound {
        /// The coupon id.
        coupon_id: String,
    },
    /// The coupon was already used on another purchase.
    #[error("coupon {coupon_id} was already used")]
    CouponUsed {
        /// The coupon id.
        coupon_id: String,
    },
    /// The coupon's validity ended.
    #[error("coupon {coupon_id} has expired")]
    CouponExpired {
        /// The coupon id.
        coupon_id: String,
    },
    /// The coupon's scope does not fit the receipt: no line it applies to,
    /// or an eligible total below its minimum spend. The coupon stays unused.
    #[error("coupon {coupon_id} does not apply to this receipt: {reason}")]
    CouponNotApplicable {
        /// The coupon id.
        coupon_id: String,
        /// What the receipt lacks (the lines it applies to, or the spend it needs).
        reason: String,
    },
    /// A coupon with this id already exists.
    #[error("a coupon with id {coupon_id} already exists")]
    DuplicateCoupon {
        /// The coupon id.
        coupon_id: String,
    },
    /// The reward id is not in the program.
    #[error("reward {reward_id} is not in the program")]
    UnknownReward {
        /// The reward id.
        reward_id: String,
    },
    /// Not enough points for the operation.
    #[error("not enough points: {needed} needed, {available} available")]
    InsufficientPoints {
        /// Points the operation needs.
        needed: i64,
        /// Points the member has.
        available: i64,
    },
    /// Paying this many points exceeds the program's redemption cap for the purchase.
    #[error("paying {requested} points exceeds the cap of {max_points} points for this purchase")]
    RedemptionCapExceeded {
        /// Points the purchase asked to pay.
        requested: i64,
        /// The most points this purchase can be paid with.
        max_points: i64,
    },
    /// A one-off bonus was already granted (welcome ever, birthday this year).
    #[error("the {kind} bonus was already granted")]
    BonusAlreadyGranted {
        /// Bonus kind.
        kind: String,
    },
    /// The program gives no bonus of this kind.
    #[error("the program has no {kind} bonus")]
    BonusNotConfigured {
        /// Bonus kind.
        kind: String,
    },
    /// A card number is malformed or fails its check digit.
    #[error("invalid card number: {reason}")]
    InvalidCardNumber {
        /// What is wrong with it.
        reason: String,
    },
    /// A card secret is malformed or too short (the secret itself is never shown).
    #[error("invalid card secret: {reason}")]
    InvalidSecret {
        /// What is wrong with it.
        reason: String,
    },
    /// A card setting (template, algorithm, digits, period, barcode) is invalid.
    #[error("invalid card setting {field}: {reason}")]
    InvalidCardConfig {
        /// The setting.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A barcode or image cannot be produced for this input.
    #[error("cannot draw the barcode: {reason}")]
    Barcode {
        /// Why.
        reason: String,
    },
    /// No card is enrolled in this wallet yet.
    #[error("no card is enrolled; enroll a card number and secret first")]
    NoCard,
    /// The platform secret store failed.
    #[error("the secret store failed: {reason}")]
    SecretStore {
        /// What the platform reported (never the secret).
        reason: String,
    },
    /// The challenge id is not in the program.
    #[error("challenge {challenge_id} is not in the program")]
    UnknownChallenge {
        /// The challenge id.
        challenge_id: String,
    },
    /// The member already joined this challenge.
    #[error("challenge {challenge_id} was already joined")]
    AlreadyJoined {
        /// The challenge id.
        challenge_id: String,
    },
    /// The challenge cannot be joined now (not opt-in, not started, or ended).
    #[error("challenge {challenge_id} cannot be joined: {reason}")]
    ChallengeNotOpen {
        /// The challenge id.
        challenge_id: String,
        /// Why.
        reason: String,
    },
    /// A push payload is malformed, too large or unsafe.
    #[error("invalid push: {field}: {reason}")]
    InvalidPush {
        /// The offending field (`payload` for the whole).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// No message with this id is in the inbox.
    #[error("message {message_id} is not in the inbox")]
    UnknownMessage {
        /// The id.
        message_id: String,
    },
    /// The message carries no coupon to activate.
    #[error("message {message_id} is not an offer with a coupon")]
    NotAnOffer {
        /// The id.
        message_id: String,
    },
    /// The offer was already activated.
    #[error("offer {message_id} was already activated")]
    AlreadyActivated {
        /// The id.
        message_id: String,
    },
    /// The offer has expired.
    #[error("offer {message_id} has expired")]
    OfferExpired {
        /// The id.
        message_id: String,
    },
    /// The device's clock is too far from the server's for card codes to
    /// work: the shopper should check the phone's date and time.
    #[error(
        "the device's clock is {hours} hours from the server's (at most 24 are accepted); check the phone's date, time and time zone"
    )]
    ClockSkew {
        /// Whole hours between the clocks (server minus device).
        hours: i64,
    },
    /// The server could not be reached or answered garbage.
    #[error("network: {reason}")]
    Network {
        /// What happened (no URL query, no token).
        reason: String,
    },
    /// The server answered with an error.
    #[error("the server refused ({status} {code}): {reason}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's error code.
        code: String,
        /// The server's message.
        reason: String,
    },
    /// A computation left the range of 64-bit integers.
    #[error("arithmetic overflow while computing {what}")]
    Overflow {
        /// Which figure overflowed.
        what: &'static str,
    },
    /// The database was written by a newer version of this library.
    #[error(
        "the database schema version {found} is newer than this library supports ({supported}); update the app"
    )]
    SchemaTooNew {
        /// Schema version found in the file.
        found: i64,
        /// Newest schema version this build knows.
        supported: i64,
    },
    /// The file is not a database of this library (or is corrupt).
    #[error("{path} is not a loyalty database or is corrupt: {reason}")]
    NotADatabase {
        /// The file path.
        path: String,
        /// What SQLite reported.
        reason: String,
    },
    /// The app's client configuration is unusable.
    #[error("invalid configuration: {field}: {reason}")]
    InvalidConfig {
        /// The configuration field.
        field: String,
        /// What is wrong and what to use instead.
        reason: String,
    },
    /// A wallet that already holds a member cannot enroll another one.
    #[error("this wallet already holds a member's card; sign out first or use another data folder")]
    AlreadyEnrolled,
    /// No server is configured for this wallet.
    #[error("no server URL is configured; set one in the client configuration or enroll first")]
    NoServer,
    /// The app's token provider could not hand out an access token.
    #[error("the token provider failed: {reason}")]
    TokenUnavailable {
        /// What the provider reported.
        reason: String,
    },
    /// The operation was interrupted before it finished (nothing half-done is kept).
    #[error("the operation was interrupted: {reason}")]
    Interrupted {
        /// What stopped it.
        reason: String,
    },
    /// The wallet file could not be read or written: a read-only folder,
    /// missing permissions, an I/O error, a lock held too long.
    #[error("storage error: {reason}")]
    Storage {
        /// What SQLite reported, and what to check.
        reason: String,
    },
    /// The device has no space left for the wallet to grow.
    #[error("the device is out of storage space; free some space and try again ({reason})")]
    StorageFull {
        /// What SQLite reported.
        reason: String,
    },
    /// Data in the store does not match what this library wrote.
    #[error("stored data is inconsistent: {reason}")]
    Corrupt {
        /// What was found.
        reason: String,
    },
    /// A wallet pass (Google Wallet, Apple Wallet) cannot be made from this input.
    #[error("cannot make the wallet pass: {field}: {reason}")]
    InvalidPass {
        /// The input field (`issuer_id`, `logo_url`, `background_color`, …).
        field: String,
        /// What is wrong and what to give instead.
        reason: String,
    },
    /// The token for a static Apple Wallet barcode is not one to print on a
    /// pass: not a LOY2 credential, one that can redeem, or another card's.
    #[error("the Apple Wallet pass token is refused: {reason}")]
    PassTokenRefused {
        /// Why, and what the server should issue instead.
        reason: String,
    },
    /// A leaderboard display name is not 2–24 letters, digits, spaces or `._-`.
    #[error("invalid display name: {reason}")]
    InvalidDisplayName {
        /// What is wrong with it.
        reason: String,
    },
    /// Another member of the program already shows this display name (ignoring case).
    #[error("the display name \"{name}\" is taken; choose another")]
    NameTaken {
        /// The name asked for (already cleaned).
        name: String,
    },
}

impl LoyaltyError {
    /// The stable snake_case code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRules { .. } => "invalid_rules",
            Self::NoProgram => "no_program",
            Self::InvalidAmount { .. } => "invalid_amount",
            Self::InvalidQuantity { .. } => "invalid_quantity",
            Self::InvalidPoints { .. } => "invalid_points",
            Self::InvalidId { .. } => "invalid_id",
            Self::EmptyReceipt => "empty_receipt",
            Self::DuplicateReceipt { .. } => "duplicate_receipt",
            Self::UnknownReceipt { .. } => "unknown_receipt",
            Self::ReturnExceedsPurchase { .. } => "return_exceeds_purchase",
            Self::CouponNotFound { .. } => "coupon_not_found",
            Self::CouponUsed { .. } => "coupon_used",
            Self::CouponExpired { .. } => "coupon_expired",
            Self::CouponNotApplicable { .. } => "coupon_not_applicable",
            Self::DuplicateCoupon { .. } => "duplicate_coupon",
            Self::UnknownReward { .. } => "unknown_reward",
            Self::InsufficientPoints { .. } => "insufficient_points",
            Self::RedemptionCapExceeded { .. } => "redemption_cap_exceeded",
            Self::BonusAlreadyGranted { .. } => "bonus_already_granted",
            Self::BonusNotConfigured { .. } => "bonus_not_configured",
            Self::InvalidCardNumber { .. } => "invalid_card_number",
            Self::InvalidSecret { .. } => "invalid_secret",
            Self::InvalidCardConfig { .. } => "invalid_card_config",
            Self::Barcode { .. } => "barcode",
            Self::NoCard => "no_card",
            Self::SecretStore { .. } => "secret_store",
            Self::UnknownChallenge { .. } => "unknown_challenge",
            Self::AlreadyJoined { .. } => "already_joined",
            Self::ChallengeNotOpen { .. } => "challenge_not_open",
            Self::InvalidPush { .. } => "invalid_push",
            Self::UnknownMessage { .. } => "unknown_message",
            Self::NotAnOffer { .. } => "not_an_offer",
            Self::AlreadyActivated { .. } => "already_activated",
            Self::OfferExpired { .. } => "offer_expired",
            Self::ClockSkew { .. } => "clock_skew",
            Self::Network { .. } => "network",
            Self::Server { .. } => "server",
            Self::Overflow { .. } => "overflow",
            Self::SchemaTooNew { .. } => "schema_too_new",
            Self::NotADatabase { .. } => "not_a_database",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::AlreadyEnrolled => "already_enrolled",
            Self::NoServer => "no_server",
            Self::TokenUnavailable { .. } => "token_unavailable",
            Self::Interrupted { .. } => "interrupted",
            Self::Storage { .. } => "storage",
            Self::StorageFull { .. } => "storage_full",
            Self::Corrupt { .. } => "corrupt_store",
            Self::InvalidPass { .. } => "invalid_pass",
            Self::PassTokenRefused { .. } => "pass_token_refused",
            Self::InvalidDisplayName { .. } => "invalid_display_name",
            Self::NameTaken { .. } => "name_taken",
        }
    }

    /// An invalid-rules error naming `field`.
    pub fn rules(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidRules {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn amount(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidAmount {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Every code [`LoyaltyError::code`] can return, in declaration order: for
/// apps to prove each has a message (a test keeps it equal to the enum).
pub const ALL_CODES: &[&str] = &[
    "invalid_rules",
    "no_program",
    "invalid_amount",
    "invalid_quantity",
    "invalid_points",
    "invalid_id",
    "empty_receipt",
    "duplicate_receipt",
    "unknown_receipt",
    "return_exceeds_purchase",
    "coupon_not_found",
    "coupon_used",
    "coupon_expired",
    "coupon_not_applicable",
    "duplicate_coupon",
    "unknown_reward",
    "insufficient_points",
    "redemption_cap_exceeded",
    "bonus_already_granted",
    "bonus_not_configured",
    "invalid_card_number",
    "invalid_secret",
    "invalid_card_config",
    "barcode",
    "no_card",
    "secret_store",
    "unknown_challenge",
    "already_joined",
    "challenge_not_open",
    "invalid_push",
    "unknown_message",
    "not_an_offer",
    "already_activated",
    "offer_expired",
    "clock_skew",
    "network",
    "server",
    "overflow",
    "schema_too_new",
    "not_a_database",
    "invalid_config",
    "already_enrolled",
    "no_server",
    "token_unavailable",
    "interrupted",
    "storage",
    "storage_full",
    "corrupt_store",
    "invalid_pass",
    "pass_token_refused",
    "invalid_display_name",
    "name_taken",
];

/// How every `corrupt_store` error about damaged pages (SQLite's own
/// verdict, not a rule the core checks) begins: the store recognises these
/// and refuses every later write to the file.
pub const DAMAGED: &str = "the wallet file is damaged";

impl From<rusqlite::Error> for LoyaltyError {
    /// Classifies SQLite's result: a full disk and damaged pages have codes of
    /// their own; permissions, read-only folders and I/O say what to check;
    /// everything else is `storage`.
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        let reason = err.to_string();
        match err.sqlite_error_code() {
            Some(C::DiskFull) => Self::StorageFull { reason },
            Some(C::DatabaseCorrupt) => Self::Corrupt {
                reason: format!("{DAMAGED}: {reason}"),
            },
            Some(C::NotADatabase) => Self::NotADatabase {
                path: String::new(),
                reason,
            },
            Some(C::ReadOnly | C::PermissionDenied | C::CannotOpen) => Self::Storage {
                reason: format!(
                    "the wallet file cannot be written (a read-only folder or missing permissions?): {reason}"
                ),
            },
            Some(C::SystemIoFailure) => Self::Storage {
                reason: format!("the device could not read or write the wallet file: {reason}"),
            },
            Some(C::DatabaseBusy | C::DatabaseLocked) => Self::Storage {
                reason: format!("another process holds the wallet file; try again: {reason}"),
            },
            _ => Self::Storage { reason },
        }
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;

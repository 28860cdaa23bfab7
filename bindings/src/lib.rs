//! uniffi bindings of the loyalty core: one client object for Kotlin and
//! Swift apps. Thin by design — every method forwards to `loyalty-core`;
//! no rule lives here. Objects are thread-safe; the store sits behind a
//! mutex that is never held while calling into the app.

mod records;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use loyalty_core::clock::{Clock, SystemClock};
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};
use loyalty_core::wallet::Event;

pub use records::*;

uniffi::setup_scaffolding!();

/// The one error type of the API: a stable snake_case `code` (the core's, e.g.
/// `insufficient_points`) and a readable `reason`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum LoyaltyError {
    /// The operation failed; nothing changed.
    #[error("{code}: {reason}")]
    Failure {
        /// Stable snake_case code.
        code: String,
        /// What went wrong and what to do.
        reason: String,
    },
}

impl From<loyalty_core::LoyaltyError> for LoyaltyError {
    fn from(e: loyalty_core::LoyaltyError) -> Self {
        Self::Failure {
            code: e.code().to_string(),
            reason: e.to_string(),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for LoyaltyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failure {
            code: "callback_failed".into(),
            reason: e.reason,
        }
    }
}

type Result<T> = std::result::Result<T, LoyaltyError>;

/// How to open a client.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientConfig {
    /// Folder for the wallet database (the app's private files folder).
    pub data_dir: String,
    /// Program rules JSON to use until sync brings the server's (offline and demo use).
    pub program_json: Option<String>,
}

/// The loyalty core for one shopper.
#[derive(uniffi::Object)]
pub struct LoyaltyClient {
    store: Mutex<Store>,
    data_dir: PathBuf,
    clock: SystemClock,
}

impl LoyaltyClient {
    fn store(&self) -> MutexGuard<'_, Store> {
        // Every store call is one transaction, so a poisoned lock still guards a consistent store.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[uniffi::export]
impl LoyaltyClient {
    /// Opens (or creates) the wallet in `config.data_dir`.
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Result<Arc<Self>> {
        let data_dir = PathBuf::from(&config.data_dir);
        let mut store = Store::open_dir(&data_dir)?;
        if let Some(program) = &config.program_json
            && store.program().is_none()
        {
            store.set_program(program)?;
        }
        Ok(Arc::new(Self {
            store: Mutex::new(store),
            data_dir,
            clock: SystemClock,
        }))
    }

    /// The wallet screen: balance, tier and progress, expiring points, coupons, recent history.
    pub fn wallet_snapshot(&self, history_limit: u32) -> Result<WalletSnapshot> {
        let snap = self
            .store()
            .snapshot(self.clock.now(), 30, history_limit as usize)?;
        Ok(WalletSnapshot::from(&snap))
    }

    /// Redeems a reward at once; the server confirms it with the next sync. Returns the coupon id.
    pub fn redeem_reward(&self, reward_id: String) -> Result<String> {
        let now = self.clock.now();
        let coupon_id = format!("{reward_id}-{}", now.timestamp_millis());
        let event = Event::RedeemReward {
            reward_id,
            coupon_id: coupon_id.clone(),
        };
        self.store()
            .queue_action(&format!("app:redeem:{coupon_id}"), &event, now)?;
        Ok(coupon_id)
    }

    /// The card screen: grouped number, payload, QR modules, seconds to rotation.
    pub fn card_view(&self) -> Result<CardView> {
        let secrets = SqliteSecretStore::open(&self.data_dir.join(DB_FILE))?;
        let card = self.store().card_service(&secrets)?;
        Ok(CardView::from(&card.view(self.clock.now())?))
    }

    /// Challenges, active ones closest to completion first.
    pub fn challenges(&self) -> Result<Vec<ChallengeInfo>> {
        let (c, _) = self.store().goal_views(self.clock.now())?;
        Ok(c.iter().map(ChallengeInfo::from).collect())
    }

    /// Badges and their levels.
    pub fn badges(&self) -> Result<Vec<BadgeInfo>> {
        let (_, b) = self.store().goal_views(self.clock.now())?;
        Ok(b.iter().map(BadgeInfo::from).collect())
    }

    /// Joins an opt-in challenge (offline-capable; confirmed by the next sync).
    pub fn join_challenge(&self, challenge_id: String) -> Result<()> {
        let now = self.clock.now();
        let key = format!("app:join:{challenge_id}");
        self.store()
            .queue_action(&key, &Event::JoinChallenge { challenge_id }, now)?;
        Ok(())
    }

    /// Inbox messages in display order (hidden ones only when asked).
    pub fn inbox(&self, include_hidden: bool) -> Result<Vec<InboxMessage>> {
        let now = self.clock.now();
        let mut store = self.store();
        store.refresh_inbox(now)?;
        Ok(store
            .list_messages(now, include_hidden)?
            .iter()
            .map(InboxMessage::from)
            .collect())
    }

    /// Unread visible messages (the app badge).
    pub fn unread_count(&self) -> Result<i64> {
        Ok(self.store().unread_count(self.clock.now())?)
    }

    /// Ingests a push payload (FCM data message or APNs JSON) as the shell received it.
    pub fn ingest_push(&self, payload_json: String) -> Result<PushOutcome> {
        let outcome = self.store().ingest_push(&payload_json, Utc::now())?;
        Ok(PushOutcome::from(&outcome))
    }

    /// Marks a message read.
    pub fn mark_read(&self, message_id: String) -> Result<()> {
        Ok(self.store().mark_read(&message_id, self.clock.now())?)
    }

    /// Dismisses a message.
    pub fn dismiss(&self, message_id: String) -> Result<()> {
        Ok(self.store().dismiss(&message_id, self.clock.now())?)
    }

    /// Activates an offer: its coupon enters the wallet.
    pub fn activate_offer(&self, message_id: String) -> Result<()> {
        Ok(self.store().activate_offer(&message_id, self.clock.now())?)
    }
}

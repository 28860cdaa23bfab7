//! `LoyaltyClient`: the one object an app holds for its shopper. Each method
//! forwards to the core in a line or a few; the store sits behind a mutex
//! that is released before any listener is called. A panic inside a call
//! becomes a `LoyaltyException` with code `internal`, never an abort.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use loyalty_core::card::{CARD_SECRET_KEY, CardService, MemorySecretStore, secret_from_hex};
use loyalty_core::kernel::time::{Clock, SystemClock};
use loyalty_core::store::Store;
use loyalty_core::sync::SyncClient;

use crate::config::{self, ClientConfig};
use crate::listeners::{ChangeArea, ChangeListener, ChangeSubscription, Listeners};
use crate::logging::{self, LogLevel, LogSink};
use crate::platform::{PlatformSecrets, SecretStore, TokenProvider};
use crate::records::*;
use crate::{LoyaltyError, Result};

/// Every area: what enrollment, sync and sign-out may change.
pub(crate) const ALL: [ChangeArea; 4] = [
    ChangeArea::Wallet,
    ChangeArea::Inbox,
    ChangeArea::Goals,
    ChangeArea::Card,
];

/// The loyalty core for one shopper: wallet, card, challenges and badges,
/// inbox, sync. Safe to call from any thread; storage calls are quick but
/// synchronous, so call them off the UI thread.
#[derive(uniffi::Object)]
pub struct LoyaltyClient {
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) tokens: Option<Arc<dyn TokenProvider>>,
    pub(crate) server_url: Option<String>,
    pub(crate) program_json: Option<String>,
    /// The sync client, built on first use (it holds the HTTP connection pool).
    pub(crate) sync: Mutex<Option<Arc<SyncClient>>>,
    /// Enroll, sync and sign-out run one at a time.
    pub(crate) ops: tokio::sync::Mutex<()>,
    /// Sign-outs so far: a call that waited through one is refused.
    pub(crate) sign_outs: std::sync::atomic::AtomicU64,
    /// The card service and the enrollment generation it was built for.
    card: Mutex<(u64, Option<Arc<CardService>>)>,
    listeners: Arc<Listeners>,
    pub(crate) clock: SystemClock,
}

impl std::fmt::Debug for LoyaltyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoyaltyClient").finish_non_exhaustive()
    }
}

pub(crate) fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every store call is one transaction and the caches are rebuilt on
    // demand, so a poisoned lock still guards consistent data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The error a panic turns into.
pub(crate) fn internal(payload: Box<dyn Any + Send>) -> LoyaltyError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into());
    LoyaltyError::Failure {
        code: "internal".into(),
        reason: format!(
            "a bug in the loyalty core stopped this call before it completed ({what}); please report it"
        ),
    }
}

/// Runs one exported call; a panic becomes an `internal` error. The store
/// rolls back an unfinished transaction, so the call changed nothing.
pub(crate) fn shield<T>(call: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|p| Err(internal(p)))
}

impl LoyaltyClient {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        guard(&self.store)
    }

    pub(crate) fn notify(&self, areas: &[ChangeArea]) {
        self.listeners.notify(areas);
    }

    /// The card service, built once per enrollment/sync (it caches frames per step).
    fn card_service(&self) -> Result<Arc<CardService>> {
        let generation = {
            let cached = guard(&self.card);
            if let Some(card) = cached.1.as_ref() {
                return Ok(Arc::clone(card));
            }
            cached.0
        };
        // The platform store is read without holding the wallet lock.
        let platform = PlatformSecrets(Arc::clone(&self.secrets));
        let bytes = loyalty_core::card::SecretStore::get(&platform, CARD_SECRET_KEY)?;
        let local = MemorySecretStore::default();
        if let Some(b) = bytes {
            loyalty_core::card::SecretStore::put(&local, CARD_SECRET_KEY, &b)?;
        }
        let card = Arc::new(self.store().card_service(&local)?);
        let mut cached = guard(&self.card);
        // Cache it only if no enrollment, sync or sign-out happened meanwhile.
        if cached.0 == generation {
            cached.1 = Some(Arc::clone(&card));
        }
        Ok(card)
    }

    pub(crate) fn forget_card(&self) {
        let mut cached = guard(&self.card);
        cached.0 = cached.0.wrapping_add(1);
        cached.1 = None;
    }
}

#[uniffi::export]
impl LoyaltyClient {
    /// Opens (or creates) the wallet in `config.data_dir`. A bad configuration
    /// is refused (`invalid_config`, `invalid_rules`) before anything is
    /// created; a folder holding another app's or a newer version's database
    /// is refused untouched.
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Result<Arc<Self>> {
        shield(|| {
            let server_url = config::check(&config)?;
            let mut store = Store::open_dir(std::path::Path::new(&config.data_dir))?;
            store.set_deep_link_scheme(config.deep_link_scheme.as_deref())?;
            if let Some(program) = &config.program_json
                && store.program().is_none()
            {
                store.set_program(program)?;
            }
            if let Some(sink) = config.log_sink {
                logging::install(sink, config.log_level.unwrap_or(LogLevel::Info));
            }
            Ok(Arc::new(Self {
                store: Arc::new(Mutex::new(store)),
                secrets: config.secret_store,
                tokens: config.token_provider,
                server_url,
                program_json: config.program_json,
                sync: Mutex::new(None),
                ops: tokio::sync::Mutex::new(()),
                sign_outs: std::sync::atomic::AtomicU64::new(0),
                card: Mutex::new((0, None)),
                listeners: Arc::new(Listeners::default()),
                clock: SystemClock,
            }))
        })
    }

    // ---- wallet ----

    /// The wallet screen: balance, tier and progress, points expiring within
    /// `expiring_days`, coupons, the newest `history_limit` history entries.
    pub fn wallet_snapshot(
        &self,
        expiring_days: u32,
        history_limit: u32,
    ) -> Result<WalletSnapshot> {
        shield(|| {
            let store = self.store();
            let snap = store.snapshot(
                self.clock.now(),
                i64::from(expiring_days),
                history_limit as usize,
            )?;
            let pending = store.pending_count()?;
            Ok(WalletSnapshot::new(&snap, pending))
        })
    }

    /// A page of history, newest first: entries older than `before_id` (the
    /// newest when null), at most `limit`. Pass the page's `next_before_id` to go on.
    pub fn history(&self, before_id: Option<i64>, limit: u32) -> Result<HistoryPage> {
        shield(|| {
            let entries = self.store().history(before_id, limit as usize)?;
            Ok(HistoryPage::new(&entries, limit as usize))
        })
    }

    /// What the checkout screen shows for `cart`: discounts, points payable,
    /// points to earn, money to pay. Changes nothing.
    pub fn preview_purchase(&self, cart: Cart) -> Result<PurchasePreview> {
        shield(|| {
            let input = cart.into_input();
            let quote = self.store().preview_purchase(&input, self.clock.now())?;
            Ok(PurchasePreview::from(&quote))
        })
    }

    /// Redeems a reward at once (works offline; the server confirms it at the
    /// next sync). Returns the id of the coupon it gives.
    pub fn redeem_reward(&self, reward_id: String) -> Result<String> {
        shield(|| {
            let coupon_id = self.store().redeem_offline(&reward_id, self.clock.now())?;
            self.notify(&[ChangeArea::Wallet]);
            Ok(coupon_id)
        })
    }

    // ---- card ----

    /// Enrolls (or replaces) the card the app's backend issued: its number and
    /// its TOTP secret in hex. The secret goes to the platform secret store.
    pub fn enroll_card(&self, card_number: String, secret_hex: String) -> Result<()> {
        shield(|| {
            let secret = secret_from_hex(&secret_hex)?;
            let platform = PlatformSecrets(Arc::clone(&self.secrets));
            self.store()
                .enroll_card(&card_number, &secret, &platform, self.clock.now())?;
            self.forget_card();
            self.notify(&[ChangeArea::Card]);
            Ok(())
        })
    }

    /// The card screen: grouped number, payload, QR modules, seconds to
    /// rotation. Cached per time step: calling it every frame is cheap.
    pub fn card_view(&self) -> Result<CardView> {
        shield(|| {
            let view = self.card_service()?.view(self.clock.now())?;
            Ok(CardView::from(&view))
        })
    }

    /// The card's barcode as SVG (cached per step).
    pub fn card_svg(&self) -> Result<String> {
        shield(|| Ok(self.card_service()?.svg(self.clock.now())?))
    }

    /// The card's barcode as a PNG, `scale` pixels per module (1–64; cached per step).
    pub fn card_png(&self, scale: u32) -> Result<Vec<u8>> {
        shield(|| Ok(self.card_service()?.png(self.clock.now(), scale)?.to_vec()))
    }

    /// The static card number as a linear barcode (EAN-13 or Code 128) for
    /// tills without a QR scanner.
    pub fn card_barcode(&self) -> Result<LinearBarcode> {
        shield(|| Ok(LinearBarcode::from(&self.card_service()?.linear_barcode()?)))
    }

    // ---- challenges and badges ----

    /// Challenges, active ones closest to completion first.
    pub fn challenges(&self) -> Result<Vec<ChallengeInfo>> {
        shield(|| {
            let (c, _) = self.store().goal_views(self.clock.now())?;
            Ok(c.iter().map(ChallengeInfo::from).collect())
        })
    }

    /// Badges and their levels.
    pub fn badges(&self) -> Result<Vec<BadgeInfo>> {
        shield(|| {
            let (_, b) = self.store().goal_views(self.clock.now())?;
            Ok(b.iter().map(BadgeInfo::from).collect())
        })
    }

    /// Joins an opt-in challenge (works offline; confirmed by the next sync).
    pub fn join_challenge(&self, challenge_id: String) -> Result<()> {
        shield(|| {
            self.store().join_offline(&challenge_id, self.clock.now())?;
            // The wallet's pending-action count changes too.
            self.notify(&[ChangeArea::Goals, ChangeArea::Wallet]);
            Ok(())
        })
    }

    // ---- inbox ----

    /// Inbox messages in display order; hidden (dismissed, expired) ones only
    /// when `include_hidden`.
    pub fn inbox(&self, include_hidden: bool) -> Result<Vec<InboxMessage>> {
        shield(|| {
            let now = self.clock.now();
            let mut store = self.store();
            store.refresh_inbox(now)?;
            Ok(store
                .list_messages(now, include_hidden)?
                .iter()
                .map(InboxMessage::from)
                .collect())
        })
    }

    /// Unread visible messages (the app icon badge).
    pub fn unread_count(&self) -> Result<u32> {
        shield(|| {
            let n = self.store().unread_count(self.clock.now())?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    /// Ingests a push payload exactly as the app received it: the FCM data
    /// message as JSON, or the APNs `userInfo` as JSON.
    pub fn ingest_push(&self, payload_json: String) -> Result<PushOutcome> {
        shield(|| {
            let outcome = self.store().ingest_push(&payload_json, self.clock.now())?;
            let outcome = PushOutcome::from(&outcome);
            // A duplicate with a higher revision updated the stored message.
            if outcome != PushOutcome::Ignored {
                self.notify(&[ChangeArea::Inbox]);
            }
            Ok(outcome)
        })
    }

    /// Marks a message read (sticky; sent to the server at the next sync).
    pub fn mark_read(&self, message_id: String) -> Result<()> {
        shield(|| {
            self.store().mark_read(&message_id, self.clock.now())?;
            self.notify(&[ChangeArea::Inbox]);
            Ok(())
        })
    }

    /// Dismisses a message (sticky; a later copy stays dismissed).
    pub fn dismiss(&self, message_id: String) -> Result<()> {
        shield(|| {
            self.store().dismiss(&message_id, self.clock.now())?;
            self.notify(&[ChangeArea::Inbox]);
            Ok(())
        })
    }

    /// Activates an offer: its coupon enters the wallet.
    pub fn activate_offer(&self, message_id: String) -> Result<()> {
        shield(|| {
            self.store().activate_offer(&message_id, self.clock.now())?;
            self.notify(&[ChangeArea::Inbox, ChangeArea::Wallet]);
            Ok(())
        })
    }

    // ---- listeners ----

    /// Calls `listener` after every change to the wallet, inbox, goals or
    /// card made through this client (by the app, a push or a sync). Keep the
    /// returned subscription: closing or dropping it unsubscribes.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Arc<ChangeSubscription> {
        self.listeners.add(listener)
    }
}

/// Sends the core's log lines at `min_level` and above to `sink` (replacing
/// any earlier sink). Returns false when the process already has another
/// `tracing` subscriber, so nothing can be forwarded.
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, min_level: LogLevel) -> bool {
    logging::install(sink, min_level)
}

/// Stops forwarding log lines.
#[uniffi::export]
pub fn clear_log_sink() {
    logging::uninstall();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let r: Result<()> = shield(|| panic!("boom"));
        let e = r.unwrap_err();
        assert_eq!(e.code(), "internal");
        assert!(e.to_string().contains("boom"), "{e}");
        let r: Result<()> = shield(|| std::panic::panic_any(7u8));
        assert!(r.unwrap_err().to_string().contains("unknown"));
        assert_eq!(shield(|| Ok(5)).unwrap(), 5);
    }
}

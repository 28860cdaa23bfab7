//! `LoyaltyClient`: the one object an app holds for its shopper. Each method
//! forwards to the core in a line or a few; the store sits behind a mutex
//! that is released before any listener is called. A panic inside a call
//! becomes a `LoyaltyException` with code `internal`, never an abort.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use loyalty_core::session::{Done, Session, SessionConfig};
use loyalty_core::store::Store;

use crate::card::CardView;
use crate::config::{self, ClientConfig};
use crate::listeners::{ChangeListener, ChangeSubscription, Listeners};
use crate::logging::{self, LogLevel, LogSink};
use crate::platform::{PlatformClock, PlatformSecrets, PlatformTokens};
use crate::records::*;
use crate::{LoyaltyError, Result};

/// The loyalty core for one shopper: wallet, card, challenges and badges,
/// inbox, sync. Safe to call from any thread; storage calls are quick but
/// synchronous, so call them off the UI thread.
#[derive(uniffi::Object)]
pub struct LoyaltyClient {
    /// Everything the client does, in the core.
    pub(crate) session: Session,
    /// Enroll, sync and sign-out run one at a time.
    pub(crate) ops: tokio::sync::Mutex<()>,
    listeners: Arc<Listeners>,
    /// A thread is looking for other processes' changes (while anyone listens).
    watching: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for LoyaltyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoyaltyClient").finish_non_exhaustive()
    }
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
    /// Tells the listeners what `done` changed (no lock is held here), then
    /// hands back its result.
    pub(crate) fn finish<T>(&self, done: Done<T>) -> Result<T> {
        let mut areas: Vec<_> = done.changed.areas().iter().map(|a| (*a).into()).collect();
        if self.session.take_external_change() {
            areas = crate::listeners::ALL_AREAS.to_vec();
        }
        self.listeners.notify(&areas);
        done.result.map_err(LoyaltyError::from)
    }

    /// Hands back what a read found, telling the listeners about changes
    /// another process made, which the read's own use of the store noticed
    /// (no second look: the card screen reads this path every second).
    pub(crate) fn read<T>(&self, call: impl FnOnce() -> Result<T>) -> Result<T> {
        let result = shield(call);
        self.notify_if_external();
        result
    }

    /// When the session noticed another process's change, every listener
    /// hears about every area.
    fn notify_if_external(&self) {
        if self.session.take_external_change() {
            self.listeners.notify(&crate::listeners::ALL_AREAS);
        }
    }

    /// Starts the thread that looks for other processes' changes every
    /// [`crate::listeners::WATCH_INTERVAL`] while anyone is subscribed. It
    /// holds the client weakly and ends when the last listener leaves or
    /// the client is dropped.
    fn watch(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        if self.watching.swap(true, Ordering::SeqCst) {
            return;
        }
        let client = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("loyalty-watch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(crate::listeners::WATCH_INTERVAL);
                    let Some(client) = client.upgrade() else {
                        return;
                    };
                    if client.listeners.len() == 0 {
                        client.watching.store(false, Ordering::SeqCst);
                        // A listener that came meanwhile found the flag still
                        // set and started no thread: this one goes on for it.
                        if client.listeners.len() == 0
                            || client.watching.swap(true, Ordering::SeqCst)
                        {
                            return;
                        }
                    }
                    // A look at the store notices what another process wrote.
                    drop(client.session.store());
                    client.notify_if_external();
                }
            });
        if let Err(e) = spawned {
            self.watching.store(false, Ordering::SeqCst);
            tracing::warn!(error = %e, "cannot start watching for other processes' changes");
        }
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
            let session_config = SessionConfig {
                server_url,
                program_json: config.program_json,
                token_provider: config.token_provider.map(|t| {
                    Arc::new(PlatformTokens(t)) as Arc<dyn loyalty_core::sync::TokenProvider>
                }),
                clock: match config.clock {
                    Some(c) => Arc::new(PlatformClock(c)),
                    None => SessionConfig::default().clock,
                },
                device_signer: config.device_signer.map(|s| {
                    Arc::new(crate::card::PlatformSigner(s))
                        as Arc<dyn loyalty_core::card::loy2::DeviceSigner>
                }),
            };
            let secrets = Arc::new(PlatformSecrets(config.secret_store));
            let session = Session::new(store, secrets, session_config)?;
            if let Some(sink) = config.log_sink {
                logging::install(sink, config.log_level.unwrap_or(LogLevel::Info));
            }
            Ok(Arc::new(Self {
                session,
                ops: tokio::sync::Mutex::new(()),
                listeners: Arc::new(Listeners::default()),
                watching: std::sync::atomic::AtomicBool::new(false),
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
        self.read(|| {
            let screen = self
                .session
                .wallet_snapshot(i64::from(expiring_days), history_limit as usize)?;
            Ok(WalletSnapshot::new(
                &screen.snapshot,
                screen.pending_actions,
            ))
        })
    }

    /// A page of history, newest first: entries older than `before_id` (the
    /// newest when null), at most `limit`. Pass the page's `next_before_id` to go on.
    pub fn history(&self, before_id: Option<i64>, limit: u32) -> Result<HistoryPage> {
        self.read(|| {
            let entries = self.session.history(before_id, limit as usize)?;
            Ok(HistoryPage::new(&entries, limit as usize))
        })
    }

    /// What the checkout screen shows for `cart`: discounts, points payable,
    /// points to earn, money to pay. Changes nothing.
    pub fn preview_purchase(&self, cart: Cart) -> Result<PurchasePreview> {
        shield(|| {
            let quote = self.session.preview_purchase(&cart.into_input())?;
            Ok(PurchasePreview::from(&quote))
        })
    }

    /// Redeems a reward at once (works offline; the server confirms it at the
    /// next sync). Returns the id of the coupon it gives.
    pub fn redeem_reward(&self, reward_id: String) -> Result<String> {
        shield(|| self.finish(self.session.redeem_reward(&reward_id)))
    }

    /// Turns this empty wallet into the demo wallet (demo mode, previews,
    /// screenshots): the demo program and card and a few months of sample
    /// purchases, rewards and offers ending now. Refused with
    /// `already_enrolled` when the wallet holds a member.
    pub fn start_demo(&self) -> Result<()> {
        shield(|| self.finish(self.session.start_demo()))
    }

    /// The server's clock minus this device's, in milliseconds, as the last
    /// sync measured it (0 before any sync): card codes follow the server's
    /// clock, so a large value means the phone's clock is off.
    pub fn server_clock_offset_ms(&self) -> Result<i64> {
        shield(|| Ok(self.session.store().server_offset_ms()?))
    }

    /// Does nothing: one call into the library and back with a handle, no
    /// arguments and no result — the floor benchmarks measure beside the
    /// real calls (`scripts/bench-kotlin.sh`).
    pub fn ping(&self) {}

    // ---- card ----

    /// Enrolls (or replaces) the card the app's backend issued: its number and
    /// its TOTP secret in hex. The secret goes to the platform secret store.
    pub fn enroll_card(&self, card_number: String, secret_hex: String) -> Result<()> {
        shield(|| self.finish(self.session.enroll_card(&card_number, &secret_hex)))
    }

    /// The card screen: grouped number, payload, QR modules, seconds to
    /// rotation. Cached per time step: calling it every frame is cheap.
    pub fn card_view(&self) -> Result<CardView> {
        self.read(|| Ok(CardView::from(&self.session.card_view()?)))
    }

    /// The card's barcode as SVG (cached per step).
    pub fn card_svg(&self) -> Result<String> {
        shield(|| Ok(self.session.card_svg()?))
    }

    /// The card's barcode as a PNG, `scale` pixels per module (1–64; cached per step).
    pub fn card_png(&self, scale: u32) -> Result<Vec<u8>> {
        shield(|| Ok(self.session.card_png(scale)?.to_vec()))
    }

    /// The static card number as a linear barcode (EAN-13 or Code 128) for
    /// tills without a QR scanner.
    pub fn card_barcode(&self) -> Result<LinearBarcode> {
        shield(|| Ok(LinearBarcode::from(&self.session.card_barcode()?)))
    }

    // ---- challenges and badges ----

    /// Challenges, active ones closest to completion first.
    pub fn challenges(&self) -> Result<Vec<ChallengeInfo>> {
        self.read(|| {
            let (c, _) = self.session.goals()?;
            Ok(c.iter().map(ChallengeInfo::from).collect())
        })
    }

    /// Badges and their levels.
    pub fn badges(&self) -> Result<Vec<BadgeInfo>> {
        self.read(|| {
            let (_, b) = self.session.goals()?;
            Ok(b.iter().map(BadgeInfo::from).collect())
        })
    }

    /// Joins an opt-in challenge (works offline; confirmed by the next sync).
    pub fn join_challenge(&self, challenge_id: String) -> Result<()> {
        shield(|| self.finish(self.session.join_challenge(&challenge_id)))
    }

    // ---- inbox ----

    /// Inbox messages in display order; hidden (dismissed, expired) ones only
    /// when `include_hidden`.
    pub fn inbox(&self, include_hidden: bool) -> Result<Vec<InboxMessage>> {
        self.read(|| {
            let messages = self.session.inbox(include_hidden)?;
            Ok(messages.iter().map(InboxMessage::from).collect())
        })
    }

    /// Unread visible messages (the app icon badge).
    pub fn unread_count(&self) -> Result<u32> {
        self.read(|| Ok(u32::try_from(self.session.unread_count()?).unwrap_or(u32::MAX)))
    }

    /// Ingests a push payload exactly as the app received it: the FCM data
    /// message as JSON, or the APNs `userInfo` as JSON.
    pub fn ingest_push(&self, payload_json: String) -> Result<PushOutcome> {
        shield(|| {
            let outcome = self.finish(self.session.ingest_push(&payload_json))?;
            Ok(PushOutcome::from(&outcome))
        })
    }

    /// Marks a message read (sticky; sent to the server at the next sync).
    pub fn mark_read(&self, message_id: String) -> Result<()> {
        shield(|| self.finish(self.session.mark_read(&message_id)))
    }

    /// Dismisses a message (sticky; a later copy stays dismissed).
    pub fn dismiss(&self, message_id: String) -> Result<()> {
        shield(|| self.finish(self.session.dismiss(&message_id)))
    }

    /// Activates an offer: its coupon enters the wallet.
    pub fn activate_offer(&self, message_id: String) -> Result<()> {
        shield(|| self.finish(self.session.activate_offer(&message_id)))
    }

    // ---- listeners ----

    /// Calls `listener` after every change to the wallet, inbox, goals or
    /// card made through this client (by the app, a push or a sync), and
    /// with every area when another process changed the same wallet (an app
    /// extension ingesting a push): noticed at this client's next call, and
    /// by a look every half second while anyone is subscribed. Keep the
    /// returned subscription: closing or dropping it unsubscribes.
    pub fn subscribe(
        self: Arc<Self>,
        listener: Arc<dyn ChangeListener>,
    ) -> Arc<ChangeSubscription> {
        let subscription = self.listeners.add(listener);
        self.watch();
        subscription
    }
}

/// Sends the core's log lines at `min_level` and above to `sink` (replacing
/// any earlier sink). Returns false when the process already has another
/// `tracing` subscriber, so nothing can be forwarded.
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, min_level: LogLevel) -> bool {
    logging::install(sink, min_level)
}

/// Every error code the library can raise (the core's, plus `internal` and
/// `callback_failed`): apps prove with it that each has a message.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    loyalty_core::kernel::error::ALL_CODES
        .iter()
        .chain(["internal", "callback_failed"].iter())
        .map(|c| c.to_string())
        .collect()
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

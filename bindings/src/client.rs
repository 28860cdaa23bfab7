//! `LoyaltyClient`: the one object an app holds for its shopper. Each method
//! forwards to the core in one line or a few; the store sits behind a mutex
//! that is released before any listener is called.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use loyalty_core::card::{CARD_SECRET_KEY, CardService, MemorySecretStore, secret_from_hex};
use loyalty_core::clock::{Clock, SystemClock};
use loyalty_core::store::{ACCESS_TOKEN_KEY, Store};
use loyalty_core::sync::{SyncClient, SyncConfig};
use loyalty_core::wallet::Event;

use crate::listeners::{ChangeArea, ChangeListener, Listeners, Subscription};
use crate::logging::{self, LogLevel, LogSink};
use crate::platform::{EnrolledToken, PlatformSecrets, PlatformTokens, SecretStore, TokenProvider};
use crate::records::*;
use crate::{LoyaltyError, Result, runtime};

const SERVER_URL_KEY: &str = "server_url";
const ALL: [ChangeArea; 4] = [
    ChangeArea::Wallet,
    ChangeArea::Inbox,
    ChangeArea::Goals,
    ChangeArea::Card,
];

/// How to open a client.
#[derive(uniffi::Record)]
pub struct ClientConfig {
    /// Folder for the wallet database (the app's private files folder).
    pub data_dir: String,
    /// Loyalty server base URL (`https://…`); without it the client works offline only.
    #[uniffi(default = None)]
    pub server_url: Option<String>,
    /// Program rules JSON to use until sync brings the server's (offline and demo use).
    #[uniffi(default = None)]
    pub program_json: Option<String>,
    /// The app's URL scheme for push deep links, overriding the program's.
    #[uniffi(default = None)]
    pub deep_link_scheme: Option<String>,
    /// Where the card secret and access token live (Keystore / Keychain).
    pub secret_store: Arc<dyn SecretStore>,
    /// The app's login; without it the token stored at `enroll()` is used.
    #[uniffi(default = None)]
    pub token_provider: Option<Arc<dyn TokenProvider>>,
    /// Where the core's log lines go (Logcat / os_log); one sink per process.
    #[uniffi(default = None)]
    pub log_sink: Option<Arc<dyn LogSink>>,
    /// Lowest level forwarded to `log_sink` (default `Info`).
    #[uniffi(default = None)]
    pub log_level: Option<LogLevel>,
}

/// The loyalty core for one shopper: wallet, card, challenges and badges,
/// inbox, sync. Safe to call from any thread; storage calls are quick but
/// synchronous, so call them off the UI thread.
#[derive(uniffi::Object)]
pub struct LoyaltyClient {
    store: Arc<Mutex<Store>>,
    data_dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
    tokens: Option<Arc<dyn TokenProvider>>,
    server_url: Option<String>,
    program_json: Option<String>,
    sync: Mutex<Option<Arc<SyncClient>>>,
    /// The card service and the enrollment generation it was built for.
    card: Mutex<(u64, Option<Arc<CardService>>)>,
    listeners: Arc<Listeners>,
    clock: SystemClock,
}

impl std::fmt::Debug for LoyaltyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoyaltyClient")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every store call is one transaction and the caches are rebuilt on
    // demand, so a poisoned lock still guards consistent data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn check_url(url: &str) -> Result<String> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "http://".len()
        && !url.chars().any(char::is_whitespace);
    if !ok {
        return Err(loyalty_core::LoyaltyError::InvalidConfig {
            field: "server_url".into(),
            reason: format!("\"{url}\" is not an http(s) URL such as https://loyalty.example"),
        }
        .into());
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn random_tag() -> Result<String> {
    let mut r = [0u8; 6];
    getrandom::fill(&mut r).map_err(|e| loyalty_core::LoyaltyError::Storage {
        reason: format!("no randomness for an action id: {e}"),
    })?;
    Ok(r.iter().map(|b| format!("{b:02x}")).collect())
}

impl LoyaltyClient {
    fn store(&self) -> MutexGuard<'_, Store> {
        guard(&self.store)
    }

    fn notify(&self, areas: &[ChangeArea]) {
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
        let secret = PlatformSecrets(Arc::clone(&self.secrets));
        let bytes = loyalty_core::card::SecretStore::get(&secret, CARD_SECRET_KEY)?;
        let local = MemorySecretStore::default();
        if let Some(b) = bytes {
            loyalty_core::card::SecretStore::put(&local, CARD_SECRET_KEY, &b)?;
        }
        let card = Arc::new(self.store().card_service(&local)?);
        let mut cached = guard(&self.card);
        // Cache it only if no enrollment or sync happened meanwhile.
        if cached.0 == generation {
            cached.1 = Some(Arc::clone(&card));
        }
        Ok(card)
    }

    fn forget_card(&self) {
        let mut cached = guard(&self.card);
        cached.0 = cached.0.wrapping_add(1);
        cached.1 = None;
    }

    fn url(&self) -> Result<String> {
        match &self.server_url {
            Some(u) => Ok(u.clone()),
            None => self
                .store()
                .meta(SERVER_URL_KEY)?
                .ok_or_else(|| loyalty_core::LoyaltyError::NoServer.into()),
        }
    }

    fn sync_client(&self) -> Result<Arc<SyncClient>> {
        let mut cached = guard(&self.sync);
        if let Some(c) = cached.as_ref() {
            return Ok(Arc::clone(c));
        }
        let url = self.url()?;
        let tokens: Arc<dyn loyalty_core::sync::TokenProvider> = match &self.tokens {
            Some(t) => Arc::new(PlatformTokens(Arc::clone(t))),
            None => Arc::new(EnrolledToken(Arc::clone(&self.secrets))),
        };
        let client = Arc::new(SyncClient::new(SyncConfig::new(&url), tokens)?);
        *cached = Some(Arc::clone(&client));
        Ok(client)
    }

    /// Runs `work` on the crate's runtime and awaits it from the caller's
    /// executor. A cancelled caller leaves the work to finish on its own, so
    /// the store never sees half an operation.
    async fn on_runtime<T: Send + 'static>(
        work: impl std::future::Future<Output = loyalty_core::Result<T>> + Send + 'static,
    ) -> Result<T> {
        let handle = runtime()?.spawn(work);
        match handle.await {
            Ok(r) => Ok(r?),
            Err(e) => Err(loyalty_core::LoyaltyError::Interrupted {
                reason: e.to_string(),
            }
            .into()),
        }
    }
}

#[uniffi::export]
impl LoyaltyClient {
    /// Opens (or creates) the wallet in `config.data_dir`. Refuses a folder
    /// holding another app's or a newer version's database, untouched.
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Result<Arc<Self>> {
        if let Some(sink) = config.log_sink {
            logging::install(sink, config.log_level.unwrap_or(LogLevel::Info));
        }
        if config.data_dir.trim().is_empty() {
            return Err(loyalty_core::LoyaltyError::InvalidConfig {
                field: "data_dir".into(),
                reason: "empty; give the app's private files folder".into(),
            }
            .into());
        }
        let server_url = config.server_url.as_deref().map(check_url).transpose()?;
        let data_dir = PathBuf::from(&config.data_dir);
        let mut store = Store::open_dir(&data_dir)?;
        store.set_deep_link_scheme(config.deep_link_scheme.as_deref())?;
        if let Some(program) = &config.program_json
            && store.program().is_none()
        {
            store.set_program(program)?;
        }
        Ok(Arc::new(Self {
            store: Arc::new(Mutex::new(store)),
            data_dir,
            secrets: config.secret_store,
            tokens: config.token_provider,
            server_url,
            program_json: config.program_json,
            sync: Mutex::new(None),
            card: Mutex::new((0, None)),
            listeners: Arc::new(Listeners::default()),
            clock: SystemClock,
        }))
    }

    // ---- wallet ----

    /// The wallet screen: balance, tier and progress, points expiring within
    /// `expiring_days`, coupons, the newest `history_limit` history entries.
    pub fn wallet_snapshot(
        &self,
        expiring_days: u32,
        history_limit: u32,
    ) -> Result<WalletSnapshot> {
        let store = self.store();
        let snap = store.snapshot(
            self.clock.now(),
            i64::from(expiring_days),
            history_limit as usize,
        )?;
        let pending = store.pending_actions()?.len();
        Ok(WalletSnapshot::new(&snap, pending))
    }

    /// A page of history, newest first: entries older than `before_id` (the
    /// newest when null), at most `limit`. Pass the page's `next_before_id` to go on.
    pub fn history(&self, before_id: Option<i64>, limit: u32) -> Result<HistoryPage> {
        let entries = self.store().history(before_id, limit as usize)?;
        Ok(HistoryPage::new(&entries, limit as usize))
    }

    /// What the checkout screen shows for `cart`: discounts, points payable,
    /// points to earn, money to pay. Changes nothing.
    pub fn preview_purchase(&self, cart: Cart) -> Result<PurchasePreview> {
        let input = cart.into_input();
        let quote = self.store().preview_purchase(&input, self.clock.now())?;
        Ok(PurchasePreview::from(&quote))
    }

    /// Redeems a reward at once (works offline; the server confirms it at the
    /// next sync). Returns the id of the coupon it gives.
    pub fn redeem_reward(&self, reward_id: String) -> Result<String> {
        let tag = random_tag()?;
        let coupon_id = format!("{reward_id}-{tag}");
        let event = Event::RedeemReward {
            reward_id,
            coupon_id: coupon_id.clone(),
        };
        self.store()
            .queue_action(&format!("app:redeem:{tag}"), &event, self.clock.now())?;
        self.notify(&[ChangeArea::Wallet]);
        Ok(coupon_id)
    }

    // ---- card ----

    /// Enrolls the card the app's backend issued: its number and its TOTP
    /// secret (hex). The secret goes to the platform secret store.
    pub fn enroll_card(&self, card_number: String, secret_hex: String) -> Result<()> {
        let secret = secret_from_hex(&secret_hex)?;
        let platform = PlatformSecrets(Arc::clone(&self.secrets));
        self.store()
            .enroll_card(&card_number, &secret, &platform, self.clock.now())?;
        self.forget_card();
        self.notify(&[ChangeArea::Card]);
        Ok(())
    }

    /// The card screen: grouped number, payload, QR modules, seconds to
    /// rotation. Cached per time step: calling it every frame is cheap.
    pub fn card_view(&self) -> Result<CardView> {
        let view = self.card_service()?.view(self.clock.now())?;
        Ok(CardView::from(&view))
    }

    /// The card's barcode as SVG (cached per step).
    pub fn card_svg(&self) -> Result<String> {
        Ok(self.card_service()?.svg(self.clock.now())?)
    }

    /// The card's barcode as a PNG, `scale` pixels per module (1–64; cached per step).
    pub fn card_png(&self, scale: u32) -> Result<Vec<u8>> {
        Ok(self.card_service()?.png(self.clock.now(), scale)?.to_vec())
    }

    /// The static card number as a linear barcode (EAN-13 or Code 128) for
    /// tills without a QR scanner.
    pub fn card_barcode(&self) -> Result<LinearBarcode> {
        Ok(LinearBarcode::from(&self.card_service()?.linear_barcode()?))
    }

    // ---- challenges and badges ----

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

    /// Joins an opt-in challenge (works offline; confirmed by the next sync).
    pub fn join_challenge(&self, challenge_id: String) -> Result<()> {
        let key = format!("app:join:{challenge_id}:{}", random_tag()?);
        self.store().queue_action(
            &key,
            &Event::JoinChallenge { challenge_id },
            self.clock.now(),
        )?;
        self.notify(&[ChangeArea::Goals]);
        Ok(())
    }

    // ---- inbox ----

    /// Inbox messages in display order; hidden (dismissed, expired) ones only
    /// when `include_hidden`.
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

    /// Unread visible messages (the app icon badge).
    pub fn unread_count(&self) -> Result<u32> {
        let n = self.store().unread_count(self.clock.now())?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Ingests a push payload exactly as the app received it: the FCM data
    /// message as JSON, or the APNs `userInfo` as JSON.
    pub fn ingest_push(&self, payload_json: String) -> Result<PushOutcome> {
        let outcome = self.store().ingest_push(&payload_json, self.clock.now())?;
        let outcome = PushOutcome::from(&outcome);
        if outcome != PushOutcome::Ignored {
            self.notify(&[ChangeArea::Inbox]);
        }
        Ok(outcome)
    }

    /// Marks a message read (sticky; sent to the server at the next sync).
    pub fn mark_read(&self, message_id: String) -> Result<()> {
        self.store().mark_read(&message_id, self.clock.now())?;
        self.notify(&[ChangeArea::Inbox]);
        Ok(())
    }

    /// Dismisses a message (sticky; a later copy stays dismissed).
    pub fn dismiss(&self, message_id: String) -> Result<()> {
        self.store().dismiss(&message_id, self.clock.now())?;
        self.notify(&[ChangeArea::Inbox]);
        Ok(())
    }

    /// Activates an offer: its coupon enters the wallet.
    pub fn activate_offer(&self, message_id: String) -> Result<()> {
        self.store().activate_offer(&message_id, self.clock.now())?;
        self.notify(&[ChangeArea::Inbox, ChangeArea::Wallet]);
        Ok(())
    }

    // ---- sync ----

    /// Enrolls a new member on the dev server (real apps enroll through their
    /// own backend and call `enroll_card`): stores the card and the access
    /// token in the secret store. Refused when this wallet already has a card.
    pub async fn enroll(&self) -> Result<Enrollment> {
        let url = self.url()?;
        if self.store().card_number()?.is_some() {
            return Err(loyalty_core::LoyaltyError::AlreadyEnrolled.into());
        }
        let server = url.clone();
        let me = Self::on_runtime(async move { SyncClient::enroll(&server).await }).await?;
        let field = |k: &str| {
            me[k].as_str().map(str::to_string).ok_or_else(|| {
                LoyaltyError::from(loyalty_core::LoyaltyError::Network {
                    reason: format!("the server's enrollment answer has no {k}"),
                })
            })
        };
        let (member_id, number, secret_hex, token) = (
            field("member_id")?,
            field("card_number")?,
            field("card_secret_hex")?,
            field("access_token")?,
        );
        let secret = secret_from_hex(&secret_hex)?;
        let platform = PlatformSecrets(Arc::clone(&self.secrets));
        self.secrets
            .put(ACCESS_TOKEN_KEY.to_string(), token.into_bytes())?;
        // The server URL first: if recording the card then fails, that URL is
        // all that stays (enroll_card itself restores the secret store).
        let recorded = {
            let mut store = self.store();
            store
                .set_meta(SERVER_URL_KEY, &url)
                .and_then(|()| store.enroll_card(&number, &secret, &platform, self.clock.now()))
        };
        if let Err(e) = recorded {
            let _ = self.secrets.delete(ACCESS_TOKEN_KEY.to_string());
            return Err(e.into());
        }
        self.forget_card();
        self.notify(&ALL);
        let last4 = number.chars().rev().take(4).collect::<Vec<_>>();
        Ok(Enrollment {
            member_id,
            card_last4: last4.into_iter().rev().collect(),
        })
    }

    /// Sends the offline actions, pulls the server's events and messages,
    /// checks the server's digest. A call made while another sync runs waits
    /// for it and returns its report. Cancelling the caller (a Kotlin
    /// coroutine, a Swift task) lets the sync finish in the background; the
    /// store is consistent either way.
    pub async fn sync(&self) -> Result<SyncReport> {
        let client = self.sync_client()?;
        let store = Arc::clone(&self.store);
        let report = Self::on_runtime(async move { client.sync(store).await }).await?;
        // The program or the server clock offset may have changed.
        self.forget_card();
        let report = SyncReport::from(&report);
        if report.changed() {
            self.notify(&ALL);
        }
        Ok(report)
    }

    /// Signs the shopper out: a last sync attempt, then every trace of them
    /// (wallet, inbox, card, secrets, token) leaves this device. The client
    /// stays usable for the next member.
    pub async fn sign_out(&self) -> Result<SignOutReport> {
        let last_sync_error = match self.url() {
            Ok(_) => self.sync().await.err().map(|e| e.to_string()),
            Err(_) => None,
        };
        let dropped = if last_sync_error.is_some() {
            self.store().pending_actions()?.len()
        } else {
            0
        };
        {
            let platform = PlatformSecrets(Arc::clone(&self.secrets));
            let mut store = self.store();
            store.sign_out(&platform)?;
            if let Some(program) = &self.program_json {
                store.set_program(program)?;
            }
        }
        *guard(&self.sync) = None;
        self.forget_card();
        self.notify(&ALL);
        Ok(SignOutReport {
            last_sync_error,
            unsent_actions_dropped: u32::try_from(dropped).unwrap_or(u32::MAX),
        })
    }

    // ---- listeners and logging ----

    /// Calls `listener` after every change to the wallet, inbox, goals or
    /// card, whoever made it (the app, a push, a sync). Keep the returned
    /// subscription: closing or dropping it unsubscribes.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Arc<Subscription> {
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

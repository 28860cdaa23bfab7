//! The orchestration every face of the core needs, written once: enroll,
//! sync and sign-out over one store, the card service cache, and which parts
//! of the shopper's data each operation changed. The uniffi bindings and the
//! CLI are thin faces over a [`Session`] (matrix-rust-sdk's `matrix-sdk-ui`
//! under `matrix-sdk-ffi`).
//!
//! A session does not serialise its callers: the bindings run enroll, sync
//! and sign-out one at a time per client and call their listeners once the
//! operation is over, with the [`Changes`] it returns. Every store write is
//! one transaction, so a cancelled `async` call leaves the store consistent.

pub mod demo;
mod loy2;
mod ops;
mod passes;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::card::loy2::DeviceSigner;
use crate::card::{CardService, SecretStore};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::{Clock, SystemClock};
use crate::store::{ACCESS_TOKEN_KEY, Store};
use crate::sync::{SyncClient, SyncConfig, SyncReport, TokenProvider};

pub use loy2::CredentialSync;
pub use ops::WalletScreen;

/// A part of the shopper's data that an operation changed (what a screen
/// reads again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeArea {
    /// Balance, history, coupons, tier or pending actions.
    Wallet,
    /// Inbox messages or the unread count.
    Inbox,
    /// Challenges, badges or leaderboards.
    Goals,
    /// The card (enrolled, replaced, removed, or its clock offset).
    Card,
}

impl ChangeArea {
    /// Every area, in display order: what enroll, sync and sign-out may change.
    pub const ALL: [ChangeArea; 4] = [Self::Wallet, Self::Inbox, Self::Goals, Self::Card];
}

/// The areas one operation changed, each once, in the order they were named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes(Vec<ChangeArea>);

impl Changes {
    /// Nothing changed.
    pub fn none() -> Self {
        Self::default()
    }

    /// Everything may have changed.
    pub fn all() -> Self {
        Self(ChangeArea::ALL.to_vec())
    }

    /// These areas changed (duplicates dropped).
    pub fn of(areas: &[ChangeArea]) -> Self {
        let mut v: Vec<ChangeArea> = Vec::with_capacity(areas.len());
        for a in areas {
            if !v.contains(a) {
                v.push(*a);
            }
        }
        Self(v)
    }

    /// The areas, in order.
    pub fn areas(&self) -> &[ChangeArea] {
        &self.0
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `area` changed.
    pub fn contains(&self, area: ChangeArea) -> bool {
        self.0.contains(&area)
    }
}

/// The outcome of an operation that writes: its result, and the areas it
/// changed — even when it failed partway (a sync may have applied pages
/// before an error). Tell listeners about `changed` once every lock is released.
#[derive(Debug)]
#[must_use = "tell the listeners about `changed`, then use `result`"]
pub struct Done<T> {
    /// What the operation returned.
    pub result: Result<T>,
    /// What it changed.
    pub changed: Changes,
}

impl<T> Done<T> {
    /// `result`, having changed `areas` when it is `Ok` and nothing otherwise.
    pub fn on_success(result: Result<T>, areas: &[ChangeArea]) -> Self {
        let changed = if result.is_ok() {
            Changes::of(areas)
        } else {
            Changes::none()
        };
        Self { result, changed }
    }
}

/// A member enrolled on the dev server, as the app may show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    /// The server's member id.
    pub member_id: String,
    /// Last four digits of the card number (the only part safe to log).
    pub card_last4: String,
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSyncReport {
    /// The sync client's counts and digest mismatches.
    pub report: SyncReport,
    /// The server sent another version of the program rules.
    pub program_updated: bool,
    /// The areas the sync changed (nothing when the server had nothing new).
    pub changed: Changes,
    /// What the sync did about the device's LOY2 credential.
    pub credential: CredentialSync,
}

/// What signing out did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOutReport {
    /// The last sync attempt: `None` when no server is configured.
    pub last_sync: Option<Result<SessionSyncReport>>,
    /// Offline actions wiped unsent (the last sync did not deliver them).
    pub unsent_actions_dropped: usize,
}

impl SignOutReport {
    /// Why the last sync failed, if it did.
    pub fn last_sync_error(&self) -> Option<&LoyaltyError> {
        self.last_sync.as_ref().and_then(|r| r.as_ref().err())
    }
}

/// How a [`Session`] reaches its server and tells time.
#[derive(Clone)]
pub struct SessionConfig {
    /// The server; when `None`, the one the wallet was enrolled with.
    pub server_url: Option<String>,
    /// The app's program rules: loaded when the wallet has none, and again after sign-out.
    pub program_json: Option<String>,
    /// The app's login; when `None`, the token stored at enrollment.
    pub token_provider: Option<Arc<dyn TokenProvider>>,
    /// The source of "now" for card codes, offline actions and the inbox.
    pub clock: Arc<dyn Clock>,
    /// The key that signs LOY2 codes (the Android Keystore, the Secure
    /// Enclave); when `None`, a software key kept in the secret store.
    pub device_signer: Option<Arc<dyn DeviceSigner>>,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            server_url: None,
            program_json: None,
            token_provider: None,
            clock: Arc::new(SystemClock),
            device_signer: None,
        }
    }
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("server_url", &self.server_url)
            .field("token_provider", &self.token_provider.is_some())
            .field("device_signer", &self.device_signer.is_some())
            .finish_non_exhaustive()
    }
}

/// Without a token provider: the token the server handed out at enrollment,
/// kept in the secret store.
struct EnrolledToken(Arc<dyn SecretStore>);

impl EnrolledToken {
    fn read(&self) -> Result<String> {
        let bytes =
            self.0
                .get(ACCESS_TOKEN_KEY)?
                .ok_or_else(|| LoyaltyError::TokenUnavailable {
                    reason: "no access token: enroll first or give the client a token provider"
                        .into(),
                })?;
        String::from_utf8(bytes).map_err(|_| LoyaltyError::TokenUnavailable {
            reason: "the stored access token is not text".into(),
        })
    }
}

impl TokenProvider for EnrolledToken {
    fn token(&self) -> Result<String> {
        self.read()
    }
    fn refresh(&self) -> Result<String> {
        self.read()
    }
}

/// What a sync can change, to report changes only when something did.
#[derive(PartialEq, Eq)]
struct Mark {
    cursor: Option<String>,
    last_event: i64,
    pending: usize,
    /// The server's version of the program rules (not the rules themselves).
    program: Option<String>,
}

/// One shopper's wallet with its secrets, server and card: the operations
/// the apps and the CLI run, each changing the store in whole transactions.
pub struct Session {
    store: Arc<Mutex<Store>>,
    secrets: Arc<dyn SecretStore>,
    config: SessionConfig,
    /// The sync client, built on first use (it holds the HTTP connection pool).
    sync: Mutex<Option<Arc<SyncClient>>>,
    /// Sign-outs so far: a call that waited through one is refused.
    sign_outs: AtomicU64,
    /// The card service and the enrollment generation it was built for.
    card: Mutex<(u64, Option<Arc<CardService>>)>,
    /// The software device key, loaded on first use (none configured).
    software_signer: Mutex<Option<Arc<dyn DeviceSigner>>>,
    /// Another process changed the wallet since [`Session::take_external_change`]
    /// was last asked.
    external: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Locks `m`. Every store call is one transaction and the caches are rebuilt
/// on demand, so a poisoned lock still guards consistent data.
fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Session {
    /// A session over `store`, its secrets in `secrets`. Loads the configured
    /// program when the wallet has none (a bad one is refused, `invalid_rules`).
    pub fn new(
        mut store: Store,
        secrets: Arc<dyn SecretStore>,
        config: SessionConfig,
    ) -> Result<Self> {
        if let Some(program) = &config.program_json
            && store.program().is_none()
        {
            store.set_program(program)?;
        }
        Ok(Self {
            store: Arc::new(Mutex::new(store)),
            secrets,
            config,
            sync: Mutex::new(None),
            sign_outs: AtomicU64::new(0),
            card: Mutex::new((0, None)),
            software_signer: Mutex::new(None),
            external: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The store, locked. Do not hold it across an `await` or a listener call.
    ///
    /// Every lock first asks SQLite whether another process committed since
    /// (one cached `PRAGMA data_version`): if so the store reloads what it
    /// keeps in memory, the card service is rebuilt on its next use, and
    /// [`Session::take_external_change`] says so once.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        let mut store = guard(&self.store);
        match store.check_external_change() {
            Ok(false) => {}
            Ok(true) => {
                // Store, then card: the order sign-out takes them in too.
                self.forget_card();
                self.external.store(true, Ordering::SeqCst);
            }
            // The operation that follows meets the same storage error and reports it.
            Err(e) => tracing::warn!(code = e.code(), "cannot ask the wallet for outside changes"),
        }
        store
    }

    /// Whether another process (an app extension, a second app instance)
    /// changed the wallet since the last time this was asked; `true` once
    /// per noticed change. Noticed whenever the store is used.
    pub fn take_external_change(&self) -> bool {
        self.external.swap(false, Ordering::SeqCst)
    }

    /// The session's clock.
    pub fn now(&self) -> crate::kernel::time::Time {
        self.config.clock.now()
    }

    /// The server: the configured one, else the one the wallet enrolled with
    /// (`no_server` when neither).
    pub fn server_url(&self) -> Result<String> {
        match &self.config.server_url {
            Some(u) => Ok(u.clone()),
            None => self.store().server_url()?.ok_or(LoyaltyError::NoServer),
        }
    }

    /// Sign-outs so far; pass it to [`Session::ensure_same_member`] after
    /// waiting for a turn.
    pub fn sign_outs(&self) -> u64 {
        self.sign_outs.load(Ordering::SeqCst)
    }

    /// Refuses (`interrupted`) an operation that waited its turn while the
    /// member signed out: it belongs to the previous member.
    pub fn ensure_same_member(&self, sign_outs_at_call: u64) -> Result<()> {
        if self.sign_outs() != sign_outs_at_call {
            return Err(LoyaltyError::Interrupted {
                reason: "the member signed out while this call waited; nothing was done".into(),
            });
        }
        Ok(())
    }

    pub(crate) fn sync_client(&self) -> Result<Arc<SyncClient>> {
        let mut cached = guard(&self.sync);
        if let Some(c) = cached.as_ref() {
            return Ok(Arc::clone(c));
        }
        let url = self.server_url()?;
        let tokens: Arc<dyn TokenProvider> = match &self.config.token_provider {
            Some(t) => Arc::clone(t),
            None => Arc::new(EnrolledToken(Arc::clone(&self.secrets))),
        };
        let config = SyncConfig {
            clock: Arc::clone(&self.config.clock),
            ..SyncConfig::new(&url)
        };
        let client = Arc::new(SyncClient::new(config, tokens)?);
        *cached = Some(Arc::clone(&client));
        Ok(client)
    }

    fn mark(&self) -> Result<Mark> {
        let store = self.store();
        Ok(Mark {
            cursor: store.sync_cursor()?,
            last_event: store.last_server_seq()?,
            pending: store.pending_count()?,
            program: store.program_version()?,
        })
    }

    /// Enrolls a new member on the dev server (real apps enroll through
    /// their own backend and call [`Session::enroll_card`]): the card and the
    /// access token go to the secret store, the server URL to the wallet.
    /// Refused by [`Store::ensure_can_enroll`] before anything is asked of the
    /// server; nothing is kept when it fails.
    pub async fn enroll(&self) -> Done<Enrolled> {
        let result = self.enroll_inner().await;
        Done::on_success(result, &ChangeArea::ALL)
    }

    async fn enroll_inner(&self) -> Result<Enrolled> {
        let url = self.server_url()?;
        self.store().ensure_can_enroll()?;
        let member = SyncClient::enroll_member(&url).await?;
        let now = self.now();
        self.store()
            .enroll_member(&member, &url, self.secrets.as_ref(), now)?;
        self.forget_card();
        // A LOY2 card's credential comes with enrollment; without it the
        // card shows LOY1 with a notice and the next sync asks again.
        if let Ok(client) = self.sync_client() {
            self.refresh_credential(&client).await;
        }
        let last4: String = member.card_number.chars().rev().take(4).collect();
        Ok(Enrolled {
            member_id: member.member_id,
            card_last4: last4.chars().rev().collect(),
        })
    }

    /// Sends the offline actions, pulls the server's events and messages and
    /// checks its digest. `changed` is every area when anything moved (the
    /// cursor, the log, the queue, the rules, or the report counts), even if
    /// the sync failed after some pages; nothing otherwise.
    pub async fn sync(&self) -> Done<SessionSyncReport> {
        let client = match self.sync_client() {
            Ok(c) => c,
            Err(e) => return Done::on_success(Err(e), &[]),
        };
        let before = match self.mark() {
            Ok(m) => m,
            Err(e) => return Done::on_success(Err(e), &[]),
        };
        let result = client.sync(Arc::clone(&self.store)).await;
        // The program or the server clock offset may have changed with any
        // page, even when a later one failed.
        self.forget_card();
        let credential = match &result {
            Ok(_) => self.refresh_credential(&client).await,
            Err(_) => CredentialSync::Kept,
        };
        let after = self.mark();
        let moved = after.as_ref().map_or(true, |a| *a != before);
        let program_updated = after.as_ref().map_or(true, |a| a.program != before.program);
        let counted = result.as_ref().is_ok_and(|r| {
            r.actions_sent > 0
                || r.actions_rejected > 0
                || r.events_applied > 0
                || r.messages > 0
                || !r.mismatches.is_empty()
        });
        let renewed = credential == CredentialSync::Renewed;
        let changed = if moved || counted || renewed || (result.is_ok() && program_updated) {
            Changes::all()
        } else {
            Changes::none()
        };
        Done {
            result: result.map(|report| SessionSyncReport {
                report,
                program_updated,
                changed: changed.clone(),
                credential,
            }),
            changed,
        }
    }

    /// Signs the shopper out: a last sync attempt (when a server is known),
    /// then every trace of them (wallet, inbox, card, secrets, token) leaves
    /// this device and the app's program (if configured) is loaded again.
    /// Nothing is wiped when it fails; `changed` is always everything.
    pub async fn sign_out(&self) -> Done<SignOutReport> {
        Done {
            result: self.sign_out_inner().await,
            changed: Changes::all(),
        }
    }

    async fn sign_out_inner(&self) -> Result<SignOutReport> {
        // Signing out leaves the leaderboards: the leave goes with the last sync.
        if self.store().board_membership()? != crate::store::BoardMembership::Out {
            self.store().leave_leaderboard(self.now())?;
        }
        let last_sync = match self.server_url() {
            Ok(_) => Some(self.sync().await.result),
            Err(LoyaltyError::NoServer) => None,
            Err(e) => return Err(e),
        };
        let dropped = {
            let mut store = self.store();
            let dropped = store.pending_count()?;
            // Atomic in the store: on error nothing was wiped.
            store.sign_out(self.secrets.as_ref())?;
            // Still under the store lock: no card view can be served from the
            // previous member's cache from here on.
            self.forget_card();
            // The software device key left with the secrets.
            *guard(&self.software_signer) = None;
            self.sign_outs.fetch_add(1, Ordering::SeqCst);
            dropped
        };
        *guard(&self.sync) = None;
        if let Some(program) = &self.config.program_json
            && let Err(e) = self.store().set_program(program)
        {
            tracing::warn!(
                code = e.code(),
                "could not restore the app's program after sign-out"
            );
        }
        Ok(SignOutReport {
            last_sync,
            unsent_actions_dropped: dropped,
        })
    }
}

#[cfg(test)]
mod tests;

//! The client's network side: enroll, sync and sign-out. Each runs whole —
//! network, store writes, cache reset and change notification — as one task
//! on the crate's runtime, one at a time per client; listeners are called
//! after that turn is over, so they may start the next one. A caller that
//! gives up (a cancelled coroutine or Swift task) only stops waiting: the
//! task finishes, so the store, the card cache and the listeners never see
//! half an operation.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use loyalty_core::LoyaltyError as CoreError;
use loyalty_core::kernel::time::Clock;
use loyalty_core::store::SERVER_URL_KEY;
use loyalty_core::sync::{SyncClient, SyncConfig};

use crate::client::{ALL, LoyaltyClient, guard};
use crate::listeners::ChangeArea;
use crate::platform::{EnrolledToken, PlatformSecrets, PlatformTokens};
use crate::records::{Enrollment, SignOutReport, SyncReport};
use crate::{LoyaltyError, Result, runtime};

/// What a sync can change, to tell listeners only when something did.
#[derive(PartialEq, Eq)]
struct Mark {
    cursor: Option<String>,
    last_event: i64,
    pending: usize,
    /// The server's version of the program rules (not the rules themselves).
    program: Option<String>,
}

impl LoyaltyClient {
    /// Runs `work` on the crate's runtime; a panic in it becomes `internal`.
    async fn on_runtime<T: Send + 'static>(
        work: impl std::future::Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        match runtime()?.spawn(work).await {
            Ok(r) => r,
            Err(e) if e.is_panic() => Err(crate::client::internal(e.into_panic())),
            Err(e) => Err(CoreError::Interrupted {
                reason: e.to_string(),
            }
            .into()),
        }
    }

    fn url(&self) -> Result<String> {
        match &self.server_url {
            Some(u) => Ok(u.clone()),
            None => self
                .store()
                .meta(SERVER_URL_KEY)?
                .ok_or_else(|| CoreError::NoServer.into()),
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

    fn mark(&self) -> Result<Mark> {
        let store = self.store();
        Ok(Mark {
            cursor: store.meta("sync_cursor")?,
            last_event: store.last_server_seq()?,
            pending: store.pending_count()?,
            program: store.meta("program_version")?,
        })
    }

    /// One sync; the caller holds the operation lock. Returns the report and
    /// the areas to tell the listeners about once the lock is released.
    async fn sync_locked(&self) -> (Result<SyncReport>, Vec<ChangeArea>) {
        let client = match self.sync_client() {
            Ok(c) => c,
            Err(e) => return (Err(e), Vec::new()),
        };
        let before = match self.mark() {
            Ok(m) => m,
            Err(e) => return (Err(e), Vec::new()),
        };
        let result = client.sync(Arc::clone(&self.store)).await;
        // The program or the server clock offset may have changed with any
        // page, even when a later one failed.
        self.forget_card();
        let after = self.mark();
        let moved = after.as_ref().map_or(true, |a| *a != before);
        let program_updated = after.as_ref().map_or(true, |a| a.program != before.program);
        let report = result
            .map(|r| SyncReport::new(&r, program_updated))
            .map_err(LoyaltyError::from);
        let changed = moved || report.as_ref().is_ok_and(SyncReport::changed);
        (report, if changed { ALL.to_vec() } else { Vec::new() })
    }

    async fn enroll_locked(&self) -> Result<Enrollment> {
        let url = self.url()?;
        if self.store().card_number()?.is_some() {
            return Err(CoreError::AlreadyEnrolled.into());
        }
        let member = SyncClient::enroll_member(&url).await?;
        let platform = PlatformSecrets(Arc::clone(&self.secrets));
        self.store()
            .enroll_member(&member, &url, &platform, self.clock.now())?;
        self.forget_card();
        let last4: String = member.card_number.chars().rev().take(4).collect();
        Ok(Enrollment {
            member_id: member.member_id,
            card_last4: last4.chars().rev().collect(),
        })
    }

    async fn sign_out_locked(&self) -> Result<SignOutReport> {
        let last_sync_error = match self.url() {
            Ok(_) => self.sync_locked().await.0.err().map(|e| e.to_string()),
            Err(e) if e.code() == "no_server" => None,
            Err(e) => return Err(e),
        };
        let platform = PlatformSecrets(Arc::clone(&self.secrets));
        let dropped = {
            let mut store = self.store();
            let dropped = store.pending_count()?;
            // Atomic in the core: on error nothing was wiped.
            store.sign_out(&platform)?;
            // Still under the store lock: no card view can be served from the
            // previous member's cache from here on.
            self.forget_card();
            self.sign_outs.fetch_add(1, Ordering::SeqCst);
            dropped
        };
        *guard(&self.sync) = None;
        if let Some(program) = &self.program_json {
            let restored = self.store().set_program(program);
            if let Err(e) = restored {
                tracing::warn!(
                    code = e.code(),
                    "could not restore the app's program after sign-out"
                );
            }
        }
        Ok(SignOutReport {
            last_sync_error,
            unsent_actions_dropped: u32::try_from(dropped).unwrap_or(u32::MAX),
        })
    }

    /// Refuses an operation that waited its turn while the member signed out:
    /// it belongs to the previous member.
    fn still_same_member(&self, sign_outs_at_call: u64) -> Result<()> {
        if self.sign_outs.load(Ordering::SeqCst) != sign_outs_at_call {
            return Err(CoreError::Interrupted {
                reason: "the member signed out while this call waited; nothing was done".into(),
            }
            .into());
        }
        Ok(())
    }
}

#[uniffi::export]
impl LoyaltyClient {
    /// Enrolls a new member on the dev server (real apps enroll through their
    /// own backend and call `enroll_card`): the card and the access token go
    /// to the secret store, the server URL to the wallet. Refused with
    /// `already_enrolled` when this wallet already has a card; nothing is kept
    /// when it fails.
    pub async fn enroll(self: Arc<Self>) -> Result<Enrollment> {
        Self::on_runtime(async move {
            let result = {
                let _one_at_a_time = self.ops.lock().await;
                self.enroll_locked().await
            };
            if result.is_ok() {
                self.notify(&ALL);
            }
            result
        })
        .await
    }

    /// Sends the offline actions, pulls the server's events and messages,
    /// checks the server's digest. Syncs of one client run one after
    /// another, each seeing every action queued before it started; one that
    /// waited while the member signed out is refused (`interrupted`).
    /// Cancelling the caller (a Kotlin coroutine, a Swift task) lets the sync
    /// finish in the background; the store is consistent either way.
    pub async fn sync(self: Arc<Self>) -> Result<SyncReport> {
        let sign_outs = self.sign_outs.load(Ordering::SeqCst);
        Self::on_runtime(async move {
            let (result, areas) = {
                let _one_at_a_time = self.ops.lock().await;
                match self.still_same_member(sign_outs) {
                    Ok(()) => self.sync_locked().await,
                    Err(e) => (Err(e), Vec::new()),
                }
            };
            self.notify(&areas);
            result
        })
        .await
    }

    /// Signs the shopper out: a last sync attempt, then every trace of them
    /// (wallet, inbox, card, secrets, token) leaves this device and the
    /// app's program (if configured) is loaded again. The client stays usable
    /// for the next member. Nothing is wiped when it fails.
    pub async fn sign_out(self: Arc<Self>) -> Result<SignOutReport> {
        Self::on_runtime(async move {
            let result = {
                let _one_at_a_time = self.ops.lock().await;
                self.sign_out_locked().await
            };
            // Even a failed last sync may have changed things; a wipe changes everything.
            self.notify(&ALL);
            result
        })
        .await
    }
}

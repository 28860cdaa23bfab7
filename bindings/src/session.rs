//! The client's network side: enroll, sync and sign-out, forwarded to
//! `loyalty_core::session`. Each runs whole — network, store writes, cache
//! reset and change notification — as one task on the crate's runtime, one
//! at a time per client; listeners are called
//! after that turn is over, so they may start the next one. A caller that
//! gives up (a cancelled coroutine or Swift task) only stops waiting: the
//! task finishes, so the store, the card cache and the listeners never see
//! half an operation.

use std::sync::Arc;

use loyalty_core::LoyaltyError as CoreError;
use loyalty_core::session::Done;

use crate::client::LoyaltyClient;
use crate::records::{Enrollment, SignOutReport, SyncReport};
use crate::{LoyaltyError, Result, runtime};

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
}

#[uniffi::export]
impl LoyaltyClient {
    /// Enrolls a new member on the dev server (real apps enroll through their
    /// own backend and call `enroll_card`): the card and the access token go
    /// to the secret store, the server URL to the wallet. Refused with
    /// `already_enrolled` when this wallet already holds a member (a card, a
    /// server, events or pending actions); nothing is kept when it fails.
    pub async fn enroll(self: Arc<Self>) -> Result<Enrollment> {
        Self::on_runtime(async move {
            let done = {
                let _one_at_a_time = self.ops.lock().await;
                self.session.enroll().await
            };
            let me = self.finish(done)?;
            Ok(Enrollment {
                member_id: me.member_id,
                card_last4: me.card_last4,
            })
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
        let sign_outs = self.session.sign_outs();
        Self::on_runtime(async move {
            let done = {
                let _one_at_a_time = self.ops.lock().await;
                match self.session.ensure_same_member(sign_outs) {
                    Ok(()) => self.session.sync().await,
                    Err(e) => Done::on_success(Err(e), &[]),
                }
            };
            let r = self.finish(done)?;
            Ok(SyncReport::new(&r))
        })
        .await
    }

    /// A static identify/earn-only credential for the member's Apple Wallet
    /// pass, from the server (its barcode, `92…`): give it to
    /// `apple_wallet_pass`. `no_card` before a card is enrolled.
    pub async fn wallet_pass_token(self: Arc<Self>) -> Result<String> {
        Self::on_runtime(async move { Ok(self.session.wallet_pass_token().await?) }).await
    }

    /// Signs the shopper out: a last sync attempt, then every trace of them
    /// (wallet, inbox, card, secrets, token) leaves this device and the
    /// app's program (if configured) is loaded again. The client stays usable
    /// for the next member. Nothing is wiped when it fails.
    pub async fn sign_out(self: Arc<Self>) -> Result<SignOutReport> {
        Self::on_runtime(async move {
            let done = {
                let _one_at_a_time = self.ops.lock().await;
                self.session.sign_out().await
            };
            // Even a failed last sync may have changed things; a wipe changes everything.
            let r = self.finish(done)?;
            Ok(SignOutReport {
                last_sync_error: r
                    .last_sync_error()
                    .map(|e| LoyaltyError::from(e.clone()).to_string()),
                unsent_actions_dropped: u32::try_from(r.unsent_actions_dropped).unwrap_or(u32::MAX),
            })
        })
        .await
    }
}

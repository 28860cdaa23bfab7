//! The session's everyday operations: screens read from the store, offline
//! writes with the areas they change, and the card service cache.

use std::sync::Arc;

use super::{ChangeArea, Done, Session, guard};
use crate::card::{
    CARD_SECRET_KEY, CardService, CardView, LinearBarcode, MemorySecretStore, secret_from_hex,
};
use crate::goals::views::{BadgeView, ChallengeView};
use crate::inbox::model::{Message, PushOutcome};
use crate::kernel::error::Result;
use crate::wallet::model::{LedgerEntry, PurchaseInput, PurchaseQuote};
use crate::wallet::snapshot::WalletSnapshot;

/// The wallet screen: the snapshot and how many offline actions wait for the server.
#[derive(Debug, Clone)]
pub struct WalletScreen {
    /// Balance, tier and progress, expiring points, coupons, recent history.
    pub snapshot: WalletSnapshot,
    /// Offline actions not yet confirmed by the server.
    pub pending_actions: usize,
}

impl Session {
    /// The wallet screen: points expiring within `expiring_days`, the newest
    /// `history_limit` history entries.
    pub fn wallet_snapshot(
        &self,
        expiring_days: i64,
        history_limit: usize,
    ) -> Result<WalletScreen> {
        let store = self.store();
        let snapshot = store.snapshot(self.now(), expiring_days, history_limit)?;
        let pending_actions = store.pending_count()?;
        Ok(WalletScreen {
            snapshot,
            pending_actions,
        })
    }

    /// History entries older than `before` (the newest when `None`), at most `limit`.
    pub fn history(&self, before: Option<i64>, limit: usize) -> Result<Vec<LedgerEntry>> {
        self.store().history(before, limit)
    }

    /// What the checkout screen shows for `input`; changes nothing.
    pub fn preview_purchase(&self, input: &PurchaseInput) -> Result<PurchaseQuote> {
        self.store().preview_purchase(input, self.now())
    }

    /// Redeems a reward on the device at once (queued for the server); the
    /// new coupon's id. Changes the wallet.
    pub fn redeem_reward(&self, reward_id: &str) -> Done<String> {
        let result = self.store().redeem_offline(reward_id, self.now());
        Done::on_success(result, &[ChangeArea::Wallet])
    }

    /// Joins an opt-in challenge on the device at once (queued for the
    /// server). Changes the goals and the wallet's pending count.
    pub fn join_challenge(&self, challenge_id: &str) -> Done<()> {
        let result = self.store().join_offline(challenge_id, self.now());
        Done::on_success(result, &[ChangeArea::Goals, ChangeArea::Wallet])
    }

    /// The leaderboards screen: the program's boards with the latest
    /// standings a sync brought (shown offline with their `computed_at`)
    /// and whether I have joined.
    pub fn leaderboards(&self) -> Result<crate::store::BoardsView> {
        self.store().leaderboards()
    }

    /// Joins the leaderboards as `name` on the device at once (sent with the
    /// next sync); the cleaned name. Changes the goals area.
    pub fn join_leaderboard(&self, name: &str) -> Done<String> {
        let result = self.store().join_leaderboard(name, self.now());
        Done::on_success(result, &[ChangeArea::Goals])
    }

    /// Leaves the leaderboards (sent with the next sync). Changes the goals area.
    pub fn leave_leaderboard(&self) -> Done<()> {
        let result = self.store().leave_leaderboard(self.now());
        Done::on_success(result, &[ChangeArea::Goals])
    }

    /// Challenges (active, closest to completion first) and badges.
    pub fn goals(&self) -> Result<(Vec<ChallengeView>, Vec<BadgeView>)> {
        self.store().goal_views(self.now())
    }

    /// Inbox messages in display order (hidden ones only when `include_hidden`),
    /// after expiring what is due.
    pub fn inbox(&self, include_hidden: bool) -> Result<Vec<Message>> {
        let now = self.now();
        let mut store = self.store();
        store.refresh_inbox(now)?;
        store.list_messages(now, include_hidden)
    }

    /// Unread visible messages.
    pub fn unread_count(&self) -> Result<i64> {
        self.store().unread_count(self.now())
    }

    /// Ingests a push payload as received; changes the inbox unless it was ignored.
    pub fn ingest_push(&self, payload_json: &str) -> Done<PushOutcome> {
        let result = self.store().ingest_push(payload_json, self.now());
        let areas: &[ChangeArea] = match &result {
            Ok(PushOutcome::Ignored) | Err(_) => &[],
            Ok(_) => &[ChangeArea::Inbox],
        };
        Done::on_success(result, areas)
    }

    /// Marks a message read (sent to the server at the next sync).
    pub fn mark_read(&self, message_id: &str) -> Done<()> {
        let result = self.store().mark_read(message_id, self.now());
        Done::on_success(result, &[ChangeArea::Inbox])
    }

    /// Dismisses a message (sticky).
    pub fn dismiss(&self, message_id: &str) -> Done<()> {
        let result = self.store().dismiss(message_id, self.now());
        Done::on_success(result, &[ChangeArea::Inbox])
    }

    /// Activates an offer: its coupon enters the wallet.
    pub fn activate_offer(&self, message_id: &str) -> Done<()> {
        let result = self.store().activate_offer(message_id, self.now());
        Done::on_success(result, &[ChangeArea::Inbox, ChangeArea::Wallet])
    }

    /// Enrolls (or replaces) the card the app's backend issued: its number
    /// and its TOTP secret in hex; the secret goes to the secret store.
    /// Changes the card.
    pub fn enroll_card(&self, card_number: &str, secret_hex: &str) -> Done<()> {
        let now = self.now();
        let result = secret_from_hex(secret_hex).and_then(|secret| {
            self.store()
                .enroll_card(card_number, &secret, self.secrets.as_ref(), now)
        });
        if result.is_ok() {
            self.forget_card();
        }
        Done::on_success(result, &[ChangeArea::Card])
    }

    /// The card service, built once per enrollment, sync or sign-out (it
    /// caches frames per time step). `no_card` before a card is enrolled.
    pub fn card_service(&self) -> Result<Arc<CardService>> {
        // Another process may have enrolled, synced or signed out: a look at
        // the store drops the cached service if so.
        drop(self.store());
        let generation = {
            let cached = guard(&self.card);
            if let Some(card) = cached.1.as_ref() {
                return Ok(Arc::clone(card));
            }
            cached.0
        };
        // The platform store is read without holding the wallet lock.
        let bytes = self.secrets.get(CARD_SECRET_KEY)?;
        let local = MemorySecretStore::default();
        if let Some(b) = bytes {
            crate::card::SecretStore::put(&local, CARD_SECRET_KEY, &b)?;
        }
        let card = self.store().card_service(&local)?;
        // The app's key store is asked for the key before the wallet is locked.
        let signer = match card.config().format {
            crate::card::CardFormat::Loy2 => Some(self.device_signer()),
            crate::card::CardFormat::Loy1 => None,
        };
        let card = Arc::new(
            self.store()
                .attach_credential(card, || signer.unwrap_or_else(|| self.device_signer())),
        );
        let mut cached = guard(&self.card);
        // Cache it only if no enrollment, sync or sign-out happened meanwhile.
        if cached.0 == generation {
            cached.1 = Some(Arc::clone(&card));
        }
        Ok(card)
    }

    /// Drops the cached card service (the card, its secret, the rules or the
    /// server clock offset may have changed).
    pub fn forget_card(&self) {
        let mut cached = guard(&self.card);
        cached.0 = cached.0.wrapping_add(1);
        cached.1 = None;
    }

    /// The card screen now (cached per time step).
    pub fn card_view(&self) -> Result<CardView> {
        self.card_service()?.view(self.now())
    }

    /// The card's code as SVG (cached per step).
    pub fn card_svg(&self) -> Result<String> {
        self.card_service()?.svg(self.now())
    }

    /// The card's code as PNG, `scale` pixels per module (cached per step).
    pub fn card_png(&self, scale: u32) -> Result<Arc<Vec<u8>>> {
        self.card_service()?.png(self.now(), scale)
    }

    /// The static card number as a linear barcode.
    pub fn card_barcode(&self) -> Result<LinearBarcode> {
        self.card_service()?.linear_barcode()
    }
}

//! The member's wallet passes from what the session holds: the enrolled
//! card number and secret, the program's card rules, the points and tier
//! now. The passes themselves are `crate::card::passes` (pure).

use super::Session;
use crate::card::CARD_SECRET_KEY;
use crate::card::Secret;
use crate::card::passes::{PassInput, PassIssuer, PassMember, WalletPasses};
use crate::kernel::error::{LoyaltyError, Result};

impl Session {
    /// The member's passes now: `issuer` as the app configures it, the
    /// member's name if the pass shows one, and the object id suffix (the
    /// card number when `None`). `no_card` before a card is enrolled;
    /// `invalid_pass` or `invalid_card_number` for input a pass cannot take.
    pub fn wallet_passes(
        &self,
        issuer: PassIssuer,
        object_suffix: Option<String>,
        member_name: Option<String>,
    ) -> Result<WalletPasses> {
        let now = self.now();
        // The platform store is read without holding the wallet lock.
        let secret = self
            .secrets
            .get(CARD_SECRET_KEY)?
            .ok_or(LoyaltyError::NoCard)?;
        let (number, card, snapshot) = {
            let store = self.store();
            let number = store.card_number()?.ok_or(LoyaltyError::NoCard)?;
            let card = store.program().map(|p| p.card.clone()).unwrap_or_default();
            (number, card, store.snapshot(now, 0, 0)?)
        };
        WalletPasses::new(PassInput {
            issuer,
            member: PassMember {
                object_suffix: object_suffix.unwrap_or_else(|| number.clone()),
                card_number: number,
                member_name,
                points: snapshot.balance,
                tier: snapshot.tier.map(|t| t.id),
            },
            card,
            secret: Secret::new(secret)?,
            issued_at: now.timestamp(),
        })
    }
}

//! The session's side of LOY2: the device key (the app's, or a software
//! one kept through the secret store), the credential attached to the card
//! service, and its renewal — with enrollment and with every sync, before
//! it expires, after a revocation, a key rotation or a reset key store.

use std::sync::Arc;

use super::{Session, guard};
use crate::card::CardFormat;
use crate::card::loy2::DeviceSigner;
use crate::kernel::error::{LoyaltyError, Result};
use crate::sync::SyncClient;

/// What a sync did about the device's LOY2 credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSync {
    /// The program uses LOY1 (or no card is enrolled): nothing to do.
    NotUsed,
    /// The credential is good for a while yet.
    Kept,
    /// A new credential was issued and kept.
    Renewed,
    /// Renewing failed (the card shows LOY1 with a notice if the old one is
    /// unusable); the next sync tries again.
    Failed {
        /// The error's stable code.
        code: String,
    },
}

/// Renew once less than this share of a credential's lifetime is left (1/4).
const RENEW_WHEN_LEFT_DIVISOR: i64 = 4;

impl Session {
    /// The key that signs this device's LOY2 codes: the configured one, else
    /// (feature `software-signer`) a software key in the secret store, made
    /// on first use. Without either, LOY2 is unavailable (`secret_store`)
    /// and the card shows its LOY1 code.
    pub fn device_signer(&self) -> Result<Arc<dyn DeviceSigner>> {
        if let Some(s) = &self.config.device_signer {
            return Ok(Arc::clone(s));
        }
        let mut cached = guard(&self.software_signer);
        if let Some(s) = cached.as_ref() {
            return Ok(Arc::clone(s));
        }
        let signer = self.software_signer()?;
        *cached = Some(Arc::clone(&signer));
        Ok(signer)
    }

    #[cfg(feature = "software-signer")]
    fn software_signer(&self) -> Result<Arc<dyn DeviceSigner>> {
        let key = crate::card::soft_key::SoftwareSigner::load_or_create(self.secrets.as_ref())?;
        Ok(Arc::new(key))
    }

    #[cfg(not(feature = "software-signer"))]
    fn software_signer(&self) -> Result<Arc<dyn DeviceSigner>> {
        Err(LoyaltyError::SecretStore {
            reason: "no device key for LOY2 codes: give the client a DeviceSigner (the Android \
                     Keystore, the Secure Enclave)"
                .into(),
        })
    }

    /// A static identify/earn-only credential for the member's wallet pass
    /// (the Apple pass's barcode), as its `92…` text, from the server.
    pub async fn wallet_pass_token(&self) -> Result<String> {
        self.store().card_number()?.ok_or(LoyaltyError::NoCard)?;
        self.sync_client()?.wallet_pass_credential().await
    }

    fn uses_loy2(&self) -> bool {
        self.store()
            .program()
            .is_some_and(|p| p.card.format == CardFormat::Loy2)
    }

    /// Asks for a new credential when there is none, it is revoked, its key
    /// was retired, the device key changed, or less than a quarter of its
    /// lifetime is left. Never fails the caller: the outcome says.
    pub(super) async fn refresh_credential(&self, client: &SyncClient) -> CredentialSync {
        match self.uses_loy2() {
            false => CredentialSync::NotUsed,
            true => match self.refresh_credential_inner(client).await {
                Ok(renewed) => {
                    if renewed {
                        self.forget_card();
                        CredentialSync::Renewed
                    } else {
                        CredentialSync::Kept
                    }
                }
                Err(LoyaltyError::NoCard) => CredentialSync::NotUsed,
                Err(e) => {
                    tracing::warn!(code = e.code(), "the LOY2 credential was not renewed");
                    CredentialSync::Failed {
                        code: e.code().to_string(),
                    }
                }
            },
        }
    }

    async fn refresh_credential_inner(&self, client: &SyncClient) -> Result<bool> {
        let (card, stored, offset_ms) = {
            let store = self.store();
            let number = store.card_number()?.ok_or(LoyaltyError::NoCard)?;
            (number, store.loy2_credential()?, store.server_offset_ms()?)
        };
        let card: u64 = card.parse().map_err(|_| LoyaltyError::InvalidCardConfig {
            field: "format".into(),
            reason: "loy2 needs a card number of digits only (at most 19)".into(),
        })?;
        let signer = self.device_signer()?;
        let device_key = signer.public_key()?;
        let keys = client.card_keys().await?;
        let server_s = self
            .now()
            .timestamp_millis()
            .saturating_add(offset_ms)
            .div_euclid(1000);
        if let Some(stored) = &stored {
            let fields = crate::card::loy2::credential_fields(&stored.bytes)?;
            let revoked = stored.revoked || keys.revoked.contains(&fields.serial);
            if revoked && !stored.revoked {
                self.store().mark_loy2_revoked()?;
                self.forget_card();
            }
            let lifetime = fields.not_after() - i64::from(fields.not_before);
            let fresh = !revoked
                && fields.device_key == device_key
                && keys.keys.iter().any(|k| k.kid == fields.kid)
                && server_s >= i64::from(fields.not_before)
                && fields.not_after() - server_s > lifetime / RENEW_WHEN_LEFT_DIVISOR;
            if fresh {
                return Ok(false);
            }
        }
        let bytes = client
            .issue_credential(&device_key, card, &keys, server_s)
            .await?;
        self.store().set_loy2_credential(&bytes)?;
        tracing::info!("LOY2 credential renewed");
        Ok(true)
    }
}

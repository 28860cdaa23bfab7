//! The phone's side of LOY2 codes: a device key that signs each time step's
//! presentation of the credential the program issued for it. Apps implement
//! [`DeviceSigner`] with the Android Keystore (StrongBox when present) or
//! the iOS Secure Enclave, so the key never leaves the hardware;
//! `soft_key::SoftwareSigner` (feature `software-signer`, on by default, off in the
//! mobile library) keeps a P-256 key through the secret store for the CLI,
//! the dev server's tests and desktop QA. The bytes are the till
//! crate's ([`loyalty_till::format`]): one format for phones and tills.

use std::sync::Arc;

use crate::kernel::error::{LoyaltyError, Result};
use loyalty_till::format::{self, CREDENTIAL_FIELDS_LEN, CREDENTIAL_LEN, Credential, STEP_SECONDS};

/// The secret-store key of the software device key.
pub const DEVICE_KEY: &str = "loy2_device_key";

/// A P-256 key that signs presentations; the private half stays with it.
pub trait DeviceSigner: Send + Sync {
    /// The public key, SEC1 compressed (33 bytes): what the credential binds.
    fn public_key(&self) -> Result<[u8; 33]>;
    /// An ECDSA P-256 / SHA-256 signature of `message`, as `r ‖ s` (64 bytes).
    fn sign(&self, message: &[u8]) -> Result<[u8; 64]>;
}

/// The QR text of `credential` presented at time step `step`: the credential,
/// the step and the device's signature over both, as `92` and digits.
pub fn presentation_text(
    credential: &[u8; CREDENTIAL_LEN],
    step: u32,
    signer: &dyn DeviceSigner,
) -> Result<String> {
    let signature = signer.sign(&format::device_message(credential, step))?;
    let bytes = [credential.as_slice(), &step.to_be_bytes(), &signature].concat();
    Ok(format::to_text(&bytes))
}

/// Why a LOY2 card shows its LOY1 code instead (never no code): the app
/// says so beside the code, and the next sync tries to put it right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardNotice {
    /// The program issued no credential to this device yet (it comes with
    /// enrollment and with a sync).
    CredentialMissing,
    /// The credential's validity has not begun (the clock is far behind).
    CredentialNotYetValid,
    /// The credential has expired or expires within two steps; a sync renews it.
    CredentialExpired,
    /// The program revoked the credential; a sync asks for a new one.
    CredentialRevoked,
    /// The device key is not the one the credential binds (the key store
    /// was reset); a sync asks for a credential for the new key.
    DeviceKeyChanged,
    /// The device key could not sign (the key store refused or failed).
    SignerFailed,
}

impl CardNotice {
    /// The stable snake_case code apps map to their text.
    pub fn code(self) -> &'static str {
        match self {
            Self::CredentialMissing => "credential_missing",
            Self::CredentialNotYetValid => "credential_not_yet_valid",
            Self::CredentialExpired => "credential_expired",
            Self::CredentialRevoked => "credential_revoked",
            Self::DeviceKeyChanged => "device_key_changed",
            Self::SignerFailed => "signer_failed",
        }
    }
}

/// Reads a credential's signed fields (no signature check: that is the
/// till's, and the sync's when it is issued).
pub fn credential_fields(bytes: &[u8; CREDENTIAL_LEN]) -> Result<Credential> {
    let fields: &[u8; CREDENTIAL_FIELDS_LEN] = bytes[..CREDENTIAL_FIELDS_LEN]
        .try_into()
        .map_err(|_| bad_credential())?;
    Credential::from_fields(fields).ok_or_else(bad_credential)
}

fn bad_credential() -> LoyaltyError {
    LoyaltyError::Corrupt {
        reason: "the stored LOY2 credential is not of a known version".into(),
    }
}

/// The credential the program issued for this device, with the signer
/// holding the key it binds: what the card service presents every step.
pub struct DeviceCredential {
    bytes: [u8; CREDENTIAL_LEN],
    fields: Credential,
    revoked: bool,
    key_matches: bool,
    signer: Arc<dyn DeviceSigner>,
}

impl std::fmt::Debug for DeviceCredential {
    /// Omits the card number the credential carries.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredential")
            .field("kid", &self.fields.kid)
            .field("serial", &self.fields.serial)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

impl DeviceCredential {
    /// The credential `bytes` (revoked when the program said so), presented
    /// with `signer`. Asks the signer for its public key once, to tell a
    /// reset key store apart ([`CardNotice::DeviceKeyChanged`]).
    pub fn new(
        bytes: [u8; CREDENTIAL_LEN],
        revoked: bool,
        signer: Arc<dyn DeviceSigner>,
    ) -> Result<Self> {
        let fields = credential_fields(&bytes)?;
        let key_matches = match signer.public_key() {
            Ok(key) => key == fields.device_key,
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "the device key's public half is unavailable"
                );
                false
            }
        };
        Ok(Self {
            bytes,
            fields,
            revoked,
            key_matches,
            signer,
        })
    }

    /// The credential's signed fields.
    pub fn fields(&self) -> &Credential {
        &self.fields
    }

    /// The step to present at trusted time `server_s` (Unix seconds), or
    /// why the credential cannot be used then. A credential within two
    /// steps of its end counts as expired: a code shown must stay good for
    /// as long as a till accepts it.
    pub fn usable_at(&self, server_s: i64) -> std::result::Result<u32, CardNotice> {
        if self.revoked {
            return Err(CardNotice::CredentialRevoked);
        }
        if !self.key_matches {
            return Err(CardNotice::DeviceKeyChanged);
        }
        if server_s < i64::from(self.fields.not_before) {
            return Err(CardNotice::CredentialNotYetValid);
        }
        if server_s.saturating_add(2 * STEP_SECONDS) >= self.fields.not_after() {
            return Err(CardNotice::CredentialExpired);
        }
        u32::try_from(server_s.div_euclid(STEP_SECONDS)).map_err(|_| CardNotice::CredentialExpired)
    }

    /// The QR text for `step` (one signature by the device key).
    pub fn present(&self, step: u32) -> Result<String> {
        presentation_text(&self.bytes, step, self.signer.as_ref())
    }
}

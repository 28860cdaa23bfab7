//! A LOY2 device key in software: a P-256 key kept through the secret
//! store, for the CLI, the dev server's tests and desktop QA. Phones sign
//! with the Android Keystore or the Secure Enclave instead (the mobile
//! library is built without this, feature `software-signer`).

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};

use super::SecretStore;
use super::loy2::{DEVICE_KEY, DeviceSigner};
use crate::kernel::error::{LoyaltyError, Result};

fn signer_failed(reason: impl std::fmt::Display) -> LoyaltyError {
    LoyaltyError::SecretStore {
        reason: format!("the device key: {reason}"),
    }
}

/// A device key in software, kept through a [`SecretStore`] (created on first use).
pub struct SoftwareSigner {
    key: SigningKey,
}

impl std::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareSigner(<redacted>)")
    }
}

impl SoftwareSigner {
    /// The key stored under [`DEVICE_KEY`] in `secrets`, or a new random one stored there.
    pub fn load_or_create(secrets: &dyn SecretStore) -> Result<Self> {
        if let Some(bytes) = secrets.get(DEVICE_KEY)? {
            let key = SigningKey::from_slice(&bytes)
                .map_err(|_| signer_failed("the stored key is not a P-256 key"))?;
            return Ok(Self { key });
        }
        // A fresh scalar from the OS; the odds of an invalid one (zero or ≥ n) are ~2⁻¹²⁸, retried all the same.
        for _ in 0..4 {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes)
                .map_err(|e| signer_failed(format!("no randomness: {e}")))?;
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                secrets.put(DEVICE_KEY, &bytes)?;
                return Ok(Self { key });
            }
        }
        Err(signer_failed("no valid key from the OS's randomness"))
    }
}

impl DeviceSigner for SoftwareSigner {
    fn public_key(&self) -> Result<[u8; 33]> {
        let point = self.key.verifying_key().to_encoded_point(true);
        point
            .as_bytes()
            .try_into()
            .map_err(|_| signer_failed("not a compressed point"))
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64]> {
        let sig: Signature = self.key.sign(message);
        Ok(sig.to_bytes().into())
    }
}

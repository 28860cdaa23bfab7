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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::MemorySecretStore;
    use crate::card::loy2::presentation_text;
    use loyalty_till::format::{self, CREDENTIAL_LEN};
    use loyalty_till::format::{Credential, Scope};
    use loyalty_till::{OfflineVerifier, Refusal};

    /// A code made by the phone's software key is taken by an offline till,
    /// once; the key survives in the secret store.
    #[test]
    fn a_software_signed_code_passes_an_offline_till() {
        let secrets = MemorySecretStore::default();
        let signer = SoftwareSigner::load_or_create(&secrets).unwrap();
        let again = SoftwareSigner::load_or_create(&secrets).unwrap();
        assert_eq!(signer.public_key().unwrap(), again.public_key().unwrap());
        // The issuer's side, as the server does it (here with a fixed test key).
        let issuer = ed25519_test_key();
        let now: i64 = 1_796_119_221;
        let fields = Credential {
            kid: 1,
            card: 4_006_381_333_931,
            not_before: (now - 60) as u32,
            lifetime_hours: 720,
            scope: Scope(Scope::IDENTIFY | Scope::EARN),
            serial: 9,
            device_key: signer.public_key().unwrap(),
        }
        .fields();
        let mut credential = [0u8; CREDENTIAL_LEN];
        credential[..fields.len()].copy_from_slice(&fields);
        credential[fields.len()..].copy_from_slice(&issuer.1(&format::issuer_message(&fields)));
        let step = (now / format::STEP_SECONDS) as u32;
        let text = presentation_text(&credential, step, &again).unwrap();
        let mut till = OfflineVerifier::new();
        assert!(till.add_key(1, &issuer.0));
        assert_eq!(till.verify(&text, now).unwrap().card, 4_006_381_333_931);
        assert_eq!(till.verify(&text, now), Err(Refusal::TokenReplayed));
        assert!(format!("{signer:?}").contains("redacted"));
    }

    /// The issuer's fixed test key: its public half and a signing function
    /// (the core never holds an issuer key; only this test does).
    fn ed25519_test_key() -> ([u8; 32], impl Fn(&[u8]) -> [u8; 64]) {
        // RFC 8032 test vector 1's secret key.
        let secret = [
            0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec,
            0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03,
            0x1c, 0xae, 0x7f, 0x60,
        ];
        let key = ed25519_dalek::SigningKey::from_bytes(&secret);
        let public = key.verifying_key().to_bytes();
        (public, move |m: &[u8]| {
            use ed25519_dalek::Signer as _;
            key.sign(m).to_bytes()
        })
    }
}

//! The card's records and the LOY2 parts of the API: the card view, the
//! app's device key as a foreign trait ([`DeviceSigner`]), and the till's
//! offline verifier for POS apps and QA ([`TillVerifier`]).

use std::sync::{Arc, Mutex};

use loyalty_core::card as core_card;
use loyalty_core::card::loy2 as core_loy2;
use loyalty_till::keys::KeySet;

use crate::{LoyaltyError, Result};

/// What a sync did about the device's LOY2 credential.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CredentialStatus {
    /// The program uses LOY1 (or no card is enrolled).
    NotUsed,
    /// The credential is unchanged.
    Kept,
    /// A new credential was issued.
    Renewed,
    /// Renewing failed; the next sync tries again.
    Failed {
        /// The error's stable code.
        code: String,
    },
}

impl From<&loyalty_core::session::CredentialSync> for CredentialStatus {
    fn from(c: &loyalty_core::session::CredentialSync) -> Self {
        use loyalty_core::session::CredentialSync as C;
        match c {
            C::NotUsed => Self::NotUsed,
            C::Kept => Self::Kept,
            C::Renewed => Self::Renewed,
            C::Failed { code } => Self::Failed { code: code.clone() },
        }
    }
}

/// Which code the card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardCodeFormat {
    /// The TOTP payload (`LOY1:…`), checked by an online till.
    Loy1,
    /// The device-signed code (`92…`), checked offline by any till.
    Loy2,
}

/// Why a LOY2 card shows its LOY1 code instead; the app says so beside the
/// code (the shopper can still pay), and the next sync tries to put it right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardNotice {
    /// No credential yet: it comes with enrollment or the next sync.
    CredentialMissing,
    /// The credential is not valid yet (the clock is far behind).
    CredentialNotYetValid,
    /// The credential expired; the next sync renews it.
    CredentialExpired,
    /// The program revoked the credential; the next sync asks for a new one.
    CredentialRevoked,
    /// The device key changed (key store reset); the next sync asks for a new credential.
    DeviceKeyChanged,
    /// The device key could not sign this time.
    SignerFailed,
}

impl From<core_loy2::CardNotice> for CardNotice {
    fn from(n: core_loy2::CardNotice) -> Self {
        use core_loy2::CardNotice as N;
        match n {
            N::CredentialMissing => Self::CredentialMissing,
            N::CredentialNotYetValid => Self::CredentialNotYetValid,
            N::CredentialExpired => Self::CredentialExpired,
            N::CredentialRevoked => Self::CredentialRevoked,
            N::DeviceKeyChanged => Self::DeviceKeyChanged,
            N::SignerFailed => Self::SignerFailed,
        }
    }
}

/// The card screen.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CardView {
    /// Card number grouped for reading aloud.
    pub display_number: String,
    /// What the barcode encodes.
    pub payload: String,
    /// QR modules per side (0 for a linear barcode).
    pub qr_side: u32,
    /// Light modules to leave around the QR code.
    pub quiet_zone: u32,
    /// Row-major module bits, 1 = dark, most significant bit first.
    pub qr_bits: Vec<u8>,
    /// Whole seconds until the payload rotates (none when static).
    pub seconds_to_rotation: Option<i64>,
    /// Milliseconds until the payload rotates (none when static): schedule
    /// the next `card_view()` this far ahead to refresh exactly at the step.
    pub millis_to_rotation: Option<i64>,
    /// Whole seconds until a till refuses this payload (none when static):
    /// one step after the rotation, as tills accept the neighbouring step
    /// for clock drift. When a screenshot stops working; a code pays once.
    pub seconds_until_refused: Option<i64>,
    /// Which code `payload` is.
    pub format: CardCodeFormat,
    /// Why a LOY2 card shows LOY1 now (none otherwise).
    pub notice: Option<CardNotice>,
}

impl From<&core_card::CardView> for CardView {
    fn from(v: &core_card::CardView) -> Self {
        let qr = v.frame.qr.as_ref();
        Self {
            display_number: v.frame.display_number.clone(),
            payload: v.frame.payload.clone(),
            qr_side: qr.map_or(0, |q| q.side as u32),
            quiet_zone: qr.map_or(0, |q| q.quiet_zone as u32),
            qr_bits: qr.map(|q| q.bits.clone()).unwrap_or_default(),
            seconds_to_rotation: v.seconds_to_rotation,
            millis_to_rotation: v.millis_to_rotation,
            seconds_until_refused: v.seconds_until_refused,
            format: match v.frame.format {
                core_card::CardFormat::Loy1 => CardCodeFormat::Loy1,
                core_card::CardFormat::Loy2 => CardCodeFormat::Loy2,
            },
            notice: v.frame.notice.map(CardNotice::from),
        }
    }
}

/// The app's device key for LOY2 codes: a P-256 key in the Android Keystore
/// (StrongBox when present) or the iOS Secure Enclave; the private half
/// never leaves it. The core asks for at most one signature per 30 s step.
///
/// Called from any thread; must not call back into the client. Throwing
/// makes the card show its LOY1 code with the notice `signer_failed`.
#[uniffi::export(with_foreign)]
pub trait DeviceSigner: Send + Sync {
    /// The public key: SEC1 compressed (33 bytes) or uncompressed (65 bytes,
    /// iOS `SecKeyCopyExternalRepresentation`), or X.509 SubjectPublicKeyInfo
    /// DER (91 bytes, Android `PublicKey.getEncoded()`).
    fn public_key(&self) -> std::result::Result<Vec<u8>, LoyaltyError>;
    /// An ECDSA P-256 / SHA-256 signature of `message`: DER (what Android's
    /// `SHA256withECDSA` and iOS `ecdsaSignatureMessageX962SHA256` give) or
    /// raw `r ‖ s` (64 bytes).
    fn sign(&self, message: Vec<u8>) -> std::result::Result<Vec<u8>, LoyaltyError>;
}

/// The DER prefix of a P-256 SubjectPublicKeyInfo before its 65-byte point.
const SPKI_P256_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

fn signer_failed(reason: impl std::fmt::Display) -> loyalty_core::LoyaltyError {
    loyalty_core::LoyaltyError::SecretStore {
        reason: format!("the app's device key: {reason}"),
    }
}

/// The app's public key as SEC1 compressed (33 bytes), from any of the
/// encodings [`DeviceSigner::public_key`] allows.
pub(crate) fn compressed_key(bytes: &[u8]) -> loyalty_core::Result<[u8; 33]> {
    let sec1 = match bytes.len() {
        91 if bytes[..26] == SPKI_P256_PREFIX => &bytes[26..],
        33 | 65 => bytes,
        n => {
            return Err(signer_failed(format!(
                "a public key of {n} bytes is no P-256 key encoding"
            )));
        }
    };
    let key = p256::PublicKey::from_sec1_bytes(sec1)
        .map_err(|_| signer_failed("not a P-256 public key"))?;
    let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key, true);
    point
        .as_bytes()
        .try_into()
        .map_err(|_| signer_failed("not a compressed point"))
}

/// A signature as `r ‖ s`, from DER or raw.
pub(crate) fn raw_signature(bytes: &[u8]) -> loyalty_core::Result<[u8; 64]> {
    let sig = if bytes.len() == 64 {
        p256::ecdsa::Signature::from_slice(bytes)
    } else {
        p256::ecdsa::Signature::from_der(bytes)
    }
    .map_err(|_| signer_failed("the signature is neither DER nor r‖s of P-256"))?;
    Ok(sig.to_bytes().into())
}

/// The app's [`DeviceSigner`] seen as the core's.
pub(crate) struct PlatformSigner(pub(crate) Arc<dyn DeviceSigner>);

impl core_loy2::DeviceSigner for PlatformSigner {
    fn public_key(&self) -> loyalty_core::Result<[u8; 33]> {
        compressed_key(&self.0.public_key().map_err(signer_failed)?)
    }
    fn sign(&self, message: &[u8]) -> loyalty_core::Result<[u8; 64]> {
        raw_signature(&self.0.sign(message.to_vec()).map_err(signer_failed)?)
    }
}

/// What a till's offline check of a scanned code found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillCheck {
    /// The code was accepted (and its step recorded).
    pub accepted: bool,
    /// Why not: `malformed`, `unknown_key`, `bad_issuer_signature`,
    /// `credential_not_yet_valid`, `credential_expired`,
    /// `credential_revoked`, `token_expired`, `token_too_early`,
    /// `bad_device_signature` or `token_replayed`.
    pub refusal: Option<String>,
    /// The member's card number, when accepted.
    pub card_number: Option<String>,
    /// The code's 30 s step, when accepted.
    pub step: Option<u32>,
    /// What the credential allows: `identify`, `earn`, `redeem_offline`, `redeem_online`.
    pub scope: Vec<String>,
    /// A static wallet-pass token (identify and earn only).
    pub static_pass: bool,
}

/// The till's offline check of LOY2 codes (what a POS app runs, and QA on a
/// desktop): the program's public keys, the revoked serials, and the newest
/// step accepted per card. No network, no member secret.
#[derive(uniffi::Object)]
pub struct TillVerifier {
    inner: Mutex<loyalty_till::OfflineVerifier>,
}

impl std::fmt::Debug for TillVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TillVerifier")
    }
}

fn invalid_keys(e: loyalty_till::keys::KeySetError) -> LoyaltyError {
    LoyaltyError::Failure {
        code: e.code().into(),
        reason: e.to_string(),
    }
}

#[uniffi::export]
impl TillVerifier {
    /// A verifier trusting the key set `keys_json` (what `GET /v1/card/keys`
    /// answers); refused with `invalid_keys` when it is not one.
    #[uniffi::constructor]
    pub fn new(keys_json: String) -> Result<Arc<Self>> {
        let set = KeySet::from_json(&keys_json).map_err(invalid_keys)?;
        let verifier = loyalty_till::OfflineVerifier::from_key_set(&set).map_err(invalid_keys)?;
        Ok(Arc::new(Self {
            inner: Mutex::new(verifier),
        }))
    }

    /// Replaces the keys and revoked serials (a refetch), keeping the replay state.
    pub fn load_keys(&self, keys_json: String) -> Result<()> {
        let set = KeySet::from_json(&keys_json).map_err(invalid_keys)?;
        self.lock().load_key_set(&set).map_err(invalid_keys)
    }

    /// Checks a scanned code at the till's clock `unix_seconds` (±1 step).
    pub fn verify(&self, payload: String, unix_seconds: i64) -> TillCheck {
        match self.lock().verify(&payload, unix_seconds) {
            Ok(a) => TillCheck {
                accepted: true,
                refusal: None,
                card_number: Some(a.card.to_string()),
                step: Some(a.step),
                scope: scope_names(a.scope),
                static_pass: a.static_pass,
            },
            Err(r) => TillCheck {
                accepted: false,
                refusal: Some(r.code().into()),
                card_number: None,
                step: None,
                scope: Vec::new(),
                static_pass: false,
            },
        }
    }

    /// The replay state as JSON, to keep between runs.
    pub fn replay_state_json(&self) -> String {
        self.lock().replay_state_json()
    }

    /// Restores what `replay_state_json` gave (`invalid_keys` when it is not that).
    pub fn restore_replay_state(&self, json: String) -> Result<()> {
        self.lock()
            .restore_replay_state_json(&json)
            .map_err(invalid_keys)
    }
}

impl TillVerifier {
    fn lock(&self) -> std::sync::MutexGuard<'_, loyalty_till::OfflineVerifier> {
        // The verifier's maps are whole after any call; a poisoned lock is carried on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The names of a credential's scope bits.
pub(crate) fn scope_names(scope: loyalty_till::format::Scope) -> Vec<String> {
    use loyalty_till::format::Scope;
    [
        (Scope::IDENTIFY, "identify"),
        (Scope::EARN, "earn"),
        (Scope::REDEEM_OFFLINE, "redeem_offline"),
        (Scope::REDEEM_ONLINE, "redeem_online"),
    ]
    .into_iter()
    .filter(|(bit, _)| scope.allows(*bit))
    .map(|(_, name)| name.to_string())
    .collect()
}

/// The program's public keys from the server at `server_url` (what a till
/// keeps to check LOY2 codes offline), as JSON for [`TillVerifier::new`].
#[uniffi::export]
pub async fn fetch_card_keys(server_url: String) -> Result<String> {
    let url = crate::config::check_url(&server_url)?;
    let task = crate::runtime()?
        .spawn(async move { loyalty_core::sync::SyncClient::fetch_card_keys(&url).await });
    match task.await {
        Ok(r) => Ok(r?.to_json()),
        Err(e) => Err(loyalty_core::LoyaltyError::Interrupted {
            reason: e.to_string(),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_and_signatures_in_every_platform_encoding() {
        use p256::ecdsa::signature::Signer as _;
        let key = p256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()).unwrap();
        let public = key.verifying_key();
        let compressed = public.to_encoded_point(true);
        let uncompressed = public.to_encoded_point(false);
        let spki = [SPKI_P256_PREFIX.as_slice(), uncompressed.as_bytes()].concat();
        for encoding in [
            compressed.as_bytes(),
            uncompressed.as_bytes(),
            spki.as_slice(),
        ] {
            assert_eq!(
                compressed_key(encoding).unwrap().as_slice(),
                compressed.as_bytes()
            );
        }
        for bad in [&[4u8; 65][..], &[0u8; 12][..], &spki[1..]] {
            assert_eq!(compressed_key(bad).unwrap_err().code(), "secret_store");
        }
        let sig: p256::ecdsa::Signature = key.sign(b"m");
        let raw: [u8; 64] = sig.to_bytes().into();
        assert_eq!(raw_signature(sig.to_der().as_bytes()).unwrap(), raw);
        assert_eq!(raw_signature(&raw).unwrap(), raw);
        assert!(raw_signature(&raw[..63]).is_err());
    }
}

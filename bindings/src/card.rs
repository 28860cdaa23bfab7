//! The card's records and the LOY2 parts of the API: the card view and the
//! app's device key as a foreign trait ([`DeviceSigner`]). (A till checks
//! LOY2 codes with the `loyalty-till` crate, which this library does not
//! carry: shoppers' phones never verify codes.)

use std::sync::Arc;

use loyalty_core::card as core_card;
use loyalty_core::card::loy2 as core_loy2;

use crate::LoyaltyError;

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
/// encodings [`DeviceSigner::public_key`] allows. Only the encoding is
/// checked here (no curve arithmetic in the mobile library): the server
/// refuses a point that is not on P-256 when it issues the credential.
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
    let point = p256::EncodedPoint::from_bytes(sec1)
        .map_err(|_| signer_failed("not a SEC1 encoded P-256 point"))?;
    if point.is_identity() {
        return Err(signer_failed("the point at infinity is no public key"));
    }
    point
        .compress()
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
        for bad in [&[5u8; 65][..], &[0u8; 12][..], &spki[1..], &[0u8; 33][..]] {
            assert_eq!(compressed_key(bad).unwrap_err().code(), "secret_store");
        }
        let sig: p256::ecdsa::Signature = key.sign(b"m");
        let raw: [u8; 64] = sig.to_bytes().into();
        assert_eq!(raw_signature(sig.to_der().as_bytes()).unwrap(), raw);
        assert_eq!(raw_signature(&raw).unwrap(), raw);
        assert!(raw_signature(&raw[..63]).is_err());
    }
}

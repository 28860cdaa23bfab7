//! What a till links to check LOY2 card codes with no network and no
//! member secret: the wire format ([`format`]) and [`OfflineVerifier`],
//! which holds the program's public keys, the revoked credential serials
//! and, per card, the last time step it accepted.
//!
//! A code is an issuer-signed credential binding the phone's P-256 key,
//! plus the phone's signature over that credential and the current 30 s
//! step (the pattern of rail tickets, UIC DOSIPAS). Crypto comes from
//! `ed25519-dalek` (`verify_strict`) and RustCrypto's `p256`; nothing is
//! hand-rolled. No SQLite, no networking: a POS vendor links this alone.

pub mod format;
pub mod keys;

use std::collections::{HashMap, HashSet};

use ed25519_dalek::{Signature as IssuerSignature, VerifyingKey as IssuerKey};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature as DeviceSignature, VerifyingKey as DeviceKey};

use format::{
    CREDENTIAL_FIELDS_LEN, CREDENTIAL_LEN, Credential, PRESENTATION_LEN, STEP_SECONDS, Scope,
};

/// Why a code is refused, with the stable code a till logs and shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a LOY2 text, the wrong length or version.
    #[error("malformed: not a LOY2 code")]
    Malformed,
    /// Signed by a key this till does not hold (fetch the keys again).
    #[error("unknown_key: the credential names a key this till does not know")]
    UnknownKey,
    /// The issuer's signature does not verify.
    #[error("bad_issuer_signature: the credential was not issued by the program")]
    BadIssuerSignature,
    /// The credential's validity has not begun.
    #[error("credential_not_yet_valid: the credential is not valid yet")]
    CredentialNotYetValid,
    /// The credential's validity has ended (the phone renews it when it syncs).
    #[error("credential_expired: the credential has expired")]
    CredentialExpired,
    /// The credential was revoked.
    #[error("credential_revoked: the credential was revoked")]
    CredentialRevoked,
    /// The code is of a step before the tolerated one (an old screenshot).
    #[error("token_expired: the code is too old")]
    TokenExpired,
    /// The code is of a step after the tolerated one (a clock far ahead).
    #[error("token_too_early: the code is from the future")]
    TokenTooEarly,
    /// The device's signature does not verify.
    #[error("bad_device_signature: the code was not made by the card's phone")]
    BadDeviceSignature,
    /// The card already paid with this step or a later one.
    #[error("token_replayed: this code was already used")]
    TokenReplayed,
}

impl Refusal {
    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownKey => "unknown_key",
            Self::BadIssuerSignature => "bad_issuer_signature",
            Self::CredentialNotYetValid => "credential_not_yet_valid",
            Self::CredentialExpired => "credential_expired",
            Self::CredentialRevoked => "credential_revoked",
            Self::TokenExpired => "token_expired",
            Self::TokenTooEarly => "token_too_early",
            Self::BadDeviceSignature => "bad_device_signature",
            Self::TokenReplayed => "token_replayed",
        }
    }
}

/// What an accepted code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The member's card number.
    pub card: u64,
    /// The time step the code was made for.
    pub step: u32,
    /// What the credential allows.
    pub scope: Scope,
    /// The credential's serial.
    pub serial: u32,
    /// A static wallet-pass token (a bare credential bound to no device):
    /// identify and earn only, never a payment, and no replay check —
    /// `step` is then the till's own.
    pub static_pass: bool,
}

/// The device key a static wallet-pass credential carries: no device (33
/// zero bytes, which no P-256 key encodes to).
pub const NO_DEVICE: [u8; 33] = [0; 33];

/// Checks LOY2 codes offline: the program's public keys by `kid`, the
/// revoked serials, and per card the newest step accepted (so a code is
/// taken once, whatever its signature's bytes: ECDSA signatures are
/// malleable, the replay state is keyed by card and step).
#[derive(Debug, Default)]
pub struct OfflineVerifier {
    keys: HashMap<u8, IssuerKey>,
    revoked: HashSet<u32>,
    last_step: HashMap<u64, u32>,
}

impl OfflineVerifier {
    /// A verifier with no keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts the program's Ed25519 public key `key` under `kid`; `false`
    /// when the bytes are not a valid key.
    pub fn add_key(&mut self, kid: u8, key: &[u8; 32]) -> bool {
        match IssuerKey::from_bytes(key) {
            Ok(k) => {
                self.keys.insert(kid, k);
                true
            }
            Err(_) => false,
        }
    }

    /// Refuses credentials with this serial from now on.
    pub fn revoke(&mut self, serial: u32) {
        self.revoked.insert(serial);
    }

    /// The newest step accepted per card (to keep between runs).
    pub fn replay_state(&self) -> &HashMap<u64, u32> {
        &self.last_step
    }

    /// Restores the state [`OfflineVerifier::replay_state`] gave.
    pub fn restore_replay_state(&mut self, state: HashMap<u64, u32>) {
        self.last_step = state;
    }

    /// Checks the QR text `payload` at `unix_seconds` (the till's clock),
    /// tolerating one step either side, and records the step on success.
    pub fn verify(&mut self, payload: &str, unix_seconds: i64) -> Result<Accepted, Refusal> {
        let bytes = format::from_text(payload).ok_or(Refusal::Malformed)?;
        if bytes.len() == CREDENTIAL_LEN {
            return self.verify_static(&bytes, unix_seconds);
        }
        let bytes: &[u8; PRESENTATION_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| Refusal::Malformed)?;
        let (credential_bytes, rest) = bytes.split_at(CREDENTIAL_LEN);
        let credential_bytes: &[u8; CREDENTIAL_LEN] = credential_bytes
            .try_into()
            .map_err(|_| Refusal::Malformed)?;
        let (fields, issuer_sig) = credential_bytes.split_at(CREDENTIAL_FIELDS_LEN);
        let fields: &[u8; CREDENTIAL_FIELDS_LEN] =
            fields.try_into().map_err(|_| Refusal::Malformed)?;
        let credential = Credential::from_fields(fields).ok_or(Refusal::Malformed)?;
        let (step_bytes, device_sig) = rest.split_at(4);
        let step = u32::from_be_bytes(step_bytes.try_into().map_err(|_| Refusal::Malformed)?);

        self.check_credential(&credential, fields, issuer_sig, unix_seconds)?;
        if credential.device_key == NO_DEVICE {
            // A wallet-pass credential with a signature glued on is no code.
            return Err(Refusal::Malformed);
        }
        let now = unix_seconds.div_euclid(STEP_SECONDS);
        if i64::from(step) < now - 1 {
            return Err(Refusal::TokenExpired);
        }
        if i64::from(step) > now + 1 {
            return Err(Refusal::TokenTooEarly);
        }
        let device = DeviceKey::from_sec1_bytes(&credential.device_key)
            .map_err(|_| Refusal::BadDeviceSignature)?;
        let device_sig =
            DeviceSignature::from_slice(device_sig).map_err(|_| Refusal::BadDeviceSignature)?;
        device
            .verify(&format::device_message(credential_bytes, step), &device_sig)
            .map_err(|_| Refusal::BadDeviceSignature)?;
        if self
            .last_step
            .get(&credential.card)
            .is_some_and(|last| step <= *last)
        {
            return Err(Refusal::TokenReplayed);
        }
        self.last_step.insert(credential.card, step);
        Ok(Accepted {
            card: credential.card,
            step,
            scope: credential.scope,
            serial: credential.serial,
            static_pass: false,
        })
    }

    /// A credential as issued (without a presentation): its fields when the
    /// issuer's signature verifies, it is not revoked and it is valid at
    /// `unix_seconds`. What a phone checks before keeping a new credential.
    pub fn check_issued(
        &self,
        bytes: &[u8; CREDENTIAL_LEN],
        unix_seconds: i64,
    ) -> Result<Credential, Refusal> {
        let (fields, issuer_sig) = bytes.split_at(CREDENTIAL_FIELDS_LEN);
        let fields: &[u8; CREDENTIAL_FIELDS_LEN] =
            fields.try_into().map_err(|_| Refusal::Malformed)?;
        let credential = Credential::from_fields(fields).ok_or(Refusal::Malformed)?;
        self.check_credential(&credential, fields, issuer_sig, unix_seconds)?;
        Ok(credential)
    }

    /// The issuer's signature, revocation and validity of a credential.
    fn check_credential(
        &self,
        credential: &Credential,
        fields: &[u8; CREDENTIAL_FIELDS_LEN],
        issuer_sig: &[u8],
        unix_seconds: i64,
    ) -> Result<(), Refusal> {
        let key = self.keys.get(&credential.kid).ok_or(Refusal::UnknownKey)?;
        let issuer_sig =
            IssuerSignature::from_slice(issuer_sig).map_err(|_| Refusal::BadIssuerSignature)?;
        key.verify_strict(&format::issuer_message(fields), &issuer_sig)
            .map_err(|_| Refusal::BadIssuerSignature)?;
        if self.revoked.contains(&credential.serial) {
            return Err(Refusal::CredentialRevoked);
        }
        if unix_seconds < i64::from(credential.not_before) {
            return Err(Refusal::CredentialNotYetValid);
        }
        if unix_seconds >= credential.not_after() {
            return Err(Refusal::CredentialExpired);
        }
        Ok(())
    }

    /// A bare credential: the static token of a wallet pass (Apple's
    /// PassKit cannot rotate a barcode). Only one bound to no device is
    /// taken — a device-bound credential cut out of a rotating code is
    /// refused as `bad_device_signature` — and only to identify and earn,
    /// whatever scope it names.
    fn verify_static(&self, bytes: &[u8], unix_seconds: i64) -> Result<Accepted, Refusal> {
        let (fields, issuer_sig) = bytes.split_at(CREDENTIAL_FIELDS_LEN);
        let fields: &[u8; CREDENTIAL_FIELDS_LEN] =
            fields.try_into().map_err(|_| Refusal::Malformed)?;
        let credential = Credential::from_fields(fields).ok_or(Refusal::Malformed)?;
        self.check_credential(&credential, fields, issuer_sig, unix_seconds)?;
        if credential.device_key != NO_DEVICE {
            return Err(Refusal::BadDeviceSignature);
        }
        let step =
            u32::try_from(unix_seconds.div_euclid(STEP_SECONDS)).map_err(|_| Refusal::Malformed)?;
        Ok(Accepted {
            card: credential.card,
            step,
            scope: Scope(credential.scope.0 & (Scope::IDENTIFY | Scope::EARN)),
            serial: credential.serial,
            static_pass: true,
        })
    }
}

#[cfg(test)]
mod tests;

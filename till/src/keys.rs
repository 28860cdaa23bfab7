//! The program's public keys as a server publishes them (`GET /v1/card/keys`
//! in `docs/api.md`) and the replay state a till keeps between runs, both
//! as JSON a POS vendor stores beside its configuration.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::OfflineVerifier;

/// The one issuer algorithm of this format version.
pub const ISSUER_ALGORITHM: &str = "Ed25519";
/// Most keys a key set may hold (a program keeps at most 3 live).
pub const MAX_KEYS: usize = 16;
/// Most revoked serials a key set may hold.
pub const MAX_REVOKED: usize = 1_000_000;

/// One of the program's issuer keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKey {
    /// The key id credentials name.
    pub kid: u8,
    /// Always `Ed25519`.
    pub alg: String,
    /// The 32-byte public key, lower-case hex.
    pub public_key: String,
}

/// The keys a till trusts and the credential serials it refuses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySet {
    /// The program's live keys.
    pub keys: Vec<PublicKey>,
    /// Serials of revoked credentials that have not expired yet.
    pub revoked: Vec<u32>,
    /// Seconds per time step (30).
    pub step_seconds: i64,
}

/// Why a key set or a replay state file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySetError {
    /// Not the JSON of a key set (or of a replay state).
    #[error("invalid_keys: {0}")]
    Invalid(String),
}

impl KeySetError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_keys",
        }
    }
}

fn invalid(reason: impl Into<String>) -> KeySetError {
    KeySetError::Invalid(reason.into())
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of even-length hex text (either case); `None` otherwise.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl KeySet {
    /// Parses the JSON a server's key endpoint answers (duplicate `kid`s,
    /// another algorithm, a key of the wrong length or too many entries are refused).
    pub fn from_json(text: &str) -> Result<Self, KeySetError> {
        let set: KeySet = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        set.check()?;
        Ok(set)
    }

    /// The JSON of the key set.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers and lists cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    fn check(&self) -> Result<(), KeySetError> {
        if self.step_seconds != crate::format::STEP_SECONDS {
            return Err(invalid(format!(
                "step_seconds is {}, this till knows only {}",
                self.step_seconds,
                crate::format::STEP_SECONDS
            )));
        }
        if self.keys.is_empty() || self.keys.len() > MAX_KEYS {
            return Err(invalid(format!("1 to {MAX_KEYS} keys are needed")));
        }
        if self.revoked.len() > MAX_REVOKED {
            return Err(invalid(format!("more than {MAX_REVOKED} revoked serials")));
        }
        let mut seen = std::collections::HashSet::new();
        for k in &self.keys {
            if k.alg != ISSUER_ALGORITHM {
                return Err(invalid(format!(
                    "key {}: alg must be {ISSUER_ALGORITHM}",
                    k.kid
                )));
            }
            if !seen.insert(k.kid) {
                return Err(invalid(format!("key {} is listed twice", k.kid)));
            }
            // Whether the bytes are a curve point is checked when a verifier
            // loads them (`load_key_set`): a phone reading the key set to
            // renew its credential links no Ed25519 code.
            if from_hex(&k.public_key).is_none_or(|b| b.len() != 32) {
                return Err(invalid(format!(
                    "key {}: public_key is not 32 bytes of hex",
                    k.kid
                )));
            }
        }
        Ok(())
    }
}

/// The replay high-water marks as a till keeps them between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayFile {
    /// Per card number (decimal text), the newest step accepted.
    last_step: BTreeMap<String, u32>,
}

impl OfflineVerifier {
    /// A verifier trusting `set`'s keys and refusing its revoked serials.
    pub fn from_key_set(set: &KeySet) -> Result<Self, KeySetError> {
        let mut v = Self::new();
        v.load_key_set(set)?;
        Ok(v)
    }

    /// Replaces the keys and revoked serials with `set`'s, keeping the replay state.
    pub fn load_key_set(&mut self, set: &KeySet) -> Result<(), KeySetError> {
        set.check()?;
        let mut fresh = Self::new();
        for k in &set.keys {
            let bytes: [u8; 32] = from_hex(&k.public_key)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| invalid("key length"))?;
            if !fresh.add_key(k.kid, &bytes) {
                return Err(invalid(format!("key {}: not an Ed25519 public key", k.kid)));
            }
        }
        for s in &set.revoked {
            fresh.revoke(*s);
        }
        self.keys = fresh.keys;
        self.revoked = fresh.revoked;
        Ok(())
    }

    /// The replay state as JSON (`{"last_step": {"<card>": step}}`), to keep between runs.
    pub fn replay_state_json(&self) -> String {
        let file = ReplayFile {
            last_step: self
                .replay_state()
                .iter()
                .map(|(card, step)| (card.to_string(), *step))
                .collect(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Restores what [`OfflineVerifier::replay_state_json`] wrote.
    pub fn restore_replay_state_json(&mut self, text: &str) -> Result<(), KeySetError> {
        let file: ReplayFile = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut state = HashMap::with_capacity(file.last_step.len());
        for (card, step) in file.last_step {
            let card: u64 = card
                .parse()
                .map_err(|_| invalid(format!("\"{card}\" is not a card number")))?;
            state.insert(card, step);
        }
        self.restore_replay_state(state);
        Ok(())
    }
}

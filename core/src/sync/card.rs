//! LOY2 over the API: the program's public keys (`GET /v1/card/keys`) and
//! credentials for this device's key (`POST /v1/me/card/credential`). A
//! credential the server hands out is checked before it is kept: a known
//! version, a key the key set lists, not revoked, this card's number, this
//! device's key, and a validity that covers now. Its issuer signature is
//! the till's to check: the phone got it over TLS from its own server, and
//! a bad one only makes codes every till refuses — so the mobile library
//! carries no Ed25519 code.

use std::sync::Arc;

use loyalty_till::format::{CREDENTIAL_LEN, Credential};
use loyalty_till::keys::{KeySet, from_hex, to_hex};
use serde_json::{Value, json};

use super::client::{Method, net, server_error};
use super::{StaticToken, SyncClient, SyncConfig};
use crate::kernel::error::Result;

/// The path of the program's public keys.
pub const KEYS_PATH: &str = "/v1/card/keys";
/// The path that issues credentials.
pub const CREDENTIAL_PATH: &str = "/v1/me/card/credential";

impl SyncClient {
    /// The program's live public keys and revoked serials (no login needed).
    pub async fn card_keys(&self) -> Result<KeySet> {
        let (status, body) = self.request(Method::Get, KEYS_PATH, false).await?;
        if status != 200 {
            return Err(server_error(status, &body));
        }
        KeySet::from_json(&body.to_string())
            .map_err(|e| net(format!("the server's card keys are malformed: {e}")))
    }

    /// The key set of the server at `base_url` (what `loyalty pos keys` prints).
    pub async fn fetch_card_keys(base_url: &str) -> Result<KeySet> {
        let client = Self::new(
            SyncConfig::new(base_url),
            Arc::new(StaticToken(String::new())),
        )?;
        client.card_keys().await
    }

    async fn credential(&self, body: Value) -> Result<Value> {
        let (status, answer) = self
            .request(Method::Post(body), CREDENTIAL_PATH, true)
            .await?;
        if status != 201 {
            return Err(server_error(status, &answer));
        }
        Ok(answer)
    }

    /// A credential binding `device_key` to the member's card, checked
    /// against `keys`, `card` and the trusted time `server_s` (see the module).
    pub async fn issue_credential(
        &self,
        device_key: &[u8; 33],
        card: u64,
        keys: &KeySet,
        server_s: i64,
    ) -> Result<[u8; CREDENTIAL_LEN]> {
        let answer = self
            .credential(json!({ "device_key": to_hex(device_key) }))
            .await?;
        let bytes = credential_bytes(&answer)?;
        let fields = checked(&bytes, keys, server_s)?;
        if fields.card != card || fields.device_key != *device_key {
            return Err(net(
                "the server issued a credential for another card or device key",
            ));
        }
        Ok(bytes)
    }

    /// A static identify/earn-only credential for a wallet pass, as its `92…` text.
    pub async fn wallet_pass_credential(&self) -> Result<String> {
        let answer = self.credential(json!({ "wallet_pass": true })).await?;
        let bytes = credential_bytes(&answer)?;
        Ok(loyalty_till::format::to_text(&bytes))
    }
}

fn credential_bytes(answer: &Value) -> Result<[u8; CREDENTIAL_LEN]> {
    answer["credential"]
        .as_str()
        .and_then(from_hex)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| net("the server's credential is not 118 bytes of hex"))
}

/// The credential's fields, once it names a listed key, is not revoked and
/// is valid at `server_s`.
fn checked(bytes: &[u8; CREDENTIAL_LEN], keys: &KeySet, server_s: i64) -> Result<Credential> {
    let refused = |why: &str| net(format!("the server's credential was refused: {why}"));
    let fields = crate::card::loy2::credential_fields(bytes)
        .map_err(|_| refused("an unknown credential version"))?;
    if !keys.keys.iter().any(|k| k.kid == fields.kid) {
        return Err(refused("signed by a key the key set does not list"));
    }
    if keys.revoked.contains(&fields.serial) {
        return Err(refused("already revoked"));
    }
    if server_s < i64::from(fields.not_before) || server_s >= fields.not_after() {
        return Err(refused("not valid now"));
    }
    Ok(fields)
}

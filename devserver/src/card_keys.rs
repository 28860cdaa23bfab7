//! LOY2 on the server: the program's Ed25519 issuer keys (generated at first
//! start, kept in the registry in the data folder, rotated with a new `kid`,
//! at most [`MAX_LIVE_KEYS`] live), the credentials it issues to members'
//! devices, and their revocation. Endpoints: `GET /v1/card/keys`,
//! `POST /v1/me/card/credential`, `POST /v1/admin/card/keys/rotate`,
//! `POST /v1/admin/card/revoke` (`docs/api.md`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use ed25519_dalek::Signer as _;
use loyalty_till::format::{self, CREDENTIAL_FIELDS_LEN, CREDENTIAL_LEN, Credential, Scope};
use loyalty_till::keys::{ISSUER_ALGORITHM, KeySet, PublicKey, from_hex, to_hex};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::errors::{ApiError, TextBody, parse_body};
use crate::registry::Registry;

/// Most issuer keys live at once: a rotation past it retires the oldest
/// (its credentials are then refused as `unknown_key` once tills refetch).
pub const MAX_LIVE_KEYS: usize = 3;
/// How long a credential is valid unless the server is told otherwise (30 days).
pub const DEFAULT_CREDENTIAL_HOURS: u16 = 720;
/// A credential starts this much before it is issued, for tills whose clock is behind.
const NOT_BEFORE_SLACK_S: i64 = 300;

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS card_keys (
    kid        INTEGER PRIMARY KEY,
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);
CREATE TABLE IF NOT EXISTS credentials (
    serial     INTEGER PRIMARY KEY AUTOINCREMENT,
    member     TEXT NOT NULL,
    kid        INTEGER NOT NULL,
    device_key BLOB NOT NULL,
    not_before INTEGER NOT NULL,
    not_after  INTEGER NOT NULL,
    scope      INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS credentials_member ON credentials (member);
CREATE INDEX IF NOT EXISTS credentials_revoked ON credentials (not_after) WHERE revoked_at IS NOT NULL;
"#;

fn text(e: rusqlite::Error) -> String {
    format!("registry: {e}")
}

fn new_secret() -> Result<[u8; 32], String> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| format!("randomness: {e}"))?;
    Ok(secret)
}

/// A credential as issued.
/// Why a rotation made no key.
#[derive(Debug)]
pub(crate) enum RotateError {
    /// Every key id 1..=255 is used (a credential holds its `kid` in one
    /// byte): `409 key_ids_exhausted`, the live keys unchanged.
    KeyIdsExhausted,
    /// The registry failed (`500 internal`).
    Registry(String),
}

impl From<String> for RotateError {
    fn from(e: String) -> Self {
        Self::Registry(e)
    }
}

impl std::fmt::Display for RotateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::KeyIdsExhausted => {
                f.write_str("every key id 1..255 is used; start a new data folder")
            }
            Self::Registry(e) => f.write_str(e),
        }
    }
}

impl From<RotateError> for ApiError {
    fn from(e: RotateError) -> Self {
        match e {
            RotateError::KeyIdsExhausted => {
                ApiError::new(StatusCode::CONFLICT, "key_ids_exhausted", e.to_string())
            }
            RotateError::Registry(e) => ApiError::internal(e),
        }
    }
}

pub(crate) struct Issued {
    pub bytes: [u8; CREDENTIAL_LEN],
    pub credential: Credential,
}

impl Registry {
    /// Makes the first issuer key when there is none live.
    pub(crate) fn ensure_issuer_key(&self, now_ms: i64) -> Result<(), String> {
        if self.live_keys()?.is_empty() {
            self.rotate_issuer_key(now_ms).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Live keys, oldest first: (kid, secret).
    fn live_keys(&self) -> Result<Vec<(u8, [u8; 32])>, String> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT kid, secret FROM card_keys WHERE retired_at IS NULL ORDER BY kid",
            )
            .map_err(text)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, u8>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .map_err(text)?;
        let mut out = Vec::new();
        for row in rows {
            let (kid, secret) = row.map_err(text)?;
            let secret: [u8; 32] = secret
                .try_into()
                .map_err(|_| format!("issuer key {kid} is not 32 bytes"))?;
            out.push((kid, secret));
        }
        Ok(out)
    }

    /// A new issuer key with the next `kid`; the oldest past
    /// [`MAX_LIVE_KEYS`] is retired. One transaction.
    pub(crate) fn rotate_issuer_key(&self, now_ms: i64) -> Result<u8, RotateError> {
        let tx = self.conn.unchecked_transaction().map_err(text)?;
        let last: Option<i64> = tx
            .query_row("SELECT max(kid) FROM card_keys", [], |r| r.get(0))
            .map_err(text)?;
        let Ok(kid) = u8::try_from(last.map_or(1, |k| k + 1)) else {
            return Err(RotateError::KeyIdsExhausted);
        };
        tx.execute(
            "INSERT INTO card_keys (kid, secret, created_at) VALUES (?1, ?2, ?3)",
            params![kid, new_secret()?.as_slice(), now_ms],
        )
        .map_err(text)?;
        tx.execute(
            "UPDATE card_keys SET retired_at = ?1 WHERE retired_at IS NULL AND kid NOT IN \
             (SELECT kid FROM card_keys WHERE retired_at IS NULL ORDER BY kid DESC LIMIT ?2)",
            params![now_ms, MAX_LIVE_KEYS as i64],
        )
        .map_err(text)?;
        tx.commit().map_err(text)?;
        Ok(kid)
    }

    /// The public keys and the revoked serials not yet expired at `now`.
    pub(crate) fn key_set(&self, now: DateTime<Utc>) -> Result<KeySet, String> {
        let keys = self
            .live_keys()?
            .into_iter()
            .map(|(kid, secret)| PublicKey {
                kid,
                alg: ISSUER_ALGORITHM.into(),
                public_key: to_hex(
                    &ed25519_dalek::SigningKey::from_bytes(&secret)
                        .verifying_key()
                        .to_bytes(),
                ),
            })
            .collect();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT serial FROM credentials WHERE revoked_at IS NOT NULL AND not_after > ?1 ORDER BY serial",
            )
            .map_err(text)?;
        let revoked = stmt
            .query_map([now.timestamp()], |r| r.get::<_, u32>(0))
            .map_err(text)?
            .collect::<rusqlite::Result<Vec<u32>>>()
            .map_err(text)?;
        Ok(KeySet {
            keys,
            revoked,
            step_seconds: format::STEP_SECONDS,
        })
    }

    /// Issues a credential for `member`'s card binding `device_key` (33 zero
    /// bytes for a wallet pass), signed with the newest key. One transaction.
    pub(crate) fn issue_credential(
        &self,
        member: &str,
        card: u64,
        device_key: [u8; 33],
        scope: Scope,
        hours: u16,
        now: DateTime<Utc>,
    ) -> Result<Issued, String> {
        let (kid, secret) = self
            .live_keys()?
            .pop()
            .ok_or("no issuer key; restart the server")?;
        let not_before = u32::try_from(now.timestamp() - NOT_BEFORE_SLACK_S)
            .map_err(|_| "the clock is outside the credential's range".to_string())?;
        let tx = self.conn.unchecked_transaction().map_err(text)?;
        let not_after = i64::from(not_before) + i64::from(hours) * 3600;
        tx.execute(
            "INSERT INTO credentials (member, kid, device_key, not_before, not_after, scope) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                member,
                kid,
                device_key.as_slice(),
                not_before,
                not_after,
                scope.0
            ],
        )
        .map_err(text)?;
        let serial = u32::try_from(tx.last_insert_rowid())
            .map_err(|_| "credential serials are used up".to_string())?;
        let credential = Credential {
            kid,
            card,
            not_before,
            lifetime_hours: hours,
            scope,
            serial,
            device_key,
        };
        let fields = credential.fields();
        let signature = ed25519_dalek::SigningKey::from_bytes(&secret)
            .sign(&format::issuer_message(&fields))
            .to_bytes();
        let mut bytes = [0u8; CREDENTIAL_LEN];
        bytes[..CREDENTIAL_FIELDS_LEN].copy_from_slice(&fields);
        bytes[CREDENTIAL_FIELDS_LEN..].copy_from_slice(&signature);
        tx.commit().map_err(text)?;
        Ok(Issued { bytes, credential })
    }

    /// Revokes one serial, or every credential of a member; the serials revoked now.
    pub(crate) fn revoke(
        &self,
        serial: Option<u32>,
        member: Option<&str>,
        now_ms: i64,
    ) -> Result<Vec<u32>, String> {
        let tx = self.conn.unchecked_transaction().map_err(text)?;
        let serials: Vec<u32> = {
            let mut stmt = tx
                .prepare(
                    "SELECT serial FROM credentials WHERE revoked_at IS NULL \
                     AND (serial = ?1 OR member = ?2) ORDER BY serial",
                )
                .map_err(text)?;
            stmt.query_map(params![serial, member], |r| r.get(0))
                .map_err(text)?
                .collect::<rusqlite::Result<_>>()
                .map_err(text)?
        };
        tx.execute(
            "UPDATE credentials SET revoked_at = ?1 WHERE revoked_at IS NULL AND (serial = ?2 OR member = ?3)",
            params![now_ms, serial, member],
        )
        .map_err(text)?;
        tx.commit().map_err(text)?;
        Ok(serials)
    }

    /// Whether a serial was ever issued.
    pub(crate) fn credential_exists(&self, serial: u32) -> Result<bool, String> {
        self.conn
            .query_row(
                "SELECT 1 FROM credentials WHERE serial = ?1",
                [serial],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(text)
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// `GET /v1/card/keys`: what a till needs to check LOY2 codes offline (public).
pub(crate) async fn keys(
    State(app): State<Arc<App>>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let set = app
        .registry()
        .key_set(Utc::now())
        .map_err(ApiError::internal)?;
    let body = serde_json::to_value(&set).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((StatusCode::OK, Json(body)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialRequest {
    /// The device's P-256 public key, SEC1 compressed, hex.
    #[serde(default)]
    device_key: Option<String>,
    /// A static identify/earn-only credential for a wallet pass instead.
    #[serde(default)]
    wallet_pass: bool,
}

fn scope_names(scope: Scope) -> Vec<&'static str> {
    [
        (Scope::IDENTIFY, "identify"),
        (Scope::EARN, "earn"),
        (Scope::REDEEM_OFFLINE, "redeem_offline"),
        (Scope::REDEEM_ONLINE, "redeem_online"),
    ]
    .into_iter()
    .filter(|(bit, _)| scope.allows(*bit))
    .map(|(_, name)| name)
    .collect()
}

/// `POST /v1/me/card/credential`: a credential for the caller's card
/// binding the device key it sends, or a wallet-pass credential.
pub(crate) async fn credential(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let member = crate::routes::member_of(&app, &headers)?;
    let req: CredentialRequest = parse_body(&body)?;
    let (device_key, scope) = match (req.device_key.as_deref(), req.wallet_pass) {
        (Some(hex), false) => {
            let bytes: [u8; 33] =
                from_hex(hex)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| {
                        bad_request(
                            "device_key must be 33 bytes of hex (a SEC1 compressed P-256 key)",
                        )
                    })?;
            if p256::PublicKey::from_sec1_bytes(&bytes).is_err() {
                return Err(bad_request("device_key is not a P-256 public key"));
            }
            (
                bytes,
                Scope(Scope::IDENTIFY | Scope::EARN | Scope::REDEEM_ONLINE),
            )
        }
        (None, true) => (
            loyalty_till::NO_DEVICE,
            Scope(Scope::IDENTIFY | Scope::EARN),
        ),
        _ => {
            return Err(bad_request(
                "send either device_key (a device's credential) or wallet_pass: true",
            ));
        }
    };
    let card: u64 = member
        .card_number
        .parse()
        .map_err(|_| ApiError::internal("a card number that is not a number"))?;
    let now = Utc::now();
    let hours = app.credential_hours();
    let issued = app
        .registry()
        .issue_credential(&member.id, card, device_key, scope, hours, now)
        .map_err(ApiError::internal)?;
    let c = issued.credential;
    tracing::info!(member = %member.id, serial = c.serial, kid = c.kid, wallet_pass = req.wallet_pass, "credential issued");
    let at = |s: i64| DateTime::from_timestamp(s, 0).map(|t| t.to_rfc3339());
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "credential": to_hex(&issued.bytes),
            "text": format::to_text(&issued.bytes),
            "kid": c.kid,
            "serial": c.serial,
            "not_before": at(i64::from(c.not_before)),
            "not_after": at(c.not_after()),
            "scope": scope_names(c.scope),
        })),
    ))
}

/// `POST /v1/admin/card/keys/rotate`: a new issuer key; the key set after it.
pub(crate) async fn rotate(
    State(app): State<Arc<App>>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    crate::errors::parse_empty(&body)?;
    let now = Utc::now();
    let registry = app.registry();
    let kid = registry
        .rotate_issuer_key(now.timestamp_millis())
        .map_err(ApiError::from)?;
    let set = registry.key_set(now).map_err(ApiError::internal)?;
    tracing::info!(kid, "issuer key rotated");
    let mut body = serde_json::to_value(&set).map_err(|e| ApiError::internal(e.to_string()))?;
    body["new_kid"] = json!(kid);
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    #[serde(default)]
    serial: Option<u32>,
    #[serde(default)]
    member_id: Option<String>,
}

/// `POST /v1/admin/card/revoke`: revokes a serial or a member's credentials.
pub(crate) async fn revoke(
    State(app): State<Arc<App>>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: RevokeRequest = parse_body(&body)?;
    let registry = app.registry();
    match (&req.serial, &req.member_id) {
        (Some(s), None) if !registry.credential_exists(*s).map_err(ApiError::internal)? => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no credential has this serial",
            ));
        }
        (Some(_), None) => {}
        (None, Some(m)) if !registry.member_exists(m).map_err(ApiError::internal)? => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such member",
            ));
        }
        (None, Some(_)) => {}
        _ => return Err(bad_request("send either serial or member_id")),
    }
    let revoked = registry
        .revoke(
            req.serial,
            req.member_id.as_deref(),
            Utc::now().timestamp_millis(),
        )
        .map_err(ApiError::internal)?;
    tracing::info!(count = revoked.len(), "credentials revoked");
    Ok((StatusCode::OK, Json(json!({ "revoked": revoked }))))
}

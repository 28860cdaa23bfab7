//! What the platform provides, as foreign traits the apps implement: the
//! secret store (Android Keystore / iOS Keychain) and the app's login
//! (access tokens). Adapters turn them into the core's traits.

use std::sync::Arc;

use loyalty_core::card as core_card;
use loyalty_core::sync as core_sync;

use crate::LoyaltyError;

/// Where the app keeps the card secret and the access token: Android Keystore
/// (e.g. EncryptedSharedPreferences) or the iOS Keychain.
///
/// Called from any thread, sometimes while the wallet is busy: implementations
/// must not call back into the `LoyaltyClient`. Throw a `LoyaltyException` (or
/// any exception) when the platform store fails; the operation is then refused
/// with code `secret_store` and nothing changes.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    /// The secret stored under `key`, or null when there is none.
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, LoyaltyError>;
    /// Stores (or replaces) `secret` under `key`.
    fn put(&self, key: String, secret: Vec<u8>) -> Result<(), LoyaltyError>;
    /// Removes whatever is stored under `key` (no error when there is nothing).
    fn delete(&self, key: String) -> Result<(), LoyaltyError>;
}

/// The app's login: hands out access tokens for the loyalty server.
///
/// Called from the sync's background threads, never from the caller's
/// thread. Throwing refuses the sync with code `token_unavailable`.
#[uniffi::export(with_foreign)]
pub trait TokenProvider: Send + Sync {
    /// The current access token.
    fn token(&self) -> Result<String, LoyaltyError>;
    /// A fresh token: the server answered 401 to the current one.
    fn refresh(&self) -> Result<String, LoyaltyError>;
}

/// The app's source of "now" (tests, previews and QA replays drive time with
/// it; apps leave it out and the device clock is used). Called from any
/// thread; must be cheap and must not call back into the client.
#[uniffi::export(with_foreign)]
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_ms(&self) -> i64;
}

/// The app's [`Clock`] seen as the core's. A value outside the range of
/// dates is read as the device clock (logged), never as a panic.
pub(crate) struct PlatformClock(pub(crate) Arc<dyn Clock>);

impl loyalty_core::kernel::time::Clock for PlatformClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let ms = self.0.now_ms();
        chrono::DateTime::from_timestamp_millis(ms).unwrap_or_else(|| {
            tracing::warn!(
                ms,
                "the app's clock gave an impossible time; using the device clock"
            );
            chrono::Utc::now()
        })
    }
}

/// An in-memory [`SecretStore`] for tests, previews and the desktop. Secrets
/// are lost when the object is dropped; apps use the platform store.
#[derive(uniffi::Object, Default)]
pub struct MemorySecretStore {
    inner: core_card::MemorySecretStore,
}

#[uniffi::export]
impl MemorySecretStore {
    /// An empty store.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
}

#[uniffi::export]
impl SecretStore for MemorySecretStore {
    /// The secret stored under `key`, or null when there is none.
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, LoyaltyError> {
        Ok(core_card::SecretStore::get(&self.inner, &key)?)
    }
    /// Stores (or replaces) `secret` under `key`.
    fn put(&self, key: String, secret: Vec<u8>) -> Result<(), LoyaltyError> {
        Ok(core_card::SecretStore::put(&self.inner, &key, &secret)?)
    }
    /// Removes whatever is stored under `key`.
    fn delete(&self, key: String) -> Result<(), LoyaltyError> {
        Ok(core_card::SecretStore::delete(&self.inner, &key)?)
    }
}

impl std::fmt::Debug for MemorySecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemorySecretStore(<redacted>)")
    }
}

fn store_failed(e: LoyaltyError) -> loyalty_core::LoyaltyError {
    loyalty_core::LoyaltyError::SecretStore {
        reason: e.to_string(),
    }
}

/// The app's [`SecretStore`] seen as the core's.
pub(crate) struct PlatformSecrets(pub(crate) Arc<dyn SecretStore>);

impl core_card::SecretStore for PlatformSecrets {
    fn get(&self, key: &str) -> loyalty_core::Result<Option<Vec<u8>>> {
        self.0.get(key.to_string()).map_err(store_failed)
    }
    fn put(&self, key: &str, secret: &[u8]) -> loyalty_core::Result<()> {
        self.0
            .put(key.to_string(), secret.to_vec())
            .map_err(store_failed)
    }
    fn delete(&self, key: &str) -> loyalty_core::Result<()> {
        self.0.delete(key.to_string()).map_err(store_failed)
    }
}

fn token_failed(e: LoyaltyError) -> loyalty_core::LoyaltyError {
    loyalty_core::LoyaltyError::TokenUnavailable {
        reason: e.to_string(),
    }
}

/// The app's [`TokenProvider`] seen as the core's.
pub(crate) struct PlatformTokens(pub(crate) Arc<dyn TokenProvider>);

impl core_sync::TokenProvider for PlatformTokens {
    fn token(&self) -> loyalty_core::Result<String> {
        self.0.token().map_err(token_failed)
    }
    fn refresh(&self) -> loyalty_core::Result<String> {
        self.0.refresh().map_err(token_failed)
    }
}

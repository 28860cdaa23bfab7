//! uniffi bindings of the loyalty core: one client object for Kotlin and
//! Swift apps. Thin by design — every method forwards to `loyalty-core`; no
//! rule lives here. This crate owns the public error type, the tokio runtime
//! async calls run on, the platform traits (secret store, token provider, log
//! sink), change listeners, and the records the apps render.
#![deny(missing_docs)]

mod android;
mod boards;
mod card;
mod client;
mod config;
mod coupons;
mod listeners;
mod logging;
mod passes;
mod platform;
mod records;
mod session;

use std::sync::OnceLock;

pub use boards::{LeaderboardInfo, LeaderboardMe, LeaderboardRow, Leaderboards};
pub use card::{CardCodeFormat, CardNotice, CardView, CredentialStatus, DeviceSigner};
pub use client::{LoyaltyClient, clear_log_sink, set_log_sink};
pub use config::ClientConfig;
pub use listeners::{ChangeArea, ChangeListener, ChangeSubscription};
pub use logging::{LogLevel, LogRecord, LogSink};
pub use passes::{GoogleWalletPass, WalletPassConfig, WalletPassLabels};
pub use platform::{MemorySecretStore, SecretStore, TokenProvider};
pub use records::*;

uniffi::setup_scaffolding!();

/// The one error type of the API (`LoyaltyException` in Kotlin, `LoyaltyError`
/// in Swift): a
/// stable snake_case `code` (the core's, e.g. `insufficient_points`, or
/// `internal` for a bug caught inside the library) and a readable `reason`.
/// A failed call changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum LoyaltyError {
    /// The operation failed; nothing changed.
    #[error("{code}: {reason}")]
    Failure {
        /// Stable snake_case code.
        code: String,
        /// What went wrong and what to do.
        reason: String,
    },
}

impl LoyaltyError {
    /// The stable snake_case code.
    pub fn code(&self) -> &str {
        match self {
            Self::Failure { code, .. } => code,
        }
    }
}

impl From<loyalty_core::LoyaltyError> for LoyaltyError {
    fn from(e: loyalty_core::LoyaltyError) -> Self {
        Self::Failure {
            code: e.code().to_string(),
            reason: e.to_string(),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for LoyaltyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failure {
            code: "callback_failed".into(),
            reason: format!("an app callback threw: {}", e.reason),
        }
    }
}

type Result<T> = std::result::Result<T, LoyaltyError>;

/// The runtime async calls run on: two workers, started on first use.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> =
        OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("loyalty-core")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            loyalty_core::LoyaltyError::Interrupted {
                reason: format!("cannot start the async runtime: {e}"),
            }
            .into()
        })
}

//! The app's configuration of a client, checked before anything is opened or
//! installed: a bad configuration is refused with `invalid_config` naming the
//! field, and leaves no file and no log sink behind.

use std::net::IpAddr;
use std::sync::Arc;

use loyalty_core::LoyaltyError as CoreError;

use crate::Result;
use crate::logging::{LogLevel, LogSink};
use crate::platform::{SecretStore, TokenProvider};

/// How to open a client. One client per data folder per process: open it once
/// and share it (listeners only hear the changes made through their client).
#[derive(uniffi::Record)]
pub struct ClientConfig {
    /// Folder for the wallet database (the app's private files folder).
    pub data_dir: String,
    /// Loyalty server base URL: `https://…`, or `http://` for a dev server on
    /// this machine (loopback, or `10.0.2.2` from the Android emulator).
    /// Without it the client works offline until `enroll()` records one.
    #[uniffi(default = None)]
    pub server_url: Option<String>,
    /// Program rules JSON to use until sync brings the server's (offline and demo use).
    #[uniffi(default = None)]
    pub program_json: Option<String>,
    /// The app's URL scheme for push deep links, overriding the program's.
    #[uniffi(default = None)]
    pub deep_link_scheme: Option<String>,
    /// Where the card secret and access token live (Keystore / Keychain).
    pub secret_store: Arc<dyn SecretStore>,
    /// The app's login; without it the token stored at `enroll()` is used.
    #[uniffi(default = None)]
    pub token_provider: Option<Arc<dyn TokenProvider>>,
    /// Where the core's log lines go (Logcat / os_log); one sink per process,
    /// the latest client's wins.
    #[uniffi(default = None)]
    pub log_sink: Option<Arc<dyn LogSink>>,
    /// Lowest level forwarded to `log_sink` (default `Info`; ignored without a sink).
    #[uniffi(default = None)]
    pub log_level: Option<LogLevel>,
}

fn invalid(field: &str, reason: impl Into<String>) -> crate::LoyaltyError {
    CoreError::InvalidConfig {
        field: field.into(),
        reason: reason.into(),
    }
    .into()
}

/// Whether plain http may be used for `host`: only this machine (or the
/// development machine as the Android emulator sees it).
fn local_host(host: &str) -> bool {
    host == "localhost"
        || host == "10.0.2.2"
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The server URL without a trailing slash, or `invalid_config`. The error
/// never repeats the URL (it may carry credentials).
pub(crate) fn check_url(url: &str) -> Result<String> {
    let url = url.trim_end_matches('/');
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("server_url", "not a URL; use https://host[:port]"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.strip_prefix('[') {
        // [v6]:port
        Some(v6) => match v6.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':')),
            None => return Err(invalid("server_url", "an IPv6 host needs its closing ]")),
        },
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return Err(invalid("server_url", "the port is not a number"));
    }
    if host.is_empty()
        || authority.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "server_url",
            "needs a host and no credentials or spaces, e.g. https://loyalty.example",
        ));
    }
    match scheme {
        "https" => Ok(url.to_string()),
        "http" if local_host(host) => Ok(url.to_string()),
        "http" => Err(invalid(
            "server_url",
            "plain http would send the access token in clear; use https (http is only for a dev server on loopback or 10.0.2.2)",
        )),
        _ => Err(invalid("server_url", "the scheme must be https")),
    }
}

/// Checks every field that can be checked without opening the wallet.
pub(crate) fn check(config: &ClientConfig) -> Result<Option<String>> {
    if config.data_dir.trim().is_empty() {
        return Err(invalid(
            "data_dir",
            "empty; give the app's private files folder",
        ));
    }
    if let Some(scheme) = &config.deep_link_scheme {
        loyalty_core::program::check_deep_link_scheme(scheme)
            .map_err(|reason| invalid("deep_link_scheme", reason))?;
    }
    if let Some(program) = &config.program_json {
        loyalty_core::program::Program::from_json(program)?;
    }
    config.server_url.as_deref().map(check_url).transpose()
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn urls() {
        for ok in [
            "https://loyalty.example",
            "https://loyalty.example:8443/api/",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
            "http://10.0.2.2:8080",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            check_url("https://a.example/").unwrap(),
            "https://a.example"
        );
        for bad in [
            "loyalty.example",
            "ftp://loyalty.example",
            "http://loyalty.example",
            "http://192.168.1.5:8080",
            "https://",
            "https://user:secret@loyalty.example",
            "https://a.example:port",
            "https://a b.example",
        ] {
            let e = check_url(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_config", "{bad}");
            assert!(!e.to_string().contains("secret"), "{e}");
        }
    }
}

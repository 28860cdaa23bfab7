//! The app's configuration of a client, checked before anything is opened or
//! installed: a bad configuration is refused with `invalid_config` naming the
//! field, and leaves no file and no log sink behind.

use std::sync::Arc;

use loyalty_core::LoyaltyError as CoreError;

use crate::Result;
use crate::card::DeviceSigner;
use crate::logging::{LogLevel, LogSink};
use crate::platform::{Clock, SecretStore, TokenProvider};

/// How to open a client. One client per data folder per process: open it once
/// and share it (listeners only hear the changes made through their client).
#[derive(uniffi::Record)]
pub struct ClientConfig {
    /// Folder for the wallet database (the app's private files folder).
    pub data_dir: String,
    /// Loyalty server base URL: `https://…`, or `http://` for a dev server on
    /// this machine (loopback). Without it the client works offline; `enroll()`
    /// and `sync()` need it (or a URL recorded by an earlier enrollment).
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
    /// The source of "now" for card codes, offline actions and the inbox
    /// (default: the device clock). Tests and previews set it.
    #[uniffi(default = None)]
    pub clock: Option<Arc<dyn Clock>>,
    /// The device key that signs LOY2 codes (Android Keystore / Secure
    /// Enclave). Without it a software key kept in `secret_store` is used.
    #[uniffi(default = None)]
    pub device_signer: Option<Arc<dyn DeviceSigner>>,
}

fn invalid(field: &str, reason: impl Into<String>) -> crate::LoyaltyError {
    CoreError::InvalidConfig {
        field: field.into(),
        reason: reason.into(),
    }
    .into()
}

/// Whether plain http may be used for `host`: only this machine. (From the
/// Android emulator, reach a dev server on the development machine with
/// `adb reverse tcp:8080 tcp:8080` and `http://127.0.0.1:8080`.)
fn loopback(host: url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d == "localhost",
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The server URL without a trailing slash, or `invalid_config`. The error
/// never repeats the URL (it may carry credentials).
pub(crate) fn check_url(text: &str) -> Result<String> {
    let url = url::Url::parse(text.trim()).map_err(|e| {
        invalid(
            "server_url",
            format!("not a URL ({e}); use https://host[:port][/path]"),
        )
    })?;
    let host = url
        .host()
        .ok_or_else(|| invalid("server_url", "needs a host, e.g. https://loyalty.example"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "server_url",
            "must not carry credentials; the token provider signs requests",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "server_url",
            "must not have a ?query or #fragment; API paths are appended to it",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if loopback(host) => {}
        "http" => {
            return Err(invalid(
                "server_url",
                "plain http would send the access token in clear; use https (http only for a dev server on this machine)",
            ));
        }
        _ => return Err(invalid("server_url", "the scheme must be https")),
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
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
            "HTTPS://Loyalty.Example",
            "http://LOCALHOST:8080",
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
            "http://10.0.2.2:8080",
            "https://a.example?x=1",
            "https://a.example/#frag",
            "https://a.example:70000",
            "http://[::1]junk",
            "mailto:secret@a.example",
        ] {
            let e = check_url(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_config", "{bad}");
            assert!(!e.to_string().contains("secret"), "{e}");
        }
    }
}

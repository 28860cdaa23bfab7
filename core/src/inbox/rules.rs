//! The inbox's section of the program rules: when "points expiring soon"
//! appears and which app scheme deep links may use.

use serde::Deserialize;

use crate::kernel::error::{LoyaltyError, Result};

/// Inbox settings of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRules {
    /// Days before a lot expires that a "points expiring soon" message appears.
    pub expiry_warning_days: i64,
    /// The app's own deep-link scheme (links may use it or https).
    pub deep_link_scheme: String,
}

impl Default for InboxRules {
    fn default() -> Self {
        Self {
            expiry_warning_days: 14,
            deep_link_scheme: "loyalty".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInbox {
    #[serde(default)]
    expiry_warning_days: Option<i64>,
    #[serde(default)]
    deep_link_scheme: Option<String>,
}

/// Validates the `inbox` section (`None`: the defaults).
pub(crate) fn validate_inbox(raw: Option<&RawInbox>) -> Result<InboxRules> {
    let mut inbox = InboxRules::default();
    if let Some(raw) = raw {
        if let Some(d) = raw.expiry_warning_days {
            if !(0..=365).contains(&d) {
                return Err(LoyaltyError::rules(
                    "inbox.expiry_warning_days",
                    format!("{d} is not between 0 and 365"),
                ));
            }
            inbox.expiry_warning_days = d;
        }
        if let Some(sch) = &raw.deep_link_scheme {
            check_deep_link_scheme(sch)
                .map_err(|reason| LoyaltyError::rules("inbox.deep_link_scheme", reason))?;
            inbox.deep_link_scheme = sch.clone();
        }
    }
    Ok(inbox)
}

/// Checks that `scheme` is a safe app URL scheme for deep links: lowercase
/// letters first, then letters, digits, `+`, `-` or `.`, at most 32 characters,
/// and not one of the schemes that could run code or leave the app
/// (`javascript`, `data`, `file`, `http`, `https`, `vbscript`).
pub fn check_deep_link_scheme(scheme: &str) -> std::result::Result<(), String> {
    let ok = scheme.len() <= 32
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
        && scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
        && !["javascript", "data", "file", "http", "https", "vbscript"].contains(&scheme);
    if ok {
        Ok(())
    } else {
        Err(format!("\"{scheme}\" is not a safe app scheme"))
    }
}

//! `loyalty pos keys` and `loyalty pos verify-offline`: what a till does to
//! check LOY2 codes with no network — fetch the program's public keys while
//! it can, then verify each scanned code against them, keeping the replay
//! high-water marks in a state file between calls.

use std::path::Path;

use chrono::{DateTime, Utc};
use loyalty_core::sync::SyncClient;
use loyalty_till::OfflineVerifier;
use loyalty_till::keys::KeySet;

use crate::{emit, err_text as e};

/// Longest keys or state file read (a key set lists revoked serials).
const FILE_LIMIT: u64 = 16 * 1024 * 1024;

/// `loyalty pos keys --server URL`: prints the key set as JSON.
pub fn keys(server: &str, runtime: &tokio::runtime::Runtime) -> Result<(), String> {
    let set = runtime
        .block_on(SyncClient::fetch_card_keys(server))
        .map_err(e)?;
    emit(&format!("{}\n", set.to_json()));
    Ok(())
}

/// The till's clock: `--at`, `--unix`, or now.
fn instant(at: Option<&str>, unix: Option<i64>) -> Result<i64, String> {
    match (at, unix) {
        (Some(at), _) => DateTime::parse_from_rfc3339(at)
            .map(|t| t.timestamp())
            .map_err(|err| format!("--at {at:?} is not RFC 3339: {err}")),
        (None, Some(s)) => Ok(s),
        (None, None) => Ok(Utc::now().timestamp()),
    }
}

/// `loyalty pos verify-offline PAYLOAD --keys FILE [--at | --unix] [--state FILE]`.
pub fn verify(
    payload: &str,
    keys_file: &str,
    at: Option<&str>,
    unix: Option<i64>,
    state: Option<&Path>,
) -> Result<(), String> {
    let text = crate::input::read_text(keys_file, FILE_LIMIT)?;
    let set = KeySet::from_json(&text).map_err(|err| format!("{keys_file}: {err}"))?;
    let mut verifier =
        OfflineVerifier::from_key_set(&set).map_err(|err| format!("{keys_file}: {err}"))?;
    if let Some(path) = state
        && path.exists()
    {
        let saved = crate::input::read_text(&path.display().to_string(), FILE_LIMIT)?;
        verifier
            .restore_replay_state_json(&saved)
            .map_err(|err| format!("{}: {err}", path.display()))?;
    }
    let now = instant(at, unix)?;
    let accepted = verifier
        .verify(payload.trim(), now)
        .map_err(|refusal| refusal.to_string())?;
    if let Some(path) = state {
        save(path, &verifier.replay_state_json())?;
    }
    let scope: Vec<&str> = [
        (loyalty_till::format::Scope::IDENTIFY, "identify"),
        (loyalty_till::format::Scope::EARN, "earn"),
        (
            loyalty_till::format::Scope::REDEEM_OFFLINE,
            "redeem_offline",
        ),
        (loyalty_till::format::Scope::REDEEM_ONLINE, "redeem_online"),
    ]
    .into_iter()
    .filter(|(bit, _)| accepted.scope.allows(*bit))
    .map(|(_, name)| name)
    .collect();
    emit(&format!(
        "accepted card {} step {} scope {}{}\n",
        accepted.card,
        accepted.step,
        scope.join(","),
        if accepted.static_pass {
            " (wallet pass: identify and earn only)"
        } else {
            ""
        }
    ));
    Ok(())
}

/// Writes the state beside its final name and renames it into place, so a
/// crash leaves the old state or the new one, never half a file.
fn save(path: &Path, text: &str) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|err| format!("cannot write {}: {err}", path.display()))
}

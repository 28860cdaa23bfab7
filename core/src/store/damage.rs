//! Damaged wallet files: found by a quick check when the file is opened or
//! met by a write, then remembered beside the database so that no process
//! writes to that file again.
//!
//! Writing to a file with damaged pages can spread the damage (a b-tree
//! rebalanced over a bad page), so once SQLite has said "damaged" every
//! write is refused with `corrupt_store` while reads go on where they can —
//! the card must still show at the till. The remedy is the app's: keep the
//! file for support, move it away and sign in again (the server holds the
//! confirmed history). The marker is a file `<wallet>-damaged`, because the
//! damaged database itself is the one place that cannot be written.

use std::path::PathBuf;

use rusqlite::Connection;

use crate::kernel::error::{DAMAGED, LoyaltyError, Result};

/// Files up to this size get a whole-file `quick_check` at open; larger ones
/// check the small state tables every screen reads, and the rest is checked
/// when it is met. The check costs about 9 ms per MiB on the 2-core
/// development machine (`cold_start`: a 3.6 MiB wallet took 35 ms from a new
/// client to its first card frame with a 4 MiB bound, where a 57 MiB one
/// took 3 ms), so the bound keeps the till's cold path under 20 ms.
pub(crate) const CHECK_WHOLE_FILE_BYTES: u64 = 1024 * 1024;

/// The tables checked at open in a file too large for a whole-file check.
const STATE_TABLES: [&str; 9] = [
    "meta",
    "summary",
    "card",
    "secrets",
    "programs",
    "pending_actions",
    "outbox",
    "goal_state",
    "till_guard",
];

/// The marker beside database `db` (its main file's path).
fn marker(db: &str) -> Option<PathBuf> {
    (!db.is_empty()).then(|| PathBuf::from(format!("{db}-damaged")))
}

/// Whether `e` is SQLite's verdict that pages are damaged.
pub(crate) fn is_damage(e: &LoyaltyError) -> bool {
    matches!(e, LoyaltyError::Corrupt { reason } if reason.starts_with(DAMAGED))
}

/// Remembers that the file of `conn` is damaged (best effort: a marker that
/// cannot be written is logged; the damage is then found again next time).
pub(crate) fn record(conn: &Connection, reason: &str) {
    let Some(path) = conn.path().and_then(marker) else {
        return;
    };
    tracing::error!("the wallet file is damaged; further writes are refused");
    let db = conn.path().map(std::path::Path::new);
    let id = db.and_then(file_id).unwrap_or_default();
    if let Err(e) = std::fs::write(&path, format!("file={id}\n{reason}\n")) {
        tracing::warn!(error = %e, "cannot record that the wallet file is damaged");
    }
}

/// `corrupt_store` if the file of `conn` was found damaged before (one
/// `stat` per write).
pub(crate) fn refuse_if_recorded(conn: &Connection) -> Result<()> {
    match conn.path().and_then(marker) {
        Some(path) if path.exists() => Err(LoyaltyError::Corrupt {
            reason: format!(
                "{DAMAGED} (found earlier; {} marks it) and is not written to again: \
                 keep a copy for support, then move the wallet away and sign in again — \
                 the server keeps the confirmed history",
                path.display()
            ),
        }),
        _ => Ok(()),
    }
}

/// SQLite's quick check of the file of `conn` (`len` bytes), whole or of its
/// state tables; returns what is wrong, if anything. Reads only.
pub(crate) fn quick_check(conn: &Connection, len: u64) -> Result<Option<String>> {
    let targets: Vec<String> = if len <= CHECK_WHOLE_FILE_BYTES {
        vec![String::new()]
    } else {
        let mut stmt = conn.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?;
        let present: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        STATE_TABLES
            .iter()
            .filter(|t| present.iter().any(|p| p == *t))
            .map(|t| t.to_string())
            .collect()
    };
    for table in targets {
        let pragma = if table.is_empty() {
            "PRAGMA quick_check".to_string()
        } else {
            // Names from the fixed list above, present in the schema.
            format!("PRAGMA quick_check(\"{table}\")")
        };
        let verdict: std::result::Result<String, rusqlite::Error> =
            conn.query_row(&pragma, [], |r| r.get(0));
        match verdict {
            Ok(v) if v == "ok" => {}
            Ok(problem) => return Ok(Some(problem.chars().take(200).collect())),
            Err(e) => match LoyaltyError::from(e) {
                e if is_damage(&e) => return Ok(Some(e.to_string())),
                other => return Err(other),
            },
        }
    }
    Ok(None)
}

/// Whether the file of `conn` was found damaged before (for opening). A
/// marker left by another file of the same name (the damaged one was moved
/// away and a new wallet made) is stale and removed, as is one beside a
/// new, empty database (`fresh`).
pub(crate) fn recorded(conn: &Connection, fresh: bool) -> bool {
    let Some(db) = conn.path().filter(|p| !p.is_empty()) else {
        return false;
    };
    let Some(path) = marker(db) else {
        return false;
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return false;
    };
    let noted = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("file="))
        .unwrap_or_default();
    let current = file_id(std::path::Path::new(db)).unwrap_or_default();
    if fresh || (!noted.is_empty() && !current.is_empty() && noted != current) {
        tracing::info!("a damage marker of an earlier wallet file was removed");
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(error = %e, "cannot remove a stale damage marker");
            return true;
        }
        return false;
    }
    true
}

/// What tells one file from another of the same name (device and inode on
/// Unix; nothing elsewhere, where a marker is kept until the app removes it).
fn file_id(path: &std::path::Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| format!("{}:{}", m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

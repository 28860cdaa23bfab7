//! `loyalty enroll`, `loyalty sync`, `loyalty sign-out`, `loyalty pos …`,
//! `loyalty redeem`: the desktop face of sync. Enroll, sync and sign-out run
//! the same `loyalty_core::session` code as the apps. The token and card
//! secret live in the data folder's secret table, never on screen.

use std::path::Path;
use std::sync::Arc;

use clap::Subcommand;
use loyalty_core::LoyaltyError;
use loyalty_core::kernel::time::Clock;
use loyalty_core::session::{Session, SessionConfig};
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};
use loyalty_core::sync::{SyncClient, SyncReport};
use serde_json::Value;

use crate::{emit, err_text as e, open_wallet};

/// `loyalty pos` subcommands (the till).
#[derive(Subcommand)]
pub enum PosCommand {
    /// Record a purchase for the card whose payload the till scanned.
    Purchase {
        /// Server URL.
        #[arg(long)]
        server: String,
        /// The scanned payload (what the card's QR shows).
        #[arg(long)]
        payload: String,
        /// Receipt file: {"receipt_id", "lines", optional "coupon", "pay_points"}.
        #[arg(long, value_name = "FILE")]
        receipt: String,
    },
    /// Record a return for the card whose payload the till scanned.
    Return {
        /// Server URL.
        #[arg(long)]
        server: String,
        /// The scanned payload.
        #[arg(long)]
        payload: String,
        /// Return file: {"receipt_id", "lines": [{"sku", "qty"}]}.
        #[arg(long, value_name = "FILE")]
        receipt: String,
    },
    /// Print the program's public keys for offline LOY2 checks (redirect to keys.json).
    Keys {
        /// Server URL.
        #[arg(long)]
        server: String,
    },
    /// Check a LOY2 code offline with keys fetched earlier: prints the card,
    /// step and scope, or the reason (exit 1).
    VerifyOffline {
        /// The scanned code (`92` and digits).
        payload: String,
        /// The key set `loyalty pos keys` printed.
        #[arg(long, value_name = "FILE")]
        keys: String,
        /// The till's clock, RFC 3339 (default: now).
        #[arg(long, value_name = "RFC3339", conflicts_with = "unix")]
        at: Option<String>,
        /// The till's clock, Unix seconds.
        #[arg(long, value_name = "SECS")]
        unix: Option<i64>,
        /// File keeping the replay high-water marks between calls (created when missing).
        #[arg(long, value_name = "FILE")]
        state: Option<std::path::PathBuf>,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the async runtime: {err}"))
}

/// The session over the wallet in `dir` (its secrets in the same file), for
/// `server` or the one the wallet enrolled with.
fn session(store: Store, dir: &Path, server: Option<&str>) -> Result<Session, String> {
    let secrets = SqliteSecretStore::open(&dir.join(DB_FILE)).map_err(e)?;
    let config = SessionConfig {
        server_url: server.map(str::to_string),
        ..SessionConfig::default()
    };
    Session::new(store, Arc::new(secrets), config).map_err(e)
}

/// A sync error as the CLI explains it: what to run next where there is something to run.
fn sync_error(err: LoyaltyError) -> String {
    match err {
        LoyaltyError::NoServer => {
            "this wallet is not enrolled with a server; run `loyalty enroll --server URL`".into()
        }
        LoyaltyError::TokenUnavailable { .. } => "no access token stored; enroll again".into(),
        other => e(other),
    }
}

/// `loyalty enroll --server URL`: a new member in a fresh data folder, then a first sync.
pub fn enroll(server: &str, dir: &Path) -> Result<(), String> {
    let session = session(Store::open_dir(dir).map_err(e)?, dir, Some(server))?;
    let me = match runtime()?.block_on(session.enroll()).result {
        Ok(me) => me,
        Err(LoyaltyError::AlreadyEnrolled) => {
            return Err(format!(
                "{} already holds a member's wallet; run `loyalty sign-out` first or use another --data-dir",
                dir.display()
            ));
        }
        Err(err) => return Err(e(err)),
    };
    drop(session);
    emit(&format!(
        "Enrolled member {} in {}\n",
        me.member_id,
        dir.display()
    ));
    sync(dir)
}

fn print_synced(report: &SyncReport) {
    emit(&format!(
        "Synced: {} actions sent, {} rejected, {} new events, {} messages{}\n",
        report.actions_sent,
        report.actions_rejected,
        report.events_applied,
        report.messages,
        if report.mismatches.is_empty() {
            String::new()
        } else {
            format!(
                "; differed from the server in {} (server figures win on the next sync)",
                report.mismatches.join(", ")
            )
        }
    ));
}

/// `loyalty sync`.
pub fn sync(dir: &Path) -> Result<(), String> {
    let session = session(open_wallet(dir)?, dir, None)?;
    let done = runtime()?.block_on(session.sync());
    print_synced(&done.result.map_err(sync_error)?.report);
    Ok(())
}

/// `loyalty redeem REWARD_ID`: applied at once, queued for the next sync.
pub fn redeem(reward: &str, dir: &Path, clock: &dyn Clock) -> Result<(), String> {
    let mut store = open_wallet(dir)?;
    let coupon_id = store.redeem_offline(reward, clock.now()).map_err(e)?;
    emit(&format!(
        "Redeemed {reward}: coupon {coupon_id} (pending until the next `loyalty sync`)\n"
    ));
    Ok(())
}

/// `loyalty pos purchase|return`.
pub fn pos(cmd: PosCommand) -> Result<(), String> {
    let (server, payload, file, path, key) = match cmd {
        PosCommand::Purchase {
            server,
            payload,
            receipt,
        } => (server, payload, receipt, "/v1/pos/purchases", "purchase"),
        PosCommand::Return {
            server,
            payload,
            receipt,
        } => (server, payload, receipt, "/v1/pos/returns", "return"),
        PosCommand::Keys { server } => return crate::pos_offline::keys(&server, &runtime()?),
        PosCommand::VerifyOffline {
            payload,
            keys,
            at,
            unix,
            state,
        } => {
            return crate::pos_offline::verify(
                &payload,
                &keys,
                at.as_deref(),
                unix,
                state.as_deref(),
            );
        }
    };
    let text = crate::input::read_text(&file, crate::input::RECEIPT_LIMIT)?;
    loyalty_core::kernel::json::check_unique_keys(&text).map_err(|err| format!("{file}: {err}"))?;
    let receipt: Value = serde_json::from_str(&text).map_err(|err| format!("{file}: {err}"))?;
    let mut body = serde_json::Map::new();
    body.insert("payload".into(), payload.into());
    body.insert(key.into(), receipt);
    let answer = runtime()?
        .block_on(SyncClient::till(&server, path, Value::Object(body)))
        .map_err(e)?;
    emit(&format!("{answer:#}\n"));
    Ok(())
}

/// `loyalty sign-out`: a last sync attempt, then every trace of the member is wiped.
pub fn sign_out(dir: &Path) -> Result<(), String> {
    let session = session(open_wallet(dir)?, dir, None)?;
    let report = runtime()?.block_on(session.sign_out()).result.map_err(e)?;
    match report.last_sync {
        Some(Ok(last)) => print_synced(&last.report),
        Some(Err(err)) => emit(&format!(
            "Last sync failed ({}); unsent actions are dropped with the member's data.\n",
            sync_error(err)
        )),
        None => {}
    }
    emit("Signed out: the wallet, inbox, card and token are gone from this device.\n");
    Ok(())
}

//! `loyalty enroll`, `loyalty sync`, `loyalty pos …`, `loyalty redeem`: the
//! desktop face of sync. The token and card secret live in the data folder's
//! secret table, never on screen.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use clap::Subcommand;
use loyalty_core::card::SecretStore;
use loyalty_core::kernel::time::Clock;
use loyalty_core::store::{ACCESS_TOKEN_KEY, DB_FILE, SERVER_URL_KEY, SqliteSecretStore, Store};
use loyalty_core::sync::{StaticToken, SyncClient, SyncConfig};
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
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the async runtime: {err}"))
}

/// `loyalty enroll --server URL`: a new member in a fresh data folder, then a first sync.
pub fn enroll(server: &str, dir: &Path) -> Result<(), String> {
    if dir.join(DB_FILE).exists() {
        let existing = Store::open_dir(dir).map_err(e)?;
        if existing.card_number().map_err(e)?.is_some() || existing.program().is_some() {
            return Err(format!(
                "{} already holds a member's wallet; run `loyalty sign-out` first or use another --data-dir",
                dir.display()
            ));
        }
    }
    let me = runtime()?
        .block_on(SyncClient::enroll_member(server))
        .map_err(e)?;
    let mut store = Store::open_dir(dir).map_err(e)?;
    let secrets = SqliteSecretStore::open(&dir.join(DB_FILE)).map_err(e)?;
    store
        .enroll_member(&me, server, &secrets, Utc::now())
        .map_err(e)?;
    drop(store);
    emit(&format!(
        "Enrolled member {} in {}\n",
        me.member_id,
        dir.display()
    ));
    sync(dir)
}

/// `loyalty sync`.
pub fn sync(dir: &Path) -> Result<(), String> {
    let store = open_wallet(dir)?;
    let server = store
        .meta(SERVER_URL_KEY)
        .map_err(e)?
        .ok_or("this wallet is not enrolled with a server; run `loyalty enroll --server URL`")?;
    let secrets = SqliteSecretStore::open(&dir.join(DB_FILE)).map_err(e)?;
    let token = secrets
        .get(ACCESS_TOKEN_KEY)
        .map_err(e)?
        .ok_or("no access token stored; enroll again")?;
    let token = String::from_utf8(token).map_err(|_| "the stored token is not text".to_string())?;
    let client =
        SyncClient::new(SyncConfig::new(&server), Arc::new(StaticToken(token))).map_err(e)?;
    let store = Arc::new(Mutex::new(store));
    let report = runtime()?.block_on(client.sync(store)).map_err(e)?;
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
    };
    let text =
        std::fs::read_to_string(&file).map_err(|err| format!("cannot read {file}: {err}"))?;
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
    let last_sync = sync(dir);
    if let Err(reason) = &last_sync {
        emit(&format!(
            "Last sync failed ({reason}); unsent actions are dropped with the member's data.\n"
        ));
    }
    let mut store = open_wallet(dir)?;
    let secrets = SqliteSecretStore::open(&dir.join(DB_FILE)).map_err(e)?;
    store.sign_out(&secrets).map_err(e)?;
    emit("Signed out: the wallet, inbox, card and token are gone from this device.\n");
    Ok(())
}

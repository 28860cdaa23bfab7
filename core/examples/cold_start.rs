//! The cold path a shopper at the till feels: a process that has the
//! library loaded constructs its client on an existing wallet and shows the
//! first card frame. Issue 18's target: < 20 ms, peak RSS < 30 MB.
//!
//! ```text
//! cargo run --release -p loyalty-core --example cold_start -- build DIR [EVENTS]
//! cargo run --release -p loyalty-core --example cold_start -- run DIR
//! ```
//!
//! `build` makes a wallet with the demo program and card (its secret in the
//! desktop secret store, as the CLI keeps it) and EVENTS events (default
//! 100 000: purchases, returns, reward redemptions, referral bonuses, one
//! every 6 hours). `run` then, in a fresh process, resets the kernel's
//! peak-RSS mark (`/proc/self/clear_refs`), opens the store and the secret
//! store, builds the session and asks for the card view (TOTP code and QR
//! matrix), and prints the elapsed time and the process's peak and current
//! resident memory. `scripts/bench-cold.sh` runs it repeatedly and reports
//! medians; nothing is asserted.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};
use loyalty_core::card::{SecretStore, secret_from_hex};
use loyalty_core::session::demo::{DEMO_CARD, DEMO_PROGRAM};
use loyalty_core::session::{Session, SessionConfig};
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};
use loyalty_core::wallet::model::{
    BonusKind, Event, LineInput, PurchaseInput, ReturnInput, ReturnLineInput,
};

fn purchase(i: u64) -> Event {
    Event::Purchase(PurchaseInput {
        receipt_id: format!("r{i}"),
        lines: vec![
            LineInput {
                sku: "SNEAKERS".into(),
                category: Some("sport".into()),
                qty: 1,
                amount: format!("{}.{:02}", 200 + i % 900, i % 100),
            },
            LineInput {
                sku: "COFFEE-BEANS".into(),
                category: Some("food".into()),
                qty: 1,
                amount: "450.00".into(),
            },
        ],
        coupon: None,
        pay_points: None,
    })
}

fn event(i: u64) -> Event {
    match i % 20 {
        7 => Event::Return(ReturnInput {
            receipt_id: format!("r{}", i - 1),
            lines: vec![ReturnLineInput {
                sku: "SNEAKERS".into(),
                qty: 1,
            }],
        }),
        13 => Event::RedeemReward {
            reward_id: "c20".into(),
            coupon_id: format!("k{i}"),
        },
        19 => Event::Bonus {
            kind: BonusKind::Referral,
            key: None,
        },
        _ => purchase(i),
    }
}

fn build(dir: &Path, events: u64) -> Result<(), String> {
    let e = |e: loyalty_core::LoyaltyError| e.to_string();
    if dir.join(DB_FILE).exists() {
        return Err(format!("{} already holds a wallet", dir.display()));
    }
    let started = Instant::now();
    let mut store = Store::open_dir(dir).map_err(e)?;
    store.set_program(DEMO_PROGRAM).map_err(e)?;
    let secrets = SqliteSecretStore::open(&dir.join(DB_FILE)).map_err(e)?;
    let secret = secret_from_hex("3132333435363738393031323334353637383930").map_err(e)?;
    let mut at = Utc::now() - Duration::hours(6 * events as i64 + 6);
    store
        .enroll_card(DEMO_CARD, &secret, &secrets, at)
        .map_err(e)?;
    let mut refused = 0u64;
    for i in 0..events {
        at += Duration::hours(6);
        // Some redemptions find too few points; the wallet refuses them, as
        // a till would. Any other refusal means the wallet is not the one
        // the benchmark claims, so the build stops.
        match store.apply(&event(i), at) {
            Ok(_) => {}
            Err(loyalty_core::LoyaltyError::InsufficientPoints { .. }) => refused += 1,
            Err(other) => return Err(format!("event {i} was refused: {other}")),
        }
    }
    println!(
        "built {} with {events} events ({refused} redemptions refused for too few points) in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `VmHWM` and `VmRSS` of this process, in KiB (0 where unreadable).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn run(dir: &Path) -> Result<(), String> {
    let e = |e: loyalty_core::LoyaltyError| e.to_string();
    // The library is loaded (this binary is running); the peak is measured
    // from here on. "5" resets VmHWM to the current RSS (Linux 4.0+).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let started = Instant::now();
    let store = Store::open_dir(dir).map_err(e)?;
    let secrets: Arc<dyn SecretStore> =
        Arc::new(SqliteSecretStore::open(&dir.join(DB_FILE)).map_err(e)?);
    let session = Session::new(store, secrets, SessionConfig::default()).map_err(e)?;
    let view = session.card_view().map_err(e)?;
    let elapsed = started.elapsed();
    let (peak, now) = memory_kib();
    println!(
        "first_frame_us {} peak_rss_kib {peak} rss_kib {now} peak_reset {reset} qr {}",
        elapsed.as_micros(),
        view.frame.qr.is_some(),
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["build", dir] => build(Path::new(dir), 100_000),
        ["build", dir, n] => n
            .parse()
            .map_err(|_| format!("EVENTS must be a whole number, not {n:?}"))
            .and_then(|n| build(Path::new(dir), n)),
        ["run", dir] => run(Path::new(dir)),
        _ => Err("usage: cold_start build DIR [EVENTS] | cold_start run DIR".into()),
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}

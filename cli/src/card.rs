//! `loyalty card …`: show the member's card, compute TOTP codes, render and
//! verify payloads, export wallet passes. Every rule comes from `loyalty_core::card`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use loyalty_core::card::loy2::DeviceSigner;
use loyalty_core::card::soft_key::SoftwareSigner;
use loyalty_core::card::{
    Algorithm, BarcodeKind, CardConfig, CardService, CardView, CheckDigit, EcLevel, LinearBarcode,
    Secret, Template, TotpParams, Verifier, secret_from_hex,
};
use loyalty_core::kernel::time::Clock;
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};

use crate::emit;

/// `loyalty card` subcommands.
#[derive(Subcommand)]
pub enum CardCommand {
    /// Show the member's card: QR (Unicode half blocks), grouped number, countdown.
    Show {
        /// Print only the current payload (what a till reads).
        #[arg(long)]
        payload: bool,
    },
    /// Print the TOTP code for a secret at a time.
    Totp {
        #[command(flatten)]
        secret: SecretArgs,
        #[command(flatten)]
        time: TimeArgs,
        #[command(flatten)]
        totp: TotpArgs,
    },
    /// Render a card barcode to a file and print its payload.
    Render {
        /// Card number digits.
        #[arg(long, value_name = "DIGITS")]
        card: String,
        #[command(flatten)]
        secret: SecretArgs,
        #[command(flatten)]
        time: TimeArgs,
        #[command(flatten)]
        totp: TotpArgs,
        /// Payload template.
        #[arg(long, value_name = "T", default_value = loyalty_core::card::DEFAULT_TEMPLATE)]
        template: String,
        /// Barcode kind: qr, ean13 or code128 (linear kinds carry the static card number).
        #[arg(long, default_value = "qr")]
        barcode: String,
        /// QR error correction: L, M, Q or H.
        #[arg(long, default_value = "M")]
        ec: String,
        /// Card number check digit: none, luhn or ean13.
        #[arg(long, default_value = "none")]
        check: String,
        /// Output format: svg, png or text.
        #[arg(long)]
        format: String,
        /// Pixels per module for PNG (at least 4).
        #[arg(long, default_value_t = 8)]
        scale: u32,
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Verify a scanned payload; prints the card number and step, or the reason (exit 1).
    Verify {
        /// The scanned payload.
        payload: String,
        #[command(flatten)]
        secret: SecretArgs,
        #[command(flatten)]
        time: TimeArgs,
        #[command(flatten)]
        totp: TotpArgs,
        /// Steps of clock skew tolerated either side.
        #[arg(long, default_value_t = 1)]
        skew: i64,
        /// Payload template.
        #[arg(long, value_name = "T", default_value = loyalty_core::card::DEFAULT_TEMPLATE)]
        template: String,
        /// Expected card number (another card's payload is `wrong_card`).
        #[arg(long, value_name = "DIGITS")]
        card: Option<String>,
        /// Card number check digit: none, luhn or ean13.
        #[arg(long, default_value = "none")]
        check: String,
    },
    /// Write the member's wallet passes, unsigned, for the server to sign:
    /// Google Wallet's class, object and save-JWT claims, Apple Wallet's pass.json.
    Export(crate::export::ExportArgs),
}

/// The instant: `--at RFC3339` or `--unix SECONDS`.
#[derive(Args)]
pub struct TimeArgs {
    /// The instant, RFC 3339.
    #[arg(
        long,
        value_name = "RFC3339",
        conflicts_with = "unix",
        required_unless_present = "unix"
    )]
    at: Option<String>,
    /// The instant, Unix seconds.
    #[arg(long, value_name = "SECS")]
    unix: Option<i64>,
}

/// TOTP parameters.
#[derive(Args)]
pub struct TotpArgs {
    /// HMAC algorithm: sha1, sha256 or sha512.
    #[arg(long, default_value = "sha1")]
    algorithm: String,
    /// Code length, 6 to 8.
    #[arg(long, default_value_t = 8)]
    digits: u32,
    /// Step length in seconds.
    #[arg(long, default_value_t = 30)]
    period: i64,
}

use crate::err_text as e;

impl TimeArgs {
    fn instant(&self) -> Result<DateTime<Utc>, String> {
        match (&self.at, self.unix) {
            (Some(at), _) => DateTime::parse_from_rfc3339(at)
                .map(|t| t.to_utc())
                .map_err(|err| format!("--at {at:?} is not RFC 3339: {err}")),
            (None, Some(s)) => {
                DateTime::from_timestamp(s, 0).ok_or_else(|| format!("--unix {s} is out of range"))
            }
            (None, None) => Err("give --at or --unix".into()),
        }
    }
}

impl TotpArgs {
    fn params(&self) -> Result<TotpParams, String> {
        let p = TotpParams {
            algorithm: Algorithm::parse(&self.algorithm).map_err(e)?,
            digits: self.digits,
            period: self.period,
        };
        p.validate().map_err(e)?;
        Ok(p)
    }
}

fn check_of(s: &str) -> Result<CheckDigit, String> {
    CheckDigit::parse(s).ok_or_else(|| format!("--check {s:?} is not none, luhn or ean13"))
}

/// Where a command takes the member's card secret from: exactly one of
/// `--secret-hex` (visible to other users in the process list) or
/// `--secret-file` (a file, or `-` for standard input).
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
pub struct SecretArgs {
    /// The secret as hex (at least 16 bytes). Visible in the process list:
    /// prefer --secret-file on shared machines.
    #[arg(long, value_name = "HEX")]
    secret_hex: Option<String>,
    /// A file holding the secret as hex (`-`: standard input); surrounding
    /// whitespace is ignored.
    #[arg(long, value_name = "FILE")]
    secret_file: Option<String>,
}

/// Longest secret file read: hex of a 64-byte secret and a newline, with room.
const SECRET_FILE_LIMIT: u64 = 1024;

impl SecretArgs {
    /// The secret's hex text, from the argument or the file.
    fn hex(&self) -> Result<String, String> {
        match (&self.secret_hex, &self.secret_file) {
            (Some(hex), _) => Ok(hex.clone()),
            (None, Some(file)) => {
                crate::input::read_text(file, SECRET_FILE_LIMIT).map(|t| t.trim().to_string())
            }
            (None, None) => Err("give the secret with --secret-file FILE (or --secret-hex)".into()),
        }
    }
}

/// Runs a `loyalty card` command.
pub fn run(cmd: CardCommand, data_dir: &Path, clock: &dyn Clock) -> Result<(), String> {
    match cmd {
        CardCommand::Show { payload } => show(data_dir, clock, payload),
        CardCommand::Export(args) => crate::export::run(&args, data_dir),
        CardCommand::Totp { secret, time, totp } => {
            let secret = secret_from_hex(&secret.hex()?).map_err(e)?;
            let p = totp.params()?;
            let step = p.step(time.instant()?.timestamp()).map_err(e)?;
            emit(&format!("{}\n", p.code_string(&secret, step)));
            Ok(())
        }
        CardCommand::Render {
            card,
            secret,
            time,
            totp,
            template,
            barcode,
            ec,
            check,
            format,
            scale,
            out,
        } => {
            let config = CardConfig {
                format: loyalty_core::card::CardFormat::Loy1,
                template: Template::parse(&template).map_err(e)?,
                totp: totp.params()?,
                barcode: BarcodeKind::parse(&barcode)
                    .ok_or_else(|| format!("--barcode {barcode:?} is not qr, ean13 or code128"))?,
                ec_level: EcLevel::parse(&ec)
                    .ok_or_else(|| format!("--ec {ec:?} is not L, M, Q or H"))?,
                check: check_of(&check)?,
            };
            let secret = Secret::new(secret_from_hex(&secret.hex()?).map_err(e)?).map_err(e)?;
            let service = CardService::new(config, &card, secret, 0).map_err(e)?;
            let at = time.instant()?;
            let bytes = match format.as_str() {
                "svg" => service.svg(at).map_err(e)?.into_bytes(),
                "png" if scale < 4 => {
                    return Err("--scale must be at least 4 pixels per module for PNG".into());
                }
                "png" => service.png(at, scale).map_err(e)?.to_vec(),
                "text" => draw(&service.view(at).map_err(e)?).into_bytes(),
                other => return Err(format!("--format {other:?} is not svg, png or text")),
            };
            std::fs::write(&out, bytes)
                .map_err(|err| format!("cannot write {}: {err}", out.display()))?;
            emit(&format!("{}\n", service.payload(at).map_err(e)?));
            Ok(())
        }
        CardCommand::Verify {
            payload,
            secret,
            time,
            totp,
            skew,
            template,
            card,
            check,
        } => {
            let secret = secret_from_hex(&secret.hex()?).map_err(e)?;
            let check = check_of(&check)?;
            let verifier = Verifier::new(
                Template::parse(&template).map_err(e)?,
                totp.params()?,
                check,
            );
            let unix = time.instant()?.timestamp();
            let result = match card {
                Some(c) => {
                    let expected = loyalty_core::card::CardNumber::parse(&c, check).map_err(e)?;
                    verifier.verify_card(&payload, &expected, &secret, unix, skew)
                }
                None => verifier.verify(&payload, &secret, unix, skew),
            };
            match result {
                Ok(v) => {
                    let step = v.step.map_or("static".to_string(), |s| s.to_string());
                    emit(&format!("valid card {} step {step}\n", v.card.as_str()));
                    Ok(())
                }
                Err(f) => Err(format!("{}: {}", f.code(), f.reason())),
            }
        }
    }
}

/// The enrolled card of the data folder's wallet.
pub fn service_for(data_dir: &Path) -> Result<CardService, String> {
    let db = data_dir.join(DB_FILE);
    if !db.exists() {
        return Err(format!(
            "no wallet in {}; run `loyalty demo` first or pass --data-dir",
            data_dir.display()
        ));
    }
    let store = Store::open(&db).map_err(e)?;
    let secrets = SqliteSecretStore::open(&db).map_err(e)?;
    let card = store.card_service(&secrets).map_err(e)?;
    // A LOY2 program's code is signed by the wallet's software device key.
    Ok(store.attach_credential(card, || {
        SoftwareSigner::load_or_create(&secrets)
            .map(|s| std::sync::Arc::new(s) as std::sync::Arc<dyn DeviceSigner>)
    }))
}

fn show(data_dir: &Path, clock: &dyn Clock, payload_only: bool) -> Result<(), String> {
    let service = service_for(data_dir)?;
    let view = service.view(clock.now()).map_err(e)?;
    if payload_only {
        emit(&format!("{}\n", view.frame.payload));
    } else {
        emit(&card_text(&view));
    }
    Ok(())
}

/// The card as the terminal shows it: barcode, number, countdown.
pub fn card_text(view: &CardView) -> String {
    let mut out = draw(view);
    out.push_str(&format!("Card {}\n", view.frame.display_number));
    match (view.frame.format, view.frame.notice) {
        (loyalty_core::card::CardFormat::Loy2, _) => {
            out.push_str("LOY2 code: any till with the program's keys checks it offline\n")
        }
        (_, Some(notice)) => out.push_str(&format!(
            "LOY2 unavailable ({}): showing the LOY1 code, which needs an online till; \
             the next sync asks for a new credential\n",
            notice.code()
        )),
        _ => {}
    }
    match (
        view.seconds_to_rotation,
        view.seconds_until_refused,
        view.frame.rotates_at,
    ) {
        (Some(s), Some(refused), Some(at)) => out.push_str(&format!(
            "Code changes in {s} s (at {} UTC); a till still takes it for up to {refused} s \
             (one step of clock drift), once only: a screenshot is useless after that\n",
            at.format("%H:%M:%S")
        )),
        _ => out.push_str("Static card number (no rotating code)\n"),
    }
    out
}

fn draw(view: &CardView) -> String {
    let art = match (&view.frame.qr, &view.frame.linear) {
        (Some(qr), _) => qr.half_blocks(),
        (_, Some(linear)) => bars(linear),
        _ => String::new(),
    };
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        // Light modules are drawn as blocks: pin white on black so the code reads
        // the same on light and dark terminal themes.
        art.lines()
            .map(|l| format!("\x1b[97;40m{l}\x1b[0m\n"))
            .collect()
    } else {
        art
    }
}

/// A linear barcode in the terminal: full blocks for light, spaces for bars, 6 lines tall.
fn bars(code: &LinearBarcode) -> String {
    let mut line = "█".repeat(code.quiet_zone);
    for (i, w) in code.widths.iter().enumerate() {
        let ch = if i % 2 == 0 { " " } else { "█" };
        line.push_str(&ch.repeat(usize::from(*w)));
    }
    line.push_str(&"█".repeat(code.quiet_zone));
    line.push('\n');
    line.repeat(6)
}

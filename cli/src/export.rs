//! `loyalty card export`: the member's wallet passes, unsigned, written to
//! files for the server to sign — Google Wallet's class, object and save-JWT
//! claims, and Apple Wallet's `pass.json`. Every rule comes from
//! `loyalty_core::card::passes`; the card, points and tier from the wallet.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use loyalty_core::card::SecretStore;
use loyalty_core::card::passes::{PassIssuer, PassLabels};
use loyalty_core::session::{Session, SessionConfig};
use loyalty_core::store::{DB_FILE, SqliteSecretStore, Store};

use crate::{emit, err_text as e};

/// The files to write: at least one.
#[derive(Args)]
#[group(id = "outputs", required = true, multiple = true)]
pub struct ExportOutputs {
    /// Write the Google Wallet LoyaltyObject here. It holds the card's TOTP
    /// secret: the file is readable by its owner only; keep it off shared disks.
    #[arg(long, value_name = "FILE")]
    google_object: Option<PathBuf>,
    /// Write the Google Wallet LoyaltyClass here.
    #[arg(long, value_name = "FILE")]
    google_class: Option<PathBuf>,
    /// Write the claims of the Google save JWT here (unsigned; they name the object).
    #[arg(long, value_name = "FILE")]
    google_claims: Option<PathBuf>,
    /// Write the Apple Wallet pass.json here (its token: --apple-token, or
    /// asked of the server the wallet enrolled with).
    #[arg(long, value_name = "FILE")]
    apple_pass: Option<PathBuf>,
}

/// `loyalty card export` arguments: the files, and who issues the passes.
#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    outputs: ExportOutputs,
    /// The Apple pass's barcode: the LOY2 credential text (92…) the server
    /// signed for this card with the identify and earn scope only (default:
    /// a fresh one from the enrolled server).
    #[arg(long, value_name = "TEXT", requires = "apple_pass")]
    apple_token: Option<String>,
    /// Google Wallet issuer id (digits).
    #[arg(long, value_name = "DIGITS", default_value = "3388000000000000000")]
    issuer_id: String,
    /// The class id after the issuer id.
    #[arg(long, value_name = "ID", default_value = "loyalty")]
    class_suffix: String,
    /// The object id after the issuer id, and Apple's serial number [default: the card number].
    #[arg(long, value_name = "ID")]
    object_suffix: Option<String>,
    /// The issuer's name.
    #[arg(long, value_name = "TEXT", default_value = "Loyalty")]
    issuer_name: String,
    /// The program's name.
    #[arg(long, value_name = "TEXT", default_value = "Loyalty Club")]
    program_name: String,
    /// The program logo (https URL).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://example.com/logo.png"
    )]
    logo_url: String,
    /// Background colour, #rrggbb.
    #[arg(long, value_name = "#RRGGBB", default_value = "#1a237e")]
    background: String,
    /// Text colour, #rrggbb.
    #[arg(long, value_name = "#RRGGBB", default_value = "#ffffff")]
    foreground: String,
    /// Label colour, #rrggbb.
    #[arg(long, value_name = "#RRGGBB", default_value = "#c5cae9")]
    label_color: String,
    /// Apple pass type identifier.
    #[arg(long, value_name = "ID", default_value = "pass.com.example.loyalty")]
    pass_type_id: String,
    /// Apple Developer team id.
    #[arg(long, value_name = "ID", default_value = "ABCDE12345")]
    team_id: String,
    /// The Google Cloud service account that signs the save JWT (its iss).
    #[arg(
        long,
        value_name = "EMAIL",
        default_value = "wallet@example.iam.gserviceaccount.com"
    )]
    service_account: String,
    /// A web origin allowed to show the save button (repeat for more).
    #[arg(long = "origin", value_name = "URL")]
    origins: Vec<String>,
    /// The member's name on the passes [default: none shown].
    #[arg(long, value_name = "TEXT")]
    member_name: Option<String>,
}

impl ExportArgs {
    fn issuer(&self) -> PassIssuer {
        PassIssuer {
            issuer_id: self.issuer_id.clone(),
            class_suffix: self.class_suffix.clone(),
            issuer_name: self.issuer_name.clone(),
            program_name: self.program_name.clone(),
            logo_url: self.logo_url.clone(),
            background_color: self.background.clone(),
            foreground_color: self.foreground.clone(),
            label_color: self.label_color.clone(),
            pass_type_id: self.pass_type_id.clone(),
            team_id: self.team_id.clone(),
            service_account_email: self.service_account.clone(),
            origins: self.origins.clone(),
            labels: PassLabels::default(),
        }
    }
}

/// Writes `text` to `path`, readable by its owner only (the object holds a secret).
fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|err| format!("cannot write {}: {err}", path.display()))
}

/// Runs `loyalty card export` on the wallet of `data_dir`. Every pass is
/// made before any file is written, so a refusal writes nothing.
pub fn run(args: &ExportArgs, data_dir: &Path) -> Result<(), String> {
    let db = data_dir.join(DB_FILE);
    if !db.exists() {
        return Err(format!(
            "no wallet in {}; run `loyalty demo` first or pass --data-dir",
            data_dir.display()
        ));
    }
    let store = Store::open(&db).map_err(e)?;
    let secrets: Arc<dyn SecretStore> = Arc::new(SqliteSecretStore::open(&db).map_err(e)?);
    let session = Session::new(store, secrets, SessionConfig::default()).map_err(e)?;
    let passes = session
        .wallet_passes(
            args.issuer(),
            args.object_suffix.clone(),
            args.member_name.clone(),
        )
        .map_err(e)?;
    let o = &args.outputs;
    let mut files: Vec<(&PathBuf, String, &str)> = Vec::new();
    if let Some(path) = &o.google_class {
        files.push((path, passes.google_class(), "Google Wallet LoyaltyClass"));
    }
    if let Some(path) = &o.google_object {
        let what = "Google Wallet LoyaltyObject; it holds the card secret";
        files.push((path, passes.google_object().map_err(e)?, what));
    }
    if let Some(path) = &o.google_claims {
        let what = "Google save-JWT claims, unsigned";
        files.push((path, passes.google_save_claims(), what));
    }
    if let Some(path) = &o.apple_pass {
        let token = match &args.apple_token {
            Some(t) => t.trim().to_string(),
            None => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| format!("cannot start the async runtime: {err}"))?
                .block_on(session.wallet_pass_token())
                .map_err(|err| {
                    format!(
                        "the Apple pass needs a token from the server ({}); or give --apple-token",
                        e(err)
                    )
                })?,
        };
        let pass = passes.apple_pass_json(&token).map_err(e)?;
        files.push((path, pass, "Apple Wallet pass.json, unsigned"));
    }
    for (path, text, what) in files {
        write_private(path, &text)?;
        emit(&format!("wrote {} ({what})\n", path.display()));
    }
    Ok(())
}

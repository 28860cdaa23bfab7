//! `loyalty`: the desktop face of the loyalty core, for QA and demos.
//!
//! No rules live here: every figure comes from `loyalty-core`.

mod boards;
mod card;
mod conformance;
mod demo;
mod export;
mod goals;
mod inbox;
mod input;
mod pos_offline;
mod render;
mod scenarios;
mod sync_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use loyalty_core::kernel::time::{Clock, SystemClock};
use loyalty_core::store::Store;

/// Desktop tool for the loyalty core: a demo wallet, wallet snapshots and the QA scenario runner.
#[derive(Parser)]
#[command(name = "loyalty", version, about, long_about = None)]
struct Cli {
    /// Data folder holding the wallet database
    /// [default: the platform's user data folder, e.g. ~/.local/share/loyalty]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create (or reopen) a demo wallet with sample purchases and print it as a shopper sees it.
    Demo,
    /// Print the wallet snapshot of the data folder.
    Wallet {
        /// Print JSON using the scenario `expect` key names.
        #[arg(long)]
        json: bool,
        /// How many recent history entries to show.
        #[arg(long, default_value_t = 10, value_name = "N")]
        history: usize,
        /// Horizon for "expiring soon", in days.
        #[arg(long, default_value_t = 30, value_name = "DAYS")]
        expiring_days: i64,
    },
    /// List the challenges (active, closest to completion first).
    Challenges {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the badges and their levels.
    Badges {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The offer inbox: list (default), read, dismiss, activate.
    Inbox {
        /// Also show dismissed and expired messages.
        #[arg(long)]
        all: bool,
        #[command(subcommand)]
        command: Option<inbox::InboxCommand>,
    },
    /// Ingest a push payload (FCM data message or APNs JSON) from FILE or - (stdin) and print the outcome.
    Push {
        /// Payload file, or - for standard input.
        #[arg(value_name = "FILE|-")]
        source: String,
    },
    /// Enroll a new member with a sync server into an empty data folder, then sync.
    Enroll {
        /// Server URL (e.g. http://127.0.0.1:8080 for loyalty-devserver).
        #[arg(long)]
        server: String,
    },
    /// Send pending actions and pull the server's events.
    Sync,
    /// Sync one last time, then wipe the member's data from this data folder.
    SignOut,
    /// Redeem a reward: applied at once, sent with the next sync.
    Redeem {
        /// Reward id from the program.
        reward_id: String,
    },
    /// The till: record purchases and returns for a scanned card payload.
    Pos {
        #[command(subcommand)]
        command: sync_cmd::PosCommand,
    },
    /// Check a backend against the sync API's promises (docs/api.md, "Conformance"): one line per check, exit 1 on any failure.
    Conformance {
        /// Server URL (needs `POST /v1/enroll`: a dev or staging backend).
        #[arg(long)]
        server: String,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The digital card: show it, compute codes, render and verify payloads, export wallet passes.
    Card {
        #[command(subcommand)]
        command: Box<card::CardCommand>,
    },
    /// The leaderboards as the last sync brought them; join or leave them.
    Leaderboard {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        command: Option<boards::BoardCommand>,
    },
    /// QA scenario files.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Run scenario files against a fresh SQLite store each.
    ///
    /// Exit status: 0 when every expectation holds, 1 when any fails,
    /// 2 when a file cannot be read or parsed.
    Run {
        /// Close and reopen the database between every step.
        #[arg(long)]
        reopen: bool,
        /// Print a machine-readable JSON report.
        #[arg(long)]
        json: bool,
        /// Scenario files, or folders (every *.json inside).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

/// The platform's user data folder for this tool.
fn default_data_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let base = if cfg!(target_os = "windows") {
        std::env::var_os("APPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        home.map(|h| h.join("Library/Application Support"))
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| home.map(|h| h.join(".local/share")))
    };
    base.unwrap_or_else(|| PathBuf::from(".")).join("loyalty")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = cli.data_dir.unwrap_or_else(default_data_dir);
    let clock = SystemClock;
    match cli.command {
        Command::Demo => report(demo::run(&data_dir, &clock)),
        Command::Wallet {
            json,
            history,
            expiring_days,
        } => report(wallet(&data_dir, &clock, json, history, expiring_days)),
        Command::Challenges { json } => report(list_goals(&data_dir, &clock, json, true)),
        Command::Badges { json } => report(list_goals(&data_dir, &clock, json, false)),
        Command::Enroll { server } => report(sync_cmd::enroll(&server, &data_dir)),
        Command::Sync => report(sync_cmd::sync(&data_dir)),
        Command::SignOut => report(sync_cmd::sign_out(&data_dir)),
        Command::Redeem { reward_id } => report(sync_cmd::redeem(&reward_id, &data_dir, &clock)),
        Command::Pos { command } => report(sync_cmd::pos(command)),
        Command::Conformance { server, json } => report(conformance::run(&server, json)),
        Command::Inbox { all, command } => report(inbox::run(command, all, &data_dir, &clock)),
        Command::Push { source } => report(inbox::push(&source, &data_dir, &clock)),
        Command::Card { command } => report(card::run(*command, &data_dir, &clock)),
        Command::Leaderboard { json, command } => {
            report(boards::run(command, json, &data_dir, &clock))
        }
        Command::Scenario {
            command:
                ScenarioCommand::Run {
                    reopen,
                    json,
                    paths,
                },
        } => scenarios::run(&paths, reopen, json),
    }
}

/// Writes to stdout; a closed pipe (`loyalty wallet | head`) ends the program quietly.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write output: {e}");
        std::process::exit(1);
    }
}

/// A core error as the CLI prints it: `[code] message`.
pub(crate) fn err_text(e: loyalty_core::LoyaltyError) -> String {
    format!("[{}] {e}", e.code())
}

/// Opens the wallet of a data folder that must already exist.
pub(crate) fn open_wallet(dir: &std::path::Path) -> Result<Store, String> {
    if !dir.join(loyalty_core::store::DB_FILE).exists() {
        return Err(format!(
            "no wallet in {}; run `loyalty demo` first or pass --data-dir",
            dir.display()
        ));
    }
    Store::open_dir(dir).map_err(err_text)
}

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn wallet(
    dir: &std::path::Path,
    clock: &dyn Clock,
    json: bool,
    history: usize,
    days: i64,
) -> Result<(), String> {
    let store = open_wallet(dir)?;
    let snap = store
        .snapshot(clock.now(), days, history)
        .map_err(err_text)?;
    if json {
        emit(&format!("{:#}\n", render::snapshot_json(&snap)));
    } else {
        emit(&render::snapshot_text(store.program(), &snap));
    }
    Ok(())
}

fn list_goals(
    dir: &std::path::Path,
    clock: &dyn Clock,
    json: bool,
    challenges: bool,
) -> Result<(), String> {
    let store = open_wallet(dir)?;
    let (c, b) = store.goal_views(clock.now()).map_err(err_text)?;
    match (challenges, json) {
        (true, false) => emit(&goals::challenges_text(&c)),
        (false, false) => emit(&goals::badges_text(&b)),
        (true, true) => emit(&format!("{:#}\n", goals::challenges_json(&c))),
        (false, true) => emit(&format!("{:#}\n", goals::badges_json(&b))),
    }
    Ok(())
}

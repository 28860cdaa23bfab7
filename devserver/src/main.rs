//! `loyalty-devserver`: the reference backend for the sync API (docs/api.md).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use loyalty_devserver::{App, Config, LimitsConfig, serve};

/// Reference dev server for the loyalty sync API. Never expose it to a network: it has no admin auth.
#[derive(Parser)]
#[command(name = "loyalty-devserver", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Folder for the server's databases.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// Program rules JSON file.
    #[arg(long, value_name = "FILE")]
    program: PathBuf,
    /// Share of requests that fail on purpose (0 to 1): 500/503, failure after applying, delay, truncated body.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Seed of the fault sequence.
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// Most member stores kept open at once (three file handles each); the least recently used idle one is closed first.
    #[arg(long, default_value_t = LimitsConfig::default().max_open_members)]
    max_open_members: usize,
    /// Hours each LOY2 card credential is valid (1 to 65535).
    #[arg(long, default_value_t = loyalty_devserver::DEFAULT_CREDENTIAL_HOURS)]
    credential_hours: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let program_json = match std::fs::read_to_string(&args.program) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.program.display());
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let limits = LimitsConfig {
            max_open_members: args.max_open_members,
            ..LimitsConfig::default()
        };
        let app = App::open_with_limits(
            Config {
                data_dir: args.data_dir,
                program_json,
                fault_rate: args.fault_rate,
                fault_seed: args.fault_seed,
            },
            limits,
        )
        .map_err(|e| e.to_string())?;
        app.set_credential_hours(args.credential_hours);
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("loyalty-devserver listening on http://{addr}");
        serve(listener, app, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

//! The reference dev server for the loyalty sync API (`docs/api.md`).
//!
//! It keeps each member's event log in a wallet store of its own and applies
//! events with the very engine the phones run, so both sides derive the same
//! state. A registry database holds members, tokens, cards, idempotency keys,
//! pushed messages and the till's replay guard. Optional fault injection
//! (`--fault-rate`, `--fault-seed`) makes it a hostile network for tests.

mod errors;
mod faults;
mod limits;
mod registry;
mod routes;
mod till;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use loyalty_core::program::Program;
use loyalty_core::store::Store;

pub use errors::MAX_MESSAGE_CHARS;
pub use faults::Faults;
use registry::Registry;
pub use routes::router;

/// Server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder for the registry and member databases.
    pub data_dir: PathBuf,
    /// Program rules JSON.
    pub program_json: String,
    /// Share of requests that fail on purpose (0 = none).
    pub fault_rate: f64,
    /// Seed of the fault sequence.
    pub fault_seed: u64,
}

/// Shared server state.
pub struct App {
    data_dir: PathBuf,
    program_json: String,
    program: Program,
    version: String,
    registry: Mutex<Registry>,
    members: Mutex<HashMap<String, Arc<Mutex<Store>>>>,
    faults: Mutex<Faults>,
}

/// Errors while starting the server.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl App {
    /// Opens (or creates) the server's data folder.
    pub fn open(config: Config) -> Result<Arc<Self>, StartError> {
        let program = Program::from_json(&config.program_json)
            .map_err(|e| StartError(format!("program rules: [{}] {e}", e.code())))?;
        std::fs::create_dir_all(config.data_dir.join("members"))
            .map_err(|e| StartError(format!("cannot create {}: {e}", config.data_dir.display())))?;
        // The registry holds every member's token and card secret.
        loyalty_core::store::make_private_dir(&config.data_dir);
        loyalty_core::store::make_private_dir(&config.data_dir.join("members"));
        let registry_path = config.data_dir.join("registry.sqlite3");
        let registry = Registry::open(&registry_path).map_err(StartError)?;
        loyalty_core::store::make_private(&registry_path);
        Ok(Arc::new(Self {
            version: loyalty_core::program::fingerprint(&config.program_json),
            data_dir: config.data_dir,
            program_json: config.program_json,
            program,
            registry: Mutex::new(registry),
            members: Mutex::new(HashMap::new()),
            faults: Mutex::new(Faults::new(config.fault_rate, config.fault_seed)),
        }))
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A poisoned lock means a handler panicked mid-request; the registry
        // itself is transactional, so carry on with it.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The member's wallet store (opened once, kept).
    fn member_store(&self, member_id: &str) -> Result<Arc<Mutex<Store>>, String> {
        let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = members.get(member_id) {
            return Ok(s.clone());
        }
        let path = member_path(&self.data_dir, member_id);
        let mut store = Store::open(&path).map_err(|e| format!("member store: {e}"))?;
        if store.program().is_none_or(|p| p != &self.program) {
            store
                .set_program(&self.program_json)
                .map_err(|e| e.to_string())?;
        }
        let store = Arc::new(Mutex::new(store));
        members.insert(member_id.to_string(), store.clone());
        Ok(store)
    }
}

fn member_path(dir: &Path, member_id: &str) -> PathBuf {
    dir.join("members").join(format!("{member_id}.sqlite3"))
}

/// Serves until the listener fails or `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}

//! The reference dev server for the loyalty sync API (`docs/api.md`).
//!
//! It keeps each member's event log in a wallet store of its own and applies
//! events with the very engine the phones run, so both sides derive the same
//! state. A registry database holds members, tokens, cards and pushed
//! messages; idempotency keys and the till's replay guard live in each
//! member's store, with their events. [`LimitsConfig`] bounds what clients
//! can hold: open member stores, slow connections and requests. Optional
//! fault injection (`--fault-rate`, `--fault-seed`) makes it a hostile
//! network for tests.

mod boards;
mod card_keys;
mod errors;
mod faults;
mod limits;
mod members;
mod ranks;
mod registry;
mod routes;
mod server;
mod till;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loyalty_core::kernel::time::{Clock, SystemClock, Time};
use loyalty_core::program::Program;
use loyalty_core::store::Store;

/// The leaderboard steps the dev server runs per event and per sync page,
/// for `benches/boards.rs` (not a stable API).
#[doc(hidden)]
pub mod bench {
    use loyalty_core::kernel::time::Time;
    use loyalty_core::sync::wire::BoardStanding;

    use crate::App;
    pub use crate::boards::Totals;

    /// `boards::record`: what one applied event changed, added to every board.
    pub fn record(
        app: &App,
        member: &str,
        before: Totals,
        after: Totals,
        purchase: bool,
        at: Time,
    ) -> Result<(), String> {
        crate::boards::record(app, member, Some(before), Some(after), purchase, at)
            .map_err(|e| format!("{e:?}"))
    }

    /// `boards::standings`: every board's top rows and `member`'s own rank.
    pub fn standings(app: &App, member: &str, now: Time) -> Result<Vec<BoardStanding>, String> {
        crate::boards::standings(app, member, now).map_err(|e| format!("{e:?}"))
    }
}

/// The till's request-body parsing, for the `till_body` fuzz target
/// (`fuzz/`; not a stable API).
#[doc(hidden)]
pub mod fuzz {
    use loyalty_core::wallet::{PurchaseInput, ReturnInput};

    /// `POST /v1/pos/purchases`' body as the route reads it: the scanned
    /// payload and the purchase, or the error code it answers.
    pub fn pos_purchase(body: &str) -> Result<(String, PurchaseInput), String> {
        crate::till::parse_purchase(body)
            .map(|r| (r.payload, r.purchase))
            .map_err(|e| e.code().to_string())
    }

    /// `POST /v1/pos/returns`' body as the route reads it.
    pub fn pos_return(body: &str) -> Result<(String, ReturnInput), String> {
        crate::till::parse_return(body)
            .map(|r| (r.payload, r.ret))
            .map_err(|e| e.code().to_string())
    }
}

pub use card_keys::{DEFAULT_CREDENTIAL_HOURS, MAX_LIVE_KEYS};
pub use errors::MAX_MESSAGE_CHARS;
pub use faults::Faults;
use members::MemberStores;
use registry::Registry;
pub use routes::router;
pub use server::serve;

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

/// Bounds that keep many members or a slow client from exhausting the
/// server. (Apart from [`Config`], which callers build field by field.)
#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// Most member stores kept open at once (each holds three file handles;
    /// at least 1); the least recently used idle one is closed to open another.
    pub max_open_members: usize,
    /// How long a connection may take to send a whole request head; one
    /// that does not (a stalled client, an idle kept-alive connection) is
    /// closed without an answer.
    pub header_read_timeout: Duration,
    /// How long a request may take from its head to its answer (reading
    /// its body included); past it the answer is `408 request_timeout`.
    pub request_timeout: Duration,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_open_members: 64,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Shared server state.
pub struct App {
    data_dir: PathBuf,
    program_json: String,
    program: Program,
    version: String,
    registry: Mutex<Registry>,
    members: Mutex<MemberStores>,
    limits: LimitsConfig,
    faults: Mutex<Faults>,
    /// Hours a newly issued LOY2 credential is valid.
    credential_hours: std::sync::atomic::AtomicU16,
    /// The server's "now" for events, the till's code steps and board periods.
    clock: Mutex<Arc<dyn Clock>>,
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
    /// Opens (or creates) the server's data folder, with the default limits.
    pub fn open(config: Config) -> Result<Arc<Self>, StartError> {
        Self::open_with_limits(config, LimitsConfig::default())
    }

    /// Opens (or creates) the server's data folder.
    pub fn open_with_limits(config: Config, limits: LimitsConfig) -> Result<Arc<Self>, StartError> {
        let program = Program::from_json(&config.program_json)
            .map_err(|e| StartError(format!("program rules: [{}] {e}", e.code())))?;
        std::fs::create_dir_all(config.data_dir.join("members"))
            .map_err(|e| StartError(format!("cannot create {}: {e}", config.data_dir.display())))?;
        // The registry holds every member's token and card secret.
        loyalty_core::store::make_private_dir(&config.data_dir);
        loyalty_core::store::make_private_dir(&config.data_dir.join("members"));
        let registry_path = config.data_dir.join("registry.sqlite3");
        let registry = Registry::open(&registry_path).map_err(StartError)?;
        registry
            .ensure_issuer_key(chrono::Utc::now().timestamp_millis())
            .map_err(StartError)?;
        loyalty_core::store::make_private(&registry_path);
        Ok(Arc::new(Self {
            version: loyalty_core::program::fingerprint(&config.program_json),
            data_dir: config.data_dir,
            program_json: config.program_json,
            program,
            registry: Mutex::new(registry),
            members: Mutex::new(MemberStores::new(limits.max_open_members)),
            limits,
            faults: Mutex::new(Faults::new(config.fault_rate, config.fault_seed)),
            credential_hours: std::sync::atomic::AtomicU16::new(DEFAULT_CREDENTIAL_HOURS),
            clock: Mutex::new(Arc::new(SystemClock)),
        }))
    }

    /// Replaces the server's clock (the system clock by default): the time
    /// events are applied at, the till checks codes against and leaderboard
    /// periods are counted in. For tests that cross a period boundary; a
    /// clock moved backwards still never dates an event before the last one.
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        *self.clock.lock().unwrap_or_else(|e| e.into_inner()) = clock;
    }

    /// The server's current time (see [`App::set_clock`]).
    pub fn now(&self) -> Time {
        let clock = self.clock.lock().unwrap_or_else(|e| e.into_inner()).clone();
        clock.now()
    }

    /// Hours each LOY2 credential issued from now on is valid (at least 1).
    pub fn set_credential_hours(&self, hours: u16) {
        self.credential_hours
            .store(hours.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    fn credential_hours(&self) -> u16 {
        self.credential_hours
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A poisoned lock means a handler panicked mid-request; the registry
        // itself is transactional, so carry on with it.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The member's wallet store, opened if it is not (see `members.rs`).
    fn member_store(&self, member_id: &str) -> Result<Arc<Mutex<Store>>, String> {
        // A poisoned lock: a handler panicked while the cache was handing
        // out a store; the map itself is whole, so carry on with it.
        let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        members.get_or_open(member_id, || self.open_member(member_id))
    }

    /// Closes and deletes a store made for a member who was not created
    /// after all, so that no file stays behind for an id nobody holds.
    fn discard_member_store(&self, member_id: &str) {
        let closed = self
            .members
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .close(member_id);
        if !closed {
            // Nobody knows a new member's id yet; if somebody holds the store, keep it.
            tracing::warn!(member = %member_id, "a discarded member store is in use; kept");
            return;
        }
        let path = member_path(&self.data_dir, member_id);
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(member = %member_id, error = %e, "cannot delete a discarded member store")
                }
            }
        }
    }

    fn open_member(&self, member_id: &str) -> Result<Store, String> {
        let path = member_path(&self.data_dir, member_id);
        let mut store = Store::open(&path).map_err(|e| format!("member store: {e}"))?;
        if store.program().is_none_or(|p| p != &self.program) {
            store
                .set_program(&self.program_json)
                .map_err(|e| e.to_string())?;
        }
        Ok(store)
    }
}

fn member_path(dir: &Path, member_id: &str) -> PathBuf {
    dir.join("members").join(format!("{member_id}.sqlite3"))
}

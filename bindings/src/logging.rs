//! Forwards the loyalty crates' `tracing` output (and only theirs) to the
//! app's log (Logcat, os_log) through a [`LogSink`]. The core never logs
//! secrets, tokens or full card numbers, so nothing forwarded contains them.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// How much to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Very detailed (every request, every page).
    Trace,
    /// Diagnostic detail.
    Debug,
    /// Notable events (enrolled, synced).
    Info,
    /// Something unexpected that the core handled.
    Warn,
    /// An operation failed.
    Error,
}

impl LogLevel {
    fn of(level: &tracing::Level) -> Self {
        match *level {
            tracing::Level::TRACE => Self::Trace,
            tracing::Level::DEBUG => Self::Debug,
            tracing::Level::INFO => Self::Info,
            tracing::Level::WARN => Self::Warn,
            _ => Self::Error,
        }
    }
}

/// One log line.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LogRecord {
    /// Severity.
    pub level: LogLevel,
    /// The Rust module that logged it (e.g. `loyalty_core::sync`): use it as the tag.
    pub target: String,
    /// The text, followed by its fields as `key=value`.
    pub text: String,
}

/// The app's log. Called on whichever thread logged, possibly while the
/// wallet is busy: write the line and return; do not call the client. An
/// exception thrown here drops that line.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// Writes one line.
    fn log(&self, record: LogRecord) -> Result<(), crate::LoyaltyError>;
}

static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);
static MIN_LEVEL: AtomicU8 = AtomicU8::new(LogLevel::Info as u8);
static INSTALLED: OnceLock<bool> = OnceLock::new();

thread_local! {
    static IN_SINK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Sends log lines at `min_level` and above to `sink`, replacing any earlier
/// sink (the process has one log). Returns false when another `tracing`
/// subscriber already owns the process, in which case nothing is forwarded.
pub(crate) fn install(sink: Arc<dyn LogSink>, min_level: LogLevel) -> bool {
    MIN_LEVEL.store(min_level as u8, Ordering::Relaxed);
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = Some(sink);
    *INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(SinkLayer);
        tracing::subscriber::set_global_default(subscriber).is_ok()
    })
}

/// Stops forwarding (the sink is released).
pub(crate) fn uninstall() {
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = None;
}

struct SinkLayer;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SinkLayer {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        // The level can change at run time, so every event is asked again.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        // Only the loyalty crates: their lines are written not to contain
        // secrets; an HTTP or TLS library's trace output is not.
        metadata.target().starts_with("loyalty")
            && LogLevel::of(metadata.level()) as u8 >= MIN_LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let Some(sink) = SINK.read().unwrap_or_else(|e| e.into_inner()).clone() else {
            return;
        };
        // A sink that logs through us again would recurse forever.
        if IN_SINK.with(|f| f.replace(true)) {
            return;
        }
        let mut text = Text::default();
        event.record(&mut text);
        let meta = event.metadata();
        let record = LogRecord {
            level: LogLevel::of(meta.level()),
            target: meta.target().to_string(),
            text: text.0,
        };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.log(record)));
        IN_SINK.with(|f| f.set(false));
    }
}

#[derive(Default)]
struct Text(String);

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

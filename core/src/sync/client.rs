//! The sync client over the documented HTTP API (`docs/api.md`):
//! send the queue of pending actions, pull the server's events page by page
//! through the same engine, store the server clock offset for the card, and
//! compare the server's digest.
//!
//! reqwest with rustls on the `ring` provider (no OpenSSL, no aws-lc). Connect
//! timeout 5 s, request timeout 15 s, bodies capped at 8 MB (a sync page above
//! the cap is asked for again in smaller pages). GETs and action batches are
//! retried with jittered exponential backoff (safe: idempotency keys),
//! `Retry-After` is honoured on 429/503 within 20 s of waiting per request in
//! all, and a 401 asks the
//! [`TokenProvider`] for a fresh token once. One sync runs at a time; a second
//! call waits for it and returns its report. Every store write is its own
//! transaction, so cancelling a sync midway leaves the store consistent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{
    ActionBatch, ActionItem, ActionResult, ActionResults, ActionStatus, ClientAction, EnrollAnswer,
    ErrorResponse, SyncPage,
};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::{Clock, SystemClock};
use crate::store::{
    JOIN_ACTION, LEAVE_ACTION, PageProgram, REFUSED_OFFSET_KEY, SERVER_OFFSET_KEY, SYNC_CURSOR_KEY,
    ServerEvent, Store, TRUSTED_FLOOR_KEY,
};

/// Largest difference between the server's clock and the device's that the
/// card accepts as its offset (24 h).
pub const MAX_CLOCK_OFFSET_MS: i64 = 24 * 3_600_000;

/// Largest response body accepted.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The app's login: hands out access tokens.
pub trait TokenProvider: Send + Sync {
    /// The current access token.
    fn token(&self) -> Result<String>;
    /// A fresh token after the server answered 401.
    fn refresh(&self) -> Result<String>;
}

/// A fixed token (the desktop tool, tests).
pub struct StaticToken(pub String);

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> Result<String> {
        Ok(self.0.clone())
    }
    fn refresh(&self) -> Result<String> {
        Ok(self.0.clone())
    }
}

/// Connection settings.
#[derive(Clone)]
pub struct SyncConfig {
    /// Server base URL (`https://api.example` or `http://127.0.0.1:8080` for the dev server).
    pub base_url: String,
    /// Attempts per request (first try included).
    pub max_attempts: u32,
    /// First backoff delay.
    pub backoff: Duration,
    /// Whole-request timeout (connect timeout is 5 s).
    pub request_timeout: Duration,
    /// The longest one request waits between its attempts in all, however
    /// long the server's `Retry-After` asks for: past it the server's last
    /// answer is returned and the app tries again on its next sync.
    pub max_wait: Duration,
    /// The largest answer read; a sync page above it is asked for again in
    /// smaller pages.
    pub max_body_bytes: usize,
    /// The device's clock: the server's clock offset is measured against
    /// it, and answers are recorded at its time (the session's clock).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConfig")
            .field("base_url", &self.base_url)
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("request_timeout", &self.request_timeout)
            .field("max_wait", &self.max_wait)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl SyncConfig {
    /// Defaults: 6 attempts, 200 ms first backoff, 15 s per attempt, at
    /// most 20 s of waiting between attempts, answers up to 8 MB.
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            max_attempts: 6,
            backoff: Duration::from_millis(200),
            request_timeout: Duration::from_secs(15),
            max_wait: Duration::from_secs(20),
            max_body_bytes: MAX_BODY_BYTES,
            clock: Arc::new(SystemClock),
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Actions the server applied (or had applied).
    pub actions_sent: usize,
    /// Actions the server rejected (rolled back locally, explained in the inbox).
    pub actions_rejected: usize,
    /// New server events applied.
    pub events_applied: usize,
    /// Inbox messages received.
    pub messages: usize,
    /// Digest fields that differed from local state.
    pub mismatches: Vec<String>,
}

pub(super) fn net(reason: impl std::fmt::Display) -> LoyaltyError {
    LoyaltyError::Network {
        reason: reason.to_string(),
    }
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    // Each store call is one transaction, so a poisoned lock still guards a consistent store.
    store.lock().unwrap_or_else(|e| e.into_inner())
}

/// The sync client.
pub struct SyncClient {
    http: reqwest::Client,
    config: SyncConfig,
    tokens: Arc<dyn TokenProvider>,
    running: tokio::sync::Mutex<Option<(u64, std::result::Result<SyncReport, LoyaltyError>)>>,
    generation: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("base_url", &self.config.base_url)
            .finish_non_exhaustive()
    }
}

pub(super) enum Method {
    Get,
    Post(Value),
}

impl SyncClient {
    /// A client for `config.base_url`.
    pub fn new(config: SyncConfig, tokens: Arc<dyn TokenProvider>) -> Result<Self> {
        // Installing the process-wide provider fails harmlessly if one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(config.request_timeout)
            .user_agent(concat!("loyalty-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(net)?;
        Ok(Self {
            http,
            config,
            tokens,
            running: tokio::sync::Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// One request with retries; returns (status, body JSON).
    pub(super) async fn request(
        &self,
        method: Method,
        path: &str,
        auth: bool,
    ) -> Result<(u16, Value)> {
        let url = format!("{}{path}", self.config.base_url);
        let mut token = if auth {
            Some(self.tokens.token()?)
        } else {
            None
        };
        let mut refreshed = false;
        let mut attempt = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            attempt += 1;
            let mut req = match &method {
                Method::Get => self.http.get(&url),
                Method::Post(body) => self.http.post(&url).json(body),
            };
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    match read_capped(resp, self.config.max_body_bytes).await {
                        Ok(body) => Ok((status, body, retry_after)),
                        Err(e) => Err(e),
                    }
                }
                Err(e) if e.is_timeout() => {
                    // A silent server: say so, and do not wait for it again and again.
                    return Err(net(format!(
                        "the server did not answer within {} s",
                        self.config.request_timeout.as_secs()
                    )));
                }
                Err(e) => {
                    let cause = std::error::Error::source(&e)
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default();
                    Err(net(format!(
                        "request failed ({}){cause}",
                        if e.is_connect() {
                            "cannot connect"
                        } else {
                            "transport"
                        }
                    )))
                }
            };
            let (retry_delay, last) = match outcome {
                Ok((401, _, _)) if auth && !refreshed => {
                    refreshed = true;
                    token = Some(self.tokens.refresh()?);
                    continue;
                }
                Ok((status, body, retry_after))
                    if status == 429 || status == 503 || status >= 500 =>
                {
                    (retry_after.map(Duration::from_secs), Ok((status, body)))
                }
                Ok((status, Value::Null, _)) if status < 300 => {
                    // A 2xx whose body was cut or is not JSON: try again.
                    (None, Err(net("the server's answer was not valid JSON")))
                }
                Ok((status, body, _)) => return Ok((status, body)),
                Err(e) if is_oversized(&e) => return Err(e),
                Err(e) => (None, Err(e)),
            };
            if attempt >= self.config.max_attempts {
                return last;
            }
            let delay = retry_delay.unwrap_or_else(|| self.backoff(attempt));
            // However long the server asks for, one request waits at most
            // `max_wait` in all; then its last answer stands.
            let Some(left) = self
                .config
                .max_wait
                .checked_sub(waited)
                .filter(|l| delay <= *l)
            else {
                tracing::info!(
                    waited_ms = waited.as_millis() as u64,
                    asked_ms = delay.as_millis() as u64,
                    "not waiting longer for the server"
                );
                return last;
            };
            waited += delay;
            tracing::debug!(
                attempt,
                ms = delay.as_millis() as u64,
                left_ms = left.as_millis() as u64,
                "retrying request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One request of the documented API exactly as the client sends its
    /// own (retries with backoff, `Retry-After`, and one
    /// [`TokenProvider::refresh`] on `401` when `auth` is set): a `GET` of
    /// `path` (query string included) without `body`, a `POST` of `body`
    /// with it. `path` starts with exactly one `/` (it is appended to the
    /// configured server, and the token must never go to another host).
    /// Returns the status and the answer's JSON (`null` for a refusal whose
    /// body is empty or not JSON; a 2xx without JSON is retried like any
    /// broken answer and then an error); a refusal is an answer here, not
    /// an error. For checking a backend against the contract (`loyalty
    /// conformance`): the app itself goes through [`SyncClient::sync`].
    pub async fn probe(&self, path: &str, body: Option<Value>, auth: bool) -> Result<(u16, Value)> {
        if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
            return Err(LoyaltyError::InvalidConfig {
                field: "path".into(),
                reason: format!(
                    "{path:?} is not a path on the server: start it with one '/', as in /v1/me/sync"
                ),
            });
        }
        let method = match body {
            Some(body) => Method::Post(body),
            None => Method::Get,
        };
        self.request(method, path, auth).await
    }

    /// Jittered exponential backoff: base × 2^(attempt-1) × [0.5, 1.5).
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.config.backoff.as_millis() as u64;
        let exp = base.saturating_mul(1u64 << attempt.saturating_sub(1).min(10));
        let mut r = [0u8; 2];
        let jitter = if getrandom::fill(&mut r).is_ok() {
            u64::from(u16::from_le_bytes(r)) % 1000
        } else {
            500
        };
        Duration::from_millis(exp / 2 + exp * jitter / 1000).min(Duration::from_secs(10))
    }

    /// A till call (`/v1/pos/purchases` or `/v1/pos/returns`): posts `body` and
    /// returns the server's answer, or its refusal as an error.
    pub async fn till(base_url: &str, path: &str, body: Value) -> Result<Value> {
        let client = Self::new(
            SyncConfig::new(base_url),
            Arc::new(StaticToken(String::new())),
        )?;
        let (status, answer) = client.request(Method::Post(body), path, false).await?;
        // 200: a retry of a purchase the server had already applied (same answer).
        if status != 201 && status != 200 {
            return Err(server_error(status, &answer));
        }
        Ok(answer)
    }

    /// Enrolls a new member on the dev server; returns its answer as sent
    /// (an [`EnrollAnswer`]).
    pub async fn enroll(base_url: &str) -> Result<Value> {
        let client = Self::new(
            SyncConfig::new(base_url),
            Arc::new(StaticToken(String::new())),
        )?;
        let (status, body) = client
            .request(Method::Post(json!({})), "/v1/enroll", false)
            .await?;
        if status != 201 {
            return Err(server_error(status, &body));
        }
        Ok(body)
    }

    /// Enrolls a new member on the dev server and returns what the app keeps
    /// (see [`Store::enroll_member`]). Real apps enroll through their own backend.
    pub async fn enroll_member(base_url: &str) -> Result<crate::store::Enrollment> {
        let me: EnrollAnswer = serde_json::from_value(Self::enroll(base_url).await?)
            .map_err(|e| net(format!("the server's enrollment answer is malformed: {e}")))?;
        Ok(crate::store::Enrollment {
            member_id: me.member_id,
            card_number: me.card_number,
            card_secret: crate::card::secret_from_hex(&me.card_secret_hex)?,
            access_token: me.access_token,
        })
    }

    /// Sends pending actions, pulls every new page, checks the digest. A call
    /// made while another runs waits for it and returns its report.
    pub async fn sync(&self, store: Arc<Mutex<Store>>) -> Result<SyncReport> {
        use std::sync::atomic::Ordering;
        let seen = self.generation.load(Ordering::SeqCst);
        let mut guard = self.running.lock().await;
        // A sync finished while we waited: it was the one we joined.
        if let Some((generation, result)) = guard.as_ref()
            && *generation > seen
        {
            return result.clone();
        }
        let result = self.run(&store).await;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *guard = Some((generation, result.clone()));
        result
    }

    /// Posts one batch of client actions; returns the per-action results.
    async fn post_actions(&self, actions: Vec<ActionItem>) -> Result<Vec<ActionResult>> {
        let batch = serde_json::to_value(ActionBatch { actions })
            .map_err(|e| net(format!("cannot encode the actions: {e}")))?;
        let (status, body) = self
            .request(Method::Post(batch), "/v1/me/actions", true)
            .await?;
        if status != 200 {
            return Err(server_error(status, &body));
        }
        let answer: ActionResults = serde_json::from_value(body)
            .map_err(|e| net(format!("malformed actions answer: {e}")))?;
        Ok(answer.results)
    }

    async fn run(&self, store: &Mutex<Store>) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        // 1. The outbox, in batches of 100.
        let pending = lock(store).pending_actions()?;
        for chunk in pending.chunks(100) {
            let actions: Vec<ActionItem> = chunk
                .iter()
                .filter_map(|p| {
                    ClientAction::of_event(&p.event).map(|action| ActionItem {
                        idempotency_key: p.idempotency_key.clone(),
                        action,
                    })
                })
                .collect();
            for r in self.post_actions(actions).await? {
                if r.status == ActionStatus::Rejected {
                    let (code, message) = r.error.map_or_else(
                        || {
                            (
                                "rejected".to_string(),
                                "the server refused the action".to_string(),
                            )
                        },
                        |e| (e.code, e.message),
                    );
                    lock(store).reject_action(
                        &r.idempotency_key,
                        &code,
                        &message,
                        self.config.clock.now(),
                    )?;
                    report.actions_rejected += 1;
                } else {
                    report.actions_sent += 1;
                }
            }
        }
        // Inbox read marks and dismissals (no wallet effect): delivered once answered.
        let marks = lock(store).outbox()?;
        for chunk in marks.chunks(100) {
            let actions: Vec<ActionItem> = chunk
                .iter()
                .map(|m| ActionItem {
                    idempotency_key: m.idempotency_key.clone(),
                    action: outbox_action(&m.action, &m.target),
                })
                .collect();
            let mut done = Vec::with_capacity(chunk.len());
            for (m, r) in chunk.iter().zip(self.post_actions(actions).await?) {
                let board = m.action == JOIN_ACTION || m.action == LEAVE_ACTION;
                let rejected = (r.status == ActionStatus::Rejected).then(|| {
                    r.error.map_or_else(
                        || {
                            (
                                "rejected".to_string(),
                                "the server refused the action".to_string(),
                            )
                        },
                        |e| (e.code, e.message),
                    )
                });
                if board {
                    // Confirmed or refused (name_taken: forgotten, the inbox says why).
                    let rejected = rejected.as_ref().map(|(c, m)| (c.as_str(), m.as_str()));
                    lock(store).board_action_answered(m.seq, rejected, self.config.clock.now())?;
                    if rejected.is_some() {
                        report.actions_rejected += 1;
                    } else {
                        report.actions_sent += 1;
                    }
                    continue;
                }
                if let Some((code, _)) = &rejected {
                    tracing::info!(code = code.as_str(), "the server ignored an inbox mark");
                }
                done.push(m.seq);
            }
            lock(store).outbox_done(&done)?;
        }
        // 2. Pages of server events. A page above the size limit (receipts
        // with many lines) is asked for again with half as many events, down
        // to one; the smaller size is kept for the rest of this sync.
        let mut limit: Option<usize> = None;
        for _page in 0..10_000 {
            let (cursor, version) = {
                let s = lock(store);
                (
                    s.sync_cursor()?.unwrap_or_default(),
                    s.program_version()?.unwrap_or_default(),
                )
            };
            let mut path = format!("/v1/me/sync?cursor={cursor}&program_version={version}");
            if let Some(n) = limit {
                path.push_str(&format!("&limit={n}"));
            }
            let (status, page) = match self.request(Method::Get, &path, true).await {
                Err(e) if is_oversized(&e) && limit != Some(1) => {
                    let smaller = (limit.unwrap_or(PAGE_EVENTS) / 2).max(1);
                    tracing::info!(
                        events = smaller,
                        "a sync page was too large; asking for smaller pages"
                    );
                    limit = Some(smaller);
                    continue;
                }
                Err(e) if is_oversized(&e) => {
                    return Err(net(format!(
                        "one event from the server is larger than the {} KB this app reads; the server must split it",
                        self.config.max_body_bytes / 1024
                    )));
                }
                other => other?,
            };
            if status != 200 {
                return Err(server_error(status, &page));
            }
            let page = SyncPage::parse(page)?;
            let offset = (page.server_time - self.config.clock.now()).num_milliseconds();
            let server_ms = page.server_time.timestamp_millis();
            if offset.abs() > MAX_CLOCK_OFFSET_MS {
                // The card's codes follow the server's clock: one a day off is
                // refused rather than taken (the device's own clock stays in
                // use), and remembered so the card can tell the clock is wrong.
                tracing::warn!(
                    hours = offset / 3_600_000,
                    "the server's clock is far from the device's; page refused"
                );
                lock(store).record_refused_clock(offset, server_ms)?;
                return Err(LoyaltyError::ClockSkew {
                    hours: offset / 3_600_000,
                });
            }
            let (floor, _) = lock(store).clock_history()?;
            let settings = vec![
                (SYNC_CURSOR_KEY, page.next_cursor.clone()),
                (SERVER_OFFSET_KEY, offset.to_string()),
                (
                    TRUSTED_FLOOR_KEY,
                    floor.map_or(server_ms, |f| f.max(server_ms)).to_string(),
                ),
                (REFUSED_OFFSET_KEY, String::new()),
            ];
            let rules = page.program.as_ref().map(|p| p.rules.to_string());
            let events: Vec<ServerEvent> = page
                .events
                .into_iter()
                .map(|e| ServerEvent {
                    seq: e.seq,
                    at: e.at,
                    event: e.event,
                    idempotency_key: e.idempotency_key,
                    program_version: e.program_version,
                })
                .collect();
            let program = page
                .program
                .as_ref()
                .zip(rules.as_deref())
                .map(|(p, rules)| PageProgram {
                    version: &p.version,
                    rules,
                });
            let mut s = lock(store);
            let applied = s.apply_sync_page(program, &events, &settings, !page.has_more)?;
            report.events_applied += applied.new_events;
            for m in &page.messages {
                match s.ingest_push(&m.to_string(), self.config.clock.now()) {
                    Ok(_) => report.messages += 1,
                    Err(e) if e.code() == "invalid_push" => {
                        tracing::warn!(
                            code = e.code(),
                            "the server sent a message the inbox refuses"
                        );
                    }
                    Err(e) => return Err(e),
                }
            }
            // The digest is the member's whole state: compare once every page is applied.
            // With taps still pending, local state is ahead of the server's on purpose.
            let settled = s.pending_count()? == 0;
            if let Some(digest) = page.digest.as_ref().filter(|_| !page.has_more && settled) {
                report.mismatches = s.check_digest(&digest.to_value(), digest.at)?;
            }
            if !page.has_more {
                s.save_boards(&page.leaderboards)?;
                drop(s);
                lock(store).refresh_inbox(self.config.clock.now())?;
                return Ok(report);
            }
        }
        Err(net("the server kept sending pages"))
    }
}

/// The wire action of an outbox entry (inbox marks and board opt-ins).
fn outbox_action(action: &str, target: &str) -> ClientAction {
    match action {
        "dismissed" => ClientAction::InboxDismiss {
            message_id: target.to_string(),
        },
        JOIN_ACTION => ClientAction::JoinLeaderboard {
            name: target.to_string(),
        },
        LEAVE_ACTION => ClientAction::LeaveLeaderboard {},
        _ => ClientAction::InboxRead {
            message_id: target.to_string(),
        },
    }
}

pub(super) fn server_error(status: u16, body: &Value) -> LoyaltyError {
    let error = ErrorResponse::deserialize(body).ok().map(|r| r.error);
    LoyaltyError::Server {
        status,
        code: error
            .as_ref()
            .map_or_else(|| "unknown".to_string(), |e| e.code.clone()),
        reason: error
            .as_ref()
            .map_or("no message", |e| e.message.as_str())
            .chars()
            .take(200)
            .collect(),
    }
}

/// Events per sync page when the client does not ask for fewer (the API's maximum).
const PAGE_EVENTS: usize = 500;

/// How the error for an answer above the size limit begins.
const OVERSIZED: &str = "the server's answer is larger than";

fn is_oversized(e: &LoyaltyError) -> bool {
    matches!(e, LoyaltyError::Network { reason } if reason.starts_with(OVERSIZED))
}

async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Value> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| net(format!("reading the answer: {}", e.without_url())))?
    {
        if buf.len() + chunk.len() > max {
            return Err(net(format!("{OVERSIZED} {} KB", max / 1024)));
        }
        buf.extend_from_slice(&chunk);
    }
    // An answer that repeats a key means what its parser decides: refused.
    if let Err(e) = crate::kernel::json::check_unique_keys_in(&buf)
        && e.is_data()
    {
        return Err(net(format!("the server's answer is ambiguous: {e}")));
    }
    Ok(serde_json::from_slice(&buf).unwrap_or(Value::Null))
}

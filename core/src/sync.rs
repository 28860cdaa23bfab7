//! Sync with a loyalty backend over the documented HTTP API (`docs/api.md`):
//! send the queue of pending actions, pull the server's events page by page
//! through the same engine, store the server clock offset for the card, and
//! compare the server's digest.
//!
//! reqwest with rustls on the `ring` provider (no OpenSSL, no aws-lc). Connect
//! timeout 5 s, request timeout 15 s, bodies capped at 8 MB. GETs and action
//! batches are retried with jittered exponential backoff (safe: idempotency
//! keys), `Retry-After` is honoured on 429/503, and a 401 asks the
//! [`TokenProvider`] for a fresh token once. One sync runs at a time; a second
//! call waits for it and returns its report. Every store write is its own
//! transaction, so cancelling a sync midway leaves the store consistent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::kernel::error::{LoyaltyError, Result};
use crate::store::{ServerEvent, Store};
use crate::wallet::model::Event;

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
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Server base URL (`https://api.example` or `http://127.0.0.1:8080` for the dev server).
    pub base_url: String,
    /// Attempts per request (first try included).
    pub max_attempts: u32,
    /// First backoff delay.
    pub backoff: Duration,
    /// Whole-request timeout (connect timeout is 5 s).
    pub request_timeout: Duration,
}

impl SyncConfig {
    /// Defaults: 6 attempts, 200 ms first backoff.
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            max_attempts: 6,
            backoff: Duration::from_millis(200),
            request_timeout: Duration::from_secs(15),
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

fn net(reason: impl std::fmt::Display) -> LoyaltyError {
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

enum Method {
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
    async fn request(&self, method: Method, path: &str, auth: bool) -> Result<(u16, Value)> {
        let url = format!("{}{path}", self.config.base_url);
        let mut token = if auth {
            Some(self.tokens.token()?)
        } else {
            None
        };
        let mut refreshed = false;
        let mut attempt = 0u32;
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
                    match read_capped(resp).await {
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
            let retry_delay = match outcome {
                Ok((401, _, _)) if auth && !refreshed => {
                    refreshed = true;
                    token = Some(self.tokens.refresh()?);
                    continue;
                }
                Ok((status, body, retry_after))
                    if status == 429 || status == 503 || status >= 500 =>
                {
                    if attempt >= self.config.max_attempts {
                        return Ok((status, body));
                    }
                    retry_after.map(|s| Duration::from_secs(s.min(30)))
                }
                Ok((status, Value::Null, _)) if status < 300 => {
                    // A 2xx whose body was cut or is not JSON: try again.
                    if attempt >= self.config.max_attempts {
                        return Err(net("the server's answer was not valid JSON"));
                    }
                    None
                }
                Ok((status, body, _)) => return Ok((status, body)),
                Err(e) => {
                    if attempt >= self.config.max_attempts || e.to_string().contains("8 MB") {
                        return Err(e);
                    }
                    None
                }
            };
            let delay = retry_delay.unwrap_or_else(|| self.backoff(attempt));
            tracing::debug!(attempt, ms = delay.as_millis() as u64, "retrying request");
            tokio::time::sleep(delay).await;
        }
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
        if status != 201 {
            return Err(server_error(status, &answer));
        }
        Ok(answer)
    }

    /// Enrolls a new member on the dev server.
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
        let me = Self::enroll(base_url).await?;
        let field = |k: &str| {
            me[k].as_str().map(str::to_string).ok_or_else(|| {
                net(format!(
                    "the server's enrollment answer has no text field {k}"
                ))
            })
        };
        Ok(crate::store::Enrollment {
            member_id: field("member_id")?,
            card_number: field("card_number")?,
            card_secret: crate::card::secret_from_hex(&field("card_secret_hex")?)?,
            access_token: field("access_token")?,
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
    async fn post_actions(&self, actions: Vec<Value>) -> Result<Vec<Value>> {
        let (status, mut body) = self
            .request(
                Method::Post(json!({"actions": actions})),
                "/v1/me/actions",
                true,
            )
            .await?;
        if status != 200 {
            return Err(server_error(status, &body));
        }
        match body["results"].take() {
            Value::Array(results) => Ok(results),
            _ => Err(net("actions answer without results")),
        }
    }

    async fn run(&self, store: &Mutex<Store>) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        // 1. The outbox, in batches of 100.
        let pending = lock(store).pending_actions()?;
        for chunk in pending.chunks(100) {
            let actions: Vec<Value> = chunk
                .iter()
                .filter_map(|p| {
                    action_json(&p.event)
                        .map(|a| json!({"idempotency_key": p.idempotency_key, "action": a}))
                })
                .collect();
            for r in self.post_actions(actions).await? {
                let key = r["idempotency_key"].as_str().unwrap_or_default();
                if r["status"] == "rejected" {
                    let code = r["error"]["code"].as_str().unwrap_or("rejected");
                    let message = r["error"]["message"]
                        .as_str()
                        .unwrap_or("the server refused the action");
                    lock(store).reject_action(key, code, message, Utc::now())?;
                    report.actions_rejected += 1;
                } else {
                    report.actions_sent += 1;
                }
            }
        }
        // Inbox read marks and dismissals (no wallet effect): delivered once answered.
        let marks = lock(store).outbox()?;
        for chunk in marks.chunks(100) {
            let actions: Vec<Value> = chunk
                .iter()
                .map(|m| {
                    let kind = if m.action == "dismissed" { "inbox_dismiss" } else { "inbox_read" };
                    json!({"idempotency_key": m.idempotency_key, "action": {kind: {"message_id": m.target}}})
                })
                .collect();
            for r in self.post_actions(actions).await? {
                if r["status"] == "rejected" {
                    tracing::info!(
                        code = r["error"]["code"].as_str().unwrap_or(""),
                        "the server ignored an inbox mark"
                    );
                }
            }
            lock(store).outbox_done(&chunk.iter().map(|m| m.seq).collect::<Vec<_>>())?;
        }
        // 2. Pages of server events.
        for _page in 0..10_000 {
            let (cursor, version) = {
                let s = lock(store);
                (
                    s.meta("sync_cursor")?.unwrap_or_default(),
                    s.meta("program_version")?.unwrap_or_default(),
                )
            };
            let path = format!("/v1/me/sync?cursor={cursor}&program_version={version}");
            let (status, page) = self.request(Method::Get, &path, true).await?;
            if status != 200 {
                return Err(server_error(status, &page));
            }
            let parsed = parse_page(&page)?;
            let offset = (parsed.server_time - Utc::now()).num_milliseconds();
            if offset.abs() > 366 * 24 * 3_600_000 {
                return Err(net("the server's clock is more than a year off"));
            }
            let mut settings = vec![
                ("sync_cursor", parsed.next_cursor.clone()),
                ("server_offset_ms", offset.to_string()),
            ];
            if let Some((version, _)) = &parsed.program {
                settings.push(("program_version", version.clone()));
            }
            let mut s = lock(store);
            let applied = s.apply_sync_page(
                parsed.program.as_ref().map(|(_, rules)| rules.as_str()),
                &parsed.events,
                &settings,
                !parsed.has_more,
            )?;
            report.events_applied += applied.new_events;
            for m in &parsed.messages {
                match s.ingest_push(m, Utc::now()) {
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
            if let Some(digest) = parsed
                .digest
                .as_ref()
                .filter(|_| !parsed.has_more && settled)
            {
                let at = digest["at"]
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.to_utc());
                if let Some(at) = at {
                    report.mismatches = s.check_digest(digest, at)?;
                }
            }
            if !parsed.has_more {
                drop(s);
                lock(store).refresh_inbox(Utc::now())?;
                return Ok(report);
            }
        }
        Err(net("the server kept sending pages"))
    }
}

fn action_json(event: &Event) -> Option<Value> {
    match event {
        Event::RedeemReward {
            reward_id,
            coupon_id,
        } => Some(json!({"redeem_reward": {"reward_id": reward_id, "coupon_id": coupon_id}})),
        Event::JoinChallenge { challenge_id } => {
            Some(json!({"join_challenge": {"challenge_id": challenge_id}}))
        }
        Event::ActivateOffer { message_id, .. } => {
            Some(json!({"activate_offer": {"message_id": message_id}}))
        }
        _ => None,
    }
}

fn server_error(status: u16, body: &Value) -> LoyaltyError {
    LoyaltyError::Server {
        status,
        code: body["error"]["code"]
            .as_str()
            .unwrap_or("unknown")
            .to_string(),
        reason: body["error"]["message"]
            .as_str()
            .unwrap_or("no message")
            .chars()
            .take(200)
            .collect(),
    }
}

async fn read_capped(mut resp: reqwest::Response) -> Result<Value> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| net(format!("reading the answer: {}", e.without_url())))?
    {
        if buf.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(net("the server's answer is larger than 8 MB"));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(serde_json::from_slice(&buf).unwrap_or(Value::Null))
}

struct Page {
    events: Vec<ServerEvent>,
    messages: Vec<String>,
    program: Option<(String, String)>,
    server_time: DateTime<Utc>,
    digest: Option<Value>,
    next_cursor: String,
    has_more: bool,
}

/// Validates a sync page strictly: wrong types are an error, nothing applied.
fn parse_page(page: &Value) -> Result<Page> {
    let bad = |what: &str| net(format!("malformed sync page: {what}"));
    let time = |v: &Value| {
        v.as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc())
    };
    let mut events = Vec::new();
    for e in page["events"].as_array().ok_or_else(|| bad("events"))? {
        events.push(ServerEvent {
            seq: e["seq"]
                .as_i64()
                .filter(|s| *s > 0)
                .ok_or_else(|| bad("event seq"))?,
            at: time(&e["at"]).ok_or_else(|| bad("event time"))?,
            event: serde_json::from_value(e["event"].clone())
                .map_err(|err| bad(&format!("event: {err}")))?,
            idempotency_key: e["idempotency_key"].as_str().map(str::to_string),
        });
    }
    let messages = page["messages"]
        .as_array()
        .ok_or_else(|| bad("messages"))?
        .iter()
        .map(Value::to_string)
        .collect();
    let program = match &page["program"] {
        Value::Null => None,
        p => Some((
            p["version"]
                .as_str()
                .ok_or_else(|| bad("program version"))?
                .to_string(),
            p["rules"].to_string(),
        )),
    };
    Ok(Page {
        events,
        messages,
        program,
        server_time: time(&page["server_time"]).ok_or_else(|| bad("server_time"))?,
        digest: page.get("digest").filter(|d| !d.is_null()).cloned(),
        next_cursor: page["next_cursor"]
            .as_str()
            .ok_or_else(|| bad("next_cursor"))?
            .to_string(),
        has_more: page["has_more"].as_bool().ok_or_else(|| bad("has_more"))?,
    })
}

//! `loyalty conformance --server URL [--json]`: the promises of
//! docs/api.md that no single request shows, checked against any backend:
//! enrollment, the 401 → token refresh, error bodies and their codes, the
//! till's retry, replay and duplicate-receipt rules, idempotent actions
//! (the same key twice is one effect; the same key with another action is
//! refused), paging with cursors, and the digest agreeing with the core's
//! own engine after a full sync. One line per check; exit 1 on any failure.
//!
//! Every request goes through the core's [`SyncClient`] (its retries and
//! token refresh included), so a backend is checked the way phones use it.
//! The checks need `POST /v1/enroll` (a dev or staging backend) to get a
//! member of their own; they leave that member's purchases behind.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_core::LoyaltyError;
use loyalty_core::card::{CardService, MemorySecretStore, secret_from_hex};
use loyalty_core::store::{Enrollment, Store};
use loyalty_core::sync::{StaticToken, SyncClient, SyncConfig, TokenProvider};
use serde_json::{Value, json};

use crate::emit;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail,
    /// Not applicable to this backend's program (a static card code cannot
    /// show replays).
    Skip,
}

/// One check's result.
struct Check {
    name: &'static str,
    outcome: Outcome,
    detail: String,
}

/// The results so far.
#[derive(Default)]
struct Results(Vec<Check>);

impl Results {
    fn record(&mut self, name: &'static str, result: Result<String, String>) -> bool {
        let (outcome, detail) = match result {
            Ok(d) => (Outcome::Pass, d),
            Err(d) => (Outcome::Fail, d),
        };
        let ok = outcome == Outcome::Pass;
        self.0.push(Check {
            name,
            outcome,
            detail,
        });
        ok
    }

    fn skip(&mut self, name: &'static str, why: &str) {
        self.0.push(Check {
            name,
            outcome: Outcome::Skip,
            detail: why.to_string(),
        });
    }

    fn failed(&self) -> usize {
        self.0.iter().filter(|c| c.outcome == Outcome::Fail).count()
    }
}

/// A token provider that hands out a stale token first and counts refreshes.
struct StaleFirst {
    fresh: String,
    refreshes: AtomicUsize,
}

impl TokenProvider for StaleFirst {
    fn token(&self) -> loyalty_core::Result<String> {
        Ok("conformance-stale-token".into())
    }
    fn refresh(&self) -> loyalty_core::Result<String> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        Ok(self.fresh.clone())
    }
}

fn client(server: &str, tokens: Arc<dyn TokenProvider>) -> Result<SyncClient, String> {
    let mut config = SyncConfig::new(server);
    config.max_attempts = 3;
    config.backoff = Duration::from_millis(100);
    config.request_timeout = Duration::from_secs(10);
    config.max_wait = Duration::from_secs(5);
    SyncClient::new(config, tokens).map_err(crate::err_text)
}

fn text(e: LoyaltyError) -> String {
    crate::err_text(e)
}

/// The documented error body, `{"error": {"code", "message"}}` and nothing
/// else, with the status and code wanted.
fn expect_error(got: &(u16, Value), status: u16, code: &str) -> Result<String, String> {
    let (s, body) = got;
    let shape = || -> Result<(), String> {
        let outer = body.as_object().ok_or("the body is not a JSON object")?;
        let error = outer
            .get("error")
            .and_then(Value::as_object)
            .ok_or("no `error` object")?;
        if outer.len() != 1 || error.len() != 2 {
            return Err("fields beyond error.code and error.message".into());
        }
        let c = error.get("code").and_then(Value::as_str).ok_or("no code")?;
        let snake = !c.is_empty()
            && c.starts_with(|ch: char| ch.is_ascii_lowercase())
            && c.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !snake {
            return Err(format!("code {c:?} is not snake_case"));
        }
        let m = error
            .get("message")
            .and_then(Value::as_str)
            .ok_or("no message")?;
        if m.chars().count() > 300 {
            return Err("a message over 300 characters".into());
        }
        Ok(())
    };
    shape().map_err(|e| format!("{s}: not the documented error body ({e}): {body}"))?;
    let c = body["error"]["code"].as_str().unwrap_or_default();
    if *s != status || c != code {
        return Err(format!("expected {status} {code}, got {s} {c}"));
    }
    Ok(format!("{status} {code}"))
}

fn expect_status(got: &(u16, Value), status: u16) -> Result<(), String> {
    if got.0 == status {
        Ok(())
    } else {
        Err(format!("expected {status}, got {}: {}", got.0, got.1))
    }
}

/// Every event from the start, following `next_cursor` while `has_more`
/// (at most 2000 pages): the events and the number of pages.
async fn all_events(
    member: &SyncClient,
    limit: Option<usize>,
) -> Result<(Vec<Value>, usize), String> {
    let mut cursor: Option<String> = None;
    let mut events = Vec::new();
    for pages in 1..=2000 {
        let mut path = String::from("/v1/me/sync?");
        if let Some(l) = limit {
            path.push_str(&format!("limit={l}&"));
        }
        if let Some(c) = &cursor {
            path.push_str(&format!("cursor={}", encode(c)));
        }
        let page = member.probe(&path, None, true).await.map_err(text)?;
        expect_status(&page, 200)?;
        let got = page.1["events"].as_array().ok_or("a page without events")?;
        if let Some(l) = limit
            && got.len() > l
        {
            return Err(format!("{} events on a page of limit {l}", got.len()));
        }
        events.extend(got.iter().cloned());
        cursor = Some(
            page.1["next_cursor"]
                .as_str()
                .ok_or("a page without next_cursor")?
                .to_string(),
        );
        if page.1["has_more"] != json!(true) {
            return Ok((events, pages));
        }
    }
    Err("more than 2000 pages".into())
}

/// A cursor as a query value (percent-encoding all but unreserved bytes).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().filter_map(|e| e["seq"].as_i64()).collect()
}

/// What the checks share once a member exists.
struct Member {
    token: String,
    card: String,
    store: Arc<Mutex<Store>>,
    secrets: MemorySecretStore,
    client: SyncClient,
}

impl Member {
    fn card_service(&self) -> Result<CardService, String> {
        let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        store.card_service(&self.secrets).map_err(text)
    }

    async fn sync(&self) -> Result<loyalty_core::sync::SyncReport, String> {
        self.client.sync(self.store.clone()).await.map_err(text)
    }

    async fn actions(&self, items: Value) -> Result<(u16, Value), String> {
        self.client
            .probe("/v1/me/actions", Some(json!({ "actions": items })), true)
            .await
            .map_err(text)
    }
}

async fn enroll(server: &str, results: &mut Results) -> Option<Member> {
    let result = async {
        let answer = SyncClient::enroll(server).await.map_err(text)?;
        for field in [
            "member_id",
            "card_number",
            "card_secret_hex",
            "access_token",
            "server_time",
        ] {
            if !answer[field].is_string() {
                // Only the field's name: the answer holds the card secret and a token.
                return Err(format!("the answer has no string field {field}"));
            }
        }
        let s = |f: &str| answer[f].as_str().unwrap_or_default().to_string();
        let enrollment = Enrollment {
            member_id: s("member_id"),
            card_number: s("card_number"),
            card_secret: secret_from_hex(&s("card_secret_hex")).map_err(text)?,
            access_token: s("access_token"),
        };
        let secrets = MemorySecretStore::default();
        let mut store = Store::open_in_memory().map_err(text)?;
        store
            .enroll_member(&enrollment, server, &secrets, Utc::now())
            .map_err(text)?;
        let member = Member {
            token: enrollment.access_token.clone(),
            card: enrollment.card_number.clone(),
            store: Arc::new(Mutex::new(store)),
            secrets,
            client: client(server, Arc::new(StaticToken(enrollment.access_token)))?,
        };
        Ok(member)
    }
    .await;
    match result {
        Ok(member) => {
            let id = member.card.len().saturating_sub(4);
            results.record("enroll", Ok(format!("201, card …{}", &member.card[id..])));
            Some(member)
        }
        Err(e) => {
            results.record("enroll", Err(e));
            None
        }
    }
}

/// Waits out the last two seconds of a 30 s card step, so the codes made
/// for steps now−1, now and now+1 all stay within the till's ±1 step.
async fn step_start() -> DateTime<Utc> {
    let now = Utc::now();
    if now.timestamp().rem_euclid(30) >= 27 {
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    Utc::now()
}

/// The actions the program offers for the idempotency checks: the first
/// wallet action that applies (a reward the balance pays for, else an
/// opt-in challenge), else one the server refuses (a refusal is kept per
/// key as well).
fn pick_action(rules: &Value, balance: i64) -> Value {
    let rewards = rules["rewards"].as_array().cloned().unwrap_or_default();
    if let Some(r) = rewards
        .iter()
        .filter(|r| r["cost"].as_i64().is_some_and(|c| c <= balance))
        .min_by_key(|r| r["cost"].as_i64())
        && let Some(id) = r["id"].as_str()
    {
        return json!({"redeem_reward": {"reward_id": id, "coupon_id": format!("conformance-{}", nonce())}});
    }
    if let Some(id) = rules["challenges"]
        .as_array()
        .and_then(|c| c.first())
        .and_then(|c| c["id"].as_str())
    {
        return json!({"join_challenge": {"challenge_id": id}});
    }
    json!({"redeem_reward": {"reward_id": "conformance-no-such-reward", "coupon_id": "conformance-c"}})
}

fn nonce() -> String {
    let mut b = [0u8; 6];
    // A clock-based nonce when randomness fails: unique enough for one run.
    if getrandom::fill(&mut b).is_err() {
        return Utc::now().timestamp_micros().to_string();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn run_checks(server: &str) -> Results {
    let mut results = Results::default();
    let Some(m) = enroll(server, &mut results).await else {
        return results;
    };
    let anon = match client(server, Arc::new(StaticToken(String::new()))) {
        Ok(c) => c,
        Err(e) => {
            results.record("client", Err(e));
            return results;
        }
    };

    // Authentication: no token is 401 unauthorized; a stale one is refreshed once.
    let got = anon.probe("/v1/me/sync", None, false).await;
    results.record(
        "unauthorized_without_token",
        got.map_err(text)
            .and_then(|g| expect_error(&g, 401, "unauthorized")),
    );
    let stale = Arc::new(StaleFirst {
        fresh: m.token.clone(),
        refreshes: AtomicUsize::new(0),
    });
    let refreshed = async {
        let c = client(server, stale.clone())?;
        let got = c.probe("/v1/me/sync", None, true).await.map_err(text)?;
        expect_status(&got, 200)?;
        match stale.refreshes.load(Ordering::SeqCst) {
            1 => Ok("401, one refresh, then 200".to_string()),
            n => Err(format!("{n} refreshes for one stale token")),
        }
    };
    results.record("token_refresh_after_401", refreshed.await);

    // A first sync brings the program; the digest agrees with the engine.
    let first = m.sync().await.and_then(|r| {
        if r.mismatches.is_empty() {
            Ok(format!("{} event(s), digest agrees", r.events_applied))
        } else {
            Err(format!("digest differs in {}", r.mismatches.join(", ")))
        }
    });
    if !results.record("first_sync", first) {
        return results;
    }

    // Error bodies of the HTTP layer and of the API.
    let got = anon
        .probe("/v1/conformance-no-such-endpoint", None, false)
        .await;
    results.record(
        "error_unknown_endpoint",
        got.map_err(text)
            .and_then(|g| expect_error(&g, 404, "not_found")),
    );
    let got = m.client.probe("/v1/me/sync?limit=abc", None, true).await;
    results.record(
        "error_bad_query",
        got.map_err(text)
            .and_then(|g| expect_error(&g, 400, "bad_request")),
    );
    let got = m
        .client
        .probe("/v1/me/actions", Some(json!({"actions": "none"})), true)
        .await;
    results.record(
        "error_bad_body",
        got.map_err(text)
            .and_then(|g| expect_error(&g, 400, "bad_request")),
    );
    let got = m
        .actions(json!([{"idempotency_key": "", "action": {"leave_leaderboard": {}}}]))
        .await;
    results.record(
        "error_bad_idempotency_key",
        got.and_then(|g| expect_error(&g, 400, "bad_request")),
    );

    till_checks(&m, &mut results).await;
    idempotency_checks(&m, &mut results).await;

    // Paging: one event per page gives the same events as whole pages, in
    // increasing seq order, and a repeated cursor gives the same page.
    let paging = async {
        let (whole, _) = all_events(&m.client, None).await?;
        let (paged, pages) = all_events(&m.client, Some(1)).await?;
        let (a, b) = (seqs(&whole), seqs(&paged));
        if a != b {
            return Err(format!("pages of 1 gave seqs {b:?}, whole pages {a:?}"));
        }
        if a.windows(2).any(|w| w[0] >= w[1]) || a.len() < 3 {
            return Err(format!(
                "seqs not increasing (or fewer than 3 events): {a:?}"
            ));
        }
        let first = m
            .client
            .probe("/v1/me/sync?limit=1", None, true)
            .await
            .map_err(text)?;
        let cursor = first.1["next_cursor"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let path = format!("/v1/me/sync?limit=1&cursor={}", encode(&cursor));
        let once = m.client.probe(&path, None, true).await.map_err(text)?;
        let twice = m.client.probe(&path, None, true).await.map_err(text)?;
        if once.1["events"] != twice.1["events"] || once.1["next_cursor"] != twice.1["next_cursor"]
        {
            return Err("the same cursor gave other events".into());
        }
        Ok(format!("{} events over {pages} pages of 1", a.len()))
    };
    results.record("paging_and_cursors", paging.await);

    // After everything: the engine's figures are the server's.
    let digest = m.sync().await.and_then(|r| {
        if r.events_applied == 0 {
            Err("no new events to apply after the till and the actions".into())
        } else if r.mismatches.is_empty() {
            Ok(format!(
                "{} new event(s) applied, digest agrees",
                r.events_applied
            ))
        } else {
            Err(format!("digest differs in {}", r.mismatches.join(", ")))
        }
    });
    results.record("digest_agreement", digest);
    results
}

async fn till_checks(m: &Member, results: &mut Results) {
    let service = match m.card_service() {
        Ok(s) => s,
        Err(e) => {
            results.record("till_purchase", Err(format!("no card code: {e}")));
            return;
        }
    };
    let t0 = step_start().await;
    let code = |at: DateTime<Utc>| service.payload(at).map_err(text);
    let (Ok(before), Ok(now), Ok(after)) = (
        code(t0 - chrono::Duration::seconds(30)),
        code(t0),
        code(t0 + chrono::Duration::seconds(30)),
    ) else {
        results.record("till_purchase", Err("the card makes no code".into()));
        return;
    };
    let rotating = before != now;
    let receipt = format!("conformance-{}", nonce());
    let lines = json!([{"sku": "CONF-A", "qty": 1, "amount": "1500.00"}]);
    let purchase = json!({"payload": before, "purchase": {"receipt_id": receipt, "lines": lines}});
    let pos = |body: Value| async move {
        m.client
            .probe("/v1/pos/purchases", Some(body), false)
            .await
            .map_err(text)
    };
    let first = pos(purchase.clone()).await;
    let first_ok = results.record(
        "till_purchase",
        first.clone().and_then(|g| {
            expect_status(&g, 201)?;
            let last4 = &m.card[m.card.len().saturating_sub(4)..];
            if g.1["card_last4"] != json!(last4)
                || !g.1["seq"].is_i64()
                || !g.1["payable"].is_string()
            {
                return Err(format!("not the documented answer: {}", g.1));
            }
            Ok(format!("201 seq {}", g.1["seq"]))
        }),
    );
    if !first_ok {
        return;
    }
    let first = first.map(|g| g.1).unwrap_or_default();
    results.record(
        "till_retry_same_answer",
        pos(purchase).await.and_then(|g| {
            expect_status(&g, 200)?;
            if g.1 == first {
                Ok("200, the first answer".into())
            } else {
                Err(format!("another answer: {} (first {first})", g.1))
            }
        }),
    );
    let other_lines = json!([{"sku": "CONF-B", "qty": 1, "amount": "10.00"}]);
    results.record(
        "till_duplicate_receipt",
        pos(json!({"payload": now, "purchase": {"receipt_id": receipt, "lines": other_lines}}))
            .await
            .and_then(|g| expect_error(&g, 409, "duplicate_receipt")),
    );
    let second = format!("conformance-{}", nonce());
    if rotating {
        results.record(
            "till_replay_refused",
            pos(json!({"payload": before, "purchase": {"receipt_id": second, "lines": lines}}))
                .await
                .and_then(|g| expect_error(&g, 422, "token_replayed")),
        );
    } else {
        results.skip("till_replay_refused", "a static card code (no steps)");
    }
    // The refused receipt did not use up the code `now`.
    results.record(
        "till_refusal_keeps_code",
        pos(json!({"payload": now, "purchase": {"receipt_id": second, "lines": lines}}))
            .await
            .and_then(|g| expect_status(&g, 201).map(|()| "201 with the same code".into())),
    );
    let ret = json!({"payload": after, "return": {"receipt_id": receipt, "lines": [{"sku": "CONF-A", "qty": 1}]}});
    results.record(
        "till_return",
        m.client
            .probe("/v1/pos/returns", Some(ret), false)
            .await
            .map_err(text)
            .and_then(|g| {
                expect_status(&g, 201)?;
                if g.1["seq"].is_i64() && g.1["card_last4"].is_string() {
                    Ok(format!("201 seq {}", g.1["seq"]))
                } else {
                    Err(format!("not the documented answer: {}", g.1))
                }
            }),
    );
}

async fn idempotency_checks(m: &Member, results: &mut Results) {
    let setup = async {
        m.sync().await?;
        let page = m
            .client
            .probe("/v1/me/sync", None, true)
            .await
            .map_err(text)?;
        expect_status(&page, 200)?;
        // Without `program_version` a page brings the rules.
        let balance = page.1["digest"]["balance"].as_i64().unwrap_or(0);
        Ok::<_, String>(pick_action(&page.1["program"]["rules"], balance))
    };
    let action = match setup.await {
        Ok(a) => a,
        Err(e) => {
            results.record("idempotency_same_key", Err(e));
            return;
        }
    };
    let key = format!("conformance:{}", nonce());
    let item = json!([{"idempotency_key": key, "action": action}]);
    let same_key = async {
        let one = m.actions(item.clone()).await?;
        let two = m.actions(item.clone()).await?;
        expect_status(&one, 200)?;
        expect_status(&two, 200)?;
        let (a, b) = (&one.1["results"][0], &two.1["results"][0]);
        if a["idempotency_key"] != json!(key) || b["idempotency_key"] != json!(key) {
            return Err(format!("the results do not carry the key sent: {a} {b}"));
        }
        let effect = match a["status"].as_str() {
            Some("applied") => {
                if b["status"] != "duplicate" || b["seq"] != a["seq"] {
                    return Err(format!("applied, then {b} for the same key"));
                }
                1
            }
            Some("rejected") => {
                if b["status"] != "rejected" || b["error"]["code"] != a["error"]["code"] {
                    return Err(format!("rejected, then {b} for the same key"));
                }
                0
            }
            _ => return Err(format!("an unexpected result {a}")),
        };
        let (events, _) = all_events(&m.client, None).await?;
        let keyed = events
            .iter()
            .filter(|e| e["idempotency_key"] == json!(key))
            .count();
        if keyed != effect {
            return Err(format!("{keyed} events carry the key; {effect} expected"));
        }
        Ok(format!(
            "{} twice, {effect} event(s) with the key",
            a["status"].as_str().unwrap_or_default()
        ))
    };
    results.record("idempotency_same_key", same_key.await);
    let other = json!([{"idempotency_key": key, "action": {"join_challenge": {"challenge_id": "conformance-other"}}}]);
    let reused = async {
        let got = m.actions(other).await?;
        expect_status(&got, 200)?;
        let r = &got.1["results"][0];
        if r["status"] != "rejected" || r["error"]["code"] != "idempotency_key_reused" {
            return Err(format!("expected rejected idempotency_key_reused, got {r}"));
        }
        Ok("rejected idempotency_key_reused".to_string())
    };
    results.record("idempotency_key_reused", reused.await);
}

/// Runs every check against `server` and prints one line per check (or
/// JSON); fails when any check failed.
pub fn run(server: &str, json_out: bool) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let results = runtime.block_on(run_checks(server));
    let failed = results.failed();
    let passed = results
        .0
        .iter()
        .filter(|c| c.outcome == Outcome::Pass)
        .count();
    if json_out {
        let checks: Vec<Value> = results
            .0
            .iter()
            .map(|c| {
                json!({"name": c.name, "outcome": match c.outcome {
                    Outcome::Pass => "pass", Outcome::Fail => "fail", Outcome::Skip => "skip" },
                    "detail": c.detail})
            })
            .collect();
        emit(&format!(
            "{:#}\n",
            json!({"server": server, "passed": passed, "failed": failed,
                   "skipped": results.0.len() - passed - failed, "checks": checks})
        ));
    } else {
        for c in &results.0 {
            let tag = match c.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "FAIL",
                Outcome::Skip => "skip",
            };
            emit(&format!("{tag}  {}: {}\n", c.name, c.detail));
        }
        emit(&format!(
            "{passed} passed, {failed} failed{}\n",
            match results.0.len() - passed - failed {
                0 => String::new(),
                n => format!(", {n} skipped"),
            }
        ));
    }
    if failed > 0 {
        Err(format!(
            "{failed} conformance check(s) failed against {server}"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token goes only to the configured server: a path that would make
    /// the URL name another host (userinfo, a second host, no slash) is
    /// refused before any request.
    #[test]
    fn probe_refuses_paths_that_leave_the_server() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let c = client(
            "http://127.0.0.1:9",
            Arc::new(StaticToken("secret-token".into())),
        )
        .unwrap();
        for path in [
            "@evil.example/",
            ".evil.example/",
            "//evil.example/",
            "v1/me/sync",
            "/\\evil",
        ] {
            let got = runtime.block_on(c.probe(path, None, true));
            match got {
                Err(e) => assert_eq!(e.code(), "invalid_config", "{path}"),
                Ok(answer) => panic!("{path} was sent: {answer:?}"),
            }
        }
    }
}

//! The HTTP endpoints of `docs/api.md`.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use loyalty_core::LoyaltyError;
use loyalty_core::kernel::ids::id_problem;
use loyalty_core::store::{KEY_REUSED, KeyedOutcome, Store};
use loyalty_core::sync::wire::{
    ActionBatch, ActionResult, ActionResults, ClientAction, Digest, EnrollAnswer, ErrorBody,
    Failure, ProgramUpdate, ServerEvent, SyncPage,
};
use loyalty_core::wallet::Event;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::errors::{ApiError, TextBody, parse_body};
use crate::faults::Fault;
use crate::registry::Member;

/// Most events in one sync page.
pub const MAX_PAGE: usize = 500;
/// Most actions in one batch.
pub const MAX_BATCH: usize = 100;
/// Largest request body in bytes (2 MiB); a larger one is `413 payload_too_large`.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

type ApiResult = Result<(StatusCode, Json<Value>), ApiError>;

/// The router over the shared app state.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/enroll", post(enroll))
        .route("/v1/me/sync", get(sync))
        .route("/v1/me/actions", post(actions))
        .route("/v1/pos/purchases", post(crate::till::pos_purchase))
        .route("/v1/pos/returns", post(crate::till::pos_return))
        .route("/v1/admin/offers", post(admin_offers))
        .route("/v1/admin/bonuses", post(admin_bonus))
        .route("/v1/card/keys", get(crate::card_keys::keys))
        .route("/v1/me/card/credential", post(crate::card_keys::credential))
        .route("/v1/admin/card/keys/rotate", post(crate::card_keys::rotate))
        .route("/v1/admin/card/revoke", post(crate::card_keys::revoke))
        // After the routes: both apply to those registered before them; the
        // fallbacks stay outside the JSON check (an unknown path is a 404).
        .route_layer(axum::middleware::from_fn(crate::limits::require_json))
        .method_not_allowed_fallback(crate::errors::method_not_allowed)
        .fallback(crate::errors::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // Outermost: the limit covers everything below, fallbacks included.
        .layer(axum::middleware::from_fn_with_state(
            app.limits.request_timeout,
            crate::limits::time_limit,
        ))
        .with_state(app)
}

fn random_hex(bytes: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ApiError::internal(format!("randomness: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn lock(store: &std::sync::Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    // Every store operation is one transaction, so a poisoned lock holds a consistent store.
    store.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `work` under the next injected fault, if any.
async fn with_faults(app: &App, work: impl FnOnce() -> ApiResult) -> Response {
    let fault = app.faults.lock().unwrap_or_else(|e| e.into_inner()).draw();
    match fault {
        Some(Fault::ServerError) => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "injected fault",
            )
            .into_response();
        }
        Some(Fault::Unavailable) => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "injected fault",
            )
            .into_response();
        }
        Some(Fault::Delay(ms)) => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
        _ => {}
    }
    let result = work();
    match (fault, result) {
        (Some(Fault::FailAfterApply), _) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "injected fault after applying",
        )
        .into_response(),
        (Some(Fault::Truncate), Ok((status, Json(body)))) => {
            let text = body.to_string();
            let cut = text.len() / 2;
            let mut r = (status, text.as_bytes()[..cut].to_vec()).into_response();
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            r
        }
        (_, Ok(ok)) => ok.into_response(),
        (_, Err(e)) => e.into_response(),
    }
}

pub(crate) fn member_of(app: &App, headers: &HeaderMap) -> Result<Member, ApiError> {
    let unauthorized = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is needed",
        )
    };
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthorized)?;
    app.registry()
        .by_token(token)
        .map_err(ApiError::internal)?
        .ok_or_else(unauthorized)
}

async fn enroll(
    State(app): State<Arc<App>>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    crate::errors::parse_empty(&body)?;
    let id = format!("m-{}", random_hex(6)?);
    let token = random_hex(32)?;
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| ApiError::internal(format!("randomness: {e}")))?;
    let now = app.now();
    // The store first, then the registry row: a member the registry knows
    // always has a store. Whatever step fails, the new store goes again.
    let created = app.member_store(&id).map(drop).and_then(|()| {
        app.registry()
            .create_member(&id, &token, &secret, now.timestamp_millis())
    });
    let member = created.map_err(|e| {
        app.discard_member_store(&id);
        ApiError::internal(e)
    })?;
    tracing::info!(member = %id, card_last4 = &member.card_number[member.card_number.len() - 4..], "member enrolled");
    let answer = EnrollAnswer {
        member_id: id,
        card_number: member.card_number,
        card_secret_hex: member.secret.iter().map(|b| format!("{b:02x}")).collect(),
        access_token: token,
        server_time: now,
    };
    Ok((StatusCode::CREATED, Json(to_json(&answer)?)))
}

#[derive(Deserialize)]
struct SyncQuery {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    program_version: Option<String>,
}

fn parse_cursor(c: Option<&str>) -> Result<(i64, i64), ApiError> {
    let bad = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "cursor is not one this server gave",
        )
    };
    match c {
        None | Some("") => Ok((0, 0)),
        Some(c) => {
            let (e, m) = c.split_once(':').ok_or_else(bad)?;
            Ok((e.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?))
        }
    }
}

async fn sync(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<SyncQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let app2 = app.clone();
    with_faults(&app, move || {
        let app = app2;
        let member = member_of(&app, &headers)?;
        let (after, mafter) = parse_cursor(q.cursor.as_deref())?;
        let limit = q.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let store = app.member_store(&member.id).map_err(ApiError::internal)?;
        let store = lock(&store);
        let mut events = store.events_after(after, limit + 1)?;
        let more_in_log = events.len() > limit;
        events.truncate(limit);
        // A page holds events applied under one version of the rules and
        // brings that version's rules, so the phone replays each event under
        // the rules that made it; a later version starts a later page.
        let version_of = |e: &loyalty_core::store::LoggedEvent| {
            e.program_version
                .clone()
                .unwrap_or_else(|| app.version.clone())
        };
        let page_version = events
            .first()
            .map_or_else(|| app.version.clone(), version_of);
        let split = events.iter().position(|e| version_of(e) != page_version);
        if let Some(at) = split {
            events.truncate(at);
        }
        let has_more = more_in_log || split.is_some() || page_version != app.version;
        let program = if q.program_version.as_deref() == Some(page_version.as_str()) {
            None
        } else if page_version == app.version {
            Some(app.program_json.clone())
        } else {
            Some(store.program_rules(&page_version)?.ok_or_else(|| {
                ApiError::internal(format!("the rules of version {page_version} are gone"))
            })?)
        }
        .map(|rules| ProgramUpdate {
            version: page_version.clone(),
            rules: serde_json::from_str::<Value>(&rules).unwrap_or(Value::Null),
        });
        let registry = app.registry();
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            out.push(ServerEvent {
                idempotency_key: store.key_of_event(e.seq)?,
                seq: e.seq,
                at: e.at,
                program_version: Some(version_of(&e)),
                event: e.event,
            });
        }
        let messages = registry
            .messages_after(&member.id, mafter)
            .map_err(ApiError::internal)?;
        drop(registry);
        let last_e = out.last().map_or(after, |e| e.seq);
        let last_m = messages.last().map_or(mafter, |(m, _)| *m);
        let now = app.now();
        let digest = Digest::from_value(store.digest(now)?)?;
        let leaderboards = crate::boards::standings(&app, &member.id, now)?;
        let page = SyncPage {
            events: out,
            messages: messages
                .iter()
                .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap_or(Value::Null))
                .collect(),
            program,
            server_time: now,
            digest: Some(digest),
            next_cursor: format!("{last_e}:{last_m}"),
            has_more,
            leaderboards,
        };
        Ok((StatusCode::OK, Json(to_json(&page)?)))
    })
    .await
}

/// A wire body as JSON (every body is plain strings, numbers and maps).
fn to_json(body: &impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(body).map_err(|e| ApiError::internal(format!("encoding an answer: {e}")))
}

/// The recorded rejection of a key (`{"code", "message"}` JSON in the store).
pub(crate) fn recorded(key: &str, error: &str) -> ActionResult {
    let body = serde_json::from_str::<ErrorBody>(error).unwrap_or_else(|_| ErrorBody {
        code: "rejected".into(),
        message: "the server refused the action".into(),
    });
    ActionResult::rejected(key, body)
}

/// The answer to a key that came with another request: refused, nothing done.
fn reused(key: &str) -> ActionResult {
    ActionResult::rejected(
        key,
        ErrorBody {
            code: KEY_REUSED.into(),
            message: "this idempotency key was already used for a different action; \
                      send each action under a key of its own"
                .into(),
        },
    )
}

/// Applies one keyed client action on the member's store; wallet actions
/// record their key and request in the same transaction as their event, and
/// a refused one records its key too, so a retry gets the same answer.
fn apply_action(
    store: &mut Store,
    key: &str,
    action: &ClientAction,
    now: chrono::DateTime<Utc>,
) -> Result<ActionResult, LoyaltyError> {
    let request = serde_json::to_string(action).map_err(|e| LoyaltyError::Storage {
        reason: format!("cannot encode an action: {e}"),
    })?;
    let answer = |outcome: KeyedOutcome, seen: bool| match outcome {
        KeyedOutcome::Applied { seq } => ActionResult::applied(key, Some(seq), seen),
        KeyedOutcome::Rejected { error } => recorded(key, &error),
        KeyedOutcome::Reused => reused(key),
    };
    let keyed = |store: &mut Store, event: Event| -> Result<ActionResult, LoyaltyError> {
        let seen = store.keyed_outcome(key, &request)?.is_some();
        Ok(answer(store.apply_keyed(key, &request, &event, now)?, seen))
    };
    // Read and dismiss marks are idempotent by nature: applied again, or refused.
    let mark = |outcome: Result<(), LoyaltyError>| -> Result<ActionResult, LoyaltyError> {
        match outcome {
            Ok(()) => Ok(ActionResult::applied(key, None, false)),
            Err(e) if Failure::of(&e) == Failure::Infrastructure => Err(e),
            Err(e) => Ok(ActionResult::rejected(key, ErrorBody::from(&e))),
        }
    };
    match action {
        ClientAction::RedeemReward {
            reward_id,
            coupon_id,
        } => keyed(
            store,
            Event::RedeemReward {
                reward_id: reward_id.clone(),
                coupon_id: coupon_id.clone(),
            },
        ),
        ClientAction::JoinChallenge { challenge_id } => keyed(
            store,
            Event::JoinChallenge {
                challenge_id: challenge_id.clone(),
            },
        ),
        ClientAction::ActivateOffer { message_id } => {
            if let Some(outcome) = store.keyed_outcome(key, &request)? {
                return Ok(answer(outcome, true));
            }
            match store.activate_offer_keyed(message_id, now, key, &request) {
                Ok(seq) => Ok(ActionResult::applied(key, Some(seq), false)),
                Err(e) if Failure::of(&e) == Failure::Infrastructure => Err(e),
                // A refused activation stays refused when retried later.
                Err(e) => Ok(answer(store.reject_keyed(key, &request, &e)?, false)),
            }
        }
        ClientAction::InboxRead { message_id } => mark(store.mark_read(message_id, now)),
        ClientAction::InboxDismiss { message_id } => mark(store.dismiss(message_id, now)),
        // Handled by `crate::boards::action`, which needs the registry.
        ClientAction::JoinLeaderboard { .. } | ClientAction::LeaveLeaderboard {} => {
            Err(LoyaltyError::Storage {
                reason: "a leaderboard action reached the wallet store".into(),
            })
        }
    }
}

async fn actions(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    TextBody(body): TextBody,
) -> Response {
    let app2 = app.clone();
    with_faults(&app, move || {
        let app = app2;
        let member = member_of(&app, &headers)?;
        let batch: ActionBatch = parse_body(&body)?;
        if batch.actions.len() > MAX_BATCH {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("at most {MAX_BATCH} actions per batch"),
            ));
        }
        // Every key is checked before any action runs: a refused batch applies nothing.
        for (i, item) in batch.actions.iter().enumerate() {
            if let Some(reason) = id_problem(&item.idempotency_key) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!(
                        "actions[{i}].idempotency_key {reason} (keys are 1 to 128 bytes of text)"
                    ),
                ));
            }
        }
        let store = app.member_store(&member.id).map_err(ApiError::internal)?;
        let mut store = lock(&store);
        let mut results = Vec::with_capacity(batch.actions.len());
        for item in &batch.actions {
            let key = &item.idempotency_key;
            let now = app.now();
            let r = match &item.action {
                ClientAction::JoinLeaderboard { .. } | ClientAction::LeaveLeaderboard {} => {
                    crate::boards::action(&app, &member.id, &mut store, key, &item.action, now)
                }
                other => apply_action(&mut store, key, other, now),
            }
            .map_err(|e| ApiError::internal(e.to_string()))?;
            results.push(r);
        }
        Ok((StatusCode::OK, Json(to_json(&ActionResults { results })?)))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdminOffer {
    #[serde(default)]
    member_ids: Option<Vec<String>>,
    message: Value,
}

async fn admin_offers(
    State(app): State<Arc<App>>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: AdminOffer = parse_body(&body)?;
    let text = req.message.to_string();
    loyalty_core::inbox::parse_push(&text, &app.program.inbox.deep_link_scheme)?;
    let members = match req.member_ids {
        Some(ids) => ids,
        None => app.registry().member_ids().map_err(ApiError::internal)?,
    };
    let mut delivered = 0;
    for id in &members {
        if !app
            .registry()
            .member_exists(id)
            .map_err(ApiError::internal)?
        {
            continue;
        }
        let store = app.member_store(id).map_err(ApiError::internal)?;
        lock(&store).ingest_push(&text, app.now())?;
        app.registry()
            .add_message(id, &text)
            .map_err(ApiError::internal)?;
        delivered += 1;
    }
    Ok((StatusCode::CREATED, Json(json!({"delivered": delivered}))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdminBonus {
    member_id: String,
    kind: loyalty_core::wallet::BonusKind,
    /// The key of a `per_key` custom bonus.
    #[serde(default)]
    key: Option<String>,
}

async fn admin_bonus(
    State(app): State<Arc<App>>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: AdminBonus = parse_body(&body)?;
    if !app
        .registry()
        .member_exists(&req.member_id)
        .map_err(ApiError::internal)?
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such member",
        ));
    }
    let store = app
        .member_store(&req.member_id)
        .map_err(ApiError::internal)?;
    let mut store = lock(&store);
    let now = app.now();
    let before = crate::boards::totals(&app, &store, now)?;
    let applied = store.apply(
        &Event::Bonus {
            kind: req.kind,
            key: req.key,
        },
        now,
    )?;
    let after = crate::boards::totals(&app, &store, applied.at)?;
    crate::boards::record(&app, &req.member_id, before, after, false, applied.at)?;
    Ok((StatusCode::CREATED, Json(json!({"seq": applied.seq}))))
}

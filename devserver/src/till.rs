//! The till: `POST /v1/pos/purchases` and `/v1/pos/returns`. The scanned
//! code is verified with the program's card rules (±1 step) and finds its
//! member; its time step is accepted by the member's store in the same
//! transaction as the event, only when the event applies (a refused receipt
//! does not burn the code). A purchase sent again with the same receipt gets
//! the same answer. A static code may identify and earn but not pay.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use loyalty_core::card::{Verifier, VerifyFailure};
use loyalty_core::kernel::money::format_minor;
use loyalty_core::store::TillOutcome;
use loyalty_core::wallet::{Event, PurchaseInput, ReturnInput};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::errors::{ApiError, TextBody, parse_body};
use crate::registry::Member;
use crate::routes::lock;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PosPurchase {
    pub(crate) payload: String,
    pub(crate) purchase: PurchaseInput,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PosReturn {
    pub(crate) payload: String,
    #[serde(rename = "return")]
    pub(crate) ret: ReturnInput,
}

/// A purchase request's body, read strictly (the fuzz target's entry too).
pub(crate) fn parse_purchase(body: &str) -> Result<PosPurchase, ApiError> {
    parse_body(body)
}

/// A return request's body, read strictly.
pub(crate) fn parse_return(body: &str) -> Result<PosReturn, ApiError> {
    parse_body(body)
}

/// A member found from a scanned code, and the code's time step.
struct Scanned {
    member: Member,
    /// The step a rotating code was made in; `None` for a static code
    /// (`{card}` alone), which proves nothing but the card number.
    step: Option<i64>,
}

fn reject(f: VerifyFailure) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, f.code(), f.reason())
}

/// Verifies a scanned payload (±1 step) and finds its member; the replay
/// guard is the member store's, with the event.
fn verify_till(app: &App, payload: &str) -> Result<Scanned, ApiError> {
    if let Some(scanned) = verify_loy2(app, payload)? {
        return Ok(scanned);
    }
    let card = &app.program.card;
    let verifier = Verifier::new(card.template.clone(), card.totp, card.check);
    let number = verifier.card_of(payload).map_err(reject)?;
    let registry = app.registry();
    let member = registry
        .by_card(number.as_str())
        .map_err(ApiError::internal)?
        .ok_or_else(|| reject(VerifyFailure::TokenInvalid))?;
    let verified = verifier
        .verify_card(
            payload,
            &number,
            &member.secret,
            app.now().timestamp(),
            loyalty_core::card::TILL_SKEW_STEPS,
        )
        .map_err(reject)?;
    Ok(Scanned {
        member,
        step: verified.step,
    })
}

/// A LOY2 code (`92` and the digits of a presentation or a wallet-pass
/// credential) checked with the server's own keys; `None` for any other
/// payload. The replay guard is the member store's, as for LOY1.
fn verify_loy2(app: &App, payload: &str) -> Result<Option<Scanned>, ApiError> {
    use loyalty_till::format::{CREDENTIAL_LEN, PRESENTATION_LEN, from_text};
    let is_loy2 = from_text(payload)
        .is_some_and(|b| b.len() == CREDENTIAL_LEN || b.len() == PRESENTATION_LEN);
    if !is_loy2 {
        return Ok(None);
    }
    let registry = app.registry();
    let keys = registry.key_set(app.now()).map_err(ApiError::internal)?;
    let mut verifier = loyalty_till::OfflineVerifier::from_key_set(&keys)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let accepted = verifier
        .verify(payload, app.now().timestamp())
        .map_err(|r| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.code(), r.to_string()))?;
    let member = registry
        .by_card(&accepted.card.to_string())
        .map_err(ApiError::internal)?
        .ok_or_else(|| reject(VerifyFailure::TokenInvalid))?;
    Ok(Some(Scanned {
        member,
        step: (!accepted.static_pass).then_some(i64::from(accepted.step)),
    }))
}

/// The till's answer for an outcome: 201 when applied now, 200 with the
/// same answer for a repeated purchase, 422 for a replayed code.
fn answered(outcome: TillOutcome) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (status, text) = match outcome {
        TillOutcome::Applied { answer } => (StatusCode::CREATED, answer),
        TillOutcome::Repeated { answer } => (StatusCode::OK, answer),
        TillOutcome::Replayed => return Err(reject(VerifyFailure::TokenReplayed)),
    };
    let body = serde_json::from_str(&text)
        .map_err(|e| ApiError::internal(format!("a recorded till answer: {e}")))?;
    Ok((status, Json(body)))
}

fn last4(card: &str) -> &str {
    &card[card.len().saturating_sub(4)..]
}

/// `POST /v1/pos/purchases`: a purchase for the member whose code the till scanned.
pub(crate) async fn pos_purchase(
    State(app): State<Arc<App>>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req = parse_purchase(&body)?;
    let Scanned { member, step } = verify_till(&app, &req.payload)?;
    let rotating = step.is_some();
    // A static code is only a card number, which anyone may know: it
    // identifies the member and earns, but cannot spend their points or coupons.
    if !rotating
        && (req.purchase.pay_points.is_some_and(|p| p > 0) || req.purchase.coupon.is_some())
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "static_code_cannot_pay",
            "a static card code identifies the member and earns points only; paying with points or a coupon needs the card's rotating code",
        ));
    }
    let store = app.member_store(&member.id).map_err(ApiError::internal)?;
    let request = serde_json::to_string(&req.purchase)
        .map_err(|e| ApiError::internal(format!("encoding a purchase: {e}")))?;
    let receipt_id = req.purchase.receipt_id.clone();
    let card_last4 = last4(&member.card_number).to_string();
    let mut store = lock(&store);
    let now = app.now();
    let before = crate::boards::totals(&app, &store, now)?;
    let mut applied_at = None;
    let outcome = store.apply_till(
        step,
        Some((&receipt_id, &request)),
        &Event::Purchase(req.purchase),
        now,
        |applied| {
            applied_at = Some(applied.at);
            let q = applied.purchase.clone().unwrap_or_default();
            json!({
                "card_last4": card_last4, "seq": applied.seq,
                "points_earned": q.points_earned, "discount": format_minor(q.discount()),
                "points_paid": q.points_paid, "payable": format_minor(q.payable),
            })
            .to_string()
        },
    )?;
    counted(&app, &member.id, &store, before, applied_at, true)?;
    answered(outcome)
}

/// Adds an applied purchase or return to the leaderboards (still under the
/// member store's lock, so no other event of the member comes between).
fn counted(
    app: &App,
    member: &str,
    store: &loyalty_core::store::Store,
    before: Option<crate::boards::Totals>,
    applied_at: Option<chrono::DateTime<chrono::Utc>>,
    purchase: bool,
) -> Result<(), ApiError> {
    let Some(at) = applied_at else {
        return Ok(());
    };
    let after = crate::boards::totals(app, store, at)?;
    crate::boards::record(app, member, before, after, purchase, at)
}

/// `POST /v1/pos/returns`: a return for the member whose code the till scanned.
pub(crate) async fn pos_return(
    State(app): State<Arc<App>>,
    TextBody(body): TextBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req = parse_return(&body)?;
    let Scanned { member, step } = verify_till(&app, &req.payload)?;
    let store = app.member_store(&member.id).map_err(ApiError::internal)?;
    let card_last4 = last4(&member.card_number).to_string();
    let mut store = lock(&store);
    let now = app.now();
    let before = crate::boards::totals(&app, &store, now)?;
    let mut applied_at = None;
    let outcome = store.apply_till(step, None, &Event::Return(req.ret), now, |applied| {
        applied_at = Some(applied.at);
        json!({"card_last4": card_last4, "seq": applied.seq}).to_string()
    })?;
    counted(&app, &member.id, &store, before, applied_at, false)?;
    answered(outcome)
}

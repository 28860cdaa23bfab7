//! The till: `POST /v1/pos/purchases` and `/v1/pos/returns`. The scanned
//! code is verified with the program's card rules (±1 step, persistent
//! replay guard) and finds its member; a static code may identify and earn
//! but not pay.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use loyalty_core::card::Verifier;
use loyalty_core::kernel::money::format_minor;
use loyalty_core::wallet::{Event, PurchaseInput, ReturnInput};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::registry::Member;
use crate::routes::{ApiError, bad_json, lock};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PosPurchase {
    payload: String,
    purchase: PurchaseInput,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PosReturn {
    payload: String,
    #[serde(rename = "return")]
    ret: ReturnInput,
}

/// A member found from a scanned code, and whether the code rotates.
struct Scanned {
    member: Member,
    /// A static code (`{card}` alone) proves nothing but the card number.
    rotating: bool,
}

/// Verifies a scanned payload (±1 step, replay guard) and finds its member.
fn verify_till(app: &App, payload: &str) -> Result<Scanned, ApiError> {
    let card = &app.program.card;
    let verifier = Verifier::new(card.template.clone(), card.totp, card.check);
    let reject = |f: loyalty_core::card::VerifyFailure| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, f.code(), f.reason())
    };
    let number = verifier.card_of(payload).map_err(reject)?;
    let registry = app.registry();
    let member = registry
        .by_card(number.as_str())
        .map_err(ApiError::internal)?
        .ok_or_else(|| reject(loyalty_core::card::VerifyFailure::TokenInvalid))?;
    let verified = verifier
        .verify_card(payload, &number, &member.secret, Utc::now().timestamp(), 1)
        .map_err(reject)?;
    // The replay guard is persistent: a step already accepted for this card is refused.
    if let Some(step) = verified.step
        && !registry
            .accept_step(number.as_str(), step)
            .map_err(ApiError::internal)?
    {
        return Err(reject(loyalty_core::card::VerifyFailure::TokenReplayed));
    }
    Ok(Scanned {
        member,
        rotating: verified.step.is_some(),
    })
}

fn last4(card: &str) -> &str {
    &card[card.len().saturating_sub(4)..]
}

/// `POST /v1/pos/purchases`: a purchase for the member whose code the till scanned.
pub(crate) async fn pos_purchase(
    State(app): State<Arc<App>>,
    body: String,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: PosPurchase = serde_json::from_str(&body).map_err(bad_json)?;
    let Scanned { member, rotating } = verify_till(&app, &req.payload)?;
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
    let applied = lock(&store).apply(&Event::Purchase(req.purchase), Utc::now())?;
    let q = applied.purchase.unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "card_last4": last4(&member.card_number), "seq": applied.seq,
            "points_earned": q.points_earned, "discount": format_minor(q.discount()),
            "points_paid": q.points_paid, "payable": format_minor(q.payable),
        })),
    ))
}

/// `POST /v1/pos/returns`: a return for the member whose code the till scanned.
pub(crate) async fn pos_return(
    State(app): State<Arc<App>>,
    body: String,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: PosReturn = serde_json::from_str(&body).map_err(bad_json)?;
    let member = verify_till(&app, &req.payload)?.member;
    let store = app.member_store(&member.id).map_err(ApiError::internal)?;
    let applied = lock(&store).apply(&Event::Return(req.ret), Utc::now())?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"card_last4": last4(&member.card_number), "seq": applied.seq})),
    ))
}

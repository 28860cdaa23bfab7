//! The one error shape of the API: every error answer is a status plus
//! `{"error": {"code", "message"}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use loyalty_core::LoyaltyError;
use loyalty_core::sync::wire::{ErrorBody, ErrorResponse, Failure};

/// An error answer: status plus `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        tracing::error!(%message, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; try again",
        )
    }
}

impl From<LoyaltyError> for ApiError {
    fn from(e: LoyaltyError) -> Self {
        // A figure too large to compute with came from the request: the
        // client's to fix, not a server fault to retry.
        if let LoyaltyError::Overflow { .. } = e {
            return Self::new(StatusCode::BAD_REQUEST, e.code(), e.to_string());
        }
        if Failure::of(&e) == Failure::Infrastructure {
            return Self::internal(e.to_string());
        }
        let status = match e.code() {
            "invalid_amount"
            | "invalid_quantity"
            | "invalid_points"
            | "invalid_id"
            | "empty_receipt"
            | "invalid_push"
            | "invalid_card_number" => StatusCode::BAD_REQUEST,
            "unknown_message" | "unknown_receipt" => StatusCode::NOT_FOUND,
            _ => StatusCode::CONFLICT,
        };
        Self::new(status, e.code(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(ErrorResponse {
                error: ErrorBody {
                    code: self.code,
                    message: self.message,
                },
            }),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE
            || self.status == StatusCode::TOO_MANY_REQUESTS
        {
            r.headers_mut()
                .insert("retry-after", HeaderValue::from_static("0"));
        }
        r
    }
}

pub(crate) fn bad_json(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("request body: {e}"),
    )
}

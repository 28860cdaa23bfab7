//! The one error shape of the API: every error answer is a status plus
//! `{"error": {"code", "message"}}`.

//!
//! That includes what the HTTP layer refuses before a handler runs: unknown
//! paths and methods (the router's fallbacks below), bodies too large or not
//! UTF-8 ([`TextBody`]) and query strings that do not parse.

use axum::Json;
use axum::extract::rejection::{QueryRejection, StringRejection};
use axum::extract::{FromRequest, Request};
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

    /// The stable snake_case code of the answer.
    pub(crate) fn code(&self) -> &str {
        &self.code
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

/// The code of a refusal of the HTTP layer, by its status.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(r.status(), code_of(r.status()), r.body_text())
    }
}

impl From<StringRejection> for ApiError {
    fn from(r: StringRejection) -> Self {
        // 413 over the body limit, 400 for a body that is not UTF-8 or was cut off.
        Self::new(r.status(), code_of(r.status()), r.body_text())
    }
}

/// A request body as text; a body too large, cut off or not UTF-8 is
/// refused in the one error shape.
pub(crate) struct TextBody(pub String);

impl<S: Send + Sync> FromRequest<S> for TextBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(String::from_request(req, state).await?))
    }
}

/// The router's fallback for a path it does not know.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// The router's fallback for a known path asked with another method (the
/// router still adds the `Allow` header).
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take this method; the Allow header lists those it takes",
    )
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

/// Longest error message in characters: a message that echoes its input
/// (a 1 MB amount) is cut to this, ending in "…".
pub const MAX_MESSAGE_CHARS: usize = 300;

/// `message` cut on a character boundary to at most [`MAX_MESSAGE_CHARS`]
/// characters, the last of them "…" when anything was cut.
fn bounded(mut message: String) -> String {
    if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS - 1) {
        if message[cut..].chars().nth(1).is_some() {
            message.truncate(cut);
            message.push('…');
        }
    }
    message
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(ErrorResponse {
                error: ErrorBody {
                    code: self.code,
                    message: bounded(self.message),
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

/// A request body as `T`, read strictly: a body that names a key twice in
/// one object is refused like malformed JSON (which copy counts would be the
/// parser's choice, so neither is taken).
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    loyalty_core::kernel::json::check_unique_keys(body).map_err(bad_json)?;
    serde_json::from_str(body).map_err(bad_json)
}

/// A body that must be `{}` (or left out): anything else, an unknown field
/// included, is refused like any malformed body.
pub(crate) fn parse_empty(body: &str) -> Result<(), ApiError> {
    if body.is_empty() {
        return Ok(());
    }
    // A map, not a field-less struct: serde takes `[]` for one of those.
    let fields: serde_json::Map<String, serde_json::Value> = parse_body(body)?;
    match fields.keys().next() {
        None => Ok(()),
        Some(name) => Err(bad_json(format!(
            "unknown field `{name}`: this endpoint takes {{}}"
        ))),
    }
}

pub(crate) fn bad_json(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("request body: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_cut_on_a_character_boundary() {
        let fits = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(bounded(fits.clone()), fits);
        let cut = bounded("é".repeat(MAX_MESSAGE_CHARS + 1));
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS);
        assert!(cut.ends_with("é…"), "{cut}");
        assert_eq!(bounded("short".into()), "short");
        assert_eq!(bounded(String::new()), "");
        let long = bounded(format!("amount {}", "9".repeat(1 << 20)));
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS);
        assert!(long.starts_with("amount 999"));
    }
}

//! What the server asks of every request before a handler sees it.

use std::time::Duration;

use axum::body::HttpBody;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;

/// Whether the headers say the body is JSON: exactly one `Content-Type`,
/// `application/json` in any case, parameters (`; charset=utf-8`) allowed.
fn says_json(headers: &HeaderMap) -> bool {
    let mut types = headers.get_all(header::CONTENT_TYPE).iter();
    match (types.next(), types.next()) {
        (Some(value), None) => value.to_str().is_ok_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
        }),
        _ => false,
    }
}

/// Refuses a request that carries a body (a length above 0 or chunked)
/// unless it is declared `application/json`: `415 unsupported_media_type`.
///
/// A web page may send `text/plain`, form and multipart bodies to any origin
/// without asking first; a JSON body needs a CORS preflight, which this
/// server never grants, so a page a developer visits cannot drive the admin
/// endpoints on their localhost.
pub(crate) async fn require_json(req: Request, next: Next) -> Response {
    if !req.body().is_end_stream() && !says_json(req.headers()) {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "a request body must be JSON, sent with Content-Type: application/json",
        )
        .into_response();
    }
    next.run(req).await
}

/// Answers `408 request_timeout` (and closes the connection) when the
/// request is not answered within `limit` of its head: a body sent too
/// slowly, or a handler waiting too long.
///
/// Handlers do their store work without awaiting, so the only points where
/// the limit can stop one are before that work (reading the body, an
/// injected delay): nothing is left half done.
pub(crate) async fn time_limit(
    State(limit): State<Duration>,
    req: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                format!(
                    "the request was not complete within {} s",
                    limit.as_secs_f64()
                ),
            )
            .into_response();
            // The rest of a slow body may still come: do not wait for it.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(types: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for t in types {
            h.append(header::CONTENT_TYPE, t.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_one_json_content_type_passes() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            " application/json ;charset=UTF-8",
        ] {
            assert!(says_json(&with(&[ok])), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/jsonx",
            "text/plain; x=application/json",
            "application/x-www-form-urlencoded",
            "",
        ] {
            assert!(!says_json(&with(&[bad])), "{bad}");
        }
        assert!(!says_json(&with(&[])));
        assert!(!says_json(&with(&["application/json", "text/plain"])));
    }
}

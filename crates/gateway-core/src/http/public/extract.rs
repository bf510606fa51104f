//! Protocol-flavoured JSON extractors: every way a body can be unusable (wrong content type,
//! compressed, too large, empty, not JSON, invalid UTF-8, wrong field types) is answered in
//! the endpoint family's own error shape with a 4xx, never a 500 or a panic.

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::error::{ApiError, Flavor};

/// A JSON body; `ANTHROPIC` picks the rejection shape.
pub struct ApiJson<T, const ANTHROPIC: bool>(pub T);

pub type OpenAiJson<T> = ApiJson<T, false>;
pub type AnthropicJson<T> = ApiJson<T, true>;

impl<S, T, const ANTHROPIC: bool> FromRequest<S> for ApiJson<T, ANTHROPIC>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let flavor = if ANTHROPIC {
            Flavor::Anthropic
        } else {
            Flavor::OpenAi
        };
        let reject = |e: ApiError| e.render(flavor);
        check_headers(&req).map_err(reject)?;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                reject(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "request_too_large",
                    "The request body is too large",
                ))
            } else {
                reject(ApiError::bad_request("The request body could not be read"))
            }
        })?;
        parse(&bytes).map(ApiJson).map_err(reject)
    }
}

fn check_headers(req: &Request) -> Result<(), ApiError> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
        let mime = ct.split(';').next().unwrap_or_default().trim();
        let json = mime == "application/json"
            || (mime.starts_with("application/") && mime.ends_with("+json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Expected Content-Type: application/json",
            )
            .into_invalid());
        }
    }
    if let Some(enc) = req.headers().get(header::CONTENT_ENCODING) {
        let enc = enc.to_str().unwrap_or_default().trim().to_ascii_lowercase();
        if !enc.is_empty() && enc != "identity" {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_content_encoding",
                format!("Content-Encoding {enc} is not supported; send an uncompressed body"),
            )
            .into_invalid());
        }
    }
    Ok(())
}

/// Parses the body, turning serde's error into a user-safe message.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The request body is empty; expected a JSON object",
        ));
    }
    serde_json::from_slice(bytes).map_err(|err| {
        use serde_json::error::Category;
        let message = match err.classify() {
            Category::Data => format!("Invalid request body: {err}"),
            Category::Syntax | Category::Eof | Category::Io => {
                format!("Malformed JSON body: {err}")
            }
        };
        ApiError::bad_request(message)
    })
}

impl ApiError {
    /// 415 is still a request problem: keep the `invalid_request_error` type.
    fn into_invalid(mut self) -> Self {
        self.openai_type = "invalid_request_error";
        self.anthropic_type = Some("invalid_request_error");
        self
    }
}

//! Request bodies of upload routes (course import now, analytics uploads next): these alone
//! take bodies up to `PINTAR_MAX_UPLOAD_BYTES`; every other route keeps the small default
//! (`PINTAR_MAX_BODY_BYTES`). The access layer has already let the caller through when the
//! body is read.

use crate::error::ServerError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;

/// The whole body of an upload route, at most `max_upload_bytes` long.
pub async fn read_body(req: Request, limit: usize) -> Result<Bytes, ServerError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ServerError::PayloadTooLarge(limit));
    }
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(ServerError::PayloadTooLarge(limit)),
        Err(e) => Err(ServerError::BadRequest(format!(
            "the request body could not be read: {e}"
        ))),
    }
}

/// A JSON body of an upload route (`application/json`), up to the upload limit.
#[derive(Debug, Clone)]
pub struct UploadJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for UploadJson<T> {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
            });
        if !json {
            return Err(ServerError::UnsupportedMediaType(
                "expected 'Content-Type: application/json'".into(),
            ));
        }
        let bytes = read_body(req, state.settings.max_upload_bytes).await?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| ServerError::BadRequest(format!("the JSON body is not valid: {e}")))
    }
}

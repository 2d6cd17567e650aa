//! Request bodies. Every JSON body is read the same way: `application/json` only (415
//! otherwise), within the route's size limit (413), a JSON object at the top (a struct must
//! not be filled from an array), numbers with a zero fraction read as integers (`12.0` is an
//! integer in JSON Schema), and errors that name the field (`answers[2][1]`).
//!
//! Ordinary routes keep the small default limit (`PINTAR_MAX_BODY_BYTES`); upload routes
//! (analytics uploads, course import) take up to `PINTAR_MAX_UPLOAD_BYTES`. The
//! access layer has already let the caller through when a body is read.

use crate::error::ServerError;
use crate::setup::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use pintar_core::api::FieldError;
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

/// The whole body, at most `limit` bytes long.
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

fn require_json(headers: &HeaderMap) -> Result<(), ServerError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
        });
    if json {
        Ok(())
    } else {
        Err(ServerError::UnsupportedMediaType(
            "expected 'Content-Type: application/json'".into(),
        ))
    }
}

/// Decodes a JSON object body into `T` (see the module docs).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServerError> {
    let mut value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ServerError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ServerError::Validation(vec![FieldError::new(
            "body",
            "must be a JSON object",
        )]));
    }
    integral_floats_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        ServerError::Validation(vec![FieldError::new(field, e.into_inner().to_string())])
    })
}

/// Largest integer an `f64` holds exactly.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

fn integral_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() <= MAX_EXACT
            {
                #[allow(clippy::cast_possible_truncation, reason = "checked to be exact above")]
                let i = f as i64;
                *n = Number::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// A JSON body of an ordinary route, within the small default limit.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json(req.headers()).map_err(IntoResponse::into_response)?;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        decode(&bytes)
            .map(Self)
            .map_err(IntoResponse::into_response)
    }
}

/// A JSON body of an upload route, up to the upload limit.
#[derive(Debug, Clone)]
pub struct UploadJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for UploadJson<T> {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        require_json(req.headers())?;
        let bytes = read_body(req, state.settings.max_upload_bytes).await?;
        decode(&bytes).map(Self)
    }
}

/// The per-period table of `report` as a body streamed in chunks of rows as the client
/// reads it (`pintar_core::table::PeriodsCsv`): a large report is never held as one text.
pub fn table_body(report: pintar_core::report::AnalysisReport) -> axum::body::Body {
    let chunks = pintar_core::table::PeriodsCsv::new(report)
        .map(|chunk| chunk.map_err(|e| std::io::Error::other(e.to_string())));
    axum::body::Body::from_stream(futures_util::stream::iter(chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Probe {
        name: Option<String>,
        answers: Option<Vec<Vec<u32>>>,
    }

    #[test]
    fn objects_only_whole_floats_and_named_fields() {
        let p: Probe = decode(br#"{"answers": [[1.0, 2]]}"#).expect("whole floats");
        assert_eq!(p.answers, Some(vec![vec![1, 2]]));
        let e = decode::<Probe>(b"[null, null]").expect_err("array");
        assert!(e.to_string().contains("body must be a JSON object"), "{e}");
        let e = decode::<Probe>(br#"{"answers": [[1, 2.5]]}"#).expect_err("fraction");
        assert!(e.to_string().contains("answers[0][1]"), "{e}");
        assert!(matches!(
            decode::<Probe>(b"{nope"),
            Err(ServerError::BadRequest(_))
        ));
    }
}

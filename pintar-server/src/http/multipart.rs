//! The one multipart reader (multer), for every form with a file: the API's uploads, the
//! website's analysis workbench and course import. It reads the small text fields that
//! come before the file (each bounded), then hands the file part over as a stream, so the
//! file is read once, by whoever keeps it (the analysis upload budget, say), never buffered
//! here. A body announced as larger than the limit is refused before it is read.

use crate::error::ServerError;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header;
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Longest multipart boundary accepted (RFC 2046 allows 70 characters).
const MAX_BOUNDARY: usize = 70;

/// What a form may hold.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    /// Text fields that may come before the file.
    pub text_fields: &'a [&'a str],
    /// Longest text field, in bytes.
    pub text_max: usize,
    /// The file field's name.
    pub file_field: &'a str,
    /// Longest body, in bytes (the file and the text fields together).
    pub limit: usize,
}

/// A form read up to its file.
#[derive(Debug)]
pub struct Form {
    /// The text fields, as sent (at most `text_max` bytes each).
    pub fields: Vec<(String, String)>,
    /// The file part (its bytes not read yet), if the form has one.
    pub file: Option<FilePart>,
}

impl Form {
    /// The first value of the text field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A file part: what its sender declared, and its bytes as a stream.
pub struct FilePart {
    /// The file name as sent, if any.
    pub file_name: Option<String>,
    /// Its media type (lower-cased, without parameters), if sent.
    pub media_type: Option<String>,
    field: multer::Field<'static>,
    limit: usize,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("media_type", &self.media_type)
            .finish_non_exhaustive()
    }
}

impl FilePart {
    /// Reads the whole file, at most `max` bytes (413 beyond).
    pub async fn bytes(mut self, max: usize) -> Result<Vec<u8>, ServerError> {
        use futures_util::StreamExt;
        let mut out = Vec::new();
        while let Some(chunk) = self.next().await {
            let chunk = chunk?;
            if out.len() + chunk.len() > max {
                return Err(ServerError::PayloadTooLarge(max));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

impl Stream for FilePart {
    type Item = Result<Bytes, ServerError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let limit = self.limit;
        Pin::new(&mut self.field)
            .poll_next(cx)
            .map(|item| item.map(|r| r.map_err(|e| error(e, limit))))
    }
}

fn error(e: multer::Error, limit: usize) -> ServerError {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            ServerError::PayloadTooLarge(limit)
        }
        other => ServerError::BadRequest(format!("the form could not be read: {other}")),
    }
}

/// Whether `req` carries a multipart form.
pub fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// A form read whole: every text field and the file's bytes (for small forms whose file is
/// kept whole anyway, such as a course document).
#[derive(Debug, Default)]
pub struct WholeForm {
    /// The text fields, as sent.
    pub fields: Vec<(String, String)>,
    /// The file's bytes (empty when no file was chosen).
    pub file: Vec<u8>,
}

impl WholeForm {
    /// The first value of the text field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads `req`'s multipart form whole, in any order of its fields, within `spec`.
pub async fn read_whole(req: Request, spec: &Spec<'_>) -> Result<WholeForm, ServerError> {
    let mut form = open(req, spec)?;
    let mut out = WholeForm::default();
    while let Some(field) = next(&mut form, spec).await? {
        if field.name() == Some(spec.file_field) {
            let part = FilePart {
                file_name: None,
                media_type: None,
                field,
                limit: spec.limit,
            };
            let bytes = part.bytes(spec.limit).await?;
            if !out.file.is_empty() && !bytes.is_empty() {
                return Err(ServerError::BadRequest("send one file".into()));
            }
            if !bytes.is_empty() {
                out.file = bytes;
            }
        } else {
            let name = field.name().unwrap_or_default().to_string();
            let value = field.text().await.map_err(|e| error(e, spec.limit))?;
            out.fields.push((name, value));
        }
    }
    Ok(out)
}

/// The form of `req`, with `spec`'s limits (415 when it is not multipart, 413 when it
/// announces more than the limit).
fn open(req: Request, spec: &Spec<'_>) -> Result<multer::Multipart<'static>, ServerError> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > spec.limit as u64) {
        return Err(ServerError::PayloadTooLarge(spec.limit));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(ServerError::UnsupportedMediaType(
            "send the form as multipart/form-data".into(),
        ));
    }
    let boundary = multer::parse_boundary(content_type)
        .ok()
        .filter(|b| !b.is_empty() && b.len() <= MAX_BOUNDARY)
        .ok_or_else(|| {
            ServerError::BadRequest("the multipart body has no valid boundary".into())
        })?;
    let mut allowed: Vec<&str> = spec.text_fields.to_vec();
    allowed.push(spec.file_field);
    let mut sizes = multer::SizeLimit::new().whole_stream(spec.limit as u64);
    for name in spec.text_fields {
        sizes = sizes.for_field(*name, spec.text_max as u64);
    }
    let constraints = multer::Constraints::new()
        .allowed_fields(allowed)
        .size_limit(sizes);
    Ok(multer::Multipart::with_constraints(
        body.into_data_stream(),
        boundary,
        constraints,
    ))
}

/// The form's next field, with errors named for the sender.
async fn next(
    form: &mut multer::Multipart<'static>,
    spec: &Spec<'_>,
) -> Result<Option<multer::Field<'static>>, ServerError> {
    form.next_field().await.map_err(|e| match e {
        multer::Error::UnknownField { field_name } => ServerError::BadRequest(format!(
            "unexpected form field '{}': send the data in a field named '{}'",
            field_name
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect::<String>(),
            spec.file_field
        )),
        other => error(other, spec.limit),
    })
}

/// Reads `req`'s multipart form as `spec` allows: the text fields before the file, then
/// the file part unread. Fields not in `spec` are refused (400); a body over the limit is
/// 413, announced or not.
pub async fn read(req: Request, spec: &Spec<'_>) -> Result<Form, ServerError> {
    let mut form = open(req, spec)?;
    let mut fields = Vec::new();
    while let Some(field) = next(&mut form, spec).await? {
        if field.name() == Some(spec.file_field) {
            let file = FilePart {
                file_name: field.file_name().map(str::to_string),
                media_type: field
                    .content_type()
                    .map(|m| m.essence_str().to_ascii_lowercase()),
                field,
                limit: spec.limit,
            };
            return Ok(Form {
                fields,
                file: Some(file),
            });
        }
        let name = field.name().unwrap_or_default().to_string();
        let value = field.text().await.map_err(|e| error(e, spec.limit))?;
        fields.push((name, value));
    }
    Ok(Form { fields, file: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(content_type: &str, body: &str) -> Request {
        Request::builder()
            .method("POST")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_string()))
            .expect("request")
    }

    const SPEC: Spec<'static> = Spec {
        text_fields: &["horizon"],
        text_max: 64,
        file_field: "file",
        limit: 1 << 20,
    };

    #[tokio::test]
    async fn reads_text_fields_before_the_file_and_streams_the_file() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"horizon\"\r\n\r\n6\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"exports.csv\"\r\n\
                    Content-Type: text/csv\r\n\r\ndate,v\r\n2024-01-01,1\r\n--XyZ--\r\n";
        let form = read(request("multipart/form-data; boundary=XyZ", body), &SPEC)
            .await
            .expect("form");
        assert_eq!(form.field("horizon"), Some("6"));
        let file = form.file.expect("file");
        assert_eq!(file.file_name.as_deref(), Some("exports.csv"));
        assert_eq!(file.media_type.as_deref(), Some("text/csv"));
        let bytes = file.bytes(1 << 20).await.expect("bytes");
        assert_eq!(bytes, b"date,v\r\n2024-01-01,1");
    }

    #[tokio::test]
    async fn refuses_what_the_spec_does_not_allow() {
        let long = format!("multipart/form-data; boundary={}", "-".repeat(8000));
        let unknown =
            "--XyZ\r\nContent-Disposition: form-data; name=\"evil\"\r\n\r\n1\r\n--XyZ--\r\n";
        let too_long = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"horizon\"\r\n\r\n{}\r\n--XyZ--\r\n",
            "9".repeat(100)
        );
        for (ct, body) in [
            (long.as_str(), "x"),
            ("multipart/form-data; boundary=XyZ", unknown),
            ("multipart/form-data; boundary=XyZ", too_long.as_str()),
            ("text/csv", "a,b"),
        ] {
            assert!(
                read(request(ct, body), &SPEC).await.is_err(),
                "{ct}: {body}"
            );
        }
        // No file: a form without one.
        let none =
            "--XyZ\r\nContent-Disposition: form-data; name=\"horizon\"\r\n\r\n1\r\n--XyZ--\r\n";
        let form = read(request("multipart/form-data; boundary=XyZ", none), &SPEC)
            .await
            .expect("form");
        assert!(form.file.is_none());
    }

    #[tokio::test]
    async fn a_whole_form_keeps_fields_after_its_file() {
        let spec = Spec {
            text_fields: &["document"],
            text_max: 1024,
            file_field: "file",
            limit: 1 << 20,
        };
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\n{}\r\n--XyZ--\r\n";
        let form = read_whole(request("multipart/form-data; boundary=XyZ", body), &spec)
            .await
            .expect("form");
        assert!(form.file.is_empty());
        assert_eq!(form.field("document"), Some("{}"));
    }
}

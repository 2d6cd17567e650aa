//! Reading an upload: a multipart form's `file` field, or a raw CSV or JSON body, within
//! the upload limit (`PINTAR_MAX_UPLOAD_BYTES`), streamed so nothing past the limit is kept.

use super::pool::{Reserved, UploadBudget};
use crate::error::ServerError;
use axum::extract::Request;
use axum::http::header;
use http_body_util::BodyExt;
use pintar_core::analytics::InputFormat;
use std::time::Duration;

/// Longest file name kept as a run's source.
const MAX_SOURCE: usize = 200;

/// An upload, read. Its bytes count against the upload budget until it is dropped.
#[derive(Debug)]
pub struct Upload {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// How to read them.
    pub format: InputFormat,
    /// The file name (without directories), or `body`.
    pub source: String,
    /// The share of the upload budget the bytes hold.
    pub reserved: Reserved,
}

/// The media type of `req`, lower-cased, without parameters.
fn media_type(req: &Request) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
}

/// The format a media type names, `None` for one that does not say (sniffed then).
fn format_of(media: &str) -> Result<Option<InputFormat>, ()> {
    match media {
        "text/csv" | "application/csv" | "text/comma-separated-values" => {
            Ok(Some(InputFormat::Csv))
        }
        "application/json" => Ok(Some(InputFormat::Json)),
        m if m.ends_with("+json") => Ok(Some(InputFormat::Json)),
        "text/plain" | "application/octet-stream" | "" => Ok(None),
        _ => Err(()),
    }
}

fn unsupported() -> ServerError {
    ServerError::UnsupportedMediaType(
        "send the data as multipart/form-data (a 'file' field), text/csv or application/json"
            .into(),
    )
}

/// Bytes being read: at most `limit`, each KiB reserved from the budget before it is kept.
struct Collector<'a> {
    budget: &'a UploadBudget,
    reserved: Reserved,
    data: Vec<u8>,
    limit: usize,
}

impl<'a> Collector<'a> {
    fn new(
        budget: &'a UploadBudget,
        limit: usize,
        declared: Option<u64>,
    ) -> Result<Self, ServerError> {
        let mut c = Self {
            budget,
            reserved: Reserved::default(),
            data: Vec::new(),
            limit,
        };
        if let Some(n) = declared.and_then(|n| usize::try_from(n).ok()) {
            c.budget.grow(&mut c.reserved, n)?;
            c.data.reserve_exact(n);
        }
        Ok(c)
    }

    fn push(&mut self, chunk: &[u8]) -> Result<(), ServerError> {
        let len = self.data.len() + chunk.len();
        if len > self.limit {
            return Err(ServerError::PayloadTooLarge(self.limit));
        }
        self.budget.grow(&mut self.reserved, len)?;
        self.data.extend_from_slice(chunk);
        Ok(())
    }
}

/// Reads the upload of `req`: at most `limit` bytes, within `timeout`, each byte reserved
/// from `budget` (503 when the server holds as many upload bytes as it will).
pub async fn read(
    req: Request,
    limit: usize,
    budget: &UploadBudget,
    timeout: Duration,
) -> Result<Upload, ServerError> {
    match tokio::time::timeout(timeout, read_untimed(req, limit, budget)).await {
        Ok(result) => result,
        Err(_) => Err(ServerError::RequestTimeout(format!(
            "the upload did not arrive within {} s",
            timeout.as_secs()
        ))),
    }
}

async fn read_untimed(
    req: Request,
    limit: usize,
    budget: &UploadBudget,
) -> Result<Upload, ServerError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ServerError::PayloadTooLarge(limit));
    }
    let media = media_type(&req).unwrap_or_default();
    if media == "multipart/form-data" {
        return read_multipart(req, limit, budget).await;
    }
    let declared_format = format_of(&media).map_err(|()| unsupported())?;
    let mut collector = Collector::new(budget, limit, declared)?;
    let mut body = req.into_body();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ServerError::BadRequest(format!("the request body could not be read: {e}"))
        })?;
        if let Ok(chunk) = frame.into_data() {
            collector.push(&chunk)?;
        }
    }
    let format = declared_format.unwrap_or_else(|| InputFormat::sniff(&collector.data));
    Ok(Upload {
        bytes: collector.data,
        format,
        source: "body".into(),
        reserved: collector.reserved,
    })
}

async fn read_multipart(
    req: Request,
    limit: usize,
    budget: &UploadBudget,
) -> Result<Upload, ServerError> {
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(|| ServerError::BadRequest("the multipart body has no boundary".into()))?;
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["file"])
        .size_limit(multer::SizeLimit::new().whole_stream(limit as u64));
    let stream = req.into_body().into_data_stream();
    let mut form = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut field = match form.next_field().await {
        Ok(Some(field)) => field,
        Ok(None) => {
            return Err(ServerError::BadRequest(
                "the form has no 'file' field".into(),
            ));
        }
        Err(e) => return Err(multipart_error(e, limit)),
    };
    let source = field
        .file_name()
        .map(clean_name)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "upload".into());
    let declared = match field
        .content_type()
        .map(|m| m.essence_str().to_ascii_lowercase())
    {
        Some(m) => format_of(&m).map_err(|()| unsupported())?,
        None => None,
    }
    .or_else(|| format_from_name(&source));
    let mut collector = Collector::new(budget, limit, None)?;
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limit))? {
        collector.push(&chunk)?;
    }
    let format = declared.unwrap_or_else(|| InputFormat::sniff(&collector.data));
    Ok(Upload {
        bytes: collector.data,
        format,
        source,
        reserved: collector.reserved,
    })
}

fn multipart_error(e: multer::Error, limit: usize) -> ServerError {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            ServerError::PayloadTooLarge(limit)
        }
        multer::Error::UnknownField { field_name } => ServerError::BadRequest(format!(
            "unexpected form field '{}': send the data in a field named 'file'",
            field_name
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect::<String>()
        )),
        other => ServerError::BadRequest(format!("the multipart body could not be read: {other}")),
    }
}

fn format_from_name(name: &str) -> Option<InputFormat> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".json") {
        Some(InputFormat::Json)
    } else if lower.ends_with(".csv") || lower.ends_with(".tsv") || lower.ends_with(".txt") {
        Some(InputFormat::Csv)
    } else {
        None
    }
}

/// The last path component of an uploaded file name, one line of printable characters.
fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .take(MAX_SOURCE)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_directories_and_controls() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\data\\x.csv"), "x.csv");
        assert_eq!(clean_name("a\r\nb.csv"), "ab.csv");
        assert_eq!(clean_name(&"x".repeat(500)).len(), MAX_SOURCE);
    }

    #[test]
    fn media_types_pick_formats() {
        assert_eq!(format_of("text/csv"), Ok(Some(InputFormat::Csv)));
        assert_eq!(format_of("application/json"), Ok(Some(InputFormat::Json)));
        assert_eq!(format_of("text/plain"), Ok(None));
        assert_eq!(format_of("image/png"), Err(()));
    }
}

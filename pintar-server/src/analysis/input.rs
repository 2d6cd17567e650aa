//! Reading an upload: a stream of bytes with what its sender declared (media type, file
//! name, length), within the upload limit (`PINTAR_MAX_UPLOAD_BYTES`), each byte reserved
//! from the instance's upload budget as it arrives, so nothing past the limit is kept. The
//! HTTP layer hands over a raw body or a multipart form's file part alike.

use super::pool::{Reserved, UploadBudget};
use crate::error::ServerError;
use pintar_core::analytics::InputFormat;
use uuid::Uuid;

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

/// The format a media type names, `None` for one that does not say (sniffed then).
pub(crate) fn format_of(media: &str) -> Result<Option<InputFormat>, ()> {
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
    fn new(budget: &'a UploadBudget, limit: usize, account: Uuid) -> Self {
        Self {
            budget,
            reserved: budget.reserve_for(account),
            data: Vec::new(),
            limit,
        }
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

/// What the sender says about an upload: its media type (without parameters), the file
/// name, and the length it announced.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// The media type, lower-cased (`text/csv`, `application/json`, …), if any.
    pub media_type: Option<String>,
    /// The file name as sent (directories and control characters are dropped).
    pub file_name: Option<String>,
    /// The announced length in bytes (checked against the limit before anything is read).
    pub length: Option<u64>,
}

/// Reads an upload of `account` from `stream`: at most `limit` bytes, each reserved from
/// `budget` as it arrives (429 past the account's share, 503 when the server holds as many
/// upload bytes as it will). The format comes from the media type, else the file name,
/// else the first bytes.
pub async fn read<S, B, E>(
    mut stream: S,
    declared: Declared,
    limit: usize,
    budget: &UploadBudget,
    account: Uuid,
) -> Result<Upload, ServerError>
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    use futures_util::StreamExt;
    if declared.length.is_some_and(|n| n > limit as u64) {
        return Err(ServerError::PayloadTooLarge(limit));
    }
    let source = declared
        .file_name
        .as_deref()
        .map(clean_name)
        .filter(|s| !s.is_empty());
    let by_media = match declared.media_type.as_deref() {
        Some(m) => format_of(m).map_err(|()| unsupported())?,
        None => None,
    };
    let format = by_media.or_else(|| source.as_deref().and_then(format_from_name));
    let mut collector = Collector::new(budget, limit, account);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ServerError::BadRequest(format!("the upload could not be read: {e}")))?;
        collector.push(chunk.as_ref())?;
    }
    let format = format.unwrap_or_else(|| InputFormat::sniff(&collector.data));
    Ok(Upload {
        bytes: collector.data,
        format,
        source: source.unwrap_or_else(|| {
            if declared.file_name.is_some() {
                "upload".into()
            } else {
                "body".into()
            }
        }),
        reserved: collector.reserved,
    })
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

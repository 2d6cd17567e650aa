//! Credentials as sent in the request's headers, checked for shape only: nothing is looked
//! up here (the gate asks `accounts` who they prove).

use crate::auth::Credentials;
use crate::auth::api_key::looks_like_key;
use crate::error::ServerError;
use axum::http::{HeaderMap, header};

/// Longest credential header value read (a JWT here is well under 1 KiB).
const MAX_CREDENTIAL_LEN: usize = 4096;

/// The credentials in `headers`: `None` when there are none, a 401 when they are
/// malformed (an API key that is not `pk_` and 43 base64url characters, an unknown
/// scheme, both headers at once). Nothing is looked up.
pub fn from_headers(headers: &HeaderMap) -> Result<Option<Credentials>, ServerError> {
    let malformed = |what: &str| ServerError::Unauthorized(what.to_string());
    let text = |name: &header::HeaderName| -> Result<Option<&str>, ServerError> {
        let mut values = headers.get_all(name).iter();
        let Some(v) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(malformed("send credentials once"));
        }
        if v.len() > MAX_CREDENTIAL_LEN {
            return Err(malformed("the credentials are too long"));
        }
        v.to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| malformed("the credentials are not valid text"))
    };
    let x_api_key = text(&header::HeaderName::from_static("x-api-key"))?;
    let authorization = text(&header::AUTHORIZATION)?;
    let found = match (x_api_key, authorization) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(malformed(
                "send either X-API-Key or Authorization, not both",
            ));
        }
        (Some(key), None) => Credentials::ApiKey(key.to_string()),
        (None, Some(value)) => {
            let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
            let rest = rest.trim();
            if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
                Credentials::Bearer(rest.to_string())
            } else if scheme.eq_ignore_ascii_case("apikey") {
                Credentials::ApiKey(rest.to_string())
            } else {
                return Err(malformed(
                    "expected 'Authorization: Bearer <token>' or 'ApiKey <key>'",
                ));
            }
        }
    };
    if let Credentials::ApiKey(key) = &found
        && !looks_like_key(key)
    {
        return Err(malformed(
            "this is not an API key (they look like pk_ and 43 more characters)",
        ));
    }
    Ok(Some(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn reads_each_form_and_refuses_malformed_keys() {
        let key = format!("pk_{}", "A".repeat(43));
        let read = |pairs: &[(&'static str, &str)]| from_headers(&headers(pairs));
        assert_eq!(read(&[]).expect("none"), None);
        assert_eq!(
            read(&[("x-api-key", &key)]).expect("key"),
            Some(Credentials::ApiKey(key.clone()))
        );
        assert_eq!(
            read(&[("authorization", &format!("ApiKey {key}"))]).expect("key"),
            Some(Credentials::ApiKey(key.clone()))
        );
        assert_eq!(
            read(&[("authorization", "bearer abc.def.ghi")]).expect("jwt"),
            Some(Credentials::Bearer("abc.def.ghi".into()))
        );
        for bad in [
            "junk",
            "pk_short",
            &format!("{key}x"),
            &format!("pk_{}", "!".repeat(43)),
        ] {
            assert!(read(&[("x-api-key", bad)]).is_err(), "{bad}");
        }
        assert!(read(&[("authorization", "Basic abc")]).is_err());
        assert!(read(&[("x-api-key", &key), ("authorization", "Bearer x")]).is_err());
        assert!(read(&[("x-api-key", &key), ("x-api-key", &key)]).is_err());
        assert!(!format!("{:?}", Credentials::ApiKey(key.clone())).contains(&key));
    }
}

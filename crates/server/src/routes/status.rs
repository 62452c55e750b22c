//! `GET /`: Authup's status document, with the members Portcullis can fill truthfully: `version`
//! (Portcullis's own), `timestamp` (Unix milliseconds, as Authup 1.0.0-beta.26) and `date`
//! (ISO-8601 UTC, as Authup's main line). Authup's `tokenMaxAge*` (per realm here), `redis`,
//! `vault` and `features` describe Authup deployments and are left out.

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use chrono::{DateTime, SecondsFormat};
use serde::Serialize;

/// The status document.
#[derive(Debug, Serialize)]
struct Status {
    version: &'static str,
    timestamp: i64,
    date: String,
}

pub(super) async fn status() -> HttpResponse {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default();
    let date = DateTime::from_timestamp_millis(millis)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .json(Status {
            version: env!("CARGO_PKG_VERSION"),
            timestamp: millis,
            date,
        })
}

//! The HTTP side of sync: one typed call per endpoint of `docs/PROTOCOL.md`.
//!
//! Only a 2xx response with a well-formed JSON body counts: a captive portal that answers a
//! hotel-lobby login page with `200 OK` is a failure, not a delivery.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use townhall_domain::wire::{
    EnrolRequest, EnrolResponse, ErrorBody, PullResponse, PushItem, PushRequest, PushResponse,
    StatusResponse,
};

use super::SyncError;

/// A client for one server.
#[derive(Clone, Debug)]
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl SyncClient {
    /// A client for the server at `base` (e.g. `http://10.0.0.5:8080`), with a bearer token
    /// once enrolled.
    pub fn new(base: &str, token: Option<String>) -> Result<Self, SyncError> {
        let http = builder()
            .build()
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        Self::with_http(base, token, http)
    }

    fn with_http(
        base: &str,
        token: Option<String>,
        http: reqwest::Client,
    ) -> Result<Self, SyncError> {
        let base = base.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(SyncError::BadAddress(base));
        }
        Ok(Self { http, base, token })
    }

    /// Like [`SyncClient::new`], also trusting the CA certificates in `pem` (one or more, PEM):
    /// for a provincial server whose certificate comes from a private CA rather than a public
    /// one.
    pub fn with_root_certificate(
        base: &str,
        token: Option<String>,
        pem: &[u8],
    ) -> Result<Self, SyncError> {
        let roots = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| SyncError::BadCertificate(e.to_string()))?;
        if roots.is_empty() {
            return Err(SyncError::BadCertificate(
                "no -----BEGIN CERTIFICATE----- block".to_owned(),
            ));
        }
        let http = roots
            .into_iter()
            .fold(builder(), reqwest::ClientBuilder::add_root_certificate)
            .build()
            .map_err(|e| SyncError::BadCertificate(e.to_string()))?;
        Self::with_http(base, token, http)
    }

    /// `POST /v1/enrol`.
    pub async fn enrol(&self, code: &str, device_name: &str) -> Result<EnrolResponse, SyncError> {
        let body = EnrolRequest {
            code: code.to_owned(),
            device_name: device_name.to_owned(),
        };
        self.send(self.http.post(self.url("/v1/enrol")).json(&body))
            .await
    }

    /// `POST /v1/push`.
    pub async fn push(&self, items: Vec<PushItem>) -> Result<PushResponse, SyncError> {
        let body = PushRequest { mutations: items };
        self.send(
            self.authorized(self.http.post(self.url("/v1/push")))
                .json(&body),
        )
        .await
    }

    /// `GET /v1/pull`.
    pub async fn pull(
        &self,
        since: u64,
        limit: u32,
        epoch: &str,
    ) -> Result<PullResponse, SyncError> {
        let request = self.http.get(self.url("/v1/pull")).query(&PullQuery {
            since,
            limit,
            epoch,
        });
        self.send(self.authorized(request)).await
    }

    /// `GET /v1/status`.
    pub async fn status(&self) -> Result<StatusResponse, SyncError> {
        self.send(self.authorized(self.http.get(self.url("/v1/status"))))
            .await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let response = request
            .send()
            .await
            .map_err(|e| SyncError::Offline(describe(&e)))?;
        let status = response.status();
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = response
            .bytes()
            .await
            .map_err(|e| SyncError::Offline(describe(&e)))?;
        if status.is_success() {
            if !is_json {
                return Err(SyncError::NotTheServer(status.as_u16()));
            }
            return serde_json::from_slice(&bytes)
                .map_err(|_| SyncError::NotTheServer(status.as_u16()));
        }
        let body: Option<ErrorBody> = if is_json {
            serde_json::from_slice(&bytes).ok()
        } else {
            None
        };
        let Some(body) = body else {
            return Err(SyncError::NotTheServer(status.as_u16()));
        };
        Err(match status.as_u16() {
            401 | 410 => SyncError::Unauthorized {
                code: body.code,
                message: body.message,
            },
            409 => SyncError::Conflict(body.message),
            429 => SyncError::Busy(body.message),
            500..=599 => SyncError::ServerDown(body.message),
            code => SyncError::Refused {
                status: code,
                code: body.code,
                message: body.message,
            },
        })
    }
}

/// The HTTP client settings every sync client shares: a connection must open within 10 s and
/// a request finish within 60 s, and answers may be gzip-compressed.
fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .gzip(true)
}

#[derive(Serialize)]
struct PullQuery<'a> {
    since: u64,
    limit: u32,
    epoch: &'a str,
}

/// A network error in plain words, without the URL's query.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the server did not answer in time".to_owned()
    } else if error.is_connect() {
        "the server cannot be reached".to_owned()
    } else {
        "the connection to the server broke".to_owned()
    }
}

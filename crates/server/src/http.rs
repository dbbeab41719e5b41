//! The sync API over HTTP: enrolment, push, pull, status and health under `/v1`, as JSON.
//!
//! Handlers are thin: they extract and check their inputs, run the store and the
//! [`crate::engine`] on a blocking thread, and map the result. Every error answer is an
//! [`ErrorBody`] with a stable `code` (see [`ApiError`]); a 5xx never carries internals, which
//! are logged once instead.
//!
//! Around the handlers: request ids and tracing (never the `Authorization` header), gzip for
//! responses the client accepts and for request bodies, body size limits counted after
//! decompression, a timeout per request, and a last line that turns a panic into a 500.

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use townhall_domain::validate::{self, TextRule};
use townhall_domain::wire::{
    EnrolRequest, EnrolResponse, ErrorBody, HealthResponse, MAX_PULL_LIMIT, MAX_PUSH_BATCH,
    PullResponse, PushItem, PushRequest, PushResponse, StatusResponse,
};
use townhall_domain::{DeviceId, ErrorCode};
use tracing::Level;

use crate::auth::{EnrolLimiter, EnrolmentCode, Token};
use crate::clock::{Clock, SystemRandom, unix_millis};
use crate::config::Settings;
use crate::engine::{self, PushError};
use crate::pages::{Answer, PageCache, PageKey};
use crate::store::{Device, EnrolRefusal, Store, StoreError};
use crate::tls::{self, Transport};

/// How many changes a pull returns when the client names no `limit`.
pub const DEFAULT_PULL_LIMIT: u32 = 500;

/// How long a client may take to send a request's headers, and how long an idle keep-alive
/// connection stays open, when [`serve`] is not told otherwise: a client trickling bytes is
/// cut off instead of holding a connection forever. The settings' `header_read_timeout`
/// (default 10 s) is what `townhall-server serve` uses.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How many store calls run at once, at most: twice the cores, and at least 4.
///
/// Each call holds a blocking thread and, for a read, a database connection with its page
/// cache. Unbounded, 300 tablets pulling at once meant 300 threads sharing two cores and a
/// gigabyte of caches, every pull taking seconds and some timing out; bounded, the others wait
/// their turn in order, holding nothing but their request.
fn store_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, std::num::NonZero::get)
        .saturating_mul(2)
        .max(4)
}

/// What every handler shares: the store, the clock, the enrolment limiter and the settings.
pub struct AppState<S> {
    store: Arc<S>,
    clock: Arc<dyn Clock>,
    limiter: Arc<EnrolLimiter>,
    settings: Arc<Settings>,
    /// Turns to run a store call, see [`store_workers`]; fair, so calls run in the order they
    /// asked (a request takes one turn to authenticate, then another for its work).
    workers: Arc<tokio::sync::Semaphore>,
    /// Full pull pages kept to be sent again, see [`crate::pages`].
    pages: Arc<PageCache>,
}

impl<S: Store> AppState<S> {
    /// State for a server over `store`, reading the time from `clock`.
    pub fn new(store: Arc<S>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        let limiter =
            EnrolLimiter::new(settings.enrol_per_minute, settings.enrol_global_per_minute);
        let pages = Arc::new(PageCache::new(settings.page_cache_bytes));
        Self {
            store,
            clock,
            limiter: Arc::new(limiter),
            settings: Arc::new(settings),
            workers: Arc::new(tokio::sync::Semaphore::new(store_workers())),
            pages,
        }
    }

    /// Full pull pages the server keeps now, and the bytes they count for against
    /// `page_cache_mib`.
    pub fn page_cache_usage(&self) -> (usize, usize) {
        self.pages.usage()
    }

    /// Runs `f` on a blocking thread: store calls are synchronous and may wait on disk or on
    /// a lock, which must not stall the async threads. It waits for a turn first; the turn
    /// goes with `f` and ends when `f` does, even if the request is dropped meanwhile (a
    /// timeout), so the bound holds for the work actually running.
    async fn blocking<T, E>(
        &self,
        f: impl FnOnce(&S) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let turn = Arc::clone(&self.workers)
            .acquire_owned()
            .await
            .map_err(|e| ApiError::Internal(format!("the store's queue closed: {e}")))?;
        self.unqueued(move |store| {
            let _turn = turn;
            f(store)
        })
        .await
    }

    /// Runs `f` on a blocking thread without waiting for a turn: for the health check only,
    /// as a busy server is alive and a supervisor must not restart it for being busy.
    async fn unqueued<T, E>(
        &self,
        f: impl FnOnce(&S) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(result) => result.map_err(Into::into),
            Err(e) => Err(ApiError::Internal(format!("a store task failed: {e}"))),
        }
    }
}

// Manual, because a derive would require `S: Clone`; only the `Arc`s are cloned.
impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            clock: Arc::clone(&self.clock),
            limiter: Arc::clone(&self.limiter),
            settings: Arc::clone(&self.settings),
            workers: Arc::clone(&self.workers),
            pages: Arc::clone(&self.pages),
        }
    }
}

/// The API's routes with every layer around them.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let settings = Arc::clone(&state.settings);
    let routes = Router::new()
        .route(
            "/v1/enrol",
            post(enrol::<S>).layer(DefaultBodyLimit::max(settings.enrol_body_limit)),
        )
        .route(
            "/v1/push",
            post(push::<S>).layer(DefaultBodyLimit::max(settings.push_body_limit)),
        )
        .route("/v1/pull", get(pull::<S>))
        .route("/v1/status", get(status::<S>))
        .route("/v1/health", get(health::<S>))
        .fallback(not_found)
        .with_state(state);
    // Outermost first. Decompression sits inside the handlers' body limit, so the limit
    // counts decompressed bytes and a small gzip bomb is refused like a large body.
    routes.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_response(DefaultOnResponse::new().level(Level::INFO))
                    // Failures are logged once, where they happen, with their cause.
                    .on_failure(()),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            // The fastest level: pages of the change log compress about 5× even so, and the
            // default level costs more CPU than the database work behind a pull.
            .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(axum::middleware::map_response(error_bodies))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                settings.request_timeout,
            ))
            .layer(RequestDecompressionLayer::new()),
    )
}

/// Serves `router` over plain HTTP on `listener` until `shutdown` completes, then stops
/// accepting and waits for the requests in flight to finish.
///
/// A loop of our own rather than `axum::serve`, which sets no header-read timeout: here a
/// connection that does not deliver a request's headers within [`HEADER_READ_TIMEOUT`] is
/// closed. (A body that does not arrive is cut off by the router's request timeout.)
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    serve_over(
        listener,
        router,
        Transport::Plain,
        HEADER_READ_TIMEOUT,
        shutdown,
    )
    .await
}

/// Like [`serve`], over `transport` and closing a connection whose request headers take longer
/// than `header_read_timeout` (a slow-loris client), or that sits idle between requests that
/// long. With TLS, each connection's handshake runs on its own task and must finish within
/// [`tls::HANDSHAKE_TIMEOUT`].
pub async fn serve_over(
    listener: TcpListener,
    router: Router,
    transport: Transport,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    tracing::info!(
        "listening on {}://{}",
        transport.scheme(),
        listener.local_addr()?
    );
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                // The enrolment rate limit counts attempts per client address.
                request.extensions_mut().insert(ConnectInfo(remote));
                router.clone().oneshot(request.map(Body::new))
            },
        );
        let Transport::Tls(acceptor) = &transport else {
            let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(client = %remote, error = %e, "connection ended with an error");
                }
            });
            continue;
        };
        // Watched from the start, so shutdown waits for a handshake under way (at most the
        // timeout) and then lets its request finish.
        let (acceptor, http, watcher) = (acceptor.clone(), http.clone(), graceful.watcher());
        tokio::spawn(async move {
            let stream =
                match tokio::time::timeout(tls::HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => {
                        tracing::debug!(client = %remote, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(client = %remote, "TLS handshake timed out");
                        return;
                    }
                };
            let connection = watcher.watch(http.serve_connection(TokioIo::new(stream), service));
            if let Err(e) = connection.await {
                tracing::debug!(client = %remote, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: waiting for requests in flight");
    graceful.shutdown().await;
    Ok(())
}

/// A failed `accept`: a connection that died before it was accepted is ignored; anything
/// else (out of file descriptors, say) is logged and retried after a pause rather than in a
/// hot loop.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %error, "cannot accept connections; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Why a request failed; each variant has its status and a stable `code` clients branch on.
#[derive(Debug)]
pub enum ApiError {
    /// 400 `bad_request`: the request is malformed (JSON, types, fields, query, content type).
    BadRequest(String),
    /// 400 `out_of_order`: a push's items are not in increasing `seq` order.
    OutOfOrder(String),
    /// 401 `unauthorized`: no token, a malformed, unknown or revoked one. One answer for all,
    /// so the response tells nothing about which.
    Unauthorized,
    /// 401 `bad_code`: no such enrolment code.
    BadCode,
    /// 404 `not_found`: no such route.
    NotFound,
    /// 409 `seq_conflict`: a sequence number already handled, with other content.
    SeqConflict(String),
    /// 410 `code_used`: the enrolment code has enrolled a device already.
    CodeUsed,
    /// 410 `code_expired`: the enrolment code expired.
    CodeExpired,
    /// 413 `too_large`: the body is over the limit (after decompression).
    TooLarge,
    /// 429 `rate_limited`: too many enrolment attempts; retry after the time given.
    RateLimited(Duration),
    /// 500 `internal`: a bug (a panic); logged.
    Internal(String),
    /// 503 `unavailable`: the database failed; logged, and the client retries later.
    Unavailable(StoreError),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::OutOfOrder(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::BadCode => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::SeqConflict(_) => StatusCode::CONFLICT,
            Self::CodeUsed | Self::CodeExpired => StatusCode::GONE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn body(&self) -> ErrorBody {
        let (code, message) = match self {
            Self::BadRequest(message) => (ErrorCode::BadRequest, message.as_str()),
            Self::OutOfOrder(message) => (ErrorCode::OutOfOrder, message.as_str()),
            Self::Unauthorized => (ErrorCode::Unauthorized, "a valid device token is required"),
            Self::BadCode => (
                ErrorCode::BadCode,
                "this enrolment code is not known; check it and try again",
            ),
            Self::NotFound => (ErrorCode::NotFound, "there is nothing at this address"),
            Self::SeqConflict(message) => (ErrorCode::SeqConflict, message.as_str()),
            Self::CodeUsed => (
                ErrorCode::CodeUsed,
                "this enrolment code was used already; ask for a new one",
            ),
            Self::CodeExpired => (
                ErrorCode::CodeExpired,
                "this enrolment code has expired; ask for a new one",
            ),
            Self::TooLarge => (
                ErrorCode::TooLarge,
                "the request body is larger than this endpoint accepts",
            ),
            Self::RateLimited(_) => (
                ErrorCode::RateLimited,
                "too many enrolment attempts; wait and try again",
            ),
            Self::Internal(_) => (
                ErrorCode::Internal,
                "the server failed; the error was logged",
            ),
            Self::Unavailable(_) => (
                ErrorCode::Unavailable,
                "the server cannot reach its database; try again later",
            ),
        };
        ErrorBody {
            code,
            message: message.to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Unavailable(e) => tracing::error!(error = %e, "store failed"),
            Self::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        match self {
            Self::Unauthorized => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::RateLimited(wait) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::Unavailable(error)
    }
}

impl From<PushError> for ApiError {
    fn from(error: PushError) -> Self {
        match error {
            PushError::Unauthorized => Self::Unauthorized,
            PushError::SeqConflict { .. } => Self::SeqConflict(error.to_string()),
            PushError::OutOfOrder { .. } => Self::OutOfOrder(error.to_string()),
            PushError::Store(e) => Self::Unavailable(e),
        }
    }
}

/// An authenticated, unrevoked device: the bearer token's owner.
struct Authenticated(Device);

impl<S: Store> FromRequestParts<AppState<S>> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(Token::from_bearer)
            .ok_or(ApiError::Unauthorized)?;
        let hash = token.hash();
        let now = state.clock.now();
        let device = state
            .blocking(move |store| store.device_by_token(hash, now))
            .await?;
        match device {
            Some(device) if device.revoked_at.is_none() => Ok(Self(device)),
            _ => Err(ApiError::Unauthorized),
        }
    }
}

/// A JSON body whose every rejection is an [`ApiError`]: 413 over the limit, 400 otherwise
/// (axum would answer 415 and 422 for some, with a plain-text body).
struct JsonBody<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else {
        ApiError::BadRequest(rejection.body_text())
    }
}

/// A query string whose rejection is a 400 [`ApiError`].
struct QueryParams<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// The client's address, for the enrolment rate limit. Requests that did not come through
/// [`serve`] (tests) all count as one unknown client.
struct ClientIp(IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        Ok(Self(ip))
    }
}

/// `POST /v1/enrol`: a single-use code for a device identity and its token.
async fn enrol<S: Store>(
    State(state): State<AppState<S>>,
    ClientIp(client): ClientIp,
    body: Result<JsonBody<EnrolRequest>, ApiError>,
) -> Result<Json<EnrolResponse>, ApiError> {
    // Limited before anything else, so every attempt counts, malformed ones included.
    let now = state.clock.now();
    state.limiter.check(client, now).map_err(|limited| {
        tracing::warn!(client = %client, "enrolment rate limited");
        ApiError::RateLimited(limited.retry_after)
    })?;
    let JsonBody(request) = body?;
    let device_name = validate::text("device_name", &request.device_name, TextRule::LINE)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let code = EnrolmentCode::parse(&request.code).ok_or(ApiError::BadCode)?;
    let device_id = DeviceId::generate(unix_millis(now), SystemRandom.id_bits());
    let token = Token::generate(&mut SystemRandom.rng());
    let token_hash = token.hash();
    let (enrolled, epoch) = state
        .blocking(move |store| {
            // The epoch first: once `enrol` succeeds the code is spent, and a failure after
            // it would leave the device without its token.
            let epoch = store.epoch()?;
            Ok::<_, StoreError>((
                store.enrol(code.hash(), device_id, &device_name, token_hash, now)?,
                epoch,
            ))
        })
        .await?;
    let device = enrolled.map_err(|refusal| {
        tracing::warn!(client = %client, refusal = ?refusal, "enrolment refused");
        match refusal {
            EnrolRefusal::Unknown => ApiError::BadCode,
            EnrolRefusal::Used => ApiError::CodeUsed,
            EnrolRefusal::Expired => ApiError::CodeExpired,
        }
    })?;
    tracing::info!(device = %device.id, letter = %device.letter, user = %device.user.id, "device enrolled");
    Ok(Json(EnrolResponse {
        device: device.id,
        letter: device.letter,
        token: token.expose().to_owned(),
        user: device.user.id,
        user_name: device.user.name,
        role: device.user.role,
        jurisdiction: device.user.jurisdiction,
        agency: device.user.agency,
        epoch,
    }))
}

/// `POST /v1/push`: the device's next mutations; answered after they are committed.
async fn push<S: Store>(
    State(state): State<AppState<S>>,
    Authenticated(device): Authenticated,
    JsonBody(request): JsonBody<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    let items = request.mutations;
    if items.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BadRequest(format!(
            "a push carries at most {MAX_PUSH_BATCH} mutations; this one has {}",
            items.len()
        )));
    }
    let now = state.clock.now();
    let response = state
        .blocking(move |store| push_and_commit(store, &device, &items, now))
        .await?;
    Ok(Json(response))
}

/// Runs the engine's push in one transaction, committed only if the whole push was accepted.
fn push_and_commit<S: Store>(
    store: &S,
    device: &Device,
    items: &[PushItem],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PushResponse, ApiError> {
    let mut refused = None;
    let written = store.write(|tx| match engine::push(tx, device, items, now) {
        Ok(response) => Ok(response),
        Err(PushError::Store(e)) => Err(e),
        Err(refusal) => {
            // `Store::write` rolls back only on a `StoreError`; a refused batch (out of order
            // after some items were applied) must leave nothing behind, so it goes out as one
            // and is told apart by `refused`.
            refused = Some(refusal);
            Err(StoreError::Database("push refused; rolled back".to_owned()))
        }
    });
    match (written, refused) {
        (_, Some(refusal)) => Err(refusal.into()),
        (Ok(response), None) => Ok(response),
        (Err(e), None) => Err(e.into()),
    }
}

/// The query of `GET /v1/pull`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullQuery {
    /// The cursor: the `next` of the previous page, 0 at first.
    since: u64,
    /// The most changes wanted; [`DEFAULT_PULL_LIMIT`] if absent, at most [`MAX_PULL_LIMIT`].
    limit: Option<u32>,
    /// The epoch the device last saw; a different one means the server was restored.
    epoch: Option<String>,
}

/// `GET /v1/pull`: the next page of changes in the device's scope, or "refetch".
async fn pull<S: Store>(
    State(state): State<AppState<S>>,
    Authenticated(device): Authenticated,
    headers: axum::http::HeaderMap,
    QueryParams(query): QueryParams<PullQuery>,
) -> Result<Response, ApiError> {
    let limit = match query.limit {
        None => DEFAULT_PULL_LIMIT,
        Some(0) => return Err(ApiError::BadRequest("limit must be at least 1".to_owned())),
        // More than the maximum is not an error: the page says `more` and the device goes on.
        Some(limit) => limit.min(MAX_PULL_LIMIT),
    };
    let pages = Arc::clone(&state.pages);
    let answer = state
        .blocking(move |store| pull_page(store, &pages, &device, &query, limit))
        .await?;
    Ok(match answer {
        Answer::Fresh(response) => Json(response).into_response(),
        Answer::Kept(page) => {
            let gzip = accepts_gzip(&headers);
            let body = if gzip {
                page.gzip()
            } else {
                page.json().map_err(ApiError::from)?
            };
            let mut response = Response::new(Body::from(body));
            let response_headers = response.headers_mut();
            response_headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            if gzip {
                // Already compressed: the compression layer leaves it as it is.
                response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
    })
}

/// Whether the request's `Accept-Encoding` allows gzip: `gzip` listed with a weight above 0,
/// or, when `gzip` is not listed, `*` with a weight above 0 (RFC 9110, 12.5.3).
fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for coding in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
    {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim();
        let weight = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight);
        } else if name == "*" {
            any = Some(weight);
        }
    }
    gzip.or(any).is_some_and(|weight| weight > 0.0)
}

fn pull_page<S: Store>(
    store: &S,
    pages: &PageCache,
    device: &Device,
    query: &PullQuery,
    limit: u32,
) -> Result<Answer, StoreError> {
    let epoch = store.epoch()?;
    let restored = query.epoch.as_ref().is_some_and(|seen| *seen != epoch);
    let end = store.server_seq()?;
    if restored || query.since > end {
        return Ok(Answer::Fresh(PullResponse::Refetch {
            epoch,
            last_applied_seq: device.last_applied_seq,
        }));
    }
    // Only a jurisdiction needs the locality tree (to include the localities below it).
    let localities = match device.user.jurisdiction {
        Some(_) => store.localities()?,
        None => Vec::new(),
    };
    let scope = engine::pull_scope(device, &localities);
    let key = PageKey::new(&epoch, &scope, query.since, limit);
    let read = || {
        let page = store.pull(&scope, query.since, limit)?;
        Ok(PullResponse::Page {
            epoch,
            changes: page.changes,
            next: page.next,
            more: page.more,
        })
    };
    // Fewer positions than `limit` after the cursor: the page cannot be full, so it is never
    // kept, and devices polling the end of the log read side by side.
    if end - query.since < u64::from(limit) {
        return read().map(Answer::Fresh);
    }
    pages.page(key, read)
}

/// `GET /v1/status`: what the server knows of this device.
async fn status<S: Store>(
    State(state): State<AppState<S>>,
    Authenticated(device): Authenticated,
) -> Result<Json<StatusResponse>, ApiError> {
    let (server_seq, epoch) = state
        .blocking(|store| Ok::<_, StoreError>((store.server_seq()?, store.epoch()?)))
        .await?;
    Ok(Json(StatusResponse {
        device: device.id,
        last_applied_seq: device.last_applied_seq,
        server_seq,
        epoch,
    }))
}

/// `GET /v1/health`: the server answers and so does its database.
async fn health<S: Store>(
    State(state): State<AppState<S>>,
) -> Result<Json<HealthResponse>, ApiError> {
    state.unqueued(|store| store.ping()).await?;
    Ok(Json(HealthResponse {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Gives an [`ErrorBody`] to the error responses made outside the handlers (405 from the
/// router, 408 from the timeout, 415 for an unknown `Content-Encoding`), so a client always
/// gets one shape. Their status and headers (`Allow`) stay.
async fn error_bodies<B>(response: Response<B>) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response.map(Body::new);
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "there is nothing at this address"),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "this address does not take this method",
        ),
        StatusCode::REQUEST_TIMEOUT => (ErrorCode::Timeout, "the request took too long"),
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::TooLarge,
            "the request body is larger than this endpoint accepts",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedEncoding,
            "request bodies may be sent plain or gzip-compressed",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            ErrorCode::Unavailable,
            "the server is unavailable; try again later",
        ),
        s if s.is_server_error() => (
            ErrorCode::Internal,
            "the server failed; the error was logged",
        ),
        _ => (ErrorCode::BadRequest, "the request is malformed"),
    };
    let body = ErrorBody {
        code,
        message: message.to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&body).unwrap_or_default()),
    )
}

/// The answer when a handler panicked: a 500 like any other, with the panic logged.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    ApiError::Internal(format!("a handler panicked: {detail}")).into_response()
}

/// The span each request is traced in: its id, method and path. Headers are left out, the
/// `Authorization` token above all.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
}

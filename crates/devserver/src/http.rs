//! The routes: sessions, commands, events, the control API, and `ui/dist`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::{Value, json};
use townhall_core::app::CommandError;
use townhall_core::{Clock, Randomness, SystemClock, SystemRandom};
use townhall_domain::Role;
use townhall_testkit::server::TestServer;

use crate::scenario::{AGENCY, Templates};
use crate::session::Session;
use townhall_domain::ErrorCode;

/// How many sessions stay open: the oldest is closed when another opens.
pub const MAX_SESSIONS: usize = 32;

/// The open sessions, by id, and the order they were opened in.
#[derive(Default)]
struct Sessions {
    by_id: HashMap<String, Arc<Session>>,
    order: std::collections::VecDeque<String>,
}

impl Sessions {
    fn insert(&mut self, id: String, session: Arc<Session>) {
        self.by_id.insert(id, session);
    }

    fn remove(&mut self, id: &str) {
        self.by_id.remove(id);
    }

    fn get(&self, id: &str) -> Option<&Arc<Session>> {
        self.by_id.get(id)
    }
}

/// What every route shares.
#[derive(Clone)]
pub struct DevServer {
    inner: Arc<Inner>,
}

struct Inner {
    sessions: Mutex<Sessions>,
    templates: Templates,
    enrolment: Option<Arc<TestServer>>,
    dist: PathBuf,
    csp: String,
}

impl DevServer {
    /// A server of `dist` under `csp`; `enrolment` is the real server codes are issued on.
    pub fn new(dist: PathBuf, csp: String, enrolment: Option<Arc<TestServer>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                sessions: Mutex::new(Sessions::default()),
                templates: Templates::default(),
                enrolment,
                dist,
                csp,
            }),
        }
    }

    /// Builds the slowest scenario (`big`) on a thread of its own, so its first page does not
    /// wait for 10,000 captures; pages of other scenarios are served meanwhile.
    pub fn prebuild_big(&self) {
        let server = self.clone();
        std::thread::spawn(move || {
            if let Err(error) = server.inner.templates.prebuild("big", SystemClock.now()) {
                #[allow(clippy::print_stderr, reason = "a development server's console")]
                {
                    eprintln!("building the big scenario failed: {error:#}");
                }
            }
        });
    }

    /// The routes.
    pub fn router(self) -> Router {
        Router::new()
            .route("/session", post(open_session))
            .route("/invoke/{command}", post(invoke))
            .route("/events", get(events))
            .route("/control/{session}/online", post(set_online))
            .route("/control/{session}/failing", post(set_failing))
            .route("/control/{session}/latency", post(set_latency))
            .route("/control/{session}/clock", post(set_clock))
            .route("/control/{session}/calls", get(calls))
            .route("/control/{session}/emit", post(emit))
            .route("/control/{session}/enrolment-code", post(enrolment_code))
            .fallback(get(static_file))
            .with_state(self)
    }

    fn session(&self, id: &str) -> Result<Arc<Session>, Failure> {
        self.inner
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(id).cloned())
            .ok_or_else(|| {
                Failure::new(
                    StatusCode::NOT_FOUND,
                    CommandError::new(
                        ErrorCode::NotFound,
                        format!("no session {id}: open one first"),
                    ),
                )
            })
    }
}

/// A failure answered as a `CommandError` body.
struct Failure(StatusCode, CommandError);

impl Failure {
    fn new(status: StatusCode, error: CommandError) -> Self {
        Self(status, error)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<CommandError> for Failure {
    fn from(error: CommandError) -> Self {
        let status = match error.code.as_str() {
            "not_found" | "no_session" => StatusCode::NOT_FOUND,
            // A replica that fails (the `error` scenario) is an answer of the command, as
            // in the app; only a fault of this server is a 5xx.
            "internal" => StatusCode::INTERNAL_SERVER_ERROR,
            "conflict" | "status_not_allowed" => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self(status, error)
    }
}

fn bad_request(message: impl std::fmt::Display) -> Failure {
    Failure::new(
        StatusCode::BAD_REQUEST,
        CommandError::new(ErrorCode::BadRequest, message.to_string()),
    )
}

#[derive(Deserialize)]
struct OpenSession {
    scenario: String,
}

async fn open_session(
    State(server): State<DevServer>,
    Json(body): Json<OpenSession>,
) -> Result<Json<Value>, Failure> {
    let built = {
        let server = server.clone();
        let scenario = body.scenario.clone();
        tokio::task::spawn_blocking(move || {
            server.inner.templates.session(&scenario, SystemClock.now())
        })
        .await
        .map_err(bad_request)?
    };
    let session = built.map_err(|e| bad_request(format!("{e:#}")))?;
    let id = format!("{:016x}", SystemRandom.next_u64());
    if let Ok(mut sessions) = server.inner.sessions.lock() {
        sessions.insert(id.clone(), Arc::new(session));
        sessions.order.push_back(id.clone());
        // A test suite opens hundreds of pages one after another; only the newest few are
        // still in use, and each open replica holds connections, files and an index thread.
        while sessions.order.len() > MAX_SESSIONS {
            if let Some(oldest) = sessions.order.pop_front() {
                sessions.remove(&oldest);
            }
        }
    }
    Ok(Json(json!({ "session": id, "scenario": body.scenario })))
}

#[derive(Deserialize)]
struct SessionQuery {
    session: String,
}

async fn invoke(
    State(server): State<DevServer>,
    UrlPath(command): UrlPath<String>,
    Query(query): Query<SessionQuery>,
    body: Option<Json<Value>>,
) -> Result<Json<Value>, Failure> {
    let session = server.session(&query.session)?;
    let args = body.map(|Json(v)| v).unwrap_or(Value::Null);
    Ok(Json(session.invoke(&command, args).await?))
}

async fn events(
    State(server): State<DevServer>,
    Query(query): Query<SessionQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Failure> {
    let session = server.session(&query.session)?;
    let receiver = session.events.subscribe();
    // The app syncs on start and raises reminders after it: the page's first attempt comes
    // once it listens.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = tokio::task::spawn_blocking(move || session.attempted()).await;
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) => {
                    let data = serde_json::to_string(&event).unwrap_or_default();
                    return Some((Ok(Event::default().data(data)), receiver));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[derive(Deserialize)]
struct Flag {
    value: bool,
}

async fn set_online(
    State(server): State<DevServer>,
    UrlPath(id): UrlPath<String>,
    Json(flag): Json<Flag>,
) -> Result<Json<Value>, Failure> {
    server.session(&id)?.switch(|s| s.online = flag.value);
    Ok(Json(Value::Null))
}

async fn set_failing(
    State(server): State<DevServer>,
    UrlPath(id): UrlPath<String>,
    Json(flag): Json<Flag>,
) -> Result<Json<Value>, Failure> {
    server.session(&id)?.switch(|s| s.failing = flag.value);
    Ok(Json(Value::Null))
}

#[derive(Deserialize)]
struct Latency {
    millis: u64,
}

async fn set_latency(
    State(server): State<DevServer>,
    UrlPath(id): UrlPath<String>,
    Json(latency): Json<Latency>,
) -> Result<Json<Value>, Failure> {
    server
        .session(&id)?
        .switch(|s| s.latency = Duration::from_millis(latency.millis));
    Ok(Json(Value::Null))
}

#[derive(Deserialize)]
struct SetClock {
    at: DateTime<Utc>,
}

async fn set_clock(
    State(server): State<DevServer>,
    UrlPath(id): UrlPath<String>,
    Json(body): Json<SetClock>,
) -> Result<Json<Value>, Failure> {
    server.session(&id)?.clock.set(body.at);
    Ok(Json(Value::Null))
}

async fn calls(
    State(server): State<DevServer>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, Failure> {
    let session = server.session(&id)?;
    let calls = session.calls.lock().map(|c| c.clone()).unwrap_or_default();
    Ok(Json(json!(calls)))
}

#[derive(Deserialize)]
struct Emit {
    event: String,
    payload: Value,
}

/// Sends an event as the app's sync task would (a reminder, data arriving from the server).
async fn emit(
    State(server): State<DevServer>,
    UrlPath(id): UrlPath<String>,
    Json(body): Json<Emit>,
) -> Result<Json<Value>, Failure> {
    server.session(&id)?.emit(&body.event, body.payload);
    Ok(Json(Value::Null))
}

#[derive(Deserialize)]
struct CodeRequest {
    role: Role,
    /// `valid`, `used` or `expired`.
    #[serde(default = "valid")]
    state: String,
}

fn valid() -> String {
    "valid".to_owned()
}

/// A real enrolment code of the server on loopback, for a new user of `role`.
async fn enrolment_code(
    State(server): State<DevServer>,
    UrlPath(id): UrlPath<String>,
    Json(body): Json<CodeRequest>,
) -> Result<Json<Value>, Failure> {
    server.session(&id)?;
    let Some(enrolment) = server.inner.enrolment.clone() else {
        return Err(bad_request("this dev server runs no enrolment server"));
    };
    let issued = tokio::task::spawn_blocking(move || issue_code(&enrolment, body))
        .await
        .map_err(bad_request)?;
    let (url, code) = match issued {
        Ok(issued) => issued,
        Err(e) => return Err(bad_request(format!("{e:#}"))),
    };
    let (url, code) = if let Some(used) = code.strip_prefix("USE:") {
        // Enrols a throwaway replica with it first, as a colleague's tablet would have.
        let dir = tempfile::tempdir().map_err(bad_request)?;
        let replica = townhall_core::Replica::open(
            &dir.path().join("replica.sqlite3"),
            Arc::new(SystemClock),
        )
        .map_err(|e| Failure::from(CommandError::from(e)))?;
        let replica = Arc::new(Mutex::new(replica));
        townhall_core::sync::enrol(&replica, &url, used, "Máy khác")
            .await
            .map_err(|e| Failure::from(CommandError::from(e)))?;
        (url, used.to_owned())
    } else {
        (url, code)
    };
    Ok(Json(json!({ "serverUrl": url, "code": code })))
}

fn issue_code(server: &TestServer, request: CodeRequest) -> anyhow::Result<(String, String)> {
    let agency =
        (request.role == Role::Agency).then(|| townhall_domain::seed::seeded_agency_id(AGENCY));
    let user = server.user("Người dùng thử", request.role, None, agency)?;
    let code = match request.state.as_str() {
        "valid" => server.code(user)?,
        "used" => format!("USE:{}", server.code(user)?),
        "expired" => server.code_expiring(user, SystemClock.now() - chrono::Duration::hours(1))?,
        other => anyhow::bail!("a code is valid, used or expired, not {other:?}"),
    };
    Ok((server.url.clone(), code))
}

async fn static_file(State(server): State<DevServer>, uri: axum::http::Uri) -> Response {
    let csp = HeaderValue::from_str(&server.inner.csp).unwrap_or(HeaderValue::from_static(""));
    let mut response = match read_static(&server.inner.dist, uri.path()) {
        Some((body, mime)) => ([(header::CONTENT_TYPE, mime)], body).into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The file under `dist` at `path`, and its type; nothing outside `dist`.
fn read_static(dist: &Path, path: &str) -> Option<(Vec<u8>, &'static str)> {
    let mut relative = PathBuf::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part.contains('\\') {
            return None;
        }
        relative.push(part);
    }
    if path.ends_with('/') || relative.as_os_str().is_empty() {
        relative.push("index.html");
    }
    let file = dist.join(&relative);
    let body = std::fs::read(&file).ok()?;
    let mime = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    Some((body, mime))
}

/// The app's Content-Security-Policy, read from `tauri.conf.json` (`app.security.csp`), with
/// `'self'` added to `connect-src`: the page reaches this server with `fetch` where the app
/// uses Tauri's IPC.
pub fn csp_from_tauri_conf(conf: &str) -> anyhow::Result<String> {
    let conf: Value = serde_json::from_str(conf)?;
    let Some(csp) = conf.pointer("/app/security/csp").and_then(Value::as_object) else {
        anyhow::bail!("tauri.conf.json has no app.security.csp object");
    };
    Ok(csp
        .iter()
        .map(|(directive, value)| {
            let value = value.as_str().unwrap_or_default();
            if directive == "connect-src" {
                format!("{directive} 'self' {value}")
            } else {
                format!("{directive} {value}")
            }
        })
        .collect::<Vec<_>>()
        .join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_the_apps_with_fetch_to_itself() {
        let csp = csp_from_tauri_conf(
            r#"{"app":{"security":{"csp":{"default-src":"'self'","connect-src":"ipc: http://ipc.localhost"}}}}"#,
        )
        .expect("a policy");
        // Directives come in the order JSON objects keep here (by name); order does not
        // change what a policy allows.
        assert_eq!(
            csp,
            "connect-src 'self' ipc: http://ipc.localhost; default-src 'self'"
        );
        assert!(csp_from_tauri_conf("{}").is_err());
    }

    #[test]
    fn static_files_stay_inside_dist() {
        let dir = tempfile::tempdir().expect("a folder");
        std::fs::write(dir.path().join("index.html"), "<p>hi</p>").expect("written");
        assert!(read_static(dir.path(), "/").is_some());
        assert!(read_static(dir.path(), "/../Cargo.toml").is_none());
        assert!(read_static(dir.path(), "/missing.js").is_none());
    }
}

//! HTTPS end to end: a CA and a server certificate made at test time, the server started the
//! way `townhall-server serve --tls-cert … --tls-key …` starts it, and real clients over TCP.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers are not #[test] functions; a failed unwrap fails the test"
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tempfile::TempDir;
use tokio::io::AsyncReadExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use townhall_core::sync::SyncClient;
use townhall_domain::wire::HealthResponse;
use townhall_domain::{Role, UserId};
use townhall_server::auth::EnrolmentCode;
use townhall_server::clock::{Clock, SystemClock, SystemRandom};
use townhall_server::config::{ConfigError, DatabaseUrl, Overrides, Settings};
use townhall_server::http::{self, AppState};
use townhall_server::store::sqlite::SqliteStore;
use townhall_server::store::{self, Store, User};
use townhall_server::tls::{self, Transport};

/// A private CA and a certificate it signed for `localhost` and `127.0.0.1`, as PEM files.
struct Pki {
    dir: TempDir,
    ca: String,
    cert: PathBuf,
    key: PathBuf,
}

impl Pki {
    fn new() -> Self {
        let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let cert = write("cert.pem", &cert.pem());
        let key = write("key.pem", &key.serialize_pem());
        Self {
            ca: ca.pem(),
            cert,
            key,
            dir,
        }
    }

    /// `serve`'s flags: `--listen 127.0.0.1:0 --database … --tls-cert … --tls-key …`.
    fn flags(&self, cert: &Path, key: &Path) -> Overrides {
        Overrides {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            database: Some(DatabaseUrl::Sqlite(self.dir.path().join("server.sqlite3"))),
            tls_cert: Some(cert.to_owned()),
            tls_key: Some(key.to_owned()),
        }
    }
}

/// A server running on a port of its own until dropped.
struct Server {
    address: SocketAddr,
    store: Arc<SqliteStore>,
    stop: Option<oneshot::Sender<()>>,
    serving: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Loads the settings and serves them as `main.rs` does: [`Transport::from_settings`],
    /// then [`http::serve_over`].
    async fn start(pki: &Pki) -> Self {
        let settings = Settings::resolve(None, &|_| None, pki.flags(&pki.cert, &pki.key)).unwrap();
        let transport = Transport::from_settings(&settings).unwrap();
        assert_eq!(transport.scheme(), "https");
        let DatabaseUrl::Sqlite(path) = &settings.database else {
            unreachable!("the flags name a SQLite file")
        };
        let store = Arc::new(SqliteStore::open(path).unwrap());
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .unwrap();
        let address = listener.local_addr().unwrap();
        let header_read_timeout = settings.header_read_timeout;
        let state = AppState::new(Arc::clone(&store), Arc::new(SystemClock), settings);
        let (stop, stopped) = oneshot::channel();
        let serving = tokio::spawn(http::serve_over(
            listener,
            http::router(state),
            transport,
            header_read_timeout,
            async {
                let _ = stopped.await;
            },
        ));
        Self {
            address,
            store,
            stop: Some(stop),
            serving: Some(serving),
        }
    }

    fn url(&self, scheme: &str, host: &str) -> String {
        format!("{scheme}://{host}:{}", self.address.port())
    }

    /// Creates a user and issues a code for them, as `townhall-server code issue` does.
    fn issue_code(&self) -> String {
        let user = UserId::generate(1, SystemRandom.id_bits());
        self.store
            .create_user(&User {
                id: user,
                name: "Nguyễn Thị Lan".to_owned(),
                role: Role::Recorder,
                jurisdiction: None,
                agency: None,
            })
            .unwrap();
        let code = EnrolmentCode::generate(&mut SystemRandom.rng());
        self.store
            .add_enrolment_code(&store::EnrolmentCode {
                code_hash: code.hash(),
                user,
                expires_at: SystemClock.now() + chrono::TimeDelta::hours(1),
            })
            .unwrap();
        code.grouped()
    }

    /// Stops the server and checks that it shut down cleanly.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let serving = self.serving.take().unwrap();
        tokio::time::timeout(Duration::from_secs(10), serving)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(serving) = &self.serving {
            serving.abort();
        }
    }
}

fn client(trusting: Option<&str>) -> reqwest::Client {
    let builder = reqwest::Client::builder().timeout(Duration::from_secs(10));
    match trusting {
        Some(ca) => {
            builder.add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        }
        None => builder,
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn https_is_served_to_clients_trusting_the_ca_only() {
    let pki = Pki::new();
    let server = Server::start(&pki).await;
    let trusting = client(Some(&pki.ca));

    for host in ["localhost", "127.0.0.1"] {
        let response = trusting
            .get(format!("{}/v1/health", server.url("https", host)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{host}");
        assert_eq!(response.version(), reqwest::Version::HTTP_11);
        let health: HealthResponse =
            serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    }

    let plain = trusting
        .get(format!("{}/v1/health", server.url("http", "127.0.0.1")))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP to the TLS port: {plain:?}");

    let untrusting = client(None)
        .get(format!("{}/v1/health", server.url("https", "localhost")))
        .send()
        .await;
    let error = untrusting.unwrap_err();
    assert!(error.is_connect(), "{error:?}");

    server.stop().await;
}

#[tokio::test]
async fn a_sync_client_trusting_the_ca_enrols_over_https() {
    let pki = Pki::new();
    let server = Server::start(&pki).await;
    let base = server.url("https", "localhost");

    let code = server.issue_code();
    let untrusting = SyncClient::new(&base, None).unwrap();
    let refused = untrusting
        .enrol(&code, "Máy tính bảng 1")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "offline", "{refused}");

    let ca = pki.ca.as_bytes();
    let client = SyncClient::with_root_certificate(&base, None, ca).unwrap();
    let enrolled = client.enrol(&code, "Máy tính bảng 1").await.unwrap();
    let client = SyncClient::with_root_certificate(&base, Some(enrolled.token), ca).unwrap();
    let status = client.status().await.unwrap();
    assert_eq!(status.device, enrolled.device);
    assert_eq!(status.last_applied_seq, 0);

    let bad = SyncClient::with_root_certificate(&base, None, b"not a certificate").unwrap_err();
    assert_eq!(bad.code(), "bad_certificate", "{bad}");

    server.stop().await;
}

#[tokio::test]
async fn a_client_that_never_handshakes_is_dropped() {
    let pki = Pki::new();
    let server = Server::start(&pki).await;
    let mut silent = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    let connected = Instant::now();
    let mut buf = [0; 1];
    let read = tokio::time::timeout(tls::HANDSHAKE_TIMEOUT * 2, silent.read(&mut buf))
        .await
        .expect("the server should close the connection");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(connected.elapsed() >= tls::HANDSHAKE_TIMEOUT - Duration::from_secs(1));
    server.stop().await;
}

#[test]
fn bad_tls_settings_are_explained() {
    let pki = Pki::new();
    let garbage = pki.dir.path().join("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n").unwrap();
    let empty = pki.dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let missing = pki.dir.path().join("missing.pem");
    let other_key = pki.dir.path().join("other-key.pem");
    std::fs::write(&other_key, KeyPair::generate().unwrap().serialize_pem()).unwrap();

    let only_cert = Overrides {
        tls_key: None,
        ..pki.flags(&pki.cert, &pki.key)
    };
    let err = Settings::resolve(None, &|_| None, only_cert).unwrap_err();
    assert!(matches!(err, ConfigError::TlsIncomplete { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the TLS certificate (tls_cert, TOWNHALL_TLS_CERT or --tls-cert) is set but the TLS key \
         (tls_key, TOWNHALL_TLS_KEY or --tls-key) is not: serving HTTPS needs both, and plain \
         HTTP neither"
    );

    let check = |cert: &Path, key: &Path, expected: &[&str]| {
        let settings = Settings::resolve(None, &|_| None, pki.flags(cert, key)).unwrap();
        let err = match Transport::from_settings(&settings) {
            Ok(_) => panic!("{cert:?} and {key:?} were accepted"),
            Err(e) => e.to_string(),
        };
        for part in expected {
            assert!(err.contains(part), "{err:?} should contain {part:?}");
        }
    };
    let shown = |path: &Path| path.display().to_string();
    check(
        &missing,
        &pki.key,
        &["cannot read the TLS certificate file", &shown(&missing)],
    );
    check(
        &pki.cert,
        &missing,
        &["cannot read the TLS key file", &shown(&missing)],
    );
    check(
        &garbage,
        &pki.key,
        &[
            "the TLS certificate file",
            &shown(&garbage),
            "is not valid PEM",
        ],
    );
    check(
        &empty,
        &pki.key,
        &[&shown(&empty), "holds no PEM certificate"],
    );
    check(
        &pki.cert,
        &pki.cert,
        &[
            "the TLS key file",
            &shown(&pki.cert),
            "holds no PEM private key",
        ],
    );
    check(
        &pki.cert,
        &other_key,
        &[&shown(&pki.cert), &shown(&other_key), "cannot be used"],
    );
}

//! `townhall-server`: serve the sync API, or run an admin command on the server's database.
//!
//! Admin commands work on the database directly, so they run on the server machine (or
//! wherever the database is reachable) and need no running server.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use clap::{Parser, Subcommand};
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use townhall_domain::validate::{self, TextRule};
use townhall_domain::{AgencyId, DeviceId, LocalityId, Role, UserId};
use townhall_server::auth::EnrolmentCode;
use townhall_server::clock::{Clock, SystemClock, SystemRandom, unix_millis};
use townhall_server::config::{DatabaseUrl, Overrides, Settings};
use townhall_server::engine;
use townhall_server::http::{self, AppState};
use townhall_server::store::postgres::PostgresStore;
use townhall_server::store::sqlite::SqliteStore;
use townhall_server::store::{self, Store, User};
use townhall_server::tls::Transport;
use tracing_subscriber::EnvFilter;

/// How long an enrolment code works: long enough to hand it to someone today, short enough
/// that a lost slip of paper soon stops mattering.
const CODE_VALIDITY: TimeDelta = TimeDelta::hours(24);

/// Townhall's central server.
#[derive(Debug, Parser)]
#[command(name = "townhall-server", version, about)]
struct Cli {
    /// The database: sqlite://PATH or postgres://user:password@host/db
    /// [default: sqlite://$TOWNHALL_DATA_DIR/server.sqlite3; env: TOWNHALL_DATABASE_URL]
    // Parsed after clap, whose error for a bad value repeats it, password and all.
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// A TOML settings file; flags and environment variables override it.
    #[arg(long, global = true, value_name = "PATH", env = "TOWNHALL_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the sync API until interrupted (Ctrl-C or SIGTERM), finishing requests in flight.
    Serve {
        /// The address and port to listen on [default: 127.0.0.1:8080; env: TOWNHALL_LISTEN].
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Serve HTTPS with this PEM certificate chain; needs --tls-key [env: TOWNHALL_TLS_CERT].
        #[arg(long, value_name = "PATH")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert [env: TOWNHALL_TLS_KEY].
        #[arg(long, value_name = "PATH")]
        tls_key: Option<PathBuf>,
    },
    /// Users: the people devices act for.
    #[command(subcommand)]
    User(UserCommand),
    /// Enrolment codes: how a device is enrolled for a user.
    #[command(subcommand)]
    Code(CodeCommand),
    /// Enrolled devices.
    #[command(subcommand)]
    Device(DeviceCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user and print their id.
    Create {
        /// Their full name.
        #[arg(long)]
        name: String,
        /// recorder, secretariat, leader, agency or admin.
        #[arg(long)]
        role: Role,
        /// The locality they work in (and everything below it); the whole province if absent.
        #[arg(long, value_name = "LOCALITY_ID")]
        jurisdiction: Option<LocalityId>,
        /// The agency an agency user answers for (required for, and only for, that role).
        #[arg(long, value_name = "AGENCY_ID")]
        agency: Option<AgencyId>,
    },
    /// List every user.
    List,
}

#[derive(Debug, Subcommand)]
enum CodeCommand {
    /// Issue a single-use enrolment code for a user, valid for 24 hours, as text and QR code.
    Issue {
        /// The user the device will act for.
        #[arg(long, value_name = "USER_ID")]
        user: UserId,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// List every enrolled device.
    List,
    /// Revoke a device: its token stops working at once.
    Revoke {
        /// The device.
        device: DeviceId,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The cause chain on one line, without the backtrace `RUST_BACKTRACE` would add to
            // anyhow's `Debug`: an operator needs the reason, not the call stack.
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    // Logs go to stderr, so what a command prints on stdout (an id, a code) can be piped.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let (listen, tls_cert, tls_key) = match &cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
        } => (*listen, tls_cert.clone(), tls_key.clone()),
        _ => (None, None, None),
    };
    let database = cli
        .database
        .as_deref()
        .map(str::parse::<DatabaseUrl>)
        .transpose()?;
    let flags = Overrides {
        listen,
        database,
        tls_cert,
        tls_key,
    };
    let settings = Settings::load(
        cli.config.as_deref(),
        &|name| std::env::var(name).ok(),
        flags,
    )?;
    match cli.command {
        Command::Serve { .. } => {
            tracing::info!(settings = ?settings, "starting townhall-server {}", env!("CARGO_PKG_VERSION"));
            // Before the database is opened: a bad certificate is reported alone.
            let transport = Transport::from_settings(&settings)?;
            with_store(settings, Serve(transport))
        }
        Command::User(command) => with_store(settings, command),
        Command::Code(command) => with_store(settings, command),
        Command::Device(command) => with_store(settings, command),
    }
}

/// A command that works on the store, whichever backend holds it.
trait StoreCommand {
    fn run<S: Store>(self, store: S, settings: Settings) -> Result<()>;
}

/// Opens the database the settings name and runs `command` on it.
///
/// Called outside any async runtime: the PostgreSQL client blocks on a runtime of its own and
/// panics inside another.
fn with_store(settings: Settings, command: impl StoreCommand) -> Result<()> {
    match &settings.database {
        DatabaseUrl::Sqlite(path) => {
            let store = SqliteStore::open(path)
                .with_context(|| format!("cannot open the database {}", settings.database))?;
            command.run(store, settings)
        }
        DatabaseUrl::Postgres(url) => {
            let store = PostgresStore::connect(url)
                .with_context(|| format!("cannot open the database {}", settings.database))?;
            command.run(store, settings)
        }
    }
}

/// `serve`, over plain HTTP or TLS.
struct Serve(Transport);

impl StoreCommand for Serve {
    fn run<S: Store>(self, store: S, settings: Settings) -> Result<()> {
        let Self(transport) = self;
        // Before the runtime starts (the PostgreSQL client blocks), and before the first
        // device can pull: devices receive the default topics and agencies through the log.
        store
            .write(|tx| engine::seed_reference_data(tx, SystemClock.now()))
            .context("cannot seed the default topics and agencies")?;
        let store = Arc::new(store);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let served = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(settings.listen)
                .await
                .with_context(|| format!("cannot listen on {}", settings.listen))?;
            let header_read_timeout = settings.header_read_timeout;
            let state = AppState::new(Arc::clone(&store), Arc::new(SystemClock), settings);
            let router = http::router(state);
            http::serve_over(
                listener,
                router,
                transport,
                header_read_timeout,
                shutdown_signal(),
            )
            .await?;
            anyhow::Ok(())
        });
        // The runtime goes first, with every task holding the store: the last reference is
        // then dropped here, outside async code, as the PostgreSQL client requires.
        drop(runtime);
        drop(store);
        tracing::info!("stopped");
        served
    }
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what systemd and container runtimes send).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested");
}

impl StoreCommand for UserCommand {
    fn run<S: Store>(self, store: S, _settings: Settings) -> Result<()> {
        let mut out = std::io::stdout().lock();
        match self {
            Self::Create {
                name,
                role,
                jurisdiction,
                agency,
            } => {
                let name = validate::text("name", &name, TextRule::LINE)?;
                match (role, agency) {
                    (Role::Agency, None) => bail!("an agency user needs --agency AGENCY_ID"),
                    (other, Some(_)) if other != Role::Agency => {
                        bail!("--agency is only for agency users, not a {other}")
                    }
                    _ => {}
                }
                let id = UserId::generate(unix_millis(SystemClock.now()), SystemRandom.id_bits());
                store.create_user(&User {
                    id,
                    name,
                    role,
                    jurisdiction,
                    agency,
                })?;
                writeln!(out, "{id}")?;
            }
            Self::List => {
                let rows = store.users()?.into_iter().map(|user| {
                    vec![
                        user.id.to_string(),
                        user.name,
                        user.role.to_string(),
                        user.jurisdiction
                            .map_or_else(|| "(all)".to_owned(), |l| l.to_string()),
                        user.agency.map_or_else(String::new, |a| a.to_string()),
                    ]
                });
                write_table(
                    &mut out,
                    &["USER", "NAME", "ROLE", "JURISDICTION", "AGENCY"],
                    rows,
                )?;
            }
        }
        Ok(())
    }
}

impl StoreCommand for CodeCommand {
    fn run<S: Store>(self, store: S, _settings: Settings) -> Result<()> {
        let Self::Issue { user } = self;
        let Some(user) = store.users()?.into_iter().find(|u| u.id == user) else {
            bail!("no user with id {user}; `townhall-server user list` shows them");
        };
        let code = EnrolmentCode::generate(&mut SystemRandom.rng());
        let expires_at = SystemClock.now() + CODE_VALIDITY;
        store.add_enrolment_code(&store::EnrolmentCode {
            code_hash: code.hash(),
            user: user.id,
            expires_at,
        })?;
        let text = code.grouped();
        // Inverted colours: terminals are mostly light text on dark, and a scanner wants
        // dark modules on a light ground.
        let qr = QrCode::new(text.as_bytes())?
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build();
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "Enrolment code for {} ({}): {text}",
            user.name, user.role
        )?;
        writeln!(out, "Single use; expires {}.", describe_time(expires_at))?;
        writeln!(out)?;
        writeln!(out, "{qr}")?;
        Ok(())
    }
}

impl StoreCommand for DeviceCommand {
    fn run<S: Store>(self, store: S, _settings: Settings) -> Result<()> {
        let mut out = std::io::stdout().lock();
        match self {
            Self::List => {
                let rows = store.devices()?.into_iter().map(|device| {
                    vec![
                        device.id.to_string(),
                        device.letter.to_string(),
                        device.name,
                        device.user.name,
                        device.user.role.to_string(),
                        device
                            .last_seen_at
                            .map_or_else(|| "never".to_owned(), describe_time),
                        device.last_applied_seq.to_string(),
                        device
                            .revoked_at
                            .map_or_else(|| "no".to_owned(), describe_time),
                    ]
                });
                let header = [
                    "DEVICE",
                    "LETTER",
                    "NAME",
                    "USER",
                    "ROLE",
                    "LAST SEEN",
                    "LAST SEQ",
                    "REVOKED",
                ];
                write_table(&mut out, &header, rows)?;
            }
            Self::Revoke { device } => {
                if !store.revoke_device(device, SystemClock.now())? {
                    bail!("no device with id {device}; `townhall-server device list` shows them");
                }
                writeln!(
                    out,
                    "Device {device} is revoked: its token no longer works."
                )?;
            }
        }
        Ok(())
    }
}

/// A time as an administrator in Vietnam reads it: local time, with UTC beside it.
fn describe_time(at: DateTime<Utc>) -> String {
    let utc = at.format("%Y-%m-%d %H:%M UTC");
    match FixedOffset::east_opt(7 * 3600) {
        Some(vietnam) => format!(
            "{} ({utc})",
            at.with_timezone(&vietnam).format("%Y-%m-%d %H:%M +07")
        ),
        None => utc.to_string(),
    }
}

/// Writes rows under a header in columns as wide as their widest cell.
fn write_table(
    out: &mut impl Write,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = rows.collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    if rows.is_empty() {
        writeln!(out, "(none)")?;
    }
    Ok(())
}

//! The server's settings.
//!
//! Each setting comes from, in rising order of precedence: its default, the TOML file given
//! with `--config`, an environment variable (`TOWNHALL_LISTEN`, `TOWNHALL_DATABASE_URL`,
//! `TOWNHALL_TLS_CERT`, `TOWNHALL_TLS_KEY`, `TOWNHALL_PAGE_CACHE_MIB`), and a command-line flag. Environment variables are read through a function passed in, so tests
//! need not touch the process environment.
//!
//! A PostgreSQL URL may carry a password: [`DatabaseUrl`]'s `Debug` and `Display` replace it
//! with `***`, so settings can be logged.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

/// Everything the server's behaviour depends on that an operator may change.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Settings {
    /// Where to listen for HTTP; `127.0.0.1:8080` unless told otherwise, so a fresh install
    /// is not reachable from the network by accident.
    pub listen: SocketAddr,
    /// Which database to use.
    pub database: DatabaseUrl,
    /// The largest push body, in bytes, after gzip decompression.
    pub push_body_limit: usize,
    /// The largest body of any other request (enrolment), in bytes, after decompression.
    pub enrol_body_limit: usize,
    /// Enrolment attempts allowed per client address per minute.
    pub enrol_per_minute: u32,
    /// Enrolment attempts allowed from all clients together per minute.
    pub enrol_global_per_minute: u32,
    /// How long one request may take, reading its body included; a slower client is cut off
    /// with a 408.
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers, and how long an idle
    /// keep-alive connection stays open; a slower one is disconnected (slow-loris).
    pub header_read_timeout: Duration,
    /// The certificate and key to serve HTTPS with; plain HTTP without them.
    pub tls: Option<TlsFiles>,
    /// Compressed bytes of full pull pages kept to be sent again (`page_cache_mib`, or
    /// `TOWNHALL_PAGE_CACHE_MIB`; 64 MiB unless told otherwise, 0 keeps none).
    pub page_cache_bytes: usize,
}

/// The PEM files the server proves its identity with when it serves HTTPS.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TlsFiles {
    /// The certificate chain, the server's own certificate first (`tls_cert`).
    pub cert: PathBuf,
    /// The certificate's private key: PKCS#8, PKCS#1 or SEC1 (`tls_key`).
    pub key: PathBuf,
}

/// The database the server keeps its state in.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH`: an embedded SQLite file (`sqlite:///abs/path` for an absolute path).
    Sqlite(PathBuf),
    /// `postgres://user:password@host/db` (or `postgresql://`), kept whole for the driver.
    Postgres(String),
}

/// Command-line flags that override the file and the environment.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--database`.
    pub database: Option<DatabaseUrl>,
    /// `--tls-cert`.
    pub tls_cert: Option<PathBuf>,
    /// `--tls-key`.
    pub tls_key: Option<PathBuf>,
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The settings file could not be read.
    #[error("cannot read the settings file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The settings file is not valid TOML for these settings (unknown keys included).
    #[error("the settings file {} is invalid: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The parser's message, with the line and the key.
        message: String,
    },
    /// An environment variable holds a value that cannot be used.
    #[error("the environment variable {name} is invalid: {message}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A database URL is neither `sqlite://…` nor `postgres://…`.
    #[error(
        "`{given}` is not a database URL: expected sqlite://PATH or postgres://user:password@host/db"
    )]
    DatabaseUrl {
        /// The URL given, its password hidden.
        given: String,
    },
    /// No database was named and there is no home directory to put the default one in.
    #[error(
        "no data directory: set TOWNHALL_DATA_DIR, XDG_DATA_HOME or HOME, or name a database with --database"
    )]
    NoDataDir,
    /// Only one of the TLS certificate and its key was given.
    #[error(
        "{given} is set but {missing} is not: serving HTTPS needs both, and plain HTTP neither"
    )]
    TlsIncomplete {
        /// The setting given, with its variable and flag.
        given: &'static str,
        /// The setting missing, with its variable and flag.
        missing: &'static str,
    },
    /// A setting is out of range.
    #[error("the setting {name} {problem}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// What is wrong, e.g. "must be at least 1".
        problem: &'static str,
    },
}

/// The file name of the default SQLite database, inside the data directory.
pub const DEFAULT_DATABASE_FILE: &str = "server.sqlite3";

impl Settings {
    /// Reads the settings file (if any), then the environment through `env`, then `flags`.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        flags: Overrides,
    ) -> Result<Self, ConfigError> {
        let text = match file {
            Some(path) => Some((
                path,
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?,
            )),
            None => None,
        };
        Self::resolve(
            text.as_ref().map(|(path, text)| (*path, text.as_str())),
            env,
            flags,
        )
    }

    /// Like [`Settings::load`], with the file's text already read: `(path, text)`.
    pub fn resolve(
        file: Option<(&Path, &str)>,
        env: &dyn Fn(&str) -> Option<String>,
        flags: Overrides,
    ) -> Result<Self, ConfigError> {
        let env = |name: &str| env(name).filter(|value| !value.is_empty());
        let from_file = match file {
            Some((path, text)) => toml::from_str::<FileSettings>(text).map_err(|e| {
                ConfigError::File {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                }
                .with_span(text, e.span())
            })?,
            None => FileSettings::default(),
        };

        let env_listen = match env("TOWNHALL_LISTEN") {
            Some(value) => Some(value.parse::<SocketAddr>().map_err(|e| ConfigError::Env {
                name: "TOWNHALL_LISTEN",
                message: format!("`{value}` is not an address and port such as 0.0.0.0:8080: {e}"),
            })?),
            None => None,
        };
        let env_database = match env("TOWNHALL_DATABASE_URL") {
            Some(value) => Some(value.parse::<DatabaseUrl>().map_err(|e| ConfigError::Env {
                name: "TOWNHALL_DATABASE_URL",
                message: e.to_string(),
            })?),
            None => None,
        };
        let file_database = from_file.database.as_deref().map(str::parse).transpose()?;
        let env_page_cache = match env("TOWNHALL_PAGE_CACHE_MIB") {
            Some(value) => Some(value.parse::<usize>().map_err(|e| ConfigError::Env {
                name: "TOWNHALL_PAGE_CACHE_MIB",
                message: format!("`{value}` is not a whole number of MiB: {e}"),
            })?),
            None => None,
        };
        let page_cache_mib = env_page_cache
            .or(from_file.page_cache_mib)
            .unwrap_or(DEFAULT_PAGE_CACHE_MIB);

        let listen = flags
            .listen
            .or(env_listen)
            .or(from_file.listen)
            .unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)));
        let database = match flags.database.or(env_database).or(file_database) {
            Some(database) => database,
            None => DatabaseUrl::Sqlite(data_dir(&env)?.join(DEFAULT_DATABASE_FILE)),
        };
        let tls = match (
            flags
                .tls_cert
                .or(env("TOWNHALL_TLS_CERT").map(PathBuf::from))
                .or(from_file.tls_cert),
            flags
                .tls_key
                .or(env("TOWNHALL_TLS_KEY").map(PathBuf::from))
                .or(from_file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::TlsIncomplete {
                    given: TLS_CERT,
                    missing: TLS_KEY,
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::TlsIncomplete {
                    given: TLS_KEY,
                    missing: TLS_CERT,
                });
            }
        };
        let settings = Self {
            listen,
            database,
            push_body_limit: from_file.push_body_limit.unwrap_or(8 * 1024 * 1024),
            enrol_body_limit: from_file.enrol_body_limit.unwrap_or(16 * 1024),
            enrol_per_minute: from_file.enrol_per_minute.unwrap_or(10),
            enrol_global_per_minute: from_file.enrol_global_per_minute.unwrap_or(120),
            request_timeout: Duration::from_secs(from_file.request_timeout_secs.unwrap_or(30)),
            header_read_timeout: Duration::from_secs(
                from_file.header_read_timeout_secs.unwrap_or(10),
            ),
            tls,
            page_cache_bytes: page_cache_mib.saturating_mul(1024 * 1024),
        };
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let at_least_one = |name, ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError::Invalid {
                    name,
                    problem: "must be at least 1",
                })
            }
        };
        at_least_one("push_body_limit", self.push_body_limit >= 1)?;
        at_least_one("enrol_body_limit", self.enrol_body_limit >= 1)?;
        at_least_one("enrol_per_minute", self.enrol_per_minute >= 1)?;
        at_least_one("enrol_global_per_minute", self.enrol_global_per_minute >= 1)?;
        at_least_one("request_timeout_secs", !self.request_timeout.is_zero())?;
        at_least_one(
            "header_read_timeout_secs",
            !self.header_read_timeout.is_zero(),
        )
    }
}

impl ConfigError {
    /// Adds the line number to a file error, so the operator finds the key.
    fn with_span(self, text: &str, span: Option<std::ops::Range<usize>>) -> Self {
        match (self, span) {
            (Self::File { path, message }, Some(span)) => {
                let line = text
                    .get(..span.start)
                    .map_or(1, |before| before.matches('\n').count() + 1);
                Self::File {
                    path,
                    message: format!("line {line}: {message}"),
                }
            }
            (other, _) => other,
        }
    }
}

/// The settings file: every key optional, unknown keys refused so a typo is not ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<SocketAddr>,
    database: Option<String>,
    push_body_limit: Option<usize>,
    enrol_body_limit: Option<usize>,
    enrol_per_minute: Option<u32>,
    enrol_global_per_minute: Option<u32>,
    request_timeout_secs: Option<u64>,
    header_read_timeout_secs: Option<u64>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    page_cache_mib: Option<usize>,
}

/// Full pull pages kept by default, in MiB of compressed bytes: a page of 1,000 questions is
/// about 150 KiB, so a few hundred pages, a province pulled by laptops that drift apart.
const DEFAULT_PAGE_CACHE_MIB: usize = 64;

/// The TLS settings named the three ways an operator may give them, for error messages.
const TLS_CERT: &str = "the TLS certificate (tls_cert, TOWNHALL_TLS_CERT or --tls-cert)";
const TLS_KEY: &str = "the TLS key (tls_key, TOWNHALL_TLS_KEY or --tls-key)";

/// Where the default database lives: `$TOWNHALL_DATA_DIR`, else `$XDG_DATA_HOME/townhall`,
/// else `~/.local/share/townhall` (the XDG default).
fn data_dir(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, ConfigError> {
    if let Some(dir) = env("TOWNHALL_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    if let Some(dir) = env("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
    {
        return Ok(dir.join("townhall"));
    }
    match env("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/townhall")),
        None => Err(ConfigError::NoDataDir),
    }
}

impl FromStr for DatabaseUrl {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("sqlite://").filter(|p| !p.is_empty()) {
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_owned()));
        }
        Err(ConfigError::DatabaseUrl { given: redact(s) })
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// `url` with any password replaced by `***`: the one in `user:password@`, and any
/// `password=` parameter.
pub fn redact(url: &str) -> String {
    let mut out = match url.split_once("://") {
        Some((scheme, rest)) => {
            // A PostgreSQL driver reads the credentials up to the `@` wherever it is, so a
            // password may hold `/`, `?` or `#`: there the authority ends after the last `@`.
            // (Found by fuzzing: `postgres://u:pa/ss@host` was shown whole.)
            let host_from = match scheme {
                "postgres" | "postgresql" => rest.rfind('@').map_or(0, |at| at + 1),
                _ => 0,
            };
            let authority_end = rest
                .get(host_from..)
                .and_then(|host| host.find(['/', '?', '#']))
                .map_or(rest.len(), |n| host_from + n);
            let (authority, tail) = rest.split_at(authority_end);
            // The host follows the last `@`: a password may itself contain `@`.
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _password)) => format!("{user}:***@{host}"),
                    None => format!("{userinfo}@{host}"),
                },
                None => authority.to_owned(),
            };
            format!("{scheme}://{authority}{tail}")
        }
        None => url.to_owned(),
    };
    let mut from = 0;
    while let Some(found) = out.get(from..).and_then(|rest| rest.find("password=")) {
        let start = from + found + "password=".len();
        let end = out
            .get(start..)
            .and_then(|rest| rest.find(['&', ' ', '#']))
            .map_or(out.len(), |n| start + n);
        out.replace_range(start..end, "***");
        from = start + 3;
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    fn resolve(
        file: Option<&str>,
        vars: &[(&str, &str)],
        flags: Overrides,
    ) -> Result<Settings, ConfigError> {
        Settings::resolve(
            file.map(|text| (Path::new("townhall.toml"), text)),
            &env(vars),
            flags,
        )
    }

    #[test]
    fn defaults() {
        let settings = resolve(None, &[("HOME", "/home/an")], Overrides::default()).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(
            settings.database,
            DatabaseUrl::Sqlite("/home/an/.local/share/townhall/server.sqlite3".into())
        );
        assert_eq!(settings.push_body_limit, 8 * 1024 * 1024);
        assert_eq!(settings.enrol_body_limit, 16 * 1024);
        assert_eq!(settings.enrol_per_minute, 10);
        assert_eq!(settings.request_timeout, Duration::from_secs(30));
        assert_eq!(settings.header_read_timeout, Duration::from_secs(10));
        assert_eq!(settings.page_cache_bytes, 64 * 1024 * 1024);
    }

    #[test]
    fn the_data_directory() {
        let check = |vars: &[(&str, &str)], expected: Option<&str>| {
            let got = resolve(None, vars, Overrides::default());
            match expected {
                Some(path) => assert_eq!(got.unwrap().database, DatabaseUrl::Sqlite(path.into())),
                None => assert!(matches!(got, Err(ConfigError::NoDataDir)), "{got:?}"),
            }
        };
        let home = ("HOME", "/home/an");
        check(
            &[home, ("XDG_DATA_HOME", "/xdg")],
            Some("/xdg/townhall/server.sqlite3"),
        );
        check(
            &[home, ("XDG_DATA_HOME", "relative")],
            Some("/home/an/.local/share/townhall/server.sqlite3"),
        );
        check(
            &[home, ("XDG_DATA_HOME", "")],
            Some("/home/an/.local/share/townhall/server.sqlite3"),
        );
        check(
            &[
                home,
                ("XDG_DATA_HOME", "/xdg"),
                ("TOWNHALL_DATA_DIR", "/srv/th"),
            ],
            Some("/srv/th/server.sqlite3"),
        );
        check(&[], None);
    }

    #[test]
    fn file_then_environment_then_flags() {
        let file = r#"
            listen = "0.0.0.0:9000"
            database = "sqlite:///var/lib/townhall/file.sqlite3"
            push_body_limit = 1024
            enrol_per_minute = 3
            request_timeout_secs = 5
            header_read_timeout_secs = 2
            page_cache_mib = 8
        "#;
        let from_file = resolve(Some(file), &[], Overrides::default()).unwrap();
        assert_eq!(from_file.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(
            from_file.database,
            DatabaseUrl::Sqlite("/var/lib/townhall/file.sqlite3".into())
        );
        assert_eq!(from_file.push_body_limit, 1024);
        assert_eq!(from_file.enrol_per_minute, 3);
        assert_eq!(from_file.request_timeout, Duration::from_secs(5));
        assert_eq!(from_file.header_read_timeout, Duration::from_secs(2));
        assert_eq!(from_file.page_cache_bytes, 8 * 1024 * 1024);

        let vars = [
            ("TOWNHALL_LISTEN", "[::]:9001"),
            ("TOWNHALL_DATABASE_URL", "postgres://th:pw@db/th"),
            ("TOWNHALL_PAGE_CACHE_MIB", "0"),
        ];
        let from_env = resolve(Some(file), &vars, Overrides::default()).unwrap();
        assert_eq!(from_env.listen, "[::]:9001".parse().unwrap());
        assert_eq!(
            from_env.database,
            DatabaseUrl::Postgres("postgres://th:pw@db/th".into())
        );
        assert_eq!(from_env.page_cache_bytes, 0, "0 keeps no pages");
        assert_eq!(
            from_env.push_body_limit, 1024,
            "the file still counts for the rest"
        );

        let flags = Overrides {
            listen: Some("127.0.0.1:9002".parse().unwrap()),
            database: Some("sqlite://flag.sqlite3".parse().unwrap()),
            ..Overrides::default()
        };
        let from_flags = resolve(Some(file), &vars, flags).unwrap();
        assert_eq!(from_flags.listen, "127.0.0.1:9002".parse().unwrap());
        assert_eq!(
            from_flags.database,
            DatabaseUrl::Sqlite("flag.sqlite3".into())
        );
    }

    #[test]
    fn bad_settings_are_explained() {
        let check = |file: Option<&str>, vars: &[(&str, &str)], expected: &str| {
            let err = resolve(file, vars, Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(expected),
                "{err:?} should contain {expected:?}"
            );
            assert!(!err.contains("hunter2"), "{err:?} leaks a password");
        };
        let home = [("HOME", "/h")];
        check(
            Some("listen = \"x\"\nlisen = \"0.0.0.0:1\""),
            &home,
            "line 1: invalid socket address",
        );
        check(
            Some("\nlisen = \"0.0.0.0:1\""),
            &home,
            "line 2: unknown field `lisen`, expected one of `listen`",
        );
        check(
            Some("push_body_limit = -1"),
            &home,
            "townhall.toml is invalid",
        );
        check(
            Some("enrol_per_minute = 0"),
            &home,
            "enrol_per_minute must be at least 1",
        );
        check(
            Some("header_read_timeout_secs = 0"),
            &home,
            "header_read_timeout_secs must be at least 1",
        );
        check(
            Some("database = \"mysql://root:hunter2@db/x\""),
            &home,
            "`mysql://root:***@db/x` is not a database URL",
        );
        check(
            None,
            &[("TOWNHALL_LISTEN", "8080")],
            "TOWNHALL_LISTEN is invalid: `8080` is not an address",
        );
        check(
            None,
            &[("TOWNHALL_DATABASE_URL", "sqlite://")],
            "TOWNHALL_DATABASE_URL is invalid",
        );
        check(
            None,
            &[("HOME", "/h"), ("TOWNHALL_PAGE_CACHE_MIB", "lots")],
            "TOWNHALL_PAGE_CACHE_MIB is invalid: `lots` is not a whole number of MiB",
        );
    }

    #[test]
    fn tls_needs_a_certificate_and_its_key() {
        let home = ("HOME", "/h");
        let check = |file: Option<&str>, vars: &[(&str, &str)], flags: Overrides, expected| {
            let mut vars = vars.to_vec();
            vars.push(home);
            let got = resolve(file, &vars, flags).map(|s| s.tls);
            match (&got, &expected) {
                (Ok(tls), Ok(expected)) => assert_eq!(tls, expected),
                (Err(e), Err(expected)) => {
                    let e = e.to_string();
                    assert!(e.contains(expected), "{e:?} should contain {expected:?}");
                }
                _ => panic!("{got:?} is not {expected:?}"),
            }
        };
        let files = |cert: &str, key: &str| {
            Some(TlsFiles {
                cert: cert.into(),
                key: key.into(),
            })
        };
        check(None, &[], Overrides::default(), Ok(None));
        check(
            Some("tls_cert = \"/etc/th/cert.pem\"\ntls_key = \"/etc/th/key.pem\""),
            &[],
            Overrides::default(),
            Ok(files("/etc/th/cert.pem", "/etc/th/key.pem")),
        );
        check(
            Some("tls_cert = \"/file/cert.pem\"\ntls_key = \"/file/key.pem\""),
            &[("TOWNHALL_TLS_CERT", "/env/cert.pem")],
            Overrides {
                tls_key: Some("/flag/key.pem".into()),
                ..Overrides::default()
            },
            Ok(files("/env/cert.pem", "/flag/key.pem")),
        );
        check(
            Some("tls_cert = \"/etc/th/cert.pem\""),
            &[],
            Overrides::default(),
            Err(
                "the TLS certificate (tls_cert, TOWNHALL_TLS_CERT or --tls-cert) is set but \
                 the TLS key (tls_key, TOWNHALL_TLS_KEY or --tls-key) is not",
            ),
        );
        check(
            None,
            &[("TOWNHALL_TLS_KEY", "/env/key.pem")],
            Overrides::default(),
            Err("the TLS key (tls_key, TOWNHALL_TLS_KEY or --tls-key) is set but"),
        );
    }

    #[test]
    fn database_urls() {
        let check = |url: &str, expected: Option<DatabaseUrl>| {
            assert_eq!(url.parse::<DatabaseUrl>().ok(), expected, "{url}");
        };
        check(
            "sqlite:///var/lib/th.sqlite3",
            Some(DatabaseUrl::Sqlite("/var/lib/th.sqlite3".into())),
        );
        check(
            "sqlite://th.sqlite3",
            Some(DatabaseUrl::Sqlite("th.sqlite3".into())),
        );
        check("sqlite://", None);
        check(
            "postgres://u:p@h/db",
            Some(DatabaseUrl::Postgres("postgres://u:p@h/db".into())),
        );
        check(
            "postgresql://h/db",
            Some(DatabaseUrl::Postgres("postgresql://h/db".into())),
        );
        check("/var/lib/th.sqlite3", None);
        check("mysql://h/db", None);
    }

    #[test]
    fn passwords_with_slashes_are_redacted() {
        let check = |url: &str, expected: &str| assert_eq!(redact(url), expected, "{url}");
        check(
            "postgres://townhall:pa/ss@db/townhall",
            "postgres://townhall:***@db/townhall",
        );
        check(
            "postgresql://u:a?b#c/d@h:5432/db?sslmode=require",
            "postgresql://u:***@h:5432/db?sslmode=require",
        );
        check(
            "postgresql://dastg\u{8}er&/\0\0hall:s3cretpassw0rd@di",
            "postgresql://dastg\u{8}er&/\0\0hall:***@di",
        );
        let db: DatabaseUrl = "postgres://th:se/cr?et@db/th".parse().unwrap();
        assert_eq!(db.to_string(), "postgres://th:***@db/th");
        assert_eq!(format!("{db:?}"), "DatabaseUrl(postgres://th:***@db/th)");
    }

    #[test]
    fn passwords_are_redacted() {
        let check = |url: &str, expected: &str| assert_eq!(redact(url), expected, "{url}");
        check(
            "postgres://user:secret@host/db",
            "postgres://user:***@host/db",
        );
        check(
            "postgresql://u:p@h:5432/db?sslmode=require",
            "postgresql://u:***@h:5432/db?sslmode=require",
        );
        check("postgres://u:p@ss@host/db", "postgres://u:***@host/db");
        check("postgres://user@host/db", "postgres://user@host/db");
        check("postgres://host/db", "postgres://host/db");
        check(
            "postgres://host/db?user=u&password=secret&x=1",
            "postgres://host/db?user=u&password=***&x=1",
        );
        check(
            "postgres://host/db?password=a&password=b",
            "postgres://host/db?password=***&password=***",
        );
        check(
            "host=h password=secret dbname=d",
            "host=h password=*** dbname=d",
        );
        check("sqlite:///a:b@c/d", "sqlite:///a:b@c/d");

        let db = DatabaseUrl::Postgres("postgres://th:secret@db/th".into());
        assert_eq!(db.to_string(), "postgres://th:***@db/th");
        let settings = resolve(
            None,
            &[("HOME", "/h")],
            Overrides {
                database: Some(db),
                ..Overrides::default()
            },
        )
        .unwrap();
        let debug = format!("{settings:?}");
        assert!(
            debug.contains("postgres://th:***@db/th") && !debug.contains("secret"),
            "{debug}"
        );
    }
}

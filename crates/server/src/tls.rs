//! HTTPS: the certificate and key from the settings, loaded once at startup into a TLS
//! acceptor that [`crate::http::serve_over`] wraps each connection in.
//!
//! Provincial servers may sit on a network the secretariat does not control, so tokens and
//! citizens' words should not cross it in the clear. A server behind a reverse proxy that ends
//! TLS, or on loopback, needs none of this and serves plain HTTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::{Settings, TlsFiles};

/// How long a client may take to finish the TLS handshake after connecting: one that connects
/// and never speaks is dropped instead of holding a connection forever.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How the server talks to clients on an accepted connection.
#[derive(Clone)]
pub enum Transport {
    /// Plain HTTP.
    Plain,
    /// HTTPS: each connection is a TLS session first.
    Tls(TlsAcceptor),
}

/// Why the certificate or key could not be used; each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read the TLS {what} file {}: {error}", path.display())]
    Read {
        /// `certificate` or `key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What failed; in the message, so not also a `source` that `{:#}` would repeat.
        error: std::io::Error,
    },
    /// A file is not PEM, or holds no item of the kind expected.
    #[error("the TLS {what} file {} {problem}", path.display())]
    Pem {
        /// `certificate` or `key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// TLS refused the pair, e.g. because the key is not the certificate's.
    #[error("the TLS certificate {} and key {} cannot be used: {message}", cert.display(), key.display())]
    Refused {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// TLS's reason.
        message: String,
    },
}

impl Transport {
    /// HTTPS with the settings' certificate and key if they name them, plain HTTP otherwise.
    pub fn from_settings(settings: &Settings) -> Result<Self, TlsError> {
        match &settings.tls {
            Some(files) => Ok(Self::Tls(acceptor(files)?)),
            None => Ok(Self::Plain),
        }
    }

    /// `https` or `http`, for addresses shown to people.
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::Plain => "http",
            Self::Tls(_) => "https",
        }
    }
}

/// A TLS acceptor serving the certificate chain and key in `files`, offering HTTP/1.1 by ALPN.
pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, TlsError> {
    let chain = certificates(&files.cert)?;
    let key = private_key(&files.key)?;
    let refused = |e: tokio_rustls::rustls::Error| TlsError::Refused {
        cert: files.cert.clone(),
        key: files.key.clone(),
        message: e.to_string(),
    };
    // The provider is named rather than taken from the process default, which would be
    // ambiguous (and a panic) if another crate ever enabled a second one.
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(refused)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(refused)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Every certificate in the PEM file at `path`; at least one.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let what = "certificate";
    let text = read(what, path)?;
    let chain = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| not_pem(what, path, &e))?;
    if chain.is_empty() {
        return Err(TlsError::Pem {
            what,
            path: path.to_owned(),
            problem: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
        });
    }
    Ok(chain)
}

/// The first private key in the PEM file at `path`.
fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let what = "key";
    let text = read(what, path)?;
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| match e {
        pem::Error::NoItemsFound => TlsError::Pem {
            what,
            path: path.to_owned(),
            problem: "holds no PEM private key (-----BEGIN PRIVATE KEY-----)".to_owned(),
        },
        e => not_pem(what, path, &e),
    })
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read {
        what,
        path: path.to_owned(),
        error,
    })
}

fn not_pem(what: &'static str, path: &Path, error: &pem::Error) -> TlsError {
    TlsError::Pem {
        what,
        path: path.to_owned(),
        problem: format!("is not valid PEM: {error}"),
    }
}

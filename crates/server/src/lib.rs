//! Townhall's central server: it authenticates devices, applies their mutations with the same
//! domain rules they use, orders every change in one log, and serves each device the changes in
//! its scope.
//!
//! - [`engine`]: push and pull semantics, inside one store transaction.
//! - [`store`]: the [`store::Store`] trait and its SQLite and PostgreSQL backends.
//! - [`http`]: the sync API over HTTP (axum): enrolment, push, pull, status, health.
//! - [`tls`]: HTTPS with the certificate and key the settings name.
//! - [`auth`]: device tokens, enrolment codes and the enrolment rate limit.
//! - [`config`]: the server's settings, from a TOML file, the environment and flags.
//! - [`clock`]: the one reader of the wall clock; everything else is handed the time.

pub mod auth;
pub mod clock;
pub mod config;
pub mod engine;
pub mod http;
pub mod pages;
pub mod store;
pub mod tls;

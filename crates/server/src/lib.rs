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
// The store contract every backend's tests run, so it is compiled in but kept out of the docs.
// Beside the store rather than in it: it drives the engine, which uses the store.
#[doc(hidden)]
pub mod contract;
pub mod engine;
pub mod http;
pub mod pages;
pub mod store;
pub mod tls;

//! Townhall's development server: the app's commands and events over HTTP, with no WebView.
//!
//! The web UI in a plain browser (`npm run dev`) and its Chromium tests talk to the real
//! `townhall-core` through it: `POST /invoke/<command>` takes the JSON arguments the UI's
//! `invoke` sends and answers the command's value, or its `CommandError` with a 4xx status;
//! `GET /events` streams the app's events (`sync-badge`, `data-changed`, `reminder`) as
//! Server-Sent Events. The dispatch is generated from the one command list of
//! `townhall-core` ([`townhall_core::app_commands!`]), as the app's Tauri handlers are, so the
//! two cannot differ.
//!
//! Each page opens a session (`POST /session {"scenario": "secretariat"}`) and gets a fresh
//! temporary replica built from the shared fixtures, so pages running side by side never see
//! each other's writes; the `/control/<session>/…` routes set its clock, latency, reachability
//! and failures, read back the calls it served, and hand out real enrolment codes of the
//! server it runs on loopback.

pub mod http;
pub mod scenario;
pub mod session;

//! `townhall-devserver [--listen ADDR] [--dist DIR] [--tauri-conf FILE]`: the app's commands
//! over HTTP for the web UI in a plain browser (see the crate's library docs).
//!
//! It starts the real Townhall server on loopback too, for enrolment in the `fresh` scenario,
//! and prints `listening on http://ADDR` once it takes requests.

#![allow(
    clippy::print_stdout,
    reason = "a development server says where it listens"
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use townhall_devserver::http::{DevServer, csp_from_tauri_conf};
use townhall_testkit::server::TestServer;

fn main() -> Result<()> {
    let mut listen: SocketAddr = "127.0.0.1:1421".parse()?;
    let mut dist = PathBuf::from("ui/dist");
    let mut conf = PathBuf::from("src-tauri/tauri.conf.json");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--listen", Some(v)) => listen = v.parse().with_context(|| format!("--listen {v}"))?,
            ("--dist", Some(v)) => dist = PathBuf::from(v),
            ("--tauri-conf", Some(v)) => conf = PathBuf::from(v),
            _ => {
                bail!("usage: townhall-devserver [--listen ADDR] [--dist DIR] [--tauri-conf FILE]")
            }
        }
    }
    let csp = csp_from_tauri_conf(
        &std::fs::read_to_string(&conf).with_context(|| format!("reading {}", conf.display()))?,
    )?;
    // Started before this process's runtime: the server runs its own.
    let enrolment = Arc::new(TestServer::start().context("starting the enrolment server")?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        println!("listening on http://{}", listener.local_addr()?);
        let server = DevServer::new(dist, csp, Some(enrolment));
        server.prebuild_big();
        let app = server.router();
        axum::serve(listener, app).await?;
        Ok(())
    })
}

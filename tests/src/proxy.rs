//! A fault-injecting HTTP proxy for sync tests.
//!
//! It sits between a device and the server on 127.0.0.1 and, for each request, follows a
//! seeded schedule: pass it through, drop it before the server sees it, drop the response
//! after the server committed, reset the connection half-way through the body, send it to the
//! server twice, or delay it. One request per connection (it asks the server to close after
//! answering), so each fault hits exactly one request.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What the proxy does to one request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    /// Passed through untouched.
    None,
    /// The connection is closed before the server sees the request.
    DropRequest,
    /// The server handles the request; the device never sees the answer.
    DropResponse,
    /// Half the request reaches the server, then the connection is reset.
    ResetMidBody,
    /// The server receives the request twice; the device sees the second answer.
    Duplicate,
    /// The request waits this many milliseconds before going on.
    Delay(u64),
}

/// Counts of what the proxy did.
#[derive(Debug, Default)]
pub struct FaultCounts {
    /// Requests seen while faults were enabled.
    pub requests: AtomicU64,
    /// Requests given a fault other than a delay.
    pub faults: AtomicU64,
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    /// The address devices connect to.
    pub addr: SocketAddr,
    /// Whether faults are injected (off: a plain pass-through).
    pub enabled: Arc<AtomicBool>,
    /// What it did.
    pub counts: Arc<FaultCounts>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` whose faults follow `seed`, each request faulty with
    /// probability `fault_rate`.
    pub fn start(upstream: SocketAddr, seed: u64, fault_rate: f64) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let enabled = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(FaultCounts::default());
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let (enabled2, stop2, counts2) = (enabled.clone(), stop.clone(), counts.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let fault = if enabled2.load(Ordering::SeqCst) {
                    counts2.requests.fetch_add(1, Ordering::Relaxed);
                    pick(
                        &mut rng.lock().unwrap_or_else(|p| p.into_inner()),
                        fault_rate,
                    )
                } else {
                    Fault::None
                };
                if !matches!(fault, Fault::None | Fault::Delay(_)) {
                    counts2.faults.fetch_add(1, Ordering::Relaxed);
                }
                thread::spawn(move || {
                    let _ = handle(stream, upstream, fault);
                });
            }
        });
        Ok(Self {
            addr,
            enabled,
            counts,
            stop,
        })
    }

    /// The URL devices use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn pick(rng: &mut StdRng, fault_rate: f64) -> Fault {
    if !rng.random_bool(fault_rate.clamp(0.0, 1.0)) {
        return Fault::None;
    }
    match rng.random_range(0..5) {
        0 => Fault::DropRequest,
        1 => Fault::DropResponse,
        2 => Fault::ResetMidBody,
        3 => Fault::Duplicate,
        _ => Fault::Delay(rng.random_range(1..80)),
    }
}

/// Reads one HTTP/1.1 request (headers and a `Content-Length` body) and returns it with
/// `Connection: close`, so the server ends the connection after its answer.
fn read_request(stream: &mut TcpStream) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            bail!("the client closed before sending a request");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            bail!("the client closed mid-body");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut out: Vec<u8> = Vec::with_capacity(buf.len() + 20);
    for line in head.trim_end().split("\r\n") {
        if line.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(&buf[header_end..header_end + length]);
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends a request to the server and reads its whole answer (until it closes).
fn exchange(upstream: SocketAddr, request: &[u8]) -> Result<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).context("connecting to the server")?;
    server.set_read_timeout(Some(Duration::from_secs(30)))?;
    server.write_all(request)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    Ok(response)
}

fn handle(mut client: TcpStream, upstream: SocketAddr, fault: Fault) -> Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = read_request(&mut client)?;
    match fault {
        Fault::DropRequest => {}
        Fault::ResetMidBody => {
            let mut server = TcpStream::connect(upstream)?;
            server.write_all(&request[..request.len() / 2])?;
            let _ = server.shutdown(Shutdown::Both);
        }
        Fault::DropResponse => {
            exchange(upstream, &request)?;
        }
        Fault::Duplicate => {
            exchange(upstream, &request)?;
            let response = exchange(upstream, &request)?;
            client.write_all(&response)?;
        }
        Fault::Delay(ms) => {
            thread::sleep(Duration::from_millis(ms));
            let response = exchange(upstream, &request)?;
            client.write_all(&response)?;
        }
        Fault::None => {
            let response = exchange(upstream, &request)?;
            client.write_all(&response)?;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

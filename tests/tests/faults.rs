//! Sync through network faults: nothing lost, nothing duplicated, every replica converges.
//!
//! For each of many seeded schedules, three recorders capture while a fault-injecting proxy
//! sits between them and the real server: requests dropped before the server sees them,
//! responses dropped after the server committed, connections reset half-way through a body,
//! requests delivered twice, and delays. Afterwards, with the network healed, every replica
//! must equal what a fresh device pulls from the server, every capture must be on the server
//! exactly once, and every capture the server acknowledged during the faults must have been
//! there already.
//!
//! `TOWNHALL_FAULT_SCHEDULES` sets how many schedules run (200 by default);
//! `TOWNHALL_FAULT_SEED` replays one schedule.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use townhall_domain::{QuestionId, Role};
use townhall_server::store::{PullScope, Store};
use townhall_testkit::server::TestServer;
use townhall_tests::devices::{
    Device, capture, dialogue, enrol, runtime, snapshot, sync_now, try_sync,
};
use townhall_tests::proxy::FaultProxy;

const DEVICES: usize = 3;

/// The ids of every question captured in the server's change log, once per log entry.
fn server_captures(server: &TestServer) -> Vec<QuestionId> {
    let scope = PullScope {
        everything: true,
        localities: Vec::new(),
        agency: None,
    };
    let mut since = 0;
    let mut ids = Vec::new();
    loop {
        let page = server.store.pull(&scope, since, 1_000).unwrap();
        for entry in page.entries().unwrap() {
            if let townhall_domain::mutation::Change::CaptureQuestion { id, .. } =
                entry.mutation.change
            {
                ids.push(id);
            }
        }
        since = page.next;
        if !page.more {
            return ids;
        }
    }
}

fn run_schedule(seed: u64) -> (u64, u64) {
    let rt = runtime();
    let server = TestServer::start().unwrap();
    let proxy = FaultProxy::start(server.addr, seed, 0.35).unwrap();
    proxy.enabled.store(false, Ordering::SeqCst);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
    let dialogue = dialogue(&rt, &secretariat);
    let devices: Vec<Device> = (0..DEVICES)
        .map(|i| {
            enrol(
                &rt,
                &server,
                &proxy.url(),
                Role::Recorder,
                &format!("Thư ký {i}"),
            )
        })
        .collect();
    for device in &devices {
        sync_now(&rt, device);
    }

    proxy.enabled.store(true, Ordering::SeqCst);
    let mut captured: Vec<(usize, QuestionId)> = Vec::new();
    for step in 0..24 {
        let i = rng.random_range(0..DEVICES);
        if rng.random_bool(0.5) {
            captured.push((i, capture(&devices[i], dialogue, &mut rng, step)));
            continue;
        }
        let _ = try_sync(&rt, &devices[i]);
        // Every capture the server has acknowledged to this device must be on the server.
        let pending: HashSet<_> = devices[i]
            .replica
            .lock()
            .unwrap()
            .pending_push(10_000)
            .unwrap()
            .into_iter()
            .map(|p| p.mutation.change.entity_id())
            .collect();
        let on_server: HashSet<QuestionId> = server_captures(&server).into_iter().collect();
        for (_, id) in captured
            .iter()
            .filter(|(d, id)| *d == i && !pending.contains(&id.as_uuid()))
        {
            assert!(
                on_server.contains(id),
                "seed {seed}: acknowledged capture {id} is not on the server"
            );
        }
    }

    // The network heals; everyone syncs until quiet.
    proxy.enabled.store(false, Ordering::SeqCst);
    for _ in 0..2 {
        for device in &devices {
            sync_now(&rt, device);
        }
    }
    let observer = enrol(&rt, &server, &server.url, Role::Secretariat, "Quan sát");
    sync_now(&rt, &observer);
    let expected = snapshot(&observer);

    let on_server = server_captures(&server);
    let unique: HashSet<_> = on_server.iter().collect();
    assert_eq!(
        unique.len(),
        on_server.len(),
        "seed {seed}: a capture was applied twice"
    );
    assert_eq!(
        on_server.len(),
        captured.len(),
        "seed {seed}: captures lost or invented"
    );
    for (_, id) in &captured {
        assert!(expected.contains_key(id), "seed {seed}: capture {id} lost");
    }
    for (i, device) in devices.iter().enumerate() {
        assert_eq!(
            snapshot(device),
            expected,
            "seed {seed}: device {i} did not converge"
        );
        let replica = device.replica.lock().unwrap();
        let status = replica.sync_status().unwrap();
        assert_eq!(
            (status.unsent, status.rejected),
            (0, 0),
            "seed {seed}: device {i}"
        );
        assert_eq!(
            replica.rejected_mutations().unwrap(),
            [],
            "seed {seed}: device {i}"
        );
    }
    (
        proxy.counts.requests.load(Ordering::Relaxed),
        proxy.counts.faults.load(Ordering::Relaxed),
    )
}

#[test]
fn sync_survives_seeded_network_faults() {
    let schedules: u64 = std::env::var("TOWNHALL_FAULT_SCHEDULES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let seeds: Vec<u64> = match std::env::var("TOWNHALL_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (1..=schedules).collect(),
    };
    let (mut requests, mut faults) = (0, 0);
    for seed in &seeds {
        let (r, f) = run_schedule(*seed);
        requests += r;
        faults += f;
    }
    println!(
        "{} schedules, {requests} requests through the proxy, {faults} of them faulted",
        seeds.len()
    );
    assert!(
        faults * 10 > requests,
        "the proxy injected too few faults to prove anything"
    );
}

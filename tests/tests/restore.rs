//! A server restored from an older backup: devices notice, start over, and send again what the
//! server lost, so nothing captured is lost.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on purpose")]

use rand::SeedableRng;
use rand::rngs::StdRng;
use townhall_bench::server::TestServer;
use townhall_domain::Role;
use townhall_server::store::Store;
use townhall_tests::devices::{Device, capture, dialogue, enrol, runtime, snapshot, sync_now};

#[test]
fn devices_resend_what_a_restored_server_lost() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    let backup = dir.path().join("backup.sqlite3");
    let mut server = TestServer::start_on(&db, "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = server.addr;
    let mut rng = StdRng::seed_from_u64(5);
    let secretariat = enrol(&rt, &server, &server.url, Role::Secretariat, "Văn phòng");
    let dialogue = dialogue(&rt, &secretariat);
    let devices: Vec<Device> = (0..2)
        .map(|i| {
            enrol(
                &rt,
                &server,
                &server.url,
                Role::Recorder,
                &format!("Thư ký {i}"),
            )
        })
        .collect();
    let mut captured = Vec::new();
    for (i, device) in devices.iter().enumerate() {
        sync_now(&rt, device);
        captured.push(capture(device, dialogue, &mut rng, i));
        sync_now(&rt, device);
    }
    // The nightly backup.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("VACUUM INTO ?1", [backup.to_str().unwrap()])
        .unwrap();
    drop(conn);
    let epoch_before = server.store.epoch().unwrap();

    // A day of work that the backup does not hold.
    for (i, device) in devices.iter().enumerate() {
        captured.push(capture(device, dialogue, &mut rng, 10 + i));
        captured.push(capture(device, dialogue, &mut rng, 20 + i));
        sync_now(&rt, device);
    }
    sync_now(&rt, &secretariat);

    // The disk fails; the administrator restores the backup, which gives the server a new epoch.
    server.stop();
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&backup, &db).unwrap();
    let server = TestServer::start_on(&db, addr).unwrap();
    server.store.rotate_epoch().unwrap();
    assert_ne!(server.store.epoch().unwrap(), epoch_before);

    for device in devices.iter().chain([&secretariat]) {
        let report = sync_now(&rt, device);
        assert!(report.restarted, "a device must notice the restore");
    }
    for device in devices.iter().chain([&secretariat]) {
        sync_now(&rt, device);
    }
    let observer = enrol(&rt, &server, &server.url, Role::Secretariat, "Quan sát");
    sync_now(&rt, &observer);
    let expected = snapshot(&observer);
    for id in &captured {
        assert!(
            expected.contains_key(id),
            "capture {id} was lost in the restore"
        );
    }
    assert_eq!(expected.len(), captured.len());
    for (i, device) in devices.iter().enumerate() {
        assert_eq!(snapshot(device), expected, "device {i}");
    }
    assert_eq!(snapshot(&secretariat), expected);
}

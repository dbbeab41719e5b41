//! The server's PostgreSQL store against a real PostgreSQL.
//!
//! One server for the whole file ([`PostgresServer::shared`]), one fresh database per store.
//! The store contract every backend passes runs first; the rest checks what only a server with
//! real concurrency can show: writers on several connections, and pullers reading while they
//! commit. The store's client blocks, so every test runs on plain threads.

#![allow(clippy::unwrap_used, reason = "test code fails loudly on purpose")]

use std::collections::BTreeSet;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use postgres::{Client, NoTls};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use townhall_domain::ids::uuid_v7;
use townhall_domain::mutation::{Change, Mutation};
use townhall_domain::wire::{Author, LogEntry, PushItem, PushResponse};
use townhall_domain::{
    DeviceId, Hlc, Level, Locality, LocalityId, MutationId, Role, Topic, TopicId, UserId,
};
use townhall_server::contract;
use townhall_server::engine::{self, PushError};
use townhall_server::store::Entity;
use townhall_server::store::postgres::PostgresStore;
use townhall_server::store::{
    Device, EnrolRefusal, EnrolmentCode, PullScope, Store, StoreError, Tags, User,
};
use townhall_tests::postgres::PostgresServer;
use uuid::Uuid;

#[test]
fn the_store_contract_holds() {
    contract::run_all(&fresh_store);
}

#[test]
fn state_survives_reopening() {
    let url = server().create_database().unwrap();
    contract::check_reopen(&|| PostgresStore::connect(&url).unwrap());
}

#[test]
fn migrations_run_once_even_when_servers_start_together() {
    let url = server().create_database().unwrap();
    let barrier = Barrier::new(4);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                barrier.wait();
                PostgresStore::connect(&url).unwrap();
            });
        }
    });
    let mut client = Client::connect(&url, NoTls).unwrap();
    let versions: Vec<i64> = client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [1]);
    // A restart on a migrated database with data in it keeps the data.
    let store = PostgresStore::connect(&url).unwrap();
    store.create_user(&user(1)).unwrap();
    let epoch = store.epoch().unwrap();
    drop(store);
    let store = PostgresStore::connect(&url).unwrap();
    assert_eq!(
        (store.users().unwrap(), store.epoch().unwrap()),
        (vec![user(1)], epoch)
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let url = server().create_database().unwrap();
    drop(PostgresStore::connect(&url).unwrap());
    let mut client = Client::connect(&url, NoTls).unwrap();
    client
        .execute("INSERT INTO schema_migrations (version) VALUES (999)", &[])
        .unwrap();
    let err = PostgresStore::connect(&url).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerSchema {
                found: 999,
                known: 1
            }
        ),
        "{err:?}"
    );
}

#[test]
fn an_unreachable_database_is_a_database_error() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let err = PostgresStore::connect("postgresql://postgres@127.0.0.1:1/none").unwrap_err();
    assert!(
        matches!(&err, StoreError::Database(m) if m.contains("connect")),
        "{err:?}"
    );
    let err = PostgresStore::connect("not a url = =").unwrap_err();
    assert!(
        matches!(&err, StoreError::Database(m) if m.contains("invalid database URL")),
        "{err:?}"
    );
}

#[test]
fn a_puller_never_sees_a_later_position_before_an_earlier_one_commits() {
    const WRITERS: u8 = 4;
    const WRITES: u16 = 60;
    let total = u64::from(WRITERS) * u64::from(WRITES);
    // Writers 0 and 1 share a server; 2 and 3 each have one of their own, as server processes
    // sharing the database would. The pullers use the first.
    let servers = servers(3);
    let store_of = |writer: u8| &servers[usize::from(writer.saturating_sub(1))];
    let store = &servers[0];
    let done = AtomicBool::new(false);
    let everything = PullScope {
        everything: true,
        localities: vec![],
        agency: None,
    };
    // Writer 0's changes alone, as a recorder in its commune would pull them.
    let commune = PullScope {
        everything: false,
        localities: vec![locality(0)],
        agency: None,
    };

    let (taken, pulled, pulled_in_commune) = thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let store = store_of(writer);
                s.spawn(move || {
                    let mut rng = StdRng::seed_from_u64(u64::from(writer));
                    let mut taken = Vec::new();
                    for n in 0..WRITES {
                        // Pauses between taking a position and committing it widen the window
                        // in which a later position could become visible first.
                        let pause = Duration::from_micros(rng.random_range(0..1_500));
                        let seq = store
                            .write(|tx| {
                                let seq = tx.next_server_seq()?;
                                thread::sleep(pause);
                                tx.append_change(&entry(seq, writer, n), &tags_of(writer))?;
                                thread::sleep(pause);
                                Ok(seq)
                            })
                            .unwrap();
                        taken.push(seq);
                    }
                    taken
                })
            })
            .collect();
        let puller = |scope: PullScope| {
            let (store, done) = (&store, &done);
            s.spawn(move || {
                let mut cursor = 0;
                let mut seen = Vec::new();
                for _ in 0..1_000_000 {
                    let finished = done.load(Ordering::SeqCst);
                    let page = store.pull(&scope, cursor, 7).unwrap();
                    if scope.everything {
                        // Every change is in scope, so a page must continue the log without a
                        // hole: a hole is a later commit seen before an earlier one.
                        let seqs: Vec<u64> = page.changes.iter().map(|e| e.server_seq).collect();
                        let expected: Vec<u64> = (cursor + 1..).take(seqs.len()).collect();
                        assert_eq!(seqs, expected, "a hole in the log after {cursor}");
                        if !page.more {
                            assert_eq!(page.next, seqs.last().copied().unwrap_or(cursor));
                        }
                    }
                    assert!(
                        page.next >= cursor,
                        "the cursor went back from {cursor} to {}",
                        page.next
                    );
                    seen.extend(page.entries().unwrap());
                    cursor = page.next;
                    // `done` was read before this pull, so this page saw every commit.
                    if finished && !page.more {
                        return seen;
                    }
                }
                panic!("the puller never reached the end of the log; it is at {cursor}")
            })
        };
        let all = puller(everything);
        let in_commune = puller(commune);
        let taken: Vec<_> = writers.into_iter().map(|w| w.join()).collect();
        // Even when a writer failed, so that the pullers stop and the failure shows.
        done.store(true, Ordering::SeqCst);
        let (all, in_commune) = (all.join(), in_commune.join());
        let taken: Vec<Vec<u64>> = taken.into_iter().map(|t| t.unwrap()).collect();
        (taken, all.unwrap(), in_commune.unwrap())
    });

    // Each writer's positions rise, and together they are 1..=total, each taken once.
    for seqs in &taken {
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    }
    let all: BTreeSet<u64> = taken.iter().flatten().copied().collect();
    assert_eq!(all, (1..=total).collect());
    assert_eq!(pulled.len() as u64, total);
    assert_eq!(store.server_seq().unwrap(), total);
    // The scoped puller skipped changes out of its scope, but none of its own.
    let expected: Vec<u64> = taken[0].clone();
    let got: Vec<u64> = pulled_in_commune.iter().map(|e| e.server_seq).collect();
    assert_eq!(got, expected);
    assert!(
        pulled_in_commune
            .iter()
            .all(|e| e.mutation.device == device_id(0))
    );
}

#[test]
fn concurrent_read_modify_writes_lose_no_update() {
    // The engine reads a record, merges and writes it back. Four writers each add 1 to the same
    // record 25 times; if two could read the same value, the total would fall short.
    const WRITERS: u16 = 4;
    const WRITES: u16 = 25;
    // Writers 0 and 1 share a server; 2 and 3 each have their own.
    let servers = servers(3);
    let store_of = |writer: u16| &servers[usize::from(writer.saturating_sub(1))];
    let store = &servers[0];
    let id = TopicId::from_uuid(uuid(1));
    let counter = |count: u32| {
        Entity::Topic(Topic {
            id,
            name: count.to_string(),
            archived: false,
        })
    };
    let reference = Tags {
        reference: true,
        ..Tags::default()
    };
    store
        .write(|tx| tx.put_entity(id.as_uuid(), &counter(0), &reference))
        .unwrap();
    thread::scope(|s| {
        for writer in 0..WRITERS {
            let store = store_of(writer);
            s.spawn(move || {
                for n in 0..WRITES {
                    store
                        .write(|tx| {
                            let Some(Entity::Topic(topic)) = tx.entity(id.as_uuid())? else {
                                panic!("the counter record is gone")
                            };
                            let count: u32 = topic.name.parse().unwrap();
                            thread::sleep(Duration::from_micros(300));
                            tx.put_entity(id.as_uuid(), &counter(count + 1), &reference)?;
                            let seq = tx.next_server_seq()?;
                            tx.append_change(&entry(seq, writer as u8, n), &reference)
                        })
                        .unwrap();
                }
            });
        }
    });
    let held = store.write(|tx| tx.entity(id.as_uuid())).unwrap();
    assert_eq!(held, Some(counter(u32::from(WRITERS * WRITES))));
}

#[test]
fn concurrent_pushes_apply_each_mutation_once() {
    const DEVICES: u8 = 3;
    const BATCHES: u64 = 4;
    const BATCH: u64 = 25;
    // The two senders of each device use two servers sharing the database.
    let servers = servers(2);
    let store = &servers[0];
    let devices: Vec<Device> = (1..=DEVICES).map(|n| enrol_secretariat(store, n)).collect();
    let batch = |device: &Device, first: u64| -> Vec<PushItem> {
        (first..first + BATCH)
            .map(|seq| topic_item(device, seq))
            .collect()
    };
    let responses: Vec<Vec<PushResponse>> = thread::scope(|s| {
        let handles: Vec<_> = devices
            .iter()
            .flat_map(|device| {
                // Each device pushes its batches from two threads at once, as when a response
                // was lost and the device resent while the first request still ran.
                (0..2).map(move |sender| (device, sender, batch))
            })
            .map(|(device, sender, batch)| {
                let store = &servers[sender];
                s.spawn(move || {
                    (0..BATCHES)
                        .map(|b| push(store, device, &batch(device, 1 + b * BATCH)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    // The two senders of a device got the same results: the slower one's were the stored ones.
    // (`last_applied_seq` may differ: it is how far the device is when the answer is made.)
    for pair in responses.chunks(2) {
        let results =
            |r: &Vec<PushResponse>| r.iter().map(|r| r.results.clone()).collect::<Vec<_>>();
        assert!(
            results(&pair[0]) == results(&pair[1]),
            "two senders got different results"
        );
        for (b, response) in (1..).zip(&pair[0]) {
            assert!(response.last_applied_seq >= b * BATCH && response.gap.is_none());
        }
    }
    let total = u64::from(DEVICES) * BATCHES * BATCH;
    let everything = PullScope {
        everything: true,
        localities: vec![],
        agency: None,
    };
    let log = store.pull(&everything, 0, 1_000).unwrap();
    assert_eq!(log.changes.len() as u64, total);
    let entries = log.entries().unwrap();
    let ids: BTreeSet<MutationId> = entries.iter().map(|e| e.mutation.id).collect();
    assert_eq!(ids.len() as u64, total, "a mutation was applied twice");
    for (n, device) in devices.iter().enumerate() {
        assert_eq!(
            store.devices().unwrap()[n].last_applied_seq,
            BATCHES * BATCH
        );
        // A device's mutations are logged in its own order.
        let seqs: Vec<u64> = entries
            .iter()
            .filter(|e| e.mutation.device == device.id)
            .map(|e| e.mutation.hlc.counter.into())
            .collect();
        assert_eq!(seqs, (1..=BATCHES * BATCH).collect::<Vec<_>>());
    }
}

#[test]
fn a_code_enrols_one_device_even_when_presented_twice_at_once() {
    let store = fresh_store();
    store.create_user(&user(1)).unwrap();
    for code in 1..=4 {
        let code = EnrolmentCode {
            code_hash: [code; 32],
            user: user(1).id,
            expires_at: at(60),
        };
        store.add_enrolment_code(&code).unwrap();
    }
    // Eight devices, two per code, all at once.
    let barrier = Barrier::new(8);
    let outcomes: Vec<Result<Device, EnrolRefusal>> = thread::scope(|s| {
        let handles: Vec<_> = (0..8u8)
            .map(|n| {
                let (store, barrier) = (&store, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let code = [n / 2 + 1; 32];
                    store
                        .enrol(code, device_id(n), "Máy tính bảng", [n + 100; 32], at(0))
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for pair in outcomes.chunks(2) {
        let used = pair
            .iter()
            .filter(|o| **o == Err(EnrolRefusal::Used))
            .count();
        assert_eq!(
            (used, pair.iter().filter(|o| o.is_ok()).count()),
            (1, 1),
            "{pair:?}"
        );
    }
    let mut letters: Vec<String> = outcomes
        .iter()
        .flatten()
        .map(|d| d.letter.to_string())
        .collect();
    letters.sort();
    assert_eq!(letters, ["A", "B", "C", "D"]);
}

#[test]
fn text_with_a_nul_character_is_refused_not_mangled() {
    // PostgreSQL stores no U+0000 in TEXT or JSONB. The engine's validation refuses control
    // characters before they reach the store; the store itself fails cleanly, storing nothing.
    let store = fresh_store();
    let topic = Topic {
        id: TopicId::from_uuid(uuid(1)),
        name: "Đất\u{0}đai".to_owned(),
        archived: false,
    };
    let reference = Tags {
        reference: true,
        ..Tags::default()
    };
    let err = store
        .write(|tx| {
            tx.put_entity(
                topic.id.as_uuid(),
                &Entity::Topic(topic.clone()),
                &reference,
            )
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert_eq!(
        store.write(|tx| tx.entity(topic.id.as_uuid())).unwrap(),
        None
    );
    store.create_user(&user(1)).unwrap();
    store
        .add_enrolment_code(&EnrolmentCode {
            code_hash: [1; 32],
            user: user(1).id,
            expires_at: at(60),
        })
        .unwrap();
    let err = store
        .enrol([1; 32], device_id(1), "Máy\u{0}", [2; 32], at(0))
        .unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    // The HTTP layer refuses control characters in device names with a 400 before they reach
    // a store (crates/server/tests/http.rs); here the store reports the database's refusal,
    // the code is not used up, and the failed enrolment handed out no letter.
    let device = store
        .enrol([1; 32], device_id(1), "Máy 1", [2; 32], at(0))
        .unwrap()
        .unwrap();
    assert_eq!(device.letter.as_str(), "A");
}

#[test]
fn a_panic_inside_a_write_rolls_back_and_writes_go_on() {
    let store = fresh_store();
    let reference = Tags {
        reference: true,
        ..Tags::default()
    };
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.write(|tx| -> Result<(), StoreError> {
            let seq = tx.next_server_seq()?;
            tx.append_change(&entry(seq, 0, 0), &reference)?;
            panic!("a bug in the engine")
        })
    }));
    assert!(panicked.is_err());
    // The rollback released the log's counter row, and the writer mutex the panic poisoned
    // guards no data: writes from other threads go through.
    thread::scope(|s| {
        let writes: Vec<_> = (0..4)
            .map(|_| s.spawn(|| store.write(|tx| tx.localities())))
            .collect();
        for write in writes {
            assert_eq!(write.join().unwrap().unwrap(), []);
        }
    });
    let seq = store
        .write(|tx| {
            let seq = tx.next_server_seq()?;
            tx.append_change(&entry(seq, 0, 1), &reference)?;
            Ok(seq)
        })
        .unwrap();
    assert_eq!(
        seq, 1,
        "positions of rolled-back writes are handed out again"
    );
    let everything = PullScope {
        everything: true,
        localities: vec![],
        agency: None,
    };
    assert_eq!(
        store.pull(&everything, 0, 10).unwrap().entries().unwrap(),
        [entry(1, 0, 1)]
    );
}

#[test]
fn localities_written_in_a_transaction_are_read_back_in_it() {
    let store = fresh_store();
    let reference = Tags {
        reference: true,
        ..Tags::default()
    };
    let commune = |name: &str| Locality {
        id: locality(1),
        name: name.to_owned(),
        level: Level::Commune,
        parent: None,
    };
    store
        .write(|tx| {
            assert_eq!(tx.localities()?, []);
            tx.put_entity(
                locality(1).as_uuid(),
                &Entity::Locality(commune("Xã Bắc Bình")),
                &reference,
            )?;
            assert_eq!(tx.localities()?, [commune("Xã Bắc Bình")]);
            tx.put_entity(
                locality(1).as_uuid(),
                &Entity::Locality(commune("Xã Hòa Thắng")),
                &reference,
            )?;
            assert_eq!(tx.localities()?, [commune("Xã Hòa Thắng")]);
            // A locality's id reused for another record is no longer a locality.
            let topic = Topic {
                id: TopicId::from_uuid(locality(1).as_uuid()),
                name: "Đất đai".to_owned(),
                archived: false,
            };
            tx.put_entity(locality(1).as_uuid(), &Entity::Topic(topic), &reference)?;
            assert_eq!(tx.localities()?, []);
            Ok(())
        })
        .unwrap();
}

#[test]
fn each_database_has_its_own_random_epoch_in_hex() {
    // 32 hex digits, like the SQLite backend's; from `gen_random_uuid`, so 122 of its bits are
    // random.
    let (one, two) = (
        fresh_store().epoch().unwrap(),
        fresh_store().epoch().unwrap(),
    );
    for epoch in [&one, &two] {
        assert!(
            epoch.len() == 32
                && epoch
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{epoch}"
        );
    }
    assert_ne!(one, two);
}

// Helpers.

fn server() -> &'static PostgresServer {
    PostgresServer::shared().unwrap()
}

/// A store on a new, empty database.
fn fresh_store() -> PostgresStore {
    PostgresStore::connect(&server().create_database().unwrap()).unwrap()
}

/// `n` stores on one new, empty database, as `n` server processes sharing it would have.
fn servers(n: usize) -> Vec<PostgresStore> {
    let url = server().create_database().unwrap();
    (0..n)
        .map(|_| PostgresStore::connect(&url).unwrap())
        .collect()
}

/// Pushes through one write transaction, as the HTTP layer does.
fn push(store: &PostgresStore, device: &Device, items: &[PushItem]) -> PushResponse {
    let outcome = store.write(|tx| match engine::push(tx, device, items, at(30)) {
        Err(PushError::Store(e)) => Err(e),
        other => Ok(other),
    });
    outcome.unwrap().unwrap()
}

/// Enrols device `n` for a new secretariat user `n` of the whole province.
fn enrol_secretariat(store: &PostgresStore, n: u8) -> Device {
    let user = User {
        role: Role::Secretariat,
        ..user(n)
    };
    store.create_user(&user).unwrap();
    store
        .add_enrolment_code(&EnrolmentCode {
            code_hash: [n; 32],
            user: user.id,
            expires_at: at(60),
        })
        .unwrap();
    store
        .enrol(
            [n; 32],
            device_id(n),
            &format!("Máy {n}"),
            [n + 100; 32],
            at(0),
        )
        .unwrap()
        .unwrap()
}

/// A topic pushed by `device` as its `seq`-th mutation; its clock counter is `seq`, so the log
/// shows the device's order.
fn topic_item(device: &Device, seq: u64) -> PushItem {
    let random = |tag: u8| {
        let mut bytes = [tag; 10];
        bytes[..8].copy_from_slice(&seq.to_be_bytes());
        bytes[8] = device.id.as_uuid().as_bytes()[15];
        bytes
    };
    PushItem {
        seq,
        mutation: Mutation {
            id: MutationId::generate(millis(at(1)), random(1)),
            device: device.id,
            hlc: Hlc::new(millis(at(1)), u32::try_from(seq).unwrap()),
            change: Change::UpsertTopic(Topic {
                id: TopicId::generate(millis(at(1)), random(2)),
                name: format!("Chủ đề {seq}"),
                archived: false,
            }),
        },
    }
}

/// Writer `writer`'s `n`-th log entry.
fn entry(server_seq: u64, writer: u8, n: u16) -> LogEntry {
    let mut random = [writer; 10];
    random[..2].copy_from_slice(&n.to_be_bytes());
    LogEntry {
        server_seq,
        author: Author {
            user: user(1).id,
            role: Role::Secretariat,
        },
        mutation: Mutation {
            id: MutationId::generate(millis(at(0)), random),
            device: device_id(writer),
            hlc: Hlc::new(millis(at(0)), u32::from(n)),
            change: Change::UpsertTopic(Topic {
                id: TopicId::generate(millis(at(0)), random),
                name: format!("Chủ đề {writer}-{n}"),
                archived: false,
            }),
        },
    }
}

/// Writer `writer`'s changes are in commune `writer`.
fn tags_of(writer: u8) -> Tags {
    Tags {
        locality: Some(locality(writer)),
        ..Tags::default()
    }
}

fn user(n: u8) -> User {
    User {
        id: UserId::from_uuid(uuid(n)),
        name: format!("Người dùng {n}"),
        role: Role::Recorder,
        jurisdiction: None,
        agency: None,
    }
}

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 1, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

fn millis(time: DateTime<Utc>) -> u64 {
    u64::try_from(time.timestamp_millis()).unwrap()
}

fn uuid(n: u8) -> Uuid {
    uuid_v7(1_772_326_800_000, [n; 10])
}

fn device_id(n: u8) -> DeviceId {
    DeviceId::from_uuid(uuid(n))
}

fn locality(n: u8) -> LocalityId {
    LocalityId::from_uuid(uuid(200 + n))
}

//! `merge::merge` properties on arbitrary stamps and values: the outcome is a function of the
//! two versions alone (commutative), merging a version with itself is no conflict, the winner
//! is one of the inputs and the loser the other, and merging three versions in any order
//! leaves the same winner (what lets replicas that see edits in any order agree).

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use townhall_domain::DeviceId;
use townhall_domain::hlc::{Hlc, Stamp};
use townhall_domain::merge::{Versioned, merge};

#[derive(Arbitrary, Debug)]
struct Input {
    versions: [(u64, u32, u8, String); 3],
}

fn version((millis, counter, device, value): &(u64, u32, u8, String)) -> Versioned<String> {
    Versioned {
        value: value.clone(),
        stamp: Stamp {
            // Small ranges as well as large ones, so equal clocks and devices occur.
            hlc: Hlc::new(millis % 5, counter % 3),
            device: DeviceId::generate(1, [device % 3; 10]),
        },
    }
}

fuzz_target!(|input: Input| {
    let [a, b, c] = input.versions.each_ref().map(version);
    let ab = merge(a.clone(), b.clone());
    let ba = merge(b.clone(), a.clone());
    assert_eq!(ab, ba, "commutative");
    assert!(ab.winner == a || ab.winner == b);
    match &ab.loser {
        None => assert_eq!(a, b, "no loser only when the versions are equal"),
        Some(loser) => {
            assert_ne!(a, b);
            assert!((*loser == a && ab.winner == b) || (*loser == b && ab.winner == a));
        }
    }
    assert_eq!(merge(a.clone(), a.clone()).loser, None, "idempotent");
    assert_eq!(
        merge(ab.winner.clone(), a.clone()).winner,
        ab.winner,
        "a winner stays"
    );
    let left = merge(merge(a.clone(), b.clone()).winner, c.clone()).winner;
    let right = merge(a.clone(), merge(b.clone(), c.clone()).winner).winner;
    let other = merge(merge(c, a).winner, b).winner;
    assert_eq!(left, right, "associative");
    assert_eq!(left, other, "order does not matter");
});

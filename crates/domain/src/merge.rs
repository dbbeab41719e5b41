//! Last-writer-wins merge of device-authored field groups.
//!
//! Fields that are edited together (a question's text, a citizen's details, an assignment's
//! terms) form one group and merge as a unit, so a merge never mixes half of one edit with
//! half of another.
//! The winner is the value with the greater [`Stamp`] `(hlc, device)`; the loser is returned so
//! the caller keeps it in the record's history and flags the conflict: nothing typed is lost.
//!
//! Equal stamps with different values cannot come from honest devices (a device never reuses a
//! stamp), but merge must still be a function of its inputs alone, so they break on the value.

use serde::{Deserialize, Serialize};

use crate::hlc::Stamp;

/// A field group's value with the stamp of the edit that wrote it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Who wrote it, when.
    pub stamp: Stamp,
}

/// The outcome of merging two versions of a field group.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Merged<T> {
    /// The version that stands.
    pub winner: Versioned<T>,
    /// The version that lost, when the two differ; keep it in history.
    pub loser: Option<Versioned<T>>,
}

impl<T> Merged<T> {
    /// Whether the two versions differed, which is a conflict to show for review
    /// when neither edit saw the other.
    pub fn conflicted(&self) -> bool {
        self.loser.is_some()
    }
}

/// Merges two versions of one field group: last writer wins on `(hlc, device)`.
///
/// Commutative, associative and idempotent in its winner, so replicas that receive the same
/// edits in any order, any number of times, agree.
pub fn merge<T: Ord + Clone>(a: Versioned<T>, b: Versioned<T>) -> Merged<T> {
    if a == b {
        return Merged {
            winner: a,
            loser: None,
        };
    }
    let a_wins = (a.stamp, &a.value) > (b.stamp, &b.value);
    let (winner, loser) = if a_wins { (a, b) } else { (b, a) };
    Merged {
        winner,
        loser: Some(loser),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::hlc::Hlc;
    use crate::ids::DeviceId;

    fn version(millis: u64, counter: u32, device: u8, value: &str) -> Versioned<String> {
        Versioned {
            value: value.to_owned(),
            stamp: Stamp {
                hlc: Hlc::new(millis, counter),
                device: DeviceId::generate(1, [device; 10]),
            },
        }
    }

    #[test]
    fn later_stamp_wins_and_the_loser_is_kept() {
        let early = version(100, 0, 1, "đất đai");
        let late = version(100, 1, 1, "môi trường");
        let merged = merge(early.clone(), late.clone());
        assert_eq!(merged.winner, late);
        assert_eq!(merged.loser, Some(early));
        assert!(merged.conflicted());
    }

    #[test]
    fn equal_clock_breaks_on_device() {
        let a = version(100, 0, 1, "x");
        let b = version(100, 0, 2, "y");
        assert_eq!(merge(a, b.clone()).winner, b);
    }

    #[test]
    fn same_version_twice_is_no_conflict() {
        let a = version(100, 0, 1, "x");
        assert_eq!(
            merge(a.clone(), a.clone()),
            Merged {
                winner: a,
                loser: None
            }
        );
    }

    fn arbitrary_version() -> impl Strategy<Value = Versioned<String>> {
        // Small ranges so that equal clocks, equal devices and equal values all occur.
        (0u64..4, 0u32..3, 0u8..3, "[ab]{0,2}").prop_map(|(m, c, d, v)| version(m, c, d, &v))
    }

    proptest! {
        #[test]
        fn merge_is_commutative(a in arbitrary_version(), b in arbitrary_version()) {
            let ab = merge(a.clone(), b.clone());
            let ba = merge(b, a);
            prop_assert_eq!(&ab.winner, &ba.winner);
            prop_assert_eq!(&ab.loser, &ba.loser);
        }

        #[test]
        fn merge_is_associative(
            a in arbitrary_version(), b in arbitrary_version(), c in arbitrary_version()
        ) {
            let left = merge(merge(a.clone(), b.clone()).winner, c.clone()).winner;
            let right = merge(a, merge(b, c).winner).winner;
            prop_assert_eq!(left, right);
        }

        #[test]
        fn merge_is_idempotent(a in arbitrary_version(), b in arbitrary_version()) {
            prop_assert_eq!(merge(a.clone(), a.clone()).winner, a.clone());
            let once = merge(a.clone(), b.clone()).winner;
            let twice = merge(once.clone(), b).winner;
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn merge_keeps_every_value(a in arbitrary_version(), b in arbitrary_version()) {
            let merged = merge(a.clone(), b.clone());
            let mut kept = vec![merged.winner];
            kept.extend(merged.loser);
            prop_assert!(kept.contains(&a) && kept.contains(&b));
        }

        #[test]
        fn any_delivery_order_converges(
            versions in proptest::collection::vec(arbitrary_version(), 1..8),
            seed in any::<u64>(),
        ) {
            let fold = |vs: &[Versioned<String>]| {
                vs.iter().skip(1).fold(vs[0].clone(), |acc, v| merge(acc, v.clone()).winner)
            };
            let mut shuffled = versions.clone();
            // A cheap deterministic shuffle, with duplicates, from the seed.
            let n = shuffled.len();
            for i in 0..n {
                let j = ((seed >> (i % 32)) as usize + i * 7) % n;
                shuffled.swap(i, j);
            }
            shuffled.push(versions[(seed as usize) % n].clone());
            prop_assert_eq!(fold(&versions), fold(&shuffled));
        }
    }
}

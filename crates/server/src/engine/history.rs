//! The merge of one field group: last writer wins, and the version that does not stand is kept
//! in history with why.

use serde::Serialize;
use townhall_domain::Stamp;
use townhall_domain::merge::{Versioned, merge};
use uuid::Uuid;

use super::Apply;
use crate::store::{HistoryRow, StoreError};

/// The result of merging one field group.
pub(super) struct MergeOutcome<T> {
    /// The incoming version, when it won.
    pub(super) winner: Option<Versioned<T>>,
    /// The version that does not stand, and why.
    loser: Option<(Versioned<T>, &'static str)>,
    /// The incoming edit did not see the current version.
    pub(super) concurrent: bool,
}

/// Merges `incoming` into `current`; the edit is concurrent when it was not based on `current`.
pub(super) fn merge_outcome<T: Ord + Clone>(
    current: Versioned<T>,
    incoming: Versioned<T>,
    base: Option<Stamp>,
) -> MergeOutcome<T> {
    if current == incoming {
        return MergeOutcome {
            winner: None,
            loser: None,
            concurrent: false,
        };
    }
    let concurrent = base != Some(current.stamp);
    let incoming_stamp = incoming.stamp;
    let merged = merge(current, incoming);
    let incoming_won = merged.winner.stamp == incoming_stamp;
    let reason = if incoming_won {
        "superseded"
    } else {
        "lost_merge"
    };
    MergeOutcome {
        loser: merged.loser.map(|l| (l, reason)),
        winner: incoming_won.then_some(merged.winner),
        concurrent,
    }
}

impl Apply<'_> {
    /// Merges and keeps the loser; returns the incoming version when it won.
    pub(super) fn merge<T: Ord + Clone + Serialize>(
        &mut self,
        record: Uuid,
        group: &str,
        current: Versioned<T>,
        incoming: Versioned<T>,
        base: Option<Stamp>,
    ) -> Result<Option<Versioned<T>>, StoreError> {
        let outcome = merge_outcome(current, incoming, base);
        self.keep_history(record, group, &outcome)?;
        Ok(outcome.winner)
    }

    /// Keeps the version of `record`'s `group` that does not stand, if one does not.
    pub(super) fn keep_history<T: Serialize>(
        &mut self,
        record: Uuid,
        group: &str,
        outcome: &MergeOutcome<T>,
    ) -> Result<(), StoreError> {
        if let Some((loser, reason)) = &outcome.loser {
            self.tx.add_history(&HistoryRow {
                record_id: record,
                field_group: group.to_owned(),
                value: serde_json::to_value(&loser.value)?,
                stamp: loser.stamp,
                reason: (*reason).to_owned(),
                concurrent: outcome.concurrent,
            })?;
        }
        Ok(())
    }
}

//! Scope: what a device may pull, and the scope in which a mutation's permission is checked
//! (within the author's jurisdiction, assigned to their agency, captured on their device).

use std::collections::{HashMap, HashSet};

use townhall_domain::permissions::{self, Action, Scope};
use townhall_domain::{Locality, LocalityId, QuestionId, Role};

use super::{Apply, Rejection};
use crate::store::{Device, Entity, PullScope, StoreError};

/// What a device may pull, from its user's role, jurisdiction and agency.
pub fn pull_scope(device: &Device, localities: &[Locality]) -> PullScope {
    let user = &device.user;
    match (user.role, user.jurisdiction) {
        (Role::Agency, _) => PullScope {
            everything: false,
            localities: Vec::new(),
            agency: user.agency,
        },
        (_, None) => PullScope {
            everything: true,
            localities: Vec::new(),
            agency: None,
        },
        (_, Some(root)) => PullScope {
            everything: false,
            localities: subtree(root, localities),
            agency: None,
        },
    }
}

/// `root` and every locality below it.
fn subtree(root: LocalityId, localities: &[Locality]) -> Vec<LocalityId> {
    let mut children: HashMap<LocalityId, Vec<LocalityId>> = HashMap::new();
    for l in localities {
        if let Some(parent) = l.parent {
            children.entry(parent).or_default().push(l.id);
        }
    }
    let mut out = vec![root];
    let mut seen: HashSet<LocalityId> = HashSet::from([root]);
    let mut i = 0;
    while let Some(next) = out.get(i).copied() {
        for child in children.get(&next).into_iter().flatten() {
            if seen.insert(*child) {
                out.push(*child);
            }
        }
        i += 1;
    }
    out
}

impl Apply<'_> {
    fn in_jurisdiction(&mut self, locality: LocalityId) -> Result<bool, StoreError> {
        let Some(root) = self.device.user.jurisdiction else {
            return Ok(true);
        };
        let localities = self.tx.localities()?;
        Ok(subtree(root, &localities).contains(&locality))
    }

    /// The scope of a record that belongs to `locality` (a dialogue, its tasks).
    pub(super) fn locality_scope(&mut self, locality: LocalityId) -> Result<Scope, StoreError> {
        Ok(Scope {
            in_jurisdiction: self.in_jurisdiction(locality)?,
            ..Scope::default()
        })
    }

    /// The question `id`, when it exists and the author may do `action` to it within its scope.
    pub(super) fn authorized_question(
        &mut self,
        id: QuestionId,
        action: Action,
    ) -> Result<Result<Entity, Rejection>, StoreError> {
        let Some(q) = self.tx.entity(id.as_uuid())? else {
            return Ok(Err(Rejection::not_found("question", id)));
        };
        let scope = self.question_scope(&q)?;
        or_reject!(permissions::authorize(self.author.role, action, scope));
        Ok(Ok(q))
    }

    /// The scope of a question: its locality, its agency, and the device that captured it.
    pub(super) fn question_scope(&mut self, q: &Entity) -> Result<Scope, StoreError> {
        let Entity::Question {
            question,
            locality,
            agency,
            ..
        } = q
        else {
            return Ok(Scope::default());
        };
        Ok(Scope {
            in_jurisdiction: self.in_jurisdiction(*locality)?,
            assigned_to_own_agency: agency.is_some() && *agency == self.device.user.agency,
            captured_on_own_device: question.captured_by == self.device.id,
        })
    }
}

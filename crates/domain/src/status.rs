//! The question status machine.
//!
//! `received` → `answered_on_site` | `needs_written_answer` → `assigned` → `answered` →
//! `resolved`; `reopened` returns to `assigned`; `merged` ends a duplicate.
//! Each transition names the roles that may make it; anything else is an error that names the
//! current state and what is possible from it, so the person sees why and what to do instead.
//! The server orders status changes; device clocks never decide them.

use std::fmt;

use crate::records::{QuestionStatus, Role};

use QuestionStatus::*;
use Role::*;

/// Every allowed transition and the roles that may make it.
const TRANSITIONS: &[(QuestionStatus, QuestionStatus, &[Role])] = &[
    (Received, AnsweredOnSite, &[Recorder, Secretariat, Leader]),
    (
        Received,
        NeedsWrittenAnswer,
        &[Recorder, Secretariat, Leader],
    ),
    (Received, Assigned, &[Secretariat, Leader]),
    (Received, Merged, &[Secretariat, Leader]),
    // The leader's answer in the hall did not settle it: it goes on in writing.
    (AnsweredOnSite, NeedsWrittenAnswer, &[Secretariat, Leader]),
    (AnsweredOnSite, Resolved, &[Secretariat, Leader]),
    (NeedsWrittenAnswer, Assigned, &[Secretariat, Leader]),
    (NeedsWrittenAnswer, Merged, &[Secretariat, Leader]),
    (Assigned, Answered, &[Agency, Secretariat]),
    (Assigned, Merged, &[Secretariat, Leader]),
    (Answered, Resolved, &[Agency, Secretariat, Leader]),
    (Answered, Reopened, &[Secretariat, Leader]),
    (Resolved, Reopened, &[Secretariat, Leader]),
    (Reopened, Assigned, &[Secretariat, Leader]),
];

/// Why a status change was refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub struct TransitionError {
    /// The question's current status.
    pub from: QuestionStatus,
    /// The status asked for.
    pub to: QuestionStatus,
    /// The role that asked.
    pub role: Role,
    /// Whether some other role could make this transition (a permission problem)
    /// or nobody can (a state problem).
    pub allowed_for_others: bool,
}

impl TransitionError {
    /// A stable code the UI branches on.
    pub const fn code(&self) -> crate::ErrorCode {
        if self.allowed_for_others {
            crate::ErrorCode::StatusNotPermitted
        } else {
            crate::ErrorCode::StatusNotAllowed
        }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            from,
            to,
            role,
            allowed_for_others,
        } = self;
        if *allowed_for_others {
            write!(
                f,
                "the question is `{from}`; a {role} may not move it to `{to}`"
            )?;
        } else {
            write!(f, "the question is `{from}` and cannot move to `{to}`")?;
        }
        let next = next_statuses(*from, *role);
        if next.is_empty() {
            write!(f, "; a {role} cannot change it from `{from}`")
        } else {
            let names: Vec<_> = next.iter().map(|s| format!("`{s}`")).collect();
            write!(
                f,
                "; from `{from}` a {role} may move it to {}",
                names.join(", ")
            )
        }
    }
}

/// Checks one status change by one role.
pub fn check_transition(
    from: QuestionStatus,
    to: QuestionStatus,
    role: Role,
) -> Result<(), TransitionError> {
    let roles = TRANSITIONS
        .iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map(|(_, _, r)| *r);
    match roles {
        Some(roles) if roles.contains(&role) => Ok(()),
        Some(_) => Err(TransitionError {
            from,
            to,
            role,
            allowed_for_others: true,
        }),
        None => Err(TransitionError {
            from,
            to,
            role,
            allowed_for_others: false,
        }),
    }
}

/// The statuses `role` may move a question to from `from`, for menus and buttons.
pub fn next_statuses(from: QuestionStatus, role: Role) -> Vec<QuestionStatus> {
    TRANSITIONS
        .iter()
        .filter(|(f, _, roles)| *f == from && roles.contains(&role))
        .map(|(_, t, _)| *t)
        .collect()
}

/// Whether a question in this status still waits for something to be done.
pub const fn is_open(status: QuestionStatus) -> bool {
    !matches!(status, AnsweredOnSite | Resolved | Merged)
}

/// Whether a question in this status counts in lists and totals: every question but a
/// duplicate merged into another, which is kept only to show where it went.
pub const fn is_counted(status: QuestionStatus) -> bool {
    !matches!(status, Merged)
}

/// Whether a question in this status waits on the agency it is assigned to, so its due date
/// runs and it can be overdue.
pub const fn awaits_agency(status: QuestionStatus) -> bool {
    matches!(status, Assigned)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_happy_path_of_a_petition() {
        let path = [
            (Received, NeedsWrittenAnswer, Recorder),
            (NeedsWrittenAnswer, Assigned, Secretariat),
            (Assigned, Answered, Agency),
            (Answered, Reopened, Leader),
            (Reopened, Assigned, Secretariat),
            (Assigned, Answered, Agency),
            (Answered, Resolved, Agency),
        ];
        for (from, to, role) in path {
            assert_eq!(
                check_transition(from, to, role),
                Ok(()),
                "{from} → {to} by {role}"
            );
        }
    }

    #[test]
    fn errors_name_the_current_state() {
        let err = check_transition(Received, Resolved, Secretariat).unwrap_err();
        assert_eq!(err.code(), "status_not_allowed");
        assert_eq!(
            err.to_string(),
            "the question is `received` and cannot move to `resolved`; from `received` a \
             secretariat may move it to `answered_on_site`, `needs_written_answer`, `assigned`, `merged`"
        );
        let err = check_transition(Received, Assigned, Recorder).unwrap_err();
        assert_eq!(err.code(), "status_not_permitted");
        assert!(
            err.to_string().starts_with(
                "the question is `received`; a recorder may not move it to `assigned`"
            )
        );
        let err = check_transition(Merged, Received, Admin).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("a admin cannot change it from `merged`")
        );
    }

    #[test]
    fn merged_is_final_and_only_resolved_questions_reopen() {
        for role in Role::ALL {
            assert!(next_statuses(Merged, *role).is_empty());
            assert!(
                next_statuses(Resolved, *role)
                    .iter()
                    .all(|s| *s == Reopened)
            );
        }
    }

    #[test]
    fn every_status_is_reachable_from_received() {
        let mut seen = vec![Received];
        let mut frontier = vec![Received];
        while let Some(from) = frontier.pop() {
            for role in Role::ALL {
                for to in next_statuses(from, *role) {
                    if !seen.contains(&to) {
                        seen.push(to);
                        frontier.push(to);
                    }
                }
            }
        }
        seen.sort();
        let mut all = QuestionStatus::ALL.to_vec();
        all.sort();
        assert_eq!(seen, all);
    }

    fn status() -> impl Strategy<Value = QuestionStatus> {
        proptest::sample::select(QuestionStatus::ALL)
    }

    fn role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL)
    }

    proptest! {
        #[test]
        fn check_agrees_with_next_statuses(from in status(), to in status(), role in role()) {
            let listed = next_statuses(from, role).contains(&to);
            prop_assert_eq!(check_transition(from, to, role).is_ok(), listed);
        }

        #[test]
        fn random_walks_stay_on_the_map(steps in proptest::collection::vec((status(), role()), 0..60)) {
            let mut current = Received;
            let mut history = vec![current];
            for (to, role) in steps {
                match check_transition(current, to, role) {
                    Ok(()) => {
                        prop_assert_ne!(current, Merged);
                        prop_assert!(role != Admin, "admins manage devices, not questions");
                        current = to;
                        history.push(current);
                    }
                    Err(err) => {
                        prop_assert_eq!(err.from, current);
                        let current_name = format!("`{current}`");
                        prop_assert!(err.to_string().contains(&current_name));
                    }
                }
            }
            // Resolved is only ever reached after an answer.
            if let Some(at) = history.iter().position(|s| *s == Resolved) {
                prop_assert!(history[..at].iter().any(|s| matches!(s, Answered | AnsweredOnSite)));
            }
        }
    }
}

//! Which role may create or change which record and field, within which scope.
//!
//! The rules are a pure function of the actor's role, the action and a few facts about the
//! record that the caller looked up ([`Scope`]): whether it lies in the actor's jurisdiction,
//! whether it is assigned to the actor's agency, whether the actor's device captured it.
//! The replica asks before it writes (so the UI never offers what the server would refuse),
//! and the server asks again for every pushed mutation.

use std::fmt;

use crate::records::{QuestionStatus, Role};
use crate::status::{self, TransitionError};

use Role::*;

/// Something a user wants to do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action {
    /// Plan a new dialogue.
    CreateDialogue,
    /// Change a dialogue's details or status.
    EditDialogue,
    /// Capture a new question at a dialogue.
    CaptureQuestion,
    /// Change a question's kind, source, topic or content.
    EditQuestionText,
    /// Change who raised a question.
    EditCitizen,
    /// See a citizen's name and phone.
    SeeCitizenDetails,
    /// Put citizens' names and phones in an export.
    ExportCitizenDetails,
    /// Record (or correct) the answer given on the spot.
    AnswerOnSite,
    /// Record (or correct) a written answer.
    AnswerInWriting,
    /// Assign a question to an agency, or change an assignment's terms.
    Assign,
    /// Move a question from one status to another.
    ChangeStatus {
        /// The current status.
        from: QuestionStatus,
        /// The status asked for.
        to: QuestionStatus,
    },
    /// Mark a question as a duplicate of another.
    MergeDuplicate,
    /// Add or edit topics, agencies and localities.
    EditReferenceData,
    /// Create users, issue enrolment codes, list and revoke devices.
    ManageDevices,
    /// Set the follow-up policy: answer deadlines, escalation and the official days off.
    EditPolicy,
    /// Correct a device's view of a question's status: the server's alone.
    ConfirmStatus,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::CreateDialogue => "plan a dialogue",
            Self::EditDialogue => "edit a dialogue",
            Self::CaptureQuestion => "capture a question",
            Self::EditQuestionText => "edit a question",
            Self::EditCitizen => "edit a citizen's details",
            Self::SeeCitizenDetails => "see a citizen's name and phone",
            Self::ExportCitizenDetails => "export citizens' names and phones",
            Self::AnswerOnSite => "record an on-site answer",
            Self::AnswerInWriting => "record a written answer",
            Self::Assign => "assign a question",
            Self::ChangeStatus { .. } => "change a question's status",
            Self::MergeDuplicate => "merge duplicate questions",
            Self::EditReferenceData => "edit topics, agencies and localities",
            Self::ManageDevices => "manage users and devices",
            Self::EditPolicy => "set deadlines, escalation and official days off",
            Self::ConfirmStatus => "confirm a status (the server does)",
        };
        f.write_str(text)
    }
}

/// Facts about the record an action touches, looked up by the caller.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Scope {
    /// The record belongs to a dialogue in the actor's jurisdiction.
    pub in_jurisdiction: bool,
    /// The question is currently assigned to the actor's agency.
    pub assigned_to_own_agency: bool,
    /// The question was captured on the actor's own device.
    pub captured_on_own_device: bool,
}

impl Scope {
    /// A record in the actor's jurisdiction, not assigned to them, not captured by them.
    pub const JURISDICTION: Self = Self {
        in_jurisdiction: true,
        assigned_to_own_agency: false,
        captured_on_own_device: false,
    };
}

/// Why an action was refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum PermissionError {
    /// The role may never do this.
    #[error("a {role} may not {action}")]
    Role {
        /// The actor's role.
        role: Role,
        /// What was attempted.
        action: Action,
    },
    /// The role may do this, but not to this record.
    #[error("a {role} may {action} only {within}")]
    OutOfScope {
        /// The actor's role.
        role: Role,
        /// What was attempted.
        action: Action,
        /// Where the role may do it, in words.
        within: &'static str,
    },
    /// The status machine refused the change.
    #[error(transparent)]
    Status(#[from] TransitionError),
}

impl PermissionError {
    /// A stable code the UI branches on.
    pub const fn code(&self) -> crate::ErrorCode {
        match self {
            Self::Role { .. } => crate::ErrorCode::Forbidden,
            Self::OutOfScope { .. } => crate::ErrorCode::OutOfScope,
            Self::Status(e) => e.code(),
        }
    }
}

/// Decides whether `role` may do `action` to a record with these `scope` facts.
pub fn authorize(role: Role, action: Action, scope: Scope) -> Result<(), PermissionError> {
    use Action::*;
    let refuse = || Err(PermissionError::Role { role, action });
    let within = |ok: bool, within: &'static str| {
        if ok {
            Ok(())
        } else {
            Err(PermissionError::OutOfScope {
                role,
                action,
                within,
            })
        }
    };
    let jurisdiction = |ok| within(ok, "within their own jurisdiction");
    match (action, role) {
        (ConfirmStatus, _) => refuse(),
        (ManageDevices, Admin) => Ok(()),
        (ManageDevices, _) => refuse(),
        (EditPolicy, Admin) => Ok(()),
        (EditPolicy, _) => refuse(),
        (EditReferenceData, Admin | Secretariat) => Ok(()),
        (EditReferenceData, _) => refuse(),
        (CreateDialogue | EditDialogue, Secretariat) => jurisdiction(scope.in_jurisdiction),
        (CreateDialogue | EditDialogue, _) => refuse(),
        (CaptureQuestion, Recorder | Secretariat) => jurisdiction(scope.in_jurisdiction),
        (CaptureQuestion, _) => refuse(),
        (EditQuestionText | EditCitizen, Secretariat) => jurisdiction(scope.in_jurisdiction),
        (EditQuestionText | EditCitizen, Recorder) => within(
            scope.captured_on_own_device,
            "on questions captured on their own device",
        ),
        (EditQuestionText | EditCitizen, _) => refuse(),
        (SeeCitizenDetails, Secretariat | Leader) => jurisdiction(scope.in_jurisdiction),
        (SeeCitizenDetails, Recorder) => within(
            scope.captured_on_own_device,
            "on questions captured on their own device",
        ),
        // The agency writes back to the citizen, so it needs their details.
        (SeeCitizenDetails, Agency) => within(
            scope.assigned_to_own_agency,
            "on questions assigned to their agency",
        ),
        (SeeCitizenDetails, Admin) => refuse(),
        (ExportCitizenDetails, Secretariat | Leader) => jurisdiction(scope.in_jurisdiction),
        (ExportCitizenDetails, _) => refuse(),
        (AnswerOnSite, Secretariat | Leader) => jurisdiction(scope.in_jurisdiction),
        (AnswerOnSite, Recorder) => within(
            scope.captured_on_own_device || scope.in_jurisdiction,
            "at dialogues they record",
        ),
        (AnswerOnSite, _) => refuse(),
        (AnswerInWriting, Secretariat) => jurisdiction(scope.in_jurisdiction),
        (AnswerInWriting, Agency) => within(
            scope.assigned_to_own_agency,
            "on questions assigned to their agency",
        ),
        (AnswerInWriting, _) => refuse(),
        (Assign | MergeDuplicate, Secretariat | Leader) => jurisdiction(scope.in_jurisdiction),
        (Assign | MergeDuplicate, _) => refuse(),
        (ChangeStatus { from, to }, _) => {
            status::check_transition(from, to, role)?;
            match role {
                Agency => within(
                    scope.assigned_to_own_agency,
                    "on questions assigned to their agency",
                ),
                Recorder => within(
                    scope.captured_on_own_device || scope.in_jurisdiction,
                    "at dialogues they record",
                ),
                _ => jurisdiction(scope.in_jurisdiction),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::QuestionStatus;

    const NONE: Scope = Scope {
        in_jurisdiction: false,
        assigned_to_own_agency: false,
        captured_on_own_device: false,
    };
    const ASSIGNED: Scope = Scope {
        assigned_to_own_agency: true,
        ..NONE
    };
    const OWN: Scope = Scope {
        captured_on_own_device: true,
        ..NONE
    };

    /// One row per (action, scope): the roles allowed, in `Role::ALL` order.
    fn check(action: Action, scope: Scope, allowed: &[Role]) {
        for role in Role::ALL {
            let got = authorize(*role, action, scope);
            assert_eq!(
                got.is_ok(),
                allowed.contains(role),
                "{role} {action:?} {scope:?}: {got:?}"
            );
        }
    }

    #[test]
    fn the_permission_matrix() {
        use Action::*;
        let j = Scope::JURISDICTION;
        check(ManageDevices, j, &[Admin]);
        check(EditPolicy, j, &[Admin]);
        check(ConfirmStatus, j, &[]);
        check(EditReferenceData, j, &[Secretariat, Admin]);
        check(CreateDialogue, j, &[Secretariat]);
        check(CreateDialogue, NONE, &[]);
        check(CaptureQuestion, j, &[Recorder, Secretariat]);
        check(EditQuestionText, j, &[Secretariat]);
        check(EditQuestionText, OWN, &[Recorder]);
        check(EditCitizen, OWN, &[Recorder]);
        check(SeeCitizenDetails, j, &[Secretariat, Leader]);
        check(SeeCitizenDetails, ASSIGNED, &[Agency]);
        check(ExportCitizenDetails, j, &[Secretariat, Leader]);
        check(AnswerOnSite, j, &[Recorder, Secretariat, Leader]);
        check(AnswerInWriting, j, &[Secretariat]);
        check(AnswerInWriting, ASSIGNED, &[Agency]);
        check(Assign, j, &[Secretariat, Leader]);
        check(MergeDuplicate, j, &[Secretariat, Leader]);
        let answer = ChangeStatus {
            from: QuestionStatus::Assigned,
            to: QuestionStatus::Answered,
        };
        check(answer, ASSIGNED, &[Agency]);
        check(answer, j, &[Secretariat]);
    }

    #[test]
    fn errors_say_what_and_where() {
        let err = authorize(Role::Agency, Action::AnswerInWriting, NONE).unwrap_err();
        assert_eq!(err.code(), "out_of_scope");
        assert_eq!(
            err.to_string(),
            "a agency may record a written answer only on questions assigned to their agency"
        );
        let err = authorize(Role::Leader, Action::CreateDialogue, Scope::JURISDICTION).unwrap_err();
        assert_eq!(err.to_string(), "a leader may not plan a dialogue");
        let status = Action::ChangeStatus {
            from: QuestionStatus::Merged,
            to: QuestionStatus::Assigned,
        };
        let err = authorize(Role::Secretariat, status, Scope::JURISDICTION).unwrap_err();
        assert_eq!(err.code(), "status_not_allowed");
        assert!(err.to_string().contains("`merged`"));
    }
}

//! Builds the app's context and its command permissions: only the commands listed here can be
//! called from the web UI, and only through the capability in `capabilities/`.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(townhall_commands());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|e| panic!("tauri build failed: {e:#}"));
}

/// Every command the UI may call; keep in step with `src/commands` and `docs/IPC.md`.
const fn townhall_commands() -> &'static [&'static str] {
    &[
        "device_info",
        "device_enrol",
        "settings_get",
        "settings_set",
        "reference_topics",
        "reference_agencies",
        "reference_localities",
        "reference_locality_add",
        "dialogue_list",
        "dialogue_create",
        "dialogue_edit",
        "dialogue_set_status",
        "question_capture",
        "question_list",
        "question_search",
        "question_get",
        "question_edit",
        "question_change_status",
        "question_merge",
        "question_similar",
        "question_draft_get",
        "question_draft_set",
        "answer_add",
        "answer_edit",
        "assignment_create",
        "assignment_edit",
        "sync_status",
        "sync_now",
        "sync_rejected",
        "sync_retry_rejected",
        "sync_dismiss_rejected",
        "followup_policy_get",
        "followup_policy_set",
        "followup_default_due_date",
        "followup_summary",
        "followup_dialogue_plan",
        "followup_checklist_add_standard",
        "followup_task_add",
        "followup_task_edit",
        "question_reopen",
        "question_repeat_candidates",
        "question_link_repeat",
        "report_get",
        "report_questions",
        "report_export",
        "report_exports",
    ]
}

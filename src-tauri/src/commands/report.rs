//! Compiled reports: figures, the question list, and exports to .docx, .xlsx and .csv.

use std::path::PathBuf;

use tauri::{AppHandle, Manager, Runtime, State};
use townhall_core::app::{CommandError, ExportDone};
use townhall_core::report::{ExportOptions, ExportRecord, Report, ReportQuestionPage, ReportScope};
use townhall_core::{Clock, Page, SystemClock};
use townhall_domain::ErrorCode;

use super::CommandResult;
use crate::AppState;
use crate::state::lock;

/// The environment variable naming the folder exports are written to (tests, kiosks); by
/// default the user's documents folder, under `Townhall`.
pub const EXPORT_DIR_ENV: &str = "TOWNHALL_EXPORT_DIR";

/// A report's figures for a dialogue or a period.
#[tauri::command(async)]
pub fn report_get(state: State<'_, AppState>, scope: ReportScope) -> CommandResult<Report> {
    state.read(|r| {
        let calendar = r.policy()?.calendar;
        r.report(&scope, &calendar)
    })
}

/// One page of a report's question list.
#[tauri::command(async)]
pub fn report_questions(
    state: State<'_, AppState>,
    scope: ReportScope,
    include_personal_data: bool,
    page: Page,
) -> CommandResult<ReportQuestionPage> {
    state.read(|r| r.report_questions(&scope, include_personal_data, page))
}

/// Exports a report to a file in the exports folder and records the export.
#[tauri::command(async)]
pub fn report_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    scope: ReportScope,
    options: ExportOptions,
) -> CommandResult<ExportDone> {
    let chosen = state
        .export_dir
        .lock()
        .map_err(|_| CommandError::new(ErrorCode::Corrupt, "the export folder lock was poisoned"))?
        .clone();
    let dir = match chosen {
        Some(dir) => dir,
        None => default_export_dir(&app)?,
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        CommandError::new(
            ErrorCode::Io,
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    let mut replica = lock(&state.replica)?;
    let calendar = replica.policy()?.calendar;
    let stamp = SystemClock.now().format("%Y%m%d-%H%M%S");
    let scope_part = match (scope.dialogue, scope.period) {
        (Some(d), _) => format!("doi-thoai-{}", &d.to_string()[..8]),
        (None, Some(p)) => format!("{:?}-{}-{}", p.kind, p.year, p.index).to_lowercase(),
        (None, None) => "tat-ca".to_owned(),
    };
    let path = dir.join(format!(
        "bao-cao-{scope_part}-{stamp}.{}",
        options.format.as_str()
    ));
    let summary = replica
        .export_report(&scope, &options, &calendar, &path)
        .map_err(CommandError::from)?;
    Ok(ExportDone {
        summary,
        path: path.display().to_string(),
    })
}

/// The exports made on this device, latest first.
#[tauri::command(async)]
pub fn report_exports(state: State<'_, AppState>) -> CommandResult<Vec<ExportRecord>> {
    state.read(townhall_core::Replica::exports)
}

/// The user's documents folder, under `Townhall` (the app's data folder where there is none).
fn default_export_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, CommandError> {
    let path = app.path();
    path.document_dir()
        .or_else(|_| path.app_data_dir().map(|d| d.join("exports")))
        .map(|d| d.join("Townhall"))
        .map_err(|e| CommandError::new(ErrorCode::Io, format!("no folder to export to: {e}")))
}

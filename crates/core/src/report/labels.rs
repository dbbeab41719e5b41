//! The Vietnamese words and number formats the exports print: kinds, sources and statuses as
//! the app's message catalogue names them, dates and percentages as an official report writes
//! them.

use chrono::{Datelike, NaiveDate};
use townhall_domain::{QuestionKind, QuestionSource, QuestionStatus};

use super::{NamedCount, Report};

/// The counts by kind as named counts, for the tables the exports share with the other counts.
pub(crate) fn kinds_named(report: &Report) -> Vec<NamedCount> {
    report
        .by_kind
        .iter()
        .map(|k| NamedCount {
            id: None,
            name: kind_label(k.kind).to_owned(),
            count: k.count,
            share: k.share,
        })
        .collect()
}

/// The Vietnamese name of a kind, as the app's message catalogue has it.
pub(crate) fn kind_label(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Question => "Câu hỏi",
        QuestionKind::Petition => "Kiến nghị",
        QuestionKind::Proposal => "Đề xuất",
        QuestionKind::Grievance => "Phản ánh",
    }
}

/// The Vietnamese name of a source.
pub(crate) fn source_label(source: QuestionSource) -> &'static str {
    match source {
        QuestionSource::Gathered => "Tổng hợp trước hội nghị",
        QuestionSource::InHall => "Nêu tại hội nghị",
        QuestionSource::OnPaper => "Gửi bằng phiếu, văn bản",
    }
}

/// The Vietnamese name of a status.
pub(crate) fn status_label(status: QuestionStatus) -> &'static str {
    match status {
        QuestionStatus::Received => "Mới tiếp nhận",
        QuestionStatus::AnsweredOnSite => "Đã trả lời tại hội nghị",
        QuestionStatus::NeedsWrittenAnswer => "Cần trả lời bằng văn bản",
        QuestionStatus::Assigned => "Đã giao xử lý",
        QuestionStatus::Answered => "Đã có văn bản trả lời",
        QuestionStatus::Resolved => "Đã giải quyết xong",
        QuestionStatus::Reopened => "Mở lại",
        QuestionStatus::Merged => "Đã gộp (trùng)",
    }
}

/// A date as Vietnamese tables write it: `05/02/2026`.
pub(crate) fn date_vn(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// A share (0 to 1) as a Vietnamese percentage with one decimal: `45,5%`.
pub(crate) fn percent_vn(share: f64) -> String {
    format!("{:.1}%", share * 100.0).replace('.', ",")
}

/// The date line of an administrative document under Decree 30/2020/NĐ-CP: days below 10 and
/// the months January and February take a leading zero ("ngày 05 tháng 02 năm 2026", "ngày 15
/// tháng 11 năm 2026").
pub(crate) fn date_line(place: &str, date: NaiveDate) -> String {
    let month = date.month();
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    )
}

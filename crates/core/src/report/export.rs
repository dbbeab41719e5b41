//! What every export format shares: the checked options, the scope and report a writer reads,
//! and the question list's columns and cells.

use super::compute;
use super::*;

/// Everything a format writer needs.
pub(crate) struct Export<'a> {
    pub(crate) conn: &'a rusqlite::Connection,
    pub(crate) bounds: &'a compute::ScopeBounds,
    pub(crate) report: &'a Report,
    pub(crate) options: &'a ExportOptions,
    pub(crate) today: NaiveDate,
}

impl Export<'_> {
    /// Streams the question list, in report order, to `f`; returns how many were written.
    pub(crate) fn questions(
        &self,
        f: impl FnMut(ReportQuestion) -> Result<(), ExportError>,
    ) -> Result<u64, ExportError> {
        compute::for_each_question(
            self.conn,
            self.bounds,
            self.today,
            self.options.include_personal_data,
            None,
            f,
        )
    }
}

/// Checks and normalises the options' text, every problem at once.
pub(crate) fn validate_options(options: &ExportOptions) -> Result<ExportOptions> {
    let mut errors = Vec::new();
    let mut line =
        |field: &str, value: &str, rule: TextRule| match validate::text(field, value, rule) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
    let superior_body = options
        .superior_body
        .as_deref()
        .map(|s| line("superior_body", s, TextRule::OPTIONAL_LINE))
        .filter(|s| !s.is_empty());
    let issuing_body = line("issuing_body", &options.issuing_body, TextRule::LINE);
    let document_number = line(
        "document_number",
        &options.document_number,
        TextRule::OPTIONAL_LINE,
    );
    let place = line("place", &options.place, TextRule::LINE);
    let signer = options.signer.as_ref().map(|s| Signer {
        authority: s
            .authority
            .as_deref()
            .map(|a| line("signer.authority", a, TextRule::OPTIONAL_LINE))
            .filter(|a| !a.is_empty()),
        title: line("signer.title", &s.title, TextRule::LINE),
        name: line("signer.name", &s.name, TextRule::LINE),
    });
    let recipients = options
        .recipients
        .iter()
        .map(|r| line("recipients", r, TextRule::OPTIONAL_LINE))
        .filter(|r| !r.is_empty())
        .collect();
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    Ok(ExportOptions {
        format: options.format,
        include_personal_data: options.include_personal_data,
        superior_body,
        issuing_body,
        document_number,
        place,
        signer,
        recipients,
    })
}

/// The columns of the question list in the `.xlsx` and `.csv` exports.
pub(crate) fn question_columns(personal_data: bool) -> Vec<&'static str> {
    let mut columns = vec![
        "STT",
        "Số",
        "Hội nghị",
        "Địa bàn",
        "Ngày tiếp nhận",
        "Loại",
        "Nguồn",
        "Lĩnh vực",
        "Nội dung",
    ];
    if personal_data {
        columns.extend(["Người nêu", "Địa chỉ", "Điện thoại"]);
    }
    columns.extend([
        "Trả lời tại hội nghị",
        "Cơ quan được giao",
        "Hạn trả lời",
        "Trả lời bằng văn bản",
        "Ngày trả lời",
        "Đúng hạn",
        "Tình trạng",
    ]);
    columns
}

/// One cell of the question list.
pub(crate) enum Cell {
    /// A number.
    Number(f64),
    /// Text, possibly typed by a citizen.
    Text(String),
}

/// The cells of one question in the list, matching [`question_columns`].
pub(crate) fn question_cells(index: u64, q: &ReportQuestion, personal_data: bool) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let mut cells = vec![
        Cell::Number(index as f64),
        text(&q.number),
        text(&q.dialogue_title),
        text(&q.locality_name),
        Cell::Text(date_vn(q.captured_on)),
        text(kind_label(q.kind)),
        text(source_label(q.source)),
        text(q.topic_name.as_deref().unwrap_or("")),
        text(&q.content),
    ];
    if personal_data {
        let (name, locality, phone) = match &q.citizen {
            Some(Citizen::Named {
                name,
                locality,
                phone,
            }) => (
                name.clone(),
                locality.clone().unwrap_or_default(),
                phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            ),
            _ => ("Ẩn danh".to_owned(), String::new(), String::new()),
        };
        cells.extend([Cell::Text(name), Cell::Text(locality), Cell::Text(phone)]);
    }
    let on_site: Vec<String> = q
        .answers
        .iter()
        .filter(|a| a.mode == AnswerMode::OnSite)
        .map(|a| format!("{}: {}", a.answered_by, a.content))
        .collect();
    let assigned: Vec<String> = q
        .assignments
        .iter()
        .map(|s| format!("{} (giao ngày {})", s.agency_name, date_vn(s.assigned_on)))
        .collect();
    let written: Vec<String> = q
        .answers
        .iter()
        .filter(|a| a.mode == AnswerMode::Written)
        .map(|a| match (&a.document_number, a.document_date) {
            (Some(number), Some(date)) => {
                format!("Văn bản số {number} ngày {}: {}", date_vn(date), a.content)
            }
            _ => format!(
                "{} ({}): {}",
                a.answered_by,
                date_vn(a.answered_on),
                a.content
            ),
        })
        .collect();
    let current = q.assignments.last();
    let first_written = q
        .answers
        .iter()
        .find(|a| a.mode == AnswerMode::Written)
        .map(|a| date_vn(a.answered_on))
        .unwrap_or_default();
    let on_time = match current {
        Some(s) => match s.answered_on {
            Some(answered) if answered <= s.due_on => "Đúng hạn",
            Some(_) => "Trễ hạn",
            None if q.overdue => "Quá hạn",
            None => "",
        },
        None => "",
    };
    let mut status = status_label(q.status).to_owned();
    if q.overdue {
        status.push_str(" (quá hạn)");
    }
    cells.extend([
        Cell::Text(on_site.join("\n")),
        Cell::Text(assigned.join("\n")),
        Cell::Text(current.map(|s| date_vn(s.due_on)).unwrap_or_default()),
        Cell::Text(written.join("\n")),
        Cell::Text(first_written),
        text(on_time),
        Cell::Text(status),
    ]);
    cells
}

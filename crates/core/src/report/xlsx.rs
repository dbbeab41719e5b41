//! The report as an Excel workbook: one sheet per table, then the question list.
//!
//! The question list's sheet is in rust_xlsxwriter's constant-memory mode: each row goes to a
//! temporary file (in the export's folder) as soon as the next one starts, so 100,000
//! questions cost the memory of one. Text cells are written as strings, never as formulas, so
//! citizens' text cannot run in the spreadsheet.

use std::fs::File;
use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use super::{
    Cell, Export, ExportError, NamedCount, date_vn, kinds_named, question_cells, question_columns,
    status_label,
};

/// The most characters Excel holds in one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Sheet names (at most 31 characters each).
pub(crate) const SHEETS: [&str; 9] = [
    "Tổng hợp",
    "Hội nghị",
    "Theo loại",
    "Theo lĩnh vực",
    "Theo địa bàn",
    "Theo tình trạng",
    "Cơ quan",
    "Quá hạn theo cơ quan",
    "Danh sách ý kiến",
];

/// Writes the workbook to `file`, with temporary files in `folder`; returns how many questions
/// it lists.
pub(crate) fn write(
    export: &Export<'_>,
    folder: &Path,
    file: &mut File,
) -> Result<u64, ExportError> {
    let report = export.report;
    let total = report.totals.questions;
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    workbook.set_tempdir(folder)?;

    let sheet = named_sheet(&mut workbook, SHEETS[0])?;
    let t = &report.totals;
    sheet.set_column_width(0, 44)?;
    sheet.set_column_width(1, 16)?;
    sheet.set_column_width(2, 12)?;
    header(sheet, &formats, &["Chỉ tiêu", "Số lượng", "Tỷ lệ"])?;
    let mut row = 1;
    let mut text_row = |sheet: &mut Worksheet, label: &str, value: &str| {
        sheet.write_string_with_format(row, 0, label, &formats.cell)?;
        sheet.write_string_with_format(row, 1, value, &formats.cell)?;
        row += 1;
        Ok::<_, ExportError>(())
    };
    text_row(sheet, "Báo cáo", &report.scope_label)?;
    if let (Some(from), Some(to)) = (report.from, report.to) {
        text_row(sheet, "Từ ngày", &date_vn(from))?;
        text_row(sheet, "Đến ngày", &date_vn(to))?;
    }
    text_row(sheet, "Số liệu tính đến ngày", &date_vn(report.as_of))?;
    let counts: [(&str, u64, Option<f64>); 10] = [
        ("Số hội nghị đối thoại", report.dialogues.len() as u64, None),
        ("Tổng số ý kiến, kiến nghị", t.questions, None),
        ("Ý kiến trùng đã gộp", t.merged, None),
        (
            "Trả lời trực tiếp tại hội nghị",
            t.answered_on_site,
            Some(t.on_site_share),
        ),
        (
            "Trả lời bằng văn bản",
            t.answered_in_writing,
            Some(t.in_writing_share),
        ),
        (
            "Chưa trả lời",
            t.not_answered,
            Some(share(t.not_answered, total)),
        ),
        (
            "Đã giao cơ quan xử lý",
            t.assigned,
            Some(share(t.assigned, total)),
        ),
        (
            "Đã giải quyết xong (tỷ lệ giải quyết)",
            t.settled,
            Some(t.resolution_rate),
        ),
        (
            "Quá hạn chưa trả lời",
            t.overdue,
            Some(share(t.overdue, total)),
        ),
        ("Cơ quan được giao", report.scorecards.len() as u64, None),
    ];
    for (label, count, ratio) in counts {
        sheet.write_string_with_format(row, 0, label, &formats.cell)?;
        sheet.write_number_with_format(row, 1, count as f64, &formats.number)?;
        match ratio {
            Some(r) => sheet.write_number_with_format(row, 2, r, &formats.percent)?,
            None => sheet.write_blank(row, 2, &formats.cell)?,
        };
        row += 1;
    }

    let sheet = named_sheet(&mut workbook, SHEETS[1])?;
    widths(sheet, &[6.0, 60.0, 24.0, 14.0, 12.0, 12.0])?;
    header(
        sheet,
        &formats,
        &[
            "STT",
            "Hội nghị",
            "Địa bàn",
            "Ngày tổ chức",
            "Số người dự",
            "Số ý kiến",
        ],
    )?;
    let mut row = 1;
    for (i, d) in report.dialogues.iter().enumerate() {
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &formats.number)?;
        sheet.write_string_with_format(row, 1, &d.title, &formats.cell)?;
        sheet.write_string_with_format(row, 2, &d.locality_name, &formats.cell)?;
        sheet.write_string_with_format(row, 3, date_vn(d.held_on), &formats.cell)?;
        match d.attendee_count {
            Some(n) => sheet.write_number_with_format(row, 4, f64::from(n), &formats.number)?,
            None => sheet.write_blank(row, 4, &formats.cell)?,
        };
        sheet.write_number_with_format(row, 5, d.questions as f64, &formats.number)?;
        row += 1;
    }
    total_row(sheet, &formats, row, 1, &[(5, total as f64)])?;

    let kinds = kinds_named(report);
    count_sheet(&mut workbook, &formats, SHEETS[2], "Loại", &kinds, total)?;
    count_sheet(
        &mut workbook,
        &formats,
        SHEETS[3],
        "Lĩnh vực",
        &report.by_topic,
        total,
    )?;
    count_sheet(
        &mut workbook,
        &formats,
        SHEETS[4],
        "Địa bàn",
        &report.by_locality,
        total,
    )?;
    let statuses: Vec<NamedCount> = report
        .by_status
        .iter()
        .map(|s| NamedCount {
            id: None,
            name: status_label(s.status).to_owned(),
            count: s.count,
            share: share(s.count, total),
        })
        .collect();
    count_sheet(
        &mut workbook,
        &formats,
        SHEETS[5],
        "Tình trạng",
        &statuses,
        total,
    )?;

    let sheet = named_sheet(&mut workbook, SHEETS[6])?;
    widths(
        sheet,
        &[
            6.0, 44.0, 16.0, 11.0, 11.0, 11.0, 11.0, 12.0, 14.0, 12.0, 12.0,
        ],
    )?;
    header(
        sheet,
        &formats,
        &[
            "STT",
            "Cơ quan",
            "Tên viết tắt",
            "Được giao",
            "Đã trả lời",
            "Đúng hạn",
            "Trễ hạn",
            "Tỷ lệ đúng hạn",
            "Số ngày làm việc để trả lời (trung vị)",
            "Đang quá hạn",
            "Đã giải quyết",
        ],
    )?;
    let mut row = 1;
    let mut sums = [0u64; 6];
    for (i, s) in report.scorecards.iter().enumerate() {
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &formats.number)?;
        sheet.write_string_with_format(row, 1, &s.name, &formats.cell)?;
        sheet.write_string_with_format(row, 2, &s.short_name, &formats.cell)?;
        let numbers = [
            (3, s.assigned),
            (4, s.answered),
            (5, s.answered_on_time),
            (6, s.answered_late),
            (9, s.overdue_now),
            (10, s.resolved),
        ];
        for (j, (col, n)) in numbers.into_iter().enumerate() {
            sheet.write_number_with_format(row, col, n as f64, &formats.number)?;
            sums[j] += n;
        }
        match s.on_time_rate {
            Some(r) => sheet.write_number_with_format(row, 7, r, &formats.percent)?,
            None => sheet.write_blank(row, 7, &formats.cell)?,
        };
        match s.median_working_days {
            Some(d) => sheet.write_number_with_format(row, 8, d, &formats.decimal)?,
            None => sheet.write_blank(row, 8, &formats.cell)?,
        };
        row += 1;
    }
    let columns = [3, 4, 5, 6, 9, 10];
    let totals: Vec<(u16, f64)> = columns
        .iter()
        .zip(sums)
        .map(|(c, n)| (*c, n as f64))
        .collect();
    total_row(sheet, &formats, row, 1, &totals)?;

    let sheet = named_sheet(&mut workbook, SHEETS[7])?;
    widths(sheet, &[6.0, 50.0, 20.0])?;
    header(sheet, &formats, &["STT", "Cơ quan", "Số ý kiến quá hạn"])?;
    let mut row = 1;
    for (i, a) in report.overdue_by_agency.iter().enumerate() {
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &formats.number)?;
        sheet.write_string_with_format(row, 1, &a.name, &formats.cell)?;
        sheet.write_number_with_format(row, 2, a.count as f64, &formats.number)?;
        row += 1;
    }
    total_row(
        sheet,
        &formats,
        row,
        1,
        &[(2, report.totals.overdue as f64)],
    )?;

    // The question list, streamed.
    let personal_data = export.options.include_personal_data;
    let columns = question_columns(personal_data);
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name(SHEETS[8])?;
    for (i, name) in columns.iter().enumerate() {
        let width = match *name {
            "STT" => 6.0,
            "Số" | "Ngày tiếp nhận" | "Hạn trả lời" | "Ngày trả lời" | "Đúng hạn" => {
                12.0
            }
            "Nội dung" | "Trả lời bằng văn bản" | "Trả lời tại hội nghị" => {
                60.0
            }
            _ => 22.0,
        };
        sheet.set_column_width(col(i)?, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    header(sheet, &formats, &columns)?;
    let mut index = 0u64;
    let count = export.questions(|question| {
        index += 1;
        let row = u32::try_from(index)
            .map_err(|_| ExportError::Format("too many rows for one sheet".to_owned()))?;
        for (i, cell) in question_cells(index, &question, personal_data)
            .into_iter()
            .enumerate()
        {
            match cell {
                Cell::Number(n) => {
                    sheet.write_number_with_format(row, col(i)?, n, &formats.number)?
                }
                Cell::Text(text) => {
                    sheet.write_string_with_format(row, col(i)?, clip(text), &formats.cell)?
                }
            };
        }
        Ok(())
    })?;

    workbook.save_to_writer(file)?;
    Ok(count)
}

/// The cell formats.
struct Formats {
    header: Format,
    cell: Format,
    number: Format,
    decimal: Format,
    percent: Format,
    total: Format,
    total_number: Format,
}

impl Formats {
    fn new() -> Self {
        let base = Format::new()
            .set_font_name("Times New Roman")
            .set_font_size(12)
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top);
        Self {
            header: base
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            cell: base.clone().set_text_wrap(),
            number: base.clone().set_num_format("#,##0"),
            decimal: base.clone().set_num_format("0.0"),
            percent: base.clone().set_num_format("0.0%"),
            total: base.clone().set_bold(),
            total_number: base.set_bold().set_num_format("#,##0"),
        }
    }
}

fn named_sheet<'a>(
    workbook: &'a mut Workbook,
    name: &str,
) -> Result<&'a mut Worksheet, ExportError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    Ok(sheet)
}

fn header(sheet: &mut Worksheet, formats: &Formats, names: &[&str]) -> Result<(), ExportError> {
    for (i, name) in names.iter().enumerate() {
        sheet.write_string_with_format(0, col(i)?, *name, &formats.header)?;
    }
    Ok(())
}

fn widths(sheet: &mut Worksheet, widths: &[f64]) -> Result<(), ExportError> {
    for (i, w) in widths.iter().enumerate() {
        sheet.set_column_width(col(i)?, *w)?;
    }
    Ok(())
}

/// A "Tổng cộng" row: the label in `label_col`, the numbers in their columns.
fn total_row(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    label_col: u16,
    numbers: &[(u16, f64)],
) -> Result<(), ExportError> {
    sheet.write_string_with_format(row, label_col, "Tổng cộng", &formats.total)?;
    for (c, n) in numbers {
        sheet.write_number_with_format(row, *c, *n, &formats.total_number)?;
    }
    Ok(())
}

/// A sheet of counts by one dimension, with shares and a total row.
fn count_sheet(
    workbook: &mut Workbook,
    formats: &Formats,
    name: &str,
    dimension: &str,
    counts: &[NamedCount],
    total: u64,
) -> Result<(), ExportError> {
    let sheet = named_sheet(workbook, name)?;
    widths(sheet, &[6.0, 50.0, 14.0, 12.0])?;
    header(sheet, formats, &["STT", dimension, "Số lượng", "Tỷ lệ"])?;
    let mut row = 1;
    for (i, c) in counts.iter().enumerate() {
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &formats.number)?;
        sheet.write_string_with_format(row, 1, &c.name, &formats.cell)?;
        sheet.write_number_with_format(row, 2, c.count as f64, &formats.number)?;
        sheet.write_number_with_format(row, 3, c.share, &formats.percent)?;
        row += 1;
    }
    let all = if total == 0 { 0.0 } else { 1.0 };
    sheet.write_string_with_format(row, 1, "Tổng cộng", &formats.total)?;
    sheet.write_number_with_format(row, 2, total as f64, &formats.total_number)?;
    sheet.write_number_with_format(row, 3, all, &formats.percent)?;
    Ok(())
}

fn col(i: usize) -> Result<u16, ExportError> {
    u16::try_from(i).map_err(|_| ExportError::Format("too many columns".to_owned()))
}

/// Cuts text to what one cell holds, saying so.
fn clip(text: String) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text;
    }
    let mark = " […]";
    let keep = MAX_CELL_CHARS - mark.chars().count();
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(mark);
    out
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

//! The report as a Word document laid out as a Vietnamese administrative report under Decree
//! 30/2020/NĐ-CP (Appendix I): A4 with 20 mm top and bottom, 30 mm left and 15 mm right
//! margins; Times New Roman; the issuing body and "Số: …/BC-…" on the left and the national
//! heading, its motto underlined and the place and date in italics on the right; "BÁO CÁO" and
//! its summary line; the tables; "Nơi nhận:" and the signature block; page numbers centred at
//! the top from page two.
//!
//! `word/document.xml` is written straight into a streaming zip entry, the question table row
//! by row as SQLite yields it, so a report of 100,000 questions never sits in memory.

use std::fs::File;
use std::io::{BufWriter, Write};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::{
    Export, ExportError, NamedCount, ReportQuestion, date_line, date_vn, kind_label, kinds_named,
    percent_vn, status_label,
};
use townhall_domain::{AnswerMode, Citizen};

/// The national heading.
pub(crate) const NATIONAL_NAME: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// The motto under it, underlined.
pub(crate) const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";

/// The text width between the margins: 210 − 30 − 15 mm, in twentieths of a point.
const TEXT_WIDTH: u32 = 9356;

/// Writes the document to `file`; returns how many questions it lists.
pub(crate) fn write(export: &Export<'_>, file: &mut File) -> Result<u64, ExportError> {
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, contents) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/styles.xml", STYLES),
        ("word/settings.xml", SETTINGS),
        ("word/header1.xml", HEADER),
    ] {
        zip.start_file(name, options)?;
        zip.write_all(contents.as_bytes())?;
    }
    zip.start_file("word/document.xml", options)?;
    let count = {
        let mut doc = Doc {
            out: BufWriter::with_capacity(64 * 1024, &mut zip),
        };
        let count = body(export, &mut doc)?;
        doc.out.flush()?;
        count
    };
    let mut inner = zip.finish()?;
    inner.flush()?;
    Ok(count)
}

/// The document's body, from the heading to the signature.
fn body<W: Write>(export: &Export<'_>, doc: &mut Doc<W>) -> Result<u64, ExportError> {
    let report = export.report;
    let options = export.options;
    let t = &report.totals;
    doc.raw(DOCUMENT_START)?;
    heading(export, doc)?;
    doc.para(&Para::centered().bold().before(360), "BÁO CÁO")?;
    doc.para(&Para::centered().bold(), &summary_line(export))?;
    doc.para(&Para::centered().before(0), "")?;

    doc.para(&Para::section(), "I. TÌNH HÌNH TỔ CHỨC ĐỐI THOẠI")?;
    let held = report.dialogues.len();
    doc.para(
        &Para::body(),
        &format!(
            "{}: tổ chức {held} hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với \
             Nhân dân. Số liệu tính đến ngày {}.",
            report.scope_label,
            date_vn(report.as_of)
        ),
    )?;
    if held > 0 {
        let widths = [700, 4156, 1700, 1300, 1000, 500];
        doc.table_start(&widths)?;
        doc.row(
            &widths,
            true,
            &[
                "STT",
                "Hội nghị",
                "Địa bàn",
                "Ngày tổ chức",
                "Số người dự",
                "Số ý kiến",
            ]
            .map(str::to_owned),
        )?;
        for (i, d) in report.dialogues.iter().enumerate() {
            doc.row(
                &widths,
                false,
                &[
                    (i + 1).to_string(),
                    d.title.clone(),
                    d.locality_name.clone(),
                    date_vn(d.held_on),
                    d.attendee_count.map(|n| n.to_string()).unwrap_or_default(),
                    d.questions.to_string(),
                ],
            )?;
        }
        doc.row(
            &widths,
            true,
            &[
                String::new(),
                "Tổng cộng".to_owned(),
                String::new(),
                String::new(),
                String::new(),
                t.questions.to_string(),
            ],
        )?;
        doc.table_end()?;
    }

    doc.para(&Para::section(), "II. KẾT QUẢ TIẾP NHẬN Ý KIẾN, KIẾN NGHỊ")?;
    doc.para(
        &Para::body(),
        &format!(
            "Tổng số ý kiến, kiến nghị đã tiếp nhận: {} (không kể {} ý kiến trùng đã gộp).",
            t.questions, t.merged
        ),
    )?;
    let kinds = kinds_named(report);
    doc.para(&Para::subsection(), "1. Theo loại")?;
    count_table(doc, "Loại", &kinds, t.questions)?;
    doc.para(&Para::subsection(), "2. Theo lĩnh vực")?;
    count_table(doc, "Lĩnh vực", &report.by_topic, t.questions)?;
    doc.para(&Para::subsection(), "3. Theo địa bàn")?;
    count_table(doc, "Địa bàn", &report.by_locality, t.questions)?;

    doc.para(&Para::section(), "III. KẾT QUẢ TRẢ LỜI, GIẢI QUYẾT")?;
    doc.para(
        &Para::body(),
        &format!(
            "Trả lời trực tiếp tại hội nghị: {} ý kiến ({}); trả lời bằng văn bản: {} ý kiến \
             ({}); chưa trả lời: {} ý kiến. Đã giải quyết xong: {} ý kiến, tỷ lệ giải quyết {}. \
             Quá hạn chưa trả lời: {} ý kiến.",
            t.answered_on_site,
            percent_vn(t.on_site_share),
            t.answered_in_writing,
            percent_vn(t.in_writing_share),
            t.not_answered,
            t.settled,
            percent_vn(t.resolution_rate),
            t.overdue
        ),
    )?;
    let statuses: Vec<NamedCount> = report
        .by_status
        .iter()
        .map(|s| NamedCount {
            id: None,
            name: status_label(s.status).to_owned(),
            count: s.count,
            share: if t.questions == 0 {
                0.0
            } else {
                s.count as f64 / t.questions as f64
            },
        })
        .collect();
    doc.para(&Para::subsection(), "1. Theo tình trạng")?;
    count_table(doc, "Tình trạng", &statuses, t.questions)?;

    doc.para(&Para::subsection(), "2. Kết quả trả lời của các cơ quan")?;
    if report.scorecards.is_empty() {
        doc.para(
            &Para::body(),
            "Chưa có ý kiến nào được giao cơ quan trả lời.",
        )?;
    } else {
        let widths = [600, 2756, 900, 900, 900, 900, 1000, 1000, 800];
        doc.table_start(&widths)?;
        doc.row(
            &widths,
            true,
            &[
                "STT",
                "Cơ quan",
                "Được giao",
                "Đã trả lời",
                "Đúng hạn",
                "Trễ hạn",
                "Số ngày làm việc (trung vị)",
                "Đang quá hạn",
                "Đã giải quyết",
            ]
            .map(str::to_owned),
        )?;
        let mut sums = [0u64; 6];
        for (i, s) in report.scorecards.iter().enumerate() {
            let numbers = [
                s.assigned,
                s.answered,
                s.answered_on_time,
                s.answered_late,
                s.overdue_now,
                s.resolved,
            ];
            for (sum, n) in sums.iter_mut().zip(numbers) {
                *sum += n;
            }
            doc.row(
                &widths,
                false,
                &[
                    (i + 1).to_string(),
                    s.name.clone(),
                    s.assigned.to_string(),
                    s.answered.to_string(),
                    s.answered_on_time.to_string(),
                    s.answered_late.to_string(),
                    s.median_working_days
                        .map(|d| format!("{d:.1}").replace('.', ","))
                        .unwrap_or_default(),
                    s.overdue_now.to_string(),
                    s.resolved.to_string(),
                ],
            )?;
        }
        doc.row(
            &widths,
            true,
            &[
                String::new(),
                "Tổng cộng".to_owned(),
                sums[0].to_string(),
                sums[1].to_string(),
                sums[2].to_string(),
                sums[3].to_string(),
                String::new(),
                sums[4].to_string(),
                sums[5].to_string(),
            ],
        )?;
        doc.table_end()?;
    }

    doc.para(&Para::subsection(), "3. Ý kiến quá hạn theo cơ quan")?;
    if report.overdue_by_agency.is_empty() {
        doc.para(&Para::body(), "Không có ý kiến quá hạn.")?;
    } else {
        let widths = [700, 6656, 2000];
        doc.table_start(&widths)?;
        doc.row(
            &widths,
            true,
            &["STT", "Cơ quan", "Số ý kiến quá hạn"].map(str::to_owned),
        )?;
        for (i, a) in report.overdue_by_agency.iter().enumerate() {
            doc.row(
                &widths,
                false,
                &[(i + 1).to_string(), a.name.clone(), a.count.to_string()],
            )?;
        }
        doc.row(
            &widths,
            true,
            &[String::new(), "Tổng cộng".to_owned(), t.overdue.to_string()],
        )?;
        doc.table_end()?;
    }

    doc.para(&Para::section(), "IV. DANH SÁCH Ý KIẾN, KIẾN NGHỊ")?;
    let personal_data = options.include_personal_data;
    let widths: &[u32] = if personal_data {
        &[600, 900, 3000, 1500, 2356, 1000]
    } else {
        &[600, 900, 3900, 2956, 1000]
    };
    let mut header = vec!["STT", "Số", "Nội dung"];
    if personal_data {
        header.push("Người nêu");
    }
    header.extend(["Trả lời, giao xử lý", "Tình trạng"]);
    doc.table_start(widths)?;
    doc.row(
        widths,
        true,
        &header.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
    )?;
    let mut index = 0u64;
    let count = export.questions(|q| {
        index += 1;
        let cells = question_row_cells(index, &q, personal_data);
        doc.row(widths, false, &cells)?;
        Ok(())
    })?;
    if count == 0 {
        let empty: Vec<String> = widths.iter().map(|_| String::new()).collect();
        doc.row(widths, false, &empty)?;
    }
    doc.table_end()?;

    closing(export, doc)?;
    doc.raw(DOCUMENT_END)?;
    Ok(count)
}

/// The cells of one question in the document's list.
fn question_row_cells(index: u64, q: &ReportQuestion, personal_data: bool) -> Vec<String> {
    let mut content = format!(
        "{} — {} — {}\n{}",
        kind_label(q.kind),
        q.topic_name.as_deref().unwrap_or("Chưa phân loại"),
        q.locality_name,
        q.content
    );
    content.push_str(&format!("\n(Tiếp nhận ngày {})", date_vn(q.captured_on)));
    let mut cells = vec![index.to_string(), q.number.clone(), content];
    if personal_data {
        cells.push(match &q.citizen {
            Some(Citizen::Named {
                name,
                locality,
                phone,
            }) => [
                Some(name.clone()),
                locality.clone(),
                phone.as_ref().map(|p| p.to_string()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n"),
            _ => "Ẩn danh".to_owned(),
        });
    }
    let mut answers = Vec::new();
    for a in &q.answers {
        answers.push(match (a.mode, &a.document_number, a.document_date) {
            (AnswerMode::OnSite, _, _) => {
                format!("Trả lời tại hội nghị ({}): {}", a.answered_by, a.content)
            }
            (AnswerMode::Written, Some(number), Some(date)) => format!(
                "Văn bản số {number} ngày {} ({}): {}",
                date_vn(date),
                a.answered_by,
                a.content
            ),
            (AnswerMode::Written, _, _) => format!(
                "Trả lời bằng văn bản ngày {} ({}): {}",
                date_vn(a.answered_on),
                a.answered_by,
                a.content
            ),
        });
    }
    for s in &q.assignments {
        let outcome = match s.answered_on {
            Some(d) if d <= s.due_on => format!("; đã trả lời đúng hạn ngày {}", date_vn(d)),
            Some(d) => format!("; trả lời trễ hạn ngày {}", date_vn(d)),
            None => String::new(),
        };
        answers.push(format!(
            "Giao {} ngày {}, hạn {}{outcome}",
            s.agency_name,
            date_vn(s.assigned_on),
            date_vn(s.due_on)
        ));
    }
    cells.push(answers.join("\n"));
    let mut status = status_label(q.status).to_owned();
    if q.overdue {
        status.push_str(" (quá hạn)");
    }
    cells.push(status);
    cells
}

/// The two-column heading: issuing body and number on the left, the national heading and the
/// date on the right.
fn heading<W: Write>(export: &Export<'_>, doc: &mut Doc<W>) -> Result<(), ExportError> {
    let o = export.options;
    let left = 3600;
    let right = TEXT_WIDTH - left;
    doc.raw(&format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/>\
         <w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/>\
         <w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders>\
         <w:tblCellMar><w:left w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"0\" w:type=\"dxa\"/></w:tblCellMar>\
         </w:tblPr><w:tblGrid><w:gridCol w:w=\"{left}\"/><w:gridCol w:w=\"{right}\"/></w:tblGrid><w:tr>"
    ))?;
    doc.cell_start(left)?;
    if let Some(superior) = &o.superior_body {
        doc.para(
            &Para::centered().size(26).after(0),
            &superior.to_uppercase(),
        )?;
    }
    doc.para(
        &Para::centered().bold().size(26).after(0),
        &o.issuing_body.to_uppercase(),
    )?;
    // A short rule under the issuing body, a third of the column wide.
    doc.para(&Para::centered().rule(1200).after(120).size(8), "")?;
    let number = if o.document_number.is_empty() {
        "      /BC".to_owned()
    } else {
        o.document_number.clone()
    };
    doc.para(&Para::centered().size(26), &format!("Số: {number}"))?;
    doc.cell_end()?;
    doc.cell_start(right)?;
    doc.para(&Para::centered().bold().size(26).after(0), NATIONAL_NAME)?;
    doc.para(
        &Para::centered().bold().underline().size(28).after(240),
        MOTTO,
    )?;
    doc.para(
        &Para::centered().italic().size(28),
        &date_line(&o.place, export.today),
    )?;
    doc.cell_end()?;
    doc.raw("</w:tr></w:tbl>")?;
    Ok(())
}

/// "Nơi nhận:" on the left and the signature block on the right.
fn closing<W: Write>(export: &Export<'_>, doc: &mut Doc<W>) -> Result<(), ExportError> {
    let o = export.options;
    doc.para(&Para::centered().before(240), "")?;
    let left = 4200;
    let right = TEXT_WIDTH - left;
    doc.raw(&format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/>\
         <w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/>\
         <w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders>\
         </w:tblPr><w:tblGrid><w:gridCol w:w=\"{left}\"/><w:gridCol w:w=\"{right}\"/></w:tblGrid>\
         <w:tr><w:trPr><w:cantSplit/></w:trPr>"
    ))?;
    doc.cell_start(left)?;
    doc.para(&Para::left().bold().italic().size(24).after(0), "Nơi nhận:")?;
    let mut recipients: Vec<String> = o.recipients.iter().map(|r| format!("- {r}")).collect();
    if recipients.is_empty() {
        recipients.push("- Lưu: VT.".to_owned());
    }
    for r in &recipients {
        doc.para(&Para::left().size(22).after(0), r)?;
    }
    doc.cell_end()?;
    doc.cell_start(right)?;
    if let Some(signer) = &o.signer {
        if let Some(authority) = &signer.authority {
            doc.para(
                &Para::centered().bold().size(28).after(0),
                &authority.to_uppercase(),
            )?;
        }
        doc.para(
            &Para::centered().bold().size(28).after(1400),
            &signer.title.to_uppercase(),
        )?;
        doc.para(&Para::centered().bold().size(28), &signer.name)?;
    } else {
        doc.para(&Para::centered(), "")?;
    }
    doc.cell_end()?;
    doc.raw("</w:tr></w:tbl>")?;
    Ok(())
}

/// The summary line under "BÁO CÁO".
fn summary_line(export: &Export<'_>) -> String {
    let report = export.report;
    let base = "Kết quả tiếp nhận, trả lời và giải quyết ý kiến, kiến nghị của Nhân dân";
    let title = report
        .scope
        .dialogue
        .and_then(|id| report.dialogues.iter().find(|d| d.id == id))
        .map(|d| d.title.clone());
    let period = report.scope.period.map(|p| lower_first(&p.label()));
    match (title, period) {
        (Some(title), Some(period)) => format!("{base} tại {title}, {period}"),
        (Some(title), None) => format!("{base} tại {title}"),
        (None, Some(period)) => format!("{base} tại các hội nghị đối thoại {period}"),
        (None, None) => format!("{base} tại các hội nghị đối thoại"),
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A table of counts with shares and a total row.
fn count_table<W: Write>(
    doc: &mut Doc<W>,
    dimension: &str,
    counts: &[NamedCount],
    total: u64,
) -> Result<(), ExportError> {
    let widths = [700, 5456, 1600, 1600];
    doc.table_start(&widths)?;
    doc.row(
        &widths,
        true,
        &["STT", dimension, "Số lượng", "Tỷ lệ"].map(str::to_owned),
    )?;
    for (i, c) in counts.iter().enumerate() {
        doc.row(
            &widths,
            false,
            &[
                (i + 1).to_string(),
                c.name.clone(),
                c.count.to_string(),
                percent_vn(c.share),
            ],
        )?;
    }
    doc.row(
        &widths,
        true,
        &[
            String::new(),
            "Tổng cộng".to_owned(),
            total.to_string(),
            percent_vn(if total == 0 { 0.0 } else { 1.0 }),
        ],
    )?;
    doc.table_end()?;
    Ok(())
}

/// How one paragraph looks.
#[derive(Clone, Debug)]
struct Para {
    align: &'static str,
    bold: bool,
    italic: bool,
    underline: bool,
    /// Half-points; 28 is 14 pt.
    size: u32,
    before: u32,
    after: u32,
    first_line: u32,
    /// A bottom rule this wide (twips), centred.
    rule: Option<u32>,
}

impl Para {
    fn centered() -> Self {
        Self {
            align: "center",
            bold: false,
            italic: false,
            underline: false,
            size: 28,
            before: 0,
            after: 0,
            first_line: 0,
            rule: None,
        }
    }

    fn left() -> Self {
        Self {
            align: "left",
            ..Self::centered()
        }
    }

    /// Body text: justified, first line indented 1 cm, 6 pt before.
    fn body() -> Self {
        Self {
            align: "both",
            first_line: 567,
            before: 120,
            ..Self::centered()
        }
    }

    fn section() -> Self {
        Self {
            align: "both",
            bold: true,
            first_line: 567,
            before: 240,
            after: 120,
            ..Self::centered()
        }
    }

    fn subsection() -> Self {
        Self {
            align: "both",
            bold: true,
            first_line: 567,
            before: 120,
            after: 120,
            ..Self::centered()
        }
    }

    fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    fn italic(mut self) -> Self {
        self.italic = true;
        self
    }

    fn underline(mut self) -> Self {
        self.underline = true;
        self
    }

    fn size(mut self, half_points: u32) -> Self {
        self.size = half_points;
        self
    }

    fn before(mut self, twips: u32) -> Self {
        self.before = twips;
        self
    }

    fn after(mut self, twips: u32) -> Self {
        self.after = twips;
        self
    }

    fn rule(mut self, width: u32) -> Self {
        self.rule = Some(width);
        self
    }
}

/// Writes WordprocessingML.
struct Doc<W: Write> {
    out: W,
}

impl<W: Write> Doc<W> {
    fn raw(&mut self, xml: &str) -> std::io::Result<()> {
        self.out.write_all(xml.as_bytes())
    }

    /// One paragraph; newlines in `text` become line breaks.
    fn para(&mut self, p: &Para, text: &str) -> std::io::Result<()> {
        self.raw("<w:p><w:pPr>")?;
        if let Some(width) = p.rule {
            // Centre a rule of `width` in the cell by indenting both sides.
            let side = 3600u32.saturating_sub(width) / 2;
            write!(
                self.out,
                "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" w:color=\"auto\"/></w:pBdr>\
                 <w:ind w:left=\"{side}\" w:right=\"{side}\"/>"
            )?;
        }
        write!(
            self.out,
            "<w:spacing w:before=\"{}\" w:after=\"{}\"/>",
            p.before, p.after
        )?;
        if p.first_line > 0 {
            write!(self.out, "<w:ind w:firstLine=\"{}\"/>", p.first_line)?;
        }
        write!(self.out, "<w:jc w:val=\"{}\"/></w:pPr>", p.align)?;
        let mut props = String::new();
        if p.bold {
            props.push_str("<w:b/><w:bCs/>");
        }
        if p.italic {
            props.push_str("<w:i/><w:iCs/>");
        }
        if p.underline {
            props.push_str("<w:u w:val=\"single\"/>");
        }
        props.push_str(&format!(
            "<w:sz w:val=\"{0}\"/><w:szCs w:val=\"{0}\"/>",
            p.size
        ));
        self.runs(&props, text)?;
        self.raw("</w:p>")
    }

    /// Runs of `text` with run properties `props`, a line break at each newline.
    fn runs(&mut self, props: &str, text: &str) -> std::io::Result<()> {
        for (i, line) in text.split('\n').enumerate() {
            write!(self.out, "<w:r><w:rPr>{props}</w:rPr>")?;
            if i > 0 {
                self.raw("<w:br/>")?;
            }
            self.raw("<w:t xml:space=\"preserve\">")?;
            escape(&mut self.out, line)?;
            self.raw("</w:t></w:r>")?;
        }
        Ok(())
    }

    /// Starts a bordered table of these column widths (twips).
    fn table_start(&mut self, widths: &[u32]) -> std::io::Result<()> {
        let total: u32 = widths.iter().sum();
        write!(
            self.out,
            "<w:tbl><w:tblPr><w:tblW w:w=\"{total}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/>\
             <w:tblLayout w:type=\"fixed\"/><w:tblBorders>\
             <w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>\
             <w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>\
             <w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>\
             <w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>\
             <w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>\
             <w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>\
             </w:tblBorders><w:tblCellMar><w:left w:w=\"80\" w:type=\"dxa\"/>\
             <w:right w:w=\"80\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>"
        )?;
        for w in widths {
            write!(self.out, "<w:gridCol w:w=\"{w}\"/>")?;
        }
        self.raw("</w:tblGrid>")
    }

    fn table_end(&mut self) -> std::io::Result<()> {
        self.raw("</w:tbl>")
    }

    /// One table row; a header row is bold and repeats at the top of each page.
    fn row(&mut self, widths: &[u32], header: bool, cells: &[String]) -> std::io::Result<()> {
        self.raw("<w:tr>")?;
        if header {
            self.raw("<w:trPr><w:tblHeader/></w:trPr>")?;
        }
        for (width, text) in widths.iter().zip(cells) {
            self.cell_start(*width)?;
            let para = Para {
                align: if text.chars().count() > 12 {
                    "left"
                } else {
                    "center"
                },
                bold: header,
                size: 26,
                ..Para::centered()
            };
            self.para(&para, text)?;
            self.cell_end()?;
        }
        self.raw("</w:tr>")
    }

    fn cell_start(&mut self, width: u32) -> std::io::Result<()> {
        write!(
            self.out,
            "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>"
        )
    }

    fn cell_end(&mut self) -> std::io::Result<()> {
        self.raw("</w:tc>")
    }
}

/// Writes `text` escaped for XML, leaving out characters XML 1.0 cannot hold.
fn escape(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\t' => "",
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => "",
            _ => continue,
        };
        out.write_all(&text.as_bytes()[start..i])?;
        out.write_all(replacement.as_bytes())?;
        start = i + c.len_utf8();
    }
    out.write_all(&text.as_bytes()[start..])
}

const DOCUMENT_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>";

/// The section: A4 portrait, Decree 30 margins, the page-number header from page two.
const DOCUMENT_END: &str = "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rIdHeader\"/>\
<w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
<w:pgMar w:top=\"1134\" w:right=\"851\" w:bottom=\"1134\" w:left=\"1701\" w:header=\"567\" \
w:footer=\"567\" w:gutter=\"0\"/><w:titlePg/></w:sectPr></w:body></w:document>";

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>\
<Override PartName=\"/word/header1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
</Relationships>";

const DOCUMENT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rIdStyles\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
<Relationship Id=\"rIdSettings\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>\
<Relationship Id=\"rIdHeader\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"header1.xml\"/>\
</Relationships>";

/// Times New Roman 14 pt for every script, Vietnamese as the language.
const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:docDefaults><w:rPrDefault><w:rPr>\
<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"Times New Roman\" w:cs=\"Times New Roman\"/>\
<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/><w:lang w:val=\"vi-VN\" w:eastAsia=\"vi-VN\" w:bidi=\"ar-SA\"/>\
</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"288\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault>\
</w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/>\
<w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"Times New Roman\" w:cs=\"Times New Roman\"/>\
<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/></w:rPr></w:style>\
<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>\
<w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>\
<w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>\
</w:tblCellMar></w:tblPr></w:style>\
</w:styles>";

const SETTINGS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:defaultTabStop w:val=\"720\"/><w:compat/></w:settings>";

/// The page number, centred at the top; `w:titlePg` keeps it off the first page.
const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:hdr xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>\
<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>\
<w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>\
<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>\
<w:r><w:t>2</w:t></w:r>\
<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p></w:hdr>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_stripped_of_what_xml_cannot_hold() {
        let mut out = Vec::new();
        escape(&mut out, "a < b & \"c\" > d\u{1}\tđ").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a &lt; b &amp; &quot;c&quot; &gt; dđ"
        );
    }
}

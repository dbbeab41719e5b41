//! The question list as CSV for Excel: UTF-8 with a byte-order mark (without it Excel reads
//! Vietnamese as Windows-1252), RFC 4180 quoting and CRLF line ends.
//!
//! Citizens' text is untrusted: a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage
//! return) would run as a formula when the file is opened in a spreadsheet, so it is written
//! with a leading apostrophe, which spreadsheets show as text.

use std::fs::File;
use std::io::{BufWriter, Write};

use super::{Cell, Export, ExportError, question_cells, question_columns};

/// The UTF-8 byte-order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes the question list to `file`; returns how many questions it holds.
pub(crate) fn write(export: &Export<'_>, file: &mut File) -> Result<u64, ExportError> {
    let personal_data = export.options.include_personal_data;
    let mut out = BufWriter::new(file);
    out.write_all(BOM)?;
    let header: Vec<Cell> = question_columns(personal_data)
        .into_iter()
        .map(|c| Cell::Text(c.to_owned()))
        .collect();
    write_record(&mut out, &header)?;
    let mut index = 0;
    let count = export.questions(|question| {
        index += 1;
        write_record(&mut out, &question_cells(index, &question, personal_data))?;
        Ok(())
    })?;
    out.flush()?;
    Ok(count)
}

/// Writes one record and its CRLF.
fn write_record(out: &mut impl Write, cells: &[Cell]) -> std::io::Result<()> {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        match cell {
            Cell::Number(n) => write!(out, "{n}")?,
            Cell::Text(text) => out.write_all(field(text).as_bytes())?,
        }
    }
    out.write_all(b"\r\n")
}

/// One text field: guarded against formulas, then quoted when it holds a comma, a quote, a
/// line break or a leading or trailing space.
pub(crate) fn field(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    let needs_quotes = guarded.contains([',', '"', '\n', '\r'])
        || guarded.starts_with(' ')
        || guarded.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_guarded() {
        let cases = [
            ("Đường liên thôn", "Đường liên thôn"),
            ("a, b", "\"a, b\""),
            ("nói \"không\"", "\"nói \"\"không\"\"\""),
            ("dòng 1\ndòng 2", "\"dòng 1\ndòng 2\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+84912345678", "'+84912345678"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(field(input), expected, "{input:?}");
        }
    }
}

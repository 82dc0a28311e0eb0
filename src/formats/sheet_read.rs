//! Reads the first non-empty worksheet of an Excel workbook (.xlsx through its zip
//! container, .xls through its OLE2 container) with calamine, into the same row stream
//! a CSV gives (`table::Table`), so import mappings apply unchanged.
//!
//! Cells become the text a person sees: numbers to at most 15 significant digits (what
//! Excel itself shows and stores exactly), dates as `YYYY-MM-DD`, booleans as
//! `TRUE`/`FALSE`, error cells as their code (`#N/A`). Row numbers are the sheet's own.
//! Must not interpret the cells (amounts and dates are the mapping's business) and must
//! not panic on a damaged file.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader};
use rust_decimal::Decimal;

use super::table::{Table, TableRow};
use crate::error::DataError;

/// Which workbook container a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SheetKind {
    Xlsx,
    Xls,
}

impl SheetKind {
    /// Recognises a workbook by its bytes: a zip holding `xl/workbook.xml` or an OLE2
    /// compound file (the .xls container).
    pub fn sniff(bytes: &[u8]) -> Option<SheetKind> {
        if bytes.starts_with(b"PK\x03\x04")
            && memchr::memmem::find(bytes, b"xl/workbook.xml").is_some()
        {
            Some(SheetKind::Xlsx)
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            Some(SheetKind::Xls)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SheetKind::Xlsx => "xlsx",
            SheetKind::Xls => "xls",
        }
    }
}

fn bad(path: &Path, kind: SheetKind, what: impl std::fmt::Display) -> DataError {
    DataError::new(
        path,
        format!("not a readable .{} workbook: {what}", kind.name()),
        "open the file in Excel and save it again as .xlsx, or export CSV instead",
    )
}

/// Reads the first worksheet that has any cell.
pub fn read_sheet(path: &Path, bytes: &[u8], kind: SheetKind) -> Result<Table, DataError> {
    // calamine is third-party code over untrusted bytes: a panic inside it becomes a
    // rejected file, never a crash of the import.
    let result = std::panic::catch_unwind(|| read_unguarded(path, bytes, kind));
    result.unwrap_or_else(|_| Err(bad(path, kind, "the workbook structure is damaged")))
}

fn read_unguarded(path: &Path, bytes: &[u8], kind: SheetKind) -> Result<Table, DataError> {
    let cursor = Cursor::new(bytes);
    let mut book: calamine::Sheets<Cursor<&[u8]>> = match kind {
        SheetKind::Xlsx => calamine::Sheets::Xlsx(
            calamine::open_workbook_from_rs(cursor).map_err(|e| bad(path, kind, e))?,
        ),
        SheetKind::Xls => calamine::Sheets::Xls(
            calamine::open_workbook_from_rs(cursor).map_err(|e| bad(path, kind, e))?,
        ),
    };
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| bad(path, kind, format!("sheet {name:?}: {e}")))?;
        let Some((row0, col0)) = range.start() else {
            continue;
        };
        let mut rows = Vec::new();
        for (i, cells) in range.rows().enumerate() {
            let cells: Vec<String> = cells.iter().map(cell_text).collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            rows.push(TableRow {
                line: row0 as usize + i + 1,
                cells,
            });
        }
        if rows.is_empty() {
            continue;
        }
        return Ok(Table {
            rows,
            first_column: col0 as usize + 1,
            sheet: Some(name),
        });
    }
    Err(DataError::new(
        path,
        "the workbook has no sheet with data",
        "export the data again; the file may have been saved empty",
    ))
}

/// The text of a cell as Excel shows it (see the module comment).
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            // calamine converts the serial in the workbook's own date system (1900/1904).
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => float_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// A stored double as the decimal Excel displays: rounded to 15 significant digits,
/// trailing zeros dropped (`0.1 + 0.2` → `0.3`, `1234.56` → `1234.56`).
fn float_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let sci = format!("{f:.14e}");
    match Decimal::from_scientific(&sci) {
        Ok(d) => d.normalize().to_string(),
        Err(_) => f.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_excel_shows_them() {
        assert_eq!(float_text(1234.56), "1234.56");
        assert_eq!(float_text(0.1 + 0.2), "0.3");
        assert_eq!(float_text(-600.71), "-600.71");
        assert_eq!(float_text(3500.0), "3500");
        assert_eq!(float_text(1e-7), "0.0000001");
        assert_eq!(float_text(0.0), "0");
        assert_eq!(float_text(f64::NAN), "NaN");
    }

    #[test]
    fn sniffs_containers() {
        assert_eq!(
            SheetKind::sniff(b"PK\x03\x04....xl/workbook.xml...."),
            Some(SheetKind::Xlsx)
        );
        assert_eq!(SheetKind::sniff(b"PK\x03\x04....markup.bcf"), None);
        assert_eq!(
            SheetKind::sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(SheetKind::Xls)
        );
        assert_eq!(SheetKind::sniff(b"a,b,c"), None);
    }

    #[test]
    fn damaged_workbooks_are_errors() {
        let p = Path::new("x.xlsx");
        let e = read_sheet(p, b"PK\x03\x04 xl/workbook.xml garbage", SheetKind::Xlsx).unwrap_err();
        assert!(e.message.contains("not a readable .xlsx"), "{e}");
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.extend([0u8; 600]);
        assert!(read_sheet(p, &ole, SheetKind::Xls).is_err());
    }
}

//! The row stream every tabular import reads: a CSV (UTF-8, BOM stripped) or the first
//! worksheet of an .xlsx/.xls workbook becomes rows of cell texts with the line (CSV)
//! or sheet row number they came from, and the header row is found the same way for
//! both. Import mappings then apply to either without knowing which it was.
//!
//! Must not interpret cells: amounts and dates are parsed by the mapping under its
//! declared locale and date format.

use std::path::Path;

use super::sheet_read::{read_sheet, SheetKind};
use crate::error::DataError;

/// One non-blank row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// 1-based physical line of a CSV record, or the sheet's row number.
    pub line: usize,
    pub cells: Vec<String>,
}

/// The non-blank rows of a file, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub rows: Vec<TableRow>,
    /// 1-based column of `cells[0]` (a sheet may start right of column A).
    pub first_column: usize,
    /// The worksheet read, for a workbook.
    pub sheet: Option<String>,
}

/// How many leading rows may precede the header (titles, report dates).
pub const HEADER_SEARCH_ROWS: usize = 20;

impl Table {
    /// Reads a CSV or workbook, telling them apart by content.
    pub fn read(path: &Path, bytes: &[u8]) -> Result<Table, DataError> {
        match SheetKind::sniff(bytes) {
            Some(kind) => read_sheet(path, bytes, kind),
            None => read_csv(path, bytes),
        }
    }

    /// The header row: the first row (within the first `HEADER_SEARCH_ROWS`) whose
    /// trimmed cells pass `accept`, else the first row. Returns its index in `rows`.
    pub fn header_index(&self, accept: impl Fn(&[String]) -> bool) -> Option<usize> {
        let trimmed: Vec<Vec<String>> = self
            .rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .map(|r| r.cells.iter().map(|c| c.trim().to_string()).collect())
            .collect();
        trimmed
            .iter()
            .position(|cells| accept(cells))
            .or((!self.rows.is_empty()).then_some(0))
    }

    /// The 1-based column number of cell `index`.
    pub fn column(&self, index: usize) -> usize {
        self.first_column + index
    }
}

/// Reads a CSV's non-blank records (fields of any count; the importer checks widths).
pub fn read_csv(path: &Path, bytes: &[u8]) -> Result<Table, DataError> {
    read_csv_rows(path, bytes, None)
}

/// Reads at most `limit` non-blank CSV records (all with `None`).
pub fn read_csv_rows(path: &Path, bytes: &[u8], limit: Option<usize>) -> Result<Table, DataError> {
    let text = super::detect::utf8_text(path, bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        if limit.is_some_and(|l| rows.len() >= l) {
            break;
        }
        let rec = rec.map_err(|e| {
            DataError::csv(
                path,
                text.as_bytes(),
                &e,
                "the file may be truncated or have an unclosed quote",
            )
        })?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(TableRow {
            line: crate::error::csv_line(text.as_bytes(), rec.position()),
            cells: rec.iter().map(str::to_string).collect(),
        });
    }
    Ok(Table {
        rows,
        first_column: 1,
        sheet: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_lines_and_skip_blanks() {
        let t = read_csv(
            Path::new("a.csv"),
            b"\xEF\xBB\xBFReport,\r\n\r\nA,B\r\n1,\"x\ny\"\r\n,\r\n2,z\r\n",
        )
        .unwrap();
        let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 3, 4, 7]);
        assert_eq!(t.rows[2].cells, vec!["1", "x\ny"]);
        assert_eq!(t.header_index(|c| c.iter().any(|c| c == "B")), Some(1));
        assert_eq!(t.header_index(|_| false), Some(0));
        let first = read_csv_rows(Path::new("a.csv"), b"A\n1\n2\n3\n", Some(2)).unwrap();
        assert_eq!(first.rows.len(), 2);
    }
}

//! CSV record tables read with their exact header: rows kept verbatim with the physical
//! line each starts on, and helpers that turn bad cells into `DataError`s naming the
//! file, line and column. Shared by every CSV record reader (schedule, costs).
//!
//! Must not interpret the columns: callers own their meaning.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::error::{csv_line, DataError};
use crate::project::serde_util::parse_decimal_strict;

/// One CSV table read with its exact header; rows as (line, fields).
pub struct Table {
    pub path: PathBuf,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads `path`, which must start with exactly `header`. A missing file is an empty
/// table unless `required`. `doc` names the docs/DATA.md section for hints.
pub fn read_table(
    path: &Path,
    header: &[&str],
    required: bool,
    doc: &str,
) -> Result<Table, DataError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Table {
                path: path.to_path_buf(),
                rows: Vec::new(),
            })
        }
        Err(e) => {
            return Err(DataError::new(
                path,
                format!("cannot read the file: {e}"),
                format!("see docs/DATA.md, section \"{doc}\""),
            ))
        }
    };
    parse_table(path, &bytes, header)
}

/// Parses CSV bytes as a table with exactly `header` (see `read_table`).
pub fn parse_table(path: &Path, bytes: &[u8], header: &[&str]) -> Result<Table, DataError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let got: Vec<String> = rdr
        .headers()
        .map_err(|e| DataError::csv(path, bytes, &e, "the file must be UTF-8 CSV"))?
        .iter()
        .map(str::to_string)
        .collect();
    if got != header {
        return Err(DataError::new(
            path,
            format!("the header is `{}`", got.join(",")),
            format!("the header must be exactly `{}`", header.join(",")),
        )
        .line(1));
    }
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(bytes);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            DataError::csv(
                path,
                bytes,
                &e,
                "each row needs as many fields as the header; quote fields with commas",
            )
        })?;
        rows.push((
            lines.line_at(rec.position()),
            // Values are kept verbatim: names may start or end with spaces.
            rec.iter().map(str::to_string).collect(),
        ));
    }
    Ok(Table {
        path: path.to_path_buf(),
        rows,
    })
}

/// `error::csv_line` for records read in order, in linear time: counts line breaks
/// only between one record and the next.
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            byte: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, pos: Option<&csv::Position>) -> usize {
        let mut byte = pos
            .map(|p| p.byte() as usize)
            .unwrap_or(0)
            .min(self.text.len());
        while byte < self.text.len() && matches!(self.text[byte], b'\r' | b'\n') {
            byte += 1;
        }
        if byte < self.byte {
            return csv_line(self.text, pos); // out of order: count from the start
        }
        self.line += memchr::memchr_iter(b'\n', &self.text[self.byte..byte]).count();
        self.byte = byte;
        self.line
    }
}

impl Table {
    /// An error about `field` on `line`.
    pub fn err(&self, line: usize, field: &str, message: String, hint: &str) -> DataError {
        DataError::new(&self.path, message, hint)
            .line(line)
            .field(field.to_string())
    }

    /// A plain decimal cell; an empty cell is `default` when there is one.
    pub fn dec(
        &self,
        line: usize,
        field: &str,
        v: &str,
        default: Option<Decimal>,
    ) -> Result<Decimal, DataError> {
        if v.is_empty() {
            if let Some(d) = default {
                return Ok(d);
            }
        }
        parse_decimal_strict(v).ok_or_else(|| {
            self.err(
                line,
                field,
                format!("{v:?} is not a decimal number"),
                "write plain decimals like 40 or 7.5",
            )
        })
    }

    /// An optional text cell: empty is `None`.
    pub fn opt(v: &str) -> Option<String> {
        (!v.is_empty()).then(|| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_must_match_and_lines_are_physical() {
        let p = Path::new("t.csv");
        let e = parse_table(p, b"a,c\n1,2\n", &["a", "b"])
            .err()
            .map(|e| e.line);
        assert_eq!(e, Some(Some(1)));
        let t = parse_table(p, b"a,b\r\n1,\"x\ny\"\r\n3,4\r\n", &["a", "b"]).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].0, 4);
        let e = t.dec(4, "a", "1,5", None).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(4), Some("a")));
        assert_eq!(t.dec(4, "a", "", Some(Decimal::ONE)).unwrap(), Decimal::ONE);
    }

    #[test]
    fn line_numbers_equal_csv_line_and_are_linear() {
        let mut text = b"a,b\r\n".to_vec();
        for i in 0..2000 {
            if i % 7 == 0 {
                text.extend_from_slice(format!("{i},\"x\ny\"\r\n").as_bytes());
            } else {
                text.extend_from_slice(format!("{i},z\n").as_bytes());
            }
        }
        let t = parse_table(Path::new("t.csv"), &text, &["a", "b"]).unwrap();
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_slice());
        for ((line, _), rec) in t.rows.iter().zip(rdr.records()) {
            assert_eq!(*line, csv_line(&text, rec.unwrap().position()));
        }
    }
}

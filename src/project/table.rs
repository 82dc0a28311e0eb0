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
            csv_line(bytes, rec.position()),
            // Values are kept verbatim: names may start or end with spaces.
            rec.iter().map(str::to_string).collect(),
        ));
    }
    Ok(Table {
        path: path.to_path_buf(),
        rows,
    })
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
}

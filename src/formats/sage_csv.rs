//! Sage 300 Construction and Real Estate (Timberline) import CSVs: AP invoices and job
//! cost transactions. Sage installs define their own import layouts, so the columns and
//! their order come from the mapping (`columns = [...]`); this writer enforces what
//! every Sage install requires: text fields double-quoted, dates `mm/dd/yyyy`, amounts
//! with two decimals, and field lengths Sage refuses beyond (cost code 12, category 3,
//! vendor 10, invoice 15, description 30).
//!
//! Must not choose columns or values (the mapping does).

use super::csv_write::{self, Cell, CsvStyle};
use crate::mapping::{expr::Value, Output};

/// Field length limits Sage 300 CRE enforces (formats.md §8).
pub const LIMITS: [(&str, usize); 6] = [
    ("cost_code", 12),
    ("category", 3),
    ("vendor", 10),
    ("invoice", 15),
    ("description", 30),
    ("line_description", 30),
];

/// Quoted text, CRLF: what Sage's import definitions read.
pub const STYLE: CsvStyle = CsvStyle {
    crlf: true,
    quote_text: true,
};

/// The problems of mapped rows: (row index, message).
pub fn problems(rows: &[Output]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        for (field, max) in LIMITS {
            if let Some(Value::Str(s)) = r.get(field) {
                let n = s.chars().count();
                if n > max {
                    out.push((
                        i,
                        format!("{field} {s:?} has {n} characters; Sage 300 takes at most {max}"),
                    ));
                }
            }
        }
    }
    out
}

/// Writes the rows in the mapping's `columns` (header, field) with a header row.
pub fn write(columns: &[(String, String)], rows: &[Output]) -> Vec<u8> {
    let header: Vec<&str> = columns.iter().map(|(h, _)| h.as_str()).collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|(_, f)| {
                    r.get(f)
                        .map(|v| csv_write::value_cell(v, csv_write::us_date))
                        .unwrap_or(Cell::Empty)
                })
                .collect()
        })
        .collect();
    csv_write::write(&header, &cells, STYLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_us_dates_plain_numbers_and_limits() {
        let mut r = Output::new();
        r.insert("cost_code".into(), Value::Str("03 30 00".into()));
        r.insert("amount".into(), Value::Num("-1250.5".parse().unwrap()));
        r.insert(
            "date".into(),
            Value::Date(time::macros::date!(2026 - 04 - 03)),
        );
        let cols: Vec<(String, String)> = [
            ("Cost Code", "cost_code"),
            ("Date", "date"),
            ("Amount", "amount"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let out = String::from_utf8(write(&cols, std::slice::from_ref(&r))).unwrap();
        assert_eq!(
            out,
            "\"Cost Code\",\"Date\",\"Amount\"\r\n\"03 30 00\",\"04/03/2026\",-1250.50\r\n"
        );
        assert!(problems(std::slice::from_ref(&r)).is_empty());
        r.insert("cost_code".into(), Value::Str("0123456789ABC".into()));
        r.insert("vendor".into(), Value::Str("V123456789X".into()));
        let p = problems(&[r]);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].1.contains("at most 12"));
    }
}

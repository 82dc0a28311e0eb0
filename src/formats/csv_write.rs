//! The one CSV writer for drop files bound for spreadsheets and accounting imports.
//! Cells are typed: numbers are written as given, text cells are neutralised against
//! formula injection (a leading `=`, `+`, `-`, `@`, tab or carriage return gets an
//! apostrophe in front, unless the text is a plain number).
//!
//! `value_cell` turns a mapping's output value into a cell, with the target's date
//! format. Must not reorder rows or decide columns (the format modules do).

use rust_decimal::Decimal;
use time::Date;

use crate::mapping::expr::Value;
use crate::project::serde_util::parse_decimal_strict;

/// One cell of a drop file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Free text: neutralised when a spreadsheet could read it as a formula.
    Text(String),
    /// A number already formatted for the target (`-1234.50`): written unchanged.
    Num(String),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

/// Quoting and line ends a target expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvStyle {
    /// CRLF (Windows tools) or LF.
    pub crlf: bool,
    /// Quote every text cell (Sage 300 "fields are double-quoted"); otherwise only
    /// cells that need it.
    pub quote_text: bool,
}

/// Quote only where needed, CRLF line ends: what Excel, Procore and QuickBooks Online read.
pub const SPREADSHEET: CsvStyle = CsvStyle {
    crlf: true,
    quote_text: false,
};

/// Guards a text cell against spreadsheet formula injection: a cell that starts with
/// `=`, `+`, `-`, `@`, tab or carriage return and is not a plain number gets a
/// leading apostrophe.
pub fn neutralise(text: &str) -> String {
    let risky = matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    if risky && parse_decimal_strict(text).is_none() {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A number as drop files write it: two decimals (`-1234.50`), or every decimal it has
/// when it has more (a unit cost of `12.375`). No thousands separators.
pub fn number(d: Decimal) -> String {
    if d.scale() <= 2 {
        crate::money::plain(d)
    } else {
        d.normalize().to_string()
    }
}

/// A mapping output value as a cell: numbers via `number`, dates via `date`, booleans
/// as `True`/`False`, null as an empty cell.
pub fn value_cell(v: &Value, date: fn(Date) -> String) -> Cell {
    match v {
        Value::Null => Cell::Empty,
        Value::Num(n) => Cell::Num(number(*n)),
        Value::Date(d) => Cell::Text(date(*d)),
        Value::Bool(b) => Cell::text(if *b { "True" } else { "False" }),
        Value::Str(s) if s.is_empty() => Cell::Empty,
        Value::Str(s) => Cell::text(s.as_str()),
    }
}

/// `M/D/YYYY` without leading zeros, as Procore writes dates.
pub fn us_date_short(d: Date) -> String {
    format!("{}/{}/{}", u8::from(d.month()), d.day(), d.year())
}

/// `MM/DD/YYYY`, as QuickBooks and Sage 300 want them.
pub fn us_date(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", u8::from(d.month()), d.day(), d.year())
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn needs_quotes(s: &str) -> bool {
    s.contains([',', '"', '\n', '\r'])
}

/// Writes a header row and data rows.
pub fn write(header: &[&str], rows: &[Vec<Cell>], style: CsvStyle) -> Vec<u8> {
    let mut out = String::new();
    let eol = if style.crlf { "\r\n" } else { "\n" };
    let head: Vec<Cell> = header.iter().map(|h| Cell::text(*h)).collect();
    for row in std::iter::once(&head).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Empty => String::new(),
                Cell::Num(n) => n.clone(),
                Cell::Text(t) => {
                    let t = neutralise(t);
                    if style.quote_text || needs_quotes(&t) {
                        quote(&t)
                    } else {
                        t
                    }
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str(eol);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_neutralised_numbers_are_not() {
        let rows = vec![vec![
            Cell::text("=HYPERLINK(\"http://x\")"),
            Cell::text("+1+1"),
            Cell::text("-2+3"),
            Cell::text("@SUM(A1)"),
            Cell::text("\tx"),
            Cell::text("\rx"),
            Cell::Num("-1234.50".into()),
            Cell::text("-12.50"),
            Cell::text("plain, with comma"),
            Cell::Empty,
        ]];
        let out = String::from_utf8(write(&["a"; 10], &rows, SPREADSHEET)).unwrap();
        let line = out.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "\"'=HYPERLINK(\"\"http://x\"\")\",'+1+1,'-2+3,'@SUM(A1),'\tx,\"'\rx\",-1234.50,-12.50,\"plain, with comma\","
        );
        assert!(out.ends_with("\r\n"));
    }

    #[test]
    fn every_risky_first_character_is_covered() {
        for c in ['=', '+', '-', '@', '\t', '\r'] {
            let s = format!("{c}cmd|' /C calc'!A0");
            assert!(neutralise(&s).starts_with('\''), "{c:?}");
        }
        assert_eq!(neutralise("Concrete"), "Concrete");
        assert_eq!(neutralise("-5"), "-5");
    }

    #[test]
    fn values_and_dates() {
        let d = time::macros::date!(2026 - 03 - 05);
        assert_eq!(us_date(d), "03/05/2026");
        assert_eq!(us_date_short(d), "3/5/2026");
        let n = |s: &str| value_cell(&Value::Num(s.parse().unwrap()), us_date);
        assert_eq!(n("-12.5"), Cell::Num("-12.50".into()));
        assert_eq!(n("12.375"), Cell::Num("12.375".into()));
        assert_eq!(n("1000000"), Cell::Num("1000000.00".into()));
        assert_eq!(
            value_cell(&Value::Date(d), us_date),
            Cell::text("03/05/2026")
        );
        assert_eq!(
            value_cell(&Value::Bool(false), us_date),
            Cell::text("False")
        );
        assert_eq!(value_cell(&Value::Null, us_date), Cell::Empty);
    }

    #[test]
    fn quote_text_quotes_only_text() {
        let style = CsvStyle {
            crlf: false,
            quote_text: true,
        };
        let out = write(
            &["A", "B"],
            &[vec![Cell::text("V1"), Cell::Num("-2.00".into())]],
            style,
        );
        assert_eq!(out, b"\"A\",\"B\"\n\"V1\",-2.00\n");
    }
}

//! Reads QuickBooks Desktop IIF (Intuit Interchange Format): tab-separated lines where a
//! `!KEYWORD` line declares the columns of the `KEYWORD` lines after it. Transactions are
//! `TRNS`, one or more `SPL`, then `ENDTRNS`; every transaction must balance (its TRNS
//! and SPL amounts sum to zero, double entry), checked here with the lines named. Other
//! keywords (`ACCNT`, `VEND`, `CUST`, `CLASS`, `INVITEM`, …) are list records, kept as
//! column → value (a value past the declared columns, or under an empty column name,
//! is kept under `#<field number>`).
//!
//! UTF-8 (with or without BOM) or, failing that, Windows-1252 (what QuickBooks writes).
//! Blank lines are skipped, fields lose one pair of surrounding double quotes. Amounts
//! are exact decimals; the transaction `DATE` is `M/D/YY` or `M/D/YYYY`. Must not panic
//! on any input, and must not know what a transaction means to the project.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use super::amount::{parse_amount, parse_date, DateFormat, NumberLocale};
use crate::error::DataError;
use crate::project::serde_util::IsoDate;

/// One TRNS or SPL line of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IifLine {
    /// 1-based line in the file.
    pub line: usize,
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub amount: Decimal,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub memo: String,
    /// Every non-empty column of the line, as written.
    pub fields: BTreeMap<String, String>,
}

/// One balanced transaction: its TRNS line then its SPL lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IifTransaction {
    /// Line of the TRNS.
    pub line: usize,
    pub trnstype: String,
    pub date: IsoDate,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub docnum: String,
    pub trns: IifLine,
    pub splits: Vec<IifLine>,
}

impl IifTransaction {
    /// The amount of the TRNS line (the splits carry the opposite).
    pub fn amount(&self) -> Decimal {
        self.trns.amount
    }
}

/// A list record (`VEND`, `ACCNT`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IifListRecord {
    pub line: usize,
    pub fields: BTreeMap<String, String>,
}

/// The content of an IIF file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IifFile {
    pub transactions: Vec<IifTransaction>,
    /// Keyword (`VEND`, `ACCNT`, …) → its records in file order.
    pub lists: BTreeMap<String, Vec<IifListRecord>>,
}

const HINT: &str = "export the file from QuickBooks again (File → Utilities → Export); IIF must keep its tabs and !header lines exactly";

fn err(path: &Path, line: usize, message: impl Into<String>) -> DataError {
    DataError::new(path, message, HINT).line(line)
}

/// Splits one line into fields, dropping one pair of surrounding quotes per field.
fn fields(line: &str) -> Vec<String> {
    line.split('\t')
        .map(|f| {
            let t = f.trim_matches(' ');
            match t.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                Some(inner) => inner.to_string(),
                None => t.to_string(),
            }
        })
        .collect()
}

/// An open transaction: TRNS line + SPL lines, not yet closed by ENDTRNS.
struct Open {
    trns: (usize, BTreeMap<String, String>),
    splits: Vec<(usize, BTreeMap<String, String>)>,
}

/// Parses an IIF file.
pub fn read_iif(path: &Path, bytes: &[u8]) -> Result<IifFile, DataError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(body) {
        Ok(t) => t.to_string(),
        Err(_) => super::xer_read::decode_cp1252(body),
    };
    let mut headers: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut out = IifFile::default();
    let mut open: Option<Open> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        let cells = fields(raw);
        let keyword = cells[0].trim().to_string();
        if let Some(k) = keyword.strip_prefix('!') {
            let mut cols: Vec<String> = cells[1..].iter().map(|c| c.trim().to_string()).collect();
            while cols.last().is_some_and(String::is_empty) {
                cols.pop();
            }
            if k.is_empty() {
                return Err(err(path, line, "a `!` header line without a keyword"));
            }
            headers.insert(k.to_string(), (line, cols));
            continue;
        }
        if keyword == "ENDTRNS" {
            let Some(o) = open.take() else {
                return Err(err(path, line, "ENDTRNS without a TRNS before it"));
            };
            out.transactions.push(close(path, line, o)?);
            continue;
        }
        let Some((_, cols)) = headers.get(&keyword) else {
            return Err(err(
                path,
                line,
                format!(
                    "a {:?} line before any !{} header line declaring its columns",
                    keyword, keyword
                ),
            ));
        };
        let mut record = BTreeMap::new();
        for (j, v) in cells.iter().enumerate().skip(1) {
            if v.is_empty() {
                continue;
            }
            // Intuit's own sample files carry values past the declared columns; they are
            // kept under their field number rather than refused.
            let col = match cols.get(j - 1) {
                Some(c) if !c.is_empty() => c.clone(),
                _ => format!("#{}", j + 1),
            };
            record.insert(col, v.clone());
        }
        match keyword.as_str() {
            "TRNS" => {
                if let Some(o) = &open {
                    return Err(err(
                        path,
                        line,
                        format!(
                            "TRNS before the ENDTRNS of the transaction at line {}",
                            o.trns.0
                        ),
                    ));
                }
                open = Some(Open {
                    trns: (line, record),
                    splits: Vec::new(),
                });
            }
            "SPL" => match open.as_mut() {
                Some(o) => o.splits.push((line, record)),
                None => return Err(err(path, line, "SPL outside a TRNS … ENDTRNS block")),
            },
            _ => out.lists.entry(keyword).or_default().push(IifListRecord {
                line,
                fields: record,
            }),
        }
    }
    if let Some(o) = open {
        return Err(err(
            path,
            o.trns.0,
            "the transaction starting here has no ENDTRNS (the file may be cut off)",
        ));
    }
    Ok(out)
}

fn required<'a>(
    path: &Path,
    line: usize,
    rec: &'a BTreeMap<String, String>,
    col: &str,
) -> Result<&'a str, DataError> {
    rec.get(col)
        .map(String::as_str)
        .ok_or_else(|| err(path, line, format!("{col} is required and is empty")).field(col))
}

fn iif_line(
    path: &Path,
    (line, rec): (usize, BTreeMap<String, String>),
) -> Result<IifLine, DataError> {
    let account = required(path, line, &rec, "ACCNT")?.to_string();
    let text = required(path, line, &rec, "AMOUNT")?;
    let amount =
        parse_amount(text, NumberLocale::En).map_err(|m| err(path, line, m).field("AMOUNT"))?;
    Ok(IifLine {
        line,
        account,
        name: rec.get("NAME").cloned().unwrap_or_default(),
        amount,
        memo: rec.get("MEMO").cloned().unwrap_or_default(),
        fields: rec,
    })
}

/// Checks and builds a transaction closed by the ENDTRNS at `end`.
fn close(path: &Path, end: usize, o: Open) -> Result<IifTransaction, DataError> {
    let (tline, trec) = &o.trns;
    let trnstype = required(path, *tline, trec, "TRNSTYPE")?.to_string();
    let date_text = required(path, *tline, trec, "DATE")?;
    // QuickBooks documents MM/DD/YY; its own exports also write four-digit years.
    let format = DateFormat::from_spec("M/D/YY").unwrap_or_default();
    let date = parse_date(date_text, format).map_err(|m| err(path, *tline, m).field("DATE"))?;
    let docnum = trec.get("DOCNUM").cloned().unwrap_or_default();
    if o.splits.is_empty() {
        return Err(err(
            path,
            *tline,
            format!("the transaction has no SPL line before its ENDTRNS at line {end}"),
        ));
    }
    let trns = iif_line(path, o.trns)?;
    let splits = o
        .splits
        .into_iter()
        .map(|s| iif_line(path, s))
        .collect::<Result<Vec<_>, _>>()?;
    let sum: Decimal = trns.amount + splits.iter().map(|s| s.amount).sum::<Decimal>();
    if !sum.is_zero() {
        return Err(DataError::new(
            path,
            format!(
                "the {trnstype} transaction of lines {}–{end} does not balance: TRNS {} and SPL lines {} sum to {sum}, not 0",
                trns.line,
                trns.amount,
                splits.iter().map(|s| s.amount.to_string()).collect::<Vec<_>>().join(", ")
            ),
            "each transaction's TRNS and SPL amounts must add up to zero; fix the entry in QuickBooks and export again",
        )
        .line(trns.line));
    }
    Ok(IifTransaction {
        line: trns.line,
        trnstype,
        date: IsoDate(date),
        docnum,
        trns,
        splits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const BILL: &str = "!VEND\tNAME\n\
VEND\t\"Contoso, Inc.\"\n\
!TRNS\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\n\
!SPL\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\n\
!ENDTRNS\n\
TRNS\tBILL\t1/6/14\tAccounts Payable\t\"Contoso, Inc.\"\t-325.00\t8675309\n\
SPL\tBILL\t1/6/14\tWidget Expense\t\t250.00\n\
SPL\tBILL\t1/6/14\tWidget Expense\t\t75\n\
ENDTRNS\n";

    fn read(s: &str) -> Result<IifFile, DataError> {
        read_iif(Path::new("t.iif"), s.as_bytes())
    }

    #[test]
    fn reads_a_balanced_bill_and_lists() {
        let f = read(BILL).unwrap();
        assert_eq!(f.transactions.len(), 1);
        let t = &f.transactions[0];
        assert_eq!((t.line, t.trnstype.as_str()), (6, "BILL"));
        assert_eq!(t.date, IsoDate(date!(2014 - 01 - 06)));
        assert_eq!(t.docnum, "8675309");
        assert_eq!(t.amount(), "-325.00".parse().unwrap());
        assert_eq!(t.trns.name, "Contoso, Inc.");
        assert_eq!(t.splits.len(), 2);
        assert_eq!(t.splits[1].line, 8);
        assert_eq!(f.lists["VEND"][0].fields["NAME"], "Contoso, Inc.");
        // CRLF and a BOM read the same.
        let crlf = format!("\u{feff}{}", BILL.replace('\n', "\r\n"));
        assert_eq!(read(&crlf).unwrap(), f);
    }

    #[test]
    fn unbalanced_and_malformed_transactions_name_their_lines() {
        let e = read(&BILL.replace("\t75\n", "\t75.01\n")).unwrap_err();
        assert_eq!(e.line, Some(6));
        assert!(
            e.message.contains("lines 6–9 does not balance") && e.message.contains("0.01"),
            "{e}"
        );
        let e = read(&BILL[..BILL.len() - "ENDTRNS\n".len()]).unwrap_err();
        assert!(e.message.contains("no ENDTRNS"), "{e}");
        let e = read(&BILL.replace("1/6/14\tAccounts", "13/6/14\tAccounts")).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(6), Some("DATE")));
        let e = read(&BILL.replace("-325.00", "-3,25.00")).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(6), Some("AMOUNT")));
        let e = read(&BILL.replace("\tAccounts Payable", "\t")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("ACCNT"));
        let e = read("TRNS\tBILL\n").unwrap_err();
        assert!(e.message.contains("!TRNS header"), "{e}");
        let f = read(&BILL.replace("VEND\t\"Contoso, Inc.\"\n", "VEND\tA\t\tB\n")).unwrap();
        assert_eq!(f.lists["VEND"][0].fields["#4"], "B");
        let e = read("!TRNS\tTRNSTYPE\n!SPL\tTRNSTYPE\nSPL\tX\n").unwrap_err();
        assert!(e.message.contains("outside"), "{e}");
        let e = read("!TRNS\tTRNSTYPE\nENDTRNS\n").unwrap_err();
        assert!(e.message.contains("without a TRNS"), "{e}");
    }

    #[test]
    fn windows_1252_names_decode() {
        let mut bytes = b"!VEND\tNAME\nVEND\tCaf".to_vec();
        bytes.push(0xE9);
        bytes.push(b'\n');
        let f = read_iif(Path::new("t.iif"), &bytes).unwrap();
        assert_eq!(f.lists["VEND"][0].fields["NAME"], "Café");
    }
}

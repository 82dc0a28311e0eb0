//! Cost data imports into pulled records: tables (CSV or worksheet) through their import
//! mapping — ERP actual costs, vendor lists, Procore budget, prime contract, change
//! order and payment exports — and QuickBooks IIF files.
//!
//! Actual costs are kept per month (`records/pulled/<platform>/actual_costs/<YYYY-MM>.csv`,
//! the columns of the project's own `actuals/<YYYY-MM>.csv`): pulling the same month
//! again writes nothing, and a corrected re-export replaces that month's transactions
//! and says which were added, removed or changed (by id). Everything else is kept per
//! source file, with per-column totals. Must not write files itself: it returns the
//! writes, and `import` commits (or holds) them in one plan with the audit entry.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::DataError;
use crate::formats::iif_read::{read_iif, IifFile};
use crate::formats::table::Table;
use crate::mapping::expr::Value;
use crate::mapping::{self, Mapping, Output};
use crate::project::serde_util::format_iso_date;

/// One data row mapped through a model, with the line (or sheet row) it came from.
pub type MappedRow = (usize, Output);

/// Maps every data row after the header at `header_line` through `model`. Rows whose
/// first cell is `Total` or `Grand Total` (with or without a colon) are the file's own
/// totals and are skipped (the importer re-totals). Errors name the row and, for a bad cell, its column.
pub fn map_rows(
    path: &Path,
    table: &Table,
    header_line: usize,
    mapping: &Mapping,
    model: &str,
) -> Result<Vec<MappedRow>, DataError> {
    let mut header: Option<Vec<String>> = None;
    let mut out = Vec::new();
    for row in table.rows.iter().filter(|r| r.line >= header_line) {
        let Some(h) = &header else {
            header = Some(row.cells.iter().map(|c| c.trim().to_string()).collect());
            continue;
        };
        let line = row.line;
        if row.cells.len() != h.len() {
            return Err(DataError::new(
                path,
                format!(
                    "this row has {} fields but the header has {}",
                    row.cells.len(),
                    h.len()
                ),
                "the file may be truncated or hand-edited; export it again",
            )
            .line(line));
        }
        let first = row.cells.first().map(|c| c.trim().trim_end_matches(':')).unwrap_or("");
        if first.eq_ignore_ascii_case("total") || first.eq_ignore_ascii_case("grand total") {
            continue; // the file's own total row: the importer re-totals instead
        }
        let mut obj: serde_json::Map<String, serde_json::Value> = h
            .iter()
            .zip(row.cells.iter())
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        mapping::add_column_aliases(&mut obj);
        let mapped = mapping
            .apply(model, &serde_json::Value::Object(obj))
            .map_err(|e| {
                let column = e
                    .field
                    .as_ref()
                    .and_then(|col| h.iter().position(|c| c == col));
                let at = match (&e.field, column) {
                    (Some(col), Some(i)) => format!(
                        "row {line}, column {} ({col:?})",
                        table.column(i)
                    ),
                    _ => format!("row {line}"),
                };
                let mut d = DataError::new(
                    path,
                    format!("{at}: {}", e.message),
                    format!("{} (mapping {})", e.hint, e.location()),
                )
                .line(line);
                if let (Some(col), Some(i)) = (e.field, column) {
                    d = d.at(line, table.column(i)).field(col);
                }
                d
            })?;
        out.push((line, mapped));
    }
    if out.is_empty() {
        return Err(DataError::new(
            path,
            "the file has a header but no data rows",
            "export the data again",
        ));
    }
    Ok(out)
}

/// A table kept per source file (budget, contracts, change orders, payments, vendors).
#[derive(Debug, Clone, Serialize)]
pub struct PulledTable {
    pub source_file: String,
    pub sha256: String,
    pub mapping: String,
    pub platform: String,
    pub data_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub rows: usize,
    /// Sum of each amount column over the rows.
    pub totals: BTreeMap<String, Decimal>,
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// What a table import reports: rows read and amount totals.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TableSummary {
    pub rows: usize,
    pub totals: BTreeMap<String, Decimal>,
}

fn value_json(v: &Value) -> Option<serde_json::Value> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(serde_json::Value::Bool(*b)),
        Value::Date(d) => Some(serde_json::Value::String(format_iso_date(*d))),
        other => Some(serde_json::Value::String(other.to_text())),
    }
}

/// Builds the pulled record of a mapped table and its summary.
pub fn pulled_table(
    source_file: &str,
    sha256: &str,
    mapping: &Mapping,
    sheet: Option<String>,
    rows: &[MappedRow],
) -> (PulledTable, TableSummary) {
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut records = Vec::with_capacity(rows.len());
    for (line, out) in rows {
        let mut rec = serde_json::Map::new();
        rec.insert("line".into(), serde_json::Value::from(*line));
        for (k, v) in out {
            if let Value::Num(n) = v {
                *totals.entry(k.clone()).or_default() += *n;
            }
            if let Some(j) = value_json(v) {
                rec.insert(k.clone(), j);
            }
        }
        records.push(rec);
    }
    let summary = TableSummary {
        rows: rows.len(),
        totals: totals.clone(),
    };
    (
        PulledTable {
            source_file: source_file.to_string(),
            sha256: sha256.to_string(),
            mapping: mapping.id.clone(),
            platform: mapping.platform.clone(),
            data_type: mapping.data_type.clone(),
            sheet,
            rows: rows.len(),
            totals,
            records,
        },
        summary,
    )
}

/// Columns of pulled actuals: the project's `actuals/<YYYY-MM>.csv` layout.
pub const ACTUALS_HEADER: [&str; 10] = [
    "id",
    "date",
    "vendor",
    "cost_code",
    "cost_type",
    "amount",
    "reference",
    "commitment",
    "description",
    "source",
];

/// One actual cost transaction as pulled (the columns of `ACTUALS_HEADER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledActual {
    pub cells: [String; 10],
}

impl PulledActual {
    pub fn id(&self) -> &str {
        &self.cells[0]
    }
    fn sort_key(&self) -> (&str, &str) {
        (&self.cells[1], &self.cells[0])
    }
}

/// What happened to one month of actual costs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MonthChange {
    /// `YYYY-MM`.
    pub month: String,
    /// The pulled file of the month.
    pub file: String,
    /// `added` (first pull of the month), `replaced` (a corrected re-export) or `unchanged`.
    pub status: &'static str,
    pub transactions: usize,
    pub total: Decimal,
    /// Transaction ids new in this pull, gone from it, and with other values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
}

/// Turns mapped actual-cost rows into per-month transactions; refuses an id used twice.
pub fn actuals_by_month(
    path: &Path,
    mapping: &Mapping,
    rows: &[MappedRow],
) -> Result<BTreeMap<String, Vec<PulledActual>>, DataError> {
    let mut months: BTreeMap<String, Vec<PulledActual>> = BTreeMap::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (line, out) in rows {
        let id = mapping::out_text(out, "id");
        if let Some(first) = seen.insert(id.clone(), *line) {
            return Err(DataError::new(
                path,
                format!("row {line}: transaction id {id:?} is also on row {first}"),
                "each transaction needs its own id; map `id` to a unique column (or combine columns with an expression)",
            )
            .line(*line)
            .field("id"));
        }
        let Some(Value::Date(date)) = out.get("date") else {
            return Err(DataError::new(path, format!("row {line}: no date"), "map `date`").line(*line));
        };
        let Some(amount) = mapping::out_num(out, "amount") else {
            return Err(DataError::new(path, format!("row {line}: no amount"), "map `amount`").line(*line));
        };
        if amount.scale() > 2 && crate::money::round_dp(amount, 2) != amount {
            return Err(DataError::new(
                path,
                format!("row {line}: amount {amount} has fractions of a cent"),
                "actual costs are booked in cents; check the export",
            )
            .line(*line)
            .field("amount"));
        }
        let date = format_iso_date(*date);
        let month = date[..7].to_string();
        let cells = [
            id,
            date,
            mapping::out_text(out, "vendor"),
            mapping::out_text(out, "cost_code"),
            mapping::out_text(out, "cost_type"),
            crate::money::plain(amount),
            mapping::out_text(out, "reference"),
            mapping::out_text(out, "commitment"),
            mapping::out_text(out, "description"),
            mapping.platform.clone(),
        ];
        months.entry(month).or_default().push(PulledActual { cells });
    }
    for list in months.values_mut() {
        list.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    Ok(months)
}

/// The month file's bytes (LF line ends, sorted by date then id).
pub fn actuals_csv(actuals: &[PulledActual]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(ACTUALS_HEADER);
    for a in actuals {
        let _ = w.write_record(&a.cells);
    }
    w.into_inner().unwrap_or_default()
}

/// Reads a month file written by `actuals_csv` (to compare a re-export with it).
pub fn read_actuals_csv(path: &Path, bytes: &[u8]) -> Result<Vec<PulledActual>, DataError> {
    let table = crate::formats::table::read_csv(path, bytes)?;
    let mut out = Vec::new();
    for row in table.rows.iter().skip(1) {
        let cells: [String; 10] = row.cells.clone().try_into().map_err(|_| {
            DataError::new(
                path,
                format!("the row has {} fields, not 10", row.cells.len()),
                "this pulled file was edited by hand; restore it from Git or delete it and import again",
            )
            .line(row.line)
        })?;
        out.push(PulledActual { cells });
    }
    Ok(out)
}

/// Compares a month's new transactions with the ones pulled before.
pub fn diff_month(
    month: &str,
    file: &str,
    old: Option<&[PulledActual]>,
    new: &[PulledActual],
) -> MonthChange {
    let total = new
        .iter()
        .filter_map(|a| a.cells[5].parse::<Decimal>().ok())
        .sum();
    let mut change = MonthChange {
        month: month.to_string(),
        file: file.to_string(),
        status: "added",
        transactions: new.len(),
        total,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    let Some(old) = old else {
        return change;
    };
    let before: BTreeMap<&str, &PulledActual> = old.iter().map(|a| (a.id(), a)).collect();
    let after: BTreeMap<&str, &PulledActual> = new.iter().map(|a| (a.id(), a)).collect();
    for (id, a) in &after {
        match before.get(id) {
            None => change.added.push(id.to_string()),
            Some(b) if b != a => change.changed.push(id.to_string()),
            Some(_) => {}
        }
    }
    change.removed = before
        .keys()
        .filter(|id| !after.contains_key(*id))
        .map(|id| id.to_string())
        .collect();
    change.status = if change.added.is_empty() && change.removed.is_empty() && change.changed.is_empty() {
        "unchanged"
    } else {
        "replaced"
    };
    change
}

/// The pulled record of an IIF file.
#[derive(Debug, Clone, Serialize)]
pub struct PulledIif {
    pub source_file: String,
    pub sha256: String,
    pub platform: &'static str,
    #[serde(flatten)]
    pub content: IifFile,
}

/// What an IIF import reports.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IifSummary {
    pub transactions: usize,
    /// List keyword → records.
    pub lists: BTreeMap<String, usize>,
}

/// Reads an IIF file into its pulled record and summary.
pub fn pulled_iif(
    path: &Path,
    bytes: &[u8],
    source_file: &str,
    sha256: &str,
) -> Result<(PulledIif, IifSummary), DataError> {
    let content = read_iif(path, bytes)?;
    let summary = IifSummary {
        transactions: content.transactions.len(),
        lists: content
            .lists
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect(),
    };
    Ok((
        PulledIif {
            source_file: source_file.to_string(),
            sha256: sha256.to_string(),
            platform: "quickbooks",
            content,
        },
        summary,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(id: &str, amount: &str) -> PulledActual {
        PulledActual {
            cells: [
                id.into(),
                "2026-05-04".into(),
                "V1".into(),
                "03 30 00".into(),
                "S".into(),
                amount.into(),
                String::new(),
                String::new(),
                String::new(),
                "erp".into(),
            ],
        }
    }

    #[test]
    fn month_diff_by_id() {
        let old = vec![a("1", "10.00"), a("2", "20.00"), a("3", "30.00")];
        let new = vec![a("1", "10.00"), a("2", "25.00"), a("4", "40.00")];
        let c = diff_month("2026-05", "f.csv", Some(&old), &new);
        assert_eq!(c.status, "replaced");
        assert_eq!((c.added, c.removed, c.changed), (vec!["4".to_string()], vec!["3".to_string()], vec!["2".to_string()]));
        assert_eq!(c.total, "75.00".parse().unwrap());
        assert_eq!(diff_month("m", "f", Some(&old), &old).status, "unchanged");
        assert_eq!(diff_month("m", "f", None, &old).status, "added");
    }

    #[test]
    fn month_files_round_trip() {
        let list = vec![a("1", "10.00"), a("2,x", "-5.50")];
        let bytes = actuals_csv(&list);
        assert!(bytes.starts_with(b"id,date,vendor,cost_code"));
        assert_eq!(read_actuals_csv(Path::new("m.csv"), &bytes).unwrap(), list);
        assert!(read_actuals_csv(Path::new("m.csv"), b"id,date\n1,2\n").is_err());
    }
}

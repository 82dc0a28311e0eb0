//! Cost data imports into pulled records: tables (CSV or worksheet) through their import
//! mapping — ERP actual costs, vendor lists, Procore budget, prime contract, change
//! order and payment exports — and QuickBooks IIF files.
//!
//! Actual costs are kept per month (`records/pulled/<platform>/actual_costs/<YYYY-MM>.csv`,
//! the layout of the project's own `records/costs/actuals/<YYYY-MM>.csv`, written and
//! read by `costs::records`), checked against the project's cost records: pulling the same month
//! again writes nothing, and a corrected re-export replaces that month's transactions
//! and says which were added, removed or changed (by id). Everything else is kept per
//! source file, with per-column totals. Must not write files itself: it returns the
//! writes, and `import` commits (or holds) them in one plan with the audit entry.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::costs::model::{ActualCost, Costs, Origin};
use crate::costs::records::actual_problems;
use crate::error::DataError;
use crate::formats::iif_read::{read_iif, IifFile};
use crate::formats::table::{Table, TableRow};
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
        // A worksheet row ends at its last filled cell: the rest are empty.
        let padded;
        let row = if table.sheet.is_some() && row.cells.len() < h.len() {
            let mut cells = row.cells.clone();
            cells.resize(h.len(), String::new());
            padded = TableRow { line, cells };
            &padded
        } else {
            row
        };
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
        let first = row
            .cells
            .first()
            .map(|c| c.trim().trim_end_matches(':'))
            .unwrap_or("");
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
                    (Some(col), Some(i)) => {
                        format!("row {line}, column {} ({col:?})", table.column(i))
                    }
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

/// Turns mapped actual-cost rows into per-month transactions (sorted by date, then id),
/// with the mapping's platform as their source. Refuses an id used twice, fractions of
/// a cent, and — when the project keeps cost records — a cost code, cost type, vendor
/// or commitment the project does not know.
pub fn actuals_by_month(
    path: &Path,
    mapping: &Mapping,
    rows: &[MappedRow],
    costs: Option<&Costs>,
) -> Result<BTreeMap<String, Vec<ActualCost>>, DataError> {
    let mut months: BTreeMap<String, Vec<ActualCost>> = BTreeMap::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let opt = |out: &Output, f: &str| Some(mapping::out_text(out, f)).filter(|s| !s.is_empty());
    for (line, out) in rows {
        let line = *line;
        let row_err = |field: &str, message: String, hint: &str| {
            DataError::new(path, format!("row {line}: {message}"), hint)
                .line(line)
                .field(field)
        };
        let id = mapping::out_text(out, "id");
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(row_err(
                "id",
                format!("transaction id {id:?} is also on row {first}"),
                "each transaction needs its own id; map `id` to a unique column (or combine columns with an expression)",
            ));
        }
        let (Some(Value::Date(date)), Some(amount)) =
            (out.get("date"), mapping::out_num(out, "amount"))
        else {
            return Err(row_err(
                "date",
                "no date or amount".into(),
                "map `date` and `amount`",
            ));
        };
        if crate::money::round_dp(amount, 2) != amount {
            return Err(row_err(
                "amount",
                format!("amount {amount} has fractions of a cent"),
                "actual costs are booked in cents; check the export",
            ));
        }
        let a = ActualCost {
            id,
            date: *date,
            vendor: opt(out, "vendor"),
            cost_code: mapping::out_text(out, "cost_code"),
            cost_type: mapping::out_text(out, "cost_type"),
            amount,
            reference: mapping::out_text(out, "reference"),
            commitment: opt(out, "commitment"),
            description: mapping::out_text(out, "description"),
            source: mapping.platform.clone(),
            origin: Origin {
                path: path.to_path_buf(),
                line: Some(line),
            },
        };
        if let Some(p) = costs.and_then(|c| actual_problems(c, &a).into_iter().next()) {
            return Err(row_err(
                p.field,
                p.message,
                "the ERP uses a code the project's cost records (records/costs/) lack: add it there, or correct the transaction in the ERP and export again",
            ));
        }
        let month = format_iso_date(a.date)[..7].to_string();
        months.entry(month).or_default().push(a);
    }
    for list in months.values_mut() {
        list.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    }
    Ok(months)
}

/// Everything of a transaction but where it was read from.
fn values(a: &ActualCost) -> impl PartialEq + '_ {
    (
        a.date,
        &a.vendor,
        &a.cost_code,
        &a.cost_type,
        a.amount,
        &a.reference,
        &a.commitment,
        &a.description,
        &a.source,
    )
}

/// Compares a month's new transactions with the ones pulled before (by id).
pub fn diff_month(
    month: &str,
    file: &str,
    old: Option<&[ActualCost]>,
    new: &[ActualCost],
) -> MonthChange {
    let mut change = MonthChange {
        month: month.to_string(),
        file: file.to_string(),
        status: "added",
        transactions: new.len(),
        total: new.iter().map(|a| a.amount).sum(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    let Some(old) = old else {
        return change;
    };
    let before: BTreeMap<&str, &ActualCost> = old.iter().map(|a| (a.id.as_str(), a)).collect();
    let after: BTreeMap<&str, &ActualCost> = new.iter().map(|a| (a.id.as_str(), a)).collect();
    for (id, a) in &after {
        match before.get(id) {
            None => change.added.push(id.to_string()),
            Some(b) if values(b) != values(a) => change.changed.push(id.to_string()),
            Some(_) => {}
        }
    }
    change.removed = before
        .keys()
        .filter(|id| !after.contains_key(*id))
        .map(|id| id.to_string())
        .collect();
    let same = change.added.is_empty() && change.removed.is_empty() && change.changed.is_empty();
    change.status = if same { "unchanged" } else { "replaced" };
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
    use time::macros::date;

    fn a(id: &str, amount: &str) -> ActualCost {
        ActualCost {
            id: id.into(),
            date: date!(2026 - 05 - 04),
            vendor: Some("V1".into()),
            cost_code: "03 30 00".into(),
            cost_type: "S".into(),
            amount: amount.parse().unwrap(),
            reference: String::new(),
            commitment: None,
            description: String::new(),
            source: "erp".into(),
            origin: Origin::default(),
        }
    }

    fn german_erp() -> Mapping {
        let text = "schema_version = 1\n[mapping]\nid = \"de\"\ndirection = \"import\"\nplatform = \"erp\"\ndata_type = \"actual_costs\"\nformat = \"cost-actuals\"\nlocale = \"de-DE\"\ndate_format = \"DD.MM.YYYY\"\n[detect]\nheaders = [\"Beleg\"]\n[models.transaction]\nsource = \"row\"\nfields.id = { from = \"Beleg\", required = true }\nfields.date = { from = \"Datum\", required = true }\nfields.cost_code = { from = \"Kostenstelle\", required = true }\nfields.cost_type = { default = \"M\" }\nfields.amount = { from = \"Betrag\", required = true }\n";
        Mapping::parse(Path::new("de.toml"), text).unwrap()
    }

    #[test]
    fn a_declared_locale_and_date_format_read_exactly_or_name_the_cell() {
        let m = german_erp();
        let p = Path::new("buchungen.csv");
        let read = |csv: &str| {
            let t = crate::formats::table::read_csv(p, csv.as_bytes()).unwrap();
            map_rows(p, &t, 1, &m, "transaction")
        };
        let head = "Beleg,Datum,Kostenstelle,Betrag\n";
        let rows = read(&format!(
            "{head}B-1,13.05.2026,03 30 00,\"1.234,56\"\nB-2,01.05.2026,03 30 00,\"-12,5 €\"\n"
        ))
        .unwrap();
        let amount = |i: usize| mapping::out_num(&rows[i].1, "amount");
        assert_eq!(amount(0), Some("1234.56".parse().unwrap()));
        assert_eq!(amount(1), Some("-12.5".parse().unwrap()));
        assert_eq!(rows[0].1["date"], Value::Date(date!(2026 - 05 - 13)));
        let months = actuals_by_month(p, &m, &rows, None).unwrap();
        assert_eq!(months["2026-05"].len(), 2);
        assert_eq!(months["2026-05"][0].id, "B-2", "sorted by date");

        // An English amount under de is refused, naming the row and column.
        let e = read(&format!("{head}B-1,13.05.2026,03 30 00,\"1,234.56\"\n")).unwrap_err();
        assert_eq!(
            (e.line, e.column, e.field.as_deref()),
            (Some(2), Some(4), Some("Betrag"))
        );
        assert!(e.message.contains("row 2, column 4 (\"Betrag\")"), "{e}");
        assert!(e.message.contains("set locale = \"en\""), "{e}");
        // A month-first date under DD.MM.YYYY is refused, naming the cell.
        let e = read(&format!("{head}B-1,05.13.2026,03 30 00,1\n")).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(2)));
        assert!(e.message.contains("no month 13"), "{e}");
        // The same id twice names both rows; fractions of a cent are refused.
        let rows = read(&format!("{head}B-1,01.05.2026,X,1\nB-1,02.05.2026,X,2\n")).unwrap();
        let e = actuals_by_month(p, &m, &rows, None).unwrap_err();
        assert!(
            e.message
                .contains("row 3: transaction id \"B-1\" is also on row 2"),
            "{e}"
        );
        let rows = read(&format!("{head}B-1,01.05.2026,X,\"1,005\"\n")).unwrap();
        let e = actuals_by_month(p, &m, &rows, None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("amount"));
    }

    #[test]
    fn month_diff_by_id_ignores_where_a_row_was_read() {
        let old = vec![a("1", "10.00"), a("2", "20.00"), a("3", "30.00")];
        let mut new = vec![a("1", "10.0"), a("2", "25.00"), a("4", "40.00")];
        new[0].origin.line = Some(9);
        let c = diff_month("2026-05", "f.csv", Some(&old), &new);
        assert_eq!(c.status, "replaced");
        assert_eq!(
            (c.added, c.removed, c.changed),
            (
                vec!["4".to_string()],
                vec!["3".to_string()],
                vec!["2".to_string()]
            )
        );
        assert_eq!(c.total, "75.00".parse().unwrap());
        assert_eq!(diff_month("m", "f", Some(&old), &old).status, "unchanged");
        assert_eq!(diff_month("m", "f", None, &old).status, "added");
    }
}

//! Procore import CSVs: the Budget import template, a commitment's "Import SOV from CSV"
//! template and prime contract change orders. Each layout is fixed (Procore refuses
//! renamed, added, removed or reordered columns), so the header and column order live
//! here; a mapping only fills the fields.
//!
//! Checks what Procore would refuse before a byte is written: budget lines duplicated on
//! a cost code × cost type, unit-based lines whose quantity × unit cost is not the
//! amount. Must not read project files or decide which records are exported.

use super::csv_write::{self, Cell};
use crate::mapping::{self, expr::Value, Output};

/// The Budget import template's columns (Procore Budget tool → Import → template;
/// `procore_budget_import_template.xlsx` in the corpus), with the model field of each.
pub const BUDGET_COLUMNS: [(&str, &str); 12] = [
    ("Sub Job", "sub_job"),
    ("Cost Code", "cost_code"),
    ("Cost Type", "cost_type"),
    ("Description", "description"),
    ("Manual Calculation", "manual_calculation"),
    ("Unit Qty", "unit_qty"),
    ("UOM", "uom"),
    ("Unit Cost", "unit_cost"),
    ("Budget Amount", "budget_amount"),
    ("Start Date", "start_date"),
    ("End Date", "end_date"),
    ("Curve", "curve"),
];

/// The commitment SOV import columns for amount-based commitments, as Procore's support
/// article lists the required fields (Cost Code Number and Name, Line Item Type,
/// Amount). No template file is in the corpus: compare with the template downloaded from
/// your commitment before the first import.
pub const COMMITMENT_SOV_COLUMNS: [(&str, &str); 6] = [
    ("Sub Job", "sub_job"),
    ("Cost Code Number", "cost_code_number"),
    ("Cost Code Name", "cost_code_name"),
    ("Line Item Type", "line_item_type"),
    ("Description", "description"),
    ("Amount", "amount"),
];

/// Prime contract change orders, in the layout of Procore's own list export
/// (`procore_prime_contract_change_orders.csv` in the corpus), trailing empty column
/// included.
pub const CHANGE_ORDER_COLUMNS: [(&str, &str); 12] = [
    ("Number", "number"),
    ("Revision", "revision"),
    ("Title", "title"),
    ("Status", "status"),
    ("Executed", "executed"),
    ("Amount", "amount"),
    ("Date Initiated", "date_initiated"),
    ("Due Date", "due_date"),
    ("Review Date", "review_date"),
    ("Designated Reviewer", "designated_reviewer"),
    ("PCO", "pco"),
    ("", ""),
];

/// Lays out mapped rows in `columns` (Procore dates `M/D/YYYY`, CRLF, comma-separated).
pub fn write(columns: &[(&str, &str)], rows: &[Output]) -> Vec<u8> {
    let header: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|(_, f)| {
                    r.get(*f)
                        .map(|v| csv_write::value_cell(v, csv_write::us_date_short))
                        .unwrap_or(Cell::Empty)
                })
                .collect()
        })
        .collect();
    csv_write::write(&header, &cells, csv_write::SPREADSHEET)
}

/// What Procore would refuse in budget lines: (row index, problem).
pub fn budget_problems(rows: &[Output]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in rows.iter().enumerate() {
        let key = (
            mapping::out_text(r, "sub_job"),
            mapping::out_text(r, "cost_code"),
            mapping::out_text(r, "cost_type"),
        );
        if !seen.insert(key.clone()) {
            out.push((
                i,
                format!(
                    "a second budget line for cost code {} and cost type {}",
                    key.1, key.2
                ),
            ));
        }
        let manual = matches!(r.get("manual_calculation"), Some(Value::Bool(true)));
        let amount = mapping::out_num(r, "budget_amount").unwrap_or_default();
        if !manual {
            match (mapping::out_num(r, "unit_qty"), mapping::out_num(r, "unit_cost")) {
                (Some(q), Some(u)) if crate::money::round_dp(q * u, 2) == amount => {}
                (Some(q), Some(u)) => out.push((
                    i,
                    format!(
                        "Unit Qty {q} × Unit Cost {u} is not the Budget Amount {amount} (Manual Calculation is False)"
                    ),
                )),
                _ => out.push((
                    i,
                    "Manual Calculation is False but Unit Qty or Unit Cost is empty".into(),
                )),
            }
        }
        if amount.scale() > 2 && crate::money::round_dp(amount, 2) != amount {
            out.push((i, format!("Budget Amount {amount} has fractions of a cent")));
        }
    }
    out
}

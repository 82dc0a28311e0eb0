//! The AIA G702/G703 CSV drop files: writers for both, and the reader that turns any
//! G703-style continuation sheet (ours, Procore's, others' — as a mapping describes it)
//! into canonical lines and re-totals it.
//!
//! The writers only lay out a `PayApplication` that `payapp` has computed and checked;
//! they must not do pay-application math. The reader never trusts a file's own totals.

use rust_decimal::Decimal;

use super::csv_write::{self, Cell};
use crate::money::{plain, plain_percent};
use crate::payapp::model::PayApplication;

/// The G703 CSV header, exactly.
pub const G703_HEADER: [&str; 10] = [
    "item_no",
    "description",
    "scheduled_value",
    "from_previous",
    "this_period",
    "materials_stored",
    "completed_and_stored",
    "percent_complete",
    "balance_to_finish",
    "retainage",
];

/// G703 continuation sheet: header, one row per line, then a TOTAL row.
pub fn write_g703(app: &PayApplication) -> Vec<u8> {
    let num = |d: Decimal| Cell::Num(plain(d));
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for l in &app.lines {
        rows.push(vec![
            Cell::text(&l.item_no),
            Cell::text(&l.description),
            num(l.scheduled_value),
            num(l.from_previous),
            num(l.this_period),
            num(l.materials_stored),
            num(l.completed_and_stored),
            Cell::Num(plain_percent(l.percent_complete)),
            num(l.balance_to_finish),
            num(l.retainage),
        ]);
    }
    let t = &app.totals;
    rows.push(vec![
        Cell::text("TOTAL"),
        Cell::Empty,
        num(t.scheduled_value),
        num(t.from_previous),
        num(t.this_period),
        num(t.materials_stored),
        num(t.completed_and_stored),
        Cell::Num(plain_percent(t.percent_complete)),
        num(t.balance_to_finish),
        num(t.retainage),
    ]);
    csv_write::write(&G703_HEADER, &rows, csv_write::SPREADSHEET)
}

/// The G702 summary rows `line,label,amount`, lines 1–9 then the change-order summary.
pub fn g702_rows(app: &PayApplication) -> Vec<(String, String, Decimal)> {
    let g = &app.g702;
    let rate = |r: Option<Decimal>, what: &str| match r {
        Some(r) => format!("Retainage: {}% of {what}", crate::money::rate_text(r)),
        None => format!("Retainage on {what} (rates vary by line, see G703 column I)"),
    };
    let co = &app.change_orders;
    let rows = vec![
        (
            "1",
            "Original contract sum".to_string(),
            g.original_contract_sum,
        ),
        (
            "2",
            "Net change by change orders".into(),
            g.net_change_orders,
        ),
        (
            "3",
            "Contract sum to date (line 1 + 2)".into(),
            g.contract_sum_to_date,
        ),
        (
            "4",
            "Total completed and stored to date (G703 column G)".into(),
            g.completed_and_stored,
        ),
        (
            "5a",
            rate(g.retainage_work_rate, "completed work"),
            g.retainage_work,
        ),
        (
            "5b",
            rate(g.retainage_stored_rate, "stored material"),
            g.retainage_stored,
        ),
        (
            "5",
            "Total retainage (line 5a + 5b, G703 column I)".into(),
            g.retainage_total,
        ),
        (
            "6",
            "Total earned less retainage (line 4 - line 5)".into(),
            g.earned_less_retainage,
        ),
        (
            "7",
            "Less previous certificates for payment (line 6 from prior certificate)".into(),
            g.previous_certificates,
        ),
        (
            "8",
            "Current payment due (line 6 - line 7)".into(),
            g.current_payment_due,
        ),
        (
            "9",
            "Balance to finish, including retainage (line 3 - line 6)".into(),
            g.balance_to_finish_incl_retainage,
        ),
        (
            "CO-prev-add",
            "Change orders approved in previous months: additions".into(),
            co.previous_additions,
        ),
        (
            "CO-prev-ded",
            "Change orders approved in previous months: deductions".into(),
            co.previous_deductions,
        ),
        (
            "CO-this-add",
            "Change orders approved this month: additions".into(),
            co.this_period_additions,
        ),
        (
            "CO-this-ded",
            "Change orders approved this month: deductions".into(),
            co.this_period_deductions,
        ),
        (
            "CO-total-add",
            "Change orders total: additions".into(),
            co.total_additions,
        ),
        (
            "CO-total-ded",
            "Change orders total: deductions".into(),
            co.total_deductions,
        ),
        ("CO-net", "Net changes by change order".into(), co.net),
    ];
    rows.into_iter()
        .map(|(a, b, c)| (a.to_string(), b, c))
        .collect()
}

/// G702 CSV: `line,label,amount`.
pub fn write_g702(app: &PayApplication) -> Vec<u8> {
    let rows: Vec<Vec<Cell>> = g702_rows(app)
        .into_iter()
        .map(|(line, label, amount)| {
            vec![
                Cell::Text(line),
                Cell::Text(label),
                Cell::Num(plain(amount)),
            ]
        })
        .collect();
    csv_write::write(&["line", "label", "amount"], &rows, csv_write::SPREADSHEET)
}

/// One canonical continuation-sheet line read from an import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportedLine {
    /// Physical line in the source file.
    pub line: usize,
    pub item_no: String,
    pub cost_code: String,
    pub description: String,
    pub scheduled_value: Decimal,
    pub from_previous: Decimal,
    pub this_period: Decimal,
    pub materials_stored: Decimal,
    pub completed_and_stored: Decimal,
    pub percent_complete: Option<Decimal>,
    pub balance_to_finish: Decimal,
    pub retainage: Decimal,
}

/// Totals recomputed from the imported lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportedTotals {
    pub lines: usize,
    pub scheduled_value: Decimal,
    pub from_previous: Decimal,
    pub this_period: Decimal,
    pub materials_stored: Decimal,
    pub completed_and_stored: Decimal,
    pub percent_complete: Decimal,
    pub balance_to_finish: Decimal,
    pub retainage: Decimal,
}

/// Re-totals imported lines and checks each line's own arithmetic (G = D + E + F,
/// H = C − G, % = G ÷ C to the file's precision). Returns the totals or the first line
/// that does not tie out, as (line, message).
pub fn retotal(lines: &[ImportedLine]) -> Result<ImportedTotals, (usize, String)> {
    let mut t = ImportedTotals {
        lines: lines.len(),
        ..Default::default()
    };
    for l in lines {
        if l.from_previous + l.this_period + l.materials_stored != l.completed_and_stored {
            return Err((l.line, format!(
                "item {}: from previous {} + this period {} + stored {} = {}, but the file says total completed and stored is {}",
                l.item_no, l.from_previous, l.this_period, l.materials_stored,
                l.from_previous + l.this_period + l.materials_stored, l.completed_and_stored
            )));
        }
        if l.scheduled_value - l.completed_and_stored != l.balance_to_finish {
            return Err((l.line, format!(
                "item {}: scheduled {} − completed {} = {}, but the file says balance to finish is {}",
                l.item_no, l.scheduled_value, l.completed_and_stored, l.scheduled_value - l.completed_and_stored, l.balance_to_finish
            )));
        }
        // G ÷ C is undefined on a zero-value line: platforms print 0% or 100% there.
        if let Some(p) = l.percent_complete.filter(|_| !l.scheduled_value.is_zero()) {
            let exact = l.completed_and_stored * Decimal::ONE_HUNDRED / l.scheduled_value;
            let dp = p.scale().min(10);
            if crate::money::round_dp(exact, dp) != p.abs()
                && crate::money::round_dp(exact, dp) != p
            {
                return Err((
                    l.line,
                    format!(
                        "item {}: percent complete is {p}% but G ÷ C is {}%",
                        l.item_no,
                        crate::money::round_dp(exact, dp)
                    ),
                ));
            }
        }
        t.scheduled_value += l.scheduled_value;
        t.from_previous += l.from_previous;
        t.this_period += l.this_period;
        t.materials_stored += l.materials_stored;
        t.completed_and_stored += l.completed_and_stored;
        t.balance_to_finish += l.balance_to_finish;
        t.retainage += l.retainage;
    }
    t.percent_complete = if t.scheduled_value.is_zero() {
        Decimal::ZERO
    } else {
        crate::money::round_dp(
            t.completed_and_stored * Decimal::ONE_HUNDRED / t.scheduled_value,
            2,
        )
    };
    Ok(t)
}

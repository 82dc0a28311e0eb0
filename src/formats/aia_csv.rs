//! The AIA G702/G703 CSV drop files: writers for both, and the reader that turns any
//! G703-style continuation sheet (ours, Procore's, others' — as a mapping describes it)
//! into canonical lines and re-totals it.
//!
//! The writers only lay out a `PayApplication` that `payapp` has computed and checked;
//! they must not do pay-application math. The reader never trusts a file's own totals.

use rust_decimal::Decimal;

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

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    // Flushing into a Vec cannot fail; should it, return what was buffered.
    match w.into_inner() {
        Ok(v) => v,
        Err(e) => e.into_inner().get_ref().clone(),
    }
}

/// Guards text cells against spreadsheet formula injection: a cell that starts with
/// `=`, `+`, `-` or `@` and is not a number gets a leading apostrophe.
fn cell(text: &str) -> String {
    let risky = matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    if risky && crate::money::parse_amount(text).is_none() {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// G703 continuation sheet: header, one row per line, then a TOTAL row.
pub fn write_g703(app: &PayApplication) -> Vec<u8> {
    let mut w = writer();
    let mut rows: Vec<Vec<String>> = vec![G703_HEADER.iter().map(|s| s.to_string()).collect()];
    for l in &app.lines {
        rows.push(vec![
            cell(&l.item_no),
            cell(&l.description),
            plain(l.scheduled_value),
            plain(l.from_previous),
            plain(l.this_period),
            plain(l.materials_stored),
            plain(l.completed_and_stored),
            plain_percent(l.percent_complete),
            plain(l.balance_to_finish),
            plain(l.retainage),
        ]);
    }
    let t = &app.totals;
    rows.push(vec![
        "TOTAL".into(),
        String::new(),
        plain(t.scheduled_value),
        plain(t.from_previous),
        plain(t.this_period),
        plain(t.materials_stored),
        plain(t.completed_and_stored),
        plain_percent(t.percent_complete),
        plain(t.balance_to_finish),
        plain(t.retainage),
    ]);
    for r in rows {
        // Writing to memory only fails on a csv bug; keep going rather than panic.
        let _ = w.write_record(&r);
    }
    finish(w)
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
    let mut w = writer();
    let _ = w.write_record(["line", "label", "amount"]);
    for (line, label, amount) in g702_rows(app) {
        let _ = w.write_record([line, label, plain(amount)]);
    }
    finish(w)
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

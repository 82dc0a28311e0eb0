//! The computed pay application: the AIA G702 summary and G703 continuation lines
//! for one period, every amount already rounded as the contract says.
//!
//! This is what the G702/G703 writers (CSV and PDF) consume. It holds numbers only;
//! it must not compute anything (that is `payapp::compute`) or format bytes.

use rust_decimal::Decimal;
use time::Date;

/// One G703 continuation-sheet line (columns A–I).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct G703Line {
    /// A — item number as the SOV gives it (e.g. "03-300" or "CO-002.1").
    pub item_no: String,
    /// B — description of work.
    pub description: String,
    /// Cost code the line is tracked under (not printed on the AIA form; kept for ERP).
    pub cost_code: String,
    /// The change order that created this line, if any.
    pub change_order: Option<String>,
    /// C — scheduled value (original plus approved change orders to date).
    pub scheduled_value: Decimal,
    /// D — work completed from previous application (previous D + E).
    pub from_previous: Decimal,
    /// E — work completed this period.
    pub this_period: Decimal,
    /// F — materials presently stored (not in D or E).
    pub materials_stored: Decimal,
    /// G — total completed and stored to date (D + E + F).
    pub completed_and_stored: Decimal,
    /// G ÷ C as a percentage, rounded to 2 decimals (0 when C = 0).
    pub percent_complete: Decimal,
    /// H — balance to finish (C − G).
    pub balance_to_finish: Decimal,
    /// Retainage rate applied to completed work (D + E) on this line, in percent.
    pub work_retainage_rate: Decimal,
    /// Retainage rate applied to stored materials (F) on this line, in percent.
    pub stored_retainage_rate: Decimal,
    /// Retainage on completed work, rounded per line.
    pub work_retainage: Decimal,
    /// Retainage on stored materials, rounded per line.
    pub stored_retainage: Decimal,
    /// I — total retainage for the line (work + stored).
    pub retainage: Decimal,
}

/// Column totals of the G703 (the TOTAL row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct G703Totals {
    pub scheduled_value: Decimal,
    pub from_previous: Decimal,
    pub this_period: Decimal,
    pub materials_stored: Decimal,
    pub completed_and_stored: Decimal,
    pub percent_complete: Decimal,
    pub balance_to_finish: Decimal,
    pub work_retainage: Decimal,
    pub stored_retainage: Decimal,
    pub retainage: Decimal,
}

/// The G702 lines 1–9.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct G702 {
    /// 1 Original contract sum.
    pub original_contract_sum: Decimal,
    /// 2 Net change by change orders.
    pub net_change_orders: Decimal,
    /// 3 Contract sum to date (1 + 2).
    pub contract_sum_to_date: Decimal,
    /// 4 Total completed and stored to date (Σ G).
    pub completed_and_stored: Decimal,
    /// 5a Retainage on completed work.
    pub retainage_work: Decimal,
    /// 5b Retainage on stored material.
    pub retainage_stored: Decimal,
    /// Rate printed on 5a ("__% of completed work"); `None` when lines use different rates.
    pub retainage_work_rate: Option<Decimal>,
    /// Rate printed on 5b; `None` when lines use different rates.
    pub retainage_stored_rate: Option<Decimal>,
    /// 5 Total retainage (5a + 5b = Σ I).
    pub retainage_total: Decimal,
    /// 6 Total earned less retainage (4 − 5).
    pub earned_less_retainage: Decimal,
    /// 7 Less previous certificates for payment (line 6 of the previous certificate).
    pub previous_certificates: Decimal,
    /// 8 Current payment due (6 − 7).
    pub current_payment_due: Decimal,
    /// 9 Balance to finish, including retainage (3 − 6).
    pub balance_to_finish_incl_retainage: Decimal,
}

/// The change order summary box of the G702.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeOrderSummary {
    pub previous_additions: Decimal,
    pub previous_deductions: Decimal,
    pub this_period_additions: Decimal,
    pub this_period_deductions: Decimal,
    pub total_additions: Decimal,
    pub total_deductions: Decimal,
    /// Net changes by change order (= G702 line 2).
    pub net: Decimal,
    /// The approved change orders counted, in id order: (id, title, amount, approved this period).
    pub orders: Vec<(String, String, Decimal, bool)>,
}

/// Header block of the application (who, what, when).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayAppHeader {
    pub project_name: String,
    pub project_number: String,
    pub owner: String,
    pub contractor: String,
    pub architect: String,
    pub contract_for: String,
    pub contract_date: Date,
    pub application_no: u32,
    pub application_date: Date,
    pub period_from: Date,
    pub period_to: Date,
    /// "cents" or "whole_dollars": how amounts were rounded.
    pub rounding: Rounding,
}

/// How the contract rounds amounts on the pay application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    Cents,
    WholeDollars,
}

/// One fully computed, tie-out-checked pay application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayApplication {
    pub header: PayAppHeader,
    pub lines: Vec<G703Line>,
    pub totals: G703Totals,
    pub g702: G702,
    pub change_orders: ChangeOrderSummary,
}

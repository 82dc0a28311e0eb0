//! A month's accounting entries, platform-neutral: vendor bills (approved commitment
//! invoices, and vendor costs kept in `actuals/` without a commitment), owner invoices
//! (the G702 current payment due of certified pay applications) and journal entries
//! (costs without a vendor, such as payroll). QuickBooks IIF and QuickBooks Online
//! writers lay these out; mappings name the accounts, vendors and customers.
//!
//! Costs whose `source` is the target system came from it and are never sent back.
//! Must not format anything or choose accounts.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use time::Date;

use super::model::{ActualCost, Costs, InvoiceStatus, Origin};
use crate::error::Result;
use crate::payapp;
use crate::project::records::{PayAppStatus, Records};
use crate::project::serde_util::format_iso_date;

/// One job-cost line of a bill or journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostLine {
    /// The commitment SOV line billed, for commitment invoices.
    pub commitment_line: Option<u32>,
    pub cost_code: String,
    pub cost_type: String,
    pub description: String,
    pub amount: Decimal,
}

/// A vendor bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    pub vendor: String,
    /// The vendor's invoice number.
    pub number: String,
    pub date: Date,
    pub due_date: Date,
    /// The commitment billed, if any.
    pub commitment: Option<String>,
    pub description: String,
    pub lines: Vec<CostLine>,
    /// Retainage withheld (commitment invoices); the bill's payable is gross less this.
    pub retainage: Decimal,
    /// The record it came from, for error messages.
    pub origin: Origin,
}

impl Bill {
    pub fn gross(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }
    pub fn payable(&self) -> Decimal {
        self.gross() - self.retainage
    }
}

/// The owner invoice of one pay application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerInvoice {
    pub application_no: u32,
    pub date: Date,
    pub period_to: Date,
    /// Work completed and stored this period (G702 line 4 change).
    pub work_this_period: Decimal,
    /// Retainage withheld this period (G702 line 5 change; negative when released).
    pub retainage_this_period: Decimal,
    /// G702 line 8: `work_this_period - retainage_this_period`.
    pub current_payment_due: Decimal,
    pub origin: Origin,
}

/// A journal entry of costs without a vendor (one per reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    pub reference: String,
    pub date: Date,
    pub description: String,
    pub lines: Vec<CostLine>,
    pub origin: Origin,
}

impl Journal {
    pub fn total(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }
}

/// Everything of one month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries {
    pub bills: Vec<Bill>,
    pub invoices: Vec<OwnerInvoice>,
    pub journals: Vec<Journal>,
}

fn month(d: Date) -> String {
    format_iso_date(d)[..7].to_string()
}

fn line_of(a: &ActualCost) -> CostLine {
    CostLine {
        commitment_line: None,
        cost_code: a.cost_code.clone(),
        cost_type: a.cost_type.clone(),
        description: a.description.clone(),
        amount: a.amount,
    }
}

/// Owner invoices of every pay application that is not a draft, in order.
pub fn owner_invoices(records: &Records) -> Result<Vec<OwnerInvoice>> {
    let mut out = Vec::new();
    let mut previous_retainage = Decimal::ZERO;
    for rec in &records.pay_apps {
        let app = payapp::compute(records, rec.application_no)?;
        let retainage = app.g702.retainage_total - previous_retainage;
        previous_retainage = app.g702.retainage_total;
        if rec.status == PayAppStatus::Draft {
            continue;
        }
        let due = app.g702.current_payment_due;
        out.push(OwnerInvoice {
            application_no: rec.application_no,
            date: rec.application_date.0,
            period_to: rec.period_to.0,
            work_this_period: due + retainage,
            retainage_this_period: retainage,
            current_payment_due: due,
            origin: Origin {
                path: rec.path.clone(),
                line: None,
            },
        });
    }
    Ok(out)
}

/// The month's actual costs without a commitment that did not come from `system`.
pub fn direct_costs<'a>(costs: &'a Costs, period: &str, system: &str) -> Vec<&'a ActualCost> {
    costs
        .actuals
        .iter()
        .filter(|a| month(a.date) == period && a.source != system && a.commitment.is_none())
        .collect()
}

/// The entries of `period` (`YYYY-MM`) for `system` (`quickbooks`, `sage300`):
/// commitment invoices approved with a billing period ending in it, the month's vendor
/// costs without a commitment (grouped by vendor and reference), the owner invoice of a
/// non-draft pay application ending in it, and the month's costs without a vendor
/// (grouped by reference). Costs whose source is `system` are left out.
pub fn entries(costs: &Costs, records: &Records, period: &str, system: &str) -> Result<Entries> {
    let mut e = Entries::default();
    for c in &costs.commitments {
        for inv in &c.invoices {
            if inv.status != InvoiceStatus::Approved || month(inv.period_to) != period {
                continue;
            }
            let lines = inv
                .lines
                .iter()
                .filter_map(|(no, amount)| {
                    c.line(*no).map(|l| CostLine {
                        commitment_line: Some(*no),
                        cost_code: l.cost_code.clone(),
                        cost_type: l.cost_type.clone(),
                        description: l.description.clone(),
                        amount: *amount,
                    })
                })
                .collect();
            e.bills.push(Bill {
                vendor: c.vendor.clone(),
                number: inv.number.clone(),
                date: inv.date,
                due_date: inv.due_date,
                commitment: Some(c.id.clone()),
                description: c.title.clone(),
                lines,
                retainage: inv.retainage,
                origin: c.origin.clone(),
            });
        }
    }
    let mine = direct_costs(costs, period, system);
    let mut bills: BTreeMap<(String, String), Vec<&ActualCost>> = BTreeMap::new();
    let mut journals: BTreeMap<String, Vec<&ActualCost>> = BTreeMap::new();
    for a in mine {
        match &a.vendor {
            Some(v) => bills
                .entry((v.clone(), a.reference.clone()))
                .or_default()
                .push(a),
            None => journals.entry(a.reference.clone()).or_default().push(a),
        }
    }
    for ((vendor, reference), v) in bills {
        e.bills.push(Bill {
            vendor,
            number: if reference.is_empty() {
                v[0].id.clone()
            } else {
                reference
            },
            date: v[0].date,
            due_date: v[0].date,
            commitment: None,
            description: v[0].description.clone(),
            lines: v.iter().map(|a| line_of(a)).collect(),
            retainage: Decimal::ZERO,
            origin: v[0].origin.clone(),
        });
    }
    for (reference, v) in journals {
        e.journals.push(Journal {
            reference: if reference.is_empty() {
                v[0].id.clone()
            } else {
                reference
            },
            date: v[0].date,
            description: v[0].description.clone(),
            lines: v.iter().map(|a| line_of(a)).collect(),
            origin: v[0].origin.clone(),
        });
    }
    e.bills
        .sort_by(|a, b| (a.date, &a.vendor, &a.number).cmp(&(b.date, &b.vendor, &b.number)));
    e.journals
        .sort_by(|a, b| (a.date, &a.reference).cmp(&(b.date, &b.reference)));
    e.invoices = owner_invoices(records)?
        .into_iter()
        .filter(|i| month(i.period_to) == period)
        .collect();
    Ok(e)
}

/// The latest month with a pay application that is not a draft (the default period of
/// the accounting exports).
pub fn default_period(records: &Records) -> Option<String> {
    records
        .pay_apps
        .iter()
        .rev()
        .find(|p| p.status != PayAppStatus::Draft)
        .map(|p| month(p.period_to.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sample() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic")
    }

    #[test]
    fn a_month_of_the_sample() {
        let root = sample();
        let costs = crate::costs::records::load(&root).unwrap();
        let records = Records::load(&root).unwrap();
        assert_eq!(default_period(&records).as_deref(), Some("2026-04"));
        let e = entries(&costs, &records, "2026-04", "quickbooks").unwrap();
        assert_eq!(e.invoices.len(), 1);
        let inv = &e.invoices[0];
        assert_eq!(
            inv.work_this_period - inv.retainage_this_period,
            inv.current_payment_due
        );
        let app = payapp::compute(&records, 3).unwrap();
        assert_eq!(inv.current_payment_due, app.g702.current_payment_due);
        // Commitment bills carry retainage; their payable is gross less retainage.
        let b = e.bills.iter().find(|b| b.commitment.is_some()).unwrap();
        assert!(b.retainage > Decimal::ZERO);
        assert_eq!(b.payable() + b.retainage, b.gross());
        // Payroll is journalled, four weeks.
        assert_eq!(e.journals.len(), 4);
        // Every actual of the month without a commitment lands in a bill or a journal.
        let month_total: Decimal = costs
            .actuals
            .iter()
            .filter(|a| month(a.date) == "2026-04" && a.commitment.is_none())
            .map(|a| a.amount)
            .sum();
        let booked: Decimal = e
            .bills
            .iter()
            .filter(|b| b.commitment.is_none())
            .map(Bill::gross)
            .chain(e.journals.iter().map(Journal::total))
            .sum();
        assert_eq!(booked, month_total);
        // The draft pay application (May) is not invoiced.
        assert!(entries(&costs, &records, "2026-05", "quickbooks")
            .unwrap()
            .invoices
            .is_empty());
    }
}

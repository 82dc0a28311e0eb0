//! Monthly cost reconciliation, job to date through the end of a period: per cost code
//! and cost type, the budget, approved changes (owner-approved change-order cost lines),
//! committed cost, what subcontractors and suppliers invoiced, actual cost (kept locally
//! and pulled from the ERP) and, per cost code, what was billed to the owner (G703
//! column G). Lists variances over a threshold, transactions with unknown references,
//! duplicate transactions, and commitments billed beyond their value.
//!
//! Every total is checked against its source records before the result is returned (a
//! mismatch is a bug, reported as an error). Must not format anything.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use time::Date;

use super::model::{ActualCost, Costs};
use super::records::actual_problems;
use crate::error::{Error, Result};
use crate::payapp;
use crate::project::records::Records;
use crate::project::serde_util::format_iso_date;

/// One cost code × cost type (or, with `cost_type` = `None`, a cost code's total).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub cost_code: String,
    /// `None` on a cost code's total row.
    pub cost_type: Option<String>,
    pub description: String,
    pub budget: Decimal,
    pub approved_changes: Decimal,
    pub committed: Decimal,
    /// Commitment invoices (approved and pending) with a period ending by the period end.
    pub invoiced: Decimal,
    pub actual_to_date: Decimal,
    pub actual_this_period: Decimal,
    /// Actual cost booked against commitments (compared with `invoiced`).
    pub actual_on_commitments: Decimal,
    /// G703 column G of the cost code; only on total rows.
    pub billed_to_owner: Option<Decimal>,
    /// The cost code is not in cost_codes.csv (or the type not in cost_types.csv).
    pub unknown: bool,
}

impl Row {
    pub fn revised_budget(&self) -> Decimal {
        self.budget + self.approved_changes
    }
    /// Revised budget less actual cost to date (negative = over budget).
    pub fn variance(&self) -> Decimal {
        self.revised_budget() - self.actual_to_date
    }
}

/// What reconciliation found, each with the record it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `variance`, `unknown_reference`, `duplicate`, `overbilled`.
    pub kind: &'static str,
    pub cost_code: String,
    pub cost_type: String,
    /// Where: `file:line`, or a commitment id.
    pub source: String,
    pub message: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    pub period: String,
    pub period_end: Date,
    pub threshold: Decimal,
    /// Pay application whose G703 gave `billed_to_owner` (latest ending by the period end).
    pub pay_application: Option<u32>,
    /// Detail rows and one total row per cost code, by cost code then type (total last).
    pub rows: Vec<Row>,
    /// Grand total (cost_code `TOTAL`).
    pub total: Row,
    pub findings: Vec<Finding>,
}

fn where_(a: &ActualCost) -> String {
    match a.origin.line {
        Some(l) => format!("{}:{l}", a.origin.path.display()),
        None => a.origin.path.display().to_string(),
    }
}

/// The last day of `period` (`YYYY-MM`).
pub fn period_end(period: &str) -> Option<Date> {
    let first = crate::project::serde_util::parse_iso_date(&format!("{period}-01"))?;
    if period.len() != 7 {
        return None;
    }
    let next = if first.month() == time::Month::December {
        Date::from_calendar_date(first.year() + 1, time::Month::January, 1).ok()?
    } else {
        Date::from_calendar_date(first.year(), first.month().next(), 1).ok()?
    };
    next.previous_day()
}

/// Reconciles job to date through `period`. `actuals` is every actual cost transaction
/// (local and pulled); those after the period end are left out.
pub fn reconcile(
    costs: &Costs,
    records: &Records,
    actuals: &[ActualCost],
    period: &str,
    threshold: Decimal,
) -> Result<Reconciliation> {
    let end = period_end(period).ok_or_else(|| Error::NotFound {
        what: "period",
        detail: format!("{period:?} is not a month"),
        hint: "write --period YYYY-MM".into(),
    })?;
    let month = |d: Date| format_iso_date(d)[..7].to_string();
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    let mut add = |code: &str, ty: &str, f: &dyn Fn(&mut Row)| {
        let r = rows
            .entry((code.to_string(), ty.to_string()))
            .or_insert_with(|| Row {
                cost_code: code.to_string(),
                cost_type: Some(ty.to_string()),
                unknown: costs.cost_code(code).is_none() || costs.cost_type(ty).is_none(),
                ..Row::default()
            });
        f(r);
    };
    let mut check = Row::default(); // source totals, for the tie-out
    for b in &costs.budget {
        add(&b.cost_code, &b.cost_type, &|r| r.budget += b.amount);
        check.budget += b.amount;
    }
    for co in &records.change_orders {
        if !co.status.is_approved() || co.date_approved.is_none_or(|d| d.0 > end) {
            continue;
        }
        for l in &co.cost_lines {
            let ty = costs
                .cost_type_for_kind(l.kind)
                .map(|t| t.code.clone())
                .unwrap_or_else(|| format!("{:?}", l.kind));
            add(&l.cost_code, &ty, &|r| r.approved_changes += l.amount.0);
            check.approved_changes += l.amount.0;
        }
    }
    let mut findings = Vec::new();
    for c in &costs.commitments {
        if c.status.is_committed() && c.date <= end {
            for l in &c.lines {
                add(&l.cost_code, &l.cost_type, &|r| r.committed += l.amount);
                check.committed += l.amount;
            }
        }
        let mut billed: BTreeMap<u32, Decimal> = BTreeMap::new();
        for inv in c.invoices.iter().filter(|i| i.period_to <= end) {
            for (no, amount) in &inv.lines {
                if let Some(l) = c.line(*no) {
                    add(&l.cost_code, &l.cost_type, &|r| r.invoiced += *amount);
                    check.invoiced += *amount;
                    *billed.entry(*no).or_default() += *amount;
                }
            }
        }
        for (no, b) in &billed {
            if let Some(l) = c.line(*no) {
                if *b > l.amount {
                    findings.push(Finding {
                        kind: "overbilled",
                        cost_code: l.cost_code.clone(),
                        cost_type: l.cost_type.clone(),
                        source: c.id.clone(),
                        message: format!(
                            "{} line {no} is billed {} against a value of {}",
                            c.id, b, l.amount
                        ),
                        amount: *b - l.amount,
                    });
                }
            }
        }
        let total: Decimal = billed.values().sum();
        if total > c.value() {
            findings.push(Finding {
                kind: "overbilled",
                cost_code: String::new(),
                cost_type: String::new(),
                source: c.id.clone(),
                message: format!(
                    "{} is billed {total} against a value of {}",
                    c.id,
                    c.value()
                ),
                amount: total - c.value(),
            });
        }
    }
    let mut seen: BTreeMap<(String, String, Decimal, String, String), String> = BTreeMap::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for a in actuals.iter().filter(|a| a.date <= end) {
        let this = month(a.date) == period;
        add(&a.cost_code, &a.cost_type, &|r| {
            r.actual_to_date += a.amount;
            if this {
                r.actual_this_period += a.amount;
            }
            if a.commitment.is_some() {
                r.actual_on_commitments += a.amount;
            }
        });
        check.actual_to_date += a.amount;
        for p in actual_problems(costs, a) {
            findings.push(Finding {
                kind: "unknown_reference",
                cost_code: a.cost_code.clone(),
                cost_type: a.cost_type.clone(),
                source: where_(a),
                message: format!("{}: {}", a.id, p.message),
                amount: a.amount,
            });
        }
        let mut dup = |first: Option<String>, what: &str| {
            if let Some(first) = first {
                findings.push(Finding {
                    kind: "duplicate",
                    cost_code: a.cost_code.clone(),
                    cost_type: a.cost_type.clone(),
                    source: where_(a),
                    message: format!("{} repeats {what} at {first}", a.id),
                    amount: a.amount,
                });
            }
        };
        let first_id = ids.get(&a.id).cloned();
        ids.entry(a.id.clone()).or_insert_with(|| where_(a));
        if first_id.is_some() {
            dup(first_id, "transaction id");
        } else if !a.reference.is_empty() {
            let key = (
                a.vendor.clone().unwrap_or_default(),
                a.reference.clone(),
                a.amount,
                a.cost_code.clone(),
                a.cost_type.clone(),
            );
            let first = seen.get(&key).cloned();
            seen.entry(key).or_insert_with(|| where_(a));
            dup(first, "vendor, reference, amount, cost code and type");
        }
    }
    // Billed to the owner: G703 column G of the latest pay application ending by `end`.
    let pa = records.pay_apps.iter().rev().find(|p| p.period_to.0 <= end);
    let mut billed: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut billed_total = Decimal::ZERO;
    if let Some(pa) = pa {
        let app = payapp::compute(records, pa.application_no)?;
        for l in &app.lines {
            *billed.entry(l.cost_code.clone()).or_default() += l.completed_and_stored;
        }
        billed_total = app.totals.completed_and_stored;
    }
    // Variances.
    for r in rows.values() {
        let ty = r.cost_type.clone().unwrap_or_default();
        let mut v = |message: String, amount: Decimal| {
            findings.push(Finding {
                kind: "variance",
                cost_code: r.cost_code.clone(),
                cost_type: ty.clone(),
                source: String::new(),
                message,
                amount,
            })
        };
        if -r.variance() > threshold {
            v(
                format!(
                    "actual cost {} exceeds the revised budget {}",
                    r.actual_to_date,
                    r.revised_budget()
                ),
                -r.variance(),
            );
        }
        if r.committed - r.revised_budget() > threshold {
            v(
                format!(
                    "committed {} exceeds the revised budget {}",
                    r.committed,
                    r.revised_budget()
                ),
                r.committed - r.revised_budget(),
            );
        }
        if (r.invoiced - r.actual_on_commitments).abs() > threshold {
            v(
                format!(
                    "invoiced by vendors {} but {} in actual cost",
                    r.invoiced, r.actual_on_commitments
                ),
                r.invoiced - r.actual_on_commitments,
            );
        }
    }
    // Total rows per cost code, then the grand total.
    let codes: BTreeSet<String> = rows
        .keys()
        .map(|k| k.0.clone())
        .chain(billed.keys().cloned())
        .collect();
    let mut out = Vec::new();
    let mut total = Row {
        cost_code: "TOTAL".into(),
        billed_to_owner: Some(Decimal::ZERO),
        ..Row::default()
    };
    let sum_into = |t: &mut Row, r: &Row| {
        t.budget += r.budget;
        t.approved_changes += r.approved_changes;
        t.committed += r.committed;
        t.invoiced += r.invoiced;
        t.actual_to_date += r.actual_to_date;
        t.actual_this_period += r.actual_this_period;
        t.actual_on_commitments += r.actual_on_commitments;
    };
    for code in codes {
        let description = costs
            .cost_code(&code)
            .map(|c| c.description.clone())
            .unwrap_or_else(|| "(not a cost code of the project)".into());
        let mut t = Row {
            cost_code: code.clone(),
            cost_type: None,
            description: description.clone(),
            billed_to_owner: Some(billed.get(&code).copied().unwrap_or_default()),
            unknown: costs.cost_code(&code).is_none(),
            ..Row::default()
        };
        for ((c, _), r) in rows.range((code.clone(), String::new())..) {
            if *c != code {
                break;
            }
            let mut r = r.clone();
            r.description = costs
                .cost_type(r.cost_type.as_deref().unwrap_or(""))
                .map(|t| format!("{description}: {}", t.description))
                .unwrap_or_else(|| format!("{description}: (unknown cost type)"));
            sum_into(&mut t, &r);
            out.push(r);
        }
        sum_into(&mut total, &t);
        if let (Some(tb), Some(b)) = (total.billed_to_owner.as_mut(), t.billed_to_owner) {
            *tb += b;
        }
        out.push(t);
    }
    // Tie-out: every column equals its source records.
    let ties = [
        ("budget", total.budget, check.budget),
        (
            "approved changes",
            total.approved_changes,
            check.approved_changes,
        ),
        ("committed", total.committed, check.committed),
        ("invoiced", total.invoiced, check.invoiced),
        ("actual cost", total.actual_to_date, check.actual_to_date),
        (
            "billed to owner",
            total.billed_to_owner.unwrap_or_default(),
            billed_total,
        ),
    ];
    for (what, got, want) in ties {
        if got != want {
            return Err(Error::TieOut {
                period: period.to_string(),
                message: format!("reconciliation {what} totals {got}, the records {want}"),
            });
        }
    }
    findings.sort_by(|a, b| {
        (a.kind, &a.cost_code, &a.cost_type, &a.source, &a.message).cmp(&(
            b.kind,
            &b.cost_code,
            &b.cost_type,
            &b.source,
            &b.message,
        ))
    });
    Ok(Reconciliation {
        period: period.to_string(),
        period_end: end,
        threshold,
        pay_application: pa.map(|p| p.application_no),
        rows: out,
        total,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sample() -> (Costs, Records) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic");
        (
            crate::costs::records::load(&root).unwrap(),
            Records::load(&root).unwrap(),
        )
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn periods_end_on_the_last_day() {
        assert_eq!(
            period_end("2026-02"),
            Some(time::macros::date!(2026 - 02 - 28))
        );
        assert_eq!(
            period_end("2026-12"),
            Some(time::macros::date!(2026 - 12 - 31))
        );
        assert_eq!(period_end("2026-13"), None);
        assert_eq!(period_end("2026-1"), None);
    }

    #[test]
    fn the_sample_ties_out_and_is_clean() {
        let (costs, records) = sample();
        let r = reconcile(&costs, &records, &costs.actuals, "2026-04", d("1000")).unwrap();
        let budget: Decimal = costs.budget.iter().map(|b| b.amount).sum();
        assert_eq!(r.total.budget, budget);
        let actual: Decimal = costs.actuals.iter().map(|a| a.amount).sum();
        assert_eq!(
            r.total.actual_to_date, actual,
            "all sample actuals are by April"
        );
        assert_eq!(r.pay_application, Some(3));
        // Total rows sum their detail rows.
        let code_totals: Decimal = r
            .rows
            .iter()
            .filter(|x| x.cost_type.is_none())
            .map(|x| x.actual_to_date)
            .sum();
        assert_eq!(code_totals, actual);
        assert!(
            r.findings.iter().all(|f| f.kind == "variance"),
            "{:?}",
            r.findings
        );
        // Only two months later nothing of May is in the actuals.
        let feb = reconcile(&costs, &records, &costs.actuals, "2026-02", d("1000")).unwrap();
        assert!(feb.total.actual_to_date < actual);
        assert_eq!(feb.total.actual_this_period, feb.total.actual_to_date);
    }

    #[test]
    fn findings_unknown_duplicate_overbilled_and_variance() {
        let (mut costs, records) = sample();
        let mut actuals = costs.actuals.clone();
        let mut unknown = actuals[0].clone();
        unknown.id = "X-1".into();
        unknown.cost_code = "99 99 99".into();
        unknown.vendor = Some("V9999".into());
        let dup = actuals[5].clone();
        actuals.push(unknown);
        actuals.push(dup);
        // Bill SC-010's only line beyond its value.
        let sc = costs
            .commitments
            .iter_mut()
            .find(|c| c.id == "SC-002")
            .unwrap();
        let value = sc.lines[0].amount;
        sc.invoices[0].lines[0].1 = value + d("5000");
        let r = reconcile(&costs, &records, &actuals, "2026-04", d("1000")).unwrap();
        let kinds = |k: &str| r.findings.iter().filter(|f| f.kind == k).count();
        assert_eq!(kinds("unknown_reference"), 2, "{:?}", r.findings);
        assert_eq!(kinds("duplicate"), 1);
        assert!(kinds("overbilled") >= 1);
        let over = r.findings.iter().find(|f| f.kind == "overbilled").unwrap();
        assert_eq!(over.source, "SC-002");
        // The overbilled line is now invoiced well beyond the actuals booked to it.
        assert!(r.findings.iter().any(|f| f.kind == "variance"
            && f.cost_code == "03 11 00"
            && f.message.contains("invoiced by vendors")));
        // The unknown code has its own rows, so totals still tie out to the transactions.
        let actual: Decimal = actuals.iter().map(|a| a.amount).sum();
        assert_eq!(r.total.actual_to_date, actual);
        assert!(r
            .rows
            .iter()
            .any(|x| x.cost_code == "99 99 99" && x.unknown));
    }
}

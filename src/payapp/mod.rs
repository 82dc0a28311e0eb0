//! Pay-application math: turns the contract, schedule of values, change orders and pay
//! application records into a computed AIA G702/G703 (`model::PayApplication`), and
//! checks every tie-out before anything is written.
//!
//! The rules are the form's (docs/DATA.md, "Pay application math"): retainage per line in
//! the contract's rounding, then summed; column D = previous D + E; line 7 = previous
//! certificate's line 6; only owner-approved change orders count, split into previous
//! months and this month by approval date. This module must not read files or format
//! output.

pub mod model;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::Error;
use crate::money::{percent_of, round_dp};
use crate::project::records::{co_total, PayAppRecord, Records};
use crate::project::serde_util::format_iso_date;
use model::*;

/// Selects the pay application for `period` (`YYYY-MM`, matched against the period end)
/// or the latest one.
pub fn select<'a>(records: &'a Records, period: Option<&str>) -> Result<&'a PayAppRecord, Error> {
    let found = match period {
        None => records.pay_apps.last(),
        Some(p) => records.pay_apps.iter().find(|pa| {
            let to = pa.period_to.0;
            format!("{:04}-{:02}", to.year(), u8::from(to.month())) == p
        }),
    };
    found.ok_or_else(|| Error::NotFound {
        what: "pay application",
        detail: match period {
            Some(p) => format!("no pay application has a period ending in {p}"),
            None => "the project has no pay applications".into(),
        },
        hint: format!(
            "pay applications are read from {}; known periods: {}",
            crate::project::records::PAY_APPS,
            records
                .pay_apps
                .iter()
                .map(|pa| format_iso_date(pa.period_to.0)[..7].to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// Computes every pay application up to and including `application_no`, each checked
/// against the one before it, and returns the last.
pub fn compute(records: &Records, application_no: u32) -> Result<PayApplication, Error> {
    let mut previous: Option<PayApplication> = None;
    for rec in records
        .pay_apps
        .iter()
        .filter(|p| p.application_no <= application_no)
    {
        let app = compute_one(records, rec, previous.as_ref())?;
        check_tie_outs(&app, previous.as_ref())?;
        previous = Some(app);
    }
    previous.ok_or_else(|| Error::NotFound {
        what: "pay application",
        detail: format!("application {application_no}"),
        hint: "list the project's pay applications in records/pay_apps/".into(),
    })
}

fn period_name(rec: &PayAppRecord) -> String {
    format!(
        "#{} ({})",
        rec.application_no,
        format_iso_date(rec.period_to.0)
    )
}

fn compute_one(
    records: &Records,
    rec: &PayAppRecord,
    prev: Option<&PayApplication>,
) -> Result<PayApplication, Error> {
    let c = &records.contract;
    let rounding = c.rounding;
    let period = period_name(rec);
    let tie = |message: String| Error::TieOut {
        period: period.clone(),
        message,
    };

    // Change orders approved by the period end, split by approval date.
    let mut summary = ChangeOrderSummary::default();
    let mut adjustments: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut added_lines = Vec::new();
    for co in &records.change_orders {
        let Some(approved) = co.date_approved.filter(|_| co.status.is_approved()) else {
            continue;
        };
        if approved.0 > rec.period_to.0 {
            continue;
        }
        let total = co_total(co, rounding);
        let this_month = approved.0 >= rec.period_from.0;
        let (add, ded) = if total >= Decimal::ZERO {
            (total, Decimal::ZERO)
        } else {
            (Decimal::ZERO, -total)
        };
        if this_month {
            summary.this_period_additions += add;
            summary.this_period_deductions += ded;
        } else {
            summary.previous_additions += add;
            summary.previous_deductions += ded;
        }
        summary
            .orders
            .push((co.id.clone(), co.title.clone(), total, this_month));
        for ch in &co.sov_changes {
            match &ch.new_line {
                None => *adjustments.entry(ch.item_no.as_str()).or_default() += ch.amount.0,
                Some(nl) => added_lines.push((co.id.clone(), ch, nl)),
            }
        }
    }
    summary.total_additions = summary.previous_additions + summary.this_period_additions;
    summary.total_deductions = summary.previous_deductions + summary.this_period_deductions;
    summary.net = summary.total_additions - summary.total_deductions;

    // Lines: original SOV (with CO adjustments), then CO-added lines in CO order.
    struct Base {
        item_no: String,
        description: String,
        cost_code: String,
        change_order: Option<String>,
        scheduled_value: Decimal,
        work_rate: Option<Decimal>,
        stored_rate: Option<Decimal>,
    }
    let mut bases: Vec<Base> = records
        .sov
        .iter()
        .map(|l| Base {
            item_no: l.item_no.clone(),
            description: l.description.clone(),
            cost_code: l.cost_code.clone(),
            change_order: None,
            scheduled_value: l.scheduled_value
                + adjustments
                    .get(l.item_no.as_str())
                    .copied()
                    .unwrap_or_default(),
            work_rate: l.retainage_percent,
            stored_rate: l.stored_retainage_percent,
        })
        .collect();
    for (co_id, ch, nl) in added_lines {
        bases.push(Base {
            item_no: ch.item_no.clone(),
            description: nl.description.clone(),
            cost_code: nl.cost_code.clone(),
            change_order: Some(co_id),
            scheduled_value: ch.amount.0,
            work_rate: nl.retainage_percent.map(|a| a.0),
            stored_rate: None,
        });
    }

    // Billing of this period.
    let billed: BTreeMap<&str, (Decimal, Decimal)> = rec
        .lines
        .iter()
        .map(|l| (l.item_no.as_str(), (l.this_period.0, l.materials_stored.0)))
        .collect();
    for item in billed.keys() {
        if !bases.iter().any(|b| b.item_no == *item) {
            return Err(tie(format!(
                "{} bills item {item}, which belongs to a change order not approved by the owner as of {}",
                rec.path.display(),
                format_iso_date(rec.period_to.0)
            )));
        }
    }
    let prev_g: BTreeMap<&str, Decimal> = prev
        .map(|p| {
            p.lines
                .iter()
                .map(|l| (l.item_no.as_str(), l.from_previous + l.this_period))
                .collect()
        })
        .unwrap_or_default();

    // Project percent complete decides the retainage step-down.
    let total_c: Decimal = bases.iter().map(|b| b.scheduled_value).sum();
    let total_g: Decimal = bases
        .iter()
        .map(|b| {
            let (e, f) = billed.get(b.item_no.as_str()).copied().unwrap_or_default();
            prev_g.get(b.item_no.as_str()).copied().unwrap_or_default() + e + f
        })
        .sum();
    let project_pct = if total_c.is_zero() {
        Decimal::ZERO
    } else {
        total_g * Decimal::ONE_HUNDRED / total_c
    };
    let default_work_rate = match &c.retainage.step_down {
        Some(s) if project_pct >= s.at_percent_complete.0 => s.work_percent.0,
        _ => c.retainage.work_percent.0,
    };

    let mut lines = Vec::with_capacity(bases.len());
    for b in bases {
        let d = prev_g.get(b.item_no.as_str()).copied().unwrap_or_default();
        let (e, f) = billed.get(b.item_no.as_str()).copied().unwrap_or_default();
        let g = d + e + f;
        let cv = b.scheduled_value;
        let within = if cv >= Decimal::ZERO {
            g >= Decimal::ZERO && g <= cv
        } else {
            g <= Decimal::ZERO && g >= cv
        };
        if !within {
            return Err(tie(format!(
                "item {}: total completed and stored (G = {}) is outside the scheduled value (C = {}); D {} + E {} + F {}",
                b.item_no, g, cv, d, e, f
            )));
        }
        let work_rate = b.work_rate.unwrap_or(default_work_rate);
        let stored_rate = b.stored_rate.unwrap_or(c.retainage.stored_percent.0);
        let work_ret = percent_of(d + e, work_rate, rounding);
        let stored_ret = percent_of(f, stored_rate, rounding);
        lines.push(G703Line {
            item_no: b.item_no,
            description: b.description,
            cost_code: b.cost_code,
            change_order: b.change_order,
            scheduled_value: cv,
            from_previous: d,
            this_period: e,
            materials_stored: f,
            completed_and_stored: g,
            percent_complete: percent(g, cv),
            balance_to_finish: cv - g,
            work_retainage_rate: work_rate,
            stored_retainage_rate: stored_rate,
            work_retainage: work_ret,
            stored_retainage: stored_ret,
            retainage: work_ret + stored_ret,
        });
    }

    let t = totals(&lines);

    let uniform = |f: fn(&G703Line) -> Decimal| -> Option<Decimal> {
        let first = lines.first().map(f)?;
        lines.iter().all(|l| f(l) == first).then_some(first)
    };
    let original = c.original_contract_sum.0;
    let line3 = original + summary.net;
    let line6 = t.completed_and_stored - t.retainage;
    let line7 = prev
        .map(|p| p.g702.earned_less_retainage)
        .unwrap_or_default();
    let g702 = G702 {
        original_contract_sum: original,
        net_change_orders: summary.net,
        contract_sum_to_date: line3,
        completed_and_stored: t.completed_and_stored,
        retainage_work: t.work_retainage,
        retainage_stored: t.stored_retainage,
        retainage_work_rate: uniform(|l| l.work_retainage_rate),
        retainage_stored_rate: uniform(|l| l.stored_retainage_rate),
        retainage_total: t.work_retainage + t.stored_retainage,
        earned_less_retainage: line6,
        previous_certificates: line7,
        current_payment_due: line6 - line7,
        balance_to_finish_incl_retainage: line3 - line6,
    };
    let header = PayAppHeader {
        project_name: c.project.name.clone(),
        project_number: c.project.number.clone(),
        owner: c.owner.name.clone(),
        contractor: c.contractor.name.clone(),
        architect: c.architect.name.clone(),
        contract_for: c.contract_for.clone(),
        contract_date: c.contract_date.0,
        application_no: rec.application_no,
        application_date: rec.application_date.0,
        period_from: rec.period_from.0,
        period_to: rec.period_to.0,
        rounding,
    };
    Ok(PayApplication {
        header,
        lines,
        totals: t,
        g702,
        change_orders: summary,
    })
}

/// Column totals of G703 lines (the TOTAL row).
pub fn totals(lines: &[G703Line]) -> G703Totals {
    let mut t = G703Totals::default();
    for l in lines {
        t.scheduled_value += l.scheduled_value;
        t.from_previous += l.from_previous;
        t.this_period += l.this_period;
        t.materials_stored += l.materials_stored;
        t.completed_and_stored += l.completed_and_stored;
        t.balance_to_finish += l.balance_to_finish;
        t.work_retainage += l.work_retainage;
        t.stored_retainage += l.stored_retainage;
        t.retainage += l.retainage;
    }
    t.percent_complete = percent(t.completed_and_stored, t.scheduled_value);
    t
}

/// G ÷ C in percent to two decimals; 0 when C is 0.
fn percent(g: Decimal, c: Decimal) -> Decimal {
    if c.is_zero() {
        Decimal::ZERO
    } else {
        round_dp(g * Decimal::ONE_HUNDRED / c, 2)
    }
}

/// Recomputes every tie-out a reviewer checks, independently of how the application was
/// built, and refuses an inconsistent one with the line and the numbers.
pub fn check_tie_outs(app: &PayApplication, prev: Option<&PayApplication>) -> Result<(), Error> {
    let period = format!(
        "#{} ({})",
        app.header.application_no,
        format_iso_date(app.header.period_to)
    );
    let fail = |message: String| {
        Err(Error::TieOut {
            period: period.clone(),
            message,
        })
    };
    let g = &app.g702;
    let sum = |f: fn(&G703Line) -> Decimal| -> Decimal { app.lines.iter().map(f).sum() };
    let sum_c = sum(|l| l.scheduled_value);
    if sum_c != g.contract_sum_to_date {
        return fail(format!(
            "G703 column C totals {sum_c} but G702 line 3 (contract sum to date) is {}",
            g.contract_sum_to_date
        ));
    }
    if g.original_contract_sum + g.net_change_orders != g.contract_sum_to_date {
        return fail(format!(
            "G702 line 1 {} + line 2 {} ≠ line 3 {}",
            g.original_contract_sum, g.net_change_orders, g.contract_sum_to_date
        ));
    }
    let co = &app.change_orders;
    if co.total_additions - co.total_deductions != g.net_change_orders {
        return fail(format!(
            "change order summary nets {} but G702 line 2 is {}",
            co.total_additions - co.total_deductions,
            g.net_change_orders
        ));
    }
    for l in &app.lines {
        if l.from_previous + l.this_period + l.materials_stored != l.completed_and_stored {
            return fail(format!("item {}: D + E + F ≠ G", l.item_no));
        }
        if l.scheduled_value - l.completed_and_stored != l.balance_to_finish {
            return fail(format!("item {}: C − G ≠ H", l.item_no));
        }
        if l.scheduled_value >= Decimal::ZERO && l.completed_and_stored > l.scheduled_value {
            return fail(format!(
                "item {}: G {} exceeds C {}",
                l.item_no, l.completed_and_stored, l.scheduled_value
            ));
        }
        if l.work_retainage + l.stored_retainage != l.retainage {
            return fail(format!(
                "item {}: retainage parts do not add up to column I",
                l.item_no
            ));
        }
    }
    let sum_g = sum(|l| l.completed_and_stored);
    if sum_g != g.completed_and_stored || sum_g != app.totals.completed_and_stored {
        return fail(format!(
            "G703 column G totals {sum_g} but G702 line 4 is {}",
            g.completed_and_stored
        ));
    }
    let sum_i = sum(|l| l.retainage);
    if sum_i != g.retainage_total || g.retainage_work + g.retainage_stored != g.retainage_total {
        return fail(format!(
            "G703 column I totals {sum_i} but G702 line 5 is {} (5a {} + 5b {})",
            g.retainage_total, g.retainage_work, g.retainage_stored
        ));
    }
    if g.completed_and_stored - g.retainage_total != g.earned_less_retainage {
        return fail(format!(
            "G702 line 6 {} ≠ line 4 − line 5",
            g.earned_less_retainage
        ));
    }
    let expected7 = prev
        .map(|p| p.g702.earned_less_retainage)
        .unwrap_or_default();
    if g.previous_certificates != expected7 {
        return fail(format!(
            "G702 line 7 is {} but the previous certificate's line 6 is {expected7}",
            g.previous_certificates
        ));
    }
    if g.earned_less_retainage - g.previous_certificates != g.current_payment_due {
        return fail(format!(
            "G702 line 8 {} ≠ line 6 − line 7",
            g.current_payment_due
        ));
    }
    if g.contract_sum_to_date - g.earned_less_retainage != g.balance_to_finish_incl_retainage {
        return fail(format!(
            "G702 line 9 {} ≠ line 3 − line 6",
            g.balance_to_finish_incl_retainage
        ));
    }
    if let Some(p) = prev {
        let prev_de: BTreeMap<&str, Decimal> = p
            .lines
            .iter()
            .map(|l| (l.item_no.as_str(), l.from_previous + l.this_period))
            .collect();
        for l in &app.lines {
            let expected = prev_de.get(l.item_no.as_str()).copied().unwrap_or_default();
            if l.from_previous != expected {
                return fail(format!(
                    "item {}: column D is {} but the previous application's D + E is {expected}",
                    l.item_no, l.from_previous
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! A two-period example computed by hand (figures in the comments), checked to the cent.
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    pub(crate) fn write(dir: &std::path::Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn fixture(step_down: bool) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path();
        let sd = if step_down {
            r#", "step_down": {"at_percent_complete": "50", "work_percent": "5"}"#
        } else {
            ""
        };
        write(
            dir,
            "records/contract.json",
            &format!(
                r#"{{
  "project": {{"name": "Tiny", "number": "T-1"}}, "contract_number": "C-1", "contract_date": "2026-01-02",
  "contract_for": "Test", "owner": {{"name": "O"}}, "contractor": {{"name": "K"}}, "architect": {{"name": "A"}},
  "original_contract_sum": "100000.00", "rounding": "cents",
  "retainage": {{"work_percent": "10", "stored_percent": "5"{sd}}}
}}"#
            ),
        );
        write(dir, "records/sov.csv", "item_no,cost_code,description,scheduled_value,retainage_percent,stored_retainage_percent\n1,01,Work A,60000.00,,\n2,02,Work B,30000.00,5,\n3,03,Work C,10000.00,,\n");
        write(
            dir,
            "records/change_orders/CO-001.json",
            r#"{"id": "CO-001", "title": "Add", "status": "Executed", "date_created": "2026-02-01", "date_approved": "2026-02-10",
  "cost_lines": [{"description": "x", "cost_code": "04", "kind": "labor", "amount": "1000.00"}],
  "markups": {"ohp_percent": "15", "bond_percent": "1.5"},
  "sov_changes": [{"item_no": "CO-001.1", "amount": "1165.00", "new_line": {"cost_code": "04", "description": "Added work"}}]}"#,
        );
        write(
            dir,
            "records/change_orders/CO-002.json",
            r#"{"id": "CO-002", "title": "Deduct", "status": "Owner Authorized", "date_created": "2026-01-05", "date_approved": "2026-01-20",
  "cost_lines": [{"description": "y", "cost_code": "03", "kind": "material", "amount": "-200.00"}],
  "markups": {"ohp_percent": "15", "bond_percent": "1.5"},
  "sov_changes": [{"item_no": "3", "amount": "-233.00"}]}"#,
        );
        write(
            dir,
            "records/change_orders/CO-003.json",
            r#"{"id": "CO-003", "title": "Not yet", "status": "Contractor Accepted", "date_created": "2026-01-05",
  "cost_lines": [{"description": "z", "cost_code": "03", "kind": "material", "amount": "5000.00"}],
  "markups": {"ohp_percent": "0", "bond_percent": "0"},
  "sov_changes": [{"item_no": "3", "amount": "5000.00"}]}"#,
        );
        write(
            dir,
            "records/pay_apps/PA-001.json",
            r#"{"application_no": 1, "period_from": "2026-01-01", "period_to": "2026-01-31", "application_date": "2026-01-28", "status": "paid",
  "lines": [{"item_no": "1", "this_period": "12345.67"}, {"item_no": "2", "this_period": "3000.00", "materials_stored": "2000.00"}]}"#,
        );
        write(
            dir,
            "records/pay_apps/PA-002.json",
            r#"{"application_no": 2, "period_from": "2026-02-01", "period_to": "2026-02-28", "application_date": "2026-02-25", "status": "draft",
  "lines": [{"item_no": "1", "this_period": "40000.00"}, {"item_no": "2", "this_period": "4500.00", "materials_stored": "0.00"},
            {"item_no": "3", "this_period": "2500.50"}, {"item_no": "CO-001.1", "this_period": "1165.00"}]}"#,
        );
        t
    }

    #[test]
    fn period_one_by_hand() {
        let t = fixture(true);
        let r = Records::load(t.path()).unwrap();
        let a = compute(&r, 1).unwrap();
        // CO-001 is approved after period 1: not a line yet. CO-002 (−233.00) is.
        assert_eq!(a.lines.len(), 3);
        let g = &a.g702;
        assert_eq!(g.original_contract_sum, d("100000.00"));
        assert_eq!(g.net_change_orders, d("-233.00")); // −200 − 30.00 OH&P − 3.00 bond
        assert_eq!(g.contract_sum_to_date, d("99767.00"));
        assert_eq!(g.completed_and_stored, d("17345.67")); // 12345.67 + 3000 + 2000 stored
        assert_eq!(a.lines[0].work_retainage, d("1234.57")); // 10% of 12345.67 = 1234.567
        assert_eq!(a.lines[1].work_retainage, d("150.00")); // line's own 5%
        assert_eq!(a.lines[1].stored_retainage, d("100.00")); // 5% stored rate
        assert_eq!(g.retainage_work, d("1384.57"));
        assert_eq!(g.retainage_stored, d("100.00"));
        assert_eq!(g.retainage_total, d("1484.57"));
        assert_eq!(g.retainage_work_rate, None); // 10% and 5% on different lines
        assert_eq!(g.earned_less_retainage, d("15861.10"));
        assert_eq!(g.previous_certificates, d("0"));
        assert_eq!(g.current_payment_due, d("15861.10"));
        assert_eq!(g.balance_to_finish_incl_retainage, d("83905.90"));
        assert_eq!(a.change_orders.this_period_deductions, d("233.00"));
        assert_eq!(a.change_orders.previous_deductions, d("0"));
        assert_eq!(a.lines[2].scheduled_value, d("9767.00"));
    }

    #[test]
    fn period_two_by_hand_with_step_down() {
        let t = fixture(true);
        let r = Records::load(t.path()).unwrap();
        let a = compute(&r, 2).unwrap();
        let g = &a.g702;
        assert_eq!(a.lines.len(), 4);
        // Column D = previous D + E (stored material is not in D).
        assert_eq!(a.lines[0].from_previous, d("12345.67"));
        assert_eq!(a.lines[1].from_previous, d("3000.00"));
        assert_eq!(a.lines[0].percent_complete, d("87.24")); // 52345.67 / 60000
        assert_eq!(g.net_change_orders, d("932.00")); // +1165.00 − 233.00
        assert_eq!(g.contract_sum_to_date, d("100932.00"));
        assert_eq!(g.completed_and_stored, d("63511.17"));
        // 62.92% complete ≥ 50%: lines without their own rate drop to 5%.
        assert_eq!(a.lines[0].work_retainage, d("2617.28")); // 5% of 52345.67 = 2617.2835
        assert_eq!(a.lines[2].work_retainage, d("125.03")); // 5% of 2500.50 = 125.025, half away from zero
        assert_eq!(a.lines[3].work_retainage, d("58.25"));
        assert_eq!(g.retainage_total, d("3175.56"));
        assert_eq!(g.retainage_work_rate, Some(d("5")));
        assert_eq!(g.earned_less_retainage, d("60335.61"));
        assert_eq!(g.previous_certificates, d("15861.10")); // line 6 of period 1
        assert_eq!(g.current_payment_due, d("44474.51"));
        assert_eq!(g.balance_to_finish_incl_retainage, d("40596.39"));
        let co = &a.change_orders;
        assert_eq!(
            (co.previous_additions, co.previous_deductions),
            (d("0"), d("233.00"))
        );
        assert_eq!(
            (co.this_period_additions, co.this_period_deductions),
            (d("1165.00"), d("0"))
        );
        assert_eq!(co.net, d("932.00"));
        assert_eq!(co.orders.len(), 2); // CO-003 is not owner-approved
    }

    #[test]
    fn without_step_down_the_rate_stays() {
        let t = fixture(false);
        let r = Records::load(t.path()).unwrap();
        let a = compute(&r, 2).unwrap();
        assert_eq!(a.lines[0].work_retainage, d("5234.57")); // 10% of 52345.67 = 5234.567
    }

    #[test]
    fn overbilling_is_refused_with_the_numbers() {
        let t = fixture(true);
        write(
            t.path(),
            "records/pay_apps/PA-002.json",
            r#"{"application_no": 2, "period_from": "2026-02-01", "period_to": "2026-02-28", "application_date": "2026-02-25", "status": "draft",
  "lines": [{"item_no": "3", "this_period": "9767.01"}]}"#,
        );
        let r = Records::load(t.path()).unwrap();
        let e = compute(&r, 2).unwrap_err().to_string();
        assert!(
            e.contains("item 3") && e.contains("9767.01") && e.contains("9767.00"),
            "{e}"
        );
    }

    #[test]
    fn billing_an_unapproved_change_order_is_refused() {
        let t = fixture(true);
        write(
            t.path(),
            "records/pay_apps/PA-001.json",
            r#"{"application_no": 1, "period_from": "2026-01-01", "period_to": "2026-01-31", "application_date": "2026-01-28", "status": "paid",
  "lines": [{"item_no": "CO-001.1", "this_period": "100.00"}]}"#,
        );
        let r = Records::load(t.path()).unwrap();
        let e = compute(&r, 1).unwrap_err().to_string();
        assert!(e.contains("CO-001.1") && e.contains("not approved"), "{e}");
    }

    #[test]
    fn tie_out_check_catches_a_tampered_application() {
        let t = fixture(true);
        let r = Records::load(t.path()).unwrap();
        let p = compute(&r, 1).unwrap();
        let mut a = compute(&r, 2).unwrap();
        assert!(check_tie_outs(&a, Some(&p)).is_ok());
        a.g702.previous_certificates += d("0.01");
        let e = check_tie_outs(&a, Some(&p)).unwrap_err().to_string();
        assert!(e.contains("line 7"), "{e}");
        let mut a = compute(&r, 2).unwrap();
        a.lines[1].retainage += d("1");
        a.lines[1].work_retainage += d("1");
        assert!(check_tie_outs(&a, Some(&p))
            .unwrap_err()
            .to_string()
            .contains("column I"));
        let mut a = compute(&r, 2).unwrap();
        a.lines[0].from_previous -= d("1");
        a.lines[0].this_period += d("1");
        assert!(check_tie_outs(&a, Some(&p))
            .unwrap_err()
            .to_string()
            .contains("column D"));
    }

    #[test]
    fn whole_dollar_contracts_round_retainage_to_dollars() {
        let t = fixture(true);
        let c = std::fs::read_to_string(t.path().join("records/contract.json"))
            .unwrap()
            .replace("\"cents\"", "\"whole_dollars\"");
        write(t.path(), "records/contract.json", &c);
        // Cents in the records are refused under whole-dollar rounding.
        let e = Records::load(t.path()).unwrap_err();
        assert!(e.to_string().contains("precision"), "{e}");
        write(
            t.path(),
            "records/pay_apps/PA-001.json",
            r#"{"application_no": 1, "period_from": "2026-01-01", "period_to": "2026-01-31", "application_date": "2026-01-28", "status": "paid",
  "lines": [{"item_no": "1", "this_period": "12345"}]}"#,
        );
        write(
            t.path(),
            "records/pay_apps/PA-002.json",
            r#"{"application_no": 2, "period_from": "2026-02-01", "period_to": "2026-02-28", "application_date": "2026-02-25", "status": "draft", "lines": []}"#,
        );
        let r = Records::load(t.path()).unwrap();
        let a = compute(&r, 1).unwrap();
        assert_eq!(a.lines[0].work_retainage, d("1235")); // 1234.5 rounds half away from zero
    }
}

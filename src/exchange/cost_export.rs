//! Cost exports: the project's cost records (records/costs/), change orders and pay
//! applications → mapping → one writer per format → drop files, delivered by
//! `export::deliver` (rules, manifest, unchanged detection, approval, audit).
//!
//! Every target checks its rows before anything is written: cost codes and cost types
//! must exist in the project, and the writer's own rules (Procore layouts, balanced
//! QuickBooks transactions, Sage field limits) must hold; otherwise the export stops with
//! every offending row listed. Must not format bytes itself (the `formats` writers do).

use std::path::Path;

use serde_json::json;

use super::export::{deliver, safe_name, Drop, ExportOptions, ExportReport};
use super::rules::Policy;
use crate::costs::ledger::{self, CostLine, Entries};
use crate::costs::model::{Costs, Origin};
use crate::costs::records as crec;
use crate::error::{DataError, Error, Result};
use crate::formats::iif_write::{self, Split, Transaction, TrnsType};
use crate::formats::{procore_csv, qbo_csv, sage_csv};
use crate::mapping::{out_text, sum_field, Mapping, Output};
use crate::money::plain;
use crate::project::records::{co_total, Records};

/// Does this module export mappings of `format`?
pub fn handles(format: &str) -> bool {
    matches!(
        format,
        "procore-budget-csv"
            | "procore-commitment-sov-csv"
            | "procore-change-orders-csv"
            | "quickbooks-iif"
            | "qbo-invoices-csv"
            | "qbo-journal-csv"
            | "sage300-ap-csv"
            | "sage300-jc-csv"
            | "cost-reconciliation"
    )
}

/// Runs a cost export (called by `export::export` for the formats `handles` accepts).
pub fn export(
    root: &Path,
    mapping: &Mapping,
    opts: &ExportOptions,
    policy: Policy,
    target: &str,
) -> Result<ExportReport> {
    if !crec::exists(root) {
        return Err(Error::NotFound {
            what: "cost records",
            detail: format!("{} has no {}/cost_codes.csv", root.display(), crec::DIR),
            hint: "add the cost records (docs/DATA.md, \"Cost records\")".into(),
        });
    }
    let costs = crec::load(root)?;
    let records = Records::load(root)?;
    let drop = match mapping.format.as_str() {
        "procore-budget-csv" => procore_budget(root, mapping, &costs, &records)?,
        "procore-commitment-sov-csv" => procore_commitments(root, mapping, &costs, &records)?,
        "procore-change-orders-csv" => procore_change_orders(root, mapping, &costs, &records)?,
        "sage300-ap-csv" | "sage300-jc-csv" => sage(root, mapping, opts, &costs, &records, target)?,
        "cost-reconciliation" => reconcile(root, mapping, opts, &costs, &records, target)?,
        _ => quickbooks(root, mapping, opts, &costs, &records, target)?,
    };
    deliver(root, mapping, opts, policy, target, drop)
}

/// A record a row was made from, for error messages: file, line (CSV) and field path.
#[derive(Clone)]
struct Src {
    path: std::path::PathBuf,
    line: Option<usize>,
    field: String,
}

impl Src {
    fn of(o: &Origin, field: &str) -> Src {
        Src {
            path: o.path.clone(),
            line: o.line,
            field: field.to_string(),
        }
    }
    /// An error about this record; a JSON record's line is found from the field path.
    fn err(&self, message: String, hint: &str) -> DataError {
        let mut e = DataError::new(&self.path, message, hint).field(self.field.clone());
        let line = self.line.or_else(|| {
            let text = std::fs::read_to_string(&self.path).ok()?;
            crate::project::serde_util::json_path_line(&text, &self.field)
        });
        if let Some(l) = line {
            e = e.line(l);
        }
        e
    }
}

/// Refuses the export when any problem was found.
fn refuse_if(target: &str, problems: Vec<DataError>) -> Result<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Refused {
            target: target.to_string(),
            problems,
        })
    }
}

/// The problems of a row's cost code and cost type against the project's lists.
fn check_code_type(costs: &Costs, src: &Src, code: &str, ty: &str, out: &mut Vec<DataError>) {
    if costs.cost_code(code).is_none() {
        out.push(src.err(
            format!("cost code {code:?} is not a cost code of the project"),
            "add it to records/costs/cost_codes.csv or fix the record",
        ));
    }
    if costs.cost_type(ty).is_none() {
        out.push(src.err(
            format!("cost type {ty:?} is not a cost type of the project"),
            "add it to records/costs/cost_types.csv or fix the record",
        ));
    }
}

/// Maps every input through `model`, collecting mapping errors per row.
fn map_rows(
    mapping: &Mapping,
    model: &str,
    inputs: &[serde_json::Value],
    srcs: &[Src],
    problems: &mut Vec<DataError>,
) -> Vec<Output> {
    let mut out = Vec::new();
    for (input, src) in inputs.iter().zip(srcs) {
        match mapping.apply(model, input) {
            Ok(o) => out.push(o),
            Err(e) => problems.push(src.err(format!("{e}"), &e.hint)),
        }
    }
    out
}

fn rel_sources(root: &Path, records: &Records) -> Result<Vec<String>> {
    let mut v = crec::source_files(root)?;
    v.extend(
        records
            .source_files(root)
            .iter()
            .map(|p| p.to_string_lossy().replace('\\', "/")),
    );
    v.sort();
    v.dedup();
    Ok(v)
}

/// `<project number>_<target>`: one manifest per target.
fn stem(records: &Records, target: &str) -> String {
    format!("{}_{target}", safe_name(&records.contract.project.number))
}

fn procore_budget(
    root: &Path,
    mapping: &Mapping,
    costs: &Costs,
    records: &Records,
) -> Result<Drop> {
    let mut problems = Vec::new();
    let mut inputs = Vec::new();
    let mut srcs = Vec::new();
    for b in &costs.budget {
        let src = Src {
            path: b.origin.path.clone(),
            line: b.origin.line,
            field: "cost_code".into(),
        };
        check_code_type(costs, &src, &b.cost_code, &b.cost_type, &mut problems);
        inputs.push(json!({
            "cost_code": b.cost_code,
            "cost_code_description": costs.cost_code(&b.cost_code).map(|c| c.description.clone()),
            "cost_type": b.cost_type,
            "cost_type_description": costs.cost_type(&b.cost_type).map(|c| c.description.clone()),
            "description": (!b.description.is_empty()).then(|| b.description.clone()),
            "quantity": b.quantity.map(|q| q.to_string()),
            "uom": b.uom,
            "unit_cost": b.unit_cost.map(|u| u.to_string()),
            "amount": b.amount.to_string(),
        }));
        srcs.push(src);
    }
    let rows = map_rows(mapping, "line", &inputs, &srcs, &mut problems);
    if problems.is_empty() {
        for (i, p) in procore_csv::budget_problems(&rows) {
            problems.push(srcs[i].err(
                p,
                "Procore would refuse this budget line; fix budget.csv or the mapping",
            ));
        }
    }
    refuse_if("procore-budget", problems)?;
    let total = sum_field(&rows, "budget_amount");
    let summary = json!({"lines": rows.len(), "total": plain(total)});
    Ok(Drop {
        stem: stem(records, "procore-budget"),
        files: vec![(
            "import.csv".into(),
            "procore-budget-csv",
            procore_csv::write(&procore_csv::BUDGET_COLUMNS, &rows),
        )],
        sources: rel_sources(root, records)?,
        manifest_extra: summary.clone(),
        summary,
    })
}

fn procore_commitments(
    root: &Path,
    mapping: &Mapping,
    costs: &Costs,
    records: &Records,
) -> Result<Drop> {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    let mut summary = Vec::new();
    for c in &costs.commitments {
        if c.status == crate::costs::model::CommitmentStatus::Void {
            continue;
        }
        let vendor_name = costs.vendor(&c.vendor).map(|v| v.name.clone());
        let mut inputs = Vec::new();
        let mut srcs = Vec::new();
        for (i, l) in c.lines.iter().enumerate() {
            let src = Src {
                path: c.origin.path.clone(),
                line: None,
                field: format!("lines[{i}]"),
            };
            check_code_type(costs, &src, &l.cost_code, &l.cost_type, &mut problems);
            inputs.push(json!({
                "commitment": c.id, "kind": serde_json::to_value(c.kind).unwrap_or_default(),
                "vendor": c.vendor, "vendor_name": vendor_name, "line": l.line,
                "cost_code": l.cost_code,
                "cost_code_description": costs.cost_code(&l.cost_code).map(|x| x.description.clone()),
                "cost_type": l.cost_type,
                "cost_type_description": costs.cost_type(&l.cost_type).map(|x| x.description.clone()),
                "description": l.description, "amount": l.amount.to_string(),
            }));
            srcs.push(src);
        }
        let rows = map_rows(mapping, "line", &inputs, &srcs, &mut problems);
        let total = sum_field(&rows, "amount");
        if problems.is_empty() && total != c.value() {
            problems.push(srcs[0].err(
                format!(
                    "the mapped SOV totals {total}, the commitment {}",
                    c.value()
                ),
                "the mapping must not change the amounts",
            ));
        }
        summary.push(json!({"commitment": c.id, "lines": rows.len(), "value": plain(total)}));
        files.push((
            format!("{}_sov.csv", safe_name(&c.id)),
            "procore-commitment-sov-csv",
            procore_csv::write(&procore_csv::COMMITMENT_SOV_COLUMNS, &rows),
        ));
    }
    refuse_if("procore-commitments", problems)?;
    let summary = json!({"commitments": summary});
    Ok(Drop {
        stem: stem(records, "procore-commitments"),
        files,
        sources: rel_sources(root, records)?,
        manifest_extra: summary.clone(),
        summary,
    })
}

fn procore_change_orders(
    root: &Path,
    mapping: &Mapping,
    costs: &Costs,
    records: &Records,
) -> Result<Drop> {
    let mut problems = Vec::new();
    let mut inputs = Vec::new();
    let mut srcs = Vec::new();
    for co in &records.change_orders {
        for (i, l) in co.cost_lines.iter().enumerate() {
            let src = Src {
                path: co.path.clone(),
                line: None,
                field: format!("cost_lines[{i}]"),
            };
            match costs.cost_type_for_kind(l.kind) {
                Some(t) => check_code_type(costs, &src, &l.cost_code, &t.code, &mut problems),
                None => problems.push(src.err(
                    format!("no cost type of the project has kind {:?}", l.kind),
                    "add a cost type of that kind to records/costs/cost_types.csv",
                )),
            }
        }
        inputs.push(json!({
            "id": co.id, "title": co.title,
            "status": serde_json::to_value(co.status).unwrap_or_default(),
            "reason": co.reason,
            "date_created": crate::project::serde_util::format_iso_date(co.date_created.0),
            "date_approved": co.date_approved.map(|d| crate::project::serde_util::format_iso_date(d.0)),
            "amount": co_total(co, records.contract.rounding).to_string(),
        }));
        srcs.push(Src {
            path: co.path.clone(),
            line: None,
            field: "id".into(),
        });
    }
    let rows = map_rows(mapping, "change_order", &inputs, &srcs, &mut problems);
    refuse_if("procore-change-orders", problems)?;
    let total = sum_field(&rows, "amount");
    let summary = json!({"change_orders": rows.len(), "total": plain(total)});
    Ok(Drop {
        stem: stem(records, "procore-change-orders"),
        files: vec![(
            "import.csv".into(),
            "procore-change-orders-csv",
            procore_csv::write(&procore_csv::CHANGE_ORDER_COLUMNS, &rows),
        )],
        sources: rel_sources(root, records)?,
        manifest_extra: summary.clone(),
        summary,
    })
}

/// The project fields every accounting model may use.
fn project_json(records: &Records) -> serde_json::Map<String, serde_json::Value> {
    let c = &records.contract;
    let v = json!({
        "project_name": c.project.name, "project_number": c.project.number,
        "owner": c.owner.name, "contract_number": c.contract_number,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn with_project(
    project: &serde_json::Map<String, serde_json::Value>,
    v: serde_json::Value,
) -> serde_json::Value {
    let mut m = project.clone();
    if let Some(o) = v.as_object() {
        m.extend(o.clone());
    }
    serde_json::Value::Object(m)
}

/// Maps one record through a model, or records the problem against its source.
fn map_one(
    mapping: &Mapping,
    model: &str,
    input: &serde_json::Value,
    src: &Src,
    problems: &mut Vec<DataError>,
) -> Option<Output> {
    match mapping.apply(model, input) {
        Ok(o) => Some(o),
        Err(e) => {
            problems.push(src.err(format!("{e}"), &e.hint));
            None
        }
    }
}

/// Maps the job-cost lines of a bill or journal entry (model `cost`), checking their
/// cost codes and types.
fn map_costs(
    mapping: &Mapping,
    costs: &Costs,
    project: &serde_json::Map<String, serde_json::Value>,
    lines: &[CostLine],
    src: &Src,
    problems: &mut Vec<DataError>,
) -> Vec<(Output, rust_decimal::Decimal)> {
    let mut out = Vec::new();
    for l in lines {
        check_code_type(costs, src, &l.cost_code, &l.cost_type, problems);
        let input = with_project(
            project,
            json!({
                "cost_code": l.cost_code,
                "cost_code_description": costs.cost_code(&l.cost_code).map(|c| c.description.clone()),
                "cost_type": l.cost_type,
                "cost_type_description": costs.cost_type(&l.cost_type).map(|c| c.description.clone()),
                "description": l.description,
            }),
        );
        if let Some(o) = map_one(mapping, "cost", &input, src, problems) {
            out.push((o, l.amount));
        }
    }
    out
}

fn iso(d: time::Date) -> String {
    crate::project::serde_util::format_iso_date(d)
}

/// The accounting period of `opts` (`YYYY-MM`), default the latest non-draft pay application.
fn period(opts: &ExportOptions, records: &Records) -> Result<String> {
    match opts.period {
        Some(p) => {
            let ok = p.len() == 7
                && crate::project::serde_util::parse_iso_date(&format!("{p}-01")).is_some();
            if ok {
                Ok(p.to_string())
            } else {
                Err(Error::NotFound {
                    what: "period",
                    detail: format!("{p:?} is not a month"),
                    hint: "write --period YYYY-MM".into(),
                })
            }
        }
        None => ledger::default_period(records).ok_or_else(|| Error::NotFound {
            what: "period",
            detail: "the project has no pay application past draft".into(),
            hint: "give --period YYYY-MM".into(),
        }),
    }
}

fn quickbooks(
    root: &Path,
    mapping: &Mapping,
    opts: &ExportOptions,
    costs: &Costs,
    records: &Records,
    target: &str,
) -> Result<Drop> {
    let period = period(opts, records)?;
    let entries = ledger::entries(costs, records, &period, &mapping.platform)?;
    let empty = match mapping.format.as_str() {
        "quickbooks-iif" => {
            entries.bills.is_empty() && entries.invoices.is_empty() && entries.journals.is_empty()
        }
        "qbo-invoices-csv" => entries.invoices.is_empty(),
        _ => entries.journals.is_empty(),
    };
    if empty {
        return Err(nothing_in(&period, target));
    }
    let project = project_json(records);
    let mut problems = Vec::new();
    let (files, summary) = match mapping.format.as_str() {
        "quickbooks-iif" => {
            let txns = iif_transactions(mapping, costs, &project, &entries, &mut problems);
            refuse_if(target, problems)?;
            let bytes = iif_write::write_iif(&txns.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>())
                .map_err(|errs| Error::Refused {
                    target: target.to_string(),
                    problems: errs
                        .iter()
                        .map(|e| {
                            let src = txns
                                .iter()
                                .find(|(t, _)| t.docnum == e.docnum)
                                .map(|(_, s)| s.clone());
                            match src {
                                Some(s) => s.err(e.to_string(), "fix the record or the mapping; QuickBooks would reject this transaction"),
                                None => DataError::new(root, e.to_string(), "fix the records or the mapping"),
                            }
                        })
                        .collect(),
                })?;
            (
                vec![("transactions.iif".to_string(), "quickbooks-iif", bytes)],
                json!({
                    "bills": entries.bills.len(), "invoices": entries.invoices.len(),
                    "journal_entries": entries.journals.len(), "transactions": txns.len(),
                }),
            )
        }
        "qbo-invoices-csv" => {
            let mut invoices = Vec::new();
            for inv in &entries.invoices {
                let src = Src::of(&inv.origin, "application_no");
                let input = with_project(
                    &project,
                    json!({
                        "application_no": inv.application_no.to_string(),
                        "date": iso(inv.date), "period_to": iso(inv.period_to),
                    }),
                );
                let Some(o) = map_one(mapping, "invoice", &input, &src, &mut problems) else {
                    continue;
                };
                let due = match o.get("due_date") {
                    Some(crate::mapping::expr::Value::Date(d)) => *d,
                    _ => inv.date,
                };
                invoices.push(qbo_csv::Invoice {
                    number: out_text(&o, "invoice_no"),
                    customer: out_text(&o, "customer"),
                    date: inv.date,
                    due_date: due,
                    terms: out_text(&o, "terms"),
                    location: out_text(&o, "location"),
                    memo: out_text(&o, "memo"),
                    tax_code: out_text(&o, "tax_code"),
                    lines: vec![
                        qbo_csv::ItemLine {
                            item: out_text(&o, "work_item"),
                            description: out_text(&o, "work_description"),
                            amount: inv.work_this_period,
                        },
                        qbo_csv::ItemLine {
                            item: out_text(&o, "retainage_item"),
                            description: out_text(&o, "retainage_description"),
                            amount: -inv.retainage_this_period,
                        },
                    ],
                    total: inv.current_payment_due,
                });
            }
            refuse_if(target, problems)?;
            let parts =
                qbo_csv::write_invoices(&invoices).map_err(|e| refused_text(root, target, e))?;
            (
                parts_named(parts, "invoices", "qbo-invoices-csv"),
                json!({"invoices": invoices.len()}),
            )
        }
        _ => {
            let mut journals = Vec::new();
            for j in &entries.journals {
                let src = Src::of(&j.origin, "reference");
                let input = with_project(
                    &project,
                    json!({
                        "reference": j.reference, "description": j.description, "date": iso(j.date),
                    }),
                );
                let head = map_one(mapping, "journal", &input, &src, &mut problems);
                let lines = map_costs(mapping, costs, &project, &j.lines, &src, &mut problems);
                let Some(h) = head else { continue };
                let mut jl = vec![qbo_csv::JournalLine {
                    account: out_text(&h, "offset_account"),
                    description: out_text(&h, "memo"),
                    amount: -j.total(),
                    name: out_text(&h, "name"),
                }];
                jl.extend(lines.iter().map(|(o, amount)| qbo_csv::JournalLine {
                    account: out_text(o, "account"),
                    description: out_text(o, "memo"),
                    amount: *amount,
                    name: out_text(o, "name"),
                }));
                journals.push(qbo_csv::Journal {
                    number: out_text(&h, "docnum"),
                    date: j.date,
                    lines: jl,
                });
            }
            refuse_if(target, problems)?;
            let parts =
                qbo_csv::write_journals(&journals).map_err(|e| refused_text(root, target, e))?;
            (
                parts_named(parts, "journal", "qbo-journal-csv"),
                json!({"journal_entries": journals.len()}),
            )
        }
    };
    let mut summary = summary;
    if let Some(m) = summary.as_object_mut() {
        m.insert("period".into(), json!(period));
    }
    Ok(Drop {
        stem: format!("{}_{period}", stem(records, target)),
        files,
        sources: rel_sources(root, records)?,
        manifest_extra: summary.clone(),
        summary,
    })
}

/// Nothing of the period for this target: an error, not an empty drop file.
fn nothing_in(period: &str, target: &str) -> Error {
    Error::NotFound {
        what: "transactions",
        detail: format!("{target} has nothing to export for {period}"),
        hint: "choose another --period YYYY-MM (approved commitment invoices, non-draft pay applications and actuals are exported)".into(),
    }
}

fn refused_text(root: &Path, target: &str, problems: Vec<String>) -> Error {
    Error::Refused {
        target: target.to_string(),
        problems: problems
            .into_iter()
            .map(|p| DataError::new(root, p, "fix the records or the mapping"))
            .collect(),
    }
}

/// `<what>.csv`, or `<what>_part1.csv`, `_part2.csv`, ... when split.
fn parts_named(
    parts: Vec<Vec<u8>>,
    what: &str,
    format: &'static str,
) -> Vec<(String, &'static str, Vec<u8>)> {
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let name = if n == 1 {
                format!("{what}.csv")
            } else {
                format!("{what}_part{}.csv", i + 1)
            };
            (name, format, b)
        })
        .collect()
}

/// The month's IIF transactions, each with the record it came from.
fn iif_transactions(
    mapping: &Mapping,
    costs: &Costs,
    project: &serde_json::Map<String, serde_json::Value>,
    e: &Entries,
    problems: &mut Vec<DataError>,
) -> Vec<(Transaction, Src)> {
    let mut out = Vec::new();
    for b in &e.bills {
        let src = Src::of(
            &b.origin,
            if b.commitment.is_some() {
                "invoices"
            } else {
                "vendor"
            },
        );
        let vendor = costs.vendor(&b.vendor);
        if vendor.is_none() {
            problems.push(src.err(
                format!("vendor {:?} is not in vendors.csv", b.vendor),
                "add the vendor to records/costs/vendors.csv",
            ));
        }
        let input = with_project(
            project,
            json!({
                "vendor": b.vendor, "vendor_name": vendor.map(|v| v.name.clone()),
                "vendor_terms": vendor.map(|v| v.terms.clone()), "number": b.number,
                "commitment": b.commitment, "description": b.description,
                "date": iso(b.date), "due_date": iso(b.due_date),
            }),
        );
        let head = map_one(mapping, "bill", &input, &src, problems);
        let lines = map_costs(mapping, costs, project, &b.lines, &src, problems);
        let Some(h) = head else { continue };
        let mut splits: Vec<Split> = lines
            .iter()
            .map(|(o, amount)| Split {
                account: out_text(o, "account"),
                name: out_text(o, "name"),
                class: out_text(o, "class"),
                amount: *amount,
                memo: out_text(o, "memo"),
            })
            .collect();
        if !b.retainage.is_zero() {
            splits.push(Split {
                account: out_text(&h, "retainage_account"),
                name: out_text(&h, "name"),
                class: out_text(&h, "class"),
                amount: -b.retainage,
                memo: "Retainage withheld".into(),
            });
        }
        out.push((
            Transaction {
                kind: TrnsType::Bill,
                date: b.date,
                docnum: out_text(&h, "docnum"),
                account: out_text(&h, "ap_account"),
                name: out_text(&h, "name"),
                class: out_text(&h, "class"),
                amount: -b.payable(),
                memo: out_text(&h, "memo"),
                due_date: Some(b.due_date),
                terms: out_text(&h, "terms"),
                splits,
            },
            src,
        ));
    }
    for inv in &e.invoices {
        let src = Src::of(&inv.origin, "application_no");
        let input = with_project(
            project,
            json!({
                "application_no": inv.application_no.to_string(),
                "date": iso(inv.date), "period_to": iso(inv.period_to),
            }),
        );
        let Some(h) = map_one(mapping, "invoice", &input, &src, problems) else {
            continue;
        };
        let due = match h.get("due_date") {
            Some(crate::mapping::expr::Value::Date(d)) => Some(*d),
            _ => None,
        };
        let customer = out_text(&h, "customer");
        let mut splits = vec![Split {
            account: out_text(&h, "income_account"),
            name: customer.clone(),
            class: out_text(&h, "class"),
            amount: -inv.work_this_period,
            memo: format!(
                "Work completed and stored, pay application {}",
                inv.application_no
            ),
        }];
        if !inv.retainage_this_period.is_zero() {
            splits.push(Split {
                account: out_text(&h, "retainage_account"),
                name: customer.clone(),
                class: out_text(&h, "class"),
                amount: inv.retainage_this_period,
                memo: format!("Retainage withheld, pay application {}", inv.application_no),
            });
        }
        out.push((
            Transaction {
                kind: TrnsType::Invoice,
                date: inv.date,
                docnum: out_text(&h, "docnum"),
                account: out_text(&h, "ar_account"),
                name: customer,
                class: out_text(&h, "class"),
                amount: inv.current_payment_due,
                memo: out_text(&h, "memo"),
                due_date: due,
                terms: out_text(&h, "terms"),
                splits,
            },
            src,
        ));
    }
    for j in &e.journals {
        let src = Src::of(&j.origin, "reference");
        let input = with_project(
            project,
            json!({
                "reference": j.reference, "description": j.description, "date": iso(j.date),
            }),
        );
        let head = map_one(mapping, "journal", &input, &src, problems);
        let lines = map_costs(mapping, costs, project, &j.lines, &src, problems);
        let Some(h) = head else { continue };
        out.push((
            Transaction {
                kind: TrnsType::GeneralJournal,
                date: j.date,
                docnum: out_text(&h, "docnum"),
                account: out_text(&h, "offset_account"),
                name: out_text(&h, "name"),
                class: String::new(),
                amount: -j.total(),
                memo: out_text(&h, "memo"),
                due_date: None,
                terms: String::new(),
                splits: lines
                    .iter()
                    .map(|(o, amount)| Split {
                        account: out_text(o, "account"),
                        name: out_text(o, "name"),
                        class: out_text(o, "class"),
                        amount: *amount,
                        memo: out_text(o, "memo"),
                    })
                    .collect(),
            },
            src,
        ));
    }
    out
}

/// Splits `total` over `parts` in proportion, rounding each to the cent and giving the
/// last part the remainder, so the shares add up to `total` exactly.
fn allocate(
    total: rust_decimal::Decimal,
    parts: &[rust_decimal::Decimal],
) -> Vec<rust_decimal::Decimal> {
    let sum: rust_decimal::Decimal = parts.iter().sum();
    let mut out = Vec::with_capacity(parts.len());
    let mut given = rust_decimal::Decimal::ZERO;
    for (i, p) in parts.iter().enumerate() {
        let share = if i + 1 == parts.len() {
            total - given
        } else if sum.is_zero() {
            rust_decimal::Decimal::ZERO
        } else {
            crate::money::round_dp(total * p / sum, 2)
        };
        given += share;
        out.push(share);
    }
    out
}

fn sage(
    root: &Path,
    mapping: &Mapping,
    opts: &ExportOptions,
    costs: &Costs,
    records: &Records,
    target: &str,
) -> Result<Drop> {
    let period = period(opts, records)?;
    let project = project_json(records);
    let mut problems = Vec::new();
    let mut inputs = Vec::new();
    let mut srcs = Vec::new();
    let model = if mapping.format == "sage300-ap-csv" {
        let entries = ledger::entries(costs, records, &period, &mapping.platform)?;
        for b in &entries.bills {
            let vendor = costs.vendor(&b.vendor);
            let amounts: Vec<_> = b.lines.iter().map(|l| l.amount).collect();
            let retainage = allocate(b.retainage, &amounts);
            for (l, r) in b.lines.iter().zip(retainage) {
                let src = Src::of(
                    &b.origin,
                    if b.commitment.is_some() {
                        "invoices"
                    } else {
                        "vendor"
                    },
                );
                check_code_type(costs, &src, &l.cost_code, &l.cost_type, &mut problems);
                inputs.push(with_project(&project, json!({
                    "vendor": b.vendor, "vendor_name": vendor.map(|v| v.name.clone()),
                    "number": b.number, "date": iso(b.date), "due_date": iso(b.due_date),
                    "commitment": b.commitment, "commitment_line": l.commitment_line.map(|n| n.to_string()),
                    "description": b.description, "invoice_gross": b.gross().to_string(),
                    "invoice_retainage": b.retainage.to_string(), "cost_code": l.cost_code,
                    "cost_code_description": costs.cost_code(&l.cost_code).map(|c| c.description.clone()),
                    "cost_type": l.cost_type, "line_description": l.description,
                    "amount": l.amount.to_string(), "retainage": r.to_string(),
                })));
                srcs.push(src);
            }
        }
        "line"
    } else {
        for a in ledger::direct_costs(costs, &period, &mapping.platform) {
            if a.vendor.is_some() {
                continue; // vendor costs reach job cost through AP
            }
            let src = Src::of(&a.origin, "cost_code");
            check_code_type(costs, &src, &a.cost_code, &a.cost_type, &mut problems);
            inputs.push(with_project(&project, json!({
                "id": a.id, "date": iso(a.date), "cost_code": a.cost_code,
                "cost_code_description": costs.cost_code(&a.cost_code).map(|c| c.description.clone()),
                "cost_type": a.cost_type, "amount": a.amount.to_string(),
                "reference": a.reference, "description": a.description, "source": a.source,
            })));
            srcs.push(src);
        }
        "transaction"
    };
    if inputs.is_empty() {
        return Err(nothing_in(&period, target));
    }
    let rows = map_rows(mapping, model, &inputs, &srcs, &mut problems);
    if problems.is_empty() {
        for (i, p) in sage_csv::problems(&rows) {
            problems.push(srcs[i].err(p, "shorten it in the records or in the mapping (substr)"));
        }
    }
    refuse_if(target, problems)?;
    let total = sum_field(&rows, "amount");
    let summary = json!({"period": period, "rows": rows.len(), "total": plain(total)});
    Ok(Drop {
        stem: format!("{}_{period}", stem(records, target)),
        files: vec![(
            "import.csv".into(),
            if model == "line" {
                "sage300-ap-csv"
            } else {
                "sage300-jc-csv"
            },
            sage_csv::write(mapping.columns(model), &rows),
        )],
        sources: rel_sources(root, records)?,
        manifest_extra: summary.clone(),
        summary,
    })
}

/// Where ERP actuals pulled by `aecos import` are kept: CSV files with the actuals
/// columns in `records/pulled/<platform>/actual_costs/`.
pub const PULLED_ACTUALS: &str = "actual_costs";

/// Every pulled ERP actuals file of the project, sorted.
pub fn pulled_actual_files(root: &Path) -> Result<Vec<std::path::PathBuf>> {
    let pulled = root.join("records/pulled");
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(&pulled) else {
        return Ok(out);
    };
    let mut platforms: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    platforms.sort();
    for p in platforms {
        out.extend(crate::project::files_with_extension(
            &p.join(PULLED_ACTUALS),
            "csv",
        )?);
    }
    Ok(out)
}

fn reconcile(
    root: &Path,
    mapping: &Mapping,
    opts: &ExportOptions,
    costs: &Costs,
    records: &Records,
    target: &str,
) -> Result<Drop> {
    use crate::costs::reconcile::{reconcile, Row};
    use crate::formats::aia_pdf::{self, TableCell, TableColumn, TableReport, TableRow};
    use crate::formats::csv_write::{self, Cell};
    let period = period(opts, records)?;
    let settings = mapping.apply(
        "settings",
        &serde_json::Value::Object(project_json(records)),
    )?;
    let threshold = crate::mapping::out_num(&settings, "variance_threshold").unwrap_or_default();
    let mut actuals = costs.actuals.clone();
    let mut sources = rel_sources(root, records)?;
    for p in pulled_actual_files(root)? {
        let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
        actuals.extend(crec::read_actuals(&p, &bytes, None)?);
        sources.push(super::rel(root, &p));
    }
    sources.sort();
    let r = reconcile(costs, records, &actuals, &period, threshold)?;

    let header = [
        "cost_code",
        "cost_type",
        "description",
        "budget",
        "approved_changes",
        "revised_budget",
        "committed",
        "invoiced",
        "actual_to_date",
        "actual_this_period",
        "variance",
        "billed_to_owner",
        "unknown",
    ];
    let num = |d: rust_decimal::Decimal| Cell::Num(plain(d));
    let csv_row = |x: &Row| -> Vec<Cell> {
        vec![
            Cell::text(&x.cost_code),
            x.cost_type
                .as_deref()
                .map(Cell::text)
                .unwrap_or(Cell::text("*")),
            Cell::text(&x.description),
            num(x.budget),
            num(x.approved_changes),
            num(x.revised_budget()),
            num(x.committed),
            num(x.invoiced),
            num(x.actual_to_date),
            num(x.actual_this_period),
            num(x.variance()),
            x.billed_to_owner.map(num).unwrap_or(Cell::Empty),
            Cell::text(if x.unknown { "yes" } else { "" }),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = r.rows.iter().map(csv_row).collect();
    rows.push(csv_row(&r.total));
    let table = csv_write::write(&header, &rows, csv_write::SPREADSHEET);
    let findings: Vec<Vec<Cell>> = r
        .findings
        .iter()
        .map(|f| {
            vec![
                Cell::text(f.kind),
                Cell::text(&f.cost_code),
                Cell::text(&f.cost_type),
                Cell::text(&f.source),
                Cell::text(&f.message),
                num(f.amount),
            ]
        })
        .collect();
    let findings_csv = csv_write::write(
        &[
            "kind",
            "cost_code",
            "cost_type",
            "source",
            "message",
            "amount",
        ],
        &findings,
        csv_write::SPREADSHEET,
    );

    let c = &records.contract;
    let col = |h: &[&str], width: f32| TableColumn {
        heading: h.iter().map(|s| s.to_string()).collect(),
        width,
    };
    let amount_w = 19.7;
    let columns = vec![
        col(&["COST", "CODE"], 17.0),
        col(&["TYPE"], 9.0),
        col(&["DESCRIPTION"], 56.1),
        col(&["BUDGET"], amount_w),
        col(&["APPROVED", "CHANGES"], amount_w),
        col(&["REVISED", "BUDGET"], amount_w),
        col(&["COMMITTED"], amount_w),
        col(&["INVOICED BY", "VENDORS"], amount_w),
        col(&["ACTUAL", "TO DATE"], amount_w),
        col(&["ACTUAL", "THIS PERIOD"], amount_w),
        col(&["VARIANCE", "(REV. - ACT.)"], amount_w),
        col(&["BILLED TO", "OWNER (G703)"], amount_w),
    ];
    let pdf_row = |x: &Row, emphasis: bool| TableRow {
        cells: vec![
            TableCell::Text(x.cost_code.clone()),
            TableCell::Text(x.cost_type.clone().unwrap_or_default()),
            TableCell::Text(if x.unknown {
                format!("{} [unknown]", x.description)
            } else {
                x.description.clone()
            }),
            TableCell::Amount(x.budget),
            TableCell::Amount(x.approved_changes),
            TableCell::Amount(x.revised_budget()),
            TableCell::Amount(x.committed),
            TableCell::Amount(x.invoiced),
            TableCell::Amount(x.actual_to_date),
            TableCell::Amount(x.actual_this_period),
            TableCell::Amount(x.variance()),
            x.billed_to_owner
                .map(TableCell::Amount)
                .unwrap_or(TableCell::Empty),
        ],
        emphasis,
    };
    let mut pdf_rows: Vec<TableRow> = r
        .rows
        .iter()
        .map(|x| pdf_row(x, x.cost_type.is_none()))
        .collect();
    pdf_rows.push(pdf_row(&r.total, true));
    let mut notes: Vec<String> = r
        .findings
        .iter()
        .map(|f| {
            let at = if f.source.is_empty() {
                String::new()
            } else {
                format!(" ({})", f.source)
            };
            let code = if f.cost_code.is_empty() {
                String::new()
            } else {
                format!("{} {}: ", f.cost_code, f.cost_type)
            };
            format!("[{}] {code}{}{at}", f.kind, f.message)
        })
        .collect();
    if notes.is_empty() {
        notes.push("No findings.".into());
    }
    let report = TableReport {
        title: format!("Cost reconciliation {period} - {}", c.project.name),
        subtitle: vec![
            format!(
                "Project {} - contract {} - job to date through {}",
                c.project.number,
                c.contract_number,
                iso(r.period_end)
            ),
            format!(
                "Billed to owner from pay application {}; variances listed above {}",
                r.pay_application
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "(none)".into()),
                plain(threshold)
            ),
        ],
        date: r.period_end,
        footer: format!("{} - cost reconciliation {period}", c.project.name),
        columns,
        rows: pdf_rows,
        notes_title: format!("Findings ({})", r.findings.len()),
        notes,
    };
    let pdf = aia_pdf::write_table(&report)?;

    let count = |k: &str| r.findings.iter().filter(|f| f.kind == k).count();
    let t = &r.total;
    let summary = json!({
        "period": period,
        "threshold": plain(threshold),
        "budget": plain(t.budget),
        "approved_changes": plain(t.approved_changes),
        "revised_budget": plain(t.revised_budget()),
        "committed": plain(t.committed),
        "invoiced": plain(t.invoiced),
        "actual_to_date": plain(t.actual_to_date),
        "actual_this_period": plain(t.actual_this_period),
        "billed_to_owner": plain(t.billed_to_owner.unwrap_or_default()),
        "variances": count("variance"),
        "unknown_references": count("unknown_reference"),
        "duplicates": count("duplicate"),
        "overbilled": count("overbilled"),
    });
    Ok(Drop {
        stem: format!("{}_{period}", stem(records, target)),
        files: vec![
            ("reconciliation.csv".into(), "reconciliation-csv", table),
            (
                "findings.csv".into(),
                "reconciliation-findings-csv",
                findings_csv,
            ),
            ("reconciliation.pdf".into(), "reconciliation-pdf", pdf),
        ],
        sources,
        manifest_extra: summary.clone(),
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn allocation_adds_up_to_the_cent() {
        let parts = [d("100.00"), d("100.00"), d("100.00")];
        let a = allocate(d("10.00"), &parts);
        assert_eq!(a, vec![d("3.33"), d("3.33"), d("3.34")]);
        assert_eq!(allocate(d("0"), &parts).iter().sum::<Decimal>(), d("0"));
        let a = allocate(d("5.00"), &[d("-50.00"), d("100.00")]);
        assert_eq!(a.iter().sum::<Decimal>(), d("5.00"));
        assert_eq!(
            allocate(d("1.00"), &[d("0"), d("0")]),
            vec![d("0"), d("1.00")]
        );
    }
}

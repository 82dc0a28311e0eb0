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
use crate::costs::model::Costs;
use crate::costs::records as crec;
use crate::error::{DataError, Error, Result};
use crate::formats::procore_csv;
use crate::mapping::{Mapping, Output};
use crate::money::plain;
use crate::project::records::{co_total, Records};

/// Does this module export mappings of `format`?
pub fn handles(format: &str) -> bool {
    matches!(
        format,
        "procore-budget-csv" | "procore-commitment-sov-csv" | "procore-change-orders-csv"
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
        _ => procore_change_orders(root, mapping, &costs, &records)?,
    };
    deliver(root, mapping, opts, policy, target, drop)
}

/// A record a row was made from, for error messages: file, line (CSV) and field path.
struct Src {
    path: std::path::PathBuf,
    line: Option<usize>,
    field: String,
}

impl Src {
    fn err(&self, message: String, hint: &str) -> DataError {
        let mut e = DataError::new(&self.path, message, hint).field(self.field.clone());
        if let Some(l) = self.line {
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
    let total = procore_csv::total(&rows, "budget_amount");
    Ok(Drop {
        stem: stem(records, "procore-budget"),
        files: vec![(
            "import.csv".into(),
            "procore-budget-csv",
            procore_csv::write(&procore_csv::BUDGET_COLUMNS, &rows),
        )],
        sources: rel_sources(root, records)?,
        manifest_extra: json!({"lines": rows.len(), "total": plain(total)}),
        summary: json!({"lines": rows.len(), "total": plain(total)}),
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
        let total = procore_csv::total(&rows, "amount");
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
    Ok(Drop {
        stem: stem(records, "procore-commitments"),
        files,
        sources: rel_sources(root, records)?,
        manifest_extra: json!({"commitments": summary}),
        summary: json!({"commitments": summary}),
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
    let total = procore_csv::total(&rows, "amount");
    Ok(Drop {
        stem: stem(records, "procore-change-orders"),
        files: vec![(
            "import.csv".into(),
            "procore-change-orders-csv",
            procore_csv::write(&procore_csv::CHANGE_ORDER_COLUMNS, &rows),
        )],
        sources: rel_sources(root, records)?,
        manifest_extra: json!({"change_orders": rows.len(), "total": plain(total)}),
        summary: json!({"change_orders": rows.len(), "total": plain(total)}),
    })
}

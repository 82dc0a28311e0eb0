//! Cost records as plain files under `records/costs/` (docs/DATA.md, "Cost records"):
//! `cost_codes.csv`, `cost_types.csv`, `budget.csv`, `vendors.csv`,
//! `commitments/<ID>.json` and `actuals/<YYYY-MM>.csv`. Reads them into `Costs`,
//! checking every reference (cost code, cost type, vendor, commitment line) with errors
//! that name the file, line and field.
//!
//! Must not know any platform's format. Actual costs may come from an ERP, so their
//! references are reported by `actual_problems`, not refused: reconciliation lists them.

use std::collections::BTreeSet;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::model::*;
use crate::error::DataError;
use crate::money::round_dp;
use crate::project::serde_util::{
    format_iso_date, json_path_line, parse_iso_date, parse_json, Amount, IsoDate,
};
use crate::project::table::{parse_table, read_table, Table};

pub const DIR: &str = "records/costs";
const DOC: &str = "Cost records";

pub const COST_CODES_HEADER: [&str; 2] = ["code", "description"];
pub const COST_TYPES_HEADER: [&str; 3] = ["code", "description", "kind"];
pub const BUDGET_HEADER: [&str; 7] = [
    "cost_code",
    "cost_type",
    "description",
    "quantity",
    "uom",
    "unit_cost",
    "amount",
];
pub const VENDORS_HEADER: [&str; 8] = [
    "id", "name", "kind", "address", "city", "state", "zip", "terms",
];
/// Columns of `actuals/<YYYY-MM>.csv` (and of pulled ERP actuals).
pub const ACTUALS_HEADER: [&str; 10] = [
    "id",
    "date",
    "vendor",
    "cost_code",
    "cost_type",
    "amount",
    "reference",
    "commitment",
    "description",
    "source",
];

/// Does the project keep cost records?
pub fn exists(root: &Path) -> bool {
    root.join(DIR).join("cost_codes.csv").is_file()
}

/// Every cost record file of the project, relative to the root, sorted.
pub fn source_files(root: &Path) -> Result<Vec<String>, DataError> {
    let mut v: Vec<String> = [
        "cost_codes.csv",
        "cost_types.csv",
        "budget.csv",
        "vendors.csv",
    ]
    .iter()
    .map(|f| format!("{DIR}/{f}"))
    .filter(|f| root.join(f).is_file())
    .collect();
    for (sub, ext) in [("commitments", "json"), ("actuals", "csv")] {
        for p in crate::project::files_with_extension(&root.join(DIR).join(sub), ext)? {
            if let Some(n) = p.file_name() {
                v.push(format!("{DIR}/{sub}/{}", n.to_string_lossy()));
            }
        }
    }
    Ok(v)
}

fn origin(t: &Table, line: usize) -> Origin {
    Origin {
        path: t.path.clone(),
        line: Some(line),
    }
}

fn enum_cell<T: for<'de> Deserialize<'de>>(
    t: &Table,
    line: usize,
    field: &str,
    v: &str,
    allowed: &str,
) -> Result<T, DataError> {
    serde_json::from_value(serde_json::Value::String(v.to_string())).map_err(|_| {
        t.err(
            line,
            field,
            format!("{v:?} is not a valid {field}"),
            &format!("write one of: {allowed}"),
        )
    })
}

/// The largest amount, quantity or unit cost a cost record may hold (a trillion):
/// far beyond any project, and small enough that sums and products cannot overflow.
pub const MAX_VALUE: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// Why an amount cannot be a cost record's: `None` when it can.
fn amount_problem(v: Decimal, cents_only: bool) -> Option<String> {
    if v.abs() > MAX_VALUE {
        Some(format!("{v} is out of range (at most {MAX_VALUE})"))
    } else if cents_only && round_dp(v, 2) != v {
        Some(format!("{v} has more than two decimals"))
    } else {
        None
    }
}

fn cents(t: &Table, line: usize, field: &str, v: Decimal) -> Result<Decimal, DataError> {
    match amount_problem(v, true) {
        Some(m) => Err(t.err(line, field, m, "amounts are dollars and cents")),
        None => Ok(v),
    }
}

fn bounded(t: &Table, line: usize, field: &str, v: Decimal) -> Result<Decimal, DataError> {
    match amount_problem(v, false) {
        Some(m) => Err(t.err(line, field, m, "check the number")),
        None => Ok(v),
    }
}

fn nonempty(t: &Table, line: usize, field: &str, v: &str) -> Result<String, DataError> {
    if v.trim().is_empty() {
        return Err(t.err(line, field, "empty".into(), "this column needs a value"));
    }
    Ok(v.to_string())
}

/// Reads and checks every cost record of the project at `root`.
pub fn load(root: &Path) -> Result<Costs, DataError> {
    let dir = root.join(DIR);
    let mut c = Costs::default();

    let t = read_table(&dir.join("cost_codes.csv"), &COST_CODES_HEADER, true, DOC)?;
    let mut seen = BTreeSet::new();
    for (line, r) in &t.rows {
        let code = nonempty(&t, *line, "code", &r[0])?;
        if !seen.insert(code.clone()) {
            return Err(t.err(
                *line,
                "code",
                format!("cost code {code} is listed twice"),
                "list each cost code once",
            ));
        }
        c.cost_codes.push(CostCode {
            code,
            description: r[1].clone(),
            origin: origin(&t, *line),
        });
    }

    let t = read_table(&dir.join("cost_types.csv"), &COST_TYPES_HEADER, true, DOC)?;
    let mut seen = BTreeSet::new();
    for (line, r) in &t.rows {
        let code = nonempty(&t, *line, "code", &r[0])?;
        if !seen.insert(code.clone()) {
            return Err(t.err(
                *line,
                "code",
                format!("cost type {code} is listed twice"),
                "list each cost type once",
            ));
        }
        c.cost_types.push(CostType {
            code,
            description: r[1].clone(),
            kind: enum_cell(
                &t,
                *line,
                "kind",
                &r[2],
                "labor, material, equipment, subcontract, other",
            )?,
            origin: origin(&t, *line),
        });
    }

    let t = read_table(&dir.join("vendors.csv"), &VENDORS_HEADER, true, DOC)?;
    for (line, r) in &t.rows {
        let id = nonempty(&t, *line, "id", &r[0])?;
        if c.vendor(&id).is_some() {
            return Err(t.err(
                *line,
                "id",
                format!("vendor {id} is listed twice"),
                "give every vendor its own id",
            ));
        }
        c.vendors.push(Vendor {
            id,
            name: nonempty(&t, *line, "name", &r[1])?,
            kind: enum_cell(
                &t,
                *line,
                "kind",
                &r[2],
                "subcontractor, supplier, consultant, other",
            )?,
            address: r[3].clone(),
            city: r[4].clone(),
            state: r[5].clone(),
            zip: r[6].clone(),
            terms: r[7].clone(),
            origin: origin(&t, *line),
        });
    }
    c.vendors.sort_by(|a, b| a.id.cmp(&b.id));

    let t = read_table(&dir.join("budget.csv"), &BUDGET_HEADER, true, DOC)?;
    let mut seen = BTreeSet::new();
    for (line, r) in &t.rows {
        let line = *line;
        let cost_code = code_ref(&c, &t, line, "cost_code", &r[0])?;
        let cost_type = type_ref(&c, &t, line, "cost_type", &r[1])?;
        if !seen.insert((cost_code.clone(), cost_type.clone())) {
            return Err(t.err(
                line,
                "cost_type",
                format!("{cost_code} / {cost_type} has two budget lines"),
                "one budget line per cost code and cost type (Procore refuses duplicates)",
            ));
        }
        let quantity = Table::opt(&r[3])
            .map(|v| bounded(&t, line, "quantity", t.dec(line, "quantity", &v, None)?))
            .transpose()?;
        let unit_cost = Table::opt(&r[5])
            .map(|v| bounded(&t, line, "unit_cost", t.dec(line, "unit_cost", &v, None)?))
            .transpose()?;
        let amount = cents(&t, line, "amount", t.dec(line, "amount", &r[6], None)?)?;
        if let (Some(q), Some(u)) = (quantity, unit_cost) {
            if round_dp(q * u, 2) != amount {
                return Err(t.err(
                    line,
                    "amount",
                    format!("{q} × {u} is {}, not {amount}", round_dp(q * u, 2)),
                    "amount must equal quantity × unit_cost, to the cent",
                ));
            }
        } else if quantity.is_some() != unit_cost.is_some() {
            return Err(t.err(
                line,
                "unit_cost",
                "quantity and unit_cost go together".into(),
                "give both, or neither for a lump sum",
            ));
        }
        c.budget.push(BudgetLine {
            cost_code,
            cost_type,
            description: r[2].clone(),
            quantity,
            uom: Table::opt(&r[4]),
            unit_cost,
            amount,
            origin: origin(&t, line),
        });
    }

    for p in crate::project::files_with_extension(&dir.join("commitments"), "json")? {
        let cm = load_commitment(&c, &p)?;
        c.commitments.push(cm);
    }
    c.commitments.sort_by(|a, b| a.id.cmp(&b.id));

    let mut ids = BTreeSet::new();
    for p in crate::project::files_with_extension(&dir.join("actuals"), "csv")? {
        let bytes = std::fs::read(&p).map_err(|e| {
            DataError::new(
                &p,
                format!("cannot read the file: {e}"),
                "check the permissions",
            )
        })?;
        let month = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        for a in read_actuals(&p, &bytes, Some(&month))? {
            if !ids.insert(a.id.clone()) {
                return Err(DataError::new(
                    &p,
                    format!("transaction id {} appears twice", a.id),
                    "ids are unique across every actuals file",
                )
                .line(a.origin.line.unwrap_or(0))
                .field("id"));
            }
            c.actuals.push(a);
        }
    }
    c.actuals
        .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    Ok(c)
}

fn code_ref(c: &Costs, t: &Table, line: usize, field: &str, v: &str) -> Result<String, DataError> {
    if c.cost_code(v).is_none() {
        return Err(t.err(
            line,
            field,
            format!("cost code {v:?} is not in cost_codes.csv"),
            "add the cost code to records/costs/cost_codes.csv or fix the reference",
        ));
    }
    Ok(v.to_string())
}

fn type_ref(c: &Costs, t: &Table, line: usize, field: &str, v: &str) -> Result<String, DataError> {
    if c.cost_type(v).is_none() {
        return Err(t.err(
            line,
            field,
            format!("cost type {v:?} is not in cost_types.csv"),
            "add the cost type to records/costs/cost_types.csv or fix the reference",
        ));
    }
    Ok(v.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitmentFile {
    id: String,
    kind: CommitmentKind,
    vendor: String,
    title: String,
    status: CommitmentStatus,
    date: IsoDate,
    retainage_percent: Amount,
    lines: Vec<LineFile>,
    #[serde(default)]
    invoices: Vec<InvoiceFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineFile {
    line: u32,
    cost_code: String,
    cost_type: String,
    description: String,
    amount: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoiceFile {
    number: String,
    date: IsoDate,
    period_to: IsoDate,
    due_date: IsoDate,
    status: InvoiceStatus,
    lines: Vec<InvoiceLineFile>,
    /// Default: the commitment's rate × gross, rounded to cents.
    #[serde(default)]
    retainage: Option<Amount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoiceLineFile {
    line: u32,
    amount: Amount,
}

fn load_commitment(c: &Costs, path: &Path) -> Result<Commitment, DataError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        DataError::new(
            path,
            format!("cannot read the file: {e}"),
            "commitment files are UTF-8 JSON",
        )
    })?;
    let f: CommitmentFile = parse_json(
        path,
        text.as_bytes(),
        "see docs/DATA.md, section \"commitments\"",
    )?;
    // Reference errors found after parsing still name the line of the field.
    let err = |field: String, message: String, hint: &str| {
        let e = DataError::new(path, message, hint);
        let e = match json_path_line(&text, &field) {
            Some(l) => e.line(l),
            None => e,
        };
        e.field(field)
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    if f.id != stem {
        return Err(err(
            "id".into(),
            format!("id {} differs from the file name {stem}.json", f.id),
            "name the file after the commitment's id",
        ));
    }
    if c.vendor(&f.vendor).is_none() {
        return Err(err(
            "vendor".into(),
            format!("vendor {:?} is not in vendors.csv", f.vendor),
            "add the vendor to records/costs/vendors.csv or fix the id",
        ));
    }
    let pct = f.retainage_percent.0;
    if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
        return Err(err(
            "retainage_percent".into(),
            format!("{pct} is not a percentage"),
            "write 0 to 100",
        ));
    }
    let two_dp = |field: String, v: Decimal| -> Result<Decimal, DataError> {
        match amount_problem(v, true) {
            Some(m) => Err(err(field, m, "amounts are dollars and cents")),
            None => Ok(v),
        }
    };
    let mut lines: Vec<CommitmentLine> = Vec::new();
    for (i, l) in f.lines.iter().enumerate() {
        let at = |k: &str| format!("lines[{i}].{k}");
        if lines.iter().any(|x| x.line == l.line) {
            return Err(err(
                at("line"),
                format!("line {} appears twice", l.line),
                "number the lines 1, 2, 3, ...",
            ));
        }
        if c.cost_code(&l.cost_code).is_none() {
            return Err(err(
                at("cost_code"),
                format!("cost code {:?} is not in cost_codes.csv", l.cost_code),
                "add the cost code or fix the reference",
            ));
        }
        if c.cost_type(&l.cost_type).is_none() {
            return Err(err(
                at("cost_type"),
                format!("cost type {:?} is not in cost_types.csv", l.cost_type),
                "add the cost type or fix the reference",
            ));
        }
        lines.push(CommitmentLine {
            line: l.line,
            cost_code: l.cost_code.clone(),
            cost_type: l.cost_type.clone(),
            description: l.description.clone(),
            amount: two_dp(at("amount"), l.amount.0)?,
        });
    }
    if lines.is_empty() {
        return Err(err(
            "lines".into(),
            "a commitment needs at least one SOV line".into(),
            "add its schedule of values",
        ));
    }
    lines.sort_by_key(|l| l.line);
    let mut invoices: Vec<CommitmentInvoice> = Vec::new();
    for (i, inv) in f.invoices.iter().enumerate() {
        let at = |k: &str| format!("invoices[{i}].{k}");
        if invoices.iter().any(|x| x.number == inv.number) || inv.number.trim().is_empty() {
            return Err(err(
                at("number"),
                format!("invoice number {:?} is empty or used twice", inv.number),
                "give each invoice its vendor's number",
            ));
        }
        let mut il: Vec<(u32, Decimal)> = Vec::new();
        for (j, l) in inv.lines.iter().enumerate() {
            let f2 = format!("invoices[{i}].lines[{j}]");
            if !lines.iter().any(|x| x.line == l.line) {
                return Err(err(
                    format!("{f2}.line"),
                    format!("line {} is not a line of {}", l.line, f.id),
                    "bill against the commitment's SOV lines",
                ));
            }
            if il.iter().any(|x| x.0 == l.line) {
                return Err(err(
                    format!("{f2}.line"),
                    format!("line {} is billed twice on one invoice", l.line),
                    "one entry per line",
                ));
            }
            il.push((l.line, two_dp(format!("{f2}.amount"), l.amount.0)?));
        }
        il.sort_by_key(|x| x.0);
        let gross: Decimal = il.iter().map(|x| x.1).sum();
        let retainage = match &inv.retainage {
            Some(r) => two_dp(at("retainage"), r.0)?,
            None => round_dp(gross * pct / Decimal::ONE_HUNDRED, 2),
        };
        if inv.due_date.0 < inv.date.0 {
            return Err(err(
                at("due_date"),
                "the invoice is due before its date".into(),
                "check due_date",
            ));
        }
        invoices.push(CommitmentInvoice {
            number: inv.number.clone(),
            date: inv.date.0,
            period_to: inv.period_to.0,
            due_date: inv.due_date.0,
            status: inv.status,
            lines: il,
            retainage,
        });
    }
    invoices.sort_by(|a, b| (a.date, &a.number).cmp(&(b.date, &b.number)));
    Ok(Commitment {
        id: f.id,
        kind: f.kind,
        vendor: f.vendor,
        title: f.title,
        status: f.status,
        date: f.date.0,
        retainage_percent: pct,
        lines,
        invoices,
        origin: Origin {
            path: path.to_path_buf(),
            line: None,
        },
    })
}

/// Parses actual cost transactions (columns `ACTUALS_HEADER`). With `month`
/// (`YYYY-MM`, the file's name), every date must fall in that month. References to
/// cost codes, vendors and commitments are not checked here (see `actual_problems`).
pub fn read_actuals(
    path: &Path,
    bytes: &[u8],
    month: Option<&str>,
) -> Result<Vec<ActualCost>, DataError> {
    let t = parse_table(path, bytes, &ACTUALS_HEADER)?;
    let mut out = Vec::new();
    for (line, r) in &t.rows {
        let line = *line;
        let date = parse_iso_date(&r[1]).ok_or_else(|| {
            t.err(
                line,
                "date",
                format!("{:?} is not a date", r[1]),
                "write YYYY-MM-DD",
            )
        })?;
        if let Some(m) = month {
            if !format_iso_date(date).starts_with(&format!("{m}-")) {
                return Err(t.err(
                    line,
                    "date",
                    format!("{} is not in {m}", r[1]),
                    "keep each month's transactions in actuals/<YYYY-MM>.csv",
                ));
            }
        }
        out.push(ActualCost {
            id: nonempty(&t, line, "id", &r[0])?,
            date,
            vendor: Table::opt(&r[2]),
            cost_code: nonempty(&t, line, "cost_code", &r[3])?,
            cost_type: nonempty(&t, line, "cost_type", &r[4])?,
            amount: cents(&t, line, "amount", t.dec(line, "amount", &r[5], None)?)?,
            reference: r[6].clone(),
            commitment: Table::opt(&r[7]),
            description: r[8].clone(),
            source: nonempty(&t, line, "source", &r[9])?,
            origin: origin(&t, line),
        });
    }
    Ok(out)
}

/// Writes actual cost transactions in the `actuals/<YYYY-MM>.csv` layout, in the order
/// given (LF line ends, as every record file).
pub fn write_actuals(actuals: &[ActualCost]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(ACTUALS_HEADER);
    for a in actuals {
        let _ = w.write_record([
            a.id.as_str(),
            &format_iso_date(a.date),
            a.vendor.as_deref().unwrap_or(""),
            &a.cost_code,
            &a.cost_type,
            &crate::money::plain(a.amount),
            &a.reference,
            a.commitment.as_deref().unwrap_or(""),
            &a.description,
            &a.source,
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// A reference of an actual cost transaction that the project does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActualProblem {
    pub field: &'static str,
    pub message: String,
}

/// What an actual cost transaction refers to that the cost records lack.
pub fn actual_problems(c: &Costs, a: &ActualCost) -> Vec<ActualProblem> {
    let mut v = Vec::new();
    if c.cost_code(&a.cost_code).is_none() {
        v.push(ActualProblem {
            field: "cost_code",
            message: format!("unknown cost code {:?}", a.cost_code),
        });
    }
    if c.cost_type(&a.cost_type).is_none() {
        v.push(ActualProblem {
            field: "cost_type",
            message: format!("unknown cost type {:?}", a.cost_type),
        });
    }
    if let Some(id) = &a.vendor {
        if c.vendor(id).is_none() {
            v.push(ActualProblem {
                field: "vendor",
                message: format!("unknown vendor {id:?}"),
            });
        }
    }
    if let Some(id) = &a.commitment {
        match c.commitment(id) {
            None => v.push(ActualProblem {
                field: "commitment",
                message: format!("unknown commitment {id:?}"),
            }),
            Some(cm) if a.vendor.as_deref() != Some(cm.vendor.as_str()) => v.push(ActualProblem {
                field: "vendor",
                message: format!(
                    "commitment {id} is with vendor {}, not {}",
                    cm.vendor,
                    a.vendor.as_deref().unwrap_or("(none)")
                ),
            }),
            Some(_) => {}
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic")
    }

    /// A copy of the sample's cost records in a temp dir, for mutation tests.
    fn copy() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for e in walkdir::WalkDir::new(sample().join(DIR)) {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(sample()).unwrap();
            let dest = tmp.path().join(rel);
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(e.path(), &dest).unwrap();
            }
        }
        tmp
    }

    fn edit(root: &Path, rel: &str, from: &str, to: &str) {
        let p = root.join(DIR).join(rel);
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(s.contains(from), "{rel} lacks {from:?}");
        std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
    }

    #[test]
    fn sample_loads_and_references_resolve() {
        let c = load(&sample()).unwrap();
        assert!(c.vendors.len() >= 20);
        assert!(c.commitments.len() >= 8);
        let months: BTreeSet<String> = c
            .actuals
            .iter()
            .map(|a| format_iso_date(a.date)[..7].to_string())
            .collect();
        assert_eq!(months.len(), 3);
        for a in &c.actuals {
            assert_eq!(actual_problems(&c, a), vec![], "{a:?}");
        }
        let records = crate::project::records::Records::load(&sample()).unwrap();
        // The SOV's and the change orders' cost codes are cost codes of the project.
        for l in &records.sov {
            assert!(c.cost_code(&l.cost_code).is_some(), "{}", l.cost_code);
        }
        for co in &records.change_orders {
            for l in &co.cost_lines {
                assert!(c.cost_code(&l.cost_code).is_some(), "{}", l.cost_code);
                assert!(c.cost_type_for_kind(l.kind).is_some());
            }
        }
        // Every SOV cost code has a budget line.
        for l in &records.sov {
            assert!(
                c.budget.iter().any(|b| b.cost_code == l.cost_code),
                "{}",
                l.cost_code
            );
        }
        // Retainage defaults to the commitment's rate on the gross.
        let sc = c.commitment("SC-002").unwrap();
        let inv = &sc.invoices[0];
        assert_eq!(
            inv.retainage,
            round_dp(inv.gross() * sc.retainage_percent / Decimal::ONE_HUNDRED, 2)
        );
    }

    #[test]
    fn bad_references_name_file_line_and_field() {
        let cases: [(&str, &str, &str, Option<u32>, &str); 6] = [
            (
                "budget.csv",
                "01 51 00,E,",
                "01 51 99,E,",
                Some(4),
                "cost_code",
            ),
            (
                "budget.csv",
                "01 51 00,M,",
                "01 51 00,X,",
                Some(5),
                "cost_type",
            ),
            ("budget.csv", ",255936.00", ",255936.01", Some(2), "amount"),
            ("vendors.csv", "V1002,", "V1001,", Some(3), "id"),
            (
                "cost_types.csv",
                "Labor,labor",
                "Labor,labour",
                Some(3),
                "kind",
            ),
            (
                "actuals/2026-03.csv",
                "2026-03-06,",
                "2026-02-06,",
                None,
                "date",
            ),
        ];
        for (file, from, to, line, field) in cases {
            let tmp = copy();
            edit(tmp.path(), file, from, to);
            let e = load(tmp.path()).unwrap_err();
            assert!(e.path.ends_with(file), "{file}: {e}");
            if line.is_some() {
                assert_eq!(e.line, line, "{file}: {e}");
            }
            assert_eq!(e.field.as_deref(), Some(field), "{file}: {e}");
        }
    }

    #[test]
    fn commitment_references_are_checked() {
        let cases = [
            ("\"vendor\": \"V1002\"", "\"vendor\": \"V9999\"", "vendor"),
            (
                "\"cost_type\": \"S\"",
                "\"cost_type\": \"Q\"",
                "lines[0].cost_type",
            ),
            (
                "\"line\": 2,\n          \"amount\"",
                "\"line\": 7,\n          \"amount\"",
                "invoices[0].lines[1].line",
            ),
            (
                "\"amount\": \"166200.00\"",
                "\"amount\": \"166200.001\"",
                "lines[0].amount",
            ),
        ];
        for (from, to, field) in cases {
            let tmp = copy();
            edit(tmp.path(), "commitments/SC-002.json", from, to);
            let e = load(tmp.path()).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{e}");
            // The line is the one holding the field.
            let text =
                std::fs::read_to_string(tmp.path().join(DIR).join("commitments/SC-002.json"))
                    .unwrap();
            let line = e.line.unwrap_or_else(|| panic!("no line: {e}")) as usize;
            let key = field.rsplit('.').next().unwrap().split('[').next().unwrap();
            assert!(
                text.lines()
                    .nth(line - 1)
                    .unwrap()
                    .contains(&format!("\"{key}\"")),
                "{e}"
            );
        }
    }

    #[test]
    fn amounts_are_bounded_so_sums_and_products_cannot_overflow() {
        assert_eq!(MAX_VALUE, Decimal::from(1_000_000_000_000u64));
        let tmp = copy();
        edit(
            tmp.path(),
            "budget.csv",
            "12,mo,21328.00",
            "79228162514264337593543950335,mo,2",
        );
        let e = load(tmp.path()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("quantity"), "{e}");
        assert!(e.message.contains("out of range"), "{e}");
        let tmp = copy();
        edit(
            tmp.path(),
            "actuals/2026-03.csv",
            ",6864.00,",
            ",-7922816251426433759354395033,",
        );
        let e = load(tmp.path()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("amount"), "{e}");
    }

    #[test]
    fn actuals_round_trip_and_unknown_references_are_reported() {
        let c = load(&sample()).unwrap();
        let bytes = write_actuals(&c.actuals);
        let back = read_actuals(Path::new("x.csv"), &bytes, None).unwrap();
        assert_eq!(back.len(), c.actuals.len());
        assert_eq!(back[3].amount, c.actuals[3].amount);
        let mut a = c.actuals[0].clone();
        a.cost_code = "99 99 99".into();
        a.vendor = Some("V0".into());
        let p = actual_problems(&c, &a);
        assert_eq!(
            p.iter().map(|p| p.field).collect::<Vec<_>>(),
            ["cost_code", "vendor"]
        );
    }
}

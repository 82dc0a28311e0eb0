//! Construction records of a project: contract, schedule of values, change orders and
//! pay applications, read from `<project>/records/` (documented in docs/DATA.md, with
//! JSON Schemas in docs/schemas/).
//!
//! This module reads and validates each record on its own terms (types, required
//! fields, references between records). It must not compute pay-application math —
//! that is `payapp` — and it never writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::serde_util::{load_json, Amount, IsoDate};
use crate::error::DataError;
use crate::payapp::model::Rounding;

/// `records/contract.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub project: ProjectInfo,
    pub contract_number: String,
    pub contract_date: IsoDate,
    pub contract_for: String,
    pub owner: Party,
    pub contractor: Party,
    pub architect: Party,
    /// G702 line 1; must equal the sum of the original SOV lines.
    pub original_contract_sum: Amount,
    #[serde(default = "usd")]
    pub currency: String,
    pub rounding: Rounding,
    pub retainage: RetainageTerms,
}

fn usd() -> String {
    "USD".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectInfo {
    pub name: String,
    pub number: String,
    #[serde(default)]
    pub address: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub name: String,
    #[serde(default)]
    pub address: String,
}

/// Retainage terms of the contract.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetainageTerms {
    /// Percent withheld on completed work (D + E).
    pub work_percent: Amount,
    /// Percent withheld on materials presently stored (F).
    pub stored_percent: Amount,
    /// Optional reduction once the project reaches a percent complete.
    #[serde(default)]
    pub step_down: Option<StepDown>,
}

/// Once total completed and stored (G702 line 4 ÷ line 3) reaches `at_percent_complete`,
/// lines without a rate of their own retain `work_percent` on completed work instead.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepDown {
    pub at_percent_complete: Amount,
    pub work_percent: Amount,
}

/// One row of `records/sov.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SovLine {
    pub item_no: String,
    pub cost_code: String,
    pub description: String,
    pub scheduled_value: Decimal,
    /// Line's own retainage rate on work (percent); `None` = contract rate.
    pub retainage_percent: Option<Decimal>,
    /// Line's own retainage rate on stored materials; `None` = contract rate.
    pub stored_retainage_percent: Option<Decimal>,
    /// Physical line in sov.csv, for error messages.
    #[serde(skip)]
    pub line: usize,
}

/// The change-order lifecycle (AEC OS): Draft → Pending Review → Designer Approved →
/// Contractor Accepted → Owner Authorized → Executed; or Rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub enum CoStatus {
    Draft,
    #[serde(rename = "Pending Review")]
    PendingReview,
    #[serde(rename = "Designer Approved")]
    DesignerApproved,
    #[serde(rename = "Contractor Accepted")]
    ContractorAccepted,
    #[serde(rename = "Owner Authorized")]
    OwnerAuthorized,
    Executed,
    Rejected,
}

impl CoStatus {
    /// Approved by the owner: only these change the contract sum on a pay application.
    pub fn is_approved(self) -> bool {
        matches!(self, CoStatus::OwnerAuthorized | CoStatus::Executed)
    }
}

/// `records/change_orders/CO-###.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeOrder {
    pub id: String,
    pub title: String,
    pub status: CoStatus,
    #[serde(default)]
    pub reason: String,
    pub date_created: IsoDate,
    /// Date the owner authorized it; required once approved.
    #[serde(default)]
    pub date_approved: Option<IsoDate>,
    pub cost_lines: Vec<CoCostLine>,
    pub markups: Markups,
    /// How the change order's total is put on the schedule of values.
    pub sov_changes: Vec<SovChange>,
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CoCostLine {
    pub description: String,
    pub cost_code: String,
    pub kind: CostKind,
    pub amount: Amount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    Material,
    Labor,
    Equipment,
    Subcontract,
    Other,
}

/// OH&P and bond, both taken on the net of the cost lines (AEC OS Phase 6).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Markups {
    pub ohp_percent: Amount,
    pub bond_percent: Amount,
}

/// Either adjusts an existing SOV line (`item_no` only) or adds a new one (`new_line`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SovChange {
    pub item_no: String,
    pub amount: Amount,
    #[serde(default)]
    pub new_line: Option<NewSovLine>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewSovLine {
    pub cost_code: String,
    pub description: String,
    #[serde(default)]
    pub retainage_percent: Option<Amount>,
}

/// `records/pay_apps/PA-###.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PayAppRecord {
    pub application_no: u32,
    pub period_from: IsoDate,
    pub period_to: IsoDate,
    pub application_date: IsoDate,
    pub status: PayAppStatus,
    pub lines: Vec<PayAppLine>,
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayAppStatus {
    Draft,
    Submitted,
    Certified,
    Paid,
}

/// What was billed on one SOV line in the period: work installed (E) and the balance of
/// materials presently stored at period end (F). Lines not listed billed nothing.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PayAppLine {
    pub item_no: String,
    #[serde(default)]
    pub this_period: Amount,
    #[serde(default)]
    pub materials_stored: Amount,
}

/// All construction records of a project, cross-checked.
#[derive(Debug, Clone)]
pub struct Records {
    pub contract: Contract,
    pub contract_path: PathBuf,
    pub sov: Vec<SovLine>,
    pub sov_path: PathBuf,
    /// By id.
    pub change_orders: Vec<ChangeOrder>,
    /// By application number.
    pub pay_apps: Vec<PayAppRecord>,
}

/// Files under `records/` this module reads, relative to the project root.
pub const CONTRACT: &str = "records/contract.json";
pub const SOV: &str = "records/sov.csv";
pub const CHANGE_ORDERS: &str = "records/change_orders";
pub const PAY_APPS: &str = "records/pay_apps";

/// The exact header of `records/sov.csv`.
pub const SOV_HEADER: [&str; 6] = [
    "item_no",
    "cost_code",
    "description",
    "scheduled_value",
    "retainage_percent",
    "stored_retainage_percent",
];

impl Records {
    /// Reads and cross-checks every construction record of the project at `root`.
    pub fn load(root: &Path) -> Result<Records, DataError> {
        let contract_path = root.join(CONTRACT);
        let contract: Contract = load_json(
            &contract_path,
            "see docs/DATA.md, section \"contract.json\"",
        )?;
        check_contract(&contract, &contract_path)?;
        let sov_path = root.join(SOV);
        let sov = read_sov(&sov_path, contract.rounding)?;
        let mut change_orders = Vec::new();
        for path in super::files_with_extension(&root.join(CHANGE_ORDERS), "json")? {
            let mut co: ChangeOrder =
                load_json(&path, "see docs/DATA.md, section \"change_orders\"")?;
            co.path = path;
            change_orders.push(co);
        }
        change_orders.sort_by(|a, b| a.id.cmp(&b.id));
        let mut pay_apps = Vec::new();
        for path in super::files_with_extension(&root.join(PAY_APPS), "json")? {
            let mut pa: PayAppRecord = load_json(&path, "see docs/DATA.md, section \"pay_apps\"")?;
            pa.path = path;
            pay_apps.push(pa);
        }
        pay_apps.sort_by_key(|p| p.application_no);
        let records = Records {
            contract,
            contract_path,
            sov,
            sov_path,
            change_orders,
            pay_apps,
        };
        records.cross_check()?;
        Ok(records)
    }

    /// Every file the records were read from, relative to `root`, sorted.
    pub fn source_files(&self, root: &Path) -> Vec<PathBuf> {
        let mut v = vec![self.contract_path.clone(), self.sov_path.clone()];
        v.extend(self.change_orders.iter().map(|c| c.path.clone()));
        v.extend(self.pay_apps.iter().map(|p| p.path.clone()));
        let mut v: Vec<PathBuf> = v
            .into_iter()
            .map(|p| p.strip_prefix(root).map(Path::to_path_buf).unwrap_or(p))
            .collect();
        v.sort();
        v
    }

    fn cross_check(&self) -> Result<(), DataError> {
        let rounding = self.contract.rounding;
        // Original contract sum = Σ original SOV lines.
        let sum: Decimal = self.sov.iter().map(|l| l.scheduled_value).sum();
        if sum != self.contract.original_contract_sum.0 {
            return Err(DataError::new(
                &self.contract_path,
                format!(
                    "original_contract_sum is {} but the lines of {} add up to {}",
                    self.contract.original_contract_sum.0,
                    SOV,
                    sum
                ),
                "make the contract sum and the schedule of values agree (G702 line 1 must equal the original SOV total)",
            )
            .field("original_contract_sum"));
        }
        let mut items: BTreeSet<String> = self.sov.iter().map(|l| l.item_no.clone()).collect();
        let mut co_ids = BTreeSet::new();
        for co in &self.change_orders {
            let p = &co.path;
            if !co_ids.insert(co.id.clone()) {
                return Err(DataError::new(
                    p,
                    format!("change order id {} is used twice", co.id),
                    "give each change order its own id",
                )
                .field("id"));
            }
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            if stem != co.id {
                return Err(DataError::new(
                    p,
                    format!("the file is named {stem}.json but its id is {}", co.id),
                    format!("rename the file to {}.json or fix the id", co.id),
                )
                .field("id"));
            }
            if co.status.is_approved() && co.date_approved.is_none() {
                return Err(DataError::new(
                    p,
                    format!("{} is {:?} but has no date_approved", co.id, co.status),
                    "add the date the owner authorized it as date_approved (YYYY-MM-DD)",
                )
                .field("date_approved"));
            }
            if !co.status.is_approved() && co.date_approved.is_some() {
                return Err(DataError::new(p, format!("{} has a date_approved but its status is {:?}", co.id, co.status), "set the status to \"Owner Authorized\" or \"Executed\", or remove date_approved").field("date_approved"));
            }
            let rates = [
                (
                    "markups.ohp_percent".to_string(),
                    Some(co.markups.ohp_percent.0),
                ),
                (
                    "markups.bond_percent".to_string(),
                    Some(co.markups.bond_percent.0),
                ),
            ]
            .into_iter()
            .chain(co.sov_changes.iter().enumerate().map(|(i, c)| {
                (
                    format!("sov_changes[{i}].new_line.retainage_percent"),
                    c.new_line
                        .as_ref()
                        .and_then(|n| n.retainage_percent)
                        .map(|a| a.0),
                )
            }));
            for (field, rate) in rates {
                if let Some(r) = rate.filter(|r| *r < Decimal::ZERO || *r > Decimal::ONE_HUNDRED) {
                    return Err(DataError::new(
                        p,
                        format!("{r} is not a percentage between 0 and 100"),
                        "write the rate in percent, e.g. \"15\" for 15%",
                    )
                    .field(field));
                }
            }
            for (i, l) in co.cost_lines.iter().enumerate() {
                if !crate::money::is_rounded(l.amount.0, rounding) {
                    return Err(DataError::new(p, format!("amount {} has more precision than the contract's rounding ({rounding:?})", l.amount.0), "round the amount").field(format!("cost_lines[{i}].amount")));
                }
            }
            let total = co_total(co, rounding);
            let allocated: Decimal = co.sov_changes.iter().map(|c| c.amount.0).sum();
            if allocated != total {
                return Err(DataError::new(
                    p,
                    format!("{}: sov_changes add up to {allocated} but the change order total (cost lines + OH&P + bond) is {total}", co.id),
                    "allocate the whole change order total to schedule-of-values lines",
                )
                .field("sov_changes"));
            }
            for (i, ch) in co.sov_changes.iter().enumerate() {
                match &ch.new_line {
                    Some(_) => {
                        if !items.insert(ch.item_no.clone()) {
                            return Err(DataError::new(
                                p,
                                format!("new SOV item {} already exists", ch.item_no),
                                "choose an item number not used by the SOV or another change order",
                            )
                            .field(format!("sov_changes[{i}].item_no")));
                        }
                    }
                    None => {
                        if !items.contains(&ch.item_no) {
                            return Err(DataError::new(p, format!("SOV item {} does not exist", ch.item_no), "adjust an existing item of records/sov.csv, or add `new_line` to create one").field(format!("sov_changes[{i}].item_no")));
                        }
                    }
                }
            }
        }
        let mut seen = BTreeMap::new();
        for pa in &self.pay_apps {
            let p = &pa.path;
            if let Some(other) = seen.insert(pa.application_no, p.clone()) {
                return Err(DataError::new(
                    p,
                    format!(
                        "application_no {} is also used by {}",
                        pa.application_no,
                        other.display()
                    ),
                    "number pay applications 1, 2, 3, ...",
                )
                .field("application_no"));
            }
            if pa.period_from.0 > pa.period_to.0 {
                return Err(DataError::new(
                    p,
                    "period_from is after period_to",
                    "fix the period dates",
                )
                .field("period_from"));
            }
            let mut billed = BTreeSet::new();
            for (i, l) in pa.lines.iter().enumerate() {
                if !items.contains(&l.item_no) {
                    return Err(DataError::new(
                        p,
                        format!(
                            "item {} is not on the schedule of values or any change order",
                            l.item_no
                        ),
                        "use an item_no from records/sov.csv or a change order's sov_changes",
                    )
                    .field(format!("lines[{i}].item_no")));
                }
                if !billed.insert(l.item_no.clone()) {
                    return Err(DataError::new(
                        p,
                        format!("item {} is listed twice", l.item_no),
                        "list each item once per pay application",
                    )
                    .field(format!("lines[{i}].item_no")));
                }
                if l.materials_stored.0.is_sign_negative() && !l.materials_stored.0.is_zero() {
                    return Err(DataError::new(p, format!("item {}: materials_stored is negative ({})", l.item_no, l.materials_stored.0), "materials_stored is the balance stored at period end; it cannot be below zero").field(format!("lines[{i}].materials_stored")));
                }
                for (name, v) in [
                    ("this_period", l.this_period.0),
                    ("materials_stored", l.materials_stored.0),
                ] {
                    if !crate::money::is_rounded(v, rounding) {
                        return Err(DataError::new(p, format!("item {}: {name} {v} has more precision than the contract's rounding ({rounding:?})", l.item_no), "round the amount").field(format!("lines[{i}].{name}")));
                    }
                }
            }
        }
        let _ = &mut items;
        for w in self.pay_apps.windows(2) {
            if w[1].application_no != w[0].application_no + 1 {
                return Err(DataError::new(
                    &w[1].path,
                    format!(
                        "application {} follows application {}",
                        w[1].application_no, w[0].application_no
                    ),
                    "pay applications must be numbered without gaps",
                )
                .field("application_no"));
            }
            if w[1].period_from.0 <= w[0].period_to.0 {
                return Err(DataError::new(
                    &w[1].path,
                    "the period overlaps the previous application's period",
                    "each period must start after the previous one ends",
                )
                .field("period_from"));
            }
        }
        if let Some(first) = self.pay_apps.first() {
            if first.application_no != 1 {
                return Err(DataError::new(
                    &first.path,
                    format!("the first application is numbered {}", first.application_no),
                    "pay applications start at 1",
                )
                .field("application_no"));
            }
        }
        Ok(())
    }
}

/// Total of a change order: net of the cost lines, plus OH&P and bond on the net, each
/// rounded as the contract says.
pub fn co_total(co: &ChangeOrder, rounding: Rounding) -> Decimal {
    let net: Decimal = co.cost_lines.iter().map(|l| l.amount.0).sum();
    net + crate::money::percent_of(net, co.markups.ohp_percent.0, rounding)
        + crate::money::percent_of(net, co.markups.bond_percent.0, rounding)
}

fn check_contract(c: &Contract, path: &Path) -> Result<(), DataError> {
    let pct = |v: Decimal, field: &str| -> Result<(), DataError> {
        if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED {
            return Err(DataError::new(
                path,
                format!("{v} is not a percentage between 0 and 100"),
                "write the rate in percent, e.g. \"10\" for 10%",
            )
            .field(field.to_string()));
        }
        Ok(())
    };
    pct(c.retainage.work_percent.0, "retainage.work_percent")?;
    pct(c.retainage.stored_percent.0, "retainage.stored_percent")?;
    if let Some(s) = &c.retainage.step_down {
        pct(
            s.at_percent_complete.0,
            "retainage.step_down.at_percent_complete",
        )?;
        pct(s.work_percent.0, "retainage.step_down.work_percent")?;
    }
    if c.currency.len() != 3 || !c.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(DataError::new(
            path,
            format!("{:?} is not an ISO 4217 currency code", c.currency),
            "write a code like \"USD\"",
        )
        .field("currency"));
    }
    Ok(())
}

/// Reads `records/sov.csv`: exact header, one line per SOV item, amounts as plain decimals.
pub fn read_sov(path: &Path, rounding: Rounding) -> Result<Vec<SovLine>, DataError> {
    let bytes = std::fs::read(path).map_err(|e| {
        DataError::new(
            path,
            format!("cannot read the file: {e}"),
            "every project needs records/sov.csv (see docs/DATA.md)",
        )
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let headers = rdr
        .headers()
        .map_err(|e| {
            DataError::new(
                path,
                format!("cannot read the header: {e}"),
                "the file must be UTF-8 CSV",
            )
            .line(1)
        })?
        .clone();
    let got: Vec<&str> = headers.iter().collect();
    if got != SOV_HEADER {
        return Err(DataError::new(
            path,
            format!("the header is `{}`", got.join(",")),
            format!("the header must be exactly `{}`", SOV_HEADER.join(",")),
        )
        .line(1));
    }
    let mut lines = Vec::new();
    let mut seen = BTreeSet::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            DataError::csv(
                path,
                &bytes,
                &e,
                "each row needs 6 fields; quote fields that contain commas",
            )
        })?;
        let line = crate::error::csv_line(&bytes, rec.position());
        let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
        let item_no = get(0);
        if item_no.is_empty() {
            return Err(DataError::new(
                path,
                "item_no is empty",
                "give every SOV line an item number",
            )
            .line(line)
            .field("item_no"));
        }
        if !seen.insert(item_no.clone()) {
            return Err(DataError::new(
                path,
                format!("item_no {item_no} is used twice"),
                "item numbers must be unique",
            )
            .line(line)
            .field("item_no"));
        }
        let amount = |i: usize, name: &str, optional: bool| -> Result<Option<Decimal>, DataError> {
            let t = get(i);
            if t.is_empty() && optional {
                return Ok(None);
            }
            super::serde_util::parse_decimal_strict(&t)
                .map(Some)
                .ok_or_else(|| {
                    DataError::new(
                        path,
                        format!("{t:?} is not a decimal number"),
                        "write plain decimals like 1234.56 (no $ or thousands separators)",
                    )
                    .line(line)
                    .field(name.to_string())
                })
        };
        let scheduled_value = amount(3, "scheduled_value", false)?.unwrap_or_default();
        if !crate::money::is_rounded(scheduled_value, rounding) {
            return Err(DataError::new(path, format!("{scheduled_value} has more precision than the contract's rounding ({rounding:?})"), "round the scheduled value").line(line).field("scheduled_value"));
        }
        let rate = amount(4, "retainage_percent", true)?;
        let stored_rate = amount(5, "stored_retainage_percent", true)?;
        for (r, name) in [
            (rate, "retainage_percent"),
            (stored_rate, "stored_retainage_percent"),
        ] {
            if let Some(r) = r {
                if r < Decimal::ZERO || r > Decimal::ONE_HUNDRED {
                    return Err(DataError::new(
                        path,
                        format!("{r} is not a percentage between 0 and 100"),
                        "write the rate in percent, e.g. 5",
                    )
                    .line(line)
                    .field(name.to_string()));
                }
            }
        }
        lines.push(SovLine {
            item_no,
            cost_code: get(1),
            description: get(2),
            scheduled_value,
            retainage_percent: rate,
            stored_retainage_percent: stored_rate,
            line,
        });
    }
    if lines.is_empty() {
        return Err(DataError::new(
            path,
            "the schedule of values has no lines",
            "add one row per SOV item",
        ));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sov_errors_name_the_physical_line_in_lf_and_crlf_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sov.csv");
        for eol in ["\n", "\r\n"] {
            let text = [
                SOV_HEADER.join(","),
                "1,01,A,100.00,,".into(),
                "2,02,B,1.2.3,,".into(),
            ]
            .join(eol)
                + eol;
            std::fs::write(&p, text).unwrap();
            let e = read_sov(&p, Rounding::Cents).unwrap_err();
            assert_eq!(
                (e.line, e.field.as_deref()),
                (Some(3), Some("scheduled_value")),
                "{eol:?}: {e}"
            );
        }
        std::fs::write(&p, "item_no,cost_code,description,scheduled_value\n").unwrap();
        let e = read_sov(&p, Rounding::Cents).unwrap_err();
        assert!(e.hint.contains("retainage_percent"), "{e}");
        std::fs::write(
            &p,
            [SOV_HEADER.join(","), "1,01,A,100.00,101,".into()].join("\n"),
        )
        .unwrap();
        assert_eq!(
            read_sov(&p, Rounding::Cents).unwrap_err().field.as_deref(),
            Some("retainage_percent")
        );
        std::fs::write(
            &p,
            [
                SOV_HEADER.join(","),
                "1,01,A,100.00,,".into(),
                "1,01,B,5.00,,".into(),
            ]
            .join("\n"),
        )
        .unwrap();
        assert!(read_sov(&p, Rounding::Cents)
            .unwrap_err()
            .message
            .contains("used twice"));
    }

    #[test]
    fn change_order_rates_are_percentages() {
        let dir = tempfile::tempdir().unwrap();
        let sample =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic");
        crate::demo::copy_project(&sample, &dir.path().join("p")).unwrap();
        let root = dir.path().join("p");
        assert!(Records::load(&root).is_ok());
        let co = root.join("records/change_orders/CO-001.json");
        let text = std::fs::read_to_string(&co).unwrap();
        std::fs::write(
            &co,
            text.replace("\"ohp_percent\": \"15\"", "\"ohp_percent\": \"-15\""),
        )
        .unwrap();
        let e = Records::load(&root).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("markups.ohp_percent"), "{e}");
    }
}

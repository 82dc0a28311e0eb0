//! The project's cost records as typed values: cost codes, cost types, budget lines,
//! vendors, commitments (subcontracts and purchase orders with their schedules of
//! values and invoices) and actual cost transactions (docs/DATA.md, "Cost records").
//!
//! Plain data: amounts are `Decimal`, dates `time::Date`. Must not read files (that is
//! `costs::records`) or know any platform's format.

use std::path::PathBuf;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

pub use crate::project::records::CostKind;

/// Where a record came from: file and 1-based line (CSV) or the JSON file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub path: PathBuf,
    /// 1-based line of the CSV record; `None` for JSON files.
    pub line: Option<usize>,
}

/// `records/costs/cost_codes.csv`: the project's cost codes (CSI MasterFormat style,
/// e.g. `03 30 00`). SOV lines, budget lines, commitments and actuals refer to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostCode {
    pub code: String,
    pub description: String,
    pub origin: Origin,
}

/// `records/costs/cost_types.csv`: a cost type (Procore "Cost Type", Sage "Category"),
/// e.g. `S` Subcontract. `kind` links it to change-order cost lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostType {
    pub code: String,
    pub description: String,
    pub kind: CostKind,
    pub origin: Origin,
}

/// `records/costs/budget.csv`: the original budget, one line per cost code × cost type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    pub cost_code: String,
    pub cost_type: String,
    pub description: String,
    /// Unit-based lines: quantity × unit cost = amount (to the cent).
    pub quantity: Option<Decimal>,
    pub uom: Option<String>,
    pub unit_cost: Option<Decimal>,
    pub amount: Decimal,
    pub origin: Origin,
}

/// What a vendor is to the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorKind {
    Subcontractor,
    Supplier,
    Consultant,
    Other,
}

/// `records/costs/vendors.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    /// Short id (≤ 10 characters, Sage's vendor field), e.g. `V1001`.
    pub id: String,
    /// Legal name, as the accounting system lists it.
    pub name: String,
    pub kind: VendorKind,
    pub address: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// Payment terms as the accounting system names them, e.g. `Net 30`.
    pub terms: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentKind {
    Subcontract,
    PurchaseOrder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStatus {
    Draft,
    OutForSignature,
    Approved,
    Complete,
    Void,
}

impl CommitmentStatus {
    /// Counts as committed cost (approved or complete).
    pub fn is_committed(self) -> bool {
        matches!(
            self,
            CommitmentStatus::Approved | CommitmentStatus::Complete
        )
    }
}

/// One schedule-of-values line of a commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentLine {
    /// Line number, unique within the commitment (1, 2, 3, ...).
    pub line: u32,
    pub cost_code: String,
    pub cost_type: String,
    pub description: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Pending,
    Approved,
}

/// A subcontractor pay application or supplier invoice against a commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentInvoice {
    /// The vendor's invoice or pay-application number (unique per commitment).
    pub number: String,
    pub date: Date,
    /// End of the billing period (pay applications) or the invoice date.
    pub period_to: Date,
    pub due_date: Date,
    pub status: InvoiceStatus,
    /// (commitment line number, amount billed this invoice), in line order.
    pub lines: Vec<(u32, Decimal)>,
    /// Retainage withheld on this invoice (commitment rate × gross, rounded to cents).
    pub retainage: Decimal,
}

impl CommitmentInvoice {
    /// Work billed this invoice before retainage.
    pub fn gross(&self) -> Decimal {
        self.lines.iter().map(|(_, a)| *a).sum()
    }
}

/// `records/costs/commitments/<ID>.json`: a subcontract or purchase order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    /// `SC-###` or `PO-###`, the file's stem.
    pub id: String,
    pub kind: CommitmentKind,
    pub vendor: String,
    pub title: String,
    pub status: CommitmentStatus,
    pub date: Date,
    pub retainage_percent: Decimal,
    pub lines: Vec<CommitmentLine>,
    /// By date, then number.
    pub invoices: Vec<CommitmentInvoice>,
    pub origin: Origin,
}

impl Commitment {
    /// The commitment's value: the sum of its SOV lines.
    pub fn value(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }
    pub fn line(&self, no: u32) -> Option<&CommitmentLine> {
        self.lines.iter().find(|l| l.line == no)
    }
}

/// One actual cost transaction: `records/costs/actuals/<YYYY-MM>.csv` (kept locally)
/// or pulled from an ERP (same columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActualCost {
    /// Unique across every actuals file of the project (ERP transaction id or ours).
    pub id: String,
    pub date: Date,
    /// Vendor id; empty for costs without a vendor (payroll, internal equipment).
    pub vendor: Option<String>,
    pub cost_code: String,
    pub cost_type: String,
    /// Positive for a cost, negative for a credit.
    pub amount: Decimal,
    /// Invoice number, check number or journal reference.
    pub reference: String,
    /// Commitment the cost was billed against, if any.
    pub commitment: Option<String>,
    pub description: String,
    /// The system the transaction was entered in: `aecos`, `quickbooks`, `sage300`, ...
    pub source: String,
    pub origin: Origin,
}

/// Every cost record of a project, each reference checked (see `costs::records::load`).
#[derive(Debug, Clone, Default)]
pub struct Costs {
    /// In file order.
    pub cost_codes: Vec<CostCode>,
    pub cost_types: Vec<CostType>,
    pub budget: Vec<BudgetLine>,
    /// By id.
    pub vendors: Vec<Vendor>,
    /// By id.
    pub commitments: Vec<Commitment>,
    /// By date, then id.
    pub actuals: Vec<ActualCost>,
}

impl Costs {
    pub fn cost_code(&self, code: &str) -> Option<&CostCode> {
        self.cost_codes.iter().find(|c| c.code == code)
    }
    pub fn cost_type(&self, code: &str) -> Option<&CostType> {
        self.cost_types.iter().find(|c| c.code == code)
    }
    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.id == id)
    }
    pub fn commitment(&self, id: &str) -> Option<&Commitment> {
        self.commitments.iter().find(|c| c.id == id)
    }
    /// The cost type that change-order cost lines of `kind` are booked to: the first
    /// cost type of that kind in `cost_types.csv`.
    pub fn cost_type_for_kind(&self, kind: CostKind) -> Option<&CostType> {
        self.cost_types.iter().find(|t| t.kind == kind)
    }
}

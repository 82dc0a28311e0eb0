//! The typed models that mapping files fill, declared by format. A mapping can only
//! name models and fields listed here, with these types; writers and readers own the
//! rest of the format (math, tie-outs, layout).
//!
//! Must not contain mapping logic or I/O: it is a table.

use crate::mapping::expr::Type;

/// Type of a model field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Str,
    Num,
    Date,
    Bool,
}

impl FieldType {
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Str => "text",
            FieldType::Num => "a number",
            FieldType::Date => "a date",
            FieldType::Bool => "a boolean",
        }
    }
}

#[derive(Debug)]
pub struct FieldSchema {
    pub name: &'static str,
    pub ty: FieldType,
    /// The mapping must define this field.
    pub required: bool,
}

/// A model: what a mapping fills for one kind of record.
#[derive(Debug)]
pub struct ModelSchema {
    pub name: &'static str,
    /// The name input records go by in expressions (`line.amount`).
    pub source: &'static str,
    pub fields: &'static [FieldSchema],
    /// Known input fields and their types; `None` = open (any path, type unknown).
    pub inputs: Option<&'static [(&'static str, Type)]>,
    /// The mapping lays out the output columns (`columns = [...]`); otherwise the
    /// writer's layout is fixed.
    pub columns: bool,
}

impl ModelSchema {
    /// Static type of an input path, for type-checking expressions; `None` when the
    /// model's inputs are closed and do not include the path.
    pub fn input_type(&self, path: &str) -> Option<Type> {
        match self.inputs {
            None => Some(Type::Any),
            Some(list) => list.iter().find(|(n, _)| *n == path).map(|(_, t)| *t),
        }
    }
}

const fn f(name: &'static str, ty: FieldType, required: bool) -> FieldSchema {
    FieldSchema { name, ty, required }
}

/// Export `aia-g702-g703`: how each computed G703 line is labelled.
pub const G703_LINE: ModelSchema = ModelSchema {
    name: "line",
    source: "line",
    fields: &[
        f("item_no", FieldType::Str, true),
        f("description", FieldType::Str, true),
    ],
    inputs: Some(&[
        ("item_no", Type::Str),
        ("description", Type::Str),
        ("cost_code", Type::Str),
        ("change_order", Type::Any),
        ("scheduled_value", Type::Num),
        ("from_previous", Type::Num),
        ("this_period", Type::Num),
        ("materials_stored", Type::Num),
        ("completed_and_stored", Type::Num),
        ("percent_complete", Type::Num),
        ("balance_to_finish", Type::Num),
        ("retainage", Type::Num),
    ]),
    columns: false,
};

/// Export `aia-g702-g703`: the header block, from `records/contract.json`.
pub const G702_HEADER: ModelSchema = ModelSchema {
    name: "header",
    source: "contract",
    fields: &[
        f("project_name", FieldType::Str, true),
        f("project_number", FieldType::Str, true),
        f("owner", FieldType::Str, true),
        f("contractor", FieldType::Str, true),
        f("architect", FieldType::Str, false),
        f("contract_for", FieldType::Str, false),
    ],
    inputs: None,
    columns: false,
};

/// Import `g703-csv`: one continuation-sheet row of a CSV (columns by header text, or
/// by their snake_case alias in expressions).
pub const G703_IMPORT_LINE: ModelSchema = ModelSchema {
    name: "line",
    source: "row",
    fields: &[
        f("item_no", FieldType::Str, true),
        f("cost_code", FieldType::Str, false),
        f("description", FieldType::Str, false),
        f("scheduled_value", FieldType::Num, true),
        f("from_previous", FieldType::Num, true),
        f("this_period", FieldType::Num, true),
        f("materials_stored", FieldType::Num, true),
        f("completed_and_stored", FieldType::Num, true),
        f("percent_complete", FieldType::Num, false),
        f("balance_to_finish", FieldType::Num, true),
        f("retainage", FieldType::Num, false),
    ],
    inputs: None,
    columns: false,
};

/// Schedule exports (`p6-xer`, `mspdi`): how each activity is identified and named.
pub const SCHEDULE_ACTIVITY: ModelSchema = ModelSchema {
    name: "activity",
    source: "activity",
    fields: &[
        f("code", FieldType::Str, true),
        f("name", FieldType::Str, true),
    ],
    inputs: Some(&[
        ("code", Type::Str),
        ("name", Type::Str),
        ("wbs", Type::Any),
        ("kind", Type::Str),
        ("status", Type::Str),
        ("duration_hours", Type::Num),
        ("percent_complete", Type::Num),
        ("elements", Type::Str),
    ]),
    columns: false,
};

/// Schedule exports: the project's id and name as the tool shows them.
pub const SCHEDULE_PROJECT: ModelSchema = ModelSchema {
    name: "project",
    source: "project",
    fields: &[
        f("id", FieldType::Str, true),
        f("name", FieldType::Str, true),
    ],
    inputs: Some(&[("id", Type::Str), ("name", Type::Str)]),
    columns: false,
};

/// Export `procore-budget-csv`: one budget line (Procore Budget import template).
pub const PROCORE_BUDGET_LINE: ModelSchema = ModelSchema {
    name: "line",
    source: "line",
    fields: &[
        f("sub_job", FieldType::Str, false),
        f("cost_code", FieldType::Str, true),
        f("cost_type", FieldType::Str, true),
        f("description", FieldType::Str, false),
        f("manual_calculation", FieldType::Bool, true),
        f("unit_qty", FieldType::Num, false),
        f("uom", FieldType::Str, false),
        f("unit_cost", FieldType::Num, false),
        f("budget_amount", FieldType::Num, true),
        f("start_date", FieldType::Date, false),
        f("end_date", FieldType::Date, false),
        f("curve", FieldType::Str, false),
    ],
    inputs: Some(&[
        ("cost_code", Type::Str),
        ("cost_code_description", Type::Str),
        ("cost_type", Type::Str),
        ("cost_type_description", Type::Str),
        ("description", Type::Str),
        ("quantity", Type::Any),
        ("uom", Type::Any),
        ("unit_cost", Type::Any),
        ("amount", Type::Num),
    ]),
    columns: false,
};

/// Export `procore-commitment-sov-csv`: one SOV line of a subcontract or purchase order.
pub const PROCORE_COMMITMENT_LINE: ModelSchema = ModelSchema {
    name: "line",
    source: "line",
    fields: &[
        f("sub_job", FieldType::Str, false),
        f("cost_code_number", FieldType::Str, true),
        f("cost_code_name", FieldType::Str, true),
        f("line_item_type", FieldType::Str, true),
        f("description", FieldType::Str, false),
        f("amount", FieldType::Num, true),
    ],
    inputs: Some(&[
        ("commitment", Type::Str),
        ("kind", Type::Str),
        ("vendor", Type::Str),
        ("vendor_name", Type::Str),
        ("line", Type::Num),
        ("cost_code", Type::Str),
        ("cost_code_description", Type::Str),
        ("cost_type", Type::Str),
        ("cost_type_description", Type::Str),
        ("description", Type::Str),
        ("amount", Type::Num),
    ]),
    columns: false,
};

/// Export `procore-change-orders-csv`: one prime contract change order.
pub const PROCORE_CHANGE_ORDER: ModelSchema = ModelSchema {
    name: "change_order",
    source: "co",
    fields: &[
        f("number", FieldType::Str, true),
        f("revision", FieldType::Str, true),
        f("title", FieldType::Str, true),
        f("status", FieldType::Str, true),
        f("executed", FieldType::Str, true),
        f("amount", FieldType::Num, true),
        f("date_initiated", FieldType::Date, true),
        f("due_date", FieldType::Date, false),
        f("review_date", FieldType::Date, false),
        f("designated_reviewer", FieldType::Str, false),
        f("pco", FieldType::Str, false),
    ],
    inputs: Some(&[
        ("id", Type::Str),
        ("title", Type::Str),
        ("status", Type::Str),
        ("reason", Type::Str),
        ("date_created", Type::Date),
        ("date_approved", Type::Any),
        ("amount", Type::Num),
    ]),
    columns: false,
};

/// Import `cost-actuals`: one actual cost transaction of an ERP export (the columns of
/// the project's `actuals/<YYYY-MM>.csv`; the source is the mapping's platform).
pub const ACTUAL_COST: ModelSchema = ModelSchema {
    name: "transaction",
    source: "row",
    fields: &[
        f("id", FieldType::Str, true),
        f("date", FieldType::Date, true),
        f("vendor", FieldType::Str, false),
        f("cost_code", FieldType::Str, true),
        f("cost_type", FieldType::Str, true),
        f("amount", FieldType::Num, true),
        f("reference", FieldType::Str, false),
        f("commitment", FieldType::Str, false),
        f("description", FieldType::Str, false),
    ],
    inputs: None,
    columns: false,
};

/// Import `vendor-list`: one vendor of an accounting system's vendor list.
pub const VENDOR: ModelSchema = ModelSchema {
    name: "vendor",
    source: "row",
    fields: &[
        f("id", FieldType::Str, true),
        f("name", FieldType::Str, true),
        f("kind", FieldType::Str, false),
        f("address", FieldType::Str, false),
        f("city", FieldType::Str, false),
        f("state", FieldType::Str, false),
        f("zip", FieldType::Str, false),
        f("terms", FieldType::Str, false),
        f("tax_id", FieldType::Str, false),
        f("phone", FieldType::Str, false),
        f("email", FieldType::Str, false),
    ],
    inputs: None,
    columns: false,
};

/// Import `budget-table`: one line of a budget export or budget import sheet (Procore
/// budget summary, budget detail, budget view, budget import template).
pub const BUDGET_LINE: ModelSchema = ModelSchema {
    name: "line",
    source: "row",
    fields: &[
        f("budget_code", FieldType::Str, true),
        f("sub_job", FieldType::Str, false),
        f("cost_code", FieldType::Str, false),
        f("cost_type", FieldType::Str, false),
        f("description", FieldType::Str, false),
        f("vendor", FieldType::Str, false),
        f("item", FieldType::Str, false),
        f("detail_type", FieldType::Str, false),
        f("quantity", FieldType::Num, false),
        f("uom", FieldType::Str, false),
        f("unit_cost", FieldType::Num, false),
        f("original_budget", FieldType::Num, false),
        f("budget_modifications", FieldType::Num, false),
        f("approved_cos", FieldType::Num, false),
        f("revised_budget", FieldType::Num, false),
        f("pending_changes", FieldType::Num, false),
        f("projected_budget", FieldType::Num, false),
        f("committed_costs", FieldType::Num, false),
        f("direct_costs", FieldType::Num, false),
        f("job_to_date_costs", FieldType::Num, false),
        f("pending_cost_changes", FieldType::Num, false),
        f("projected_costs", FieldType::Num, false),
        f("forecast_to_complete", FieldType::Num, false),
        f("estimated_cost_at_completion", FieldType::Num, false),
        f("projected_over_under", FieldType::Num, false),
        f("start_date", FieldType::Date, false),
        f("end_date", FieldType::Date, false),
    ],
    inputs: None,
    columns: false,
};

/// Import `prime-contracts`: one prime contract of a contract list export.
pub const PRIME_CONTRACT: ModelSchema = ModelSchema {
    name: "contract",
    source: "row",
    fields: &[
        f("number", FieldType::Str, true),
        f("title", FieldType::Str, false),
        f("owner", FieldType::Str, false),
        f("status", FieldType::Str, false),
        f("executed", FieldType::Bool, false),
        f("original_amount", FieldType::Num, true),
        f("approved_change_orders", FieldType::Num, false),
        f("revised_amount", FieldType::Num, false),
        f("pending_change_orders", FieldType::Num, false),
        f("draft_change_orders", FieldType::Num, false),
        f("invoiced", FieldType::Num, false),
        f("payments_received", FieldType::Num, false),
        f("remaining_balance", FieldType::Num, false),
    ],
    inputs: None,
    columns: false,
};

/// Import `change-orders`: one change order of a change-order list export.
pub const CHANGE_ORDER: ModelSchema = ModelSchema {
    name: "change_order",
    source: "row",
    fields: &[
        f("number", FieldType::Str, true),
        f("revision", FieldType::Str, false),
        f("title", FieldType::Str, false),
        f("status", FieldType::Str, false),
        f("executed", FieldType::Bool, false),
        f("amount", FieldType::Num, true),
        f("date_initiated", FieldType::Date, false),
        f("due_date", FieldType::Date, false),
        f("review_date", FieldType::Date, false),
        f("reference", FieldType::Str, false),
    ],
    inputs: None,
    columns: false,
};

/// Import `payments`: one payment received (or made) of a payments export.
pub const PAYMENT: ModelSchema = ModelSchema {
    name: "payment",
    source: "row",
    fields: &[
        f("invoice", FieldType::Str, true),
        f("amount", FieldType::Num, true),
        f("date_paid", FieldType::Date, true),
        f("payment_number", FieldType::Str, false),
        f("invoice_number", FieldType::Str, false),
        f("check_number", FieldType::Str, false),
        f("notes", FieldType::Str, false),
    ],
    inputs: None,
    columns: false,
};

/// Inputs common to every accounting model: the project, from `records/contract.json`.
const PROJECT_INPUTS: [(&str, Type); 4] = [
    ("project_name", Type::Str),
    ("project_number", Type::Str),
    ("owner", Type::Str),
    ("contract_number", Type::Str),
];

/// QuickBooks exports: a vendor bill (approved commitment invoice, or vendor costs).
pub const QB_BILL: ModelSchema = ModelSchema {
    name: "bill",
    source: "bill",
    fields: &[
        f("name", FieldType::Str, true),
        f("docnum", FieldType::Str, true),
        f("memo", FieldType::Str, false),
        f("terms", FieldType::Str, false),
        f("class", FieldType::Str, false),
        f("ap_account", FieldType::Str, true),
        f("retainage_account", FieldType::Str, true),
    ],
    inputs: Some(&[
        ("vendor", Type::Str),
        ("vendor_name", Type::Str),
        ("vendor_terms", Type::Str),
        ("number", Type::Str),
        ("commitment", Type::Any),
        ("description", Type::Str),
        ("date", Type::Date),
        ("due_date", Type::Date),
        PROJECT_INPUTS[0],
        PROJECT_INPUTS[1],
        PROJECT_INPUTS[2],
        PROJECT_INPUTS[3],
    ]),
    columns: false,
};

/// QuickBooks exports: one job-cost line of a bill or journal entry.
pub const QB_COST: ModelSchema = ModelSchema {
    name: "cost",
    source: "cost",
    fields: &[
        f("account", FieldType::Str, true),
        f("name", FieldType::Str, false),
        f("class", FieldType::Str, false),
        f("memo", FieldType::Str, false),
    ],
    inputs: Some(&[
        ("cost_code", Type::Str),
        ("cost_code_description", Type::Str),
        ("cost_type", Type::Str),
        ("cost_type_description", Type::Str),
        ("description", Type::Str),
        PROJECT_INPUTS[0],
        PROJECT_INPUTS[1],
        PROJECT_INPUTS[2],
        PROJECT_INPUTS[3],
    ]),
    columns: false,
};

const OWNER_INVOICE_INPUTS: &[(&str, Type)] = &[
    ("application_no", Type::Num),
    ("date", Type::Date),
    ("period_to", Type::Date),
    PROJECT_INPUTS[0],
    PROJECT_INPUTS[1],
    PROJECT_INPUTS[2],
    PROJECT_INPUTS[3],
];

/// QuickBooks Desktop: the owner invoice of a pay application (G702 line 8).
pub const QB_INVOICE: ModelSchema = ModelSchema {
    name: "invoice",
    source: "invoice",
    fields: &[
        f("customer", FieldType::Str, true),
        f("docnum", FieldType::Str, true),
        f("memo", FieldType::Str, false),
        f("terms", FieldType::Str, false),
        f("due_date", FieldType::Date, true),
        f("class", FieldType::Str, false),
        f("ar_account", FieldType::Str, true),
        f("income_account", FieldType::Str, true),
        f("retainage_account", FieldType::Str, true),
    ],
    inputs: Some(OWNER_INVOICE_INPUTS),
    columns: false,
};

/// QuickBooks exports: a journal entry of costs without a vendor (payroll).
pub const QB_JOURNAL: ModelSchema = ModelSchema {
    name: "journal",
    source: "journal",
    fields: &[
        f("docnum", FieldType::Str, true),
        f("offset_account", FieldType::Str, true),
        f("name", FieldType::Str, false),
        f("memo", FieldType::Str, false),
    ],
    inputs: Some(&[
        ("reference", Type::Str),
        ("description", Type::Str),
        ("date", Type::Date),
        PROJECT_INPUTS[0],
        PROJECT_INPUTS[1],
        PROJECT_INPUTS[2],
        PROJECT_INPUTS[3],
    ]),
    columns: false,
};

/// QuickBooks Online invoices: the owner invoice of a pay application as two item lines
/// (work this period, retainage withheld).
pub const QBO_INVOICE: ModelSchema = ModelSchema {
    name: "invoice",
    source: "invoice",
    fields: &[
        f("invoice_no", FieldType::Str, true),
        f("customer", FieldType::Str, true),
        f("due_date", FieldType::Date, true),
        f("terms", FieldType::Str, false),
        f("location", FieldType::Str, false),
        f("memo", FieldType::Str, false),
        f("work_item", FieldType::Str, true),
        f("work_description", FieldType::Str, false),
        f("retainage_item", FieldType::Str, true),
        f("retainage_description", FieldType::Str, false),
        f("tax_code", FieldType::Str, false),
    ],
    inputs: Some(OWNER_INVOICE_INPUTS),
    columns: false,
};

/// Sage 300 CRE AP invoice import: one row per distribution line of a vendor invoice.
/// The mapping sets the columns (`columns = [...]`): Sage import definitions differ.
pub const SAGE_AP_LINE: ModelSchema = ModelSchema {
    name: "line",
    source: "line",
    fields: &[
        f("vendor", FieldType::Str, true),
        f("invoice", FieldType::Str, true),
        f("description", FieldType::Str, false),
        f("invoice_amount", FieldType::Num, false),
        f("invoice_date", FieldType::Date, true),
        f("due_date", FieldType::Date, false),
        f("accounting_date", FieldType::Date, false),
        f("job", FieldType::Str, false),
        f("extra", FieldType::Str, false),
        f("cost_code", FieldType::Str, true),
        f("category", FieldType::Str, true),
        f("amount", FieldType::Num, true),
        f("retainage", FieldType::Num, false),
        f("commitment", FieldType::Str, false),
        f("commitment_item", FieldType::Str, false),
        f("expense_account", FieldType::Str, false),
        f("line_description", FieldType::Str, false),
        f("record_type", FieldType::Str, false),
    ],
    inputs: Some(&[
        ("vendor", Type::Str),
        ("vendor_name", Type::Str),
        ("number", Type::Str),
        ("date", Type::Date),
        ("due_date", Type::Date),
        ("commitment", Type::Any),
        ("commitment_line", Type::Any),
        ("description", Type::Str),
        ("invoice_gross", Type::Num),
        ("invoice_retainage", Type::Num),
        ("cost_code", Type::Str),
        ("cost_code_description", Type::Str),
        ("cost_type", Type::Str),
        ("line_description", Type::Str),
        ("amount", Type::Num),
        ("retainage", Type::Num),
        PROJECT_INPUTS[0],
        PROJECT_INPUTS[1],
        PROJECT_INPUTS[2],
        PROJECT_INPUTS[3],
    ]),
    columns: true,
};

/// Sage 300 CRE Job Cost import: one row per direct cost transaction (costs without a
/// vendor; vendor costs reach job cost through AP). Columns set by the mapping.
pub const SAGE_JC_LINE: ModelSchema = ModelSchema {
    name: "transaction",
    source: "cost",
    fields: &[
        f("job", FieldType::Str, false),
        f("extra", FieldType::Str, false),
        f("cost_code", FieldType::Str, true),
        f("category", FieldType::Str, true),
        f("transaction_type", FieldType::Str, false),
        f("date", FieldType::Date, true),
        f("accounting_date", FieldType::Date, false),
        f("amount", FieldType::Num, true),
        f("units", FieldType::Num, false),
        f("description", FieldType::Str, false),
        f("reference", FieldType::Str, false),
        f("record_type", FieldType::Str, false),
    ],
    inputs: Some(&[
        ("id", Type::Str),
        ("date", Type::Date),
        ("cost_code", Type::Str),
        ("cost_code_description", Type::Str),
        ("cost_type", Type::Str),
        ("amount", Type::Num),
        ("reference", Type::Str),
        ("description", Type::Str),
        ("source", Type::Str),
        PROJECT_INPUTS[0],
        PROJECT_INPUTS[1],
        PROJECT_INPUTS[2],
        PROJECT_INPUTS[3],
    ]),
    columns: true,
};

/// `cost-reconciliation`: settings of `aecos reconcile`.
pub const RECONCILE_SETTINGS: ModelSchema = ModelSchema {
    name: "settings",
    source: "project",
    fields: &[f("variance_threshold", FieldType::Num, true)],
    inputs: Some(&[
        PROJECT_INPUTS[0],
        PROJECT_INPUTS[1],
        PROJECT_INPUTS[2],
        PROJECT_INPUTS[3],
    ]),
    columns: false,
};

/// IFC export: how each AEC OS element is named and tagged in the model.
pub const IFC_ELEMENT: ModelSchema = ModelSchema {
    name: "element",
    source: "element",
    fields: &[
        f("name", FieldType::Str, false),
        f("tag", FieldType::Str, false),
    ],
    inputs: Some(&[
        ("global_id", Type::Str),
        ("class", Type::Str),
        ("name", Type::Any),
        ("tag", Type::Any),
        ("object_type", Type::Any),
        ("storey", Type::Any),
        ("status", Type::Any),
    ]),
    columns: false,
};

/// IFC export: the IfcProject's name.
pub const IFC_PROJECT: ModelSchema = ModelSchema {
    name: "project",
    source: "project",
    fields: &[f("name", FieldType::Str, true)],
    inputs: Some(&[("name", Type::Str)]),
    columns: false,
};

/// Known formats and their models.
pub const FORMATS: &[&str] = &[
    "aia-g702-g703",
    "g703-csv",
    "p6-xer",
    "mspdi",
    "ifc",
    "cost-actuals",
    "vendor-list",
    "budget-table",
    "prime-contracts",
    "change-orders",
    "payments",
    "procore-budget-csv",
    "procore-commitment-sov-csv",
    "procore-change-orders-csv",
    "quickbooks-iif",
    "qbo-invoices-csv",
    "qbo-journal-csv",
    "sage300-ap-csv",
    "sage300-jc-csv",
    "cost-reconciliation",
];

pub fn format_models(format: &str) -> Option<&'static [&'static ModelSchema]> {
    match format {
        "aia-g702-g703" => Some(&[&G703_LINE, &G702_HEADER]),
        "g703-csv" => Some(&[&G703_IMPORT_LINE]),
        "p6-xer" | "mspdi" => Some(&[&SCHEDULE_ACTIVITY, &SCHEDULE_PROJECT]),
        "ifc" => Some(&[&IFC_ELEMENT, &IFC_PROJECT]),
        "cost-actuals" => Some(&[&ACTUAL_COST]),
        "vendor-list" => Some(&[&VENDOR]),
        "budget-table" => Some(&[&BUDGET_LINE]),
        "prime-contracts" => Some(&[&PRIME_CONTRACT]),
        "change-orders" => Some(&[&CHANGE_ORDER]),
        "payments" => Some(&[&PAYMENT]),
        "procore-budget-csv" => Some(&[&PROCORE_BUDGET_LINE]),
        "procore-commitment-sov-csv" => Some(&[&PROCORE_COMMITMENT_LINE]),
        "procore-change-orders-csv" => Some(&[&PROCORE_CHANGE_ORDER]),
        "quickbooks-iif" => Some(&[&QB_BILL, &QB_COST, &QB_INVOICE, &QB_JOURNAL]),
        "qbo-invoices-csv" => Some(&[&QBO_INVOICE]),
        "qbo-journal-csv" => Some(&[&QB_JOURNAL, &QB_COST]),
        "sage300-ap-csv" => Some(&[&SAGE_AP_LINE]),
        "sage300-jc-csv" => Some(&[&SAGE_JC_LINE]),
        "cost-reconciliation" => Some(&[&RECONCILE_SETTINGS]),
        _ => None,
    }
}

pub fn model_schema(format: &str, model: &str) -> Option<&'static ModelSchema> {
    format_models(format)?
        .iter()
        .copied()
        .find(|m| m.name == model)
}

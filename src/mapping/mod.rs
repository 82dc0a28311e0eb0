//! Declarative mapping files (TOML): which records feed which writer or reader model,
//! field by field (`from`, `default`, `required`, `lookup`, `expr`), plus the tests each
//! mapping carries. Built-in mappings are embedded from `mappings/`; a project's copy in
//! `<project>/mappings/` with the same file name wins.
//!
//! Every error points at `file:line:col` with the offending text and a hint. This module
//! must not do I/O beyond reading mapping files, and must not know any file format: the
//! models it fills are declared by the format modules (`formats::models`).

pub mod expr;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use crate::error::DataError;
use crate::formats::amount::{parse_amount, parse_date, DateFormat, NumberLocale, LOCALES};
use crate::formats::models::{model_schema, FieldType, ModelSchema};
use expr::{Type, Value};

/// The built-in mappings, embedded in the binary: (file name, text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "aia-g703.toml",
        include_str!("../../mappings/aia-g703.toml"),
    ),
    (
        "aecos-g703-import.toml",
        include_str!("../../mappings/aecos-g703-import.toml"),
    ),
    (
        "procore-g703-import.toml",
        include_str!("../../mappings/procore-g703-import.toml"),
    ),
    (
        "payapppro-g703-import.toml",
        include_str!("../../mappings/payapppro-g703-import.toml"),
    ),
    (
        "procore-budget-detail-import.toml",
        include_str!("../../mappings/procore-budget-detail-import.toml"),
    ),
    (
        "procore-budget-summary-import.toml",
        include_str!("../../mappings/procore-budget-summary-import.toml"),
    ),
    (
        "procore-budget-view-import.toml",
        include_str!("../../mappings/procore-budget-view-import.toml"),
    ),
    (
        "procore-budget-template-import.toml",
        include_str!("../../mappings/procore-budget-template-import.toml"),
    ),
    (
        "procore-prime-contracts-import.toml",
        include_str!("../../mappings/procore-prime-contracts-import.toml"),
    ),
    (
        "procore-prime-change-orders-import.toml",
        include_str!("../../mappings/procore-prime-change-orders-import.toml"),
    ),
    (
        "procore-prime-payments-import.toml",
        include_str!("../../mappings/procore-prime-payments-import.toml"),
    ),
    (
        "erp-actual-costs-import.toml",
        include_str!("../../mappings/erp-actual-costs-import.toml"),
    ),
    (
        "erp-vendors-import.toml",
        include_str!("../../mappings/erp-vendors-import.toml"),
    ),
    ("p6-xer.toml", include_str!("../../mappings/p6-xer.toml")),
    (
        "msproject-mspdi.toml",
        include_str!("../../mappings/msproject-mspdi.toml"),
    ),
    (
        "ifc-model.toml",
        include_str!("../../mappings/ifc-model.toml"),
    ),
    (
        "procore-budget.toml",
        include_str!("../../mappings/procore-budget.toml"),
    ),
    (
        "procore-commitments.toml",
        include_str!("../../mappings/procore-commitments.toml"),
    ),
    (
        "procore-change-orders.toml",
        include_str!("../../mappings/procore-change-orders.toml"),
    ),
    (
        "quickbooks-iif.toml",
        include_str!("../../mappings/quickbooks-iif.toml"),
    ),
    (
        "qbo-invoices.toml",
        include_str!("../../mappings/qbo-invoices.toml"),
    ),
    (
        "qbo-journal.toml",
        include_str!("../../mappings/qbo-journal.toml"),
    ),
    (
        "sage300-ap.toml",
        include_str!("../../mappings/sage300-ap.toml"),
    ),
    (
        "sage300-jc.toml",
        include_str!("../../mappings/sage300-jc.toml"),
    ),
    (
        "reconcile.toml",
        include_str!("../../mappings/reconcile.toml"),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Export,
    Import,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema_version: Spanned<i64>,
    mapping: RawHeader,
    #[serde(default)]
    detect: Option<Detect>,
    #[serde(default)]
    models: BTreeMap<Spanned<String>, RawModel>,
    #[serde(default)]
    lookups: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    tests: Vec<RawTest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    direction: Direction,
    /// Export target name (`aecos export <target>`); export mappings only.
    #[serde(default)]
    target: Option<String>,
    platform: String,
    data_type: String,
    format: Spanned<String>,
    #[serde(default)]
    description: String,
    /// How imported amounts are written (`en`, `de`, `fr`, …; default `en`).
    #[serde(default)]
    locale: Option<Spanned<String>>,
    /// How imported dates are written (`MM/DD/YYYY`, `DD.MM.YYYY`, …; default ISO).
    #[serde(default)]
    date_format: Option<Spanned<String>>,
}

/// How an import mapping recognises its files by content.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detect {
    /// Every one of these must be a column of the header row (exact, case-sensitive).
    pub headers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    source: Spanned<String>,
    fields: BTreeMap<Spanned<String>, Spanned<RawField>>,
    /// Output columns in order (formats whose models take a column layout).
    #[serde(default)]
    columns: Option<Spanned<Vec<RawColumn>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    header: String,
    field: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    #[serde(default)]
    from: Option<Spanned<String>>,
    #[serde(default)]
    expr: Option<Spanned<String>>,
    #[serde(default)]
    default: Option<Spanned<toml::Value>>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    lookup: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    name: String,
    model: Spanned<String>,
    input: toml::Table,
    #[serde(default)]
    expect: Option<toml::Table>,
    #[serde(default)]
    expect_error: Option<String>,
}

/// How a field's value is obtained.
#[derive(Debug)]
enum Source {
    From(String),
    Expr(expr::Expr, usize),
}

#[derive(Debug)]
struct Field {
    name: String,
    ty: FieldType,
    source: Option<Source>,
    default: Option<Value>,
    required: bool,
    lookup: Option<String>,
    /// Byte offset of the field's definition, for runtime errors.
    at: usize,
}

#[derive(Debug)]
struct Model {
    schema: &'static ModelSchema,
    fields: Vec<Field>,
    /// (header, field) of each output column, in order.
    columns: Vec<(String, String)>,
}

/// A mapping test: input record → expected output (or expected error).
#[derive(Debug)]
pub struct MappingTest {
    pub name: String,
    model: String,
    input: serde_json::Value,
    expect: Option<BTreeMap<String, toml::Value>>,
    expect_error: Option<String>,
    at: usize,
}

/// A parsed and validated mapping file.
#[derive(Debug)]
pub struct Mapping {
    pub id: String,
    pub direction: Direction,
    pub target: Option<String>,
    pub platform: String,
    pub data_type: String,
    pub format: String,
    pub description: String,
    pub detect: Option<Detect>,
    /// How input amounts are written (import mappings).
    pub locale: NumberLocale,
    /// How input dates are written (import mappings); ISO is always accepted too.
    pub date_format: DateFormat,
    /// Where it was read from (`builtin:NAME` for embedded ones).
    pub path: PathBuf,
    /// The exact bytes it was read from (hashed into export manifests).
    pub text: String,
    models: BTreeMap<String, Model>,
    lookups: BTreeMap<String, BTreeMap<String, String>>,
    pub tests: Vec<MappingTest>,
}

/// One output record of a model: field name → value, in the model's field order.
pub type Output = BTreeMap<String, Value>;

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Offset of the first character inside a TOML string literal spanning `span`.
fn string_body_start(text: &str, span: std::ops::Range<usize>) -> usize {
    let s = text.get(span.start..).unwrap_or("");
    if s.starts_with("'''") || s.starts_with("\"\"\"") {
        span.start + 3
    } else {
        span.start + 1
    }
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, offset: usize, message: impl Into<String>, hint: impl Into<String>) -> DataError {
        let (l, c) = line_col(self.text, offset);
        let snippet = self.text.lines().nth(l - 1).unwrap_or("").trim();
        DataError::new(
            self.path,
            format!("{} (in `{}`)", message.into(), snippet),
            hint,
        )
        .at(l, c)
    }
}

impl Mapping {
    /// Parses and validates a mapping: TOML syntax, unknown keys, the model and its
    /// fields, expressions (syntax and types), lookups and the tests' shape.
    pub fn parse(path: &Path, text: &str) -> Result<Mapping, DataError> {
        let ctx = Ctx { path, text };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            ctx.err(
                at,
                e.message().to_string(),
                "see docs/MAPPINGS.md for the mapping file format",
            )
        })?;
        if *raw.schema_version.get_ref() != 1 {
            return Err(ctx.err(
                raw.schema_version.span().start,
                format!(
                    "schema_version {} is not supported",
                    raw.schema_version.get_ref()
                ),
                "this aecos reads schema_version = 1",
            ));
        }
        let h = raw.mapping;
        let format = h.format.get_ref().clone();
        let Some(formats) = crate::formats::models::format_models(&format) else {
            return Err(ctx.err(
                h.format.span().start,
                format!("unknown format `{format}`"),
                format!(
                    "known formats: {}",
                    crate::formats::models::FORMATS.join(", ")
                ),
            ));
        };
        if h.direction == Direction::Export && h.target.is_none() {
            return Err(ctx.err(
                h.id.span().start,
                "an export mapping needs `target` (the name used in `aecos export <target>`)",
                "add target = \"...\" to [mapping]",
            ));
        }
        if h.direction == Direction::Import && raw.detect.is_none() {
            return Err(ctx.err(
                h.id.span().start,
                "an import mapping needs a [detect] table",
                "add [detect] headers = [...] naming the columns that identify the file",
            ));
        }
        let locale = match &h.locale {
            None => NumberLocale::default(),
            Some(l) => NumberLocale::from_name(l.get_ref()).ok_or_else(|| {
                ctx.err(
                    l.span().start,
                    format!("unknown locale `{}`", l.get_ref()),
                    format!("known locales: {LOCALES}"),
                )
            })?,
        };
        let date_format = match &h.date_format {
            None => DateFormat::ISO,
            Some(f) => DateFormat::from_spec(f.get_ref()).ok_or_else(|| {
                ctx.err(
                    f.span().start,
                    format!("unknown date format `{}`", f.get_ref()),
                    "write the day, month and year order with one separator, e.g. \"MM/DD/YYYY\", \"M/D/YY\", \"DD.MM.YYYY\", \"YYYY-MM-DD\"",
                )
            })?,
        };
        let mut models = BTreeMap::new();
        for (mname, rm) in raw.models {
            let Some(schema) = model_schema(&format, mname.get_ref()) else {
                return Err(ctx.err(
                    mname.span().start,
                    format!("format `{format}` has no model `{}`", mname.get_ref()),
                    format!(
                        "models of `{format}`: {}",
                        formats
                            .iter()
                            .map(|m| m.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            if rm.source.get_ref() != schema.source {
                return Err(ctx.err(
                    rm.source.span().start,
                    format!(
                        "model `{}` reads `{}` records, not `{}`",
                        schema.name,
                        schema.source,
                        rm.source.get_ref()
                    ),
                    format!("write source = \"{}\"", schema.source),
                ));
            }
            let model = build_model(&ctx, schema, rm, &raw.lookups)?;
            models.insert(mname.into_inner(), model);
        }
        for schema in formats {
            if !models.contains_key(schema.name) {
                return Err(ctx.err(
                    0,
                    format!("the mapping has no [models.{}]", schema.name),
                    format!(
                        "format `{format}` needs models: {}",
                        formats
                            .iter()
                            .map(|m| m.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        let mut tests = Vec::new();
        for t in raw.tests {
            if !models.contains_key(t.model.get_ref()) {
                return Err(ctx.err(
                    t.model.span().start,
                    format!(
                        "test `{}` names model `{}`, which this mapping does not define",
                        t.name,
                        t.model.get_ref()
                    ),
                    "use one of the mapping's [models.*] names",
                ));
            }
            if t.expect.is_some() == t.expect_error.is_some() {
                return Err(ctx.err(
                    t.model.span().start,
                    format!(
                        "test `{}` needs exactly one of `expect` and `expect_error`",
                        t.name
                    ),
                    "add expect = { ... } or expect_error = \"...\"",
                ));
            }
            let input = toml_to_json(&toml::Value::Table(t.input));
            tests.push(MappingTest {
                name: t.name,
                at: t.model.span().start,
                model: t.model.into_inner(),
                input,
                expect: t.expect.map(|e| e.into_iter().collect()),
                expect_error: t.expect_error,
            });
        }
        Ok(Mapping {
            id: h.id.into_inner(),
            direction: h.direction,
            target: h.target,
            platform: h.platform,
            data_type: h.data_type,
            format,
            description: h.description,
            detect: raw.detect,
            locale,
            date_format,
            path: path.to_path_buf(),
            text: text.to_string(),
            models,
            lookups: raw.lookups,
            tests,
        })
    }

    /// Maps one input record through `model`. `record` is a JSON object; a path `a.b`
    /// first looks for a key named exactly `a.b`, then walks nested objects.
    pub fn apply(&self, model: &str, record: &serde_json::Value) -> Result<Output, DataError> {
        let ctx = Ctx {
            path: &self.path,
            text: &self.text,
        };
        let Some(m) = self.models.get(model) else {
            return Err(DataError::new(
                &self.path,
                format!("the mapping has no model `{model}`"),
                "this is a bug in the caller",
            ));
        };
        let mut out = BTreeMap::new();
        for f in &m.fields {
            let source = m.schema.source;
            let mut v = match &f.source {
                Some(Source::From(p)) => lookup_path(record, p),
                Some(Source::Expr(e, body)) => {
                    let resolve = |path: &[&str]| -> Option<Value> {
                        let (first, rest) = path.split_first()?;
                        if *first != source {
                            return None;
                        }
                        let key = rest.join(".");
                        let v = lookup_path(record, &key);
                        // Inputs declared as numbers arrive as decimal text (never floats),
                        // dates as YYYY-MM-DD text.
                        Some(match (v, m.schema.input_type(&key)) {
                            (Value::Str(s), Some(Type::Num)) => parse_amount(&s, self.locale)
                                .map(Value::Num)
                                .unwrap_or(Value::Str(s)),
                            (Value::Str(s), Some(Type::Date)) => {
                                crate::project::serde_util::parse_iso_date(&s)
                                    .map(Value::Date)
                                    .unwrap_or(Value::Str(s))
                            }
                            (v, _) => v,
                        })
                    };
                    e.eval(&resolve).map_err(|er| {
                        ctx.err(
                            body + er.offset,
                            er.message.clone(),
                            er.hint
                                .clone()
                                .unwrap_or_else(|| "fix the expression".into()),
                        )
                    })?
                }
                None => Value::Null,
            };
            let mut defaulted = false;
            if is_blank(&v) {
                if let Some(d) = &f.default {
                    v = d.clone();
                    defaulted = true;
                }
            }
            if !defaulted && is_blank(&v) {
                if f.required {
                    return Err(ctx.err(
                        f.at,
                        format!("required field `{}` has no value in this record", f.name),
                        "the input lacks the value; fix the input or give the field a default",
                    ));
                }
                out.insert(f.name.clone(), Value::Null);
                continue;
            }
            if let Some(table) = &f.lookup {
                let key = v.to_text();
                v = match self.lookups.get(table).and_then(|t| t.get(&key)) {
                    Some(mapped) => Value::Str(mapped.clone()),
                    None => {
                        return Err(ctx.err(
                            f.at,
                            format!("`{key}` is not in lookup table `{table}`"),
                            format!("add \"{key}\" = \"...\" to [lookups.{table}]"),
                        ))
                    }
                };
            }
            let v = coerce(v, f.ty, self.locale, self.date_format).map_err(|m| {
                let hint = "fix the input value, or the mapping's locale / date_format";
                match &f.source {
                    // Name the input column, so an importer can point at the cell.
                    Some(Source::From(col)) => ctx
                        .err(f.at, format!("{m} (mapped to `{}`)", f.name), hint)
                        .field(col.clone()),
                    _ => ctx.err(f.at, format!("field `{}`: {m}", f.name), hint),
                }
            })?;
            out.insert(f.name.clone(), v);
        }
        Ok(out)
    }

    /// The output columns of `model` as (header, field), for formats whose column
    /// layout the mapping sets (`columns = [...]`); empty for fixed layouts.
    pub fn columns(&self, model: &str) -> &[(String, String)] {
        self.models
            .get(model)
            .map(|m| m.columns.as_slice())
            .unwrap_or(&[])
    }

    /// Runs the mapping's own tests; returns (passed, failures as messages with file:line).
    pub fn run_tests(&self) -> (usize, Vec<String>) {
        let ctx = Ctx {
            path: &self.path,
            text: &self.text,
        };
        let mut passed = 0;
        let mut failures = Vec::new();
        for t in &self.tests {
            let (l, _) = line_col(&self.text, t.at);
            let loc = format!("{}:{l}", self.path.display());
            // Rows of CSV imports get their column aliases, as `import` gives them.
            let mut input = t.input.clone();
            if let (Some(m), Some(obj)) = (self.models.get(&t.model), input.as_object_mut()) {
                if m.schema.source == "row" {
                    add_column_aliases(obj);
                }
            }
            match (self.apply(&t.model, &input), &t.expect, &t.expect_error) {
                (Ok(out), Some(expect), _) => {
                    let mut diffs = Vec::new();
                    for (k, want) in expect {
                        let got = out.get(k).cloned().unwrap_or(Value::Null);
                        if !same(&got, want) {
                            diffs.push(format!(
                                "`{k}`: expected {}, got {}",
                                toml_text(want),
                                show(&got)
                            ));
                        }
                    }
                    for k in out.keys() {
                        if !expect.contains_key(k) && !out.get(k).is_none_or(is_blank) {
                            diffs.push(format!("`{k}`: not in expect, got {}", show(&out[k])));
                        }
                    }
                    if diffs.is_empty() {
                        passed += 1;
                    } else {
                        failures.push(format!(
                            "{loc}: test `{}` failed: {}",
                            t.name,
                            diffs.join("; ")
                        ));
                    }
                }
                (Err(e), None, Some(want)) if e.to_string().contains(want.as_str()) => passed += 1,
                (Err(e), None, Some(want)) => failures.push(format!(
                    "{loc}: test `{}` failed: expected an error containing {want:?}, got: {e}",
                    t.name
                )),
                (Ok(out), None, Some(want)) => failures.push(format!(
                    "{loc}: test `{}` failed: expected an error containing {want:?}, got {:?}",
                    t.name,
                    out.iter()
                        .map(|(k, v)| format!("{k}={}", show(v)))
                        .collect::<Vec<_>>()
                )),
                (Err(e), Some(_), _) => {
                    failures.push(format!("{loc}: test `{}` failed: {e}", t.name))
                }
                (_, None, None) => {
                    failures.push(ctx.err(t.at, "test without expectation", "").to_string())
                }
            }
        }
        (passed, failures)
    }
}

fn build_model(
    ctx: &Ctx,
    schema: &'static ModelSchema,
    rm: RawModel,
    lookups: &BTreeMap<String, BTreeMap<String, String>>,
) -> Result<Model, DataError> {
    let mut fields = Vec::new();
    for (fname, spec) in &rm.fields {
        let at = fname.span().start;
        let Some(fs) = schema.fields.iter().find(|f| f.name == fname.get_ref()) else {
            return Err(ctx.err(
                at,
                format!("model `{}` has no field `{}`", schema.name, fname.get_ref()),
                format!(
                    "fields of `{}`: {}",
                    schema.name,
                    schema
                        .fields
                        .iter()
                        .map(|f| f.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        let spec = spec.get_ref();
        let source = match (&spec.from, &spec.expr) {
            (Some(_), Some(e)) => {
                return Err(ctx.err(
                    e.span().start,
                    format!("field `{}` has both `from` and `expr`", fs.name),
                    "keep one: `from` copies a field, `expr` computes one",
                ))
            }
            (Some(f), None) => Some(Source::From(f.get_ref().clone())),
            (None, Some(e)) => {
                let body = string_body_start(ctx.text, e.span());
                let parsed = expr::parse(e.get_ref()).map_err(|er| {
                    ctx.err(
                        body + er.offset,
                        er.message.clone(),
                        er.hint
                            .clone()
                            .unwrap_or_else(|| "see docs/MAPPINGS.md, \"Expressions\"".into()),
                    )
                })?;
                let types = |path: &[&str]| -> Option<Type> {
                    let (first, rest) = path.split_first()?;
                    if *first != schema.source {
                        return None;
                    }
                    if rest.is_empty() {
                        return None;
                    }
                    schema.input_type(&rest.join("."))
                };
                let ty = parsed.check(&types).map_err(|er| {
                    let hint = er
                        .hint
                        .clone()
                        .unwrap_or_else(|| format!("paths start with `{}.`", schema.source));
                    ctx.err(body + er.offset, er.message.clone(), hint)
                })?;
                if !compatible(ty, fs.ty) {
                    return Err(ctx.err(
                        body,
                        format!(
                            "field `{}` is {}, but the expression gives {}",
                            fs.name,
                            fs.ty.name(),
                            type_name(ty)
                        ),
                        "convert with number(), text() or date()",
                    ));
                }
                Some(Source::Expr(parsed, body))
            }
            (None, None) => None,
        };
        if source.is_none() && spec.default.is_none() {
            return Err(ctx.err(
                at,
                format!(
                    "field `{}` has neither `from`, `expr` nor `default`",
                    fs.name
                ),
                "say where the value comes from",
            ));
        }
        let default = match &spec.default {
            None => None,
            Some(d) => {
                let v = toml_to_value(d.get_ref()).map_err(|m| {
                    ctx.err(
                        d.span().start,
                        m,
                        "write numbers as strings (\"12.50\") and dates as \"YYYY-MM-DD\"",
                    )
                })?;
                Some(
                    coerce(v, fs.ty, NumberLocale::En, DateFormat::ISO).map_err(|m| {
                        ctx.err(
                            d.span().start,
                            format!("default for `{}`: {m}", fs.name),
                            "give a default of the field's type",
                        )
                    })?,
                )
            }
        };
        if let Some(l) = &spec.lookup {
            if !lookups.contains_key(l.get_ref()) {
                return Err(ctx.err(
                    l.span().start,
                    format!("lookup table `{}` is not defined", l.get_ref()),
                    format!("add a [lookups.{}] table", l.get_ref()),
                ));
            }
        }
        fields.push(Field {
            name: fs.name.to_string(),
            ty: fs.ty,
            source,
            default,
            required: spec.required,
            lookup: spec.lookup.as_ref().map(|l| l.get_ref().clone()),
            at,
        });
    }
    for fs in schema.fields.iter().filter(|f| f.required) {
        if !fields.iter().any(|f| f.name == fs.name) {
            return Err(ctx.err(
                rm.source.span().start,
                format!("model `{}` must map field `{}`", schema.name, fs.name),
                format!(
                    "add fields.{} = {{ from = \"...\", required = true }}",
                    fs.name
                ),
            ));
        }
    }
    // Keep the schema's field order, so outputs are stable.
    fields.sort_by_key(|f| schema.fields.iter().position(|s| s.name == f.name));
    let columns = match (&rm.columns, schema.columns) {
        (None, false) => Vec::new(),
        (Some(c), false) => {
            return Err(ctx.err(
                c.span().start,
                format!("model `{}` has a fixed column layout", schema.name),
                "remove `columns`; the writer lays out this format's columns",
            ))
        }
        (None, true) => {
            return Err(ctx.err(
                rm.source.span().start,
                format!("model `{}` needs `columns`", schema.name),
                "add columns = [{ header = \"...\", field = \"...\" }, ...] in output order",
            ))
        }
        (Some(c), true) => {
            let mut out = Vec::new();
            for col in c.get_ref() {
                if !fields.iter().any(|f| f.name == col.field) {
                    return Err(ctx.err(
                        c.span().start,
                        format!(
                            "column `{}` names field `{}`, which this model does not map",
                            col.header, col.field
                        ),
                        "map the field under fields.* or name a mapped field",
                    ));
                }
                if out.iter().any(|(h, _): &(String, String)| *h == col.header) {
                    return Err(ctx.err(
                        c.span().start,
                        format!("column `{}` is listed twice", col.header),
                        "give every column its own header",
                    ));
                }
                out.push((col.header.clone(), col.field.clone()));
            }
            if out.is_empty() {
                return Err(ctx.err(
                    c.span().start,
                    "`columns` is empty",
                    "list at least one column",
                ));
            }
            out
        }
    };
    Ok(Model {
        schema,
        fields,
        columns,
    })
}

fn compatible(t: Type, f: FieldType) -> bool {
    matches!(
        (t, f),
        (Type::Any | Type::Null, _)
            | (Type::Str, _)
            | (Type::Num, FieldType::Num | FieldType::Str)
            | (Type::Date, FieldType::Date | FieldType::Str)
            | (Type::Bool, FieldType::Bool | FieldType::Str)
    )
}

fn type_name(t: Type) -> &'static str {
    match t {
        Type::Null => "null",
        Type::Bool => "a boolean",
        Type::Num => "a number",
        Type::Str => "text",
        Type::Date => "a date",
        Type::Any => "any value",
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Str(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Converts a value to a field's type: text to number under the mapping's locale (`$`,
/// thousands separators, `%`, accounting negatives; never a silent zero), text to date
/// in its date format.
fn coerce(
    v: Value,
    ty: FieldType,
    locale: NumberLocale,
    dates: DateFormat,
) -> Result<Value, String> {
    match (v, ty) {
        (Value::Null, _) => Ok(Value::Null),
        (v @ Value::Str(_), FieldType::Str) => Ok(v),
        (v, FieldType::Str) => Ok(Value::Str(v.to_text())),
        (v @ Value::Num(_), FieldType::Num) => Ok(v),
        (Value::Str(s), FieldType::Num) => parse_amount(&s, locale).map(Value::Num),
        (v @ Value::Date(_), FieldType::Date) => Ok(v),
        (Value::Str(s), FieldType::Date) => parse_date(&s, dates).map(Value::Date),
        (v @ Value::Bool(_), FieldType::Bool) => Ok(v),
        (Value::Str(s), FieldType::Bool) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("{s:?} is not true/false")),
        },
        (v, ty) => Err(format!("{} cannot be used as {}", show(&v), ty.name())),
    }
}

/// Finds `path` in a JSON record (exact key first, then nested objects).
fn lookup_path(record: &serde_json::Value, path: &str) -> Value {
    if let Some(v) = record.get(path) {
        return json_to_value(v);
    }
    let mut cur = record;
    for part in path.split('.') {
        match cur.get(part) {
            Some(v) => cur = v,
            None => return Value::Null,
        }
    }
    json_to_value(cur)
}

pub fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n
            .to_string()
            .parse::<Decimal>()
            .map(Value::Num)
            .unwrap_or_else(|_| Value::Str(n.to_string())),
        serde_json::Value::String(s) => Value::Str(s.clone()),
        other => Value::Str(other.to_string()),
    }
}

fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Value::String(f.to_string()),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

fn toml_to_value(v: &toml::Value) -> Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => Value::Str(s.clone()),
        toml::Value::Integer(i) => Value::Num(Decimal::from(*i)),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::Str(d.to_string()),
        toml::Value::Float(_) => return Err("a TOML float may be inexact".into()),
        _ => return Err("a default must be a single value".into()),
    })
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Str(s) => format!("{s:?}"),
        other => other.to_text(),
    }
}

fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Does an output value equal a test's expected TOML value? Numbers compare by value.
fn same(got: &Value, want: &toml::Value) -> bool {
    match (got, want) {
        (Value::Num(n), toml::Value::String(s)) => s.parse::<Decimal>().is_ok_and(|w| w == *n),
        (Value::Num(n), toml::Value::Integer(i)) => *n == Decimal::from(*i),
        (Value::Str(s), toml::Value::String(w)) => s == w,
        (Value::Bool(b), toml::Value::Boolean(w)) => b == w,
        (Value::Date(d), toml::Value::String(w)) => {
            crate::project::serde_util::format_iso_date(*d) == *w
        }
        _ => false,
    }
}

/// Loads mapping `file_name`: the project's copy in `<project>/mappings/` if there is
/// one, else the built-in.
pub fn load(project_root: &Path, file_name: &str) -> Result<Mapping, DataError> {
    let local = project_root.join("mappings").join(file_name);
    if local.is_file() {
        let text = std::fs::read_to_string(&local).map_err(|e| {
            DataError::new(
                &local,
                format!("cannot read: {e}"),
                "mapping files are UTF-8 TOML",
            )
        })?;
        return Mapping::parse(&local, &text);
    }
    match BUILTIN.iter().find(|(n, _)| *n == file_name) {
        Some((n, text)) => Mapping::parse(&PathBuf::from(format!("builtin:mappings/{n}")), text),
        None => Err(DataError::new(
            Path::new(file_name),
            "no such mapping",
            format!(
                "built-in mappings: {}",
                BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Every mapping in effect for a project: built-ins, overridden by the project's copies,
/// plus the project's own extra mappings. Sorted by file name.
pub fn load_all(project_root: Option<&Path>) -> Result<Vec<Mapping>, DataError> {
    let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(root) = project_root {
        names.extend(toml_files(&root.join("mappings"))?);
    }
    names.sort();
    names.dedup();
    names
        .iter()
        .map(|n| load(project_root.unwrap_or(Path::new("/nonexistent")), n))
        .collect()
}

/// Parses every `*.toml` of a folder (for `aecos mappings validate|test DIR`).
pub fn load_dir(dir: &Path) -> Result<Vec<Mapping>, DataError> {
    let mut out = Vec::new();
    for name in toml_files(dir)? {
        let p = dir.join(&name);
        let text = std::fs::read_to_string(&p).map_err(|e| {
            DataError::new(
                &p,
                format!("cannot read: {e}"),
                "mapping files are UTF-8 TOML",
            )
        })?;
        out.push(Mapping::parse(&p, &text)?);
    }
    Ok(out)
}

fn toml_files(dir: &Path) -> Result<Vec<String>, DataError> {
    Ok(crate::project::files_with_extension(dir, "toml")?
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect())
}

/// An output field as text (`""` for a null or missing field).
pub fn out_text(out: &Output, field: &str) -> String {
    match out.get(field) {
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_text(),
    }
}

/// An output field as a number (`None` unless it is one).
pub fn out_num(out: &Output, field: &str) -> Option<Decimal> {
    match out.get(field) {
        Some(Value::Num(n)) => Some(*n),
        _ => None,
    }
}

/// The sum of a numeric output field over rows (non-numbers count as nothing).
pub fn sum_field(rows: &[Output], field: &str) -> Decimal {
    rows.iter().filter_map(|r| out_num(r, field)).sum()
}

/// Adds each column's snake_case alias (see `column_alias`) to a CSV row record, so
/// expressions can name columns whose headers have spaces. An alias never replaces a
/// column of the same name.
pub fn add_column_aliases(row: &mut serde_json::Map<String, serde_json::Value>) {
    let aliases: Vec<(String, serde_json::Value)> = row
        .iter()
        .map(|(k, v)| (column_alias(k), v.clone()))
        .filter(|(a, _)| !a.is_empty())
        .collect();
    for (alias, v) in aliases {
        row.entry(alias).or_insert(v);
    }
}

/// Normalises a column header to an expression-friendly name:
/// `"Work Completed: This Period"` → `work_completed_this_period`.
pub fn column_alias(header: &str) -> String {
    let mut s = String::new();
    for c in header.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') && !s.is_empty() {
            s.push('_');
        }
    }
    while s.ends_with('_') {
        s.pop();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "schema_version = 1\n[mapping]\nid = \"t\"\ndirection = \"import\"\nplatform = \"x\"\ndata_type = \"pay_application\"\nformat = \"g703-csv\"\n[detect]\nheaders = [\"A\"]\n";
    const REQ: &str = "fields.item_no = { from = \"A\", required = true }\nfields.scheduled_value = { from = \"C\", required = true }\nfields.from_previous = { from = \"D\", default = \"0\" }\nfields.this_period = { from = \"E\", default = \"0\" }\nfields.materials_stored = { default = \"0\" }\nfields.completed_and_stored = { expr = 'number(coalesce(row.d, \"0\")) + number(coalesce(row.e, \"0\"))' }\nfields.balance_to_finish = { default = \"0\" }\n";

    fn parse(extra: &str) -> Result<Mapping, DataError> {
        Mapping::parse(
            Path::new("m.toml"),
            &format!("{HEAD}[models.line]\nsource = \"row\"\n{REQ}{extra}"),
        )
    }

    #[test]
    fn from_default_expr_and_coercion() {
        let m = parse("").unwrap();
        let out = m.apply("line", &serde_json::json!({"A": "7", "C": "$1,200.50", "D": "100", "d": "100", "E": "(5.00)", "e": "-5"})).unwrap();
        assert_eq!(out["item_no"], Value::Str("7".into()));
        assert_eq!(
            out["scheduled_value"],
            Value::Num("1200.50".parse().unwrap())
        );
        assert_eq!(out["this_period"], Value::Num("-5.00".parse().unwrap()));
        assert_eq!(
            out["completed_and_stored"],
            Value::Num("95".parse().unwrap())
        );
        assert_eq!(out["materials_stored"], Value::Num("0".parse().unwrap()));
    }

    #[test]
    fn lookups_translate_and_refuse_unknown_keys() {
        let m = parse("fields.cost_code = { from = \"T\", lookup = \"types\" }\n[lookups.types]\nL = \"Labor\"\nM = \"Material\"\n").unwrap();
        let ok = m
            .apply("line", &serde_json::json!({"A": "1", "C": "1", "T": "L"}))
            .unwrap();
        assert_eq!(ok["cost_code"], Value::Str("Labor".into()));
        let e = m
            .apply("line", &serde_json::json!({"A": "1", "C": "1", "T": "Q"}))
            .unwrap_err();
        assert!(
            e.message.contains("`Q` is not in lookup table `types`"),
            "{e}"
        );
        assert_eq!(e.line, Some(19));
        let e = parse("fields.cost_code = { from = \"T\", lookup = \"nope\" }\n").unwrap_err();
        assert!(
            e.message.contains("lookup table `nope` is not defined"),
            "{e}"
        );
    }

    #[test]
    fn required_missing_and_bad_numbers_are_errors_not_zero() {
        let m = parse("").unwrap();
        let e = m.apply("line", &serde_json::json!({"C": "1"})).unwrap_err();
        assert!(e.message.contains("required field `item_no`"), "{e}");
        let e = m
            .apply("line", &serde_json::json!({"A": "1", "C": "12,34"}))
            .unwrap_err();
        assert!(e.message.contains("\"12,34\" is not a number"), "{e}");
    }

    #[test]
    fn validation_errors_point_at_line_and_column() {
        let e = parse("fields.nonsense = { from = \"X\" }\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(19), Some(8))); // at `nonsense`
        assert!(e.hint.contains("fields of `line`"), "{}", e.hint);
        let e = parse("fields.description = { expr = 'upper(row.a) +' }\n").unwrap_err();
        assert_eq!(e.line, Some(19));
        let e = parse("fields.description = { from = \"X\", expr = 'row.a' }\n").unwrap_err();
        assert!(e.message.contains("both `from` and `expr`"), "{e}");
        let e = parse("fields.description = { expr = 'days_between(row.a, row.b) > \"x\"' }\n")
            .unwrap_err();
        assert_eq!(e.line, Some(19));
        let e = Mapping::parse(Path::new("m.toml"), &HEAD.replace("g703-csv", "nope")).unwrap_err();
        assert!(
            e.message.contains("unknown format `nope`") && e.line == Some(7),
            "{e}"
        );
        let e = Mapping::parse(
            Path::new("m.toml"),
            &format!(
                "{HEAD}[models.line]\nsource = \"row\"\nfields.item_no = {{ from = \"A\" }}\n"
            ),
        )
        .unwrap_err();
        assert!(
            e.message.contains("must map field `scheduled_value`"),
            "{e}"
        );
        let e = Mapping::parse(
            Path::new("m.toml"),
            "schema_version = 1\nschema_version = 2\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2), "duplicate keys are refused: {e}");
    }

    fn export_mapping(description: &str) -> Result<Mapping, DataError> {
        let text = format!("schema_version = 1\n[mapping]\nid = \"e\"\ndirection = \"export\"\ntarget = \"g703\"\nplatform = \"aia\"\ndata_type = \"pay_application\"\nformat = \"aia-g702-g703\"\n[models.line]\nsource = \"line\"\nfields.item_no = {{ from = \"item_no\", required = true }}\nfields.description = {{ expr = '{description}', required = true }}\n[models.header]\nsource = \"contract\"\nfields.project_name = {{ default = \"P\" }}\nfields.project_number = {{ default = \"1\" }}\nfields.owner = {{ default = \"O\" }}\nfields.contractor = {{ default = \"C\" }}\n");
        Mapping::parse(Path::new("e.toml"), &text)
    }

    #[test]
    fn export_line_amounts_are_numbers_and_unknown_inputs_are_refused() {
        let m = export_mapping("if(line.scheduled_value < 0, concat(\"Credit: \", line.description), line.description)").unwrap();
        let out = m.apply("line", &serde_json::json!({"item_no": "9", "description": "Film", "scheduled_value": "-16543.00"})).unwrap();
        assert_eq!(out["description"], Value::Str("Credit: Film".into()));
        let e = export_mapping("concat(line.nope, line.description)").unwrap_err();
        assert_eq!(e.line, Some(12), "{e}");
        assert!(e.to_string().contains("nope"), "{e}");
    }

    #[test]
    fn mapping_tests_see_column_aliases_like_imports_do() {
        let text = format!("{HEAD}[models.line]\nsource = \"row\"\n{REQ}fields.description = {{ expr = 'upper(row.work_done)' }}\n[[tests]]\nname = \"alias\"\nmodel = \"line\"\ninput = {{ A = \"1\", C = \"5\", \"Work Done\" = \"x\" }}\nexpect = {{ item_no = \"1\", scheduled_value = \"5\", from_previous = \"0\", this_period = \"0\", materials_stored = \"0\", completed_and_stored = \"0\", balance_to_finish = \"0\", description = \"X\" }}\n");
        let m = Mapping::parse(Path::new("m.toml"), &text).unwrap();
        assert_eq!(m.run_tests(), (1, vec![]));
    }

    #[test]
    fn column_aliases() {
        assert_eq!(
            column_alias("Work Completed: This Period"),
            "work_completed_this_period"
        );
        assert_eq!(
            column_alias("Currently Retained: Work Retainage $"),
            "currently_retained_work_retainage"
        );
        assert_eq!(column_alias("%"), "");
        assert_eq!(column_alias("1st"), "_1st");
    }

    #[test]
    fn every_builtin_mapping_parses_and_passes_its_tests() {
        for (name, text) in BUILTIN {
            let m = Mapping::parse(Path::new(name), text).unwrap_or_else(|e| panic!("{e}"));
            assert!(!m.tests.is_empty(), "{name} has no tests");
            let (passed, failures) = m.run_tests();
            assert!(failures.is_empty(), "{failures:?}");
            assert_eq!(passed, m.tests.len());
        }
    }

    #[test]
    fn columns_only_where_the_format_takes_them_and_only_mapped_fields() {
        let sage = BUILTIN
            .iter()
            .find(|(n, _)| *n == "sage300-jc.toml")
            .map(|(_, t)| *t)
            .unwrap();
        let m = Mapping::parse(Path::new("s.toml"), sage).unwrap();
        assert_eq!(
            m.columns("transaction")[0],
            ("Job".to_string(), "job".to_string())
        );
        assert!(m.columns("nope").is_empty());
        let unmapped = sage.replace(
            "{ header = \"Reference\", field = \"reference\" }",
            "{ header = \"Units\", field = \"units\" }",
        );
        let e = Mapping::parse(Path::new("s.toml"), &unmapped).unwrap_err();
        assert!(
            e.message
                .contains("names field `units`, which this model does not map"),
            "{e}"
        );
        assert!(e.line.is_some());
        let twice = sage.replace("header = \"Reference\"", "header = \"Job\"");
        let e = Mapping::parse(Path::new("s.toml"), &twice).unwrap_err();
        assert!(e.message.contains("`Job` is listed twice"), "{e}");
        let start = sage.find("columns = [").unwrap();
        let end = start + sage[start..].find("]\n").unwrap() + 2;
        let none = format!("{}{}", &sage[..start], &sage[end..]);
        let e = Mapping::parse(Path::new("s.toml"), &none).unwrap_err();
        assert!(e.message.contains("needs `columns`"), "{e}");
        let procore = BUILTIN
            .iter()
            .find(|(n, _)| *n == "procore-commitments.toml")
            .map(|(_, t)| *t)
            .unwrap()
            .replace(
                "fields.amount = { from = \"amount\", required = true }",
                "fields.amount = { from = \"amount\", required = true }\ncolumns = [{ header = \"A\", field = \"amount\" }]",
            );
        let e = Mapping::parse(Path::new("p.toml"), &procore).unwrap_err();
        assert!(e.message.contains("has a fixed column layout"), "{e}");
    }
}

//! Import: a file dropped in the inbox → detected by content → parsed → validated →
//! written into the project. Continuation sheets (CSV, through their import mapping)
//! are re-totalled and stored as pulled records under `records/pulled/`; cost tables
//! (CSV, .xlsx, .xls) and QuickBooks IIF become pulled records too (see `pulled`, which
//! keeps ERP actual costs per month); schedules
//! (XER, MS Project XML, P6 XML) are merged three-way into `records/schedule/` against
//! the last pulled version, with conflicts recorded in `integration/conflicts/`.
//!
//! The source file is never deleted: it moves to `inbox/processed/`, or on failure to
//! `inbox/rejected/` with a readable `.error.txt` report beside it. The same file
//! imported twice changes nothing. Nothing is half-applied: the pulled record is
//! written atomically, before the source is moved.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::pending::{self, Plan, PlannedWrite};
use super::pulled::{self, IifSummary, MonthChange, TableSummary};
use super::rules::{self, Flow, Policy};
use super::{move_file, rel, write_atomic};
use crate::audit::{self, sha256_hex, NewEntry};
use crate::error::{DataError, Error, Result};
use crate::formats::aia_csv::{retotal, ImportedLine};
use crate::formats::detect::{detect, Detected};
use crate::formats::table::Table;
use crate::mapping::{self, Direction, Mapping};
use crate::schedule::model::Schedule;

/// Largest file accepted (a very large P6 export is a few hundred MB; this stops
/// runaway input).
pub const MAX_BYTES: u64 = 1024 * 1024 * 1024;

/// How to apply what is imported.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// A schedule file is a new baseline: set baseline dates only.
    pub baseline: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportedFile {
    pub file: String,
    /// `applied`, `unchanged`, `held` or `rejected`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<crate::formats::aia_csv::ImportedTotals>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_id: Option<String>,
    /// For schedules: what the update changed and what conflicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleImport>,
    /// For cost tables: rows read and amount totals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<TableSummary>,
    /// For actual costs: what each month of the file did to the pulled months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_costs: Option<Vec<MonthChange>>,
    /// For QuickBooks IIF: transactions and list records read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iif: Option<IifSummary>,
    /// For model versions: added, removed and changed elements and conflicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<super::model_pull::ModelPullReport>,
}

impl ImportedFile {
    pub(crate) fn new(file: String) -> Self {
        ImportedFile {
            file,
            status: String::new(),
            format: None,
            record: None,
            moved_to: None,
            error: None,
            totals: None,
            pending_id: None,
            schedule: None,
            table: None,
            actual_costs: None,
            iif: None,
            model: None,
        }
    }
}

/// What a schedule import did.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleImport {
    pub project: String,
    pub mode: &'static str,
    pub activities: usize,
    pub relationships: usize,
    pub merge: crate::schedule::merge::MergeReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts_file: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub files: Vec<ImportedFile>,
}

impl ImportReport {
    pub fn rejected(&self) -> usize {
        self.files.iter().filter(|f| f.status == "rejected").count()
    }
}

/// The pulled record written for an imported continuation sheet.
#[derive(Debug, Clone, Serialize)]
pub struct PulledG703 {
    pub source_file: String,
    pub sha256: String,
    pub mapping: String,
    pub platform: String,
    pub data_type: String,
    pub totals: crate::formats::aia_csv::ImportedTotals,
    pub lines: Vec<ImportedLine>,
}

/// Imports one file or every file of a folder (not recursing, skipping dot files and
/// the processed/rejected/pending folders). Progress goes to `progress` per file.
pub fn import(
    project: &Path,
    input: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<ImportReport> {
    let root = super::project_root(project)?;
    // Absolute paths, so a relative input means the working directory's file and the
    // inbox test below compares like with like.
    let root = std::path::absolute(&root).map_err(|e| Error::io(&root, e))?;
    let input = &std::path::absolute(input).map_err(|e| Error::io(input, e))?;
    let mut files = Vec::new();
    if input.is_dir() {
        let rd = std::fs::read_dir(input).map_err(|e| Error::io(input, e))?;
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_file() && !name.starts_with('.') {
                files.push(p);
            }
        }
        files.sort();
    } else if input.is_file() {
        files.push(input.to_path_buf());
    } else {
        return Err(Error::NotFound {
            what: "file to import",
            detail: input.display().to_string(),
            hint: "give a file or a folder (e.g. the project's inbox/)".into(),
        });
    }
    let mappings: Vec<Mapping> = mapping::load_all(Some(&root))?
        .into_iter()
        .filter(|m| m.direction == Direction::Import)
        .collect();
    let (rules, rules_path) = rules::load(&root)?;
    let mut report = ImportReport { files: Vec::new() };
    for f in files {
        progress(&f.display().to_string());
        report
            .files
            .push(import_one(&root, &f, &mappings, opts, &rules, &rules_path)?);
    }
    Ok(report)
}

fn inbox_dir(root: &Path, file: &Path) -> PathBuf {
    // Processed/rejected folders sit beside the file when it is in an inbox, else in the project's inbox.
    match file.parent() {
        Some(p) if p.file_name().is_some_and(|n| n == "inbox") => p.to_path_buf(),
        _ => root.join("inbox"),
    }
}

/// A destination in `dir` for `name` that does not overwrite a different file.
pub(crate) fn free_name(dir: &Path, name: &str, sha: &str) -> (PathBuf, bool) {
    let first = dir.join(name);
    match std::fs::read(&first) {
        Err(_) => (first, false),
        Ok(b) if sha256_hex(&b) == sha => (first, true),
        Ok(_) => {
            let (stem, ext) = match name.rsplit_once('.') {
                Some((s, e)) => (s.to_string(), format!(".{e}")),
                None => (name.to_string(), String::new()),
            };
            (dir.join(format!("{stem}.{}{ext}", &sha[..8])), false)
        }
    }
}

fn import_one(
    root: &Path,
    file: &Path,
    mappings: &[Mapping],
    opts: &ImportOptions,
    rules: &rules::Rules,
    rules_path: &Path,
) -> Result<ImportedFile> {
    // A file outside the project's inbox is never moved: a copy is dropped in the inbox
    // and that copy is what gets filed away.
    let inbox_root = root.join("inbox");
    let copied;
    let file = if file.starts_with(&inbox_root) {
        file
    } else {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "import".into());
        let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
        let (dest, _) = free_name(&inbox_root, &name, &sha256_hex(&bytes));
        if dest != file {
            write_atomic(&dest, &bytes)?;
        }
        copied = dest;
        copied.as_path()
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let meta = std::fs::metadata(file).map_err(|e| Error::io(file, e))?;
    let inbox = inbox_dir(root, file);
    if meta.len() > MAX_BYTES {
        let err = DataError::new(
            file,
            format!("the file is {} bytes; the limit is {MAX_BYTES}", meta.len()),
            "this is not a continuation sheet; check the file",
        );
        return reject(root, file, &inbox, &name, "", &err);
    }
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let sha = sha256_hex(&bytes);
    let refs: Vec<&Mapping> = mappings.iter().collect();
    let (mapping, header_line) = match detect(file, &bytes, &refs) {
        Ok(Detected::Table {
            mapping,
            header_line,
        }) => (refs[mapping], header_line),
        Ok(Detected::Schedule(format)) => {
            return import_schedule(
                root, file, &bytes, &sha, format, opts, rules, rules_path, &inbox, &name,
            );
        }
        Ok(Detected::Iif) => {
            return import_iif(root, file, &bytes, &sha, rules, rules_path, &inbox, &name);
        }
        Ok(Detected::Ifc) => {
            let model = crate::formats::step_read::step_bytes(file, bytes)
                .map_err(DataError::from)
                .and_then(|text| {
                    crate::formats::ifc_read::read_ifc(file, &text)
                        .map(|m| super::model_pull::IncomingModel::from_ifc(&m))
                        .map_err(DataError::from)
                });
            return match model {
                Ok(model) => super::model_pull::import_model(
                    root, file, &sha, &model, "ifc", rules, rules_path, &inbox, &name,
                ),
                Err(e) => reject(root, file, &inbox, &name, &sha, &e),
            };
        }
        Ok(Detected::Unsupported(what)) => {
            let err = DataError::new(
                file,
                format!("this is {what}, which this version of aecos cannot import"),
                "aecos imports G703 continuation sheets, cost tables (CSV, XLSX, XLS), QuickBooks IIF and schedules (P6 XER, P6 XML, MS Project XML)",
            );
            return reject(root, file, &inbox, &name, &sha, &err);
        }
        Err(e) => return reject(root, file, &inbox, &name, &sha, &e),
    };
    let policy = check_policy(rules, rules_path, &mapping.platform, &mapping.data_type)?;
    let stem = name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(&name)
        .to_string();
    let record_rel = format!(
        "records/pulled/{}/{}/{}-{}.json",
        mapping.platform,
        mapping.data_type,
        stem,
        &sha[..8]
    );
    let target = Target {
        root,
        file,
        inbox: &inbox,
        name: &name,
        sha: &sha,
        platform: &mapping.platform,
        data_type: &mapping.data_type,
        policy,
    };
    let mut base = ImportedFile::new(rel(root, file));
    base.format = Some(mapping.id.clone());
    if mapping.format != "g703-csv" {
        let table = match Table::read(file, &bytes) {
            Ok(t) => t,
            Err(e) => return reject(root, file, &inbox, &name, &sha, &e),
        };
        let model = crate::formats::models::format_models(&mapping.format)
            .and_then(|m| m.first())
            .map(|m| m.name)
            .unwrap_or("row");
        let rows = match pulled::map_rows(file, &table, header_line, mapping, model) {
            Ok(r) => r,
            Err(e) => return reject(root, file, &inbox, &name, &sha, &e),
        };
        if mapping.format == "cost-actuals" {
            return import_actuals(&target, mapping, &rows, base);
        }
        let (record, summary) = pulled::pulled_table(&name, &sha, mapping, table.sheet, &rows);
        base.record = Some(record_rel.clone());
        base.table = Some(summary);
        return apply_writes(
            &target,
            vec![(record_rel, json_body(&record), "pulled-table-json")],
            base,
        );
    }
    let lines = match parse_g703(file, &bytes, header_line, mapping) {
        Ok(l) => l,
        Err(e) => return reject(root, file, &inbox, &name, &sha, &e),
    };
    let totals = match retotal(&lines) {
        Ok(t) => t,
        Err((line, msg)) => {
            let e = DataError::new(
                file,
                msg,
                "the file's own arithmetic does not tie out; ask the sender for a corrected export",
            )
            .line(line);
            return reject(root, file, &inbox, &name, &sha, &e);
        }
    };
    base.record = Some(record_rel.clone());
    base.totals = Some(totals.clone());
    // Same file again: the record exists with this content.
    if root.join(&record_rel).is_file() {
        return apply_writes(&target, Vec::new(), base);
    }
    let pulled = PulledG703 {
        source_file: name.clone(),
        sha256: sha.clone(),
        mapping: mapping.id.clone(),
        platform: mapping.platform.clone(),
        data_type: mapping.data_type.clone(),
        totals,
        lines,
    };
    apply_writes(
        &target,
        vec![(record_rel, json_body(&pulled), "pulled-g703-json")],
        base,
    )
}

/// Pretty JSON with a final newline (the pulled record files).
fn json_body<T: Serialize>(value: &T) -> Vec<u8> {
    let mut body = serde_json::to_vec_pretty(value).unwrap_or_default();
    body.push(b'\n');
    body
}

/// The data-flow policy for pulling `data_type` from `platform`; blocked is an error.
pub(crate) fn check_policy(
    rules: &rules::Rules,
    rules_path: &Path,
    platform: &str,
    data_type: &str,
) -> Result<Policy> {
    let policy = rules.policy(platform, data_type, Flow::Pull);
    if policy == Policy::Blocked {
        return Err(Error::Blocked {
            platform: platform.into(),
            data_type: data_type.into(),
            direction: "pull".into(),
            rules: rules_path.to_path_buf(),
        });
    }
    Ok(policy)
}

/// Where an imported file's writes go and under which policy.
struct Target<'a> {
    root: &'a Path,
    file: &'a Path,
    inbox: &'a Path,
    name: &'a str,
    sha: &'a str,
    platform: &'a str,
    data_type: &'a str,
    policy: Policy,
}

/// Applies an import's writes in one plan (or holds them for approval) and files the
/// source away in `processed/`. Writes whose destination already has the same bytes are
/// dropped; with nothing left to write the import is `unchanged` (no audit entry).
fn apply_writes(
    t: &Target,
    writes: Vec<(String, Vec<u8>, &str)>,
    base: ImportedFile,
) -> Result<ImportedFile> {
    let writes: Vec<_> = writes
        .into_iter()
        .filter(|(dest, b, _)| {
            std::fs::read(t.root.join(dest)).ok().as_deref() != Some(b.as_slice())
        })
        .collect();
    let (processed, duplicate) = free_name(&t.inbox.join("processed"), t.name, t.sha);
    let base = ImportedFile {
        moved_to: Some(rel(t.root, &processed)),
        ..base
    };
    if writes.is_empty() {
        if duplicate && processed != t.file {
            // An identical copy is already in processed/: keep that one.
            std::fs::remove_file(t.file).map_err(|e| Error::io(t.file, e))?;
        } else {
            move_file(t.file, &processed)?;
        }
        return Ok(ImportedFile {
            status: "unchanged".into(),
            ..base
        });
    }
    let source = format!("{} (sha256 {})", rel(t.root, t.file), t.sha);
    let mut plan = Plan {
        kind: "import".into(),
        writes: writes
            .iter()
            .map(|(dest, b, fmt)| PlannedWrite {
                dest: dest.clone(),
                format: fmt.to_string(),
                sha256: sha256_hex(b),
                action: "import".into(),
                direction: "pull".into(),
                platform: t.platform.into(),
                data_type: t.data_type.into(),
                source: source.clone(),
            })
            .collect(),
        manifest: None,
        moves: vec![(rel(t.root, t.file), rel(t.root, &processed))],
        outcome: "applied".into(),
        held_over: Vec::new(),
        prune_dirs: Vec::new(),
    };
    let bytes: Vec<Vec<u8>> = writes.into_iter().map(|(_, b, _)| b).collect();
    if t.policy == Policy::RequiresApproval {
        let id = format!("IMP-{}", &t.sha[..10]);
        let held = t.inbox.join("pending").join(t.name);
        move_file(t.file, &held)?;
        plan.moves = vec![(rel(t.root, &held), rel(t.root, &processed))];
        pending::hold(t.root, &plan, &bytes, &id)?;
        return Ok(ImportedFile {
            status: "held".into(),
            pending_id: Some(id),
            moved_to: Some(rel(t.root, &held)),
            ..base
        });
    }
    pending::commit(t.root, &plan, &bytes)?;
    Ok(ImportedFile {
        status: "applied".into(),
        ..base
    })
}

/// Imports ERP actual costs month by month: a month whose transactions are the same as
/// last pulled is left alone; a changed month is replaced whole, and the report says
/// which transactions were added, removed or changed.
fn import_actuals(
    t: &Target,
    mapping: &Mapping,
    rows: &[pulled::MappedRow],
    mut base: ImportedFile,
) -> Result<ImportedFile> {
    let costs = if crate::costs::records::exists(t.root) {
        Some(crate::costs::records::load(t.root)?)
    } else {
        None
    };
    let months = match pulled::actuals_by_month(t.file, mapping, rows, costs.as_ref()) {
        Ok(m) => m,
        Err(e) => return reject(t.root, t.file, t.inbox, t.name, t.sha, &e),
    };
    // Where reconciliation reads pulled actuals from, whatever the mapping's data type.
    let dir = format!(
        "records/pulled/{}/{}",
        mapping.platform,
        super::cost_export::PULLED_ACTUALS
    );
    let mut writes = Vec::new();
    let mut changes = Vec::new();
    for (month, list) in &months {
        let dest = format!("{dir}/{month}.csv");
        let path = t.root.join(&dest);
        let old = match std::fs::read(&path) {
            Ok(b) => Some(crate::costs::records::read_actuals(&path, &b, Some(month))?),
            Err(_) => None,
        };
        let change = pulled::diff_month(month, &dest, old.as_deref(), list);
        if change.status != "unchanged" {
            writes.push((
                dest,
                crate::costs::records::write_actuals(list),
                "pulled-actuals-csv",
            ));
        }
        changes.push(change);
    }
    base.record = Some(dir);
    base.actual_costs = Some(changes);
    apply_writes(t, writes, base)
}

/// Imports a QuickBooks IIF file: its transactions (each checked for balance) and list
/// records, kept per source file under `records/pulled/quickbooks/transactions/`.
#[allow(clippy::too_many_arguments)]
fn import_iif(
    root: &Path,
    file: &Path,
    bytes: &[u8],
    sha: &str,
    rules: &rules::Rules,
    rules_path: &Path,
    inbox: &Path,
    name: &str,
) -> Result<ImportedFile> {
    let policy = check_policy(rules, rules_path, "quickbooks", "transactions")?;
    let (record, summary) = match pulled::pulled_iif(file, bytes, name, sha) {
        Ok(r) => r,
        Err(e) => return reject(root, file, inbox, name, sha, &e),
    };
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    let record_rel = format!(
        "records/pulled/quickbooks/transactions/{stem}-{}.json",
        &sha[..8]
    );
    let mut base = ImportedFile::new(rel(root, file));
    base.format = Some("quickbooks-iif".into());
    base.record = Some(record_rel.clone());
    base.iif = Some(summary);
    let target = Target {
        root,
        file,
        inbox,
        name,
        sha,
        platform: "quickbooks",
        data_type: "transactions",
        policy,
    };
    apply_writes(
        &target,
        vec![(record_rel, json_body(&record), "pulled-iif-json")],
        base,
    )
}

/// Moves a failed file to `rejected/` with a report, records it, and says why.
pub(crate) fn reject(
    root: &Path,
    file: &Path,
    inbox: &Path,
    name: &str,
    sha: &str,
    err: &DataError,
) -> Result<ImportedFile> {
    let sha = if sha.is_empty() {
        std::fs::read(file)
            .map(|b| sha256_hex(&b))
            .unwrap_or_else(|_| "0".repeat(64))
    } else {
        sha.to_string()
    };
    let (dest, _) = free_name(&inbox.join("rejected"), name, &sha);
    let report = PathBuf::from(format!("{}.error.txt", dest.display()));
    let text = format!(
        "aecos could not import {name}\n\nwhere: {}\nproblem: {}\nwhat to do: {}\n\nsha256 of the file: {sha}\nThe file was moved here unchanged; fix it and drop it in the inbox again.\n",
        err.location(),
        match &err.field {
            Some(f) => format!("field `{f}`: {}", err.message),
            None => err.message.clone(),
        },
        err.hint
    );
    write_atomic(&report, text.as_bytes())?;
    move_file(file, &dest)?;
    audit::append(
        root,
        NewEntry {
            actor: super::actor(),
            action: "import".into(),
            direction: "pull".into(),
            platform: "unknown".into(),
            data_type: "unknown".into(),
            source: rel(root, file),
            destination: rel(root, &dest),
            payload_sha256: sha,
            outcome: "rejected".into(),
        },
        super::now(),
    )?;
    Ok(ImportedFile {
        status: "rejected".into(),
        moved_to: Some(rel(root, &dest)),
        error: Some(format!("{err} — {}", err.hint)),
        ..ImportedFile::new(rel(root, file))
    })
}

/// Parses a continuation sheet (CSV or worksheet) through an import mapping, row by row.
pub fn parse_g703(
    path: &Path,
    bytes: &[u8],
    header_line: usize,
    mapping: &Mapping,
) -> Result<Vec<ImportedLine>, DataError> {
    let table = Table::read(path, bytes)?;
    let rows = pulled::map_rows(path, &table, header_line, mapping, "line")?;
    Ok(rows
        .into_iter()
        .map(|(line, out)| ImportedLine {
            line,
            item_no: mapping::out_text(&out, "item_no"),
            cost_code: mapping::out_text(&out, "cost_code"),
            description: mapping::out_text(&out, "description"),
            scheduled_value: mapping::out_num(&out, "scheduled_value").unwrap_or_default(),
            from_previous: mapping::out_num(&out, "from_previous").unwrap_or_default(),
            this_period: mapping::out_num(&out, "this_period").unwrap_or_default(),
            materials_stored: mapping::out_num(&out, "materials_stored").unwrap_or_default(),
            completed_and_stored: mapping::out_num(&out, "completed_and_stored")
                .unwrap_or_default(),
            percent_complete: mapping::out_num(&out, "percent_complete"),
            balance_to_finish: mapping::out_num(&out, "balance_to_finish").unwrap_or_default(),
            retainage: mapping::out_num(&out, "retainage").unwrap_or_default(),
        })
        .collect())
}

/// Where the last pulled version of a project's schedule is kept (the merge base).
pub fn pulled_schedule_dir(platform: &str, project_id: &str) -> String {
    let safe: String = project_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("records/pulled/{platform}/schedule/{safe}")
}

/// Imports a schedule file: picks the project, merges it three-way into the project's
/// schedule against the last pulled version, records the pulled version and any
/// conflicts, all in one plan.
#[allow(clippy::too_many_arguments)]
fn import_schedule(
    root: &Path,
    file: &Path,
    bytes: &[u8],
    sha: &str,
    format: crate::formats::detect::ScheduleFormat,
    opts: &ImportOptions,
    rules: &rules::Rules,
    rules_path: &Path,
    inbox: &Path,
    name: &str,
) -> Result<ImportedFile> {
    use crate::schedule::{merge, normalize, records as srec};
    let platform = format.platform();
    let policy = check_policy(rules, rules_path, platform, "schedule")?;
    let theirs = match crate::formats::read_schedule(format, file, bytes) {
        Ok(s) => s,
        Err(e) => return reject(root, file, inbox, name, sha, &e),
    };
    let ours = if srec::exists(root) {
        Some(srec::load(root)?)
    } else {
        None
    };
    // Which project of the file: the one with our project id. P6 files carry the id, so
    // another project's file is refused; MS Project files have none, so their only
    // project is taken.
    let want = ours
        .as_ref()
        .and_then(|o| o.projects.first())
        .map(|p| p.id.clone());
    let only = (theirs.projects.len() == 1).then_some(0);
    let index = match &want {
        _ if theirs.projects.is_empty() => None,
        Some(id) => theirs
            .projects
            .iter()
            .position(|p| &p.id == id)
            .or(only.filter(|_| format == crate::formats::detect::ScheduleFormat::Mspdi)),
        None => only,
    };
    let Some(index) = index else {
        let ids: Vec<&str> = theirs.projects.iter().map(|p| p.id.as_str()).collect();
        let e = DataError::new(
            file,
            format!("the file holds {} project(s) ({}) and none is this project ({})", ids.len(), ids.join(", "), want.unwrap_or_else(|| "no schedule yet".into())),
            "export only this project from the scheduling tool, or give the project's schedule the same project id",
        );
        return reject(root, file, inbox, name, sha, &e);
    };
    let incoming = normalize::to_records_form(&theirs, index, ours.as_ref());
    // The merge base is kept under the project's own id (MS Project files have none).
    let project_id = want
        .clone()
        .unwrap_or_else(|| incoming.projects[0].id.clone());
    let base_dir = pulled_schedule_dir(platform, &project_id);
    let base = if root.join(&base_dir).join("project.json").is_file() {
        Some(srec::load_dir(&root.join(&base_dir))?)
    } else {
        None
    };
    let mode = if opts.baseline {
        merge::Mode::Baseline
    } else {
        merge::Mode::Update
    };
    let (merged, report) = match &ours {
        None => (
            incoming.clone(),
            merge::MergeReport {
                added: incoming.projects[0]
                    .activities
                    .iter()
                    .map(|a| a.code.clone())
                    .collect(),
                ..Default::default()
            },
        ),
        Some(o) => {
            let (p, r) = merge::merge(
                base.as_ref().and_then(|b| b.projects.first()),
                &o.projects[0],
                &incoming.projects[0],
                mode,
            );
            (
                Schedule {
                    projects: vec![p],
                    ..o.clone()
                },
                r,
            )
        }
    };
    // Calendars the file brings that the project lacks are added.
    let mut merged = merged;
    for c in &incoming.calendars {
        if !merged.calendars.iter().any(|m| m.key == c.key) {
            merged.calendars.push(c.clone());
        }
    }
    // Whatever is written must read back as valid records: check before writing.
    for (what, sched) in [
        ("the merged schedule", &merged),
        ("the pulled schedule", &incoming),
    ] {
        if let Err(e) = validate_records(sched) {
            let e = DataError::new(file, format!("{what} would not be valid records: {e}"), "the file has data aecos cannot keep; fix it in the scheduling tool and export again");
            return reject(root, file, inbox, name, sha, &e);
        }
    }
    // Files to write: the project's schedule (only files that change), the pulled base
    // (update mode), and a conflicts report.
    let mut writes: Vec<(String, Vec<u8>, &str)> = Vec::new();
    for (f, b) in srec::to_files(&merged) {
        let dest = format!("{}/{f}", srec::DIR);
        if std::fs::read(root.join(&dest)).ok().as_deref() != Some(b.as_slice()) {
            writes.push((dest, b, "schedule-records"));
        }
    }
    if mode == merge::Mode::Update {
        for (f, b) in srec::to_files(&incoming) {
            let dest = format!("{base_dir}/{f}");
            if std::fs::read(root.join(&dest)).ok().as_deref() != Some(b.as_slice()) {
                writes.push((dest, b, "pulled-schedule"));
            }
        }
    }
    let conflicts_file = (!report.conflicts.is_empty()).then(|| {
        format!(
            "integration/conflicts/{platform}-schedule-{}.json",
            &sha[..8]
        )
    });
    if let Some(cf) = &conflicts_file {
        let body = serde_json::json!({"source_file": name, "sha256": sha, "platform": platform, "project": project_id, "conflicts": report.conflicts});
        let mut b = serde_json::to_vec_pretty(&body).unwrap_or_default();
        b.push(b'\n');
        writes.push((cf.clone(), b, "schedule-conflicts"));
    }
    let summary = ScheduleImport {
        project: project_id,
        mode: if opts.baseline { "baseline" } else { "update" },
        activities: incoming.projects[0].activities.len(),
        relationships: incoming.projects[0].relationships.len(),
        merge: report,
        conflicts_file,
    };
    let mut base = ImportedFile::new(rel(root, file));
    base.format = Some(format.name().to_string());
    base.record = Some(srec::DIR.to_string());
    base.schedule = Some(summary);
    let target = Target {
        root,
        file,
        inbox,
        name,
        sha,
        platform,
        data_type: "schedule",
        policy,
    };
    apply_writes(&target, writes, base)
}

/// Writes a schedule's record files to a scratch folder and reads them back.
fn validate_records(s: &Schedule) -> std::result::Result<(), DataError> {
    // A scratch folder outside the project, so nothing half-made ever lands in it.
    let dir = std::env::temp_dir().join(format!("aecos-check-{}", std::process::id()));
    let result = (|| {
        std::fs::create_dir_all(&dir)
            .map_err(|e| DataError::new(&dir, e.to_string(), "check permissions"))?;
        for (f, b) in crate::schedule::records::to_files(s) {
            std::fs::write(dir.join(f), b)
                .map_err(|e| DataError::new(&dir, e.to_string(), "check permissions"))?;
        }
        crate::schedule::records::load_dir(&dir).map(|_| ())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

//! Export: project records → mapping → writer → drop files in the outbox, with a
//! manifest beside them naming every source and the mapping with their SHA-256.
//!
//! Deterministic: the same inputs give the same bytes, and an export whose inputs and
//! outputs are unchanged writes nothing and reports `unchanged`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::pending::{self, Plan, PlannedWrite};
use super::rel;
use super::rules::{self, Flow, Policy};
use crate::audit::sha256_hex;
use crate::error::{Error, Result};
use crate::formats::{aia_csv, aia_pdf};
use crate::mapping::{self, Direction, Mapping};
use crate::payapp::{self, model::PayApplication};
use crate::project::records::Records;

pub struct ExportOptions<'a> {
    pub project: &'a Path,
    /// Folder for the drop files; default `<project>/outbox/<platform>/`.
    pub out: Option<&'a Path>,
    /// `YYYY-MM`; default the latest pay application.
    pub period: Option<&'a str>,
    /// XER header version (default: the writer's conservative one).
    pub xer_version: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileOut {
    pub path: String,
    pub sha256: String,
    pub format: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// `written`, `unchanged` or `held` (waiting for approval).
    pub status: String,
    pub files: Vec<FileOut>,
    pub manifest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_id: Option<String>,
    pub target: String,
    pub summary: serde_json::Value,
}

/// The export targets and the mapping file that defines each.
pub fn targets(project: &Path) -> Result<Vec<(String, Mapping)>> {
    let mut v = Vec::new();
    for m in mapping::load_all(Some(project))? {
        if m.direction == Direction::Export {
            if let Some(t) = m.target.clone() {
                v.push((t, m));
            }
        }
    }
    Ok(v)
}

/// Runs `aecos export <target>`.
pub fn export(target: &str, opts: &ExportOptions) -> Result<ExportReport> {
    let root = super::project_root(opts.project)?;
    let mut all = targets(&root)?;
    let Some(pos) = all.iter().position(|(t, _)| t == target) else {
        return Err(Error::NotFound {
            what: "export target",
            detail: target.to_string(),
            hint: format!(
                "known targets: {}",
                all.iter()
                    .map(|(t, _)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    };
    let (_, mapping) = all.swap_remove(pos);
    // Rules first: a blocked export writes nothing, not even a temporary file.
    let (rules, rules_path) = rules::load(&root)?;
    let policy = rules.policy(&mapping.platform, &mapping.data_type, Flow::Push);
    if policy == Policy::Blocked {
        return Err(Error::Blocked {
            platform: mapping.platform.clone(),
            data_type: mapping.data_type.clone(),
            direction: "push".into(),
            rules: rules_path,
        });
    }
    match mapping.format.as_str() {
        "aia-g702-g703" => export_pay_app(&root, &mapping, opts, policy, target),
        "p6-xer" | "mspdi" => export_schedule(&root, &mapping, opts, policy, target),
        f if super::cost_export::handles(f) => {
            super::cost_export::export(&root, &mapping, opts, policy, target)
        }
        other => Err(Error::NotFound {
            what: "writer",
            detail: format!("format {other} has no writer"),
            hint: "use a mapping whose format is one of aecos's writers".into(),
        }),
    }
}

/// Applies the mapping's `line` and `header` models to a computed pay application.
pub fn apply_pay_app_mapping(
    mapping: &Mapping,
    records: &Records,
    app: &mut PayApplication,
) -> Result<()> {
    let contract = serde_json::to_value(&records.contract).unwrap_or_default();
    let h = mapping.apply("header", &contract)?;
    app.header.project_name = mapping::out_text(&h, "project_name");
    app.header.project_number = mapping::out_text(&h, "project_number");
    app.header.owner = mapping::out_text(&h, "owner");
    app.header.contractor = mapping::out_text(&h, "contractor");
    app.header.architect = mapping::out_text(&h, "architect");
    app.header.contract_for = mapping::out_text(&h, "contract_for");
    for l in &mut app.lines {
        let input = serde_json::json!({
            "item_no": l.item_no, "description": l.description, "cost_code": l.cost_code,
            "change_order": l.change_order,
            "scheduled_value": l.scheduled_value.to_string(), "from_previous": l.from_previous.to_string(),
            "this_period": l.this_period.to_string(), "materials_stored": l.materials_stored.to_string(),
            "completed_and_stored": l.completed_and_stored.to_string(), "percent_complete": l.percent_complete.to_string(),
            "balance_to_finish": l.balance_to_finish.to_string(), "retainage": l.retainage.to_string(),
        });
        let out = mapping.apply("line", &input)?;
        l.item_no = mapping::out_text(&out, "item_no");
        l.description = mapping::out_text(&out, "description");
    }
    Ok(())
}

/// Renders the three pay-application drop files: (file suffix, format, bytes).
pub fn render_pay_app(app: &PayApplication) -> Result<Vec<(&'static str, &'static str, Vec<u8>)>> {
    Ok(vec![
        ("G702.csv", "g702-csv", aia_csv::write_g702(app)),
        ("G703.csv", "g703-csv", aia_csv::write_g703(app)),
        ("G702-G703.pdf", "aia-pdf", aia_pdf::write_pdf(app)?),
    ])
}

pub(crate) fn safe_name(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if t.is_empty() {
        "project".into()
    } else {
        t
    }
}

fn export_pay_app(
    root: &Path,
    mapping: &Mapping,
    opts: &ExportOptions,
    policy: Policy,
    target: &str,
) -> Result<ExportReport> {
    let records = Records::load(root)?;
    let rec = payapp::select(&records, opts.period)?;
    let mut app = payapp::compute(&records, rec.application_no)?;
    apply_pay_app_mapping(mapping, &records, &mut app)?;
    // The mapping only labels lines; the numbers were computed and tied out above.
    let period_to = crate::project::serde_util::format_iso_date(app.header.period_to);
    let drop = Drop {
        stem: format!(
            "{}_PA-{:03}_{}",
            safe_name(&app.header.project_number),
            app.header.application_no,
            &period_to[..7]
        ),
        files: render_pay_app(&app)?
            .into_iter()
            .map(|(suffix, format, bytes)| (suffix.to_string(), format, bytes))
            .collect(),
        sources: records
            .source_files(root)
            .iter()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect(),
        manifest_extra: serde_json::json!({"application_no": app.header.application_no, "period_to": period_to}),
        summary: serde_json::json!({
            "application_no": app.header.application_no,
            "period_to": period_to,
            "lines": app.lines.len(),
            "contract_sum_to_date": crate::money::plain(app.g702.contract_sum_to_date),
            "completed_and_stored": crate::money::plain(app.g702.completed_and_stored),
            "retainage": crate::money::plain(app.g702.retainage_total),
            "current_payment_due": crate::money::plain(app.g702.current_payment_due),
        }),
    };
    deliver(root, mapping, opts, policy, target, drop)
}

/// What a writer produced for one export, before anything is written.
pub struct Drop {
    /// File name stem; each file is `<stem>_<suffix>`, the manifest `<stem>.manifest.json`.
    pub stem: String,
    /// (suffix with extension, format, bytes).
    pub files: Vec<(String, &'static str, Vec<u8>)>,
    /// Project-relative paths of the records the files were made from.
    pub sources: Vec<String>,
    /// Extra manifest fields (an object).
    pub manifest_extra: serde_json::Value,
    /// What `--json` reports about the content.
    pub summary: serde_json::Value,
}

/// Writes a drop (or reports it unchanged, or holds it for approval) with its manifest
/// and audit entries. Shared by every export target.
pub fn deliver(
    root: &Path,
    mapping: &Mapping,
    opts: &ExportOptions,
    policy: Policy,
    target: &str,
    drop: Drop,
) -> Result<ExportReport> {
    let out_dir: PathBuf = match opts.out {
        Some(d) if d.is_relative() => std::env::current_dir()
            .map_err(|e| Error::io(d, e))?
            .join(d),
        Some(d) => d.to_path_buf(),
        None => root.join("outbox").join(&mapping.platform),
    };
    let stem = &drop.stem;
    let sources: Vec<serde_json::Value> = drop
        .sources
        .iter()
        .map(|p| {
            let sha = std::fs::read(root.join(p))
                .map(|b| sha256_hex(&b))
                .unwrap_or_default();
            serde_json::json!({"path": p, "sha256": sha})
        })
        .collect();
    let outputs: Vec<FileOut> = drop
        .files
        .iter()
        .map(|(suffix, format, bytes)| FileOut {
            path: rel(root, &out_dir.join(format!("{stem}_{suffix}"))),
            sha256: sha256_hex(bytes),
            format: format.to_string(),
        })
        .collect();
    let manifest_path = rel(root, &out_dir.join(format!("{stem}.manifest.json")));
    let mut manifest = serde_json::json!({
        "tool": format!("aecos {}", env!("CARGO_PKG_VERSION")),
        "target": target,
        "platform": mapping.platform,
        "data_type": mapping.data_type,
    });
    if let (Some(m), Some(extra)) = (manifest.as_object_mut(), drop.manifest_extra.as_object()) {
        m.extend(extra.clone());
        m.insert("mapping".into(), serde_json::json!({"id": mapping.id, "path": mapping.path.to_string_lossy().replace('\\', "/"), "sha256": sha256_hex(mapping.text.as_bytes())}));
        m.insert("sources".into(), serde_json::Value::Array(sources.clone()));
        m.insert(
            "outputs".into(),
            serde_json::to_value(&outputs).unwrap_or_default(),
        );
    }
    let report = |status: &str, pending_id: Option<String>| ExportReport {
        status: status.into(),
        files: outputs.clone(),
        manifest: manifest_path.clone(),
        pending_id,
        target: target.into(),
        summary: drop.summary.clone(),
    };

    // Unchanged: the manifest on disk records the same sources, mapping and outputs,
    // and every output file still has its recorded hash.
    if let Ok(old) = std::fs::read(root.join(&manifest_path)) {
        if let Ok(mut old) = serde_json::from_slice::<serde_json::Value>(&old) {
            if let Some(o) = old.as_object_mut() {
                o.remove("audit");
            }
            let on_disk = outputs.iter().all(|f| {
                std::fs::read(root.join(&f.path)).is_ok_and(|b| sha256_hex(&b) == f.sha256)
            });
            if old == manifest && on_disk {
                return Ok(report("unchanged", None));
            }
        }
    }

    let source_list = format!("{} ({} records)", mapping.id, sources.len());
    let plan = Plan {
        kind: "export".into(),
        writes: outputs
            .iter()
            .map(|f| PlannedWrite {
                dest: f.path.clone(),
                format: f.format.clone(),
                sha256: f.sha256.clone(),
                action: "export".into(),
                direction: "push".into(),
                platform: mapping.platform.clone(),
                data_type: mapping.data_type.clone(),
                source: source_list.clone(),
            })
            .collect(),
        manifest: Some((manifest_path.clone(), manifest.clone())),
        moves: Vec::new(),
        outcome: "written".into(),
        held_over: Vec::new(),
    };
    let bytes: Vec<Vec<u8>> = drop.files.into_iter().map(|(_, _, b)| b).collect();
    if policy == Policy::RequiresApproval {
        let id = format!(
            "EXP-{}",
            &sha256_hex(
                outputs
                    .iter()
                    .map(|f| f.sha256.as_str())
                    .collect::<String>()
                    .as_bytes()
            )[..10]
        );
        pending::hold(root, &plan, &bytes, &id)?;
        return Ok(report("held", Some(id)));
    }
    pending::commit(root, &plan, &bytes)?;
    Ok(report("written", None))
}

/// Applies a schedule mapping's `activity` and `project` models.
pub fn apply_schedule_mapping(
    mapping: &Mapping,
    s: &mut crate::schedule::model::Schedule,
) -> Result<()> {
    use crate::schedule::records::{kind_name, status_name};
    for p in &mut s.projects {
        let out = mapping.apply("project", &serde_json::json!({"id": p.id, "name": p.name}))?;
        p.id = mapping::out_text(&out, "id");
        p.name = mapping::out_text(&out, "name");
        for a in &mut p.activities {
            let input = serde_json::json!({
                "code": a.code, "name": a.name, "wbs": a.wbs, "kind": kind_name(a.kind), "status": status_name(a.status),
                "duration_hours": a.duration_hours.to_string(), "percent_complete": a.percent_complete.to_string(),
                "elements": a.elements.join(";"),
            });
            let out = mapping.apply("activity", &input)?;
            a.code = mapping::out_text(&out, "code");
            a.name = mapping::out_text(&out, "name");
        }
    }
    Ok(())
}

fn export_schedule(
    root: &Path,
    mapping: &Mapping,
    opts: &ExportOptions,
    policy: Policy,
    target: &str,
) -> Result<ExportReport> {
    use crate::formats::{mspdi_write, xer_write};
    use crate::schedule::records as srec;
    if !srec::exists(root) {
        return Err(Error::NotFound {
            what: "schedule",
            detail: format!("{} has no {}/project.json", root.display(), srec::DIR),
            hint: "add the schedule records (docs/DATA.md, \"Schedule\") or import a schedule with `aecos import FILE`".into(),
        });
    }
    let mut s = srec::load(root)?;
    apply_schedule_mapping(mapping, &mut s)?;
    let p = &s.projects[0];
    // The export is stamped with the data date (or planned start): same records, same bytes.
    let stamp = p
        .data_date
        .or(p.planned_start)
        .unwrap_or(time::macros::datetime!(2000-01-01 00:00));
    let currency = Records::load(root)
        .map(|r| r.contract.currency)
        .unwrap_or_else(|_| "USD".into());
    // The writers name the activity, link or calendar at fault; it is in the records.
    let records_err = |message: String| {
        Error::from(crate::error::DataError::new(
            &root.join(srec::DIR),
            message,
            "fix the schedule records named above",
        ))
    };
    let (suffix, format, bytes) = match mapping.format.as_str() {
        "p6-xer" => {
            let mut o = xer_write::XerOptions::new(stamp);
            o.currency = currency;
            if let Some(v) = opts.xer_version {
                o.version = v.to_string();
            }
            (
                "schedule.xer",
                "p6-xer",
                xer_write::write_xer(&s, &o).map_err(|e| records_err(e.to_string()))?,
            )
        }
        _ => {
            let o = mspdi_write::MspdiOptions::new(stamp);
            (
                "schedule.xml",
                "mspdi",
                mspdi_write::write_mspdi(&s, &o).map_err(|e| records_err(e.to_string()))?,
            )
        }
    };
    let p = &s.projects[0];
    let drop = Drop {
        stem: safe_name(&p.id),
        files: vec![(suffix.to_string(), format, bytes)],
        sources: srec::source_files()
            .into_iter()
            .filter(|f| root.join(f).is_file())
            .collect(),
        manifest_extra: serde_json::json!({"project": p.id, "data_date": p.data_date.map(srec::format_datetime)}),
        summary: serde_json::json!({
            "project": p.id,
            "activities": p.activities.len(),
            "relationships": p.relationships.len(),
            "wbs": p.wbs.len(),
            "calendars": s.calendars.len(),
            "resources": s.resources.len(),
            "assignments": p.assignments.len(),
        }),
    };
    deliver(root, mapping, opts, policy, target, drop)
}

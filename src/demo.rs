//! `aecos demo`: copies the bundled sample project to a scratch folder and runs the main
//! job on it — the G702/G703 export of the current pay application, the schedule as P6
//! XER and MS Project XML, the elements as an IFC4 model, the Procore budget and the
//! month's QuickBooks IIF, an import of the sample inbox (the owner's Procore G703, a P6
//! progress update, the architect's model revision, and a month of ERP actual costs as CSV
//! followed by its corrected re-export as .xlsx), then the month's cost reconciliation —
//! and verifies the audit log.
//!
//! Must never modify the repository's tracked files: it works on its copy only.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::exchange::{export, import};

/// Marker that says a folder is a demo copy aecos may replace.
const MARKER: &str = ".aecos-demo";

/// Where the bundled sample project lives in a source checkout.
pub fn sample_project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("riverside-clinic")
}

/// Default demo folder: `target/aecos-demo` of the checkout.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("aecos-demo")
}

#[derive(Debug, Serialize)]
pub struct DemoReport {
    pub project: String,
    pub elements: usize,
    /// The G702/G703 pay application, the schedule as P6 XER and MS Project XML, then
    /// the elements as IFC4.
    pub exports: Vec<export::ExportReport>,
    pub import: import::ImportReport,
    pub audit_entries: u64,
    pub audit_intact: bool,
}

/// Copies `from` into `to` (replacing an earlier demo copy, refusing anything else).
pub fn copy_project(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        if !to.join(MARKER).is_file() {
            let empty = std::fs::read_dir(to)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                return Err(Error::NotFound {
                    what: "empty demo folder",
                    detail: format!("{} exists and is not an earlier aecos demo", to.display()),
                    hint: "choose another --dir, or remove that folder yourself".into(),
                });
            }
        }
        std::fs::remove_dir_all(to).map_err(|e| Error::io(to, e))?;
    }
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::io(from, std::io::Error::other(e.to_string())))?;
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).map_err(|e| Error::io(&dest, e))?;
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &dest).map_err(|e| Error::io(&dest, e))?;
        }
    }
    std::fs::write(
        to.join(MARKER),
        "a copy of examples/riverside-clinic made by `aecos demo`\n",
    )
    .map_err(|e| Error::io(to, e))?;
    Ok(())
}

/// Runs the demo in `dir`; `progress` hears about each step.
pub fn run(dir: &Path, progress: &mut dyn FnMut(&str)) -> Result<DemoReport> {
    let src = sample_project();
    if !src.join("aecos_project.json").is_file() {
        return Err(Error::NotFound {
            what: "sample project",
            detail: src.display().to_string(),
            hint: "run the demo from a checkout of the aecos repository".into(),
        });
    }
    progress(&format!("copying the sample project to {}", dir.display()));
    copy_project(&src, dir)?;
    let elements = crate::project::elements::read_elements(dir)?;
    progress(&format!("read {} AEC OS elements", elements.len()));
    let mut exports = Vec::new();
    let opts = export::ExportOptions {
        project: dir,
        out: None,
        period: None,
        xer_version: None,
        schema: None,
    };
    for (target, what) in [
        ("g703", "the current pay application (G702/G703 CSV + PDF)"),
        ("xer", "the schedule as Primavera P6 XER"),
        ("mspdi", "the schedule as MS Project XML"),
        ("ifc", "the elements as an IFC4 model"),
        ("procore-budget", "the budget as a Procore budget import"),
        (
            "qb-iif",
            "the month's bills, invoice and journal entries as QuickBooks IIF",
        ),
    ] {
        progress(&format!("exporting {what}"));
        exports.push(export::export(target, &opts)?);
    }
    progress("importing the sample inbox");
    let import = import::import(
        dir,
        &dir.join("inbox"),
        &import::ImportOptions::default(),
        progress,
    )?;
    progress("reconciling the month's costs");
    exports.push(export::export("reconcile", &opts)?);
    let anchors = crate::exchange::pending::anchors(dir)?;
    let report = crate::audit::verify(dir, &anchors)?;
    Ok(DemoReport {
        project: dir.display().to_string(),
        elements: elements.len(),
        exports,
        import,
        audit_entries: report.entries,
        audit_intact: report.is_intact(),
    })
}

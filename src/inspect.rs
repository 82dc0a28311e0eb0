//! `aecos inspect FILE`: what a file holds, read by aecos's own readers — for schedules
//! the projects with their counts and activities, for IFC models (STEP or ifcZIP) the
//! schema, instance count and every product with its property sets. Reads only; never
//! writes.

use std::path::Path;

use serde::Serialize;

use crate::error::{DataError, Error, Result};
use crate::formats::detect::{detect, Detected};
use crate::formats::ifc_read::{read_ifc, IfcModel, Product};
use crate::formats::step_read::step_bytes;
use crate::schedule::model::Schedule;
use crate::schedule::records::format_datetime;

/// What `inspect` found.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Inspection {
    Schedule(ScheduleInspection),
    Ifc(IfcInspection),
}

#[derive(Debug, Serialize)]
pub struct ScheduleInspection {
    pub format: String,
    pub projects: Vec<ProjectSummary>,
}

/// An IFC model: `{"format": "ifc", "schema", "entities", "products"}`.
#[derive(Debug, Serialize)]
pub struct IfcInspection {
    pub format: &'static str,
    /// FILE_SCHEMA as written.
    pub schema: String,
    /// Number of entity instances.
    pub entities: usize,
    pub products: Vec<Product>,
}

#[derive(Debug, Serialize)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    pub tasks: usize,
    pub relationships: usize,
    pub wbs: usize,
    pub resources: usize,
    pub assignments: usize,
    pub activities: Vec<ActivitySummary>,
}

#[derive(Debug, Serialize)]
pub struct ActivitySummary {
    pub code: String,
    pub name: String,
    pub start: Option<String>,
    pub finish: Option<String>,
}

/// Summarises a schedule (as read, before any normalisation).
pub fn summarize(format: &str, s: &Schedule) -> ScheduleInspection {
    ScheduleInspection {
        format: format.to_string(),
        projects: s
            .projects
            .iter()
            .map(|p| ProjectSummary {
                id: p.id.clone(),
                name: p.name.clone(),
                tasks: p.activities.len(),
                relationships: p.relationships.len(),
                wbs: p.wbs.len(),
                resources: s.resources.len(),
                assignments: p.assignments.len(),
                activities: p
                    .activities
                    .iter()
                    .map(|a| ActivitySummary {
                        code: a.code.clone(),
                        name: a.name.clone(),
                        start: a.start.map(format_datetime),
                        finish: a.finish.map(format_datetime),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Reads `path` and writes its summary as one line of JSON to `out`: the same JSON as
/// serialising [`inspect`]'s result, but an IFC model's products are written as they are
/// built, a batch at a time, so memory stays near the size of the file.
pub fn write_json(path: &Path, out: &mut impl std::io::Write) -> Result<()> {
    let stdout_err = |e: std::io::Error| Error::io(Path::new("<stdout>"), e);
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if detect(path, &bytes, &[])? == Detected::Ifc {
        let text = step_bytes(path, bytes).map_err(DataError::from)?;
        let model = read_ifc(path, &text).map_err(DataError::from)?;
        // The summary without products ends in `[]}`: write it up to the `[`, then the
        // products as they come.
        let head = serde_json::to_string(&ifc_inspection(&model, Vec::new()))
            .map_err(std::io::Error::from)
            .map_err(stdout_err)?;
        let head = head.strip_suffix("[]}").unwrap_or(&head);
        out.write_all(head.as_bytes()).map_err(stdout_err)?;
        model.write_products_json(out).map_err(stdout_err)?;
        out.write_all(b"}\n").map_err(stdout_err)?;
    } else {
        serde_json::to_writer(&mut *out, &inspect_bytes(path, bytes)?)
            .map_err(std::io::Error::from)
            .map_err(stdout_err)?;
        out.write_all(b"\n").map_err(stdout_err)?;
    }
    out.flush().map_err(stdout_err)
}

fn ifc_inspection(model: &IfcModel<'_>, products: Vec<Product>) -> IfcInspection {
    IfcInspection {
        format: "ifc",
        schema: model
            .step
            .header
            .schemas
            .first()
            .cloned()
            .unwrap_or_default(),
        entities: model.entity_count(),
        products,
    }
}

/// Reads `path` and summarises it.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    inspect_bytes(path, bytes)
}

fn inspect_bytes(path: &Path, bytes: Vec<u8>) -> Result<Inspection> {
    match detect(path, &bytes, &[])? {
        Detected::Schedule(f) => Ok(Inspection::Schedule(summarize(
            f.name(),
            &crate::formats::read_schedule(f, path, &bytes)?,
        ))),
        Detected::Ifc => {
            let text = step_bytes(path, bytes).map_err(DataError::from)?;
            let model = read_ifc(path, &text).map_err(DataError::from)?;
            Ok(Inspection::Ifc(ifc_inspection(&model, model.products())))
        }
        Detected::Csv { .. } => Err(DataError::new(path, "a CSV file", "inspect reads schedule files (XER, MS Project XML, P6 XML) and IFC models; import CSVs with `aecos import`").into()),
        Detected::Unsupported(what) => Err(DataError::new(path, format!("this is {what}"), "inspect reads schedule files (XER, MS Project XML, P6 XML) and IFC models (.ifc, .ifczip)").into()),
    }
}

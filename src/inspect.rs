//! `aecos inspect FILE`: what a file holds, read by aecos's own readers — for schedules
//! the projects with their counts and activities. Reads only; never writes.

use std::path::Path;

use serde::Serialize;

use crate::error::{DataError, Error, Result};
use crate::formats::detect::{detect, Detected};
use crate::schedule::model::Schedule;
use crate::schedule::records::format_datetime;

#[derive(Debug, Serialize)]
pub struct Inspection {
    pub format: String,
    pub projects: Vec<ProjectSummary>,
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
pub fn summarize(format: &str, s: &Schedule) -> Inspection {
    Inspection {
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

/// Reads `path` and summarises it.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    match detect(path, &bytes, &[])? {
        Detected::Schedule(f) => Ok(summarize(f.name(), &crate::formats::read_schedule(f, path, &bytes)?)),
        Detected::Iif => Err(DataError::new(path, "a QuickBooks IIF file", "inspect reads schedule files (XER, MS Project XML, P6 XML); import IIF files with `aecos import`").into()),
        Detected::Table { .. } => Err(DataError::new(path, "a CSV file or worksheet", "inspect reads schedule files (XER, MS Project XML, P6 XML); import CSVs with `aecos import`").into()),
        Detected::Unsupported(what) => Err(DataError::new(path, format!("this is {what}"), "inspect reads schedule files (XER, MS Project XML, P6 XML)").into()),
    }
}

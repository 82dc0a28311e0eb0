//! `aecos inspect FILE`: what a file holds, read by aecos's own readers — for schedules
//! the projects with their counts and activities, for IFC models (STEP or ifcZIP) the
//! schema, instance count and every product with its property sets. Reads only; never
//! writes.
//!
//! Files are memory-mapped, not copied. A schedule's summary borrows from the parsed
//! schedule and its JSON is rendered in parallel chunks; an IFC model's products are
//! written as they are built, a batch at a time, so memory stays near the file's size.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{DataError, Error, Result};
use crate::formats::detect::{detect, Detected};
use crate::formats::ifc_read::{read_ifc, IfcModel, Product};
use crate::formats::step_read::{is_zip, unzip_ifc, MAX_UNZIPPED};
use crate::schedule::model::{Activity, Project, Schedule};
use crate::schedule::records::{datetime_text, DateTimeText};

/// What `inspect` found.
#[derive(Debug)]
pub enum Inspection {
    Schedule(ScheduleInspection),
    Ifc(IfcInspection),
}

/// A schedule file: its format and the schedule as read (before any normalisation).
#[derive(Debug)]
pub struct ScheduleInspection {
    pub format: &'static str,
    pub schedule: Schedule,
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

/// One project's counts, as `inspect` prints them.
#[derive(Debug, Serialize)]
pub struct ProjectSummary<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub tasks: usize,
    pub relationships: usize,
    pub wbs: usize,
    pub resources: usize,
    pub assignments: usize,
}

#[derive(Serialize)]
struct ActivitySummary<'a> {
    code: &'a str,
    name: &'a str,
    start: Option<DateTimeText>,
    finish: Option<DateTimeText>,
}

impl<'a> From<&'a Activity> for ActivitySummary<'a> {
    fn from(a: &'a Activity) -> Self {
        ActivitySummary {
            code: &a.code,
            name: &a.name,
            start: a.start.map(datetime_text),
            finish: a.finish.map(datetime_text),
        }
    }
}

/// Activities rendered per parallel chunk; big enough that the join is cheap.
const CHUNK: usize = 4096;

impl ScheduleInspection {
    pub fn projects(&self) -> impl Iterator<Item = ProjectSummary<'_>> {
        self.schedule.projects.iter().map(|p| self.summary(p))
    }

    fn summary<'a>(&'a self, p: &'a Project) -> ProjectSummary<'a> {
        ProjectSummary {
            id: &p.id,
            name: &p.name,
            tasks: p.activities.len(),
            relationships: p.relationships.len(),
            wbs: p.wbs.len(),
            resources: self.schedule.resources.len(),
            assignments: p.assignments.len(),
        }
    }

    /// Writes `{"format": ..., "projects": [{..counts.., "activities": [...]}]}` on one line.
    pub fn write_json(&self, out: &mut impl Write) -> std::io::Result<()> {
        write!(out, "{{\"format\":")?;
        serde_json::to_writer(&mut *out, self.format)?;
        write!(out, ",\"projects\":[")?;
        for (i, p) in self.schedule.projects.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            let head = serde_json::to_vec(&self.summary(p))?;
            // The summary object without its closing brace, then its activities.
            out.write_all(&head[..head.len() - 1])?;
            out.write_all(b",\"activities\":[")?;
            let chunks: Vec<serde_json::Result<Vec<u8>>> = p
                .activities
                .par_chunks(CHUNK)
                .map(|chunk| {
                    let mut buf = Vec::with_capacity(chunk.len() * 256);
                    for (j, a) in chunk.iter().enumerate() {
                        if j > 0 {
                            buf.push(b',');
                        }
                        serde_json::to_writer(&mut buf, &ActivitySummary::from(a))?;
                    }
                    Ok(buf)
                })
                .collect();
            for (j, chunk) in chunks.into_iter().enumerate() {
                if j > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(&chunk?)?;
            }
            out.write_all(b"]}")?;
        }
        out.write_all(b"]}\n")
    }
}

/// A file's bytes, memory-mapped (large schedules and models are read in place).
struct Input {
    map: Option<memmap2::Mmap>,
}

impl Input {
    fn open(path: &Path) -> Result<Input> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len == 0 {
            // Empty files cannot be mapped.
            return Ok(Input { map: None });
        }
        // SAFETY: the map is read-only and lives only while this command reads it; a file
        // truncated by another process meanwhile could fault, as with any reader of a
        // mapped file.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
            .map_err(|e| Error::io(path, e))?;
        Ok(Input { map: Some(map) })
    }

    fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}

/// The STEP text of an IFC file: the file itself, or the `.ifc` inside an ifcZIP.
fn step_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>> {
    if is_zip(bytes) {
        Ok(Cow::Owned(
            unzip_ifc(path, bytes, MAX_UNZIPPED).map_err(DataError::from)?,
        ))
    } else {
        Ok(Cow::Borrowed(bytes))
    }
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

fn not_inspectable(path: &Path, what: &str, how: &'static str) -> Error {
    DataError::new(path, what.to_string(), how).into()
}

const READS: &str =
    "inspect reads schedule files (XER, MS Project XML, P6 XML) and IFC models (.ifc, .ifczip); import other files with `aecos import`";

/// Reads `path` and writes its summary as one line of JSON to `out`.
pub fn write_json(path: &Path, out: &mut impl Write) -> Result<()> {
    let stdout_err = |e: std::io::Error| Error::io(Path::new("<stdout>"), e);
    let input = Input::open(path)?;
    let bytes = input.bytes();
    match detect(path, bytes, &[])? {
        Detected::Ifc => {
            let text = step_text(path, bytes)?;
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
        }
        Detected::Schedule(f) => {
            let s = ScheduleInspection {
                format: f.name(),
                schedule: crate::formats::read_schedule(f, path, bytes)?,
            };
            s.write_json(out).map_err(stdout_err)?;
            // Freeing a 100k-activity schedule takes longer than writing its summary; let
            // it happen off the command's path.
            std::thread::spawn(move || drop(s));
        }
        Detected::Table { .. } => {
            return Err(not_inspectable(path, "a CSV file or worksheet", READS))
        }
        Detected::Iif => return Err(not_inspectable(path, "a QuickBooks IIF file", READS)),
        Detected::Unsupported(what) => {
            return Err(not_inspectable(path, &format!("this is {what}"), READS))
        }
    }
    out.flush().map_err(stdout_err)
}

/// Reads `path` and summarises it.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let input = Input::open(path)?;
    let bytes = input.bytes();
    match detect(path, bytes, &[])? {
        Detected::Schedule(f) => Ok(Inspection::Schedule(ScheduleInspection {
            format: f.name(),
            schedule: crate::formats::read_schedule(f, path, bytes)?,
        })),
        Detected::Ifc => {
            let text = step_text(path, bytes)?;
            let model = read_ifc(path, &text).map_err(DataError::from)?;
            Ok(Inspection::Ifc(ifc_inspection(&model, model.products())))
        }
        Detected::Table { .. } => Err(not_inspectable(path, "a CSV file or worksheet", READS)),
        Detected::Iif => Err(not_inspectable(path, "a QuickBooks IIF file", READS)),
        Detected::Unsupported(what) => {
            Err(not_inspectable(path, &format!("this is {what}"), READS))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::model::Activity;

    fn activity(code: &str, name: &str) -> Activity {
        Activity {
            code: code.into(),
            name: name.into(),
            start: Some(time::macros::datetime!(2026-03-02 08:00)),
            ..Activity::default()
        }
    }

    #[test]
    fn json_equals_the_serde_rendering_across_chunk_boundaries() {
        let mut s = Schedule::default();
        let mut p = Project {
            id: "P1".into(),
            name: "Clinic \"A\"".into(),
            ..Project::default()
        };
        p.activities = (0..CHUNK * 2 + 7)
            .map(|i| activity(&format!("A{i}"), &format!("Task {i} \u{e9}")))
            .collect();
        s.projects.push(p);
        s.projects.push(Project {
            id: "P2".into(),
            name: "Empty".into(),
            ..Project::default()
        });
        let ins = ScheduleInspection {
            format: "p6-xer",
            schedule: s,
        };
        let mut out = Vec::new();
        ins.write_json(&mut out).unwrap();
        let got: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let want = serde_json::json!({
            "format": "p6-xer",
            "projects": ins.schedule.projects.iter().map(|p| {
                let mut v = serde_json::to_value(ins.summary(p)).unwrap();
                v["activities"] = p.activities.iter().map(|a| serde_json::to_value(ActivitySummary::from(a)).unwrap()).collect();
                v
            }).collect::<Vec<_>>()
        });
        assert_eq!(got, want);
        assert_eq!(
            got["projects"][0]["activities"][CHUNK]["code"],
            format!("A{CHUNK}")
        );
        assert_eq!(
            got["projects"][0]["activities"][0]["start"],
            "2026-03-02T08:00"
        );
        assert_eq!(
            got["projects"][0]["activities"][0]["finish"],
            serde_json::Value::Null
        );
        assert_eq!(got["projects"][1]["activities"], serde_json::json!([]));
    }
}

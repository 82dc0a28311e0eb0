//! `aecos inspect FILE`: what a file holds, read by aecos's own readers — for schedules
//! the projects with their counts and activities. Reads only; never writes.
//!
//! The summary borrows from the parsed schedule (no copies) and its JSON is rendered in
//! parallel chunks, so the job costs little beyond the parse itself.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{DataError, Error, Result};
use crate::formats::detect::{detect, Detected};
use crate::schedule::model::{Activity, Project, Schedule};
use crate::schedule::records::format_datetime;

/// A file read by aecos's readers: its format and the schedule as read (before any
/// normalisation).
#[derive(Debug)]
pub struct Inspection {
    pub format: &'static str,
    pub schedule: Schedule,
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
    start: Option<String>,
    finish: Option<String>,
}

impl<'a> From<&'a Activity> for ActivitySummary<'a> {
    fn from(a: &'a Activity) -> Self {
        ActivitySummary {
            code: &a.code,
            name: &a.name,
            start: a.start.map(format_datetime),
            finish: a.finish.map(format_datetime),
        }
    }
}

/// Activities rendered per parallel chunk; big enough that the join is cheap.
const CHUNK: usize = 4096;

impl Inspection {
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
                    let mut buf = Vec::with_capacity(chunk.len() * 96);
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

/// Reads `path` (memory-mapped: large schedules are read in place, not copied) and parses it.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    // SAFETY: the map is read-only and dropped before this function returns; a file
    // truncated by another process meanwhile could fault, as with any reader of a mapped
    // file. Empty files cannot be mapped, so they are read normally.
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let owned;
    let mapped;
    let bytes: &[u8] = if len == 0 {
        owned = Vec::new();
        &owned
    } else {
        mapped = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
            .map_err(|e| Error::io(path, e))?;
        &mapped
    };
    match detect(path, bytes, &[])? {
        Detected::Schedule(f) => Ok(Inspection {
            format: f.name(),
            schedule: crate::formats::read_schedule(f, path, bytes)?,
        }),
        Detected::Csv { .. } => Err(DataError::new(path, "a CSV file", "inspect reads schedule files (XER, MS Project XML, P6 XML); import CSVs with `aecos import`").into()),
        Detected::Unsupported(what) => Err(DataError::new(path, format!("this is {what}"), "inspect reads schedule files (XER, MS Project XML, P6 XML)").into()),
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
        let ins = Inspection {
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

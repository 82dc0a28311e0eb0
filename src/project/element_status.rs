//! Construction status of AEC OS elements from the project's records: the schedule's
//! activities that build an element (`activities.csv`, column `elements`) say whether it
//! is not started, in progress or installed; the optional field log
//! `records/element_status.csv` (`global_id,status,date,note`) records what the site
//! found afterwards (`verified`, `deviation`, `rejected`, or any of the schedule's
//! statuses) and wins over the schedule, its latest row per element counting.
//!
//! Reads records only; it must not write, and an element the records do not mention
//! simply has no status (nothing is guessed).

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::DataError;
use crate::schedule::model::{Schedule, Status};

/// The field log's path, relative to the project root.
pub const FIELD_LOG: &str = "records/element_status.csv";
/// Its header, exactly.
pub const FIELD_LOG_HEADER: [&str; 4] = ["global_id", "status", "date", "note"];
/// Statuses the field log may record.
pub const STATUSES: [&str; 6] = [
    "not_started",
    "in_progress",
    "installed",
    "verified",
    "deviation",
    "rejected",
];

/// An element's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementStatus {
    /// One of [`STATUSES`].
    pub status: String,
    /// Codes of the schedule activities that build the element, sorted.
    pub activities: Vec<String>,
    /// Mean percent complete of those activities (2 decimals), if any.
    pub percent_complete: Option<Decimal>,
    /// Date of the field-log row that set the status (`YYYY-MM-DD`), if any.
    pub date: Option<String>,
    pub note: Option<String>,
}

/// Statuses from the schedule: installed when every activity building the element is
/// complete, not started when none has started, else in progress.
pub fn from_schedule(schedule: &Schedule) -> BTreeMap<String, ElementStatus> {
    let mut by_element: BTreeMap<String, Vec<(&str, Status, Decimal)>> = BTreeMap::new();
    for p in &schedule.projects {
        for a in &p.activities {
            for e in &a.elements {
                by_element.entry(e.clone()).or_default().push((
                    a.code.as_str(),
                    a.status,
                    a.percent_complete,
                ));
            }
        }
    }
    by_element
        .into_iter()
        .map(|(id, acts)| {
            let status = if acts.iter().all(|a| a.1 == Status::Complete) {
                "installed"
            } else if acts.iter().all(|a| a.1 == Status::NotStarted) {
                "not_started"
            } else {
                "in_progress"
            };
            let sum: Decimal = acts.iter().map(|a| a.2).sum();
            let mean = crate::money::round_dp(sum / Decimal::from(acts.len()), 2);
            let mut codes: Vec<String> = acts.iter().map(|a| a.0.to_string()).collect();
            codes.sort();
            codes.dedup();
            (
                id,
                ElementStatus {
                    status: status.into(),
                    activities: codes,
                    percent_complete: Some(mean),
                    date: None,
                    note: None,
                },
            )
        })
        .collect()
}

/// Applies the field log at `path` (its bytes) over `statuses`.
pub fn apply_field_log(
    path: &Path,
    bytes: &[u8],
    statuses: &mut BTreeMap<String, ElementStatus>,
) -> Result<(), DataError> {
    let table = crate::project::table::parse_table(path, bytes, &FIELD_LOG_HEADER)?;
    // The latest row per element wins; equal dates: the later row.
    let mut latest: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for (line, rec) in &table.rows {
        let line = *line;
        let get = |i: usize| rec.get(i).map_or("", |v| v.trim()).to_string();
        let (id, status, date, note) = (get(0), get(1), get(2), get(3));
        if id.is_empty() {
            return Err(DataError::new(
                path,
                "global_id is empty",
                "name the element by its AEC OS GlobalId",
            )
            .line(line)
            .field("global_id"));
        }
        if !STATUSES.contains(&status.as_str()) {
            return Err(DataError::new(
                path,
                format!("{status:?} is not an element status"),
                format!("use one of {}", STATUSES.join(", ")),
            )
            .line(line)
            .field("status"));
        }
        if crate::project::serde_util::parse_iso_date(&date).is_none() {
            return Err(DataError::new(
                path,
                format!("{date:?} is not a date"),
                "write the date as YYYY-MM-DD",
            )
            .line(line)
            .field("date"));
        }
        if latest.get(&id).is_none_or(|(d, _, _)| *d <= date) {
            latest.insert(id, (date, status, note));
        }
    }
    for (id, (date, status, note)) in latest {
        let entry = statuses.entry(id).or_insert_with(|| ElementStatus {
            status: String::new(),
            activities: Vec::new(),
            percent_complete: None,
            date: None,
            note: None,
        });
        entry.status = status;
        entry.date = Some(date);
        entry.note = (!note.is_empty()).then_some(note);
    }
    Ok(())
}

/// The project's element statuses: the schedule (if any), then the field log (if any).
/// Also returns the project-relative record files read.
pub fn load(root: &Path) -> Result<(BTreeMap<String, ElementStatus>, Vec<String>), DataError> {
    use crate::schedule::records as srec;
    let mut sources = Vec::new();
    let mut statuses = if srec::exists(root) {
        sources.extend(
            srec::source_files()
                .into_iter()
                .filter(|f| root.join(f).is_file()),
        );
        from_schedule(&srec::load(root)?)
    } else {
        BTreeMap::new()
    };
    let log = root.join(FIELD_LOG);
    match std::fs::read(&log) {
        Ok(bytes) => {
            apply_field_log(&log, &bytes, &mut statuses)?;
            sources.push(FIELD_LOG.to_string());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(DataError::new(
                &log,
                format!("cannot read: {e}"),
                "check its permissions",
            ))
        }
    }
    Ok((statuses, sources))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schedule::model::{Activity, Project};

    fn act(code: &str, status: Status, pct: i64, elements: &[&str]) -> Activity {
        Activity {
            code: code.into(),
            status,
            percent_complete: Decimal::from(pct),
            elements: elements.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn schedule(acts: Vec<Activity>) -> Schedule {
        Schedule {
            projects: vec![Project {
                activities: acts,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn schedule_statuses() {
        let s = schedule(vec![
            act("A1", Status::Complete, 100, &["E1", "E2"]),
            act("A2", Status::InProgress, 40, &["E2"]),
            act("A3", Status::NotStarted, 0, &["E3"]),
            act("A4", Status::Complete, 100, &["E3"]),
        ]);
        let m = from_schedule(&s);
        assert_eq!(m["E1"].status, "installed");
        assert_eq!(m["E2"].status, "in_progress");
        assert_eq!(m["E2"].activities, ["A1", "A2"]);
        assert_eq!(m["E2"].percent_complete, Some(Decimal::from(70)));
        assert_eq!(m["E3"].status, "in_progress", "one done, one not started");
        assert!(!m.contains_key("E4"));
    }

    #[test]
    fn field_log_overrides_latest_row_wins() {
        let s = schedule(vec![act("A1", Status::Complete, 100, &["E1"])]);
        let mut m = from_schedule(&s);
        let csv = b"global_id,status,date,note\nE1,deviation,2026-05-02,wall out of plumb 12 mm\nE1,verified,2026-05-20,\nE9,installed,2026-05-01,\n";
        apply_field_log(Path::new("f.csv"), csv, &mut m).unwrap();
        assert_eq!(m["E1"].status, "verified");
        assert_eq!(m["E1"].date.as_deref(), Some("2026-05-20"));
        assert_eq!(m["E1"].activities, ["A1"], "schedule links stay");
        assert_eq!(m["E9"].status, "installed");
    }

    #[test]
    fn field_log_errors_name_line_and_field() {
        let mut m = BTreeMap::new();
        let e = apply_field_log(
            Path::new("f.csv"),
            b"global_id,status,date,note\nE1,done,2026-05-02,\n",
            &mut m,
        )
        .unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("status")));
        let e = apply_field_log(
            Path::new("f.csv"),
            b"global_id,status,date,note\nE1,verified,May 2,\n",
            &mut m,
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("date"));
        let e = apply_field_log(Path::new("f.csv"), b"id,status\n", &mut m).unwrap_err();
        assert_eq!(e.line, Some(1));
    }
}

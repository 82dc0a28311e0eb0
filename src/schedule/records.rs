//! The project's schedule as plain files under `records/schedule/` (docs/DATA.md,
//! "Schedule"): `project.json` and `calendars.json`, and CSV for the long tables —
//! `wbs.csv`, `activities.csv`, `relationships.csv`, `resources.csv`, `assignments.csv`.
//! Reads them into the canonical model with full validation (every reference must
//! resolve) and writes the model back in a stable order so Git diffs stay readable.
//!
//! Must not schedule (no CPM) and must not know any tool's file format.

use std::collections::BTreeSet;
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{PrimitiveDateTime, Time};

use super::model::*;
use crate::error::DataError;
use crate::project::serde_util::{load_json, Amount, IsoDate};
use crate::project::table::{read_table, Table};

pub const DIR: &str = "records/schedule";

const DT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
const HM: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[hour]:[minute]");

/// `2026-03-02T08:00`.
pub fn parse_datetime(s: &str) -> Option<PrimitiveDateTime> {
    if s.len() != 16 || !s.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    PrimitiveDateTime::parse(s, DT).ok()
}

/// `2026-03-02T08:00`; written by hand (no format machinery) because exports and
/// `inspect` format hundreds of thousands of these.
pub fn format_datetime(d: PrimitiveDateTime) -> String {
    datetime_text(d).as_str().to_owned()
}

/// [`format_datetime`]'s text without the allocation (years 0–9999; others are rare
/// enough to go through the format machinery). Serialises as a string.
#[derive(Debug, Clone)]
pub enum DateTimeText {
    Short([u8; 16]),
    Long(String),
}

impl DateTimeText {
    pub fn as_str(&self) -> &str {
        match self {
            DateTimeText::Short(b) => std::str::from_utf8(b).unwrap_or_default(),
            DateTimeText::Long(s) => s,
        }
    }
}

impl Serialize for DateTimeText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `d` as [`format_datetime`] writes it, without allocating for years 0–9999.
pub fn datetime_text(d: PrimitiveDateTime) -> DateTimeText {
    let y = d.year();
    if !(0..=9999).contains(&y) {
        return DateTimeText::Long(d.format(DT).unwrap_or_default());
    }
    let mut b = *b"0000-00-00T00:00";
    let mut put = |at: usize, v: u32, n: usize| {
        let mut v = v;
        for i in (at..at + n).rev() {
            b[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y as u32, 4);
    put(5, u8::from(d.month()) as u32, 2);
    put(8, d.day() as u32, 2);
    put(11, d.hour() as u32, 2);
    put(14, d.minute() as u32, 2);
    DateTimeText::Short(b)
}

fn parse_hm(s: &str) -> Option<Time> {
    if s == "24:00" {
        return Time::from_hms(23, 59, 59).ok();
    }
    Time::parse(s, HM).ok()
}

fn format_hm(t: Time) -> String {
    if (t.hour(), t.minute(), t.second()) == (23, 59, 59) {
        return "24:00".into();
    }
    t.format(HM).unwrap_or_default()
}

/// `records/schedule/project.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    /// Short id (P6 project id; the root WBS code).
    pub id: String,
    pub name: String,
    pub planned_start: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_finish: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_date: Option<String>,
    /// Default calendar key.
    pub calendar: String,
}

/// One entry of `records/schedule/calendars.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    pub hours_per_day: Amount,
    /// Working time per weekday: `mon`..`sun` → list of `["08:00", "12:00"]` shifts.
    pub week: WeekFile,
    #[serde(default)]
    pub exceptions: Vec<ExceptionFile>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WeekFile {
    #[serde(default)]
    pub mon: Vec<[String; 2]>,
    #[serde(default)]
    pub tue: Vec<[String; 2]>,
    #[serde(default)]
    pub wed: Vec<[String; 2]>,
    #[serde(default)]
    pub thu: Vec<[String; 2]>,
    #[serde(default)]
    pub fri: Vec<[String; 2]>,
    #[serde(default)]
    pub sat: Vec<[String; 2]>,
    #[serde(default)]
    pub sun: Vec<[String; 2]>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionFile {
    pub date: IsoDate,
    /// Empty = non-working day (holiday).
    #[serde(default)]
    pub shifts: Vec<[String; 2]>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

pub const WBS_HEADER: [&str; 5] = ["key", "parent", "code", "name", "seq"];
pub const ACTIVITY_HEADER: [&str; 18] = [
    "id",
    "name",
    "wbs",
    "calendar",
    "kind",
    "status",
    "duration_hours",
    "remaining_hours",
    "percent_complete",
    "start",
    "finish",
    "actual_start",
    "actual_finish",
    "baseline_start",
    "baseline_finish",
    "constraint",
    "constraint_date",
    "elements",
];
pub const RELATIONSHIP_HEADER: [&str; 4] = ["predecessor", "successor", "type", "lag_hours"];
pub const RESOURCE_HEADER: [&str; 5] = ["id", "name", "kind", "calendar", "unit"];
pub const ASSIGNMENT_HEADER: [&str; 5] = [
    "activity",
    "resource",
    "planned_units",
    "actual_units",
    "remaining_units",
];

pub fn kind_name(k: ActivityKind) -> &'static str {
    match k {
        ActivityKind::Task => "task",
        ActivityKind::StartMilestone => "start_milestone",
        ActivityKind::FinishMilestone => "finish_milestone",
        ActivityKind::LevelOfEffort => "level_of_effort",
        ActivityKind::WbsSummary => "wbs_summary",
        ActivityKind::ResourceDependent => "resource_dependent",
    }
}

pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::NotStarted => "not_started",
        Status::InProgress => "in_progress",
        Status::Complete => "complete",
    }
}

pub fn constraint_name(c: ConstraintKind) -> &'static str {
    match c {
        ConstraintKind::StartOn => "start_on",
        ConstraintKind::StartOnOrAfter => "start_on_or_after",
        ConstraintKind::StartOnOrBefore => "start_on_or_before",
        ConstraintKind::FinishOn => "finish_on",
        ConstraintKind::FinishOnOrAfter => "finish_on_or_after",
        ConstraintKind::FinishOnOrBefore => "finish_on_or_before",
        ConstraintKind::MandatoryStart => "mandatory_start",
        ConstraintKind::MandatoryFinish => "mandatory_finish",
        ConstraintKind::AsLateAsPossible => "as_late_as_possible",
    }
}

pub fn link_name(k: LinkKind) -> &'static str {
    match k {
        LinkKind::FinishToStart => "FS",
        LinkKind::StartToStart => "SS",
        LinkKind::FinishToFinish => "FF",
        LinkKind::StartToFinish => "SF",
    }
}

pub fn resource_kind_name(k: ResourceKind) -> &'static str {
    match k {
        ResourceKind::Labor => "labor",
        ResourceKind::Nonlabor => "nonlabor",
        ResourceKind::Material => "material",
    }
}

fn from_name<T: Copy>(all: &[T], name: fn(T) -> &'static str, text: &str) -> Option<T> {
    all.iter().copied().find(|k| name(*k) == text)
}

const KINDS: [ActivityKind; 6] = [
    ActivityKind::Task,
    ActivityKind::StartMilestone,
    ActivityKind::FinishMilestone,
    ActivityKind::LevelOfEffort,
    ActivityKind::WbsSummary,
    ActivityKind::ResourceDependent,
];
const STATUSES: [Status; 3] = [Status::NotStarted, Status::InProgress, Status::Complete];
const CONSTRAINTS: [ConstraintKind; 9] = [
    ConstraintKind::StartOn,
    ConstraintKind::StartOnOrAfter,
    ConstraintKind::StartOnOrBefore,
    ConstraintKind::FinishOn,
    ConstraintKind::FinishOnOrAfter,
    ConstraintKind::FinishOnOrBefore,
    ConstraintKind::MandatoryStart,
    ConstraintKind::MandatoryFinish,
    ConstraintKind::AsLateAsPossible,
];
const LINKS: [LinkKind; 4] = [
    LinkKind::FinishToStart,
    LinkKind::StartToStart,
    LinkKind::FinishToFinish,
    LinkKind::StartToFinish,
];
const RESOURCE_KINDS: [ResourceKind; 3] = [
    ResourceKind::Labor,
    ResourceKind::Nonlabor,
    ResourceKind::Material,
];

/// A date-time cell (`YYYY-MM-DDTHH:MM`); empty is `None`.
fn datetime(
    t: &Table,
    line: usize,
    field: &str,
    v: &str,
) -> Result<Option<PrimitiveDateTime>, DataError> {
    if v.is_empty() {
        return Ok(None);
    }
    parse_datetime(v).map(Some).ok_or_else(|| {
        t.err(
            line,
            field,
            format!("{v:?} is not a date-time"),
            "write YYYY-MM-DDTHH:MM, e.g. 2026-03-02T08:00",
        )
    })
}

fn shifts(path: &Path, field: &str, list: &[[String; 2]]) -> Result<Shifts, DataError> {
    let mut out = Vec::new();
    for [a, b] in list {
        // An end of "00:00" is midnight at the end of the day (P6 writes shifts that way).
        let end = if b == "00:00" { "24:00" } else { b.as_str() };
        let (Some(from), Some(to)) = (parse_hm(a), parse_hm(end)) else {
            return Err(DataError::new(
                path,
                format!("[{a:?}, {b:?}] is not a shift"),
                "write shifts as [\"08:00\", \"12:00\"]",
            )
            .field(field.to_string()));
        };
        if to <= from {
            return Err(DataError::new(
                path,
                format!("shift {a}–{b} ends before it starts"),
                "shifts run forward within a day",
            )
            .field(field.to_string()));
        }
        out.push((from, to));
    }
    Ok(out)
}

fn shifts_out(s: &Shifts) -> Vec<[String; 2]> {
    s.iter()
        .map(|(a, b)| {
            // Readers give a shift that runs to midnight as ending at 00:00.
            let end = if *b == Time::MIDNIGHT {
                "24:00".to_string()
            } else {
                format_hm(*b)
            };
            [format_hm(*a), end]
        })
        .collect()
}

/// Does the project have a schedule?
pub fn exists(root: &Path) -> bool {
    root.join(DIR).join("project.json").is_file()
}

/// Every file the schedule is read from, relative to the project root.
pub fn source_files() -> Vec<String> {
    [
        "project.json",
        "calendars.json",
        "wbs.csv",
        "activities.csv",
        "relationships.csv",
        "resources.csv",
        "assignments.csv",
    ]
    .iter()
    .map(|f| format!("{DIR}/{f}"))
    .collect()
}

/// Reads the project's schedule (one project) and checks every reference.
pub fn load(root: &Path) -> Result<Schedule, DataError> {
    load_dir(&root.join(DIR))
}

/// Reads schedule record files from `dir` (the project's, or a pulled copy).
pub fn load_dir(dir: &Path) -> Result<Schedule, DataError> {
    let pf_path = dir.join("project.json");
    let pf: ProjectFile = load_json(&pf_path, "see docs/DATA.md, section \"Schedule\"")?;
    let pdt = |field: &str, v: &Option<String>| -> Result<Option<PrimitiveDateTime>, DataError> {
        match v {
            None => Ok(None),
            Some(s) => parse_datetime(s).map(Some).ok_or_else(|| {
                DataError::new(
                    &pf_path,
                    format!("{s:?} is not a date-time"),
                    "write YYYY-MM-DDTHH:MM",
                )
                .field(field.to_string())
            }),
        }
    };
    let cal_path = dir.join("calendars.json");
    let cals: Vec<CalendarFile> = load_json(&cal_path, "see docs/DATA.md, section \"Schedule\"")?;
    let mut calendars = Vec::new();
    for (i, c) in cals.iter().enumerate() {
        let w = &c.week;
        let f = |d: &str| format!("[{i}].week.{d}");
        let week = [
            shifts(&cal_path, &f("mon"), &w.mon)?,
            shifts(&cal_path, &f("tue"), &w.tue)?,
            shifts(&cal_path, &f("wed"), &w.wed)?,
            shifts(&cal_path, &f("thu"), &w.thu)?,
            shifts(&cal_path, &f("fri"), &w.fri)?,
            shifts(&cal_path, &f("sat"), &w.sat)?,
            shifts(&cal_path, &f("sun"), &w.sun)?,
        ];
        let mut exceptions = Vec::new();
        for (j, e) in c.exceptions.iter().enumerate() {
            exceptions.push((
                e.date.0,
                shifts(
                    &cal_path,
                    &format!("[{i}].exceptions[{j}].shifts"),
                    &e.shifts,
                )?,
            ));
        }
        exceptions.sort_by_key(|e| e.0);
        calendars.push(Calendar {
            key: c.key.clone(),
            name: c.name.clone(),
            base: c.base.clone(),
            hours_per_day: c.hours_per_day.0,
            week,
            exceptions,
        });
    }
    let cal_keys: BTreeSet<&str> = calendars.iter().map(|c| c.key.as_str()).collect();
    if cal_keys.len() != calendars.len() {
        return Err(DataError::new(
            &cal_path,
            "two calendars share a key",
            "give every calendar its own key",
        ));
    }
    for c in &calendars {
        if let Some(b) = &c.base {
            if !cal_keys.contains(b.as_str()) {
                return Err(DataError::new(
                    &cal_path,
                    format!("calendar {} is based on unknown calendar {b}", c.key),
                    "name an existing calendar as base",
                )
                .field("base"));
            }
        }
    }
    if !cal_keys.contains(pf.calendar.as_str()) {
        return Err(DataError::new(
            &pf_path,
            format!("calendar {} is not in calendars.json", pf.calendar),
            "name one of the calendars",
        )
        .field("calendar"));
    }

    let t = read_table(&dir.join("wbs.csv"), &WBS_HEADER, true, "Schedule")?;
    let mut wbs = Vec::new();
    for (line, r) in &t.rows {
        wbs.push(Wbs {
            key: r[0].clone(),
            parent: Table::opt(&r[1]),
            code: r[2].clone(),
            name: r[3].clone(),
            seq: r[4].parse().map_err(|_| {
                t.err(
                    *line,
                    "seq",
                    format!("{:?} is not a whole number", r[4]),
                    "number siblings 1, 2, 3, ...",
                )
            })?,
        });
    }
    let wbs_keys: BTreeSet<&str> = wbs.iter().map(|w| w.key.as_str()).collect();
    for ((line, _), w) in t.rows.iter().zip(&wbs) {
        if w.key.is_empty() {
            return Err(t.err(
                *line,
                "key",
                "empty key".into(),
                "give every WBS node a key",
            ));
        }
        if let Some(p) = &w.parent {
            if !wbs_keys.contains(p.as_str()) {
                return Err(t.err(
                    *line,
                    "parent",
                    format!("parent {p} is not a WBS key"),
                    "name an existing node, or leave empty for a top-level node",
                ));
            }
        }
    }
    if wbs_keys.len() != wbs.len() {
        return Err(DataError::new(
            &t.path,
            "two WBS nodes share a key",
            "keys must be unique",
        ));
    }
    // No cycles in the WBS tree.
    for w in &wbs {
        let mut cur = w.parent.clone();
        let mut steps = 0;
        while let Some(p) = cur {
            steps += 1;
            if steps > wbs.len() {
                return Err(DataError::new(
                    &t.path,
                    format!("WBS node {} is its own ancestor", w.key),
                    "fix the parent column so the WBS is a tree",
                ));
            }
            cur = wbs
                .iter()
                .find(|x| x.key == p)
                .and_then(|x| x.parent.clone());
        }
    }

    let t = read_table(
        &dir.join("activities.csv"),
        &ACTIVITY_HEADER,
        true,
        "Schedule",
    )?;
    let mut activities = Vec::new();
    let mut ids = BTreeSet::new();
    for (line, r) in &t.rows {
        let line = *line;
        let id = r[0].clone();
        if id.is_empty() || !ids.insert(id.clone()) {
            return Err(t.err(
                line,
                "id",
                format!("activity id {id:?} is empty or used twice"),
                "give every activity its own id, e.g. ACT-1010",
            ));
        }
        let wbs_key = Table::opt(&r[2]);
        if let Some(k) = &wbs_key {
            if !wbs_keys.contains(k.as_str()) {
                return Err(t.err(
                    line,
                    "wbs",
                    format!("WBS {k} is not in wbs.csv"),
                    "use a key from wbs.csv",
                ));
            }
        }
        let calendar = Table::opt(&r[3]);
        if let Some(c) = &calendar {
            if !cal_keys.contains(c.as_str()) {
                return Err(t.err(
                    line,
                    "calendar",
                    format!("calendar {c} is not in calendars.json"),
                    "use a calendar key, or leave empty for the project calendar",
                ));
            }
        }
        let kind = from_name(&KINDS, kind_name, &r[4]).ok_or_else(|| t.err(line, "kind", format!("{:?} is not an activity kind", r[4]), "one of task, start_milestone, finish_milestone, level_of_effort, wbs_summary, resource_dependent"))?;
        let status = from_name(&STATUSES, status_name, &r[5]).ok_or_else(|| {
            t.err(
                line,
                "status",
                format!("{:?} is not a status", r[5]),
                "one of not_started, in_progress, complete",
            )
        })?;
        let duration_hours = t.dec(line, "duration_hours", &r[6], None)?;
        let remaining_hours = t.dec(line, "remaining_hours", &r[7], Some(duration_hours))?;
        let percent_complete = t.dec(line, "percent_complete", &r[8], Some(Decimal::ZERO))?;
        if percent_complete < Decimal::ZERO || percent_complete > Decimal::ONE_HUNDRED {
            return Err(t.err(
                line,
                "percent_complete",
                format!("{percent_complete} is not between 0 and 100"),
                "percent complete is 0–100",
            ));
        }
        let constraint = match r[15].as_str() {
            "" => None,
            c => Some(Constraint {
                kind: from_name(&CONSTRAINTS, constraint_name, c).ok_or_else(|| t.err(line, "constraint", format!("{c:?} is not a constraint"), "one of start_on, start_on_or_after, start_on_or_before, finish_on, finish_on_or_after, finish_on_or_before, mandatory_start, mandatory_finish, as_late_as_possible"))?,
                date: datetime(&t, line, "constraint_date", &r[16])?,
            }),
        };
        if let Some(c) = &constraint {
            if c.date.is_none() && c.kind != ConstraintKind::AsLateAsPossible {
                return Err(t.err(
                    line,
                    "constraint_date",
                    "the constraint needs a date".into(),
                    "write YYYY-MM-DDTHH:MM",
                ));
            }
        }
        let a = Activity {
            key: id.clone(),
            code: id,
            name: r[1].clone(),
            wbs: wbs_key,
            calendar,
            kind,
            status,
            duration_hours,
            remaining_hours,
            percent_complete,
            start: datetime(&t, line, "start", &r[9])?,
            finish: datetime(&t, line, "finish", &r[10])?,
            actual_start: datetime(&t, line, "actual_start", &r[11])?,
            actual_finish: datetime(&t, line, "actual_finish", &r[12])?,
            baseline_start: datetime(&t, line, "baseline_start", &r[13])?,
            baseline_finish: datetime(&t, line, "baseline_finish", &r[14])?,
            constraint,
            elements: r[17]
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            notes: None,
        };
        match a.status {
            Status::NotStarted if a.actual_start.is_some() => {
                return Err(t.err(
                    line,
                    "actual_start",
                    "a not-started activity has an actual start".into(),
                    "set status to in_progress or remove actual_start",
                ))
            }
            Status::InProgress if a.actual_start.is_none() => {
                return Err(t.err(
                    line,
                    "actual_start",
                    "an in-progress activity needs an actual start".into(),
                    "add actual_start",
                ))
            }
            Status::Complete if a.actual_start.is_none() || a.actual_finish.is_none() => {
                return Err(t.err(
                    line,
                    "actual_finish",
                    "a complete activity needs actual start and finish".into(),
                    "add the actual dates",
                ))
            }
            _ => {}
        }
        if let (Some(s), Some(f)) = (a.start, a.finish) {
            if f < s {
                return Err(t.err(
                    line,
                    "finish",
                    "finish is before start".into(),
                    "fix the dates",
                ));
            }
        }
        activities.push(a);
    }

    let t = read_table(
        &dir.join("relationships.csv"),
        &RELATIONSHIP_HEADER,
        false,
        "Schedule",
    )?;
    let mut relationships = Vec::new();
    let mut seen = BTreeSet::new();
    for (line, r) in &t.rows {
        let line = *line;
        for (i, f) in [(0, "predecessor"), (1, "successor")] {
            if !ids.contains(&r[i]) {
                return Err(t.err(
                    line,
                    f,
                    format!("activity {} is not in activities.csv", r[i]),
                    "link existing activities",
                ));
            }
        }
        if r[0] == r[1] {
            return Err(t.err(
                line,
                "successor",
                format!("{} is linked to itself", r[0]),
                "remove the row",
            ));
        }
        let kind = from_name(&LINKS, link_name, &r[2]).ok_or_else(|| {
            t.err(
                line,
                "type",
                format!("{:?} is not a link type", r[2]),
                "one of FS, SS, FF, SF",
            )
        })?;
        if !seen.insert((r[0].clone(), r[1].clone(), kind)) {
            return Err(t.err(
                line,
                "successor",
                format!("{} → {} ({}) is listed twice", r[0], r[1], link_name(kind)),
                "list each link once",
            ));
        }
        relationships.push(Relationship {
            predecessor: r[0].clone(),
            successor: r[1].clone(),
            kind,
            lag_hours: t.dec(line, "lag_hours", &r[3], Some(Decimal::ZERO))?,
        });
    }

    let t = read_table(
        &dir.join("resources.csv"),
        &RESOURCE_HEADER,
        false,
        "Schedule",
    )?;
    let mut resources = Vec::new();
    for (line, r) in &t.rows {
        let line = *line;
        let kind = from_name(&RESOURCE_KINDS, resource_kind_name, &r[2]).ok_or_else(|| {
            t.err(
                line,
                "kind",
                format!("{:?} is not a resource kind", r[2]),
                "one of labor, nonlabor, material",
            )
        })?;
        let calendar = Table::opt(&r[3]);
        if let Some(c) = &calendar {
            if !cal_keys.contains(c.as_str()) {
                return Err(t.err(
                    line,
                    "calendar",
                    format!("calendar {c} is not in calendars.json"),
                    "use a calendar key or leave empty",
                ));
            }
        }
        resources.push(Resource {
            key: r[0].clone(),
            code: r[0].clone(),
            name: r[1].clone(),
            kind,
            calendar,
            unit: Table::opt(&r[4]),
        });
    }
    let rkeys: BTreeSet<&str> = resources.iter().map(|r| r.key.as_str()).collect();
    if rkeys.len() != resources.len() {
        return Err(DataError::new(
            &t.path,
            "two resources share an id",
            "ids must be unique",
        ));
    }
    let t = read_table(
        &dir.join("assignments.csv"),
        &ASSIGNMENT_HEADER,
        false,
        "Schedule",
    )?;
    let mut assignments = Vec::new();
    for (n, (line, r)) in t.rows.iter().enumerate() {
        let line = *line;
        if !ids.contains(&r[0]) {
            return Err(t.err(
                line,
                "activity",
                format!("activity {} is not in activities.csv", r[0]),
                "assign existing activities",
            ));
        }
        if !rkeys.contains(r[1].as_str()) {
            return Err(t.err(
                line,
                "resource",
                format!("resource {} is not in resources.csv", r[1]),
                "assign existing resources",
            ));
        }
        let planned = t.dec(line, "planned_units", &r[2], None)?;
        let actual = t.dec(line, "actual_units", &r[3], Some(Decimal::ZERO))?;
        assignments.push(Assignment {
            key: format!("{}", n + 1),
            activity: r[0].clone(),
            resource: r[1].clone(),
            planned_units: planned,
            actual_units: actual,
            remaining_units: t.dec(line, "remaining_units", &r[4], Some(planned - actual))?,
        });
    }

    Ok(Schedule {
        projects: vec![Project {
            key: pf.id.clone(),
            id: pf.id.clone(),
            name: pf.name.clone(),
            planned_start: pdt("planned_start", &Some(pf.planned_start.clone()))?,
            must_finish: pdt("must_finish", &pf.must_finish)?,
            data_date: pdt("data_date", &pf.data_date)?,
            calendar: Some(pf.calendar.clone()),
            calendars: Vec::new(),
            wbs,
            activities,
            relationships,
            assignments,
        }],
        calendars,
        resources,
        currency: None,
    })
}

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    match w.into_inner() {
        Ok(v) => v,
        Err(e) => e.into_inner().get_ref().clone(),
    }
}

fn opt_dt(d: Option<PrimitiveDateTime>) -> String {
    d.map(format_datetime).unwrap_or_default()
}

/// The record files for a one-project schedule: (file name, bytes), to be placed in a
/// schedule folder (`records/schedule/` or a pulled copy).
/// Rows keep the order of the model; activities are sorted by id for stable diffs.
pub fn to_files(s: &Schedule) -> Vec<(String, Vec<u8>)> {
    let Some(p) = s.projects.first() else {
        return Vec::new();
    };
    let pf = ProjectFile {
        id: p.id.clone(),
        name: p.name.clone(),
        // A file without a planned start: the earliest activity start, else the data date.
        planned_start: opt_dt(
            p.planned_start
                .or_else(|| {
                    p.activities
                        .iter()
                        .flat_map(|a| [a.start, a.actual_start, a.baseline_start, a.finish])
                        .flatten()
                        .min()
                })
                .or(p.data_date),
        ),
        must_finish: p.must_finish.map(format_datetime),
        data_date: p.data_date.map(format_datetime),
        // A file without a project calendar: its first calendar.
        calendar: p
            .calendar
            .clone()
            .or_else(|| s.calendars.first().map(|c| c.key.clone()))
            .unwrap_or_default(),
    };
    let json = |v: &dyn erased::Json| -> Vec<u8> {
        let mut b = v.to_json();
        b.push(b'\n');
        b
    };
    let cals: Vec<CalendarFile> = s
        .calendars
        .iter()
        .chain(p.calendars.iter())
        .map(|c| CalendarFile {
            key: c.key.clone(),
            name: c.name.clone(),
            base: c.base.clone(),
            hours_per_day: Amount(c.hours_per_day),
            week: WeekFile {
                mon: shifts_out(&c.week[0]),
                tue: shifts_out(&c.week[1]),
                wed: shifts_out(&c.week[2]),
                thu: shifts_out(&c.week[3]),
                fri: shifts_out(&c.week[4]),
                sat: shifts_out(&c.week[5]),
                sun: shifts_out(&c.week[6]),
            },
            exceptions: c
                .exceptions
                .iter()
                .map(|(d, sh)| ExceptionFile {
                    date: IsoDate(*d),
                    shifts: shifts_out(sh),
                    name: String::new(),
                })
                .collect(),
        })
        .collect();
    let code_of = |key: &str| -> String {
        p.activities
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.code.clone())
            .unwrap_or_else(|| key.to_string())
    };
    let mut acts: Vec<&Activity> = p.activities.iter().collect();
    acts.sort_by(|a, b| a.code.cmp(&b.code));
    let dec = |d: Decimal| d.normalize().to_string();
    vec![
        ("project.json".to_string(), json(&pf)),
        ("calendars.json".to_string(), json(&cals)),
        (
            "wbs.csv".to_string(),
            csv_bytes(
                &WBS_HEADER,
                p.wbs.iter().map(|w| {
                    vec![
                        w.key.clone(),
                        w.parent.clone().unwrap_or_default(),
                        w.code.clone(),
                        w.name.clone(),
                        w.seq.to_string(),
                    ]
                }),
            ),
        ),
        (
            "activities.csv".to_string(),
            csv_bytes(
                &ACTIVITY_HEADER,
                acts.iter().map(|a| {
                    vec![
                        a.code.clone(),
                        a.name.clone(),
                        a.wbs.clone().unwrap_or_default(),
                        a.calendar.clone().unwrap_or_default(),
                        kind_name(a.kind).into(),
                        status_name(a.status).into(),
                        dec(a.duration_hours),
                        dec(a.remaining_hours),
                        dec(a.percent_complete),
                        opt_dt(a.start),
                        opt_dt(a.finish),
                        opt_dt(a.actual_start),
                        opt_dt(a.actual_finish),
                        opt_dt(a.baseline_start),
                        opt_dt(a.baseline_finish),
                        a.constraint
                            .as_ref()
                            .map(|c| constraint_name(c.kind).to_string())
                            .unwrap_or_default(),
                        a.constraint
                            .as_ref()
                            .and_then(|c| c.date)
                            .map(format_datetime)
                            .unwrap_or_default(),
                        a.elements.join(";"),
                    ]
                }),
            ),
        ),
        (
            "relationships.csv".to_string(),
            csv_bytes(
                &RELATIONSHIP_HEADER,
                p.relationships.iter().map(|r| {
                    vec![
                        code_of(&r.predecessor),
                        code_of(&r.successor),
                        link_name(r.kind).into(),
                        dec(r.lag_hours),
                    ]
                }),
            ),
        ),
        (
            "resources.csv".to_string(),
            csv_bytes(
                &RESOURCE_HEADER,
                s.resources.iter().map(|r| {
                    vec![
                        r.code.clone(),
                        r.name.clone(),
                        resource_kind_name(r.kind).into(),
                        r.calendar.clone().unwrap_or_default(),
                        r.unit.clone().unwrap_or_default(),
                    ]
                }),
            ),
        ),
        (
            "assignments.csv".to_string(),
            csv_bytes(
                &ASSIGNMENT_HEADER,
                p.assignments.iter().map(|a| {
                    let rcode = s
                        .resources
                        .iter()
                        .find(|r| r.key == a.resource)
                        .map(|r| r.code.clone())
                        .unwrap_or_else(|| a.resource.clone());
                    vec![
                        code_of(&a.activity),
                        rcode,
                        dec(a.planned_units),
                        dec(a.actual_units),
                        dec(a.remaining_units),
                    ]
                }),
            ),
        ),
    ]
}

mod erased {
    /// Pretty JSON of any serializable value.
    pub trait Json {
        fn to_json(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Vec<u8> {
            serde_json::to_vec_pretty(self).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic")
    }

    #[test]
    fn datetimes_format_like_the_format_description() {
        for d in [
            time::macros::datetime!(2026-03-02 08:00),
            time::macros::datetime!(0001-01-01 00:00),
            time::macros::datetime!(9999-12-31 23:59:59),
            time::macros::datetime!(-0044-03-15 12:30),
        ] {
            assert_eq!(format_datetime(d), d.format(DT).unwrap(), "{d}");
        }
    }

    #[test]
    fn the_sample_schedule_is_complete_and_round_trips() {
        let s = load(&sample()).unwrap();
        let p = &s.projects[0];
        assert!(p.activities.len() >= 150, "{}", p.activities.len());
        assert!(
            p.wbs.iter().any(|w| w.key.matches('.').count() >= 2),
            "3 WBS levels"
        );
        assert_eq!(s.calendars.len(), 2);
        assert!(
            s.calendars.iter().all(|c| c.exceptions.len() >= 5),
            "holidays"
        );
        for k in [
            LinkKind::FinishToStart,
            LinkKind::StartToStart,
            LinkKind::FinishToFinish,
            LinkKind::StartToFinish,
        ] {
            assert!(p.relationships.iter().any(|r| r.kind == k), "{k:?}");
        }
        assert!(p.relationships.iter().any(|r| r.lag_hours > Decimal::ZERO));
        assert!(
            p.relationships.iter().any(|r| r.lag_hours < Decimal::ZERO),
            "a lead"
        );
        assert!(!s.resources.is_empty() && !p.assignments.is_empty());
        assert!(
            p.activities
                .iter()
                .filter(|a| a.constraint.is_some())
                .count()
                >= 3
        );
        for st in [Status::NotStarted, Status::InProgress, Status::Complete] {
            assert!(p.activities.iter().any(|a| a.status == st), "{st:?}");
        }
        assert!(
            p.activities.iter().any(|a| !a.elements.is_empty()),
            "element links"
        );
        // Writing the model back gives the same files, byte for byte.
        let dir = tempfile::tempdir().unwrap();
        for (rel, bytes) in to_files(&s) {
            let orig = std::fs::read(sample().join(DIR).join(&rel)).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&bytes),
                String::from_utf8_lossy(&orig),
                "{rel}"
            );
            let p = dir.path().join(DIR).join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        assert_eq!(load(dir.path()).unwrap(), s);
    }

    #[test]
    fn bad_schedule_records_name_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::copy_project(&sample(), dir.path()).unwrap();
        let acts = dir.path().join(DIR).join("activities.csv");
        let text = std::fs::read_to_string(&acts).unwrap();
        let cases = [
            (
                text.replacen(",1.1,,start_milestone,", ",9.9,,start_milestone,", 1),
                "wbs",
                "9.9",
            ),
            (
                text.replacen(",start_milestone,", ",milestone,", 1),
                "kind",
                "milestone",
            ),
            (
                text.replacen("2026-01-20T07:00", "2026-01-20 07:00", 1),
                "start",
                "date-time",
            ),
        ];
        for (t, field, what) in cases {
            std::fs::write(&acts, t).unwrap();
            let e = load(dir.path()).unwrap_err();
            assert_eq!((e.line, e.field.as_deref()), (Some(2), Some(field)), "{e}");
            assert!(e.message.contains(what), "{e}");
        }
        std::fs::write(&acts, &text).unwrap();
        let rels = dir.path().join(DIR).join("relationships.csv");
        let r = std::fs::read_to_string(&rels).unwrap();
        std::fs::write(&rels, r.clone() + "ACT-1010,ACT-9999,FS,0\n").unwrap();
        assert!(load(dir.path()).unwrap_err().message.contains("ACT-9999"));
        std::fs::write(&rels, r + "ACT-1010,ACT-1020,XX,0\n").unwrap();
        assert_eq!(load(dir.path()).unwrap_err().field.as_deref(), Some("type"));
    }
}

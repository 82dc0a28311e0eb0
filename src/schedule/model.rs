//! The canonical schedule: what every schedule reader produces and every writer
//! consumes (P6 XER, P6 XML, MS Project XML), and what the project's schedule records
//! hold. Times are local wall-clock date-times as the scheduling tools keep them;
//! durations and lags are decimal hours.
//!
//! Plain data only: no parsing, no formatting, no scheduling logic.

use rust_decimal::Decimal;
use time::{PrimitiveDateTime, Time};

/// One file's worth of schedules (an XER may hold several projects).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub projects: Vec<Project>,
    /// Calendars and resources shared by every project (XER global calendars, MSPDI
    /// calendars). Project-specific ones live on the project.
    pub calendars: Vec<Calendar>,
    pub resources: Vec<Resource>,
    /// Currency code of the file (XER CURRTYPE, MSPDI CurrencyCode), if it says.
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// The tool's own key (XER proj_id, MSPDI none → "1", PMXML ObjectId).
    pub key: String,
    /// Short name / id (P6 proj_short_name; the root WBS code).
    pub id: String,
    pub name: String,
    pub planned_start: Option<PrimitiveDateTime>,
    pub must_finish: Option<PrimitiveDateTime>,
    /// The data date (status date).
    pub data_date: Option<PrimitiveDateTime>,
    /// Default calendar key.
    pub calendar: Option<String>,
    pub calendars: Vec<Calendar>,
    pub wbs: Vec<Wbs>,
    pub activities: Vec<Activity>,
    pub relationships: Vec<Relationship>,
    pub assignments: Vec<Assignment>,
}

/// A WBS node. `key` is the tool's id; `parent` the parent's key (None = directly under
/// the project).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wbs {
    pub key: String,
    pub parent: Option<String>,
    /// This level's code (P6 wbs_short_name), e.g. "2" or "STRUCT".
    pub code: String,
    pub name: String,
    pub seq: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActivityKind {
    #[default]
    Task,
    StartMilestone,
    FinishMilestone,
    LevelOfEffort,
    WbsSummary,
    /// Resource-dependent (P6 TT_Rsrc).
    ResourceDependent,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    #[default]
    NotStarted,
    InProgress,
    Complete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConstraintKind {
    StartOn,
    StartOnOrAfter,
    StartOnOrBefore,
    FinishOn,
    FinishOnOrAfter,
    FinishOnOrBefore,
    MandatoryStart,
    MandatoryFinish,
    AsLateAsPossible,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub kind: ConstraintKind,
    /// None only for AsLateAsPossible.
    pub date: Option<PrimitiveDateTime>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// The tool's key (XER task_id, MSPDI UID).
    pub key: String,
    /// The activity id people see (P6 task_code, e.g. ACT-1010; MSPDI WBS/ID).
    pub code: String,
    pub name: String,
    /// Key of the WBS node it belongs to.
    pub wbs: Option<String>,
    /// Calendar key.
    pub calendar: Option<String>,
    pub kind: ActivityKind,
    pub status: Status,
    /// Original (planned) duration, hours.
    pub duration_hours: Decimal,
    /// Remaining duration, hours.
    pub remaining_hours: Decimal,
    /// Physical/duration percent complete, 0–100.
    pub percent_complete: Decimal,
    /// Current (early) start and finish.
    pub start: Option<PrimitiveDateTime>,
    pub finish: Option<PrimitiveDateTime>,
    pub actual_start: Option<PrimitiveDateTime>,
    pub actual_finish: Option<PrimitiveDateTime>,
    /// Baseline (target) dates.
    pub baseline_start: Option<PrimitiveDateTime>,
    pub baseline_finish: Option<PrimitiveDateTime>,
    pub constraint: Option<Constraint>,
    /// AEC OS element GlobalIds this activity builds.
    pub elements: Vec<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkKind {
    #[default]
    FinishToStart,
    StartToStart,
    FinishToFinish,
    StartToFinish,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relationship {
    /// Activity keys.
    pub predecessor: String,
    pub successor: String,
    pub kind: LinkKind,
    /// Lag in hours; negative is a lead.
    pub lag_hours: Decimal,
}

/// Working time of one day: shifts as (from, to) wall-clock times; empty = non-working.
pub type Shifts = Vec<(Time, Time)>;

/// Minutes since midnight (seconds ignored).
pub fn day_minutes(t: Time) -> u32 {
    u32::from(t.hour()) * 60 + u32::from(t.minute())
}

/// A shift's end in minutes since midnight: an end of 00:00 is midnight at the end of
/// the day.
pub fn end_minutes(t: Time) -> u32 {
    match day_minutes(t) {
        0 => 24 * 60,
        m => m,
    }
}

/// Shifts a writer can put in a calendar: each ends after it starts, in time order, none
/// overlapping. The message names the shift as `08:00-12:00`.
pub fn check_shifts(sh: &Shifts) -> Result<(), String> {
    let hhmm = |t: Time| format!("{:02}:{:02}", t.hour(), t.minute());
    let mut last_end: Option<u32> = None;
    for &(f, t) in sh {
        let (a, b) = (day_minutes(f), end_minutes(t));
        if b <= a {
            return Err(format!(
                "shift {}-{} ends before it starts",
                hhmm(f),
                hhmm(t)
            ));
        }
        if last_end.is_some_and(|e| a < e) {
            return Err(format!(
                "shift {}-{} overlaps or precedes the previous one; list shifts in time order",
                hhmm(f),
                hhmm(t)
            ));
        }
        last_end = Some(b);
    }
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    pub key: String,
    pub name: String,
    /// Base calendar key, if derived (MSPDI BaseCalendarUID, P6 base_clndr_id).
    pub base: Option<String>,
    pub hours_per_day: Decimal,
    /// Monday = 0 … Sunday = 6.
    pub week: [Shifts; 7],
    /// Dates that differ from the week: holidays (no shifts) or special working days.
    pub exceptions: Vec<(time::Date, Shifts)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    #[default]
    Labor,
    Nonlabor,
    Material,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource {
    pub key: String,
    /// Short id (P6 rsrc_short_name).
    pub code: String,
    pub name: String,
    pub kind: ResourceKind,
    pub calendar: Option<String>,
    /// Unit of measure for material resources.
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    pub key: String,
    pub activity: String,
    pub resource: String,
    /// Budgeted (planned) units, hours for labor.
    pub planned_units: Decimal,
    pub actual_units: Decimal,
    pub remaining_units: Decimal,
}

//! Reads a Microsoft Project XML file (MSPDI, `<Project xmlns="http://schemas.microsoft.com/project">`,
//! Project 2002–2019 and MPXJ output; files without the namespace too) into the
//! canonical [`Schedule`]. It only reads: it never writes a file, and it never guesses
//! a value the file does not give — a field that is present but unreadable is an
//! error that names the file, the line, the element, what is wrong and a hint.
//!
//! The reader streams the bytes with quick-xml (no DOM), rejects a DOCTYPE (no DTD or
//! entity expansion ever happens), caps element nesting at 256 levels and any text node
//! or start tag at 16 MiB, and never panics. Files of 4 MiB and more are read in parts
//! on all cores, cut before `<Task>`/`<Assignment>` tags; the parts are trusted only when
//! each ends with exactly the elements open that the next one assumed, otherwise the
//! file is read again in one pass (see `parse_parts`). Records are mapped to the
//! schedule in parallel chunks, in document order.
//!
//! # Mapping
//! - **Project**: key `"1"`; id = `Name` (Project writes the file name there) or `"1"`;
//!   name = `Title`, else `Name`; `StartDate` → planned start; `FinishDate` → must-finish
//!   only when `ScheduleFromStart` is 0; `StatusDate` → data date; `CalendarUID` → the
//!   default calendar; `CurrencyCode` → the file's currency. Hours per day =
//!   `MinutesPerDay`/60 (8 when absent), per week `MinutesPerWeek`/60 (40), days per
//!   month `DaysPerMonth` (20): these convert day/week/month durations to hours.
//! - **Calendars** go to `Schedule::calendars` (MSPDI calendars are file-wide).
//!   `WeekDay` `DayType` 1 = Sunday … 7 = Saturday with `DayWorking` and
//!   `WorkingTimes`; a working day without times gets Project's default
//!   08:00–12:00, 13:00–17:00. A shift ending `00:00` ends at midnight. Derived
//!   calendars (`IsBaseCalendar` 0, `BaseCalendarUID` naming another calendar) are
//!   *resolved*: week days they do not define come from the base, and the base's
//!   exception dates they do not override are added, so every calendar is complete;
//!   `base` keeps the link. Exceptions: Project 2007+ `Exceptions/Exception` are used
//!   when present, else the legacy `WeekDay` `DayType` 0 `TimePeriod` ranges (Project
//!   writes both, the latter expanded; MPXJ makes the same choice). Recurring
//!   exceptions are expanded to dates: `Type` 1 daily / 7 every `Period` days
//!   (type 1 with period 1 is a plain range, its `Occurrences` ignored, as in MPXJ),
//!   8 every `Period`-th weekday (Mon–Fri; not seen in any sample, unverified),
//!   6 weekly (`DaysOfWeek` bits 1 = Sunday … 64 = Saturday, every `Period` weeks
//!   counted in Sunday-started weeks from `FromDate`), 4 monthly on `MonthDay`,
//!   5 monthly by position (`MonthPosition` 0–3 = first–fourth, 4 = last, of
//!   `MonthItem` 0 day, 1 weekday, 2 weekend day, 3–9 Sunday–Saturday), 2 yearly on
//!   `Month` (0 = January) `MonthDay`, 3 yearly by position; all within
//!   `FromDate`..=`ToDate` and at most `Occurrences`. A `MonthDay` past the month's
//!   end falls on its last day (unverified against Project). Missing or 9 `Type` is a
//!   plain date range. A plain range is capped at 3660 days, a recurrence at 3660
//!   dates, and a file at 2 000 000 exception dates (errors beyond). `WorkWeeks`
//!   (effective-dated weeks) become exceptions for the dates in their period whose
//!   hours differ from the calendar's own week (period capped at 36 600 days);
//!   explicit exceptions win over work weeks. Every calendar's `hours_per_day` is the
//!   project's hours per day.
//! - **Tasks**: null tasks (`IsNull` 1) and the project summary task (UID 0 or
//!   `OutlineLevel` 0) are skipped. The outline (document order + `OutlineLevel`, or
//!   the dots of `OutlineNumber`, else level 1) gives the tree: a task with `Summary`
//!   1, or followed by a deeper task, becomes a [`Wbs`] node (key UID, parent = the
//!   enclosing summary, code = its `WBS` less the parent's `WBS` prefix, else the last
//!   `OutlineNumber` segment, else `ID`; seq = `ID`), every other task an
//!   [`Activity`] in the enclosing node. Activity: key UID, code `WBS` else `ID`,
//!   `Milestone` 1 → finish milestone, `Duration`/`RemainingDuration` (xsd durations;
//!   a missing remaining duration is 0 when complete, else duration − `ActualDuration`),
//!   `PercentComplete`, `Start`/`Finish`, `ActualStart`/`ActualFinish`, baseline 0
//!   `Start`/`Finish`, `ConstraintType` 0 ASAP (none), 1 ALAP, 2 MSO → start on,
//!   3 MFO → finish on, 4 SNET, 5 SNLT, 6 FNET, 7 FNLT with `ConstraintDate`,
//!   `CalendarUID` (−1 = none; a UID naming no calendar is an error), `Notes`. Status: complete if `ActualFinish` or 100 %,
//!   in progress if `ActualStart` or more than 0 %, else not started.
//! - **PredecessorLink** → [`Relationship`] (predecessor `PredecessorUID`, successor
//!   the task): `Type` 0 FF, 1 FS (default), 2 SF, 3 SS; `LinkLag` is in tenths of a
//!   minute (4800 = 8 h). Percent lags (`LagFormat` 19, 20, 51, 52) give the
//!   predecessor's duration × `LinkLag` %. Elapsed lag formats keep their length as
//!   hours (the elapsed flag is lost). Links from another project (`CrossProject` 1),
//!   or whose ends are not both activities (summary, null, missing tasks), are dropped,
//!   as P6 cannot link to a WBS node.
//! - **Resources** (the unnamed placeholder UID 0 and null resources skipped) go to
//!   `Schedule::resources`: `Type` 1 (default) work → labor, 0 material → material
//!   (`MaterialLabel` → unit), 2 or `IsCostResource` 1 → nonlabor; `CalendarUID`.
//! - **Assignments**: `ResourceUID` −65535 (unassigned) and assignments whose task is
//!   not an activity or whose resource was skipped are dropped. Work resources:
//!   `Work`, `ActualWork`, `RemainingWork` (hours; remaining defaults to work −
//!   actual). Material resources: planned = `Units`, actual/remaining = `ActualWork`/
//!   `RemainingWork` read as quantities (Project's encoding; unverified).
//!
//! Durations: `PnYnMnWnDTnHnMnS`, decimals allowed (`PT0.5H`), a minus before `P` or
//! inside (Project writes `PT-8H0M0S`); days, weeks and months convert with the project's
//! hours per day/week and days per month. Hours are rounded to 6 decimals.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use time::macros::time;
use time::{Date, Duration, Month, PrimitiveDateTime, Time, Weekday};

use crate::schedule::model::*;

use self::xml::{Fault, FaultKind};

/// Why an MSPDI file could not be read. Every variant names the file, the 1-based line,
/// what is wrong and a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MspdiError {
    /// Not well-formed XML (or not UTF-8, or truncated).
    #[error("{}:{line}: XML error: {what} (hint: {hint})", .path.display())]
    Syntax {
        path: PathBuf,
        line: u64,
        what: String,
        hint: &'static str,
    },
    /// The file has a `<!DOCTYPE …>`.
    #[error("{}:{line}: DOCTYPE is not allowed (possible XML bomb) (hint: {hint})", .path.display())]
    Doctype {
        path: PathBuf,
        line: u64,
        hint: &'static str,
    },
    /// Nesting depth or text size beyond the reader's caps.
    #[error("{}:{line}: {what} (hint: {hint})", .path.display())]
    Limit {
        path: PathBuf,
        line: u64,
        what: String,
        hint: &'static str,
    },
    /// A field whose text does not parse or is out of range.
    #[error("{}:{line}: <{element}> {value:?}: {what} (hint: {hint})", .path.display())]
    Value {
        path: PathBuf,
        line: u64,
        element: String,
        value: String,
        what: String,
        hint: &'static str,
    },
    /// Well-formed XML that is not an MSPDI schedule, or inconsistent data.
    #[error("{}:{line}: {what} (hint: {hint})", .path.display())]
    Structure {
        path: PathBuf,
        line: u64,
        what: String,
        hint: &'static str,
    },
}

impl MspdiError {
    /// The 1-based line the error is on.
    pub fn line(&self) -> u64 {
        match self {
            MspdiError::Syntax { line, .. }
            | MspdiError::Doctype { line, .. }
            | MspdiError::Limit { line, .. }
            | MspdiError::Value { line, .. }
            | MspdiError::Structure { line, .. } => *line,
        }
    }

    pub(crate) fn from_fault(path: &Path, bytes: &[u8], f: Fault) -> Self {
        let path = path.to_path_buf();
        let line = xml::line_of(bytes, f.pos);
        let Fault {
            kind, what, hint, ..
        } = f;
        match kind {
            FaultKind::Syntax => MspdiError::Syntax {
                path,
                line,
                what,
                hint,
            },
            FaultKind::Doctype => MspdiError::Doctype { path, line, hint },
            FaultKind::Limit => MspdiError::Limit {
                path,
                line,
                what,
                hint,
            },
            FaultKind::Value { element, value } => MspdiError::Value {
                path,
                line,
                element,
                value,
                what,
                hint,
            },
            FaultKind::Structure => MspdiError::Structure {
                path,
                line,
                what,
                hint,
            },
        }
    }
}

/// Reads MSPDI `bytes` (the content of `path`, which is only used in messages).
pub fn read_mspdi(path: &Path, bytes: &[u8]) -> Result<Schedule, MspdiError> {
    parse(bytes).map_err(|f| MspdiError::from_fault(path, bytes, f))
}

// ---------------------------------------------------------------------------------
// limits

/// Longest plain exception date range, in days.
const MAX_RANGE_DAYS: i64 = 3660;
/// Most dates one recurring exception may expand to.
const MAX_RECURRENCE_DATES: usize = 3660;
/// Longest work-week period, in days.
const MAX_WORK_WEEK_DAYS: i64 = 36_600;
/// Most exception dates in one file (after expansion).
const MAX_FILE_EXCEPTION_DATES: usize = 2_000_000;
/// Most recurrence steps in one file (bounds the work of hostile recurrences).
const MAX_FILE_RECURRENCE_STEPS: u64 = 20_000_000;
/// Deepest chain of base calendars.
const MAX_BASE_CHAIN: usize = 32;

// ---------------------------------------------------------------------------------
// durations

/// An xsd duration split by unit, so that days/weeks/months convert with the project's
/// settings once they are known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Dur {
    pub hours: Decimal,
    pub days: Decimal,
    pub weeks: Decimal,
    pub months: Decimal,
}

/// Hours-per-day, hours-per-week and days-per-month used to turn durations into hours.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Units {
    pub hpd: Decimal,
    pub hpw: Decimal,
    pub dpm: Decimal,
}

impl Default for Units {
    fn default() -> Self {
        Units {
            hpd: Decimal::from(8),
            hpw: Decimal::from(40),
            dpm: Decimal::from(20),
        }
    }
}

impl Dur {
    /// The duration in hours (rounded to 6 decimals), or None on overflow.
    pub fn hours(&self, u: Units) -> Option<Decimal> {
        let mut h = self.hours;
        if !self.days.is_zero() {
            h = h.checked_add(self.days.checked_mul(u.hpd)?)?;
        }
        if !self.weeks.is_zero() {
            h = h.checked_add(self.weeks.checked_mul(u.hpw)?)?;
        }
        if !self.months.is_zero() {
            h = h.checked_add(self.months.checked_mul(u.dpm)?.checked_mul(u.hpd)?)?;
        }
        Some(tidy(h))
    }
}

/// Rounds to 6 decimals and drops trailing zeros.
fn tidy(d: Decimal) -> Decimal {
    if d.scale() == 0 && !(d.is_zero() && d.is_sign_negative()) {
        // Whole and not -0: nothing to round or strip.
        return d;
    }
    d.round_dp(6).normalize()
}

fn num(s: &str) -> Option<Decimal> {
    if s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()) {
        let mut v: i64 = 0;
        for b in s.bytes() {
            v = v * 10 + i64::from(b - b'0');
        }
        return Some(Decimal::from(v));
    }
    let s2;
    let s = if s.contains(',') {
        s2 = s.replace(',', ".");
        s2.as_str()
    } else {
        s
    };
    if s.starts_with('.') || s.ends_with('.') {
        return None;
    }
    s.parse::<Decimal>().ok()
}

/// Parses an xsd:duration as MS Project writes it (see the module doc).
pub(crate) fn parse_duration(text: &str) -> Result<Dur, &'static str> {
    const BAD: &str = "not an xsd duration (like PT8H0M0S)";
    let s = text.trim();
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg_all = false;
    if b.first() == Some(&b'-') {
        neg_all = true;
        i = 1;
    }
    if b.get(i) != Some(&b'P') {
        return Err(BAD);
    }
    i += 1;
    let mut in_time = false;
    let mut rank = 0u8;
    let mut any = false;
    let (mut y, mut mo, mut w, mut d) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let (mut h, mut mi, mut se) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    while i < b.len() {
        if b[i] == b'T' {
            if in_time || i + 1 == b.len() {
                return Err(BAD);
            }
            in_time = true;
            i += 1;
            continue;
        }
        let start = i;
        let mut neg = false;
        if b[i] == b'-' {
            neg = true;
            i += 1;
        }
        let nstart = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b',') {
            i += 1;
        }
        if i == nstart || i >= b.len() || i - start > 40 {
            return Err(BAD);
        }
        let mut v = num(&s[nstart..i]).ok_or(BAD)?;
        if neg {
            v = -v;
        }
        let r = match (in_time, b[i]) {
            (false, b'Y') => 1,
            (false, b'M') => 2,
            (false, b'W') => 3,
            (false, b'D') => 4,
            (true, b'H') => 5,
            (true, b'M') => 6,
            (true, b'S') => 7,
            _ => return Err(BAD),
        };
        if r <= rank {
            return Err("duration parts out of order");
        }
        rank = r;
        any = true;
        match r {
            1 => y = v,
            2 => mo = v,
            3 => w = v,
            4 => d = v,
            5 => h = v,
            6 => mi = v,
            _ => se = v,
        }
        i += 1;
    }
    if !any {
        return Err(BAD);
    }
    const OVER: &str = "duration out of range";
    let hours = if mi.is_zero() && se.is_zero() {
        h
    } else {
        let secs = h
            .checked_mul(Decimal::from(3600))
            .and_then(|x| x.checked_add(mi.checked_mul(Decimal::from(60))?))
            .and_then(|x| x.checked_add(se))
            .ok_or(OVER)?;
        tidy(secs.checked_div(Decimal::from(3600)).ok_or(OVER)?)
    };
    let months = y
        .checked_mul(Decimal::from(12))
        .and_then(|x| x.checked_add(mo))
        .ok_or(OVER)?;
    let mut dur = Dur {
        hours,
        days: d,
        weeks: w,
        months,
    };
    if neg_all {
        dur = Dur {
            hours: -dur.hours,
            days: -dur.days,
            weeks: -dur.weeks,
            months: -dur.months,
        };
    }
    Ok(dur)
}

/// Lag hours of a `LinkLag` in tenths of a minute.
pub(crate) fn lag_tenths_to_hours(tenths: i64) -> Decimal {
    if tenths % 600 == 0 {
        return Decimal::from(tenths / 600);
    }
    tidy(Decimal::from(tenths) / Decimal::from(600))
}

// ---------------------------------------------------------------------------------
// element contexts

macro_rules! fields {
    ($($v:ident = $n:literal),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum F { $($v),* }
        impl F {
            fn name(self) -> &'static str {
                match self { $(F::$v => $n),* }
            }
        }
    };
}

fields! {
    PName = "Name", PTitle = "Title", PStart = "StartDate", PFinish = "FinishDate",
    PFromStart = "ScheduleFromStart", PStatus = "StatusDate", PCalendar = "CalendarUID",
    PCurrency = "CurrencyCode", PMinDay = "MinutesPerDay", PMinWeek = "MinutesPerWeek",
    PDaysMonth = "DaysPerMonth",
    CUid = "UID", CName = "Name", CIsBase = "IsBaseCalendar", CBase = "BaseCalendarUID",
    DType = "DayType", DWorking = "DayWorking",
    TpFrom = "FromDate", TpTo = "ToDate",
    WtFrom = "FromTime", WtTo = "ToTime",
    EByOcc = "EnteredByOccurrences", EOcc = "Occurrences", EType = "Type",
    EPeriod = "Period", EDays = "DaysOfWeek", EItem = "MonthItem", EPos = "MonthPosition",
    EMonth = "Month", EMonthDay = "MonthDay", EWorking = "DayWorking",
    TUid = "UID", TId = "ID", TName = "Name", TNull = "IsNull", TWbs = "WBS",
    TOutNum = "OutlineNumber", TOutLvl = "OutlineLevel", TStart = "Start",
    TFinish = "Finish", TDur = "Duration", TRemDur = "RemainingDuration",
    TActDur = "ActualDuration", TMilestone = "Milestone", TSummary = "Summary",
    TPct = "PercentComplete", TActStart = "ActualStart", TActFinish = "ActualFinish",
    TCType = "ConstraintType", TCDate = "ConstraintDate", TCal = "CalendarUID",
    TNotes = "Notes",
    LPred = "PredecessorUID", LType = "Type", LCross = "CrossProject", LLag = "LinkLag",
    LFmt = "LagFormat",
    BNum = "Number", BStart = "Start", BFinish = "Finish",
    RUid = "UID", RId = "ID", RName = "Name", RType = "Type", RNull = "IsNull",
    RLabel = "MaterialLabel", RCal = "CalendarUID", RIsCost = "IsCostResource",
    AUid = "UID", ATask = "TaskUID", ARes = "ResourceUID", AWork = "Work",
    AActWork = "ActualWork", ARemWork = "RemainingWork", AUnits = "Units",
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Doc,
    Root,
    Skip,
    Field(F),
    Calendars,
    Calendar,
    WeekDays,
    WeekDay,
    TimePeriod,
    WorkingTimes,
    WorkingTime,
    Exceptions,
    Exception,
    WorkWeeks,
    WorkWeek,
    Tasks,
    Task,
    Link,
    Baseline,
    Resources,
    Resource,
    Assignments,
    Assignment,
}

fn child(parent: Ctx, n: &[u8]) -> Ctx {
    use Ctx::*;
    match parent {
        Skip | Field(_) | Doc => Skip,
        Root => match n {
            b"Name" => Field(F::PName),
            b"Title" => Field(F::PTitle),
            b"StartDate" => Field(F::PStart),
            b"FinishDate" => Field(F::PFinish),
            b"ScheduleFromStart" => Field(F::PFromStart),
            b"StatusDate" => Field(F::PStatus),
            b"CalendarUID" => Field(F::PCalendar),
            b"CurrencyCode" => Field(F::PCurrency),
            b"MinutesPerDay" => Field(F::PMinDay),
            b"MinutesPerWeek" => Field(F::PMinWeek),
            b"DaysPerMonth" => Field(F::PDaysMonth),
            b"Calendars" => Calendars,
            b"Tasks" => Tasks,
            b"Resources" => Resources,
            b"Assignments" => Assignments,
            _ => Skip,
        },
        Calendars => {
            if n == b"Calendar" {
                Calendar
            } else {
                Skip
            }
        }
        Calendar => match n {
            b"UID" => Field(F::CUid),
            b"Name" => Field(F::CName),
            b"IsBaseCalendar" => Field(F::CIsBase),
            b"BaseCalendarUID" => Field(F::CBase),
            b"WeekDays" => WeekDays,
            b"Exceptions" => Exceptions,
            b"WorkWeeks" => WorkWeeks,
            _ => Skip,
        },
        WeekDays => {
            if n == b"WeekDay" {
                WeekDay
            } else {
                Skip
            }
        }
        WeekDay => match n {
            b"DayType" => Field(F::DType),
            b"DayWorking" => Field(F::DWorking),
            b"TimePeriod" => TimePeriod,
            b"WorkingTimes" => WorkingTimes,
            _ => Skip,
        },
        TimePeriod => match n {
            b"FromDate" => Field(F::TpFrom),
            b"ToDate" => Field(F::TpTo),
            _ => Skip,
        },
        WorkingTimes => {
            if n == b"WorkingTime" {
                WorkingTime
            } else {
                Skip
            }
        }
        WorkingTime => match n {
            b"FromTime" => Field(F::WtFrom),
            b"ToTime" => Field(F::WtTo),
            _ => Skip,
        },
        Exceptions => {
            if n == b"Exception" {
                Exception
            } else {
                Skip
            }
        }
        Exception => match n {
            b"EnteredByOccurrences" => Field(F::EByOcc),
            b"TimePeriod" => TimePeriod,
            b"Occurrences" => Field(F::EOcc),
            b"Type" => Field(F::EType),
            b"Period" => Field(F::EPeriod),
            b"DaysOfWeek" => Field(F::EDays),
            b"MonthItem" => Field(F::EItem),
            b"MonthPosition" => Field(F::EPos),
            b"Month" => Field(F::EMonth),
            b"MonthDay" => Field(F::EMonthDay),
            b"DayWorking" => Field(F::EWorking),
            b"WorkingTimes" => WorkingTimes,
            _ => Skip,
        },
        WorkWeeks => {
            if n == b"WorkWeek" {
                WorkWeek
            } else {
                Skip
            }
        }
        WorkWeek => match n {
            b"TimePeriod" => TimePeriod,
            b"WeekDays" => WeekDays,
            _ => Skip,
        },
        Tasks => {
            if n == b"Task" {
                Task
            } else {
                Skip
            }
        }
        Task => match n {
            b"UID" => Field(F::TUid),
            b"ID" => Field(F::TId),
            b"Name" => Field(F::TName),
            b"IsNull" => Field(F::TNull),
            b"WBS" => Field(F::TWbs),
            b"OutlineNumber" => Field(F::TOutNum),
            b"OutlineLevel" => Field(F::TOutLvl),
            b"Start" => Field(F::TStart),
            b"Finish" => Field(F::TFinish),
            b"Duration" => Field(F::TDur),
            b"RemainingDuration" => Field(F::TRemDur),
            b"ActualDuration" => Field(F::TActDur),
            b"Milestone" => Field(F::TMilestone),
            b"Summary" => Field(F::TSummary),
            b"PercentComplete" => Field(F::TPct),
            b"ActualStart" => Field(F::TActStart),
            b"ActualFinish" => Field(F::TActFinish),
            b"ConstraintType" => Field(F::TCType),
            b"ConstraintDate" => Field(F::TCDate),
            b"CalendarUID" => Field(F::TCal),
            b"Notes" => Field(F::TNotes),
            b"PredecessorLink" => Link,
            b"Baseline" => Baseline,
            _ => Skip,
        },
        Link => match n {
            b"PredecessorUID" => Field(F::LPred),
            b"Type" => Field(F::LType),
            b"CrossProject" => Field(F::LCross),
            b"LinkLag" => Field(F::LLag),
            b"LagFormat" => Field(F::LFmt),
            _ => Skip,
        },
        Baseline => match n {
            b"Number" => Field(F::BNum),
            b"Start" => Field(F::BStart),
            b"Finish" => Field(F::BFinish),
            _ => Skip,
        },
        Resources => {
            if n == b"Resource" {
                Resource
            } else {
                Skip
            }
        }
        Resource => match n {
            b"UID" => Field(F::RUid),
            b"ID" => Field(F::RId),
            b"Name" => Field(F::RName),
            b"Type" => Field(F::RType),
            b"IsNull" => Field(F::RNull),
            b"MaterialLabel" => Field(F::RLabel),
            b"CalendarUID" => Field(F::RCal),
            b"IsCostResource" => Field(F::RIsCost),
            _ => Skip,
        },
        Assignments => {
            if n == b"Assignment" {
                Assignment
            } else {
                Skip
            }
        }
        Assignment => match n {
            b"UID" => Field(F::AUid),
            b"TaskUID" => Field(F::ATask),
            b"ResourceUID" => Field(F::ARes),
            b"Work" => Field(F::AWork),
            b"ActualWork" => Field(F::AActWork),
            b"RemainingWork" => Field(F::ARemWork),
            b"Units" => Field(F::AUnits),
            _ => Skip,
        },
    }
}

// ---------------------------------------------------------------------------------
// records gathered while streaming

type Dt = PrimitiveDateTime;

#[derive(Debug, Default)]
struct ProjRec {
    name: String,
    title: String,
    start: Option<Dt>,
    finish: Option<Dt>,
    from_start: Option<bool>,
    status: Option<Dt>,
    calendar: Option<i64>,
    currency: String,
    min_day: Option<Decimal>,
    min_week: Option<Decimal>,
    days_month: Option<Decimal>,
}

#[derive(Debug, Default)]
struct DayRec {
    pos: u64,
    day_type: Option<i64>,
    working: Option<bool>,
    from: Option<Dt>,
    to: Option<Dt>,
    shifts: Shifts,
}

#[derive(Debug, Default)]
struct ExcRec {
    pos: u64,
    from: Option<Dt>,
    to: Option<Dt>,
    by_occurrences: bool,
    occurrences: Option<i64>,
    kind: Option<i64>,
    period: Option<i64>,
    days_of_week: Option<i64>,
    month_item: Option<i64>,
    month_position: Option<i64>,
    month: Option<i64>,
    month_day: Option<i64>,
    working: Option<bool>,
    shifts: Shifts,
}

#[derive(Debug, Default)]
struct WorkWeekRec {
    pos: u64,
    from: Option<Dt>,
    to: Option<Dt>,
    days: [Option<Shifts>; 7],
}

#[derive(Debug, Default)]
struct CalRec {
    pos: u64,
    uid: Option<i64>,
    name: String,
    is_base: Option<bool>,
    base: Option<i64>,
    week: [Option<Shifts>; 7],
    /// Legacy DayType 0 exception ranges: (from, to, shifts, pos).
    day_exceptions: Vec<(Date, Date, Shifts, u64)>,
    exceptions: Vec<ExcRec>,
    work_weeks: Vec<WorkWeekRec>,
}

#[derive(Debug, Default)]
struct TaskRec {
    pos: u64,
    uid: Option<i64>,
    id: Option<i64>,
    name: String,
    is_null: bool,
    wbs: String,
    outline_number: String,
    outline_level: Option<i64>,
    start: Option<Dt>,
    finish: Option<Dt>,
    duration: Option<Dur>,
    remaining: Option<Dur>,
    actual_duration: Option<Dur>,
    milestone: bool,
    summary: bool,
    percent: Option<Decimal>,
    actual_start: Option<Dt>,
    actual_finish: Option<Dt>,
    constraint_type: Option<i64>,
    constraint_date: Option<Dt>,
    calendar: Option<i64>,
    notes: Option<String>,
    baseline_start: Option<Dt>,
    baseline_finish: Option<Dt>,
}

#[derive(Debug, Default, Clone, Copy)]
struct LinkRec {
    pos: u64,
    /// Index of the successor in `tasks`.
    succ: usize,
    pred: Option<i64>,
    kind: Option<i64>,
    cross: bool,
    lag: Option<i64>,
    fmt: Option<i64>,
}

#[derive(Debug, Default)]
struct BaselineRec {
    number: Option<i64>,
    start: Option<Dt>,
    finish: Option<Dt>,
}

#[derive(Debug, Default)]
struct ResRec {
    pos: u64,
    uid: Option<i64>,
    id: Option<i64>,
    name: String,
    kind: Option<i64>,
    is_null: bool,
    is_cost: bool,
    label: String,
    calendar: Option<i64>,
}

#[derive(Debug, Default)]
struct AsgRec {
    pos: u64,
    uid: Option<i64>,
    task: Option<i64>,
    resource: Option<i64>,
    work: Option<Dur>,
    actual_work: Option<Dur>,
    remaining_work: Option<Dur>,
    units: Option<Decimal>,
}

#[derive(Default)]
struct St {
    text: String,
    /// Position of the field element being read.
    fpos: u64,
    proj: ProjRec,
    cals: Vec<CalRec>,
    cal: CalRec,
    day: DayRec,
    exc: ExcRec,
    ww: WorkWeekRec,
    period: (Option<Dt>, Option<Dt>),
    wt: (Option<Time>, Option<Time>),
    tasks: Vec<TaskRec>,
    task: TaskRec,
    links: Vec<LinkRec>,
    link: LinkRec,
    bl: BaselineRec,
    res: Vec<ResRec>,
    r: ResRec,
    asgs: Vec<AsgRec>,
    a: AsgRec,
    /// A project-level field was read (see [`parse_parts`]).
    project_fields: bool,
}

const H_INT: &str = "MSPDI writes a whole number here";
const H_BOOL: &str = "MSPDI writes 0 or 1 here";
const H_DATE: &str = "MSPDI date-times look like 2024-03-01T08:00:00";
const H_TIME: &str = "MSPDI times look like 08:00:00";
const H_DUR: &str = "MSPDI durations look like PT8H0M0S";
const H_DEC: &str = "write a plain number such as 50 or 12.5";

impl St {
    fn opt<'t>(&self, s: &'t str) -> Option<&'t str> {
        xml::present(s)
    }

    fn int(&self, f: F, s: &str) -> Result<Option<i64>, Fault> {
        match self.opt(s) {
            None => Ok(None),
            Some(t) => xml::int(t)
                .map(Some)
                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_INT)),
        }
    }

    fn boolean(&self, f: F, s: &str) -> Result<Option<bool>, Fault> {
        match self.opt(s) {
            None => Ok(None),
            Some(t) => xml::boolean(t)
                .map(Some)
                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_BOOL)),
        }
    }

    fn dt(&self, f: F, s: &str) -> Result<Option<Dt>, Fault> {
        match self.opt(s) {
            None => Ok(None),
            Some(t) => xml::datetime(t)
                .map(Some)
                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_DATE)),
        }
    }

    fn tod(&self, f: F, s: &str) -> Result<Option<Time>, Fault> {
        match self.opt(s) {
            None => Ok(None),
            Some(t) => xml::time_of_day(t)
                .map(Some)
                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_TIME)),
        }
    }

    fn dur(&self, f: F, s: &str) -> Result<Option<Dur>, Fault> {
        match self.opt(s) {
            None => Ok(None),
            Some(t) => parse_duration(t)
                .map(Some)
                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_DUR)),
        }
    }

    fn dec(&self, f: F, s: &str) -> Result<Option<Decimal>, Fault> {
        match self.opt(s) {
            None => Ok(None),
            Some(t) => xml::decimal(t)
                .map(Some)
                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_DEC)),
        }
    }

    fn close_day(&mut self, in_work_week: bool) -> Result<(), Fault> {
        let day = std::mem::take(&mut self.day);
        let Some(dt) = day.day_type else {
            return Err(Fault::structure(
                day.pos,
                "a <WeekDay> has no <DayType>",
                "every WeekDay needs a DayType: 0 = exception, 1 = Sunday … 7 = Saturday",
            ));
        };
        let shifts = |working: Option<bool>, shifts: Shifts| -> Option<Shifts> {
            match working {
                Some(false) => Some(Vec::new()),
                Some(true) if shifts.is_empty() => Some(default_shifts()),
                Some(true) => Some(shifts),
                None if shifts.is_empty() => None,
                None => Some(shifts),
            }
        };
        match dt {
            1..=7 => {
                let idx = ((dt + 5) % 7) as usize;
                let s = shifts(day.working, day.shifts);
                if in_work_week {
                    self.ww.days[idx] = s;
                } else {
                    self.cal.week[idx] = s;
                }
            }
            0 if !in_work_week => {
                let (Some(from), Some(to)) = (day.from, day.to) else {
                    return Err(Fault::structure(
                        day.pos,
                        "an exception <WeekDay> (DayType 0) has no TimePeriod FromDate/ToDate",
                        "give the exception's <TimePeriod> with <FromDate> and <ToDate>",
                    ));
                };
                let s = shifts(day.working, day.shifts).unwrap_or_default();
                self.cal
                    .day_exceptions
                    .push((from.date(), to.date(), s, day.pos));
            }
            _ => {
                return Err(Fault::value(
                    day.pos,
                    "DayType",
                    &dt.to_string(),
                    "unknown day type",
                    "DayType is 0 (exception) or 1 = Sunday … 7 = Saturday",
                ))
            }
        }
        Ok(())
    }

    /// Appends the records of the part read after this one.
    fn join(&mut self, next: St) {
        let offset = self.tasks.len();
        self.tasks.extend(next.tasks);
        self.links.extend(next.links.into_iter().map(|mut l| {
            l.succ += offset;
            l
        }));
        self.cals.extend(next.cals);
        self.res.extend(next.res);
        self.asgs.extend(next.asgs);
    }

    fn apply(&mut self, f: F, s: &str) -> Result<(), Fault> {
        match f {
            F::PName => self.proj.name = s.trim().to_string(),
            F::PTitle => self.proj.title = s.trim().to_string(),
            F::PStart => self.proj.start = self.dt(f, s)?,
            F::PFinish => self.proj.finish = self.dt(f, s)?,
            F::PFromStart => self.proj.from_start = self.boolean(f, s)?,
            F::PStatus => self.proj.status = self.dt(f, s)?,
            F::PCalendar => self.proj.calendar = self.int(f, s)?,
            F::PCurrency => self.proj.currency = s.trim().to_string(),
            F::PMinDay => self.proj.min_day = self.positive(f, s)?,
            F::PMinWeek => self.proj.min_week = self.positive(f, s)?,
            F::PDaysMonth => self.proj.days_month = self.positive(f, s)?,
            F::CUid => self.cal.uid = self.int(f, s)?,
            F::CName => self.cal.name = s.trim().to_string(),
            F::CIsBase => self.cal.is_base = self.boolean(f, s)?,
            F::CBase => self.cal.base = self.int(f, s)?,
            F::DType => self.day.day_type = self.int(f, s)?,
            F::DWorking => self.day.working = self.boolean(f, s)?,
            F::TpFrom => self.period.0 = self.dt(f, s)?,
            F::TpTo => self.period.1 = self.dt(f, s)?,
            F::WtFrom => self.wt.0 = self.tod(f, s)?,
            F::WtTo => self.wt.1 = self.tod(f, s)?,
            F::EByOcc => self.exc.by_occurrences = self.boolean(f, s)?.unwrap_or(false),
            F::EOcc => self.exc.occurrences = self.int(f, s)?,
            F::EType => self.exc.kind = self.int(f, s)?,
            F::EPeriod => self.exc.period = self.int(f, s)?,
            F::EDays => self.exc.days_of_week = self.int(f, s)?,
            F::EItem => self.exc.month_item = self.int(f, s)?,
            F::EPos => self.exc.month_position = self.int(f, s)?,
            F::EMonth => self.exc.month = self.int(f, s)?,
            F::EMonthDay => self.exc.month_day = self.int(f, s)?,
            F::EWorking => self.exc.working = self.boolean(f, s)?,
            F::TUid => self.task.uid = self.int(f, s)?,
            F::TId => self.task.id = self.int(f, s)?,
            F::TName => self.task.name = s.trim().to_string(),
            F::TNull => self.task.is_null = self.boolean(f, s)?.unwrap_or(false),
            F::TWbs => self.task.wbs = s.trim().to_string(),
            F::TOutNum => self.task.outline_number = s.trim().to_string(),
            F::TOutLvl => self.task.outline_level = self.int(f, s)?,
            F::TStart => self.task.start = self.dt(f, s)?,
            F::TFinish => self.task.finish = self.dt(f, s)?,
            F::TDur => self.task.duration = self.dur(f, s)?,
            F::TRemDur => self.task.remaining = self.dur(f, s)?,
            F::TActDur => self.task.actual_duration = self.dur(f, s)?,
            F::TMilestone => self.task.milestone = self.boolean(f, s)?.unwrap_or(false),
            F::TSummary => self.task.summary = self.boolean(f, s)?.unwrap_or(false),
            F::TPct => {
                let p = self.dec(f, s)?;
                if let Some(v) = p {
                    if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED {
                        return Err(Fault::value(
                            self.fpos,
                            f.name(),
                            s.trim(),
                            "percent complete out of range",
                            "PercentComplete is 0 to 100",
                        ));
                    }
                }
                self.task.percent = p;
            }
            F::TActStart => self.task.actual_start = self.dt(f, s)?,
            F::TActFinish => self.task.actual_finish = self.dt(f, s)?,
            F::TCType => self.task.constraint_type = self.int(f, s)?,
            F::TCDate => self.task.constraint_date = self.dt(f, s)?,
            F::TCal => self.task.calendar = self.int(f, s)?,
            F::TNotes => {
                self.task.notes = if s.trim().is_empty() {
                    None
                } else {
                    Some(s.to_string())
                }
            }
            F::LPred => self.link.pred = self.int(f, s)?,
            F::LType => self.link.kind = self.int(f, s)?,
            F::LCross => self.link.cross = self.boolean(f, s)?.unwrap_or(false),
            F::LLag => {
                self.link.lag = match self.opt(s) {
                    None => None,
                    // Some writers put a decimal here; tenths of a minute are whole.
                    Some(t) => match xml::int(t) {
                        Ok(v) => Some(v),
                        Err(_) => {
                            let d = xml::decimal(t)
                                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_INT))?;
                            Some(d.round().to_i64().ok_or_else(|| {
                                Fault::value(self.fpos, f.name(), t, "lag out of range", H_INT)
                            })?)
                        }
                    },
                }
            }
            F::LFmt => self.link.fmt = self.int(f, s)?,
            F::BNum => self.bl.number = self.int(f, s)?,
            F::BStart => self.bl.start = self.dt(f, s)?,
            F::BFinish => self.bl.finish = self.dt(f, s)?,
            F::RUid => self.r.uid = self.int(f, s)?,
            F::RId => self.r.id = self.int(f, s)?,
            F::RName => self.r.name = s.trim().to_string(),
            F::RType => self.r.kind = self.int(f, s)?,
            F::RNull => self.r.is_null = self.boolean(f, s)?.unwrap_or(false),
            F::RLabel => self.r.label = s.trim().to_string(),
            F::RCal => self.r.calendar = self.int(f, s)?,
            F::RIsCost => self.r.is_cost = self.boolean(f, s)?.unwrap_or(false),
            F::AUid => self.a.uid = self.int(f, s)?,
            F::ATask => self.a.task = self.int(f, s)?,
            F::ARes => self.a.resource = self.int(f, s)?,
            F::AWork => self.a.work = self.dur(f, s)?,
            F::AActWork => self.a.actual_work = self.dur(f, s)?,
            F::ARemWork => self.a.remaining_work = self.dur(f, s)?,
            F::AUnits => self.a.units = self.dec(f, s)?,
        }
        Ok(())
    }

    fn positive(&self, f: F, s: &str) -> Result<Option<Decimal>, Fault> {
        let v = self.dec(f, s)?;
        if let Some(d) = v {
            if d <= Decimal::ZERO || d > Decimal::from(1_000_000) {
                return Err(Fault::value(
                    self.fpos,
                    f.name(),
                    s.trim(),
                    "must be a positive number",
                    "e.g. MinutesPerDay 480, MinutesPerWeek 2400, DaysPerMonth 20",
                ));
            }
        }
        Ok(v)
    }
}

/// MS Project's default working time for a working day without times.
fn default_shifts() -> Shifts {
    vec![(time!(8:00), time!(12:00)), (time!(13:00), time!(17:00))]
}

// ---------------------------------------------------------------------------------
// streaming

fn parse(bytes: &[u8]) -> Result<Schedule, Fault> {
    let parts = if bytes.len() < PARTS_MIN_BYTES {
        None
    } else {
        parse_parts(bytes, rayon::current_num_threads().max(1) * 4)
    };
    let st = match parts {
        Some(st) => st,
        None => one_pass(bytes)?,
    };
    build(st)
}

/// Reads the whole file on one core.
fn one_pass(bytes: &[u8]) -> Result<St, Fault> {
    let mut st = St::default();
    xml::drive(bytes, &mut st)?;
    Ok(st)
}

/// Files smaller than this are read in one pass.
const PARTS_MIN_BYTES: usize = 4 << 20;
/// How far past a cut target a `<Task>` or `<Assignment>` is looked for.
const CUT_WINDOW: usize = 1 << 20;

/// Reads a large file in about `n` parts on all cores: the file is cut just before `<Task>` and
/// `<Assignment>` start tags, each part is read from inside `<Project><Tasks>` (or
/// `<Assignments>`), and the parts' records are joined in document order. The result
/// equals one pass because every part must end with exactly the elements open that
/// the next part assumed (a cut inside a comment, CDATA or tag fails its part), and
/// no later part may set a project field. Any failed part or mismatch gives None: the
/// caller then reads in one pass, which also reports errors with their lines.
fn parse_parts(bytes: &[u8], n: usize) -> Option<St> {
    use rayon::prelude::*;
    const TASKS: [xml::Open<'static, Ctx>; 2] = [(Ctx::Root, b"Project"), (Ctx::Tasks, b"Tasks")];
    const ASGS: [xml::Open<'static, Ctx>; 2] =
        [(Ctx::Root, b"Project"), (Ctx::Assignments, b"Assignments")];
    let task = memchr::memmem::Finder::new(b"<Task>");
    let asg = memchr::memmem::Finder::new(b"<Assignment>");
    let mut cuts: Vec<(usize, &[xml::Open<'static, Ctx>])> = Vec::with_capacity(n);
    for k in 1..n {
        let target = bytes.len() / n * k;
        if cuts.last().is_some_and(|c| c.0 >= target) {
            continue;
        }
        let window = &bytes[target..(target + CUT_WINDOW).min(bytes.len())];
        let cut = match (task.find(window), asg.find(window)) {
            (Some(t), Some(a)) if a < t => (target + a, &ASGS[..]),
            (Some(t), _) => (target + t, &TASKS[..]),
            (None, Some(a)) => (target + a, &ASGS[..]),
            (None, None) => continue,
        };
        cuts.push(cut);
    }
    if cuts.is_empty() {
        return None;
    }
    let mut parts: Vec<(usize, usize, &[xml::Open<'static, Ctx>])> = Vec::with_capacity(n);
    parts.push((0, cuts[0].0, &[]));
    for (i, &(from, open)) in cuts.iter().enumerate() {
        let to = cuts.get(i + 1).map_or(bytes.len(), |c| c.0);
        parts.push((from, to, open));
    }
    let read: Vec<Option<(St, Vec<xml::Open<'_, Ctx>>)>> = parts
        .par_iter()
        .map(|&(from, to, open)| {
            let mut st = St::default();
            let left_open = xml::drive_part(bytes, from, to, open, &mut st).ok()?;
            Some((st, left_open))
        })
        .collect();
    let mut read: Vec<St> = read
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let (st, left_open) = r?;
            let next_open: &[xml::Open<'_, Ctx>] = parts.get(i + 1).map_or(&[], |p| p.2);
            (left_open == next_open && (i == 0 || !st.project_fields)).then_some(st)
        })
        .collect::<Option<_>>()?;
    let rest = read.split_off(1);
    let mut all = read.pop()?;
    all.tasks
        .reserve(rest.iter().map(|st| st.tasks.len()).sum());
    all.links
        .reserve(rest.iter().map(|st| st.links.len()).sum());
    all.asgs.reserve(rest.iter().map(|st| st.asgs.len()).sum());
    for st in rest {
        all.join(st);
    }
    Some(all)
}

impl xml::Handler for St {
    type Ctx = Ctx;
    const DOC: Ctx = Ctx::Doc;
    const ROOT: Ctx = Ctx::Root;
    const SKIP: Ctx = Ctx::Skip;
    const ROOT_NAME: &'static str = "Project";
    const NAMESPACE: &'static str = "http://schemas.microsoft.com/project";
    const OTHER_ROOT_HINT: &'static str =
        "this is not an MS Project XML (MSPDI) file; P6 XML has <APIBusinessObjects>";
    const NAMESPACE_HINT: &'static str =
        "MSPDI uses xmlns=\"http://schemas.microsoft.com/project\" (or none)";
    const ONE_ROOT: &'static str = "an MSPDI file has exactly one <Project> root element";
    const NO_ROOT_HINT: &'static str =
        "an MSPDI file starts with <Project xmlns=\"http://schemas.microsoft.com/project\">";

    fn child(parent: Ctx, name: &[u8]) -> Ctx {
        child(parent, name)
    }

    fn is_field(ctx: Ctx) -> bool {
        matches!(ctx, Ctx::Field(_))
    }

    fn on_open(&mut self, ctx: Ctx, pos: u64) {
        match ctx {
            Ctx::Field(_) => {
                self.text.clear();
                self.fpos = pos;
            }
            Ctx::Calendar => {
                self.cal = CalRec {
                    pos,
                    ..CalRec::default()
                }
            }
            Ctx::WeekDay => {
                self.day = DayRec {
                    pos,
                    ..DayRec::default()
                }
            }
            Ctx::Exception => {
                self.exc = ExcRec {
                    pos,
                    ..ExcRec::default()
                }
            }
            Ctx::WorkWeek => {
                self.ww = WorkWeekRec {
                    pos,
                    ..WorkWeekRec::default()
                }
            }
            Ctx::TimePeriod => self.period = (None, None),
            Ctx::WorkingTime => self.wt = (None, None),
            Ctx::Task => {
                self.task = TaskRec {
                    pos,
                    ..TaskRec::default()
                }
            }
            Ctx::Link => {
                self.link = LinkRec {
                    pos,
                    succ: self.tasks.len(),
                    ..LinkRec::default()
                }
            }
            Ctx::Baseline => self.bl = BaselineRec::default(),
            Ctx::Resource => {
                self.r = ResRec {
                    pos,
                    ..ResRec::default()
                }
            }
            Ctx::Assignment => {
                self.a = AsgRec {
                    pos,
                    ..AsgRec::default()
                }
            }
            _ => {}
        }
    }

    /// `ctx` has just closed; `stack` holds its ancestors (innermost last).
    fn on_close(&mut self, ctx: Ctx, stack: &[Ctx]) -> Result<(), Fault> {
        match ctx {
            Ctx::Field(f) => {
                // A field of the root element is a project field.
                self.project_fields |= stack.last() == Some(&Ctx::Root);
                let text = std::mem::take(&mut self.text);
                let r = self.apply(f, &text);
                self.text = text;
                r?;
            }
            Ctx::TimePeriod => {
                let (from, to) = self.period;
                match stack.last() {
                    Some(Ctx::WeekDay) => (self.day.from, self.day.to) = (from, to),
                    Some(Ctx::Exception) => (self.exc.from, self.exc.to) = (from, to),
                    Some(Ctx::WorkWeek) => (self.ww.from, self.ww.to) = (from, to),
                    _ => {}
                }
            }
            Ctx::WorkingTime => {
                if let (Some(from), Some(to)) = self.wt {
                    let owner = stack.len().checked_sub(2).map(|i| stack[i]);
                    match owner {
                        Some(Ctx::WeekDay) => self.day.shifts.push((from, to)),
                        Some(Ctx::Exception) => self.exc.shifts.push((from, to)),
                        _ => {}
                    }
                }
            }
            Ctx::WeekDay => {
                let in_work_week = stack.len() >= 2 && stack[stack.len() - 2] == Ctx::WorkWeek;
                self.close_day(in_work_week)?;
            }
            Ctx::Exception => {
                let exc = std::mem::take(&mut self.exc);
                self.cal.exceptions.push(exc);
            }
            Ctx::WorkWeek => {
                let ww = std::mem::take(&mut self.ww);
                self.cal.work_weeks.push(ww);
            }
            Ctx::Calendar => {
                let cal = std::mem::take(&mut self.cal);
                self.cals.push(cal);
            }
            Ctx::Task => {
                let task = std::mem::take(&mut self.task);
                self.tasks.push(task);
            }
            Ctx::Link => self.links.push(self.link),
            Ctx::Baseline if self.bl.number.unwrap_or(0) == 0 => {
                self.task.baseline_start = self.bl.start;
                self.task.baseline_finish = self.bl.finish;
            }
            Ctx::Resource => {
                let r = std::mem::take(&mut self.r);
                self.res.push(r);
            }
            Ctx::Assignment => {
                let a = std::mem::take(&mut self.a);
                self.asgs.push(a);
            }
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self) -> &mut String {
        &mut self.text
    }
}

// ---------------------------------------------------------------------------------
// calendars

/// Work done expanding exceptions, against the per-file caps.
#[derive(Default)]
struct Budget {
    dates: usize,
    steps: u64,
}

impl Budget {
    fn step(&mut self, pos: u64) -> Result<(), Fault> {
        self.steps += 1;
        if self.steps > MAX_FILE_RECURRENCE_STEPS {
            return Err(Fault::structure(
                pos,
                "calendar exceptions need too much work to expand",
                "the recurrences span thousands of years; the file is damaged or hostile",
            ));
        }
        Ok(())
    }
}

/// Collects the dates of one exception, up to its occurrence count.
struct Dates {
    out: Vec<Date>,
    limit: usize,
    pos: u64,
}

impl Dates {
    /// Adds `d`; false once the occurrence count is reached.
    fn push(&mut self, d: Date) -> Result<bool, Fault> {
        if self.out.len() >= self.limit {
            return Ok(false);
        }
        if self.out.len() >= MAX_RECURRENCE_DATES {
            return Err(Fault::structure(
                self.pos,
                format!("a recurring exception expands to more than {MAX_RECURRENCE_DATES} dates"),
                "shorten the recurrence's range or number of occurrences",
            ));
        }
        self.out.push(d);
        Ok(self.out.len() < self.limit)
    }
}

fn add_days(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Duration::days(n))
}

fn days_in_month(year: i32, month: u8) -> u8 {
    Month::try_from(month).map_or(28, |m| m.length(year))
}

fn ym_date(year: i32, month: u8, day: u8) -> Option<Date> {
    let m = Month::try_from(month).ok()?;
    Date::from_calendar_date(year, m, day.min(days_in_month(year, month))).ok()
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The `position`-th (0–3, or 4 = last) `item` of a month (see the module doc).
fn nth_in_month(item: i64, position: i64, year: i32, month: u8) -> Option<Date> {
    let dim = days_in_month(year, month);
    let hit = |d: Date| match item {
        0 => true,
        1 => !is_weekend(d),
        2 => is_weekend(d),
        _ => i64::from(d.weekday().number_days_from_sunday()) == item - 3,
    };
    if position == 4 {
        (1..=dim)
            .rev()
            .filter_map(|day| ym_date(year, month, day))
            .find(|&d| hit(d))
    } else {
        (1..=dim)
            .filter_map(|day| ym_date(year, month, day))
            .filter(|&d| hit(d))
            .nth(usize::try_from(position).ok()?)
    }
}

fn bad_exception(e: &ExcRec, element: &str, v: i64, what: &str, hint: &'static str) -> Fault {
    Fault::value(e.pos, element, &v.to_string(), what, hint)
}

/// Expands one `Exception` to its dates.
fn expand(e: &ExcRec, budget: &mut Budget) -> Result<Vec<Date>, Fault> {
    let (from, to) = match (e.from, e.to) {
        (None, None) => return Ok(Vec::new()),
        (Some(a), None) | (None, Some(a)) => (a.date(), a.date()),
        (Some(a), Some(b)) => (a.date(), b.date()),
    };
    if to < from {
        return Err(Fault::structure(
            e.pos,
            format!("a calendar exception ends ({to}) before it starts ({from})"),
            "swap FromDate and ToDate",
        ));
    }
    let limit = match e.occurrences {
        Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    let period = e.period.unwrap_or(1);
    if !(1..=10_000).contains(&period) {
        return Err(bad_exception(
            e,
            "Period",
            period,
            "period out of range",
            "Period is 1 or more",
        ));
    }
    let mut dates = Dates {
        out: Vec::new(),
        limit,
        pos: e.pos,
    };
    let span = (to - from).whole_days();
    match e.kind {
        // A plain range. Project writes "daily" (Type 1, period 1) for every simple
        // exception; like MPXJ, its Occurrences are not a limit then.
        k if matches!(k, None | Some(9)) || (k == Some(1) && period == 1) => {
            if span >= MAX_RANGE_DAYS {
                return Err(Fault::structure(
                    e.pos,
                    format!("a calendar exception spans {} days (limit {MAX_RANGE_DAYS})", span + 1),
                    "split the exception or shorten it",
                ));
            }
            dates.limit = usize::MAX;
            let mut d = from;
            while d <= to {
                budget.step(e.pos)?;
                dates.out.push(d);
                let Some(n) = add_days(d, 1) else { break };
                d = n;
            }
        }
        Some(1) | Some(7) => {
            let mut d = from;
            while d <= to {
                budget.step(e.pos)?;
                if !dates.push(d)? {
                    break;
                }
                let Some(n) = add_days(d, period) else { break };
                d = n;
            }
        }
        Some(8) => {
            let mut d = from;
            let mut nth: i64 = 0;
            while d <= to {
                budget.step(e.pos)?;
                if !is_weekend(d) {
                    if nth % period == 0 && !dates.push(d)? {
                        break;
                    }
                    nth += 1;
                }
                let Some(n) = add_days(d, 1) else { break };
                d = n;
            }
        }
        Some(6) => {
            let mask = e
                .days_of_week
                .unwrap_or(1 << from.weekday().number_days_from_sunday());
            if !(0..=127).contains(&mask) {
                return Err(bad_exception(
                    e,
                    "DaysOfWeek",
                    mask,
                    "not a set of weekdays",
                    "DaysOfWeek adds 1 = Sunday, 2 = Monday … 64 = Saturday",
                ));
            }
            let back = i64::from(from.weekday().number_days_from_sunday());
            let Some(mut week) = add_days(from, -back) else {
                return Ok(Vec::new());
            };
            'weeks: while week <= to {
                for k in 0..7 {
                    budget.step(e.pos)?;
                    let Some(d) = add_days(week, k) else { break 'weeks };
                    if d > to {
                        break 'weeks;
                    }
                    if d >= from && mask & (1 << k) != 0 && !dates.push(d)? {
                        break 'weeks;
                    }
                }
                let Some(n) = add_days(week, 7 * period) else { break };
                week = n;
            }
        }
        Some(k @ (4 | 5)) => {
            let item = e.month_item.unwrap_or(0);
            let position = e.month_position.unwrap_or(0);
            let day = e.month_day.unwrap_or(i64::from(from.day()));
            check_month_fields(e, k, item, position, day)?;
            let mut index = i64::from(from.year()) * 12 + i64::from(u8::from(from.month())) - 1;
            loop {
                budget.step(e.pos)?;
                let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX);
                let month = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
                if year > to.year() {
                    break;
                }
                let d = if k == 4 {
                    ym_date(year, month, u8::try_from(day).unwrap_or(1))
                } else {
                    nth_in_month(item, position, year, month)
                };
                if let Some(d) = d {
                    if d > to {
                        break;
                    }
                    if d >= from && !dates.push(d)? {
                        break;
                    }
                }
                index += period;
            }
        }
        Some(k @ (2 | 3)) => {
            let item = e.month_item.unwrap_or(0);
            let position = e.month_position.unwrap_or(0);
            let day = e.month_day.unwrap_or(i64::from(from.day()));
            let month0 = e.month.unwrap_or(i64::from(u8::from(from.month())) - 1);
            if !(0..=11).contains(&month0) {
                return Err(bad_exception(e, "Month", month0, "month out of range", "Month is 0 = January … 11 = December"));
            }
            check_month_fields(e, k + 2, item, position, day)?;
            let month = u8::try_from(month0 + 1).unwrap_or(1);
            for year in from.year()..=to.year() {
                budget.step(e.pos)?;
                let d = if k == 2 {
                    ym_date(year, month, u8::try_from(day).unwrap_or(1))
                } else {
                    nth_in_month(item, position, year, month)
                };
                if let Some(d) = d {
                    if d >= from && d <= to && !dates.push(d)? {
                        break;
                    }
                }
            }
        }
        other => {
            return Err(bad_exception(
                e,
                "Type",
                other.unwrap_or(0),
                "unknown calendar exception type",
                "Type is 1 daily, 2/3 yearly, 4/5 monthly, 6 weekly, 7 day count, 8 weekday count, 9 none",
            ))
        }
    }
    budget.dates += dates.out.len();
    Ok(dates.out)
}

/// `kind` 4 = by day of month, 5 = by position.
fn check_month_fields(
    e: &ExcRec,
    kind: i64,
    item: i64,
    position: i64,
    day: i64,
) -> Result<(), Fault> {
    if kind == 4 && !(1..=31).contains(&day) {
        return Err(bad_exception(
            e,
            "MonthDay",
            day,
            "day of month out of range",
            "MonthDay is 1 to 31",
        ));
    }
    if kind == 5 {
        if !(0..=9).contains(&item) {
            return Err(bad_exception(
                e,
                "MonthItem",
                item,
                "unknown month item",
                "MonthItem is 0 day, 1 weekday, 2 weekend day, 3 Sunday … 9 Saturday",
            ));
        }
        if !(0..=4).contains(&position) {
            return Err(bad_exception(
                e,
                "MonthPosition",
                position,
                "unknown month position",
                "MonthPosition is 0 first … 3 fourth, 4 last",
            ));
        }
    }
    Ok(())
}

fn exception_shifts(working: Option<bool>, shifts: &Shifts) -> Shifts {
    match working {
        Some(true) if shifts.is_empty() => default_shifts(),
        Some(true) => shifts.clone(),
        None if !shifts.is_empty() => shifts.clone(),
        _ => Vec::new(),
    }
}

/// A calendar's own exception dates (before work weeks and inheritance).
fn own_exceptions(c: &CalRec, budget: &mut Budget) -> Result<BTreeMap<Date, Shifts>, Fault> {
    let mut map = BTreeMap::new();
    if !c.exceptions.is_empty() {
        for e in &c.exceptions {
            let shifts = exception_shifts(e.working, &e.shifts);
            for d in expand(e, budget)? {
                map.insert(d, shifts.clone());
            }
            check_file_dates(budget, e.pos)?;
        }
    } else {
        for (from, to, shifts, pos) in &c.day_exceptions {
            let span = (*to - *from).whole_days();
            if span < 0 {
                return Err(Fault::structure(
                    *pos,
                    format!("a calendar exception ends ({to}) before it starts ({from})"),
                    "swap FromDate and ToDate",
                ));
            }
            if span >= MAX_RANGE_DAYS {
                return Err(Fault::structure(
                    *pos,
                    format!(
                        "a calendar exception spans {} days (limit {MAX_RANGE_DAYS})",
                        span + 1
                    ),
                    "split the exception or shorten it",
                ));
            }
            let mut d = *from;
            while d <= *to {
                budget.step(*pos)?;
                map.insert(d, shifts.clone());
                budget.dates += 1;
                let Some(n) = add_days(d, 1) else { break };
                d = n;
            }
            check_file_dates(budget, *pos)?;
        }
    }
    Ok(map)
}

fn check_file_dates(budget: &Budget, pos: u64) -> Result<(), Fault> {
    if budget.dates > MAX_FILE_EXCEPTION_DATES {
        return Err(Fault::structure(
            pos,
            format!("the calendars expand to more than {MAX_FILE_EXCEPTION_DATES} exception dates"),
            "the file is damaged or hostile",
        ));
    }
    Ok(())
}

/// Index of the calendar `i` derives from, if any.
fn base_of(cals: &[CalRec], index: &HashMap<i64, usize>, i: usize) -> Option<usize> {
    let c = &cals[i];
    if c.is_base == Some(true) {
        return None;
    }
    let b = c.base?;
    if Some(b) == c.uid {
        return None;
    }
    index.get(&b).copied()
}

/// Order in which calendars can be resolved (bases first); errors on a cycle.
fn base_order(cals: &[CalRec], index: &HashMap<i64, usize>) -> Result<Vec<usize>, Fault> {
    let mut done = vec![false; cals.len()];
    let mut order = Vec::with_capacity(cals.len());
    for start in 0..cals.len() {
        let mut chain = Vec::new();
        let mut i = start;
        while !done[i] {
            chain.push(i);
            if chain.len() > MAX_BASE_CHAIN {
                return Err(Fault::structure(
                    cals[start].pos,
                    "calendars derive from each other in a loop (or a chain too long)",
                    "check the BaseCalendarUID of each calendar",
                ));
            }
            match base_of(cals, index, i) {
                Some(b) => i = b,
                None => break,
            }
        }
        for &c in chain.iter().rev() {
            if !done[c] {
                done[c] = true;
                order.push(c);
            }
        }
    }
    Ok(order)
}

fn build_calendars(
    cals: &[CalRec],
    index: &HashMap<i64, usize>,
    hpd: Decimal,
) -> Result<Vec<Calendar>, Fault> {
    let mut budget = Budget::default();
    let order = base_order(cals, index)?;
    let mut weeks: Vec<Option<[Shifts; 7]>> = vec![None; cals.len()];
    let mut excs: Vec<Option<BTreeMap<Date, Shifts>>> = vec![None; cals.len()];
    for &i in &order {
        let c = &cals[i];
        let base = base_of(cals, index, i);
        let mut week: [Shifts; 7] = Default::default();
        for (k, day) in week.iter_mut().enumerate() {
            *day = match (&c.week[k], base.and_then(|b| weeks[b].as_ref())) {
                (Some(own), _) => own.clone(),
                (None, Some(bw)) => bw[k].clone(),
                (None, None) => Vec::new(),
            };
        }
        let mut exc = own_exceptions(c, &mut budget)?;
        for ww in &c.work_weeks {
            let (Some(from), Some(to)) = (ww.from, ww.to) else {
                continue;
            };
            let (from, to) = (from.date(), to.date());
            let span = (to - from).whole_days();
            if span >= MAX_WORK_WEEK_DAYS {
                return Err(Fault::structure(
                    ww.pos,
                    format!(
                        "a work week spans {} days (limit {MAX_WORK_WEEK_DAYS})",
                        span + 1
                    ),
                    "shorten the work week's TimePeriod",
                ));
            }
            let mut d = from;
            while d <= to {
                budget.step(ww.pos)?;
                let k = usize::from(d.weekday().number_days_from_monday());
                if let Some(s) = &ww.days[k] {
                    if *s != week[k] && !exc.contains_key(&d) {
                        exc.insert(d, s.clone());
                        budget.dates += 1;
                    }
                }
                let Some(n) = add_days(d, 1) else { break };
                d = n;
            }
            check_file_dates(&budget, ww.pos)?;
        }
        if let Some(b) = base {
            if let Some(bx) = excs[b].as_ref() {
                for (d, s) in bx {
                    if !exc.contains_key(d) {
                        exc.insert(*d, s.clone());
                        budget.dates += 1;
                    }
                }
                check_file_dates(&budget, c.pos)?;
            }
        }
        weeks[i] = Some(week);
        excs[i] = Some(exc);
    }
    let mut out = Vec::with_capacity(cals.len());
    for (i, c) in cals.iter().enumerate() {
        let base = base_of(cals, index, i)
            .and_then(|b| cals[b].uid)
            .map(|u| u.to_string());
        out.push(Calendar {
            key: c.uid.map(|u| u.to_string()).unwrap_or_default(),
            name: c.name.clone(),
            base,
            hours_per_day: hpd,
            week: weeks[i].take().unwrap_or_default(),
            exceptions: excs[i].take().unwrap_or_default().into_iter().collect(),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// assembling the schedule

const NONE: u8 = 0;
const ACT: u8 = 1;
const SUMMARY: u8 = 2;

fn level(t: &TaskRec) -> i64 {
    t.outline_level.unwrap_or_else(|| {
        if t.outline_number.is_empty() {
            1
        } else {
            t.outline_number.bytes().filter(|&b| b == b'.').count() as i64 + 1
        }
    })
}

fn wbs_code(t: &TaskRec, parent: Option<&TaskRec>) -> String {
    if !t.wbs.is_empty() {
        if let Some(p) = parent {
            if !p.wbs.is_empty() && t.wbs.len() > p.wbs.len() + 1 && t.wbs.starts_with(&p.wbs) {
                let mut rest = t.wbs[p.wbs.len()..].chars();
                if rest.next().is_some_and(|c| !c.is_alphanumeric()) {
                    return rest.as_str().to_string();
                }
            }
        }
        return t.wbs.clone();
    }
    if let Some(last) = t
        .outline_number
        .rsplit('.')
        .next()
        .filter(|s| !s.is_empty())
    {
        return last.to_string();
    }
    t.id.or(t.uid).map(|v| v.to_string()).unwrap_or_default()
}

fn hours_of(d: &Dur, u: Units, pos: u64, element: &str) -> Result<Decimal, Fault> {
    d.hours(u).ok_or_else(|| {
        Fault::value(
            pos,
            element,
            "",
            "duration out of range",
            "durations must fit in hours",
        )
    })
}

fn cal_ref(
    uid: Option<i64>,
    index: &HashMap<i64, usize>,
    pos: u64,
    owner: &str,
) -> Result<Option<String>, Fault> {
    match uid {
        None | Some(-1) => Ok(None),
        Some(u) if index.contains_key(&u) => Ok(Some(u.to_string())),
        Some(u) => Err(Fault::structure(
            pos,
            format!("{owner} CalendarUID {u} names no calendar in <Calendars>"),
            "use the UID of a calendar the file defines, or -1 for none",
        )),
    }
}

fn build(st: St) -> Result<Schedule, Fault> {
    let St {
        proj,
        cals,
        tasks,
        links,
        res,
        asgs,
        ..
    } = st;
    let sixty = Decimal::from(60);
    let mut units = Units::default();
    if let Some(m) = proj.min_day {
        units.hpd = tidy(m / sixty);
    }
    if let Some(m) = proj.min_week {
        units.hpw = tidy(m / sixty);
    }
    if let Some(d) = proj.days_month {
        units.dpm = d;
    }

    // calendars
    let mut cal_index: HashMap<i64, usize> = HashMap::with_capacity(cals.len());
    for (i, c) in cals.iter().enumerate() {
        let Some(uid) = c.uid else {
            return Err(Fault::structure(
                c.pos,
                "a <Calendar> has no <UID>",
                "every calendar needs a UID",
            ));
        };
        if cal_index.insert(uid, i).is_some() {
            return Err(Fault::structure(
                c.pos,
                format!("two calendars have UID {uid}"),
                "calendar UIDs must be unique",
            ));
        }
    }
    let calendars = build_calendars(&cals, &cal_index, units.hpd)?;

    // tasks
    let mut by_uid: HashMap<i64, usize> = HashMap::with_capacity(tasks.len());
    for (i, t) in tasks.iter().enumerate() {
        if t.is_null {
            continue;
        }
        let Some(uid) = t.uid else {
            return Err(Fault::structure(
                t.pos,
                "a <Task> has no <UID>",
                "every task needs a UID",
            ));
        };
        if by_uid.insert(uid, i).is_some() {
            return Err(Fault::structure(
                t.pos,
                format!("two tasks have UID {uid}"),
                "task UIDs must be unique",
            ));
        }
        if level(t) < 0 {
            return Err(Fault::value(
                t.pos,
                "OutlineLevel",
                &level(t).to_string(),
                "negative outline level",
                "OutlineLevel is 0 for the project summary task, 1 or more for tasks",
            ));
        }
    }
    let real: Vec<usize> = (0..tasks.len())
        .filter(|&i| {
            let t = &tasks[i];
            !t.is_null && t.uid != Some(0) && level(t) >= 1
        })
        .collect();
    let mut role = vec![NONE; tasks.len()];
    for (k, &i) in real.iter().enumerate() {
        let deeper_next = real
            .get(k + 1)
            .is_some_and(|&n| level(&tasks[n]) > level(&tasks[i]));
        role[i] = if tasks[i].summary || deeper_next {
            SUMMARY
        } else {
            ACT
        };
    }

    // The outline gives each task its enclosing summary; WBS nodes are few and built
    // here, activities in parallel below.
    let mut wbs = Vec::new();
    let mut parent_of: Vec<Option<usize>> = vec![None; tasks.len()];
    let mut act_of = vec![u32::MAX; tasks.len()];
    let mut acts = 0u32;
    let mut outline: Vec<(i64, usize)> = Vec::new();
    for &i in &real {
        let t = &tasks[i];
        let lvl = level(t);
        while outline.last().is_some_and(|&(l, _)| l >= lvl) {
            outline.pop();
        }
        let parent = outline.last().map(|&(_, p)| p);
        parent_of[i] = parent;
        if role[i] == SUMMARY {
            wbs.push(Wbs {
                key: t.uid.map(|u| u.to_string()).unwrap_or_default(),
                parent: parent.and_then(|p| tasks[p].uid).map(|u| u.to_string()),
                code: wbs_code(t, parent.map(|p| &tasks[p])),
                name: t.name.clone(),
                seq: t.id.unwrap_or(i as i64),
            });
            outline.push((lvl, i));
        } else {
            act_of[i] = acts;
            acts += 1;
        }
    }
    let activities = par_ordered(&real, |&i| {
        if role[i] != ACT {
            return Ok(None);
        }
        let t = &tasks[i];
        let key = t.uid.map(|u| u.to_string()).unwrap_or_default();
        let parent_key = parent_of[i]
            .and_then(|p| tasks[p].uid)
            .map(|u| u.to_string());
        activity(t, key, parent_key, units, &cal_index).map(Some)
    })?;

    // relationships
    let relationships = par_ordered(&links, |l| {
        if l.cross || role.get(l.succ) != Some(&ACT) {
            return Ok(None);
        }
        let Some(pi) = l.pred.and_then(|p| by_uid.get(&p).copied()) else {
            return Ok(None);
        };
        if role[pi] != ACT {
            return Ok(None);
        }
        let kind = match l.kind {
            None | Some(1) => LinkKind::FinishToStart,
            Some(0) => LinkKind::FinishToFinish,
            Some(2) => LinkKind::StartToFinish,
            Some(3) => LinkKind::StartToStart,
            Some(k) => {
                return Err(Fault::value(
                    l.pos,
                    "Type",
                    &k.to_string(),
                    "unknown link type",
                    "PredecessorLink Type is 0 FF, 1 FS, 2 SF, 3 SS",
                ))
            }
        };
        let raw = l.lag.unwrap_or(0);
        let lag_hours = if matches!(l.fmt, Some(19 | 20 | 51 | 52)) {
            let pred = &activities[act_of[pi] as usize];
            pred.duration_hours
                .checked_mul(Decimal::from(raw))
                .map(|x| tidy(x / Decimal::ONE_HUNDRED))
                .ok_or_else(|| {
                    Fault::value(
                        l.pos,
                        "LinkLag",
                        &raw.to_string(),
                        "lag out of range",
                        "LinkLag is a percentage here",
                    )
                })?
        } else {
            lag_tenths_to_hours(raw)
        };
        Ok(Some(Relationship {
            predecessor: activities[act_of[pi] as usize].key.clone(),
            successor: activities[act_of[l.succ] as usize].key.clone(),
            kind,
            lag_hours,
        }))
    })?;

    // resources
    let mut resources = Vec::with_capacity(res.len());
    let mut res_kind: HashMap<i64, ResourceKind> = HashMap::with_capacity(res.len());
    for r in &res {
        if r.is_null {
            continue;
        }
        let Some(uid) = r.uid else {
            return Err(Fault::structure(
                r.pos,
                "a <Resource> has no <UID>",
                "every resource needs a UID",
            ));
        };
        if uid == 0 && r.name.is_empty() {
            continue;
        }
        let kind = match (r.is_cost, r.kind) {
            (true, _) | (_, Some(2)) => ResourceKind::Nonlabor,
            (_, None | Some(1)) => ResourceKind::Labor,
            (_, Some(0)) => ResourceKind::Material,
            (_, Some(k)) => {
                return Err(Fault::value(
                    r.pos,
                    "Type",
                    &k.to_string(),
                    "unknown resource type",
                    "Resource Type is 0 material, 1 work, 2 cost",
                ))
            }
        };
        if res_kind.insert(uid, kind).is_some() {
            return Err(Fault::structure(
                r.pos,
                format!("two resources have UID {uid}"),
                "resource UIDs must be unique",
            ));
        }
        resources.push(Resource {
            key: uid.to_string(),
            code: r.id.unwrap_or(uid).to_string(),
            name: r.name.clone(),
            kind,
            calendar: cal_ref(r.calendar, &cal_index, r.pos, "the resource's")?,
            unit: if r.label.is_empty() {
                None
            } else {
                Some(r.label.clone())
            },
        });
    }

    // assignments
    let assignments = par_ordered(&asgs, |a| {
        let Some(ru) = a.resource else {
            return Ok(None);
        };
        if ru == -65535 {
            return Ok(None);
        }
        let Some(&kind) = res_kind.get(&ru) else {
            return Ok(None);
        };
        let Some(ti) = a.task.and_then(|t| by_uid.get(&t).copied()) else {
            return Ok(None);
        };
        if role[ti] != ACT {
            return Ok(None);
        }
        let Some(uid) = a.uid else {
            return Err(Fault::structure(
                a.pos,
                "an <Assignment> has no <UID>",
                "every assignment needs a UID",
            ));
        };
        let h = |d: &Option<Dur>, el: &str| -> Result<Option<Decimal>, Fault> {
            d.as_ref()
                .map(|d| hours_of(d, units, a.pos, el))
                .transpose()
        };
        let work = h(&a.work, "Work")?;
        let actual = h(&a.actual_work, "ActualWork")?.unwrap_or(Decimal::ZERO);
        let planned = if kind == ResourceKind::Material {
            a.units.or(work).unwrap_or(Decimal::ZERO)
        } else {
            work.unwrap_or(Decimal::ZERO)
        };
        let remaining = match h(&a.remaining_work, "RemainingWork")? {
            Some(r) => r,
            None => planned
                .checked_sub(actual)
                .ok_or_else(|| Fault::value(a.pos, "ActualWork", "", "work out of range", H_DUR))?
                .max(Decimal::ZERO),
        };
        Ok(Some(Assignment {
            key: uid.to_string(),
            activity: activities[act_of[ti] as usize].key.clone(),
            resource: ru.to_string(),
            planned_units: tidy(planned),
            actual_units: tidy(actual),
            remaining_units: tidy(remaining),
        }))
    })?;
    // The raw records are large; free them off the reader's path.
    std::thread::spawn(move || drop((tasks, links, asgs)));

    let name = if proj.title.is_empty() {
        proj.name.clone()
    } else {
        proj.title.clone()
    };
    let project = Project {
        key: "1".to_string(),
        id: if proj.name.is_empty() {
            "1".to_string()
        } else {
            proj.name.clone()
        },
        name,
        planned_start: proj.start,
        must_finish: if proj.from_start == Some(false) {
            proj.finish
        } else {
            None
        },
        data_date: proj.status,
        calendar: proj
            .calendar
            .filter(|c| cal_index.contains_key(c))
            .map(|c| c.to_string()),
        calendars: Vec::new(),
        wbs,
        activities,
        relationships,
        assignments,
    };
    Ok(Schedule {
        projects: vec![project],
        calendars,
        resources,
        currency: if proj.currency.is_empty() {
            None
        } else {
            Some(proj.currency)
        },
    })
}

/// Records mapped per chunk on all cores.
const PAR_CHUNK: usize = 4096;

/// Maps `items` to the records they give (None: the item gives none) on all cores, in
/// document order. As in one pass, the error of the earliest failing item is returned.
fn par_ordered<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<Option<R>, Fault> + Sync,
) -> Result<Vec<R>, Fault> {
    use rayon::prelude::*;
    let chunks: Vec<Result<Vec<R>, Fault>> = items
        .par_chunks(PAR_CHUNK)
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len());
            for item in chunk {
                if let Some(r) = f(item)? {
                    out.push(r);
                }
            }
            Ok(out)
        })
        .collect();
    let mut all = Vec::with_capacity(chunks.iter().map(|c| c.as_ref().map_or(0, Vec::len)).sum());
    for c in chunks {
        all.extend(c?);
    }
    Ok(all)
}

fn activity(
    t: &TaskRec,
    key: String,
    wbs: Option<String>,
    units: Units,
    cal_index: &HashMap<i64, usize>,
) -> Result<Activity, Fault> {
    let pct = t.percent.unwrap_or(Decimal::ZERO);
    let status = if t.actual_finish.is_some() || pct == Decimal::ONE_HUNDRED {
        Status::Complete
    } else if t.actual_start.is_some() || pct > Decimal::ZERO {
        Status::InProgress
    } else {
        Status::NotStarted
    };
    let duration = match &t.duration {
        Some(d) => hours_of(d, units, t.pos, "Duration")?,
        None => Decimal::ZERO,
    };
    let remaining = match (&t.remaining, status) {
        (Some(d), _) => hours_of(d, units, t.pos, "RemainingDuration")?,
        (None, Status::Complete) => Decimal::ZERO,
        (None, _) => match &t.actual_duration {
            Some(a) => duration
                .checked_sub(hours_of(a, units, t.pos, "ActualDuration")?)
                .ok_or_else(|| {
                    Fault::value(t.pos, "ActualDuration", "", "duration out of range", H_DUR)
                })?
                .max(Decimal::ZERO),
            None => duration,
        },
    };
    let constraint =
        match t.constraint_type {
            None | Some(0) => None,
            Some(1) => Some(Constraint {
                kind: ConstraintKind::AsLateAsPossible,
                date: None,
            }),
            Some(c @ 2..=7) => {
                let kind = match c {
                    2 => ConstraintKind::StartOn,
                    3 => ConstraintKind::FinishOn,
                    4 => ConstraintKind::StartOnOrAfter,
                    5 => ConstraintKind::StartOnOrBefore,
                    6 => ConstraintKind::FinishOnOrAfter,
                    _ => ConstraintKind::FinishOnOrBefore,
                };
                let Some(date) = t.constraint_date else {
                    return Err(Fault::structure(
                        t.pos,
                        format!("task UID {key} has ConstraintType {c} but no ConstraintDate"),
                        "give the constraint's <ConstraintDate>, or set ConstraintType 0 (ASAP)",
                    ));
                };
                Some(Constraint {
                    kind,
                    date: Some(date),
                })
            }
            Some(c) => return Err(Fault::value(
                t.pos,
                "ConstraintType",
                &c.to_string(),
                "unknown constraint type",
                "ConstraintType is 0 ASAP, 1 ALAP, 2 MSO, 3 MFO, 4 SNET, 5 SNLT, 6 FNET, 7 FNLT",
            )),
        };
    let code = if !t.wbs.is_empty() {
        t.wbs.clone()
    } else {
        t.id.map(|i| i.to_string()).unwrap_or_else(|| key.clone())
    };
    Ok(Activity {
        calendar: cal_ref(t.calendar, cal_index, t.pos, "the task's")?,
        key,
        code,
        name: t.name.clone(),
        wbs,
        kind: if t.milestone {
            ActivityKind::FinishMilestone
        } else {
            ActivityKind::Task
        },
        status,
        duration_hours: duration,
        remaining_hours: remaining,
        percent_complete: pct.normalize(),
        start: t.start,
        finish: t.finish,
        actual_start: t.actual_start,
        actual_finish: t.actual_finish,
        baseline_start: t.baseline_start,
        baseline_finish: t.baseline_finish,
        constraint,
        elements: Vec::new(),
        notes: t.notes.clone(),
    })
}

/// The streaming XML layer both schedule readers share (`pmxml_read` uses it through
/// `super::mspdi_read::xml`): a thin guard around quick-xml's slice reader that refuses
/// DOCTYPEs, caps nesting depth and text/tag size, reports truncated files, and turns
/// everything into a [`Fault`] that carries a byte position. Plus the value parsers
/// (integers, booleans, decimals, xsd dates and times) the readers use.
pub(crate) mod xml {
    use std::borrow::Cow;

    use quick_xml::events::{BytesCData, BytesStart, BytesText, Event};
    use quick_xml::Reader;
    use rust_decimal::Decimal;
    use time::{Date, Month, PrimitiveDateTime, Time};

    /// Deepest element nesting accepted (MSPDI needs 6, PMXML 5).
    pub const MAX_DEPTH: usize = 256;
    /// Largest text node, and largest start tag (name plus attributes), in bytes.
    pub const MAX_TEXT: usize = 16 * 1024 * 1024;

    /// What kind of problem a [`Fault`] is; each reader maps it to its own error enum.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum FaultKind {
        /// Not well-formed XML, or not UTF-8.
        Syntax,
        /// A `<!DOCTYPE …>` (entity-expansion bombs live there).
        Doctype,
        /// Nesting or size cap exceeded.
        Limit,
        /// A value that does not parse or is out of range, in element `element`.
        Value { element: String, value: String },
        /// Well-formed XML that is not the expected document, or inconsistent data.
        Structure,
    }

    /// A problem at a byte position of the input.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Fault {
        pub pos: u64,
        pub kind: FaultKind,
        pub what: String,
        pub hint: &'static str,
    }

    impl Fault {
        pub fn structure(pos: u64, what: impl Into<String>, hint: &'static str) -> Self {
            Fault {
                pos,
                kind: FaultKind::Structure,
                what: what.into(),
                hint,
            }
        }

        pub fn value(
            pos: u64,
            element: &str,
            value: &str,
            what: impl Into<String>,
            hint: &'static str,
        ) -> Self {
            Fault {
                pos,
                kind: FaultKind::Value {
                    element: element.to_string(),
                    value: clip(value),
                },
                what: what.into(),
                hint,
            }
        }

        fn syntax(pos: u64, what: impl Into<String>, hint: &'static str) -> Self {
            Fault {
                pos,
                kind: FaultKind::Syntax,
                what: what.into(),
                hint,
            }
        }

        fn limit(pos: u64, what: impl Into<String>, hint: &'static str) -> Self {
            Fault {
                pos,
                kind: FaultKind::Limit,
                what: what.into(),
                hint,
            }
        }
    }

    /// At most 80 characters of a bad value go into a message.
    fn clip(value: &str) -> String {
        let mut out: String = value.chars().take(80).collect();
        if out.len() < value.len() {
            out.push('…');
        }
        out
    }

    /// 1-based line of byte position `pos` (positions past the end count as the end).
    pub fn line_of(bytes: &[u8], pos: u64) -> u64 {
        let end = usize::try_from(pos).map_or(bytes.len(), |p| p.min(bytes.len()));
        bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64 + 1
    }

    /// One step of the document, as the readers see it.
    pub enum Ev<'a> {
        /// An element starts (an empty element is an `Open` followed by a `Close`).
        Open(BytesStart<'a>),
        Close,
        Text(BytesText<'a>),
        CData(BytesCData<'a>),
        Eof,
    }

    /// What a streaming reader tells [`drive`]: how its element contexts nest and what it
    /// does when an element opens or closes. Text is collected only inside fields.
    pub trait Handler {
        type Ctx: Copy + PartialEq;
        /// Outside the root element.
        const DOC: Self::Ctx;
        /// The root element, once checked.
        const ROOT: Self::Ctx;
        /// An element whose content is ignored.
        const SKIP: Self::Ctx;
        /// The root element's local name, e.g. "Project".
        const ROOT_NAME: &'static str;
        /// Start of the namespace the root may declare (or none), e.g.
        /// "http://schemas.microsoft.com/project".
        const NAMESPACE: &'static str;
        /// Hint for a second root element.
        const ONE_ROOT: &'static str;
        /// Hint for a file without a root element.
        const NO_ROOT_HINT: &'static str;
        /// Hint for another root element.
        const OTHER_ROOT_HINT: &'static str;
        /// Hint for another namespace.
        const NAMESPACE_HINT: &'static str;
        /// The context of an element named `name` inside `parent`.
        fn child(parent: Self::Ctx, name: &[u8]) -> Self::Ctx;
        /// Whether `ctx` is a field (text collected, children skipped).
        fn is_field(ctx: Self::Ctx) -> bool;
        fn on_open(&mut self, ctx: Self::Ctx, pos: u64);
        fn on_close(&mut self, ctx: Self::Ctx, stack: &[Self::Ctx]) -> Result<(), Fault>;
        /// The field text being collected.
        fn text(&mut self) -> &mut String;
    }

    /// The root element must be `H::ROOT_NAME`, in `H::NAMESPACE` or none.
    fn check_root<H: Handler>(e: &BytesStart<'_>, pos: u64) -> Result<(), Fault> {
        let local = e.local_name();
        if local.as_ref() != H::ROOT_NAME.as_bytes() {
            return Err(Fault::structure(
                pos,
                format!(
                    "the root element is <{}>, not <{}>",
                    String::from_utf8_lossy(local.as_ref()),
                    H::ROOT_NAME
                ),
                H::OTHER_ROOT_HINT,
            ));
        }
        for a in e.attributes().with_checks(false).flatten() {
            if a.key.as_ref() == b"xmlns" && !a.value.starts_with(H::NAMESPACE.as_bytes()) {
                return Err(Fault::structure(
                    pos,
                    format!(
                        "the root <{}> is in namespace {:?}",
                        H::ROOT_NAME,
                        String::from_utf8_lossy(&a.value)
                    ),
                    H::NAMESPACE_HINT,
                ));
            }
        }
        Ok(())
    }

    /// Streams `bytes` through `h`: one root element, no text outside it.
    pub fn drive<H: Handler>(bytes: &[u8], h: &mut H) -> Result<(), Fault> {
        drive_part(bytes, 0, bytes.len(), &[], h).map(|_| ())
    }

    /// An element open where a part of the document starts or ends: its context and
    /// its qualified name as written.
    pub type Open<'a, C> = (C, &'a [u8]);

    /// Streams `bytes[from..to]` through `h`, starting inside the elements `open`
    /// (outermost first; empty at the start of the document), and returns the elements
    /// still open at `to`. Positions stay those of the whole file. `from` and `to` must
    /// fall between markup: a part that ends inside a tag, comment or CDATA section is
    /// an error. The part that ends the document also checks that the root element was
    /// seen and everything is closed.
    ///
    /// Parts read separately give exactly what one pass gives when each part starts
    /// with the elements the previous part left open — the caller checks that.
    pub fn drive_part<'a, H: Handler>(
        bytes: &'a [u8],
        from: usize,
        to: usize,
        open: &[Open<'a, H::Ctx>],
        h: &mut H,
    ) -> Result<Vec<Open<'a, H::Ctx>>, Fault> {
        let mut sc = Scanner::new(bytes, from, to, open.iter().map(|o| o.1).collect())?;
        let mut stack: Vec<H::Ctx> = Vec::with_capacity(32);
        stack.push(H::DOC);
        stack.extend(open.iter().map(|o| o.0));
        let mut seen_root = !open.is_empty();
        loop {
            match sc.next()? {
                Ev::Open(e) => {
                    let parent = stack.last().copied().unwrap_or(H::DOC);
                    let ctx = if parent == H::SKIP || H::is_field(parent) {
                        H::SKIP
                    } else if parent == H::DOC {
                        if seen_root {
                            return Err(Fault::structure(
                                sc.pos,
                                "a second root element",
                                H::ONE_ROOT,
                            ));
                        }
                        seen_root = true;
                        check_root::<H>(&e, sc.pos)?;
                        H::ROOT
                    } else {
                        H::child(parent, e.local_name().as_ref())
                    };
                    stack.push(ctx);
                    h.on_open(ctx, sc.pos);
                }
                Ev::Close => {
                    let ctx = stack.pop().unwrap_or(H::DOC);
                    h.on_close(ctx, &stack)?;
                }
                Ev::Text(t) => match stack.last() {
                    Some(&c) if H::is_field(c) => push_text(h.text(), &t, sc.pos)?,
                    Some(&c) if c == H::DOC && !is_blank(&t) => {
                        return Err(Fault::structure(
                            sc.pos,
                            "text outside the root element",
                            "is this an XML file?",
                        ))
                    }
                    _ => {}
                },
                Ev::CData(t) => {
                    if let Some(&c) = stack.last() {
                        if H::is_field(c) {
                            push_cdata(h.text(), &t, sc.pos)?;
                        }
                    }
                }
                Ev::Eof => break,
            }
        }
        if to == bytes.len() && !seen_root {
            return Err(Fault::structure(
                0,
                "no root element: the file is empty or not XML",
                H::NO_ROOT_HINT,
            ));
        }
        Ok(stack.into_iter().skip(1).zip(sc.open_names()).collect())
    }

    /// Guarded pull parser over a byte slice, or a part of one.
    pub struct Scanner<'a> {
        rd: Reader<&'a [u8]>,
        bytes: &'a [u8],
        /// Where the part read starts and ends.
        base: u64,
        to: usize,
        /// Names of the elements open before the part starts (outermost first) and not
        /// yet closed.
        outer: Vec<&'a [u8]>,
        /// Byte position of each element opened in this part and still open.
        opens: Vec<u64>,
        pending_close: bool,
        /// Byte position where the last event started.
        pub pos: u64,
    }

    impl<'a> Scanner<'a> {
        /// Reads `bytes[from..to]` inside the elements named `outer`.
        pub fn new(
            bytes: &'a [u8],
            from: usize,
            to: usize,
            outer: Vec<&'a [u8]>,
        ) -> Result<Self, Fault> {
            if from == 0 && (bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])) {
                return Err(Fault::syntax(
                    0,
                    "the file is UTF-16",
                    "save or export the file as UTF-8 XML",
                ));
            }
            let part = bytes.get(from..to).ok_or_else(|| {
                Fault::structure(from as u64, "a part outside the file", "report this")
            })?;
            let mut rd = Reader::from_reader(part);
            let cfg = rd.config_mut();
            cfg.check_end_names = true;
            cfg.allow_unmatched_ends = !outer.is_empty();
            cfg.expand_empty_elements = false;
            cfg.trim_text(false);
            Ok(Scanner {
                rd,
                bytes,
                base: from as u64,
                to,
                outer,
                opens: Vec::with_capacity(32),
                pending_close: false,
                pos: from as u64,
            })
        }

        /// Qualified names of the elements open now, outermost first.
        pub fn open_names(&self) -> Vec<&'a [u8]> {
            let mut names = self.outer.clone();
            names.extend(self.opens.iter().map(|&p| self.name_bytes(p)));
            names
        }

        pub fn next(&mut self) -> Result<Ev<'a>, Fault> {
            if self.pending_close {
                self.pending_close = false;
                self.opens.pop();
                return Ok(Ev::Close);
            }
            loop {
                let pos = self.base + self.rd.buffer_position();
                self.pos = pos;
                let ev = match self.rd.read_event() {
                    Ok(ev) => ev,
                    Err(e) => return Err(self.xml_error(e)),
                };
                match ev {
                    Event::Start(e) => {
                        self.open(pos, e.len())?;
                        return Ok(Ev::Open(e));
                    }
                    Event::Empty(e) => {
                        self.open(pos, e.len())?;
                        self.pending_close = true;
                        return Ok(Ev::Open(e));
                    }
                    Event::End(e) => {
                        if self.opens.pop().is_none() {
                            // Closes an element opened before this part (quick-xml
                            // checks the others).
                            let expected = self.outer.pop();
                            if expected != Some(e.name().as_ref()) {
                                return Err(Fault::syntax(
                                    pos,
                                    format!(
                                        "</{}> does not match its start tag",
                                        String::from_utf8_lossy(e.name().as_ref())
                                    ),
                                    "an end tag does not match its start tag; the file was \
                                     edited by hand or is damaged",
                                ));
                            }
                        }
                        return Ok(Ev::Close);
                    }
                    Event::Text(t) => {
                        if t.len() > MAX_TEXT {
                            return Err(too_large(pos));
                        }
                        return Ok(Ev::Text(t));
                    }
                    Event::CData(t) => {
                        if t.len() > MAX_TEXT {
                            return Err(too_large(pos));
                        }
                        return Ok(Ev::CData(t));
                    }
                    Event::DocType(_) => {
                        return Err(Fault {
                            pos,
                            kind: FaultKind::Doctype,
                            what: "DOCTYPE is not allowed (possible XML bomb)".into(),
                            hint: "schedule XML never needs a DTD; remove the <!DOCTYPE …> \
                                   declaration",
                        });
                    }
                    Event::Decl(_) | Event::PI(_) | Event::Comment(_) => continue,
                    Event::Eof => {
                        if self.to < self.bytes.len() {
                            // The end of a part, not of the document.
                            return Ok(Ev::Eof);
                        }
                        if let Some(&open) = self.opens.last() {
                            let name = self.name_at(open);
                            return Err(Fault::syntax(
                                self.bytes.len() as u64,
                                format!(
                                    "the file ends inside <{name}> (opened on line {}): it is \
                                     truncated",
                                    line_of(self.bytes, open)
                                ),
                                "the file was cut short (incomplete download or copy); \
                                 export it again",
                            ));
                        }
                        if let Some(name) = self.outer.last() {
                            return Err(Fault::syntax(
                                self.bytes.len() as u64,
                                format!(
                                    "the file ends inside <{}>: it is truncated",
                                    String::from_utf8_lossy(name)
                                ),
                                "the file was cut short (incomplete download or copy); \
                                 export it again",
                            ));
                        }
                        return Ok(Ev::Eof);
                    }
                }
            }
        }

        fn open(&mut self, pos: u64, len: usize) -> Result<(), Fault> {
            if len > MAX_TEXT {
                return Err(Fault::limit(
                    pos,
                    format!("a start tag is {len} bytes long (limit {MAX_TEXT})"),
                    "attributes this large are not schedule data; the file is damaged or \
                     hostile",
                ));
            }
            if self.opens.len() >= MAX_DEPTH {
                return Err(Fault::limit(
                    pos,
                    format!("elements are nested more than {MAX_DEPTH} deep"),
                    "schedule XML nests a few levels only; the file is damaged or hostile",
                ));
            }
            self.opens.push(pos);
            Ok(())
        }

        /// Qualified element name written at byte `pos` (which holds a `<`).
        fn name_bytes(&self, pos: u64) -> &'a [u8] {
            let start = usize::try_from(pos).unwrap_or(usize::MAX).saturating_add(1);
            let rest = self.bytes.get(start..).unwrap_or(&[]);
            let end = rest
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
                .unwrap_or(rest.len());
            &rest[..end]
        }

        /// Element name written at byte `pos`, for messages (at most 64 bytes).
        fn name_at(&self, pos: u64) -> String {
            let name = self.name_bytes(pos);
            String::from_utf8_lossy(&name[..name.len().min(64)]).into_owned()
        }

        fn xml_error(&self, e: quick_xml::Error) -> Fault {
            use quick_xml::errors::IllFormedError;
            let pos = self.base + self.rd.error_position();
            let hint = match &e {
                quick_xml::Error::IllFormed(IllFormedError::MismatchedEndTag { .. })
                | quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(_)) => {
                    "an end tag does not match its start tag; the file was edited by hand or \
                     is damaged"
                }
                quick_xml::Error::Syntax(_) => {
                    "the XML is not well-formed here (truncated or damaged file?)"
                }
                quick_xml::Error::Encoding(_) => "save or export the file as UTF-8",
                _ => "the XML is not well-formed here",
            };
            Fault::syntax(pos, e.to_string(), hint)
        }
    }

    fn too_large(pos: u64) -> Fault {
        Fault::limit(
            pos,
            format!("a text node is larger than {MAX_TEXT} bytes"),
            "no schedule field is this large; the file is damaged or hostile",
        )
    }

    /// Appends a text event's unescaped content to `out` (capped at [`MAX_TEXT`]).
    pub fn push_text(out: &mut String, t: &BytesText<'_>, pos: u64) -> Result<(), Fault> {
        let s: Cow<'_, str> = t.unescape().map_err(|e| {
            Fault::syntax(
                pos,
                e.to_string(),
                "only the five XML entities and character references are allowed, and the \
                 file must be UTF-8",
            )
        })?;
        push_capped(out, &s, pos)
    }

    /// Appends a CDATA section's content to `out` (capped at [`MAX_TEXT`]).
    pub fn push_cdata(out: &mut String, t: &BytesCData<'_>, pos: u64) -> Result<(), Fault> {
        let s = t
            .decode()
            .map_err(|e| Fault::syntax(pos, e.to_string(), "the file must be UTF-8"))?;
        push_capped(out, &s, pos)
    }

    fn push_capped(out: &mut String, s: &str, pos: u64) -> Result<(), Fault> {
        if out.len() + s.len() > MAX_TEXT {
            return Err(too_large(pos));
        }
        out.push_str(s);
        Ok(())
    }

    /// Deterministic damage for the readers' never-panic tests: random bytes, or a file
    /// with a few edits (truncation, a changed byte or digit, an inserted token, a cut).
    #[cfg(test)]
    pub struct Damage(u64);

    #[cfg(test)]
    impl Damage {
        pub fn new(seed: u64) -> Self {
            Damage(seed)
        }

        pub fn next(&mut self) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as usize
        }

        /// Up to `max` random bytes.
        pub fn noise(&mut self, max: usize) -> Vec<u8> {
            let n = self.next() % max;
            (0..n).map(|_| self.next() as u8).collect()
        }

        /// `base` with `edits` random edits, inserted tokens taken from `tokens`.
        pub fn edit(&mut self, base: &[u8], tokens: &[&[u8]], edits: usize) -> Vec<u8> {
            let mut b = base.to_vec();
            for _ in 0..edits {
                let at = self.next() % (b.len() + 1);
                match self.next() % 5 {
                    0 => b.truncate(at),
                    1 => {
                        if at < b.len() {
                            b[at] = self.next() as u8;
                        }
                    }
                    2 => {
                        let t = tokens[self.next() % tokens.len()];
                        b.splice(at..at, t.iter().copied());
                    }
                    3 => {
                        let end = (at + self.next() % 200).min(b.len());
                        b.drain(at..end);
                    }
                    _ => {
                        if at < b.len() && b[at].is_ascii_digit() {
                            b[at] = b'0' + (self.next() % 10) as u8;
                        }
                    }
                }
            }
            b
        }
    }

    /// True if `t` holds only XML whitespace (as raw bytes: no decoding needed).
    pub fn is_blank(t: &[u8]) -> bool {
        t.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    }

    // ---- value parsers: each returns what is wrong, the caller adds where ----

    pub fn int(s: &str) -> Result<i64, &'static str> {
        let s = s.trim();
        let (neg, digits) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("not a whole number");
        }
        let mut v: i64 = 0;
        for b in digits.bytes() {
            v = v * 10 + i64::from(b - b'0');
        }
        Ok(if neg { -v } else { v })
    }

    pub fn boolean(s: &str) -> Result<bool, &'static str> {
        match s.trim() {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            _ => Err("not a boolean (0, 1, true or false)"),
        }
    }

    pub fn decimal(s: &str) -> Result<Decimal, &'static str> {
        let s = s.trim();
        if s.is_empty() || s.len() > 64 {
            return Err("not a decimal number");
        }
        if let Ok(d) = s.parse::<Decimal>() {
            return Ok(d);
        }
        if s.bytes().any(|b| b == b'e' || b == b'E') {
            if let Ok(d) = Decimal::from_scientific(s) {
                return Ok(d);
            }
        }
        Err("not a decimal number")
    }

    fn digits(b: &[u8]) -> Option<u32> {
        if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(b.iter().fold(0u32, |v, &d| v * 10 + u32::from(d - b'0')))
    }

    /// `hh:mm[:ss[.fff]]`; `24:00[:00]` reads as 00:00 (midnight at the end of a day).
    pub fn time_of_day(s: &str) -> Result<Time, &'static str> {
        const BAD: &str = "not a time of day (hh:mm:ss)";
        let b = s.trim().as_bytes();
        if b.len() < 5 || b[2] != b':' {
            return Err(BAD);
        }
        let h = digits(&b[0..2]).ok_or(BAD)?;
        let m = digits(&b[3..5]).ok_or(BAD)?;
        let (sec, nanos) = if b.len() > 5 {
            if b[5] != b':' || b.len() < 8 {
                return Err(BAD);
            }
            let sec = digits(&b[6..8]).ok_or(BAD)?;
            let nanos = fraction(&b[8..]).ok_or(BAD)?;
            (sec, nanos)
        } else {
            (0, 0)
        };
        if h == 24 && m == 0 && sec == 0 && nanos == 0 {
            return Ok(Time::MIDNIGHT);
        }
        let (h, m, sec) = (
            u8::try_from(h).map_err(|_| BAD)?,
            u8::try_from(m).map_err(|_| BAD)?,
            u8::try_from(sec).map_err(|_| BAD)?,
        );
        Time::from_hms_nano(h, m, sec, nanos).map_err(|_| "time of day out of range")
    }

    /// `.fff…` after the seconds (empty = 0); at most 9 digits are kept.
    fn fraction(b: &[u8]) -> Option<u32> {
        if b.is_empty() {
            return Some(0);
        }
        if b[0] != b'.' || b.len() < 2 {
            return None;
        }
        let f = &b[1..];
        if !f.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut nanos: u32 = 0;
        for i in 0..9 {
            nanos = nanos * 10 + f.get(i).map_or(0, |d| u32::from(d - b'0'));
        }
        Some(nanos)
    }

    /// `YYYY-MM-DD` (a leading `-` or more digits are not accepted).
    pub fn date(s: &str) -> Result<Date, &'static str> {
        const BAD: &str = "not a date (YYYY-MM-DD)";
        let b = s.trim().as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(BAD);
        }
        let y = digits(&b[0..4]).ok_or(BAD)?;
        let m = digits(&b[5..7]).ok_or(BAD)?;
        let d = digits(&b[8..10]).ok_or(BAD)?;
        let month = u8::try_from(m)
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or("month out of range")?;
        let y = i32::try_from(y).map_err(|_| BAD)?;
        let d = u8::try_from(d).map_err(|_| BAD)?;
        Date::from_calendar_date(y, month, d).map_err(|_| "day out of range for its month")
    }

    /// xsd:dateTime as the scheduling tools write it: `YYYY-MM-DDThh:mm:ss[.fff]`, also
    /// a bare date (midnight). A zone suffix (`Z`, `+hh:mm`) is dropped: the model keeps
    /// local wall-clock times, which is what the tools write. `T24:00:00` is the next
    /// day's midnight.
    pub fn datetime(s: &str) -> Result<PrimitiveDateTime, &'static str> {
        let s = s.trim();
        if s.len() < 10 || !s.is_char_boundary(10) {
            return Err("not a date-time (YYYY-MM-DDThh:mm:ss)");
        }
        let d = date(&s[..10])?;
        let rest = &s[10..];
        if rest.is_empty() {
            return Ok(PrimitiveDateTime::new(d, Time::MIDNIGHT));
        }
        let rb = rest.as_bytes();
        if rb[0] != b'T' && rb[0] != b' ' {
            return Err("not a date-time (YYYY-MM-DDThh:mm:ss)");
        }
        let mut t = &rest[1..];
        if let Some(stripped) = t.strip_suffix('Z') {
            t = stripped;
        } else if t.len() > 6 {
            let tail = &t.as_bytes()[t.len() - 6..];
            if (tail[0] == b'+' || tail[0] == b'-') && tail[3] == b':' {
                t = &t[..t.len() - 6];
            }
        }
        let tb = t.as_bytes();
        if tb.len() >= 5 && &tb[..2] == b"24" {
            let tod = time_of_day(t)?;
            if tod == Time::MIDNIGHT {
                let next = d.next_day().ok_or("date out of range")?;
                return Ok(PrimitiveDateTime::new(next, Time::MIDNIGHT));
            }
        }
        Ok(PrimitiveDateTime::new(d, time_of_day(t)?))
    }

    /// Text is "absent" when it is empty or only whitespace (xsi:nil elements too).
    pub fn present(s: &str) -> Option<&str> {
        let t = s.trim();
        if t.is_empty() {
            None
        } else {
            Some(t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::dec;
    use time::macros::{date, datetime};

    /// Decimal literal helper (no extra crate): `dec("7.5")`.
    mod rust_decimal_macros_free {
        pub fn dec(s: &str) -> rust_decimal::Decimal {
            s.parse().expect("decimal literal")
        }
    }

    const FIXTURE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <SaveVersion>14</SaveVersion>
  <Name>tower.xml</Name>
  <Title>Tower A</Title>
  <ScheduleFromStart>0</ScheduleFromStart>
  <StartDate>2025-01-06T08:00:00</StartDate>
  <FinishDate>2025-12-19T17:00:00</FinishDate>
  <CurrencyCode>EUR</CurrencyCode>
  <CalendarUID>1</CalendarUID>
  <MinutesPerDay>450</MinutesPerDay>
  <MinutesPerWeek>2250</MinutesPerWeek>
  <StatusDate>2025-03-03T17:00:00</StatusDate>
  <ExtendedAttributes><ExtendedAttribute><FieldID>188743731</FieldID><Name>Ignored</Name></ExtendedAttribute></ExtendedAttributes>
  <Calendars>
    <Calendar>
      <UID>1</UID>
      <Name>Standard</Name>
      <IsBaseCalendar>1</IsBaseCalendar>
      <BaseCalendarUID>-1</BaseCalendarUID>
      <WeekDays>
        <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
        <WeekDay><DayType>2</DayType><DayWorking>1</DayWorking>
          <WorkingTimes>
            <WorkingTime><FromTime>07:00:00</FromTime><ToTime>11:00:00</ToTime></WorkingTime>
            <WorkingTime><FromTime>12:00:00</FromTime><ToTime>15:30:00</ToTime></WorkingTime>
          </WorkingTimes>
        </WeekDay>
        <WeekDay><DayType>3</DayType><DayWorking>1</DayWorking></WeekDay>
        <WeekDay><DayType>4</DayType><DayWorking>1</DayWorking></WeekDay>
        <WeekDay><DayType>5</DayType><DayWorking>1</DayWorking></WeekDay>
        <WeekDay><DayType>6</DayType><DayWorking>1</DayWorking></WeekDay>
        <WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
        <WeekDay><DayType>0</DayType><DayWorking>0</DayWorking>
          <TimePeriod><FromDate>2025-12-24T00:00:00</FromDate><ToDate>2025-12-26T23:59:00</ToDate></TimePeriod>
        </WeekDay>
      </WeekDays>
      <WorkWeeks>
        <WorkWeek>
          <TimePeriod><FromDate>2025-07-07T00:00:00</FromDate><ToDate>2025-07-13T23:59:00</ToDate></TimePeriod>
          <Name>Summer Fridays</Name>
          <WeekDays>
            <WeekDay><DayType>6</DayType><DayWorking>0</DayWorking></WeekDay>
            <WeekDay><DayType>3</DayType><DayWorking>1</DayWorking></WeekDay>
          </WeekDays>
        </WorkWeek>
      </WorkWeeks>
    </Calendar>
    <Calendar>
      <UID>2</UID>
      <Name>Crane crew</Name>
      <IsBaseCalendar>0</IsBaseCalendar>
      <BaseCalendarUID>1</BaseCalendarUID>
      <WeekDays>
        <WeekDay><DayType>7</DayType><DayWorking>1</DayWorking>
          <WorkingTimes><WorkingTime><FromTime>06:00:00</FromTime><ToTime>10:00:00</ToTime></WorkingTime></WorkingTimes>
        </WeekDay>
      </WeekDays>
      <Exceptions>
        <Exception>
          <EnteredByOccurrences>0</EnteredByOccurrences>
          <TimePeriod><FromDate>2025-12-26T00:00:00</FromDate><ToDate>2025-12-26T23:59:00</ToDate></TimePeriod>
          <Occurrences>1</Occurrences>
          <Name>Boxing day shift</Name>
          <Type>1</Type>
          <DayWorking>1</DayWorking>
          <WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime></WorkingTimes>
        </Exception>
      </Exceptions>
    </Calendar>
  </Calendars>
  <Tasks>
    <Task><UID>0</UID><ID>0</ID><Name>Tower A</Name><OutlineNumber>0</OutlineNumber><OutlineLevel>0</OutlineLevel><Summary>1</Summary></Task>
    <Task><UID>1</UID><ID>1</ID><Name>Substructure</Name><WBS>1</WBS><OutlineNumber>1</OutlineNumber><OutlineLevel>1</OutlineLevel><Summary>1</Summary></Task>
    <Task>
      <UID>2</UID><ID>2</ID><Name>Excavate &amp; shore</Name><WBS>1.1</WBS><OutlineNumber>1.1</OutlineNumber><OutlineLevel>2</OutlineLevel>
      <Start>2025-01-06T07:00:00</Start><Finish>2025-01-17T15:30:00</Finish>
      <Duration>PT75H0M0S</Duration><RemainingDuration>PT37H30M0S</RemainingDuration>
      <Milestone>0</Milestone><Summary>0</Summary><PercentComplete>50</PercentComplete>
      <ActualStart>2025-01-06T07:00:00</ActualStart>
      <ConstraintType>4</ConstraintType><CalendarUID>2</CalendarUID><ConstraintDate>2025-01-06T07:00:00</ConstraintDate>
      <Notes>Rock expected; dewatering</Notes>
      <ExtendedAttribute><FieldID>188743731</FieldID><Value>x</Value></ExtendedAttribute>
      <Baseline><Number>1</Number><Start>2024-01-01T08:00:00</Start><Finish>2024-01-02T08:00:00</Finish></Baseline>
      <Baseline><Number>0</Number><Start>2025-01-06T08:00:00</Start><Finish>2025-01-16T17:00:00</Finish><Duration>PT75H0M0S</Duration></Baseline>
    </Task>
    <Task><UID>3</UID><ID>3</ID><IsNull>1</IsNull><OutlineLevel>0</OutlineLevel></Task>
    <Task>
      <UID>4</UID><ID>4</ID><Name>Footings</Name><WBS>1.2</WBS><OutlineNumber>1.2</OutlineNumber><OutlineLevel>2</OutlineLevel>
      <Duration>P1DT2H</Duration><PercentComplete>100</PercentComplete>
      <ActualStart>2025-01-20T08:00:00</ActualStart><ActualFinish>2025-01-21T10:00:00</ActualFinish>
      <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>1</Type><CrossProject>0</CrossProject><LinkLag>4800</LinkLag><LagFormat>7</LagFormat></PredecessorLink>
      <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>3</Type><LinkLag>-2400</LinkLag><LagFormat>5</LagFormat></PredecessorLink>
      <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>0</Type><LinkLag>50</LinkLag><LagFormat>19</LagFormat></PredecessorLink>
      <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type></PredecessorLink>
      <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>1</Type><CrossProject>1</CrossProject><CrossProjectName>other.mpp\2</CrossProjectName></PredecessorLink>
      <PredecessorLink><PredecessorUID>99</PredecessorUID><Type>1</Type></PredecessorLink>
    </Task>
    <Task><UID>5</UID><ID>5</ID><Name>Superstructure</Name><WBS>2</WBS><OutlineNumber>2</OutlineNumber><OutlineLevel>1</OutlineLevel><Summary>0</Summary></Task>
    <Task>
      <UID>6</UID><ID>6</ID><Name>Topping out</Name><WBS>2.1</WBS><OutlineNumber>2.1</OutlineNumber><OutlineLevel>2</OutlineLevel>
      <Duration>PT0H0M0S</Duration><Milestone>1</Milestone><ConstraintType>1</ConstraintType>
      <PredecessorLink><PredecessorUID>4</PredecessorUID><Type>2</Type></PredecessorLink>
    </Task>
    <Task><UID>7</UID><ID>7</ID><Name>Handover</Name><OutlineLevel>1</OutlineLevel><ConstraintType>7</ConstraintType><ConstraintDate>2025-12-19T17:00:00</ConstraintDate><CalendarUID>-1</CalendarUID></Task>
  </Tasks>
  <Resources>
    <Resource><UID>0</UID><ID>0</ID><Type>1</Type><IsNull>0</IsNull></Resource>
    <Resource><UID>1</UID><ID>1</ID><Name>Crane</Name><Type>1</Type><CalendarUID>2</CalendarUID></Resource>
    <Resource><UID>2</UID><ID>2</ID><Name>Concrete</Name><Type>0</Type><MaterialLabel>m3</MaterialLabel></Resource>
    <Resource><UID>3</UID><ID>3</ID><Name>Permit fees</Name><Type>1</Type><IsCostResource>1</IsCostResource></Resource>
    <Resource><UID>4</UID><ID>4</ID><Name>Gone</Name><IsNull>1</IsNull></Resource>
  </Resources>
  <Assignments>
    <Assignment><UID>1</UID><TaskUID>2</TaskUID><ResourceUID>1</ResourceUID><Work>PT60H0M0S</Work><ActualWork>PT30H0M0S</ActualWork><RemainingWork>PT30H0M0S</RemainingWork><Units>1</Units></Assignment>
    <Assignment><UID>2</UID><TaskUID>2</TaskUID><ResourceUID>2</ResourceUID><Units>120</Units><Work>PT120H0M0S</Work><ActualWork>PT40H0M0S</ActualWork></Assignment>
    <Assignment><UID>3</UID><TaskUID>4</TaskUID><ResourceUID>-65535</ResourceUID><Work>PT8H0M0S</Work></Assignment>
    <Assignment><UID>4</UID><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID><Work>PT8H0M0S</Work></Assignment>
    <Assignment><UID>5</UID><TaskUID>4</TaskUID><ResourceUID>3</ResourceUID><Work>PT0H0M0S</Work></Assignment>
    <Assignment><UID>6</UID><TaskUID>6</TaskUID><ResourceUID>1</ResourceUID><Work>P1D</Work></Assignment>
  </Assignments>
</Project>
"#;

    fn read(xml: &str) -> Result<Schedule, MspdiError> {
        read_mspdi(Path::new("t.xml"), xml.as_bytes())
    }

    fn ok(xml: &str) -> Schedule {
        match read(xml) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn h(s: &str) -> Decimal {
        let u = Units::default();
        parse_duration(s)
            .expect("duration")
            .hours(u)
            .expect("hours")
    }

    fn t(h: u8, m: u8) -> Time {
        Time::from_hms(h, m, 0).expect("time")
    }

    /// A minimal project with the given `Tasks` content.
    fn with_tasks(tasks: &str) -> String {
        format!("<Project><Tasks>{tasks}</Tasks></Project>")
    }

    #[test]
    fn project_fields() {
        let s = ok(FIXTURE);
        assert_eq!(s.currency.as_deref(), Some("EUR"));
        let p = &s.projects[0];
        assert_eq!(p.key, "1");
        assert_eq!(p.id, "tower.xml");
        assert_eq!(p.name, "Tower A");
        assert_eq!(p.planned_start, Some(datetime!(2025-01-06 08:00)));
        assert_eq!(p.must_finish, Some(datetime!(2025-12-19 17:00)));
        assert_eq!(p.data_date, Some(datetime!(2025-03-03 17:00)));
        assert_eq!(p.calendar.as_deref(), Some("1"));
        assert!(p.calendars.is_empty());
    }

    #[test]
    fn calendars_weeks_exceptions_work_weeks_and_inheritance() {
        let s = ok(FIXTURE);
        assert_eq!(s.calendars.len(), 2);
        let std = &s.calendars[0];
        assert_eq!(
            (std.key.as_str(), std.name.as_str(), std.base.as_deref()),
            ("1", "Standard", None)
        );
        assert_eq!(std.hours_per_day, dec("7.5"));
        assert_eq!(
            std.week[0],
            vec![(t(7, 0), t(11, 0)), (t(12, 0), t(15, 30))]
        );
        assert_eq!(std.week[1], default_shifts(), "a working day without times");
        assert!(std.week[5].is_empty() && std.week[6].is_empty());
        // Legacy DayType 0 range, plus the work week's Friday off (its Tuesday equals
        // the normal week, so it adds nothing).
        let dates: Vec<Date> = std.exceptions.iter().map(|e| e.0).collect();
        assert_eq!(
            dates,
            vec![
                date!(2025 - 07 - 11),
                date!(2025 - 12 - 24),
                date!(2025 - 12 - 25),
                date!(2025 - 12 - 26)
            ]
        );
        assert!(std.exceptions.iter().all(|e| e.1.is_empty()));

        let crew = &s.calendars[1];
        assert_eq!(crew.base.as_deref(), Some("1"));
        assert_eq!(crew.week[5], vec![(t(6, 0), t(10, 0))]);
        assert_eq!(crew.week[0], std.week[0], "inherited from the base");
        assert!(crew.week[6].is_empty());
        let dates: Vec<Date> = crew.exceptions.iter().map(|e| e.0).collect();
        assert_eq!(
            dates,
            vec![
                date!(2025 - 07 - 11),
                date!(2025 - 12 - 24),
                date!(2025 - 12 - 25),
                date!(2025 - 12 - 26)
            ]
        );
        assert_eq!(
            crew.exceptions[3].1,
            vec![(t(8, 0), t(12, 0))],
            "own exception wins"
        );
    }

    #[test]
    fn wbs_tree_from_outline() {
        let s = ok(FIXTURE);
        let p = &s.projects[0];
        let w: Vec<(&str, Option<&str>, &str, &str, i64)> = p
            .wbs
            .iter()
            .map(|w| {
                (
                    w.key.as_str(),
                    w.parent.as_deref(),
                    w.code.as_str(),
                    w.name.as_str(),
                    w.seq,
                )
            })
            .collect();
        // Task 5 has Summary 0 but children: it is a WBS node too.
        assert_eq!(
            w,
            vec![
                ("1", None, "1", "Substructure", 1),
                ("5", None, "2", "Superstructure", 5)
            ]
        );
        let a: Vec<(&str, &str, Option<&str>)> = p
            .activities
            .iter()
            .map(|a| (a.key.as_str(), a.code.as_str(), a.wbs.as_deref()))
            .collect();
        assert_eq!(
            a,
            vec![
                ("2", "1.1", Some("1")),
                ("4", "1.2", Some("1")),
                ("6", "2.1", Some("5")),
                ("7", "7", None)
            ]
        );
    }

    #[test]
    fn nested_wbs_codes_are_relative() {
        let s = ok(&with_tasks(
            "<Task><UID>1</UID><ID>1</ID><WBS>A</WBS><OutlineLevel>1</OutlineLevel><Summary>1</Summary></Task>\
             <Task><UID>2</UID><ID>2</ID><WBS>A-B</WBS><OutlineLevel>2</OutlineLevel><Summary>1</Summary></Task>\
             <Task><UID>3</UID><ID>3</ID><WBS>A-B-1</WBS><OutlineLevel>3</OutlineLevel></Task>\
             <Task><UID>4</UID><ID>4</ID><OutlineNumber>2</OutlineNumber><Summary>1</Summary></Task>\
             <Task><UID>5</UID><ID>5</ID><OutlineNumber>2.1</OutlineNumber></Task>",
        ));
        let p = &s.projects[0];
        let w: Vec<(&str, Option<&str>, &str)> = p
            .wbs
            .iter()
            .map(|w| (w.key.as_str(), w.parent.as_deref(), w.code.as_str()))
            .collect();
        assert_eq!(
            w,
            vec![("1", None, "A"), ("2", Some("1"), "B"), ("4", None, "2")]
        );
        assert_eq!(p.activities[0].wbs.as_deref(), Some("2"));
        assert_eq!(p.activities[1].wbs.as_deref(), Some("4"));
        assert_eq!(p.activities[1].code, "5");
    }

    #[test]
    fn activity_fields() {
        let s = ok(FIXTURE);
        let a = &s.projects[0].activities;
        let x = &a[0];
        assert_eq!(x.name, "Excavate & shore");
        assert_eq!(x.calendar.as_deref(), Some("2"));
        assert_eq!(x.kind, ActivityKind::Task);
        assert_eq!(x.status, Status::InProgress);
        assert_eq!(x.duration_hours, dec("75"));
        assert_eq!(x.remaining_hours, dec("37.5"));
        assert_eq!(x.percent_complete, dec("50"));
        assert_eq!(x.start, Some(datetime!(2025-01-06 07:00)));
        assert_eq!(x.finish, Some(datetime!(2025-01-17 15:30)));
        assert_eq!(x.actual_start, Some(datetime!(2025-01-06 07:00)));
        assert_eq!(x.actual_finish, None);
        assert_eq!(
            x.baseline_start,
            Some(datetime!(2025-01-06 08:00)),
            "baseline 0, not 1"
        );
        assert_eq!(x.baseline_finish, Some(datetime!(2025-01-16 17:00)));
        assert_eq!(
            x.constraint,
            Some(Constraint {
                kind: ConstraintKind::StartOnOrAfter,
                date: Some(datetime!(2025-01-06 07:00))
            })
        );
        assert_eq!(x.notes.as_deref(), Some("Rock expected; dewatering"));
        assert!(x.elements.is_empty());

        let f = &a[1];
        assert_eq!(f.status, Status::Complete);
        assert_eq!(f.duration_hours, dec("9.5"), "P1DT2H at 7.5 h/day");
        assert_eq!(f.remaining_hours, Decimal::ZERO);

        let m = &a[2];
        assert_eq!(m.kind, ActivityKind::FinishMilestone);
        assert_eq!(m.status, Status::NotStarted);
        assert_eq!(
            m.constraint,
            Some(Constraint {
                kind: ConstraintKind::AsLateAsPossible,
                date: None
            })
        );

        let h = &a[3];
        assert_eq!(h.calendar, None, "CalendarUID -1");
        assert_eq!(h.duration_hours, Decimal::ZERO);
        assert_eq!(
            h.constraint,
            Some(Constraint {
                kind: ConstraintKind::FinishOnOrBefore,
                date: Some(datetime!(2025-12-19 17:00))
            })
        );
    }

    #[test]
    fn relationships_types_lags_and_dropped_links() {
        let s = ok(FIXTURE);
        let r: Vec<(&str, &str, LinkKind, Decimal)> = s.projects[0]
            .relationships
            .iter()
            .map(|r| {
                (
                    r.predecessor.as_str(),
                    r.successor.as_str(),
                    r.kind,
                    r.lag_hours,
                )
            })
            .collect();
        assert_eq!(
            r,
            vec![
                ("2", "4", LinkKind::FinishToStart, dec("8")),
                ("2", "4", LinkKind::StartToStart, dec("-4")),
                // 50 % of the predecessor's 75 h
                ("2", "4", LinkKind::FinishToFinish, dec("37.5")),
                ("4", "6", LinkKind::StartToFinish, Decimal::ZERO),
            ]
        );
    }

    #[test]
    fn unknown_link_type_is_an_error() {
        let xml = with_tasks(
            "<Task><UID>1</UID></Task>\n<Task><UID>2</UID>\n<PredecessorLink><PredecessorUID>1</PredecessorUID><Type>7</Type></PredecessorLink></Task>",
        );
        let e = read(&xml).expect_err("type 7");
        assert!(
            matches!(&e, MspdiError::Value { element, .. } if element == "Type"),
            "{e}"
        );
        assert_eq!(e.line(), 3);
    }

    #[test]
    fn constraint_types() {
        let kinds = [
            None,
            Some(ConstraintKind::AsLateAsPossible),
            Some(ConstraintKind::StartOn),
            Some(ConstraintKind::FinishOn),
            Some(ConstraintKind::StartOnOrAfter),
            Some(ConstraintKind::StartOnOrBefore),
            Some(ConstraintKind::FinishOnOrAfter),
            Some(ConstraintKind::FinishOnOrBefore),
        ];
        for (n, want) in kinds.iter().enumerate() {
            let s = ok(&with_tasks(&format!(
                "<Task><UID>1</UID><ConstraintType>{n}</ConstraintType><ConstraintDate>2025-02-03T08:00:00</ConstraintDate></Task>"
            )));
            let got = s.projects[0].activities[0].constraint.clone();
            assert_eq!(got.as_ref().map(|c| c.kind), *want, "ConstraintType {n}");
            if let Some(c) = got {
                let date = if n == 1 {
                    None
                } else {
                    Some(datetime!(2025-02-03 08:00))
                };
                assert_eq!(c.date, date);
            }
        }
        let e = read(&with_tasks(
            "<Task><UID>1</UID><ConstraintType>8</ConstraintType></Task>",
        ))
        .expect_err("8");
        assert!(e.to_string().contains("unknown constraint type"), "{e}");
        let e = read(&with_tasks(
            "<Task><UID>1</UID><ConstraintType>4</ConstraintType></Task>",
        ))
        .expect_err("no date");
        assert!(e.to_string().contains("no ConstraintDate"), "{e}");
    }

    #[test]
    fn resources_and_assignments() {
        let s = ok(FIXTURE);
        type Row<'a> = (
            &'a str,
            &'a str,
            &'a str,
            ResourceKind,
            Option<&'a str>,
            Option<&'a str>,
        );
        let r: Vec<Row> = s
            .resources
            .iter()
            .map(|r| {
                (
                    r.key.as_str(),
                    r.code.as_str(),
                    r.name.as_str(),
                    r.kind,
                    r.calendar.as_deref(),
                    r.unit.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            r,
            vec![
                ("1", "1", "Crane", ResourceKind::Labor, Some("2"), None),
                (
                    "2",
                    "2",
                    "Concrete",
                    ResourceKind::Material,
                    None,
                    Some("m3")
                ),
                ("3", "3", "Permit fees", ResourceKind::Nonlabor, None, None),
            ]
        );
        let a: Vec<(&str, &str, &str, Decimal, Decimal, Decimal)> = s.projects[0]
            .assignments
            .iter()
            .map(|a| {
                (
                    a.key.as_str(),
                    a.activity.as_str(),
                    a.resource.as_str(),
                    a.planned_units,
                    a.actual_units,
                    a.remaining_units,
                )
            })
            .collect();
        assert_eq!(
            a,
            vec![
                ("1", "2", "1", dec("60"), dec("30"), dec("30")),
                ("2", "2", "2", dec("120"), dec("40"), dec("80")),
                ("5", "4", "3", Decimal::ZERO, Decimal::ZERO, Decimal::ZERO),
                ("6", "6", "1", dec("7.5"), Decimal::ZERO, dec("7.5")),
            ]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(h("PT8H0M0S"), dec("8"));
        assert_eq!(h("PT0.5H"), dec("0.5"));
        assert_eq!(h("PT7H30M0S"), dec("7.5"));
        assert_eq!(h("PT20M"), dec("0.333333"));
        assert_eq!(h("PT0H0M36S"), dec("0.01"));
        assert_eq!(h("P1DT2H"), dec("10"));
        assert_eq!(h("P2W"), dec("80"));
        assert_eq!(h("P1M"), dec("160"));
        assert_eq!(h("P1Y"), dec("1920"));
        assert_eq!(h("PT-8H0M0S"), dec("-8"));
        assert_eq!(h("-PT8H"), dec("-8"));
        assert_eq!(h("PT1,5H"), dec("1.5"));
        assert_eq!(h(" PT0H0M0S "), Decimal::ZERO);
        assert_eq!(h("PT876000H0M0S"), dec("876000"));
        let u = Units {
            hpd: dec("7.5"),
            hpw: dec("37.5"),
            dpm: dec("20"),
        };
        let d = parse_duration("P1DT2H").expect("parse");
        assert_eq!(d.hours(u), Some(dec("9.5")));
        for bad in [
            "", "P", "PT", "8H", "PT8X", "P1H", "PT1D", "PT1H2H", "PT1M1H", "P1DT", "PT.5H", "PTH",
            "PT1.2.3H", "P-T1H", "pt1h", "PT1e3H", "PT1Hx", "PT1 H",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
        let huge = parse_duration("P9999999999999999999999999999D").expect("parses");
        assert_eq!(
            huge.hours(Units::default()),
            None,
            "overflow is reported, not a panic"
        );
        let e = read(&with_tasks(
            "<Task><UID>1</UID><Duration>P9999999999999999999999999999D</Duration></Task>",
        ))
        .expect_err("overflow");
        assert!(e.to_string().contains("out of range"), "{e}");
        let e = read(&with_tasks(
            "<Task><UID>1</UID><Duration>8 hours</Duration></Task>",
        ))
        .expect_err("bad duration");
        assert!(
            matches!(&e, MspdiError::Value { element, value, .. } if element == "Duration" && value == "8 hours"),
            "{e}"
        );
    }

    #[test]
    fn lag_tenths_of_minutes() {
        assert_eq!(lag_tenths_to_hours(4800), dec("8"));
        assert_eq!(lag_tenths_to_hours(-4800), dec("-8"));
        assert_eq!(lag_tenths_to_hours(600), dec("1"));
        assert_eq!(lag_tenths_to_hours(14400), dec("24"), "1 elapsed day");
        assert_eq!(lag_tenths_to_hours(1), dec("0.001667"));
        assert_eq!(lag_tenths_to_hours(0), Decimal::ZERO);
        let s = ok(&with_tasks(
            "<Task><UID>1</UID><Duration>PT16H0M0S</Duration></Task>\
             <Task><UID>2</UID><PredecessorLink><PredecessorUID>1</PredecessorUID><LinkLag>48000</LinkLag><LagFormat>9</LagFormat></PredecessorLink>\
             <PredecessorLink><PredecessorUID>1</PredecessorUID><LinkLag>25</LinkLag><LagFormat>20</LagFormat></PredecessorLink>\
             <PredecessorLink><PredecessorUID>1</PredecessorUID><LinkLag>2400.0</LinkLag></PredecessorLink></Task>",
        ));
        let lags: Vec<Decimal> = s.projects[0]
            .relationships
            .iter()
            .map(|r| r.lag_hours)
            .collect();
        assert_eq!(lags, vec![dec("80"), dec("4"), dec("4")]);
        assert!(s.projects[0]
            .relationships
            .iter()
            .all(|r| r.kind == LinkKind::FinishToStart));
    }

    #[test]
    fn namespace_less_file_reads_the_same() {
        let with = ok(FIXTURE);
        let without = ok(&FIXTURE.replace(" xmlns=\"http://schemas.microsoft.com/project\"", ""));
        assert_eq!(with, without);
        let prefixed = FIXTURE
            .replace(
                "<Project xmlns=\"http://schemas.microsoft.com/project\">",
                "<p:Project xmlns:p=\"http://schemas.microsoft.com/project\">",
            )
            .replace("</Project>", "</p:Project>");
        assert_eq!(ok(&prefixed).projects[0].name, "Tower A");
        let v2007 = FIXTURE.replace("microsoft.com/project\"", "microsoft.com/project/2007\"");
        assert_eq!(ok(&v2007), with);
    }

    #[test]
    fn not_mspdi_is_an_error() {
        let e = read("<?xml version=\"1.0\"?>\n<APIBusinessObjects/>").expect_err("root");
        assert!(matches!(e, MspdiError::Structure { line: 2, .. }), "{e}");
        assert!(e.to_string().contains("not <Project>"), "{e}");
        let e = read("<Project xmlns=\"urn:other\"/>").expect_err("namespace");
        assert!(e.to_string().contains("namespace"), "{e}");
        let e = read("").expect_err("empty");
        assert!(e.to_string().contains("no root element"), "{e}");
        let e = read("<Project/><Project/>").expect_err("two roots");
        assert!(e.to_string().contains("second root"), "{e}");
        let e = read("hello <Project/>").expect_err("text");
        assert!(e.to_string().contains("text outside"), "{e}");
    }

    #[test]
    fn doctype_is_rejected() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">\n]>\n<Project><Name>&lol2;</Name></Project>";
        let e = read(bomb).expect_err("doctype");
        assert!(matches!(e, MspdiError::Doctype { line: 2, .. }), "{e:?}");
        assert!(
            e.to_string()
                .contains("DOCTYPE is not allowed (possible XML bomb)"),
            "{e}"
        );
        let ext = "<!DOCTYPE Project SYSTEM \"file:///etc/passwd\"><Project/>";
        assert!(matches!(read(ext), Err(MspdiError::Doctype { .. })));
    }

    #[test]
    fn undefined_entities_are_errors() {
        let e = read("<Project>\n<Name>&xxe;</Name></Project>").expect_err("entity");
        assert!(matches!(e, MspdiError::Syntax { line: 2, .. }), "{e}");
        let s = ok("<Project><Name>A&#38;B &lt;&#x41;&gt;</Name></Project>");
        assert_eq!(s.projects[0].id, "A&B <A>");
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let depth = 300;
        let xml = format!(
            "<Project>{}{}</Project>",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        let e = read(&xml).expect_err("deep");
        assert!(matches!(e, MspdiError::Limit { .. }), "{e}");
        assert!(e.to_string().contains("nested more than 256"), "{e}");
        let fine = format!(
            "<Project>{}{}</Project>",
            "<a>".repeat(200),
            "</a>".repeat(200)
        );
        assert!(read(&fine).is_ok());
    }

    #[test]
    fn huge_text_is_rejected() {
        let xml = format!(
            "<Project><Name>{}</Name></Project>",
            "x".repeat(xml::MAX_TEXT + 1)
        );
        let e = read(&xml).expect_err("huge");
        assert!(matches!(e, MspdiError::Limit { .. }), "{e}");
        let attr = format!("<Project a=\"{}\"/>", "x".repeat(xml::MAX_TEXT + 1));
        assert!(matches!(read(&attr), Err(MspdiError::Limit { .. })));
    }

    #[test]
    fn truncated_file_is_an_error_with_its_line() {
        let cut = &FIXTURE[..FIXTURE.find("<Resources>").expect("fixture")];
        let e = read(cut).expect_err("truncated");
        assert!(matches!(e, MspdiError::Syntax { .. }), "{e}");
        assert!(e.to_string().contains("truncated"), "{e}");
        assert_eq!(e.line(), cut.lines().count() as u64);
        let mid_tag = &FIXTURE[..FIXTURE.find("<Notes>").expect("fixture") + 4];
        let e = read(mid_tag).expect_err("cut in a tag");
        assert!(matches!(e, MspdiError::Syntax { .. }), "{e}");
        let bad_end = "<Project>\n<Name>x</Title>\n</Project>";
        let e = read(bad_end).expect_err("mismatch");
        assert_eq!(e.line(), 2, "{e}");
    }

    #[test]
    fn bad_values_name_element_and_line() {
        let xml = FIXTURE.replace(
            "<StatusDate>2025-03-03T17:00:00</StatusDate>",
            "<StatusDate>03/03/2025</StatusDate>",
        );
        let e = read(&xml).expect_err("bad date");
        let line = FIXTURE
            .lines()
            .position(|l| l.contains("<StatusDate>"))
            .expect("line") as u64
            + 1;
        match &e {
            MspdiError::Value {
                path,
                line: l,
                element,
                value,
                hint,
                ..
            } => {
                assert_eq!(path, Path::new("t.xml"));
                assert_eq!(*l, line);
                assert_eq!(element, "StatusDate");
                assert_eq!(value, "03/03/2025");
                assert!(hint.contains("2024-03-01T08:00:00"));
            }
            other => panic!("{other}"),
        }
        assert!(
            e.to_string()
                .starts_with(&format!("t.xml:{line}: <StatusDate>")),
            "{e}"
        );
        for (from, to) in [
            (
                "<PercentComplete>50</PercentComplete>",
                "<PercentComplete>150</PercentComplete>",
            ),
            (
                "<OutlineLevel>2</OutlineLevel>",
                "<OutlineLevel>two</OutlineLevel>",
            ),
            ("<Milestone>0</Milestone>", "<Milestone>no</Milestone>"),
            ("<FromTime>07:00:00</FromTime>", "<FromTime>7am</FromTime>"),
            (
                "<MinutesPerDay>450</MinutesPerDay>",
                "<MinutesPerDay>0</MinutesPerDay>",
            ),
            (
                "<DayType>7</DayType><DayWorking>0",
                "<DayType>8</DayType><DayWorking>0",
            ),
        ] {
            assert!(xml.contains(from) || FIXTURE.contains(from), "{from}");
            let e = read(&FIXTURE.replacen(from, to, 1)).expect_err(to);
            assert!(matches!(e, MspdiError::Value { .. }), "{to}: {e}");
        }
    }

    #[test]
    fn duplicate_uids_are_errors() {
        let e = read(&with_tasks(
            "<Task><UID>1</UID></Task>\n<Task><UID>1</UID></Task>",
        ))
        .expect_err("dup");
        assert_eq!(e.line(), 2);
        assert!(e.to_string().contains("two tasks have UID 1"), "{e}");
        let e = read(&with_tasks(
            "<Task><CalendarUID>5</CalendarUID><UID>1</UID></Task>",
        ))
        .expect_err("calendar");
        assert!(e.to_string().contains("CalendarUID 5"), "{e}");
    }

    #[test]
    fn bom_and_encodings() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice(FIXTURE.as_bytes());
        assert_eq!(
            read_mspdi(Path::new("t.xml"), &b).expect("bom"),
            ok(FIXTURE)
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<P".bytes().flat_map(|c| [c, 0]))
            .collect();
        let e = read_mspdi(Path::new("t.xml"), &utf16).expect_err("utf16");
        assert!(e.to_string().contains("UTF-16"), "{e}");
        let latin1 = b"<Project><Name>Caf\xE9</Name></Project>";
        assert!(matches!(
            read_mspdi(Path::new("t.xml"), latin1),
            Err(MspdiError::Syntax { .. })
        ));
        let cdata = ok("<Project><Name><![CDATA[R&D <tower>]]></Name></Project>");
        assert_eq!(cdata.projects[0].id, "R&D <tower>");
    }

    fn calendar_with(exception: &str) -> Vec<Date> {
        let xml = format!(
            "<Project><Calendars><Calendar><UID>1</UID><Exceptions><Exception>{exception}<DayWorking>0</DayWorking></Exception></Exceptions></Calendar></Calendars></Project>"
        );
        ok(&xml).calendars[0]
            .exceptions
            .iter()
            .map(|e| e.0)
            .collect()
    }

    fn period(from: &str, to: &str) -> String {
        format!("<TimePeriod><FromDate>{from}T00:00:00</FromDate><ToDate>{to}T23:59:00</ToDate></TimePeriod>")
    }

    #[test]
    fn recurring_exceptions() {
        // plain range, and Type 1 (Project's "daily" for a simple exception)
        assert_eq!(calendar_with(&period("2025-05-01", "2025-05-03")).len(), 3);
        assert_eq!(
            calendar_with(&format!(
                "{}<Occurrences>1</Occurrences><Type>1</Type>",
                period("2025-05-01", "2025-05-03")
            ))
            .len(),
            3
        );
        // every 3 days, 4 times
        assert_eq!(
            calendar_with(&format!(
                "{}<Occurrences>4</Occurrences><Type>7</Type><Period>3</Period>",
                period("2025-02-01", "2025-02-28")
            )),
            vec![
                date!(2025 - 02 - 01),
                date!(2025 - 02 - 04),
                date!(2025 - 02 - 07),
                date!(2025 - 02 - 10)
            ]
        );
        // every 2nd weekday
        assert_eq!(
            calendar_with(&format!(
                "{}<Type>8</Type><Period>2</Period>",
                period("2025-05-01", "2025-05-09")
            )),
            vec![
                date!(2025 - 05 - 01),
                date!(2025 - 05 - 05),
                date!(2025 - 05 - 07),
                date!(2025 - 05 - 09)
            ]
        );
        // every 2 weeks on Monday and Wednesday (Sunday-started weeks)
        assert_eq!(
            calendar_with(&format!(
                "{}<Type>6</Type><Period>2</Period><DaysOfWeek>10</DaysOfWeek>",
                period("2025-05-07", "2025-05-31")
            )),
            vec![
                date!(2025 - 05 - 07),
                date!(2025 - 05 - 19),
                date!(2025 - 05 - 21)
            ]
        );
        // monthly on the 31st (shorter months: their last day)
        assert_eq!(
            calendar_with(&format!(
                "{}<Type>4</Type><Period>1</Period><MonthDay>31</MonthDay>",
                period("2025-01-01", "2025-04-30")
            )),
            vec![
                date!(2025 - 01 - 31),
                date!(2025 - 02 - 28),
                date!(2025 - 03 - 31),
                date!(2025 - 04 - 30)
            ]
        );
        // last Friday of every month, three times
        assert_eq!(
            calendar_with(&format!(
                "{}<Occurrences>3</Occurrences><Type>5</Type><Period>1</Period><MonthItem>8</MonthItem><MonthPosition>4</MonthPosition>",
                period("2025-01-01", "2025-12-31")
            )),
            vec![date!(2025-01-31), date!(2025-02-28), date!(2025-03-28)]
        );
        // second weekday / first weekend day of the month
        assert_eq!(
            calendar_with(&format!(
                "{}<Type>5</Type><MonthItem>1</MonthItem><MonthPosition>1</MonthPosition>",
                period("2025-03-01", "2025-03-31")
            )),
            vec![date!(2025 - 03 - 04)]
        );
        assert_eq!(
            calendar_with(&format!(
                "{}<Type>5</Type><MonthItem>2</MonthItem><MonthPosition>0</MonthPosition>",
                period("2025-06-01", "2025-06-30")
            )),
            vec![date!(2025 - 06 - 01)]
        );
        // Thanksgiving: fourth Thursday of November (Month 10)
        assert_eq!(
            calendar_with(&format!(
                "{}<Type>3</Type><Month>10</Month><MonthItem>7</MonthItem><MonthPosition>3</MonthPosition>",
                period("2025-01-01", "2026-12-31")
            )),
            vec![date!(2025-11-27), date!(2026-11-26)]
        );
        // New Year's Day, yearly
        assert_eq!(
            calendar_with(&format!("{}<Occurrences>3</Occurrences><Type>2</Type><Month>0</Month><MonthDay>1</MonthDay>", period("2025-01-01", "2040-01-01"))),
            vec![date!(2025-01-01), date!(2026-01-01), date!(2027-01-01)]
        );
    }

    #[test]
    fn exception_caps() {
        let long = calendar_with_result(&period("2000-01-01", "2020-01-01"));
        assert!(long.expect_err("long range").to_string().contains("spans"));
        let many = calendar_with_result(&format!(
            "{}<Type>7</Type><Period>1</Period><Occurrences>0</Occurrences><Period>2</Period>",
            period("1000-01-01", "9000-01-01")
        ));
        assert!(many.is_err());
        let bad = calendar_with_result(&format!(
            "{}<Type>12</Type>",
            period("2025-01-01", "2025-01-02")
        ));
        assert!(bad
            .expect_err("type")
            .to_string()
            .contains("unknown calendar exception type"));
        let back = calendar_with_result(&period("2025-01-02", "2025-01-01"));
        assert!(back
            .expect_err("backwards")
            .to_string()
            .contains("before it starts"));
        let looped = "<Project><Calendars><Calendar><UID>1</UID><IsBaseCalendar>0</IsBaseCalendar><BaseCalendarUID>2</BaseCalendarUID></Calendar><Calendar><UID>2</UID><IsBaseCalendar>0</IsBaseCalendar><BaseCalendarUID>1</BaseCalendarUID></Calendar></Calendars></Project>";
        assert!(read(looped).expect_err("loop").to_string().contains("loop"));
    }

    fn calendar_with_result(exception: &str) -> Result<Schedule, MspdiError> {
        read(&format!(
            "<Project><Calendars><Calendar><UID>1</UID><Exceptions><Exception>{exception}</Exception></Exceptions></Calendar></Calendars></Project>"
        ))
    }

    #[test]
    fn datetime_forms() {
        assert_eq!(
            xml::datetime("2025-01-06T08:00:00"),
            Ok(datetime!(2025-01-06 08:00))
        );
        assert_eq!(
            xml::datetime("2025-01-06T08:00:00.500"),
            Ok(datetime!(2025-01-06 08:00:00.5))
        );
        assert_eq!(xml::datetime("2025-01-06"), Ok(datetime!(2025-01-06 00:00)));
        assert_eq!(
            xml::datetime("2025-01-06T08:00:00Z"),
            Ok(datetime!(2025-01-06 08:00))
        );
        assert_eq!(
            xml::datetime("2025-01-06T08:00:00+05:30"),
            Ok(datetime!(2025-01-06 08:00))
        );
        assert_eq!(
            xml::datetime("2025-01-06T24:00:00"),
            Ok(datetime!(2025-01-07 00:00))
        );
        assert_eq!(
            xml::datetime("2025-01-06T08:00"),
            Ok(datetime!(2025-01-06 08:00))
        );
        for bad in [
            "2025-02-30T08:00:00",
            "2025-13-01",
            "25-01-06",
            "2025-01-06T8:00:00",
            "2025-01-06X08:00:00",
            "2025-01-06T25:00:00",
            "2025-01-06T08:00:00.",
            "é025-01-06",
            "2025-01-06Té",
        ] {
            assert!(xml::datetime(bad).is_err(), "{bad}");
        }
        assert_eq!(xml::time_of_day("24:00:00"), Ok(Time::MIDNIGHT));
    }

    /// A project of `n` tasks in summaries of ten, each linked to the one before, with
    /// a resource assigned to every third.
    fn large(n: usize) -> String {
        let mut x = String::from(
            "<?xml version=\"1.0\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\
             <Name>big.xml</Name><CalendarUID>1</CalendarUID><Calendars><Calendar><UID>1</UID>\
             <Name>Std</Name><IsBaseCalendar>1</IsBaseCalendar></Calendar></Calendars><Tasks>\n",
        );
        for i in 1..=n {
            let summary = i % 10 == 1;
            x.push_str(&format!(
                "<Task><UID>{i}</UID><ID>{i}</ID><Name>Task &amp; {i}</Name><OutlineLevel>{}</OutlineLevel>\
                 <Summary>{}</Summary><Start>2025-01-{:02}T08:00:00</Start><Finish>2025-02-01T17:00:00</Finish>\
                 <Duration>PT{}H0M0S</Duration><Notes><![CDATA[note <{i}>]]></Notes>",
                if summary { 1 } else { 2 },
                u8::from(summary),
                1 + i % 28,
                8 * (i % 5)
            ));
            if i > 2 && !summary {
                x.push_str(&format!(
                    "<PredecessorLink><PredecessorUID>{}</PredecessorUID><Type>{}</Type>\
                     <LinkLag>{}</LinkLag><LagFormat>7</LagFormat></PredecessorLink>",
                    i - 1,
                    i % 4,
                    (i % 3) * 300
                ));
            }
            x.push_str("</Task>\n<!-- between tasks -->\n");
        }
        x.push_str("</Tasks><Resources><Resource><UID>1</UID><Name>Crew</Name></Resource></Resources><Assignments>\n");
        for i in (3..=n).step_by(3) {
            x.push_str(&format!(
                "<Assignment><UID>{i}</UID><TaskUID>{i}</TaskUID><ResourceUID>1</ResourceUID>\
                 <Work>PT{}H0M0S</Work></Assignment>\n",
                i % 40
            ));
        }
        x.push_str("</Assignments></Project>\n");
        x
    }

    #[test]
    fn parts_read_the_same_as_one_pass() {
        let x = large(400);
        let whole = build(one_pass(x.as_bytes()).expect("one pass")).expect("build");
        assert_eq!(whole.projects[0].activities.len(), 360);
        assert!(whole.projects[0].relationships.len() > 300);
        for n in [2, 3, 8, 64] {
            let st = parse_parts(x.as_bytes(), n).expect("read in parts");
            assert_eq!(build(st).expect("build"), whole, "{n} parts");
        }
    }

    #[test]
    fn parts_give_way_to_one_pass_when_a_cut_is_not_between_elements() {
        // A `<Task>` inside comments and CDATA: cuts there must not be trusted.
        let x = large(300)
            .replace("<!-- between tasks -->", "<!-- <Task> -->")
            .replace("note <", "<Task>");
        let whole = build(one_pass(x.as_bytes()).expect("one pass")).expect("build");
        assert!(parse_parts(x.as_bytes(), 64).is_none());
        assert_eq!(parse(x.as_bytes()), Ok(whole));
        // A project field after the tasks is read by a later part: one pass decides.
        let x = large(300).replace("</Assignments>", "</Assignments><Title>Late</Title>");
        assert!(parse_parts(x.as_bytes(), 8).is_none());
        assert_eq!(parse(x.as_bytes()).expect("read").projects[0].name, "Late");
    }

    #[test]
    fn parts_read_every_corpus_file_as_one_pass_does() {
        let Some(corpus) = std::env::var_os("AECOS_CORPUS") else {
            eprintln!("AECOS_CORPUS unset: corpus MSPDI files not read in parts");
            return;
        };
        let dir = Path::new(&corpus).join("mspdi");
        let mut read = 0;
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.expect("corpus entry");
            if entry.path().extension().is_none_or(|e| e != "xml") {
                continue;
            }
            let bytes = std::fs::read(entry.path()).expect("corpus file");
            let whole = one_pass(&bytes).and_then(build);
            if let Some(st) = parse_parts(&bytes, 16) {
                read += 1;
                assert_eq!(build(st), whole, "{}", entry.path().display());
            }
        }
        assert!(read > 10, "only {read} corpus files were read in parts");
    }

    #[test]
    fn parts_agree_with_one_pass_on_damaged_files() {
        let base = large(200).into_bytes();
        let mut d = xml::Damage::new(0x9E37_79B9_7F4A_7C15);
        let tokens: [&[u8]; 9] = [
            b"<Task>",
            b"</Task>",
            b"</Tasks>",
            b"<!--",
            b"<![CDATA[",
            b"<Assignment>",
            b"<Name>x</Name>",
            b"<",
            b"&bad;",
        ];
        let mut trusted = 0;
        for _ in 0..300 {
            let b = d.edit(&base, &tokens, 1);
            let whole = one_pass(&b).and_then(build);
            if let Some(st) = parse_parts(&b, 16) {
                trusted += 1;
                assert_eq!(
                    build(st),
                    whole,
                    "parts trusted on a file one pass reads differently"
                );
            }
            assert_eq!(parse(&b), whole);
        }
        assert!(trusted > 0, "no damaged file was read in parts");
    }

    /// Random bytes and mutated fixtures: the reader returns Ok or Err, never panics,
    /// and an error's line is within the input.
    #[test]
    fn fuzz_never_panics() {
        let mut d = xml::Damage::new(0x2545_F491_4F6C_DD1D);
        let base = FIXTURE.as_bytes();
        let tokens: [&[u8]; 12] = [
            b"<",
            b">",
            b"</",
            b"/>",
            b"&",
            b"&amp;",
            b"<Task>",
            b"</Task>",
            b"<![CDATA[",
            b"<!DOCTYPE x>",
            b"\"",
            b"<?x?>",
        ];
        for i in 0..5000 {
            let input = if i % 2 == 0 {
                d.noise(300)
            } else {
                let edits = 1 + d.next() % 4;
                d.edit(base, &tokens, edits)
            };
            if let Err(e) = read_mspdi(Path::new("f.xml"), &input) {
                let lines = input.iter().filter(|&&c| c == b'\n').count() as u64 + 1;
                assert!(
                    e.line() >= 1 && e.line() <= lines,
                    "line {} of {lines}: {e}",
                    e.line()
                );
            }
        }
    }
}

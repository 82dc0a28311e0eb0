//! Reads a Primavera P6 XML file (PMXML: `<APIBusinessObjects>` in the namespace
//! `http://xmlns.oracle.com/Primavera/P6…/V…/API/BusinessObjects`, or in none) into the
//! canonical [`Schedule`]. It only reads: it never writes a file, and it never guesses
//! a value the file does not give — a field that is present but unreadable, or a
//! reference to an object the file does not hold, is an error naming the file, the
//! line, what is wrong and a hint.
//!
//! It shares the guarded streaming XML layer of `mspdi_read` (no DOM, DOCTYPE
//! rejected, nesting capped at 256, text and tags capped at 16 MiB, never panics).
//!
//! # Mapping
//! - Every `Project` (a file may hold several) → [`Project`]: key `ObjectId`, id `Id`,
//!   `Name`, `PlannedStartDate`, `MustFinishByDate`, `DataDate`,
//!   `ActivityDefaultCalendarObjectId` → default calendar (when the file defines it).
//!   `ProjectList` (a list of references) and `BaselineProject` (baselines) are skipped.
//!   `WBS`, `Activity`, `Relationship`, `ResourceAssignment` and `Calendar` are read
//!   inside their `Project`, or at the top level with a `ProjectObjectId`.
//! - `WBS` → [`Wbs`]: `ObjectId`, `ParentObjectId` (the project's `ObjectId`, nil or
//!   absent → directly under the project), `Code`, `Name`, `SequenceNumber`.
//! - `Activity` → [`Activity`]: `ObjectId`, `Id`, `Name`, `WBSObjectId` (the project's
//!   own `WBSObjectId`, nil or absent → none), `CalendarObjectId`, `Type` (Task
//!   Dependent, Resource Dependent, Level of Effort, Start/Finish Milestone, WBS
//!   Summary), `Status` (Not Started, In Progress, Completed; when absent derived from
//!   the actual dates), `PlannedDuration` and `RemainingDuration` (hours),
//!   `PercentComplete` (P6 writes a fraction 0–1; it becomes 0–100, and a value
//!   outside 0–1 is an error), `StartDate`/`FinishDate`, `ActualStartDate`/
//!   `ActualFinishDate`, `PlannedStartDate`/`PlannedFinishDate` → baseline,
//!   `PrimaryConstraintType`/`PrimaryConstraintDate`. Notes live in `ActivityNote`
//!   objects and are not read.
//! - `Relationship` → [`Relationship`] in the successor's project:
//!   `PredecessorActivityObjectId`, `SuccessorActivityObjectId`, `Type` ("Finish to
//!   Start" …), `Lag` (hours). Links to activities the file does not hold (other
//!   projects) are dropped.
//! - `Calendar` → [`Calendar`]: `ObjectId`, `Name`, `BaseCalendarObjectId`,
//!   `HoursPerDay` (8 when absent), `StandardWorkWeek/StandardWorkHours` (`DayOfWeek`,
//!   `WorkTime` `Start`/`Finish`) and `HolidayOrExceptions/HolidayOrException` (`Date`,
//!   `WorkTime`; none or nil = holiday). P6 writes a shift's end as its last minute
//!   (`11:59` for noon); one minute is added back, as MPXJ does, so `23:59` becomes
//!   `00:00` (midnight at the end of the day). P6 writes every calendar in full, so no
//!   inheritance is applied; `base` keeps the link. Calendars of `Type` Project (or
//!   inside a `Project`) go to that project, the others to `Schedule::calendars`.
//! - `Resource` → [`Resource`]: `ObjectId`, `Id`, `Name`, `ResourceType` (Labor,
//!   Nonlabor, Material; Labor when absent), `CalendarObjectId`, unit =
//!   `UnitOfMeasure` `Abbreviation` of `UnitOfMeasureObjectId`. Roles are not resources.
//! - `ResourceAssignment` → [`Assignment`]: `ObjectId`, `ActivityObjectId`,
//!   `ResourceObjectId`, `PlannedUnits`, `ActualUnits`, `RemainingUnits` (remaining
//!   defaults to planned − actual). Role-only assignments (nil resource) and ones whose
//!   activity or resource the file does not hold are dropped.
//! - The file's currency is the `Id` of the top-level `Currency` whose
//!   `ExchangeRate` is 1 (the base currency).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rust_decimal::Decimal;
use time::{Duration, PrimitiveDateTime, Time};

use crate::schedule::model::*;

use super::mspdi_read::xml::{self, Fault};

/// Why a P6 XML file could not be read: the same XML errors as MS Project XML (both
/// readers share one guarded XML layer), each naming the file, line, problem and hint.
pub use super::mspdi_read::MspdiError as PmxmlError;

/// Reads P6 XML `bytes` (the content of `path`, which is only used in messages).
pub fn read_pmxml(path: &Path, bytes: &[u8]) -> Result<Schedule, PmxmlError> {
    parse(bytes).map_err(|f| PmxmlError::from_fault(path, bytes, f))
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
    PObj = "ObjectId", PId = "Id", PName = "Name", PStart = "PlannedStartDate",
    PMustFinish = "MustFinishByDate", PDataDate = "DataDate",
    PCal = "ActivityDefaultCalendarObjectId", PWbs = "WBSObjectId",
    WObj = "ObjectId", WParent = "ParentObjectId", WProj = "ProjectObjectId", WCode = "Code",
    WName = "Name", WSeq = "SequenceNumber",
    AObj = "ObjectId", AId = "Id", AName = "Name", AWbs = "WBSObjectId",
    AProj = "ProjectObjectId", ACal = "CalendarObjectId", AType = "Type", AStatus = "Status",
    ADur = "PlannedDuration", ARem = "RemainingDuration", APct = "PercentComplete",
    AStart = "StartDate", AFinish = "FinishDate", AActStart = "ActualStartDate",
    AActFinish = "ActualFinishDate", APlanStart = "PlannedStartDate",
    APlanFinish = "PlannedFinishDate", ACType = "PrimaryConstraintType",
    ACDate = "PrimaryConstraintDate",
    RelPred = "PredecessorActivityObjectId",
    RelSucc = "SuccessorActivityObjectId", RelType = "Type", RelLag = "Lag",
    RaObj = "ObjectId", RaAct = "ActivityObjectId", RaRes = "ResourceObjectId",
    RaProj = "ProjectObjectId", RaPlan = "PlannedUnits", RaAct2 = "ActualUnits",
    RaRem = "RemainingUnits",
    CObj = "ObjectId", CName = "Name", CHpd = "HoursPerDay", CBase = "BaseCalendarObjectId",
    CProj = "ProjectObjectId", CType = "Type",
    DDay = "DayOfWeek", HDate = "Date", WtStart = "Start", WtFinish = "Finish",
    ResObj = "ObjectId", ResId = "Id", ResName = "Name", ResType = "ResourceType",
    ResCal = "CalendarObjectId", ResUom = "UnitOfMeasureObjectId",
    UObj = "ObjectId", UAbbr = "Abbreviation",
    CurId = "Id", CurRate = "ExchangeRate",
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Doc,
    Root,
    Skip,
    Field(F),
    Project,
    Wbs,
    Activity,
    Relationship,
    Assignment,
    Calendar,
    WorkWeek,
    WorkHours,
    Holidays,
    Holiday,
    WorkTime,
    Resource,
    Uom,
    Currency,
}

fn child(parent: Ctx, n: &[u8]) -> Ctx {
    use Ctx::*;
    match parent {
        Doc | Skip | Field(_) => Skip,
        Root => match n {
            b"Project" => Project,
            b"Calendar" => Calendar,
            b"Resource" => Resource,
            b"UnitOfMeasure" => Uom,
            b"Currency" => Currency,
            b"WBS" => Wbs,
            b"Activity" => Activity,
            b"Relationship" => Relationship,
            b"ResourceAssignment" => Assignment,
            _ => Skip,
        },
        Project => match n {
            b"ObjectId" => Field(F::PObj),
            b"Id" => Field(F::PId),
            b"Name" => Field(F::PName),
            b"PlannedStartDate" => Field(F::PStart),
            b"MustFinishByDate" => Field(F::PMustFinish),
            b"DataDate" => Field(F::PDataDate),
            b"ActivityDefaultCalendarObjectId" => Field(F::PCal),
            b"WBSObjectId" => Field(F::PWbs),
            b"WBS" => Wbs,
            b"Activity" => Activity,
            b"Relationship" => Relationship,
            b"ResourceAssignment" => Assignment,
            b"Calendar" => Calendar,
            _ => Skip,
        },
        Wbs => match n {
            b"ObjectId" => Field(F::WObj),
            b"ParentObjectId" => Field(F::WParent),
            b"ProjectObjectId" => Field(F::WProj),
            b"Code" => Field(F::WCode),
            b"Name" => Field(F::WName),
            b"SequenceNumber" => Field(F::WSeq),
            _ => Skip,
        },
        Activity => match n {
            b"ObjectId" => Field(F::AObj),
            b"Id" => Field(F::AId),
            b"Name" => Field(F::AName),
            b"WBSObjectId" => Field(F::AWbs),
            b"ProjectObjectId" => Field(F::AProj),
            b"CalendarObjectId" => Field(F::ACal),
            b"Type" => Field(F::AType),
            b"Status" => Field(F::AStatus),
            b"PlannedDuration" => Field(F::ADur),
            b"RemainingDuration" => Field(F::ARem),
            b"PercentComplete" => Field(F::APct),
            b"StartDate" => Field(F::AStart),
            b"FinishDate" => Field(F::AFinish),
            b"ActualStartDate" => Field(F::AActStart),
            b"ActualFinishDate" => Field(F::AActFinish),
            b"PlannedStartDate" => Field(F::APlanStart),
            b"PlannedFinishDate" => Field(F::APlanFinish),
            b"PrimaryConstraintType" => Field(F::ACType),
            b"PrimaryConstraintDate" => Field(F::ACDate),
            _ => Skip,
        },
        Relationship => match n {
            b"PredecessorActivityObjectId" => Field(F::RelPred),
            b"SuccessorActivityObjectId" => Field(F::RelSucc),
            b"Type" => Field(F::RelType),
            b"Lag" => Field(F::RelLag),
            _ => Skip,
        },
        Assignment => match n {
            b"ObjectId" => Field(F::RaObj),
            b"ActivityObjectId" => Field(F::RaAct),
            b"ResourceObjectId" => Field(F::RaRes),
            b"ProjectObjectId" => Field(F::RaProj),
            b"PlannedUnits" => Field(F::RaPlan),
            b"ActualUnits" => Field(F::RaAct2),
            b"RemainingUnits" => Field(F::RaRem),
            _ => Skip,
        },
        Calendar => match n {
            b"ObjectId" => Field(F::CObj),
            b"Name" => Field(F::CName),
            b"HoursPerDay" => Field(F::CHpd),
            b"BaseCalendarObjectId" => Field(F::CBase),
            b"ProjectObjectId" => Field(F::CProj),
            b"Type" => Field(F::CType),
            b"StandardWorkWeek" => WorkWeek,
            b"HolidayOrExceptions" => Holidays,
            _ => Skip,
        },
        WorkWeek => {
            if n == b"StandardWorkHours" {
                WorkHours
            } else {
                Skip
            }
        }
        WorkHours => match n {
            b"DayOfWeek" => Field(F::DDay),
            b"WorkTime" => WorkTime,
            _ => Skip,
        },
        Holidays => {
            if n == b"HolidayOrException" {
                Holiday
            } else {
                Skip
            }
        }
        Holiday => match n {
            b"Date" => Field(F::HDate),
            b"WorkTime" => WorkTime,
            _ => Skip,
        },
        WorkTime => match n {
            b"Start" => Field(F::WtStart),
            b"Finish" => Field(F::WtFinish),
            _ => Skip,
        },
        Resource => match n {
            b"ObjectId" => Field(F::ResObj),
            b"Id" => Field(F::ResId),
            b"Name" => Field(F::ResName),
            b"ResourceType" => Field(F::ResType),
            b"CalendarObjectId" => Field(F::ResCal),
            b"UnitOfMeasureObjectId" => Field(F::ResUom),
            _ => Skip,
        },
        Uom => match n {
            b"ObjectId" => Field(F::UObj),
            b"Abbreviation" => Field(F::UAbbr),
            _ => Skip,
        },
        Currency => match n {
            b"Id" => Field(F::CurId),
            b"ExchangeRate" => Field(F::CurRate),
            _ => Skip,
        },
    }
}

// ---------------------------------------------------------------------------------
// records

type Dt = PrimitiveDateTime;

/// Which project a record belongs to: the enclosing `Project` (by position in the
/// file), or a `ProjectObjectId` for top-level records.
#[derive(Debug, Default, Clone)]
struct Owner {
    enclosing: Option<usize>,
    object_id: Option<String>,
}

#[derive(Debug, Default)]
struct ProjRec {
    pos: u64,
    obj: Option<String>,
    id: String,
    name: String,
    start: Option<Dt>,
    must_finish: Option<Dt>,
    data_date: Option<Dt>,
    calendar: Option<String>,
    wbs_obj: Option<String>,
}

#[derive(Debug, Default)]
struct WbsRec {
    pos: u64,
    owner: Owner,
    obj: Option<String>,
    parent: Option<String>,
    code: String,
    name: String,
    seq: Option<i64>,
}

#[derive(Debug, Default)]
struct ActRec {
    pos: u64,
    owner: Owner,
    obj: Option<String>,
    id: String,
    name: String,
    wbs: Option<String>,
    calendar: Option<String>,
    kind: Option<ActivityKind>,
    status: Option<Status>,
    duration: Option<Decimal>,
    remaining: Option<Decimal>,
    percent: Option<Decimal>,
    start: Option<Dt>,
    finish: Option<Dt>,
    actual_start: Option<Dt>,
    actual_finish: Option<Dt>,
    planned_start: Option<Dt>,
    planned_finish: Option<Dt>,
    constraint: Option<ConstraintKind>,
    constraint_date: Option<Dt>,
}

#[derive(Debug, Default)]
struct RelRec {
    pred: Option<String>,
    succ: Option<String>,
    kind: Option<LinkKind>,
    lag: Option<Decimal>,
}

#[derive(Debug, Default)]
struct AsgRec {
    pos: u64,
    owner: Owner,
    obj: Option<String>,
    activity: Option<String>,
    resource: Option<String>,
    planned: Option<Decimal>,
    actual: Option<Decimal>,
    remaining: Option<Decimal>,
}

#[derive(Debug, Default)]
struct CalRec {
    pos: u64,
    enclosing: Option<usize>,
    obj: Option<String>,
    name: String,
    hpd: Option<Decimal>,
    base: Option<String>,
    project: Option<String>,
    is_project_type: bool,
    week: [Shifts; 7],
    exceptions: Vec<(time::Date, Shifts)>,
}

#[derive(Debug, Default)]
struct ResRec {
    pos: u64,
    obj: Option<String>,
    id: String,
    name: String,
    kind: Option<ResourceKind>,
    calendar: Option<String>,
    uom: Option<String>,
}

#[derive(Default)]
struct St {
    text: String,
    fpos: u64,
    projects: Vec<ProjRec>,
    /// Index in `projects` of the `Project` being read.
    in_project: Option<usize>,
    wbs: Vec<WbsRec>,
    w: WbsRec,
    acts: Vec<ActRec>,
    a: ActRec,
    rels: Vec<RelRec>,
    rel: RelRec,
    asgs: Vec<AsgRec>,
    asg: AsgRec,
    cals: Vec<CalRec>,
    cal: CalRec,
    day: Option<usize>,
    day_shifts: Shifts,
    hol_date: Option<time::Date>,
    hol_shifts: Shifts,
    wt: (Option<Time>, Option<Time>),
    res: Vec<ResRec>,
    r: ResRec,
    uoms: HashMap<String, String>,
    uom: (Option<String>, String),
    currency: Option<String>,
    cur: (String, Option<Decimal>),
}

const H_DATE: &str = "P6 XML date-times look like 2024-03-01T08:00:00";
const H_DEC: &str = "P6 XML writes plain numbers such as 8 or 12.5";
const H_INT: &str = "P6 XML writes a whole number here";

fn text_opt(s: &str) -> Option<String> {
    xml::present(s).map(str::to_string)
}

impl St {
    fn dt(&self, f: F, s: &str) -> Result<Option<Dt>, Fault> {
        match xml::present(s) {
            None => Ok(None),
            Some(t) => xml::datetime(t)
                .map(Some)
                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_DATE)),
        }
    }

    fn dec(&self, f: F, s: &str) -> Result<Option<Decimal>, Fault> {
        match xml::present(s) {
            None => Ok(None),
            Some(t) => xml::decimal(t)
                .map(Some)
                .map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_DEC)),
        }
    }

    fn tod(&self, f: F, s: &str) -> Result<Option<Time>, Fault> {
        match xml::present(s) {
            None => Ok(None),
            Some(t) => xml::time_of_day(t).map(Some).map_err(|w| {
                Fault::value(self.fpos, f.name(), t, w, "P6 times look like 08:00:00")
            }),
        }
    }

    fn owner(&self) -> Owner {
        Owner {
            enclosing: self.in_project,
            object_id: None,
        }
    }

    fn apply(&mut self, f: F, s: &str) -> Result<(), Fault> {
        let proj = self.in_project;
        match f {
            F::PObj
            | F::PId
            | F::PName
            | F::PStart
            | F::PMustFinish
            | F::PDataDate
            | F::PCal
            | F::PWbs => {
                let v_dt = match f {
                    F::PStart | F::PMustFinish | F::PDataDate => self.dt(f, s)?,
                    _ => None,
                };
                let Some(p) = proj.and_then(|i| self.projects.get_mut(i)) else {
                    return Ok(());
                };
                match f {
                    F::PObj => p.obj = text_opt(s),
                    F::PId => p.id = s.trim().to_string(),
                    F::PName => p.name = s.trim().to_string(),
                    F::PStart => p.start = v_dt,
                    F::PMustFinish => p.must_finish = v_dt,
                    F::PDataDate => p.data_date = v_dt,
                    F::PCal => p.calendar = text_opt(s),
                    _ => p.wbs_obj = text_opt(s),
                }
            }
            F::WObj => self.w.obj = text_opt(s),
            F::WParent => self.w.parent = text_opt(s),
            F::WProj => self.w.owner.object_id = text_opt(s),
            F::WCode => self.w.code = s.trim().to_string(),
            F::WName => self.w.name = s.trim().to_string(),
            F::WSeq => {
                self.w.seq = match xml::present(s) {
                    None => None,
                    Some(t) => Some(
                        xml::int(t).map_err(|w| Fault::value(self.fpos, f.name(), t, w, H_INT))?,
                    ),
                }
            }
            F::AObj => self.a.obj = text_opt(s),
            F::AId => self.a.id = s.trim().to_string(),
            F::AName => self.a.name = s.trim().to_string(),
            F::AWbs => self.a.wbs = text_opt(s),
            F::AProj => self.a.owner.object_id = text_opt(s),
            F::ACal => self.a.calendar = text_opt(s),
            F::AType => {
                self.a.kind = match xml::present(s) {
                    None => None,
                    Some(t) => Some(match t {
                        "Task Dependent" => ActivityKind::Task,
                        "Resource Dependent" => ActivityKind::ResourceDependent,
                        "Level of Effort" => ActivityKind::LevelOfEffort,
                        "Start Milestone" => ActivityKind::StartMilestone,
                        "Finish Milestone" => ActivityKind::FinishMilestone,
                        "WBS Summary" => ActivityKind::WbsSummary,
                        _ => {
                            return Err(Fault::value(
                                self.fpos,
                                f.name(),
                                t,
                                "unknown activity type",
                                "Type is Task Dependent, Resource Dependent, Level of Effort, \
                                 Start Milestone, Finish Milestone or WBS Summary",
                            ))
                        }
                    }),
                }
            }
            F::AStatus => {
                self.a.status = match xml::present(s) {
                    None => None,
                    Some(t) => Some(match t {
                        "Not Started" => Status::NotStarted,
                        "In Progress" => Status::InProgress,
                        "Completed" => Status::Complete,
                        _ => {
                            return Err(Fault::value(
                                self.fpos,
                                f.name(),
                                t,
                                "unknown activity status",
                                "Status is Not Started, In Progress or Completed",
                            ))
                        }
                    }),
                }
            }
            F::ADur => self.a.duration = self.dec(f, s)?,
            F::ARem => self.a.remaining = self.dec(f, s)?,
            F::APct => {
                let p = self.dec(f, s)?;
                if let Some(v) = p {
                    if v < Decimal::ZERO || v > Decimal::ONE {
                        return Err(Fault::value(
                            self.fpos,
                            f.name(),
                            s.trim(),
                            "percent complete out of range",
                            "P6 XML writes percent complete as a fraction from 0 to 1",
                        ));
                    }
                }
                self.a.percent = p;
            }
            F::AStart => self.a.start = self.dt(f, s)?,
            F::AFinish => self.a.finish = self.dt(f, s)?,
            F::AActStart => self.a.actual_start = self.dt(f, s)?,
            F::AActFinish => self.a.actual_finish = self.dt(f, s)?,
            F::APlanStart => self.a.planned_start = self.dt(f, s)?,
            F::APlanFinish => self.a.planned_finish = self.dt(f, s)?,
            F::ACType => {
                self.a.constraint = match xml::present(s) {
                    None | Some("None") => None,
                    Some(t) => Some(match t {
                        "Start On" => ConstraintKind::StartOn,
                        "Start On or Before" => ConstraintKind::StartOnOrBefore,
                        "Start On or After" => ConstraintKind::StartOnOrAfter,
                        "Finish On" => ConstraintKind::FinishOn,
                        "Finish On or Before" => ConstraintKind::FinishOnOrBefore,
                        "Finish On or After" => ConstraintKind::FinishOnOrAfter,
                        "Mandatory Start" => ConstraintKind::MandatoryStart,
                        "Mandatory Finish" => ConstraintKind::MandatoryFinish,
                        "As Late As Possible" => ConstraintKind::AsLateAsPossible,
                        _ => {
                            return Err(Fault::value(
                                self.fpos,
                                f.name(),
                                t,
                                "unknown constraint type",
                                "e.g. Start On, Start On or After, Finish On or Before, \
                                 Mandatory Start, As Late As Possible",
                            ))
                        }
                    }),
                }
            }
            F::ACDate => self.a.constraint_date = self.dt(f, s)?,
            F::RelPred => self.rel.pred = text_opt(s),
            F::RelSucc => self.rel.succ = text_opt(s),
            F::RelType => {
                self.rel.kind = match xml::present(s) {
                    None => None,
                    Some(t) => Some(match t {
                        "Finish to Start" => LinkKind::FinishToStart,
                        "Start to Start" => LinkKind::StartToStart,
                        "Finish to Finish" => LinkKind::FinishToFinish,
                        "Start to Finish" => LinkKind::StartToFinish,
                        _ => {
                            return Err(Fault::value(
                                self.fpos,
                                f.name(),
                                t,
                                "unknown relationship type",
                                "Type is Finish to Start, Start to Start, Finish to Finish or \
                                 Start to Finish",
                            ))
                        }
                    }),
                }
            }
            F::RelLag => self.rel.lag = self.dec(f, s)?,
            F::RaObj => self.asg.obj = text_opt(s),
            F::RaAct => self.asg.activity = text_opt(s),
            F::RaRes => self.asg.resource = text_opt(s),
            F::RaProj => self.asg.owner.object_id = text_opt(s),
            F::RaPlan => self.asg.planned = self.dec(f, s)?,
            F::RaAct2 => self.asg.actual = self.dec(f, s)?,
            F::RaRem => self.asg.remaining = self.dec(f, s)?,
            F::CObj => self.cal.obj = text_opt(s),
            F::CName => self.cal.name = s.trim().to_string(),
            F::CHpd => {
                let v = self.dec(f, s)?;
                if let Some(h) = v {
                    if h <= Decimal::ZERO || h > Decimal::from(24) {
                        return Err(Fault::value(
                            self.fpos,
                            f.name(),
                            s.trim(),
                            "hours per day out of range",
                            "HoursPerDay is more than 0 and at most 24",
                        ));
                    }
                }
                self.cal.hpd = v;
            }
            F::CBase => self.cal.base = text_opt(s),
            F::CProj => self.cal.project = text_opt(s),
            F::CType => self.cal.is_project_type = s.trim() == "Project",
            F::DDay => {
                let t = s.trim();
                self.day = Some(match t {
                    "Monday" => 0,
                    "Tuesday" => 1,
                    "Wednesday" => 2,
                    "Thursday" => 3,
                    "Friday" => 4,
                    "Saturday" => 5,
                    "Sunday" => 6,
                    _ => {
                        return Err(Fault::value(
                            self.fpos,
                            f.name(),
                            t,
                            "unknown day of the week",
                            "DayOfWeek is Monday … Sunday",
                        ))
                    }
                });
            }
            F::HDate => self.hol_date = self.dt(f, s)?.map(|d| d.date()),
            F::WtStart => self.wt.0 = self.tod(f, s)?,
            F::WtFinish => self.wt.1 = self.tod(f, s)?,
            F::ResObj => self.r.obj = text_opt(s),
            F::ResId => self.r.id = s.trim().to_string(),
            F::ResName => self.r.name = s.trim().to_string(),
            F::ResType => {
                self.r.kind = match xml::present(s) {
                    None => None,
                    Some(t) => Some(match t {
                        "Labor" => ResourceKind::Labor,
                        "Nonlabor" => ResourceKind::Nonlabor,
                        "Material" => ResourceKind::Material,
                        _ => {
                            return Err(Fault::value(
                                self.fpos,
                                f.name(),
                                t,
                                "unknown resource type",
                                "ResourceType is Labor, Nonlabor or Material",
                            ))
                        }
                    }),
                }
            }
            F::ResCal => self.r.calendar = text_opt(s),
            F::ResUom => self.r.uom = text_opt(s),
            F::UObj => self.uom.0 = text_opt(s),
            F::UAbbr => self.uom.1 = s.trim().to_string(),
            F::CurId => self.cur.0 = s.trim().to_string(),
            F::CurRate => self.cur.1 = self.dec(f, s)?,
        }
        Ok(())
    }
}

/// P6 writes a shift's end as its last minute: add the minute back (wrapping to 00:00,
/// which the model reads as midnight at the end of the day).
fn p6_end(t: Time) -> Time {
    t + Duration::minutes(1)
}

// ---------------------------------------------------------------------------------
// streaming

fn parse(bytes: &[u8]) -> Result<Schedule, Fault> {
    let mut st = St::default();
    xml::drive(bytes, &mut st)?;
    build(st)
}

impl xml::Handler for St {
    type Ctx = Ctx;
    const DOC: Ctx = Ctx::Doc;
    const ROOT: Ctx = Ctx::Root;
    const SKIP: Ctx = Ctx::Skip;
    const ROOT_NAME: &'static str = "APIBusinessObjects";
    const NAMESPACE: &'static str = "http://xmlns.oracle.com/Primavera/";
    const OTHER_ROOT_HINT: &'static str =
        "this is not a Primavera P6 XML file; MS Project XML has <Project>";
    const NAMESPACE_HINT: &'static str = "P6 XML uses xmlns=\"http://xmlns.oracle.com/Primavera/P6/V…/API/BusinessObjects\" (or none)";
    const ONE_ROOT: &'static str =
        "a P6 XML file has exactly one <APIBusinessObjects> root element";
    const NO_ROOT_HINT: &'static str = "a P6 XML file starts with <APIBusinessObjects …>";

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
            Ctx::Project => {
                self.in_project = Some(self.projects.len());
                self.projects.push(ProjRec {
                    pos,
                    ..ProjRec::default()
                });
            }
            Ctx::Wbs => {
                self.w = WbsRec {
                    pos,
                    owner: self.owner(),
                    ..WbsRec::default()
                }
            }
            Ctx::Activity => {
                self.a = ActRec {
                    pos,
                    owner: self.owner(),
                    ..ActRec::default()
                }
            }
            Ctx::Relationship => self.rel = RelRec::default(),
            Ctx::Assignment => {
                self.asg = AsgRec {
                    pos,
                    owner: self.owner(),
                    ..AsgRec::default()
                }
            }
            Ctx::Calendar => {
                self.cal = CalRec {
                    pos,
                    enclosing: self.in_project,
                    ..CalRec::default()
                }
            }
            Ctx::WorkHours => {
                self.day = None;
                self.day_shifts.clear();
            }
            Ctx::Holiday => {
                self.hol_date = None;
                self.hol_shifts.clear();
            }
            Ctx::WorkTime => self.wt = (None, None),
            Ctx::Resource => {
                self.r = ResRec {
                    pos,
                    ..ResRec::default()
                }
            }
            Ctx::Uom => self.uom = (None, String::new()),
            Ctx::Currency => self.cur = (String::new(), None),
            _ => {}
        }
    }

    fn on_close(&mut self, ctx: Ctx, stack: &[Ctx]) -> Result<(), Fault> {
        match ctx {
            Ctx::Field(f) => {
                let text = std::mem::take(&mut self.text);
                let r = self.apply(f, &text);
                self.text = text;
                r?;
            }
            Ctx::Project => self.in_project = None,
            Ctx::Wbs => {
                let w = std::mem::take(&mut self.w);
                self.wbs.push(w);
            }
            Ctx::Activity => {
                let a = std::mem::take(&mut self.a);
                self.acts.push(a);
            }
            Ctx::Relationship => {
                let r = std::mem::take(&mut self.rel);
                self.rels.push(r);
            }
            Ctx::Assignment => {
                let a = std::mem::take(&mut self.asg);
                self.asgs.push(a);
            }
            Ctx::Calendar => {
                let c = std::mem::take(&mut self.cal);
                self.cals.push(c);
            }
            Ctx::WorkTime => {
                if let (Some(start), Some(finish)) = self.wt {
                    let shift = (start, p6_end(finish));
                    match stack.last() {
                        Some(Ctx::WorkHours) => self.day_shifts.push(shift),
                        Some(Ctx::Holiday) => self.hol_shifts.push(shift),
                        _ => {}
                    }
                }
            }
            Ctx::WorkHours => {
                if let Some(d) = self.day {
                    self.cal.week[d] = std::mem::take(&mut self.day_shifts);
                }
            }
            Ctx::Holiday => {
                if let Some(d) = self.hol_date {
                    let shifts = std::mem::take(&mut self.hol_shifts);
                    self.cal.exceptions.push((d, shifts));
                }
            }
            Ctx::Resource => {
                let r = std::mem::take(&mut self.r);
                self.res.push(r);
            }
            Ctx::Uom => {
                let (obj, abbr) = std::mem::take(&mut self.uom);
                if let Some(o) = obj {
                    self.uoms.insert(o, abbr);
                }
            }
            Ctx::Currency => {
                let (id, rate) = std::mem::take(&mut self.cur);
                if self.currency.is_none() && !id.is_empty() && rate == Some(Decimal::ONE) {
                    self.currency = Some(id);
                }
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
// assembling the schedule

fn missing(pos: u64, element: &str, owner: &str) -> Fault {
    Fault::structure(
        pos,
        format!("a <{owner}> has no <{element}>"),
        "every P6 object needs its ObjectId; export the file again from P6",
    )
}

fn unknown_ref(pos: u64, element: &str, value: &str, what: &str) -> Fault {
    Fault::structure(
        pos,
        format!("{element} {value} names no {what} in the file"),
        "export the referenced objects with the project, or fix the reference",
    )
}

/// Index of the project a record belongs to.
fn project_of(
    owner: &Owner,
    by_obj: &HashMap<&str, usize>,
    pos: u64,
    what: &str,
) -> Result<usize, Fault> {
    if let Some(i) = owner.enclosing {
        return Ok(i);
    }
    match owner.object_id.as_deref() {
        Some(o) => by_obj
            .get(o)
            .copied()
            .ok_or_else(|| unknown_ref(pos, "ProjectObjectId", o, "project")),
        None => Err(Fault::structure(
            pos,
            format!("a top-level <{what}> has no <ProjectObjectId>"),
            "put it inside its <Project>, or give its ProjectObjectId",
        )),
    }
}

fn build(st: St) -> Result<Schedule, Fault> {
    let St {
        projects: precs,
        wbs: wrecs,
        acts,
        rels,
        asgs,
        cals,
        res,
        uoms,
        currency,
        ..
    } = st;

    let mut by_obj: HashMap<&str, usize> = HashMap::with_capacity(precs.len());
    for (i, p) in precs.iter().enumerate() {
        let Some(o) = p.obj.as_deref() else {
            return Err(missing(p.pos, "ObjectId", "Project"));
        };
        if by_obj.insert(o, i).is_some() {
            return Err(Fault::structure(
                p.pos,
                format!("two projects have ObjectId {o}"),
                "project ObjectIds must be unique",
            ));
        }
    }

    // calendars
    let mut cal_keys: HashSet<&str> = HashSet::with_capacity(cals.len());
    for c in &cals {
        let Some(o) = c.obj.as_deref() else {
            return Err(missing(c.pos, "ObjectId", "Calendar"));
        };
        if !cal_keys.insert(o) {
            return Err(Fault::structure(
                c.pos,
                format!("two calendars have ObjectId {o}"),
                "calendar ObjectIds must be unique",
            ));
        }
    }
    let mut global_cals = Vec::new();
    let mut project_cals: Vec<Vec<Calendar>> = (0..precs.len()).map(|_| Vec::new()).collect();
    for c in &cals {
        let mut exceptions = c.exceptions.clone();
        exceptions.sort_by_key(|(d, _)| *d);
        exceptions.dedup_by_key(|(d, _)| *d);
        let cal = Calendar {
            key: c.obj.clone().unwrap_or_default(),
            name: c.name.clone(),
            base: c.base.clone().filter(|b| cal_keys.contains(b.as_str())),
            hours_per_day: c.hpd.unwrap_or(Decimal::from(8)).normalize(),
            week: c.week.clone(),
            exceptions,
        };
        let owner = c.enclosing.or_else(|| {
            if c.is_project_type {
                c.project.as_deref().and_then(|p| by_obj.get(p).copied())
            } else {
                None
            }
        });
        match owner {
            Some(i) => project_cals[i].push(cal),
            None => global_cals.push(cal),
        }
    }
    let cal_ref = |v: &Option<String>, pos: u64, element: &str| -> Result<Option<String>, Fault> {
        match v {
            None => Ok(None),
            Some(c) if cal_keys.contains(c.as_str()) => Ok(Some(c.clone())),
            Some(c) => Err(unknown_ref(pos, element, c, "calendar")),
        }
    };

    // resources
    let mut resources = Vec::with_capacity(res.len());
    let mut res_keys: HashSet<&str> = HashSet::with_capacity(res.len());
    for r in &res {
        let Some(o) = r.obj.as_deref() else {
            return Err(missing(r.pos, "ObjectId", "Resource"));
        };
        if !res_keys.insert(o) {
            return Err(Fault::structure(
                r.pos,
                format!("two resources have ObjectId {o}"),
                "resource ObjectIds must be unique",
            ));
        }
        resources.push(Resource {
            key: o.to_string(),
            code: if r.id.is_empty() {
                o.to_string()
            } else {
                r.id.clone()
            },
            name: r.name.clone(),
            kind: r.kind.unwrap_or_default(),
            calendar: cal_ref(&r.calendar, r.pos, "CalendarObjectId")?,
            unit: r
                .uom
                .as_ref()
                .and_then(|u| uoms.get(u))
                .filter(|a| !a.is_empty())
                .cloned(),
        });
    }

    let mut projects: Vec<Project> = precs
        .iter()
        .zip(project_cals)
        .map(|(p, calendars)| Project {
            key: p.obj.clone().unwrap_or_default(),
            id: p.id.clone(),
            name: p.name.clone(),
            planned_start: p.start,
            must_finish: p.must_finish,
            data_date: p.data_date,
            calendar: p.calendar.clone().filter(|c| cal_keys.contains(c.as_str())),
            calendars,
            ..Project::default()
        })
        .collect();

    // WBS
    let mut wbs_project: HashMap<&str, usize> = HashMap::with_capacity(wrecs.len());
    for w in &wrecs {
        let Some(o) = w.obj.as_deref() else {
            return Err(missing(w.pos, "ObjectId", "WBS"));
        };
        let pi = project_of(&w.owner, &by_obj, w.pos, "WBS")?;
        if wbs_project.insert(o, pi).is_some() {
            return Err(Fault::structure(
                w.pos,
                format!("two WBS nodes have ObjectId {o}"),
                "WBS ObjectIds must be unique",
            ));
        }
    }
    for w in &wrecs {
        let key = w.obj.clone().unwrap_or_default();
        let pi = wbs_project.get(key.as_str()).copied().unwrap_or(0);
        let project_obj = precs[pi].obj.as_deref();
        let parent = match w.parent.as_deref() {
            None => None,
            Some(p) if Some(p) == project_obj => None,
            Some(p) if wbs_project.get(p) == Some(&pi) => Some(p.to_string()),
            Some(p) => {
                return Err(unknown_ref(
                    w.pos,
                    "ParentObjectId",
                    p,
                    "WBS node of the project",
                ))
            }
        };
        projects[pi].wbs.push(Wbs {
            key,
            parent,
            code: w.code.clone(),
            name: w.name.clone(),
            seq: w.seq.unwrap_or(0),
        });
    }

    // activities
    let mut act_project: HashMap<&str, usize> = HashMap::with_capacity(acts.len());
    for a in &acts {
        let Some(o) = a.obj.as_deref() else {
            return Err(missing(a.pos, "ObjectId", "Activity"));
        };
        let pi = project_of(&a.owner, &by_obj, a.pos, "Activity")?;
        if act_project.insert(o, pi).is_some() {
            return Err(Fault::structure(
                a.pos,
                format!("two activities have ObjectId {o}"),
                "activity ObjectIds must be unique",
            ));
        }
        let wbs = match a.wbs.as_deref() {
            None => None,
            Some(w) if Some(w) == precs[pi].wbs_obj.as_deref() => None,
            Some(w) if wbs_project.get(w) == Some(&pi) => Some(w.to_string()),
            Some(w) => {
                return Err(unknown_ref(
                    a.pos,
                    "WBSObjectId",
                    w,
                    "WBS node of the project",
                ))
            }
        };
        let status = a.status.unwrap_or(if a.actual_finish.is_some() {
            Status::Complete
        } else if a.actual_start.is_some() {
            Status::InProgress
        } else {
            Status::NotStarted
        });
        let constraint = match a.constraint {
            None => None,
            Some(ConstraintKind::AsLateAsPossible) => Some(Constraint {
                kind: ConstraintKind::AsLateAsPossible,
                date: None,
            }),
            Some(kind) => match a.constraint_date {
                Some(d) => Some(Constraint {
                    kind,
                    date: Some(d),
                }),
                None => {
                    return Err(Fault::structure(
                        a.pos,
                        format!(
                            "activity {o} has a PrimaryConstraintType but no PrimaryConstraintDate"
                        ),
                        "give the constraint's date, or remove the constraint",
                    ))
                }
            },
        };
        let duration = a.duration.unwrap_or(Decimal::ZERO).normalize();
        let remaining = match (a.remaining, status) {
            (Some(r), _) => r.normalize(),
            (None, Status::Complete) => Decimal::ZERO,
            (None, _) => duration,
        };
        let percent = a
            .percent
            .unwrap_or(Decimal::ZERO)
            .checked_mul(Decimal::ONE_HUNDRED)
            .unwrap_or(Decimal::ZERO)
            .round_dp(6)
            .normalize();
        projects[pi].activities.push(Activity {
            key: o.to_string(),
            code: a.id.clone(),
            name: a.name.clone(),
            wbs,
            calendar: cal_ref(&a.calendar, a.pos, "CalendarObjectId")?,
            kind: a.kind.unwrap_or_default(),
            status,
            duration_hours: duration,
            remaining_hours: remaining,
            percent_complete: percent,
            start: a.start,
            finish: a.finish,
            actual_start: a.actual_start,
            actual_finish: a.actual_finish,
            baseline_start: a.planned_start,
            baseline_finish: a.planned_finish,
            constraint,
            elements: Vec::new(),
            notes: None,
        });
    }

    // relationships (in the successor's project)
    for r in &rels {
        let (Some(p), Some(s)) = (r.pred.as_deref(), r.succ.as_deref()) else {
            continue;
        };
        let (Some(_), Some(&pi)) = (act_project.get(p), act_project.get(s)) else {
            continue;
        };
        projects[pi].relationships.push(Relationship {
            predecessor: p.to_string(),
            successor: s.to_string(),
            kind: r.kind.unwrap_or_default(),
            lag_hours: r.lag.unwrap_or(Decimal::ZERO).normalize(),
        });
    }

    // assignments
    for a in &asgs {
        let (Some(act), Some(rsc)) = (a.activity.as_deref(), a.resource.as_deref()) else {
            continue;
        };
        let Some(&pi) = act_project.get(act) else {
            continue;
        };
        if !res_keys.contains(rsc) {
            continue;
        }
        if a.owner.enclosing.is_none() && a.owner.object_id.is_some() {
            project_of(&a.owner, &by_obj, a.pos, "ResourceAssignment")?;
        }
        let Some(o) = a.obj.as_deref() else {
            return Err(missing(a.pos, "ObjectId", "ResourceAssignment"));
        };
        let planned = a.planned.unwrap_or(Decimal::ZERO);
        let actual = a.actual.unwrap_or(Decimal::ZERO);
        let remaining = match a.remaining {
            Some(r) => r,
            None => planned
                .checked_sub(actual)
                .ok_or_else(|| Fault::structure(a.pos, "units out of range", H_DEC))?
                .max(Decimal::ZERO),
        };
        projects[pi].assignments.push(Assignment {
            key: o.to_string(),
            activity: act.to_string(),
            resource: rsc.to_string(),
            planned_units: planned.normalize(),
            actual_units: actual.normalize(),
            remaining_units: remaining.normalize(),
        });
    }

    Ok(Schedule {
        projects,
        calendars: global_cals,
        resources,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal literal")
    }

    const FIXTURE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<APIBusinessObjects xmlns="http://xmlns.oracle.com/Primavera/P6/V23.12/API/BusinessObjects" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Currency><ExchangeRate>0.7</ExchangeRate><Id>USD</Id><ObjectId>2</ObjectId></Currency>
  <Currency><ExchangeRate>1</ExchangeRate><Id>CAD</Id><ObjectId>1</ObjectId></Currency>
  <UnitOfMeasure><Abbreviation>m3</Abbreviation><Name>Cubic metre</Name><ObjectId>5</ObjectId></UnitOfMeasure>
  <ProjectList><Project ObjectId="100"><Id>TWR</Id><Name>Tower</Name></Project></ProjectList>
  <Calendar>
    <BaseCalendarObjectId xsi:nil="true"/>
    <HoursPerDay>8</HoursPerDay>
    <Name>Standard 5 Day</Name>
    <ObjectId>10</ObjectId>
    <Type>Global</Type>
    <StandardWorkWeek>
      <StandardWorkHours><DayOfWeek>Sunday</DayOfWeek><WorkTime xsi:nil="true"/></StandardWorkHours>
      <StandardWorkHours><DayOfWeek>Monday</DayOfWeek>
        <WorkTime><Start>08:00:00</Start><Finish>11:59:00</Finish></WorkTime>
        <WorkTime><Start>13:00:00</Start><Finish>16:59:00</Finish></WorkTime>
      </StandardWorkHours>
      <StandardWorkHours><DayOfWeek>Tuesday</DayOfWeek><WorkTime><Start>08:00:00</Start><Finish>16:59:00</Finish></WorkTime></StandardWorkHours>
      <StandardWorkHours><DayOfWeek>Wednesday</DayOfWeek><WorkTime><Start>08:00:00</Start><Finish>16:59:00</Finish></WorkTime></StandardWorkHours>
      <StandardWorkHours><DayOfWeek>Thursday</DayOfWeek><WorkTime><Start>08:00:00</Start><Finish>16:59:00</Finish></WorkTime></StandardWorkHours>
      <StandardWorkHours><DayOfWeek>Friday</DayOfWeek><WorkTime><Start>08:00:00</Start><Finish>16:59:00</Finish></WorkTime></StandardWorkHours>
      <StandardWorkHours><DayOfWeek>Saturday</DayOfWeek></StandardWorkHours>
    </StandardWorkWeek>
    <HolidayOrExceptions>
      <HolidayOrException><Date>2025-12-27T00:00:00</Date><WorkTime><Start>08:00:00</Start><Finish>11:59:00</Finish></WorkTime></HolidayOrException>
      <HolidayOrException><Date>2025-12-25T00:00:00</Date><WorkTime xsi:nil="true"/></HolidayOrException>
    </HolidayOrExceptions>
  </Calendar>
  <Calendar>
    <HoursPerDay>24</HoursPerDay><Name>24 Hour</Name><ObjectId>11</ObjectId><Type>Global</Type>
    <StandardWorkWeek><StandardWorkHours><DayOfWeek>Monday</DayOfWeek><WorkTime><Start>00:00:00</Start><Finish>23:59:00</Finish></WorkTime></StandardWorkHours></StandardWorkWeek>
  </Calendar>
  <Calendar>
    <BaseCalendarObjectId>10</BaseCalendarObjectId><HoursPerDay>10</HoursPerDay><Name>Tower 4x10</Name>
    <ObjectId>12</ObjectId><ProjectObjectId>100</ProjectObjectId><Type>Project</Type>
  </Calendar>
  <Resource><CalendarObjectId>10</CalendarObjectId><Id>CR1</Id><Name>Crane</Name><ObjectId>50</ObjectId><ResourceType>Nonlabor</ResourceType><UnitOfMeasureObjectId xsi:nil="true"/></Resource>
  <Resource><Id>CONC</Id><Name>Concrete</Name><ObjectId>51</ObjectId><ResourceType>Material</ResourceType><UnitOfMeasureObjectId>5</UnitOfMeasureObjectId></Resource>
  <Resource><Id>JD</Id><Name>Jane Doe</Name><ObjectId>52</ObjectId></Resource>
  <Role><Id>ENG</Id><Name>Engineer</Name><ObjectId>60</ObjectId></Role>
  <Project>
    <ActivityDefaultCalendarObjectId>10</ActivityDefaultCalendarObjectId>
    <DataDate>2025-03-03T08:00:00</DataDate>
    <Id>TWR</Id>
    <MustFinishByDate>2025-12-19T17:00:00</MustFinishByDate>
    <Name>Tower &amp; podium</Name>
    <ObjectId>100</ObjectId>
    <PlannedStartDate>2025-01-06T08:00:00</PlannedStartDate>
    <WBSObjectId>1000</WBSObjectId>
    <WBS><Code>SUB</Code><Name>Substructure</Name><ObjectId>1001</ObjectId><ParentObjectId>100</ParentObjectId><ProjectObjectId>100</ProjectObjectId><SequenceNumber>10</SequenceNumber></WBS>
    <WBS><Code>FND</Code><Name>Foundations</Name><ObjectId>1002</ObjectId><ParentObjectId>1001</ParentObjectId><SequenceNumber>20</SequenceNumber></WBS>
    <Activity>
      <ActualStartDate>2025-01-06T08:00:00</ActualStartDate>
      <CalendarObjectId>12</CalendarObjectId>
      <FinishDate>2025-01-20T17:00:00</FinishDate>
      <Id>A1000</Id>
      <Name>Excavate</Name>
      <ObjectId>2000</ObjectId>
      <PercentComplete>0.5</PercentComplete>
      <PlannedDuration>80</PlannedDuration>
      <PlannedFinishDate>2025-01-17T17:00:00</PlannedFinishDate>
      <PlannedStartDate>2025-01-06T08:00:00</PlannedStartDate>
      <PrimaryConstraintDate>2025-01-06T08:00:00</PrimaryConstraintDate>
      <PrimaryConstraintType>Start On or After</PrimaryConstraintType>
      <RemainingDuration>40</RemainingDuration>
      <StartDate>2025-01-06T08:00:00</StartDate>
      <Status>In Progress</Status>
      <Type>Task Dependent</Type>
      <WBSObjectId>1002</WBSObjectId>
    </Activity>
    <Activity><Id>A1010</Id><Name>Pour</Name><ObjectId>2001</ObjectId><PercentComplete>0</PercentComplete><PlannedDuration>16.5</PlannedDuration><PrimaryConstraintType>As Late As Possible</PrimaryConstraintType><Status>Not Started</Status><Type>Resource Dependent</Type><WBSObjectId>1000</WBSObjectId></Activity>
    <Activity><ActualFinishDate>2025-01-06T08:00:00</ActualFinishDate><ActualStartDate>2025-01-06T08:00:00</ActualStartDate><Id>M1</Id><Name>NTP</Name><ObjectId>2002</ObjectId><PercentComplete>1</PercentComplete><PrimaryConstraintType/><Status>Completed</Status><Type>Start Milestone</Type><WBSObjectId xsi:nil="true"/></Activity>
    <Activity><Id>M2</Id><Name>Slab done</Name><ObjectId>2003</ObjectId><Type>Finish Milestone</Type></Activity>
    <Activity><Id>LOE</Id><Name>Supervision</Name><ObjectId>2004</ObjectId><Type>Level of Effort</Type></Activity>
    <Activity><Id>WS</Id><Name>Summary</Name><ObjectId>2005</ObjectId><Type>WBS Summary</Type></Activity>
    <Relationship><Lag>8</Lag><ObjectId>1</ObjectId><PredecessorActivityObjectId>2000</PredecessorActivityObjectId><SuccessorActivityObjectId>2001</SuccessorActivityObjectId><Type>Finish to Start</Type></Relationship>
    <Relationship><Lag>-4</Lag><PredecessorActivityObjectId>2000</PredecessorActivityObjectId><SuccessorActivityObjectId>2003</SuccessorActivityObjectId><Type>Start to Start</Type></Relationship>
    <Relationship><Lag>0</Lag><PredecessorActivityObjectId>2001</PredecessorActivityObjectId><SuccessorActivityObjectId>2003</SuccessorActivityObjectId><Type>Finish to Finish</Type></Relationship>
    <Relationship><Lag>0.5</Lag><PredecessorActivityObjectId>2002</PredecessorActivityObjectId><SuccessorActivityObjectId>2000</SuccessorActivityObjectId><Type>Start to Finish</Type></Relationship>
    <Relationship><PredecessorActivityObjectId>2000</PredecessorActivityObjectId><SuccessorActivityObjectId>99999</SuccessorActivityObjectId><Type>Finish to Start</Type></Relationship>
    <ResourceAssignment><ActivityObjectId>2000</ActivityObjectId><ActualUnits>40</ActualUnits><ObjectId>7000</ObjectId><PlannedUnits>80</PlannedUnits><RemainingUnits>40</RemainingUnits><ResourceObjectId>50</ResourceObjectId></ResourceAssignment>
    <ResourceAssignment><ActivityObjectId>2001</ActivityObjectId><ObjectId>7001</ObjectId><PlannedUnits>120</PlannedUnits><ResourceObjectId>51</ResourceObjectId></ResourceAssignment>
    <ResourceAssignment><ActivityObjectId>2001</ActivityObjectId><ObjectId>7002</ObjectId><PlannedUnits>8</PlannedUnits><ResourceObjectId xsi:nil="true"/><RoleObjectId>60</RoleObjectId></ResourceAssignment>
  </Project>
  <Project><Id>FIT</Id><Name>Fit-out</Name><ObjectId>200</ObjectId></Project>
  <Activity><Id>F100</Id><Name>Partitions</Name><ObjectId>3000</ObjectId><PlannedDuration>40</PlannedDuration><ProjectObjectId>200</ProjectObjectId></Activity>
  <Relationship><PredecessorActivityObjectId>2001</PredecessorActivityObjectId><SuccessorActivityObjectId>3000</SuccessorActivityObjectId><Type>Finish to Start</Type></Relationship>
  <ResourceAssignment><ActivityObjectId>3000</ActivityObjectId><ObjectId>7100</ObjectId><PlannedUnits>40</PlannedUnits><ProjectObjectId>200</ProjectObjectId><ResourceObjectId>52</ResourceObjectId></ResourceAssignment>
  <BaselineProject><Id>TWR-B1</Id><ObjectId>900</ObjectId><Activity><Id>A1000</Id><ObjectId>9001</ObjectId></Activity></BaselineProject>
</APIBusinessObjects>
"#;

    fn read(xml: &str) -> Result<Schedule, PmxmlError> {
        read_pmxml(Path::new("p6.xml"), xml.as_bytes())
    }

    fn ok(xml: &str) -> Schedule {
        match read(xml) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn one_project(inner: &str) -> String {
        format!("<APIBusinessObjects><Project><ObjectId>1</ObjectId>{inner}</Project></APIBusinessObjects>")
    }

    #[test]
    fn projects_and_currency() {
        let s = ok(FIXTURE);
        assert_eq!(s.currency.as_deref(), Some("CAD"));
        assert_eq!(
            s.projects.len(),
            2,
            "ProjectList and BaselineProject are not projects"
        );
        let p = &s.projects[0];
        assert_eq!(
            (p.key.as_str(), p.id.as_str(), p.name.as_str()),
            ("100", "TWR", "Tower & podium")
        );
        assert_eq!(p.planned_start, Some(datetime!(2025-01-06 08:00)));
        assert_eq!(p.must_finish, Some(datetime!(2025-12-19 17:00)));
        assert_eq!(p.data_date, Some(datetime!(2025-03-03 08:00)));
        assert_eq!(p.calendar.as_deref(), Some("10"));
        let q = &s.projects[1];
        assert_eq!(
            (q.key.as_str(), q.id.as_str(), q.name.as_str()),
            ("200", "FIT", "Fit-out")
        );
    }

    #[test]
    fn calendars() {
        let s = ok(FIXTURE);
        let keys: Vec<&str> = s.calendars.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, vec!["10", "11"]);
        let std = &s.calendars[0];
        assert_eq!(std.name, "Standard 5 Day");
        assert_eq!(std.hours_per_day, dec("8"));
        assert_eq!(std.base, None);
        assert_eq!(
            std.week[0],
            vec![(time!(08:00), time!(12:00)), (time!(13:00), time!(17:00))]
        );
        assert_eq!(std.week[1], vec![(time!(08:00), time!(17:00))]);
        assert!(std.week[5].is_empty() && std.week[6].is_empty());
        assert_eq!(
            std.exceptions,
            vec![
                (date!(2025 - 12 - 25), vec![]),
                (date!(2025 - 12 - 27), vec![(time!(08:00), time!(12:00))])
            ]
        );
        let h24 = &s.calendars[1];
        assert_eq!(
            h24.week[0],
            vec![(time!(00:00), time!(00:00))],
            "23:59 + 1 min = midnight"
        );
        assert_eq!(h24.hours_per_day, dec("24"));
        let pc = &s.projects[0].calendars;
        assert_eq!(pc.len(), 1);
        assert_eq!(
            (pc[0].key.as_str(), pc[0].base.as_deref()),
            ("12", Some("10"))
        );
        assert_eq!(pc[0].hours_per_day, dec("10"));
    }

    #[test]
    fn wbs_and_activities() {
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
        assert_eq!(
            w,
            vec![
                ("1001", None, "SUB", "Substructure", 10),
                ("1002", Some("1001"), "FND", "Foundations", 20)
            ]
        );
        let a = &p.activities;
        let kinds: Vec<(&str, ActivityKind, Option<&str>)> = a
            .iter()
            .map(|a| (a.code.as_str(), a.kind, a.wbs.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("A1000", ActivityKind::Task, Some("1002")),
                ("A1010", ActivityKind::ResourceDependent, None),
                ("M1", ActivityKind::StartMilestone, None),
                ("M2", ActivityKind::FinishMilestone, None),
                ("LOE", ActivityKind::LevelOfEffort, None),
                ("WS", ActivityKind::WbsSummary, None),
            ]
        );
        let x = &a[0];
        assert_eq!((x.key.as_str(), x.name.as_str()), ("2000", "Excavate"));
        assert_eq!(x.calendar.as_deref(), Some("12"));
        assert_eq!(x.status, Status::InProgress);
        assert_eq!(
            (x.duration_hours, x.remaining_hours, x.percent_complete),
            (dec("80"), dec("40"), dec("50"))
        );
        assert_eq!(x.start, Some(datetime!(2025-01-06 08:00)));
        assert_eq!(x.finish, Some(datetime!(2025-01-20 17:00)));
        assert_eq!(x.actual_start, Some(datetime!(2025-01-06 08:00)));
        assert_eq!(x.baseline_start, Some(datetime!(2025-01-06 08:00)));
        assert_eq!(x.baseline_finish, Some(datetime!(2025-01-17 17:00)));
        assert_eq!(
            x.constraint,
            Some(Constraint {
                kind: ConstraintKind::StartOnOrAfter,
                date: Some(datetime!(2025-01-06 08:00))
            })
        );
        let pour = &a[1];
        assert_eq!(
            (pour.duration_hours, pour.remaining_hours),
            (dec("16.5"), dec("16.5"))
        );
        assert_eq!(
            pour.constraint,
            Some(Constraint {
                kind: ConstraintKind::AsLateAsPossible,
                date: None
            })
        );
        let m1 = &a[2];
        assert_eq!(
            (m1.status, m1.percent_complete, m1.remaining_hours),
            (Status::Complete, dec("100"), Decimal::ZERO)
        );
        assert_eq!(m1.constraint, None);
        assert_eq!(a[3].status, Status::NotStarted);
        let fit = &s.projects[1].activities;
        assert_eq!(fit.len(), 1);
        assert_eq!(
            (fit[0].key.as_str(), fit[0].duration_hours),
            ("3000", dec("40"))
        );
    }

    #[test]
    fn relationships() {
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
                ("2000", "2001", LinkKind::FinishToStart, dec("8")),
                ("2000", "2003", LinkKind::StartToStart, dec("-4")),
                ("2001", "2003", LinkKind::FinishToFinish, Decimal::ZERO),
                ("2002", "2000", LinkKind::StartToFinish, dec("0.5")),
            ]
        );
        let cross = &s.projects[1].relationships;
        assert_eq!(cross.len(), 1, "in the successor's project");
        assert_eq!(
            (cross[0].predecessor.as_str(), cross[0].successor.as_str()),
            ("2001", "3000")
        );
    }

    #[test]
    fn resources_and_assignments() {
        let s = ok(FIXTURE);
        type Row<'a> = (
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
                    r.kind,
                    r.calendar.as_deref(),
                    r.unit.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            r,
            vec![
                ("50", "CR1", ResourceKind::Nonlabor, Some("10"), None),
                ("51", "CONC", ResourceKind::Material, None, Some("m3")),
                ("52", "JD", ResourceKind::Labor, None, None),
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
                ("7000", "2000", "50", dec("80"), dec("40"), dec("40")),
                ("7001", "2001", "51", dec("120"), Decimal::ZERO, dec("120")),
            ]
        );
        assert_eq!(s.projects[1].assignments.len(), 1);
        assert_eq!(s.projects[1].assignments[0].resource, "52");
    }

    #[test]
    fn namespace_less_file_reads_the_same() {
        let without = FIXTURE.replace(
            " xmlns=\"http://xmlns.oracle.com/Primavera/P6/V23.12/API/BusinessObjects\"",
            "",
        );
        assert_eq!(ok(&without), ok(FIXTURE));
        let e = read("<APIBusinessObjects xmlns=\"http://schemas.microsoft.com/project\"/>")
            .expect_err("ns");
        assert!(e.to_string().contains("namespace"), "{e}");
        let e = read(
            "<?xml version=\"1.0\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\"/>",
        )
        .expect_err("mspdi");
        assert!(matches!(e, PmxmlError::Structure { line: 2, .. }), "{e}");
        assert!(e.to_string().contains("not <APIBusinessObjects>"), "{e}");
    }

    #[test]
    fn bad_values_and_references_are_errors() {
        for (from, to, needle) in [
            (
                "<PercentComplete>0.5</PercentComplete>",
                "<PercentComplete>50</PercentComplete>",
                "fraction from 0 to 1",
            ),
            (
                "<Type>Task Dependent</Type>",
                "<Type>Task</Type>",
                "unknown activity type",
            ),
            (
                "<Status>In Progress</Status>",
                "<Status>Started</Status>",
                "unknown activity status",
            ),
            (
                "<Type>Start to Start</Type>",
                "<Type>SS</Type>",
                "unknown relationship type",
            ),
            (
                "Start On or After</PrimaryConstraintType>",
                "SNET</PrimaryConstraintType>",
                "unknown constraint type",
            ),
            (
                "<ResourceType>Material</ResourceType>",
                "<ResourceType>Stuff</ResourceType>",
                "unknown resource type",
            ),
            (
                "<DayOfWeek>Sunday</DayOfWeek>",
                "<DayOfWeek>Sun</DayOfWeek>",
                "unknown day of the week",
            ),
            (
                "<PlannedDuration>80</PlannedDuration>",
                "<PlannedDuration>80h</PlannedDuration>",
                "not a decimal",
            ),
            (
                "<DataDate>2025-03-03T08:00:00</DataDate>",
                "<DataDate>2025-03-33T08:00:00</DataDate>",
                "day out of range",
            ),
            (
                "<ParentObjectId>1001</ParentObjectId>",
                "<ParentObjectId>4242</ParentObjectId>",
                "ParentObjectId 4242 names no WBS",
            ),
            (
                "<WBSObjectId>1002</WBSObjectId>",
                "<WBSObjectId>4242</WBSObjectId>",
                "WBSObjectId 4242",
            ),
            (
                "<CalendarObjectId>12</CalendarObjectId>",
                "<CalendarObjectId>13</CalendarObjectId>",
                "CalendarObjectId 13 names no calendar",
            ),
            (
                "<ProjectObjectId>200</ProjectObjectId></Activity>",
                "<ProjectObjectId>201</ProjectObjectId></Activity>",
                "ProjectObjectId 201",
            ),
            (
                "<ObjectId>2001</ObjectId>",
                "<ObjectId>2000</ObjectId>",
                "two activities have ObjectId 2000",
            ),
            (
                "<PrimaryConstraintDate>2025-01-06T08:00:00</PrimaryConstraintDate>",
                "",
                "no PrimaryConstraintDate",
            ),
            (
                "<HoursPerDay>24</HoursPerDay>",
                "<HoursPerDay>25</HoursPerDay>",
                "hours per day",
            ),
        ] {
            assert!(FIXTURE.contains(from), "{from}");
            let xml = FIXTURE.replacen(from, to, 1);
            let e = read(&xml).expect_err(to);
            assert!(e.to_string().contains(needle), "{to}: {e}");
            assert!(e.to_string().starts_with("p6.xml:"), "{e}");
        }
        let xml = FIXTURE.replacen(
            "<PercentComplete>0.5</PercentComplete>",
            "<PercentComplete>50</PercentComplete>",
            1,
        );
        let line = FIXTURE
            .lines()
            .position(|l| l.contains("<PercentComplete>0.5"))
            .expect("line") as u64
            + 1;
        assert_eq!(read(&xml).expect_err("pct").line(), line);
    }

    #[test]
    fn doctype_depth_truncation_and_entities() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<APIBusinessObjects>&b;</APIBusinessObjects>";
        let e = read(bomb).expect_err("doctype");
        assert!(matches!(e, PmxmlError::Doctype { line: 2, .. }), "{e}");
        assert!(
            e.to_string()
                .contains("DOCTYPE is not allowed (possible XML bomb)"),
            "{e}"
        );
        let deep = format!(
            "<APIBusinessObjects>{}{}</APIBusinessObjects>",
            "<x>".repeat(400),
            "</x>".repeat(400)
        );
        assert!(matches!(read(&deep), Err(PmxmlError::Limit { .. })));
        let cut = &FIXTURE[..FIXTURE.find("<Relationship>").expect("fixture")];
        let e = read(cut).expect_err("truncated");
        assert!(
            matches!(e, PmxmlError::Syntax { .. }) && e.to_string().contains("truncated"),
            "{e}"
        );
        assert_eq!(e.line(), cut.lines().count() as u64);
        let e = read(&one_project("<Name>&nbsp;</Name>")).expect_err("entity");
        assert!(matches!(e, PmxmlError::Syntax { .. }), "{e}");
    }

    #[test]
    fn top_level_records_need_a_project() {
        let xml =
            "<APIBusinessObjects><Activity><ObjectId>1</ObjectId></Activity></APIBusinessObjects>";
        let e = read(xml).expect_err("orphan");
        assert!(e.to_string().contains("has no <ProjectObjectId>"), "{e}");
        let e = read(&one_project("<Activity><Id>A</Id></Activity>")).expect_err("no ObjectId");
        assert!(e.to_string().contains("has no <ObjectId>"), "{e}");
        let s = ok(&one_project(
            "<Activity><ObjectId>5</ObjectId><Status>Completed</Status></Activity>",
        ));
        assert_eq!(s.projects[0].activities[0].remaining_hours, Decimal::ZERO);
        assert_eq!(s.currency, None);
    }

    #[test]
    fn fuzz_never_panics() {
        let mut d = xml::Damage::new(0x9E37_79B9_7F4A_7C15);
        let base = FIXTURE.as_bytes();
        let tokens: [&[u8]; 10] = [
            b"<",
            b">",
            b"</",
            b"/>",
            b"&",
            b"<Activity>",
            b"</Project>",
            b"xsi:nil=\"true\"",
            b"<!--",
            b"]]>",
        ];
        for i in 0..5000 {
            let input = if i % 2 == 0 {
                d.noise(300)
            } else {
                let edits = 1 + d.next() % 4;
                d.edit(base, &tokens, edits)
            };
            if let Err(e) = read_pmxml(Path::new("f.xml"), &input) {
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

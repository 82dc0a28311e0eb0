//! MS Project XML (MSPDI) writer: turns the canonical [`Schedule`] into a UTF-8
//! `<Project xmlns="http://schemas.microsoft.com/project">` document that Microsoft
//! Project (2007 and later) opens.
//!
//! What it does:
//! - writes every element in the order of the MSPDI schema's `xsd:sequence`s (the
//!   order Project 2019 itself writes), project header first, then Calendars, Tasks,
//!   Resources and Assignments;
//! - writes each model calendar as a base calendar (WeekDays with DayType 1=Sunday..
//!   7=Saturday, WorkingTimes, and the Project 2007+ `Exceptions` form for holidays and
//!   special working days), plus one resource calendar per work resource derived from it,
//!   as Project does;
//! - writes task UID 0 as the project summary, then one summary task per WBS node and
//!   the activities under it in WBS order, with sequential IDs, OutlineLevel,
//!   OutlineNumber and WBS (the activity code for activities; also kept in Text1,
//!   aliased "Activity ID"); durations as `PT8H0M0S`, lags in tenths of a minute
//!   (hours × 600, LagFormat 7 = days);
//! - resolves every UID reference (CalendarUID, BaseCalendarUID, PredecessorUID,
//!   TaskUID, ResourceUID) before writing and refuses what Project would refuse, with an
//!   error that names the row and says what to fix.
//!
//! Constraint mapping: P6's Mandatory Start/Finish have no MS Project equivalent; they
//! are written as Must Start On (2) / Must Finish On (3), the closest hard constraints,
//! as are Start On / Finish On.
//!
//! What it must not do: read clocks or environment (the caller passes the creation date),
//! iterate hash maps into the output, or schedule (dates are the model's; Project
//! recalculates auto-scheduled tasks on open).

use crate::schedule::model::*;
use crate::schedule::problem::ScheduleProblem;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, PrimitiveDateTime, Time};

/// Caller's choices for one MSPDI file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspdiOptions {
    /// `SaveVersion`: 12 = Project 2007, 14 = Project 2010 and later (2013–2021 still
    /// write 14). From 14 on, tasks also carry `Active` and `Manual` (0 = auto-scheduled).
    pub save_version: u32,
    /// `CreationDate`, `LastSaved` and every task's `CreateDate`; passed in so the same
    /// schedule always gives the same bytes.
    pub creation_date: PrimitiveDateTime,
}

impl MspdiOptions {
    /// Defaults: SaveVersion 14.
    pub fn new(creation_date: PrimitiveDateTime) -> Self {
        MspdiOptions {
            save_version: 14,
            creation_date,
        }
    }
}

/// Why a schedule cannot be written as MSPDI Project would open. Each names the row and
/// what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MspdiWriteError {
    #[error(
        "SaveVersion {0} is not supported: use 12 (Project 2007) or 14 (Project 2010 and later)"
    )]
    BadSaveVersion(u32),
    #[error("currency {0:?} is not a three-letter ISO 4217 code (MSPDI CurrencyCode); fix Schedule.currency")]
    BadCurrency(String),
    #[error(transparent)]
    Schedule(#[from] ScheduleProblem),
}

type R<T> = Result<T, MspdiWriteError>;

/// MSPDI FieldID of the task Text1 custom field (holds the activity code).
const TEXT1_FIELD_ID: &str = "188743731";
/// Project's longest task/resource/calendar name (pj12 `maxLength`).
const MAX_NAME: usize = 255;

/// Writes `s` as MSPDI XML (UTF-8). Fails, writing nothing, when the schedule has a
/// reference or value Project would reject.
pub fn write_mspdi(s: &Schedule, opts: &MspdiOptions) -> Result<Vec<u8>, MspdiWriteError> {
    if opts.save_version < 12 {
        return Err(MspdiWriteError::BadSaveVersion(opts.save_version));
    }
    let plan = Plan::build(s)?;
    Ok(render(s, opts, &plan).into_bytes())
}

// ---------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------

struct CalPlan<'a> {
    cal: &'a Calendar,
    uid: u32,
}

/// A task row in document order.
enum Row<'a> {
    ProjectSummary { project: usize },
    Wbs { wbs: &'a Wbs, path: String },
    Activity { project: usize, act: usize },
}

struct TaskRow<'a> {
    uid: u32,
    level: u32,
    outline: String,
    row: Row<'a>,
    start: PrimitiveDateTime,
    finish: PrimitiveDateTime,
}

struct ActPlan {
    calendar_uid: i64,
    start: PrimitiveDateTime,
    finish: PrimitiveDateTime,
    uid: u32,
}

struct ProjPlan<'a> {
    p: &'a Project,
    calendar_uid: u32,
    start: PrimitiveDateTime,
    acts: Vec<ActPlan>,
    by_key: BTreeMap<&'a str, usize>,
}

struct LinkPlan {
    pred_uid: u32,
    kind: LinkKind,
    lag: Decimal,
}

struct Plan<'a> {
    cals: Vec<CalPlan<'a>>,
    /// (resource index, calendar UID of its own resource calendar, base calendar UID).
    rsrc_cals: Vec<(usize, u32, u32)>,
    default_cal: u32,
    projects: Vec<ProjPlan<'a>>,
    rows: Vec<TaskRow<'a>>,
    /// Successor task UID → its predecessor links.
    links: BTreeMap<u32, Vec<LinkPlan>>,
    /// (assignment, task uid, resource uid).
    asgs: Vec<(&'a Assignment, usize, usize, u32)>,
    currency: String,
    finish: PrimitiveDateTime,
}

impl<'a> Plan<'a> {
    fn build(s: &'a Schedule) -> R<Plan<'a>> {
        if s.projects.is_empty() {
            return Err(MspdiWriteError::from(ScheduleProblem::NoProjects));
        }
        let currency = s.currency.clone().unwrap_or_else(|| "USD".to_string());
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(MspdiWriteError::BadCurrency(currency));
        }
        // Calendars.
        let mut cals = Vec::new();
        let mut global: BTreeMap<&str, u32> = BTreeMap::new();
        let mut uid = 1u32;
        for c in &s.calendars {
            if global.insert(c.key.as_str(), uid).is_some() {
                return Err(dup("Calendar", "the schedule's calendars", &c.key));
            }
            check_calendar(c)?;
            cals.push(CalPlan { cal: c, uid });
            uid += 1;
        }
        let mut proj_cals: Vec<BTreeMap<&str, u32>> = Vec::new();
        for p in &s.projects {
            let mut m = BTreeMap::new();
            for c in &p.calendars {
                if m.insert(c.key.as_str(), uid).is_some() {
                    return Err(dup(
                        "Calendar",
                        &format!("project {:?}'s calendars", p.id),
                        &c.key,
                    ));
                }
                check_calendar(c)?;
                cals.push(CalPlan { cal: c, uid });
                uid += 1;
            }
            proj_cals.push(m);
        }
        // Base references must resolve even though every calendar is written whole.
        for (i, cp) in cals.iter().enumerate() {
            if let Some(b) = &cp.cal.base {
                let pi = (i >= s.calendars.len()).then(|| {
                    let mut k = i - s.calendars.len();
                    let mut pi = 0;
                    while k >= s.projects[pi].calendars.len() {
                        k -= s.projects[pi].calendars.len();
                        pi += 1;
                    }
                    pi
                });
                let found = pi
                    .and_then(|pi| proj_cals[pi].get(b.as_str()))
                    .or_else(|| global.get(b.as_str()));
                if found.is_none() {
                    return Err(MspdiWriteError::from(ScheduleProblem::UnknownCalendar {
                        owner: format!("calendar {:?} (base calendar)", cp.cal.key),
                        calendar: b.clone(),
                    }));
                }
            }
        }

        // Projects, default calendars and activity dates.
        let mut projects = Vec::new();
        for (pi, p) in s.projects.iter().enumerate() {
            let lookup = |k: &str| proj_cals[pi].get(k).or_else(|| global.get(k)).copied();
            let calendar_uid = match &p.calendar {
                Some(k) => lookup(k).ok_or_else(|| {
                    MspdiWriteError::from(ScheduleProblem::UnknownCalendar {
                        owner: format!("project {:?} (default calendar)", p.id),
                        calendar: k.clone(),
                    })
                })?,
                None => match p.calendars.first().or(s.calendars.first()) {
                    Some(c) => lookup(&c.key).unwrap_or(0),
                    None => {
                        return Err(MspdiWriteError::from(ScheduleProblem::NoCalendar {
                            project: p.id.clone(),
                        }))
                    }
                },
            };
            let start = project_start(p)?;
            let mut acts = Vec::new();
            let mut by_key = BTreeMap::new();
            for (ai, a) in p.activities.iter().enumerate() {
                if by_key.insert(a.key.as_str(), ai).is_some() {
                    return Err(dup("Task", &format!("project {:?}", p.id), &a.key));
                }
                check_activity(p, a)?;
                let calendar_uid = match &a.calendar {
                    None if s.projects.len() == 1 => -1,
                    None => i64::from(calendar_uid),
                    Some(k) => i64::from(lookup(k).ok_or_else(|| {
                        MspdiWriteError::from(ScheduleProblem::UnknownCalendar {
                            owner: format!("project {:?}, activity {:?}", p.id, a.key),
                            calendar: k.clone(),
                        })
                    })?),
                };
                let (st, fi) = activity_dates(p, a, start)?;
                acts.push(ActPlan {
                    calendar_uid,
                    start: st,
                    finish: fi,
                    uid: 0,
                });
            }
            projects.push(ProjPlan {
                p,
                calendar_uid,
                start,
                acts,
                by_key,
            });
        }

        // Task rows in outline order; UIDs and IDs follow document order.
        let multi = s.projects.len() > 1;
        let mut rows: Vec<TaskRow<'a>> = Vec::new();
        let first_start = projects
            .iter()
            .map(|p| p.start)
            .min()
            .unwrap_or(projects[0].start);
        rows.push(TaskRow {
            uid: 0,
            level: 0,
            outline: "0".into(),
            row: Row::ProjectSummary { project: 0 },
            start: first_start,
            finish: first_start,
        });
        for pi in 0..projects.len() {
            let base_level = if multi {
                rows.push(TaskRow {
                    uid: 0,
                    level: 1,
                    outline: (pi + 1).to_string(),
                    row: Row::ProjectSummary { project: pi },
                    start: projects[pi].start,
                    finish: projects[pi].start,
                });
                2
            } else {
                1
            };
            let prefix = if multi {
                format!("{}.", pi + 1)
            } else {
                String::new()
            };
            outline_project(&mut rows, &projects, pi, base_level, &prefix)?;
        }
        for (i, r) in rows.iter_mut().enumerate() {
            r.uid = i as u32;
            if let Row::Activity { project, act } = r.row {
                projects[project].acts[act].uid = i as u32;
            }
        }
        roll_up(&mut rows);
        let finish = rows.first().map(|r| r.finish).unwrap_or(first_start);

        // Relationships.
        let mut links: BTreeMap<u32, Vec<LinkPlan>> = BTreeMap::new();
        let mut pairs = BTreeSet::new();
        let mut edges = Vec::new();
        for (pi, pp) in projects.iter().enumerate() {
            for r in &pp.p.relationships {
                let bad = |problem: String| {
                    MspdiWriteError::from(ScheduleProblem::BadRelationship {
                        project: pp.p.id.clone(),
                        predecessor: r.predecessor.clone(),
                        successor: r.successor.clone(),
                        problem,
                    })
                };
                let (sp, sa) = resolve(&projects, pi, &r.successor).map_err(&bad)?;
                let (qp, qa) = resolve(&projects, pi, &r.predecessor).map_err(&bad)?;
                let su = projects[sp].acts[sa].uid;
                let pu = projects[qp].acts[qa].uid;
                if su == pu {
                    return Err(bad("links an activity to itself; remove it".into()));
                }
                if !pairs.insert((pu, su)) {
                    return Err(bad(
                        "the same two activities are already linked; Project keeps one link per pair, remove the duplicate".into(),
                    ));
                }
                edges.push((pu, su));
                links.entry(su).or_default().push(LinkPlan {
                    pred_uid: pu,
                    kind: r.kind,
                    lag: r.lag_hours,
                });
            }
        }
        check_loops(&rows, &projects, &edges)?;

        // Resources and their calendars.
        let mut rkeys: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rsrc_cals = Vec::new();
        let first_cal = cals.first().map(|c| c.uid);
        for (i, r) in s.resources.iter().enumerate() {
            if rkeys.insert(r.key.as_str(), i).is_some() {
                return Err(dup("Resource", "the schedule's resources", &r.key));
            }
            if r.name.chars().count() > MAX_NAME {
                return Err(MspdiWriteError::from(ScheduleProblem::BadResource {
                    resource: r.key.clone(),
                    problem: "name is longer than 255 characters; shorten it".into(),
                }));
            }
            if r.kind == ResourceKind::Material {
                continue;
            }
            let base = match &r.calendar {
                Some(k) => global.get(k.as_str()).copied().ok_or_else(|| {
                    MspdiWriteError::from(ScheduleProblem::UnknownCalendar {
                        owner: format!("resource {:?}", r.key),
                        calendar: k.clone(),
                    })
                })?,
                None => match first_cal {
                    Some(u) => u,
                    None => {
                        return Err(MspdiWriteError::from(ScheduleProblem::BadResource {
                            resource: r.key.clone(),
                            problem: "has no calendar and the schedule has none; add a calendar"
                                .into(),
                        }))
                    }
                },
            };
            rsrc_cals.push((i, uid, base));
            uid += 1;
        }

        // Assignments.
        let mut asgs = Vec::new();
        for (pi, pp) in projects.iter().enumerate() {
            let mut keys = BTreeSet::new();
            for a in &pp.p.assignments {
                let bad = |problem: String| {
                    MspdiWriteError::from(ScheduleProblem::BadAssignment {
                        project: pp.p.id.clone(),
                        assignment: a.key.clone(),
                        problem,
                    })
                };
                if !keys.insert(a.key.as_str()) {
                    return Err(dup("Assignment", &format!("project {:?}", pp.p.id), &a.key));
                }
                let ai = *pp.by_key.get(a.activity.as_str()).ok_or_else(|| {
                    bad(format!(
                        "activity {:?} is not an activity of this project; fix Assignment.activity",
                        a.activity
                    ))
                })?;
                let ri = *rkeys.get(a.resource.as_str()).ok_or_else(|| {
                    bad(format!(
                        "resource {:?} is not in Schedule.resources; add it or fix Assignment.resource",
                        a.resource
                    ))
                })?;
                for (name, v) in [
                    ("planned_units", a.planned_units),
                    ("actual_units", a.actual_units),
                    ("remaining_units", a.remaining_units),
                ] {
                    if v < Decimal::ZERO {
                        return Err(bad(format!("{name} is negative ({v}); use 0 or more")));
                    }
                }
                asgs.push((a, pi, ai, ri as u32 + 1));
            }
        }

        let default_cal = projects[0].calendar_uid;
        Ok(Plan {
            cals,
            rsrc_cals,
            default_cal,
            projects,
            rows,
            links,
            asgs,
            currency,
            finish,
        })
    }
}

fn dup(table: &'static str, scope: &str, key: &str) -> MspdiWriteError {
    MspdiWriteError::from(ScheduleProblem::DuplicateKey {
        table,
        scope: scope.to_string(),
        key: key.to_string(),
    })
}

/// Adds one project's WBS summaries and activities: a node's own activities first
/// (model order), then its child nodes by (seq, model order); activities without a WBS
/// come first, directly under the project.
fn outline_project<'a>(
    rows: &mut Vec<TaskRow<'a>>,
    projects: &[ProjPlan<'a>],
    pi: usize,
    level: u32,
    prefix: &str,
) -> R<()> {
    let pp = &projects[pi];
    let p = pp.p;
    let mut by_key: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, w) in p.wbs.iter().enumerate() {
        if by_key.insert(w.key.as_str(), i).is_some() {
            return Err(dup("WBS", &format!("project {:?}", p.id), &w.key));
        }
    }
    let mut children: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (i, w) in p.wbs.iter().enumerate() {
        let parent = match &w.parent {
            None => None,
            Some(k) => Some(*by_key.get(k.as_str()).ok_or_else(|| {
                MspdiWriteError::from(ScheduleProblem::UnknownWbsParent {
                    project: p.id.clone(),
                    wbs: w.key.clone(),
                    parent: k.clone(),
                })
            })?),
        };
        children.entry(parent).or_default().push(i);
    }
    for list in children.values_mut() {
        list.sort_by_key(|i| (p.wbs[*i].seq, *i));
    }
    let mut acts: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (ai, a) in p.activities.iter().enumerate() {
        let w = match &a.wbs {
            None => None,
            Some(k) => Some(*by_key.get(k.as_str()).ok_or_else(|| {
                MspdiWriteError::from(ScheduleProblem::UnknownWbs {
                    project: p.id.clone(),
                    activity: a.key.clone(),
                    wbs: k.clone(),
                })
            })?),
        };
        acts.entry(w).or_default().push(ai);
    }
    // A WBS node with no activity under it is left out: MS Project (and MPXJ) read a
    // summary task without children as an ordinary task.
    let mut nonempty = vec![false; p.wbs.len()];
    for node in acts.keys().flatten() {
        let mut cur = Some(*node);
        let mut steps = 0;
        while let Some(i) = cur {
            if nonempty[i] || steps > p.wbs.len() {
                break;
            }
            nonempty[i] = true;
            steps += 1;
            cur = p.wbs[i]
                .parent
                .as_deref()
                .and_then(|k| by_key.get(k).copied());
        }
    }
    for list in children.values_mut() {
        list.retain(|i| nonempty[*i]);
    }
    // Iterative walk: (node, level, outline prefix, wbs code path).
    enum Step {
        Node(usize, u32, String, String),
    }
    let mut counter = 0usize;
    for ai in acts.get(&None).map(|v| v.as_slice()).unwrap_or(&[]) {
        counter += 1;
        push_activity(rows, pp, pi, *ai, level, format!("{prefix}{counter}"));
    }
    let mut stack: Vec<Step> = Vec::new();
    let top = children.get(&None).cloned().unwrap_or_default();
    for (k, i) in top.iter().enumerate().rev() {
        stack.push(Step::Node(
            *i,
            level,
            format!("{prefix}{}", counter + k + 1),
            p.wbs[*i].code.clone(),
        ));
    }
    let mut visited: Vec<bool> = nonempty.iter().map(|n| !n).collect();
    while let Some(Step::Node(i, lvl, outline, path)) = stack.pop() {
        visited[i] = true;
        rows.push(TaskRow {
            uid: 0,
            level: lvl,
            outline: outline.clone(),
            row: Row::Wbs {
                wbs: &p.wbs[i],
                path: path.clone(),
            },
            start: pp.start,
            finish: pp.start,
        });
        let mut n = 0usize;
        for ai in acts.get(&Some(i)).map(|v| v.as_slice()).unwrap_or(&[]) {
            n += 1;
            push_activity(rows, pp, pi, *ai, lvl + 1, format!("{outline}.{n}"));
        }
        let kids = children.get(&Some(i)).cloned().unwrap_or_default();
        for (k, c) in kids.iter().enumerate().rev() {
            stack.push(Step::Node(
                *c,
                lvl + 1,
                format!("{outline}.{}", n + k + 1),
                format!("{path}.{}", p.wbs[*c].code),
            ));
        }
    }
    if let Some(i) = visited.iter().position(|v| !v) {
        return Err(MspdiWriteError::from(ScheduleProblem::WbsCycle {
            project: p.id.clone(),
            wbs: p.wbs[i].key.clone(),
        }));
    }
    Ok(())
}

fn push_activity<'a>(
    rows: &mut Vec<TaskRow<'a>>,
    pp: &ProjPlan<'a>,
    pi: usize,
    ai: usize,
    level: u32,
    outline: String,
) {
    let ap = &pp.acts[ai];
    rows.push(TaskRow {
        uid: 0,
        level,
        outline,
        row: Row::Activity {
            project: pi,
            act: ai,
        },
        start: ap.start,
        finish: ap.finish,
    });
}

/// Summary rows span their descendants (a row's descendants are the following rows with
/// a deeper outline level).
fn roll_up(rows: &mut [TaskRow]) {
    for i in (0..rows.len()).rev() {
        if matches!(rows[i].row, Row::Activity { .. }) {
            continue;
        }
        let lvl = rows[i].level;
        let mut span: Option<(PrimitiveDateTime, PrimitiveDateTime)> = None;
        for r in rows[i + 1..].iter().take_while(|r| r.level > lvl) {
            span = Some(match span {
                None => (r.start, r.finish),
                Some((s, f)) => (s.min(r.start), f.max(r.finish)),
            });
        }
        if let Some((s, f)) = span {
            rows[i].start = s;
            rows[i].finish = f;
        }
    }
}

fn resolve(projects: &[ProjPlan], own: usize, key: &str) -> Result<(usize, usize), String> {
    if let Some(i) = projects[own].by_key.get(key) {
        return Ok((own, *i));
    }
    let hits: Vec<(usize, usize)> = projects
        .iter()
        .enumerate()
        .filter_map(|(pi, pp)| pp.by_key.get(key).map(|i| (pi, *i)))
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "activity {key:?} is not in any project; fix the relationship or add the activity"
        )),
        _ => Err(format!(
            "activity {key:?} is not in this project and exists in several others; make the key unique"
        )),
    }
}

fn check_loops(rows: &[TaskRow], projects: &[ProjPlan], edges: &[(u32, u32)]) -> R<()> {
    let mut indeg: BTreeMap<u32, usize> = BTreeMap::new();
    let mut out: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (p, s) in edges {
        *indeg.entry(*s).or_default() += 1;
        indeg.entry(*p).or_default();
        out.entry(*p).or_default().push(*s);
    }
    let mut ready: Vec<u32> = indeg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(k, _)| *k)
        .collect();
    while let Some(n) = ready.pop() {
        for m in out.get(&n).map(|v| v.as_slice()).unwrap_or(&[]) {
            if let Some(d) = indeg.get_mut(m) {
                *d -= 1;
                if *d == 0 {
                    ready.push(*m);
                }
            }
        }
        indeg.remove(&n);
    }
    if indeg.is_empty() {
        return Ok(());
    }
    let activities = indeg
        .keys()
        .filter_map(|uid| match rows.get(*uid as usize).map(|r| &r.row) {
            Some(Row::Activity { project, act }) => {
                let p = projects[*project].p;
                Some(format!("{}:{}", p.id, p.activities[*act].code))
            }
            _ => None,
        })
        .collect();
    Err(MspdiWriteError::from(ScheduleProblem::RelationshipLoop {
        activities,
    }))
}

fn project_start(p: &Project) -> R<PrimitiveDateTime> {
    if let Some(d) = p.planned_start {
        return Ok(d);
    }
    p.activities
        .iter()
        .filter_map(|a| a.actual_start.or(a.start).or(a.baseline_start))
        .min()
        .or(p.data_date)
        .ok_or_else(|| {
            MspdiWriteError::from(ScheduleProblem::BadActivity {
            project: p.id.clone(),
            activity: String::new(),
            problem:
                "(project) has no planned start and no activity dates; set Project.planned_start"
                    .into(),
        })
        })
}

fn check_activity(p: &Project, a: &Activity) -> R<()> {
    let bad = |problem: String| {
        MspdiWriteError::from(ScheduleProblem::BadActivity {
            project: p.id.clone(),
            activity: a.key.clone(),
            problem,
        })
    };
    if a.name.chars().count() > MAX_NAME {
        return Err(bad("name is longer than 255 characters; shorten it".into()));
    }
    for (field, v) in [
        ("duration_hours", a.duration_hours),
        ("remaining_hours", a.remaining_hours),
    ] {
        if v < Decimal::ZERO {
            return Err(bad(format!("has negative {field} ({v}); use 0 or more")));
        }
    }
    if a.percent_complete < Decimal::ZERO || a.percent_complete > Decimal::ONE_HUNDRED {
        return Err(bad(format!(
            "has percent_complete {} outside 0-100",
            a.percent_complete
        )));
    }
    if a.status == Status::NotStarted && (a.actual_start.is_some() || a.actual_finish.is_some()) {
        return Err(bad(
            "is NotStarted but has actual dates; set the status or clear the actual dates".into(),
        ));
    }
    if a.status == Status::InProgress && a.actual_finish.is_some() {
        return Err(bad(
            "is InProgress but has an actual finish; set the status to Complete or clear actual_finish".into(),
        ));
    }
    if let Some(c) = &a.constraint {
        if c.kind != ConstraintKind::AsLateAsPossible && c.date.is_none() {
            return Err(bad(format!(
                "has a {:?} constraint without a date; set Constraint.date",
                c.kind
            )));
        }
    }
    Ok(())
}

/// Start and finish Project shows: actual dates once started, else the current dates,
/// else the baseline, else the project start. Milestones are one instant.
fn activity_dates(
    p: &Project,
    a: &Activity,
    project_start: PrimitiveDateTime,
) -> R<(PrimitiveDateTime, PrimitiveDateTime)> {
    let bad = |problem: String| {
        MspdiWriteError::from(ScheduleProblem::BadActivity {
            project: p.id.clone(),
            activity: a.key.clone(),
            problem,
        })
    };
    let (s, f) = match a.status {
        Status::NotStarted => {
            let s = a.start.or(a.baseline_start).unwrap_or(project_start);
            (s, a.finish.or(a.baseline_finish).unwrap_or(s))
        }
        Status::InProgress => {
            let s = a.actual_start.or(a.start).ok_or_else(|| {
                bad("is InProgress but has no actual start; set Activity.actual_start".into())
            })?;
            (s, a.finish.unwrap_or(s))
        }
        Status::Complete => {
            let s = a.actual_start.or(a.start).ok_or_else(|| {
                bad("is Complete but has no actual start; set Activity.actual_start".into())
            })?;
            let f = a.actual_finish.or(a.finish).ok_or_else(|| {
                bad("is Complete but has no actual finish; set Activity.actual_finish".into())
            })?;
            (s, f)
        }
    };
    let (s, f) = match a.kind {
        ActivityKind::StartMilestone => (s, s),
        ActivityKind::FinishMilestone => (f, f),
        _ => (s, f),
    };
    if f < s {
        return Err(bad(format!(
            "finish {} is before its start {}; fix the dates",
            fmt_dt(f),
            fmt_dt(s)
        )));
    }
    Ok((s, f))
}

fn check_calendar(c: &Calendar) -> R<()> {
    let bad = |problem: String| {
        MspdiWriteError::from(ScheduleProblem::BadCalendar {
            calendar: c.key.clone(),
            problem,
        })
    };
    if c.name.trim().is_empty() {
        return Err(bad(
            "has an empty name; Project needs a calendar name".into()
        ));
    }
    if c.name.chars().count() > MAX_NAME {
        return Err(bad("name is longer than 255 characters; shorten it".into()));
    }
    let days = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    for (i, d) in c.week.iter().enumerate() {
        check_shifts(d).map_err(|e| bad(format!("{}: {e}", days[i])))?;
    }
    let mut seen: BTreeMap<Date, &Shifts> = BTreeMap::new();
    for (d, sh) in &c.exceptions {
        check_shifts(sh).map_err(|e| bad(format!("exception {d}: {e}")))?;
        if let Some(prev) = seen.insert(*d, sh) {
            if prev != sh {
                return Err(bad(format!(
                    "has two different exceptions on {d}; keep one"
                )));
            }
        }
    }
    // Project allows at most five working-time ranges a day.
    if c.week
        .iter()
        .chain(c.exceptions.iter().map(|e| &e.1))
        .any(|s| s.len() > 5)
    {
        return Err(bad(
            "has a day with more than 5 shifts; Project allows at most 5".into(),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push('\t');
        }
    }
    fn open(&mut self, tag: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(">\n");
        self.depth += 1;
    }
    fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }
    fn leaf(&mut self, tag: &str, value: impl AsRef<str>) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        escape_into(&mut self.out, value.as_ref());
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }
    fn flag(&mut self, tag: &str, v: bool) {
        self.leaf(tag, if v { "1" } else { "0" });
    }
}

/// XML text escaping; characters XML 1.0 forbids are dropped.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn render(s: &Schedule, opts: &MspdiOptions, plan: &Plan) -> String {
    let cd = fmt_dt(opts.creation_date);
    let v14 = opts.save_version >= 14;
    let mut x = Xml {
        out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"),
        depth: 0,
    };
    x.out
        .push_str("<Project xmlns=\"http://schemas.microsoft.com/project\">\n");
    x.depth = 1;
    let p0 = plan.projects[0].p;
    let title = if s.projects.len() == 1 {
        display_name(p0)
    } else {
        s.projects
            .iter()
            .map(display_name)
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let default_cal = plan
        .cals
        .iter()
        .find(|c| c.uid == plan.default_cal)
        .map(|c| c.cal);
    let (mpd, mpw, day_start, day_end) = match default_cal {
        Some(c) => calendar_metrics(c),
        None => (480, 2400, Time::MIDNIGHT, Time::MIDNIGHT),
    };
    let start = plan
        .projects
        .iter()
        .map(|p| p.start)
        .min()
        .unwrap_or(plan.projects[0].start);
    let (symbol, digits) = currency_symbol(&plan.currency);

    x.leaf("SaveVersion", opts.save_version.to_string());
    x.leaf("Name", &title);
    x.leaf("Title", &title);
    x.leaf("CreationDate", &cd);
    x.leaf("LastSaved", &cd);
    x.flag("ScheduleFromStart", true);
    x.leaf("StartDate", fmt_dt(start));
    x.leaf("FinishDate", fmt_dt(plan.finish));
    x.leaf("FYStartDate", "1");
    x.leaf("CriticalSlackLimit", "0");
    x.leaf("CurrencyDigits", digits.to_string());
    x.leaf("CurrencySymbol", symbol);
    x.leaf("CurrencyCode", &plan.currency);
    x.leaf("CurrencySymbolPosition", "0");
    x.leaf("CalendarUID", plan.default_cal.to_string());
    x.leaf("DefaultStartTime", hms(day_start));
    x.leaf("DefaultFinishTime", hms(day_end));
    x.leaf("MinutesPerDay", mpd.to_string());
    x.leaf("MinutesPerWeek", mpw.to_string());
    x.leaf("DaysPerMonth", "20");
    x.leaf("DefaultTaskType", "1");
    x.leaf("DurationFormat", "7");
    x.leaf("WorkFormat", "2");
    x.flag("NewTasksEffortDriven", false);
    if let Some(d) = p0.data_date {
        x.leaf("StatusDate", fmt_dt(d));
    }
    if v14 {
        x.flag("NewTasksAreManual", false);
    }
    x.open("ExtendedAttributes");
    x.open("ExtendedAttribute");
    x.leaf("FieldID", TEXT1_FIELD_ID);
    x.leaf("FieldName", "Text1");
    x.leaf("Alias", "Activity ID");
    x.close("ExtendedAttribute");
    x.close("ExtendedAttributes");

    // Calendars
    x.open("Calendars");
    for cp in &plan.cals {
        write_calendar(&mut x, cp.cal, cp.uid);
    }
    for (ri, uid, base) in &plan.rsrc_cals {
        let r = &s.resources[*ri];
        x.open("Calendar");
        x.leaf("UID", uid.to_string());
        x.leaf("Name", resource_name(r));
        x.flag("IsBaseCalendar", false);
        x.leaf("BaseCalendarUID", base.to_string());
        x.close("Calendar");
    }
    x.close("Calendars");

    // Tasks
    x.open("Tasks");
    for (id, row) in plan.rows.iter().enumerate() {
        x.open("Task");
        x.leaf("UID", row.uid.to_string());
        x.leaf("ID", id.to_string());
        match &row.row {
            Row::ProjectSummary { project } => {
                let name = if row.level == 0 {
                    title.clone()
                } else {
                    display_name(plan.projects[*project].p)
                };
                summary_task(&mut x, row, &name, &row.outline, &cd, v14);
            }
            Row::Wbs { wbs, path, .. } => {
                summary_task(&mut x, row, &wbs.name, path, &cd, v14);
            }
            Row::Activity { project, act } => {
                let pp = &plan.projects[*project];
                let a = &pp.p.activities[*act];
                let ap = &pp.acts[*act];
                activity_task(&mut x, row, a, ap, plan.links.get(&row.uid), &cd, v14);
            }
        }
        x.close("Task");
    }
    x.close("Tasks");

    // Resources: UID 0 is the placeholder Project itself writes.
    x.open("Resources");
    x.open("Resource");
    x.leaf("UID", "0");
    x.leaf("ID", "0");
    x.leaf("Type", "1");
    x.flag("IsNull", false);
    x.close("Resource");
    let cal_of: BTreeMap<usize, u32> = plan
        .rsrc_cals
        .iter()
        .map(|(ri, uid, _)| (*ri, *uid))
        .collect();
    for (i, r) in s.resources.iter().enumerate() {
        let uid = (i + 1).to_string();
        x.open("Resource");
        x.leaf("UID", &uid);
        x.leaf("ID", &uid);
        x.leaf("Name", resource_name(r));
        x.leaf(
            "Type",
            if r.kind == ResourceKind::Material {
                "0"
            } else {
                "1"
            },
        );
        x.flag("IsNull", false);
        if let Some(c) = resource_name(r).chars().next() {
            x.leaf("Initials", c.to_string());
        }
        if r.kind == ResourceKind::Material {
            if let Some(u) = r.unit.as_deref().filter(|u| !u.trim().is_empty()) {
                x.leaf("MaterialLabel", u);
            }
        }
        x.leaf("Code", &r.code);
        x.leaf("MaxUnits", "1.00");
        if let Some(c) = cal_of.get(&i) {
            x.leaf("CalendarUID", c.to_string());
        }
        x.close("Resource");
    }
    x.close("Resources");

    // Assignments
    x.open("Assignments");
    for (n, (a, pi, ai, ruid)) in plan.asgs.iter().enumerate() {
        let pp = &plan.projects[*pi];
        let act = &pp.p.activities[*ai];
        let ap = &pp.acts[*ai];
        let complete = act.status == Status::Complete;
        let started = act.status != Status::NotStarted;
        let mut remaining = if complete {
            Decimal::ZERO
        } else {
            a.remaining_units
        };
        let mut work = a.actual_units + remaining;
        if work.is_zero() && !complete {
            work = a.planned_units;
            remaining = a.planned_units;
        }
        let pct = if work > Decimal::ZERO {
            (a.actual_units * Decimal::ONE_HUNDRED / work).round()
        } else if complete {
            Decimal::ONE_HUNDRED
        } else {
            Decimal::ZERO
        };
        let hours = activity_hours(act);
        let material = s
            .resources
            .get(*ruid as usize - 1)
            .is_some_and(|r| r.kind == ResourceKind::Material);
        // A material assignment's Units is its quantity (fixed consumption, in the
        // resource's MaterialLabel); a work assignment's is the share of the resource's
        // time (work ÷ duration).
        let units = if material {
            work
        } else if hours > Decimal::ZERO && !work.is_zero() {
            (work / hours).round_dp(2)
        } else {
            Decimal::ONE
        };
        x.open("Assignment");
        x.leaf("UID", (n + 1).to_string());
        x.leaf("TaskUID", ap.uid.to_string());
        x.leaf("ResourceUID", ruid.to_string());
        x.leaf("PercentWorkComplete", fmt_int(pct));
        if complete {
            x.leaf("ActualFinish", fmt_dt(ap.finish));
        }
        if started {
            x.leaf("ActualStart", fmt_dt(ap.start));
        }
        x.leaf("ActualWork", duration(a.actual_units));
        x.leaf("Finish", fmt_dt(ap.finish));
        x.leaf("RemainingWork", duration(remaining));
        x.leaf("Start", fmt_dt(ap.start));
        x.leaf("Units", fmt_dec(units));
        x.leaf("Work", duration(work));
        x.close("Assignment");
    }
    x.close("Assignments");
    x.depth = 0;
    x.out.push_str("</Project>\n");
    x.out
}

fn display_name(p: &Project) -> String {
    if p.name.trim().is_empty() {
        p.id.clone()
    } else {
        p.name.clone()
    }
}

fn resource_name(r: &Resource) -> &str {
    if r.name.trim().is_empty() {
        &r.code
    } else {
        &r.name
    }
}

fn summary_task(x: &mut Xml, row: &TaskRow, name: &str, wbs: &str, cd: &str, v14: bool) {
    x.leaf("Name", name);
    if v14 {
        x.flag("Active", true);
        x.flag("Manual", false);
    }
    x.leaf("Type", "1");
    x.flag("IsNull", false);
    x.leaf("CreateDate", cd);
    x.leaf("WBS", wbs);
    x.leaf("OutlineNumber", &row.outline);
    x.leaf("OutlineLevel", row.level.to_string());
    x.leaf("Priority", "500");
    x.leaf("Start", fmt_dt(row.start));
    x.leaf("Finish", fmt_dt(row.finish));
    x.flag("Milestone", false);
    x.flag("Summary", true);
}

fn activity_hours(a: &Activity) -> Decimal {
    match a.kind {
        ActivityKind::StartMilestone | ActivityKind::FinishMilestone => Decimal::ZERO,
        _ => match a.status {
            Status::NotStarted => a.duration_hours,
            Status::InProgress => {
                let actual = (a.duration_hours - a.remaining_hours).max(Decimal::ZERO);
                actual + a.remaining_hours
            }
            Status::Complete => a.duration_hours,
        },
    }
}

fn activity_task(
    x: &mut Xml,
    row: &TaskRow,
    a: &Activity,
    ap: &ActPlan,
    links: Option<&Vec<LinkPlan>>,
    cd: &str,
    v14: bool,
) {
    let milestone = matches!(
        a.kind,
        ActivityKind::StartMilestone | ActivityKind::FinishMilestone
    );
    let total = activity_hours(a);
    let (actual, remaining) = match a.status {
        _ if milestone => (Decimal::ZERO, Decimal::ZERO),
        Status::NotStarted => (Decimal::ZERO, total),
        Status::InProgress => (total - a.remaining_hours, a.remaining_hours),
        Status::Complete => (total, Decimal::ZERO),
    };
    // Project's % Complete is duration based; the model's percent goes to Physical %.
    let pct = match a.status {
        Status::NotStarted => Decimal::ZERO,
        Status::Complete => Decimal::ONE_HUNDRED,
        Status::InProgress if total > Decimal::ZERO => (actual * Decimal::ONE_HUNDRED / total)
            .round()
            .min(Decimal::from(99)),
        Status::InProgress => Decimal::ZERO,
    };
    let phys = match a.status {
        Status::Complete => Decimal::ONE_HUNDRED,
        _ => a.percent_complete.round(),
    };
    x.leaf("Name", &a.name);
    if v14 {
        x.flag("Active", true);
        x.flag("Manual", false);
    }
    x.leaf("Type", "1");
    x.flag("IsNull", false);
    x.leaf("CreateDate", cd);
    x.leaf("WBS", &a.code);
    x.leaf("OutlineNumber", &row.outline);
    x.leaf("OutlineLevel", row.level.to_string());
    x.leaf("Priority", "500");
    x.leaf("Start", fmt_dt(ap.start));
    x.leaf("Finish", fmt_dt(ap.finish));
    x.leaf("Duration", duration(total));
    x.leaf("DurationFormat", "7");
    x.flag("EffortDriven", false);
    x.flag("Estimated", false);
    x.flag("Milestone", milestone);
    x.flag("Summary", false);
    x.leaf("PercentComplete", fmt_int(pct));
    if a.status != Status::NotStarted {
        x.leaf("ActualStart", fmt_dt(ap.start));
    }
    if a.status == Status::Complete {
        x.leaf("ActualFinish", fmt_dt(ap.finish));
    }
    x.leaf("ActualDuration", duration(actual));
    x.leaf("RemainingDuration", duration(remaining));
    let (ctype, cdate) = match &a.constraint {
        None => (0, None),
        Some(c) => (constraint_code(c.kind), c.date),
    };
    x.leaf("ConstraintType", ctype.to_string());
    x.leaf("CalendarUID", ap.calendar_uid.to_string());
    if let (Some(d), true) = (cdate, ctype > 1) {
        x.leaf("ConstraintDate", fmt_dt(d));
    }
    if let Some(n) = a.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        x.leaf("Notes", n);
    }
    x.leaf("PhysicalPercentComplete", fmt_int(phys));
    for l in links.map(|v| v.as_slice()).unwrap_or(&[]) {
        x.open("PredecessorLink");
        x.leaf("PredecessorUID", l.pred_uid.to_string());
        x.leaf("Type", link_code(l.kind).to_string());
        x.flag("CrossProject", false);
        x.leaf("LinkLag", link_lag(l.lag).to_string());
        x.leaf("LagFormat", "7");
        x.close("PredecessorLink");
    }
    x.open("ExtendedAttribute");
    x.leaf("FieldID", TEXT1_FIELD_ID);
    x.leaf("Value", &a.code);
    x.close("ExtendedAttribute");
    if a.baseline_start.is_some() || a.baseline_finish.is_some() {
        let bs = a.baseline_start.or(a.baseline_finish).unwrap_or(ap.start);
        let bf = a.baseline_finish.unwrap_or(bs);
        x.open("Baseline");
        x.leaf("Number", "0");
        x.leaf("Start", fmt_dt(bs));
        x.leaf("Finish", fmt_dt(bf));
        x.leaf(
            "Duration",
            duration(if milestone {
                Decimal::ZERO
            } else {
                a.duration_hours
            }),
        );
        x.leaf("DurationFormat", "7");
        x.close("Baseline");
    }
}

fn write_calendar(x: &mut Xml, c: &Calendar, uid: u32) {
    x.open("Calendar");
    x.leaf("UID", uid.to_string());
    x.leaf("Name", &c.name);
    x.flag("IsBaseCalendar", true);
    // -1: no base. Each model calendar is written whole as a base calendar, because
    // Project lets only resource calendars derive from another calendar.
    x.leaf("BaseCalendarUID", "-1");
    x.open("WeekDays");
    for day_type in 1..=7u8 {
        let idx = (usize::from(day_type) + 5) % 7;
        let shifts = &c.week[idx];
        x.open("WeekDay");
        x.leaf("DayType", day_type.to_string());
        x.flag("DayWorking", !shifts.is_empty());
        working_times(x, shifts);
        x.close("WeekDay");
    }
    x.close("WeekDays");
    let mut ex: Vec<&(Date, Shifts)> = c.exceptions.iter().collect();
    ex.sort_by_key(|e| e.0);
    ex.dedup_by_key(|e| e.0);
    if !ex.is_empty() {
        x.open("Exceptions");
        for (d, shifts) in ex {
            x.open("Exception");
            x.flag("EnteredByOccurrences", false);
            x.open("TimePeriod");
            x.leaf("FromDate", format!("{}T00:00:00", fmt_date(*d)));
            x.leaf("ToDate", format!("{}T23:59:00", fmt_date(*d)));
            x.close("TimePeriod");
            x.leaf("Occurrences", "1");
            x.leaf(
                "Name",
                if shifts.is_empty() {
                    "Nonworking"
                } else {
                    "Working"
                },
            );
            x.leaf("Type", "1");
            x.flag("DayWorking", !shifts.is_empty());
            working_times(x, shifts);
            x.close("Exception");
        }
        x.close("Exceptions");
    }
    x.close("Calendar");
}

fn working_times(x: &mut Xml, shifts: &Shifts) {
    if shifts.is_empty() {
        return;
    }
    x.open("WorkingTimes");
    for (f, t) in shifts {
        x.open("WorkingTime");
        x.leaf("FromTime", hms(*f));
        x.leaf("ToTime", hms(*t));
        x.close("WorkingTime");
    }
    x.close("WorkingTimes");
}

/// (minutes per day, minutes per week, earliest start, latest finish) of a calendar.
fn calendar_metrics(c: &Calendar) -> (u32, u32, Time, Time) {
    let week: u32 = c
        .week
        .iter()
        .flatten()
        .map(|(f, t)| end_minutes(*t) - day_minutes(*f).min(end_minutes(*t)))
        .sum();
    let working = c.week.iter().filter(|d| !d.is_empty()).count() as u32;
    let mpd = (c.hours_per_day * Decimal::from(60))
        .round()
        .to_u32()
        .filter(|m| *m > 0)
        .unwrap_or(week.checked_div(working).unwrap_or(480));
    let start = c
        .week
        .iter()
        .flatten()
        .map(|s| s.0)
        .min()
        .unwrap_or(Time::MIDNIGHT);
    let end = c
        .week
        .iter()
        .flatten()
        .map(|s| s.1)
        .max_by_key(|t| end_minutes(*t))
        .unwrap_or(Time::MIDNIGHT);
    (mpd, if week > 0 { week } else { 2400 }, start, end)
}

fn currency_symbol(code: &str) -> (&'static str, u8) {
    match code {
        "USD" | "CAD" | "MXN" => ("$", 2),
        "AUD" => ("A$", 2),
        "NZD" => ("NZ$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        "JPY" => ("¥", 0),
        "CHF" => ("CHF", 2),
        "INR" => ("₹", 2),
        _ => ("¤", 2),
    }
}

/// MSPDI ConstraintType: 0 ASAP, 1 ALAP, 2 MSO, 3 MFO, 4 SNET, 5 SNLT, 6 FNET, 7 FNLT.
fn constraint_code(k: ConstraintKind) -> u8 {
    match k {
        ConstraintKind::AsLateAsPossible => 1,
        ConstraintKind::StartOn | ConstraintKind::MandatoryStart => 2,
        ConstraintKind::FinishOn | ConstraintKind::MandatoryFinish => 3,
        ConstraintKind::StartOnOrAfter => 4,
        ConstraintKind::StartOnOrBefore => 5,
        ConstraintKind::FinishOnOrAfter => 6,
        ConstraintKind::FinishOnOrBefore => 7,
    }
}

/// MSPDI PredecessorLink Type: 0 FF, 1 FS, 2 SF, 3 SS.
fn link_code(k: LinkKind) -> u8 {
    match k {
        LinkKind::FinishToFinish => 0,
        LinkKind::FinishToStart => 1,
        LinkKind::StartToFinish => 2,
        LinkKind::StartToStart => 3,
    }
}

/// LinkLag is in tenths of a minute: hours × 600, rounded to a whole number.
fn link_lag(hours: Decimal) -> i64 {
    (hours * Decimal::from(600)).round().to_i64().unwrap_or(0)
}

/// `PT{h}H{m}M{s}S` as Project writes it; seconds rounded to whole seconds.
fn duration(hours: Decimal) -> String {
    let secs = (hours.max(Decimal::ZERO) * Decimal::from(3600))
        .round()
        .to_i64()
        .unwrap_or(0);
    format!("PT{}H{}M{}S", secs / 3600, (secs % 3600) / 60, secs % 60)
}

fn fmt_int(d: Decimal) -> String {
    d.round().to_i64().unwrap_or(0).to_string()
}

fn fmt_dec(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_zero() {
        "0".into()
    } else {
        n.to_string()
    }
}

fn fmt_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn fmt_dt(d: PrimitiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        fmt_date(d.date()),
        d.hour(),
        d.minute(),
        d.second()
    )
}

fn hms(t: Time) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn opts() -> MspdiOptions {
        MspdiOptions::new(datetime!(2025-03-01 09:30))
    }

    fn cal(key: &str) -> Calendar {
        let day = vec![(time!(08:00), time!(12:00)), (time!(13:00), time!(17:00))];
        Calendar {
            key: key.into(),
            name: format!("Cal {key}"),
            base: None,
            hours_per_day: Decimal::from(8),
            week: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
            exceptions: vec![
                (date!(2025 - 12 - 25), vec![]),
                (date!(2025 - 12 - 27), vec![(time!(08:00), time!(12:00))]),
            ],
        }
    }

    fn act(key: &str, code: &str, wbs: Option<&str>) -> Activity {
        Activity {
            key: key.into(),
            code: code.into(),
            name: format!("Activity {code} & <co>"),
            wbs: wbs.map(Into::into),
            duration_hours: Decimal::from(16),
            remaining_hours: Decimal::from(16),
            start: Some(datetime!(2025-03-03 08:00)),
            finish: Some(datetime!(2025-03-04 17:00)),
            ..Default::default()
        }
    }

    fn sched() -> Schedule {
        Schedule {
            projects: vec![Project {
                key: "1".into(),
                id: "PRJ".into(),
                name: "Café — façade".into(),
                planned_start: Some(datetime!(2025-03-03 08:00)),
                data_date: Some(datetime!(2025-03-03 08:00)),
                calendar: Some("C1".into()),
                wbs: vec![
                    Wbs {
                        key: "W1".into(),
                        parent: None,
                        code: "1".into(),
                        name: "One".into(),
                        seq: 1,
                    },
                    Wbs {
                        key: "W11".into(),
                        parent: Some("W1".into()),
                        code: "A".into(),
                        name: "One A".into(),
                        seq: 1,
                    },
                ],
                activities: vec![act("a", "A100", Some("W11")), act("b", "A110", Some("W1"))],
                relationships: vec![Relationship {
                    predecessor: "a".into(),
                    successor: "b".into(),
                    kind: LinkKind::StartToStart,
                    lag_hours: Decimal::from(8),
                }],
                assignments: vec![Assignment {
                    key: "g".into(),
                    activity: "a".into(),
                    resource: "r".into(),
                    planned_units: Decimal::from(32),
                    actual_units: Decimal::ZERO,
                    remaining_units: Decimal::from(32),
                }],
                ..Default::default()
            }],
            calendars: vec![cal("C1")],
            resources: vec![Resource {
                key: "r".into(),
                code: "CARP".into(),
                name: "Carpenter".into(),
                ..Default::default()
            }],
            currency: Some("USD".into()),
        }
    }

    fn out(s: &Schedule) -> String {
        String::from_utf8(write_mspdi(s, &opts()).unwrap()).unwrap()
    }

    /// Text of every `<tag>` leaf in document order.
    fn leaves(x: &str, tag: &str) -> Vec<String> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        x.match_indices(&open)
            .filter_map(|(i, _)| {
                let rest = &x[i + open.len()..];
                rest.find(&close).map(|j| rest[..j].to_string())
            })
            .filter(|v| !v.contains('<'))
            .collect()
    }

    /// Child element names of the first `<tag>` block (one level down).
    fn children(x: &str, tag: &str, nth: usize) -> Vec<String> {
        let open = format!("<{tag}>\n");
        let (i, _) = x.match_indices(&open).nth(nth).unwrap();
        let start = i + open.len();
        let end = start + x[start..].find(&format!("</{tag}>")).unwrap();
        let block = &x[start..end];
        let depth = block
            .lines()
            .next()
            .map(|l| l.len() - l.trim_start_matches('\t').len())
            .unwrap();
        block
            .lines()
            .filter(|l| l.len() - l.trim_start_matches('\t').len() == depth)
            .filter_map(|l| {
                let t = l.trim_start_matches('\t');
                t.strip_prefix('<')
                    .filter(|t| !t.starts_with('/'))
                    .map(|t| t.split(['>', ' ']).next().unwrap_or("").to_string())
            })
            .collect()
    }

    fn is_subsequence(have: &[String], order: &[&str]) -> bool {
        let mut k = 0;
        for h in have {
            match order[k..].iter().position(|o| o == h) {
                Some(p) => k += p,
                None => return false,
            }
        }
        true
    }

    #[test]
    fn document_shape_and_namespace() {
        let x = out(&sched());
        assert!(x.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\n\t<SaveVersion>14</SaveVersion>\n"
        ));
        assert!(x.contains("<Name>Café — façade</Name>"));
        assert!(x.contains("<Name>Activity A100 &amp; &lt;co&gt;</Name>"));
        assert!(x.ends_with("</Project>\n"));
        assert!(matches!(
            write_mspdi(
                &sched(),
                &MspdiOptions {
                    save_version: 11,
                    ..opts()
                }
            ),
            Err(MspdiWriteError::BadSaveVersion(11))
        ));
        let x12 = String::from_utf8(
            write_mspdi(
                &sched(),
                &MspdiOptions {
                    save_version: 12,
                    ..opts()
                },
            )
            .unwrap(),
        )
        .unwrap();
        assert!(!x12.contains("<Manual>"));
        assert!(x.contains("<Manual>0</Manual>"));
    }

    #[test]
    fn element_order_spot_checks() {
        let x = out(&sched());
        // Project children follow the schema sequence (as Project 2019 writes it).
        let project_order = [
            "SaveVersion",
            "UID",
            "Name",
            "GUID",
            "Title",
            "Subject",
            "Category",
            "Company",
            "Manager",
            "Author",
            "CreationDate",
            "Revision",
            "LastSaved",
            "ScheduleFromStart",
            "StartDate",
            "FinishDate",
            "FYStartDate",
            "CriticalSlackLimit",
            "CurrencyDigits",
            "CurrencySymbol",
            "CurrencyCode",
            "CurrencySymbolPosition",
            "CalendarUID",
            "DefaultStartTime",
            "DefaultFinishTime",
            "MinutesPerDay",
            "MinutesPerWeek",
            "DaysPerMonth",
            "DefaultTaskType",
            "DefaultFixedCostAccrual",
            "DefaultStandardRate",
            "DefaultOvertimeRate",
            "DurationFormat",
            "WorkFormat",
            "EditableActualCosts",
            "HonorConstraints",
            "EarnedValueMethod",
            "InsertedProjectsLikeSummary",
            "MultipleCriticalPaths",
            "NewTasksEffortDriven",
            "NewTasksEstimated",
            "SplitsInProgressTasks",
            "SpreadActualCost",
            "SpreadPercentComplete",
            "TaskUpdatesResource",
            "FiscalYearStart",
            "WeekStartDay",
            "MoveCompletedEndsBack",
            "MoveRemainingStartsBack",
            "MoveRemainingStartsForward",
            "MoveCompletedEndsForward",
            "BaselineForEarnedValue",
            "AutoAddNewResourcesAndTasks",
            "StatusDate",
            "CurrentDate",
            "MicrosoftProjectServerURL",
            "Autolink",
            "NewTaskStartDate",
            "NewTasksAreManual",
            "DefaultTaskEVMethod",
            "ProjectExternallyEdited",
            "ExtendedCreationDate",
            "ActualsInSync",
            "RemoveFileProperties",
            "AdminProject",
            "Views",
            "Filters",
            "Groups",
            "Tables",
            "Maps",
            "Reports",
            "Drawings",
            "DataLinks",
            "VBAProjects",
            "OutlineCodes",
            "WBSMasks",
            "ExtendedAttributes",
            "Calendars",
            "Tasks",
            "Resources",
            "Assignments",
        ];
        let top: Vec<String> = x
            .lines()
            .filter(|l| l.starts_with("\t<") && !l.starts_with("\t</"))
            .map(|l| l[2..].split(['>', ' ']).next().unwrap().to_string())
            .collect();
        assert!(top.len() > 20);
        assert!(is_subsequence(&top, &project_order), "{top:?}");
        let task_order = [
            "UID",
            "GUID",
            "ID",
            "Name",
            "Active",
            "Manual",
            "Type",
            "IsNull",
            "CreateDate",
            "Contact",
            "WBS",
            "WBSLevel",
            "OutlineNumber",
            "OutlineLevel",
            "Priority",
            "Start",
            "Finish",
            "Duration",
            "DurationFormat",
            "Work",
            "Stop",
            "Resume",
            "ResumeValid",
            "EffortDriven",
            "Recurring",
            "OverAllocated",
            "Estimated",
            "Milestone",
            "Summary",
            "DisplayAsSummary",
            "Critical",
            "IsSubproject",
            "IsSubprojectReadOnly",
            "SubprojectName",
            "ExternalTask",
            "ExternalTaskProject",
            "EarlyStart",
            "EarlyFinish",
            "LateStart",
            "LateFinish",
            "StartVariance",
            "FinishVariance",
            "WorkVariance",
            "FreeSlack",
            "TotalSlack",
            "StartSlack",
            "FinishSlack",
            "FixedCost",
            "FixedCostAccrual",
            "PercentComplete",
            "PercentWorkComplete",
            "Cost",
            "OvertimeCost",
            "OvertimeWork",
            "ActualStart",
            "ActualFinish",
            "ActualDuration",
            "ActualCost",
            "ActualOvertimeCost",
            "ActualWork",
            "ActualOvertimeWork",
            "RegularWork",
            "RemainingDuration",
            "RemainingCost",
            "RemainingWork",
            "RemainingOvertimeCost",
            "RemainingOvertimeWork",
            "ACWP",
            "CV",
            "ConstraintType",
            "CalendarUID",
            "ConstraintDate",
            "Deadline",
            "LevelAssignments",
            "LevelingCanSplit",
            "LevelingDelay",
            "LevelingDelayFormat",
            "PreLeveledStart",
            "PreLeveledFinish",
            "Hyperlink",
            "HyperlinkAddress",
            "HyperlinkSubAddress",
            "IgnoreResourceCalendar",
            "Notes",
            "HideBar",
            "Rollup",
            "BCWS",
            "BCWP",
            "PhysicalPercentComplete",
            "EarnedValueMethod",
            "PredecessorLink",
            "ActualWorkProtected",
            "ActualOvertimeWorkProtected",
            "ExtendedAttribute",
            "Baseline",
        ];
        for n in 0..5 {
            let t = children(&x, "Task", n);
            assert!(is_subsequence(&t, &task_order), "task {n}: {t:?}");
        }
        let cal = children(&x, "Calendar", 0);
        assert!(
            is_subsequence(
                &cal,
                &[
                    "UID",
                    "GUID",
                    "Name",
                    "IsBaseCalendar",
                    "IsBaselineCalendar",
                    "BaseCalendarUID",
                    "WeekDays",
                    "Exceptions",
                    "WorkWeeks"
                ]
            ),
            "{cal:?}"
        );
        let ex = children(&x, "Exception", 0);
        assert_eq!(
            ex,
            [
                "EnteredByOccurrences",
                "TimePeriod",
                "Occurrences",
                "Name",
                "Type",
                "DayWorking"
            ]
        );
        let link = children(&x, "PredecessorLink", 0);
        assert_eq!(
            link,
            [
                "PredecessorUID",
                "Type",
                "CrossProject",
                "LinkLag",
                "LagFormat"
            ]
        );
        let asg = children(&x, "Assignment", 0);
        assert!(
            is_subsequence(
                &asg,
                &[
                    "UID",
                    "GUID",
                    "TaskUID",
                    "ResourceUID",
                    "PercentWorkComplete",
                    "ActualCost",
                    "ActualFinish",
                    "ActualOvertimeCost",
                    "ActualOvertimeWork",
                    "ActualStart",
                    "ActualWork",
                    "Finish",
                    "RemainingWork",
                    "Start",
                    "Units",
                    "Work"
                ]
            ),
            "{asg:?}"
        );
        let res = children(&x, "Resource", 1);
        assert!(
            is_subsequence(
                &res,
                &[
                    "UID",
                    "GUID",
                    "ID",
                    "Name",
                    "Type",
                    "IsNull",
                    "Initials",
                    "MaterialLabel",
                    "Code",
                    "MaxUnits",
                    "CalendarUID"
                ]
            ),
            "{res:?}"
        );
    }

    #[test]
    fn outline_and_uids() {
        let x = out(&sched());
        assert_eq!(leaves(&x, "OutlineLevel"), ["0", "1", "2", "2", "3"]);
        assert_eq!(
            leaves(&x, "OutlineNumber"),
            ["0", "1", "1.1", "1.2", "1.2.1"]
        );
        // WBS: summaries carry the code path, activities their activity code.
        assert_eq!(leaves(&x, "WBS"), ["0", "1", "A110", "1.A", "A100"]);
        // Every UID reference resolves.
        let task_uids: BTreeSet<String> = children(&x, "Tasks", 0)
            .iter()
            .enumerate()
            .map(|(i, _)| i.to_string())
            .collect();
        for p in leaves(&x, "PredecessorUID") {
            assert!(task_uids.contains(&p));
        }
        for t in leaves(&x, "TaskUID") {
            assert!(task_uids.contains(&t));
        }
        assert_eq!(leaves(&x, "BaseCalendarUID"), ["-1", "1"]);
        assert!(x.contains("<CalendarUID>2</CalendarUID>")); // resource calendar
        assert!(x.contains("<BaseCalendarUID>1</BaseCalendarUID>"));
        assert!(x.contains("<ResourceUID>1</ResourceUID>"));
    }

    #[test]
    fn links_lags_and_durations() {
        let mut s = sched();
        s.projects[0].relationships = vec![Relationship {
            predecessor: "a".into(),
            successor: "b".into(),
            kind: LinkKind::FinishToFinish,
            lag_hours: Decimal::new(-45, 1),
        }];
        let x = out(&s);
        assert_eq!(leaves(&x, "LinkLag"), ["-2700"]);
        assert!(leaves(&x, "Type").iter().any(|t| t == "0"));
        assert_eq!(link_lag(Decimal::from(8)), 4800);
        assert_eq!(duration(Decimal::from(96)), "PT96H0M0S");
        assert_eq!(duration(Decimal::new(125, 1)), "PT12H30M0S");
        assert_eq!(link_code(LinkKind::FinishToFinish), 0);
        assert_eq!(link_code(LinkKind::FinishToStart), 1);
        assert_eq!(link_code(LinkKind::StartToFinish), 2);
        assert_eq!(link_code(LinkKind::StartToStart), 3);
        assert_eq!(constraint_code(ConstraintKind::MandatoryStart), 2);
        assert_eq!(constraint_code(ConstraintKind::MandatoryFinish), 3);
        assert_eq!(constraint_code(ConstraintKind::FinishOnOrBefore), 7);
        assert!(x.contains("<Duration>PT16H0M0S</Duration>"));
        assert!(x.contains("<RemainingDuration>PT16H0M0S</RemainingDuration>"));
    }

    #[test]
    fn calendars_weekdays_and_exceptions() {
        let x = out(&sched());
        assert_eq!(leaves(&x, "DayType"), ["1", "2", "3", "4", "5", "6", "7"]);
        let dw = leaves(&x, "DayWorking");
        assert_eq!(&dw[..7], ["0", "1", "1", "1", "1", "1", "0"]);
        assert!(x.contains("<FromDate>2025-12-25T00:00:00</FromDate>"));
        assert!(x.contains("<ToDate>2025-12-25T23:59:00</ToDate>"));
        assert_eq!(&dw[7..], ["0", "1"]);
        assert!(x.contains("<FromTime>08:00:00</FromTime>"));
        let mut s = sched();
        s.calendars[0].week[0] = vec![(time!(09:00), time!(08:00))];
        assert!(matches!(
            write_mspdi(&s, &opts()),
            Err(MspdiWriteError::Schedule(
                ScheduleProblem::BadCalendar { .. }
            ))
        ));
    }

    #[test]
    fn status_and_constraints() {
        let mut s = sched();
        {
            let a = &mut s.projects[0].activities[0];
            a.status = Status::Complete;
            a.actual_start = Some(datetime!(2025-03-03 08:00));
            a.actual_finish = Some(datetime!(2025-03-05 17:00));
            a.baseline_start = Some(datetime!(2025-03-03 08:00));
            a.baseline_finish = Some(datetime!(2025-03-04 17:00));
            a.notes = Some("Line 1\nLine 2".into());
        }
        {
            let a = &mut s.projects[0].activities[1];
            a.status = Status::InProgress;
            a.actual_start = Some(datetime!(2025-03-04 08:00));
            a.remaining_hours = Decimal::from(4);
            a.percent_complete = Decimal::from(60);
            a.constraint = Some(Constraint {
                kind: ConstraintKind::StartOnOrAfter,
                date: Some(datetime!(2025-03-04 08:00)),
            });
        }
        let x = out(&s);
        assert_eq!(leaves(&x, "ActualStart").len(), 3); // 2 tasks + 1 assignment
        assert_eq!(leaves(&x, "ActualFinish").len(), 2); // 1 task + 1 assignment
        assert!(x.contains("<ConstraintType>4</ConstraintType>"));
        assert!(x.contains("<ConstraintDate>2025-03-04T08:00:00</ConstraintDate>"));
        assert!(x.contains("<Notes>Line 1\nLine 2</Notes>"));
        assert!(x.contains("<PhysicalPercentComplete>60</PhysicalPercentComplete>"));
        assert!(x.contains("<PercentComplete>75</PercentComplete>"));
        assert!(x.contains("<Number>0</Number>"));
        let mut s = sched();
        s.projects[0].activities[0].constraint = Some(Constraint {
            kind: ConstraintKind::FinishOn,
            date: None,
        });
        assert!(matches!(
            write_mspdi(&s, &opts()),
            Err(MspdiWriteError::Schedule(
                ScheduleProblem::BadActivity { .. }
            ))
        ));
    }

    #[test]
    fn dangling_references_are_errors() {
        let mut s = sched();
        s.projects[0].relationships[0].predecessor = "ghost".into();
        assert!(matches!(
            write_mspdi(&s, &opts()),
            Err(MspdiWriteError::Schedule(
                ScheduleProblem::BadRelationship { .. }
            ))
        ));
        let mut s = sched();
        s.projects[0].assignments[0].resource = "ghost".into();
        assert!(matches!(
            write_mspdi(&s, &opts()),
            Err(MspdiWriteError::Schedule(
                ScheduleProblem::BadAssignment { .. }
            ))
        ));
        let mut s = sched();
        s.projects[0].activities[0].calendar = Some("ghost".into());
        let e = write_mspdi(&s, &opts()).unwrap_err();
        assert!(e.to_string().contains("activity \"a\""), "{e}");
        let mut s = sched();
        s.projects[0].activities[0].wbs = Some("ghost".into());
        assert!(matches!(
            write_mspdi(&s, &opts()),
            Err(MspdiWriteError::Schedule(
                ScheduleProblem::UnknownWbs { .. }
            ))
        ));
        let mut s = sched();
        s.projects[0].relationships.push(Relationship {
            predecessor: "b".into(),
            successor: "a".into(),
            ..Default::default()
        });
        assert!(matches!(
            write_mspdi(&s, &opts()),
            Err(MspdiWriteError::Schedule(
                ScheduleProblem::RelationshipLoop { .. }
            ))
        ));
        let mut s = sched();
        s.currency = Some("DOLLARS".into());
        assert!(matches!(
            write_mspdi(&s, &opts()),
            Err(MspdiWriteError::BadCurrency(_))
        ));
    }

    #[test]
    fn deterministic_and_multi_project() {
        let mut s = sched();
        let mut p2 = s.projects[0].clone();
        p2.id = "P2".into();
        p2.name = "Second".into();
        s.projects.push(p2);
        let a = write_mspdi(&s, &opts()).unwrap();
        let b = write_mspdi(&s.clone(), &opts()).unwrap();
        assert_eq!(a, b);
        let x = String::from_utf8(a).unwrap();
        assert_eq!(
            leaves(&x, "OutlineLevel"),
            ["0", "1", "2", "3", "3", "4", "1", "2", "3", "3", "4"]
        );
        assert_eq!(leaves(&x, "LinkLag").len(), 2);
    }
}

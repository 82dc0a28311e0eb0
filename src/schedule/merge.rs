//! Three-way merge of a schedule update: the version last pulled from a platform
//! (base), the project's schedule now (ours) and the incoming file (theirs). A field
//! changed on one side only takes that side; changed on both sides to different values
//! is a conflict, and ours is kept until the user resolves it. Activities are matched by
//! their code; relationships by (predecessor, successor).
//!
//! Pure: no I/O. `import` decides what to write.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use super::model::*;
use super::records::{format_datetime, link_name, status_name};

/// How a pulled file is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Progress update: dates, progress, durations, new and removed activities and links.
    Update,
    /// Baseline: only the baseline dates of matching activities are set from the file's
    /// current dates; nothing else changes.
    Baseline,
}

/// One field both sides changed differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub activity: String,
    pub field: String,
    pub base: String,
    pub ours: String,
    pub theirs: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MergeReport {
    /// (activity, field) changes taken from the file.
    pub updated: Vec<(String, String)>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub links_added: usize,
    pub links_removed: usize,
    pub conflicts: Vec<Conflict>,
}

impl MergeReport {
    pub fn changed(&self) -> bool {
        !(self.updated.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.links_added == 0
            && self.links_removed == 0)
    }
}

/// What a three-way merge does with one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Keep ours: both sides agree, or only ours changed since the base.
    Keep,
    /// Take theirs: only theirs changed since the base, or there is no base.
    Theirs,
    /// Both changed, differently: keep ours and record a conflict.
    Conflict,
}

/// The three-way rule every pull applies to one value: `base` is `None` when the record
/// was not in the last pulled version (then theirs is taken wherever it differs), and
/// `Some(None)` when the record was there without this value. `same` says when two
/// values are equal.
pub fn pick<T: ?Sized>(
    base: Option<Option<&T>>,
    ours: Option<&T>,
    theirs: Option<&T>,
    same: impl Fn(&T, &T) -> bool,
) -> Pick {
    let eq = |x: Option<&T>, y: Option<&T>| match (x, y) {
        (Some(x), Some(y)) => same(x, y),
        (None, None) => true,
        _ => false,
    };
    match base {
        _ if eq(ours, theirs) => Pick::Keep,
        None => Pick::Theirs,
        Some(b) if eq(b, ours) => Pick::Theirs,
        Some(b) if eq(b, theirs) => Pick::Keep,
        Some(_) => Pick::Conflict,
    }
}

type Getter = fn(&Activity) -> String;
type Setter = fn(&mut Activity, &Activity);

fn dt(d: Option<time::PrimitiveDateTime>) -> String {
    d.map(format_datetime).unwrap_or_default()
}

/// The fields a progress update carries, with how to read and write them.
fn fields() -> Vec<(&'static str, Getter, Setter)> {
    vec![
        ("name", |a| a.name.clone(), |o, t| o.name = t.name.clone()),
        (
            "status",
            |a| status_name(a.status).to_string(),
            |o, t| o.status = t.status,
        ),
        (
            "duration_hours",
            |a| a.duration_hours.normalize().to_string(),
            |o, t| o.duration_hours = t.duration_hours,
        ),
        (
            "remaining_hours",
            |a| a.remaining_hours.normalize().to_string(),
            |o, t| o.remaining_hours = t.remaining_hours,
        ),
        (
            "percent_complete",
            |a| a.percent_complete.normalize().to_string(),
            |o, t| o.percent_complete = t.percent_complete,
        ),
        ("start", |a| dt(a.start), |o, t| o.start = t.start),
        ("finish", |a| dt(a.finish), |o, t| o.finish = t.finish),
        (
            "actual_start",
            |a| dt(a.actual_start),
            |o, t| o.actual_start = t.actual_start,
        ),
        (
            "actual_finish",
            |a| dt(a.actual_finish),
            |o, t| o.actual_finish = t.actual_finish,
        ),
    ]
}

fn by_code(p: &Project) -> BTreeMap<&str, &Activity> {
    p.activities.iter().map(|a| (a.code.as_str(), a)).collect()
}

/// Relationship identity: predecessor and successor codes and the link type (P6 allows
/// two links of different types between the same pair).
type LinkKey = (String, String, LinkKind);

fn links(p: &Project) -> BTreeMap<LinkKey, &Relationship> {
    let code: BTreeMap<&str, &str> = p
        .activities
        .iter()
        .map(|a| (a.key.as_str(), a.code.as_str()))
        .collect();
    p.relationships
        .iter()
        .filter_map(|r| {
            Some((
                (
                    code.get(r.predecessor.as_str())?.to_string(),
                    code.get(r.successor.as_str())?.to_string(),
                    r.kind,
                ),
                r,
            ))
        })
        .collect()
}

/// Merges `theirs` into `ours` against `base` (None on the first pull: the file's
/// values are taken wherever they differ). Returns the merged project and the report.
pub fn merge(
    base: Option<&Project>,
    ours: &Project,
    theirs: &Project,
    mode: Mode,
) -> (Project, MergeReport) {
    let mut out = ours.clone();
    let mut rep = MergeReport::default();
    let theirs_by = by_code(theirs);
    if mode == Mode::Baseline {
        for a in &mut out.activities {
            if let Some(t) = theirs_by.get(a.code.as_str()) {
                if a.baseline_start != t.start || a.baseline_finish != t.finish {
                    a.baseline_start = t.start;
                    a.baseline_finish = t.finish;
                    rep.updated.push((a.code.clone(), "baseline".into()));
                }
            }
        }
        return (out, rep);
    }
    let base = base.unwrap_or(ours);
    let base_by = by_code(base);
    let ours_by = by_code(ours);
    let fields = fields();
    let ours_codes: BTreeSet<String> = ours.activities.iter().map(|a| a.code.clone()).collect();

    // Field by field on activities present in ours and theirs.
    for a in &mut out.activities {
        let Some(t) = theirs_by.get(a.code.as_str()) else {
            continue;
        };
        let b = base_by.get(a.code.as_str()).copied();
        for &(name, get, set) in &fields {
            let (o, tv) = (get(a), get(t));
            let bv = b.map(get);
            match pick(
                b.map(|_| bv.as_deref()),
                Some(o.as_str()),
                Some(tv.as_str()),
                |x, y| x == y,
            ) {
                Pick::Keep => {}
                Pick::Theirs => {
                    set(a, t);
                    rep.updated.push((a.code.clone(), name.to_string()));
                }
                Pick::Conflict => rep.conflicts.push(Conflict {
                    activity: a.code.clone(),
                    field: name.into(),
                    base: bv.unwrap_or_default(),
                    ours: o,
                    theirs: tv,
                }),
            }
        }
    }
    // Activities added in the file.
    let wbs_keys: BTreeSet<&str> = ours.wbs.iter().map(|w| w.key.as_str()).collect();
    for t in &theirs.activities {
        if !ours_codes.contains(&t.code) && !base_by.contains_key(t.code.as_str()) {
            let mut n = t.clone();
            n.key = t.code.clone();
            // The file's WBS keys are dotted code paths like ours: keep the node when the
            // project has it. Calendars were mapped to the project's keys by normalize.
            n.wbs = t.wbs.clone().filter(|k| wbs_keys.contains(k.as_str()));
            rep.added.push(n.code.clone());
            out.activities.push(n);
        }
    }
    // Activities removed in the file (only if untouched here since the base).
    let mut removed = BTreeSet::new();
    // Activities the file removed but that changed here: kept, with their links.
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for (code, b) in &base_by {
        if theirs_by.contains_key(code) {
            continue;
        }
        if let Some(o) = ours_by.get(code) {
            let untouched = fields.iter().all(|(_, get, _)| get(o) == get(b));
            if untouched {
                removed.insert(code.to_string());
            } else {
                kept.insert(code.to_string());
                rep.conflicts.push(Conflict {
                    activity: code.to_string(),
                    field: "removed".into(),
                    base: "present".into(),
                    ours: "changed here".into(),
                    theirs: "removed".into(),
                });
            }
        }
    }
    out.activities.retain(|a| !removed.contains(&a.code));
    out.assignments.retain(|a| !removed.contains(&a.activity));
    rep.removed = removed.iter().cloned().collect();

    // Relationships: three-way on the set of links (type and lag follow theirs when
    // ours is unchanged from base).
    let (bl, ol, tl) = (links(base), links(ours), links(theirs));
    let key_of: BTreeMap<String, String> = out
        .activities
        .iter()
        .map(|a| (a.code.clone(), a.key.clone()))
        .collect();
    let mut result: BTreeMap<LinkKey, Relationship> =
        ol.iter().map(|(k, r)| (k.clone(), (*r).clone())).collect();
    for (k, t) in &tl {
        let in_base = bl.contains_key(k);
        match (ol.get(k), in_base) {
            (None, false) => {
                if let (Some(p), Some(s)) = (key_of.get(&k.0), key_of.get(&k.1)) {
                    result.insert(
                        k.clone(),
                        Relationship {
                            predecessor: p.clone(),
                            successor: s.clone(),
                            kind: t.kind,
                            lag_hours: t.lag_hours,
                        },
                    );
                    rep.links_added += 1;
                }
            }
            (Some(o), _) if o.lag_hours != t.lag_hours => {
                let b = bl.get(k);
                if b.is_none_or(|b| b.lag_hours == o.lag_hours) {
                    if let Some(r) = result.get_mut(k) {
                        r.kind = t.kind;
                        r.lag_hours = t.lag_hours;
                    }
                    rep.updated
                        .push((format!("{} → {}", k.0, k.1), "link".into()));
                } else if b.is_some_and(|b| b.lag_hours != t.lag_hours) {
                    rep.conflicts.push(Conflict {
                        activity: format!("{} → {}", k.0, k.1),
                        field: "link".into(),
                        base: b
                            .map(|b| format!("{} {}h", link_name(b.kind), b.lag_hours))
                            .unwrap_or_default(),
                        ours: format!("{} {}h", link_name(o.kind), o.lag_hours),
                        theirs: format!("{} {}h", link_name(t.kind), t.lag_hours),
                    });
                }
            }
            _ => {}
        }
    }
    for (k, b) in &bl {
        if !tl.contains_key(k) {
            if let Some(o) = ol.get(k) {
                if o.lag_hours == b.lag_hours
                    && !kept.contains(&k.0)
                    && !kept.contains(&k.1)
                    && result.remove(k).is_some()
                {
                    rep.links_removed += 1;
                }
            }
        }
    }
    result.retain(|k, _| !removed.contains(&k.0) && !removed.contains(&k.1));
    // Keep ours' order, then new links in key order.
    let mut rels: Vec<Relationship> = Vec::new();
    let code_of: BTreeMap<&str, &str> = out
        .activities
        .iter()
        .map(|a| (a.key.as_str(), a.code.as_str()))
        .collect();
    for r in &out.relationships {
        let code = |key: &str| code_of.get(key).map(|c| c.to_string()).unwrap_or_default();
        let k = (code(&r.predecessor), code(&r.successor), r.kind);
        if let Some(m) = result.remove(&k) {
            rels.push(m);
        }
    }
    rels.extend(result.into_values());
    out.relationships = rels;
    merge_assignment_units(base, ours, theirs, &mut out, &mut rep);
    // A later data date in the file moves the project's data date forward.
    if theirs.data_date > ours.data_date && theirs.data_date.is_some() {
        out.data_date = theirs.data_date;
        rep.updated.push((ours.id.clone(), "data_date".into()));
    }
    (out, rep)
}

type UnitGetter = fn(&Assignment) -> Decimal;
type UnitSetter = fn(&mut Assignment, &Assignment);

/// Assignments by (activity code, resource): the identity both sides share.
fn assignments(p: &Project) -> BTreeMap<(&str, &str), &Assignment> {
    let code: BTreeMap<&str, &str> = p
        .activities
        .iter()
        .map(|a| (a.key.as_str(), a.code.as_str()))
        .collect();
    p.assignments
        .iter()
        .filter_map(|a| Some(((*code.get(a.activity.as_str())?, a.resource.as_str()), a)))
        .collect()
}

/// Progress on resource assignments (planned, actual and remaining units) merges three-way
/// like activity fields. Assignments are matched by activity code and resource; new or
/// removed assignments are not pulled (the file's resources need not be the project's).
fn merge_assignment_units(
    base: &Project,
    ours: &Project,
    theirs: &Project,
    out: &mut Project,
    rep: &mut MergeReport,
) {
    let units: [(&str, UnitGetter, UnitSetter); 3] = [
        (
            "planned_units",
            |a| a.planned_units,
            |o, t| o.planned_units = t.planned_units,
        ),
        (
            "actual_units",
            |a| a.actual_units,
            |o, t| o.actual_units = t.actual_units,
        ),
        (
            "remaining_units",
            |a| a.remaining_units,
            |o, t| o.remaining_units = t.remaining_units,
        ),
    ];
    let (b_by, t_by) = (assignments(base), assignments(theirs));
    let code: BTreeMap<String, String> = ours
        .activities
        .iter()
        .map(|a| (a.key.clone(), a.code.clone()))
        .collect();
    for a in &mut out.assignments {
        let Some(c) = code.get(&a.activity) else {
            continue;
        };
        let resource = a.resource.clone();
        let id = (c.as_str(), resource.as_str());
        let Some(t) = t_by.get(&id) else {
            continue;
        };
        let b = b_by.get(&id);
        let label = format!("{}/{}", c, a.resource);
        for &(name, get, set) in &units {
            let (o, tv) = (get(a), get(t));
            let bv = b.map(|b| get(b));
            match pick(b.map(|_| bv.as_ref()), Some(&o), Some(&tv), |x, y| x == y) {
                Pick::Keep => continue,
                Pick::Conflict => {
                    rep.conflicts.push(Conflict {
                        activity: label.clone(),
                        field: name.into(),
                        base: bv.unwrap_or_default().normalize().to_string(),
                        ours: o.normalize().to_string(),
                        theirs: tv.normalize().to_string(),
                    });
                    continue;
                }
                Pick::Theirs => {}
            }
            set(a, t);
            rep.updated.push((label.clone(), name.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_rule() {
        let eq = |a: &i32, b: &i32| a == b;
        assert_eq!(pick(Some(Some(&1)), Some(&1), Some(&2), eq), Pick::Theirs);
        assert_eq!(pick(Some(Some(&1)), Some(&2), Some(&1), eq), Pick::Keep);
        assert_eq!(pick(Some(Some(&1)), Some(&2), Some(&3), eq), Pick::Conflict);
        assert_eq!(pick(Some(Some(&1)), Some(&2), Some(&2), eq), Pick::Keep);
        assert_eq!(pick(None, Some(&2), Some(&3), eq), Pick::Theirs);
        // Absent values: added there, removed there, added here and there differently.
        assert_eq!(pick(Some(None), None, Some(&3), eq), Pick::Theirs);
        assert_eq!(pick(Some(Some(&1)), Some(&1), None, eq), Pick::Theirs);
        assert_eq!(pick(Some(None), Some(&2), Some(&3), eq), Pick::Conflict);
    }

    fn act(code: &str, pct: i64) -> Activity {
        Activity {
            key: code.into(),
            code: code.into(),
            name: format!("Activity {code}"),
            duration_hours: Decimal::from(40),
            remaining_hours: Decimal::from(40),
            percent_complete: Decimal::from(pct),
            ..Default::default()
        }
    }

    fn proj(acts: Vec<Activity>, links: &[(&str, &str)]) -> Project {
        Project {
            activities: acts,
            relationships: links
                .iter()
                .map(|(p, s)| Relationship {
                    predecessor: p.to_string(),
                    successor: s.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn assignment_units_merge_three_way() {
        let asg = |act: &str, res: &str, actual: i64| Assignment {
            key: format!("{act}-{res}"),
            activity: act.into(),
            resource: res.into(),
            planned_units: Decimal::from(80),
            actual_units: Decimal::from(actual),
            remaining_units: Decimal::from(80 - actual),
        };
        let mut base = proj(vec![act("A", 0), act("B", 0)], &[]);
        base.assignments = vec![asg("A", "CARP", 0), asg("B", "ELEC", 0)];
        let mut ours = base.clone();
        ours.assignments[1].actual_units = Decimal::from(10); // both sides, differently
        let mut theirs = base.clone();
        theirs.assignments[0] = asg("A", "CARP", 24); // theirs only
        theirs.assignments[1].actual_units = Decimal::from(16);
        theirs.assignments.push(asg("A", "ELEC", 8)); // not pulled: new assignment
        let (m, r) = merge(Some(&base), &ours, &theirs, Mode::Update);
        assert_eq!(m.assignments.len(), 2);
        assert_eq!(m.assignments[0].actual_units, Decimal::from(24));
        assert_eq!(m.assignments[0].remaining_units, Decimal::from(56));
        assert_eq!(
            m.assignments[1].actual_units,
            Decimal::from(10),
            "ours kept"
        );
        assert!(r
            .updated
            .contains(&("A/CARP".to_string(), "actual_units".to_string())));
        assert_eq!(r.conflicts.len(), 1);
        assert_eq!(
            (
                r.conflicts[0].activity.as_str(),
                r.conflicts[0].field.as_str(),
                r.conflicts[0].theirs.as_str()
            ),
            ("B/ELEC", "actual_units", "16")
        );
        // Pulling the same file again changes nothing.
        let (m2, r2) = merge(Some(&theirs), &m, &theirs, Mode::Update);
        assert!(!r2.changed(), "{r2:?}");
        assert_eq!(m2, m);
    }

    #[test]
    fn status_conflicts_use_record_spellings() {
        let base = proj(vec![act("A", 0)], &[]);
        let mut ours = base.clone();
        ours.activities[0].status = Status::InProgress;
        let mut theirs = base.clone();
        theirs.activities[0].status = Status::Complete;
        let (_, r) = merge(Some(&base), &ours, &theirs, Mode::Update);
        let c = &r.conflicts[0];
        assert_eq!(
            (c.base.as_str(), c.ours.as_str(), c.theirs.as_str()),
            ("not_started", "in_progress", "complete")
        );
    }

    #[test]
    fn one_sided_changes_apply_and_two_sided_ones_conflict() {
        let base = proj(vec![act("A", 0), act("B", 0), act("C", 0)], &[("A", "B")]);
        let mut ours = base.clone();
        ours.activities[1].name = "Renamed here".into(); // ours only
        ours.activities[2].percent_complete = Decimal::from(30); // both, differently
        let mut theirs = base.clone();
        theirs.activities[0].percent_complete = Decimal::from(50); // theirs only
        theirs.activities[2].percent_complete = Decimal::from(60);
        let (m, r) = merge(Some(&base), &ours, &theirs, Mode::Update);
        assert_eq!(m.activities[0].percent_complete, Decimal::from(50));
        assert_eq!(m.activities[1].name, "Renamed here");
        assert_eq!(
            m.activities[2].percent_complete,
            Decimal::from(30),
            "ours kept on conflict"
        );
        assert_eq!(r.conflicts.len(), 1);
        assert_eq!(
            (
                r.conflicts[0].activity.as_str(),
                r.conflicts[0].field.as_str(),
                r.conflicts[0].theirs.as_str()
            ),
            ("C", "percent_complete", "60")
        );
        assert_eq!(
            r.updated,
            vec![("A".to_string(), "percent_complete".to_string())]
        );
    }

    #[test]
    fn added_and_removed_activities_and_links() {
        let base = proj(
            vec![act("A", 0), act("B", 0), act("C", 0)],
            &[("A", "B"), ("B", "C")],
        );
        let ours = base.clone();
        let theirs = proj(
            vec![act("A", 0), act("B", 0), act("D", 0)],
            &[("A", "B"), ("B", "D")],
        );
        let (m, r) = merge(Some(&base), &ours, &theirs, Mode::Update);
        assert_eq!(r.added, vec!["D"]);
        assert_eq!(r.removed, vec!["C"]);
        assert_eq!((r.links_added, r.links_removed), (1, 1));
        let codes: Vec<_> = m.activities.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["A", "B", "D"]);
        assert_eq!(m.relationships.len(), 2);
        // Merging the same file again changes nothing.
        let (m2, r2) = merge(Some(&theirs), &m, &theirs, Mode::Update);
        assert!(!r2.changed(), "{r2:?}");
        assert_eq!(m2, m);
    }

    #[test]
    fn a_removal_of_something_changed_here_is_a_conflict() {
        let base = proj(vec![act("A", 0), act("B", 0)], &[]);
        let mut ours = base.clone();
        ours.activities[1].percent_complete = Decimal::from(10);
        let theirs = proj(vec![act("A", 0)], &[]);
        let (m, r) = merge(Some(&base), &ours, &theirs, Mode::Update);
        assert_eq!(m.activities.len(), 2);
        assert_eq!(r.conflicts[0].field, "removed");
    }

    #[test]
    fn baseline_mode_only_sets_baselines() {
        let ours = proj(vec![act("A", 0)], &[]);
        let mut theirs = ours.clone();
        let d = time::macros::datetime!(2026-03-02 07:00);
        theirs.activities[0].start = Some(d);
        theirs.activities[0].percent_complete = Decimal::from(90);
        let (m, r) = merge(None, &ours, &theirs, Mode::Baseline);
        assert_eq!(m.activities[0].baseline_start, Some(d));
        assert_eq!(m.activities[0].percent_complete, Decimal::ZERO);
        assert_eq!(r.updated.len(), 1);
    }
}

//! Turns a schedule as a tool wrote it (keys are the tool's internal ids) into the form
//! the project's schedule records use: activities keyed by their code, WBS nodes by
//! their dotted code path, calendars and resources by the project's own keys where
//! names match. Needed before a three-way merge, so both sides use the same keys.
//!
//! Pure: no I/O; never drops an activity (duplicate codes get a suffix).

use std::collections::{BTreeMap, BTreeSet};

use super::model::*;

fn unique(taken: &mut BTreeSet<String>, want: String) -> String {
    if taken.insert(want.clone()) {
        return want;
    }
    (2..)
        .map(|n| format!("{want}~{n}"))
        .find(|c| taken.insert(c.clone()))
        .unwrap_or(want)
}

fn calendar_key(name: &str) -> String {
    let k: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '-'
            }
        })
        .collect();
    let k = k.trim_matches('-').to_string();
    if k.is_empty() {
        "CAL".into()
    } else {
        k.chars().take(40).collect()
    }
}

/// Project `index` of `theirs`, in record form; `ours` supplies existing calendar and
/// resource keys to reuse (matched by name, then by code).
pub fn to_records_form(theirs: &Schedule, index: usize, ours: Option<&Schedule>) -> Schedule {
    let Some(p) = theirs.projects.get(index) else {
        return Schedule::default();
    };
    // Calendars: the project's own and the global ones.
    let mut cal_map: BTreeMap<String, String> = BTreeMap::new();
    let mut taken = BTreeSet::new();
    let mut calendars = Vec::new();
    for c in theirs.calendars.iter().chain(p.calendars.iter()) {
        let reuse = ours.and_then(|o| {
            o.calendars
                .iter()
                .find(|oc| oc.name == c.name)
                .map(|oc| oc.key.clone())
        });
        let key = unique(&mut taken, reuse.unwrap_or_else(|| calendar_key(&c.name)));
        cal_map.insert(c.key.clone(), key.clone());
        calendars.push(Calendar { key, ..c.clone() });
    }
    for c in &mut calendars {
        c.base = c.base.as_ref().and_then(|b| cal_map.get(b).cloned());
    }
    // A file without calendars (hand-made XERs) gets a standard 5-day, 8-hour one.
    if calendars.is_empty() {
        let shifts = vec![
            (time::macros::time!(08:00), time::macros::time!(12:00)),
            (time::macros::time!(13:00), time::macros::time!(17:00)),
        ];
        calendars.push(Calendar {
            key: "STANDARD".into(),
            name: "Standard (added by aecos: the file had no calendar)".into(),
            base: None,
            hours_per_day: rust_decimal::Decimal::from(8),
            week: std::array::from_fn(|d| if d < 5 { shifts.clone() } else { Vec::new() }),
            exceptions: Vec::new(),
        });
    }
    // WBS: dotted code paths.
    let by_key: BTreeMap<&str, &Wbs> = p.wbs.iter().map(|w| (w.key.as_str(), w)).collect();
    let path_of = |w: &Wbs| -> String {
        let mut parts = vec![if w.code.is_empty() {
            w.key.clone()
        } else {
            w.code.clone()
        }];
        let mut cur = w.parent.as_deref();
        let mut guard = 0;
        while let Some(k) = cur {
            guard += 1;
            let Some(pw) = by_key.get(k).filter(|_| guard <= by_key.len()) else {
                break;
            };
            parts.push(if pw.code.is_empty() {
                pw.key.clone()
            } else {
                pw.code.clone()
            });
            cur = pw.parent.as_deref();
        }
        parts.reverse();
        parts.join(".")
    };
    let mut wbs_map = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for w in &p.wbs {
        let k = unique(&mut taken, path_of(w));
        wbs_map.insert(w.key.clone(), k);
    }
    let wbs = p
        .wbs
        .iter()
        .map(|w| Wbs {
            key: wbs_map[&w.key].clone(),
            parent: w.parent.as_ref().and_then(|k| wbs_map.get(k).cloned()),
            code: w.code.clone(),
            name: w.name.clone(),
            seq: w.seq,
        })
        .collect();
    // Activities by code.
    let mut act_map = BTreeMap::new();
    let mut taken = BTreeSet::new();
    let activities: Vec<Activity> = p
        .activities
        .iter()
        .map(|a| {
            let code = unique(
                &mut taken,
                if a.code.is_empty() {
                    format!("KEY-{}", a.key)
                } else {
                    a.code.clone()
                },
            );
            act_map.insert(a.key.clone(), code.clone());
            let mut a = a.clone();
            consistent_status(&mut a);
            let a = &a;
            Activity {
                key: code.clone(),
                code,
                wbs: a.wbs.as_ref().and_then(|k| wbs_map.get(k).cloned()),
                calendar: a.calendar.as_ref().and_then(|k| cal_map.get(k).cloned()),
                ..a.clone()
            }
        })
        .collect();
    let relationships = p
        .relationships
        .iter()
        .filter_map(|r| {
            Some(Relationship {
                predecessor: act_map.get(&r.predecessor)?.clone(),
                successor: act_map.get(&r.successor)?.clone(),
                ..r.clone()
            })
        })
        .collect();
    // Resources by code.
    let mut res_map = BTreeMap::new();
    let mut taken = BTreeSet::new();
    let resources: Vec<Resource> = theirs
        .resources
        .iter()
        .map(|r| {
            let reuse = ours.and_then(|o| {
                o.resources
                    .iter()
                    .find(|or| or.name == r.name || or.code == r.code)
                    .map(|or| or.key.clone())
            });
            let code = unique(
                &mut taken,
                reuse.unwrap_or_else(|| {
                    if r.code.is_empty() {
                        r.name.clone()
                    } else {
                        r.code.clone()
                    }
                }),
            );
            res_map.insert(r.key.clone(), code.clone());
            Resource {
                key: code.clone(),
                code,
                calendar: r.calendar.as_ref().and_then(|k| cal_map.get(k).cloned()),
                ..r.clone()
            }
        })
        .collect();
    let assignments = p
        .assignments
        .iter()
        .filter_map(|a| {
            Some(Assignment {
                activity: act_map.get(&a.activity)?.clone(),
                resource: res_map.get(&a.resource)?.clone(),
                ..a.clone()
            })
        })
        .collect();
    Schedule {
        projects: vec![Project {
            key: p.id.clone(),
            calendar: p
                .calendar
                .as_ref()
                .and_then(|k| cal_map.get(k).cloned())
                .or_else(|| calendars.first().map(|c| c.key.clone())),
            calendars: Vec::new(),
            wbs,
            activities,
            relationships,
            assignments,
            ..p.clone()
        }],
        calendars,
        resources,
        currency: theirs.currency.clone(),
    }
}

/// Makes status and actual dates agree, as P6 derives status from them: an actual
/// finish means complete, an actual start means in progress; a complete or started
/// activity without its actual dates takes its current dates as actuals.
fn consistent_status(a: &mut Activity) {
    if a.actual_finish.is_some() {
        a.status = Status::Complete;
    } else if a.actual_start.is_some() && a.status == Status::NotStarted {
        a.status = Status::InProgress;
    }
    match a.status {
        Status::Complete => {
            a.actual_start = a.actual_start.or(a.start).or(a.finish);
            a.actual_finish = a.actual_finish.or(a.finish).or(a.actual_start);
        }
        Status::InProgress => a.actual_start = a.actual_start.or(a.start),
        Status::NotStarted => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_codes_and_paths() {
        let s = Schedule {
            projects: vec![Project {
                id: "P1".into(),
                calendar: Some("7".into()),
                wbs: vec![
                    Wbs {
                        key: "10".into(),
                        parent: None,
                        code: "1".into(),
                        name: "Site".into(),
                        seq: 1,
                    },
                    Wbs {
                        key: "11".into(),
                        parent: Some("10".into()),
                        code: "2".into(),
                        name: "Utilities".into(),
                        seq: 1,
                    },
                ],
                activities: vec![
                    Activity {
                        key: "100".into(),
                        code: "A1".into(),
                        wbs: Some("11".into()),
                        calendar: Some("7".into()),
                        ..Default::default()
                    },
                    Activity {
                        key: "101".into(),
                        code: "A1".into(),
                        ..Default::default()
                    },
                ],
                relationships: vec![Relationship {
                    predecessor: "100".into(),
                    successor: "101".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            calendars: vec![Calendar {
                key: "7".into(),
                name: "Standard 5-day".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let ours = Schedule {
            calendars: vec![Calendar {
                key: "STD5".into(),
                name: "Standard 5-day".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let r = to_records_form(&s, 0, Some(&ours));
        let p = &r.projects[0];
        assert_eq!(p.calendar.as_deref(), Some("STD5"));
        assert_eq!(p.wbs[1].key, "1.2");
        assert_eq!(p.wbs[1].parent.as_deref(), Some("1"));
        assert_eq!(p.activities[0].wbs.as_deref(), Some("1.2"));
        assert_eq!(
            p.activities[1].code, "A1~2",
            "duplicate codes are kept apart"
        );
        assert_eq!(
            (
                p.relationships[0].predecessor.as_str(),
                p.relationships[0].successor.as_str()
            ),
            ("A1", "A1~2")
        );
        let r = to_records_form(&s, 0, None);
        assert_eq!(r.calendars[0].key, "STANDARD-5-DAY");
    }
}

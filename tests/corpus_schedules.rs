//! Corpus check: every MSPDI and P6 XML file of the shared corpus reads without error,
//! and its counts equal MPXJ's (16.10.0), computed by `scripts/mpxj_counts.py` with the
//! same notions as ours:
//! - activities: tasks that are not summaries (Summary flag or child tasks), not the
//!   project summary task, not null tasks (P6: activities);
//! - relationships whose both ends are such activities;
//! - WBS nodes: summary tasks other than the project summary (P6: WBS elements);
//! - resources, less the unnamed UID 0 placeholder (P6: less roles);
//! - assignments to such an activity and to a real resource.
//!
//! The corpus lives outside the repository: set AECOS_CORPUS to the folder holding
//! `mspdi/` and `p6-pmxml/` (e.g. shared/corpus). Without it the test says so and passes.

use std::path::Path;

use aecos::schedule::model::Schedule;

/// (file, activities, relationships, wbs, resources, assignments, projects) from MPXJ.
const EXPECTED: &[(&str, usize, usize, usize, usize, usize, usize)] = &[
    (
        "mspdi/mpxj_assignment-text-project2019-mspdi.xml",
        30,
        0,
        0,
        30,
        30,
        1,
    ),
    ("mspdi/mpxj_baselines.xml", 1, 0, 0, 1, 0, 1),
    (
        "mspdi/mpxj_calendar-calendars-project2002-mspdi.xml",
        0,
        0,
        0,
        2,
        0,
        1,
    ),
    (
        "mspdi/mpxj_calendar-calendars-project2019-mspdi.xml",
        0,
        0,
        0,
        2,
        0,
        1,
    ),
    (
        "mspdi/mpxj_calendar-recurring-exceptions-project2016-mspdi.xml",
        0,
        0,
        0,
        0,
        0,
        1,
    ),
    ("mspdi/mpxj_enterprise.xml", 1, 0, 0, 1, 0, 1),
    ("mspdi/mpxj_legacy_alias.xml", 0, 0, 0, 0, 0, 1),
    ("mspdi/mpxj_legacy_caltest.xml", 3, 0, 0, 3, 0, 1),
    ("mspdi/mpxj_legacy_headertest9.xml", 0, 0, 0, 0, 0, 1),
    ("mspdi/mpxj_legacy_mspdipriority.xml", 10, 0, 0, 0, 0, 1),
    ("mspdi/mpxj_legacy_mspextattr.xml", 1, 0, 0, 1, 0, 1),
    ("mspdi/mpxj_legacy_sample.xml", 16, 6, 3, 2, 2, 1),
    ("mspdi/mpxj_legacy_sample1.xml", 18, 6, 4, 2, 4, 1),
    ("mspdi/mpxj_mspdiassignmentcustom.xml", 1, 0, 0, 2, 2, 1),
    ("mspdi/mpxj_mspdiassignmentfields.xml", 1, 0, 0, 4, 2, 1),
    ("mspdi/mpxj_mspdiavailability.xml", 0, 0, 0, 2, 0, 1),
    ("mspdi/mpxj_mspdicostratetable.xml", 0, 0, 0, 3, 0, 1),
    ("mspdi/mpxj_mspdiduration.xml", 10, 0, 0, 0, 0, 1),
    ("mspdi/mpxj_mspdinulltasks.xml", 3, 0, 2, 0, 0, 1),
    ("mspdi/mpxj_mspdirelations.xml", 5, 4, 0, 0, 0, 1),
    ("mspdi/mpxj_mspdiresource.xml", 3, 1, 0, 4, 5, 1),
    ("mspdi/mpxj_mspdisplittask.xml", 2, 0, 0, 0, 0, 1),
    ("mspdi/mpxj_mspditimephased.xml", 40, 0, 0, 41, 40, 1),
    ("mspdi/mpxj_mspditimephasedsegments.xml", 20, 0, 0, 6, 20, 1),
    (
        "mspdi/mpxj_project_default-duration-format_DefaultDurationFormat.xml",
        1,
        0,
        0,
        0,
        0,
        1,
    ),
    (
        "mspdi/mpxj_resource-type-project2002-mspdi.xml",
        0,
        0,
        0,
        15,
        0,
        1,
    ),
    (
        "mspdi/mpxj_task-baselines-project2007-mspdi.xml",
        55,
        0,
        0,
        0,
        0,
        1,
    ),
    (
        "mspdi/mpxj_task-links-project2003-mspdi.xml",
        16,
        8,
        0,
        0,
        0,
        1,
    ),
    (
        "mspdi/mpxj_task-links-project2019-mspdi.xml",
        16,
        8,
        0,
        0,
        0,
        1,
    ),
    (
        "mspdi/mpxj_task-textvalues-project2019-mspdi.xml",
        3,
        0,
        0,
        0,
        0,
        1,
    ),
    ("p6-pmxml/mpxj_PredecessorCalendar.xml", 1, 0, 1, 0, 0, 1),
    ("p6-pmxml/mpxj_ProjectDefaultCalendar.xml", 1, 0, 1, 0, 0, 1),
    ("p6-pmxml/mpxj_SuccessorCalendar.xml", 1, 0, 1, 0, 0, 1),
    ("p6-pmxml/mpxj_TwentyFourHourCalendar.xml", 1, 0, 1, 0, 0, 1),
    (
        "p6-pmxml/mpxj_assignment_resource-rates-test.xml",
        1,
        0,
        0,
        1,
        5,
        1,
    ),
    (
        "p6-pmxml/mpxj_task-percentcomplete_percent-complete-8.4.pmxml",
        12,
        0,
        0,
        0,
        0,
        1,
    ),
];

fn counts(s: &Schedule) -> (usize, usize, usize, usize, usize, usize) {
    let mut c = (0, 0, 0, s.resources.len(), 0, s.projects.len());
    for p in &s.projects {
        c.0 += p.activities.len();
        c.1 += p.relationships.len();
        c.2 += p.wbs.len();
        c.4 += p.assignments.len();
    }
    c
}

#[test]
fn corpus_matches_mpxj() {
    let Some(root) = std::env::var_os("AECOS_CORPUS") else {
        println!("AECOS_CORPUS is not set: corpus comparison skipped");
        return;
    };
    let root = Path::new(&root);
    let mut failures = Vec::new();
    for &(file, acts, rels, wbs, res, asg, projects) in EXPECTED {
        let path = root.join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let got = if file.starts_with("p6-pmxml/") {
            aecos::formats::pmxml_read::read_pmxml(&path, &bytes).map_err(|e| e.to_string())
        } else {
            aecos::formats::mspdi_read::read_mspdi(&path, &bytes).map_err(|e| e.to_string())
        };
        match got {
            Err(e) => failures.push(format!("{file}: {e}")),
            Ok(s) => {
                let want = (acts, rels, wbs, res, asg, projects);
                if counts(&s) != want {
                    failures.push(format!("{file}: got {:?}, MPXJ {want:?}", counts(&s)));
                }
            }
        }
    }
    // Every corpus file is in the table.
    for dir in ["mspdi", "p6-pmxml"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("corpus folder") {
            let name = format!(
                "{dir}/{}",
                entry.expect("entry").file_name().to_string_lossy()
            );
            if !EXPECTED.iter().any(|e| e.0 == name) {
                failures.push(format!("{name}: not in the expected table"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Project 2016 writes each calendar's recurring exceptions twice: as 2007+
/// `Exceptions` (recurrence rules) and as legacy `DayType` 0 days (already expanded).
/// Our expansion of the rules must give exactly Project's own dates.
#[test]
fn recurring_exceptions_match_projects_expansion() {
    let Some(root) = std::env::var_os("AECOS_CORPUS") else {
        println!("AECOS_CORPUS is not set: recurrence check skipped");
        return;
    };
    let path =
        Path::new(&root).join("mspdi/mpxj_calendar-recurring-exceptions-project2016-mspdi.xml");
    let bytes = std::fs::read(&path).expect("corpus file");
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let (a, b) = (
        text.find("<Exceptions>").expect("has Exceptions"),
        text.find("</Exceptions>").expect("has Exceptions") + "</Exceptions>".len(),
    );
    let legacy_only = format!("{}{}", &text[..a], &text[b..]);
    let rules = aecos::formats::mspdi_read::read_mspdi(&path, &bytes).expect("read");
    let legacy =
        aecos::formats::mspdi_read::read_mspdi(&path, legacy_only.as_bytes()).expect("read");
    let cal = |s: &Schedule| s.calendars[0].exceptions.clone();
    assert_eq!(cal(&rules).len(), 140);
    assert_eq!(cal(&rules), cal(&legacy));
}

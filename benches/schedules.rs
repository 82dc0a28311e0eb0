//! Schedule benchmark (not a test): generates a large, realistic schedule — 100,000
//! activities, ~300,000 relationships, a 4-level WBS, two calendars with holidays,
//! crews and materials with assignments — writes it as P6 XER and MS Project XML with
//! our writers, reads both back with our readers, and prints the throughput. The files
//! are left in target/bench/ for scripts/bench.sh, which times whole processes against
//! MPXJ and xerparser on the same files.
//!
//! Run: `cargo bench --bench schedules` (RAYON_NUM_THREADS=1 for one core).

use std::time::Instant;

use aecos::formats::{mspdi_read, mspdi_write, xer_read, xer_write};
use aecos::schedule::model::*;
use rust_decimal::Decimal;
use time::macros::{date, datetime, time};
use time::Duration;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const NAMES: &[&str] = &[
    "Form, rebar and pour footings",
    "Erect steel columns",
    "Metal stud framing",
    "HVAC ductwork rough-in",
    "Plumbing rough-in",
    "Electrical rough-in",
    "Hang and finish gypsum board",
    "Ceiling grid",
    "Paint",
    "Resilient flooring",
    "Casework",
    "Doors, frames and hardware",
    "Light fixtures",
    "Fire sprinkler branches",
    "Punch list",
];

fn generate(activities: usize) -> Schedule {
    let mut rng = Lcg(42);
    let shifts = vec![(time!(07:00), time!(11:00)), (time!(12:00), time!(16:00))];
    let week = |days: usize| -> [Shifts; 7] {
        std::array::from_fn(|i| if i < days { shifts.clone() } else { Vec::new() })
    };
    let holidays: Vec<(time::Date, Shifts)> = [
        date!(2026 - 01 - 01),
        date!(2026 - 05 - 25),
        date!(2026 - 07 - 03),
        date!(2026 - 09 - 07),
        date!(2026 - 11 - 26),
        date!(2026 - 12 - 25),
        date!(2027 - 01 - 01),
        date!(2027 - 05 - 31),
        date!(2027 - 07 - 05),
        date!(2027 - 12 - 24),
    ]
    .into_iter()
    .map(|d| (d, Vec::new()))
    .collect();
    let calendars = vec![
        Calendar {
            key: "STD5".into(),
            name: "Standard 5-day".into(),
            base: None,
            hours_per_day: Decimal::from(8),
            week: week(5),
            exceptions: holidays.clone(),
        },
        Calendar {
            key: "SITE6".into(),
            name: "Site 6-day".into(),
            base: None,
            hours_per_day: Decimal::from(8),
            week: week(6),
            exceptions: holidays,
        },
    ];
    // WBS: 10 areas × 10 floors × 10 zones (+ parents) = 1,110 nodes.
    let mut wbs = Vec::new();
    for a in 1..=10 {
        wbs.push(Wbs {
            key: format!("{a}"),
            parent: None,
            code: format!("{a}"),
            name: format!("Building {a}"),
            seq: a,
        });
        for f in 1..=10 {
            wbs.push(Wbs {
                key: format!("{a}.{f}"),
                parent: Some(format!("{a}")),
                code: format!("{f}"),
                name: format!("Building {a} level {f}"),
                seq: f,
            });
            for z in 1..=10 {
                wbs.push(Wbs {
                    key: format!("{a}.{f}.{z}"),
                    parent: Some(format!("{a}.{f}")),
                    code: format!("{z}"),
                    name: format!("Building {a} level {f} zone {z}"),
                    seq: z,
                });
            }
        }
    }
    let leaves: Vec<String> = wbs
        .iter()
        .filter(|w| w.key.matches('.').count() == 2)
        .map(|w| w.key.clone())
        .collect();
    let start0 = datetime!(2026-01-05 07:00);
    let data_date = datetime!(2026-09-30 16:00);
    let mut acts = Vec::with_capacity(activities);
    for i in 0..activities {
        let days = 1 + rng.below(15) as i64;
        let start = start0 + Duration::days((i as i64 * 3) / 100 + rng.below(20) as i64);
        let finish = start + Duration::days(days - 1) + Duration::hours(9);
        let status = if finish < data_date {
            Status::Complete
        } else if start < data_date {
            Status::InProgress
        } else {
            Status::NotStarted
        };
        let hours = Decimal::from(days * 8);
        let (pct, remaining, astart, afinish) = match status {
            Status::Complete => (
                Decimal::ONE_HUNDRED,
                Decimal::ZERO,
                Some(start),
                Some(finish),
            ),
            Status::InProgress => (Decimal::from(50), hours / Decimal::TWO, Some(start), None),
            Status::NotStarted => (Decimal::ZERO, hours, None, None),
        };
        acts.push(Activity {
            key: format!("ACT-{:06}", i + 1),
            code: format!("ACT-{:06}", i + 1),
            name: format!("{} {}", NAMES[i % NAMES.len()], leaves[i % leaves.len()]),
            wbs: Some(leaves[i % leaves.len()].clone()),
            calendar: Some(if i % 7 == 0 { "SITE6" } else { "STD5" }.into()),
            kind: if i % 97 == 0 {
                ActivityKind::FinishMilestone
            } else {
                ActivityKind::Task
            },
            status,
            duration_hours: if i % 97 == 0 { Decimal::ZERO } else { hours },
            remaining_hours: if i % 97 == 0 {
                Decimal::ZERO
            } else {
                remaining
            },
            percent_complete: pct,
            start: Some(start),
            finish: Some(if i % 97 == 0 { start } else { finish }),
            actual_start: astart,
            actual_finish: afinish,
            baseline_start: Some(start - Duration::days(2)),
            baseline_finish: Some(finish - Duration::days(2)),
            constraint: (i % 500 == 0).then_some(Constraint {
                kind: ConstraintKind::StartOnOrAfter,
                date: Some(start),
            }),
            elements: Vec::new(),
            notes: None,
        });
        if i % 97 == 0 {
            let a = acts.last_mut().expect("just pushed");
            a.finish = a.start;
            if a.status == Status::InProgress {
                a.status = Status::Complete;
                a.actual_finish = a.start;
                a.percent_complete = Decimal::ONE_HUNDRED;
            }
        }
    }
    let kinds = [
        LinkKind::FinishToStart,
        LinkKind::FinishToStart,
        LinkKind::FinishToStart,
        LinkKind::StartToStart,
        LinkKind::FinishToFinish,
        LinkKind::StartToFinish,
    ];
    let mut rels = Vec::with_capacity(activities * 3);
    let mut seen = std::collections::HashSet::new();
    for i in 1..activities {
        for _ in 0..3 {
            let back = 1 + rng.below(40.min(i as u64)) as usize;
            let p = i - back;
            if seen.insert((p, i)) {
                rels.push(Relationship {
                    predecessor: acts[p].key.clone(),
                    successor: acts[i].key.clone(),
                    kind: kinds[rng.below(kinds.len() as u64) as usize],
                    lag_hours: Decimal::from(rng.below(5) as i64 * 8 - 8),
                });
            }
        }
    }
    let resources: Vec<Resource> = (0..300)
        .map(|r| Resource {
            key: format!("R{r:03}"),
            code: format!("CREW-{r:03}"),
            name: format!("Crew {r}"),
            kind: if r % 10 == 9 {
                ResourceKind::Material
            } else {
                ResourceKind::Labor
            },
            calendar: None,
            unit: (r % 10 == 9).then(|| "CY".into()),
        })
        .collect();
    let assignments: Vec<Assignment> = acts
        .iter()
        .enumerate()
        .filter(|(i, a)| i % 5 != 0 && a.kind == ActivityKind::Task)
        .map(|(i, a)| Assignment {
            key: format!("{}", i + 1),
            activity: a.key.clone(),
            resource: resources[i % resources.len()].key.clone(),
            planned_units: a.duration_hours * Decimal::TWO,
            actual_units: a.duration_hours * Decimal::TWO - a.remaining_hours * Decimal::TWO,
            remaining_units: a.remaining_hours * Decimal::TWO,
        })
        .collect();
    Schedule {
        projects: vec![Project {
            key: "BENCH".into(),
            id: "BENCH-100K".into(),
            name: "Benchmark campus (100k activities)".into(),
            planned_start: Some(start0),
            must_finish: None,
            data_date: Some(data_date),
            calendar: Some("STD5".into()),
            calendars: Vec::new(),
            wbs,
            activities: acts,
            relationships: rels,
            assignments,
        }],
        calendars,
        resources,
        currency: Some("USD".into()),
    }
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("runs > 0"))
}

fn main() {
    let n: usize = std::env::var("AECOS_BENCH_ACTIVITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let s = generate(n);
    let p = &s.projects[0];
    println!(
        "schedule: {} activities, {} relationships, {} WBS, {} assignments",
        p.activities.len(),
        p.relationships.len(),
        p.wbs.len(),
        p.assignments.len()
    );
    let stamp = datetime!(2026-09-30 16:00);
    let (tw, xer) = best(3, || {
        xer_write::write_xer(&s, &xer_write::XerOptions::new(stamp)).expect("XER writes")
    });
    let (tm, xml) = best(3, || {
        mspdi_write::write_mspdi(&s, &mspdi_write::MspdiOptions::new(stamp)).expect("MSPDI writes")
    });
    std::fs::write(dir.join("large.xer"), &xer).expect("write");
    std::fs::write(dir.join("large.xml"), &xml).expect("write");
    let mb = |b: &[u8]| b.len() as f64 / 1e6;
    let path = dir.join("large.xer");
    let (tr, back) = best(5, || xer_read::read_xer(&path, &xer).expect("XER reads"));
    assert_eq!(back.projects[0].activities.len(), n);
    let path = dir.join("large.xml");
    let (tmr, back) = best(5, || {
        mspdi_read::read_mspdi(&path, &xml).expect("MSPDI reads")
    });
    assert_eq!(back.projects[0].activities.len(), n);
    println!("threads: {}", rayon::current_num_threads());
    println!(
        "XER   {:7.1} MB  write {:7.1} ms ({:6.0} MB/s)  read {:7.1} ms ({:6.0} MB/s)",
        mb(&xer),
        tw * 1e3,
        mb(&xer) / tw,
        tr * 1e3,
        mb(&xer) / tr
    );
    println!(
        "MSPDI {:7.1} MB  write {:7.1} ms ({:6.0} MB/s)  read {:7.1} ms ({:6.0} MB/s)",
        mb(&xml),
        tm * 1e3,
        mb(&xml) / tm,
        tmr * 1e3,
        mb(&xml) / tmr
    );
    println!("files: {}/large.xer, large.xml", dir.display());
}

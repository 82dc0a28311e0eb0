//! Schedules end to end with the real binary: XER and MS Project XML exports, reading
//! them back, progress updates with three-way merge, baselines, and the corpus.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic")
}

fn project() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("proj");
    aecos::demo::copy_project(&sample(), &dir).unwrap();
    // Keep the sample inbox out of the way; tests drop their own files.
    std::fs::rename(
        dir.join("inbox/p6_update_2026-06-26.xer"),
        t.path().join("update.xer"),
    )
    .unwrap();
    (t, dir)
}

fn aecos(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("aecos").unwrap();
    c.env("AECOS_PROJECT", dir).env("AECOS_ACTOR", "test");
    c
}

fn json(out: &std::process::Output) -> Value {
    assert!(out.status.code().is_some());
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn export(dir: &Path, target: &str) -> PathBuf {
    let v = json(
        &aecos(dir)
            .args(["export", target, "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["status"], "written", "{v}");
    dir.join(v["files"][0]["path"].as_str().unwrap())
}

fn inspect(file: &Path) -> Value {
    json(
        &Command::cargo_bin("aecos")
            .unwrap()
            .arg("inspect")
            .arg(file)
            .arg("--json")
            .output()
            .unwrap(),
    )
}

#[test]
fn exports_read_back_with_the_records_counts_and_dates() {
    let (_t, dir) = project();
    let s = aecos::schedule::records::load(&dir).unwrap();
    let p = &s.projects[0];
    for (target, format) in [("xer", "p6-xer"), ("mspdi", "mspdi")] {
        let file = export(&dir, target);
        let v = inspect(&file);
        assert_eq!(v["format"], format);
        let q = &v["projects"][0];
        assert_eq!(q["tasks"], p.activities.len(), "{target}");
        assert_eq!(q["relationships"], p.relationships.len(), "{target}");
        assert_eq!(q["assignments"], p.assignments.len(), "{target}");
        let acts = q["activities"].as_array().unwrap();
        for a in &p.activities {
            let b = acts
                .iter()
                .find(|b| b["code"] == a.code.as_str())
                .unwrap_or_else(|| panic!("{target}: {} missing", a.code));
            assert_eq!(b["name"], a.name.as_str(), "{target} {}", a.code);
            assert_eq!(
                b["start"],
                a.start
                    .map(aecos::schedule::records::format_datetime)
                    .unwrap(),
                "{target} {}",
                a.code
            );
            assert_eq!(
                b["finish"],
                a.finish
                    .map(aecos::schedule::records::format_datetime)
                    .unwrap(),
                "{target} {}",
                a.code
            );
        }
    }
    let xer = std::fs::read(dir.join("outbox/p6/RCC-2026-014_schedule.xer")).unwrap();
    assert!(xer.starts_with(b"ERMHDR\t"));
    assert!(
        xer.windows(2).filter(|w| w == b"\r\n").count() > 100,
        "CRLF"
    );
    // Every line, CRLF-terminated, with tab-separated fields.
    assert!(xer.ends_with(b"%E\r\n"), "ends with the %E record");
}

#[test]
fn a_round_trip_through_either_format_changes_nothing() {
    let (t, dir) = project();
    for target in ["xer", "mspdi"] {
        let file = export(&dir, target);
        let drop = t.path().join(format!("back.{target}"));
        std::fs::copy(&file, &drop).unwrap();
        let before = std::fs::read(dir.join("records/schedule/activities.csv")).unwrap();
        let v = json(
            &aecos(&dir)
                .args(["import"])
                .arg(&drop)
                .arg("--json")
                .output()
                .unwrap(),
        );
        let m = &v["files"][0]["schedule"]["merge"];
        assert_eq!(m["updated"].as_array().unwrap().len(), 0, "{target}: {m}");
        assert_eq!(m["added"].as_array().unwrap().len(), 0, "{target}: {m}");
        assert_eq!(m["removed"].as_array().unwrap().len(), 0, "{target}: {m}");
        assert_eq!(
            std::fs::read(dir.join("records/schedule/activities.csv")).unwrap(),
            before,
            "{target}"
        );
    }
}

#[test]
fn a_progress_update_applies_and_a_second_import_changes_nothing() {
    let (t, dir) = project();
    let update = t.path().join("update.xer");
    let v = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&update)
            .arg("--json")
            .output()
            .unwrap(),
    );
    let f = &v["files"][0];
    assert_eq!(f["status"], "applied", "{v}");
    assert_eq!(
        f["schedule"]["merge"]["added"],
        serde_json::json!(["ACT-2605"])
    );
    let s = aecos::schedule::records::load(&dir).unwrap();
    let p = &s.projects[0];
    assert!(p.activities.iter().any(|a| a.code == "ACT-2605"));
    assert!(p.relationships.iter().any(|r| r.successor == "ACT-2605"));
    let a = p.activities.iter().find(|a| a.code == "ACT-1350").unwrap();
    assert_eq!(
        a.status,
        aecos::schedule::model::Status::Complete,
        "progress taken from P6"
    );
    assert!(
        dir.join("records/pulled/p6/schedule/RCC-2026-014/activities.csv")
            .is_file(),
        "the pulled version is kept"
    );
    let snapshot = std::fs::read(dir.join("records/schedule/activities.csv")).unwrap();
    std::fs::copy(dir.join("inbox/processed/update.xer"), &update).unwrap();
    let v = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&update)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(v["files"][0]["status"], "unchanged", "{v}");
    assert_eq!(
        std::fs::read(dir.join("records/schedule/activities.csv")).unwrap(),
        snapshot
    );
    aecos(&dir).args(["audit", "verify"]).assert().success();
}

#[test]
fn local_and_remote_changes_to_the_same_field_conflict_and_ours_is_kept() {
    let (t, dir) = project();
    // First pull: the P6 version of today's schedule becomes the base.
    let today = export(&dir, "xer");
    let first = t.path().join("today.xer");
    std::fs::copy(&today, &first).unwrap();
    aecos(&dir).args(["import"]).arg(&first).assert().success();
    // Locally the scheduler renames one activity and changes another's remaining work.
    let acts = dir.join("records/schedule/activities.csv");
    let text = std::fs::read_to_string(&acts).unwrap();
    let text = text.replacen("Structural steel topped out", "Steel topped out (local)", 1);
    std::fs::write(&acts, &text).unwrap();
    // P6 renames the same activity differently, and progresses ACT-1010's name untouched.
    let mut theirs = aecos::schedule::records::load(&dir).unwrap();
    for a in &mut theirs.projects[0].activities {
        if a.name == "Steel topped out (local)" {
            a.name = "Steel frame topped out (P6)".into();
        }
        if a.code == "ACT-1020" {
            a.name = "Building permit issued (P6)".into();
        }
    }
    let opts =
        aecos::formats::xer_write::XerOptions::new(time::macros::datetime!(2026-06-26 16:00));
    let bytes = aecos::formats::xer_write::write_xer(&theirs, &opts).unwrap();
    let second = t.path().join("second.xer");
    std::fs::write(&second, bytes).unwrap();
    let v = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&second)
            .arg("--json")
            .output()
            .unwrap(),
    );
    let s = &v["files"][0]["schedule"];
    let c = &s["merge"]["conflicts"];
    assert_eq!(c.as_array().unwrap().len(), 1, "{s}");
    assert_eq!(c[0]["field"], "name");
    assert_eq!(c[0]["ours"], "Steel topped out (local)");
    assert_eq!(c[0]["theirs"], "Steel frame topped out (P6)");
    let cf = dir.join(s["conflicts_file"].as_str().unwrap());
    assert!(cf.is_file());
    let now = std::fs::read_to_string(&acts).unwrap();
    assert!(now.contains("Steel topped out (local)"), "ours kept");
    assert!(
        now.contains("Building permit issued (P6)"),
        "the one-sided change applied"
    );
}

#[test]
fn a_baseline_import_sets_baseline_dates_only() {
    let (t, dir) = project();
    let update = t.path().join("update.xer");
    let before = aecos::schedule::records::load(&dir).unwrap();
    let v = json(
        &aecos(&dir)
            .args(["import", "--baseline"])
            .arg(&update)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(v["files"][0]["schedule"]["mode"], "baseline");
    let after = aecos::schedule::records::load(&dir).unwrap();
    let (b, a) = (&before.projects[0], &after.projects[0]);
    assert_eq!(
        a.activities.len(),
        b.activities.len(),
        "no activities added"
    );
    let mut changed = 0;
    for (x, y) in b.activities.iter().zip(&a.activities) {
        assert_eq!(
            (x.status, x.percent_complete, x.start),
            (y.status, y.percent_complete, y.start)
        );
        if x.baseline_start != y.baseline_start {
            changed += 1;
        }
    }
    assert!(
        changed > 10,
        "baselines moved to the update's dates ({changed})"
    );
}

#[test]
fn broken_schedule_files_are_rejected_with_the_line() {
    let (t, dir) = project();
    let good = std::fs::read(t.path().join("update.xer")).unwrap();
    let cut = &good[..good.len() / 2];
    let f = dir.join("inbox/cut.xer");
    std::fs::write(&f, cut).unwrap();
    let out = aecos(&dir).args(["import", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    let v = json(&out);
    let cut = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "inbox/cut.xer")
        .unwrap_or_else(|| panic!("{v}"));
    let err = cut["error"].as_str().unwrap();
    assert!(err.contains("cut.xer:"), "{err}");
    assert!(dir.join("inbox/rejected/cut.xer.error.txt").is_file());
    let x = dir.join("inbox/bomb.xml");
    std::fs::write(&x, "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><Project xmlns=\"http://schemas.microsoft.com/project\"><Name>&a;</Name></Project>").unwrap();
    let v = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&x)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(v["files"][0]["status"], "rejected", "{v}");
    assert!(v["files"][0]["error"].as_str().unwrap().contains("DOCTYPE"));
}

#[test]
fn every_corpus_schedule_file_is_read() {
    let Some(corpus) = std::env::var_os("AECOS_CORPUS").map(PathBuf::from) else {
        eprintln!("AECOS_CORPUS is not set: skipping the corpus test");
        return;
    };
    let mut n = 0;
    for sub in ["xer", "mspdi", "p6-pmxml"] {
        for e in std::fs::read_dir(corpus.join(sub)).unwrap().flatten() {
            let v = inspect(&e.path());
            assert!(
                v["projects"].as_array().is_some_and(|p| !p.is_empty()),
                "{}: {v}",
                e.path().display()
            );
            n += 1;
        }
    }
    assert_eq!(n, 18 + 30 + 6);
}

#[test]
fn approving_a_held_update_never_overwrites_later_local_edits() {
    let (t, dir) = project();
    aecos(&dir)
        .args([
            "integrate",
            "data-flow",
            "p6",
            "--data-type",
            "schedule",
            "--pull",
            "requires_approval",
        ])
        .assert()
        .success();
    let v = json(
        &aecos(&dir)
            .args(["import"])
            .arg(t.path().join("update.xer"))
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(v["files"][0]["status"], "held", "{v}");
    let id = v["files"][0]["pending_id"].as_str().unwrap().to_string();
    let acts = dir.join("records/schedule/activities.csv");
    let edited = std::fs::read_to_string(&acts).unwrap().replacen(
        "Notice to proceed",
        "Notice to proceed (edited)",
        1,
    );
    std::fs::write(&acts, &edited).unwrap();
    let out = aecos(&dir).args(["approve", &id]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed since exchange"));
    assert_eq!(
        std::fs::read_to_string(&acts).unwrap(),
        edited,
        "the local edit survives"
    );
}

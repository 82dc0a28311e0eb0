//! Integration tests: the real `aecos` binary on copies of the sample project and on
//! the shared corpus (when AECOS_CORPUS is set).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic")
}

/// A fresh copy of the sample project.
fn project() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("proj");
    aecos::demo::copy_project(&sample(), &dir).unwrap();
    (t, dir)
}

fn aecos(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("aecos").unwrap();
    c.env("AECOS_PROJECT", dir).env("AECOS_ACTOR", "test");
    c
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// The file of `dir` whose name ends with `suffix`.
fn find_file(dir: &Path, suffix: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {}", dir.display()))
}

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("AECOS_CORPUS") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            eprintln!("AECOS_CORPUS is not set: skipping the corpus test");
            None
        }
    }
}

#[test]
fn export_g703_writes_three_files_and_a_manifest_then_reports_unchanged() {
    let (_t, dir) = project();
    let out = aecos(&dir)
        .args(["export", "g703", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["status"], "written");
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for f in files {
        let p = dir.join(f["path"].as_str().unwrap());
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(
            aecos::audit::sha256_hex(&bytes),
            f["sha256"].as_str().unwrap()
        );
        assert!(p.starts_with(dir.join("outbox/aia")));
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join(v["manifest"].as_str().unwrap())).unwrap())
            .unwrap();
    assert_eq!(manifest["outputs"].as_array().unwrap().len(), 3);
    assert!(manifest["sources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["path"] == "records/sov.csv"));
    assert_eq!(manifest["audit"].as_array().unwrap().len(), 3);
    assert_eq!(manifest["mapping"]["id"], "aia-g703");
    // Again: unchanged, nothing new in the audit log.
    let log_before = std::fs::read(dir.join("audit/audit.jsonl")).unwrap();
    let again = json(
        &aecos(&dir)
            .args(["export", "g703", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(again["status"], "unchanged");
    assert_eq!(again["files"], v["files"]);
    assert_eq!(
        std::fs::read(dir.join("audit/audit.jsonl")).unwrap(),
        log_before
    );
}

#[test]
fn export_is_byte_identical_across_projects_and_runs() {
    let (_a, d1) = project();
    let (_b, d2) = project();
    let v1 = json(
        &aecos(&d1)
            .args(["export", "g703", "--json"])
            .output()
            .unwrap(),
    );
    let v2 = json(
        &aecos(&d2)
            .args(["export", "g703", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        v1["files"], v2["files"],
        "same inputs must give the same bytes, PDF included"
    );
}

#[test]
fn golden_g702_and_g703_of_the_sample_project() {
    let (_t, dir) = project();
    for period in ["2026-02", "2026-03", "2026-04", "2026-05"] {
        let out = tempfile::tempdir().unwrap();
        let st = aecos(&dir)
            .args(["export", "g703", "--period", period, "--out"])
            .arg(out.path())
            .assert()
            .success();
        drop(st);
        let mut names: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        for n in names.iter().filter(|n| n.ends_with(".csv")) {
            let text = std::fs::read_to_string(out.path().join(n)).unwrap();
            insta::assert_snapshot!(n.clone(), text);
        }
        // The PDF is pinned by its hash (its text and layout are checked in aia_pdf's tests
        // and by scripts/interop.sh with pypdf).
        let pdf = names.iter().find(|n| n.ends_with(".pdf")).unwrap();
        let sha = aecos::audit::sha256_hex(&std::fs::read(out.path().join(pdf)).unwrap());
        insta::assert_snapshot!(format!("{pdf}.sha256"), sha);
    }
}

#[test]
fn current_pay_application_totals_tie_out() {
    let (_t, dir) = project();
    let out = tempfile::tempdir().unwrap();
    aecos(&dir)
        .args(["export", "g703", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let g703 = std::fs::read_to_string(find_file(out.path(), "_G703.csv")).unwrap();
    let g702 = std::fs::read_to_string(find_file(out.path(), "_G702.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(g703.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "item_no",
            "description",
            "scheduled_value",
            "from_previous",
            "this_period",
            "materials_stored",
            "completed_and_stored",
            "percent_complete",
            "balance_to_finish",
            "retainage"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let dec = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    let (total, lines) = rows.split_last().unwrap();
    assert_eq!(&total[0], "TOTAL");
    assert!(lines.len() >= 45, "SOV lines plus change-order lines");
    for col in [2, 3, 4, 5, 6, 8, 9] {
        let sum: rust_decimal::Decimal = lines.iter().map(|r| dec(&r[col])).sum();
        assert_eq!(sum, dec(&total[col]), "column {col}");
    }
    for r in lines {
        assert_eq!(
            dec(&r[3]) + dec(&r[4]) + dec(&r[5]),
            dec(&r[6]),
            "D+E+F=G on {}",
            &r[0]
        );
        assert_eq!(dec(&r[2]) - dec(&r[6]), dec(&r[8]), "C-G=H on {}", &r[0]);
    }
    let g: std::collections::BTreeMap<String, rust_decimal::Decimal> =
        csv::Reader::from_reader(g702.as_bytes())
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), dec(&r[2]))
            })
            .collect();
    let order: Vec<String> = csv::Reader::from_reader(g702.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .take(11)
        .collect();
    assert_eq!(
        order,
        ["1", "2", "3", "4", "5a", "5b", "5", "6", "7", "8", "9"]
    );
    assert_eq!(g["3"], dec(&total[2]));
    assert_eq!(g["4"], dec(&total[6]));
    assert_eq!(g["5"], dec(&total[9]));
    assert_eq!(g["1"] + g["2"], g["3"]);
    assert_eq!(g["5a"] + g["5b"], g["5"]);
    assert_eq!(g["4"] - g["5"], g["6"]);
    assert_eq!(g["6"] - g["7"], g["8"]);
    assert_eq!(g["3"] - g["6"], g["9"]);
    assert_eq!(g["CO-net"], g["2"]);
    assert_eq!(g["CO-total-add"] - g["CO-total-ded"], g["CO-net"]);
    // Line 7 is the previous certificate's line 6.
    let prev = tempfile::tempdir().unwrap();
    aecos(&dir)
        .args(["export", "g703", "--period", "2026-04", "--out"])
        .arg(prev.path())
        .assert()
        .success();
    let pg702 = find_file(prev.path(), "_G702.csv");
    let line6: rust_decimal::Decimal = csv::Reader::from_path(pg702)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[0] == "6")
        .map(|r| dec(&r[2]))
        .unwrap();
    assert_eq!(g["7"], line6);
}

#[test]
fn inconsistent_records_are_refused_before_writing() {
    let (_t, dir) = project();
    // Bill more than the scheduled value of a line in the current period.
    let p = dir.join("records/pay_apps/PA-004.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    v["lines"][0]["this_period"] = Value::String("99999999.00".into());
    std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let out = aecos(&dir).args(["export", "g703"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("99999999.00") && err.contains("outside the scheduled value"),
        "{err}"
    );
    assert!(!dir.join("outbox/aia").exists(), "nothing may be written");
}

#[test]
fn a_bad_record_names_file_line_and_field() {
    let (_t, dir) = project();
    let p = dir.join("records/change_orders/CO-002.json");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("\"Executed\"", "\"Approved-ish\"");
    std::fs::write(&p, text).unwrap();
    let out = aecos(&dir).args(["export", "g703"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CO-002.json:")
            && err.contains("field `status`")
            && err.contains("Approved-ish"),
        "{err}"
    );
}

#[test]
fn blocked_rule_writes_nothing_and_approval_holds_until_approved() {
    let (_t, dir) = project();
    aecos(&dir)
        .args([
            "integrate",
            "data-flow",
            "aia",
            "--data-type",
            "pay_application",
            "--push",
            "blocked",
        ])
        .assert()
        .success();
    let out = aecos(&dir).args(["export", "g703"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("blocked"));
    assert!(!dir.join("outbox/aia").exists());

    aecos(&dir)
        .args([
            "integrate",
            "data-flow",
            "aia",
            "--data-type",
            "pay_application",
            "--push",
            "requires_approval",
        ])
        .assert()
        .success();
    let v = json(
        &aecos(&dir)
            .args(["export", "g703", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["status"], "held");
    let id = v["pending_id"].as_str().unwrap().to_string();
    assert!(
        !dir.join("outbox/aia").exists(),
        "held output is not in the outbox"
    );
    let listed = json(
        &aecos(&dir)
            .args(["approve", "--list", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(listed[0]["id"], id.as_str());
    let a = json(
        &aecos(&dir)
            .args(["approve", &id, "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(a["status"], "approved");
    for f in v["files"].as_array().unwrap() {
        let bytes = std::fs::read(dir.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(
            aecos::audit::sha256_hex(&bytes),
            f["sha256"].as_str().unwrap()
        );
    }
    aecos(&dir).args(["audit", "verify"]).assert().success();
    let log = std::fs::read_to_string(dir.join("audit/audit.jsonl")).unwrap();
    assert_eq!(log.matches("\"rule_change\"").count(), 2);
    assert_eq!(log.matches("\"held\"").count(), 3);
    assert_eq!(log.matches("\"approve\"").count(), 3);
}

#[test]
fn import_moves_the_file_and_is_idempotent() {
    let (_t, dir) = project();
    let src = dir
        .join("inbox")
        .read_dir()
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("procore_invoice"))
        .expect("sample inbox has a Procore G703 CSV");
    let name = src.file_name().unwrap().to_owned();
    let copy = std::fs::read(&src).unwrap();
    let v = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&src)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(v["files"][0]["status"], "applied", "{v}");
    assert!(dir.join("inbox/processed").join(&name).is_file());
    assert!(!src.exists());
    let record = dir.join(v["files"][0]["record"].as_str().unwrap());
    let rec_bytes = std::fs::read(&record).unwrap();
    let snapshot = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = walkdir::WalkDir::new(d.join("records"))
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = snapshot(&dir);
    // Drop the same file again: nothing in the project changes.
    std::fs::write(&src, &copy).unwrap();
    let v2 = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&src)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(v2["files"][0]["status"], "unchanged");
    assert_eq!(snapshot(&dir), before);
    assert_eq!(std::fs::read(&record).unwrap(), rec_bytes);
    assert_eq!(
        std::fs::read(dir.join("inbox/processed").join(&name)).unwrap(),
        copy
    );
    aecos(&dir).args(["audit", "verify"]).assert().success();
}

#[test]
fn a_bad_import_is_rejected_with_a_report_and_kept() {
    let (_t, dir) = project();
    let bad = "Item No,Description of Work,Scheduled Value,Work Completed (Previous),Work Completed (This Period),Materials Presently Stored,Total Completed & Stored to Date,Percent Complete,Balance to Finish\n1,Site,1000,100,100,0,250,25%,750\n";
    std::fs::write(dir.join("inbox/bad.csv"), bad).unwrap();
    std::fs::write(
        dir.join("inbox/latin1.csv"),
        b"Item No,Description\n1,Caf\xe9\n",
    )
    .unwrap();
    std::fs::write(dir.join("inbox/truncated.csv"), "Item No,Description of Work,Scheduled Value,Work Completed (Previous),Work Completed (This Period),Materials Presently Stored,Total Completed & Stored to Date,Percent Complete,Balance to Finish\n1,Site,1000,100\n").unwrap();
    let out = aecos(&dir).args(["import", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    let v = json(&out);
    let by = |n: &str| {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"].as_str().unwrap().ends_with(n))
            .unwrap()
            .clone()
    };
    assert_eq!(by("bad.csv")["status"], "rejected");
    assert!(
        by("bad.csv")["error"].as_str().unwrap().contains(":2"),
        "names the line: {}",
        by("bad.csv")["error"]
    );
    assert!(by("latin1.csv")["error"]
        .as_str()
        .unwrap()
        .contains("not UTF-8"));
    assert!(by("truncated.csv")["error"]
        .as_str()
        .unwrap()
        .contains("fields"));
    for n in ["bad.csv", "latin1.csv", "truncated.csv"] {
        assert!(dir.join("inbox/rejected").join(n).is_file(), "{n} kept");
        let report =
            std::fs::read_to_string(dir.join("inbox/rejected").join(format!("{n}.error.txt")))
                .unwrap();
        assert!(report.contains("what to do:"), "{report}");
    }
    assert!(
        !dir.join("records/pulled/spreadsheet").exists(),
        "nothing half-applied"
    );
    aecos(&dir).args(["audit", "verify"]).assert().success();
}

#[test]
fn procore_g703_from_the_corpus_imports_and_retotals() {
    let Some(corpus) = corpus() else { return };
    let file = corpus.join("sov/procore_g703_continuation_invoice.csv");
    let (_t, dir) = project();
    let drop = dir.join("inbox/procore_invoice.csv");
    std::fs::copy(&file, &drop).unwrap();
    let v = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&drop)
            .arg("--json")
            .output()
            .unwrap(),
    );
    let f = &v["files"][0];
    assert_eq!(f["status"], "applied", "{v}");
    assert_eq!(f["format"], "procore-g703-import");
    // Totals re-computed from the file's 77 lines (checked independently with Python's decimal).
    let t = &f["totals"];
    assert_eq!(t["lines"], 77);
    assert_eq!(t["scheduled_value"], "1444967.41");
    assert_eq!(t["from_previous"], "1220936.34");
    assert_eq!(t["this_period"], "224031.07");
    assert_eq!(t["completed_and_stored"], "1444967.41");
    assert_eq!(t["balance_to_finish"], "0.0");
    let rec: Value =
        serde_json::from_slice(&std::fs::read(dir.join(f["record"].as_str().unwrap())).unwrap())
            .unwrap();
    assert_eq!(rec["lines"].as_array().unwrap().len(), 77);
    assert_eq!(rec["lines"][68]["scheduled_value"], "-5267.0");
    assert_eq!(rec["lines"][12]["cost_code"], "55-0050");
    // The PayAppPro spreadsheet example too. Its G702 summary JSON covers items 1-10 and
    // agrees with the lines on C, D and F — but its "this period" total (100,000) is not
    // the sum of its own lines (109,000), so its G and retainage are 9,000 / 900 short.
    // Re-totalling catches exactly that: we agree with the lines, not with the summary.
    let pp = dir.join("inbox/pp.csv");
    std::fs::copy(
        corpus.join("sov/payapppro_g703-continuation-sheet-example.csv"),
        &pp,
    )
    .unwrap();
    let v = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&pp)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(v["files"][0]["status"], "applied", "{v}");
    let summary: Value = serde_json::from_slice(
        &std::fs::read(corpus.join("sov/payapppro_g702-summary-totals-example.json")).unwrap(),
    )
    .unwrap();
    let n = |v: &Value| {
        v.as_str()
            .map(|s| s.parse::<rust_decimal::Decimal>().unwrap())
            .unwrap_or_else(|| rust_decimal::Decimal::from(v.as_i64().unwrap()))
    };
    let rec: Value = serde_json::from_slice(
        &std::fs::read(dir.join(v["files"][0]["record"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    let first10 = |k: &str| -> rust_decimal::Decimal {
        rec["lines"].as_array().unwrap()[..10]
            .iter()
            .map(|l| n(&l[k]))
            .sum()
    };
    let st = &summary["totals"];
    assert_eq!(first10("scheduled_value"), n(&st["scheduled_value_total"]));
    assert_eq!(
        first10("from_previous"),
        n(&st["work_completed_previous_total"])
    );
    assert_eq!(
        first10("materials_stored"),
        n(&st["materials_presently_stored_total"])
    );
    assert_eq!(first10("this_period"), rust_decimal::Decimal::from(109_000));
    assert_ne!(
        first10("this_period"),
        n(&st["work_completed_this_period_total"])
    );
    assert_eq!(
        first10("completed_and_stored"),
        rust_decimal::Decimal::from(259_000)
    );
    assert_eq!(
        first10("scheduled_value") - first10("completed_and_stored"),
        first10("balance_to_finish")
    );
    assert_eq!(first10("retainage"), rust_decimal::Decimal::from(25_900));
}

#[test]
fn our_g703_reimports_with_the_same_totals() {
    let (_t, dir) = project();
    let v = json(
        &aecos(&dir)
            .args(["export", "g703", "--json"])
            .output()
            .unwrap(),
    );
    let csv = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["format"] == "g703-csv")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    let drop = dir.join("inbox/ours.csv");
    std::fs::copy(dir.join(&csv), &drop).unwrap();
    let r = json(
        &aecos(&dir)
            .args(["import"])
            .arg(&drop)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(r["files"][0]["format"], "aecos-g703-import");
    assert_eq!(
        r["files"][0]["totals"]["completed_and_stored"],
        v["summary"]["completed_and_stored"]
    );
    assert_eq!(
        r["files"][0]["totals"]["retainage"],
        v["summary"]["retainage"]
    );
}

#[test]
fn audit_verify_detects_every_kind_of_tampering() {
    let (_t, dir) = project();
    aecos(&dir)
        .args(["export", "g703", "--period", "2026-04"])
        .assert()
        .success();
    aecos(&dir).args(["export", "g703"]).assert().success();
    aecos(&dir).args(["audit", "verify"]).assert().success();
    let log = dir.join("audit/audit.jsonl");
    let orig = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = orig.lines().collect();
    assert_eq!(lines.len(), 6);
    let check = |text: String, what: &str, expect: &str| {
        std::fs::write(&log, text).unwrap();
        let out = aecos(&dir)
            .args(["audit", "verify", "--json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(6), "{what} must fail verification");
        let v = json(&out);
        assert_eq!(v["intact"], false);
        let first = &v["problems"][0];
        assert!(first.to_string().contains(expect), "{what}: {first}");
        std::fs::write(&log, &orig).unwrap();
    };
    let join = |v: Vec<&str>| v.join("\n") + "\n";
    check(
        orig.replacen("\"written\"", "\"rejected\"", 1),
        "edit",
        "\"line\":1",
    );
    let mut del = lines.clone();
    del.remove(2);
    check(join(del), "deletion", "\"seq\":3");
    let mut sw = lines.clone();
    sw.swap(1, 2);
    check(join(sw), "reordering", "Reordered");
    check(join(lines[..4].to_vec()), "truncation", "Truncated");
    aecos(&dir).args(["audit", "verify"]).assert().success();
}

#[test]
fn mappings_validate_and_test_and_errors_point_at_file_line_col() {
    let (_t, dir) = project();
    let v = json(
        &aecos(&dir)
            .args(["mappings", "test", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["failed"], 0, "{v}");
    assert!(v["passed"].as_u64().unwrap() >= 9);
    let mdir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/aia-g703.toml"),
    )
    .unwrap();
    let cases = [
        (
            "syntax",
            good.replacen("[models.header]", "[models.header", 1),
            "aia-g703.toml:",
        ),
        (
            "unknown field",
            good.replacen("fields.owner =", "fields.ownr =", 1),
            "has no field `ownr`",
        ),
        (
            "bad expression",
            good.replacen("concat(line.description", "concat(line.description +", 1),
            "aia-g703.toml:23:106",
        ),
        (
            "type mismatch",
            good.replacen(
                "is_null(line.change_order)",
                "upper(line.scheduled_value) == \"X\"",
                1,
            ),
            "expects text",
        ),
        (
            "unknown key",
            good.replacen(
                "required = true }\nfields.description",
                "requird = true }\nfields.description",
                1,
            ),
            "unknown field `requird`",
        ),
    ];
    for (what, text, expect) in cases {
        std::fs::write(mdir.path().join("aia-g703.toml"), &text).unwrap();
        let out = aecos(&dir)
            .args(["mappings", "validate"])
            .arg(mdir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{what}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{what}: {err}");
        assert!(err.contains("hint:"), "{what}: {err}");
    }
    // A failing mapping test is reported with its file and line, and exits 1.
    std::fs::write(
        mdir.path().join("aia-g703.toml"),
        good.replacen(
            "expect = { item_no = \"03-300\"",
            "expect = { item_no = \"03-301\"",
            1,
        ),
    )
    .unwrap();
    let out = aecos(&dir)
        .args(["mappings", "test"])
        .arg(mdir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("aia-g703.toml:") && s.contains("03-301"), "{s}");
}

#[test]
fn the_project_copy_of_a_mapping_wins() {
    let (_t, dir) = project();
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/aia-g703.toml"),
    )
    .unwrap();
    let mine = good.replace(
        "fields.item_no = { from = \"item_no\", required = true }",
        "fields.item_no = { expr = 'concat(\"RCC-\", line.item_no)', required = true }",
    );
    std::fs::create_dir_all(dir.join("mappings")).unwrap();
    std::fs::write(
        dir.join("mappings/aia-g703.toml"),
        mine.replace(
            "expect = { item_no = \"03-300\"",
            "expect = { item_no = \"RCC-03-300\"",
        )
        .replace(
            "expect = { item_no = \"CO-002.1\"",
            "expect = { item_no = \"RCC-CO-002.1\"",
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    aecos(&dir)
        .args(["export", "g703", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let g703 = find_file(out.path(), "_G703.csv");
    let text = std::fs::read_to_string(g703).unwrap();
    assert!(text.contains("\nRCC-01-100,"), "{}", &text[..300]);
}

#[test]
fn demo_runs_end_to_end_without_touching_the_repository() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("demo");
    let tracked = std::fs::read(sample().join("records/pay_apps/PA-004.json")).unwrap();
    let out = Command::cargo_bin("aecos")
        .unwrap()
        .args(["demo", "--json", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["audit_intact"], true);
    assert!(v["elements"].as_u64().unwrap() >= 100);
    let targets: Vec<&str> = v["exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "g703",
            "xer",
            "mspdi",
            "ifc",
            "procore-budget",
            "qb-iif",
            "reconcile"
        ]
    );
    assert!(v["exports"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["status"] == "written"));
    let imports = v["import"]["files"].as_array().unwrap();
    assert_eq!(
        imports.len(),
        5,
        "the architect's model, the ERP actuals (CSV, then the corrected XLSX), the Procore G703 and the P6 update"
    );
    assert!(
        imports.iter().all(|f| f["status"] == "applied"),
        "{imports:?}"
    );
    let by_name = |name: &str| {
        imports
            .iter()
            .find(|f| f["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not imported: {imports:?}"))
            .clone()
    };
    // The architect's revision, pulled for the first time (nothing is removed without an
    // earlier version): a new wall, and three changed elements, among them the door and
    // window AEC OS keeps under hex ids, matched through the GUID map the IFC export wrote.
    let model = by_name("architect_model_2026-06-26.ifc")["model"].clone();
    assert_eq!(
        (
            model["added"].as_array().unwrap().len(),
            model["removed"].as_array().unwrap().len(),
            model["changed"].as_array().unwrap().len()
        ),
        (1, 0, 3),
        "{model}"
    );
    // The corrected re-export replaces the month the CSV brought, and says how.
    let month = |i: usize| {
        by_name(
            [
                "erp_actual_costs_2026-05.csv",
                "erp_actual_costs_2026-05_corrected.xlsx",
            ][i],
        )["actual_costs"][0]
            .clone()
    };
    assert_eq!(month(0)["status"], "added", "{imports:?}");
    assert_eq!(month(1)["status"], "replaced");
    assert_eq!(month(1)["added"], serde_json::json!(["JC-26050019"]));
    assert_eq!(month(1)["removed"], serde_json::json!(["JC-26050006"]));
    assert_eq!(month(1)["changed"], serde_json::json!(["JC-26050005"]));
    assert_eq!(
        std::fs::read(sample().join("records/pay_apps/PA-004.json")).unwrap(),
        tracked
    );
    assert!(
        !sample().join("outbox").exists()
            || std::fs::read_dir(sample().join("outbox")).unwrap().count() == 0
    );
    // A second run replaces its own earlier copy; a foreign folder is refused.
    Command::cargo_bin("aecos")
        .unwrap()
        .args(["demo", "--dir"])
        .arg(&dir)
        .assert()
        .success();
    let foreign = t.path().join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("keep.txt"), "x").unwrap();
    Command::cargo_bin("aecos")
        .unwrap()
        .args(["demo", "--dir"])
        .arg(&foreign)
        .assert()
        .failure();
    assert!(foreign.join("keep.txt").exists());
}

#[test]
fn an_import_held_for_approval_applies_only_when_approved() {
    let (_t, dir) = project();
    aecos(&dir)
        .args([
            "integrate",
            "data-flow",
            "procore",
            "--data-type",
            "pay_application",
            "--pull",
            "requires_approval",
        ])
        .assert()
        .success();
    for other in [
        "architect_model_2026-06-26.ifc",
        "p6_update_2026-06-26.xer",
        "erp_actual_costs_2026-05.csv",
        "erp_actual_costs_2026-05_corrected.xlsx",
    ] {
        std::fs::remove_file(dir.join("inbox").join(other)).unwrap();
    }
    let v = json(&aecos(&dir).args(["import", "--json"]).output().unwrap());
    let f = &v["files"][0];
    assert_eq!(f["status"], "held", "{v}");
    let id = f["pending_id"].as_str().unwrap().to_string();
    let record = dir.join(f["record"].as_str().unwrap());
    assert!(!record.exists(), "nothing applied before approval");
    assert!(
        dir.join(f["moved_to"].as_str().unwrap()).is_file(),
        "the source waits in inbox/pending"
    );
    // Importing the inbox again does not pick the held file up twice.
    let again = json(&aecos(&dir).args(["import", "--json"]).output().unwrap());
    assert_eq!(again["files"].as_array().unwrap().len(), 0);
    aecos(&dir).args(["approve", &id]).assert().success();
    assert!(record.is_file());
    assert!(dir
        .join("inbox/processed/procore_invoice_PA-003_2026-04.csv")
        .is_file());
    assert!(!dir.join("integration/pending").join(&id).exists());
    aecos(&dir).args(["audit", "verify"]).assert().success();
    // Blocked pulls write nothing and leave the file where it was.
    aecos(&dir)
        .args([
            "integrate",
            "data-flow",
            "procore",
            "--data-type",
            "pay_application",
            "--pull",
            "blocked",
        ])
        .assert()
        .success();
    std::fs::copy(
        dir.join("inbox/processed/procore_invoice_PA-003_2026-04.csv"),
        dir.join("inbox/again.csv"),
    )
    .unwrap();
    let out = aecos(&dir).args(["import"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(dir.join("inbox/again.csv").is_file());
}

#[test]
fn a_relative_out_folder_is_relative_to_the_working_directory() {
    let (t, dir) = project();
    let cwd = t.path().join("here");
    std::fs::create_dir_all(&cwd).unwrap();
    aecos(&dir)
        .current_dir(&cwd)
        .args(["export", "g703", "--out", "drops"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_dir(cwd.join("drops")).unwrap().count(),
        4,
        "three drop files and the manifest"
    );
    assert!(!dir.join("drops").exists());
}

#[test]
fn export_ifc_in_every_schema_with_guid_map_and_manifest() {
    let (_t, dir) = project();
    for schema in ["IFC2X3", "IFC4", "IFC4X3_ADD2"] {
        let out = aecos(&dir)
            .args(["export", "ifc", "--schema", schema, "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json(&out);
        assert_eq!(v["status"], "written");
        assert_eq!(v["summary"]["schema"], schema);
        assert_eq!(v["summary"]["elements"], 172);
        assert_eq!(v["summary"]["minted_guids"], 114);
        let model = dir.join(format!("outbox/ifc/RCC-2026-014_{schema}_model.ifc"));
        let text = std::fs::read_to_string(&model).unwrap();
        assert!(text.starts_with("ISO-10303-21;\nHEADER;\n"));
        assert!(text.contains(&format!("FILE_SCHEMA(('{schema}'));")));
        assert!(text.is_ascii());
        let map: Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("outbox/ifc/RCC-2026-014_{schema}_guid-map.json")))
                .unwrap(),
        )
        .unwrap();
        let entries = map["elements"].as_array().unwrap();
        assert_eq!(entries.len(), 172);
        for e in entries {
            let g = e["ifc_guid"].as_str().unwrap();
            assert!(text.contains(&format!("('{g}',#5,")), "{g} in the model");
        }
        let manifest: Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("outbox/ifc/RCC-2026-014_{schema}.manifest.json")))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(manifest["schema"], schema);
        assert!(manifest["sources"].as_array().unwrap().len() > 172 * 4);
        // Same data, same bytes: the second export reports unchanged.
        let again = json(
            &aecos(&dir)
                .args(["export", "ifc", "--schema", schema, "--json"])
                .output()
                .unwrap(),
        );
        assert_eq!(again["status"], "unchanged");
    }
    // An edited element changes the model.
    let meta = dir.join("elements/element_06otpAnynDTuYytLZfh0b6/metadata.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(
        &meta,
        text.replace(
            "Exterior Wall EW-1 Level 1",
            "Exterior Wall EW-1 L1 (edited)",
        ),
    )
    .unwrap();
    let v = json(
        &aecos(&dir)
            .args(["export", "ifc", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["status"], "written");
    let model =
        std::fs::read_to_string(dir.join("outbox/ifc/RCC-2026-014_IFC4_model.ifc")).unwrap();
    assert!(model.contains("'Exterior Wall EW-1 L1 (edited)'"));
}

#[test]
fn export_ifc_refuses_bad_schema_bad_data_and_blocked_rules() {
    let (_t, dir) = project();
    let out = aecos(&dir)
        .args(["export", "ifc", "--schema", "IFC5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("IFC2X3, IFC4 or IFC4X3_ADD2"));

    let psets = dir.join("elements/element_06otpAnynDTuYytLZfh0b6/properties/psets.json");
    let good = std::fs::read_to_string(&psets).unwrap();
    std::fs::write(
        &psets,
        good.replacen("\"IsExternal\": true", "\"IsExternal\": \"sometimes\"", 1),
    )
    .unwrap();
    let out = aecos(&dir).args(["export", "ifc"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("psets.json") && err.contains("Pset_WallCommon.IsExternal"),
        "{err}"
    );
    assert!(!dir.join("outbox/ifc").exists(), "nothing written");
    std::fs::write(&psets, good).unwrap();

    aecos(&dir)
        .args([
            "integrate",
            "data-flow",
            "ifc",
            "--data-type",
            "model",
            "--push",
            "blocked",
        ])
        .assert()
        .success();
    let out = aecos(&dir).args(["export", "ifc"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(!dir.join("outbox/ifc").exists());
}

/// Our own IFC export, read back by our own IFC reader and pulled as a model version, in
/// each schema: nothing changes (IFC2X3's substitute classes included), then an edited
/// copy changes exactly what was edited.
#[test]
fn pulling_our_own_ifc_export_changes_nothing() {
    for schema in ["IFC2X3", "IFC4", "IFC4X3_ADD2"] {
        let (_t, dir) = project();
        for f in std::fs::read_dir(dir.join("inbox")).unwrap() {
            let p = f.unwrap().path();
            if p.is_file() {
                std::fs::remove_file(p).unwrap();
            }
        }
        let out = aecos(&dir)
            .args(["export", "ifc", "--schema", schema, "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ifc = std::fs::read_dir(dir.join("outbox/ifc"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "ifc"))
            .unwrap();
        let text = std::fs::read_to_string(&ifc).unwrap();
        std::fs::write(dir.join("inbox/model.ifc"), &text).unwrap();
        let v = json(&aecos(&dir).args(["import", "--json"]).output().unwrap());
        let m = &v["files"][0]["model"];
        // Applied: the first pull records the model as the base for the next one.
        assert_eq!(v["files"][0]["status"], "applied", "{schema}: {v}");
        assert_eq!(m["unchanged"], 172, "{schema}: {m}");
        assert_eq!(m["changed"], serde_json::json!([]), "{schema}: {m}");
        assert_eq!(m["added"], serde_json::json!([]), "{schema}: {m}");
        // Rename one wall in the model: exactly that name changes in its folder.
        let edited = text.replacen(
            "'Exterior Wall EW-1 Level 1'",
            "'Exterior Wall EW-1 L1 revised'",
            1,
        );
        assert_ne!(edited, text, "{schema}: the wall is in the export");
        std::fs::write(dir.join("inbox/model2.ifc"), edited).unwrap();
        let v = json(&aecos(&dir).args(["import", "--json"]).output().unwrap());
        let m = &v["files"][0]["model"];
        assert_eq!(v["files"][0]["status"], "applied", "{schema}: {v}");
        let changed = m["changed"].as_array().unwrap();
        assert_eq!(changed.len(), 1, "{schema}: {m}");
        assert_eq!(
            changed[0]["fields"],
            serde_json::json!(["name"]),
            "{schema}: {m}"
        );
        let meta = std::fs::read_to_string(
            dir.join("elements/element_06otpAnynDTuYytLZfh0b6/metadata.json"),
        )
        .unwrap();
        assert!(
            meta.contains("Exterior Wall EW-1 L1 revised"),
            "{schema}: {meta}"
        );
    }
}

#[test]
fn the_heap_tuning_restart_keeps_arguments_output_and_exit_codes() {
    let (_dir, root) = project();
    let run = |tunables: Option<&str>, args: &[&str]| {
        let mut cmd = aecos(&root);
        cmd.env_remove("AECOS_HEAP_TUNED").args(args);
        match tunables {
            // The user's own tunables: aecos must not restart.
            Some(t) => cmd.env("GLIBC_TUNABLES", t),
            None => cmd.env_remove("GLIBC_TUNABLES"),
        };
        cmd.output().expect("run aecos")
    };
    let xer = root.join("inbox/p6_update_2026-06-26.xer");
    let missing = root.join("inbox/missing file.xer");
    for args in [
        vec!["inspect", xer.to_str().expect("utf-8 path"), "--json"],
        vec!["inspect", missing.to_str().expect("utf-8 path"), "--json"],
    ] {
        let restarted = run(None, &args);
        let untouched = run(Some("glibc.malloc.check=0"), &args);
        assert_eq!(restarted.status.code(), untouched.status.code(), "{args:?}");
        assert_eq!(restarted.stdout, untouched.stdout, "{args:?}");
        assert_eq!(restarted.stderr, untouched.stderr, "{args:?}");
    }
    assert!(run(None, &["inspect", "nothing.xer"]).status.code() != Some(0));
}

/// The restarted process really runs with aecos's tunables: `inspect` of a named pipe
/// waits for a writer, so its environment can be read from /proc meanwhile.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_restarted_process_runs_with_the_heap_tunables() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("wait.xer");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils) runs");
    assert!(made.success());
    let bin = assert_cmd::cargo::cargo_bin("aecos");
    let mut child = std::process::Command::new(bin)
        .args(["inspect", fifo.to_str().unwrap(), "--json"])
        .env_remove("GLIBC_TUNABLES")
        .env_remove("AECOS_HEAP_TUNED")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let environ = format!("/proc/{}/environ", child.id());
    // glibc's loader may shorten GLIBC_TUNABLES in place once it has read it, so the
    // value seen is a non-empty start of ours.
    let want = format!("GLIBC_TUNABLES={}", aecos::heap::TUNABLES);
    let ours = |v: &[u8]| v.len() > "GLIBC_TUNABLES=".len() && want.as_bytes().starts_with(v);
    let mut seen = false;
    for _ in 0..500 {
        let env = std::fs::read(&environ).unwrap_or_default();
        let vars: Vec<&[u8]> = env.split(|&b| b == 0).collect();
        if vars.contains(&&b"AECOS_HEAP_TUNED=1"[..])
            && vars
                .iter()
                .any(|v| v.starts_with(b"GLIBC_TUNABLES=") && ours(v))
        {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Let the reader go: a writer opens the pipe and closes it at once.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .unwrap()
        .flush()
        .unwrap();
    child.wait().unwrap();
    assert!(seen, "the restarted aecos does not run with {want}");
}

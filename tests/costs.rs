//! Cost exports on copies of the sample project: golden drop files, Procore layouts
//! against the corpus templates (when AECOS_CORPUS is set), refusals that list the
//! offending rows, and formula-injection neutralisation end to end.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic")
}

/// A copy of the sample project where change orders may be pushed to Procore without
/// approval (the sample holds them for approval).
fn project() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("proj");
    aecos::demo::copy_project(&sample(), &dir).unwrap();
    aecos(&dir)
        .args([
            "integrate",
            "data-flow",
            "procore",
            "--data-type",
            "change_order",
            "--push",
            "allowed",
        ])
        .assert()
        .success();
    (t, dir)
}

fn aecos(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("aecos").unwrap();
    c.env("AECOS_PROJECT", dir).env("AECOS_ACTOR", "test");
    c
}

/// Runs `aecos export <target> [args] --out <tmp>` and returns (file name, bytes), sorted.
fn export(dir: &Path, target: &str, args: &[&str]) -> Vec<(String, Vec<u8>)> {
    let out = tempfile::tempdir().unwrap();
    aecos(dir)
        .args(["export", target])
        .args(args)
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".manifest.json"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn edit(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

fn header(bytes: &[u8]) -> Vec<String> {
    let mut r = csv::Reader::from_reader(bytes);
    r.headers().unwrap().iter().map(str::to_string).collect()
}

#[test]
fn golden_procore_drop_files() {
    let (_t, dir) = project();
    for target in [
        "procore-budget",
        "procore-commitments",
        "procore-change-orders",
    ] {
        for (name, bytes) in export(&dir, target, &[]) {
            insta::assert_snapshot!(name, String::from_utf8(bytes).unwrap());
        }
    }
}

#[test]
fn procore_budget_columns_are_the_corpus_template() {
    let Some(root) = std::env::var_os("AECOS_CORPUS") else {
        println!("AECOS_CORPUS is not set: Procore template comparison skipped");
        return;
    };
    use calamine::Reader;
    let path = Path::new(&root).join("procore-csv/procore_budget_import_template.xlsx");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let range = wb.worksheet_range("Budget Line Items").unwrap();
    let template: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let (_t, dir) = project();
    let files = export(&dir, "procore-budget", &[]);
    assert_eq!(header(&files[0].1), template);

    // Change orders: the layout of Procore's own change-order list.
    let co = std::fs::read(
        Path::new(&root).join("procore-csv/procore_prime_contract_change_orders.csv"),
    )
    .unwrap();
    let co = co.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&co);
    let files = export(&dir, "procore-change-orders", &[]);
    assert_eq!(header(&files[0].1), header(co));
}

#[test]
fn unknown_cost_codes_stop_the_export_and_every_row_is_listed() {
    let (_t, dir) = project();
    let co4 = dir.join("records/change_orders/CO-004.json");
    edit(&co4, "\"09 66 00\"", "\"09 66 99\"");
    let co5 = dir.join("records/change_orders/CO-005.json");
    edit(&co5, "\"01 54 00\"", "\"01 54 99\"");
    let out = tempfile::tempdir().unwrap();
    let a = aecos(&dir)
        .args(["export", "procore-change-orders", "--out"])
        .arg(out.path())
        .assert()
        .code(3);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("2 row(s) refused"), "{err}");
    assert!(
        err.contains("CO-004.json:8: field `cost_lines[0]`: cost code \"09 66 99\""),
        "{err}"
    );
    assert!(
        err.contains("CO-005.json:21: field `cost_lines[2]`: cost code \"01 54 99\""),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn procore_budget_refuses_a_mapping_that_breaks_quantity_times_unit_cost() {
    let (_t, dir) = project();
    std::fs::create_dir_all(dir.join("mappings")).unwrap();
    let m = include_str!("../mappings/procore-budget.toml").replace(
        "fields.unit_qty = { expr = 'if(is_null(line.quantity), 1, number(line.quantity))' }",
        "fields.unit_qty = { default = \"2\" }",
    );
    std::fs::write(dir.join("mappings/procore-budget.toml"), m).unwrap();
    let a = aecos(&dir)
        .args(["export", "procore-budget"])
        .assert()
        .code(3);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("budget.csv:2"), "{err}");
    assert!(err.contains("is not the Budget Amount"), "{err}");
}

#[test]
fn text_cells_are_neutralised_numbers_stay_numbers() {
    let (_t, dir) = project();
    let budget = dir.join("records/costs/budget.csv");
    edit(
        &budget,
        "General conditions and project management.Other",
        "\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"",
    );
    let co = dir.join("records/change_orders/CO-006.json");
    edit(&co, "\"Delete exterior bike shelter\"", "\"@SUM(1+1)\"");
    let b = export(&dir, "procore-budget", &[]);
    let text = String::from_utf8(b[0].1.clone()).unwrap();
    assert!(text.contains(",\"'=HYPERLINK("), "{text}");
    let c = export(&dir, "procore-change-orders", &[]);
    let text = String::from_utf8(c[0].1.clone()).unwrap();
    assert!(text.contains(",'@SUM(1+1),"), "{text}");
    // CO-006 deducts: its amount stays a plain negative number.
    let line = text.lines().find(|l| l.starts_with("006,")).unwrap();
    assert!(line.contains(",-"), "{line}");
    assert!(!line.contains("'-"), "{line}");
}

#[test]
fn golden_quickbooks_drop_files() {
    let (_t, dir) = project();
    for target in ["qb-iif", "qbo-invoices", "qbo-journal"] {
        for (name, bytes) in export(&dir, target, &["--period", "2026-04"]) {
            insta::assert_snapshot!(name, String::from_utf8(bytes).unwrap());
        }
    }
}

/// Parses IIF blocks: (TRNS fields, SPL fields...) per transaction.
fn iif_blocks(text: &str) -> Vec<Vec<Vec<String>>> {
    let mut blocks = Vec::new();
    let mut cur: Vec<Vec<String>> = Vec::new();
    for line in text
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('!'))
    {
        let f: Vec<String> = line.split('\t').map(str::to_string).collect();
        match f[0].as_str() {
            "ENDTRNS" => blocks.push(std::mem::take(&mut cur)),
            _ => cur.push(f),
        }
    }
    blocks
}

#[test]
fn every_iif_transaction_balances_and_the_invoice_is_the_current_payment_due() {
    let (_t, dir) = project();
    for period in ["2026-02", "2026-03", "2026-04"] {
        let files = export(&dir, "qb-iif", &["--period", period]);
        let text = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(text.is_ascii());
        let blocks = iif_blocks(&text);
        assert!(blocks.len() > 5, "{period}");
        for b in &blocks {
            let sum: rust_decimal::Decimal = b
                .iter()
                .map(|f| f[7].parse::<rust_decimal::Decimal>().unwrap())
                .sum();
            assert!(sum.is_zero(), "{period}: {b:?}");
            assert_eq!(b[0][0], "TRNS");
            assert!(
                b[0][3].len() == 10 && b[0][3].as_bytes()[2] == b'/',
                "{}",
                b[0][3]
            );
        }
        // The owner invoice is the G702 current payment due of the period.
        let records = aecos::project::records::Records::load(&dir).unwrap();
        let pa = aecos::payapp::select(&records, Some(period)).unwrap();
        let app = aecos::payapp::compute(&records, pa.application_no).unwrap();
        let inv = blocks.iter().find(|b| b[0][2] == "INVOICE").unwrap();
        assert_eq!(inv[0][7], aecos::money::plain(app.g702.current_payment_due));
    }
}

#[test]
fn names_quickbooks_cannot_read_are_refused_with_the_record_named() {
    let (_t, dir) = project();
    edit(
        &dir.join("records/costs/vendors.csv"),
        "Red Stick Steel Erectors",
        "Red Stick Steel Érecteurs",
    );
    let out = tempfile::tempdir().unwrap();
    let a = aecos(&dir)
        .args(["export", "qb-iif", "--period", "2026-04", "--out"])
        .arg(out.path())
        .assert()
        .code(3);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("SC-003.json"), "{err}");
    assert!(err.contains("plain ASCII"), "{err}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn a_cost_type_without_an_account_stops_the_journal_export() {
    let (_t, dir) = project();
    std::fs::create_dir_all(dir.join("mappings")).unwrap();
    let m = include_str!("../mappings/qbo-journal.toml")
        .replace("\"L\" = \"Job Costs:Direct Labor\"\n", "");
    std::fs::write(dir.join("mappings/qbo-journal.toml"), m).unwrap();
    let a = aecos(&dir)
        .args(["export", "qbo-journal", "--period", "2026-04"])
        .assert()
        .code(3);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("actuals/2026-04.csv:"), "{err}");
    assert!(
        err.contains("`L` is not in lookup table `job_cost_accounts`"),
        "{err}"
    );
}

#[test]
fn golden_sage_drop_files() {
    let (_t, dir) = project();
    for target in ["sage-ap", "sage-jc"] {
        for (name, bytes) in export(&dir, target, &["--period", "2026-04"]) {
            insta::assert_snapshot!(name, String::from_utf8(bytes).unwrap());
        }
    }
}

#[test]
fn sage_ap_retainage_ties_out_to_the_commitment_invoices() {
    let (_t, dir) = project();
    let files = export(&dir, "sage-ap", &["--period", "2026-03"]);
    let mut r = csv::Reader::from_reader(files[0].1.as_slice());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (inv, ret) = (col("Invoice"), col("Retainage"));
    let mut by_invoice = std::collections::BTreeMap::<String, rust_decimal::Decimal>::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        *by_invoice.entry(rec[inv].to_string()).or_default() +=
            rec[ret].parse::<rust_decimal::Decimal>().unwrap();
    }
    let costs = aecos::costs::records::load(&dir).unwrap();
    let mut checked = 0;
    for c in &costs.commitments {
        for i in c
            .invoices
            .iter()
            .filter(|i| i.period_to.month() == time::Month::March)
        {
            assert_eq!(by_invoice[&i.number], i.retainage, "{}", i.number);
            checked += 1;
        }
    }
    assert!(checked >= 5);
}

#[test]
fn a_project_mapping_sets_the_sage_columns() {
    let (_t, dir) = project();
    std::fs::create_dir_all(dir.join("mappings")).unwrap();
    let text = include_str!("../mappings/sage300-jc.toml");
    let start = text.find("columns = [").unwrap();
    let end = start + text[start..].find("]\n").unwrap() + 2;
    let custom = format!(
        "{}columns = [\n  {{ header = \"CostCode\", field = \"cost_code\" }},\n  {{ header = \"Cat\", field = \"category\" }},\n  {{ header = \"Amt\", field = \"amount\" }},\n  {{ header = \"TDate\", field = \"date\" }},\n]\n{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(dir.join("mappings/sage300-jc.toml"), custom).unwrap();
    let files = export(&dir, "sage-jc", &["--period", "2026-04"]);
    let text = String::from_utf8(files[0].1.clone()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("\"CostCode\",\"Cat\",\"Amt\",\"TDate\""));
    assert_eq!(
        lines.next(),
        Some("\"01 31 00\",\"L\",10000.00,\"04/03/2026\"")
    );
}

#[test]
fn sage_refuses_cost_codes_longer_than_twelve_characters() {
    let (_t, dir) = project();
    std::fs::create_dir_all(dir.join("mappings")).unwrap();
    let m = include_str!("../mappings/sage300-jc.toml").replace(
        "fields.cost_code = { from = \"cost_code\", required = true }",
        "fields.cost_code = { expr = 'concat(cost.project_number, \"-\", cost.cost_code)', required = true }",
    );
    std::fs::write(dir.join("mappings/sage300-jc.toml"), m).unwrap();
    let a = aecos(&dir)
        .args(["export", "sage-jc", "--period", "2026-04"])
        .assert()
        .code(3);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("8 row(s) refused"), "{err}");
    assert!(
        err.contains("actuals/2026-04.csv:4: field `cost_code`"),
        "{err}"
    );
    assert!(err.contains("Sage 300 takes at most 12"), "{err}");
}

/// Sum of the `amount` column of every actuals CSV under `dir` dated by `end`.
fn actuals_total(files: &[PathBuf], end: &str) -> rust_decimal::Decimal {
    let mut total = rust_decimal::Decimal::ZERO;
    for f in files {
        let mut r = csv::Reader::from_path(f).unwrap();
        for rec in r.records() {
            let rec = rec.unwrap();
            if &rec[1] <= end {
                total += rec[5].parse::<rust_decimal::Decimal>().unwrap();
            }
        }
    }
    total
}

#[test]
fn reconcile_ties_out_to_the_source_files_and_lists_findings() {
    let (_t, dir) = project();
    // An ERP pull: a transaction on an unknown cost code, and one that repeats a local one.
    let pulled = dir.join("records/pulled/quickbooks/actual_costs");
    std::fs::create_dir_all(&pulled).unwrap();
    std::fs::write(
        pulled.join("2026-04.csv"),
        "id,date,vendor,cost_code,cost_type,amount,reference,commitment,description,source\n\
         QB-9001,2026-04-12,V1014,06 10 99,M,1234.56,BRL3999,,Lumber,quickbooks\n\
         QB-9002,2026-04-09,V1014,06 10 00,M,5784.66,BRL3007,,Lumber and blocking,quickbooks\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = aecos(&dir)
        .args(["reconcile", "--period", "2026-04", "--json", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    let s = &v["summary"];
    assert_eq!(s["unknown_references"], 1, "{s}");
    assert_eq!(s["duplicates"], 1, "{s}");
    // Actual cost to date is every transaction of the source files through April, to the cent.
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("records/costs/actuals"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.push(pulled.join("2026-04.csv"));
    let total = actuals_total(&files, "2026-04-30");
    assert_eq!(s["actual_to_date"], aecos::money::plain(total));
    // Budget and billed-to-owner tie out to budget.csv and the G703.
    let mut budget = rust_decimal::Decimal::ZERO;
    let mut r = csv::Reader::from_path(dir.join("records/costs/budget.csv")).unwrap();
    for rec in r.records() {
        budget += rec.unwrap()[6].parse::<rust_decimal::Decimal>().unwrap();
    }
    assert_eq!(s["budget"], aecos::money::plain(budget));
    let records = aecos::project::records::Records::load(&dir).unwrap();
    let app = aecos::payapp::compute(&records, 3).unwrap();
    assert_eq!(
        s["billed_to_owner"],
        aecos::money::plain(app.totals.completed_and_stored)
    );
    // The CSV's TOTAL row carries the same figures; findings name the pulled file and line.
    let files = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect::<Vec<_>>();
    let table = files
        .iter()
        .find(|p| p.to_string_lossy().ends_with("_reconciliation.csv"))
        .unwrap();
    let text = std::fs::read_to_string(table).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("TOTAL,"), "{last}");
    assert!(last.contains(&aecos::money::plain(total)), "{last}");
    assert!(
        text.contains("06 10 99,M,(not a cost code of the project)"),
        "{text}"
    );
    let findings = files
        .iter()
        .find(|p| p.to_string_lossy().ends_with("_findings.csv"))
        .unwrap();
    let f = std::fs::read_to_string(findings).unwrap();
    assert!(f.contains("unknown_reference,06 10 99,M,"), "{f}");
    assert!(f.contains("actual_costs/2026-04.csv:2"), "{f}");
    assert!(f.contains("duplicate,06 10 00,M,"), "{f}");
    // The PDF reads back with the findings in it.
    let pdf = files
        .iter()
        .find(|p| p.to_string_lossy().ends_with(".pdf"))
        .unwrap();
    let doc = lopdf::Document::load(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let all = doc.extract_text(&pages).unwrap();
    assert!(all.contains("Cost reconciliation 2026-04"), "{all}");
    assert!(all.contains("unknown cost code"), "{all}");
}

#[test]
fn reconcile_lists_commitments_billed_beyond_their_value() {
    let (_t, dir) = project();
    let p = dir.join("records/costs/commitments/SC-010.json");
    let s = std::fs::read_to_string(&p).unwrap();
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    let value = v["lines"][0]["amount"].as_str().unwrap().to_string();
    let mut v = v;
    v["invoices"] = serde_json::json!([{
        "number": "RRE-900", "date": "2026-04-02", "period_to": "2026-03-31", "due_date": "2026-05-02",
        "status": "pending", "lines": [{"line": 1, "amount": value}]
    }, {
        "number": "RRE-901", "date": "2026-04-20", "period_to": "2026-04-15", "due_date": "2026-05-20",
        "status": "pending", "lines": [{"line": 1, "amount": "100.00"}]
    }]);
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let a = aecos(&dir)
        .args(["reconcile", "--period", "2026-04", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["summary"]["overbilled"], 2, "{}", v["summary"]);
}

#[test]
fn golden_reconciliation() {
    let (_t, dir) = project();
    for (name, bytes) in export(&dir, "reconcile", &["--period", "2026-04"]) {
        if name.ends_with(".pdf") {
            insta::assert_snapshot!(format!("{name}.sha256"), aecos::audit::sha256_hex(&bytes));
        } else {
            insta::assert_snapshot!(name, String::from_utf8(bytes).unwrap());
        }
    }
}

#[test]
fn a_month_without_transactions_writes_nothing() {
    let (_t, dir) = project();
    for target in [
        "qb-iif",
        "qbo-invoices",
        "qbo-journal",
        "sage-ap",
        "sage-jc",
    ] {
        let a = aecos(&dir)
            .args(["export", target, "--period", "2025-01"])
            .assert()
            .code(3);
        let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(
            err.contains("nothing to export for 2025-01"),
            "{target}: {err}"
        );
    }
    assert!(!dir.join("outbox/quickbooks").exists());
    assert!(!dir.join("outbox/sage300").exists());
}

#[test]
fn a_second_export_of_unchanged_records_is_unchanged() {
    let (_t, dir) = project();
    for target in ["procore-budget", "qb-iif", "sage-ap", "reconcile"] {
        let run = || {
            let a = aecos(&dir)
                .args(["export", target, "--period", "2026-04", "--json"])
                .assert()
                .success();
            serde_json::from_slice::<serde_json::Value>(&a.get_output().stdout).unwrap()
        };
        let first = run();
        assert_eq!(first["status"], "written", "{target}");
        let second = run();
        assert_eq!(second["status"], "unchanged", "{target}");
        assert_eq!(first["files"], second["files"], "{target}");
    }
}

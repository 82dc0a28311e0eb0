//! Integration tests of the cost imports: the real `aecos` binary on a copy of the sample
//! project, importing ERP actual costs from CSV and from .xlsx workbooks written here
//! (twice, corrected, malformed), a vendor list, and a QuickBooks IIF file.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn project() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("proj");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic");
    aecos::demo::copy_project(&sample, &dir).unwrap();
    (t, dir)
}

fn aecos(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("aecos").unwrap();
    c.env("AECOS_PROJECT", dir).env("AECOS_ACTOR", "test");
    c
}

/// Imports `name` with `bytes` from outside the inbox; returns the JSON report's file entry.
fn import(dir: &Path, name: &str, bytes: &[u8]) -> Value {
    let src = dir.parent().unwrap().join(name);
    std::fs::write(&src, bytes).unwrap();
    let out = aecos(dir)
        .args(["import", "--json"])
        .arg(&src)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    v["files"][0].clone()
}

fn audit_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("audit/audit.jsonl"))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// A cell of a test workbook.
enum Cell<'a> {
    Text(&'a str),
    Num(&'a str),
    /// An Excel serial date, shown with the built-in date format 14.
    Date(u32),
}

/// A minimal .xlsx: one sheet "Costs", inline strings, a date style.
fn xlsx(rows: &[(u32, Vec<Cell>)]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, cells) in rows {
        sheet.push_str(&format!(r#"<row r="{r}">"#));
        for (i, c) in cells.iter().enumerate() {
            let at = format!("{}{r}", (b'A' + i as u8) as char);
            sheet.push_str(&match c {
                Cell::Text(t) => format!(r#"<c r="{at}" t="inlineStr"><is><t>{t}</t></is></c>"#),
                Cell::Num(n) => format!(r#"<c r="{at}"><v>{n}</v></c>"#),
                Cell::Date(d) => format!(r#"<c r="{at}" s="1"><v>{d}</v></c>"#),
            });
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Costs" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_string()),
        ("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const HEADER: [&str; 8] = [
    "Transaction ID",
    "Posting Date",
    "Vendor ID",
    "Cost Code",
    "Category",
    "Amount",
    "Reference",
    "Description",
];

/// One May 2026 transaction: (id, serial date, m/d/yyyy, vendor, code, type, amount text,
/// reference, description).
type Tx = (
    &'static str,
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const MAY: [Tx; 3] = [
    (
        "JC-0501",
        46147,
        "05/05/2026",
        "V1014",
        "06 10 00",
        "M",
        "6748.77",
        "BRLS2057",
        "Lumber",
    ),
    (
        "JC-0502",
        46148,
        "05/06/2026",
        "V1015",
        "01 51 00",
        "E",
        "8736.00",
        "RPER2017",
        "Lift rental",
    ),
    (
        "JC-0503",
        46149,
        "05/07/2026",
        "",
        "01 31 00",
        "L",
        "10040.00",
        "PR-2026-05-07",
        "Payroll",
    ),
];

fn may_csv() -> Vec<u8> {
    let mut s = format!("{}\r\n", HEADER.join(","));
    for (id, _, date, v, code, t, amount, r, d) in MAY {
        let money = format!(
            "\"${}\"",
            amount
                .replace("6748.77", "6,748.77")
                .replace("8736.00", "8,736.00")
                .replace("10040.00", "10,040.00")
        );
        s.push_str(&format!("{id},{date},{v},{code},{t},{money},{r},{d}\r\n"));
    }
    s.into_bytes()
}

/// The same month as a workbook, with a title row and a blank row above the header.
fn may_xlsx(edit: impl Fn(&mut Vec<(u32, Vec<Cell<'static>>)>)) -> Vec<u8> {
    let mut rows: Vec<(u32, Vec<Cell<'static>>)> = vec![
        (1, vec![Cell::Text("Job cost detail, May 2026")]),
        (3, HEADER.iter().map(|h| Cell::Text(h)).collect()),
    ];
    for (i, (id, serial, _, v, code, t, amount, r, d)) in MAY.iter().enumerate() {
        rows.push((
            4 + i as u32,
            vec![
                Cell::Text(id),
                Cell::Date(*serial),
                Cell::Text(v),
                Cell::Text(code),
                Cell::Text(t),
                Cell::Num(amount),
                Cell::Text(r),
                Cell::Text(d),
            ],
        ));
    }
    edit(&mut rows);
    xlsx(&rows)
}

fn allow_erp(dir: &Path) {
    for dt in ["actual_costs", "vendors"] {
        aecos(dir)
            .args([
                "integrate",
                "data-flow",
                "erp",
                "--data-type",
                dt,
                "--pull",
                "allowed",
            ])
            .assert()
            .success();
    }
}

#[test]
fn erp_actuals_from_csv_and_xlsx_month_by_month() {
    let (_t, dir) = project();
    allow_erp(&dir);
    let month_file = dir.join("records/pulled/erp/actual_costs/2026-05.csv");

    let f = import(&dir, "erp_2026-05.csv", &may_csv());
    assert_eq!(f["status"], "applied", "{f}");
    let m = &f["actual_costs"][0];
    assert_eq!(
        (m["month"].as_str(), m["status"].as_str()),
        (Some("2026-05"), Some("added"))
    );
    assert_eq!(m["transactions"], 3);
    assert_eq!(m["total"], "25524.77");
    let pulled = std::fs::read_to_string(&month_file).unwrap();
    assert!(
        pulled.starts_with(
            "id,date,vendor,cost_code,cost_type,amount,reference,commitment,description,source\n"
        ),
        "{pulled}"
    );
    assert!(
        pulled.contains("JC-0501,2026-05-05,V1014,06 10 00,M,6748.77,BRLS2057,,Lumber,erp\n"),
        "{pulled}"
    );
    let audit = audit_lines(&dir);

    // The same month again, as CSV and as a workbook: nothing written, no audit entry.
    for (name, bytes) in [
        ("erp_2026-05.csv", may_csv()),
        ("erp_2026-05.xlsx", may_xlsx(|_| {})),
    ] {
        let f = import(&dir, name, &bytes);
        assert_eq!(f["status"], "unchanged", "{name}: {f}");
        assert_eq!(f["actual_costs"][0]["status"], "unchanged");
        assert_eq!(std::fs::read_to_string(&month_file).unwrap(), pulled);
        assert_eq!(audit_lines(&dir), audit, "{name}");
    }

    // A corrected re-export: one amount changed, one transaction gone, one new.
    let corrected = may_xlsx(|rows| {
        rows[2].1[5] = Cell::Num("6800.25");
        rows.remove(3);
        rows.push((
            7,
            vec![
                Cell::Text("JC-0504"),
                Cell::Date(46151),
                Cell::Text("V1020"),
                Cell::Text("01 51 00"),
                Cell::Text("O"),
                Cell::Num("1185"),
                Cell::Text("BOTC2017"),
                Cell::Text("Office trailer"),
            ],
        ));
    });
    let out = aecos(&dir)
        .args(["import"])
        .arg({
            let p = dir.parent().unwrap().join("erp_2026-05_corrected.xlsx");
            std::fs::write(&p, &corrected).unwrap();
            p
        })
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2026-05 replaced: 3 transactions"), "{text}");
    assert!(
        text.contains("added: JC-0504")
            && text.contains("removed: JC-0502")
            && text.contains("changed: JC-0501"),
        "{text}"
    );
    let now = std::fs::read_to_string(&month_file).unwrap();
    assert!(
        now.contains("JC-0501,2026-05-05,V1014,06 10 00,M,6800.25,"),
        "{now}"
    );
    assert!(
        !now.contains("JC-0502") && now.contains("JC-0504,2026-05-09,V1020"),
        "{now}"
    );
    assert_eq!(audit_lines(&dir), audit + 1);
    aecos(&dir).args(["audit", "verify"]).assert().success();
}

#[test]
fn bad_cells_are_rejected_with_the_sheet_row_and_column() {
    let (_t, dir) = project();
    allow_erp(&dir);
    let bad = may_xlsx(|rows| rows[3].1[5] = Cell::Text("1.234,56"));
    let f = import(&dir, "bad.xlsx", &bad);
    assert_eq!(f["status"], "rejected", "{f}");
    let e = f["error"].as_str().unwrap();
    // Row 5 of the sheet (title, blank, header, then data), column F (6).
    assert!(
        e.contains("bad.xlsx:5:6") && e.contains("row 5, column 6 (\"Amount\")"),
        "{e}"
    );
    assert!(e.contains("set locale"), "{e}");
    let report = dir.join("inbox/rejected/bad.xlsx.error.txt");
    assert!(std::fs::read_to_string(report)
        .unwrap()
        .contains("row 5, column 6"));
    assert!(!dir
        .join("records/pulled/erp/actual_costs/2026-05.csv")
        .exists());

    let csv = String::from_utf8(may_csv())
        .unwrap()
        .replace("05/06/2026", "13/06/2026");
    let f = import(&dir, "bad_date.csv", csv.as_bytes());
    let e = f["error"].as_str().unwrap();
    assert!(
        e.contains("bad_date.csv:3:2") && e.contains("no month 13"),
        "{e}"
    );

    let csv = String::from_utf8(may_csv())
        .unwrap()
        .replace("06 10 00", "99 99 99");
    let f = import(&dir, "bad_code.csv", csv.as_bytes());
    let e = f["error"].as_str().unwrap();
    assert!(e.contains("unknown cost code \"99 99 99\""), "{e}");
}

#[test]
fn vendor_list_and_quickbooks_iif_become_pulled_records() {
    let (_t, dir) = project();
    allow_erp(&dir);
    let vendors = "Vendor ID,Vendor Name,Type,Address,City,State,Zip,Terms\nV1014,Baton Rouge Lumber Supply,Supplier,1500 Scenic Hwy,Baton Rouge,LA,70802,Net 15\nV1099,New Vendor LLC,Subcontractor,1 Main St,Baton Rouge,LA,70801,Net 30\n";
    let f = import(&dir, "vendors.csv", vendors.as_bytes());
    assert_eq!(f["status"], "applied", "{f}");
    assert_eq!(f["table"]["rows"], 2);
    let rec: Value =
        serde_json::from_slice(&std::fs::read(dir.join(f["record"].as_str().unwrap())).unwrap())
            .unwrap();
    assert_eq!(rec["records"][1]["kind"], "subcontractor");
    assert_eq!(rec["records"][1]["line"], 3);

    let iif = "!TRNS\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\n!SPL\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\n!ENDTRNS\nTRNS\tBILL\t05/05/26\tAccounts Payable\tBaton Rouge Lumber Supply\t-6748.77\nSPL\tBILL\t05/05/26\tJob Materials\t\t6748.77\nENDTRNS\n";
    // QuickBooks pulls are blocked in the sample project: nothing is written.
    let out = aecos(&dir)
        .args(["import"])
        .arg({
            let p = dir.parent().unwrap().join("bills.iif");
            std::fs::write(&p, iif).unwrap();
            p
        })
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    aecos(&dir)
        .args([
            "integrate",
            "data-flow",
            "quickbooks",
            "--data-type",
            "transactions",
            "--pull",
            "allowed",
        ])
        .assert()
        .success();
    let f = import(&dir, "bills2.iif", iif.as_bytes());
    assert_eq!(f["status"], "applied", "{f}");
    assert_eq!(f["iif"]["transactions"], 1);
    let unbalanced = iif.replace("\t6748.77\n", "\t6748.70\n");
    let f = import(&dir, "bills3.iif", unbalanced.as_bytes());
    assert_eq!(f["status"], "rejected");
    assert!(
        f["error"].as_str().unwrap().contains("bills3.iif:4")
            && f["error"].as_str().unwrap().contains("does not balance"),
        "{f}"
    );
}

#[test]
fn an_xls_workbook_gives_the_same_month_as_the_csv() {
    let (_t, dir) = project();
    let csv = std::fs::read(dir.join("inbox/erp_actual_costs_2026-05.csv")).unwrap();
    let xls = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/erp_actual_costs_2026-05.xls"),
    )
    .unwrap();
    let f = import(&dir, "may.csv", &csv);
    assert_eq!(f["actual_costs"][0]["status"], "added", "{f}");
    assert_eq!(f["actual_costs"][0]["transactions"], 18);
    let f = import(&dir, "may.xls", &xls);
    assert_eq!(f["status"], "unchanged", "{f}");
    assert_eq!(f["format"], "erp-actual-costs-import");
}

#[test]
fn pulled_erp_actuals_feed_the_cost_reconciliation() {
    let (_t, dir) = project();
    let csv = std::fs::read(dir.join("inbox/erp_actual_costs_2026-05.csv")).unwrap();
    let f = import(&dir, "may.csv", &csv);
    let pulled = f["actual_costs"][0]["total"].as_str().unwrap().to_string();
    let out = aecos(&dir)
        .args(["reconcile", "--period", "2026-05", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // No project-kept actuals in May: the month's actual cost is exactly the ERP pull.
    assert_eq!(v["summary"]["actual_this_period"], pulled.as_str(), "{v}");
    assert_eq!(v["summary"]["unknown_references"], 0);
}

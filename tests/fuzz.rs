//! Mutation fuzzing of every parser that reads user input: import detection, the G703
//! reader, record files, the SOV CSV, mapping files, the QuickBooks IIF reader and the
//! .xls/.xlsx readers. Thousands of mutated inputs each;
//! any error is fine, a panic is a failure. (Deterministic: a fixed-seed generator.)

use std::path::Path;

use aecos::mapping::{self, Mapping};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() as usize) % n.max(1)
    }
}

const NASTY: &[&[u8]] = &[
    b",",
    b"\"",
    b"\n",
    b"\r\n",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xFF",
    b"-",
    b".",
    b"%",
    b"$",
    b"(",
    b")",
    b"1e99",
    b"99999999999999999999999999999999",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"'",
    b"\\",
    b"${",
    b"=",
    b"TOTAL",
    "é—☃".as_bytes(),
];

fn mutate(rng: &mut Lcg, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(v.len() + 1);
        match rng.below(5) {
            0 if !v.is_empty() => {
                let end = (at + rng.below(16)).min(v.len());
                v.drain(at.min(end)..end);
            }
            1 => {
                let n = NASTY[rng.below(NASTY.len())];
                v.splice(at..at, n.iter().copied());
            }
            2 if at < v.len() => v[at] = rng.next() as u8,
            3 => v.truncate(at),
            _ => {
                let n = rng.below(4000);
                v.splice(at..at, std::iter::repeat_n(b'9', n));
            }
        }
    }
    v
}

fn sample(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

#[test]
fn import_detection_and_g703_reader_never_panic() {
    let maps: Vec<Mapping> = mapping::load_all(None)
        .unwrap()
        .into_iter()
        .filter(|m| m.direction == mapping::Direction::Import)
        .collect();
    let refs: Vec<&Mapping> = maps.iter().collect();
    let seed = sample("examples/riverside-clinic/inbox/procore_invoice_PA-003_2026-04.csv");
    let mut rng = Lcg(7);
    let p = Path::new("fuzz.csv");
    let mut parsed = 0;
    for _ in 0..3000 {
        let input = mutate(&mut rng, &seed);
        if let Ok(aecos::formats::detect::Detected::Table {
            mapping,
            header_line,
        }) = aecos::formats::detect::detect(p, &input, &refs)
        {
            if let Ok(lines) =
                aecos::exchange::import::parse_g703(p, &input, header_line, refs[mapping])
            {
                parsed += 1;
                let _ = aecos::formats::aia_csv::retotal(&lines);
            }
        }
    }
    assert!(
        parsed > 100,
        "the mutations should leave many inputs parseable ({parsed})"
    );
}

#[test]
fn record_files_never_panic() {
    use aecos::project::records::{ChangeOrder, Contract, PayAppRecord};
    use aecos::project::serde_util::parse_json;
    let mut rng = Lcg(11);
    let p = Path::new("fuzz.json");
    for (rel, kind) in [
        ("records/contract.json", 0),
        ("records/change_orders/CO-002.json", 1),
        ("records/pay_apps/PA-004.json", 2),
    ] {
        let seed = sample(&format!("examples/riverside-clinic/{rel}"));
        for _ in 0..1500 {
            let input = mutate(&mut rng, &seed);
            match kind {
                0 => drop(parse_json::<Contract>(p, &input, "")),
                1 => drop(parse_json::<ChangeOrder>(p, &input, "")),
                _ => drop(parse_json::<PayAppRecord>(p, &input, "")),
            }
        }
    }
}

#[test]
fn sov_csv_never_panics() {
    let seed = sample("examples/riverside-clinic/records/sov.csv");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sov.csv");
    let mut rng = Lcg(13);
    for _ in 0..1500 {
        std::fs::write(&p, mutate(&mut rng, &seed)).unwrap();
        let _ = aecos::project::records::read_sov(&p, aecos::payapp::model::Rounding::Cents);
    }
}

#[test]
fn mapping_files_never_panic_and_errors_have_a_location() {
    let mut rng = Lcg(17);
    let p = Path::new("fuzz.toml");
    for (_, text) in mapping::BUILTIN {
        for _ in 0..600 {
            let input = mutate(&mut rng, text.as_bytes());
            let Ok(s) = std::str::from_utf8(&input) else {
                continue;
            };
            if let Err(e) = Mapping::parse(p, s) {
                assert!(
                    e.line.is_some(),
                    "a mapping error must point at a line: {e}"
                );
            }
        }
    }
}

#[test]
fn hostile_imports_are_refused_cleanly() {
    let maps: Vec<Mapping> = mapping::load_all(None)
        .unwrap()
        .into_iter()
        .filter(|m| m.direction == mapping::Direction::Import)
        .collect();
    let refs: Vec<&Mapping> = maps.iter().collect();
    let p = Path::new("hostile.csv");
    let header = "item_no,description,scheduled_value,from_previous,this_period,materials_stored,completed_and_stored,percent_complete,balance_to_finish,retainage\n";
    let huge_field = format!(
        "{header}1,{},100.00,0,0,0,0,0,100.00,0\n",
        "x".repeat(8 << 20)
    );
    let huge_number = format!("{header}1,a,{},0,0,0,0,0,0,0\n", "9".repeat(100));
    let unclosed = format!("{header}1,\"never closed,100.00,0,0,0,0,0,100.00,0\n");
    let outcome = |input: &[u8]| -> Result<usize, String> {
        match aecos::formats::detect::detect(p, input, &refs).map_err(|e| e.to_string())? {
            aecos::formats::detect::Detected::Table {
                mapping,
                header_line,
            } => {
                let lines =
                    aecos::exchange::import::parse_g703(p, input, header_line, refs[mapping])
                        .map_err(|e| e.to_string())?;
                aecos::formats::aia_csv::retotal(&lines).map_err(|(l, m)| format!("{l}: {m}"))?;
                Ok(lines.len())
            }
            other => Err(format!("{other:?}")),
        }
    };
    // An 8 MB description is data, not an attack: read, and it ties out.
    assert_eq!(outcome(huge_field.as_bytes()), Ok(1));
    let e = outcome(huge_number.as_bytes()).unwrap_err();
    assert!(e.contains("is not a number") && e.contains(":2"), "{e}");
    let e = outcome(unclosed.as_bytes()).unwrap_err();
    assert!(
        e.contains("no lines") || e.contains("fields") || e.contains("malformed"),
        "{e}"
    );
    assert!(outcome(b"").unwrap_err().contains("empty"));
    assert!(outcome(b"\xEF\xBB\xBF").is_err());
    assert!(outcome(b"\0\0\0\0").unwrap_err().contains("unrecognised"));
}

#[test]
fn element_status_field_log_never_panics() {
    use aecos::project::element_status::apply_field_log;
    let seed = b"global_id,status,date,note\n06otpAnynDTuYytLZfh0b6,deviation,2026-05-02,\"out of plumb, 12 mm\"\n05209FC062164D50948702,verified,2026-05-20,\n";
    let mut rng = Lcg(23);
    let p = Path::new("element_status.csv");
    let mut ok = 0;
    for _ in 0..3000 {
        let input = mutate(&mut rng, seed);
        let mut statuses = std::collections::BTreeMap::new();
        if apply_field_log(p, &input, &mut statuses).is_ok() {
            ok += 1;
        }
    }
    assert!(ok > 100, "many mutations stay valid ({ok})");
}

/// Mutated element files are read, then written as IFC in every schema: an error is fine,
/// a panic or a non-ASCII file is not.
#[test]
fn ifc_writer_never_panics_on_mutated_elements() {
    use aecos::formats::ifc_write::{write_ifc, IfcOptions, IfcSchema};
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/riverside-clinic/elements/element_05209FC062164D50948702");
    let files = [
        "metadata.json",
        "properties/psets.json",
        "materials/materials.json",
        "geometry/shape.json",
        "relationships/spatial.json",
    ];
    let seeds: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(src.join(f)).unwrap())
        .collect();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("element_05209FC062164D50948702");
    let mut rng = Lcg(29);
    let statuses = std::collections::BTreeMap::new();
    let mut written = 0;
    for i in 0..1500 {
        for (f, seed) in files.iter().zip(&seeds) {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, seed).unwrap();
        }
        let k = rng.below(files.len());
        std::fs::write(dir.join(files[k]), mutate(&mut rng, &seeds[k])).unwrap();
        let Ok(el) = aecos::project::elements::read_element(&dir) else {
            continue;
        };
        let schema = IfcSchema::ALL[i % 3];
        let opts = IfcOptions {
            schema,
            project_name: "Fuzz",
            guid_key: "Fuzz",
            file_name: "fuzz.ifc",
            stamp: time::macros::datetime!(2026-01-01 00:00),
            statuses: &statuses,
        };
        if let Ok(m) = write_ifc(std::slice::from_ref(&el), &opts) {
            written += 1;
            assert!(m
                .bytes
                .iter()
                .all(|b| *b == b'\n' || (0x20..=0x7E).contains(b)));
        }
    }
    assert!(written > 60, "many mutations stay writable ({written})");
}

#[test]
fn iif_reader_never_panics() {
    let seed = b"!ACCNT\tNAME\tACCNTTYPE\n\
ACCNT\tAccounts Payable\tAP\n\
!VEND\tNAME\tADDR1\n\
VEND\t\"Bayou Earthworks, Inc.\"\t1200 Airline Hwy\n\
!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO\n\
!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tMEMO\n\
!ENDTRNS\n\
TRNS\t\tBILL\t05/05/26\tAccounts Payable\tBayou Earthworks, Inc.\t-1,250.00\tINV-1\tMay\n\
SPL\t\tBILL\t05/05/26\tJob Costs:Sitework\t\t1000.00\t\n\
SPL\t\tBILL\t05/05/26\tJob Costs:Permits\t\t250\t\n\
ENDTRNS\n\
TRNS\t\tGENERAL JOURNAL\t5/31/2026\tAccrued Costs\t\t-75.50\t\t\n\
SPL\t\tGENERAL JOURNAL\t5/31/2026\tJob Costs:Labor\t\t75.50\t\n\
ENDTRNS\n";
    let mut rng = Lcg(23);
    let p = Path::new("fuzz.iif");
    let mut parsed = 0;
    for _ in 0..4000 {
        let input = mutate(&mut rng, seed);
        if let Ok(f) = aecos::formats::iif_read::read_iif(p, &input) {
            parsed += 1;
            for t in &f.transactions {
                let sum: rust_decimal::Decimal = t.trns.amount
                    + t.splits
                        .iter()
                        .map(|s| s.amount)
                        .sum::<rust_decimal::Decimal>();
                assert!(sum.is_zero(), "an unbalanced transaction was accepted");
            }
        }
    }
    assert!(parsed > 100, "many mutations stay readable ({parsed})");
}

/// The workbook's parts, to mutate the sheet XML inside an otherwise valid container.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().to_string(), v)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in parts {
        z.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(body).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn sheet_reader_and_table_import_never_panic() {
    let maps: Vec<Mapping> = mapping::load_all(None)
        .unwrap()
        .into_iter()
        .filter(|m| m.direction == mapping::Direction::Import)
        .collect();
    let refs: Vec<&Mapping> = maps.iter().collect();
    let try_import = |p: &Path, input: &[u8]| -> bool {
        let Ok(aecos::formats::detect::Detected::Table {
            mapping,
            header_line,
        }) = aecos::formats::detect::detect(p, input, &refs)
        else {
            return false;
        };
        let Ok(table) = aecos::formats::table::Table::read(p, input) else {
            return false;
        };
        let m = refs[mapping];
        let model = aecos::formats::models::format_models(&m.format).unwrap()[0].name;
        aecos::exchange::pulled::map_rows(p, &table, header_line, m, model).is_ok()
    };
    let mut rng = Lcg(29);
    // Whole-file mutations of an .xls and an .xlsx (container damage).
    for (rel, n) in [
        ("tests/fixtures/erp_actual_costs_2026-05.xls", 600),
        (
            "examples/riverside-clinic/inbox/erp_actual_costs_2026-05_corrected.xlsx",
            600,
        ),
    ] {
        let seed = sample(rel);
        for _ in 0..n {
            let input = mutate(&mut rng, &seed);
            try_import(Path::new("fuzz.xlsx"), &input);
        }
    }
    // Mutations of every part inside a valid zip (XML damage), some still importable.
    let parts = unzip(&sample(
        "examples/riverside-clinic/inbox/erp_actual_costs_2026-05_corrected.xlsx",
    ));
    let mut imported = 0;
    for _ in 0..1500 {
        let mut p = parts.clone();
        let i = rng.below(p.len());
        p[i].1 = mutate(&mut rng, &p[i].1);
        if try_import(Path::new("fuzz.xlsx"), &rezip(&p)) {
            imported += 1;
        }
    }
    assert!(imported > 50, "many mutations stay importable ({imported})");
    // CSV cost exports through their mappings.
    let seed = sample("examples/riverside-clinic/inbox/erp_actual_costs_2026-05.csv");
    let mut imported = 0;
    for _ in 0..2000 {
        if try_import(Path::new("fuzz.csv"), &mutate(&mut rng, &seed)) {
            imported += 1;
        }
    }
    assert!(
        imported > 50,
        "many CSV mutations stay importable ({imported})"
    );
}

#[test]
fn cost_records_never_panic_nor_their_reports() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/riverside-clinic");
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("proj");
    aecos::demo::copy_project(&src, &dir).unwrap();
    let records = aecos::project::records::Records::load(&dir).unwrap();
    let mut rng = Lcg(17);
    let mut loaded = 0;
    for rel in [
        "records/costs/budget.csv",
        "records/costs/vendors.csv",
        "records/costs/cost_codes.csv",
        "records/costs/commitments/SC-002.json",
        "records/costs/actuals/2026-03.csv",
    ] {
        let path = dir.join(rel);
        let seed = std::fs::read(&path).unwrap();
        for _ in 0..300 {
            std::fs::write(&path, mutate(&mut rng, &seed)).unwrap();
            if let Ok(costs) = aecos::costs::records::load(&dir) {
                loaded += 1;
                let _ = aecos::costs::ledger::entries(&costs, &records, "2026-03", "quickbooks");
                let _ = aecos::costs::reconcile::reconcile(
                    &costs,
                    &records,
                    &costs.actuals,
                    "2026-03",
                    rust_decimal::Decimal::ONE,
                );
            }
        }
        std::fs::write(&path, &seed).unwrap();
    }
    assert!(loaded > 100, "many mutations should still load ({loaded})");
    // Actuals as pulled from an ERP, parsed from bytes.
    let seed = std::fs::read(dir.join("records/costs/actuals/2026-04.csv")).unwrap();
    for _ in 0..2000 {
        let _ =
            aecos::costs::records::read_actuals(Path::new("x.csv"), &mutate(&mut rng, &seed), None);
    }
}

#[test]
fn step_and_ifc_readers_never_panic() {
    // The hand-written IFC4 model, plus a corpus model when AECOS_CORPUS is set.
    let mut seeds = vec![sample("tests/fixtures/psets.ifc")];
    if let Some(c) = std::env::var_os("AECOS_CORPUS") {
        if let Ok(b) = std::fs::read(Path::new(&c).join("ifc/bcfxml_MEP.ifc")) {
            seeds.push(b);
        }
    }
    let p = Path::new("fuzz.ifc");
    let mut rng = Lcg(23);
    let (mut read, mut failed) = (0, 0);
    for seed in &seeds {
        // every truncation point of the small model
        if seed.len() < 10_000 {
            for cut in 0..seed.len() {
                if let Ok(m) = aecos::formats::ifc_read::read_ifc(p, &seed[..cut]) {
                    let _ = m.products();
                }
            }
        }
        for _ in 0..2000 {
            let input = mutate(&mut rng, seed);
            match aecos::formats::ifc_read::read_ifc(p, &input) {
                Ok(m) => {
                    read += 1;
                    for id in m.product_ids() {
                        let _ = (m.product(id), m.materials(id), m.tag(id));
                    }
                }
                Err(e) => {
                    failed += 1;
                    let msg = e.to_string();
                    assert!(msg.starts_with("fuzz.ifc"), "{msg}");
                }
            }
        }
    }
    assert!(read > 50 && failed > 50, "read {read}, failed {failed}");
}

#[test]
fn step_errors_point_into_the_file() {
    // Flip each byte of the small model to something illegal; the error's line and
    // column must lie inside the file.
    let seed = sample("tests/fixtures/psets.ifc");
    let lines = seed.iter().filter(|b| **b == b'\n').count() + 1;
    for at in (0..seed.len()).step_by(7) {
        let mut input = seed.clone();
        input[at] = b'\x01';
        if let Err(e) = aecos::formats::step_read::parse(Path::new("f.ifc"), &input) {
            assert!(e.line >= 1 && e.line <= lines && e.column >= 1, "{e}");
        }
    }
}

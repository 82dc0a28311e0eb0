//! Corpus check of the cost imports: every file of `procore-csv/` is recognised by a
//! built-in import mapping and reads, with its row count and amount totals equal to an
//! independent computation from the raw file (the csv crate and a plain digit-only
//! amount reader here; for the two workbooks, the file's own "Grand Total:" row or the
//! figures openpyxl gives, noted below). Every file of `iif/` reads, every transaction
//! balances (the reader refuses one that does not), and the transaction and list
//! counts equal the file's own TRNS / list lines.
//!
//! The corpus lives outside the repository: set AECOS_CORPUS to the folder holding
//! `procore-csv/` and `iif/` (e.g. shared/corpus). Without it the test says so and passes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aecos::formats::detect::{detect, Detected};
use aecos::formats::table::Table;
use aecos::mapping::{self, Direction, Mapping};
use rust_decimal::Decimal;

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("AECOS_CORPUS") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            println!("AECOS_CORPUS is not set: skipping the cost corpus checks");
            None
        }
    }
}

fn import_mappings() -> Vec<Mapping> {
    mapping::load_all(None)
        .unwrap()
        .into_iter()
        .filter(|m| m.direction == Direction::Import)
        .collect()
}

/// An amount as Procore writes it, read without aecos's parser: `$`, `,` and
/// parentheses dropped, the rest must be plain decimal digits.
fn plain_amount(s: &str) -> Option<Decimal> {
    let s = s.trim();
    if s.is_empty() || s == "None" {
        return None;
    }
    let neg = s.starts_with('(') || s.contains('-');
    let digits: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let digits = if digits.starts_with('.') {
        format!("0{digits}")
    } else {
        digits
    };
    let v: Decimal = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Rows and per-column totals of a CSV, straight from the csv crate.
fn raw_csv(path: &Path, columns: &[&str]) -> (usize, Vec<Decimal>) {
    let bytes = std::fs::read(path).unwrap();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut rdr = csv::ReaderBuilder::new().from_reader(body);
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == c)
                .unwrap_or_else(|| panic!("{c}"))
        })
        .collect();
    let mut rows = 0;
    let mut totals = vec![Decimal::ZERO; columns.len()];
    for rec in rdr.records() {
        let rec = rec.unwrap();
        rows += 1;
        for (t, i) in totals.iter_mut().zip(&idx) {
            *t += plain_amount(&rec[*i]).unwrap_or_default();
        }
    }
    (rows, totals)
}

/// Reads one corpus table through the detected mapping: (mapping id, rows, totals).
fn read_table(path: &Path, mappings: &[Mapping]) -> (String, usize, BTreeMap<String, Decimal>) {
    let bytes = std::fs::read(path).unwrap();
    let refs: Vec<&Mapping> = mappings.iter().collect();
    let Detected::Table {
        mapping,
        header_line,
    } = detect(path, &bytes, &refs).unwrap_or_else(|e| panic!("{e}"))
    else {
        panic!("{} not detected as a table", path.display());
    };
    let m = refs[mapping];
    let table = Table::read(path, &bytes).unwrap();
    let model = aecos::formats::models::format_models(&m.format).unwrap()[0].name;
    let rows = aecos::exchange::pulled::map_rows(path, &table, header_line, m, model)
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, summary) = aecos::exchange::pulled::pulled_table("f", "0", m, table.sheet, &rows);
    (m.id.clone(), summary.rows, summary.totals)
}

/// (our field, the file's column) pairs whose totals are compared.
type Columns = &'static [(&'static str, &'static str)];

#[test]
fn every_procore_export_reads_with_independent_totals() {
    let Some(dir) = corpus() else { return };
    let dir = dir.join("procore-csv");
    let mappings = import_mappings();
    // (file, mapping, [(our field, the file's column)]) for the CSVs.
    let csvs: &[(&str, &str, Columns)] = &[
        (
            "procore_budget_details_detail.csv",
            "procore-budget-detail-import",
            &[
                ("original_budget", "Original Budget Amount"),
                ("budget_modifications", "Budget Modifications"),
                ("approved_cos", "Approved COs"),
                ("committed_costs", "Committed Costs"),
                ("direct_costs", "Direct Cost Details"),
                ("forecast_to_complete", "Forecast To Complete"),
                ("job_to_date_costs", "Job to Date Costs Detail"),
            ],
        ),
        (
            "procore_budget_details_summary.csv",
            "procore-budget-summary-import",
            &[
                ("original_budget", "Original Budget Amount"),
                ("budget_modifications", "Budget Modifications"),
                ("revised_budget", "Revised Budget"),
                ("projected_over_under", "Projected over Under"),
            ],
        ),
        (
            "procore_prime_contract_change_orders.csv",
            "procore-prime-change-orders-import",
            &[("amount", "Amount")],
        ),
        (
            "procore_prime_contract_payments.csv",
            "procore-prime-payments-import",
            &[("amount", "Amount")],
        ),
        (
            "procore_prime_contracts.csv",
            "procore-prime-contracts-import",
            &[
                ("original_amount", "Original Contract Amount"),
                ("payments_received", "Payments Received"),
            ],
        ),
    ];
    let mut seen = 0;
    for (file, want_mapping, cols) in csvs {
        let path = dir.join(file);
        let (id, rows, totals) = read_table(&path, &mappings);
        assert_eq!(&id, want_mapping, "{file}");
        let names: Vec<&str> = cols.iter().map(|(_, c)| *c).collect();
        let (raw_rows, raw_totals) = raw_csv(&path, &names);
        assert_eq!(rows, raw_rows, "{file}: row count");
        for ((field, col), want) in cols.iter().zip(raw_totals) {
            assert_eq!(
                totals.get(*field).copied().unwrap_or_default(),
                want,
                "{file}: total of {col}"
            );
        }
        seen += 1;
    }
    // The budget detail is the big one: more than 1,400 rows. Its totals tie to the same
    // project's prime contract export: original budget = original contract amount, and
    // approved change orders agree.
    let (_, rows, budget) = read_table(&dir.join("procore_budget_details_detail.csv"), &mappings);
    assert!(rows > 1400, "{rows}");
    let (_, _, contract) = read_table(&dir.join("procore_prime_contracts.csv"), &mappings);
    assert_eq!(budget["original_budget"], contract["original_amount"]);
    assert_eq!(budget["approved_cos"], contract["approved_change_orders"]);

    // Workbooks. The budget view ends with its own "Grand Total:" row (skipped by the
    // import): our total must equal it. Figures from openpyxl: 74 lines, 14,559,118.
    let (id, rows, totals) = read_table(&dir.join("procore_vermillian_budget.xlsx"), &mappings);
    assert_eq!(id, "procore-budget-view-import");
    assert_eq!(
        (rows, totals["original_budget"]),
        (74, Decimal::from(14_559_118))
    );
    // The import template's first sheet: 6 lines, Budget Amount 61,300 (openpyxl).
    let (id, rows, totals) =
        read_table(&dir.join("procore_budget_import_template.xlsx"), &mappings);
    assert_eq!(id, "procore-budget-template-import");
    assert_eq!(
        (rows, totals["original_budget"]),
        (6, Decimal::from(61_300))
    );
    seen += 2;
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(seen, files, "every file of procore-csv/ is checked");
}

#[test]
fn every_iif_file_reads_and_balances() {
    let Some(dir) = corpus() else { return };
    let mut n = 0;
    for e in std::fs::read_dir(dir.join("iif")).unwrap() {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            detect(&path, &bytes, &[]).unwrap(),
            Detected::Iif,
            "{}",
            path.display()
        );
        let f = aecos::formats::iif_read::read_iif(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&bytes);
        let count = |kw: &str| {
            text.lines()
                .filter(|l| l.starts_with(&format!("{kw}\t")))
                .count()
        };
        assert_eq!(f.transactions.len(), count("TRNS"), "{}", path.display());
        let splits: usize = f.transactions.iter().map(|t| t.splits.len()).sum();
        assert_eq!(splits, count("SPL"), "{}", path.display());
        for (kw, recs) in &f.lists {
            assert_eq!(recs.len(), count(kw), "{} {kw}", path.display());
        }
        for t in &f.transactions {
            let sum: Decimal = t.trns.amount + t.splits.iter().map(|s| s.amount).sum::<Decimal>();
            assert!(sum.is_zero(), "{} line {}", path.display(), t.line);
        }
        n += 1;
    }
    assert_eq!(n, 17);
}

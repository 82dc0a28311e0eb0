//! QuickBooks Online CSV imports (Settings → Import data): invoices and journal entries
//! with QuickBooks Online's default column names (they map themselves on import), dates
//! `MM/DD/YYYY`, files split so that none exceeds QuickBooks Online's limits (100
//! invoices and 2 MB per file; formats.md §7.2). A transaction is never split across
//! files.
//!
//! Checks before writing: each invoice's item amounts sum to its expected total, each
//! journal entry's debits equal its credits. Must not choose items, accounts or names
//! (the mapping does) nor compute amounts (callers do).

use rust_decimal::Decimal;
use time::Date;

use super::csv_write::{self, number, us_date, Cell};

/// QuickBooks Online's invoice import columns, in its own order.
pub const INVOICE_HEADER: [&str; 14] = [
    "Invoice number",
    "Customer",
    "Invoice date",
    "Due date",
    "Terms",
    "Location",
    "Memo",
    "Item (Product/Service)",
    "Item Description",
    "Item Quantity",
    "Item Rate",
    "Item Amount",
    "Item tax code",
    "Service Date",
];

/// QuickBooks Online's journal entry import columns.
pub const JOURNAL_HEADER: [&str; 7] = [
    "Journal No.",
    "Journal Date",
    "Account Name",
    "Description",
    "Debits",
    "Credits",
    "Name",
];

/// At most this many invoices in one file.
pub const MAX_INVOICES_PER_FILE: usize = 100;
/// At most this many bytes in one file.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    pub item: String,
    pub description: String,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub number: String,
    pub customer: String,
    pub date: Date,
    pub due_date: Date,
    pub terms: String,
    pub location: String,
    pub memo: String,
    pub tax_code: String,
    pub lines: Vec<ItemLine>,
    /// What the item amounts must add up to (e.g. G702 current payment due).
    pub total: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    pub account: String,
    pub description: String,
    /// Positive = debit, negative = credit.
    pub amount: Decimal,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    pub number: String,
    pub date: Date,
    pub lines: Vec<JournalLine>,
}

fn text(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::text(s)
    }
}

/// Packs whole transactions (groups of rows) into files within the limits.
fn split(header: &[&str], groups: &[Vec<Vec<Cell>>], max_groups: usize) -> Vec<Vec<u8>> {
    let write = |rows: &[Vec<Cell>]| csv_write::write(header, rows, csv_write::SPREADSHEET);
    let header_bytes = write(&[]).len();
    let mut files = Vec::new();
    let mut current: Vec<Vec<Cell>> = Vec::new();
    let (mut count, mut bytes) = (0, header_bytes);
    for g in groups {
        let size = write(g).len() - header_bytes;
        if count > 0 && (count == max_groups || bytes + size > MAX_FILE_BYTES) {
            files.push(write(&current));
            current.clear();
            (count, bytes) = (0, header_bytes);
        }
        current.extend(g.iter().cloned());
        count += 1;
        bytes += size;
    }
    if count > 0 || files.is_empty() {
        files.push(write(&current));
    }
    files
}

/// Writes invoices (one row per item line); one file per 100 invoices.
pub fn write_invoices(invoices: &[Invoice]) -> Result<Vec<Vec<u8>>, Vec<String>> {
    let mut problems = Vec::new();
    let mut groups = Vec::new();
    for inv in invoices {
        let sum: Decimal = inv.lines.iter().map(|l| l.amount).sum();
        if sum != inv.total {
            problems.push(format!(
                "invoice {}: item amounts sum to {sum}, not {}",
                inv.number, inv.total
            ));
        }
        if inv.lines.is_empty() {
            problems.push(format!("invoice {} has no item lines", inv.number));
        }
        groups.push(
            inv.lines
                .iter()
                .map(|l| {
                    vec![
                        text(&inv.number),
                        text(&inv.customer),
                        Cell::text(us_date(inv.date)),
                        Cell::text(us_date(inv.due_date)),
                        text(&inv.terms),
                        text(&inv.location),
                        text(&inv.memo),
                        text(&l.item),
                        text(&l.description),
                        Cell::Empty,
                        Cell::Empty,
                        Cell::Num(number(l.amount)),
                        text(&inv.tax_code),
                        Cell::Empty,
                    ]
                })
                .collect(),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(split(&INVOICE_HEADER, &groups, MAX_INVOICES_PER_FILE))
}

/// Writes journal entries (debits and credits as positive numbers in their columns).
pub fn write_journals(journals: &[Journal]) -> Result<Vec<Vec<u8>>, Vec<String>> {
    let mut problems = Vec::new();
    let mut groups = Vec::new();
    for j in journals {
        let debits: Decimal = j
            .lines
            .iter()
            .map(|l| l.amount)
            .filter(|a| a.is_sign_positive())
            .sum();
        let credits: Decimal = j
            .lines
            .iter()
            .map(|l| l.amount)
            .filter(|a| a.is_sign_negative())
            .sum();
        if debits + credits != Decimal::ZERO {
            problems.push(format!(
                "journal entry {}: debits {debits} and credits {} do not balance",
                j.number, -credits
            ));
        }
        groups.push(
            j.lines
                .iter()
                .map(|l| {
                    let (dr, cr) = if l.amount.is_sign_negative() {
                        (Cell::Empty, Cell::Num(number(-l.amount)))
                    } else {
                        (Cell::Num(number(l.amount)), Cell::Empty)
                    };
                    vec![
                        text(&j.number),
                        Cell::text(us_date(j.date)),
                        text(&l.account),
                        text(&l.description),
                        dr,
                        cr,
                        text(&l.name),
                    ]
                })
                .collect(),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(split(&JOURNAL_HEADER, &groups, usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn invoice(n: usize) -> Invoice {
        Invoice {
            number: format!("INV-{n}"),
            customer: "Owner:Job".into(),
            date: time::macros::date!(2026 - 04 - 30),
            due_date: time::macros::date!(2026 - 05 - 30),
            terms: "Net 30".into(),
            location: String::new(),
            memo: "-PA3".into(),
            tax_code: String::new(),
            lines: vec![
                ItemLine {
                    item: "Progress Billing".into(),
                    description: "Work".into(),
                    amount: d("1000.00"),
                },
                ItemLine {
                    item: "Retainage".into(),
                    description: "Withheld".into(),
                    amount: d("-100.00"),
                },
            ],
            total: d("900.00"),
        }
    }

    #[test]
    fn invoices_split_every_hundred_and_numbers_stay_numbers() {
        let all: Vec<Invoice> = (1..=250).map(invoice).collect();
        let files = write_invoices(&all).unwrap();
        assert_eq!(files.len(), 3);
        for (f, n) in files.iter().zip([100, 100, 50]) {
            let text = String::from_utf8(f.clone()).unwrap();
            assert!(text.starts_with("Invoice number,Customer,Invoice date,Due date,"));
            assert_eq!(text.lines().count(), 1 + 2 * n);
        }
        let first = String::from_utf8(files[0].clone()).unwrap();
        let row = first.lines().nth(2).unwrap();
        assert_eq!(
            row,
            "INV-1,Owner:Job,04/30/2026,05/30/2026,Net 30,,'-PA3,Retainage,Withheld,,,-100.00,,"
        );
    }

    #[test]
    fn an_invoice_that_does_not_tie_out_is_refused() {
        let mut inv = invoice(1);
        inv.lines[1].amount = d("-99.99");
        let e = write_invoices(&[inv]).unwrap_err();
        assert!(e[0].contains("sum to 900.01, not 900.00"), "{e:?}");
    }

    #[test]
    fn journals_balance_and_put_amounts_in_their_columns() {
        let j = Journal {
            number: "PR-1".into(),
            date: time::macros::date!(2026 - 04 - 03),
            lines: vec![
                JournalLine {
                    account: "Accrued Payroll".into(),
                    description: "Payroll".into(),
                    amount: d("-300.00"),
                    name: String::new(),
                },
                JournalLine {
                    account: "Job Costs:Direct Labor".into(),
                    description: "01 31 00".into(),
                    amount: d("300.00"),
                    name: "Owner:Job".into(),
                },
            ],
        };
        let f = write_journals(std::slice::from_ref(&j)).unwrap();
        let text = String::from_utf8(f[0].clone()).unwrap();
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "PR-1,04/03/2026,Accrued Payroll,Payroll,,300.00,"
        );
        assert_eq!(
            text.lines().nth(2).unwrap(),
            "PR-1,04/03/2026,Job Costs:Direct Labor,01 31 00,300.00,,Owner:Job"
        );
        let mut bad = j;
        bad.lines[1].amount = d("300.01");
        assert!(write_journals(&[bad]).is_err());
    }

    #[test]
    fn a_file_never_exceeds_two_megabytes() {
        let mut big = invoice(1);
        big.memo = "x".repeat(300_000);
        let all: Vec<Invoice> = (0..10)
            .map(|i| Invoice {
                number: format!("B{i}"),
                ..big.clone()
            })
            .collect();
        let files = write_invoices(&all).unwrap();
        assert!(files.len() >= 2);
        assert!(files.iter().all(|f| f.len() <= MAX_FILE_BYTES));
    }
}

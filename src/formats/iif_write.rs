//! QuickBooks Desktop IIF (Intuit Interchange Format) transactions: bills, invoices and
//! general journal entries as `!TRNS`/`!SPL`/`!ENDTRNS` blocks, tab-separated, CRLF,
//! plain ASCII, dates `MM/DD/YYYY`, amounts with two decimals and no separators.
//!
//! Refuses, before writing anything, a transaction whose TRNS and SPL amounts do not sum
//! to zero, amounts with fractions of a cent, empty accounts, and text QuickBooks cannot
//! read (tabs, line breaks, double quotes, non-ASCII). Must not decide accounts or names
//! (the mapping does) nor compute amounts (callers do).

use rust_decimal::Decimal;
use time::Date;

use super::csv_write::us_date;
use crate::money::{plain, round_dp};

/// IIF transaction types aecos writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrnsType {
    Bill,
    Invoice,
    GeneralJournal,
}

impl TrnsType {
    pub fn keyword(self) -> &'static str {
        match self {
            TrnsType::Bill => "BILL",
            TrnsType::Invoice => "INVOICE",
            TrnsType::GeneralJournal => "GENERAL JOURNAL",
        }
    }
}

/// One distribution line (SPL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub account: String,
    pub name: String,
    pub class: String,
    pub amount: Decimal,
    pub memo: String,
}

/// One transaction: the TRNS line and its splits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub kind: TrnsType,
    pub date: Date,
    pub docnum: String,
    pub account: String,
    pub name: String,
    pub class: String,
    pub amount: Decimal,
    pub memo: String,
    pub due_date: Option<Date>,
    pub terms: String,
    pub splits: Vec<Split>,
}

impl Transaction {
    /// TRNS amount plus every SPL amount: zero when the transaction balances.
    pub fn imbalance(&self) -> Decimal {
        self.amount + self.splits.iter().map(|s| s.amount).sum::<Decimal>()
    }
}

/// Why a transaction cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {docnum}: {message}")]
pub struct IifError {
    pub kind: &'static str,
    pub docnum: String,
    pub message: String,
}

pub const TRNS_HEADER: &str =
    "!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tNAME\tCLASS\tAMOUNT\tDOCNUM\tMEMO\tCLEAR\tTOPRINT\tDUEDATE\tTERMS";
pub const SPL_HEADER: &str =
    "!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tNAME\tCLASS\tAMOUNT\tDOCNUM\tMEMO\tCLEAR";

/// Every problem of one transaction (empty when it can be written).
pub fn check(t: &Transaction) -> Vec<IifError> {
    let mut out = Vec::new();
    let mut err = |message: String| {
        out.push(IifError {
            kind: t.kind.keyword(),
            docnum: t.docnum.clone(),
            message,
        })
    };
    if t.splits.is_empty() {
        err("has no split lines".into());
    }
    let imbalance = t.imbalance();
    if !imbalance.is_zero() {
        err(format!(
            "TRNS and SPL amounts sum to {imbalance}, not 0; QuickBooks rejects unbalanced transactions"
        ));
    }
    let amounts = std::iter::once(("TRNS AMOUNT", t.amount))
        .chain(t.splits.iter().map(|s| ("SPL AMOUNT", s.amount)));
    for (field, a) in amounts {
        if round_dp(a, 2) != a {
            err(format!("{field} {a} has fractions of a cent"));
        }
    }
    let mut texts: Vec<(&str, &str)> = vec![
        ("TRNS ACCNT", &t.account),
        ("TRNS NAME", &t.name),
        ("TRNS CLASS", &t.class),
        ("DOCNUM", &t.docnum),
        ("TRNS MEMO", &t.memo),
        ("TERMS", &t.terms),
    ];
    for s in &t.splits {
        texts.extend([
            ("SPL ACCNT", s.account.as_str()),
            ("SPL NAME", s.name.as_str()),
            ("SPL CLASS", s.class.as_str()),
            ("SPL MEMO", s.memo.as_str()),
        ]);
    }
    for (field, v) in texts {
        if let Some(c) = v
            .chars()
            .find(|c| !c.is_ascii() || c.is_ascii_control() || *c == '"')
        {
            err(format!(
                "{field} {v:?} contains {c:?}; IIF fields are plain ASCII without tabs, line breaks or double quotes"
            ));
        }
    }
    if t.account.trim().is_empty() || t.splits.iter().any(|s| s.account.trim().is_empty()) {
        err("an account is empty; every TRNS and SPL line needs ACCNT".into());
    }
    out
}

/// Writes the transactions as one IIF file, or every problem found (nothing written).
pub fn write_iif(txns: &[Transaction]) -> Result<Vec<u8>, Vec<IifError>> {
    let problems: Vec<IifError> = txns.iter().flat_map(check).collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = String::new();
    let mut line = |fields: &[&str]| {
        out.push_str(&fields.join("\t"));
        out.push_str("\r\n");
    };
    line(&[TRNS_HEADER]);
    line(&[SPL_HEADER]);
    line(&["!ENDTRNS"]);
    for t in txns {
        let date = us_date(t.date);
        let due = t.due_date.map(us_date).unwrap_or_default();
        let kw = t.kind.keyword();
        line(&[
            "TRNS",
            "",
            kw,
            &date,
            &t.account,
            &t.name,
            &t.class,
            &plain(t.amount),
            &t.docnum,
            &t.memo,
            "N",
            "N",
            &due,
            &t.terms,
        ]);
        for s in &t.splits {
            line(&[
                "SPL",
                "",
                kw,
                &date,
                &s.account,
                &s.name,
                &s.class,
                &plain(s.amount),
                &t.docnum,
                &s.memo,
                "N",
            ]);
        }
        line(&["ENDTRNS"]);
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn bill() -> Transaction {
        Transaction {
            kind: TrnsType::Bill,
            date: time::macros::date!(2026 - 03 - 02),
            docnum: "CCC-001".into(),
            account: "Accounts Payable".into(),
            name: "Capitol Concrete Contractors, LLC".into(),
            class: String::new(),
            amount: d("-112504.59"),
            memo: "SC-002".into(),
            due_date: Some(time::macros::date!(2026 - 04 - 01)),
            terms: "Net 30".into(),
            splits: vec![
                Split {
                    account: "Job Costs:Subcontracts".into(),
                    name: "Owner:Job".into(),
                    class: String::new(),
                    amount: d("125005.10"),
                    memo: "03 30 00".into(),
                },
                Split {
                    account: "Retainage Payable".into(),
                    name: String::new(),
                    class: String::new(),
                    amount: d("-12500.51"),
                    memo: String::new(),
                },
            ],
        }
    }

    #[test]
    fn writes_blocks_with_tabs_crlf_and_us_dates() {
        let out = String::from_utf8(write_iif(&[bill()]).unwrap()).unwrap();
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0], TRNS_HEADER);
        assert_eq!(lines[2], "!ENDTRNS");
        assert_eq!(
            lines[3],
            "TRNS\t\tBILL\t03/02/2026\tAccounts Payable\tCapitol Concrete Contractors, LLC\t\t-112504.59\tCCC-001\tSC-002\tN\tN\t04/01/2026\tNet 30"
        );
        assert_eq!(
            lines[4],
            "SPL\t\tBILL\t03/02/2026\tJob Costs:Subcontracts\tOwner:Job\t\t125005.10\tCCC-001\t03 30 00\tN"
        );
        assert_eq!(lines[6], "ENDTRNS");
        assert_eq!(lines[7], "");
        assert!(out.is_ascii());
    }

    #[test]
    fn an_unbalanced_transaction_is_refused() {
        let mut t = bill();
        t.splits[1].amount = d("-12500.50");
        let e = write_iif(&[t]).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("sum to 0.01"), "{}", e[0]);
    }

    #[test]
    fn text_quickbooks_cannot_read_and_fractions_of_cents_are_refused() {
        for (field, v) in [
            ("tab", "A\tB"),
            ("quote", "A \"B\""),
            ("accent", "Café"),
            ("newline", "A\nB"),
        ] {
            let mut t = bill();
            t.memo = v.into();
            assert!(write_iif(&[t]).is_err(), "{field}");
        }
        let mut t = bill();
        t.amount = d("-112504.595");
        t.splits[0].amount = d("125005.105");
        let e = write_iif(&[t]).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        let mut t = bill();
        t.splits[0].account = " ".into();
        assert!(write_iif(&[t]).is_err());
    }
}

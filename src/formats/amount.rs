//! Exact parsing of the amounts and dates that ERP, QuickBooks and Procore exports write:
//! `$1,234.56`, `(1,234.56)`, `-1,234.56`, `1,234.56-`, and under a declared locale
//! `1.234,56 €` or `1 234,56`; dates as `MM/DD/YYYY`, `M/D/YY`, `YYYY-MM-DD`,
//! `DD.MM.YYYY`… per a declared format.
//!
//! Never goes through floating point and never guesses: text that could mean two things
//! under the declared locale or format is refused with the reason, and the caller adds
//! the file, row and column. Must not do I/O.

use rust_decimal::Decimal;
use time::{Date, Month};

/// How a locale writes numbers: which character is the decimal separator and which
/// may group thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberLocale {
    /// `1,234.56` (en-US, en-GB, en-CA, …). The default.
    #[default]
    En,
    /// `1.234,56` (de, nl, it, es, pt, da, …); a space or `'` may also group.
    De,
    /// `1 234,56` (fr, sv, nb, fi, pl, cs, …; a space or no-break space groups).
    Fr,
}

/// Locale names accepted in a mapping's `locale` (language part, case-insensitive).
pub const LOCALES: &str =
    "en (1,234.56), de/nl/it/es/pt/da/tr/id (1.234,56), fr/sv/nb/fi/pl/cs/ru (1 234,56)";

impl NumberLocale {
    /// Reads a locale name such as `de`, `de-DE`, `en_US`, `fr-CA`.
    pub fn from_name(name: &str) -> Option<NumberLocale> {
        let lang = name
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match lang.as_str() {
            "en" => Some(NumberLocale::En),
            "de" | "nl" | "it" | "es" | "pt" | "da" | "tr" | "id" => Some(NumberLocale::De),
            "fr" | "sv" | "nb" | "no" | "fi" | "pl" | "cs" | "ru" => Some(NumberLocale::Fr),
            _ => None,
        }
    }

    fn decimal(self) -> char {
        match self {
            NumberLocale::En => '.',
            NumberLocale::De | NumberLocale::Fr => ',',
        }
    }

    fn is_group(self, c: char) -> bool {
        match self {
            NumberLocale::En => c == ',',
            NumberLocale::De => matches!(c, '.' | ' ' | '\'' | '\u{a0}' | '\u{202f}'),
            NumberLocale::Fr => matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '.'),
        }
    }

    fn name(self) -> &'static str {
        match self {
            NumberLocale::En => "en",
            NumberLocale::De => "de",
            NumberLocale::Fr => "fr",
        }
    }
}

const CURRENCY: [char; 4] = ['$', '€', '£', '¥'];

/// Parses an amount as written under `locale`. Accepts surrounding spaces, one currency
/// sign before or after, thousands separators in groups of three, one negative marker
/// (`-`, `−`, a trailing `-` or accounting parentheses), a leading `+` and a trailing
/// `%`. Returns why the text is refused otherwise (never a silent zero).
pub fn parse_amount(text: &str, locale: NumberLocale) -> Result<Decimal, String> {
    let mut s = text.trim();
    if s.is_empty() {
        return Err("the amount is empty".into());
    }
    let mut negatives = 0;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negatives += 1;
        s = inner.trim();
    }
    // Signs, currency and percent may come in any order around the digits.
    loop {
        let before = s;
        if let Some(r) = s.strip_prefix(['-', '\u{2212}']) {
            negatives += 1;
            s = r.trim_start();
        }
        if let Some(r) = s.strip_suffix('-') {
            negatives += 1;
            s = r.trim_end();
        }
        if let Some(r) = s.strip_prefix('+') {
            s = r.trim_start();
        }
        if let Some(r) = s.strip_prefix(CURRENCY) {
            s = r.trim_start();
        }
        if let Some(r) = s.strip_suffix(CURRENCY) {
            s = r.trim_end();
        }
        if let Some(r) = s.strip_suffix('%') {
            s = r.trim_end();
        }
        if s == before {
            break;
        }
    }
    if negatives > 1 {
        return Err(format!(
            "{text:?} is not a number (more than one minus sign or parenthesis)"
        ));
    }
    let dec = locale.decimal();
    let (int, frac) = match s.split_once(dec) {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int.is_empty() && frac.is_none_or(str::is_empty) {
        return Err(format!("{text:?} is not a number (it has no digits)"));
    }
    let wrong_decimal = |why: &str| {
        let other = if dec == '.' { ',' } else { '.' };
        let suggest = if dec == '.' { "de or fr" } else { "en" };
        format!(
            "{text:?} is not a number under locale {}: it {why} (decimal separator {dec:?}); if the file writes {other:?} as its decimal separator, set locale = \"{suggest}\" in the mapping",
            locale.name()
        )
    };
    if let Some(f) = frac {
        if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
            return Err(
                if f.chars()
                    .any(|c| locale.is_group(c) || c == '.' || c == ',')
                {
                    wrong_decimal("has a separator after its decimal separator")
                } else {
                    format!("{text:?} is not a number (digits must follow the decimal separator)")
                },
            );
        }
    }
    // The integer part: digits, optionally grouped by one separator in threes.
    let mut digits = String::with_capacity(s.len());
    let mut group_char: Option<char> = None;
    let mut group_len: Option<usize> = None; // digits since the last separator
    let mut first_group = 0;
    for c in int.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            match group_len.as_mut() {
                Some(n) => *n += 1,
                None => first_group += 1,
            }
        } else if locale.is_group(c) {
            if group_char.is_some_and(|g| g != c) {
                return Err(format!(
                    "{text:?} is not a number (it mixes two thousands separators)"
                ));
            }
            group_char = Some(c);
            if matches!(group_len, Some(n) if n != 3) || !(1..=3).contains(&first_group) {
                return Err(wrong_decimal("is not grouped in threes"));
            }
            group_len = Some(0);
        } else if c == '.' || c == ',' {
            return Err(wrong_decimal("has a separator in the wrong place"));
        } else {
            return Err(format!(
                "{text:?} is not a number (unexpected {c:?}); write digits with an optional sign, currency sign and separators"
            ));
        }
    }
    if matches!(group_len, Some(n) if n != 3) {
        return Err(wrong_decimal("is not grouped in threes"));
    }
    if digits.is_empty() {
        digits.push('0');
    }
    if let Some(f) = frac {
        digits.push('.');
        digits.push_str(f);
    }
    let value: Decimal = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a number aecos can hold (more than 28 digits)"))?;
    Ok(if negatives == 1 { -value } else { value })
}

/// The order of day, month and year in a declared date format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Ymd,
    Mdy,
    Dmy,
}

/// A declared date format such as `MM/DD/YYYY`, `M/D/YY`, `DD.MM.YYYY`, `YYYY-MM-DD`.
/// `M`/`MM` and `D`/`DD` both accept one or two digits; `YY` accepts two digits (00–49 are
/// 2000–2049, 50–99 are 1950–1999) or four; `YYYY` only four. ISO `YYYY-MM-DD` (how
/// spreadsheet dates arrive) is accepted under every format, since it cannot be misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateFormat {
    order: Order,
    sep: char,
    short_year: bool,
}

impl Default for DateFormat {
    fn default() -> Self {
        DateFormat::ISO
    }
}

impl DateFormat {
    pub const ISO: DateFormat = DateFormat {
        order: Order::Ymd,
        sep: '-',
        short_year: false,
    };

    /// Reads a format declaration (`MM/DD/YYYY`, `M/D/YY`, `DD.MM.YYYY`, …).
    pub fn from_spec(spec: &str) -> Option<DateFormat> {
        let sep = spec.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
        let parts: Vec<&str> = spec.split(sep).collect();
        let [a, b, c] = parts.as_slice() else {
            return None;
        };
        let kind = |t: &str| match t {
            "YYYY" => Some('y'),
            "YY" => Some('s'),
            "MM" | "M" => Some('m'),
            "DD" | "D" => Some('d'),
            _ => None,
        };
        let (ka, kb, kc) = (kind(a)?, kind(b)?, kind(c)?);
        let (order, year) = match (ka, kb, kc) {
            (y @ ('y' | 's'), 'm', 'd') => (Order::Ymd, y),
            ('m', 'd', y @ ('y' | 's')) => (Order::Mdy, y),
            ('d', 'm', y @ ('y' | 's')) => (Order::Dmy, y),
            _ => return None,
        };
        Some(DateFormat {
            order,
            sep,
            short_year: year == 's',
        })
    }

    /// The declaration, for messages.
    pub fn spec(&self) -> String {
        let y = if self.short_year { "YY" } else { "YYYY" };
        let parts = match self.order {
            Order::Ymd => [y, "MM", "DD"],
            Order::Mdy => ["MM", "DD", y],
            Order::Dmy => ["DD", "MM", y],
        };
        parts.join(&self.sep.to_string())
    }
}

/// Parses a date written in `format` (or ISO `YYYY-MM-DD`; an ISO date-time is accepted
/// when its time is midnight, as spreadsheets write plain dates).
pub fn parse_date(text: &str, format: DateFormat) -> Result<Date, String> {
    let s = text.trim();
    let refuse = |why: &str| {
        format!(
            "{text:?} is not a date in the declared format {} {why}",
            format.spec()
        )
    };
    let s = match s.split_once(['T', ' ']) {
        Some((d, t)) if is_midnight(t) => d,
        Some(_) => return Err(refuse("(it has a time of day; export dates only)")),
        None => s,
    };
    if let Some(d) = crate::project::serde_util::parse_iso_date(s) {
        return Ok(d);
    }
    let parts: Vec<&str> = s.split(format.sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(refuse("(or YYYY-MM-DD)"));
    };
    let num = |t: &str, min: usize, max: usize| -> Option<u32> {
        (t.len() >= min && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let year = |t: &str| -> Option<i32> {
        match (t.len(), format.short_year) {
            (4, _) => num(t, 4, 4).and_then(|y| i32::try_from(y).ok()),
            (2, true) => num(t, 2, 2).map(|y| if y < 50 { 2000 + y } else { 1900 + y } as i32),
            _ => None,
        }
    };
    let (y, m, d) = match format.order {
        Order::Ymd => (year(a), num(b, 1, 2), num(c, 1, 2)),
        Order::Mdy => (year(c), num(a, 1, 2), num(b, 1, 2)),
        Order::Dmy => (year(c), num(b, 1, 2), num(a, 1, 2)),
    };
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return Err(refuse("(or YYYY-MM-DD)"));
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| refuse(&format!("(there is no month {m})")))?;
    let day = u8::try_from(d).unwrap_or(0);
    Date::from_calendar_date(y, month, day)
        .map_err(|_| refuse(&format!("({month} {y} has no day {d})")))
}

fn is_midnight(t: &str) -> bool {
    let t = t.trim().trim_end_matches('Z');
    !t.is_empty()
        && t.split([':', '.'])
            .all(|p| !p.is_empty() && p.bytes().all(|b| b == b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use time::macros::date;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn english_amounts() {
        let en = NumberLocale::En;
        for (text, want) in [
            ("1234.56", "1234.56"),
            ("$1,234.56", "1234.56"),
            ("(1,234.56)", "-1234.56"),
            ("($1,234.56)", "-1234.56"),
            ("-1,234.56", "-1234.56"),
            ("-$1,234.56", "-1234.56"),
            ("$-1,234.56", "-1234.56"),
            ("1,234.56-", "-1234.56"),
            ("+12", "12"),
            ("$.00", "0.00"),
            (" 1,234,567.891 ", "1234567.891"),
            ("100.00%", "100.00"),
            ("\u{2212}5", "-5"),
            ("0", "0"),
        ] {
            assert_eq!(parse_amount(text, en), Ok(d(want)), "{text:?}");
        }
    }

    #[test]
    fn continental_amounts() {
        for (text, want) in [
            ("1.234,56", "1234.56"),
            ("-1.234,56 €", "-1234.56"),
            ("1 234,56", "1234.56"),
            ("(1.234.567,5)", "-1234567.5"),
            ("12,5", "12.5"),
            ("1.234", "1234"),
            ("1'234,50", "1234.50"),
        ] {
            assert_eq!(
                parse_amount(text, NumberLocale::De),
                Ok(d(want)),
                "{text:?}"
            );
        }
        for (text, want) in [
            ("1 234,56", "1234.56"),
            ("1\u{a0}234,56", "1234.56"),
            ("1\u{202f}234\u{202f}567,00 €", "1234567.00"),
        ] {
            assert_eq!(
                parse_amount(text, NumberLocale::Fr),
                Ok(d(want)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn refuses_what_is_ambiguous_or_malformed() {
        let en = NumberLocale::En;
        for bad in [
            "",
            "abc",
            "1,23",
            "12,3456",
            "1234,567",
            "1.2.3",
            ".",
            "$",
            "1e5",
            "NaN",
            ",100",
            "1.",
            "--5",
            "(-5)",
            "5-5",
            "1,234.5,6",
            "12 345.00",
            "99999999999999999999999999999999",
        ] {
            assert!(parse_amount(bad, en).is_err(), "{bad:?} must not parse");
        }
        let e = parse_amount("1.234,56", en).unwrap_err();
        assert!(e.contains("set locale = \"de or fr\""), "{e}");
        // Under de, `1.5` is a thousands group of one digit: ambiguous, refused.
        let e = parse_amount("1.5", NumberLocale::De).unwrap_err();
        assert!(e.contains("grouped in threes"), "{e}");
        let e = parse_amount("1,234.56", NumberLocale::De).unwrap_err();
        assert!(e.contains("set locale = \"en\""), "{e}");
        assert!(parse_amount("1.234 567,00", NumberLocale::De).is_err());
    }

    #[test]
    fn locale_names() {
        assert_eq!(NumberLocale::from_name("de-DE"), Some(NumberLocale::De));
        assert_eq!(NumberLocale::from_name("en_US"), Some(NumberLocale::En));
        assert_eq!(NumberLocale::from_name("fr-CA"), Some(NumberLocale::Fr));
        assert_eq!(NumberLocale::from_name("xx"), None);
    }

    #[test]
    fn dates_in_declared_formats() {
        let mdy = DateFormat::from_spec("MM/DD/YYYY").unwrap();
        let mdyy = DateFormat::from_spec("M/D/YY").unwrap();
        let dmy = DateFormat::from_spec("DD.MM.YYYY").unwrap();
        assert_eq!(parse_date("05/13/2025", mdy), Ok(date!(2025 - 05 - 13)));
        assert_eq!(parse_date("5/13/2025", mdy), Ok(date!(2025 - 05 - 13)));
        assert_eq!(parse_date("2025-05-13", mdy), Ok(date!(2025 - 05 - 13)));
        assert_eq!(
            parse_date("2025-05-13T00:00:00", mdy),
            Ok(date!(2025 - 05 - 13))
        );
        assert_eq!(parse_date("7/16/98", mdyy), Ok(date!(1998 - 07 - 16)));
        assert_eq!(parse_date("1/6/14", mdyy), Ok(date!(2014 - 01 - 06)));
        assert_eq!(parse_date("1/6/2014", mdyy), Ok(date!(2014 - 01 - 06)));
        assert_eq!(parse_date("13.05.2025", dmy), Ok(date!(2025 - 05 - 13)));
        assert_eq!(
            parse_date("2025-05-13", DateFormat::ISO),
            Ok(date!(2025 - 05 - 13))
        );
        assert_eq!(mdy.spec(), "MM/DD/YYYY");
        assert_eq!(dmy.spec(), "DD.MM.YYYY");
        for (bad, f) in [
            ("13/05/2025", mdy),
            ("5/13/25", mdy),
            ("02/30/2025", mdy),
            ("05.13.2025", dmy),
            ("0/0/0", mdyy),
            ("2025-05-13T10:30:00", mdy),
            ("5/13", mdy),
            ("", mdy),
            ("5/13/2025x", mdy),
            ("+5/13/2025", mdy),
        ] {
            assert!(parse_date(bad, f).is_err(), "{bad:?}");
        }
        let e = parse_date("13/05/2025", mdy).unwrap_err();
        assert!(e.contains("no month 13") && e.contains("MM/DD/YYYY"), "{e}");
        for bad in ["MM/DD", "YYYY/DD/MM", "DD.MM.YYYYY", "Q/D/Y", ""] {
            assert!(DateFormat::from_spec(bad).is_none(), "{bad}");
        }
    }
}

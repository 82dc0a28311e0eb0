//! Money and percentages: parsing, rounding and plain-text formatting of `Decimal`s.
//!
//! Every amount in aecos is a `rust_decimal::Decimal`. This module must never convert to
//! or from floating point; rounding is always explicit (half away from zero, as a person
//! doing the arithmetic by hand would).

use rust_decimal::{Decimal, RoundingStrategy};

use crate::payapp::model::Rounding;

/// Parses a money or plain decimal amount as people write it in exports (en locale):
/// optional surrounding spaces, a `$`, thousands separators, a trailing `%`, and
/// accounting negatives `(12.00)`. Returns `None` for anything else (never defaults to
/// zero). See `formats::amount` for other locales and the reason a text is refused.
pub fn parse_amount(text: &str) -> Option<Decimal> {
    crate::formats::amount::parse_amount(text, crate::formats::amount::NumberLocale::En).ok()
}

/// Rounds half away from zero to `dp` decimal places.
pub fn round_dp(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Rounds an amount the way the contract says: to cents or to whole dollars.
pub fn round_money(value: Decimal, rounding: Rounding) -> Decimal {
    match rounding {
        Rounding::Cents => round_dp(value, 2),
        Rounding::WholeDollars => round_dp(value, 0),
    }
}

/// `value × percent ÷ 100`, rounded as the contract says.
pub fn percent_of(value: Decimal, percent: Decimal, rounding: Rounding) -> Decimal {
    round_money(value * percent / Decimal::ONE_HUNDRED, rounding)
}

/// True when the amount has no more precision than the rounding allows.
pub fn is_rounded(value: Decimal, rounding: Rounding) -> bool {
    round_money(value, rounding) == value
}

/// Plain machine-readable amount with exactly two decimals: `-1234.50`.
/// Used in CSV drop files (no thousands separators, no currency sign).
pub fn plain(value: Decimal) -> String {
    let mut v = round_dp(value, 2);
    if v.is_zero() {
        v = Decimal::ZERO; // never print "-0.00"
    }
    v.rescale(2);
    v.to_string()
}

/// A percentage to two decimals (`45.67`), without the `%` sign.
pub fn plain_percent(value: Decimal) -> String {
    plain(value)
}

/// A rate as written in labels: `10`, `7.5` (trailing zeros removed).
pub fn rate_text(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn parses_what_exports_contain() {
        assert_eq!(parse_amount("1234.5"), Some(d("1234.5")));
        assert_eq!(parse_amount(" $1,234,567.89 "), Some(d("1234567.89")));
        assert_eq!(parse_amount("(12.00)"), Some(d("-12.00")));
        assert_eq!(parse_amount("-0.00%"), Some(d("0.00")));
        assert_eq!(parse_amount("100.00%"), Some(d("100.00")));
        assert_eq!(parse_amount("-5267.0"), Some(d("-5267.0")));
        for bad in [
            "", "abc", "1,23", "12,3456", "1.2.3", ".", "$", "1e5", "NaN", ",100",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad:?} must not parse");
        }
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_money(d("2.345"), Rounding::Cents), d("2.35"));
        assert_eq!(round_money(d("-2.345"), Rounding::Cents), d("-2.35"));
        assert_eq!(round_money(d("2.5"), Rounding::WholeDollars), d("3"));
        assert_eq!(
            percent_of(d("715.00"), d("1.5"), Rounding::Cents),
            d("10.73")
        );
        assert_eq!(
            percent_of(d("715.00"), d("15"), Rounding::Cents),
            d("107.25")
        );
    }

    #[test]
    fn formats_plainly() {
        assert_eq!(plain(d("1234.5")), "1234.50");
        assert_eq!(plain(d("-0.001")), "0.00");
        assert_eq!(plain(d("7")), "7.00");
        assert_eq!(rate_text(d("10.00")), "10");
        assert_eq!(rate_text(d("7.50")), "7.5");
    }
}
